//! Accounts and their transactions.

use axum::Json;
use axum::extract::State;
use riskdesk_api::Page;
use riskdesk_api::audit::{RevealRequest, Revealed};
use riskdesk_api::lists::{AccountQuery, AccountSort, HistoryQuery, TransactionQuery};
use riskdesk_api::views::{
    AccountDetail, AccountSummary, BlacklistEntryView, MonthView, TransactionView,
};
use riskdesk_domain::money::Money;
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::paging::{page, page_request};
use super::problem::{ApiError, ApiResult, Body, Params, PathParam, text_filter};
use super::session::Signed;
use super::views;
use crate::store::{
    AccountFilter, AccountRow, AccountSearch, AuditRecord, BlacklistProbe, PageRequest,
    TransactionFilter,
};
use riskdesk_domain::pii::PiiField;

/// Reveals one masked field of the account's customer (name, phone or
/// national ID), with a reason; the reveal — never the value — is recorded
/// in the audit trail. Each reveal is recorded again: it is not idempotent,
/// so that no value is ever stored for a replay.
#[utoipa::path(post, path = "/v1/accounts/{id}/reveal", tag = "accounts", params(("id" = i64, Path)),
    request_body = RevealRequest, security(("bearer" = [])),
    responses((status = 200, body = Revealed), (status = 400, body = riskdesk_api::Problem),
        (status = 403, body = riskdesk_api::Problem), (status = 404, body = riskdesk_api::Problem)))]
pub async fn reveal(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
    Body(request): Body<RevealRequest>,
) -> ApiResult<Json<Revealed>> {
    signed.require(Permission::RevealPii)?;
    let reason = request.reason.trim();
    if !(5..=500).contains(&reason.chars().count()) {
        return Err(ApiError::invalid(
            "say why you need to see it: a reason of 5–500 characters",
        ));
    }
    let account = state
        .store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("account {id}")))?;
    let value = match request.field {
        PiiField::Name => account.name,
        PiiField::Phone => account.account.phone,
        PiiField::NationalId => account.national_id,
    };
    let record = AuditRecord {
        at: state.clock.now_ms(),
        actor: signed.operator.id.clone(),
        action: "pii.reveal".to_owned(),
        target: format!("customer:{}", account.account.customer_id),
        before: None,
        after: Some(
            serde_json::json!({ "account_id": id, "field": request.field, "reason": reason })
                .to_string(),
        ),
    };
    state.store.record_audit(&[record]).await?;
    Ok(Json(Revealed {
        field: request.field,
        value,
    }))
}

/// Find accounts: by id, phone tail or masked name, with filters and a sort.
#[utoipa::path(get, path = "/v1/accounts", tag = "accounts", params(AccountQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<AccountSummary>), (status = 400, body = riskdesk_api::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<AccountQuery>,
) -> ApiResult<Json<Page<AccountSummary>>> {
    signed.require(Permission::ReadAccounts)?;
    let filter = AccountFilter {
        search: query
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(classify)
            .transpose()?,
        grade: query.grade.map(|g| g.as_str().to_owned()),
        status: query.status.map(|s| s.as_str().to_owned()),
        dpd_range: query.dpd_bucket.map(|b| {
            let (lo, hi) = b.dpd_range();
            (lo as i32, hi.map(|h| h as i32))
        }),
        city: text_filter(query.city.as_deref()),
        utilisation_min_bp: basis_points("utilisation_min_bp", query.utilisation_min_bp)?,
        utilisation_max_bp: basis_points("utilisation_max_bp", query.utilisation_max_bp)?,
        sort: query.sort.unwrap_or_default(),
    };
    let key_len = if filter.sort == AccountSort::Id { 1 } else { 2 };
    let request = page_request(query.cursor.as_deref(), query.limit, &filter, key_len)?;
    let rows = state.store.accounts(&filter, &request).await?;
    let key = |row: &AccountRow| match filter.sort {
        AccountSort::Id => vec![row.id],
        AccountSort::ScoreAsc | AccountSort::ScoreDesc => vec![i64::from(row.score), row.id],
        AccountSort::UtilisationDesc => vec![row.utilisation_bp, row.id],
        AccountSort::DpdDesc => vec![i64::from(row.dpd), row.id],
        AccountSort::LimitDesc => vec![row.limit_fen, row.id],
    };
    Ok(Json(page(rows, &request, &filter, key, |row| {
        views::account_summary(&row)
    })?))
}

/// A search text is an account id (7 or more digits), a phone's last four
/// digits, or a masked name (or its first characters).
fn classify(q: &str) -> ApiResult<AccountSearch> {
    if q.chars().count() > 32 {
        return Err(ApiError::invalid("q must be at most 32 characters"));
    }
    if q.bytes().all(|b| b.is_ascii_digit()) {
        return match q.len() {
            4 => Ok(AccountSearch::PhoneTail(q.to_owned())),
            5..=18 => q
                .parse()
                .map(AccountSearch::Id)
                .map_err(|_| ApiError::invalid("account id out of range")),
            _ => Err(ApiError::invalid(
                "digits in q must be a phone's last 4 or an account id",
            )),
        };
    }
    Ok(AccountSearch::NamePrefix(q.to_owned()))
}

fn basis_points(name: &str, value: Option<i64>) -> ApiResult<Option<i64>> {
    match value {
        Some(v) if !(0..=10_000).contains(&v) => Err(ApiError::invalid(format!(
            "{name} must be 0–10000 basis points, got {v}"
        ))),
        _ => Ok(value),
    }
}

/// One account: masked profile, credit line, delinquency and score breakdown.
#[utoipa::path(get, path = "/v1/accounts/{id}", tag = "accounts", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = AccountDetail), (status = 404, body = riskdesk_api::Problem)))]
pub async fn detail(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<AccountDetail>> {
    signed.require(Permission::ReadAccounts)?;
    let account = state
        .store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("account {id}")))?;
    Ok(Json(views::account_detail(&account)?))
}

/// The live blacklist entries that match an account: its customer, phone,
/// national ID or home city, or a device, IP or merchant it has paid with.
/// Exact values only: CIDR blocks and areas by radius are the engine's to match.
#[utoipa::path(get, path = "/v1/accounts/{id}/blacklist-matches", tag = "accounts",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<BlacklistEntryView>), (status = 404, body = riskdesk_api::Problem)))]
pub async fn blacklist_matches(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Vec<BlacklistEntryView>>> {
    signed.require(Permission::ReadBlacklist)?;
    let account = state
        .store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("account {id}")))?;
    let probe = BlacklistProbe {
        account_id: id,
        customer_id: account.account.customer_id,
        phone: account.account.phone.clone(),
        national_id_hash: state.store.index_national_id(&account.national_id),
        geo_area: format!("city:{}", account.account.city),
    };
    let rows = state
        .store
        .blacklist_matches(&probe, state.clock.now_ms())
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(views::blacklist_entry)
            .collect::<ApiResult<_>>()?,
    ))
}

/// An account's transactions, newest first.
#[utoipa::path(get, path = "/v1/accounts/{id}/transactions", tag = "accounts",
    params(("id" = i64, Path), TransactionQuery), security(("bearer" = [])),
    responses((status = 200, body = Page<TransactionView>), (status = 404, body = riskdesk_api::Problem)))]
pub async fn transactions(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
    Params(query): Params<TransactionQuery>,
) -> ApiResult<Json<Page<TransactionView>>> {
    signed.require(Permission::ReadTransactions)?;
    let filter = transaction_filter(id, &query)?;
    let request = page_request(query.cursor.as_deref(), query.limit, &filter, 2)?;
    let rows = state.store.transactions(&filter, &request).await?;
    if rows.is_empty() && request.after.is_none() && state.store.account(id).await?.is_none() {
        return Err(ApiError::not_found(format!("account {id}")));
    }
    let key = |row: &crate::store::TransactionRow| vec![row.occurred_at, row.id];
    Ok(Json(page(
        rows,
        &request,
        &filter,
        key,
        views::transaction,
    )?))
}

/// The store's filter for a transactions query (the list's and the export's).
pub fn transaction_filter(id: i64, query: &TransactionQuery) -> ApiResult<TransactionFilter> {
    let amount = |name: &str, text: Option<&str>| -> ApiResult<Option<i64>> {
        text.map(|t| {
            t.parse::<Money>()
                .map(Money::fen)
                .map_err(|e| ApiError::invalid(format!("{name}: {e}")))
        })
        .transpose()
    };
    let filter = TransactionFilter {
        account_id: id,
        from: query.from.map(|t| t.timestamp_millis()),
        to: query.to.map(|t| t.timestamp_millis()),
        kind: query.kind.map(|k| k.as_str().to_owned()),
        status: query.status.map(|s| s.as_str().to_owned()),
        amount_min_fen: amount("amount_min", query.amount_min.as_deref())?,
        amount_max_fen: amount("amount_max", query.amount_max.as_deref())?,
        merchant: query.merchant.clone().filter(|m| !m.is_empty()),
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from >= to
    {
        return Err(ApiError::invalid("from must be before to"));
    }
    if filter
        .merchant
        .as_ref()
        .is_some_and(|m| m.chars().count() > 64)
    {
        return Err(ApiError::invalid("merchant must be at most 64 characters"));
    }
    Ok(filter)
}

/// The account's last months (China time): spending, repayments, and the
/// balance and utilisation at each month's end — the data of its chart.
/// It reads the months' own transactions, at most 20,000 (else 400: ask
/// for fewer months), and one sum of what came before them.
#[utoipa::path(get, path = "/v1/accounts/{id}/history", tag = "accounts",
    params(("id" = i64, Path), HistoryQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<MonthView>), (status = 400, body = riskdesk_api::Problem),
        (status = 404, body = riskdesk_api::Problem)))]
pub async fn history(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
    Params(query): Params<HistoryQuery>,
) -> ApiResult<Json<Vec<MonthView>>> {
    signed.require(Permission::ReadTransactions)?;
    let months = query.months.unwrap_or(12);
    if !(1..=24).contains(&months) {
        return Err(ApiError::invalid(format!(
            "months must be 1–24, got {months}"
        )));
    }
    let account = state
        .store
        .account(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("account {id}")))?;
    let limit = account.account.decode()?.line.limit();
    // The months' own transactions, a bounded read; what came before them
    // is one sum.
    let now = crate::clock::utc(state.clock.now_ms());
    let from = riskdesk_domain::history::window_start(months, now).timestamp_millis();
    let owed_before = state.store.owed_before(id, from).await?;
    let window = PageRequest {
        after: None,
        limit: HISTORY_ROWS + 1,
    };
    let filter = TransactionFilter {
        account_id: id,
        from: Some(from),
        ..TransactionFilter::default()
    };
    let rows = state.store.transactions(&filter, &window).await?;
    if rows.len() > HISTORY_ROWS as usize {
        return Err(ApiError::invalid(format!(
            "account {id} has over {HISTORY_ROWS} transactions in {months} months: \
             ask for fewer months"
        )));
    }
    let transactions = rows
        .into_iter()
        .map(|r| r.decode())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let points = riskdesk_domain::history::monthly(&transactions, owed_before, limit, months, now);
    Ok(Json(points.into_iter().map(views::month).collect()))
}

/// The most transactions a history reads (the page it is bounded by): 27 a
/// day for two years, far beyond a consumer's line.
const HISTORY_ROWS: u32 = 20_000;
