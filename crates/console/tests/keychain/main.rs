//! Sessions in the real OS keychain (the Secret Service, run by `cargo xtask
//! test` inside `dbus-run-session` with an unlocked gnome-keyring), against
//! the real service.

// Helpers unwrap as the tests do: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use riskdesk_api::auth::SignInRequest;
use riskdesk_client::{Client, ClientConfig};
use riskdesk_console::keychain::{Keychain, KeychainError, SERVICE};
use riskdesk_console::{embedded, session};
use riskdesk_server::clock::Clock;
use riskdesk_server::generate::{self, Params};
use riskdesk_server::http::{self, AppState};
use riskdesk_server::{auth, store};

const AS_OF_MS: i64 = 1_793_610_000_000;
const SEED: u64 = 5;

struct Service {
    client: Client,
    now: Arc<AtomicI64>,
}

async fn service() -> Service {
    let store = store::open("sqlite::memory:", &store::DataKeys::ephemeral())
        .await
        .unwrap();
    let params = Params {
        customers: 10,
        months: 2,
        seed: SEED,
        as_of_ms: AS_OF_MS,
    };
    generate::generate(store.as_ref(), params, |_| {})
        .await
        .unwrap();
    let (clock, now) = Clock::manual(AS_OF_MS);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(http::serve(
        listener,
        AppState::new(store, clock).unwrap(),
        std::future::pending(),
    ));
    Service {
        client: Client::new(&ClientConfig::new(url)).unwrap(),
        now,
    }
}

impl Service {
    fn sign_in_request(&self, id: &str) -> SignInRequest {
        self.now.fetch_add(30_000, Ordering::SeqCst);
        let operator = generate::demo_operators(SEED)
            .into_iter()
            .find(|o| o.id == id)
            .unwrap();
        let secs = u64::try_from(self.now.load(Ordering::SeqCst) / 1000).unwrap();
        SignInRequest {
            operator_id: id.to_owned(),
            password: operator.password,
            totp_code: auth::totp_code(&operator.totp_secret, secs).unwrap(),
            new_password: None,
        }
    }

    fn host(&self) -> String {
        self.client.origin()
    }
}

/// What the desktop's own keychain tool finds: proof that the secret is in
/// the OS keychain, not in a stand-in.
fn secret_tool_lookup(account: &str) -> Option<String> {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", SERVICE, "username", account])
        .output()
        .expect("secret-tool (package libsecret-tools)");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[tokio::test]
async fn the_token_lives_in_the_os_keychain_and_the_session_resumes_from_it() {
    let service = service().await;
    let signed = session::sign_in(
        &service.client,
        &Keychain::for_client(&service.client),
        &service.sign_in_request("officer.li"),
    )
    .await
    .unwrap();
    assert_eq!(signed.operator.id, "officer.li");
    let account = Keychain::for_host(&service.host()).account("officer.li");
    let port = service.client.base_url().rsplit(':').next().unwrap();
    assert_eq!(account, format!("officer.li@http://127.0.0.1:{port}"));
    let stored = secret_tool_lookup(&account).expect("an entry in the OS keychain");
    assert_eq!(stored.len(), 43, "the token itself is stored");
    assert!(
        !format!("{signed:?}").contains(&stored),
        "the token never prints"
    );

    // A new start of the console: the session comes back from the keychain.
    let resumed = session::resume(
        &service.client,
        &Keychain::for_client(&service.client),
        "officer.li",
    )
    .await
    .unwrap()
    .expect("resumed");
    assert_eq!(resumed.operator.id, "officer.li");
    assert!(resumed.client.alerts(&Default::default()).await.is_ok());

    session::sign_out(&resumed).await.unwrap();
    assert_eq!(
        secret_tool_lookup(&account),
        None,
        "signing out deletes the entry"
    );
    assert!(
        session::resume(
            &service.client,
            &Keychain::for_client(&service.client),
            "officer.li"
        )
        .await
        .unwrap()
        .is_none()
    );
}

#[tokio::test]
async fn an_expired_session_is_not_resumed_and_leaves_the_keychain() {
    let service = service().await;
    session::sign_in(
        &service.client,
        &Keychain::for_client(&service.client),
        &service.sign_in_request("agent.zhao"),
    )
    .await
    .unwrap();
    let account = Keychain::for_host(&service.host()).account("agent.zhao");
    assert!(secret_tool_lookup(&account).is_some());
    service.now.fetch_add(16 * 60 * 1000, Ordering::SeqCst);
    assert!(
        session::resume(
            &service.client,
            &Keychain::for_client(&service.client),
            "agent.zhao"
        )
        .await
        .unwrap()
        .is_none()
    );
    assert_eq!(secret_tool_lookup(&account), None);
    // Nobody signed in on this host yet: nothing to resume, no error.
    assert!(
        session::resume(
            &service.client,
            &Keychain::for_client(&service.client),
            "manager.chen"
        )
        .await
        .unwrap()
        .is_none()
    );
}

/// Runs in a child process whose D-Bus address leads nowhere, so that no
/// keychain can be reached: the error must say so, and nothing may be kept.
#[test]
fn an_unreachable_keychain_is_a_clear_error_not_a_fallback() {
    const CHILD: &str = "RISKDESK_TEST_NO_KEYCHAIN";
    if std::env::var_os(CHILD).is_some() {
        let keychain = Keychain::for_host("example.test:8640");
        let error = keychain.store("officer.li", "token").unwrap_err();
        assert!(matches!(error, KeychainError::Unavailable(_)), "{error:?}");
        assert!(
            error.to_string().contains("unlock your login keyring"),
            "{error}"
        );
        assert!(matches!(
            keychain.load("officer.li"),
            Err(KeychainError::Unavailable(_))
        ));
        return;
    }
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "an_unreachable_keychain_is_a_clear_error_not_a_fallback",
            "--exact",
            "--quiet",
        ])
        .env(CHILD, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/riskdesk-test-bus",
        )
        .status()
        .unwrap();
    assert!(status.success(), "the child's checks failed");
}

#[tokio::test]
async fn the_embedded_demo_is_generated_once_served_on_loopback_and_stopped_on_drop() {
    use std::sync::Mutex;

    let data = tempfile::tempdir().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let first = embedded::start(data.path(), 30, 2, move |done, total| {
        record.lock().unwrap().push((done, total));
    })
    .await
    .unwrap();
    assert_eq!(
        seen.lock().unwrap().last(),
        Some(&(30, 30)),
        "progress reaches the end"
    );
    assert!(first.url.starts_with("http://127.0.0.1:"), "{}", first.url);
    assert_eq!(first.operators.len(), 5);
    let client = Client::new(&ClientConfig::new(&first.url)).unwrap();
    assert_eq!(client.health().await.unwrap().database, "sqlite");

    // A demo operator signs in with what the sign-in screen will list.
    let officer = first
        .operators
        .iter()
        .find(|o| o.id == "officer.wang")
        .unwrap()
        .clone();
    // The embedded service runs on the real clock.
    let secs = u64::try_from(chrono_now_secs()).unwrap();
    let request = SignInRequest {
        operator_id: officer.id.to_owned(),
        password: officer.password.clone(),
        totp_code: auth::totp_code(&officer.totp_secret, secs).unwrap(),
        new_password: None,
    };
    let signed = session::sign_in(&client, &Keychain::for_client(&client), &request)
        .await
        .unwrap();
    assert!(
        !signed
            .client
            .alerts(&Default::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    session::sign_out(&signed).await.unwrap();

    let url = first.url.clone();
    drop(first);
    // The port closes once the server's task sees the signal: wait for it.
    let probe = Client::new(&ClientConfig::new(&url)).unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while probe.health().await.is_ok() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the service stops with its handle"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // A second start reuses the portfolio: no generation, the same operators.
    seen.lock().unwrap().clear();
    let again = embedded::start(data.path(), 30, 2, |_, _| panic!("generated twice"))
        .await
        .unwrap();
    assert_eq!(again.operators[1].password, officer.password);
}

/// The data key of the console's demo in `home`.
fn demo_keys(home: &tempfile::TempDir) -> store::DataKeys {
    let key = riskdesk_server::demo::data_key(&home.path().join("data"));
    store::DataKeys::load(&key).expect("the demo's data key")
}

fn chrono_now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0)
}

#[tokio::test]
async fn the_console_answers_every_screen_from_the_built_in_demo() {
    use riskdesk_api::lists::{AlertQuery, TransactionQuery};
    use riskdesk_console::app::{Console, ConsoleOptions};
    use riskdesk_console::ipc::{ChartRequest, ErrorCode, ExportRequest};
    use riskdesk_domain::operator::{Permission, Role};

    let home = tempfile::tempdir().unwrap();
    let console = Console::new(ConsoleOptions {
        config_dir: home.path().join("config"),
        data_dir: home.path().join("data"),
        demo_customers: 80,
        demo_months: 3,
        os_locale: Some("en-GB".into()),
        export_dir: home.path().join("Downloads"),
        idle_lock_secs: riskdesk_console::app::IDLE_LOCK_SECS,
    });
    let startup = console.start(|_| {}).await.unwrap();
    assert_eq!(
        startup.idle_lock_secs,
        riskdesk_console::app::IDLE_LOCK_SECS
    );
    let service = startup.service.unwrap();
    assert!(service.embedded && startup.service_error.is_none());
    assert_eq!(startup.preferences.lang, riskdesk_charts::Lang::En);
    assert_eq!(startup.demo_operators.len(), 5);
    assert_eq!(
        console.resume().await.unwrap(),
        None,
        "nobody signed in yet"
    );
    let refused = console.alerts(AlertQuery::default()).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::NotSignedIn);

    let manager = console.sign_in_demo("manager.chen".into()).await.unwrap();
    assert_eq!(manager.role, Role::Manager);
    let token = Keychain::for_host(&embedded::keychain_host(&home.path().join("data")))
        .load("manager.chen")
        .unwrap()
        .expect("the session is in the keychain");
    let settings = std::fs::read_to_string(home.path().join("config/settings.json")).unwrap();
    assert!(settings.contains("manager.chen") && !settings.contains(&token));

    let alerts = console.alerts(AlertQuery::default()).await.unwrap().items;
    let counts = console.alert_counts(AlertQuery::default()).await.unwrap();
    let all = counts.open + counts.in_review + counts.escalated + counts.closed;
    assert!(all >= i64::try_from(alerts.len()).unwrap() && all > 0);
    let account_id = alerts[0].account_id;
    let account = console.account(account_id).await.unwrap();
    assert_eq!(account.detail.summary.id, account_id);
    assert!(
        account
            .alerts
            .unwrap()
            .iter()
            .all(|a| a.account_id == account_id)
    );
    assert!(account.limit_changes.is_some() && account.blacklist_matches.is_some());
    let chart = console
        .account_chart(ChartRequest {
            account_id,
            theme: riskdesk_charts::Theme::Dark,
            lang: riskdesk_charts::Lang::Zh,
            width: 800,
            height: 300,
        })
        .await
        .unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("消费"));
    let transactions = console
        .transactions(account_id, TransactionQuery::default())
        .await
        .unwrap();
    assert!(
        transactions
            .items
            .iter()
            .all(|t| t.account_id == account_id)
    );
    // Exports: the file is complete, with every row of the list, its
    // columns in words in the operator's language; a cancelled one leaves
    // nothing behind.
    let english = riskdesk_console::ipc::Preferences {
        lang: riskdesk_charts::Lang::En,
        ..console.stored_preferences().unwrap()
    };
    console.set_preferences(english).unwrap();
    let saved = console
        .export(
            "alerts-1".into(),
            ExportRequest::Alerts {
                query: AlertQuery::default(),
            },
            |_| {},
        )
        .await
        .unwrap();
    let csv = std::fs::read_to_string(&saved.path).unwrap();
    assert!(
        csv.starts_with("\u{feff}id,created_utc,Created (China),account_id,rule,Rule,"),
        "{}",
        &csv[..80]
    );
    assert_eq!(i64::try_from(saved.rows).unwrap(), all);
    assert_eq!(saved.bytes, u64::try_from(csv.len()).unwrap());
    let cancelled = console
        .export(
            "audit-1".into(),
            ExportRequest::Audit {
                query: riskdesk_api::audit::AuditQuery::default(),
            },
            |progress| console.cancel_export(&progress.id),
        )
        .await
        .unwrap_err();
    assert_eq!(cancelled.code, ErrorCode::Cancelled);
    let files: Vec<_> = std::fs::read_dir(home.path().join("Downloads"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files, [std::path::PathBuf::from(&saved.path)]);

    // The dashboard: metrics with their charts, and a chart saved as a
    // picture and as numbers.
    let dashboard = riskdesk_console::ipc::DashboardRequest {
        query: riskdesk_api::metrics::MetricsQuery::default(),
        theme: riskdesk_charts::Theme::Light,
        lang: riskdesk_charts::Lang::Zh,
        width: 560,
        height: 260,
    };
    let board = console.fraud_dashboard(dashboard.clone()).await.unwrap();
    assert_eq!(board.metrics.approvals.len(), 30, "the last 30 days");
    assert!(board.approvals_svg.starts_with("<svg") && board.approvals_svg.contains("通过率"));
    use riskdesk_console::ipc::{ChartFormat, DashboardChart};
    let csv = console
        .export_chart(
            dashboard.clone(),
            DashboardChart::Approvals,
            ChartFormat::Csv,
        )
        .await
        .unwrap();
    assert_eq!(csv.rows, 30);
    let text = std::fs::read_to_string(&csv.path).unwrap();
    assert!(text.starts_with("\u{feff}day,approved,review,declined,approval_bp\r\n"));
    let png = console
        .export_chart(dashboard.clone(), DashboardChart::Losses, ChartFormat::Png)
        .await
        .unwrap();
    assert!(png.path.ends_with(".png"));
    assert_eq!(&std::fs::read(&png.path).unwrap()[..4], b"\x89PNG");
    // The credit side: every month of the last twelve, its buckets' CSV.
    let credit = console.credit_dashboard(dashboard.clone()).await.unwrap();
    assert_eq!(credit.metrics.buckets.len(), 12, "the last 12 months");
    assert!(
        credit.delinquency_svg.contains("逾期率"),
        "{}",
        credit.delinquency_svg
    );
    let delinquency = console
        .export_chart(dashboard, DashboardChart::Delinquency, ChartFormat::Csv)
        .await
        .unwrap();
    assert_eq!(delinquency.rows, 12);
    let text = std::fs::read_to_string(&delinquency.path).unwrap();
    assert!(
        text.starts_with("\u{feff}month,M0_accounts,M0_balance,M1_accounts"),
        "{text}"
    );
    for file in [&csv.path, &png.path, &delinquency.path] {
        std::fs::remove_file(file).unwrap();
    }

    let found = console
        .accounts(riskdesk_api::lists::AccountQuery {
            q: Some(account_id.to_string()),
            ..Default::default()
        })
        .await
        .unwrap()
        .items;
    assert_eq!(found.iter().map(|a| a.id).collect::<Vec<_>>(), [account_id]);
    let missing = console.account(99_999_999).await.unwrap_err();
    assert_eq!(
        missing.code,
        ErrorCode::Service(riskdesk_api::ProblemCode::NotFound)
    );

    // A role that may not read the blacklist gets the rest of Account 360.
    console.sign_out().await.unwrap();
    assert_eq!(
        Keychain::for_host(&embedded::keychain_host(&home.path().join("data")))
            .load("manager.chen")
            .unwrap(),
        None
    );
    console.sign_in_demo("agent.zhao".into()).await.unwrap();
    let agent_view = console.account(account_id).await.unwrap();
    assert_eq!(
        agent_view.blacklist_matches.is_some(),
        Role::CsAgent.can(Permission::ReadBlacklist)
    );
    console.sign_out().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_checks_the_chain_itself_across_pages_and_finds_a_missing_entry() {
    use riskdesk_console::app::{Console, ConsoleOptions};

    let home = tempfile::tempdir().unwrap();
    let console = Console::new(ConsoleOptions {
        config_dir: home.path().join("config"),
        data_dir: home.path().join("data"),
        demo_customers: 30,
        demo_months: 2,
        os_locale: None,
        export_dir: home.path().join("Downloads"),
        idle_lock_secs: riskdesk_console::app::IDLE_LOCK_SECS,
    });
    console.start(|_| {}).await.unwrap();
    console.sign_in_demo("manager.chen".into()).await.unwrap();
    let database = riskdesk_server::demo::database(&home.path().join("data"));
    let url = format!("sqlite://{}", database.display());
    let trail = store::open(&url, &demo_keys(&home)).await.unwrap();
    let records: Vec<store::AuditRecord> = (0..12_000i64)
        .map(|i| store::AuditRecord {
            at: 1_764_000_000_000 + i,
            actor: "officer.li".to_owned(),
            action: "alert.note".to_owned(),
            target: format!("alert:{}", i % 100),
            before: None,
            after: Some(format!("{{\"note\":\"第 {i} 条\"}}")),
        })
        .collect();
    trail.record_audit(&records).await.unwrap();
    let whole = console.verify_audit().await.unwrap();
    assert!(whole.intact && whole.service_says_intact, "{whole:?}");
    assert!(whole.entries > 12_000, "every page checked: {whole:?}");

    // One entry in the middle of the second page disappears: the pages
    // around it overlap, and the entry after it no longer follows.
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit WHERE id = 7000")
        .execute(&mut db)
        .await
        .unwrap();
    let cut = console.verify_audit().await.unwrap();
    let broken = cut.first_broken.as_ref().expect("a broken entry");
    assert_eq!(
        (broken.id, broken.kind.as_str()),
        (7001, "unlinked"),
        "{cut:?}"
    );
    assert!(!cut.intact && !cut.service_says_intact);
}

/// Measured by hand (docs/benchmarks.md), never asserted on time: the
/// console's own verification of a million-entry chain and an export of it
/// into a file, against the built-in service, as the operator runs them.
/// `cargo test --release -p riskdesk-console --test keychain a_million -- --ignored --nocapture`
/// (inside `dbus-run-session`, with an unlocked gnome-keyring).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run by hand"]
async fn a_million_entries_verified_and_exported_by_the_console() {
    use riskdesk_console::app::{Console, ConsoleOptions};
    use riskdesk_console::ipc::ExportRequest;

    let home = tempfile::tempdir().unwrap();
    let console = Console::new(ConsoleOptions {
        config_dir: home.path().join("config"),
        data_dir: home.path().join("data"),
        demo_customers: 50,
        demo_months: 2,
        os_locale: None,
        export_dir: home.path().join("Downloads"),
        idle_lock_secs: riskdesk_console::app::IDLE_LOCK_SECS,
    });
    console.start(|_| {}).await.unwrap();
    console.sign_in_demo("manager.chen".into()).await.unwrap();
    let database = riskdesk_server::demo::database(&home.path().join("data"));
    let trail = store::open(
        &format!("sqlite://{}", database.display()),
        &demo_keys(&home),
    )
    .await
    .unwrap();
    let row = |id: i64| {
        format!(
            "{{\"id\":{id},\"account_id\":{},\"rule\":\"velocity\",\"status\":\"in_review\",\
             \"assignee\":\"officer.li\",\"amount_fen\":499900,\
             \"evidence\":\"6 payments in 9 min on the account (max 5)\",\"version\":2}}",
            80_000_000 + id % 20_000
        )
    };
    for batch in 0..100i64 {
        let records: Vec<store::AuditRecord> = (0..10_000i64)
            .map(|i| {
                let id = batch * 10_000 + i + 1;
                store::AuditRecord {
                    at: 1_764_000_000_000 + id,
                    actor: "officer.li".to_owned(),
                    action: "alert.close".to_owned(),
                    target: format!("alert:{id}"),
                    before: Some(row(id)),
                    after: Some(row(id).replace("in_review", "closed")),
                }
            })
            .collect();
        trail.record_audit(&records).await.unwrap();
    }
    for run in 1..=3 {
        let started = std::time::Instant::now();
        let verification = console.verify_audit().await.unwrap();
        assert!(verification.intact && verification.service_says_intact);
        println!(
            "run {run}: the console verified {} entries in {:.2} s",
            verification.entries,
            started.elapsed().as_secs_f64()
        );
    }
    for run in 1..=2 {
        let started = std::time::Instant::now();
        let request = ExportRequest::Audit {
            query: riskdesk_api::audit::AuditQuery::default(),
        };
        let saved = console
            .export(format!("audit-{run}"), request, |_| {})
            .await
            .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "run {run}: the console saved {} rows ({:.0} MB) in {seconds:.2} s = {:.0} rows/s",
            saved.rows,
            saved.bytes as f64 / 1e6,
            saved.rows as f64 / seconds
        );
    }
}
