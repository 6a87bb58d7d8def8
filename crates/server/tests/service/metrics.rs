//! Portfolio metrics: the rollups the writers keep equal a rebuild from the
//! records, and the API's numbers equal a brute-force recount of the
//! records (several generated portfolios, both backends for the rollups).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use riskdesk_domain::billing::{business_date, day_number};
use riskdesk_domain::rules::Rules;
use riskdesk_server::clock::utc;
use riskdesk_server::generate::{self, Params};
use riskdesk_server::replay;
use riskdesk_server::store::{
    AlertFilter, AlertRow, MetricFilter, PageRequest, Store, TransactionFilter, TransactionRow,
};
use serde_json::{Value, json};

use crate::support::{self, AS_OF_MS, Service};

/// A generated portfolio, its fraud stream replayed through the engine,
/// and some of the alerts closed by a manager: every writer has counted.
async fn worked_portfolio(store: Arc<dyn Store>, seed: u64) -> Service {
    let params = Params {
        customers: 120,
        months: 4,
        seed,
        as_of_ms: AS_OF_MS,
    };
    let (_, stream) = generate::generate_history(store.as_ref(), params, |_| {})
        .await
        .unwrap();
    replay::replay(store.as_ref(), &Rules::builtin(), stream)
        .await
        .unwrap();
    let service = Service::start(store).await;
    let chen = manager(&service, seed).await;
    let (_, open) = service
        .get("/v1/alerts?status=open&limit=200", Some(&chen))
        .await;
    let open = open["items"].as_array().unwrap().clone();
    assert!(open.len() > 9, "{} open alerts", open.len());
    for (i, chunk) in open.chunks(open.len() / 3).enumerate() {
        let disposition = ["confirmed_fraud", "false_positive", "benign"][i % 3];
        let items: Vec<Value> = chunk
            .iter()
            .map(|a| json!({"id": a["id"], "version": a["version"]}))
            .collect();
        let body = json!({"items": items, "action": {"type": "close", "disposition": disposition}});
        let (status, result, _) = service
            .write(
                "/v1/alerts/triage",
                &chen,
                &format!("close-{seed}-{i}"),
                &body,
            )
            .await;
        assert_eq!(status, 200, "{result}");
    }
    service
}

/// The manager of the portfolio generated with `seed`, signed in.
async fn manager(service: &Service, seed: u64) -> String {
    let chen = generate::demo_operators(seed)
        .into_iter()
        .find(|o| o.id == "manager.chen")
        .unwrap();
    service.sign_in_operator(&chen).await
}

/// The rollups under a filter, as the store reads them.
async fn rollups(store: &dyn Store, filter: &MetricFilter) -> (String, String) {
    let approvals = store.authorization_days(filter).await.unwrap();
    let alerts = store.alert_days(filter).await.unwrap();
    (format!("{approvals:?}"), format!("{alerts:?}"))
}

async fn kept_rollups_equal_a_rebuild(store: Arc<dyn Store>) {
    let service = worked_portfolio(store.clone(), support::SEED).await;
    let cuts = [
        MetricFilter::default(),
        MetricFilter {
            grade: Some("B".into()),
            ..MetricFilter::default()
        },
        MetricFilter {
            channel: Some("qr".into()),
            ..MetricFilter::default()
        },
        MetricFilter {
            city: Some("上海".into()),
            from_day: Some(i64::from(day_number(business_date(utc(AS_OF_MS)))) - 40),
            ..MetricFilter::default()
        },
    ];
    let mut kept = Vec::new();
    for cut in &cuts {
        kept.push(rollups(store.as_ref(), cut).await);
    }
    assert!(kept[0].1.contains("confirmed_fen"), "alerts were counted");
    let rows = store.rebuild_metrics().await.unwrap();
    assert!(rows > 100, "{rows} rollup rows");
    for (cut, before) in cuts.iter().zip(kept) {
        assert_eq!(rollups(store.as_ref(), cut).await, before, "{cut:?}");
    }
    drop(service);
}

#[tokio::test]
async fn rollups_kept_by_the_writers_equal_a_rebuild_on_sqlite() {
    kept_rollups_equal_a_rebuild(support::sqlite().await).await;
}

#[tokio::test]
async fn rollups_kept_by_the_writers_equal_a_rebuild_on_postgres() {
    kept_rollups_equal_a_rebuild(support::postgres().await).await;
}

/// Every decided payment and every alert, read back record by record.
async fn records(store: &dyn Store) -> (Vec<(TransactionRow, String)>, Vec<AlertRow>) {
    let mut payments = Vec::new();
    let mut after = 0;
    loop {
        let accounts = store.accounts_after(after, 200).await.unwrap();
        let Some(last) = accounts.last().map(|a| a.account.id) else {
            break;
        };
        for account in accounts {
            let filter = TransactionFilter {
                account_id: account.account.id,
                from: None,
                to: None,
                kind: None,
                status: None,
                amount_min_fen: None,
                amount_max_fen: None,
                merchant: None,
            };
            let mut page = PageRequest {
                after: None,
                limit: 500,
            };
            loop {
                let rows = store.transactions(&filter, &page).await.unwrap();
                let Some(last) = rows.last() else { break };
                page.after = Some(vec![last.occurred_at, last.id]);
                payments.extend(
                    rows.into_iter()
                        .filter(|t| t.decision.is_some())
                        .map(|t| (t, account.account.city.clone())),
                );
            }
        }
        after = last;
    }
    let mut alerts = Vec::new();
    let mut page = PageRequest {
        after: None,
        limit: 200,
    };
    loop {
        let rows = store.alerts(&AlertFilter::default(), &page).await.unwrap();
        let Some(last) = rows.last() else { break };
        page.after = Some(vec![
            i64::from(last.severity_rank),
            last.created_at,
            last.id,
        ]);
        alerts.extend(rows);
    }
    (payments, alerts)
}

#[tokio::test]
async fn the_fraud_metrics_agree_with_a_recount_of_the_records() {
    for seed in [support::SEED, 7, 2026] {
        let store = support::sqlite().await;
        let service = worked_portfolio(store.clone(), seed).await;
        let chen = manager(&service, seed).await;
        let (payments, alerts) = records(store.as_ref()).await;
        let today = business_date(utc(AS_OF_MS));
        let from = today - chrono::Days::new(150);
        let city = payments[0].1.clone();
        for (cut, keep) in [
            (
                "",
                Box::new(|_: &TransactionRow, _: &str| true)
                    as Box<dyn Fn(&TransactionRow, &str) -> bool>,
            ),
            (
                "&grade=C",
                Box::new(|t: &TransactionRow, _: &str| t.grade.as_deref() == Some("C")),
            ),
            (
                "&channel=qr",
                Box::new(|t: &TransactionRow, _: &str| t.channel.as_deref() == Some("qr")),
            ),
            (
                &*format!("&city={city}"),
                Box::new(move |_: &TransactionRow, c: &str| c == city)
                    as Box<dyn Fn(&TransactionRow, &str) -> bool>,
            ),
        ] {
            let (status, metrics) = service
                .get(
                    &format!("/v1/metrics/fraud?from={from}&to={today}{cut}"),
                    Some(&chen),
                )
                .await;
            assert_eq!(status, 200, "{metrics}");
            let day_of = |ms: i64| business_date(utc(ms));
            let in_period = |ms: i64| (from..=today).contains(&day_of(ms));

            // Approvals per day.
            let mut expected: BTreeMap<String, [u64; 3]> = BTreeMap::new();
            for (t, c) in payments
                .iter()
                .filter(|(t, c)| keep(t, c) && in_period(t.occurred_at))
            {
                let slot = expected
                    .entry(day_of(t.occurred_at).to_string())
                    .or_default();
                match t.decision.as_deref() {
                    Some("approve") => slot[0] += 1,
                    Some("review") => slot[1] += 1,
                    _ => slot[2] += 1,
                }
                let _ = c;
            }
            let served: BTreeMap<String, [u64; 3]> = metrics["approvals"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["approved"].as_u64().unwrap()
                        + d["review"].as_u64().unwrap()
                        + d["declined"].as_u64().unwrap()
                        > 0
                })
                .map(|d| {
                    (
                        d["day"].as_str().unwrap().to_owned(),
                        [
                            d["approved"].as_u64().unwrap(),
                            d["review"].as_u64().unwrap(),
                            d["declined"].as_u64().unwrap(),
                        ],
                    )
                })
                .collect();
            assert_eq!(served, expected, "seed {seed}, cut {cut:?}");
            assert_eq!(
                metrics["approvals"].as_array().unwrap().len(),
                151,
                "every day"
            );

            // Alerts per day and rule, dispositions per rule, losses per month:
            // an alert is cut by its payment.
            let by_id: BTreeMap<i64, &(TransactionRow, String)> =
                payments.iter().map(|p| (p.0.id, p)).collect();
            let mut raised: BTreeMap<(String, String), u64> = BTreeMap::new();
            let mut disposed: BTreeMap<String, [u64; 3]> = BTreeMap::new();
            let mut losses: BTreeMap<String, (i64, u64)> = BTreeMap::new();
            for a in alerts.iter().filter(|a| in_period(a.created_at)) {
                let (t, c) = by_id[&a.transaction_id.unwrap()];
                if !keep(t, c) {
                    continue;
                }
                let day = day_of(a.created_at);
                *raised.entry((day.to_string(), a.rule.clone())).or_default() += 1;
                let slot = disposed.entry(a.rule.clone()).or_default();
                match a.disposition.as_deref() {
                    Some("confirmed_fraud") => {
                        slot[0] += 1;
                        let month = losses.entry(day.format("%Y-%m").to_string()).or_default();
                        month.0 += a.amount_fen.unwrap_or(0);
                        month.1 += 1;
                    }
                    Some("false_positive") => slot[1] += 1,
                    Some("benign") => slot[2] += 1,
                    _ => {}
                }
            }
            let served: BTreeMap<(String, String), u64> = metrics["alerts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        (
                            r["day"].as_str().unwrap().to_owned(),
                            r["rule"].as_str().unwrap().to_owned(),
                        ),
                        r["raised"].as_u64().unwrap(),
                    )
                })
                .collect();
            assert_eq!(served, raised, "seed {seed}, cut {cut:?}");
            let served: BTreeMap<String, [u64; 3]> = metrics["dispositions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["rule"].as_str().unwrap().to_owned(),
                        [
                            r["confirmed_fraud"].as_u64().unwrap(),
                            r["false_positive"].as_u64().unwrap(),
                            r["benign"].as_u64().unwrap(),
                        ],
                    )
                })
                .collect();
            assert_eq!(served, disposed, "seed {seed}, cut {cut:?}");
            let served: BTreeMap<String, (i64, u64)> = metrics["losses"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    let fen = m["confirmed"]
                        .as_str()
                        .unwrap()
                        .parse::<riskdesk_domain::money::Money>()
                        .unwrap()
                        .fen();
                    (
                        format!("{}-{:02}", m["year"], m["month"]),
                        (fen, m["alerts"].as_u64().unwrap()),
                    )
                })
                .collect();
            assert_eq!(served, losses, "seed {seed}, cut {cut:?}");
            if cut.is_empty() {
                // Nothing above held vacuously.
                assert!(expected.len() > 30, "seed {seed}: {} days", expected.len());
                assert!(
                    raised.len() >= 5 && disposed.values().flatten().sum::<u64>() >= 9,
                    "seed {seed}: {raised:?} {disposed:?} of {} alerts",
                    alerts.len()
                );
                assert!(!losses.is_empty(), "seed {seed}");
            }
        }
    }
}

#[tokio::test]
async fn metrics_are_for_roles_that_read_them_over_a_sane_period() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 20).await;
    let service = Service::start(store).await;
    let agent = service.sign_in("agent.zhao").await;
    let (status, _) = service.get("/v1/metrics/fraud", Some(&agent)).await;
    assert_eq!(status, 403);
    let li = service.sign_in("officer.li").await;
    let (status, body) = service.get("/v1/metrics/fraud", Some(&li)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["approvals"].as_array().unwrap().len(),
        30,
        "the last 30 days by default"
    );
    for (query, why) in [
        ("from=2026-11-02&to=2026-11-01", "from must not be after to"),
        ("from=2020-01-01&to=2026-11-01", "at most"),
        ("from=2026-13-01", ""),
        ("grade=z", ""),
        ("colour=red", ""),
    ] {
        let (status, body) = service
            .get(&format!("/v1/metrics/fraud?{query}"), Some(&li))
            .await;
        assert_eq!(status, 400, "{query}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains(why),
            "{query}: {body}"
        );
    }
}
