//! The rules through HTTP: a blacklisted device, impossible travel, frequent
//! large spending freezing part of the line until it lapses.

use super::*;

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
            "Device dev-stolen-77 is blacklisted (entry #900001)"
        );
        // The same as values, for the reader's language.
        let found = json!([{"type": "blacklisted", "entry": 900_001, "kind": "device",
            "value": "dev-stolen-77"}]);
        assert_eq!(hit["findings"], found, "{backend}");
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
        assert_eq!(alert["findings"], found, "{backend}: {alerts}");
        // An alert raised before findings were kept: its sentence, no values.
        store
            .insert_batch(&riskdesk_server::store::Batch {
                alerts: vec![riskdesk_server::store::AlertRow {
                    id: 900_002,
                    account_id: account.id,
                    transaction_id: None,
                    rule: "blacklist_hit".to_owned(),
                    severity_rank: 4,
                    status: "closed".to_owned(),
                    assignee: None,
                    amount_fen: Some(2_000),
                    evidence: "device dev-old-1 is blacklisted (entry #7)".to_owned(),
                    disposition: Some("confirmed_fraud".to_owned()),
                    created_at: AS_OF_MS - 86_400_000,
                    sla_due_at: AS_OF_MS,
                    version: 1,
                    escalated_by: None,
                    findings: None,
                }],
                ..Default::default()
            })
            .await
            .unwrap();
        let (status, old) = service.get("/v1/alerts/900002", Some(&token)).await;
        assert_eq!(status, 200, "{backend}: {old}");
        assert_eq!(
            old["evidence"],
            "device dev-old-1 is blacklisted (entry #7)"
        );
        assert_eq!(old["findings"], json!([]), "{backend}: {old}");
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

/// The spike rule reads the customer's typical amount only for payments it
/// looks at: one the live rules' floor reaches, and one only a shadow's
/// lower floor reaches, judged for the shadow all the same.
#[tokio::test]
async fn the_typical_amount_is_read_for_the_live_rules_and_for_the_shadow() {
    use riskdesk_domain::alert::RuleHit;
    use riskdesk_domain::evidence::Finding;
    use riskdesk_domain::money::Money;
    use riskdesk_server::engine;
    use riskdesk_server::rules_in_force::{RuleSet, Versions};

    for store in support::backends().await {
        support::portfolio(store.as_ref(), 50).await;
        let backend = store.backend();
        let account = roomy_account(store.as_ref()).await;
        let live = only(&["amount_spike"]);
        let mut shadow = live.clone();
        shadow.amount_spike.ignore_below = "100.00".parse().unwrap();
        let versions = Versions {
            live: Arc::new(RuleSet {
                version: Some(1),
                rules: live,
            }),
            shadow: Some(Arc::new(RuleSet {
                version: Some(2),
                rules: shadow,
            })),
        };
        let now = START_MS + 3_600_000;
        let authorize = |order_id: String, amount: &str, minutes: i64| {
            let request = serde_json::from_value(order(&account, &order_id, amount, minutes));
            let (store, versions) = (store.clone(), &versions);
            async move {
                engine::authorize(store.as_ref(), versions, &request.unwrap(), now)
                    .await
                    .unwrap()
                    .body
            }
        };
        // Fifty purchases of 20.00: the account's last fifty, its typical amount.
        for i in 0..50 {
            authorize(format!("TYP-{i}"), "20.00", i).await;
        }
        let spike = |amount: &str, multiple: f64| Finding::AmountSpike {
            amount: amount.parse().unwrap(),
            multiple,
            median: Money::from_fen(2_000).unwrap(),
            purchases: 50,
            max_multiple: 5.0,
        };
        let findings = |hits: Option<String>| -> Vec<Finding> {
            let hits: Vec<RuleHit> = serde_json::from_str(&hits.unwrap_or("[]".into())).unwrap();
            hits.into_iter()
                .filter(|h| h.rule.as_str() == "amount_spike")
                .flat_map(|h| h.findings)
                .collect()
        };
        // The shadow's judgement keeps the names of the rules that fired.
        let shadow_spiked = |hits: Option<String>| {
            let rules: Vec<String> = serde_json::from_str(&hits.unwrap()).unwrap();
            rules.contains(&"amount_spike".to_owned())
        };

        // 500.00: under the live floor (1,000.00), over the shadow's (100.00).
        authorize("TYP-500".to_owned(), "500.00", 51).await;
        let row = store.payment("TYP-500").await.unwrap().unwrap();
        assert_eq!(findings(row.rule_hits), [], "{backend}");
        assert!(shadow_spiked(row.shadow_hits), "{backend}");

        // 1,500.00: over both.
        authorize("TYP-1500".to_owned(), "1500.00", 52).await;
        let row = store.payment("TYP-1500").await.unwrap().unwrap();
        assert_eq!(
            findings(row.rule_hits),
            [spike("1500.00", 75.0)],
            "{backend}"
        );
        assert!(shadow_spiked(row.shadow_hits), "{backend}");
    }
}
