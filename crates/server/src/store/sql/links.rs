//! [`Links`] over sqlx: the payment path's upsert (`record_links`, inside
//! the authorization's transaction), the rebuild from what is held, and the
//! reads of one hop.

use riskdesk_domain::geo::GeoPoint;
use riskdesk_domain::links::{self, Entity, LinkKind, Membership};
use riskdesk_domain::transaction::MerchantCategory;
use strum::IntoEnumIterator;

use super::*;

/// Customers per page of the rebuild.
const CUSTOMERS_PER_PAGE: i64 = 5_000;

/// The categories whose merchants link their customers, as stored.
fn cash_out_categories() -> Vec<&'static str> {
    MerchantCategory::iter()
        .filter(|c| c.is_risky())
        .map(MerchantCategory::as_str)
        .collect()
}

/// The things one payment used: its device, address, address block and,
/// at a cash-out merchant, the merchant.
fn used_by(row: &TransactionRow) -> Vec<Entity> {
    let mut used = Vec::new();
    let mut add = |kind, value: &str| {
        used.push(Entity {
            kind,
            value: value.to_owned(),
        });
    };
    if let Some(device) = row.device_id.as_deref() {
        add(LinkKind::Device, device);
    }
    if let Some(ip) = row.ip.as_deref() {
        add(LinkKind::Ip, ip);
        if let Some(block) = links::ip_block(ip) {
            add(LinkKind::IpBlock, &block);
        }
    }
    let risky = row
        .category
        .as_deref()
        .and_then(|c| c.parse::<MerchantCategory>().ok())
        .is_some_and(MerchantCategory::is_risky);
    if risky {
        add(LinkKind::Merchant, &row.merchant);
    }
    used
}

/// Counts purchases in the links of what they used, in their transaction.
/// Merged first (a row of `links` once, however many of them used it: one
/// PostgreSQL statement may not update a row twice) and written in key
/// order, so that two writers wanting the same rows take them in one order.
pub(super) async fn record_links<DB>(
    conn: &mut DB::Connection,
    rows: &[&TransactionRow],
) -> StoreResult<()>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB>,
{
    #[derive(serde::Serialize)]
    struct Used<'a> {
        kind: &'a str,
        value: &'a str,
        account_id: i64,
        payments: i64,
        first_at: i64,
        last_at: i64,
    }
    let mut merged = std::collections::BTreeMap::<(&str, String, i64), (i64, i64, i64)>::new();
    for row in rows {
        for e in used_by(row) {
            let (payments, first, last) = merged
                .entry((e.kind.as_str(), e.value, row.account_id))
                .or_insert((0, row.occurred_at, row.occurred_at));
            *payments += 1;
            *first = (*first).min(row.occurred_at);
            *last = (*last).max(row.occurred_at);
        }
    }
    if merged.is_empty() {
        return Ok(());
    }
    let used: Vec<Used<'_>> = merged
        .iter()
        .map(
            |((kind, value, account_id), &(payments, first_at, last_at))| Used {
                kind,
                value,
                account_id: *account_id,
                payments,
                first_at,
                last_at,
            },
        )
        .collect();
    let (later, earlier) = if DB::NAME == "PostgreSQL" {
        ("GREATEST", "LEAST")
    } else {
        ("MAX", "MIN")
    };
    execute(conn, |q| {
        q.push("INSERT INTO links (")
            .push(LINK_FIELDS)
            .push(") SELECT ");
        q.push(&fields(&[
            ("kind", "TEXT"),
            ("value", "TEXT"),
            ("account_id", "BIGINT"),
            ("payments", "BIGINT"),
            ("first_at", "BIGINT"),
            ("last_at", "BIGINT"),
        ]));
        q.push(" FROM ");
        json_objects(q, &used);
        // WHERE: SQLite would read ON CONFLICT as a join's ON without it.
        q.push(
            " WHERE true ON CONFLICT (kind, value, account_id) DO UPDATE SET \
             payments = links.payments + excluded.payments, first_at = ",
        );
        q.push(earlier)
            .push("(links.first_at, excluded.first_at), last_at = ");
        q.push(later).push("(links.last_at, excluded.last_at)");
    })
    .await?;
    Ok(())
}

/// Rows of `links` back as memberships (a word the code does not know is
/// corrupt data).
fn memberships(rows: Vec<(String, String, i64, i64, i64, i64)>) -> StoreResult<Vec<Membership>> {
    rows.into_iter()
        .map(|(kind, value, account_id, payments, first_at, last_at)| {
            let kind = kind
                .parse::<LinkKind>()
                .map_err(|_| decode_error(anyhow::anyhow!("unknown link kind {kind:?}")))?;
            Ok(Membership {
                entity: Entity { kind, value },
                account_id,
                payments,
                first_at,
                last_at,
            })
        })
        .collect()
}

const LINK_FIELDS: &str = "kind, value, account_id, payments, first_at, last_at";

#[for_backends]
#[async_trait::async_trait]
impl<DB> Links for SqlStore<DB> {
    async fn rebuild_links(&self) -> StoreResult<u64> {
        let mut tx = self.begin_write().await?;
        execute(&mut *tx, |q| {
            q.push("DELETE FROM links");
        })
        .await?;
        // What the purchases used, counted at once.
        let block = "rtrim(ip, '0123456789') || '0/24'";
        let categories = cash_out_categories();
        for (kind, value, only) in [
            (LinkKind::Device, "device_id", "device_id IS NOT NULL"),
            (LinkKind::Ip, "ip", "ip IS NOT NULL"),
            // IPv4 only, as `links::ip_block` has it.
            (
                LinkKind::IpBlock,
                block,
                "ip LIKE '%.%.%.%' AND ip NOT LIKE '%:%'",
            ),
            (LinkKind::Merchant, "merchant", "category IN ("),
        ] {
            execute(&mut *tx, |q| {
                q.push("INSERT INTO links (").push(LINK_FIELDS);
                q.push(") SELECT ").bind(kind.as_str().to_owned());
                q.push(", ").push(value).push(
                    ", account_id, COUNT(*), MIN(occurred_at), MAX(occurred_at) \
                     FROM transactions WHERE kind = 'purchase' AND ",
                );
                q.push(only);
                if kind == LinkKind::Merchant {
                    for (i, c) in categories.iter().enumerate() {
                        q.push(if i == 0 { "" } else { ", " }).bind((*c).to_owned());
                    }
                    q.push(")");
                }
                q.push(" GROUP BY ").push(value).push(", account_id");
            })
            .await?;
        }
        // What the customers are: by keyed hash, and the square of the home.
        let mut after = 0_i64;
        loop {
            let page: Vec<(i64, String, String, f64, f64, i64)> = fetch_all(&mut *tx, |q| {
                q.push(
                    "SELECT a.id, c.phone, c.national_id, c.home_lat, c.home_lon, a.opened_at \
                     FROM accounts a JOIN customers c ON c.id = a.customer_id WHERE a.id > ",
                )
                .bind(after);
                q.push(" ORDER BY a.id LIMIT ").bind(CUSTOMERS_PER_PAGE);
            })
            .await?;
            let Some(last) = page.last() else { break };
            after = last.0;
            let mut rows = Vec::with_capacity(page.len() * 3);
            for (account_id, phone, national_id, lat, lon, opened_at) in page {
                let home = links::home_cell(GeoPoint { lat, lon });
                for (kind, value) in [
                    (LinkKind::Phone, self.keys.index_phone(&self.open(&phone)?)),
                    (
                        LinkKind::NationalId,
                        self.index_national_id(&self.open(&national_id)?),
                    ),
                    (LinkKind::Home, home),
                ] {
                    rows.push((kind, value, account_id, opened_at));
                }
            }
            for chunk in rows.chunks(INSERT_CHUNK) {
                execute(&mut *tx, |q| {
                    q.push("INSERT INTO links (").push(LINK_FIELDS).push(")");
                    q.values(chunk, |t, (kind, value, account_id, at)| {
                        t.bind(kind.as_str().to_owned())
                            .bind(value.clone())
                            .bind(*account_id)
                            .bind(0_i64)
                            .bind(*at)
                            .bind(*at);
                    });
                })
                .await?;
            }
        }
        let (count,): (i64,) = fetch_optional(&mut *tx, |q| {
            q.push("SELECT COUNT(*) FROM links");
        })
        .await?
        .unwrap_or((0,));
        tx.commit().await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn links_of(&self, accounts: &[i64], kinds: &[LinkKind]) -> StoreResult<Vec<Membership>> {
        // The kinds are the vocabulary's own words, written into the text.
        let kinds: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
        let mut found = Vec::new();
        for chunk in accounts.chunks(INSERT_CHUNK) {
            let rows = fetch_all(&self.pool, |q| {
                q.push(
                    "SELECT l.kind, l.value, l.account_id, l.payments, l.first_at, l.last_at FROM ",
                );
                json_values(q, serde_json::json!(chunk));
                // The accounts first, then each one's links by its index.
                q.push(" CROSS JOIN links l WHERE l.account_id = ").push(
                    if DB::NAME == "PostgreSQL" {
                        "CAST(a.value AS BIGINT)"
                    } else {
                        "a.value"
                    },
                );
                q.push(" AND l.kind IN (").push(&kinds.join(", ")).push(")");
            })
            .await?;
            found.extend(memberships(rows)?);
        }
        Ok(found)
    }

    async fn users_of(&self, entities: &[Entity]) -> StoreResult<Vec<Membership>> {
        let limit = |e: &Entity| i64::try_from(e.kind.common_above() + 1).unwrap_or(i64::MAX);
        if DB::NAME == "PostgreSQL" {
            // Each thing's first users, all in one statement.
            let things: Vec<serde_json::Value> = entities
                .iter()
                .map(|e| serde_json::json!({"kind": e.kind.as_str(), "value": e.value, "n": limit(e)}))
                .collect();
            let rows = fetch_all(&self.pool, |q| {
                q.push(
                    "SELECT u.kind, u.value, u.account_id, u.payments, u.first_at, u.last_at \
                        FROM json_to_recordset(CAST(",
                )
                .bind(serde_json::Value::Array(things).to_string());
                q.push(
                    " AS json)) AS e(kind TEXT, value TEXT, n BIGINT) CROSS JOIN LATERAL \
                     (SELECT kind, value, account_id, payments, first_at, last_at FROM links l \
                     WHERE l.kind = e.kind AND l.value = e.value LIMIT e.n) AS u",
                );
            })
            .await?;
            return memberships(rows);
        }
        // SQLite: one prepared statement, run for each thing on one
        // connection (an in-process call each).
        let mut conn = self.pool.acquire().await?;
        let mut found = Vec::new();
        for e in entities {
            let rows = fetch_all(&mut *conn, |q| {
                q.push("SELECT ").push(LINK_FIELDS);
                q.push(" FROM links WHERE kind = ")
                    .bind(e.kind.as_str().to_owned());
                q.push(" AND value = ").bind(e.value.clone());
                q.push(" LIMIT ").bind(limit(e));
            })
            .await?;
            found.extend(memberships(rows)?);
        }
        Ok(found)
    }

    async fn linked_accounts(&self, accounts: &[i64]) -> StoreResult<Vec<LinkedAccountRow>> {
        let mut found = Vec::new();
        for chunk in accounts.chunks(INSERT_CHUNK) {
            let rows: Vec<LinkedAccountRow> = fetch_all(&self.pool, |q| {
                q.push(
                    "SELECT a.id, c.name_masked, a.grade, a.status, a.limit_fen, a.used_fen, \
                     a.frozen_fen, CAST(CASE WHEN EXISTS (SELECT 1 FROM alerts x \
                     WHERE x.account_id = a.id AND x.disposition = 'confirmed_fraud') \
                     THEN 1 ELSE 0 END AS BIGINT) AS confirmed_fraud, (SELECT COUNT(*) \
                     FROM alerts x WHERE x.account_id = a.id AND x.status <> 'closed') \
                     AS open_alerts FROM accounts a JOIN customers c ON c.id = a.customer_id \
                     WHERE a.id IN (",
                );
                for (i, id) in chunk.iter().enumerate() {
                    q.push(if i == 0 { "" } else { ", " }).bind(*id);
                }
                q.push(")");
            })
            .await?;
            found.extend(rows);
        }
        Ok(found)
    }
}
