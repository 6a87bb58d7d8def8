//! The rollups the writers keep equal a rebuild from the records: after a
//! demo as `generate` makes it and after mixed decisions, table by table
//! (read apart from the store) and through the store's reads, on both
//! backends.

use super::*;

/// The rollup tables, read apart from the store.
enum Tables {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

const ROLLUP_TABLES: [&str; 7] = [
    "metric_authorizations",
    "metric_alerts",
    "metric_buckets",
    "metric_lines",
    "metric_vintages",
    "metric_rolls",
    "metric_limit_changes",
];

impl Tables {
    async fn execute(&self, sql: &str) {
        match self {
            Tables::Sqlite(pool) => drop(sqlx::query(sql).execute(pool).await.unwrap()),
            Tables::Postgres(pool) => drop(sqlx::query(sql).execute(pool).await.unwrap()),
        }
    }

    async fn number(&self, sql: &str) -> i64 {
        match self {
            Tables::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
            Tables::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        }
    }

    /// Per rollup table: its rows as the writers kept them, then the rows
    /// kept but not rebuilt and rebuilt but not kept.
    async fn kept_against_rebuilt(&self, store: &dyn Store) -> Vec<(&'static str, i64, i64, i64)> {
        for table in ROLLUP_TABLES {
            self.execute(&format!("DROP TABLE IF EXISTS kept_{table}"))
                .await;
            self.execute(&format!(
                "CREATE TABLE kept_{table} AS SELECT * FROM {table}"
            ))
            .await;
        }
        store.rebuild_metrics().await.unwrap();
        let mut tables = Vec::new();
        for t in ROLLUP_TABLES {
            let rows = self.number(&format!("SELECT COUNT(*) FROM kept_{t}")).await;
            let only = |a: &str, b: &str| {
                format!("SELECT COUNT(*) FROM (SELECT * FROM {a} EXCEPT SELECT * FROM {b}) d")
            };
            let kept_only = self.number(&only(&format!("kept_{t}"), t)).await;
            let rebuilt_only = self.number(&only(t, &format!("kept_{t}"))).await;
            tables.push((t, rows, kept_only, rebuilt_only));
        }
        tables
    }
}

/// Every rollup table holds rows, and none differs from a rebuild.
fn assert_equal_to_a_rebuild(tables: &[(&str, i64, i64, i64)]) {
    for &(table, rows, kept_only, rebuilt_only) in tables {
        assert!(rows > 0, "{table} is empty");
        assert_eq!(
            (table, kept_only, rebuilt_only),
            (table, 0, 0),
            "rows differing"
        );
    }
}

async fn kept_rollups_equal_a_rebuild(store: Arc<dyn Store>, tables: Tables) {
    // A demo as `generate` makes it: the history, the fraud patterns, the
    // officers' past triage — every closed alert counted.
    generate::generate(store.as_ref(), params(support::SEED), |_| {})
        .await
        .unwrap();
    let closed = "SELECT COUNT(*) FROM alerts WHERE disposition IS NOT NULL";
    let closed = tables.number(closed).await;
    let counted = "SELECT CAST(SUM(confirmed_fraud + false_positive + benign) AS BIGINT) \
                   FROM metric_alerts";
    assert!(closed > 0, "the generator closed no alert");
    assert_eq!(
        tables.number(counted).await,
        closed,
        "closed alerts counted"
    );
    assert_equal_to_a_rebuild(&tables.kept_against_rebuilt(store.as_ref()).await);

    let service = work(store.clone(), support::SEED).await;
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
    assert_equal_to_a_rebuild(&tables.kept_against_rebuilt(store.as_ref()).await);
    for (cut, before) in cuts.iter().zip(kept) {
        assert_eq!(rollups(store.as_ref(), cut).await, before, "{cut:?}");
    }
    drop(service);
}

#[tokio::test]
async fn rollups_kept_by_the_writers_equal_a_rebuild_on_sqlite() {
    let (store, dir) = support::sqlite_file().await;
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let tables = Tables::Sqlite(sqlx::SqlitePool::connect(&url).await.unwrap());
    kept_rollups_equal_a_rebuild(store, tables).await;
}

#[tokio::test]
async fn rollups_kept_by_the_writers_equal_a_rebuild_on_postgres() {
    let url = support::postgres_database().await;
    let store = riskdesk_server::store::open(&url, &support::keys())
        .await
        .unwrap();
    let tables = Tables::Postgres(sqlx::PgPool::connect(&url).await.unwrap());
    kept_rollups_equal_a_rebuild(store, tables).await;
}
