//! The service's background work: once a minute, freezes whose time has come
//! are released (authorizations also release an account's own lapsed freezes
//! first, so a decision never waits for this).

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

/// One round of background work; failures are logged and retried next round.
pub async fn run_once(state: &AppState) {
    match state
        .store
        .release_lapsed_freezes(state.clock.now_ms())
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(released = n, "lapsed freezes released"),
        Err(e) => tracing::error!(error = %e, "releasing lapsed freezes failed"),
    }
}
