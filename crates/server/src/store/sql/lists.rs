//! [`Lists`] over sqlx: the console's keyset-paged lists and an account's
//! own records.

use super::*;

#[for_backends]
#[async_trait::async_trait]
impl<DB> Lists for SqlStore<DB> {
    async fn accounts(
        &self,
        f: &AccountFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<AccountRow>> {
        let order: &[(&str, Dir)] = match f.sort {
            AccountSort::Id => &[("a.id", Dir::Asc)],
            AccountSort::ScoreAsc => &[("a.score", Dir::Asc), ("a.id", Dir::Asc)],
            AccountSort::ScoreDesc => &[("a.score", Dir::Desc), ("a.id", Dir::Desc)],
            AccountSort::UtilisationDesc => &[("a.utilisation_bp", Dir::Desc), ("a.id", Dir::Desc)],
            AccountSort::DpdDesc => &[("a.dpd", Dir::Desc), ("a.id", Dir::Desc)],
            AccountSort::LimitDesc => &[("a.limit_fen", Dir::Desc), ("a.id", Dir::Desc)],
        };
        fetch_page(&self.pool, ACCOUNT_FIELDS, order, page, |q| {
            q.push(ACCOUNT_FROM);
            match &f.search {
                Some(AccountSearch::Id(id)) => {
                    q.and().push("a.id = ").bind(*id);
                }
                Some(AccountSearch::PhoneTail(tail)) => {
                    q.and().push("c.phone_tail = ").bind(tail.clone());
                }
                Some(AccountSearch::NamePrefix(prefix)) => {
                    q.and()
                        .push("c.name_masked LIKE ")
                        .bind(format!("{}%", escape_like(prefix)));
                    q.push(" ESCAPE '\\'");
                }
                None => {}
            }
            eq(q, "a.grade", &f.grade);
            eq(q, "a.status", &f.status);
            eq(q, "c.city", &f.city);
            if let Some((lo, hi)) = f.dpd_range {
                q.and().push("a.dpd >= ").bind(lo);
                if let Some(hi) = hi {
                    q.push(" AND a.dpd <= ").bind(hi);
                }
            }
            cmp(q, "a.utilisation_bp >= ", f.utilisation_min_bp);
            cmp(q, "a.utilisation_bp <= ", f.utilisation_max_bp);
        })
        .await?
        .into_iter()
        .map(|row| self.opened_account(row))
        .collect()
    }

    async fn account(&self, id: i64) -> StoreResult<Option<AccountDetailRow>> {
        let row = self.accounts.read(id).await?;
        row.map(|row| self.opened_detail(row)).transpose()
    }

    async fn owed_before(&self, account_id: i64, before: i64) -> StoreResult<i64> {
        use riskdesk_domain::transaction::{TxKind, TxStatus};
        use strum::IntoEnumIterator;
        let owed: Option<(i64,)> = fetch_optional(&self.pool, |q| {
            // The domain's rule, spelled out as SQL for every kind and status.
            q.push("SELECT CAST(COALESCE(SUM(CASE");
            for kind in TxKind::iter() {
                for status in TxStatus::iter() {
                    let sign = riskdesk_domain::history::owed_change(kind, status, 1);
                    q.push(" WHEN kind = '").push(kind.as_str());
                    q.push("' AND status = '").push(status.as_str());
                    q.push("' THEN ")
                        .push(&sign.to_string())
                        .push(" * amount_fen");
                }
            }
            q.push(" ELSE 0 END), 0) AS BIGINT) FROM transactions WHERE account_id = ")
                .bind(account_id);
            q.push(" AND occurred_at < ").bind(before);
        })
        .await?;
        Ok(owed.map_or(0, |(fen,)| fen))
    }

    async fn transactions(
        &self,
        f: &TransactionFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<TransactionRow>> {
        let order = &[("occurred_at", Dir::Desc), ("id", Dir::Desc)];
        fetch_page(&self.pool, TRANSACTION_FIELDS, order, page, |q| {
            q.push(" FROM transactions");
            q.and().push("account_id = ").bind(f.account_id);
            eq(q, "kind", &f.kind);
            eq(q, "status", &f.status);
            cmp(q, "occurred_at >= ", f.from);
            cmp(q, "occurred_at < ", f.to);
            cmp(q, "amount_fen >= ", f.amount_min_fen);
            cmp(q, "amount_fen <= ", f.amount_max_fen);
            if let Some(merchant) = &f.merchant {
                q.and().push("LOWER(merchant) LIKE ");
                q.bind(format!("%{}%", escape_like(&merchant.to_lowercase())));
                q.push(" ESCAPE '\\'");
            }
        })
        .await
    }

    async fn alerts(&self, f: &AlertFilter, page: &PageRequest) -> StoreResult<Vec<AlertRow>> {
        let order: &[(&str, Dir)] = match f.order {
            AlertSort::Severity => &[
                ("severity_rank", Dir::Desc),
                ("created_at", Dir::Asc),
                ("id", Dir::Asc),
            ],
            AlertSort::Newest => &[("created_at", Dir::Desc), ("id", Dir::Desc)],
            AlertSort::Oldest => &[("created_at", Dir::Asc), ("id", Dir::Asc)],
        };
        fetch_page(&self.pool, ALERT_FIELDS, order, page, |q| {
            alert_conditions(q, f)
        })
        .await
    }

    async fn blacklist(
        &self,
        f: &BlacklistFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<BlacklistRow>> {
        fetch_page(
            &self.pool,
            BLACKLIST_FIELDS,
            &[("id", Dir::Desc)],
            page,
            |q| {
                q.push(" FROM blacklist");
                q.and().push("removed_at IS NULL");
                eq(q, "kind", &f.kind);
                if let Some(text) = &f.text {
                    let pattern = format!("%{}%", escape_like(text));
                    q.and()
                        .push("(value LIKE ")
                        .bind(pattern.clone())
                        .push(" ESCAPE '\\'");
                    q.push(" OR reason LIKE ")
                        .bind(pattern)
                        .push(" ESCAPE '\\')");
                }
                if let Some(now) = f.live_at {
                    q.and()
                        .push("(expires_at IS NULL OR expires_at > ")
                        .bind(now)
                        .push(")");
                }
                if f.removal_pending {
                    q.and().push("removal_requested_by IS NOT NULL");
                }
            },
        )
        .await
    }

    async fn limit_changes(
        &self,
        f: &LimitChangeFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<LimitChangeRow>> {
        fetch_page(
            &self.pool,
            LIMIT_CHANGE_FIELDS,
            &[("id", Dir::Desc)],
            page,
            |q| {
                q.push(" FROM limit_changes");
                eq(q, "status", &f.status);
                cmp(q, "account_id = ", f.account_id);
            },
        )
        .await
    }

    async fn disputes(
        &self,
        f: &DisputeFilter,
        page: &PageRequest,
    ) -> StoreResult<Vec<DisputeRow>> {
        fetch_page(
            &self.pool,
            DISPUTE_FIELDS,
            &[("id", Dir::Desc)],
            page,
            |q| {
                q.push(" FROM disputes");
                eq(q, "status", &f.status);
                cmp(q, "account_id = ", f.account_id);
            },
        )
        .await
    }

    async fn alert_counts(&self, f: &AlertFilter) -> StoreResult<Vec<StatusCount>> {
        let unfiltered = AlertFilter {
            status: None,
            ..f.clone()
        };
        fetch_rows(
            &self.pool,
            "status, COUNT(*) AS count",
            &[("status", Dir::Asc)],
            |q| {
                alert_conditions(q, &unfiltered);
                q.push(" GROUP BY status");
            },
        )
        .await
    }

    async fn blacklist_matches(
        &self,
        probe: &BlacklistProbe,
        now: i64,
    ) -> StoreResult<Vec<BlacklistRow>> {
        let used = |q: &mut Query<'_, DB>, kind: &str, column: &str| {
            q.push(" OR (kind = '")
                .push(kind)
                .push("' AND value IN (SELECT ");
            q.push(column)
                .push(" FROM transactions WHERE account_id = ")
                .bind(probe.account_id)
                .push("))");
        };
        fetch_rows(&self.pool, BLACKLIST_FIELDS, &[("id", Dir::Desc)], |q| {
            q.push(" FROM blacklist");
            q.and().push("removed_at IS NULL");
            q.and()
                .push("(expires_at IS NULL OR expires_at > ")
                .bind(now)
                .push(")");
            q.and().push("((kind = 'customer' AND value = ");
            q.bind(probe.customer_id.to_string()).push(")");
            for (kind, value) in [
                ("phone", &probe.phone),
                ("national_id_hash", &probe.national_id_hash),
                ("geo_area", &probe.geo_area),
            ] {
                q.push(" OR (kind = '").push(kind).push("' AND value = ");
                q.bind(value.clone()).push(")");
            }
            used(q, "device", "device_id");
            used(q, "ip", "ip");
            used(q, "merchant", "merchant");
            q.push(") ORDER BY id DESC LIMIT ").bind(MATCHES_LISTED);
        })
        .await
    }

    async fn freezes(&self, account_id: i64) -> StoreResult<Vec<FreezeRow>> {
        fetch_rows(&self.pool, FREEZE_FIELDS, &[("id", Dir::Desc)], |q| {
            q.push(" FROM freezes");
            q.and().push("account_id = ").bind(account_id);
        })
        .await
    }
}

/// At most this many blacklist matches for one account: a page's worth.
const MATCHES_LISTED: i64 = 200;
