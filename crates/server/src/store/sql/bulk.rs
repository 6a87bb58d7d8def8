//! The large tables: bulk loading them (PostgreSQL's `COPY`, SQLite's
//! multi-row `INSERT`, from one description of each row, [`Columns`]), and
//! PostgreSQL's month partitions of `transactions`.
//!
//! A generated portfolio of a million accounts writes tens of millions of
//! transactions; COPY takes them as one stream of text instead of statements
//! of bound parameters, several times faster (docs/benchmarks.md).

use std::fmt::Write as _;

use futures_util::future::BoxFuture;
use sqlx::{Database, PgConnection, Postgres, Sqlite, SqliteConnection};

use super::super::query::execute;
use super::{INSERT_CHUNK, StoreResult};
use crate::store::{AccountMonthRow, BillRow, TransactionRow};

/// One value of a row, as both backends take it.
pub(super) enum Field<'a> {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<&'a str>),
}

/// A row type that is bulk loaded: its table, its columns, and its values in
/// their order.
pub(super) trait Columns: Sync {
    const TABLE: &'static str;
    const NAMES: &'static str;
    fn fields(&self, field: &mut dyn FnMut(Field<'_>));
}

/// How a backend keeps the large tables.
pub(super) trait LargeTables: Database {
    /// Run before a bulk load and after it, beside the transactions' common
    /// indexes: what keeps order ids unique, and (PostgreSQL) foreign keys.
    const BEFORE_LOAD: &'static [&'static str];
    const AFTER_LOAD: &'static [&'static str];
    /// Run once the whole generation is written (outside any transaction).
    const SETTLE: &'static [&'static str];
    /// The function that creates the missing month partitions of
    /// `transactions` covering `(from_ms, to_ms)` and returns how many;
    /// `None` where transactions are one table.
    const COVER_MONTHS: Option<&'static str>;
    /// The tables whose ids come from sequences, moved past the generated
    /// ids after a bulk load (SQLite's rowids need nothing).
    const ID_SEQUENCES: &'static [&'static str];

    /// Appends `rows` to their table, inside the caller's transaction.
    fn bulk_insert<'c, R: Columns>(
        conn: &'c mut Self::Connection,
        rows: &'c [R],
    ) -> BoxFuture<'c, StoreResult<()>>;
}

impl LargeTables for Sqlite {
    const BEFORE_LOAD: &'static [&'static str] = &["DROP INDEX IF EXISTS transactions_order"];
    const AFTER_LOAD: &'static [&'static str] =
        &["CREATE UNIQUE INDEX IF NOT EXISTS transactions_order ON transactions (order_id)"];
    // Nothing: SQLite plans without statistics (no ANALYZE), and those are
    // the plans measured in docs/benchmarks.md.
    const SETTLE: &'static [&'static str] = &[];
    const COVER_MONTHS: Option<&'static str> = None;
    const ID_SEQUENCES: &'static [&'static str] = &[];

    fn bulk_insert<'c, R: Columns>(
        conn: &'c mut SqliteConnection,
        rows: &'c [R],
    ) -> BoxFuture<'c, StoreResult<()>> {
        Box::pin(async move {
            for chunk in rows.chunks(INSERT_CHUNK) {
                execute(&mut *conn, |q| {
                    q.push("INSERT INTO ")
                        .push(R::TABLE)
                        .push(" (")
                        .push(R::NAMES)
                        .push(")");
                    q.values(chunk, |t, row| {
                        row.fields(&mut |field| {
                            match field {
                                Field::Int(v) => t.bind(v),
                                Field::Real(v) => t.bind(v),
                                Field::Text(v) => t.bind(v.map(str::to_owned)),
                            };
                        });
                    });
                })
                .await?;
            }
            Ok(())
        })
    }
}

/// Bytes of COPY text sent at a time.
const COPY_BUFFER: usize = 1 << 20;

impl LargeTables for Postgres {
    // As in migration 0008. PostgreSQL checks a foreign key row by row as
    // COPY writes, which costs more than the write; checked once at the end
    // it is one join. The same for the order ids' unique key.
    const BEFORE_LOAD: &'static [&'static str] = &[
        "DROP INDEX IF EXISTS transactions_order",
        "ALTER TABLE transaction_orders DROP CONSTRAINT IF EXISTS transaction_orders_pkey",
        "ALTER TABLE transactions DROP CONSTRAINT IF EXISTS transactions_account_id_fkey",
        "ALTER TABLE bills DROP CONSTRAINT IF EXISTS bills_account_id_fkey",
        "ALTER TABLE account_months DROP CONSTRAINT IF EXISTS account_months_account_id_fkey",
    ];
    const AFTER_LOAD: &'static [&'static str] = &[
        "CREATE INDEX IF NOT EXISTS transactions_order ON transactions (order_id)",
        "ALTER TABLE transaction_orders ADD CONSTRAINT transaction_orders_pkey \
         PRIMARY KEY (order_id)",
        "ALTER TABLE transactions ADD CONSTRAINT transactions_account_id_fkey \
         FOREIGN KEY (account_id) REFERENCES accounts (id)",
        "ALTER TABLE bills ADD CONSTRAINT bills_account_id_fkey \
         FOREIGN KEY (account_id) REFERENCES accounts (id)",
        "ALTER TABLE account_months ADD CONSTRAINT account_months_account_id_fkey \
         FOREIGN KEY (account_id) REFERENCES accounts (id)",
    ];
    // Straight after a load the new tables have no statistics and no page
    // is marked all-visible: measured in docs/benchmarks.md, reads 1,853/s
    // before and 2,115-2,232/s after, authorize 773/s and 946/s.
    const SETTLE: &'static [&'static str] = &["VACUUM (ANALYZE)"];
    const COVER_MONTHS: Option<&'static str> = Some("transactions_cover");
    const ID_SEQUENCES: &'static [&'static str] = &[
        "transactions",
        "alerts",
        "limit_changes",
        "blacklist",
        "disputes",
        "freezes",
    ];

    fn bulk_insert<'c, R: Columns>(
        conn: &'c mut PgConnection,
        rows: &'c [R],
    ) -> BoxFuture<'c, StoreResult<()>> {
        Box::pin(async move {
            if rows.is_empty() {
                return Ok(());
            }
            let statement = format!("COPY {} ({}) FROM STDIN", R::TABLE, R::NAMES);
            let mut copy = conn.copy_in_raw(&statement).await?;
            let mut text = String::with_capacity(COPY_BUFFER + 4096);
            for row in rows {
                copy_line(row, &mut text);
                if text.len() >= COPY_BUFFER {
                    copy.send(std::mem::take(&mut text).into_bytes()).await?;
                    text.reserve(COPY_BUFFER + 4096);
                }
            }
            copy.send(text.into_bytes()).await?;
            // An error before this point drops `copy`, which fails the COPY,
            // and the caller's transaction rolls back.
            copy.finish().await?;
            Ok(())
        })
    }
}

/// One row in COPY's text format: tab-separated, `\N` for NULL, with
/// backslash, tab and line breaks escaped.
fn copy_line(row: &impl Columns, text: &mut String) {
    let mut first = true;
    row.fields(&mut |field| {
        if !first {
            text.push('\t');
        }
        first = false;
        match field {
            Field::Int(Some(v)) => {
                let _ = write!(text, "{v}");
            }
            Field::Real(Some(v)) => {
                let _ = write!(text, "{v}");
            }
            Field::Text(Some(v)) => {
                for c in v.chars() {
                    match c {
                        '\\' => text.push_str("\\\\"),
                        '\t' => text.push_str("\\t"),
                        '\n' => text.push_str("\\n"),
                        '\r' => text.push_str("\\r"),
                        c => text.push(c),
                    }
                }
            }
            Field::Int(None) | Field::Real(None) | Field::Text(None) => text.push_str("\\N"),
        }
    });
    text.push('\n');
}

impl Columns for TransactionRow {
    const TABLE: &'static str = "transactions";
    const NAMES: &'static str = super::TRANSACTION_FIELDS;
    fn fields(&self, field: &mut dyn FnMut(Field<'_>)) {
        field(Field::Int(Some(self.id)));
        field(Field::Int(Some(self.account_id)));
        field(Field::Text(Some(&self.kind)));
        field(Field::Text(Some(&self.order_id)));
        field(Field::Text(Some(&self.merchant)));
        field(Field::Text(self.category.as_deref()));
        field(Field::Text(self.channel.as_deref()));
        field(Field::Int(Some(self.amount_fen)));
        field(Field::Int(Some(self.installments.into())));
        field(Field::Text(self.device_id.as_deref()));
        field(Field::Text(self.ip.as_deref()));
        field(Field::Real(self.lat));
        field(Field::Real(self.lon));
        field(Field::Text(self.city.as_deref()));
        field(Field::Text(Some(&self.status)));
        field(Field::Text(self.decision.as_deref()));
        field(Field::Text(self.rule_hits.as_deref()));
        field(Field::Int(Some(self.occurred_at)));
        field(Field::Text(self.decline_reason.as_deref()));
        field(Field::Text(self.grade.as_deref()));
        field(Field::Int(self.rules_version));
        field(Field::Int(self.shadow_version));
        field(Field::Text(self.shadow_decision.as_deref()));
        field(Field::Text(self.shadow_hits.as_deref()));
    }
}

impl Columns for BillRow {
    const TABLE: &'static str = "bills";
    const NAMES: &'static str = "id, account_id, bill_date, due_date, amount_fen, remaining_fen";
    fn fields(&self, field: &mut dyn FnMut(Field<'_>)) {
        field(Field::Int(Some(self.id)));
        field(Field::Int(Some(self.account_id)));
        field(Field::Int(Some(self.bill_date.into())));
        field(Field::Int(Some(self.due_date.into())));
        field(Field::Int(Some(self.amount_fen)));
        field(Field::Int(Some(self.remaining_fen)));
    }
}

impl Columns for AccountMonthRow {
    const TABLE: &'static str = "account_months";
    const NAMES: &'static str =
        "month, account_id, grade, city, cohort, dpd, limit_fen, balance_fen";
    fn fields(&self, field: &mut dyn FnMut(Field<'_>)) {
        field(Field::Int(Some(self.month.into())));
        field(Field::Int(Some(self.account_id)));
        field(Field::Text(Some(&self.grade)));
        field(Field::Text(Some(&self.city)));
        field(Field::Int(Some(self.cohort.into())));
        field(Field::Int(Some(self.dpd.into())));
        field(Field::Int(Some(self.limit_fen)));
        field(Field::Int(Some(self.balance_fen)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sample(Option<&'static str>, Option<f64>);

    impl Columns for Sample {
        const TABLE: &'static str = "sample";
        const NAMES: &'static str = "a, b, c";
        fn fields(&self, field: &mut dyn FnMut(Field<'_>)) {
            field(Field::Int(Some(-7)));
            field(Field::Text(self.0));
            field(Field::Real(self.1));
        }
    }

    #[test]
    fn copy_text_escapes_what_copy_would_read_as_structure() {
        let mut text = String::new();
        copy_line(&Sample(Some("a\tb\\c\nd\re"), Some(31.25)), &mut text);
        copy_line(&Sample(None, None), &mut text);
        assert_eq!(text, "-7\ta\\tb\\\\c\\nd\\re\t31.25\n-7\t\\N\t\\N\n");
    }
}
