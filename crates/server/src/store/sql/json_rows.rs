//! Many values bound as one JSON array and read as a table: the statement
//! is the same whatever their number, so each backend prepares it once (a
//! VALUES list would be a new statement for every length).

use super::*;

/// The elements of `list` (scalars) as a table `a` with one column, `value`
/// (text on PostgreSQL: see [`element`]).
pub(super) fn json_values<'q, DB: Database>(q: &mut Query<'q, DB>, list: serde_json::Value)
where
    String: 'q + Encode<'q, DB> + Type<DB>,
{
    if DB::NAME == "PostgreSQL" {
        q.push("json_array_elements_text(CAST(")
            .bind(list.to_string());
        q.push(" AS json)) AS a(value)");
    } else {
        q.push("json_each(").bind(list.to_string()).push(") AS a");
    }
}

/// An element of [`json_values`] as `sql_type`.
pub(super) fn element(sql_type: &str) -> String {
    format!("CAST(a.value AS {sql_type})")
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
        q.push("json_array_elements(CAST(")
            .bind(rows)
            .push(" AS json)) AS r(value)");
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
