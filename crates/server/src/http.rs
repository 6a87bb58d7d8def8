//! The HTTP API: `router(state)` for tests and `serve(listener, …)` for a
//! real port. Every route is declared once, with its OpenAPI description.

mod accounts;
mod admin;
mod alerts;
mod audit;
mod blacklist;
mod decide;
mod disputes;
mod events;
mod export;
mod freezes;
mod investigations;
mod limits;
mod metrics;
mod notifications;
mod openapi;
pub mod paging;
mod payments;
mod problem;
mod records;
mod rules;
mod session;
mod throttle;
mod views;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use riskdesk_api::auth::Health;
use riskdesk_api::{Problem, ProblemCode};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use problem::{ApiError, problem_response};
pub use throttle::SignInLimits;

use riskdesk_domain::rules::Rules;

use crate::clock::Clock;
use crate::rules_in_force::RulesInForce;
use crate::store::Store;
use crate::wechatpay::WechatPay;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A request that takes longer is answered with a `timeout` problem.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    /// The fraud rules in force, and their version.
    pub rules: Arc<RulesInForce>,
    /// The payment platform's notification keys, when configured.
    pub wechatpay: Option<Arc<WechatPay>>,
    /// The key that signs the audit chain's checkpoints, when configured.
    pub audit_key: Option<Arc<ed25519_dalek::SigningKey>>,
    /// A real argon2 hash to verify against when the operator id is unknown,
    /// so that a sign-in takes as long either way.
    dummy_hash: Arc<str>,
    throttle: Arc<throttle::Throttle>,
    exports: Arc<throttle::ExportSlots>,
    /// This instance's backtests of the rules (one at a time).
    pub backtester: Arc<crate::workbench::backtest::Backtester>,
    /// This instance's live event streams.
    pub live: Arc<crate::live::Live>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> anyhow::Result<AppState> {
        let dummy_hash = crate::auth::hash_password("no such operator")?.into();
        Ok(AppState {
            store,
            clock,
            rules: Arc::new(RulesInForce::database()),
            wechatpay: None,
            audit_key: None,
            dummy_hash,
            throttle: Arc::new(throttle::Throttle::new(SignInLimits::default())?),
            exports: Arc::default(),
            backtester: Arc::default(),
            live: Arc::default(),
        })
    }

    /// The same state with live streams that beat every `heartbeat`.
    pub fn with_live_heartbeat(self, heartbeat: Duration) -> AppState {
        AppState {
            live: Arc::new(crate::live::Live::with_heartbeat(heartbeat)),
            ..self
        }
    }

    /// The same state with other limits on sign-in requests.
    pub fn with_sign_in_limits(self, limits: SignInLimits) -> anyhow::Result<AppState> {
        Ok(AppState {
            throttle: Arc::new(throttle::Throttle::new(limits)?),
            ..self
        })
    }

    /// The same state accepting the payment platform's notifications.
    pub fn with_wechatpay(self, wechatpay: WechatPay) -> AppState {
        AppState {
            wechatpay: Some(Arc::new(wechatpay)),
            ..self
        }
    }

    /// The same state signing audit checkpoints with `key`.
    pub fn with_audit_key(self, key: ed25519_dalek::SigningKey) -> AppState {
        AppState {
            audit_key: Some(Arc::new(key)),
            ..self
        }
    }

    /// The same state deciding with a rules file's rules (not versions
    /// from the database).
    pub fn with_rules(self, rules: Rules) -> AppState {
        AppState {
            rules: Arc::new(RulesInForce::file(rules)),
            ..self
        }
    }

    /// Reads the live rules (see [`RulesInForce::load`]) and keeps them
    /// current while the state lives: what serving starts with.
    pub async fn start_rules(&self) -> anyhow::Result<()> {
        self.rules
            .load(&*self.store, self.clock.now_ms())
            .await
            .context("loading the live rules")?;
        RulesInForce::spawn_refresh(&self.rules, &self.store);
        Ok(())
    }
}

/// The routes and the OpenAPI document that describes them: the sign-in
/// routes (rate-limited) apart from the rest.
fn routes() -> (Router<AppState>, Router<AppState>, utoipa::openapi::OpenApi) {
    let (sign_in, sign_in_doc) = OpenApiRouter::new()
        .routes(routes!(session::sign_in))
        .routes(routes!(session::sign_out))
        .split_for_parts();
    let (router, mut doc) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(health))
        .routes(routes!(session::me))
        .routes(routes!(accounts::list))
        .routes(routes!(accounts::detail))
        .routes(routes!(accounts::transactions))
        .routes(routes!(accounts::history))
        .routes(routes!(accounts::blacklist_matches))
        .routes(routes!(accounts::reveal))
        .routes(routes!(investigations::account_links))
        .routes(routes!(investigations::cases, investigations::open_case))
        .routes(routes!(investigations::case))
        .routes(routes!(investigations::step))
        .routes(routes!(investigations::attach))
        .routes(routes!(investigations::freeze_all))
        .routes(routes!(investigations::blacklist_shared))
        .routes(routes!(investigations::report))
        .routes(routes!(investigations::attachment))
        .routes(routes!(freezes::list, freezes::place))
        .routes(routes!(freezes::release))
        .routes(routes!(limits::propose))
        .routes(routes!(alerts::list))
        .routes(routes!(alerts::counts))
        .routes(routes!(alerts::detail))
        .routes(routes!(alerts::notes, alerts::add_note))
        .routes(routes!(alerts::triage))
        .routes(routes!(alerts::bulk_triage))
        .routes(routes!(alerts::next))
        .routes(routes!(rules::overview, rules::save_draft))
        .routes(routes!(rules::record))
        .routes(routes!(rules::one))
        .routes(routes!(rules::shadow))
        .routes(routes!(rules::shadow_comparison))
        .routes(routes!(rules::publish))
        .routes(routes!(rules::start_backtest, rules::backtests))
        .routes(routes!(rules::backtest))
        .routes(routes!(rules::cancel_backtest))
        .routes(routes!(blacklist::list, blacklist::add))
        .routes(routes!(blacklist::request_removal))
        .routes(routes!(blacklist::approve_removal))
        .routes(routes!(blacklist::reject_removal))
        .routes(routes!(records::limit_changes))
        .routes(routes!(limits::detail))
        .routes(routes!(limits::approve))
        .routes(routes!(limits::reject))
        .routes(routes!(records::disputes, disputes::open))
        .routes(routes!(disputes::detail))
        .routes(routes!(disputes::step))
        .routes(routes!(admin::list, admin::add))
        .routes(routes!(admin::change))
        .routes(routes!(admin::sessions))
        .routes(routes!(admin::end_session))
        .routes(routes!(admin::service_clients, admin::add_service_client))
        .routes(routes!(admin::revoke_service_client))
        .routes(routes!(export::transactions))
        .routes(routes!(export::alerts))
        .routes(routes!(export::disputes))
        .routes(routes!(export::audit))
        .routes(routes!(audit::list))
        .routes(routes!(audit::chain))
        .routes(routes!(audit::checkpoints))
        .routes(routes!(audit::keys))
        .routes(routes!(audit::verify))
        .routes(routes!(events::stream))
        .routes(routes!(metrics::fraud))
        .routes(routes!(metrics::credit))
        .routes(routes!(payments::authorize))
        .routes(routes!(payments::settle))
        .routes(routes!(payments::reverse))
        .routes(routes!(payments::refund))
        .routes(routes!(payments::repay))
        .routes(routes!(notifications::wechatpay))
        .split_for_parts();
    doc.merge(sign_in_doc);
    openapi::complete(&mut doc);
    (sign_in, router, doc)
}

/// The OpenAPI 3.1 document, as served at `/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().2
}

pub fn router(state: AppState) -> Router {
    let (sign_in, api, doc) = routes();
    let doc = Arc::new(doc);
    api.merge(state.throttle.limit(sign_in))
        .route(
            "/v1/openapi.json",
            axum::routing::get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(|| async { ApiError::new(ProblemCode::NotFound, "no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                ProblemCode::MethodNotAllowed,
                "this route does not take that method",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(time_limit))
        .layer(CatchPanicLayer::custom(|_| {
            problem_response(Problem::new(
                ProblemCode::Internal,
                "the service failed unexpectedly",
            ))
        }))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn time_limit(request: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            ApiError::new(ProblemCode::Timeout, "the request took longer than 10 s").into_response()
        }
    }
}

/// Whether the service and its database answer.
#[utoipa::path(get, path = "/v1/health", tag = "service",
    responses((status = 200, body = Health), (status = 500, body = riskdesk_api::Problem)))]
async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store.ping().await?;
    Ok(Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: state.store.backend().to_owned(),
    }))
}

/// The certificate chain and private key (PEM files) for serving HTTPS.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub certificate: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

impl TlsFiles {
    /// Reads and checks the files, so that a bad certificate fails before serving.
    pub async fn load(&self) -> anyhow::Result<axum_server::tls_rustls::RustlsConfig> {
        use anyhow::Context;
        // The process-wide TLS provider; a second install (tests) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        axum_server::tls_rustls::RustlsConfig::from_pem_file(&self.certificate, &self.key)
            .await
            .with_context(|| {
                format!(
                    "loading the TLS certificate {} and key {}",
                    self.certificate.display(),
                    self.key.display()
                )
            })
    }
}

/// Serves the API over HTTPS (rustls) on `listener` until `shutdown` completes.
pub async fn serve_tls(
    listener: TcpListener,
    state: AppState,
    tls: axum_server::tls_rustls::RustlsConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    let live = state.live.clone();
    tokio::spawn(async move {
        shutdown.await;
        live.close();
        stopper.graceful_shutdown(Some(Duration::from_secs(10)));
    });
    state.start_rules().await?;
    axum_server::from_tcp_rustls(listener.into_std()?, tls)?
        .handle(handle)
        .serve(app(state))
        .await?;
    Ok(())
}

/// The router as a service that knows each connection's peer address (for
/// the per-address sign-in limit), and the limiter's housekeeping beside it.
fn app(
    state: AppState,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Router, std::net::SocketAddr> {
    let throttle = Arc::downgrade(&state.throttle);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            match throttle.upgrade() {
                Some(throttle) => throttle.forget_quiet_addresses(),
                None => return,
            }
        }
    });
    router(state).into_make_service_with_connect_info::<std::net::SocketAddr>()
}

/// Serves the API on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    (state.start_rules().await).map_err(|e| std::io::Error::other(format!("{e:#}")))?;
    let live = state.live.clone();
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Open streams would hold the shutdown until they end.
            live.close();
        })
        .await
}
