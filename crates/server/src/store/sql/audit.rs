//! [`Audit`] over sqlx: the chain appended inside each decision's
//! transaction (`append_audit`: its head row locked, consecutive ids, each
//! entry hashed after the one before, and the live stream's event of each
//! decision beside it), read back for lists, verification and checkpoints.

use riskdesk_domain::audit;
use riskdesk_domain::events::{self, EventKind};
use serde::Serialize;

use super::decisions::Tx;
use super::*;

const AUDIT_FIELDS: &str = "id, at, actor, action, target, before, after, prev_hash, hash";
const CHECKPOINT_FIELDS: &str = "id, last_id, hash, signed_at, signature, key_id";

#[for_backends]
#[async_trait::async_trait]
impl<DB> Audit for SqlStore<DB> {
    async fn audit_trail(&self, target: &str) -> StoreResult<Vec<AuditRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT ")
                .push(AUDIT_FIELDS)
                .push(" FROM audit WHERE target = ")
                .bind(target.to_owned())
                .push(" ORDER BY id");
        })
        .await
    }

    async fn record_audit(&self, records: &[AuditRecord]) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        Self::append_audit(&mut tx, records).await?;
        tx.commit().await
    }

    async fn chain_audit(&self) -> StoreResult<u64> {
        // At every start: two index lookups, not a scan of the trail. Every
        // chained entry is at most the head's id, so the chain is whole when
        // the head is the last entry.
        let ends: Option<(i64, i64)> = fetch_optional(&self.pool, |q| {
            q.push("SELECT (SELECT last_id FROM audit_head WHERE id = 1), ");
            q.push("(SELECT COALESCE(MAX(id), 0) FROM audit)");
        })
        .await?;
        if ends.is_some_and(|(head, last)| head == last) {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let unchained: Vec<AuditRow> = fetch_all(&mut *tx, |q| {
            q.push("SELECT ")
                .push(AUDIT_FIELDS)
                .push(" FROM audit WHERE hash IS NULL ORDER BY id");
        })
        .await?;
        if unchained.is_empty() {
            tx.rollback().await?;
            return Ok(0);
        }
        // Written before the chain existed: taken out and appended again, in
        // order, with consecutive ids after the chained ones.
        let records: Vec<AuditRecord> = unchained
            .iter()
            .map(|r| AuditRecord {
                at: r.at,
                actor: r.actor.clone(),
                action: r.action.clone(),
                target: r.target.clone(),
                before: r.before.clone(),
                after: r.after.clone(),
            })
            .collect();
        execute(&mut *tx, |q| {
            q.push("DELETE FROM audit WHERE hash IS NULL");
        })
        .await?;
        Self::append_audit(&mut tx, &records).await?;
        tx.commit().await?;
        Ok(records.len() as u64)
    }

    async fn audit(&self, f: &AuditFilter, page: &PageRequest) -> StoreResult<Vec<AuditRow>> {
        fetch_page(&self.pool, AUDIT_FIELDS, &[("id", Dir::Desc)], page, |q| {
            q.push(" FROM audit");
            eq(q, "actor", &f.actor);
            eq(q, "target", &f.target);
            match f.action.as_deref() {
                Some(prefix) if prefix.ends_with('.') => {
                    q.and()
                        .push("action LIKE ")
                        .bind(format!("{}%", escape_like(prefix)))
                        .push(" ESCAPE '\\'");
                }
                Some(action) => {
                    q.and().push("action = ").bind(action.to_owned());
                }
                None => {}
            }
            if let Some(from) = f.from {
                q.and().push("at >= ").bind(from);
            }
            if let Some(to) = f.to {
                q.and().push("at < ").bind(to);
            }
        })
        .await
    }

    async fn audit_range(&self, from: i64, to: i64, limit: u32) -> StoreResult<Vec<AuditRow>> {
        // One JSON row per stretch (see `fetch_rows`): verification reads
        // the chain in stretches of thousands. Unordered in the aggregate,
        // which would sort the stretch again (a third of the read), and put
        // in order here instead, which costs nothing on rows already in it.
        let mut rows: Vec<AuditRow> = fetch_rows(&self.pool, AUDIT_FIELDS, &[], |q| {
            q.push(" FROM audit WHERE id >= ").bind(from);
            q.push(" AND id <= ").bind(to);
            q.push(" ORDER BY id LIMIT ").bind(i64::from(limit));
        })
        .await?;
        rows.sort_by_key(|row| row.id);
        Ok(rows)
    }

    async fn audit_last_id(&self) -> StoreResult<Option<i64>> {
        let last: Option<(Option<i64>,)> = fetch_optional(&self.pool, |q| {
            q.push("SELECT MAX(id) FROM audit");
        })
        .await?;
        Ok(last.and_then(|(id,)| id))
    }

    async fn audit_checkpoints(&self, after_id: i64) -> StoreResult<Vec<CheckpointRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT ")
                .push(CHECKPOINT_FIELDS)
                .push(" FROM audit_checkpoints WHERE last_id > ")
                .bind(after_id)
                .push(" ORDER BY last_id, id");
        })
        .await
    }

    async fn checkpoint_audit(
        &self,
        now: i64,
        sign: &CheckpointSigner<'_>,
    ) -> StoreResult<Option<CheckpointRow>> {
        let mut tx = self.begin_write().await?;
        let (last_id, last_hash): (i64, String) = fetch_optional(&mut *tx, |q| {
            q.push("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
                .push(for_update::<DB>());
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        let signed: Option<(Option<i64>,)> = fetch_optional(&mut *tx, |q| {
            q.push("SELECT MAX(last_id) FROM audit_checkpoints");
        })
        .await?;
        let hash = audit::from_hex::<32>(&last_hash)
            .ok_or_else(|| decode_error(anyhow::anyhow!("audit head: bad hash")))?;
        let signed_to = signed.and_then(|(at,)| at).unwrap_or(0);
        if last_id == 0 || signed_to >= last_id {
            tx.rollback().await?;
            return Ok(None);
        }
        let (key_id, signature) = sign(&audit::Checkpoint::message(last_id, &hash, now));
        let row: Option<CheckpointRow> = fetch_optional(&mut *tx, |q| {
            q.push("INSERT INTO audit_checkpoints (last_id, hash, signed_at, signature, key_id)");
            q.values(&[()], |t, ()| {
                t.bind(last_id)
                    .bind(last_hash.clone())
                    .bind(now)
                    .bind(audit::hex(&signature))
                    .bind(key_id.clone());
            });
            q.push(" RETURNING ").push(CHECKPOINT_FIELDS);
        })
        .await?;
        tx.commit().await?;
        Ok(row)
    }
}

/// A decision's audit entry: what was done (`action`) to `target`, and the
/// row before (none for what the decision creates) and after, as JSON.
pub(super) struct Entry {
    action: String,
    target: String,
    before: Option<String>,
    after: String,
}

impl Entry {
    pub(super) fn added(action: &str, target: String, after: &impl Serialize) -> StoreResult<Self> {
        let after = json(after)?;
        let (action, before) = (action.to_owned(), None);
        Ok(Entry {
            action,
            target,
            before,
            after,
        })
    }

    pub(super) fn changed(
        action: &str,
        target: String,
        before: &impl Serialize,
        after: &impl Serialize,
    ) -> StoreResult<Self> {
        let (before, after) = (Some(json(before)?), json(after)?);
        let action = action.to_owned();
        Ok(Entry {
            action,
            target,
            before,
            after,
        })
    }
}

fn json(row: &impl Serialize) -> StoreResult<String> {
    serde_json::to_string(row).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

#[for_backends]
impl<DB> SqlStore<DB> {
    /// Appends `actor`'s `entry` to the chain.
    pub(super) async fn audit(
        tx: &mut Tx<DB>,
        now: i64,
        actor: &str,
        entry: Entry,
    ) -> StoreResult<()> {
        let record = AuditRecord {
            at: now,
            actor: actor.to_owned(),
            action: entry.action,
            target: entry.target,
            before: entry.before,
            after: Some(entry.after),
        };
        Self::append_audit(tx, std::slice::from_ref(&record)).await
    }

    /// Appends entries to the chain: the head locked (so appends happen one
    /// transaction at a time — a decision takes no row lock after its first
    /// entry, so this never deadlocks), ids consecutive, each entry hashed
    /// after the one before.
    pub(super) async fn append_audit(tx: &mut Tx<DB>, records: &[AuditRecord]) -> StoreResult<()> {
        let (mut last_id, last_hash): (i64, String) = fetch_optional(&mut **tx, |q| {
            q.push("SELECT last_id, last_hash FROM audit_head WHERE id = 1")
                .push(for_update::<DB>());
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        let mut prev = audit::from_hex::<32>(&last_hash)
            .ok_or_else(|| decode_error(anyhow::anyhow!("audit head: bad hash {last_hash:?}")))?;
        for r in records {
            // Only the trail's own vocabulary: the console labels each one.
            if r.action.parse::<audit::Action>().is_err() {
                return Err(decode_error(anyhow::anyhow!(
                    "audit action {:?} is not in audit::Action",
                    r.action
                )));
            }
            last_id += 1;
            let entry = audit::Entry {
                id: last_id,
                at: r.at,
                actor: r.actor.clone(),
                action: r.action.clone(),
                target: r.target.clone(),
                before: r.before.clone(),
                after: r.after.clone(),
            };
            let hash = audit::entry_hash(&prev, &entry);
            execute(&mut **tx, |q| {
                q.push(
                    "INSERT INTO audit (id, at, actor, action, target, before, after, prev_hash, \
                     hash)",
                );
                q.values(&[()], |t, ()| {
                    t.bind(entry.id)
                        .bind(entry.at)
                        .bind(entry.actor.clone())
                        .bind(entry.action.clone())
                        .bind(entry.target.clone())
                        .bind(entry.before.clone())
                        .bind(entry.after.clone())
                        .bind(audit::hex(&prev))
                        .bind(audit::hex(&hash));
                });
            })
            .await?;
            // The stream's event of this decision, in its transaction.
            if let Some(kind) = EventKind::of_action(&entry.action) {
                let after = entry.after.as_deref().map(serde_json::from_str);
                let after = after.and_then(Result::ok).unwrap_or_default();
                let data = events::summary(&after);
                Self::add_event(tx, entry.at, kind, &entry.target, Some(&entry.actor), &data)
                    .await?;
            }
            prev = hash;
        }
        execute(&mut **tx, |q| {
            q.push("UPDATE audit_head SET last_id = ").bind(last_id);
            q.push(", last_hash = ")
                .bind(audit::hex(&prev))
                .push(" WHERE id = 1");
        })
        .await
    }
}
