//! The risk engine through HTTP: authorizations decided and recorded with
//! their evidence, idempotency, the ledger's moves, alerts, freezes that
//! lapse, and concurrent authorizations that never overspend a limit.

// Helpers here unwrap as the tests do: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use proptest::prelude::*;
use riskdesk_domain::rules::Rules;
use riskdesk_server::store::{AccountFilter, AccountSort, PageRequest, Store, TransactionFilter};
use serde_json::{Value, json};

use crate::support::{self, AS_OF_MS, Service};

/// An active account with room on its line, and what the engine knows of it.
struct Account {
    id: i64,
    available_fen: i64,
    city: String,
    lat: f64,
    lon: f64,
    /// A device the account has paid from.
    device: String,
}

/// The active account with the most available limit among the largest lines.
async fn roomy_account(store: &dyn Store) -> Account {
    let filter = AccountFilter {
        status: Some("active".to_owned()),
        sort: AccountSort::LimitDesc,
        ..AccountFilter::default()
    };
    let page = PageRequest {
        after: None,
        limit: 50,
    };
    let rows = store.accounts(&filter, &page).await.expect("accounts");
    let best = rows
        .iter()
        .max_by_key(|a| a.limit_fen - a.used_fen - a.frozen_fen)
        .expect("an active account");
    let detail = store.account(best.id).await.unwrap().unwrap();
    let history = store
        .transactions(
            &TransactionFilter {
                account_id: best.id,
                kind: Some("purchase".to_owned()),
                ..TransactionFilter::default()
            },
            &page,
        )
        .await
        .unwrap();
    Account {
        id: best.id,
        available_fen: best.limit_fen - best.used_fen - best.frozen_fen,
        city: best.city.clone(),
        lat: detail.home_lat,
        lon: detail.home_lon,
        device: history
            .iter()
            .find_map(|t| t.device_id.clone())
            .expect("a device"),
    }
}

/// Rules where only the rules a test looks at weigh anything.
fn only(weighing: &[&str]) -> Rules {
    let mut rules = Rules::builtin();
    let keep = |name: &str| weighing.contains(&name);
    let zero = |w: &mut u32, name: &str| {
        if !keep(name) {
            *w = 0;
        }
    };
    zero(&mut rules.velocity.weight, "velocity");
    zero(&mut rules.amount_spike.weight, "amount_spike");
    zero(&mut rules.new_device.weight, "new_device_large_amount");
    zero(&mut rules.night_burst.weight, "night_burst");
    zero(&mut rules.impossible_travel.weight, "impossible_travel");
    zero(&mut rules.far_from_home.weight, "far_from_home");
    zero(&mut rules.blacklist.weight, "blacklist_hit");
    zero(&mut rules.risky_merchant.weight, "risky_merchant");
    zero(
        &mut rules.frequent_large_spending.weight,
        "frequent_large_spending",
    );
    rules
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339()
}

/// Payments in these tests start two days after the generated history
/// ends, so that its last payments play no part in the windows.
const START_MS: i64 = AS_OF_MS + 2 * 24 * 3_600_000;

/// A service client's key and the service, its clock an hour past the start.
async fn payment_service(store: &Arc<dyn Store>, rules: Rules) -> (Service, String) {
    let key = support::service_key(store.as_ref(), "wechatpay").await;
    let service = Service::start_with(store.clone(), rules).await;
    service.advance_ms(START_MS - AS_OF_MS + 3_600_000);
    (service, key)
}

/// An ordinary order at home on a known device, `minutes` after the start.
fn order(account: &Account, order_id: &str, amount: &str, minutes: i64) -> Value {
    json!({
        "order_id": order_id,
        "account_id": account.id,
        "merchant": "美宜佳便利店",
        "category": "groceries",
        "amount": amount,
        "installments": 1,
        "channel": "qr",
        "device_id": account.device,
        "ip": "10.20.30.40",
        "location": {"lat": account.lat, "lon": account.lon, "city": account.city},
        "occurred_at": iso(START_MS + minutes * 60_000),
    })
}

fn fen(body: &Value, field: &str) -> i64 {
    let text = body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {body}"));
    let (yuan, cents) = text.split_once('.').unwrap();
    yuan.parse::<i64>().unwrap() * 100 + cents.parse::<i64>().unwrap()
}

fn rules_fired(body: &Value) -> Vec<&str> {
    body["rule_hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["rule"].as_str().unwrap())
        .collect()
}

async fn sqlite_portfolio() -> Arc<dyn Store> {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 200).await;
    store
}

#[tokio::test]
async fn a_payment_is_decided_recorded_and_answered_once_per_order() {
    for store in support::backends().await {
        support::portfolio(store.as_ref(), 200).await;
        let backend = store.backend();
        let account = roomy_account(store.as_ref()).await;
        let (service, key) = payment_service(&store, Rules::builtin()).await;
        let key = Some(key.as_str());

        let body = order(&account, "WX-T-0001", "58.50", 0);
        let (status, first, headers) = service
            .post_with_headers("/v1/payments/authorize", key, &body)
            .await;
        assert_eq!(status, 200, "{backend}: {first}");
        assert_eq!(first["decision"], "approve", "{backend}: {first}");
        assert_eq!(first["status"], "authorized");
        assert_eq!(first["rule_hits"], json!([]));
        assert_eq!(fen(&first, "available"), account.available_fen - 5_850);
        assert!(headers.get("idempotent-replayed").is_none());

        // The same order again: the first answer, nothing reserved twice.
        let mut body_again = body.clone();
        body_again["amount"] = json!("58.5");
        let (status, again, headers) = service
            .post_with_headers("/v1/payments/authorize", key, &body_again)
            .await;
        assert_eq!((status, &again), (200, &first), "{backend}");
        assert_eq!(headers["idempotent-replayed"], "true");
        // The same order id for another order.
        let mut other = body.clone();
        other["amount"] = json!("58.51");
        let (status, problem) = service.post("/v1/payments/authorize", key, &other).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (422, Some("idempotency_mismatch")),
            "{backend}"
        );
        let line = store.account(account.id).await.unwrap().unwrap().account;
        assert_eq!(
            line.limit_fen - line.used_fen - line.frozen_fen,
            account.available_fen - 5_850
        );

        // Settle, refund in two parts, repay.
        let (status, settled) = service
            .post("/v1/payments/WX-T-0001/settle", key, &json!({}))
            .await;
        assert_eq!(
            (status, settled["status"].as_str()),
            (200, Some("settled")),
            "{backend}: {settled}"
        );
        let owed = fen(&settled, "outstanding");
        let (status, _) = service
            .post("/v1/payments/WX-T-0001/settle", key, &json!({}))
            .await;
        assert_eq!(status, 200, "settling twice is a no-op");
        let (status, problem) = service
            .post("/v1/payments/WX-T-0001/reverse", key, &json!({}))
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (409, Some("invalid_state"))
        );
        let refund = |id: &str, amount: &str| json!({"refund_id": id, "amount": amount, "occurred_at": iso(START_MS + 60_000)});
        let (status, part) = service
            .post(
                "/v1/payments/WX-T-0001/refunds",
                key,
                &refund("RF-T-1", "20.00"),
            )
            .await;
        assert_eq!(status, 200, "{backend}: {part}");
        assert_eq!(fen(&part, "outstanding"), owed - 2_000);
        assert_eq!(
            fen(&part, "available"),
            account.available_fen - 5_850 + 2_000
        );
        let (status, problem) = service
            .post(
                "/v1/payments/WX-T-0001/refunds",
                key,
                &refund("RF-T-2", "38.51"),
            )
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (400, Some("invalid_value")),
            "{problem}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("¥58.51 of a ¥58.50 payment"),
            "{problem}"
        );
        let (status, rest) = service
            .post(
                "/v1/payments/WX-T-0001/refunds",
                key,
                &refund("RF-T-2", "38.50"),
            )
            .await;
        assert_eq!(status, 200, "{rest}");
        assert_eq!(fen(&rest, "available"), account.available_fen);
        let (status, replay, headers) = service
            .post_with_headers(
                "/v1/payments/WX-T-0001/refunds",
                key,
                &refund("RF-T-1", "20.00"),
            )
            .await;
        assert_eq!((status, &replay), (200, &part));
        assert_eq!(headers["idempotent-replayed"], "true");
        let (status, problem) = service
            .post(
                "/v1/payments/WX-T-0001/refunds",
                key,
                &refund("RF-T-3", "0.01"),
            )
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (409, Some("invalid_state")),
            "refunded in full"
        );
        let (status, paid) = service
            .post(
                "/v1/repayments",
                key,
                &json!({"repayment_id": "RP-T-1", "account_id": account.id, "amount": "10.00",
                        "occurred_at": iso(START_MS + 30_000)}),
            )
            .await;
        assert_eq!(status, 200, "{backend}: {paid}");
        assert_eq!(fen(&paid, "outstanding"), owed - 5_850 - 1_000);
        // A repayment's id is no order id.
        let taken = order(&account, "RP-T-1", "1.00", 2);
        let (status, problem) = service.post("/v1/payments/authorize", key, &taken).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (422, Some("idempotency_mismatch"))
        );

        // An operator reads the decision and the ledger.
        let token = service.sign_in("officer.li").await;
        let (_, page) = service
            .get(
                &format!("/v1/accounts/{}/transactions?limit=5", account.id),
                Some(&token),
            )
            .await;
        let kinds: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds[..4],
            ["refund", "refund", "repayment", "purchase"][..],
            "{backend}"
        );
    }
}

#[tokio::test]
async fn only_service_clients_reach_the_payment_channel() {
    let store = sqlite_portfolio().await;
    let account = roomy_account(store.as_ref()).await;
    let (service, key) = payment_service(&store, Rules::builtin()).await;
    let body = order(&account, "WX-T-0002", "10.00", 0);
    let (status, problem) = service.post("/v1/payments/authorize", None, &body).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (401, Some("unauthenticated"))
    );
    let token = service.sign_in("manager.chen").await;
    let (status, problem) = service
        .post("/v1/payments/authorize", Some(&token), &body)
        .await;
    assert_eq!(status, 401);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("session tokens are not accepted")
    );
    // And a service key is no operator.
    let (status, _) = service.get("/v1/me", Some(&key)).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn malformed_orders_are_refused_with_the_field_at_fault() {
    let store = sqlite_portfolio().await;
    let account = roomy_account(store.as_ref()).await;
    let (service, key) = payment_service(&store, Rules::builtin()).await;
    let base = order(&account, "WX-T-0003", "10.00", 0);
    let with = |field: &str, value: Value| {
        let mut body = base.clone();
        body[field] = value;
        body
    };
    let cases = [
        (with("amount", json!("0.00")), "invalid_value", "amount"),
        (with("amount", json!("-5.00")), "invalid_value", "amount"),
        (with("amount", json!("1.005")), "invalid_request", "decimal"),
        (
            with("installments", json!(5)),
            "invalid_value",
            "installments",
        ),
        (with("ip", json!("10.20.30")), "invalid_value", "ip"),
        (with("order_id", json!("WX 1")), "invalid_value", "order_id"),
        (with("order_id", json!("")), "invalid_value", "order_id"),
        (with("merchant", json!(" ")), "invalid_value", "merchant"),
        (
            with("device_id", json!("x".repeat(65))),
            "invalid_value",
            "device_id",
        ),
        (
            with("category", json!("casino")),
            "invalid_request",
            "category",
        ),
        (
            with("location", json!({"lat": 91.0, "lon": 0.0, "city": "北极"})),
            "invalid_value",
            "latitude",
        ),
        (
            with("occurred_at", json!(iso(START_MS + 66 * 60_000))),
            "invalid_value",
            "ahead",
        ),
        (
            with("occurred_at", json!(iso(START_MS - 8 * 24 * 3_600_000))),
            "invalid_value",
            "7 days",
        ),
        (with("account_id", json!(0)), "invalid_value", "account_id"),
        (
            with("account_id", json!(999_999_999)),
            "not_found",
            "account",
        ),
        (
            with("surprise", json!(1)),
            "invalid_request",
            "unknown field",
        ),
    ];
    for (body, code, words) in cases {
        let (status, problem) = service
            .post("/v1/payments/authorize", Some(&key), &body)
            .await;
        assert_eq!(problem["code"].as_str(), Some(code), "{body}: {problem}");
        assert!(status == 400 || status == 404, "{status}");
        assert!(
            problem["detail"].as_str().unwrap().contains(words),
            "{words}: {problem}"
        );
    }
    // Nothing was recorded by any of them.
    let line = store.account(account.id).await.unwrap().unwrap().account;
    assert_eq!(
        line.limit_fen - line.used_fen - line.frozen_fen,
        account.available_fen
    );
}

#[tokio::test]
async fn a_blacklisted_device_is_declined_and_alerted_once() {
    for store in support::backends().await {
        support::portfolio(store.as_ref(), 200).await;
        let backend = store.backend();
        let account = roomy_account(store.as_ref()).await;
        store
            .insert_batch(&riskdesk_server::store::Batch {
                blacklist: vec![riskdesk_server::store::BlacklistRow {
                    id: 900_001,
                    kind: "device".to_owned(),
                    value: "dev-stolen-77".to_owned(),
                    reason: "stolen phone".to_owned(),
                    created_by: "officer.li".to_owned(),
                    created_at: AS_OF_MS - 1,
                    expires_at: None,
                    removed_at: None,
                    removal_requested_by: None,
                    removal_requested_at: None,
                    removal_reason: None,
                    removed_by: None,
                    version: 1,
                }],
                ..Default::default()
            })
            .await
            .unwrap();
        let (service, key) = payment_service(&store, Rules::builtin()).await;
        let mut body = order(&account, "WX-T-0004", "20.00", 0);
        body["device_id"] = json!("dev-stolen-77");
        let (status, first) = service
            .post("/v1/payments/authorize", Some(&key), &body)
            .await;
        assert_eq!(status, 200, "{backend}: {first}");
        assert_eq!(
            (first["decision"].as_str(), first["decline_reason"].as_str()),
            (Some("decline"), Some("rules")),
            "{backend}: {first}"
        );
        assert_eq!(first["status"], "declined");
        let hit = first["rule_hits"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["rule"] == "blacklist_hit")
            .expect("blacklist hit");
        assert_eq!(
            hit["evidence"],
            "device dev-stolen-77 is blacklisted (entry #900001)"
        );
        assert_eq!(
            fen(&first, "available"),
            account.available_fen,
            "nothing reserved"
        );
        assert_eq!(first["alerts"].as_array().unwrap().len(), 1, "{first}");

        // A second try a minute later: declined again, but the queue already has it.
        body["order_id"] = json!("WX-T-0005");
        body["occurred_at"] = json!(iso(START_MS + 60_000));
        let (_, second) = service
            .post("/v1/payments/authorize", Some(&key), &body)
            .await;
        assert_eq!(second["decision"], "decline");
        assert_eq!(second["alerts"], json!([]), "{backend}: deduplicated");

        let token = service.sign_in("officer.li").await;
        let (_, alerts) = service
            .get(
                &format!("/v1/alerts?account_id={}&rule=blacklist_hit", account.id),
                Some(&token),
            )
            .await;
        let alert = &alerts["items"][0];
        assert_eq!(alert["severity"], "critical", "{backend}: {alerts}");
        // The ledger says why.
        let (_, page) = service
            .get(
                &format!("/v1/accounts/{}/transactions?limit=1", account.id),
                Some(&token),
            )
            .await;
        let declined = &page["items"][0];
        assert_eq!(
            (
                declined["order_id"].as_str(),
                declined["decline_reason"].as_str()
            ),
            (Some("WX-T-0005"), Some("rules")),
            "{backend}"
        );
        assert_eq!(alert["amount"], "20.00");
        // Critical: an hour to triage.
        let created = chrono::DateTime::parse_from_rfc3339(alert["created_at"].as_str().unwrap());
        let due = chrono::DateTime::parse_from_rfc3339(alert["sla_due_at"].as_str().unwrap());
        assert_eq!((due.unwrap() - created.unwrap()).num_minutes(), 60);
    }
}

#[tokio::test]
async fn impossible_travel_declines_the_second_payment_with_its_numbers() {
    let store = sqlite_portfolio().await;
    let account = roomy_account(store.as_ref()).await;
    let (service, key) = payment_service(&store, Rules::builtin()).await;
    let (_, first) = service
        .post(
            "/v1/payments/authorize",
            Some(&key),
            &order(&account, "WX-T-0006", "30.00", 0),
        )
        .await;
    assert_eq!(first["decision"], "approve", "{first}");
    // 14 minutes later, in Urumqi (or Harbin, if home is Urumqi).
    let (far, city) = if account.city == "乌鲁木齐" {
        ((45.8038, 126.5349), "哈尔滨")
    } else {
        ((43.8256, 87.6168), "乌鲁木齐")
    };
    let mut body = order(&account, "WX-T-0007", "30.00", 14);
    body["location"] = json!({"lat": far.0, "lon": far.1, "city": city});
    let (_, second) = service
        .post("/v1/payments/authorize", Some(&key), &body)
        .await;
    assert_eq!(second["decision"], "decline", "{second}");
    assert!(
        rules_fired(&second).contains(&"impossible_travel"),
        "{second}"
    );
    let evidence = second["rule_hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["rule"] == "impossible_travel")
        .unwrap()["evidence"]
        .as_str()
        .unwrap()
        .to_owned();
    let pattern = format!("{} → {city}: ", account.city);
    assert!(evidence.starts_with(&pattern), "{evidence}");
    assert!(
        evidence.contains(" km in 14 min = ") && evidence.ends_with("(max 900 km/h)"),
        "{evidence}"
    );
}

#[tokio::test]
async fn frequent_large_spending_freezes_part_of_the_limit_until_it_lapses() {
    for store in support::backends().await {
        support::portfolio(store.as_ref(), 200).await;
        let backend = store.backend();
        let account = roomy_account(store.as_ref()).await;
        assert!(account.available_fen > 1_000_000, "{backend}: a large line");
        let (service, key) = payment_service(&store, only(&["frequent_large_spending"])).await;
        let key = Some(key.as_str());
        let mut available = account.available_fen;
        for (i, minutes) in [0, 20, 40].into_iter().enumerate() {
            let body = order(&account, &format!("WX-T-01{i}"), "3000.01", minutes);
            let (status, answer) = service.post("/v1/payments/authorize", key, &body).await;
            assert_eq!(status, 200, "{backend}: {answer}");
            // The third is a risk warning: held for review, its amount reserved.
            let expected = if i < 2 { "approve" } else { "review" };
            assert_eq!(answer["decision"], expected, "{backend}: {answer}");
            available -= 300_001;
            if i < 2 {
                assert_eq!(answer["freeze"], Value::Null, "{backend}: {answer}");
                assert_eq!(fen(&answer, "available"), available);
                continue;
            }
            // The third large payment within a day: half of what is left is frozen for a day.
            assert!(rules_fired(&answer).contains(&"frequent_large_spending"));
            let frozen = fen(&answer["freeze"], "amount");
            // Half of what is left, an odd half-fen rounded to even.
            let half = available / 2;
            let half = if available % 2 == 1 && half % 2 == 1 {
                half + 1
            } else {
                half
            };
            assert_eq!(frozen, half, "{backend}");
            assert_eq!(fen(&answer, "available"), available - frozen);
            let lapses = answer["freeze"]["lapses_at"].as_str().unwrap();
            let lapses = chrono::DateTime::parse_from_rfc3339(lapses).unwrap();
            assert_eq!(
                lapses.timestamp_millis(),
                START_MS + 40 * 60_000 + 24 * 3_600_000
            );
            assert_eq!(answer["alerts"][0]["rule"], "frequent_large_spending");
        }
        // A fourth large payment does not stack a second freeze.
        let (_, fourth) = service
            .post(
                "/v1/payments/authorize",
                key,
                &order(&account, "WX-T-013", "3000.01", 50),
            )
            .await;
        assert_eq!(fourth["freeze"], Value::Null, "{backend}: {fourth}");

        // A day later the freeze lapses by itself.
        let line = |store: Arc<dyn Store>| async move {
            let a = store.account(account.id).await.unwrap().unwrap().account;
            (a.frozen_fen, a.limit_fen - a.used_fen - a.frozen_fen)
        };
        let (frozen_before, _) = line(store.clone()).await;
        let lapse = START_MS + 40 * 60_000 + 24 * 3_600_000;
        assert_eq!(store.release_lapsed_freezes(lapse - 1).await.unwrap(), 0);
        assert_eq!(
            store.release_lapsed_freezes(lapse).await.unwrap(),
            1,
            "{backend}"
        );
        let (frozen_after, _) = line(store.clone()).await;
        let freezes = store.freezes(account.id).await.unwrap();
        assert_eq!(
            frozen_before - frozen_after,
            freezes[0].amount_fen,
            "{backend}"
        );
        assert_eq!(freezes[0].released_at, Some(lapse));
        assert_eq!(
            store.release_lapsed_freezes(lapse + 1).await.unwrap(),
            0,
            "once"
        );
    }
}

#[tokio::test]
async fn a_freeze_lapses_at_the_next_authorization_without_the_sweeper() {
    let store = sqlite_portfolio().await;
    let account = roomy_account(store.as_ref()).await;
    let (service, key) = payment_service(&store, only(&["frequent_large_spending"])).await;
    for (i, minutes) in [0, 20, 40].into_iter().enumerate() {
        let body = order(&account, &format!("WX-T-02{i}"), "3000.01", minutes);
        service
            .post("/v1/payments/authorize", Some(&key), &body)
            .await;
    }
    let frozen = store
        .account(account.id)
        .await
        .unwrap()
        .unwrap()
        .account
        .frozen_fen;
    assert!(frozen > 0);
    service.advance_ms(25 * 3_600_000);
    let body = order(&account, "WX-T-029", "1.00", 25 * 60 + 60);
    let (_, answer) = service
        .post("/v1/payments/authorize", Some(&key), &body)
        .await;
    let expected = account.available_fen - 3 * 300_001 - 100;
    assert_eq!(fen(&answer, "available"), expected, "{answer}");
}

/// Authorizations racing on one account, sent to the service instances
/// over `stores` in turn (all over one database): the sum approved never
/// exceeds what was available, and the line ends exactly that much lower.
async fn race(stores: Vec<Arc<dyn Store>>, amounts: Vec<i64>, round: usize) {
    let store = stores[0].clone();
    let account = roomy_account(store.as_ref()).await;
    let before = store.account(account.id).await.unwrap().unwrap().account;
    let available = before.limit_fen - before.used_fen - before.frozen_fen;
    let key = support::service_key(store.as_ref(), &format!("wechatpay-{round}")).await;
    let mut services = Vec::new();
    for store in &stores {
        let service = Service::start_with(store.clone(), only(&[])).await;
        service.advance_ms(START_MS - AS_OF_MS + 3_600_000);
        services.push(Arc::new(service));
    }
    let mut tasks = Vec::new();
    for (i, share) in amounts.iter().enumerate() {
        // Each asks for a share (in percent) of what was available.
        let fen = available * share / 100;
        let amount = format!("{}.{:02}", fen / 100, fen % 100);
        let body = order(&account, &format!("RACE-{round}-{i}"), &amount, 0);
        let (service, key) = (services[i % services.len()].clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let (status, answer) = service
                .post("/v1/payments/authorize", Some(&key), &body)
                .await;
            assert_eq!(status, 200, "{answer}");
            (fen, answer)
        }));
    }
    let (mut approved, mut approvals, mut largest_declined) = (0, 0, 0);
    for task in tasks {
        let (fen, answer) = task.await.unwrap();
        match answer["decision"].as_str() {
            Some("approve") => {
                approved += fen;
                approvals += 1;
            }
            Some("decline") => {
                assert_eq!(answer["decline_reason"], "insufficient_limit", "{answer}");
                largest_declined = largest_declined.max(fen);
            }
            other => panic!("{other:?}: {answer}"),
        }
    }
    assert!(approved <= available, "approved {approved} of {available}");
    // Each share is at most 30 %: whichever came first fitted.
    assert!(approvals >= 1, "every payment was declined");
    // Exactly the approved amounts were taken (frequent large spending may
    // also have frozen part of what was left).
    let after = store.account(account.id).await.unwrap().unwrap().account;
    assert_eq!(after.used_fen - before.used_fen, approved);
    assert!(after.frozen_fen >= before.frozen_fen);
    assert!(after.used_fen + after.frozen_fen <= after.limit_fen);
    // A decline was right: what was left (it only shrinks in the race)
    // could not take that payment.
    let left = after.limit_fen - after.used_fen - after.frozen_fen;
    assert!(
        left < largest_declined || largest_declined == 0,
        "declined {largest_declined} fen with {left} left"
    );
}

#[tokio::test]
async fn concurrent_authorizations_never_overspend_on_postgres() {
    let store = support::postgres().await;
    support::portfolio(store.as_ref(), 200).await;
    // Twelve payments of 10–30% each: the line can take only some of them.
    race(
        vec![store],
        vec![30, 10, 25, 20, 15, 30, 10, 25, 20, 15, 30, 10],
        0,
    )
    .await;
}

#[tokio::test]
async fn authorizations_through_two_instances_never_overspend_on_postgres() {
    let stores = support::postgres_instances(2).await;
    support::portfolio(stores[0].as_ref(), 200).await;
    for round in 0..4 {
        // Forty payments of 3–10 % each, half through each instance.
        let shares = (0..40).map(|i| 3 + (i * 7 + round) % 8).collect();
        race(
            stores.clone(),
            shares,
            100 + usize::try_from(round).unwrap(),
        )
        .await;
    }
}

/// On PostgreSQL a payment is kept in its month's partition, and an order
/// id is still answered once across months: a retry of an October order
/// gets its first answer, and the same id for a November payment is refused.
#[tokio::test]
async fn an_order_is_answered_once_across_months_on_postgres() {
    use sqlx::Connection;
    let url = support::postgres_database().await;
    let store = riskdesk_server::store::open(&url, &support::keys())
        .await
        .unwrap();
    support::portfolio(store.as_ref(), 200).await;
    let account = roomy_account(store.as_ref()).await;
    let (service, key) = payment_service(&store, only(&[])).await;
    let key = Some(key.as_str());

    // Five days before the start: 30 October, China time.
    let october = order(&account, "WX-ACROSS-MONTHS", "58.50", -5 * 24 * 60);
    let (status, first) = service.post("/v1/payments/authorize", key, &october).await;
    assert_eq!(
        (status, first["status"].as_str()),
        (200, Some("authorized")),
        "{first}"
    );
    let (status, again) = service.post("/v1/payments/authorize", key, &october).await;
    assert_eq!((status, &again), (200, &first));
    let mut november = october.clone();
    november["occurred_at"] = json!(iso(START_MS));
    let (status, problem) = service.post("/v1/payments/authorize", key, &november).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("idempotency_mismatch")),
        "{problem}"
    );

    let line = store.account(account.id).await.unwrap().unwrap().account;
    assert_eq!(
        line.limit_fen - line.used_fen - line.frozen_fen,
        account.available_fen - 5_850,
        "reserved once"
    );
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let kept: Vec<(String,)> = sqlx::query_as(
        "SELECT tableoid::regclass::text FROM transactions WHERE order_id = 'WX-ACROSS-MONTHS'",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(kept, [("transactions_2026_10".to_owned(),)]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn concurrent_authorizations_never_overspend(
        shares in proptest::collection::vec(1i64..60, 2..16),
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            static ROUND: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let round = ROUND.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            // A SQLite file (write-ahead log, several connections) and PostgreSQL in turn.
            let (store, _dir) = if round.is_multiple_of(2) {
                let (store, dir) = support::sqlite_file().await;
                (store, Some(dir))
            } else {
                (support::postgres().await, None)
            };
            support::portfolio(store.as_ref(), 50).await;
            race(vec![store], shares, round).await;
        });
    }
}
