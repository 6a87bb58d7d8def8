//! What keeps a sign-in flood from stopping payments: rate limits on
//! `/v1/auth/*`, per source address and in all (tower_governor, answered
//! with 429 and `Retry-After`), password hashing on blocking threads, no
//! more at once than there are cores, and sign-ins by unknown ids counted
//! rather than each written. Beside them, what bounds an operator's
//! exports: two running at once.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderValue, Request, Response, header};
use axum::response::IntoResponse;
use governor::middleware::NoOpMiddleware;
use riskdesk_api::ProblemCode;
use tokio::sync::Semaphore;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::{GlobalKeyExtractor, KeyExtractor};
use tower_governor::{GovernorError, GovernorLayer};

use super::problem::ApiError;

/// How fast sign-ins may come. A team signs in a few times a day each; an
/// office behind one address signs in together in the morning.
#[derive(Clone, Copy, Debug)]
pub struct SignInLimits {
    /// Requests one address may send at once, then one per `per_address_every`.
    pub per_address_burst: u32,
    pub per_address_every: Duration,
    /// Requests all addresses together may send at once, then one per `global_every`.
    pub global_burst: u32,
    pub global_every: Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            per_address_burst: 20,
            per_address_every: Duration::from_secs(3),
            global_burst: 30,
            global_every: Duration::from_millis(200),
        }
    }
}

/// The limiters of one service instance, and its hashing permits.
#[derive(Debug)]
pub struct Throttle {
    per_address: Arc<GovernorConfig<PeerAddress, NoOpMiddleware>>,
    global: Arc<GovernorConfig<GlobalKeyExtractor, NoOpMiddleware>>,
    hashing: Semaphore,
    /// Failed sign-ins by ids that do not exist: counted, and summed up in
    /// the audit trail at most once a minute (not each written).
    unknown: AtomicU64,
    unknown_summed_at: AtomicI64,
}

/// How often the count of unknown-id sign-ins reaches the audit trail.
pub const UNKNOWN_SUM_EVERY_MS: i64 = 60_000;

impl Throttle {
    pub fn new(limits: SignInLimits) -> anyhow::Result<Throttle> {
        let per_address = GovernorConfigBuilder::default()
            .key_extractor(PeerAddress)
            .period(limits.per_address_every)
            .burst_size(limits.per_address_burst)
            .finish()
            .ok_or_else(|| anyhow::anyhow!("sign-in limits must not be zero"))?;
        let global = GovernorConfigBuilder::default()
            .key_extractor(GlobalKeyExtractor)
            .period(limits.global_every)
            .burst_size(limits.global_burst)
            .finish()
            .ok_or_else(|| anyhow::anyhow!("sign-in limits must not be zero"))?;
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Ok(Throttle {
            per_address: Arc::new(per_address),
            global: Arc::new(global),
            hashing: Semaphore::new(cores),
            unknown: AtomicU64::new(0),
            unknown_summed_at: AtomicI64::new(i64::MIN),
        })
    }

    /// Wraps the sign-in routes: the per-address limit first, so that one
    /// address spends no share of the global one once it is over its own.
    pub fn limit<S: Clone + Send + Sync + 'static>(
        &self,
        routes: axum::Router<S>,
    ) -> axum::Router<S> {
        routes
            .layer(GovernorLayer::new(self.global.clone()).error_handler(too_many))
            .layer(GovernorLayer::new(self.per_address.clone()).error_handler(too_many))
    }

    /// Forgets addresses that have been quiet, so that a flood from many
    /// addresses does not keep memory; called now and then.
    pub fn forget_quiet_addresses(&self) {
        self.per_address.limiter().retain_recent();
    }

    /// Runs argon2 (`work`) on a blocking thread, at most one per core at once.
    pub async fn hash<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let _permit = self.hashing.acquire().await?;
        Ok(tokio::task::spawn_blocking(work).await?)
    }

    /// Counts a sign-in by an unknown id; returns the count since the last
    /// sum when it is time (at `now`) for the next one.
    pub fn unknown_id(&self, now: i64) -> Option<u64> {
        self.unknown.fetch_add(1, Ordering::Relaxed);
        let last = self.unknown_summed_at.load(Ordering::Relaxed);
        let due = now.saturating_sub(last) >= UNKNOWN_SUM_EVERY_MS;
        (due && self
            .unknown_summed_at
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok())
        .then(|| self.unknown.swap(0, Ordering::Relaxed))
    }
}

/// The peer's address; a request without one (served in-process, never on
/// a socket) counts as one shared address.
#[derive(Clone, Copy, Debug)]
pub struct PeerAddress;

impl KeyExtractor for PeerAddress {
    type Key = IpAddr;

    fn extract<T>(&self, request: &Request<T>) -> Result<IpAddr, GovernorError> {
        Ok(request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip()))
    }
}

fn too_many(error: GovernorError) -> Response<Body> {
    let wait = match error {
        GovernorError::TooManyRequests { wait_time, .. } => wait_time.max(1),
        _ => 1,
    };
    let mut response = ApiError::new(
        ProblemCode::RateLimited,
        format!("too many sign-in requests; try again in {wait} s"),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    response
}

/// Exports one operator may run at once: each holds a database connection
/// for as long as it streams.
pub const EXPORTS_PER_OPERATOR: usize = 2;

/// The exports running now, by operator.
#[derive(Debug, Default)]
pub struct ExportSlots {
    running: std::sync::Mutex<std::collections::HashMap<String, usize>>,
}

/// One running export's place; given back when the export's stream ends or
/// is dropped (the client went away).
#[derive(Debug)]
pub struct ExportSlot {
    slots: Arc<ExportSlots>,
    operator: String,
}

impl ExportSlots {
    /// A place for `operator`'s next export, or `None` when they already
    /// run [`EXPORTS_PER_OPERATOR`].
    pub fn take(self: &Arc<Self>, operator: &str) -> Option<ExportSlot> {
        let mut running = self.lock();
        let count = running.entry(operator.to_owned()).or_default();
        if *count >= EXPORTS_PER_OPERATOR {
            return None;
        }
        *count += 1;
        Some(ExportSlot {
            slots: self.clone(),
            operator: operator.to_owned(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, usize>> {
        // A panic while holding the lock leaves the counts whole.
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Drop for ExportSlot {
    fn drop(&mut self) {
        let mut running = self.slots.lock();
        if let Some(count) = running.get_mut(&self.operator) {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.operator);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_runs_two_exports_at_once_and_a_finished_one_frees_its_place() {
        let slots = Arc::new(ExportSlots::default());
        let first = slots.take("officer.li").unwrap();
        let _second = slots.take("officer.li").unwrap();
        assert!(slots.take("officer.li").is_none());
        assert!(
            slots.take("officer.wang").is_some(),
            "others have their own"
        );
        drop(first);
        assert!(slots.take("officer.li").is_some());
    }

    #[test]
    fn unknown_ids_are_summed_once_a_minute() {
        let throttle = Throttle::new(SignInLimits::default()).unwrap();
        assert_eq!(throttle.unknown_id(1_000), Some(1), "the first is written");
        assert_eq!(throttle.unknown_id(2_000), None);
        assert_eq!(throttle.unknown_id(60_999), None);
        assert_eq!(throttle.unknown_id(61_000), Some(3), "with the two since");
    }
}
