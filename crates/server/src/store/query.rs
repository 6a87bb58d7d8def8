//! A small SQL builder over sqlx's arguments, shared by both backends.
//!
//! sqlx's own `QueryBuilder` ties the bound values' lifetime to the builder's
//! borrow, which generic code over `Database` cannot satisfy; here a query is
//! built inside a closure and run by [`fetch_optional`], [`fetch_all`] or [`execute`], which
//! own the text for as long as sqlx borrows it.

use sqlx::error::BoxDynError;
use sqlx::{Arguments, Database, Encode, Executor, FromRow, IntoArguments, Type};

use super::StoreResult;

/// SQL text and its bound values, with the backend's own placeholders.
pub struct Query<'q, DB: Database> {
    text: String,
    args: DB::Arguments<'q>,
    /// Whether a WHERE has been written, so that filters can come in any order.
    filtered: bool,
    error: Option<BoxDynError>,
}

impl<'q, DB: Database> Query<'q, DB> {
    fn new() -> Self {
        Query {
            text: String::new(),
            args: Default::default(),
            filtered: false,
            error: None,
        }
    }

    /// Appends trusted SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind<T: 'q + Encode<'q, DB> + Type<DB>>(&mut self, value: T) -> &mut Self {
        if let Err(e) = self.args.add(value) {
            self.error.get_or_insert(e);
        }
        if let Err(e) = self.args.format_placeholder(&mut self.text) {
            self.error.get_or_insert(Box::new(e));
        }
        self
    }

    /// Starts the next condition: ` WHERE ` the first time, ` AND ` after.
    pub fn and(&mut self) -> &mut Self {
        let joiner = if self.filtered { " AND " } else { " WHERE " };
        self.filtered = true;
        self.push(joiner)
    }

    /// Appends `VALUES (…), (…)` with one tuple per row.
    pub fn values<R>(&mut self, rows: &[R], mut tuple: impl FnMut(&mut Tuple<'_, 'q, DB>, &R)) {
        self.push(" VALUES ");
        for (i, row) in rows.iter().enumerate() {
            self.push(if i == 0 { "(" } else { ", (" });
            tuple(
                &mut Tuple {
                    query: self,
                    first: true,
                },
                row,
            );
            self.push(")");
        }
    }

    /// The text and arguments that `build` writes.
    fn built(build: impl FnOnce(&mut Self)) -> StoreResult<(String, DB::Arguments<'q>)> {
        let mut query = Query::new();
        build(&mut query);
        query.into_parts()
    }

    fn into_parts(self) -> StoreResult<(String, DB::Arguments<'q>)> {
        match self.error {
            Some(e) => Err(sqlx::Error::Encode(e)),
            None => Ok((self.text, self.args)),
        }
    }
}

/// The values of one row in [`Query::values`].
pub struct Tuple<'a, 'q, DB: Database> {
    query: &'a mut Query<'q, DB>,
    first: bool,
}

impl<'q, DB: Database> Tuple<'_, 'q, DB> {
    pub fn bind<T: 'q + Encode<'q, DB> + Type<DB>>(&mut self, value: T) -> &mut Self {
        if !self.first {
            self.query.push(", ");
        }
        self.first = false;
        self.query.bind(value);
        self
    }
}

pub async fn fetch_optional<'c, DB, T, E>(
    executor: E,
    build: impl FnOnce(&mut Query<'_, DB>) + Send,
) -> StoreResult<Option<T>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    let (text, args) = Query::built(build)?;
    sqlx::query_as_with::<DB, T, _>(&text, args)
        .fetch_optional(executor)
        .await
}

pub async fn fetch_all<'c, DB, T, E>(
    executor: E,
    build: impl FnOnce(&mut Query<'_, DB>) + Send,
) -> StoreResult<Vec<T>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    T: for<'r> FromRow<'r, DB::Row> + Send + Unpin,
{
    let (text, args) = Query::built(build)?;
    sqlx::query_as_with::<DB, T, _>(&text, args)
        .fetch_all(executor)
        .await
}

pub async fn execute<'c, DB, E>(
    executor: E,
    build: impl FnOnce(&mut Query<'_, DB>) + Send,
) -> StoreResult<()>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    let (text, args) = Query::built(build)?;
    sqlx::query_with::<DB, _>(&text, args)
        .execute(executor)
        .await?;
    Ok(())
}
