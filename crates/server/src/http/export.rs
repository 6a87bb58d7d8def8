//! CSV exports of the lists an operator can read: an account's
//! transactions, the alert queue, disputes and the audit trail, under the
//! same filters as the lists. UTF-8 with a byte-order mark, so that
//! spreadsheet applications read Chinese text correctly; streamed a page of
//! rows at a time by keyset, so a million rows never sit in memory; and the
//! export itself is recorded in the audit trail. Each code (a rule, a
//! status, a kind, an audit action) keeps its own column for filtering, and
//! beside it the same in words in the reader's language (`Accept-Language`:
//! English for `en…`, else Chinese), as is an alert's evidence; times are
//! in UTC and beside them in China time. An operator runs at most
//! two at once; an export ends when its client goes away or after
//! [`EXPORT_TIME_LIMIT`].

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use riskdesk_api::ProblemCode;
use riskdesk_api::audit::AuditQuery;
use riskdesk_api::csv::{BOM, push_line};
use riskdesk_api::lists::{AlertQuery, DisputeQuery, TransactionQuery};
use riskdesk_domain::alert::Severity;
use riskdesk_domain::billing::CHINA_OFFSET;
use riskdesk_domain::evidence::{Finding, evidence_text};
use riskdesk_domain::operator::Permission;
use riskdesk_domain::words::{self, Lang};

use super::AppState;
use super::paging::unpaged;
use super::problem::{ApiError, ApiResult, Params, PathParam};
use super::session::Signed;
use super::throttle::{EXPORTS_PER_OPERATOR, ExportSlot};
use crate::clock::utc;
use crate::store::{AuditRecord, PageRequest, StoreResult};

/// Rows read per page while streaming.
const PAGE: u32 = 5_000;
/// An export still streaming after this long ends, broken.
pub const EXPORT_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

/// An account's transactions as CSV, newest first.
#[utoipa::path(get, path = "/v1/accounts/{id}/transactions.csv", tag = "accounts",
    params(("id" = i64, Path), TransactionQuery, ("Accept-Language" = Option<String>, Header, description = "The language of the columns in words: English for `en…`, else Chinese")), security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = riskdesk_api::Problem),
        (status = 429, body = riskdesk_api::Problem, description = "Two exports of the operator's are still running")))]
pub async fn transactions(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
    Params(query): Params<TransactionQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = reader_lang(&headers);
    signed.require(Permission::ReadTransactions)?;
    unpaged(query.cursor.as_deref(), query.limit)?;
    let filter = super::accounts::transaction_filter(id, &query)?;
    if state.store.account(id).await?.is_none() {
        return Err(super::problem::ApiError::not_found(format!("account {id}")));
    }
    let slot = slot(&state, &signed)?;
    audit_export(&state, &signed, "transactions", &filter).await?;
    let store = state.store.clone();
    Ok(csv(
        slot,
        "transactions",
        &headings(
            lang,
            &[
                Code("id"),
                Code("time_utc"),
                Words("时间（北京时间）", "Time (China)"),
                Code("kind"),
                Words("类型", "Kind"),
                Code("order_id"),
                Code("merchant"),
                Code("category"),
                Words("商户类别", "Category"),
                Code("channel"),
                Words("渠道", "Channel"),
                Code("amount"),
                Code("installments"),
                Code("status"),
                Words("状态", "Status"),
                Code("decision"),
                Words("决策", "Decision"),
                Code("decline_reason"),
                Words("拒绝原因", "Decline reason"),
                Code("rules"),
                Words("命中规则", "Rules hit"),
                Code("city"),
            ],
        ),
        move |page| {
            let (store, filter) = (store.clone(), filter.clone());
            async move { store.transactions(&filter, &page).await }
        },
        |row| vec![row.occurred_at, row.id],
        move |row| {
            let amount = riskdesk_domain::money::Money::from_fen(row.amount_fen)
                .map(|m| m.to_string())
                .unwrap_or_default();
            let rules = row
                .rule_hits
                .as_deref()
                .and_then(|h| serde_json::from_str::<Vec<serde_json::Value>>(h).ok())
                .map(|hits| {
                    hits.iter()
                        .filter_map(|h| h["rule"].as_str().map(str::to_owned))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            let rules_in_words = rules
                .iter()
                .map(|r| words::word(lang, r))
                .collect::<Vec<_>>();
            let (category, channel) = (
                row.category.unwrap_or_default(),
                row.channel.unwrap_or_default(),
            );
            let (decision, declined) = (
                row.decision.unwrap_or_default(),
                row.decline_reason.unwrap_or_default(),
            );
            vec![
                row.id.to_string(),
                utc(row.occurred_at).to_rfc3339(),
                china_time(row.occurred_at),
                row.kind.clone(),
                in_words(lang, &row.kind),
                row.order_id,
                row.merchant,
                category.clone(),
                in_words(lang, &category),
                channel.clone(),
                in_words(lang, &channel),
                amount,
                row.installments.to_string(),
                row.status.clone(),
                in_words(lang, &row.status),
                decision.clone(),
                in_words(lang, &decision),
                declined.clone(),
                in_words(lang, &declined),
                rules.join(" "),
                rules_in_words.join(if lang == Lang::Zh { "、" } else { ", " }),
                row.city.unwrap_or_default(),
            ]
        },
    ))
}

/// The alert queue as CSV, under the queue's filters and order.
#[utoipa::path(get, path = "/v1/alerts.csv", tag = "alerts", params(AlertQuery, ("Accept-Language" = Option<String>, Header, description = "The language of the columns in words: English for `en…`, else Chinese")),
    security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = riskdesk_api::Problem),
        (status = 429, body = riskdesk_api::Problem, description = "Two exports of the operator's are still running")))]
pub async fn alerts(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<AlertQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = reader_lang(&headers);
    signed.require(Permission::ReadAlerts)?;
    unpaged(query.cursor.as_deref(), query.limit)?;
    let filter = super::alerts::alert_filter(&query, state.clock.now_ms())?;
    let slot = slot(&state, &signed)?;
    audit_export(&state, &signed, "alerts", &filter).await?;
    let store = state.store.clone();
    let order = filter.order;
    Ok(csv(
        slot,
        "alerts",
        &headings(
            lang,
            &[
                Code("id"),
                Code("created_utc"),
                Words("创建时间（北京时间）", "Created (China)"),
                Code("account_id"),
                Code("rule"),
                Words("规则", "Rule"),
                Code("severity_rank"),
                Words("严重度", "Severity"),
                Code("status"),
                Words("状态", "Status"),
                Code("assignee"),
                Code("amount"),
                Code("evidence"),
                Words("证据", "Evidence"),
                Code("disposition"),
                Words("结论", "Disposition"),
                Code("sla_due_utc"),
                Words("处理时限（北京时间）", "Due (China)"),
            ],
        ),
        move |page| {
            let (store, filter) = (store.clone(), filter.clone());
            async move { store.alerts(&filter, &page).await }
        },
        move |row| match order {
            riskdesk_api::lists::AlertSort::Severity => {
                vec![i64::from(row.severity_rank), row.created_at, row.id]
            }
            _ => vec![row.created_at, row.id],
        },
        move |row| {
            let severity = Severity::from_rank(row.severity_rank).map_or("", Severity::as_str);
            let findings: Vec<Finding> = row
                .findings
                .as_deref()
                .and_then(|f| serde_json::from_str(f).ok())
                .unwrap_or_default();
            let disposition = row.disposition.unwrap_or_default();
            let evidence = evidence_text(lang, &row.evidence, &findings);
            vec![
                row.id.to_string(),
                utc(row.created_at).to_rfc3339(),
                china_time(row.created_at),
                row.account_id.to_string(),
                row.rule.clone(),
                in_words(lang, &row.rule),
                row.severity_rank.to_string(),
                in_words(lang, severity),
                row.status.clone(),
                in_words(lang, &row.status),
                row.assignee.unwrap_or_default(),
                row.amount_fen
                    .and_then(|f| riskdesk_domain::money::Money::from_fen(f).ok())
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                row.evidence,
                evidence,
                disposition.clone(),
                in_words(lang, &disposition),
                utc(row.sla_due_at).to_rfc3339(),
                china_time(row.sla_due_at),
            ]
        },
    ))
}

/// Disputes as CSV, newest first.
#[utoipa::path(get, path = "/v1/disputes.csv", tag = "disputes", params(DisputeQuery, ("Accept-Language" = Option<String>, Header, description = "The language of the columns in words: English for `en…`, else Chinese")),
    security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = riskdesk_api::Problem),
        (status = 429, body = riskdesk_api::Problem, description = "Two exports of the operator's are still running")))]
pub async fn disputes(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<DisputeQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = reader_lang(&headers);
    signed.require(Permission::ReadDisputes)?;
    unpaged(query.cursor.as_deref(), query.limit)?;
    let filter = crate::store::DisputeFilter {
        status: query.status.map(|s| s.as_str().to_owned()),
        account_id: query.account_id,
    };
    let slot = slot(&state, &signed)?;
    audit_export(&state, &signed, "disputes", &filter).await?;
    let store = state.store.clone();
    Ok(csv(
        slot,
        "disputes",
        &headings(
            lang,
            &[
                Code("id"),
                Code("created_utc"),
                Words("受理时间（北京时间）", "Opened (China)"),
                Code("account_id"),
                Code("transaction_id"),
                Code("reason"),
                Words("争议原因", "Reason"),
                Code("status"),
                Words("状态", "Status"),
                Code("statement"),
                Code("opened_by"),
                Code("sla_due_utc"),
                Code("resolved_utc"),
                Code("resolution_note"),
            ],
        ),
        move |page| {
            let (store, filter) = (store.clone(), filter.clone());
            async move { store.disputes(&filter, &page).await }
        },
        |row| vec![row.id],
        move |row| {
            vec![
                row.id.to_string(),
                utc(row.created_at).to_rfc3339(),
                china_time(row.created_at),
                row.account_id.to_string(),
                row.transaction_id.to_string(),
                row.reason.clone(),
                in_words(lang, &row.reason),
                row.status.clone(),
                in_words(lang, &row.status),
                row.statement,
                row.opened_by,
                utc(row.sla_due_at).to_rfc3339(),
                row.resolved_at
                    .map(|t| utc(t).to_rfc3339())
                    .unwrap_or_default(),
                row.resolution_note.unwrap_or_default(),
            ]
        },
    ))
}

/// The audit trail as CSV, newest first, with each entry's hashes.
#[utoipa::path(get, path = "/v1/audit.csv", tag = "audit", params(AuditQuery, ("Accept-Language" = Option<String>, Header, description = "The language of the columns in words: English for `en…`, else Chinese")),
    security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv"), (status = 400, body = riskdesk_api::Problem),
        (status = 429, body = riskdesk_api::Problem, description = "Two exports of the operator's are still running")))]
pub async fn audit(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<AuditQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let lang = reader_lang(&headers);
    signed.require(Permission::ReadAudit)?;
    unpaged(query.cursor.as_deref(), query.limit)?;
    let filter = super::audit::audit_filter(&query)?;
    let slot = slot(&state, &signed)?;
    audit_export(&state, &signed, "audit", &filter).await?;
    let store = state.store.clone();
    Ok(csv(
        slot,
        "audit",
        &headings(
            lang,
            &[
                Code("id"),
                Code("time_utc"),
                Words("时间（北京时间）", "Time (China)"),
                Code("actor"),
                Code("action"),
                Words("操作", "Action"),
                Code("target"),
                Words("对象", "Target"),
                Code("before"),
                Code("after"),
                Code("prev_hash"),
                Code("hash"),
            ],
        ),
        move |page| {
            let (store, filter) = (store.clone(), filter.clone());
            async move { store.audit(&filter, &page).await }
        },
        |row| vec![row.id],
        move |row| {
            vec![
                row.id.to_string(),
                utc(row.at).to_rfc3339(),
                china_time(row.at),
                row.actor,
                row.action.clone(),
                words::action(lang, &row.action).to_owned(),
                row.target.clone(),
                words::target(lang, &row.target),
                row.before.unwrap_or_default(),
                row.after.unwrap_or_default(),
                row.prev_hash.unwrap_or_default(),
                row.hash.unwrap_or_default(),
            ]
        },
    ))
}

/// A CSV column: a code under its machine name, or the same in words,
/// headed in the reader's language.
enum Column {
    Code(&'static str),
    Words(&'static str, &'static str),
}
use Column::{Code, Words};

fn headings(lang: Lang, columns: &[Column]) -> Vec<&'static str> {
    columns
        .iter()
        .map(|c| match (c, lang) {
            (Code(name), _) => name,
            (Words(zh, _), Lang::Zh) => zh,
            (Words(_, en), Lang::En) => en,
        })
        .copied()
        .collect()
}

/// The language of the columns in words: English when the reader asks for
/// it first, else Chinese (the operators' language).
fn reader_lang(headers: &HeaderMap) -> Lang {
    let asked = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if asked.trim_start().to_ascii_lowercase().starts_with("en") {
        Lang::En
    } else {
        Lang::Zh
    }
}

/// A code in words; an empty cell stays empty.
fn in_words(lang: Lang, code: &str) -> String {
    words::word(lang, code).to_owned()
}

/// A time as the console shows it: China time, to the second.
fn china_time(ms: i64) -> String {
    (utc(ms) + CHINA_OFFSET)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// A place for one more export of the operator's, or 429.
fn slot(state: &AppState, signed: &Signed) -> ApiResult<ExportSlot> {
    state.exports.take(&signed.operator.id).ok_or_else(|| {
        ApiError::new(
            ProblemCode::RateLimited,
            format!(
                "{EXPORTS_PER_OPERATOR} exports of yours are still running; \
                 wait for one to finish"
            ),
        )
    })
}

/// The export, before a byte of it is sent: who exported what, under which filters.
async fn audit_export(
    state: &AppState,
    signed: &Signed,
    what: &str,
    filter: &(impl serde::Serialize + Sync),
) -> ApiResult<()> {
    let record = AuditRecord {
        at: state.clock.now_ms(),
        actor: signed.operator.id.clone(),
        action: format!("export.{what}"),
        target: format!("export:{what}"),
        before: None,
        after: Some(serde_json::to_string(filter).map_err(anyhow::Error::from)?),
    };
    Ok(state.store.record_audit(&[record]).await?)
}

/// A CSV response read page by page: the header (after a byte-order mark),
/// then each page of rows as it arrives. A failure mid-way ends the stream
/// with an error, so the client sees a broken download, never a short file
/// passed off as complete.
fn csv<R, F, Fut>(
    slot: ExportSlot,
    name: &str,
    header: &[&str],
    fetch: F,
    key: impl Fn(&R) -> Vec<i64> + Send + 'static,
    line: impl Fn(R) -> Vec<String> + Send + 'static,
) -> Response
where
    R: Send + 'static,
    F: Fn(PageRequest) -> Fut + Send + 'static,
    Fut: Future<Output = StoreResult<Vec<R>>> + Send,
{
    let mut first = String::from(BOM);
    push_line(&mut first, header);
    struct Cursor<F> {
        fetch: F,
        after: Option<Vec<i64>>,
        done: bool,
        deadline: tokio::time::Instant,
        // Held for as long as the stream lives.
        _slot: ExportSlot,
    }
    let start = Cursor {
        fetch,
        after: None,
        done: false,
        deadline: tokio::time::Instant::now() + EXPORT_TIME_LIMIT,
        _slot: slot,
    };
    let pages =
        futures_util::stream::unfold((start, key, line), |(mut cursor, key, line)| async move {
            if cursor.done {
                return None;
            }
            let request = PageRequest {
                after: cursor.after.take(),
                limit: PAGE,
            };
            let fetched = tokio::time::timeout_at(cursor.deadline, (cursor.fetch)(request)).await;
            let rows = match fetched {
                Ok(Ok(rows)) => rows,
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "an export failed mid-way");
                    cursor.done = true;
                    let failed = std::io::Error::other("the export failed; see the service's log");
                    return Some((Err(failed), (cursor, key, line)));
                }
                Err(_) => {
                    tracing::warn!("an export ran past its time limit");
                    cursor.done = true;
                    let late = std::io::Error::other("the export ran past its time limit");
                    return Some((Err(late), (cursor, key, line)));
                }
            };
            cursor.done = rows.len() < PAGE as usize;
            cursor.after = rows.last().map(&key);
            let mut chunk = String::with_capacity(rows.len() * 160);
            for row in rows {
                push_line(&mut chunk, line(row));
            }
            Some((
                Ok::<_, std::io::Error>(Bytes::from(chunk)),
                (cursor, key, line),
            ))
        });
    let body = futures_util::stream::iter([Ok(Bytes::from(first))]);
    let disposition = format!("attachment; filename=\"riskdesk-{name}.csv\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(futures_util::StreamExt::chain(body, pages)),
    )
        .into_response()
}
