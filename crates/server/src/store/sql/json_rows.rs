//! Many values bound as one JSON array and read as a table: the statement
//! is the same whatever their number, so each backend prepares it once (a
//! VALUES list would be a new statement for every length). PostgreSQL reads
//! it as `jsonb`: parsed once, where `json` parses an object again for each
//! field read from it (a batch's payments insert took twice as long).

use super::*;

/// The elements of `list` (scalars) as a table `a` with one column, `value`
/// (text on PostgreSQL).
pub(super) fn json_values<'q, DB: Database>(q: &mut Query<'q, DB>, list: serde_json::Value)
where
    String: 'q + Encode<'q, DB> + Type<DB>,
{
    if DB::NAME == "PostgreSQL" {
        q.push("jsonb_array_elements_text(CAST(")
            .bind(list.to_string());
        q.push(" AS jsonb)) AS a(value)");
    } else {
        q.push("json_each(").bind(list.to_string()).push(") AS a");
    }
}

/// ` column IN` the elements of `list` (as `sql_type`). On PostgreSQL as
/// `= ANY` of an array: a generic plan assumes a function returns 100 rows
/// and would scan a table to join them, but takes an array for a few
/// elements and looks each up in the index.
pub(super) fn one_of<'q, DB: Database>(
    q: &mut Query<'q, DB>,
    column: &str,
    list: serde_json::Value,
    sql_type: &str,
) where
    String: 'q + Encode<'q, DB> + Type<DB>,
{
    q.push(" ").push(column);
    if DB::NAME == "PostgreSQL" {
        q.push(&format!(
            " = ANY(ARRAY(SELECT CAST(value AS {sql_type}) FROM "
        ));
        json_values(q, list);
        q.push("))");
    } else {
        q.push(" IN (SELECT value FROM ");
        json_values(q, list);
        q.push(")");
    }
}

/// ` column` equal to the one key, or [`one_of`] several. A statement for
/// one record keeps its plain form: the list's was measured 10–20 % slower
/// for one (docs/benchmarks.md).
pub(super) fn is_one_of<'q, DB, K>(q: &mut Query<'q, DB>, column: &str, keys: &[K], sql_type: &str)
where
    DB: Database,
    String: 'q + Encode<'q, DB> + Type<DB>,
    K: 'q + Encode<'q, DB> + Type<DB> + serde::Serialize + Clone,
{
    match keys {
        [key] => {
            q.push(" ").push(column).push(" = ").bind(key.clone());
        }
        _ => one_of(q, column, serde_json::json!(keys), sql_type),
    }
}

/// The objects of `rows` as a table `r`, one row each; [`field`] reads
/// their fields.
pub(super) fn json_objects<'q, DB: Database>(q: &mut Query<'q, DB>, rows: &impl serde::Serialize)
where
    String: 'q + Encode<'q, DB> + Type<DB>,
{
    // A list of plain rows always serializes.
    let rows = serde_json::to_string(rows).unwrap_or_else(|_| "[]".to_owned());
    if DB::NAME == "PostgreSQL" {
        q.push("jsonb_array_elements(CAST(")
            .bind(rows)
            .push(" AS jsonb)) AS r(value)");
    } else {
        q.push("json_each(").bind(rows).push(") AS r");
    }
}

/// The field `name` of a row of [`json_objects`], as `sql_type` (both
/// databases read `->> 'name'` as the field's value, NULL if it is null).
pub(super) fn field(name: &str, sql_type: &str) -> String {
    format!("CAST(r.value ->> '{name}' AS {sql_type})")
}

/// `columns` (name and SQL type) read from [`json_objects`]' rows, in order.
pub(super) fn fields(columns: &[(&str, &str)]) -> String {
    columns
        .iter()
        .map(|(name, sql_type)| field(name, sql_type))
        .collect::<Vec<_>>()
        .join(", ")
}
