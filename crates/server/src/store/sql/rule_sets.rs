//! [`RuleSets`] over sqlx: versions saved once, then moved through their
//! statuses as the operators' decisions are (lock, check the version and
//! the domain's rule, write, audit, record the outcome).

use riskdesk_domain::refusal::{Missing, Refusal};
use riskdesk_domain::rule_sets::{RuleSetStatus, may_publish, may_shadow};

use super::decisions::row_by_id;
use super::*;

const RULE_SET_FIELDS: &str = "id, status, rules, based_on, author, note, created_at, \
    published_by, published_at, version";

/// What the trail keeps of a step on a version: where it stands, not its
/// rules again (the draft's entry has them), and on a publish the backtest
/// the approver had before them (the version's newest finished one).
#[derive(serde::Serialize)]
struct Standing<'a> {
    id: i64,
    status: &'a str,
    published_by: Option<&'a str>,
    published_at: Option<i64>,
    version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    backtest: Option<i64>,
}

impl RuleSetRow {
    fn standing(&self, backtest: Option<i64>) -> Standing<'_> {
        Standing {
            id: self.id,
            status: &self.status,
            published_by: self.published_by.as_deref(),
            published_at: self.published_at,
            version: self.version,
            backtest,
        }
    }
}

#[for_backends]
#[async_trait::async_trait]
impl<DB> RuleSets for SqlStore<DB> {
    async fn live_rule_set(&self) -> StoreResult<Option<RuleSetRow>> {
        with_status(&self.pool, RuleSetStatus::Live).await
    }

    async fn rule_sets_in_force(&self) -> StoreResult<(Option<i64>, Option<i64>)> {
        let rows: Vec<(i64, String)> = fetch_all(&self.pool, |q| {
            q.push("SELECT id, status FROM rule_sets WHERE status IN ('live', 'shadow')");
        })
        .await?;
        let with = |status: &str| rows.iter().find(|(_, s)| s == status).map(|(id, _)| *id);
        Ok((with("live"), with("shadow")))
    }

    async fn shadow_rule_set(&self) -> StoreResult<Option<RuleSetRow>> {
        with_status(&self.pool, RuleSetStatus::Shadow).await
    }

    async fn rule_sets(&self, limit: u32) -> StoreResult<Vec<RuleSetRow>> {
        fetch_all(&self.pool, |q| {
            q.push("SELECT ")
                .push(RULE_SET_FIELDS)
                .push(" FROM rule_sets ORDER BY id DESC LIMIT ")
                .bind(i64::from(limit));
        })
        .await
    }

    async fn rule_set(&self, id: i64) -> StoreResult<Option<RuleSetRow>> {
        row_by_id(&self.pool, RULE_SET_FIELDS, "rule_sets", id, false).await
    }

    async fn install_rule_set(&self, rules: &str, note: &str, now: i64) -> StoreResult<RuleSetRow> {
        if let Some(live) = self.live_rule_set().await? {
            return Ok(live);
        }
        let inserted: Result<Option<RuleSetRow>, _> = fetch_optional(&self.pool, |q| {
            q.push(
                "INSERT INTO rule_sets (status, rules, author, note, created_at, published_by, \
                 published_at)",
            );
            q.values(&[()], |t, ()| {
                t.bind("live".to_owned())
                    .bind(rules.to_owned())
                    .bind("system".to_owned())
                    .bind(note.to_owned())
                    .bind(now)
                    .bind("system".to_owned())
                    .bind(now);
            });
            q.push(" RETURNING ").push(RULE_SET_FIELDS);
        })
        .await;
        match inserted {
            Ok(row) => row.ok_or(sqlx::Error::RowNotFound),
            // Another instance installed them a moment ago.
            Err(e) if is_unique_violation(&e) => {
                self.live_rule_set().await?.ok_or(sqlx::Error::RowNotFound)
            }
            Err(e) => Err(e),
        }
    }

    async fn save_rule_draft(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &RuleDraftWrite,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        if let Some(base) = w.based_on {
            let exists: Option<RuleSetRow> =
                row_by_id(&mut *tx, RULE_SET_FIELDS, "rule_sets", base, false).await?;
            if exists.is_none() {
                return self.refuse(tx, claim, Missing::RuleSet(base)).await;
            }
        }
        let row: RuleSetRow = fetch_optional(&mut *tx, |q| {
            q.push("INSERT INTO rule_sets (status, rules, based_on, author, note, created_at)");
            q.values(&[()], |t, ()| {
                t.bind("draft".to_owned())
                    .bind(w.rules.clone())
                    .bind(w.based_on)
                    .bind(actor.id.clone())
                    .bind(w.note.clone())
                    .bind(claim.now);
            });
            q.push(" RETURNING ").push(RULE_SET_FIELDS);
        })
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
        let entry = Entry::added("rules.draft", format!("rule_set:{}", row.id), &row)?;
        self.conclude(tx, claim, actor, entry, Decided::RuleSet(row))
            .await
    }

    async fn step_rule_set(
        &self,
        claim: &Claim,
        actor: &Actor,
        (id, version): (i64, i64),
        step: RuleSetStep,
    ) -> StoreResult<Decided> {
        let mut tx = self.begin_write().await?;
        let before: Option<RuleSetRow> =
            row_by_id(&mut *tx, RULE_SET_FIELDS, "rule_sets", id, true).await?;
        let Some(before) = before else {
            return self.refuse(tx, claim, Missing::RuleSet(id)).await;
        };
        if before.version != version {
            return self.stale(tx, claim, Decided::RuleSet(before)).await;
        }
        let status = RuleSetStatus::from_str(&before.status).map_err(|e| decode_error(e.into()))?;
        let allowed = match step {
            RuleSetStep::Publish => may_publish(id, &before.author, status, &actor.id),
            RuleSetStep::Shadow => may_shadow(status),
        };
        if let Err(why) = allowed {
            return self.refuse(tx, claim, why).await;
        }
        if step == RuleSetStep::Publish && !Self::spend_step(&mut tx, actor).await? {
            return self.refuse(tx, claim, Refusal::StepUsed).await;
        }
        // The one in the status this version takes makes way for it.
        let (making_way, to) = match step {
            RuleSetStep::Publish => ("live", "retired"),
            RuleSetStep::Shadow => ("shadow", "draft"),
        };
        execute(&mut *tx, |q| {
            q.push("UPDATE rule_sets SET status = ").bind(to.to_owned());
            q.push(", version = version + 1 WHERE status = ")
                .bind(making_way.to_owned());
        })
        .await?;
        let updated: Result<Option<RuleSetRow>, _> = fetch_optional(&mut *tx, |q| {
            q.push("UPDATE rule_sets SET status = ")
                .bind(making_way.to_owned());
            if step == RuleSetStep::Publish {
                q.push(", published_by = ").bind(actor.id.clone());
                q.push(", published_at = ").bind(claim.now);
            }
            q.push(", version = version + 1 WHERE id = ").bind(id);
            q.push(" RETURNING ").push(RULE_SET_FIELDS);
        })
        .await;
        let after = match updated {
            Ok(row) => row.ok_or(sqlx::Error::RowNotFound)?,
            // Another version took that status while this step was deciding.
            Err(e) if is_unique_violation(&e) => {
                return self.stale(tx, claim, Decided::RuleSet(before)).await;
            }
            Err(e) => return Err(e),
        };
        let action = match step {
            RuleSetStep::Publish => "rules.publish",
            RuleSetStep::Shadow => "rules.shadow",
        };
        let attached: Option<(i64,)> = match step {
            RuleSetStep::Publish => {
                fetch_optional(&mut *tx, |q| {
                    q.push("SELECT id FROM backtests WHERE status = 'done' AND rule_set_id = ")
                        .bind(id);
                    q.push(" ORDER BY id DESC LIMIT 1");
                })
                .await?
            }
            RuleSetStep::Shadow => None,
        };
        let target = format!("rule_set:{id}");
        let (before, after_standing) = (
            before.standing(None),
            after.standing(attached.map(|(id,)| id)),
        );
        let entry = Entry::changed(action, target, &before, &after_standing)?;
        self.conclude(tx, claim, actor, entry, Decided::RuleSet(after))
            .await
    }
}

async fn with_status<'c, DB>(
    executor: impl Executor<'c, Database = DB>,
    status: RuleSetStatus,
) -> StoreResult<Option<RuleSetRow>>
where
    DB: Database,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB>,
    RuleSetRow: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    fetch_optional(executor, |q| {
        q.push("SELECT ")
            .push(RULE_SET_FIELDS)
            .push(" FROM rule_sets WHERE status = ")
            .bind(status.as_str().to_owned());
    })
    .await
}
