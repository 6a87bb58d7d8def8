//! Test fixtures: stores on both backends, a small generated portfolio, a
//! running service with a clock the test controls.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

use riskdesk_domain::rules::Rules;
use riskdesk_server::clock::Clock;
use riskdesk_server::generate::{self, DemoOperator, Params};
use riskdesk_server::http::{self, AppState};
use riskdesk_server::store::{self, Store};
use sqlx::Connection;

/// 2026-11-02 09:00 UTC: a fixed "now" for generated data.
pub const AS_OF_MS: i64 = 1_793_610_000_000;
pub const SEED: u64 = 11;

/// The data key of every test database: one, so that a test may open a
/// database again or hand it to the binary (`RISKDESK_DATA_KEY`).
pub const DATA_KEY: &str = "sealing = 0101010101010101010101010101010101010101010101010101010101010101\n\
                            index = 0202020202020202020202020202020202020202020202020202020202020202\n";

pub fn keys() -> store::DataKeys {
    store::DataKeys::parse(DATA_KEY).expect("the tests' data key")
}

/// A fresh SQLite database in memory.
pub async fn sqlite() -> Arc<dyn Store> {
    store::open("sqlite::memory:", &keys())
        .await
        .expect("in-memory SQLite")
}

/// A fresh SQLite file, served as in production (write-ahead log, a pool of
/// connections); it lives as long as the directory.
pub async fn sqlite_file() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    (store::open(&url, &keys()).await.expect("SQLite file"), dir)
}

/// A fresh database in the throwaway PostgreSQL cluster that `cargo xtask test` starts.
pub async fn postgres() -> Arc<dyn Store> {
    store::open(&postgres_database().await, &keys())
        .await
        .expect("opening the test database")
}

/// `n` stores over one fresh PostgreSQL database, each with its own pool:
/// the stores of `n` service instances.
pub async fn postgres_instances(n: usize) -> Vec<Arc<dyn Store>> {
    let url = postgres_database().await;
    let mut stores = Vec::new();
    for _ in 0..n {
        stores.push(
            store::open(&url, &keys())
                .await
                .expect("opening the test database"),
        );
    }
    stores
}

/// The URL of a fresh, empty database in the test cluster.
pub async fn postgres_database() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let admin = std::env::var("RISKDESK_TEST_PG_URL").expect(
        "the PostgreSQL tests need RISKDESK_TEST_PG_URL (an admin URL); \
         `cargo xtask test` starts a throwaway cluster and sets it",
    );
    let name = format!(
        "rd_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connecting to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    match admin.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("RISKDESK_TEST_PG_URL has no database part"),
    }
}

/// One of each backend, so that every store test runs on both.
pub async fn backends() -> Vec<Arc<dyn Store>> {
    vec![sqlite().await, postgres().await]
}

/// For the races: the backends, and SQLite as production has it — a file
/// with its pool of connections and write-ahead log, where writers really
/// wait for each other (in memory there is one connection). The file lives
/// as long as the directory.
pub async fn racing_backends() -> (Vec<Arc<dyn Store>>, tempfile::TempDir) {
    let (file, dir) = sqlite_file().await;
    let mut stores = backends().await;
    stores.push(file);
    (stores, dir)
}

/// A small portfolio, the same for every test.
pub async fn portfolio(store: &dyn Store, customers: u32) {
    let params = Params {
        customers,
        months: 6,
        seed: SEED,
        as_of_ms: AS_OF_MS,
    };
    generate::generate(store, params, |_| {})
        .await
        .expect("generating");
}

pub fn operator(id: &str) -> DemoOperator {
    generate::demo_operators(SEED)
        .into_iter()
        .find(|o| o.id == id)
        .expect("demo operator")
}

/// Sign-in limits no test reaches by accident.
pub const GENEROUS_SIGN_IN_LIMITS: http::SignInLimits = http::SignInLimits {
    per_address_burst: 10_000,
    per_address_every: std::time::Duration::from_millis(1),
    global_burst: 10_000,
    global_every: std::time::Duration::from_millis(1),
};

/// The service on a real port, over `store`, with a clock the test moves.
pub struct Service {
    pub url: String,
    /// The service's own store, for checks the API does not show.
    pub store: Arc<dyn Store>,
    pub client: reqwest::Client,
    now: Arc<AtomicI64>,
}

impl Service {
    /// The service deciding payments with the database's live rules (the
    /// shipped ones, as version 1, on a new database).
    pub async fn start(store: Arc<dyn Store>) -> Service {
        Service::start_configured(store, |state| state).await
    }

    /// The service deciding payments with `rules`, as from a rules file.
    pub async fn start_with(store: Arc<dyn Store>, rules: Rules) -> Service {
        Service::start_configured(store, |state| state.with_rules(rules)).await
    }

    /// The service with its state configured by `configure`.
    pub async fn start_configured(
        store: Arc<dyn Store>,
        configure: impl FnOnce(AppState) -> AppState,
    ) -> Service {
        let (clock, now) = Clock::manual(AS_OF_MS);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("local address"));
        // Tests sign in far more often than a team: the limits on sign-in
        // are tested apart (attacks.rs), with their own.
        let state = AppState::new(store.clone(), clock)
            .and_then(|state| state.with_sign_in_limits(GENEROUS_SIGN_IN_LIMITS))
            .expect("state");
        let state = configure(state);
        tokio::spawn(async move {
            if let Err(e) = http::serve(listener, state, std::future::pending()).await {
                panic!("the service stopped: {e}");
            }
        });
        Service {
            url,
            store,
            client: reqwest::Client::new(),
            now,
        }
    }

    pub fn advance_ms(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    /// The code the operator's authenticator shows now.
    pub fn totp(&self, operator: &DemoOperator) -> String {
        let secs = u64::try_from(self.now_ms() / 1000).expect("positive time");
        riskdesk_server::auth::totp_code(&operator.totp_secret, secs).expect("valid secret")
    }

    /// Signs in as a demo operator and returns the token. Moves the clock on a
    /// TOTP step first, since a code is accepted once.
    pub async fn sign_in(&self, id: &str) -> String {
        self.sign_in_operator(&operator(id)).await
    }

    /// Signs in as an operator of a portfolio generated with another seed.
    pub async fn sign_in_operator(&self, operator: &DemoOperator) -> String {
        self.advance_ms(30_000);
        let id = operator.id;
        let response = self
            .post("/v1/auth/sign-in", None, &serde_json::json!({
                "operator_id": id, "password": operator.password, "totp_code": self.totp(operator),
            }))
            .await;
        assert_eq!(response.0, 200, "sign-in as {id}: {}", response.1);
        response.1["token"].as_str().expect("token").to_owned()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut request = self.client.get(format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        read(request.send().await.expect("request")).await
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let (status, body, _) = self.post_with_headers(path, token, body).await;
        (status, body)
    }

    /// A POST whose answer's headers matter too.
    pub async fn post_with_headers(
        &self,
        path: &str,
        token: Option<&str>,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
        let mut request = self.client.post(format!("{}{path}", self.url)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let headers = response.headers().clone();
        let (status, body) = read(response).await;
        (status, body, headers)
    }
}

impl Service {
    /// An operator's write: a POST with its `Idempotency-Key`.
    pub async fn write(
        &self,
        path: &str,
        token: &str,
        key: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
        let response = self
            .client
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .expect("request");
        let headers = response.headers().clone();
        let (status, body) = read(response).await;
        (status, body, headers)
    }

    /// A code the operator has not used yet: the clock moves on a TOTP step.
    pub fn fresh_totp(&self, id: &str) -> String {
        self.advance_ms(30_000);
        self.totp(&operator(id))
    }
}

/// Registers a service client (the payment platform) and returns its key.
pub async fn service_key(store: &dyn Store, id: &str) -> String {
    let key = riskdesk_server::auth::new_service_key();
    store
        .add_service_client(&riskdesk_server::store::ServiceClientRow {
            id: id.to_owned(),
            key_hash: riskdesk_server::auth::token_hash(&key),
            created_at: AS_OF_MS,
            revoked_at: None,
        })
        .await
        .expect("adding a service client");
    key
}

/// Status and JSON body; every error body must be a problem document.
pub async fn read(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = response.text().await.expect("body");
    if status >= 400 {
        assert_eq!(
            content_type, "application/problem+json",
            "error body of {status}: {text}"
        );
    }
    let body = if text.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_str(&text).expect("JSON body")
    };
    (status, body)
}

/// Runs `command` with `input` typed on its standard input (a password, as
/// an operator types it); its output.
pub fn with_input(command: &mut std::process::Command, input: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running the program");
    child
        .stdin
        .take()
        .expect("its input")
        .write_all(input.as_bytes())
        .expect("typing the input");
    child.wait_with_output().expect("its output")
}

/// The base32 secret of an `otpauth://` URI, as `operator add` prints it.
pub fn totp_secret(uri: &str) -> String {
    uri.trim()
        .split(['?', '&'])
        .find_map(|part| part.strip_prefix("secret="))
        .expect("the TOTP secret")
        .to_owned()
}

/// Signs an operator in over HTTP, as a client does, with the password and
/// the TOTP code of the real clock's step; the session's bearer token.
pub async fn sign_in_over_http(
    http: &reqwest::Client,
    url: &str,
    operator_id: &str,
    password: &str,
    totp_secret: &str,
) -> String {
    let now = u64::try_from(Clock::system().now_ms() / 1000).expect("after 1970");
    let code = riskdesk_server::auth::totp_code(totp_secret, now).expect("a code");
    let body =
        serde_json::json!({"operator_id": operator_id, "password": password, "totp_code": code});
    let response = http
        .post(format!("{url}/v1/auth/sign-in"))
        .json(&body)
        .send()
        .await
        .expect("signing in");
    let (status, session) = read(response).await;
    assert_eq!(status, 200, "{session}");
    session["token"].as_str().expect("a token").to_owned()
}
