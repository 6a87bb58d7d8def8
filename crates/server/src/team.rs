//! The team's administration from the command line (`riskdesk-server
//! operator …`, `sessions …`, `service-client …`): the same decisions the
//! admin's endpoints make — claimed, versioned, checked by
//! `operator::may_change`, audited — with `cli` (whoever runs the command on
//! the service's host) as the actor.

use anyhow::{Context, bail};
use riskdesk_domain::operator::{OperatorChange, Role};

use crate::auth;
use crate::clock::Clock;
use crate::store::{
    Actor, Claim, Claimed, Decided, OperatorAdminRow, OperatorEdit, OperatorWrite,
    ServiceClientAdminRow, SessionAdminRow, Store,
};

/// The audit trail's actor for changes made on the service's host.
pub const CLI_ACTOR: &str = "cli";

/// A fresh claim for one command: a command is never retried by itself.
async fn claim(store: &dyn Store, route: &str) -> anyhow::Result<(Claim, Actor)> {
    let now = Clock::system().now_ms();
    let claim = Claim {
        scope: format!("operator:{CLI_ACTOR}"),
        key: auth::new_token(),
        request_hash: route.to_owned(),
        now,
    };
    match store.claim(&claim, now).await? {
        Claimed::New => {}
        _ => bail!("could not claim a fresh request key"),
    }
    let actor = Actor {
        id: CLI_ACTOR.to_owned(),
        role: Role::Admin,
        step: None,
    };
    Ok((claim, actor))
}

/// The record a decision returned, or its refusal as an error.
fn accepted(decided: Decided) -> anyhow::Result<Decided> {
    match decided {
        Decided::Refused(refused) => bail!("refused: {}", refused.refusal),
        other => Ok(other),
    }
}

/// Changes an operator as it stands now; for a new authenticator, also its
/// `otpauth://` URI (to be shown once).
pub async fn change_operator(
    store: &dyn Store,
    id: &str,
    change: OperatorChange,
) -> anyhow::Result<(OperatorAdminRow, Option<String>)> {
    let now = Clock::system().now_ms();
    let current = store
        .operators_admin(now)
        .await?
        .into_iter()
        .find(|o| o.id == id)
        .with_context(|| format!("no operator {id}"))?;
    let edit = match change {
        OperatorChange::SetRole(role) => OperatorEdit::SetRole(role),
        OperatorChange::Disable => OperatorEdit::Disable,
        OperatorChange::Enable => OperatorEdit::Enable,
        OperatorChange::ResetTotp => OperatorEdit::ResetTotp {
            secret: auth::new_totp_secret(),
        },
    };
    let otpauth = match &edit {
        OperatorEdit::ResetTotp { secret } => Some(auth::otpauth_uri(id, secret)),
        _ => None,
    };
    let write = OperatorWrite {
        id: id.to_owned(),
        version: current.version,
        edit,
    };
    let (claim, actor) = claim(store, &format!("operators/{id}/changes")).await?;
    match accepted(store.change_operator(&claim, &actor, &write).await?)? {
        Decided::Operator(row) => Ok((row, otpauth)),
        other => bail!("unexpected outcome {other:?}"),
    }
}

/// Ends one session by its public id.
pub async fn end_session(store: &dyn Store, id: &str) -> anyhow::Result<SessionAdminRow> {
    let (claim, actor) = claim(store, &format!("sessions/{id}/end")).await?;
    match accepted(store.end_session(&claim, &actor, id).await?)? {
        Decided::Session(row) => Ok(row),
        other => bail!("unexpected outcome {other:?}"),
    }
}

/// Revokes a service client as it stands now.
pub async fn revoke_service_client(
    store: &dyn Store,
    id: &str,
) -> anyhow::Result<ServiceClientAdminRow> {
    let current = store
        .service_clients()
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .with_context(|| format!("no service client {id}"))?;
    let (claim, actor) = claim(store, &format!("service-clients/{id}/revoke")).await?;
    match accepted(
        store
            .revoke_service_client(&claim, &actor, id, current.version)
            .await?,
    )? {
        Decided::ServiceClient(row) => Ok(row),
        other => bail!("unexpected outcome {other:?}"),
    }
}
