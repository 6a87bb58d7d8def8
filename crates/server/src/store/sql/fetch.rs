//! Reading many rows, for every store: filters written into a [`Query`],
//! keyset pages, and rows fetched as one JSON value.

use super::*;

/// ` FROM alerts WHERE …` for an alert filter.
pub(super) fn alert_conditions<'q, DB: Database>(q: &mut Query<'q, DB>, f: &AlertFilter)
where
    String: Type<DB> + Encode<'q, DB>,
    i64: Type<DB> + Encode<'q, DB>,
{
    q.push(" FROM alerts");
    eq(q, "status", &f.status);
    eq(q, "rule", &f.rule);
    cmp(q, "severity_rank = ", f.severity_rank.map(i64::from));
    match &f.assignee {
        Some(Assignee::Nobody) => {
            q.and().push("assignee IS NULL");
        }
        Some(Assignee::Operator(id)) => {
            q.and().push("assignee = ").bind(id.clone());
        }
        None => {}
    }
    cmp(q, "account_id = ", f.account_id);
    cmp(q, "created_at >= ", f.created_from);
    cmp(q, "created_at <= ", f.created_to);
}

/// `AND column = value` when a value is given.
pub(super) fn eq<'q, DB: Database>(q: &mut Query<'q, DB>, column: &str, value: &Option<String>)
where
    String: Type<DB> + Encode<'q, DB>,
{
    if let Some(value) = value {
        q.and().push(column).push(" = ").bind(value.clone());
    }
}

/// `AND <column_and_operator> value` when a value is given; the first
/// argument is trusted SQL such as `"amount_fen >= "`.
pub(super) fn cmp<'q, DB: Database>(
    q: &mut Query<'q, DB>,
    column_and_operator: &str,
    value: Option<i64>,
) where
    i64: Type<DB> + Encode<'q, DB>,
{
    if let Some(value) = value {
        q.and().push(column_and_operator).bind(value);
    }
}

/// Runs a keyset-paged list: `build` writes ` FROM … WHERE …` for a query
/// selecting `fields`; the page condition, order and limit are added here.
pub(super) async fn fetch_page<'c, DB, T, E>(
    executor: E,
    fields: &str,
    order: &[(&str, Dir)],
    page: &PageRequest,
    build: impl FnOnce(&mut Query<'_, DB>) + Send,
) -> StoreResult<Vec<T>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    i64: Type<DB> + for<'q> Encode<'q, DB>,
    Option<String>: Type<DB> + for<'r> Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
    T: DeserializeOwned,
{
    fetch_rows(executor, fields, order, |q| {
        build(q);
        page_after(q, order, page);
    })
    .await
}

/// Runs `SELECT fields` + `build` and decodes its rows, kept in `order`
/// (with no `order`, in whatever order the aggregate gives: the caller sorts).
///
/// The rows come back as one JSON array in one result row, its objects
/// decoded by field name. sqlx's SQLite driver hands each result row from its
/// worker thread to the async task separately, and for a page of 50 that
/// hand-over cost more than the query itself (docs/benchmarks.md).
pub(super) async fn fetch_rows<'c, DB, T, E>(
    executor: E,
    fields: &str,
    order: &[(&str, Dir)],
    build: impl FnOnce(&mut Query<'_, DB>) + Send,
) -> StoreResult<Vec<T>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    Option<String>: Type<DB> + for<'r> Decode<'r, DB>,
    usize: ColumnIndex<DB::Row>,
    T: DeserializeOwned,
{
    let names: Vec<&str> = fields.split(',').map(|f| bare(f.trim())).collect();
    let (aggregate, object) = json_functions::<DB>();
    let pairs: Vec<String> = names.iter().map(|n| format!("'{n}', {n}")).collect();
    let outer_order: Vec<String> = order
        .iter()
        .map(|(column, dir)| {
            format!(
                "{} {}",
                bare(column),
                if *dir == Dir::Asc { "ASC" } else { "DESC" }
            )
        })
        .collect();
    let row: Option<(Option<String>,)> = fetch_optional(executor, |q| {
        q.push("SELECT CAST(")
            .push(aggregate)
            .push("(")
            .push(object)
            .push("(");
        q.push(&pairs.join(", ")).push(")");
        if !outer_order.is_empty() {
            q.push(" ORDER BY ").push(&outer_order.join(", "));
        }
        q.push(") AS TEXT) FROM (SELECT ").push(fields);
        build(q);
        q.push(") AS rows");
    })
    .await?;
    json_list(row.and_then(|(json,)| json))
}

/// A JSON array column; NULL is an empty list.
pub(super) fn json_list<T: DeserializeOwned>(json: Option<String>) -> StoreResult<Vec<T>> {
    match json {
        Some(json) => serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e))),
        None => Ok(Vec::new()),
    }
}

/// The backend's JSON array aggregate and object constructor.
/// Many rows of a few columns in one value: the database builds a JSON
/// array of arrays (`columns` in order, as `T`'s fields or a tuple) and
/// Rust parses it. For the large reads of history, where sqlx's SQLite
/// driver, handing over each row from its worker thread, costs eight times
/// what SQLite does; `rest` continues the query after `FROM`. Megabytes are
/// parsed where this is awaited: its callers run off the async workers.
pub(super) async fn fetch_as_json<'c, DB, T, E>(
    executor: E,
    columns: &str,
    rest: impl FnOnce(&mut Query<'_, DB>) + Send,
) -> StoreResult<Vec<T>>
where
    DB: Database,
    E: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    String: Type<DB> + for<'r> Decode<'r, DB>,
    for<'s> &'s str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
    T: DeserializeOwned,
{
    let (aggregate, array) = if DB::NAME == "PostgreSQL" {
        ("json_agg", "json_build_array")
    } else {
        ("json_group_array", "json_array")
    };
    let row: Option<(Option<String>,)> = fetch_optional(executor, |q| {
        q.push("SELECT CAST(").push(aggregate).push("(").push(array);
        q.push("(").push(columns).push(")) AS TEXT) FROM ");
        rest(q);
    })
    .await?;
    json_list(row.and_then(|(json,)| json))
}

pub(super) fn json_functions<DB: Database>() -> (&'static str, &'static str) {
    if DB::NAME == "PostgreSQL" {
        ("json_agg", "json_build_object")
    } else {
        ("json_group_array", "json_object")
    }
}

/// Outside the inner query, columns go by their bare names (`a.score` is
/// `score`, `COUNT(*) AS count` is `count`).
fn bare(column: &str) -> &str {
    let named = column.rsplit(" AS ").next().unwrap_or(column);
    named.rsplit('.').next().unwrap_or(named)
}

/// Appends the keyset condition ("after the previous page's last row"), the
/// ORDER BY and the LIMIT. Sort keys are integers and the last one is unique,
/// so a page never skips or repeats a row, and a deep page costs what the
/// first does.
fn page_after<'q, DB: Database>(q: &mut Query<'q, DB>, order: &[(&str, Dir)], page: &PageRequest)
where
    i64: Type<DB> + Encode<'q, DB>,
{
    if let Some(after) = page.after.as_ref().filter(|a| a.len() == order.len()) {
        q.and();
        after_keys(q, order, after);
    }
    q.push(" ORDER BY ");
    for (i, (column, dir)) in order.iter().enumerate() {
        q.push(if i == 0 { "" } else { ", " }).push(column);
        q.push(if *dir == Dir::Asc { " ASC" } else { " DESC" });
    }
    q.push(" LIMIT ").bind(i64::from(page.limit));
}

/// Mixed directions are spelled out: `(a < x OR (a = x AND (b > y)))`.
fn after_keys<'q, DB: Database>(q: &mut Query<'q, DB>, order: &[(&str, Dir)], after: &[i64])
where
    i64: Type<DB> + Encode<'q, DB>,
{
    let Some(((column, dir), rest)) = order.split_first() else {
        return;
    };
    let beyond = if *dir == Dir::Asc { " > " } else { " < " };
    q.push("(").push(column).push(beyond).bind(after[0]);
    if !rest.is_empty() {
        q.push(" OR (")
            .push(column)
            .push(" = ")
            .bind(after[0])
            .push(" AND ");
        after_keys(q, rest, &after[1..]);
        q.push(")");
    }
    q.push(")");
}

/// Escapes LIKE wildcards so that user text matches literally.
pub(super) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
