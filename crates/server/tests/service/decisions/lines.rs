//! Limit changes under four eyes and the right tier, and freezes: applied
//! once however many times they are sent, binding at once, lapsing on time.

use super::*;

#[tokio::test]
async fn limit_changes_need_four_eyes_and_the_right_tier() {
    for store in support::backends().await {
        let backend = store.backend();
        let service = service_on(store).await;
        let li = service.sign_in("officer.li").await;
        let wang = service.sign_in("officer.wang").await;
        let chen = service.sign_in("manager.chen").await;
        let (account, limit, _) = quiet_account(&service, &li, 0).await;
        // +10 %: another officer may approve.
        let small = limit + limit / 10 / 100 * 100;
        let (status, request, _) = service
            .write(&format!("/v1/accounts/{account}/limit-changes"), &li, &key("p"),
                &json!({"proposed_limit": yuan(small), "reason": "good_repayment_history", "note": "连续12期按时还款"}))
            .await;
        assert_eq!(
            (status, request["tier"].as_str(), request["status"].as_str()),
            (200, Some("officer"), Some("pending")),
            "{backend}: {request}"
        );
        let id = request["id"].as_i64().unwrap();
        // A second proposal for the account waits for the first.
        let (status, dup, _) = service
            .write(
                &format!("/v1/accounts/{account}/limit-changes"),
                &wang,
                &key("p"),
                &json!({"proposed_limit": yuan(small + 10_000), "reason": "customer_request"}),
            )
            .await;
        assert_eq!((status, code(&dup)), (409, "duplicate"), "{backend}: {dup}");
        assert_eq!(dup["current"]["id"], id);
        // The maker can neither approve nor reject, whatever their code.
        let approve = |totp: String| json!({"version": 1, "totp": totp});
        let (status, own, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/approve"),
                &li,
                &key("a"),
                &approve(service.fresh_totp("officer.li")),
            )
            .await;
        assert_eq!((status, code(&own)), (403, "four_eyes"), "{backend}: {own}");
        let (status, own, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/reject"),
                &li,
                &key("a"),
                &json!({"version": 1, "reason": "changed my mind"}),
            )
            .await;
        assert_eq!((status, code(&own)), (403, "four_eyes"));
        // A wrong code is refused and spends nothing.
        let (status, wrong, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/approve"),
                &wang,
                &key("a"),
                &approve("123456".into()),
            )
            .await;
        assert_eq!(
            (status, code(&wrong)),
            (403, "step_up_failed"),
            "{backend}: {wrong}"
        );
        let totp = service.fresh_totp("officer.wang");
        let (status, applied, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/approve"),
                &wang,
                &key("a"),
                &approve(totp.clone()),
            )
            .await;
        assert_eq!(
            (
                status,
                applied["status"].as_str(),
                applied["checker"].as_str()
            ),
            (200, Some("applied"), Some("officer.wang")),
            "{backend}: {applied}"
        );
        let (_, detail) = service
            .get(&format!("/v1/accounts/{account}"), Some(&li))
            .await;
        assert_eq!(detail["limit"], yuan(small), "{backend}");
        assert_eq!(
            service_trail(&service, &format!("account:{account}")).await,
            ["account.limit"]
        );
        assert_eq!(
            service_trail(&service, &format!("limit_change:{id}")).await,
            ["limit.propose", "limit.approve"]
        );

        // +50 %: only a manager, and the code of another decision is spent.
        let big = small + small / 2 / 100 * 100;
        let (_, request, _) = service
            .write(
                &format!("/v1/accounts/{account}/limit-changes"),
                &li,
                &key("p"),
                &json!({"proposed_limit": yuan(big), "reason": "income_increase"}),
            )
            .await;
        assert_eq!(request["tier"], "manager", "{backend}: {request}");
        let id = request["id"].as_i64().unwrap();
        let (status, tier, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/approve"),
                &wang,
                &key("a"),
                &approve(service.fresh_totp("officer.wang")),
            )
            .await;
        assert_eq!(
            (status, code(&tier)),
            (403, "forbidden"),
            "{backend}: {tier}"
        );
        assert_eq!(
            tier["detail"],
            "this change needs a manager's approval (tier manager)"
        );
        let totp = service.fresh_totp("manager.chen");
        let (status, _, _) = service
            .write(
                &format!("/v1/limit-changes/{id}/approve"),
                &chen,
                &key("a"),
                &approve(totp.clone()),
            )
            .await;
        assert_eq!(status, 200);

        // A decrease applies at once, without a checker.
        let (status, cut, _) = service
            .write(&format!("/v1/accounts/{account}/limit-changes"), &li, &key("p"),
                &json!({"proposed_limit": yuan(limit / 2 / 100 * 100), "reason": "fraud_suspicion"}))
            .await;
        assert_eq!(
            (status, cut["status"].as_str()),
            (200, Some("applied")),
            "{backend}: {cut}"
        );
        let (_, detail) = service
            .get(&format!("/v1/accounts/{account}"), Some(&li))
            .await;
        assert_eq!(detail["limit"], yuan(limit / 2 / 100 * 100));
    }
}

#[tokio::test]
async fn parallel_approvals_of_one_request_apply_once() {
    let (stores, _file) = support::racing_backends().await;
    for store in stores {
        let backend = store.backend();
        let service = Arc::new(service_on(store).await);
        let li = service.sign_in("officer.li").await;
        let wang = service.sign_in("officer.wang").await;
        let chen = service.sign_in("manager.chen").await;
        let (account, limit, _) = quiet_account(&service, &li, 1).await;
        let proposed = limit + 10_000;
        let (_, request, _) = service
            .write(
                &format!("/v1/accounts/{account}/limit-changes"),
                &li,
                &key("p"),
                &json!({"proposed_limit": yuan(proposed), "reason": "customer_request"}),
            )
            .await;
        let id = request["id"].as_i64().unwrap();
        service.advance_ms(30_000);
        let codes = [
            (
                wang.clone(),
                service.totp(&support::operator("officer.wang")),
            ),
            (
                chen.clone(),
                service.totp(&support::operator("manager.chen")),
            ),
        ];
        let attempts: Vec<_> = (0..8)
            .map(|i| {
                let service = service.clone();
                let (token, totp) = codes[i % 2].clone();
                tokio::spawn(async move {
                    service
                        .write(
                            &format!("/v1/limit-changes/{id}/approve"),
                            &token,
                            &key("race"),
                            &json!({"version": 1, "totp": totp}),
                        )
                        .await
                })
            })
            .collect();
        let mut applied = 0;
        for attempt in attempts {
            let (status, body, _) = attempt.await.unwrap();
            match status {
                200 => applied += 1,
                // Lost the race: the request moved on, or that code was spent.
                412 | 409 | 403 => assert!(
                    ["stale_version", "invalid_state", "step_up_failed"].contains(&code(&body)),
                    "{backend}: {body}"
                ),
                _ => panic!("{backend}: {status} {body}"),
            }
        }
        assert_eq!(applied, 1, "{backend}");
        let (_, detail) = service
            .get(&format!("/v1/accounts/{account}"), Some(&li))
            .await;
        assert_eq!(detail["limit"], yuan(proposed), "{backend}");
        assert_eq!(
            service_trail(&service, &format!("account:{account}"))
                .await
                .len(),
            1,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn a_thousand_retries_with_one_key_freeze_once() {
    let (stores, _file) = support::racing_backends().await;
    for store in stores {
        let backend = store.backend();
        let service = Arc::new(service_on(store).await);
        let li = service.sign_in("officer.li").await;
        let (account, _, available) = quiet_account(&service, &li, 2).await;
        let body = json!({"amount": "100.00", "reason": "疑似盗用 suspected theft"});
        let path = format!("/v1/accounts/{account}/freezes");
        let the_key = key("retry");
        let retries: Vec<_> = (0..1000)
            .map(|_| {
                let (service, li, path, body, the_key) = (
                    service.clone(),
                    li.clone(),
                    path.clone(),
                    body.clone(),
                    the_key.clone(),
                );
                tokio::spawn(async move { service.write(&path, &li, &the_key, &body).await })
            })
            .collect();
        let mut first: Option<Value> = None;
        let (mut done, mut in_flight) = (0, 0);
        for retry in retries {
            let (status, answer, _) = retry.await.unwrap();
            match status {
                200 => {
                    done += 1;
                    assert_eq!(
                        first.get_or_insert(answer.clone()),
                        &answer,
                        "{backend}: every answer is the first"
                    );
                }
                409 => {
                    assert_eq!(code(&answer), "request_in_flight", "{backend}: {answer}");
                    in_flight += 1;
                }
                _ => panic!("{backend}: {status} {answer}"),
            }
        }
        assert_eq!(done + in_flight, 1000);
        assert!(done >= 1, "{backend}");
        let (_, freezes) = service
            .get(&format!("/v1/accounts/{account}/freezes"), Some(&li))
            .await;
        let mine: Vec<&Value> = freezes
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["created_by"] == "officer.li")
            .collect();
        assert_eq!(mine.len(), 1, "{backend}: one effect");
        let (_, detail) = service
            .get(&format!("/v1/accounts/{account}"), Some(&li))
            .await;
        assert_eq!(fen(&detail["available"]), available - 10_000, "{backend}");
        // Afterwards: the first answer, marked as a replay; another body is refused.
        let (status, again, headers) = service.write(&path, &li, &the_key, &body).await;
        assert_eq!(
            (
                status,
                headers
                    .get("idempotent-replayed")
                    .map(|v| v.to_str().unwrap())
            ),
            (200, Some("true"))
        );
        assert_eq!(Some(&again), first.as_ref());
        let other = json!({"amount": "200.00", "reason": "疑似盗用 suspected theft"});
        let (status, mismatch, _) = service.write(&path, &li, &the_key, &other).await;
        assert_eq!(
            (status, code(&mismatch)),
            (422, "idempotency_mismatch"),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn freezes_bind_authorizations_at_once_and_lapse_at_their_time() {
    let store = support::sqlite().await;
    let service = service_on(store.clone()).await;
    let li = service.sign_in("officer.li").await;
    let (account, _, available) = quiet_account(&service, &li, 3).await;
    let lapses = riskdesk_server::clock::utc(service.now_ms() + 3_600_000);
    let (status, freeze, _) = service
        .write(
            &format!("/v1/accounts/{account}/freezes"),
            &li,
            &key("f"),
            &json!({"reason": "核实身份 identity check", "lapses_at": lapses}),
        )
        .await;
    assert_eq!(status, 200, "{freeze}");
    assert_eq!(freeze["amount"], yuan(available), "all that was available");
    // Nothing is left to freeze, or to spend.
    let (status, nothing, _) = service
        .write(
            &format!("/v1/accounts/{account}/freezes"),
            &li,
            &key("f"),
            &json!({"amount": "1.00", "reason": "more"}),
        )
        .await;
    assert_eq!(
        (status, nothing["detail"].as_str()),
        (409, Some("nothing is available to freeze"))
    );
    let client_key = support::service_key(store.as_ref(), "checkout").await;
    let order = json!({
        "order_id": "freeze-test-1", "account_id": account, "merchant": "便利店", "category": "groceries",
        "amount": "1.00", "installments": 1, "channel": "in_app", "device_id": "dev-f", "ip": "10.0.0.1",
        "occurred_at": riskdesk_server::clock::utc(service.now_ms()),
    });
    let (status, decision) = service
        .post("/v1/payments/authorize", Some(&client_key), &order)
        .await;
    assert_eq!(
        (status, decision["decline_reason"].as_str()),
        (200, Some("insufficient_limit")),
        "{decision}"
    );
    // The lapse is decided by the time passed in, not read.
    let released = store
        .release_lapsed_freezes(service.now_ms() + 3_599_999)
        .await
        .unwrap();
    assert_eq!(released, 0);
    let released = store
        .release_lapsed_freezes(service.now_ms() + 3_600_000)
        .await
        .unwrap();
    assert_eq!(released, 1);
    let (_, freezes) = service
        .get(&format!("/v1/accounts/{account}/freezes"), Some(&li))
        .await;
    assert_eq!(freezes[0]["released_by"], "lapsed");
    // A released freeze cannot be released again.
    let release = json!({"version": freezes[0]["version"], "totp": service.fresh_totp("officer.li"), "reason": "ok"});
    let (status, again, _) = service
        .write(
            &format!("/v1/freezes/{}/release", freezes[0]["id"]),
            &li,
            &key("r"),
            &release,
        )
        .await;
    assert_eq!((status, code(&again)), (409, "invalid_state"), "{again}");
}

#[tokio::test]
async fn releasing_a_freeze_needs_a_fresh_code_used_once() {
    let service = service_on(support::sqlite().await).await;
    let li = service.sign_in("officer.li").await;
    let wang = service.sign_in("officer.wang").await;
    let (account, _, available) = quiet_account(&service, &li, 4).await;
    let mut freezes = Vec::new();
    for amount in ["10.00", "20.00"] {
        let (_, f, _) = service
            .write(
                &format!("/v1/accounts/{account}/freezes"),
                &li,
                &key("f"),
                &json!({"amount": amount, "reason": "check"}),
            )
            .await;
        freezes.push(f);
    }
    let totp = service.fresh_totp("officer.wang");
    let release = |f: &Value, totp: &str| json!({"version": f["version"], "totp": totp, "reason": "核实无误"});
    let (status, released, _) = service
        .write(
            &format!("/v1/freezes/{}/release", freezes[0]["id"]),
            &wang,
            &key("r"),
            &release(&freezes[0], &totp),
        )
        .await;
    assert_eq!(
        (status, released["released_by"].as_str()),
        (200, Some("officer.wang")),
        "{released}"
    );
    // The same code again, for another decision: refused.
    let (status, reused, _) = service
        .write(
            &format!("/v1/freezes/{}/release", freezes[1]["id"]),
            &wang,
            &key("r"),
            &release(&freezes[1], &totp),
        )
        .await;
    assert_eq!((status, code(&reused)), (403, "step_up_failed"), "{reused}");
    let (_, detail) = service
        .get(&format!("/v1/accounts/{account}"), Some(&li))
        .await;
    assert_eq!(fen(&detail["available"]), available - 2_000);
}
