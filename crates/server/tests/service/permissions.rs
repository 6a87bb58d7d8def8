//! Every route of the running service, called by every role, a service
//! client's key and no credential, against a table written out here (not
//! computed from `Role::can`): a new route without a check, or a check that
//! drifts from `docs/permissions.md`, fails. Ids in paths name nothing, so
//! an allowed caller meets "not found" (or a refused step) and changes
//! nothing that matters; a body is always well-formed, because a body is
//! read before the role is checked.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{self, Service};

/// Who may call what: officer, agent, manager, admin, service key, none.
/// `+` reaches the handler, `-` is refused for the role (403 `forbidden`),
/// `x` is not authenticated (401).
const EXPECTED: &str = "
GET  /v1/accounts                                + + + - x x
GET  /v1/accounts/{id}                           + + + - x x
GET  /v1/accounts/{id}/blacklist-matches         + - + - x x
GET  /v1/accounts/{id}/freezes                   + + + - x x
POST /v1/accounts/{id}/freezes                   + - + - x x
GET  /v1/accounts/{id}/history                   + + + - x x
GET  /v1/accounts/{id}/links                     + - + - x x
POST /v1/accounts/{id}/limit-changes             + - + - x x
POST /v1/accounts/{id}/reveal                    + + + - x x
GET  /v1/accounts/{id}/transactions              + + + - x x
GET  /v1/accounts/{id}/transactions.csv          + + + - x x
GET  /v1/alerts                                  + - + - x x
GET  /v1/alerts.csv                              + - + - x x
GET  /v1/alerts/counts                           + - + - x x
POST /v1/alerts/next                             + - + - x x
POST /v1/alerts/triage                           + - + - x x
GET  /v1/alerts/{id}                             + - + - x x
GET  /v1/alerts/{id}/notes                       + - + - x x
POST /v1/alerts/{id}/notes                       + - + - x x
POST /v1/alerts/{id}/triage                      + - + - x x
GET  /v1/audit                                   - - + + x x
GET  /v1/audit.csv                               - - + + x x
GET  /v1/audit/chain                             - - + + x x
GET  /v1/audit/checkpoints                       - - + + x x
GET  /v1/audit/keys                              - - + + x x
GET  /v1/audit/verify                            - - + + x x
POST /v1/auth/sign-in                            + + + + + +
POST /v1/auth/sign-out                           + + + + x x
GET  /v1/blacklist                               + - + - x x
POST /v1/blacklist                               + - + - x x
POST /v1/blacklist/{id}/removal                  + - + - x x
POST /v1/blacklist/{id}/removal/approve          + - + - x x
POST /v1/blacklist/{id}/removal/reject           + - + - x x
GET  /v1/disputes                                + + + - x x
POST /v1/disputes                                - + + - x x
GET  /v1/disputes.csv                            + + + - x x
GET  /v1/disputes/{id}                           + + + - x x
POST /v1/disputes/{id}/steps                     + + + - x x
POST /v1/freezes/{id}/release                    + - + - x x
GET  /v1/events                                  + + + - x x
GET  /v1/health                                  + + + + + +
GET  /v1/limit-changes                           + - + - x x
GET  /v1/limit-changes/{id}                      + - + - x x
POST /v1/limit-changes/{id}/approve              + - + - x x
POST /v1/limit-changes/{id}/reject               + - + - x x
GET  /v1/me                                      + + + + x x
GET  /v1/metrics/credit                          + - + - x x
GET  /v1/metrics/fraud                           + - + - x x
GET  /v1/operators                               - - - + x x
POST /v1/operators                               - - - + x x
POST /v1/operators/{id}/changes                  - - - + x x
GET  /v1/operators/{id}/sessions                 - - - + x x
POST /v1/payments/authorize                      x x x x + x
POST /v1/payments/notifications/wechatpay        + + + + + +
POST /v1/payments/{order_id}/refunds             x x x x + x
POST /v1/payments/{order_id}/reverse             x x x x + x
POST /v1/payments/{order_id}/settle              x x x x + x
POST /v1/repayments                              x x x x + x
GET  /v1/rules                                   + - + - x x
POST /v1/rules                                   + - + - x x
GET  /v1/rules/{id}                              + - + - x x
POST /v1/rules/{id}/publish                      - - + - x x
POST /v1/rules/{id}/shadow                       + - + - x x
GET  /v1/rules/{id}/shadow                       + - + - x x
GET  /v1/rules/record                            + - + - x x
GET  /v1/rules/{id}/backtests                    + - + - x x
POST /v1/rules/{id}/backtests                    + - + - x x
GET  /v1/cases                                   + - + - x x
POST /v1/cases                                   + - + - x x
GET  /v1/cases/{id}                              + - + - x x
POST /v1/cases/{id}/steps                        + - + - x x
POST /v1/cases/{id}/attachments                  + - + - x x
GET  /v1/cases/{id}/attachments/{attachment}     + - + - x x
POST /v1/cases/{id}/freeze-all                   + - + - x x
POST /v1/cases/{id}/blacklist-shared             + - + - x x
GET  /v1/cases/{id}/report                       + - + - x x
GET  /v1/backtests/{id}                          + - + - x x
POST /v1/backtests/{id}/cancel                   + - + - x x
GET  /v1/service-clients                         - - - + x x
POST /v1/service-clients                         - - - + x x
POST /v1/service-clients/{id}/revoke             - - - + x x
POST /v1/sessions/{id}/end                       - - - + x x
";

const OPERATORS: [&str; 4] = ["officer.li", "agent.zhao", "manager.chen", "admin.sun"];

/// The path with its parameters naming nothing that exists.
fn concrete(path: &str) -> String {
    let id = if path.starts_with("/v1/operators/") {
        "nobody.here"
    } else if path.starts_with("/v1/sessions/") {
        "0123456789abcdef"
    } else if path.starts_with("/v1/service-clients/") {
        "nobody-client"
    } else {
        "999999999"
    };
    // An upload names its file in the query, read before the role.
    let query = if path.ends_with("/attachments") {
        "?name=perm.txt"
    } else {
        ""
    };
    path.replace("{id}", id)
        .replace("{attachment}", "999999999")
        .replace("{order_id}", "WX-NOBODY-1")
        + query
}

/// A well-formed body for each write, so that the role is what decides.
fn body(path: &str, caller: usize) -> Value {
    let version = json!(1);
    match path {
        "/v1/accounts/{id}/freezes" => json!({"reason": "权限检查"}),
        "/v1/accounts/{id}/limit-changes" => {
            json!({"proposed_limit": "1000.00", "reason": "customer_request"})
        }
        "/v1/accounts/{id}/reveal" => json!({"field": "phone", "reason": "权限检查"}),
        "/v1/alerts/triage" => json!({"items": [{"id": 999999999, "version": 1}],
            "action": {"type": "claim"}}),
        "/v1/alerts/{id}/notes" => json!({"body": "权限检查"}),
        "/v1/cases" => json!({"title": "权限检查", "alert_id": 999999999}),
        "/v1/cases/{id}/freeze-all" => json!({"reason": "权限检查"}),
        "/v1/cases/{id}/blacklist-shared" => {
            json!({"things": [{"kind": "device", "value": "dev-perm"}], "reason": "权限检查"})
        }
        "/v1/cases/{id}/steps" => {
            json!({"version": version, "step": {"type": "note", "body": "权限检查"}})
        }
        "/v1/alerts/{id}/triage" => json!({"version": version, "action": {"type": "claim"}}),
        "/v1/blacklist" => json!({"kind": "device", "value": format!("dev-perm-{caller}"),
            "reason": "权限检查"}),
        "/v1/blacklist/{id}/removal"
        | "/v1/blacklist/{id}/removal/reject"
        | "/v1/limit-changes/{id}/reject" => json!({"version": version, "reason": "权限检查"}),
        "/v1/blacklist/{id}/removal/approve" | "/v1/limit-changes/{id}/approve" => {
            json!({"version": version, "totp": "000000"})
        }
        "/v1/disputes" => json!({"transaction_id": 999999999, "reason": "not_received",
            "statement": "权限检查"}),
        "/v1/disputes/{id}/steps" => {
            json!({"version": version, "action": {"type": "reject", "reason": "权限检查"}})
        }
        "/v1/freezes/{id}/release" => json!({"version": version, "totp": "000000",
            "reason": "权限检查"}),
        "/v1/operators" => json!({"id": format!("probe.{caller}"), "display_name": "探针",
            "role": "cs_agent"}),
        "/v1/operators/{id}/changes" => json!({"version": version, "action": {"type": "disable"}}),
        "/v1/service-clients" => json!({"id": format!("probe-{caller}")}),
        "/v1/service-clients/{id}/revoke" | "/v1/rules/{id}/shadow" => {
            json!({"version": version})
        }
        "/v1/rules" => json!({"based_on": 999999999,
            "rules": riskdesk_domain::rules::Rules::builtin(), "note": "权限检查"}),
        "/v1/rules/{id}/publish" => json!({"version": version, "totp": "000000"}),
        "/v1/rules/{id}/backtests" => json!({"days": 1}),
        "/v1/auth/sign-in" => json!({"operator_id": "nobody.here", "password": "wrong",
            "totp_code": "000000"}),
        _ => json!({}),
    }
}

/// `+`, `-` or `x` for one answer.
fn outcome(status: u16, answer: &Value) -> char {
    match (status, answer["code"].as_str()) {
        (403, Some("forbidden")) => '-',
        (401, Some("unauthenticated" | "session_expired")) => 'x',
        _ => '+',
    }
}

#[tokio::test]
async fn every_route_answers_each_role_as_the_table_says() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 20).await;
    let service_key = support::service_key(store.as_ref(), "wechatpay").await;
    let service = Service::start(store).await;
    let mut tokens: Vec<Option<String>> = Vec::new();
    for operator in OPERATORS {
        tokens.push(Some(service.sign_in(operator).await));
    }
    tokens.push(Some(service_key));
    tokens.push(None);

    let (_, document) = service.get("/v1/openapi.json", None).await;
    let mut served = BTreeSet::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            served.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let rows: Vec<(&str, &str, String)> = EXPECTED
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut words = l.split_whitespace();
            let method = words.next().unwrap();
            let path = words.next().unwrap();
            (method, path, words.collect::<String>())
        })
        .collect();
    let tabled: BTreeSet<String> = rows.iter().map(|(m, p, _)| format!("{m} {p}")).collect();
    assert_eq!(
        served, tabled,
        "every served route has a row, and every row a route"
    );

    // Signing out ends the session the other calls use: last.
    let mut ordered = rows.clone();
    ordered.sort_by_key(|(_, path, _)| *path == "/v1/auth/sign-out");
    let mut wrong = Vec::new();
    let mut calls = 0;
    for (method, path, expected) in &ordered {
        let mut seen = String::new();
        for (caller, token) in tokens.iter().enumerate() {
            calls += 1;
            let url = format!("{}{}", service.url, concrete(path));
            let mut request = match *method {
                "GET" => service.client.get(url),
                _ => service
                    .client
                    .post(url)
                    .header("Idempotency-Key", format!("permission-{calls}"))
                    .json(&body(path, caller)),
            };
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            // The live stream answers with a stream that never ends.
            let streaming = response
                .headers()
                .get("content-type")
                .is_some_and(|t| t == "text/event-stream");
            let text = if streaming {
                String::new()
            } else {
                response.text().await.unwrap()
            };
            let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            seen.push(outcome(status, &answer));
        }
        if seen != *expected {
            wrong.push(format!("{method} {path}: expected {expected}, got {seen}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "routes that drift from the table:\n{}",
        wrong.join("\n")
    );
}
