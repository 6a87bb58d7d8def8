//! The service's background work, once a minute: a signed checkpoint of the
//! audit chain if it grew, freezes whose time has come
//! are released (authorizations also release an account's own lapsed freezes
//! first, so a decision never waits for this), limit-change requests nobody
//! decided in time expire (an approval checks the time itself too), stale
//! notification nonces and live events older than a day are forgotten,
//! and yesterday's end of day
//! runs if it has not (once per business date, whichever instance is first).
//! On PostgreSQL, the next months' partitions of transactions are created
//! well before their first payment.

use std::time::Duration;

use crate::http::AppState;

/// How often the background work runs.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Runs the background work until the returned handle is aborted or dropped
/// with the runtime.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(INTERVAL);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            run_once(&state).await;
        }
    })
}

/// How far ahead months are prepared: a new month's partition exists
/// weeks before it starts.
const COVER_AHEAD_MS: i64 = 62 * 24 * 3600 * 1000;

/// One round of background work; failures are logged and retried next round.
pub async fn run_once(state: &AppState) {
    let now = state.clock.now_ms();
    match state
        .store
        .cover_months(now - crate::engine::MAX_LATE_MS, now + COVER_AHEAD_MS)
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(created = n, "month partitions of transactions created"),
        Err(e) => tracing::error!(error = %e, "creating month partitions failed"),
    }
    match state
        .store
        .release_lapsed_freezes(state.clock.now_ms())
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(released = n, "lapsed freezes released"),
        Err(e) => tracing::error!(error = %e, "releasing lapsed freezes failed"),
    }
    if let Some(key) = &state.audit_key {
        let key_id = crate::audit_key::key_id(&key.verifying_key());
        let sign = |message: &[u8]| {
            use ed25519_dalek::Signer;
            (key_id.clone(), key.sign(message).to_bytes())
        };
        if let Err(e) = state.store.checkpoint_audit(now, &sign).await {
            tracing::error!(error = %e, "signing an audit checkpoint failed");
        }
    }
    match state.store.expire_limit_changes(now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(expired = n, "limit-change requests expired"),
        Err(e) => tracing::error!(error = %e, "expiring limit-change requests failed"),
    }
    if let Err(e) = state
        .store
        .prune_events(now - crate::live::RETENTION_MS)
        .await
    {
        tracing::error!(error = %e, "pruning the live events failed");
    }
    // Nonces older than twice the allowed skew can never come back valid.
    let stale = now - 2 * crate::wechatpay::MAX_SKEW_SECS * 1000;
    if let Err(e) = state.store.forget_nonces(stale).await {
        tracing::error!(error = %e, "forgetting stale notification nonces failed");
    }
    let date = crate::eod::due_date_at(now);
    if let Err(e) = crate::eod::run(&*state.store, &state.rules.current().rules, date, now).await {
        tracing::error!(error = format!("{e:#}"), %date, "end of day failed; retrying next round");
    }
}
