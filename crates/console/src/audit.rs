//! Verifying the audit chain here, in the console, rather than trusting the
//! service's word: every entry's hash is recomputed and its link checked,
//! and the service's signed checkpoints are checked against the public key
//! this console pinned the first time it saw the service.

use riskdesk_api::audit::{AuditEntryView, CheckpointView};
use riskdesk_client::{Client, ClientError};
use riskdesk_domain::audit::{self, Chained, Checkpoint, Entry, GENESIS, Verifier};

use crate::ipc::{AuditVerification, BrokenEntry};

/// Entries per request while verifying.
const BATCH: u32 = 5_000;

/// Verifies the whole chain the service serves. `pinned` is the public key
/// (hex) first seen for this service, if any; the answer carries the key it
/// used, for pinning.
pub async fn verify(
    client: &Client,
    pinned: Option<&str>,
) -> Result<AuditVerification, ClientError> {
    let protocol = |what: &str| ClientError::Protocol(format!("the audit {what} is malformed"));
    let served = client.audit_keys().await?.into_iter().next();
    let key_hex = pinned
        .map(str::to_owned)
        .or_else(|| served.as_ref().map(|k| k.public_key.clone()));
    let key_changed = matches!((pinned, &served), (Some(p), Some(s)) if p != s.public_key);
    let public = key_hex
        .as_deref()
        .and_then(audit::from_hex::<32>)
        .map(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes))
        .transpose()
        .map_err(|_| protocol("signing key"))?;
    let checkpoints = match &public {
        Some(_) => client
            .audit_checkpoints()
            .await?
            .iter()
            .map(checkpoint)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| protocol("checkpoint"))?,
        None => Vec::new(),
    };
    // Without any key only the chain itself can be checked.
    let mut verifier = Verifier::new(GENESIS, checkpoints, public.as_ref());
    let mut after = 0;
    let mut broken = None;
    loop {
        let page = client.audit_chain(after, BATCH).await?;
        let Some(last) = page.last().map(|e| e.id) else {
            break;
        };
        let batch = page
            .iter()
            .map(chained)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| protocol("chain"))?;
        if let Err(b) = verifier.feed(&batch) {
            broken = Some(b);
            break;
        }
        after = last;
    }
    let verified = match broken {
        Some(b) => Err(b),
        None => verifier.finish(true),
    };
    let service = client.audit_verify().await?;
    let (entries, checkpoints, first_broken) = match verified {
        Ok(v) => (v.entries, v.checkpoints, None),
        Err(b) => (
            0,
            0,
            Some(BrokenEntry {
                id: b.id,
                kind: b.why.code().to_owned(),
                why: b.why.to_string(),
            }),
        ),
    };
    Ok(AuditVerification {
        intact: first_broken.is_none() && !key_changed,
        entries,
        checkpoints,
        key: key_hex,
        key_changed,
        first_broken,
        service_says_intact: service.intact,
    })
}

fn chained(e: &AuditEntryView) -> Option<Chained> {
    Some(Chained {
        entry: Entry {
            id: e.id,
            at: e.at.timestamp_millis(),
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
        },
        prev_hash: audit::from_hex(&e.prev_hash)?,
        hash: audit::from_hex(&e.hash)?,
    })
}

fn checkpoint(c: &CheckpointView) -> Option<Checkpoint> {
    Some(Checkpoint {
        last_id: c.last_id,
        hash: audit::from_hex(&c.hash)?,
        signed_at: c.signed_at_ms,
        signature: audit::from_hex(&c.signature)?,
    })
}
