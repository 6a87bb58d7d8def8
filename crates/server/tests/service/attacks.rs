//! What an attacker gets from guessing and flooding: lockouts at the edges,
//! the same answer for a locked, an unknown and a wrong sign-in, sign-in
//! rate limits, wrong step-up codes counted until the session ends.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use riskdesk_server::http::SignInLimits;
use serde_json::{Value, json};

use crate::support::{self, Service};

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

async fn service() -> Service {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 5).await;
    Service::start(store).await
}

/// One sign-in as officer.li: the right password or not, the code of the
/// moment or a wrong one. The clock moves on a step first, so that a right
/// code is always fresh.
async fn attempt(service: &Service, password_right: bool, code_right: bool) -> (u16, Value) {
    service.advance_ms(30_000);
    let officer = support::operator("officer.li");
    let code = if code_right {
        service.totp(&officer)
    } else {
        wrong_code(&service.totp(&officer))
    };
    let password = if password_right {
        officer.password.as_str()
    } else {
        "wrong"
    };
    service
        .post(
            "/v1/auth/sign-in",
            None,
            &json!({"operator_id": "officer.li", "password": password, "totp_code": code}),
        )
        .await
}

/// A six-digit code other than `right`.
fn wrong_code(right: &str) -> String {
    if right == "000000" {
        "111111"
    } else {
        "000000"
    }
    .to_owned()
}

/// A sign-in by `id` with a password and code made up.
async fn as_stranger(service: &Service, id: &str) -> (u16, Value) {
    service
        .post(
            "/v1/auth/sign-in",
            None,
            &json!({"operator_id": id, "password": "x", "totp_code": "123456"}),
        )
        .await
}

async fn failures(service: &Service, n: usize) {
    for i in 0..n {
        // Wrong codes count as much as wrong passwords.
        let (status, body) = attempt(service, i % 2 == 0, false).await;
        assert_eq!(
            (status, code(&body)),
            (401, "invalid_credentials"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn nine_failures_do_not_lock_the_tenth_does_and_a_success_starts_again() {
    let service = service().await;
    failures(&service, 9).await;
    assert_eq!(attempt(&service, true, true).await.0, 200, "9 do not lock");
    failures(&service, 9).await;
    assert_eq!(
        attempt(&service, true, true).await.0,
        200,
        "the success reset the count"
    );

    failures(&service, 10).await;
    let (status, locked) = attempt(&service, true, true).await;
    assert_eq!(
        status, 401,
        "the 10th locks, right details or not: {locked}"
    );
    // Locks grow: 1 minute, then 5, then 30; each lapsed lock starts the count again.
    let mut lock_started = service.now_ms() - 30_000;
    for (lock_ms, next_ms) in [
        (60_000, 300_000),
        (300_000, 1_800_000),
        (1_800_000, 1_800_000),
    ] {
        service.advance_ms(lock_started + lock_ms - 30_000 - 1 - service.now_ms());
        let (status, _) = attempt(&service, true, true).await;
        assert_eq!(status, 401, "still locked 1 ms before {lock_ms} ms");
        // The attempt above spent the last millisecond and moved 30 s on.
        failures(&service, 9).await;
        assert_eq!(
            service
                .store
                .operator("officer.li")
                .await
                .unwrap()
                .unwrap()
                .failed_attempts,
            9,
            "a lapsed lock starts the count again"
        );
        failures(&service, 1).await;
        lock_started = service.now_ms();
        let operator = service.store.operator("officer.li").await.unwrap().unwrap();
        assert_eq!(operator.locked_until, Some(lock_started + next_ms));
    }
    service.advance_ms(1_800_000);
    assert_eq!(
        attempt(&service, true, true).await.0,
        200,
        "the last lock lapsed"
    );
    failures(&service, 10).await;
    let operator = service.store.operator("officer.li").await.unwrap().unwrap();
    assert_eq!(
        operator.locked_until,
        Some(service.now_ms() + 60_000),
        "a success starts the locks again from 1 minute"
    );
}

#[tokio::test]
async fn locked_unknown_and_wrong_sign_ins_get_the_same_answer() {
    let service = service().await;
    let (_, wrong) = attempt(&service, false, true).await;
    failures(&service, 9).await;
    let (status, locked) = attempt(&service, true, true).await;
    assert_eq!(status, 401);
    let (status, unknown) = as_stranger(&service, "nobody.here").await;
    assert_eq!(status, 401);
    assert_eq!(locked, wrong);
    assert_eq!(unknown, wrong);
    assert_eq!(code(&wrong), "invalid_credentials");
}

#[tokio::test]
async fn unknown_ids_are_summed_up_never_written_as_actors() {
    let service = service().await;
    for id in ["nobody.1", "nobody.2", "nobody.3"] {
        let (status, _) = as_stranger(&service, id).await;
        assert_eq!(status, 401);
    }
    // A formula, a line break: not an operator id, refused before anything.
    for id in ["=HYPERLINK(\"http://x\")", "a\nb", "Officer.Li"] {
        let (status, body) = as_stranger(&service, id).await;
        assert_eq!(
            (status, code(&body)),
            (400, "invalid_value"),
            "{id}: {body}"
        );
    }
    service.advance_ms(60_000);
    let (status, _) = as_stranger(&service, "nobody.4").await;
    assert_eq!(status, 401);
    let manager = service.sign_in("manager.chen").await;
    let (_, page) = service
        .get(
            "/v1/audit?action=session.sign_in_failed&limit=10",
            Some(&manager),
        )
        .await;
    let entries: Vec<(&str, &str, Value)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap(),
                e["target"].as_str().unwrap(),
                serde_json::from_str(e["after"].as_str().unwrap()).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (
                "anonymous",
                "operator:?",
                json!({"how": "unknown operator", "attempts_since_last_entry": 3, "last_attempted_id": "nobody.4"})
            ),
            (
                "anonymous",
                "operator:?",
                json!({"how": "unknown operator", "attempts_since_last_entry": 1, "last_attempted_id": "nobody.1"})
            ),
        ]
    );
}

#[tokio::test]
async fn five_wrong_step_up_codes_in_a_row_end_the_session() {
    let service = service().await;
    let li = service.sign_in("officer.li").await;
    let wang = service.sign_in("officer.wang").await;
    let (_, accounts) = service
        .get("/v1/accounts?status=active&limit=1", Some(&li))
        .await;
    let account = accounts["items"][0]["id"].as_i64().unwrap();
    let freeze = place_freeze(&service, &li, account, "freeze-1").await;
    // Four wrong, then a right one: the count starts again.
    for i in 0..4 {
        let (status, body) =
            release_with(&service, &wang, &freeze, &format!("release-r{i}"), None).await;
        assert_eq!((status, code(&body)), (403, "step_up_failed"), "{body}");
    }
    let (_, me) = service.get("/v1/me", Some(&wang)).await;
    assert_eq!(me["id"], "officer.wang", "four do not end the session");
    let right = service.fresh_totp("officer.wang");
    let (status, body) = release_with(&service, &wang, &freeze, "release-right", Some(right)).await;
    assert_eq!(status, 200, "{body}");
    // Five in a row on another decision: the session ends.
    let freeze = place_freeze(&service, &li, account, "freeze-2").await;
    for i in 0..4 {
        let (status, body) =
            release_with(&service, &wang, &freeze, &format!("release-s{i}"), None).await;
        assert_eq!((status, code(&body)), (403, "step_up_failed"), "{body}");
    }
    let (status, body) = release_with(&service, &wang, &freeze, "release-s4", None).await;
    assert_eq!((status, code(&body)), (401, "session_expired"), "{body}");
    let (status, body) = service.get("/v1/me", Some(&wang)).await;
    assert_eq!((status, code(&body)), (401, "session_expired"));
    let (_, li_me) = service.get("/v1/me", Some(&li)).await;
    assert_eq!(li_me["id"], "officer.li", "others' sessions go on");

    let manager = service.sign_in("manager.chen").await;
    let (_, page) = service
        .get(
            "/v1/audit?action=session.step_up_failed&limit=20",
            Some(&manager),
        )
        .await;
    let counts: Vec<Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str::<Value>(e["after"].as_str().unwrap()).unwrap())
        .map(|after| json!([after["failures_in_a_row"], after["session_ended"]]))
        .collect();
    assert_eq!(
        counts,
        [
            json!([5, true]),
            json!([4, false]),
            json!([3, false]),
            json!([2, false]),
            json!([1, false]),
            json!([4, false]),
            json!([3, false]),
            json!([2, false]),
            json!([1, false]),
        ]
    );
}

/// officer.li freezes ¥10 on `account`.
async fn place_freeze(service: &Service, li: &str, account: i64, key: &str) -> Value {
    let (status, freeze, _) = service
        .write(
            &format!("/v1/accounts/{account}/freezes"),
            li,
            key,
            &json!({"amount": "10.00", "reason": "check"}),
        )
        .await;
    assert_eq!(status, 200, "{freeze}");
    freeze
}

/// officer.wang releases `freeze` with `code`, or with a wrong code of the
/// next TOTP step when there is none.
async fn release_with(
    service: &Service,
    wang: &str,
    freeze: &Value,
    key: &str,
    code: Option<String>,
) -> (u16, Value) {
    let code = code.unwrap_or_else(|| {
        service.advance_ms(30_000);
        wrong_code(&service.totp(&support::operator("officer.wang")))
    });
    let body = json!({"version": freeze["version"], "totp": code, "reason": "ok"});
    let path = format!("/v1/freezes/{}/release", freeze["id"]);
    let (status, answer, _) = service.write(&path, wang, key, &body).await;
    (status, answer)
}

#[tokio::test]
async fn a_sign_in_flood_is_answered_429_per_address_and_in_all() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 1).await;
    let limits = SignInLimits {
        per_address_burst: 3,
        per_address_every: Duration::from_secs(3600),
        global_burst: 5,
        global_every: Duration::from_secs(3600),
    };
    let service =
        Service::start_configured(store, |state| state.with_sign_in_limits(limits).unwrap()).await;
    let sign_in_from = |source: [u8; 4]| {
        let client = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(source))
            .build()
            .unwrap();
        let url = format!("{}/v1/auth/sign-in", service.url);
        async move {
            let response = client
                .post(url)
                .json(
                    &json!({"operator_id": "nobody.here", "password": "x", "totp_code": "123456"}),
                )
                .send()
                .await
                .unwrap();
            let retry = response
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().parse::<u64>().unwrap());
            let (status, body) = support::read(response).await;
            (status, code(&body).to_owned(), retry)
        }
    };
    let refused = (429, "rate_limited".to_owned());
    for _ in 0..3 {
        let (status, code, _) = sign_in_from([127, 0, 0, 1]).await;
        assert_eq!((status, code.as_str()), (401, "invalid_credentials"));
    }
    let (status, code, retry) = sign_in_from([127, 0, 0, 1]).await;
    assert_eq!((status, code), refused, "the 4th from one address");
    assert!(
        retry.is_some_and(|s| (3000..=3600).contains(&s)),
        "{retry:?}"
    );
    // Another address has its own allowance, within the global one.
    for _ in 0..2 {
        assert_eq!(sign_in_from([127, 0, 0, 2]).await.0, 401);
    }
    let (status, code, retry) = sign_in_from([127, 0, 0, 3]).await;
    assert_eq!((status, code), refused, "the 6th in all");
    assert!(retry.is_some());
    // Everything else is not limited.
    let (status, _) = service.get("/v1/health", None).await;
    assert_eq!(status, 200);
}
