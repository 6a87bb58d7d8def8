//! A database as the previous release left it (its migrations, its rows),
//! opened by this one: the new migrations apply, nothing is lost, and the
//! metrics' rollups are rebuilt to this release's, on both backends.

#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::str::FromStr;

use riskdesk_domain::rules::Rules;
use riskdesk_server::store::{LimitChangeDayRow, METRICS_VERSION, MetricFilter};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;

use crate::support::{self, AS_OF_MS};

/// The schema version of the previous release (its last migration).
const PREVIOUS_RELEASE: i64 = 6;

/// One customer and account, a decided payment, an alert and two limit
/// changes (one applied, one rejected), written as the previous release
/// wrote them: no grade on a limit change, rollups of version 1.
const PREVIOUS_ROWS: [&str; 10] = [
    "INSERT INTO customers (id, name, name_masked, phone, phone_tail, national_id, age, \
     occupation, income_band, city, home_lat, home_lon, kyc_level, night_login_bp, created_at) \
     VALUES (1000001, '张三丰', '张*丰', '13800001234', '1234', '110101199001011234', 36, \
     'office_worker', 'from8k_to15k', '上海', 31.23, 121.47, 'verified', 100, 1700000000000)",
    "INSERT INTO accounts (id, customer_id, limit_fen, used_fen, frozen_fen, outstanding_fen, \
     utilisation_bp, dpd, max_dpd_12m, on_time_bp, purchases_per_month, bill_to_limit_bp, score, \
     scored_at, grade, status, bill_day, due_day, opened_at) VALUES (80000001, 1000001, \
     1000000, 200000, 0, 200000, 2000, 0, 0, 10000, 4, 1500, 720, 1793000000000, 'B', 'active', \
     5, 25, 1700000000000)",
    "INSERT INTO transactions (id, account_id, kind, order_id, merchant, category, channel, \
     amount_fen, installments, city, status, decision, occurred_at, grade) VALUES (1, 80000001, \
     'purchase', 'WX-OLD-1', '京东', 'electronics', 'qr', 200000, 1, '上海', 'settled', \
     'approve', 1793500000000, 'B')",
    "INSERT INTO alerts (id, account_id, transaction_id, rule, severity_rank, status, amount_fen, \
     evidence, disposition, created_at, sla_due_at, grade) VALUES (1, 80000001, 1, 'velocity', 2, \
     'closed', 200000, '[]', 'false_positive', 1793500000000, 1793514400000, 'B')",
    "INSERT INTO limit_changes (id, account_id, current_limit_fen, proposed_limit_fen, reason, \
     source, status, maker, checker, created_at, expires_at, decided_at, tier) VALUES (1, \
     80000001, 800000, 1000000, 'good_repayment_history', 'system', 'applied', 'system', \
     'officer.li', 1793400000000, 1794000000000, 1793450000000, 'officer')",
    "INSERT INTO limit_changes (id, account_id, current_limit_fen, proposed_limit_fen, reason, \
     source, status, maker, checker, created_at, expires_at, decided_at, tier) VALUES (2, \
     80000001, 1000000, 1500000, 'customer_request', 'officer', 'rejected', 'officer.li', \
     'officer.wang', 1793500000000, 1794100000000, 1793550000000, 'officer')",
    "INSERT INTO metric_authorizations (day, grade, city, channel, approved, review, declined, \
     approved_fen) VALUES (20758, 'B', '上海', 'qr', 1, 0, 0, 200000)",
    "INSERT INTO meta (key, value) VALUES ('metrics_built', '1')",
    // Before sealing: a TOTP secret in clear, a national ID by its unkeyed hash.
    "INSERT INTO operators (id, display_name, role, password_hash, totp_secret, totp_last_step, \
     failed_attempts, created_at) VALUES ('officer.old', '老员工', 'risk_officer', 'x', \
     'JBSWY3DPEHPK3PXP', 0, 0, 1700000000000)",
    "INSERT INTO blacklist (id, kind, value, reason, created_by, created_at) VALUES (1, \
     'national_id_hash', '5d7cd3b04a2d04df4765bbf55b7afc40217098a3f29ddda39162bc0ef89318e5', \
     'identity theft', 'officer.li', 1700000000000)",
];

/// The customer's name, phone and national ID, the operator's TOTP secret
/// and the blacklist entry's value, as the database holds them.
const RAW: [&str; 3] = [
    "SELECT name || '|' || phone || '|' || national_id FROM customers",
    "SELECT totp_secret FROM operators WHERE id = 'officer.old'",
    "SELECT value FROM blacklist WHERE id = 1",
];

/// The previous release's migrations of `migrator`.
fn previous(migrator: Migrator) -> Migrator {
    let mut previous = Migrator {
        migrations: Cow::Owned(
            migrator
                .migrations
                .iter()
                .filter(|m| m.version <= PREVIOUS_RELEASE)
                .cloned()
                .collect(),
        ),
        ..migrator
    };
    previous.set_locking(false);
    previous
}

/// What this release must find in the upgraded database.
async fn upgraded(url: &str, backend: &str) {
    let store = riskdesk_server::store::open(url, &support::keys())
        .await
        .unwrap();
    // Sealed in place, and opened for the service as they were.
    let customer = store.account(80_000_001).await.unwrap().unwrap();
    assert_eq!(
        (
            customer.name.as_str(),
            customer.account.phone.as_str(),
            customer.national_id.as_str()
        ),
        ("张三丰", "13800001234", "110101199001011234"),
        "{backend}"
    );
    let operator = store.operator("officer.old").await.unwrap().unwrap();
    assert_eq!(operator.totp_secret, "JBSWY3DPEHPK3PXP", "{backend}");
    assert_eq!(
        store.meta("metrics_built").await.unwrap().as_deref(),
        Some(METRICS_VERSION),
        "{backend}: the rollups rebuilt"
    );
    // The payment moved into its month (PostgreSQL's partitions), its order still taken.
    let payment = store.payment("WX-OLD-1").await.unwrap().expect(backend);
    assert_eq!((payment.id, payment.amount_fen), (1, 200_000), "{backend}");
    let account = store.account(80_000_001).await.unwrap().unwrap().account;
    assert_eq!(
        (account.limit_fen, account.used_fen),
        (1_000_000, 200_000),
        "{backend}"
    );
    // The limit changes were counted, by the grade their account had.
    let by_grade = |grade: &str| MetricFilter {
        grade: Some(grade.to_owned()),
        ..MetricFilter::default()
    };
    let changes = store.limit_change_days(&by_grade("B")).await.unwrap();
    let sum = |f: fn(&LimitChangeDayRow) -> i64| changes.iter().map(f).sum::<i64>();
    assert_eq!(
        (
            sum(|d| d.proposed),
            sum(|d| d.approved),
            sum(|d| d.rejected),
            sum(|d| d.approved_change_fen)
        ),
        (2, 1, 1, 200_000),
        "{backend}: {changes:?}"
    );
    assert!(
        store
            .limit_change_days(&by_grade("A"))
            .await
            .unwrap()
            .is_empty()
    );
    // The fraud side's rollups as they were; no month ends before this release.
    let approvals = store
        .authorization_days(&MetricFilter::default())
        .await
        .unwrap();
    assert_eq!(
        approvals.iter().map(|d| d.approved).sum::<i64>(),
        1,
        "{backend}"
    );
    let alerts = store.alert_days(&MetricFilter::default()).await.unwrap();
    assert_eq!(
        alerts.iter().map(|d| d.false_positive).sum::<i64>(),
        1,
        "{backend}"
    );
    assert!(
        store
            .bucket_months(&MetricFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    // And the end of day writes the first month's end over it.
    let date = riskdesk_server::eod::due_date_at(AS_OF_MS);
    riskdesk_server::eod::run(store.as_ref(), &Rules::builtin(), date, AS_OF_MS)
        .await
        .unwrap();
    let buckets = store.bucket_months(&MetricFilter::default()).await.unwrap();
    assert_eq!(
        buckets.iter().map(|b| b.accounts).sum::<i64>(),
        1,
        "{backend}"
    );
}

#[tokio::test]
async fn a_previous_release_database_upgrades_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("previous.db").display());
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    previous(sqlx::migrate!("migrations/sqlite"))
        .run(&pool)
        .await
        .unwrap();
    for row in PREVIOUS_ROWS {
        sqlx::query(row).execute(&pool).await.unwrap();
    }
    pool.close().await;
    upgraded(&url, "sqlite").await;
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let mut raw = Vec::new();
    for query in RAW {
        raw.push(sqlx::query_scalar(query).fetch_one(&pool).await.unwrap());
    }
    sealed_in_place(&raw, "sqlite");
}

/// The [`RAW`] values: nothing in clear, the national ID by its keyed hash.
fn sealed_in_place(raw: &[String], backend: &str) {
    let customer: Vec<&str> = raw[0].split('|').collect();
    for value in customer.iter().chain([&raw[1].as_str()]) {
        assert!(value.starts_with("sealed:"), "{backend}: {value}");
    }
    for clear in [
        "张三丰",
        "13800001234",
        "110101199001011234",
        "JBSWY3DPEHPK3PXP",
    ] {
        assert!(!raw.concat().contains(clear), "{backend}: {clear} in clear");
    }
    assert_eq!(
        raw[2],
        // HMAC-SHA256 of the ID under the tests' index key (support::DATA_KEY).
        "f16d927506955c1af344d4627d1dba81d25f5387539556c4b5cd39d8619da0d7",
        "{backend}: the entry moved to the keyed hash"
    );
}

#[tokio::test]
async fn a_previous_release_database_upgrades_on_postgres() {
    let url = support::postgres_database().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    previous(sqlx::migrate!("migrations/postgres"))
        .run(&pool)
        .await
        .unwrap();
    for row in PREVIOUS_ROWS {
        sqlx::query(row).execute(&pool).await.unwrap();
    }
    pool.close().await;
    upgraded(&url, "postgres").await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let mut raw = Vec::new();
    for query in RAW {
        raw.push(sqlx::query_scalar(query).fetch_one(&pool).await.unwrap());
    }
    sealed_in_place(&raw, "postgres");
}
