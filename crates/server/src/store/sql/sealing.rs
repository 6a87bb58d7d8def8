//! Sealing at rest over sqlx: the values the store seals on the way in
//! (`DataKeys`), opened on the way out, and sealed again in place — once for
//! a database written before sealing, and by `rotate-key` under a new key.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use super::*;

/// Rows read and sealed again per transaction.
const RESEAL_PAGE: i64 = 1_000;

impl<DB: Database> SqlStore<DB> {
    pub(super) fn open(&self, stored: &str) -> StoreResult<String> {
        self.keys
            .open(stored)
            .map_err(|e| sqlx::Error::Decode(e.into()))
    }

    pub(super) fn opened_account(&self, row: AccountRow) -> StoreResult<AccountRow> {
        Ok(AccountRow {
            phone: self.open(&row.phone)?,
            ..row
        })
    }

    pub(super) fn opened_detail(&self, row: AccountDetailRow) -> StoreResult<AccountDetailRow> {
        Ok(AccountDetailRow {
            name: self.open(&row.name)?,
            national_id: self.open(&row.national_id)?,
            account: self.opened_account(row.account)?,
            ..row
        })
    }

    pub(super) fn index_national_id(&self, national_id: &str) -> String {
        self.keys.index_national_id(national_id)
    }
}

/// The unkeyed SHA-256 the blacklist listed national IDs by before sealing:
/// what an old database's entries hold, to be moved to the keyed hash.
fn unkeyed_national_id_hash(national_id: &str) -> String {
    let digest = Sha256::digest(format!("riskdesk-national-id:{national_id}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[for_backends]
impl<DB> SqlStore<DB> {
    pub(super) async fn reseal_all(&self) -> StoreResult<Resealed> {
        let mut resealed = Resealed::default();
        // Entries by the old unkeyed hash, to move to the keyed one.
        let unkeyed: Vec<(String,)> = fetch_all(&self.pool, |q| {
            q.push("SELECT value FROM blacklist WHERE kind = 'national_id_hash'");
        })
        .await?;
        let unkeyed: HashSet<String> = unkeyed.into_iter().map(|(v,)| v).collect();
        let mut after = 0_i64;
        loop {
            let page: Vec<(i64, String, String, String)> = fetch_all(&self.pool, |q| {
                q.push("SELECT id, name, phone, national_id FROM customers WHERE id > ")
                    .bind(after);
                q.push(" ORDER BY id LIMIT ").bind(RESEAL_PAGE);
            })
            .await?;
            let Some(last) = page.last() else { break };
            after = last.0;
            let mut tx = self.pool.begin().await?;
            for (id, name, phone, national_id) in &page {
                if [name, phone, national_id]
                    .iter()
                    .all(|v| self.keys.is_current(v))
                {
                    continue;
                }
                let (plain_name, plain_phone, plain_id) =
                    (self.open(name)?, self.open(phone)?, self.open(national_id)?);
                let changed: Option<(i64,)> = fetch_optional(&mut *tx, |q| {
                    q.push("UPDATE customers SET name = ")
                        .bind(self.keys.seal(&plain_name));
                    q.push(", phone = ").bind(self.keys.seal(&plain_phone));
                    q.push(", national_id = ").bind(self.keys.seal(&plain_id));
                    // Unless the service changed the row meanwhile.
                    q.push(" WHERE id = ").bind(*id);
                    q.push(" AND name = ").bind(name.clone());
                    q.push(" AND phone = ").bind(phone.clone());
                    q.push(" AND national_id = ").bind(national_id.clone());
                    q.push(" RETURNING id");
                })
                .await?;
                resealed.customers += u64::from(changed.is_some());
                let old = unkeyed_national_id_hash(&plain_id);
                if !DataKeys::is_sealed(national_id) && unkeyed.contains(&old) {
                    let moved: Vec<(i64,)> = fetch_all(&mut *tx, |q| {
                        q.push("UPDATE blacklist SET value = ")
                            .bind(self.keys.index_national_id(&plain_id));
                        q.push(" WHERE kind = 'national_id_hash' AND value = ")
                            .bind(old);
                        q.push(" RETURNING id");
                    })
                    .await?;
                    resealed.blacklist += moved.len() as u64;
                }
            }
            tx.commit().await?;
        }
        let operators: Vec<(String, String)> = fetch_all(&self.pool, |q| {
            q.push("SELECT id, totp_secret FROM operators");
        })
        .await?;
        for (id, secret) in operators {
            if self.keys.is_current(&secret) {
                continue;
            }
            let sealed = self.keys.seal(&self.open(&secret)?);
            let changed: Option<(String,)> = fetch_optional(&self.pool, |q| {
                q.push("UPDATE operators SET totp_secret = ").bind(sealed);
                q.push(" WHERE id = ").bind(id.clone());
                q.push(" AND totp_secret = ").bind(secret.clone());
                q.push(" RETURNING id");
            })
            .await?;
            resealed.operators += u64::from(changed.is_some());
        }
        Ok(resealed)
    }

    pub(super) async fn check_key(&self) -> anyhow::Result<()> {
        let sealed: Option<(String,)> = fetch_optional(&self.pool, |q| {
            q.push("SELECT totp_secret FROM operators WHERE totp_secret LIKE 'sealed:%' LIMIT 1");
        })
        .await?;
        if let Some((sealed,)) = sealed {
            self.keys.open(&sealed).map_err(|e| {
                anyhow::anyhow!(
                    "this database was sealed with another data key than the one given \
                     ({}): {e}",
                    self.keys.key_id()
                )
            })?;
        }
        Ok(())
    }
}
