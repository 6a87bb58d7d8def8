//! The store suite: every test runs on SQLite and on PostgreSQL.

use std::collections::HashSet;

use riskdesk_server::store::*;

use crate::support::{self, AS_OF_MS};

#[tokio::test]
async fn alert_pages_never_skip_or_repeat_while_alerts_arrive() {
    for store in support::backends().await {
        support::portfolio(store.as_ref(), 400).await;
        let filter = AlertFilter::default();
        let everything = store
            .alerts(
                &filter,
                &PageRequest {
                    after: None,
                    limit: 10_000,
                },
            )
            .await
            .unwrap();
        assert!(
            everything.len() > 20,
            "{}: the portfolio needs alerts",
            store.backend()
        );
        let mut seen = Vec::new();
        let mut after = None;
        let mut next_id = 1_000_000;
        loop {
            let page = store
                .alerts(
                    &filter,
                    &PageRequest {
                        after: after.clone(),
                        limit: 7,
                    },
                )
                .await
                .unwrap();
            // New alerts arrive between pages, some more severe than the cursor, some less.
            let mut batch = Batch::default();
            let arriving = if next_id < 1_000_020 {
                [1, 4].as_slice()
            } else {
                &[]
            };
            for &rank in arriving {
                let mut alert = everything[0].clone();
                alert.id = next_id;
                alert.severity_rank = rank;
                alert.created_at = AS_OF_MS + next_id;
                batch.alerts.push(alert);
                next_id += 1;
            }
            store.insert_batch(&batch).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(vec![
                i64::from(last.severity_rank),
                last.created_at,
                last.id,
            ]);
            seen.extend(page);
        }
        let ids: Vec<i64> = seen.iter().map(|a| a.id).collect();
        let unique: HashSet<i64> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "{}: a row was repeated",
            store.backend()
        );
        for alert in &everything {
            assert!(
                unique.contains(&alert.id),
                "{}: alert {} was skipped",
                store.backend(),
                alert.id
            );
        }
        let keys: Vec<(i16, i64, i64)> = seen
            .iter()
            .map(|a| (-a.severity_rank, a.created_at, a.id))
            .collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "{}: out of order",
            store.backend()
        );
    }
}

#[tokio::test]
async fn account_filters_agree_with_a_full_scan() {
    for store in support::backends().await {
        support::portfolio(store.as_ref(), 300).await;
        let all = store
            .accounts(
                &AccountFilter::default(),
                &PageRequest {
                    after: None,
                    limit: 10_000,
                },
            )
            .await
            .unwrap();
        assert_eq!(all.len(), 300);
        let filter = AccountFilter {
            grade: Some("B".into()),
            dpd_range: Some((0, Some(0))),
            utilisation_min_bp: Some(1_000),
            sort: AccountSort::UtilisationDesc,
            ..AccountFilter::default()
        };
        let got = store
            .accounts(
                &filter,
                &PageRequest {
                    after: None,
                    limit: 10_000,
                },
            )
            .await
            .unwrap();
        let mut expected: Vec<&AccountRow> = all
            .iter()
            .filter(|a| a.grade == "B" && a.dpd == 0 && a.utilisation_bp >= 1_000)
            .collect();
        expected.sort_by_key(|a| (std::cmp::Reverse(a.utilisation_bp), std::cmp::Reverse(a.id)));
        let expected_ids: Vec<i64> = expected.iter().map(|a| a.id).collect();
        assert_eq!(
            got.iter().map(|a| a.id).collect::<Vec<_>>(),
            expected_ids,
            "{}",
            store.backend()
        );
        assert!(
            !expected_ids.is_empty(),
            "{}: the filter should match something",
            store.backend()
        );

        let someone = &all[17];
        let tail = &someone.phone[someone.phone.len() - 4..];
        let by_tail = AccountFilter {
            search: Some(AccountSearch::PhoneTail(tail.into())),
            ..Default::default()
        };
        let found = store
            .accounts(
                &by_tail,
                &PageRequest {
                    after: None,
                    limit: 50,
                },
            )
            .await
            .unwrap();
        assert!(
            found.iter().any(|a| a.id == someone.id),
            "{}",
            store.backend()
        );
        assert!(
            found.iter().all(|a| a.phone.ends_with(tail)),
            "{}",
            store.backend()
        );
    }
}

#[tokio::test]
async fn a_totp_step_is_accepted_once_even_concurrently() {
    let (stores, _file) = support::racing_backends().await;
    for store in stores {
        support::portfolio(store.as_ref(), 1).await;
        let attempts = (0..8).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .record_sign_in("officer.li", 59_786_000, 1_793_580_000_000)
                    .await
                    .unwrap()
            })
        });
        let mut accepted = 0;
        for attempt in attempts {
            accepted += usize::from(attempt.await.unwrap());
        }
        assert_eq!(accepted, 1, "{}", store.backend());
        assert!(
            !store
                .record_sign_in("officer.li", 59_785_999, 1_793_580_000_000)
                .await
                .unwrap(),
            "{}: an older step",
            store.backend()
        );
        assert!(
            store
                .record_sign_in("officer.li", 59_786_001, 1_793_580_000_000)
                .await
                .unwrap(),
            "{}",
            store.backend()
        );
    }
}

#[tokio::test]
async fn concurrent_failed_sign_ins_all_count_and_lock_at_the_limit() {
    let (stores, _file) = support::racing_backends().await;
    for store in stores {
        support::portfolio(store.as_ref(), 1).await;
        let failures = (0..10).map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let lockout = Lockout {
                    max_attempts: 10,
                    locks_ms: vec![60_000, 300_000],
                };
                store
                    .record_failed_sign_in("agent.zhao", 1_000, &lockout)
                    .await
                    .unwrap()
            })
        });
        let mut counts = Vec::new();
        for failure in failures {
            counts.push(failure.await.unwrap());
        }
        counts.sort();
        assert_eq!(
            counts,
            (1..=10).map(Some).collect::<Vec<_>>(),
            "{}",
            store.backend()
        );
        let operator = store.operator("agent.zhao").await.unwrap().unwrap();
        assert_eq!(
            (operator.failed_attempts, operator.locked_until),
            (10, Some(61_000)),
            "{}",
            store.backend()
        );
    }
}

#[tokio::test]
async fn a_failing_batch_writes_nothing() {
    for store in support::backends().await {
        support::portfolio(store.as_ref(), 5).await;
        let account = store.account(80_000_000).await.unwrap().unwrap().account;
        let existing = store
            .transactions(
                &TransactionFilter {
                    account_id: account.id,
                    ..Default::default()
                },
                &PageRequest {
                    after: None,
                    limit: 200,
                },
            )
            .await
            .unwrap();
        let mut fresh = existing[0].clone();
        fresh.id = 9_000_000;
        fresh.order_id = "WX-NEW".into();
        let mut duplicate = existing[0].clone();
        duplicate.id = 9_000_001; // Same order id as an existing row: refused.
        let batch = Batch {
            transactions: vec![fresh, duplicate],
            ..Default::default()
        };
        assert!(
            store.insert_batch(&batch).await.is_err(),
            "{}",
            store.backend()
        );
        let after = store
            .transactions(
                &TransactionFilter {
                    account_id: account.id,
                    ..Default::default()
                },
                &PageRequest {
                    after: None,
                    limit: 200,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            after.len(),
            existing.len(),
            "{}: half a batch was written",
            store.backend()
        );
    }
}

#[tokio::test]
async fn a_bulk_loaded_sqlite_file_reopens_complete_for_serving() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bulk.db").display());
    let loading = open_for(&url, Purpose::BulkLoad, &support::keys())
        .await
        .unwrap();
    support::portfolio(loading.as_ref(), 20).await;
    loading.close().await;
    let serving = open(&url, &support::keys()).await.unwrap();
    assert_eq!(serving.meta("seed").await.unwrap().as_deref(), Some("11"));
    let all = serving
        .accounts(
            &AccountFilter::default(),
            &PageRequest {
                after: None,
                limit: 100,
            },
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 20);
    // The indexes dropped for the load are back: a duplicate order id is refused.
    let mut duplicate = serving
        .transactions(
            &TransactionFilter {
                account_id: all[0].id,
                ..Default::default()
            },
            &PageRequest {
                after: None,
                limit: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(duplicate.len(), 1, "the first account has history");
    duplicate[0].id = 99_999_999;
    let batch = Batch {
        transactions: duplicate,
        ..Default::default()
    };
    assert!(serving.insert_batch(&batch).await.is_err());
}

/// On PostgreSQL each transaction is kept in its month's partition (China
/// time): the generated history lands in its months, a row of a month not
/// yet prepared waits in the default partition until its month is, and two
/// instances preparing the same months create each once.
#[tokio::test]
async fn transactions_are_kept_by_month_on_postgres() {
    use sqlx::Connection;
    let url = support::postgres_database().await;
    let stores = [
        open(&url, &support::keys()).await.unwrap(),
        open(&url, &support::keys()).await.unwrap(),
    ];
    support::portfolio(stores[0].as_ref(), 20).await;
    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let by_month = "SELECT tableoid::regclass::text, COUNT(*), MIN(occurred_at), MAX(occurred_at) \
                    FROM transactions GROUP BY 1 ORDER BY 1";
    let months: Vec<(String, i64, i64, i64)> =
        sqlx::query_as(by_month).fetch_all(&mut db).await.unwrap();
    let china = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let month_of = |ms: i64| {
        let at = chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .with_timezone(&china);
        at.format("transactions_%Y_%m").to_string()
    };
    assert!(months.len() >= 6, "six months of history: {months:?}");
    for (partition, _, first, last) in &months {
        assert_eq!(
            (&month_of(*first), &month_of(*last)),
            (partition, partition)
        );
    }

    // A row of 1970: no month of its own yet.
    let account = stores[0]
        .account(80_000_000)
        .await
        .unwrap()
        .unwrap()
        .account;
    let old = TransactionRow::ledger(
        account.id,
        "repayment",
        "RP-1970".into(),
        "还款",
        100,
        1_000,
    );
    let batch = Batch {
        transactions: vec![old.clone()],
        ..Default::default()
    };
    stores[0].insert_batch(&batch).await.unwrap();
    let waiting: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM transactions_default")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(waiting.0, 1);
    assert_eq!(stores[1].cover_months(1_000, 1_000).await.unwrap(), 1);
    let moved: Vec<(String, i64, i64, i64)> =
        sqlx::query_as(by_month).fetch_all(&mut db).await.unwrap();
    assert_eq!(
        moved[0],
        ("transactions_1970_01".to_owned(), 1, 1_000, 1_000)
    );
    assert_eq!(moved[1..], months[..], "the other months untouched");
    // Its order id is still taken, in any month.
    let mut again = old;
    again.occurred_at = AS_OF_MS;
    let batch = Batch {
        transactions: vec![again],
        ..Default::default()
    };
    assert!(stores[0].insert_batch(&batch).await.is_err());

    // Two instances prepare the same three months at once: each month once.
    let (from, to) = (1_893_456_000_000, 1_893_456_000_000 + 70 * 86_400_000); // 2030-01 to 03
    let (a, b) = tokio::join!(
        stores[0].cover_months(from, to),
        stores[1].cover_months(from, to)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 3);
    assert_eq!(stores[0].cover_months(from, to).await.unwrap(), 0);
}
