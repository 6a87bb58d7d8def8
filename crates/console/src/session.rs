//! Signing in, resuming and signing out. The token goes from the service's
//! answer straight into the keychain; it is never written to a file or a log,
//! and nothing here hands it to the webview.

use riskdesk_api::ProblemCode;
use riskdesk_api::auth::{OperatorView, SignInRequest};
use riskdesk_client::{Client, ClientError};

use crate::keychain::{Keychain, KeychainError};

/// Why a session step failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Service(#[from] ClientError),
    #[error(transparent)]
    Keychain(#[from] KeychainError),
}

/// A signed-in operator: the client carries the token; the token itself is
/// only in the keychain and in that client.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub operator: OperatorView,
    pub client: Client,
    keychain: Keychain,
}

/// Signs in and keeps the token in `keychain`. The keychain is checked
/// first, so that a locked keychain is reported before a TOTP code is spent.
pub async fn sign_in(
    client: &Client,
    keychain: &Keychain,
    request: &SignInRequest,
) -> Result<SignedIn, SessionError> {
    let keychain = keychain.clone();
    let operator_id = request.operator_id.clone();
    let probe = keychain.clone();
    blocking(move || probe.load(&operator_id).map(|_| ())).await?;
    tracing::info!(operator = %request.operator_id, "signing in");
    let answer = client.sign_in(request).await?;
    let signed = client.signed_in(&answer.token);
    let operator_id = answer.operator.id.clone();
    let store = keychain.clone();
    blocking(move || store.store(&operator_id, &answer.token)).await?;
    tracing::info!(operator = %answer.operator.id, "signed in; the session is in the keychain");
    Ok(SignedIn {
        operator: answer.operator,
        client: signed,
        keychain,
    })
}

/// Resumes the operator's session from the keychain if the service still
/// accepts it. An expired or unknown session is removed from the keychain.
pub async fn resume(
    client: &Client,
    keychain: &Keychain,
    operator_id: &str,
) -> Result<Option<SignedIn>, SessionError> {
    let keychain = keychain.clone();
    let id = operator_id.to_owned();
    let probe = keychain.clone();
    let Some(token) = blocking(move || probe.load(&id)).await? else {
        return Ok(None);
    };
    let signed = client.signed_in(&token);
    match signed.me().await {
        Ok(operator) => Ok(Some(SignedIn {
            operator,
            client: signed,
            keychain,
        })),
        Err(e)
            if matches!(
                e.code(),
                Some(ProblemCode::SessionExpired | ProblemCode::Unauthenticated)
            ) =>
        {
            let id = operator_id.to_owned();
            blocking(move || keychain.delete(&id)).await?;
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the keychain answers (and is unlocked), without signing anyone in.
pub async fn check_keychain(keychain: &Keychain) -> Result<(), SessionError> {
    let probe = keychain.clone();
    // Reading an entry that need not exist touches the keychain and nothing else.
    blocking(move || probe.load("keychain-check").map(|_| ())).await?;
    Ok(())
}

/// Removes the session from the keychain, then ends it on the service. The
/// entry goes first, so that signing out on this machine always works and
/// never waits for a slow or unreachable service.
pub async fn sign_out(session: &SignedIn) -> Result<(), SessionError> {
    let keychain = session.keychain.clone();
    let id = session.operator.id.clone();
    let removed = blocking(move || keychain.delete(&id)).await;
    let service = session.client.sign_out().await;
    removed?;
    match service {
        Err(e) if e.code().is_none() => Err(e.into()),
        _ => Ok(()),
    }
}

/// Keychain calls block on D-Bus; they run off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, KeychainError> + Send + 'static,
) -> Result<T, KeychainError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| KeychainError::Failed(format!("keychain task: {e}")))?
}
