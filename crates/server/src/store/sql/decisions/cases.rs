//! [`Cases`] over sqlx: a case opened with its first members, its steps
//! (each on the case's version, the case row locked), its close — which
//! closes its open alerts through the same triage step an officer's close
//! takes, all or none —, its attachments, and its reads.

use riskdesk_domain::alert::Disposition;
use riskdesk_domain::case::{CaseMemberKind, CaseRefusal, CaseStatus, CaseStep, may_step};
use riskdesk_domain::operator::{Permission, Role};
use riskdesk_domain::refusal::Missing;
use riskdesk_domain::triage::TriageAction;

use super::*;

const MEMBER_FIELDS: &str = "kind, ref_id, added_by, added_at";
const NOTE_FIELDS: &str = "id, author, body, created_at";

/// One item checked off, as the case's row keeps it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Checked {
    item: riskdesk_domain::case::CaseCheck,
    done_by: String,
    done_at: i64,
}

/// Each kind's table, and how a missing one is refused.
fn kind_table(kind: CaseMemberKind) -> (&'static str, fn(i64) -> Missing) {
    match kind {
        CaseMemberKind::Account => ("accounts", Missing::Account),
        CaseMemberKind::Alert => ("alerts", Missing::Alert),
        CaseMemberKind::Dispute => ("disputes", Missing::Dispute),
        CaseMemberKind::Freeze => ("freezes", Missing::Freeze),
        CaseMemberKind::Blacklist => ("blacklist", Missing::BlacklistEntry),
    }
}

#[for_backends]
#[async_trait::async_trait]
impl<DB> Cases for SqlStore<DB> {
    async fn open_case(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &OpenCaseWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let members = [
            (CaseMemberKind::Account, w.accounts.as_slice()),
            (CaseMemberKind::Alert, w.alerts.as_slice()),
        ];
        if let Some(missing) = Self::first_missing(&mut tx, &members).await? {
            return self.refuse(tx, claim, missing).await;
        }
        let row: CaseRow = fetch_optional(&mut *tx, |q| {
            q.push(
                "INSERT INTO cases (title, severity, status, owner, due_at, created_by, \
                 created_at)",
            );
            q.values(&[()], |t, ()| {
                t.bind(w.title.clone())
                    .bind(w.severity.clone())
                    .bind(CaseStatus::Open.as_str().to_owned())
                    .bind(actor.id.clone())
                    .bind(w.due_at)
                    .bind(actor.id.clone())
                    .bind(claim.now);
            });
            q.push(" RETURNING ").push(CASE_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        Self::add_members(&mut tx, row.id, &members, &actor.id, claim.now).await?;
        if w.with_waiting_alerts && !w.accounts.is_empty() {
            for chunk in w.accounts.chunks(INSERT_CHUNK) {
                execute(&mut *tx, |q| {
                    q.push("INSERT INTO case_members (case_id, kind, ref_id, added_by, added_at) SELECT ")
                        .bind(row.id);
                    q.push(", 'alert', id, ").bind(actor.id.clone());
                    q.push(", ").bind(claim.now);
                    q.push(" FROM alerts WHERE status = 'open' AND assignee IS NULL AND account_id IN (");
                    for (i, id) in chunk.iter().enumerate() {
                        q.push(if i == 0 { "" } else { ", " }).bind(*id);
                    }
                    q.push(") ON CONFLICT (case_id, kind, ref_id) DO NOTHING");
                })
                .await?;
            }
        }
        let entry = Entry::added("case.open", format!("case:{}", row.id), &row)?;
        self.conclude(tx, claim, actor, entry, Decided::Case(row))
            .await
    }

    async fn case_step(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &CaseStepWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let before: Option<CaseRow> = row_by_id(&mut *tx, CASE_FIELDS, "cases", w.id, true).await?;
        let Some(before) = before else {
            return self.refuse(tx, claim, Missing::Case(w.id)).await;
        };
        if before.version != w.version {
            return self.stale(tx, claim, Decided::Case(before)).await;
        }
        let status: CaseStatus = before
            .status
            .parse()
            .map_err(|_| decode_error(anyhow::anyhow!("case {}: status", before.id)))?;
        if let Err(why) = may_step(status, &before.owner, &w.step, &actor.id, actor.role) {
            return self.refuse(tx, claim, why).await;
        }
        let now = claim.now;
        let mut set: Vec<(&str, Option<String>)> = Vec::new();
        match &w.step {
            CaseStep::AddMembers {
                accounts,
                alerts,
                disputes,
                freezes,
            } => {
                let members = [
                    (CaseMemberKind::Account, accounts.as_slice()),
                    (CaseMemberKind::Alert, alerts.as_slice()),
                    (CaseMemberKind::Dispute, disputes.as_slice()),
                    (CaseMemberKind::Freeze, freezes.as_slice()),
                ];
                if let Some(missing) = Self::first_missing(&mut tx, &members).await? {
                    return self.refuse(tx, claim, missing).await;
                }
                Self::add_members(&mut tx, w.id, &members, &actor.id, now).await?;
            }
            CaseStep::Note { body } => {
                execute(&mut *tx, |q| {
                    q.push("INSERT INTO case_notes (case_id, author, body, created_at)");
                    q.values(&[()], |t, ()| {
                        t.bind(w.id)
                            .bind(actor.id.clone())
                            .bind(body.clone())
                            .bind(now);
                    });
                })
                .await?;
            }
            CaseStep::Check { item, done } => {
                let mut checked: Vec<Checked> = serde_json::from_str(&before.checklist)
                    .map_err(|e| decode_error(anyhow::anyhow!("case {}: checklist: {e}", w.id)))?;
                checked.retain(|c| c.item != *item);
                if *done {
                    checked.push(Checked {
                        item: *item,
                        done_by: actor.id.clone(),
                        done_at: now,
                    });
                }
                let json = serde_json::to_string(&checked)
                    .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                set.push(("checklist", Some(json)));
            }
            CaseStep::Tag { tags } => {
                let json =
                    serde_json::to_string(tags).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
                set.push(("tags", Some(json)));
            }
            CaseStep::Assign { to } => {
                let found: Option<(String, Option<i64>)> = fetch_optional(&mut *tx, |q| {
                    q.push("SELECT role, disabled_at FROM operators WHERE id = ")
                        .bind(to.clone());
                })
                .await?;
                let may = found.as_ref().is_some_and(|(role, disabled)| {
                    disabled.is_none()
                        && role
                            .parse::<Role>()
                            .is_ok_and(|r| r.can(Permission::Investigate))
                });
                if found.is_none() {
                    return self.refuse(tx, claim, Missing::Operator(to.clone())).await;
                }
                if !may {
                    let why = CaseRefusal::CannotInvestigate(to.clone());
                    return self.refuse(tx, claim, why).await;
                }
                set.push(("owner", Some(to.clone())));
            }
            CaseStep::Close {
                disposition,
                outcome,
            } => {
                if let Some(why) = self
                    .close_alerts(&mut tx, actor, w.id, *disposition, now)
                    .await?
                {
                    return self.refuse(tx, claim, why).await;
                }
                set.push(("status", Some(CaseStatus::Closed.as_str().to_owned())));
                set.push(("disposition", Some(disposition.as_str().to_owned())));
                set.push(("outcome", Some(outcome.trim().to_owned())));
                set.push(("closed_by", Some(actor.id.clone())));
            }
        }
        let closing = matches!(w.step, CaseStep::Close { .. });
        let after: CaseRow = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE cases SET version = version + 1");
            for (column, value) in &set {
                q.push(", ").push(column).push(" = ").bind(value.clone());
            }
            if closing {
                q.push(", closed_at = ").bind(now);
            }
            q.push(" WHERE id = ").bind(w.id);
            q.push(" RETURNING ").push(CASE_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        let entry = match &w.step {
            // What a step adds is its own record; the case row says the rest.
            CaseStep::AddMembers { .. } | CaseStep::Note { .. } => {
                Entry::added(w.step.name(), format!("case:{}", w.id), &w.step)?
            }
            _ => Entry::changed(w.step.name(), format!("case:{}", w.id), &before, &after)?,
        };
        self.conclude(tx, claim, actor, entry, Decided::Case(after))
            .await
    }

    async fn freeze_case(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &CaseFreezeWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        if let Err(why) = Self::lock_open_case(&mut tx, w.case_id).await? {
            return self.refuse(tx, claim, why).await;
        }
        let accounts: Vec<(i64,)> = fetch_all(&mut *tx, |q| {
            q.push("SELECT ref_id FROM case_members WHERE kind = 'account' AND case_id = ")
                .bind(w.case_id);
            q.push(" ORDER BY ref_id");
        })
        .await?;
        // Every line locked first, in id order, before the first audit
        // entry locks the chain's head: as authorizations lock them.
        if DB::NAME == "PostgreSQL" && !accounts.is_empty() {
            let _: Vec<(i64,)> = fetch_all(&mut *tx, |q| {
                q.push("SELECT id FROM accounts WHERE id IN (");
                for (i, (id,)) in accounts.iter().enumerate() {
                    q.push(if i == 0 { "" } else { ", " }).bind(*id);
                }
                q.push(") ORDER BY id FOR UPDATE");
            })
            .await?;
        }
        let mut items = Vec::with_capacity(accounts.len());
        let mut frozen = Vec::new();
        for (account_id,) in accounts {
            let write = FreezeWrite {
                account_id,
                amount_fen: None,
                reason: w.reason.clone(),
                lapses_at: w.lapses_at,
            };
            let outcome = match Self::place_freeze(&mut tx, actor, &write, claim.now).await? {
                Ok(row) => {
                    frozen.push(row.id);
                    Ok(row)
                }
                Err(why) => Err(Refused::new(why)),
            };
            items.push(CaseFreezeItem {
                account_id,
                outcome,
            });
        }
        let data = serde_json::json!({"reason": w.reason, "freezes": frozen});
        let done = (CaseMemberKind::Freeze, frozen.as_slice());
        let decided = Decided::CaseFreezes(items);
        self.conclude_on_case(
            tx,
            claim,
            actor,
            w.case_id,
            done,
            "case.freeze_all",
            &data,
            decided,
        )
        .await
    }

    async fn blacklist_case(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &CaseBlacklistWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        if let Err(why) = Self::lock_open_case(&mut tx, w.case_id).await? {
            return self.refuse(tx, claim, why).await;
        }
        let mut items = Vec::with_capacity(w.things.len());
        let mut listed = Vec::new();
        for thing in &w.things {
            let (sharing,): (i64,) = fetch_optional(&mut *tx, |q| {
                q.push("SELECT COUNT(*) FROM links WHERE kind = ")
                    .bind(thing.kind.as_str().to_owned());
                q.push(" AND value = ").bind(thing.value.clone());
                q.push(
                    " AND account_id IN (SELECT ref_id FROM case_members \
                     WHERE kind = 'account' AND case_id = ",
                )
                .bind(w.case_id)
                .push(")");
            })
            .await?
            .unwrap_or((0,));
            let outcome = if sharing < 2 {
                Err(Refused::new(CaseRefusal::NotShared {
                    kind: thing.kind.as_str().to_owned(),
                    value: thing.value.clone(),
                }))
            } else {
                let entry = BlacklistWrite {
                    kind: thing.listed_kind.as_str().to_owned(),
                    value: thing.listed_value.clone(),
                    reason: w.reason.clone(),
                    expires_at: w.expires_at,
                };
                match Self::place_blacklist(&mut tx, actor, &entry, claim.now).await? {
                    Ok(row) => {
                        listed.push(row.id);
                        Ok(row)
                    }
                    // PostgreSQL refused the rest of the transaction with it.
                    Err(refused)
                        if matches!(
                            refused.refusal,
                            Refusal::Exists(Exists::ListedMeanwhile { .. })
                        ) =>
                    {
                        return self.finish(tx, claim, Decided::Refused(refused)).await;
                    }
                    Err(refused) => Err(refused),
                }
            };
            items.push(CaseBlacklistItem {
                kind: thing.kind,
                value: thing.value.clone(),
                outcome,
            });
        }
        let data = serde_json::json!({"reason": w.reason, "entries": listed});
        let done = (CaseMemberKind::Blacklist, listed.as_slice());
        let decided = Decided::CaseBlacklist(items);
        self.conclude_on_case(
            tx,
            claim,
            actor,
            w.case_id,
            done,
            "case.blacklist_shared",
            &data,
            decided,
        )
        .await
    }

    async fn add_attachment(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &AttachmentWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        if let Err(why) = Self::lock_open_case(&mut tx, w.case_id).await? {
            return self.refuse(tx, claim, why).await;
        }
        let row: AttachmentRow = fetch_optional(&mut *tx, |q| {
            q.push(
                "INSERT INTO case_attachments (case_id, name, content_type, size_bytes, sha256, \
                 content, uploaded_by, uploaded_at)",
            );
            q.values(&[()], |t, ()| {
                t.bind(w.case_id)
                    .bind(w.name.clone())
                    .bind(w.content_type.clone())
                    .bind(i64::try_from(w.content.len()).unwrap_or(i64::MAX))
                    .bind(w.sha256.clone())
                    .bind(w.content.clone())
                    .bind(actor.id.clone())
                    .bind(claim.now);
            });
            q.push(" RETURNING ").push(ATTACHMENT_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        let entry = Entry::added(
            "case.attach",
            format!("case:{}", w.case_id),
            &serde_json::json!({
                "attachment": row.id, "name": row.name, "content_type": row.content_type,
                "size_bytes": row.size_bytes, "sha256": row.sha256,
            }),
        )?;
        self.conclude(tx, claim, actor, entry, Decided::Attachment(row))
            .await
    }

    async fn cases(&self, status: Option<&str>, page: &PageRequest) -> StoreResult<Vec<CaseRow>> {
        let status = status.map(str::to_owned);
        fetch_page(
            &self.pool,
            CASE_FIELDS,
            &[("due_at", Dir::Asc), ("id", Dir::Asc)],
            page,
            |q| {
                q.push(" FROM cases");
                eq(q, "status", &status);
            },
        )
        .await
    }

    async fn case(&self, id: i64) -> StoreResult<Option<CaseDetailRow>> {
        let case: Option<CaseRow> = row_by_id(&self.pool, CASE_FIELDS, "cases", id, false).await?;
        let Some(case) = case else { return Ok(None) };
        let members: Vec<CaseMemberRow> = fetch_all(&self.pool, |q| {
            q.push("SELECT ").push(MEMBER_FIELDS);
            q.push(" FROM case_members WHERE case_id = ").bind(id);
            q.push(" ORDER BY kind, ref_id");
        })
        .await?;
        let notes: Vec<CaseNoteRow> = fetch_all(&self.pool, |q| {
            q.push("SELECT ").push(NOTE_FIELDS);
            q.push(" FROM case_notes WHERE case_id = ").bind(id);
            q.push(" ORDER BY id");
        })
        .await?;
        let attachments: Vec<AttachmentRow> = fetch_all(&self.pool, |q| {
            q.push("SELECT ").push(ATTACHMENT_FIELDS);
            q.push(" FROM case_attachments WHERE case_id = ").bind(id);
            q.push(" ORDER BY id");
        })
        .await?;
        Ok(Some(CaseDetailRow {
            case,
            members,
            notes,
            attachments,
        }))
    }

    async fn case_records(&self, id: i64) -> StoreResult<CaseRecords> {
        let of = |table: &str, fields: &str, kind: &str| {
            let fields = fields
                .split(", ")
                .map(|f| format!("r.{}", f.trim()))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "SELECT {fields} FROM {table} r JOIN case_members m ON m.kind = '{kind}' \
                 AND m.ref_id = r.id WHERE m.case_id = "
            )
        };
        let alerts: Vec<AlertRow> = fetch_all(&self.pool, |q| {
            q.push(&of("alerts", ALERT_FIELDS, "alert")).bind(id);
            q.push(" ORDER BY r.id");
        })
        .await?;
        let freezes: Vec<FreezeRow> = fetch_all(&self.pool, |q| {
            q.push(&of("freezes", FREEZE_FIELDS, "freeze")).bind(id);
            q.push(" ORDER BY r.id");
        })
        .await?;
        let blacklist: Vec<BlacklistRow> = fetch_all(&self.pool, |q| {
            q.push(&of("blacklist", BLACKLIST_FIELDS, "blacklist"))
                .bind(id);
            q.push(" ORDER BY r.id");
        })
        .await?;
        Ok(CaseRecords {
            alerts,
            freezes,
            blacklist,
        })
    }

    async fn attachment(
        &self,
        case_id: i64,
        id: i64,
    ) -> StoreResult<Option<(AttachmentRow, Vec<u8>)>> {
        let row: Option<AttachmentRow> = fetch_optional(&self.pool, |q| {
            q.push("SELECT ").push(ATTACHMENT_FIELDS);
            q.push(" FROM case_attachments WHERE id = ").bind(id);
            q.push(" AND case_id = ").bind(case_id);
        })
        .await?;
        let Some(row) = row else { return Ok(None) };
        let content: Option<(Vec<u8>,)> = fetch_optional(&self.pool, |q| {
            q.push("SELECT content FROM case_attachments WHERE id = ")
                .bind(id);
        })
        .await?;
        Ok(content.map(|(bytes,)| (row, bytes)))
    }
}

#[for_backends]
impl<DB> SqlStore<DB> {
    /// The first of `members` that does not exist, as a refusal.
    async fn first_missing(
        tx: &mut Tx<DB>,
        members: &[(CaseMemberKind, &[i64])],
    ) -> StoreResult<Option<Missing>> {
        for (kind, ids) in members {
            let (table, missing) = kind_table(*kind);
            for chunk in ids.chunks(INSERT_CHUNK) {
                let found: Vec<(i64,)> = fetch_all(&mut **tx, |q| {
                    q.push("SELECT id FROM ").push(table).push(" WHERE id IN (");
                    for (i, id) in chunk.iter().enumerate() {
                        q.push(if i == 0 { "" } else { ", " }).bind(*id);
                    }
                    q.push(")");
                })
                .await?;
                if let Some(id) = chunk.iter().find(|id| !found.iter().any(|(f,)| f == *id)) {
                    return Ok(Some(missing(*id)));
                }
            }
        }
        Ok(None)
    }

    /// Adds what the case does not hold yet.
    /// The case locked for a change, or why it may not change: missing, or
    /// closed.
    async fn lock_open_case(tx: &mut Tx<DB>, id: i64) -> StoreResult<Result<CaseRow, Refusal>> {
        let case: Option<CaseRow> = row_by_id(&mut **tx, CASE_FIELDS, "cases", id, true).await?;
        Ok(match case {
            None => Err(Missing::Case(id).into()),
            Some(c) if c.status == CaseStatus::Closed.as_str() => Err(CaseRefusal::Closed.into()),
            Some(c) => Ok(c),
        })
    }

    /// Ends an action on all of a case: the records it made kept with the
    /// case, the case's version moved on, one audit entry for the whole.
    #[allow(clippy::too_many_arguments)]
    async fn conclude_on_case(
        &self,
        mut tx: Tx<DB>,
        claim: &Claim,
        actor: &Actor,
        case_id: i64,
        made: (CaseMemberKind, &[i64]),
        action: &str,
        data: &serde_json::Value,
        decided: Decided,
    ) -> StoreResult<Decided> {
        Self::add_members(&mut tx, case_id, &[made], &actor.id, claim.now).await?;
        execute(&mut *tx, |q| {
            q.push("UPDATE cases SET version = version + 1 WHERE id = ")
                .bind(case_id);
        })
        .await?;
        let entry = Entry::added(action, format!("case:{case_id}"), data)?;
        self.conclude(tx, claim, actor, entry, decided).await
    }

    async fn add_members(
        tx: &mut Tx<DB>,
        case_id: i64,
        members: &[(CaseMemberKind, &[i64])],
        actor: &str,
        now: i64,
    ) -> StoreResult<()> {
        let rows: Vec<(CaseMemberKind, i64)> = members
            .iter()
            .flat_map(|(kind, ids)| ids.iter().map(|id| (*kind, *id)))
            .collect();
        for chunk in rows.chunks(INSERT_CHUNK) {
            execute(&mut **tx, |q| {
                q.push("INSERT INTO case_members (case_id, kind, ref_id, added_by, added_at)");
                q.values(chunk, |t, (kind, id)| {
                    t.bind(case_id)
                        .bind(kind.as_str().to_owned())
                        .bind(*id)
                        .bind(actor.to_owned())
                        .bind(now);
                });
                q.push(" ON CONFLICT (case_id, kind, ref_id) DO NOTHING");
            })
            .await?;
        }
        Ok(())
    }

    /// Closes the case's alerts still open with `disposition`, each as the
    /// officer's own close would (the triage rules, its audit entry, its
    /// count); the first that may not be closed refuses the whole close.
    async fn close_alerts(
        &self,
        tx: &mut Tx<DB>,
        actor: &Actor,
        case_id: i64,
        disposition: Disposition,
        now: i64,
    ) -> StoreResult<Option<CaseRefusal>> {
        let open: Vec<(i64, i64)> = fetch_all(&mut **tx, |q| {
            q.push(
                "SELECT a.id, a.version FROM alerts a JOIN case_members m \
                 ON m.kind = 'alert' AND m.ref_id = a.id WHERE m.case_id = ",
            )
            .bind(case_id);
            q.push(" AND a.status <> 'closed' ORDER BY a.id");
            q.push(for_update::<DB>());
        })
        .await?;
        let close = TriageWrite {
            items: Vec::new(),
            action: TriageAction::Close { disposition },
            note: Some(format!("case #{case_id}")),
            bulk: false,
        };
        for (id, version) in open {
            if let Err(refused) =
                Self::triage_one(tx, actor, None, &close, (id, version), now).await?
            {
                return Ok(Some(CaseRefusal::AlertStaysOpen {
                    alert: id,
                    why: refused.refusal.to_string(),
                }));
            }
        }
        Ok(None)
    }
}
