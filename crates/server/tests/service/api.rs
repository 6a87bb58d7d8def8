//! The HTTP API through a real port: sign-in, the permission matrix, every
//! endpoint on both backends, bad input, paging.

use std::collections::HashSet;

use riskdesk_domain::operator::{Permission, Role};
use serde_json::{Value, json};
use strum::IntoEnumIterator;

use crate::support::{self, Service};

async fn sqlite_service(customers: u32) -> Service {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), customers).await;
    Service::start(store).await
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("<no code>")
}

#[tokio::test]
async fn every_endpoint_answers_on_both_backends() {
    for store in support::backends().await {
        support::portfolio(store.as_ref(), 200).await;
        let backend = store.backend();
        let service = Service::start(store).await;
        let (status, health) = service.get("/v1/health", None).await;
        assert_eq!((status, health["database"].as_str()), (200, Some(backend)));
        let token = service.sign_in("manager.chen").await;
        let token = Some(token.as_str());
        let (status, me) = service.get("/v1/me", token).await;
        assert_eq!(
            (status, me["role"].as_str()),
            (200, Some("manager")),
            "{backend}"
        );
        for path in [
            "/v1/accounts",
            "/v1/alerts",
            "/v1/blacklist",
            "/v1/limit-changes",
            "/v1/disputes",
        ] {
            let (status, page) = service.get(path, token).await;
            assert_eq!(status, 200, "{backend} {path}: {page}");
            assert!(
                !page["items"].as_array().unwrap().is_empty(),
                "{backend} {path} is empty"
            );
        }
        let (_, accounts) = service
            .get("/v1/accounts?sort=dpd_desc&limit=1", token)
            .await;
        let id = accounts["items"][0]["id"].as_i64().unwrap();
        let (status, detail) = service.get(&format!("/v1/accounts/{id}"), token).await;
        assert_eq!(status, 200, "{backend}: {detail}");
        let points: i64 = detail["score_breakdown"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["points"].as_i64().unwrap())
            .sum();
        let raw = detail["score_breakdown"]["base"].as_i64().unwrap() + points;
        assert_eq!(
            detail["score"].as_i64().unwrap(),
            raw.clamp(300, 900),
            "{backend}: the breakdown explains the score"
        );
        assert!(
            detail["customer"]["national_id_masked"]
                .as_str()
                .unwrap()
                .contains("***********")
        );
        let (status, txs) = service
            .get(&format!("/v1/accounts/{id}/transactions?limit=5"), token)
            .await;
        assert_eq!(status, 200, "{backend}: {txs}");
        // The chart's months: six, the last one holding "now", and their
        // spending equal to the purchases that went through in them.
        let (status, months) = service
            .get(&format!("/v1/accounts/{id}/history?months=6"), token)
            .await;
        assert_eq!(status, 200, "{backend}: {months}");
        let months = months.as_array().unwrap();
        assert_eq!(months.len(), 6);
        assert_eq!(
            (months[5]["year"].as_i64(), months[5]["month"].as_i64()),
            (Some(2026), Some(11))
        );
        let (_, all) = service
            .get(
                &format!("/v1/accounts/{id}/transactions?limit=200&kind=purchase"),
                token,
            )
            .await;
        let spent: f64 = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| {
                t["status"] != "declined"
                    && t["occurred_at"].as_str().unwrap() >= "2026-05-31T16:00:00Z"
            })
            .map(|t| t["amount"].as_str().unwrap().parse::<f64>().unwrap())
            .sum();
        let charted: f64 = months
            .iter()
            .map(|m| m["spending"].as_str().unwrap().parse::<f64>().unwrap())
            .sum();
        assert!(
            (spent - charted).abs() < 0.005,
            "{backend}: {spent} vs {charted}"
        );
        // Six months read from what was owed before them end where the whole
        // history (24 months, more than the portfolio has) does.
        let (_, whole) = service
            .get(&format!("/v1/accounts/{id}/history?months=24"), token)
            .await;
        let balances = |points: &[Value]| -> Vec<String> {
            points.iter().map(|m| m["balance"].to_string()).collect()
        };
        let whole = whole.as_array().unwrap();
        assert_eq!(balances(&whole[18..]), balances(months), "{backend}");
        assert!(
            balances(months).iter().any(|b| b != "\"0.00\""),
            "{backend}: a balance to compare"
        );
    }
}

/// Every alert under a filter, read page by page.
async fn all_alerts(service: &Service, token: &str, filter: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    loop {
        let (status, page) = service
            .get(
                &format!("/v1/alerts?limit=200{filter}{cursor}"),
                Some(token),
            )
            .await;
        assert_eq!(status, 200, "{page}");
        items.extend(
            page["items"]
                .as_array()
                .expect("a page has items")
                .iter()
                .cloned(),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return items,
        }
    }
}

#[tokio::test]
async fn alert_counts_and_blacklist_matches_agree_with_the_records() {
    for store in support::backends().await {
        support::portfolio(store.as_ref(), 300).await;
        let backend = store.backend();
        let service = Service::start(store).await;
        let token = service.sign_in("officer.li").await;
        for filter in ["", "&severity=critical", "&rule=blacklist_hit"] {
            let alerts = all_alerts(&service, &token, filter).await;
            let (status, counts) = service
                .get(&format!("/v1/alerts/counts?{filter}"), Some(&token))
                .await;
            assert_eq!(status, 200, "{backend}: {counts}");
            for status in ["open", "in_review", "escalated", "closed"] {
                let scanned = alerts.iter().filter(|a| a["status"] == status).count();
                assert_eq!(
                    counts[status].as_u64(),
                    Some(scanned as u64),
                    "{backend} {filter} {status}"
                );
            }
        }
        // An account whose payment hit the blacklist matches an entry of the
        // kind that fired; an account with no such alert matches none.
        let hits = all_alerts(&service, &token, "&rule=blacklist_hit").await;
        assert!(
            !hits.is_empty(),
            "{backend}: the demo plants blacklist hits"
        );
        // (Some devices' entries have lapsed since they fired: one of the
        // first hits still matches both.)
        let mut both = None;
        for hit in hits.iter().take(20) {
            let hit_account = hit["account_id"].as_i64().unwrap();
            let (status, matches) = service
                .get(
                    &format!("/v1/accounts/{hit_account}/blacklist-matches"),
                    Some(&token),
                )
                .await;
            assert_eq!(status, 200, "{backend}: {matches}");
            let kinds: HashSet<String> = matches
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["kind"].as_str().unwrap().to_owned())
                .collect();
            if kinds.contains("device") && kinds.contains("merchant") {
                both = Some(hit_account);
                break;
            }
        }
        assert!(
            both.is_some(),
            "{backend}: an account with a blacklist hit matches its device and merchant"
        );
        // Against a brute-force match of every entry on the first accounts'
        // customer, home city, devices, IPs and merchants (the demo's listed
        // phones and national IDs are random and match no one).
        let (_, entries) = service.get("/v1/blacklist?limit=200", Some(&token)).await;
        let entries = entries["items"].as_array().unwrap().clone();
        let (_, accounts) = service.get("/v1/accounts?limit=40", Some(&token)).await;
        let mut matched = 0;
        for account in accounts["items"].as_array().unwrap() {
            let id = account["id"].as_i64().unwrap();
            let (_, txs) = service
                .get(
                    &format!("/v1/accounts/{id}/transactions?limit=200"),
                    Some(&token),
                )
                .await;
            let (_, detail) = service
                .get(&format!("/v1/accounts/{id}"), Some(&token))
                .await;
            let mut used: HashSet<(&str, String)> = txs["items"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|t| {
                    [
                        ("device", "device_id"),
                        ("ip", "ip"),
                        ("merchant", "merchant"),
                    ]
                    .into_iter()
                    .filter_map(|(kind, field)| t[field].as_str().map(|v| (kind, v.to_owned())))
                })
                .collect();
            used.insert(("customer", detail["customer"]["id"].to_string()));
            used.insert((
                "geo_area",
                format!("city:{}", account["city"].as_str().unwrap()),
            ));
            let expected: HashSet<i64> = entries
                .iter()
                .filter(|e| {
                    used.contains(&(
                        e["kind"].as_str().unwrap(),
                        e["value"].as_str().unwrap().to_owned(),
                    ))
                })
                .map(|e| e["id"].as_i64().unwrap())
                .collect();
            let (status, found) = service
                .get(
                    &format!("/v1/accounts/{id}/blacklist-matches"),
                    Some(&token),
                )
                .await;
            assert_eq!(status, 200, "{backend}: {found}");
            let found: HashSet<i64> = found
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_i64().unwrap())
                .collect();
            assert_eq!(found, expected, "{backend}: account {id}");
            matched += usize::from(!found.is_empty());
        }
        assert!(matched < 40, "{backend}: some accounts match nothing");
        let (status, missing) = service
            .get("/v1/accounts/99999999/blacklist-matches", Some(&token))
            .await;
        assert_eq!((status, code(&missing)), (404, "not_found"), "{backend}");
    }
}

#[tokio::test]
async fn sign_in_needs_password_and_a_fresh_code_and_locks_out() {
    let service = sqlite_service(1).await;
    let officer = support::operator("officer.li");
    let attempt = |password: &str, code: String| json!({"operator_id": "officer.li", "password": password, "totp_code": code});
    service.advance_ms(30_000);
    let (status, body) = service
        .post(
            "/v1/auth/sign-in",
            None,
            &attempt("wrong", service.totp(&officer)),
        )
        .await;
    assert_eq!((status, code(&body)), (401, "invalid_credentials"));
    let (status, _) = service
        .post(
            "/v1/auth/sign-in",
            None,
            &attempt(&officer.password, "000000".into()),
        )
        .await;
    assert_eq!(status, 401);
    let code_now = service.totp(&officer);
    let (status, body) = service
        .post(
            "/v1/auth/sign-in",
            None,
            &attempt(&officer.password, code_now.clone()),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["token"].as_str().unwrap().len() >= 40);
    let (status, body) = service
        .post(
            "/v1/auth/sign-in",
            None,
            &attempt(&officer.password, code_now),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (401, "invalid_credentials"),
        "a code is accepted once"
    );
    let (status, body) = service
        .post(
            "/v1/auth/sign-in",
            None,
            &json!({"operator_id": "nobody", "password": "x", "totp_code": "123456"}),
        )
        .await;
    assert_eq!((status, code(&body)), (401, "invalid_credentials"));

    // Ten failures in a row lock the operator out, even with the right
    // details after (the edges: attacks.rs).
    for _ in 0..10 {
        service
            .post(
                "/v1/auth/sign-in",
                None,
                &attempt("wrong", service.totp(&officer)),
            )
            .await;
    }
    service.advance_ms(30_000);
    let (status, body) = service
        .post(
            "/v1/auth/sign-in",
            None,
            &attempt(&officer.password, service.totp(&officer)),
        )
        .await;
    assert_eq!((status, code(&body)), (401, "invalid_credentials"));
    service.advance_ms(60 * 1000);
    let (status, _) = service
        .post(
            "/v1/auth/sign-in",
            None,
            &attempt(&officer.password, service.totp(&officer)),
        )
        .await;
    assert_eq!(status, 200, "the first lockout lapses after a minute");
}

#[tokio::test]
async fn sessions_end_on_sign_out_idle_and_absolute_expiry() {
    let service = sqlite_service(1).await;
    let (status, body) = service.get("/v1/me", None).await;
    assert_eq!((status, code(&body)), (401, "unauthenticated"));
    let (status, _) = service.get("/v1/me", Some("not-a-token")).await;
    assert_eq!(status, 401);

    let token = service.sign_in("agent.zhao").await;
    let (status, _) = service
        .post("/v1/auth/sign-out", Some(&token), &json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, body) = service.get("/v1/me", Some(&token)).await;
    assert_eq!((status, code(&body)), (401, "session_expired"));

    let token = service.sign_in("agent.zhao").await;
    service.advance_ms(14 * 60 * 1000);
    assert_eq!(
        service.get("/v1/me", Some(&token)).await.0,
        200,
        "14 idle minutes are fine"
    );
    service.advance_ms(15 * 60 * 1000);
    let (status, body) = service.get("/v1/me", Some(&token)).await;
    assert_eq!(
        (status, code(&body)),
        (401, "session_expired"),
        "15 idle minutes are not"
    );

    let token = service.sign_in("agent.zhao").await;
    for _ in 0..(8 * 60 / 10) {
        service.advance_ms(10 * 60 * 1000);
        if service.get("/v1/me", Some(&token)).await.0 != 200 {
            break;
        }
    }
    let (status, body) = service.get("/v1/me", Some(&token)).await;
    assert_eq!(
        (status, code(&body)),
        (401, "session_expired"),
        "8 hours is the limit"
    );
}

#[tokio::test]
async fn the_permission_matrix_is_enforced_on_every_endpoint() {
    let service = sqlite_service(30).await;
    let endpoints = [
        ("/v1/accounts", Permission::ReadAccounts),
        ("/v1/accounts/80000001", Permission::ReadAccounts),
        (
            "/v1/accounts/80000001/transactions",
            Permission::ReadTransactions,
        ),
        (
            "/v1/accounts/80000001/history",
            Permission::ReadTransactions,
        ),
        (
            "/v1/accounts/80000001/blacklist-matches",
            Permission::ReadBlacklist,
        ),
        ("/v1/alerts", Permission::ReadAlerts),
        ("/v1/alerts/counts", Permission::ReadAlerts),
        ("/v1/blacklist", Permission::ReadBlacklist),
        ("/v1/limit-changes", Permission::ReadLimitChanges),
        ("/v1/disputes", Permission::ReadDisputes),
        ("/v1/accounts/80000001/freezes", Permission::ReadAccounts),
        ("/v1/alerts/1", Permission::ReadAlerts),
        ("/v1/alerts/1/notes", Permission::ReadAlerts),
        ("/v1/limit-changes/1", Permission::ReadLimitChanges),
        ("/v1/disputes/1", Permission::ReadDisputes),
        ("/v1/audit", Permission::ReadAudit),
        ("/v1/audit/chain", Permission::ReadAudit),
        ("/v1/audit/checkpoints", Permission::ReadAudit),
        ("/v1/audit/keys", Permission::ReadAudit),
        ("/v1/audit/verify", Permission::ReadAudit),
        ("/v1/metrics/fraud", Permission::ReadMetrics),
    ];
    // Without a token only health, sign-in and the OpenAPI document answer.
    for (path, _) in endpoints {
        let (status, body) = service.get(path, None).await;
        assert_eq!(
            (status, code(&body)),
            (401, "unauthenticated"),
            "GET {path}"
        );
    }
    let (status, doc) = service.get("/v1/openapi.json", None).await;
    assert_eq!((status, doc["openapi"].as_str()), (200, Some("3.1.0")));
    assert_eq!(service.get("/v1/health", None).await.0, 200);
    let people = [
        ("officer.li", Role::RiskOfficer),
        ("agent.zhao", Role::CsAgent),
        ("manager.chen", Role::Manager),
        ("admin.sun", Role::Admin),
    ];
    assert_eq!(people.len(), Role::iter().count(), "every role is tried");
    for (id, role) in people {
        let token = service.sign_in(id).await;
        for (path, permission) in endpoints {
            let (status, body) = service.get(path, Some(&token)).await;
            let expected = if role.can(permission) { 200 } else { 403 };
            assert_eq!(status, expected, "{id} GET {path}: {body}");
            if expected == 403 {
                assert_eq!(code(&body), "forbidden");
            }
        }
    }
}

#[tokio::test]
async fn bad_input_gets_a_precise_problem_never_a_500() {
    let service = sqlite_service(60).await;
    let token = service.sign_in("officer.li").await;
    let token = Some(token.as_str());
    let cases: &[(&str, u16, &str)] = &[
        ("/v1/alerts?status=sleeping", 400, "invalid_request"),
        ("/v1/alerts?colour=red", 400, "invalid_request"),
        ("/v1/alerts?limit=0", 400, "invalid_value"),
        ("/v1/alerts?limit=201", 400, "invalid_value"),
        ("/v1/alerts?limit=-1", 400, "invalid_request"),
        ("/v1/alerts?cursor=bm9wZQ", 400, "bad_cursor"),
        (
            "/v1/alerts?min_age_minutes=10&max_age_minutes=5",
            400,
            "invalid_value",
        ),
        (
            "/v1/accounts?utilisation_min_bp=20000",
            400,
            "invalid_value",
        ),
        ("/v1/accounts?q=123", 400, "invalid_value"),
        ("/v1/accounts/abc", 400, "invalid_request"),
        (
            "/v1/accounts/99999999999999999999999",
            400,
            "invalid_request",
        ),
        ("/v1/accounts/12", 404, "not_found"),
        ("/v1/accounts/12/transactions", 404, "not_found"),
        ("/v1/accounts/12/history", 404, "not_found"),
        (
            "/v1/accounts/80000000/history?months=0",
            400,
            "invalid_value",
        ),
        (
            "/v1/accounts/80000000/history?months=25",
            400,
            "invalid_value",
        ),
        (
            "/v1/accounts/80000000/transactions?amount_min=1.005",
            400,
            "invalid_value",
        ),
        (
            "/v1/accounts/80000000/transactions?amount_min=1e3",
            400,
            "invalid_value",
        ),
        (
            "/v1/accounts/80000000/transactions?from=yesterday",
            400,
            "invalid_request",
        ),
        (
            "/v1/accounts/80000000/transactions?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            400,
            "invalid_value",
        ),
        ("/v1/nowhere", 404, "not_found"),
    ];
    for (path, status, expected) in cases {
        let (got, body) = service.get(path, token).await;
        assert_eq!(
            (got, code(&body)),
            (*status, *expected),
            "GET {path}: {body}"
        );
        assert!(
            !body["detail"].as_str().unwrap_or("").is_empty(),
            "GET {path} explains itself"
        );
    }
    // A cursor from one list is refused by another filter.
    let (_, page) = service.get("/v1/alerts?limit=1", token).await;
    let cursor = page["next_cursor"].as_str().expect("a second page");
    let (status, body) = service
        .get(
            &format!("/v1/alerts?limit=1&status=closed&cursor={cursor}"),
            token,
        )
        .await;
    assert_eq!((status, code(&body)), (400, "bad_cursor"));

    let sign_in = format!("{}/v1/auth/sign-in", service.url);
    let raw = |body: &'static str, content_type: &'static str| {
        service
            .client
            .post(&sign_in)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let bodies: &[(&str, &str, u16, &str)] = &[
        (
            "{\"operator_id\": ",
            "application/json",
            400,
            "malformed_json",
        ),
        (
            "{\"operator_id\":\"a\",\"password\":\"b\",\"totp_code\":\"123456\",\"admin\":true}",
            "application/json",
            400,
            "invalid_request",
        ),
        (
            "{\"operator_id\":1,\"password\":\"b\",\"totp_code\":\"123456\"}",
            "application/json",
            400,
            "invalid_request",
        ),
        (
            "{\"operator_id\":\"a\",\"password\":\"b\"}",
            "application/json",
            400,
            "invalid_request",
        ),
        (
            "{\"operator_id\":\"a\",\"password\":\"b\",\"totp_code\":\"12345\"}",
            "application/json",
            400,
            "invalid_value",
        ),
        (
            "{\"operator_id\":\"a\",\"password\":\"b\",\"totp_code\":\"123456\"}",
            "text/plain",
            415,
            "unsupported_media_type",
        ),
    ];
    for (body, content_type, status, expected) in bodies {
        let (got, problem) = support::read(raw(body, content_type).await.unwrap()).await;
        assert_eq!((got, code(&problem)), (*status, *expected), "POST {body}");
    }
    let huge = format!(
        "{{\"operator_id\":\"{}\",\"password\":\"b\",\"totp_code\":\"123456\"}}",
        "a".repeat(100_000)
    );
    let response = service
        .client
        .post(&sign_in)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let (status, problem) = support::read(response).await;
    assert_eq!((status, code(&problem)), (413, "payload_too_large"));
    let response = service
        .client
        .delete(format!("{}/v1/alerts", service.url))
        .send()
        .await
        .unwrap();
    let (status, problem) = support::read(response).await;
    assert_eq!((status, code(&problem)), (405, "method_not_allowed"));
}

#[tokio::test]
async fn paging_through_transactions_returns_each_row_once_in_order() {
    let service = sqlite_service(60).await;
    let token = service.sign_in("officer.li").await;
    let (_, accounts) = service
        .get("/v1/accounts?sort=limit_desc&limit=20", Some(&token))
        .await;
    // The account with the most history among the largest lines.
    let mut best = (0, 0);
    for account in accounts["items"].as_array().unwrap() {
        let id = account["id"].as_i64().unwrap();
        let (_, all) = service
            .get(
                &format!("/v1/accounts/{id}/transactions?limit=200"),
                Some(&token),
            )
            .await;
        best = best.max((all["items"].as_array().unwrap().len(), id));
    }
    let (total, id) = best;
    assert!(total > 12, "need several pages, got {total}");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/accounts/{id}/transactions?limit=5&cursor={c}"),
            None => format!("/v1/accounts/{id}/transactions?limit=5"),
        };
        let (status, page) = service.get(&path, Some(&token)).await;
        assert_eq!(status, 200, "{page}");
        seen.extend(page["items"].as_array().unwrap().iter().map(|t| {
            (
                t["occurred_at"].as_str().unwrap().to_owned(),
                t["id"].as_i64().unwrap(),
            )
        }));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), total);
    assert_eq!(
        seen.iter().map(|s| s.1).collect::<HashSet<_>>().len(),
        total
    );
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");
}

#[tokio::test]
async fn accounts_are_found_by_id_phone_tail_and_masked_name() {
    let service = sqlite_service(50).await;
    let token = service.sign_in("agent.zhao").await;
    let (_, detail) = service.get("/v1/accounts/80000007", Some(&token)).await;
    let name = detail["name_masked"].as_str().unwrap().to_owned();
    let tail = detail["phone_masked"].as_str().unwrap()[7..].to_owned();
    for q in ["80000007".to_owned(), tail, name] {
        let (status, page) = service
            .get(&format!("/v1/accounts?q={}", urlencode(&q)), Some(&token))
            .await;
        assert_eq!(status, 200, "{page}");
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == 80_000_007),
            "q={q}: {page}"
        );
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
