//! Authorizations racing on one account (SQLite and PostgreSQL, through one
//! instance and two), and an order answered once across months.

use super::*;

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
