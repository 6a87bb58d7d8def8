//! The risk engine through HTTP: authorizations decided and recorded with
//! their evidence, idempotency, the ledger's moves, alerts, freezes that
//! lapse, and concurrent authorizations that never overspend a limit. Here
//! the payment's path; the rules that decline and freeze, and the races, in
//! their own files.

// Helpers here unwrap as the tests do: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use proptest::prelude::*;
use riskdesk_domain::rules::Rules;
use riskdesk_server::store::{AccountFilter, AccountSort, PageRequest, Store, TransactionFilter};
use serde_json::{Value, json};

use crate::support::{self, AS_OF_MS, Service};

mod backtests;
mod concurrency;
mod rule_sets;
mod rules;

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
