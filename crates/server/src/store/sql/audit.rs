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
        let stretch = |q: &mut Query<'_, DB>| {
            q.push(" FROM audit WHERE id >= ").bind(from);
            q.push(" AND id <= ").bind(to);
            q.push(" ORDER BY id LIMIT ").bind(i64::from(limit));
        };
        // PostgreSQL's rows stream to the async task as they are: plain rows
        // cost it the least. Packing them into text cost it more than reading
        // them (docs/benchmarks.md).
        if DB::NAME == "PostgreSQL" {
            return fetch_all(&self.pool, |q| {
                q.push("SELECT ").push(AUDIT_FIELDS);
                stretch(q);
            })
            .await;
        }
        // SQLite's driver hands each row from its thread to the async task
        // apart: one packed text row per stretch (see `packed`). Unordered
        // in the aggregate, which would sort the stretch again, and put in
        // order here instead, which costs nothing on rows already in it.
        let row: Option<(Option<String>,)> = fetch_optional(&self.pool, |q| {
            q.push("SELECT group_concat(").push(packed::ROW);
            q.push(", '') FROM (SELECT ").push(AUDIT_FIELDS);
            stretch(q);
            q.push(") AS rows");
        })
        .await?;
        let text = row.and_then(|(text,)| text).unwrap_or_default();
        let mut rows = packed::rows(&text).map_err(|e| sqlx::Error::Decode(e.into()))?;
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

/// Audit entries packed into one text per stretch, for SQLite: each field
/// as it is (numbers and hex hashes, which hold no comma) or, for text, its
/// length in bytes before it, so that reading it back is slicing, with no
/// escapes to undo and one copy of each field. JSON, which the other lists
/// use, cost the database its escaping and the service its unescaping:
/// about 40 % of a verification's time (docs/benchmarks.md).
mod packed {
    use crate::store::AuditRow;

    /// `id,at,prev_hash,hash,len:actor,len:action,len:target,len:before,len:after\n`,
    /// an absent hash empty and an absent `before` or `after` as `-`. One
    /// `concat` rather than a chain of `||`, each of which copies the row
    /// so far again (SQLite 3.44 on); `concat` reads NULL as empty.
    pub const ROW: &str = "concat(id, ',', at, ',', prev_hash, ',', hash, ',', \
        octet_length(actor), ':', actor, ',', octet_length(action), ':', action, ',', \
        octet_length(target), ':', target, ',', \
        CASE WHEN before IS NULL THEN '-' ELSE concat(octet_length(before), ':', before) END, ',', \
        CASE WHEN after IS NULL THEN '-' ELSE concat(octet_length(after), ':', after) END, '\n')";

    #[derive(Debug, thiserror::Error)]
    #[error("packed audit entry at byte {at}: {what}")]
    pub struct Malformed {
        at: usize,
        what: &'static str,
    }

    pub fn rows(text: &str) -> Result<Vec<AuditRow>, Malformed> {
        let mut reader = Reader { text, at: 0 };
        let mut rows = Vec::new();
        while reader.at < text.len() {
            rows.push(AuditRow {
                id: reader.number(',')?,
                at: reader.number(',')?,
                prev_hash: reader.hash()?,
                hash: reader.hash()?,
                actor: reader.text(',')?,
                action: reader.text(',')?,
                target: reader.text(',')?,
                before: reader.optional_text(',')?,
                after: reader.optional_text('\n')?,
            });
        }
        Ok(rows)
    }

    struct Reader<'t> {
        text: &'t str,
        at: usize,
    }

    impl<'t> Reader<'t> {
        fn malformed(&self, what: &'static str) -> Malformed {
            Malformed { at: self.at, what }
        }

        /// Up to `end`, which is passed over.
        fn until(&mut self, end: char, what: &'static str) -> Result<&'t str, Malformed> {
            let rest = &self.text[self.at..];
            let len = rest.find(end).ok_or_else(|| self.malformed(what))?;
            self.at += len + end.len_utf8();
            Ok(&rest[..len])
        }

        fn number(&mut self, end: char) -> Result<i64, Malformed> {
            let digits = self.until(end, "a number")?;
            digits.parse().map_err(|_| self.malformed("a number"))
        }

        fn hash(&mut self) -> Result<Option<String>, Malformed> {
            let hex = self.until(',', "a hash")?;
            Ok((!hex.is_empty()).then(|| hex.to_owned()))
        }

        fn text(&mut self, end: char) -> Result<String, Malformed> {
            let len: usize = self
                .until(':', "a length")?
                .parse()
                .map_err(|_| self.malformed("a length"))?;
            let text = self
                .text
                .get(self.at..self.at + len)
                .ok_or_else(|| self.malformed("text of its length"))?;
            self.at += len;
            if !self.text[self.at..].starts_with(end) {
                return Err(self.malformed("the end of a field"));
            }
            self.at += end.len_utf8();
            Ok(text.to_owned())
        }

        fn optional_text(&mut self, end: char) -> Result<Option<String>, Malformed> {
            if self.text[self.at..].starts_with('-') {
                self.until(end, "the end of a field")?;
                return Ok(None);
            }
            self.text(end).map(Some)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn fields_with_commas_colons_newlines_and_chinese_come_back_whole() {
            let text = "7,1700000000000,ab,cd,10:officer.li,11:alert.close,7:alert:7,\
                        11:{\"a\":\"1,2\"},-\n8,5,,,1:x,1:y,1:z,-,9:备注\n:,\n";
            let rows = rows(text).unwrap();
            assert_eq!(rows.len(), 2);
            assert_eq!(
                (
                    rows[0].id,
                    rows[0].at,
                    rows[0].prev_hash.as_deref(),
                    rows[0].hash.as_deref()
                ),
                (7, 1_700_000_000_000, Some("ab"), Some("cd"))
            );
            assert_eq!(
                (
                    rows[0].actor.as_str(),
                    rows[0].action.as_str(),
                    rows[0].target.as_str()
                ),
                ("officer.li", "alert.close", "alert:7")
            );
            assert_eq!(rows[0].before.as_deref(), Some("{\"a\":\"1,2\"}"));
            assert_eq!(rows[0].after, None);
            assert_eq!(
                (rows[1].prev_hash.as_deref(), rows[1].hash.as_deref()),
                (None, None)
            );
            assert_eq!(rows[1].after.as_deref(), Some("备注\n:,"));
        }

        #[test]
        fn a_length_past_the_text_or_inside_a_character_is_refused() {
            for text in [
                "1,2,,,1:x,1:y,1:z,-,99:short\n",
                "1,2,,,1:x,1:y,1:z,-,1:备\n",
                "1,2,,,1:x,1:y,1:z,-,2:abc\n",
                "x,2,,,1:x,1:y,1:z,-,-\n",
                "1,2,,,1:x,1:y,1:z,-",
            ] {
                assert!(rows(text).is_err(), "{text:?} was read");
            }
        }
    }
}
