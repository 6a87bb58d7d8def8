//! The one place the service reads the clock. Logic takes `now` from here,
//! so that tests can move time (idle expiry, lockouts, TOTP steps).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};

/// Milliseconds since the Unix epoch, UTC.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        #[allow(clippy::disallowed_methods)] // The edge where the real clock is read.
        Clock(Arc::new(|| Utc::now().timestamp_millis()))
    }

    /// A clock that stands still until the returned handle moves it.
    pub fn manual(start_ms: i64) -> (Clock, Arc<AtomicI64>) {
        let now = Arc::new(AtomicI64::new(start_ms));
        let read = now.clone();
        (Clock(Arc::new(move || read.load(Ordering::SeqCst))), now)
    }

    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Clock").field(&self.now_ms()).finish()
    }
}

/// Milliseconds since the epoch as a UTC time; out-of-range values clamp to the epoch.
pub fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
