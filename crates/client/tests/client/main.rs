//! The client against the real service over a real port: typed problems,
//! TLS through a private CA, retries of safe reads only.

// Helpers here unwrap as the tests do: a failure is the test failing.
#![allow(clippy::unwrap_used)]

mod faults;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use riskdesk_api::ProblemCode;
use riskdesk_api::auth::SignInRequest;
use riskdesk_api::lists::{AccountQuery, AccountSort, AlertQuery};
use riskdesk_client::{Client, ClientConfig, ClientError};
use riskdesk_server::clock::Clock;
use riskdesk_server::generate::{self, Params};
use riskdesk_server::http::{self, AppState, TlsFiles};
use riskdesk_server::{auth, store};

const AS_OF_MS: i64 = 1_793_610_000_000;
const SEED: u64 = 3;

async fn state() -> AppState {
    let store = store::open("sqlite::memory:", &store::DataKeys::ephemeral())
        .await
        .unwrap();
    let params = Params {
        customers: 40,
        months: 3,
        seed: SEED,
        as_of_ms: AS_OF_MS,
    };
    generate::generate(store.as_ref(), params, |_| {})
        .await
        .unwrap();
    AppState::new(store, Clock::manual(AS_OF_MS).0).unwrap()
}

fn sign_in_request(id: &str, password: Option<&str>) -> SignInRequest {
    let operator = generate::demo_operators(SEED)
        .into_iter()
        .find(|o| o.id == id)
        .unwrap();
    let code = auth::totp_code(&operator.totp_secret, (AS_OF_MS / 1000) as u64).unwrap();
    SignInRequest {
        operator_id: id.to_owned(),
        password: password.map_or(operator.password, str::to_owned),
        totp_code: code,
        new_password: None,
    }
}

/// An open alert nobody has taken, to decide on.
async fn open_alert(client: &Client) -> riskdesk_api::views::AlertView {
    client
        .alerts(&AlertQuery::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|a| a.status == riskdesk_domain::alert::AlertStatus::Open && a.assignee.is_none())
        .expect("an open alert")
}

async fn free_port() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr.to_string())
}

#[tokio::test]
async fn problems_arrive_as_codes_and_reads_work_once_signed_in() {
    let (listener, addr) = free_port().await;
    tokio::spawn(http::serve(listener, state().await, std::future::pending()));
    let client = Client::new(&ClientConfig::new(format!("http://{addr}"))).unwrap();

    assert_eq!(client.health().await.unwrap().database, "sqlite");
    let unsigned = client.alerts(&AlertQuery::default()).await.unwrap_err();
    assert_eq!(unsigned.code(), Some(ProblemCode::Unauthenticated));
    let wrong = client
        .sign_in(&sign_in_request("officer.li", Some("nope")))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Some(ProblemCode::InvalidCredentials));
    assert!(wrong.to_string().contains("wrong"), "{wrong}");

    let signed = client
        .sign_in(&sign_in_request("officer.li", None))
        .await
        .unwrap();
    assert!(
        !format!("{signed:?}").contains(&signed.token),
        "the token never prints"
    );
    let officer = client.signed_in(&signed.token);
    assert!(!format!("{officer:?}").contains(&signed.token));
    assert_eq!(officer.me().await.unwrap().id, "officer.li");
    let query = AccountQuery {
        sort: Some(AccountSort::LimitDesc),
        limit: Some(5),
        ..Default::default()
    };
    let accounts = officer.accounts(&query).await.unwrap();
    assert_eq!(accounts.items.len(), 5);
    assert!(accounts.items.windows(2).all(|w| w[0].limit >= w[1].limit));
    let detail = officer.account(accounts.items[0].id).await.unwrap();
    assert_eq!(detail.summary.id, accounts.items[0].id);
    let missing = officer.account(1).await.unwrap_err();
    assert_eq!(missing.code(), Some(ProblemCode::NotFound));
    let forbidden = client
        .signed_in(
            &client
                .sign_in(&sign_in_request("admin.sun", None))
                .await
                .unwrap()
                .token,
        )
        .alerts(&AlertQuery::default())
        .await
        .unwrap_err();
    assert_eq!(forbidden.code(), Some(ProblemCode::Forbidden));

    officer.sign_out().await.unwrap();
    assert_eq!(
        officer.me().await.unwrap_err().code(),
        Some(ProblemCode::SessionExpired)
    );
}

/// A CA, and a server certificate it signed for 127.0.0.1, as PEM files.
struct Pki {
    dir: tempfile::TempDir,
    ca_pem: String,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "RiskDesk test CA");
        let ca =
            rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
                .unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        let certificate = params.signed_by(&key, &ca).unwrap();
        std::fs::write(dir.path().join("server.pem"), certificate.pem()).unwrap();
        std::fs::write(dir.path().join("server.key"), key.serialize_pem()).unwrap();
        // A certificate that signs itself, for the same address.
        let rogue_key = rcgen::KeyPair::generate().unwrap();
        let rogue = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .self_signed(&rogue_key)
            .unwrap();
        std::fs::write(dir.path().join("rogue.pem"), rogue.pem()).unwrap();
        std::fs::write(dir.path().join("rogue.key"), rogue_key.serialize_pem()).unwrap();
        Pki {
            dir,
            ca_pem: ca.pem(),
        }
    }

    fn files(&self, name: &str) -> TlsFiles {
        TlsFiles {
            certificate: self.dir.path().join(format!("{name}.pem")),
            key: self.dir.path().join(format!("{name}.key")),
        }
    }
}

async fn serve_https(tls: TlsFiles) -> String {
    let (listener, addr) = free_port().await;
    let config = tls.load().await.unwrap();
    tokio::spawn(http::serve_tls(
        listener,
        state().await,
        config,
        std::future::pending(),
    ));
    format!("https://{addr}")
}

#[tokio::test]
async fn tls_through_a_private_ca_and_nothing_else() {
    let pki = Pki::new();
    let url = serve_https(pki.files("server")).await;
    let trusting = ClientConfig {
        ca_certificate_pem: Some(pki.ca_pem.clone().into_bytes()),
        ..ClientConfig::new(&url)
    };
    assert_eq!(
        Client::new(&trusting)
            .unwrap()
            .health()
            .await
            .unwrap()
            .status,
        "ok"
    );

    // Without the CA the public roots do not know this certificate.
    let error = Client::new(&ClientConfig::new(&url))
        .unwrap()
        .health()
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::Tls(_)), "{error:?}");
    assert!(error.to_string().contains("not trusted"), "{error}");

    // A self-signed certificate is refused even by a client with a CA.
    let rogue_url = serve_https(pki.files("rogue")).await;
    let trusting_rogue = ClientConfig {
        base_url: rogue_url,
        ..trusting.clone()
    };
    let error = Client::new(&trusting_rogue)
        .unwrap()
        .health()
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::Tls(_)), "{error:?}");

    let garbage = ClientConfig {
        ca_certificate_pem: Some(b"not a certificate".to_vec()),
        ..trusting
    };
    let error = Client::new(&garbage).unwrap_err();
    assert!(matches!(error, ClientError::Config(_)), "{error:?}");
}

#[tokio::test]
async fn safe_reads_are_retried_and_writes_are_not() {
    use axum::routing::{get, post};
    let reads = Arc::new(AtomicU32::new(0));
    let writes = Arc::new(AtomicU32::new(0));
    let unavailable = || {
        let problem = riskdesk_api::Problem::new(ProblemCode::Internal, "restarting");
        (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(problem),
        )
    };
    let (r, w) = (reads.clone(), writes.clone());
    // A stand-in that fails twice, then answers: only the retry logic is under test.
    let app = axum::Router::new()
        .route(
            "/v1/health",
            get(move || async move {
                if r.fetch_add(1, Ordering::SeqCst) < 2 {
                    return Err(unavailable());
                }
                Ok(axum::Json(
                    serde_json::json!({"status": "ok", "version": "x", "database": "sqlite"}),
                ))
            }),
        )
        .route(
            "/v1/auth/sign-in",
            post(move || async move {
                w.fetch_add(1, Ordering::SeqCst);
                unavailable()
            }),
        );
    let (listener, addr) = free_port().await;
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::new(&ClientConfig::new(format!("http://{addr}"))).unwrap();
    assert_eq!(client.health().await.unwrap().status, "ok");
    assert_eq!(reads.load(Ordering::SeqCst), 3, "two retries");
    let error = client
        .sign_in(&sign_in_request("officer.li", None))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(ProblemCode::Internal));
    assert_eq!(writes.load(Ordering::SeqCst), 1, "a write is sent once");

    // Nobody listening: a clear error naming the address.
    let (gone, gone_addr) = free_port().await;
    drop(gone);
    let error = Client::new(&ClientConfig::new(format!("http://{gone_addr}")))
        .unwrap()
        .health()
        .await
        .unwrap_err();
    assert!(
        matches!(error, ClientError::Unreachable { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&gone_addr), "{error}");
    assert!(matches!(
        Client::new(&ClientConfig::new("ftp://x")),
        Err(ClientError::Config(_))
    ));
}

#[tokio::test]
async fn a_decision_is_answered_once_and_again_from_its_key() {
    let (listener, addr) = free_port().await;
    tokio::spawn(http::serve(listener, state().await, std::future::pending()));
    let client = Client::new(&ClientConfig::new(format!("http://{addr}"))).unwrap();
    let token = client
        .sign_in(&sign_in_request("officer.li", None))
        .await
        .unwrap()
        .token;
    let client = client.signed_in(&token);
    let alert = open_alert(&client).await;
    let path = format!("/v1/alerts/{}/triage", alert.id);
    let claim = serde_json::json!({"version": alert.version, "action": {"type": "claim"}});
    let first: riskdesk_client::Decided<serde_json::Value> =
        client.decide(&path, "key-claim-1", &claim).await.unwrap();
    assert!(!first.replayed);
    let again: riskdesk_client::Decided<serde_json::Value> =
        client.decide(&path, "key-claim-1", &claim).await.unwrap();
    assert!(again.replayed);
    assert_eq!(again.record, first.record);
    // A new decision on the old version: stale, with the alert as it is now.
    let error = client
        .decide::<_, serde_json::Value>(&path, "key-claim-2", &claim)
        .await
        .unwrap_err();
    let ClientError::Problem { code, current, .. } = error else {
        panic!("{error:?}")
    };
    assert_eq!(code, ProblemCode::StaleVersion);
    assert_eq!(current.unwrap()["version"], alert.version + 1);
}

#[tokio::test]
async fn a_decision_without_an_answer_is_sent_again_with_its_key_then_called_undecided() {
    use axum::routing::post;
    let keys = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let seen = keys.clone();
    // A stand-in: busy (the first attempt in flight) twice, then the answer.
    let app = axum::Router::new().route(
        "/v1/decide",
        post(move |headers: axum::http::HeaderMap| async move {
            let key = headers["idempotency-key"].to_str().unwrap().to_owned();
            let attempt = {
                let mut keys = seen.lock().unwrap();
                keys.push(key.clone());
                keys.len()
            };
            if key == "never-answered" || attempt <= 2 {
                let problem = riskdesk_api::Problem::new(ProblemCode::RequestInFlight, "busy");
                return Err((axum::http::StatusCode::CONFLICT, axum::Json(problem)));
            }
            Ok((
                [("idempotent-replayed", "true")],
                axum::Json(serde_json::json!({"ok": true})),
            ))
        }),
    );
    let (listener, addr) = free_port().await;
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::new(&ClientConfig::new(format!("http://{addr}"))).unwrap();
    let decided: riskdesk_client::Decided<serde_json::Value> = client
        .decide("/v1/decide", "the-same-key", &serde_json::json!({}))
        .await
        .unwrap();
    assert!(decided.replayed, "the first attempt's answer");
    assert_eq!(*keys.lock().unwrap(), ["the-same-key"; 3]);
    let error = client
        .decide::<_, serde_json::Value>("/v1/decide", "never-answered", &serde_json::json!({}))
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::Undecided(_)), "{error:?}");
    assert!(
        keys.lock().unwrap()[3..]
            .iter()
            .all(|k| k == "never-answered")
    );
}
