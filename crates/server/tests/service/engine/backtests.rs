//! Comparisons of a draft with the live rules through HTTP, on a history
//! built by hand where the right answer is known: five payments decided by
//! the live rules, one labelled confirmed fraud by the team, and a draft
//! that lets that one through and holds another. The backtest replays them;
//! the shadow judges them as they arrive; both report the same. Also the
//! job's rows: one running per version, a silent one failed, a Cancel seen
//! by the job.

use riskdesk_server::http::AppState;
use riskdesk_server::store::{AlertTriage, NewBacktest, NotStarted};
use riskdesk_server::workbench::backtest::{Backtester, JobProcess};

use super::*;

/// The service on a small portfolio, its clock an hour past the start
/// (a one-day backtest covers the payments made here and none of the
/// generated history), an account, and a service client's key.
async fn quiet_service(store: &Arc<dyn Store>) -> (Service, Account, String) {
    quiet_service_configured(store, |state| state).await
}

async fn quiet_service_configured(
    store: &Arc<dyn Store>,
    configure: impl FnOnce(AppState) -> AppState,
) -> (Service, Account, String) {
    support::portfolio(store.as_ref(), 50).await;
    let account = roomy_account(store.as_ref()).await;
    let key = support::service_key(store.as_ref(), "wechatpay").await;
    let service = Service::start_configured(store.clone(), configure).await;
    service.advance_ms(START_MS - AS_OF_MS + 3_600_000);
    (service, account, key)
}

/// Five payments the live rules decide: four in four minutes (the fourth
/// is one too many for the account's ten-minute window: held, with a
/// velocity alert), then a gift card over the risky merchants' bound
/// (alerted, approved). The team finds the held one to be fraud.
async fn known_history(store: &Arc<dyn Store>, service: &Service, account: &Account, key: &str) {
    let backend = store.backend();
    let mut bodies: Vec<Value> = (0..4)
        .map(|i| order(account, &format!("WX-B-{i}"), "12.00", i))
        .collect();
    let mut gift = order(account, "WX-B-4", "600.00", 30);
    gift["category"] = json!("gift_cards");
    bodies.push(gift);
    let mut answers = Vec::new();
    for body in &bodies {
        let (status, answer) = service
            .post("/v1/payments/authorize", Some(key), body)
            .await;
        assert_eq!(status, 200, "{backend}: {answer}");
        answers.push(answer);
    }
    let decisions: Vec<&str> = answers
        .iter()
        .map(|a| a["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        ["approve", "approve", "approve", "review", "approve"],
        "{backend}"
    );
    let alert = answers[3]["alerts"][0]["id"].as_i64().unwrap();
    store
        .triage_alerts(&[AlertTriage {
            id: alert,
            status: "closed".to_owned(),
            assignee: Some("officer.li".to_owned()),
            disposition: Some("confirmed_fraud".to_owned()),
            escalated_by: None,
        }])
        .await
        .unwrap();
}

/// The draft: ten-minute velocity up to five payments, risky merchants
/// weighing enough to hold. Returns its id.
async fn save_draft(service: &Service, token: &str) -> i64 {
    let mut rules = serde_json::to_value(Rules::builtin()).unwrap();
    rules["velocity"]["windows"][0]["max_count"] = json!(5);
    rules["risky_merchant"]["weight"] = json!(35);
    let body = json!({"based_on": 1, "rules": rules, "note": "放宽频次，高风险商户加重"});
    let (status, draft, _) = service.write("/v1/rules", token, "bt-draft", &body).await;
    assert_eq!(status, 200, "{draft}");
    draft["id"].as_i64().unwrap()
}

/// What the draft makes of the known history, beside the live rules: the
/// fourth payment let through (the fraud now missed), the gift card held.
fn assert_known_comparison(backend: &str, report: &Value) {
    assert_eq!(
        (report["payments"].as_i64(), report["labelled"].as_i64()),
        (Some(5), Some(1))
    );
    assert_eq!(report["amount"], "648.00");
    let shifts: Vec<(&str, &str, i64)> = report["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["live"].as_str().unwrap(),
                s["draft"].as_str().unwrap(),
                s["payments"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shifts,
        [
            ("approve", "approve", 3),
            ("approve", "review", 1),
            ("review", "approve", 1)
        ],
        "{backend}"
    );
    let rule = |name: &str| {
        report["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["rule"] == name)
            .unwrap()
            .clone()
    };
    let velocity = rule("velocity");
    assert_eq!(
        [
            &velocity["live_hits"],
            &velocity["draft_hits"],
            &velocity["alerts_removed"]
        ],
        [&json!(1), &json!(0), &json!(1)],
        "{backend}"
    );
    let risky = rule("risky_merchant");
    assert_eq!(
        [
            &risky["live_hits"],
            &risky["draft_hits"],
            &risky["live_alerts"],
            &risky["alerts_added"]
        ],
        [&json!(1), &json!(1), &json!(1), &json!(0)],
        "{backend}"
    );
    // The confirmed fraud the live rules held, the draft lets through.
    let fraud = &report["outcomes"][0];
    assert_eq!(fraud["label"], "confirmed_fraud");
    assert_eq!(
        [
            &fraud["payments"],
            &fraud["both"],
            &fraud["live_only"],
            &fraud["draft_only"]
        ],
        [&json!(1), &json!(0), &json!(1), &json!(0)],
        "{backend}"
    );
    assert_eq!(
        (
            report["live_approved"].as_str(),
            report["draft_approved"].as_str()
        ),
        (Some("648.00"), Some("648.00"))
    );
    assert_eq!(report["changed"], 2);
    let changed: Vec<&str> = report["changed_payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(changed, ["WX-B-3", "WX-B-4"], "{backend}");
}

/// Polls a backtest until it ends.
async fn finished(service: &Service, token: &str, id: i64) -> Value {
    for _ in 0..300 {
        let (status, view) = service
            .get(&format!("/v1/backtests/{id}"), Some(token))
            .await;
        assert_eq!(status, 200, "{view}");
        if view["status"] != "running" {
            return view;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("backtest {id} still running after 30 s");
}

#[tokio::test]
async fn a_backtest_reports_the_decisions_rules_and_labelled_outcomes_that_change() {
    for store in support::backends().await {
        let backend = store.backend();
        let (service, account, key) = quiet_service(&store).await;
        known_history(&store, &service, &account, &key).await;
        let li = service.sign_in("officer.li").await;
        let draft_id = save_draft(&service, &li).await;

        // Out of range: refused, nothing started.
        for (days, detail) in [
            (0, "days: 0 is out of range (1 to 90)"),
            (91, "days: 91 is out of range (1 to 90)"),
        ] {
            let (status, refused) = service
                .post(
                    &format!("/v1/rules/{draft_id}/backtests"),
                    Some(&li),
                    &json!({"days": days}),
                )
                .await;
            assert_eq!(
                (status, refused["detail"].as_str()),
                (400, Some(detail)),
                "{backend}"
            );
        }
        let (status, _) = service
            .post("/v1/rules/999/backtests", Some(&li), &json!({"days": 1}))
            .await;
        assert_eq!(status, 404, "{backend}");

        let (status, started) = service
            .post(
                &format!("/v1/rules/{draft_id}/backtests"),
                Some(&li),
                &json!({"days": 1}),
            )
            .await;
        assert_eq!(status, 202, "{backend}: {started}");
        assert_eq!(
            (started["against"].as_i64(), started["days"].as_i64()),
            (Some(1), Some(1))
        );
        let done = finished(&service, &li, started["id"].as_i64().unwrap()).await;
        assert_eq!(done["status"], "done", "{backend}: {done}");
        assert_eq!(
            (done["done"].as_i64(), done["total"].as_i64()),
            (Some(5), Some(5))
        );
        assert_known_comparison(backend, &done["report"]);

        // The live rules' own record of the same payments.
        let (status, record) = service.get("/v1/rules/record?days=1", Some(&li)).await;
        assert_eq!(status, 200, "{backend}: {record}");
        assert_eq!(record["payments"], 5);
        let rows: Vec<Value> = record["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                json!([
                    r["version"],
                    r["rule"],
                    r["hits"],
                    r["amount"],
                    r["alerts"],
                    r["tipped"],
                    r["confirmed_fraud"],
                    r["precision_bp"],
                    r["fraud_amount"]
                ])
            })
            .collect();
        assert_eq!(
            rows,
            [
                json!([1, "velocity", 1, "12.00", 1, 1, 1, 10000, "12.00"]),
                json!([1, "risky_merchant", 1, "600.00", 1, 0, 0, null, "0.00"]),
            ],
            "{backend}"
        );
        // Day by day: all five on 4 November, China time.
        assert_eq!(
            record["daily"],
            json!([
                {"day": "2026-11-04", "version": 1, "rule": "velocity",
                 "alerts": 1, "closed": 1, "confirmed_fraud": 1},
                {"day": "2026-11-04", "version": 1, "rule": "risky_merchant",
                 "alerts": 1, "closed": 0, "confirmed_fraud": 0},
            ]),
            "{backend}"
        );
        let (status, _) = service.get("/v1/rules/record?days=91", Some(&li)).await;
        assert_eq!(status, 400, "{backend}");

        // The version keeps it; an agent may not start one.
        let (_, listed) = service
            .get(&format!("/v1/rules/{draft_id}/backtests"), Some(&li))
            .await;
        assert_eq!(listed[0]["id"], done["id"]);
        let agent = service.sign_in("agent.zhao").await;
        let (status, _) = service
            .post(
                &format!("/v1/rules/{draft_id}/backtests"),
                Some(&agent),
                &json!({"days": 1}),
            )
            .await;
        assert_eq!(status, 403, "{backend}");
    }
}

/// As the service binary runs it: in a process of its own (the binary's
/// `backtest-job`), over the same database, reporting the same.
#[tokio::test]
async fn a_backtest_in_a_process_of_its_own_reports_the_same() {
    let (file, _dir) = support::sqlite_file().await;
    let file_url = format!("sqlite://{}", _dir.path().join("test.db").display());
    let pg_url = support::postgres_database().await;
    let pg = riskdesk_server::store::open(&pg_url, &support::keys())
        .await
        .unwrap();
    for (store, url) in [(file, file_url), (pg, pg_url)] {
        let backend = store.backend();
        let apart = |mut state: AppState| {
            state.backtester = Arc::new(Backtester::in_processes(JobProcess {
                program: env!("CARGO_BIN_EXE_riskdesk-server").into(),
                env: vec![
                    ("RISKDESK_DATABASE_URL".to_owned(), url.clone()),
                    ("RISKDESK_DATA_KEY".to_owned(), support::DATA_KEY.to_owned()),
                ],
            }));
            state
        };
        let (service, account, key) = quiet_service_configured(&store, apart).await;
        known_history(&store, &service, &account, &key).await;
        let li = service.sign_in("officer.li").await;
        let draft_id = save_draft(&service, &li).await;
        let (status, started) = service
            .post(
                &format!("/v1/rules/{draft_id}/backtests"),
                Some(&li),
                &json!({"days": 1}),
            )
            .await;
        assert_eq!(status, 202, "{backend}: {started}");
        let done = finished(&service, &li, started["id"].as_i64().unwrap()).await;
        assert_eq!(done["status"], "done", "{backend}: {done}");
        assert_known_comparison(backend, &done["report"]);

        // A process that cannot do the job: the backtest fails, saying so.
        let broken = |mut state: AppState| {
            state.backtester = Arc::new(Backtester::in_processes(JobProcess {
                program: env!("CARGO_BIN_EXE_riskdesk-server").into(),
                env: vec![(
                    "RISKDESK_DATABASE_URL".to_owned(),
                    "sqlite:///nonexistent/riskdesk.db".to_owned(),
                )],
            }));
            state
        };
        let service = Service::start_configured(store.clone(), broken).await;
        // Past the first service's clock: a TOTP code signs in once.
        service.advance_ms(START_MS - AS_OF_MS + 2 * 3_600_000);
        let li = service.sign_in("officer.li").await;
        let (_, started) = service
            .post(
                &format!("/v1/rules/{draft_id}/backtests"),
                Some(&li),
                &json!({"days": 1}),
            )
            .await;
        let failed = finished(&service, &li, started["id"].as_i64().unwrap()).await;
        assert_eq!(failed["status"], "failed", "{backend}: {failed}");
        assert!(
            failed["error"]
                .as_str()
                .unwrap()
                .starts_with("the backtest's process ended: exit status: 1"),
            "{backend}: {failed}"
        );
    }
}

#[tokio::test]
async fn a_draft_in_shadow_judges_every_payment_beside_the_live_rules_and_never_acts() {
    for store in support::backends().await {
        let backend = store.backend();
        let (service, account, key) = quiet_service(&store).await;
        let li = service.sign_in("officer.li").await;
        let draft_id = save_draft(&service, &li).await;
        let (status, none) = service
            .get(&format!("/v1/rules/{draft_id}/shadow"), Some(&li))
            .await;
        assert_eq!(
            (status, &none["report"]),
            (200, &Value::Null),
            "{backend}: {none}"
        );
        let (_, draft) = service
            .get(&format!("/v1/rules/{draft_id}"), Some(&li))
            .await;
        let (status, _, _) = service
            .write(
                &format!("/v1/rules/{draft_id}/shadow"),
                &li,
                "bt-shadow",
                &json!({"version": draft["version"]}),
            )
            .await;
        assert_eq!(status, 200, "{backend}");

        // The live rules still decide (known_history checks the answers).
        known_history(&store, &service, &account, &key).await;
        let (status, shadow) = service
            .get(&format!("/v1/rules/{draft_id}/shadow"), Some(&li))
            .await;
        assert_eq!(status, 200, "{backend}: {shadow}");
        assert_eq!(shadow["in_shadow"], true);
        assert_known_comparison(backend, &shadow["report"]);
    }
}

#[tokio::test]
async fn one_backtest_runs_per_version_a_silent_one_fails_and_cancel_reaches_the_job() {
    for store in support::backends().await {
        let backend = store.backend();
        support::portfolio(store.as_ref(), 10).await;
        let service = Service::start(store.clone()).await;
        let li = service.sign_in("officer.li").await;
        let job = |now: i64| NewBacktest {
            rule_set_id: 1,
            against: 1,
            days: 1,
            from_at: now - 86_400_000,
            to_at: now,
            started_by: "officer.li".to_owned(),
            now,
        };
        let now = AS_OF_MS;
        let first = store.start_backtest(&job(now)).await.unwrap().unwrap();
        let again = store.start_backtest(&job(now + 1_000)).await.unwrap();
        assert_eq!(again, Err(NotStarted::Running(first.id)), "{backend}");
        // Through HTTP: the same refusal, with its words.
        let (status, refused) = service
            .post("/v1/rules/1/backtests", Some(&li), &json!({"days": 1}))
            .await;
        assert_eq!(status, 409, "{backend}: {refused}");
        assert_eq!(
            refused["detail"],
            format!(
                "backtest {} of version 1 is still running: cancel it or wait",
                first.id
            )
        );

        // The job reports; a Cancel is what its next report hears.
        assert!(
            !store
                .backtest_progress(first.id, 10, 100, now + 2_000)
                .await
                .unwrap()
        );
        let (status, cancelling) = service
            .post(
                &format!("/v1/backtests/{}/cancel", first.id),
                Some(&li),
                &json!({}),
            )
            .await;
        assert_eq!(status, 200, "{backend}: {cancelling}");
        assert_eq!(
            (
                cancelling["cancelling"].as_bool(),
                cancelling["done"].as_i64()
            ),
            (Some(true), Some(10))
        );
        assert!(
            store
                .backtest_progress(first.id, 20, 100, now + 3_000)
                .await
                .unwrap()
        );

        // Silent for longer than a job may be: the next start fails it.
        let later = now + 3_000 + riskdesk_server::store::BACKTEST_SILENT_MS + 1;
        let second = store.start_backtest(&job(later)).await.unwrap().unwrap();
        let stopped = store.backtest(first.id).await.unwrap().unwrap();
        assert_eq!(stopped.status, "failed", "{backend}");
        assert_eq!(
            stopped.error.as_deref(),
            Some("stopped reporting: the instance running it went away")
        );
        assert_ne!(second.id, first.id);
        let (status, _) = service
            .post("/v1/backtests/999999/cancel", Some(&li), &json!({}))
            .await;
        assert_eq!(status, 404, "{backend}");
    }
}
