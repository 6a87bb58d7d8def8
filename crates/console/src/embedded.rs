//! The embedded default: with no service configured, the console runs the
//! reference service in-process on 127.0.0.1 (a free port) over a demo
//! portfolio in the app's data directory, generated on first start. The
//! only module of the console that knows the service's crate: the rest talks
//! to any service through `riskdesk_client`.

use std::path::Path;

use riskdesk_api::auth::SignInRequest;
use riskdesk_server::clock::Clock;
use riskdesk_server::demo;
pub use riskdesk_server::demo::{CUSTOMERS, MONTHS};
pub use riskdesk_server::generate::DemoOperator;
use riskdesk_server::http::{self, AppState};
use riskdesk_server::store::Purpose;
use tokio::sync::oneshot;

/// Why the embedded service did not start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the built-in demo service could not start: {0}")]
pub struct EmbeddedError(String);

/// The running service; it stops when this is dropped.
#[derive(Debug)]
pub struct EmbeddedService {
    pub url: String,
    /// The demo operators, for the sign-in screen.
    pub operators: Vec<DemoOperator>,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for EmbeddedService {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A demo operator's sign-in, with the TOTP code of this moment: made here,
/// in Rust, so that neither the password nor the code reaches the webview.
pub fn sign_in_request(operator: &DemoOperator) -> SignInRequest {
    let now = u64::try_from(Clock::system().now_ms() / 1000).unwrap_or_default();
    SignInRequest {
        operator_id: operator.id.to_owned(),
        password: operator.password.clone(),
        totp_code: riskdesk_server::auth::totp_code(&operator.totp_secret, now).unwrap_or_default(),
        new_password: None,
    }
}

/// The keychain's name for the demo in `data_dir`: its port is new at every
/// start while its sessions persist in its database, so the name is the
/// directory's, not a host and port; two demos (two test homes) never share
/// an entry.
pub fn keychain_host(data_dir: &Path) -> String {
    format!("built-in-demo:{}", data_dir.display())
}

/// Starts the service over the demo in `data_dir`, generating the portfolio
/// (`customers` over `months`) if there is none; `progress(done, total)`
/// follows the generation.
pub async fn start(
    data_dir: &Path,
    customers: u32,
    months: u32,
    progress: impl Fn(u64, u64),
) -> Result<EmbeddedService, EmbeddedError> {
    let fail = |e: anyhow::Error| EmbeddedError(format!("{e:#}"));
    let clock = Clock::system();
    let params = demo::params(customers, months, demo::SEED, clock.now_ms());
    let (store, operators, _) =
        demo::open_or_generate(data_dir, params, Purpose::Embedded, progress)
            .await
            .map_err(fail)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| EmbeddedError(format!("no free port on 127.0.0.1: {e}")))?;
    let url = format!(
        "http://{}",
        listener
            .local_addr()
            .map_err(|e| EmbeddedError(e.to_string()))?
    );
    let key =
        riskdesk_server::audit_key::load_or_create(&demo::audit_key(data_dir)).map_err(fail)?;
    let state = AppState::new(store, clock)
        .map_err(fail)?
        .with_audit_key(key);
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let jobs = riskdesk_server::jobs::spawn(state.clone());
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(e) = http::serve(listener, state, shutdown).await {
            tracing::error!(error = %e, "the embedded service stopped");
        }
        jobs.abort();
    });
    Ok(EmbeddedService {
        url,
        operators,
        stop: Some(stop),
    })
}
