//! Decisions and the end of day through two instances over one PostgreSQL
//! database: each applied once, the audit chain chained once.

use super::*;

/// Two service instances over one PostgreSQL database, each with its own
/// pool, as a deployment runs them; their clocks move together.
async fn two_instances() -> Vec<Arc<Service>> {
    let stores = support::postgres_instances(2).await;
    support::portfolio(stores[0].as_ref(), 200).await;
    let mut services = Vec::new();
    for store in stores {
        services.push(Arc::new(Service::start(store).await));
    }
    services
}

#[tokio::test]
async fn decisions_through_two_instances_apply_once_and_chain_once() {
    let services = two_instances().await;
    let (a, b) = (&services[0], &services[1]);
    // A session begun on one instance is good on the other.
    let li = a.sign_in("officer.li").await;
    let wang = b.sign_in("officer.wang").await;
    let chen = a.sign_in("manager.chen").await;
    let (account, limit, available) = quiet_account(b, &li, 1).await;

    // Eight approvals of one increase by two checkers, through both instances.
    let proposed = limit + 10_000;
    let (_, request, _) = a
        .write(
            &format!("/v1/accounts/{account}/limit-changes"),
            &li,
            &key("p"),
            &json!({"proposed_limit": yuan(proposed), "reason": "customer_request"}),
        )
        .await;
    let id = request["id"].as_i64().unwrap();
    for service in &services {
        service.advance_ms(30_000);
    }
    let codes = [
        (wang.clone(), b.totp(&support::operator("officer.wang"))),
        (chen.clone(), a.totp(&support::operator("manager.chen"))),
    ];
    let attempts: Vec<_> = (0..8)
        .map(|i| {
            let service = services[i % 2].clone();
            let (token, totp) = codes[(i / 2) % 2].clone();
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
            412 | 409 | 403 => assert!(
                ["stale_version", "invalid_state", "step_up_failed"].contains(&code(&body)),
                "{body}"
            ),
            _ => panic!("{status} {body}"),
        }
    }
    assert_eq!(applied, 1);
    let (_, detail) = b.get(&format!("/v1/accounts/{account}"), Some(&li)).await;
    assert_eq!(detail["limit"], yuan(proposed));

    // Two hundred retries of one freeze, half through each instance.
    let body = json!({"amount": "100.00", "reason": "疑似盗用 suspected theft"});
    let path = format!("/v1/accounts/{account}/freezes");
    let the_key = key("retry");
    let retries: Vec<_> = (0..200)
        .map(|i| {
            let (service, li, path, body, the_key) = (
                services[i % 2].clone(),
                li.clone(),
                path.clone(),
                body.clone(),
                the_key.clone(),
            );
            tokio::spawn(async move { service.write(&path, &li, &the_key, &body).await })
        })
        .collect();
    let mut first: Option<Value> = None;
    for retry in retries {
        let (status, answer, _) = retry.await.unwrap();
        match status {
            200 => assert_eq!(first.get_or_insert(answer.clone()), &answer),
            409 => assert_eq!(code(&answer), "request_in_flight", "{answer}"),
            _ => panic!("{status} {answer}"),
        }
    }
    assert!(first.is_some());
    let (_, freezes) = a
        .get(&format!("/v1/accounts/{account}/freezes"), Some(&li))
        .await;
    let mine = freezes
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["created_by"] == "officer.li")
        .count();
    assert_eq!(mine, 1, "one effect");
    let (_, detail) = a.get(&format!("/v1/accounts/{account}"), Some(&li)).await;
    // The limit rose by ¥100, and ¥100 was frozen.
    assert_eq!(fen(&detail["available"]), available);

    // Both instances appended to one chain; both sign checkpoints of it
    // each minute, with the deployment's one key, and one checkpoint is made.
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let id = riskdesk_server::audit_key::key_id(&key.verifying_key());
    let sign = |m: &[u8]| {
        use ed25519_dalek::Signer;
        (id.clone(), key.sign(m).to_bytes())
    };
    let (one, other) = tokio::join!(
        a.store.checkpoint_audit(a.now_ms(), &sign),
        b.store.checkpoint_audit(b.now_ms(), &sign),
    );
    let signed = [one.unwrap(), other.unwrap()];
    assert_eq!(signed.iter().flatten().count(), 1, "{signed:?}");
    for service in &services {
        let (status, report) = service.get("/v1/audit/verify", Some(&chen)).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["intact"], true, "{report}");
    }
}

#[tokio::test]
async fn an_end_of_day_through_two_instances_runs_once() {
    use riskdesk_server::eod::{self, Outcome};
    let stores = support::postgres_instances(2).await;
    support::portfolio(stores[0].as_ref(), 200).await;
    let rules = riskdesk_domain::rules::Rules::builtin();
    let date = eod::due_date_at(support::AS_OF_MS);
    let (first, second) = tokio::join!(
        eod::run(stores[0].as_ref(), &rules, date, support::AS_OF_MS),
        eod::run(stores[1].as_ref(), &rules, date, support::AS_OF_MS),
    );
    let outcomes = [first.unwrap(), second.unwrap()];
    let ran = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Ran(_)))
        .count();
    assert_eq!(ran, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Running | Outcome::AlreadyDone(_))),
        "{outcomes:?}"
    );
}
