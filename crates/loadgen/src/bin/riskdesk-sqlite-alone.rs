//! `riskdesk-sqlite-alone`: what SQLite alone does with the batched decision
//! writes — the limit a decision's path through the service is measured
//! against on SQLite (`cargo xtask bench`). The same rows as
//! `crates/loadgen/pgbench/decision-write-batched.sql`: ten decisions'
//! write transactions as one (line locked and reserved, payment, day's
//! rollup, links, answer recorded), in a loop in this process, on a direct SQLite
//! binding with the service's settings, and no service, HTTP or rules.
//! Scratch copies only: it writes payments into the database.
//!
//! Prints one line: `decisions=N seconds=S cpu_seconds=C`.

use std::time::{Duration, Instant};

use anyhow::Context;
use rusqlite::{Connection, params_from_iter};

/// Decisions written per transaction.
const BATCH: usize = 10;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(path), Some(seconds)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: riskdesk-sqlite-alone <database file> <seconds>");
    };
    let seconds: u64 = seconds.parse().context("seconds")?;
    let db = Connection::open(&path).with_context(|| format!("opening {path}"))?;
    // As the service serves: write-ahead log, commits durable at checkpoints.
    db.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA cache_size = -65536; PRAGMA temp_store = memory; PRAGMA busy_timeout = 5000;",
    )?;
    let (first, last): (i64, i64) =
        db.query_row("SELECT MIN(id), MAX(id) FROM accounts", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let cpu_before = cpu_seconds()?;
    let started = Instant::now();
    let mut decisions = 0u64;
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        let accounts: Vec<i64> = (0..BATCH)
            .map(|_| {
                // xorshift: a spread of accounts without a dependency.
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                first
                    + i64::try_from(seed % u64::try_from(last - first + 1).unwrap_or(1))
                        .unwrap_or(0)
            })
            .collect();
        write_batch(&db, &accounts, decisions)?;
        decisions += BATCH as u64;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds()? - cpu_before;
    println!("decisions={decisions} seconds={elapsed:.3} cpu_seconds={cpu:.3}");
    Ok(())
}

/// One transaction of ten decisions' writes.
fn write_batch(db: &Connection, accounts: &[i64], sequence: u64) -> anyhow::Result<()> {
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis(),
    )?;
    let orders: Vec<String> = (0..accounts.len())
        .map(|i| format!("alone-{sequence}-{i}-{now}"))
        .collect();
    let marks = |n: usize| vec!["?"; n].join(", ");
    db.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| -> anyhow::Result<()> {
        let mut line = db.prepare_cached(&format!(
            "SELECT id, status, limit_fen, used_fen, frozen_fen, (SELECT COUNT(*) FROM freezes \
             WHERE account_id = a.id AND released_at IS NULL AND lapses_at <= {now}), grade \
             FROM accounts a WHERE id IN ({}) ORDER BY id",
            marks(accounts.len())
        ))?;
        let mut rows = line.query(params_from_iter(accounts))?;
        while rows.next()?.is_some() {}
        drop(rows);
        let mut reserve = db.prepare_cached(&format!(
            "UPDATE accounts SET used_fen = used_fen + 1, utilisation_bp = CASE WHEN limit_fen = 0 \
             THEN 0 ELSE (used_fen + 1) * 10000 / limit_fen END, version = version + 1 \
             WHERE id IN ({}) AND limit_fen - used_fen - frozen_fen >= 1 \
             RETURNING id, limit_fen - used_fen - frozen_fen, outstanding_fen",
            marks(accounts.len())
        ))?;
        let mut rows = reserve.query(params_from_iter(accounts))?;
        while rows.next()?.is_some() {}
        drop(rows);
        let payment = "(?, 'purchase', ?, 'm-none', 'dining', 'in_app', 1, 1, 'dev-alone', \
                       'ip-alone', 31.2, 121.4, '上海', 'authorized', 'approve', '[]', ?, NULL, \
                       (SELECT grade FROM accounts WHERE id = ?))";
        let mut insert = db.prepare_cached(&format!(
            "INSERT INTO transactions (account_id, kind, order_id, merchant, category, channel, \
             amount_fen, installments, device_id, ip, lat, lon, city, status, decision, rule_hits, \
             occurred_at, decline_reason, grade) VALUES {} RETURNING id, account_id, occurred_at",
            vec![payment; accounts.len()].join(", ")
        ))?;
        let values: Vec<rusqlite::types::Value> = accounts
            .iter()
            .zip(&orders)
            .flat_map(|(a, o)| [(*a).into(), o.clone().into(), now.into(), (*a).into()])
            .collect();
        let mut rows = insert.query(params_from_iter(&values))?;
        while rows.next()?.is_some() {}
        drop(rows);
        let mut rollup = db.prepare_cached(&format!(
            "INSERT INTO metric_authorizations (day, grade, city, channel, approved, review, \
             declined, approved_fen) SELECT (t.occurred_at + 28800000) / 86400000, \
             COALESCE(t.grade, ''), c.city, COALESCE(t.channel, ''), \
             SUM(CASE WHEN t.decision = 'approve' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN t.decision = 'review' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN t.decision = 'decline' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN t.decision = 'decline' THEN 0 ELSE t.amount_fen END) \
             FROM transactions t JOIN accounts a ON a.id = t.account_id \
             JOIN customers c ON c.id = a.customer_id \
             WHERE t.decision IS NOT NULL AND t.order_id IN ({}) GROUP BY 1, 2, 3, 4 \
             ON CONFLICT (day, grade, city, channel) DO UPDATE SET \
             approved = approved + excluded.approved, review = review + excluded.review, \
             declined = declined + excluded.declined, \
             approved_fen = approved_fen + excluded.approved_fen",
            marks(orders.len())
        ))?;
        rollup.execute(params_from_iter(&orders))?;
        // Its device, IP and /24 block in the links (an account's the same each time).
        let mut links = db.prepare_cached(&format!(
            "INSERT INTO links (kind, value, account_id, payments, first_at, last_at) VALUES {} \
             ON CONFLICT (kind, value, account_id) DO UPDATE SET payments = links.payments + 1, \
             first_at = MIN(links.first_at, excluded.first_at), \
             last_at = MAX(links.last_at, excluded.last_at)",
            vec!["(?, ?, ?, 1, ?, ?)"; accounts.len() * 3].join(", ")
        ))?;
        let values: Vec<rusqlite::types::Value> = accounts
            .iter()
            .flat_map(|&a| {
                let net = format!("10.9.{}", a % 250);
                [
                    ("device", format!("dev-alone-{a}")),
                    ("ip", format!("{net}.{}", a % 7)),
                    ("ip_block", format!("{net}.0/24")),
                ]
                .into_iter()
                .flat_map(move |(kind, value)| {
                    [
                        kind.to_owned().into(),
                        value.into(),
                        a.into(),
                        now.into(),
                        now.into(),
                    ]
                })
            })
            .collect();
        links.execute(params_from_iter(&values))?;
        let mut answers = db.prepare_cached(&format!(
            "INSERT INTO idempotency (scope, key, request_hash, outcome, created_at) VALUES {}",
            // An answer the size of an authorization's.
            vec![format!("('order', ?, 'h', '{}', ?)", "x".repeat(140)); orders.len()].join(", ")
        ))?;
        let values: Vec<rusqlite::types::Value> = orders
            .iter()
            .flat_map(|o| [o.clone().into(), now.into()])
            .collect();
        answers.execute(params_from_iter(&values))?;
        Ok(())
    })();
    match result {
        Ok(()) => db.execute_batch("COMMIT")?,
        Err(e) => {
            db.execute_batch("ROLLBACK")?;
            return Err(e);
        }
    }
    Ok(())
}

/// This process's CPU seconds so far (user and system), from `/proc`.
fn cpu_seconds() -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| -> u64 { fields.get(i).and_then(|f| f.parse().ok()).unwrap_or(0) };
    // Linux counts in USER_HZ, 100 a second on every architecture it exposes.
    #[allow(clippy::cast_precision_loss)]
    Ok((ticks(11) + ticks(12)) as f64 / 100.0)
}
