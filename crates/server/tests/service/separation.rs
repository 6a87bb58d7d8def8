//! Separation of duties through the API: a refund above the agent's own
//! limit waits for a second person (a manager above the next), never its
//! maker; an escalated dispute belongs to the risk team; and the admin runs
//! the team — operators added with one-time credentials, roles, disabling,
//! new authenticators, sessions ended, service clients revoked — never on
//! their own account, and with no secret in any stored answer or audit entry.

#![allow(clippy::unwrap_used)]

use riskdesk_domain::money::Money;
use riskdesk_domain::rules::{BUILTIN, Rules};
use serde_json::{Value, json};

use crate::disputes::settled_purchase_of;
use crate::support::{self, Service};

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("<no code>")
}

fn money(v: &Value) -> Money {
    v.as_str().unwrap().parse().unwrap()
}

/// The shipped rules with refunds over ¥100 needing a second person and
/// over ¥300 a manager.
fn low_refund_limits() -> Rules {
    let text = BUILTIN
        .replace("single_max = \"500.00\"", "single_max = \"100.00\"")
        .replace(
            "second_person_max = \"5000.00\"",
            "second_person_max = \"300.00\"",
        );
    Rules::parse(&text).unwrap()
}

/// Signs in with a password and the secret of an `otpauth://` URI, as a
/// new operator does with what the admin was shown.
async fn sign_in_new(service: &Service, id: &str, password: &str, otpauth: &str) -> (u16, Value) {
    sign_in_choosing(service, id, password, otpauth, None).await
}

/// The same, choosing a password of one's own in place of a one-time one.
async fn sign_in_choosing(
    service: &Service,
    id: &str,
    password: &str,
    otpauth: &str,
    new_password: Option<&str>,
) -> (u16, Value) {
    service.advance_ms(30_000);
    let secret = support::totp_secret(otpauth);
    let secs = u64::try_from(service.now_ms() / 1000).unwrap();
    let code = riskdesk_server::auth::totp_code(&secret, secs).unwrap();
    let mut body = json!({"operator_id": id, "password": password, "totp_code": code});
    if let Some(new_password) = new_password {
        body["new_password"] = json!(new_password);
    }
    service.post("/v1/auth/sign-in", None, &body).await
}

/// The admin adds a customer-service agent and they sign in: their token
/// and TOTP secret.
async fn second_agent(service: &Service, admin: &str) -> (String, String) {
    let add = json!({"id": "agent.qian", "display_name": "钱客服", "role": "cs_agent"});
    let (status, added, _) = service
        .write("/v1/operators", admin, "add-agent-qian", &add)
        .await;
    assert_eq!(status, 200, "{added}");
    let credentials = &added["credentials"];
    let (status, session) = sign_in_choosing(
        service,
        "agent.qian",
        credentials["initial_password"].as_str().unwrap(),
        credentials["otpauth_uri"].as_str().unwrap(),
        Some("钱客服自己的密码-2026"),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    let secret = support::totp_secret(credentials["otpauth_uri"].as_str().unwrap());
    (session["token"].as_str().unwrap().to_owned(), secret)
}

#[tokio::test]
async fn a_refund_above_the_agents_limit_waits_for_a_second_person_never_its_maker() {
    for store in support::backends().await {
        let backend = store.backend();
        support::portfolio(store.as_ref(), 200).await;
        let service = Service::start_with(store, low_refund_limits()).await;
        let zhao = service.sign_in("agent.zhao").await;
        let admin = service.sign_in("admin.sun").await;
        let (qian, qian_secret) = second_agent(&service, &admin).await;
        let chen = service.sign_in("manager.chen").await;
        let steps = |id: i64| format!("/v1/disputes/{id}/steps");
        let step = |action: Value, version: i64| json!({"version": version, "action": action});

        // ¥200: over the agent's own ¥100, within the second person's ¥300.
        let (account, transaction, _) = settled_purchase_of(&service, &zhao, 0, 1_000).await;
        let open = json!({"transaction_id": transaction, "reason": "wrong_amount", "statement": "多扣了钱"});
        let (_, dispute, _) = service
            .write("/v1/disputes", &zhao, "sep-open-1", &open)
            .await;
        let id = dispute["id"].as_i64().unwrap();
        let (_, before) = service
            .get(&format!("/v1/accounts/{account}"), Some(&zhao))
            .await;
        let propose = json!({"type": "refund", "amount": "200.00", "note": "差额退款"});
        let (status, proposed, _) = service
            .write(&steps(id), &zhao, "sep-propose-1", &step(propose, 1))
            .await;
        assert_eq!(
            (status, proposed["status"].as_str()),
            (200, Some("refund_pending")),
            "{backend}: {proposed}"
        );
        assert_eq!(
            proposed["pending_refund"],
            json!({"amount": "200.00", "proposed_by": "agent.zhao", "tier": "second_person"})
        );
        // Nothing has moved yet.
        let (_, waiting) = service
            .get(&format!("/v1/accounts/{account}"), Some(&zhao))
            .await;
        assert_eq!(waiting["available"], before["available"], "{backend}");
        let approve = |who: &str| json!({"type": "approve_refund", "totp": service.fresh_totp(who), "note": "核实无误"});
        let (status, own, _) = service
            .write(
                &steps(id),
                &zhao,
                "sep-approve-own",
                &step(approve("agent.zhao"), 2),
            )
            .await;
        assert_eq!((status, code(&own)), (403, "four_eyes"), "{backend}: {own}");
        let no_code = json!({"type": "approve_refund", "totp": "000000", "note": "核实无误"});
        let (status, wrong, _) = service
            .write(&steps(id), &qian, "sep-approve-nocode", &step(no_code, 2))
            .await;
        assert_eq!(
            (status, code(&wrong)),
            (403, "step_up_failed"),
            "{backend}: {wrong}"
        );
        service.advance_ms(30_000);
        let secs = u64::try_from(service.now_ms() / 1000).unwrap();
        let qian_code = riskdesk_server::auth::totp_code(&qian_secret, secs).unwrap();
        let approve_qian = json!({"type": "approve_refund", "totp": qian_code, "note": "核实无误"});
        let (status, approved, _) = service
            .write(
                &steps(id),
                &qian,
                "sep-approve-qian",
                &step(approve_qian, 2),
            )
            .await;
        assert_eq!(
            (
                status,
                approved["status"].as_str(),
                &approved["pending_refund"]
            ),
            (200, Some("resolved_refund"), &Value::Null),
            "{backend}: {approved}"
        );
        let (_, after) = service
            .get(&format!("/v1/accounts/{account}"), Some(&zhao))
            .await;
        assert_eq!(
            money(&after["available"]),
            money(&before["available"])
                .checked_add(Money::yuan(200).unwrap())
                .unwrap(),
            "{backend}"
        );
        let trail: Vec<String> = service
            .store
            .audit_trail(&format!("dispute:{id}"))
            .await
            .unwrap()
            .into_iter()
            .map(|e| format!("{} {}", e.actor, e.action))
            .collect();
        assert_eq!(
            trail,
            [
                "agent.zhao dispute.open",
                "agent.zhao dispute.refund_proposed",
                "agent.qian dispute.refunded"
            ],
            "{backend}"
        );

        // ¥400: a manager's, whoever else asks; turned down, it is open again.
        let (_, transaction, _) = settled_purchase_of(&service, &zhao, 1, 1_000).await;
        let open = json!({"transaction_id": transaction, "reason": "not_received", "statement": "没收到货"});
        let (_, dispute, _) = service
            .write("/v1/disputes", &zhao, "sep-open-2", &open)
            .await;
        let id = dispute["id"].as_i64().unwrap();
        let propose = json!({"type": "refund", "amount": "400.00", "note": "全额退款"});
        let (_, proposed, _) = service
            .write(&steps(id), &zhao, "sep-propose-2", &step(propose, 1))
            .await;
        assert_eq!(proposed["pending_refund"]["tier"], "manager", "{backend}");
        service.advance_ms(30_000);
        let secs = u64::try_from(service.now_ms() / 1000).unwrap();
        let qian_code = riskdesk_server::auth::totp_code(&qian_secret, secs).unwrap();
        let approve_qian = json!({"type": "approve_refund", "totp": qian_code, "note": "同意"});
        let (status, refused, _) = service
            .write(
                &steps(id),
                &qian,
                "sep-approve-qian-2",
                &step(approve_qian, 2),
            )
            .await;
        assert_eq!(
            (status, code(&refused)),
            (403, "forbidden"),
            "{backend}: {refused}"
        );
        let turn_down = json!({"type": "reject_refund", "reason": "商户已发货"});
        let (status, reopened, _) = service
            .write(&steps(id), &chen, "sep-turn-down", &step(turn_down, 2))
            .await;
        assert_eq!(
            (
                status,
                reopened["status"].as_str(),
                &reopened["pending_refund"]
            ),
            (200, Some("open"), &Value::Null),
            "{backend}: {reopened}"
        );
        let propose = json!({"type": "refund", "amount": "400.00", "note": "再次申请"});
        service
            .write(&steps(id), &zhao, "sep-propose-3", &step(propose, 3))
            .await;
        let (status, approved, _) = service
            .write(
                &steps(id),
                &chen,
                "sep-approve-chen",
                &step(approve("manager.chen"), 4),
            )
            .await;
        assert_eq!(
            (status, approved["status"].as_str()),
            (200, Some("resolved_refund")),
            "{backend}: {approved}"
        );
    }
}

#[tokio::test]
async fn an_escalated_dispute_is_the_risk_teams_not_the_escalators() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 200).await;
    let service = Service::start(store).await;
    let zhao = service.sign_in("agent.zhao").await;
    let li = service.sign_in("officer.li").await;
    let (_, transaction, _) = settled_purchase_of(&service, &zhao, 2, 100).await;
    let open =
        json!({"transaction_id": transaction, "reason": "unauthorized", "statement": "不是本人"});
    let (_, dispute, _) = service
        .write("/v1/disputes", &zhao, "esc-open", &open)
        .await;
    let id = dispute["id"].as_i64().unwrap();
    // Whoever decides sees the account's standing beside the dispute.
    let (_, detail) = service.get(&format!("/v1/disputes/{id}"), Some(&li)).await;
    let (_, account) = service
        .get(
            &format!("/v1/accounts/{}", dispute["account_id"]),
            Some(&li),
        )
        .await;
    assert_eq!(detail["account"]["id"], dispute["account_id"], "{detail}");
    assert_eq!(
        detail["account"]["available"], account["available"],
        "{detail}"
    );
    assert_eq!(
        detail["account_disputes"],
        json!([]),
        "its first dispute: {detail}"
    );
    let path = format!("/v1/disputes/{id}/steps");
    // While open, the risk team cannot decide it.
    let reject = |version: i64| json!({"version": version, "action": {"type": "reject", "reason": "本人交易"}});
    let (status, body, _) = service.write(&path, &li, "esc-li-early", &reject(1)).await;
    assert_eq!((status, code(&body)), (403, "forbidden"), "{body}");
    let escalate = json!({"version": 1, "action": {"type": "escalate", "note": "疑似盗刷"}});
    let (_, escalated, _) = service.write(&path, &zhao, "esc-escalate", &escalate).await;
    assert_eq!(escalated["escalated_by"], "agent.zhao");
    let (status, body, _) = service.write(&path, &zhao, "esc-zhao", &reject(2)).await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (
            403,
            Some("an escalated dispute is decided by the risk team")
        ),
        "{body}"
    );
    let (status, rejected, _) = service.write(&path, &li, "esc-li-key", &reject(2)).await;
    assert_eq!(
        (status, rejected["status"].as_str()),
        (200, Some("resolved_rejected")),
        "{rejected}"
    );
}

#[tokio::test]
async fn the_admin_runs_the_team_and_no_secret_is_kept_with_an_answer() {
    for store in support::backends().await {
        let backend = store.backend();
        support::portfolio(store.as_ref(), 50).await;
        let service = Service::start(store).await;
        let admin = service.sign_in("admin.sun").await;
        let chen = service.sign_in("manager.chen").await;
        let (status, body) = service.get("/v1/operators", Some(&chen)).await;
        assert_eq!((status, code(&body)), (403, "forbidden"), "{backend}");

        // Added once: the credentials in the first answer, never again.
        let add = json!({"id": "officer.zhou", "display_name": "周风控", "role": "risk_officer"});
        let (status, added, _) = service
            .write("/v1/operators", &admin, "adm-add-key", &add)
            .await;
        assert_eq!(status, 200, "{backend}: {added}");
        let password = added["credentials"]["initial_password"]
            .as_str()
            .unwrap()
            .to_owned();
        let otpauth = added["credentials"]["otpauth_uri"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(password.len(), 16);
        assert!(otpauth.starts_with("otpauth://totp/RiskDesk:officer.zhou?secret="));
        let (status, replayed, headers) = service
            .write("/v1/operators", &admin, "adm-add-key", &add)
            .await;
        assert_eq!(status, 200);
        assert_eq!(headers["idempotent-replayed"], "true");
        assert_eq!(
            replayed["credentials"],
            Value::Null,
            "{backend}: {replayed}"
        );
        let (status, dup, _) = service
            .write("/v1/operators", &admin, "adm-add-2", &add)
            .await;
        assert_eq!((status, code(&dup)), (409, "duplicate"), "{backend}: {dup}");
        // The one-time password opens nothing but the choice of one's own.
        let (status, once) = sign_in_new(&service, "officer.zhou", &password, &otpauth).await;
        assert_eq!(
            (status, code(&once)),
            (403, "password_change_required"),
            "{backend}: {once}"
        );
        let (status, same) = sign_in_choosing(
            &service,
            "officer.zhou",
            &password,
            &otpauth,
            Some(&password),
        )
        .await;
        assert_eq!(
            (status, code(&same)),
            (400, "invalid_value"),
            "{backend}: {same}"
        );
        let own = "周风控的新密码-足够长了吧-2026";
        let (status, zhou) =
            sign_in_choosing(&service, "officer.zhou", &password, &otpauth, Some(own)).await;
        assert_eq!(status, 200, "{backend}: {zhou}");
        let (status, _) = sign_in_new(&service, "officer.zhou", &password, &otpauth).await;
        assert_eq!(status, 401, "{backend}: the one-time password is spent");
        let password = own.to_owned();
        let zhou = zhou["token"].as_str().unwrap().to_owned();
        let (status, _) = service.get("/v1/alerts?limit=1", Some(&zhou)).await;
        assert_eq!(status, 200);

        // A new role counts from the next request.
        let change = |version: i64, action: Value| json!({"version": version, "action": action});
        let path = "/v1/operators/officer.zhou/changes";
        let (status, demoted, _) = service
            .write(
                path,
                &admin,
                "adm-role",
                &change(2, json!({"type": "set_role", "role": "cs_agent"})),
            )
            .await;
        assert_eq!(
            (status, demoted["role"].as_str()),
            (200, Some("cs_agent")),
            "{backend}: {demoted}"
        );
        let (status, _) = service.get("/v1/alerts?limit=1", Some(&zhou)).await;
        assert_eq!(status, 403, "{backend}");

        // Disabled: every session ends at once, and no sign-in.
        let (status, disabled, _) = service
            .write(
                path,
                &admin,
                "adm-disable",
                &change(3, json!({"type": "disable"})),
            )
            .await;
        assert_eq!(
            (
                status,
                disabled["status"].as_str(),
                disabled["active_sessions"].as_i64()
            ),
            (200, Some("disabled"), Some(0)),
            "{backend}: {disabled}"
        );
        let (status, _) = service.get("/v1/me", Some(&zhou)).await;
        assert_eq!(status, 401, "{backend}");
        let (status, refused) = sign_in_new(&service, "officer.zhou", &password, &otpauth).await;
        assert_eq!(
            (status, refused["detail"].as_str()),
            (403, Some("this operator is disabled; ask an admin")),
            "{backend}"
        );
        // Nothing is handed to someone disabled.
        let (_, open) = service
            .get("/v1/alerts?status=open&limit=1", Some(&chen))
            .await;
        let alert = &open["items"][0];
        let assign = json!({"version": alert["version"],
            "action": {"type": "assign", "to": "officer.zhou"}});
        let (status, refused, _) = service
            .write(
                &format!("/v1/alerts/{}/triage", alert["id"]),
                &chen,
                "adm-assign-key",
                &assign,
            )
            .await;
        assert_eq!(
            (status, refused["detail"].as_str()),
            (400, Some("officer.zhou is disabled")),
            "{backend}: {refused}"
        );
        let (status, stale, _) = service
            .write(
                path,
                &admin,
                "adm-enable-stale",
                &change(3, json!({"type": "enable"})),
            )
            .await;
        assert_eq!((status, code(&stale)), (412, "stale_version"), "{backend}");
        let (status, enabled, _) = service
            .write(
                path,
                &admin,
                "adm-enable",
                &change(4, json!({"type": "enable"})),
            )
            .await;
        assert_eq!(
            (status, enabled["status"].as_str()),
            (200, Some("active")),
            "{backend}"
        );

        // A new authenticator: the old code no longer signs in.
        let (status, reset, _) = service
            .write(
                path,
                &admin,
                "adm-reset",
                &change(5, json!({"type": "reset_totp"})),
            )
            .await;
        assert_eq!(status, 200, "{backend}: {reset}");
        let new_otpauth = reset["credentials"]["otpauth_uri"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(reset["credentials"]["initial_password"], Value::Null);
        let (status, _) = sign_in_new(&service, "officer.zhou", &password, &otpauth).await;
        assert_eq!(status, 401, "{backend}: the old secret");
        let (status, _) = sign_in_new(&service, "officer.zhou", &password, &new_otpauth).await;
        assert_eq!(status, 200, "{backend}: the new secret");

        // Never one's own account.
        let own = change(1, json!({"type": "disable"}));
        let (status, body, _) = service
            .write(
                "/v1/operators/admin.sun/changes",
                &admin,
                "adm-own-key",
                &own,
            )
            .await;
        assert_eq!(
            (status, code(&body)),
            (403, "four_eyes"),
            "{backend}: {body}"
        );

        // One session ended by its id.
        let li = service.sign_in("officer.li").await;
        let (_, sessions) = service
            .get("/v1/operators/officer.li/sessions", Some(&admin))
            .await;
        let session = sessions[0]["id"].as_str().unwrap().to_owned();
        assert_eq!(session.len(), 16);
        let (status, ended, _) = service
            .write(
                &format!("/v1/sessions/{session}/end"),
                &admin,
                "adm-end-key",
                &json!(null),
            )
            .await;
        assert_eq!(status, 200, "{backend}: {ended}");
        let (status, _) = service.get("/v1/me", Some(&li)).await;
        assert_eq!(status, 401, "{backend}");

        // A service client's key works until it is revoked, then never.
        let (status, client, _) = service
            .write(
                "/v1/service-clients",
                &admin,
                "adm-client",
                &json!({"id": "alipay"}),
            )
            .await;
        assert_eq!(status, 200, "{backend}: {client}");
        let key = client["key"].as_str().unwrap().to_owned();
        let authorize = |key: String| {
            let service = &service;
            async move {
                let response = service
                    .client
                    .post(format!("{}/v1/payments/authorize", service.url))
                    .bearer_auth(key)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                response.status().as_u16()
            }
        };
        assert_eq!(
            authorize(key.clone()).await,
            400,
            "{backend}: a known key reaches the body check"
        );
        let (status, revoked, _) = service
            .write(
                "/v1/service-clients/alipay/revoke",
                &admin,
                "adm-revoke",
                &json!({"version": 1}),
            )
            .await;
        assert_eq!(
            (status, revoked["revoked_at"].is_string()),
            (200, true),
            "{backend}: {revoked}"
        );
        assert_eq!(
            authorize(key.clone()).await,
            401,
            "{backend}: a revoked key"
        );

        // No secret in the stored answers or the audit trail.
        let trail = service
            .store
            .audit_trail("operator:officer.zhou")
            .await
            .unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"operator.add") && actions.contains(&"operator.reset_totp"));
        let secret = support::totp_secret(&new_otpauth);
        for entry in &trail {
            let text = format!("{:?} {:?}", entry.before, entry.after);
            assert!(
                !text.contains(&password) && !text.contains(&secret),
                "{text}"
            );
            assert!(
                !text.contains("totp_secret") && !text.contains("password_hash"),
                "{text}"
            );
        }
        let client_trail = service
            .store
            .audit_trail("service_client:alipay")
            .await
            .unwrap();
        for entry in &client_trail {
            let text = format!("{:?} {:?}", entry.before, entry.after);
            assert!(!text.contains(&key) && !text.contains("key_hash"), "{text}");
        }
    }
}

#[tokio::test]
async fn the_audit_trail_shows_an_admin_no_customers_phone_or_statement() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 200).await;
    let service = Service::start(store).await;
    let li = service.sign_in("officer.li").await;
    let zhao = service.sign_in("agent.zhao").await;
    let admin = service.sign_in("admin.sun").await;
    let entry =
        json!({"kind": "phone", "value": "+86 139-1234-5678", "reason": "团伙套现联系电话"});
    let (status, added, _) = service
        .write("/v1/blacklist", &li, "pii-blacklist", &entry)
        .await;
    assert_eq!(status, 200, "{added}");
    assert_eq!(added["value"], "139****5678", "shown masked, as everywhere");
    let (_, transaction, _) = settled_purchase_of(&service, &zhao, 3, 100).await;
    let statement = "我在深圳出差，那天根本没有去过这家店";
    let open =
        json!({"transaction_id": transaction, "reason": "unauthorized", "statement": statement});
    let (status, _, _) = service
        .write("/v1/disputes", &zhao, "pii-dispute", &open)
        .await;
    assert_eq!(status, 200);
    let (status, trail) = service.get("/v1/audit?limit=200", Some(&admin)).await;
    assert_eq!(status, 200, "{trail}");
    let text = trail.to_string();
    assert!(
        text.contains("139****5678"),
        "the masked phone is kept: {text}"
    );
    assert!(!text.contains("13912345678"), "no phone in the trail");
    assert!(!text.contains(statement), "no statement in the trail");
    assert!(
        text.contains("the customer's statement: 18 characters, on dispute"),
        "the statement is referenced: {text}"
    );
}

#[tokio::test]
async fn a_client_revoked_through_one_instance_is_refused_by_the_other_at_once() {
    let stores = support::postgres_instances(2).await;
    support::portfolio(stores[0].as_ref(), 20).await;
    let key = support::service_key(stores[0].as_ref(), "wechatpay").await;
    let a = Service::start(stores[0].clone()).await;
    let b = Service::start(stores[1].clone()).await;
    let authorize = |service: &Service| {
        service
            .client
            .post(format!("{}/v1/payments/authorize", service.url))
            .bearer_auth(&key)
            .json(&json!({}))
            .send()
    };
    // Known to both: past the key, to the body's check.
    assert_eq!(authorize(&b).await.unwrap().status().as_u16(), 400);
    let admin = a.sign_in("admin.sun").await;
    let (status, revoked, _) = a
        .write(
            "/v1/service-clients/wechatpay/revoke",
            &admin,
            "two-revoke",
            &json!({"version": 1}),
        )
        .await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(authorize(&b).await.unwrap().status().as_u16(), 401);
    assert_eq!(authorize(&a).await.unwrap().status().as_u16(), 401);
}
