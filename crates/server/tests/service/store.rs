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

/// Authorizations that arrive together are written together: each decided
/// in arrival order on its line as the ones before it left it, a retry
/// queued behind its first attempt answered with it, an unknown account and
/// a taken order id refused alone, an alert raised once for its rule, and
/// the rollups and links as if written one by one.
#[tokio::test]
async fn authorizations_written_together_are_decided_in_order_and_each_answered_alone() {
    use riskdesk_domain::links::LinkKind;

    for store in support::backends().await {
        support::portfolio(store.as_ref(), 60).await;
        let backend = store.backend();
        let page = PageRequest {
            after: None,
            limit: 2,
        };
        let roomy = AccountFilter {
            status: Some("active".to_owned()),
            sort: AccountSort::LimitDesc,
            ..AccountFilter::default()
        };
        let lines = store.accounts(&roomy, &page).await.unwrap();
        let (a, b) = (&lines[0], &lines[1]);
        let available = |x: &AccountRow| x.limit_fen - x.used_fen - x.frozen_fen;
        let (a_free, b_free) = (available(a), available(b));
        assert!(a_free > 20_000 && b_free > 10_000, "{backend}: roomy lines");
        let taken = store
            .transactions(
                &TransactionFilter {
                    account_id: a.id,
                    ..TransactionFilter::default()
                },
                &PageRequest {
                    after: None,
                    limit: 1,
                },
            )
            .await
            .unwrap()[0]
            .order_id
            .clone();

        // Ten days after the history: the day's rollup holds these alone.
        let at = AS_OF_MS + 10 * 86_400_000;
        let write = |account_id: i64, order: &str, fen: i64, alerts: &[&str]| {
            let mut row = TransactionRow::ledger(
                account_id,
                "purchase",
                order.to_owned(),
                "batch merchant",
                fen,
                at,
            );
            row.status = "authorized".to_owned();
            row.decision = Some("approve".to_owned());
            row.device_id = Some(format!("batch-device-{account_id}"));
            row.ip = Some("10.20.30.40".to_owned());
            row.channel = Some("qr".to_owned());
            AuthorizationWrite {
                request_hash: format!("hash-{order}"),
                transaction: row,
                alerts: alerts
                    .iter()
                    .map(|rule| PlannedAlert {
                        rule: (*rule).to_owned(),
                        severity_rank: 2,
                        evidence: "batch".to_owned(),
                        findings: "{}".to_owned(),
                        sla_ms: 3_600_000,
                    })
                    .collect(),
                dedup_ms: 3_600_000,
                freeze: None,
                now: at,
            }
        };
        let mut declined_by_rules = write(b.id, "BATCH-7", 2_000, &[]);
        declined_by_rules.transaction.status = "declined".to_owned();
        declined_by_rules.transaction.decision = Some("decline".to_owned());
        declined_by_rules.transaction.decline_reason = Some("rules".to_owned());
        let mut taken_order = write(a.id, &taken, 100, &[]);
        taken_order.request_hash = "another request".to_owned();
        let writes = [
            write(a.id, "BATCH-1", 10_000, &["velocity"]),
            write(b.id, "BATCH-2", 5_000, &[]),
            // More than is left on A after the first.
            write(a.id, "BATCH-3", a_free - 10_000 + 1, &[]),
            write(a.id, "BATCH-1", 10_000, &["velocity"]),
            write(999_999_999, "BATCH-5", 100, &[]),
            // Velocity again on A within the window: no second alert.
            write(a.id, "BATCH-6", 1_000, &["velocity"]),
            declined_by_rules,
            taken_order,
        ];
        // Queued together before the writer runs: one batch.
        let answers =
            futures_util::future::join_all(writes.iter().map(|w| store.authorize(w))).await;
        let answers: Vec<_> = answers.into_iter().map(|a| a.unwrap()).collect();
        let done = |i: usize| match &answers[i] {
            Ok(Idempotent::Done(done)) => done.clone(),
            other => panic!("{backend}: answer {i}: {other:?}"),
        };
        let first = done(0);
        assert_eq!(
            (
                first.decision.as_str(),
                first.available_fen,
                first.alerts.len()
            ),
            ("approve", a_free - 10_000, 1),
            "{backend}"
        );
        assert_eq!(first.alerts[0].1, "velocity");
        assert_eq!(
            (done(1).decision.as_str(), done(1).available_fen),
            ("approve", b_free - 5_000),
            "{backend}"
        );
        let over = done(2);
        assert_eq!(
            (
                over.status.as_str(),
                over.decline_reason.as_deref(),
                over.available_fen
            ),
            ("declined", Some("insufficient_limit"), a_free - 10_000),
            "{backend}"
        );
        assert_eq!(
            answers[3],
            Ok(Idempotent::Replayed(first.clone())),
            "{backend}"
        );
        assert_eq!(answers[4], Err(Refusal::NoAccount), "{backend}");
        let again = done(5);
        assert_eq!(
            (again.available_fen, again.alerts.len()),
            (a_free - 11_000, 0),
            "{backend}"
        );
        assert_eq!(
            (done(6).decline_reason.as_deref(), done(6).available_fen),
            (Some("rules"), b_free - 5_000),
            "{backend}"
        );
        assert_eq!(answers[7], Ok(Idempotent::Mismatch), "{backend}");

        // The lines moved by the approvals alone.
        let used = |id| {
            let store = store.clone();
            async move { store.account(id).await.unwrap().unwrap().account.used_fen }
        };
        assert_eq!(used(a.id).await - a.used_fen, 11_000, "{backend}");
        assert_eq!(used(b.id).await - b.used_fen, 5_000, "{backend}");
        // The day's rollup: three approved (16,000 fen), two declined.
        let day = (at + 28_800_000) / 86_400_000;
        let filter = MetricFilter {
            from_day: Some(day),
            to_day: Some(day + 1),
            ..MetricFilter::default()
        };
        let days = store.authorization_days(&filter).await.unwrap();
        let counted: Vec<_> = days
            .iter()
            .map(|d| (d.approved, d.review, d.declined, d.approved_fen))
            .collect();
        assert_eq!(counted, [(3, 0, 2, 16_000)], "{backend}");
        let alerts = store.alert_days(&filter).await.unwrap();
        let raised: Vec<_> = alerts.iter().map(|d| (d.rule.as_str(), d.raised)).collect();
        assert_eq!(raised, [("velocity", 1)], "{backend}");
        // A's device: its three recorded payments, in one link.
        let links = store.links_of(&[a.id], &[LinkKind::Device]).await.unwrap();
        let device: Vec<_> = links
            .iter()
            .filter(|l| l.entity.value == format!("batch-device-{}", a.id))
            .map(|l| (l.payments, l.first_at, l.last_at))
            .collect();
        assert_eq!(device, [(3, at, at)], "{backend}");
        // And the kept rollups are what a recount makes of the records.
        store.rebuild_metrics().await.unwrap();
        assert_eq!(
            store.authorization_days(&filter).await.unwrap(),
            days,
            "{backend}"
        );
        assert_eq!(
            store.alert_days(&filter).await.unwrap(),
            alerts,
            "{backend}"
        );
    }
}

/// Accounts and service clients asked for at once are read together, and
/// each asker gets its own row, or none for a key that is not there.
#[tokio::test]
async fn reads_asked_together_answer_each_asker_with_its_own_row() {
    use futures_util::future::join_all;

    for store in support::backends().await {
        support::portfolio(store.as_ref(), 100).await;
        let backend = store.backend();
        let page = PageRequest {
            after: None,
            limit: 40,
        };
        let listed = store
            .accounts(&AccountFilter::default(), &page)
            .await
            .unwrap();
        assert_eq!(listed.len(), 40, "{backend}");
        // Each id twice, and one that no account has, all at once.
        let mut ids: Vec<i64> = listed.iter().chain(&listed).map(|a| a.id).collect();
        ids.push(987_654_321);
        let read = join_all(ids.iter().map(|id| store.account(*id))).await;
        for (id, row) in ids.iter().zip(read) {
            let row = row.unwrap();
            match listed.iter().find(|a| a.id == *id) {
                Some(account) => assert_eq!(row.unwrap().account, *account, "{backend}"),
                None => assert!(row.is_none(), "{backend}: {id}"),
            }
        }

        let client = |id: &str, hash: &str, revoked_at| ServiceClientRow {
            id: id.to_owned(),
            key_hash: hash.to_owned(),
            created_at: AS_OF_MS,
            revoked_at,
        };
        let (live, revoked) = (
            client("wechatpay", "a1a1", None),
            client("old-gateway", "b2b2", Some(AS_OF_MS + 1)),
        );
        store.add_service_client(&live).await.unwrap();
        store.add_service_client(&revoked).await.unwrap();
        let hashes = ["b2b2", "c3c3", "a1a1", "b2b2"];
        let read = join_all(hashes.map(|h| store.service_client(h))).await;
        let read: Vec<Option<ServiceClientRow>> = read.into_iter().map(Result::unwrap).collect();
        assert!(
            read == [Some(revoked.clone()), None, Some(live), Some(revoked)],
            "{backend}"
        );
    }
}
