//! The risk service's HTTP client, for the console and for tests.
//!
//! Every failure is a [`ClientError`]: the service's own problems keep their
//! [`ProblemCode`], and transport failures say what went wrong in words an
//! operator can act on (unreachable, timed out, cut off, untrusted
//! certificate). Safe reads are retried with backoff when the line failed
//! (not after a timeout). An operator's decision carries an
//! idempotency key and is retried with that same key — the service applies
//! it once however often it arrives — and a decision whose fate stays
//! unknown is [`ClientError::Undecided`]; sign-in is never retried.
//!
//! ```no_run
//! # async fn demo() -> Result<(), riskdesk_client::ClientError> {
//! use riskdesk_client::{Client, ClientConfig};
//!
//! let client = Client::new(&ClientConfig::new("http://127.0.0.1:8640"))?;
//! println!("{:?}", client.health().await?);
//! # Ok(()) }
//! ```

mod decisions;
mod exports;
mod investigations;
pub mod live;
mod rules;

pub use exports::Download;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use riskdesk_api::audit::{
    AuditEntryView, AuditKeyView, AuditQuery, ChainQuery, CheckpointView, RevealRequest, Revealed,
    VerifyReport,
};
use riskdesk_api::auth::{Health, OperatorView, SignInRequest, SignInResponse};
use riskdesk_api::decisions::{AlertNoteView, DisputeDetail};
use riskdesk_api::decisions::{IDEMPOTENCY_KEY, REPLAYED};
use riskdesk_api::lists::{
    AccountQuery, AlertQuery, BlacklistQuery, DisputeQuery, HistoryQuery, LimitChangeQuery,
    TransactionQuery,
};
use riskdesk_api::metrics::{CreditMetrics, FraudMetrics, MetricsQuery};
use riskdesk_api::views::{
    AccountDetail, AccountFreezeView, AccountSummary, AlertCounts, AlertView, BlacklistEntryView,
    DisputeView, LimitChangeView, MonthView, TransactionView,
};
use riskdesk_api::{Page, Problem, ProblemCode};

/// A decision's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Decided<T> {
    pub record: T,
    /// The service had decided this request before (an earlier attempt got
    /// through): this is that first answer, and nothing was done again.
    pub replayed: bool,
}

/// How to reach the service.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `http://host:port` or `https://host:port`.
    pub base_url: String,
    /// A PEM certificate to trust as the root for `https`, for a service with
    /// a private CA. When given, it is the only root trusted.
    pub ca_certificate_pem: Option<Vec<u8>>,
    /// Per request, including the body.
    pub timeout: Duration,
    /// Attempts for a safe read, the first one included.
    pub read_attempts: u32,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>) -> ClientConfig {
        ClientConfig {
            base_url: base_url.into(),
            ca_certificate_pem: None,
            timeout: Duration::from_secs(10),
            read_attempts: 3,
        }
    }
}

/// Why a call failed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The service answered with a problem.
    #[error("{detail}")]
    Problem {
        code: ProblemCode,
        status: u16,
        detail: String,
        /// With `stale_version`: the record as it is now.
        current: Option<serde_json::Value>,
    },
    /// A decision was sent but no answer came back, even after retries with
    /// its key: it may or may not have taken effect. Sending it again with the
    /// same key is safe.
    #[error(
        "no answer from the risk service ({0}); it is not known whether the decision took effect"
    )]
    Undecided(String),
    /// Nothing answered at the address.
    #[error("the risk service at {url} cannot be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the risk service did not answer within {0:?}")]
    Timeout(Duration),
    /// The connection broke after the request went out and before its
    /// answer was whole: the request may or may not have arrived.
    #[error("the connection to the risk service broke off before its answer was complete ({0})")]
    Interrupted(String),
    /// The TLS handshake failed: usually a certificate the client does not trust.
    #[error(
        "the risk service's certificate is not trusted ({0}); check the service URL and the CA certificate"
    )]
    Tls(String),
    /// The configuration is unusable (a bad URL, an unreadable CA certificate).
    #[error("{0}")]
    Config(String),
    /// The service answered something that is not the API's response.
    #[error("unexpected answer from the risk service: {0}")]
    Protocol(String),
}

impl ClientError {
    /// The service's problem code, when the service answered with one.
    pub fn code(&self) -> Option<ProblemCode> {
        match self {
            ClientError::Problem { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether trying the same safe request again may succeed. Not after a
    /// timeout: the service is slow, and a second wait would double the
    /// operator's before the console can say so.
    fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } | ClientError::Interrupted(_) => true,
            ClientError::Problem { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }

    /// Whether a decision sent again with its key may get its answer.
    fn is_undecided(&self) -> bool {
        match self {
            ClientError::Problem { code, .. } => *code == ProblemCode::RequestInFlight,
            ClientError::Protocol(_) | ClientError::Timeout(_) => true,
            other => other.is_transient(),
        }
    }
}

/// A client for one service. Cheap to clone; `signed_in` adds a session token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
    read_attempts: u32,
    token: Option<String>,
}

/// The token never prints.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Whether `url` names this computer, where plain HTTP crosses no network.
fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl Client {
    pub fn new(config: &ClientConfig) -> Result<Client, ClientError> {
        let base_url = config.base_url.trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&base_url)
            .map_err(|e| ClientError::Config(format!("service URL {base_url:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(ClientError::Config(format!(
                "service URL {base_url:?} must be http:// or https:// with a host"
            )));
        }
        if url.scheme() == "http" && !is_loopback(&url) {
            return Err(ClientError::Config(format!(
                "service URL {base_url:?} is plain HTTP: the password and the session token \
                 would cross the network readable by anyone on the way. Use https:// \
                 (http:// is only for a service on this computer: localhost, 127.0.0.1, [::1])"
            )));
        }
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .use_rustls_tls()
            .user_agent(concat!("riskdesk-client/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = &config.ca_certificate_pem {
            let bad = |why: String| ClientError::Config(format!("the CA certificate file {why}"));
            let certificates = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| bad(format!("cannot be read: {e}")))?;
            if certificates.is_empty() {
                return Err(bad(
                    "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
                ));
            }
            builder = builder.tls_built_in_root_certs(false);
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Config(e.to_string()))?;
        Ok(Client {
            http,
            base_url,
            timeout: config.timeout,
            read_attempts: config.read_attempts.max(1),
            token: None,
        })
    }

    /// The same client, sending `token` as its session.
    pub fn signed_in(&self, token: &str) -> Client {
        Client {
            token: Some(token.to_owned()),
            ..self.clone()
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The service's origin, `scheme://host:port` (the port written out
    /// even when it is the scheme's default): what a secret for it is kept under.
    pub fn origin(&self) -> String {
        match reqwest::Url::parse(&self.base_url) {
            Ok(url) => format!(
                "{}://{}:{}",
                url.scheme(),
                url.host_str().unwrap_or_default(),
                url.port_or_known_default().unwrap_or_default()
            ),
            Err(_) => self.base_url.clone(),
        }
    }

    pub async fn health(&self) -> Result<Health, ClientError> {
        self.read("/v1/health", &()).await
    }

    /// Not retried: a TOTP code is accepted once.
    pub async fn sign_in(&self, request: &SignInRequest) -> Result<SignInResponse, ClientError> {
        self.write(Method::POST, "/v1/auth/sign-in", request).await
    }

    pub async fn sign_out(&self) -> Result<(), ClientError> {
        self.write::<_, serde::de::IgnoredAny>(Method::POST, "/v1/auth/sign-out", &())
            .await
            .map(|_| ())
    }

    pub async fn me(&self) -> Result<OperatorView, ClientError> {
        self.read("/v1/me", &()).await
    }

    pub async fn accounts(
        &self,
        query: &AccountQuery,
    ) -> Result<Page<AccountSummary>, ClientError> {
        self.read("/v1/accounts", query).await
    }

    pub async fn account(&self, id: i64) -> Result<AccountDetail, ClientError> {
        self.read(&format!("/v1/accounts/{id}"), &()).await
    }

    pub async fn transactions(
        &self,
        account_id: i64,
        query: &TransactionQuery,
    ) -> Result<Page<TransactionView>, ClientError> {
        self.read(&format!("/v1/accounts/{account_id}/transactions"), query)
            .await
    }

    pub async fn alerts(&self, query: &AlertQuery) -> Result<Page<AlertView>, ClientError> {
        self.read("/v1/alerts", query).await
    }

    /// Alerts per status under the query's other filters (without its page,
    /// which the counts refuse).
    pub async fn alert_counts(&self, query: &AlertQuery) -> Result<AlertCounts, ClientError> {
        let filters = AlertQuery {
            cursor: None,
            limit: None,
            ..query.clone()
        };
        self.read("/v1/alerts/counts", &filters).await
    }

    /// The account's last `months` calendar months, oldest first.
    pub async fn history(
        &self,
        account_id: i64,
        months: u32,
    ) -> Result<Vec<MonthView>, ClientError> {
        let query = HistoryQuery {
            months: Some(months),
        };
        self.read(&format!("/v1/accounts/{account_id}/history"), &query)
            .await
    }

    pub async fn blacklist_matches(
        &self,
        account_id: i64,
    ) -> Result<Vec<BlacklistEntryView>, ClientError> {
        self.read(&format!("/v1/accounts/{account_id}/blacklist-matches"), &())
            .await
    }

    pub async fn blacklist(
        &self,
        query: &BlacklistQuery,
    ) -> Result<Page<BlacklistEntryView>, ClientError> {
        self.read("/v1/blacklist", query).await
    }

    pub async fn limit_changes(
        &self,
        query: &LimitChangeQuery,
    ) -> Result<Page<LimitChangeView>, ClientError> {
        self.read("/v1/limit-changes", query).await
    }

    pub async fn alert(&self, id: i64) -> Result<AlertView, ClientError> {
        self.read(&format!("/v1/alerts/{id}"), &()).await
    }

    pub async fn alert_notes(&self, alert_id: i64) -> Result<Vec<AlertNoteView>, ClientError> {
        self.read(&format!("/v1/alerts/{alert_id}/notes"), &())
            .await
    }

    /// An account's freezes, newest first.
    pub async fn freezes(&self, account_id: i64) -> Result<Vec<AccountFreezeView>, ClientError> {
        self.read(&format!("/v1/accounts/{account_id}/freezes"), &())
            .await
    }

    pub async fn audit(&self, query: &AuditQuery) -> Result<Page<AuditEntryView>, ClientError> {
        self.read("/v1/audit", query).await
    }

    /// Up to `limit` entries after `after_id`, oldest first.
    pub async fn audit_chain(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<AuditEntryView>, ClientError> {
        let query = ChainQuery {
            after_id: Some(after_id),
            limit: Some(limit),
        };
        self.read("/v1/audit/chain", &query).await
    }

    pub async fn audit_checkpoints(&self) -> Result<Vec<CheckpointView>, ClientError> {
        self.read("/v1/audit/checkpoints", &()).await
    }

    pub async fn audit_keys(&self) -> Result<Vec<AuditKeyView>, ClientError> {
        self.read("/v1/audit/keys", &()).await
    }

    /// One masked field of an account's customer, revealed with a reason
    /// (audited). Never retried: each reveal is recorded.
    pub async fn reveal(
        &self,
        account_id: i64,
        request: &RevealRequest,
    ) -> Result<Revealed, ClientError> {
        self.write(
            Method::POST,
            &format!("/v1/accounts/{account_id}/reveal"),
            request,
        )
        .await
    }

    /// The service's own verification of the whole chain.
    pub async fn audit_verify(&self) -> Result<VerifyReport, ClientError> {
        self.read("/v1/audit/verify", &()).await
    }

    /// A dispute and its timeline.
    pub async fn dispute(&self, id: i64) -> Result<DisputeDetail, ClientError> {
        self.read(&format!("/v1/disputes/{id}"), &()).await
    }

    pub async fn disputes(&self, query: &DisputeQuery) -> Result<Page<DisputeView>, ClientError> {
        self.read("/v1/disputes", query).await
    }

    /// Every operator, as an admin sees them.
    pub async fn operators(
        &self,
    ) -> Result<Vec<riskdesk_api::admin::OperatorAdminView>, ClientError> {
        self.read("/v1/operators", &()).await
    }

    /// An operator's sessions that have not ended (admins).
    pub async fn operator_sessions(
        &self,
        operator: &str,
    ) -> Result<Vec<riskdesk_api::admin::SessionAdminView>, ClientError> {
        let operator = path_id(operator)?;
        self.read(&format!("/v1/operators/{operator}/sessions"), &())
            .await
    }

    /// The payment platform's service clients (admins).
    pub async fn service_clients(
        &self,
    ) -> Result<Vec<riskdesk_api::admin::ServiceClientView>, ClientError> {
        self.read("/v1/service-clients", &()).await
    }

    /// Fraud and authorization metrics over a period (the dashboard).
    pub async fn fraud_metrics(&self, query: &MetricsQuery) -> Result<FraudMetrics, ClientError> {
        self.read("/v1/metrics/fraud", query).await
    }

    /// Credit metrics over the months a period touches (the dashboard).
    pub async fn credit_metrics(&self, query: &MetricsQuery) -> Result<CreditMetrics, ClientError> {
        self.read("/v1/metrics/credit", query).await
    }

    /// An operator's decision: POSTed with its idempotency key, and sent
    /// again with the same key (after 200 ms, 400 ms, …) while no answer
    /// comes back or the first attempt is still in flight. Returns the record
    /// and whether the service had already decided it (a replay).
    pub async fn decide<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        body: &B,
    ) -> Result<Decided<T>, ClientError> {
        self.decide_with(path, key, |request| request.json(body))
            .await
    }

    /// [`Client::decide`] with a body of its own (a file, say), which
    /// `with_body` adds to each attempt.
    pub async fn decide_with<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        with_body: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<Decided<T>, ClientError> {
        let mut attempt = 1;
        loop {
            let request = with_body(
                self.request(Method::POST, path)
                    .header(IDEMPOTENCY_KEY, key),
            );
            match self.send_with_headers(request).await {
                Ok((record, headers)) => {
                    let replayed = headers
                        .get(REPLAYED)
                        .is_some_and(|v| v.as_bytes() == b"true");
                    return Ok(Decided { record, replayed });
                }
                Err(e) if e.is_undecided() && attempt < self.read_attempts + 2 => {
                    tracing::debug!(path, attempt, error = %e, "sending a decision again");
                    tokio::time::sleep(Duration::from_millis(200 << (attempt - 1))).await;
                    attempt += 1;
                }
                Err(e) if e.is_undecided() => return Err(ClientError::Undecided(e.to_string())),
                Err(e) => return Err(e),
            }
        }
    }

    /// A GET, retried with backoff (100 ms, 200 ms, …) while the failure is transient.
    async fn read<Q: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &Q,
    ) -> Result<T, ClientError> {
        let mut attempt = 1;
        loop {
            let request = self.request(Method::GET, path).query(query);
            match self.send(request).await {
                Err(e) if e.is_transient() && attempt < self.read_attempts => {
                    let pause = Duration::from_millis(100 << (attempt - 1));
                    tracing::debug!(path, attempt, error = %e, "retrying a read");
                    tokio::time::sleep(pause).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// Sends a request whose body is read later, a piece at a time: the
    /// answer must begin within the client's timeout; a refusal is its problem.
    async fn open_body(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let response = tokio::time::timeout(self.timeout, request.send())
            .await
            .map_err(|_| ClientError::Timeout(self.timeout))?
            .map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        if !status.is_success() {
            let bytes = response
                .bytes()
                .await
                .map_err(|e| self.transport_error(&e))?;
            return Err(problem(status, &bytes));
        }
        Ok(response)
    }

    async fn write<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.request(method, path).json(body)).await
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, format!("{}{path}", self.base_url));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        self.send_with_headers(request).await.map(|(body, _)| body)
    }

    async fn send_with_headers<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(T, reqwest::header::HeaderMap), ClientError> {
        let response = request.send().await.map_err(|e| self.transport_error(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&e))?;
        if status.is_success() {
            let body: &[u8] = if status == StatusCode::NO_CONTENT {
                b"null"
            } else {
                &bytes
            };
            return serde_json::from_slice(body)
                .map(|body| (body, headers))
                .map_err(|e| ClientError::Protocol(format!("{status}: {e}")));
        }
        Err(problem(status, &bytes))
    }

    fn transport_error(&self, error: &reqwest::Error) -> ClientError {
        if error.is_timeout() {
            return ClientError::Timeout(self.timeout);
        }
        let chain = error_chain(error);
        let lower = chain.to_lowercase();
        if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
            return ClientError::Tls(chain);
        }
        if error.is_connect() {
            return ClientError::Unreachable {
                url: self.base_url.clone(),
                reason: chain,
            };
        }
        // Decoding, too, is reading the body here: the JSON is parsed apart.
        if error.is_request() || error.is_body() || error.is_decode() {
            return ClientError::Interrupted(chain);
        }
        ClientError::Protocol(chain)
    }
}

/// A failed answer's problem document, as an error.
fn problem(status: StatusCode, bytes: &[u8]) -> ClientError {
    match serde_json::from_slice::<Problem>(bytes) {
        Ok(problem) => ClientError::Problem {
            code: problem.code,
            status: status.as_u16(),
            detail: problem.detail,
            current: problem.current,
        },
        Err(_) => ClientError::Protocol(format!(
            "{status} without a problem document (is this the risk service?)"
        )),
    }
}

/// An error and its causes, innermost last: reqwest's own message says little.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
/// An operator's or client's id, checked before it goes into a path, so
/// that no id can name another route.
pub fn path_id(id: &str) -> Result<&str, ClientError> {
    checked_path_part(
        id,
        riskdesk_api::admin::valid_id(id),
        "an operator or client id",
    )
}

/// A session's public id, checked the same way.
pub fn path_session_id(id: &str) -> Result<&str, ClientError> {
    checked_path_part(
        id,
        riskdesk_api::admin::valid_session_id(id),
        "a session id",
    )
}

fn checked_path_part<'a>(id: &'a str, valid: bool, what: &str) -> Result<&'a str, ClientError> {
    if valid {
        Ok(id)
    } else {
        Err(ClientError::Problem {
            code: ProblemCode::InvalidValue,
            status: 400,
            detail: format!("{id:?} is not {what}"),
            current: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Client, ClientConfig, ClientError};

    fn refused(url: &str) -> bool {
        matches!(Client::new(&ClientConfig::new(url)), Err(ClientError::Config(m)) if m.contains("https://"))
    }

    #[test]
    fn plain_http_only_to_this_computer() {
        for url in [
            "http://risk.example.test:8640",
            "http://10.0.0.5",
            "http://192.168.1.2:8640",
            "http://[2001:db8::1]:8640",
            "http://localhost.example.test",
        ] {
            assert!(refused(url), "{url}");
        }
        for url in [
            "https://risk.example.test:8640",
            "http://localhost:8640",
            "http://127.0.0.1:8640",
            "http://127.0.0.2",
            "http://[::1]:8640",
        ] {
            assert!(Client::new(&ClientConfig::new(url)).is_ok(), "{url}");
        }
    }
}
