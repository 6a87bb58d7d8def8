//! The fraud rules as versioned records: read by risk officers and
//! managers; a draft written and put in shadow by an officer; put live by
//! someone else (a manager) with a fresh TOTP code. With a rules file given
//! at start, the versions are read-only.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use riskdesk_api::ProblemCode;
use riskdesk_api::decisions::StepUpApproval;
use riskdesk_api::rules::{
    BacktestView, RuleSetView, RulesOverview, RulesRecord, RulesRecordQuery, RulesSource,
    SaveRuleDraft, ShadowRuleSet, ShadowView, StartBacktest,
};
use riskdesk_domain::operator::Permission;
use riskdesk_domain::rules::Rules;

use super::AppState;
use super::decide::{WriteKey, decide, text, version};
use super::problem::{ApiError, ApiResult, Body, Params, PathParam};
use super::session::Signed;
use super::views;
use crate::rules_in_force::{RuleSet, Source};
use crate::store::{Decided, NewBacktest, NotStarted, RuleDraftWrite, RuleSetStep};
use crate::workbench::backtest::BACKTESTS_PER_INSTANCE;

/// How many versions the overview lists.
const VERSIONS_LISTED: u32 = 100;
/// How many of a version's backtests are listed.
const BACKTESTS_LISTED: u32 = 20;
/// How far back a backtest or a rules record may look.
const MAX_DAYS: i64 = 90;
const DAY_MS: i64 = 24 * 3_600_000;

/// The rules in force, where they come from, and the latest versions.
#[utoipa::path(get, path = "/v1/rules", tag = "rules", security(("bearer" = [])),
    responses((status = 200, body = RulesOverview), (status = 403, body = riskdesk_api::Problem)))]
pub async fn overview(
    State(state): State<AppState>,
    signed: Signed,
) -> ApiResult<Json<RulesOverview>> {
    signed.require(Permission::ReadRules)?;
    let in_force = state.rules.current();
    let versions = state.store.rule_sets(VERSIONS_LISTED).await?;
    Ok(Json(RulesOverview {
        source: match state.rules.source() {
            Source::Database => RulesSource::Database,
            Source::File => RulesSource::File,
        },
        in_force: in_force.rules.clone(),
        live_version: in_force.version,
        versions: versions
            .iter()
            .map(views::rule_set)
            .collect::<ApiResult<_>>()?,
    }))
}

/// What each rule did over the last `days` days (7 unless asked; 1–90),
/// by the version that decided: hits, alerts, decisions tipped, the team's
/// dispositions and precision, with the amounts.
#[utoipa::path(get, path = "/v1/rules/record", tag = "rules", params(RulesRecordQuery),
    security(("bearer" = [])),
    responses((status = 200, body = RulesRecord), (status = 400, body = riskdesk_api::Problem)))]
pub async fn record(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<RulesRecordQuery>,
) -> ApiResult<Json<RulesRecord>> {
    signed.require(Permission::ReadRules)?;
    let days = window_days(query.days.unwrap_or(7))?;
    let to = state.clock.now_ms();
    let from = to - days * DAY_MS;
    // Weeks of payments parsed: one at a time, behind the payments.
    let _turn = state
        .backtester
        .record_turn()
        .await
        .map_err(|e| ApiError::Internal(e.into()))?;
    let store = state.store.clone();
    let record = crate::workbench::behind_payments("rules-record", move |runtime| {
        runtime.block_on(crate::workbench::performance::record(
            store.as_ref(),
            from,
            to,
        ))
    })
    .await
    .map_err(ApiError::Internal)??;
    Ok(Json(RulesRecord {
        days,
        from: crate::clock::utc(from),
        to: crate::clock::utc(to),
        payments: record.payments,
        rows: record.rows,
        daily: record.daily,
    }))
}

/// One version of the rules.
#[utoipa::path(get, path = "/v1/rules/{id}", tag = "rules", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = RuleSetView), (status = 404, body = riskdesk_api::Problem)))]
pub async fn one(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<RuleSetView>> {
    signed.require(Permission::ReadRules)?;
    let row = state.store.rule_set(id).await?;
    let row = row.ok_or_else(|| ApiError::not_found(format!("rules version {id}")))?;
    Ok(Json(views::rule_set(&row)?))
}

/// Saves a draft: the whole set of rules, checked field by field (a bad
/// value is refused naming its field), with a note.
#[utoipa::path(post, path = "/v1/rules", tag = "rules",
    params(("Idempotency-Key" = String, Header)), request_body = SaveRuleDraft,
    security(("bearer" = [])),
    responses((status = 200, body = RuleSetView), (status = 400, body = riskdesk_api::Problem),
        (status = 404, body = riskdesk_api::Problem), (status = 409, body = riskdesk_api::Problem)))]
pub async fn save_draft(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    Body(request): Body<SaveRuleDraft>,
) -> ApiResult<Response> {
    signed.require(Permission::DraftRules)?;
    managed_here(&state)?;
    let rules = Rules::from_json(&request.rules).map_err(|e| ApiError::invalid(e.to_string()))?;
    let write = RuleDraftWrite {
        rules: serde_json::to_string(&rules).map_err(|e| ApiError::Internal(e.into()))?,
        based_on: request.based_on,
        note: text(&request.note, "note", 500)?,
    };
    decide(
        &state,
        &signed,
        key,
        "rules",
        &request,
        None,
        |store, claim, actor| async move { store.save_rule_draft(&claim, &actor, &write).await },
    )
    .await
}

/// Puts a draft in shadow: every payment is judged by it beside the live
/// rules and the verdict recorded, never acted on (one at a time: the one
/// in shadow before goes back to a draft). Its comparison with the live
/// rules grows as payments arrive (`GET /v1/rules/{id}/shadow`).
#[utoipa::path(post, path = "/v1/rules/{id}/shadow", tag = "rules",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = ShadowRuleSet, security(("bearer" = [])),
    responses((status = 200, body = RuleSetView), (status = 409, body = riskdesk_api::Problem),
        (status = 412, body = riskdesk_api::Problem)))]
pub async fn shadow(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<ShadowRuleSet>,
) -> ApiResult<Response> {
    signed.require(Permission::DraftRules)?;
    managed_here(&state)?;
    let seen = version(request.version, "rules version")?;
    let rules = state.rules.clone();
    decide(
        &state,
        &signed,
        key,
        "rules-shadow",
        &request,
        None,
        |store, claim, actor| async move {
            let decided = store
                .step_rule_set(&claim, &actor, (id, seen), RuleSetStep::Shadow)
                .await?;
            // This instance judges with it at once; the others within a refresh.
            if let Decided::RuleSet(row) = &decided
                && let Err(e) = rules.use_shadow(Some(row))
            {
                tracing::error!(error = format!("{e:#}"), "the shadow rules did not load");
            }
            Ok(decided)
        },
    )
    .await
}

/// A version's comparison with the live rules on the payments it judged
/// in shadow: decisions and alerts that differ, and labelled outcomes.
#[utoipa::path(get, path = "/v1/rules/{id}/shadow", tag = "rules", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = ShadowView), (status = 404, body = riskdesk_api::Problem)))]
pub async fn shadow_comparison(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<ShadowView>> {
    signed.require(Permission::ReadRules)?;
    let row = state.store.rule_set(id).await?;
    let row = row.ok_or_else(|| ApiError::not_found(format!("rules version {id}")))?;
    Ok(Json(ShadowView {
        rule_set_id: id,
        in_shadow: row.status == "shadow",
        report: crate::workbench::shadow::comparison(state.store.as_ref(), id).await?,
    }))
}

/// Puts a version live — a draft, the one in shadow, or an earlier one (a
/// rollback) — with a fresh TOTP code, never one's own: every instance
/// decides the next payment with it within a second or two.
#[utoipa::path(post, path = "/v1/rules/{id}/publish", tag = "rules",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = StepUpApproval, security(("bearer" = [])),
    responses((status = 200, body = RuleSetView), (status = 403, body = riskdesk_api::Problem),
        (status = 409, body = riskdesk_api::Problem), (status = 412, body = riskdesk_api::Problem)))]
pub async fn publish(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<StepUpApproval>,
) -> ApiResult<Response> {
    signed.require(Permission::PublishRules)?;
    managed_here(&state)?;
    let seen = version(request.version, "rules version")?;
    let totp = request.totp.clone();
    let rules = state.rules.clone();
    decide(
        &state,
        &signed,
        key,
        "rules-publish",
        &request,
        Some(&totp),
        |store, claim, actor| async move {
            let decided = store
                .step_rule_set(&claim, &actor, (id, seen), RuleSetStep::Publish)
                .await?;
            // This instance decides with it at once; the others within a refresh.
            if let Decided::RuleSet(row) = &decided
                && let Err(e) = rules.use_version(row)
            {
                tracing::error!(error = format!("{e:#}"), "the published rules did not load");
            }
            Ok(decided)
        },
    )
    .await
}

/// Starts a backtest of a version beside the live rules on the recorded
/// payments of the last `days` days (1–90): a job on the service, one at a
/// time per version, whose progress and report the version keeps.
#[utoipa::path(post, path = "/v1/rules/{id}/backtests", tag = "rules",
    params(("id" = i64, Path)), request_body = StartBacktest, security(("bearer" = [])),
    responses((status = 202, body = BacktestView), (status = 400, body = riskdesk_api::Problem),
        (status = 404, body = riskdesk_api::Problem), (status = 409, body = riskdesk_api::Problem),
        (status = 429, body = riskdesk_api::Problem)))]
pub async fn start_backtest(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
    Body(request): Body<StartBacktest>,
) -> ApiResult<(axum::http::StatusCode, Json<BacktestView>)> {
    signed.require(Permission::DraftRules)?;
    managed_here(&state)?;
    let days = window_days(request.days)?;
    let draft = state.store.rule_set(id).await?;
    let draft = draft.ok_or_else(|| ApiError::not_found(format!("rules version {id}")))?;
    let live = state.rules.current();
    let against = live.version.ok_or_else(|| {
        ApiError::new(
            ProblemCode::InvalidState,
            "no live version to compare with yet",
        )
    })?;
    let draft_rules = RuleSet::from_row(&draft)?.rules;
    let now = state.clock.now_ms();
    let slot = state.backtester.slot().ok_or_else(|| {
        ApiError::new(
            ProblemCode::RateLimited,
            format!(
                "{BACKTESTS_PER_INSTANCE} backtests are running or waiting here: \
                 try again when one has ended"
            ),
        )
    })?;
    let started = state
        .store
        .start_backtest(&NewBacktest {
            rule_set_id: id,
            against,
            days,
            from_at: now - days * DAY_MS,
            to_at: now,
            started_by: signed.operator.id.clone(),
            now,
        })
        .await?;
    let row = match started {
        Ok(row) => row,
        Err(NotStarted::NoRuleSet) => {
            return Err(ApiError::not_found(format!("rules version {id}")));
        }
        Err(NotStarted::Running(running)) => {
            return Err(ApiError::new(
                ProblemCode::InvalidState,
                format!("backtest {running} of version {id} is still running: cancel it or wait"),
            ));
        }
    };
    state.backtester.spawn(
        slot,
        state.store.clone(),
        state.clock.clone(),
        row.clone(),
        live.rules.clone(),
        draft_rules,
    );
    Ok((
        axum::http::StatusCode::ACCEPTED,
        Json(views::backtest(&row)?),
    ))
}

/// A version's backtests, newest first, with their progress and reports.
#[utoipa::path(get, path = "/v1/rules/{id}/backtests", tag = "rules",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Vec<BacktestView>), (status = 404, body = riskdesk_api::Problem)))]
pub async fn backtests(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<Vec<BacktestView>>> {
    signed.require(Permission::ReadRules)?;
    if state.store.rule_set(id).await?.is_none() {
        return Err(ApiError::not_found(format!("rules version {id}")));
    }
    let rows = state.store.backtests(id, BACKTESTS_LISTED).await?;
    Ok(Json(
        rows.iter().map(views::backtest).collect::<ApiResult<_>>()?,
    ))
}

/// One backtest.
#[utoipa::path(get, path = "/v1/backtests/{id}", tag = "rules", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = BacktestView), (status = 404, body = riskdesk_api::Problem)))]
pub async fn backtest(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<BacktestView>> {
    signed.require(Permission::ReadRules)?;
    let row = state.store.backtest(id).await?;
    let row = row.ok_or_else(|| ApiError::not_found(format!("backtest {id}")))?;
    Ok(Json(views::backtest(&row)?))
}

/// Asks a running backtest to stop: it ends, cancelled, within a moment.
/// One that has ended is answered as it is.
#[utoipa::path(post, path = "/v1/backtests/{id}/cancel", tag = "rules",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = BacktestView), (status = 404, body = riskdesk_api::Problem)))]
pub async fn cancel_backtest(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<BacktestView>> {
    signed.require(Permission::DraftRules)?;
    let row = state
        .store
        .cancel_backtest(id, state.clock.now_ms())
        .await?;
    let row = row.ok_or_else(|| ApiError::not_found(format!("backtest {id}")))?;
    Ok(Json(views::backtest(&row)?))
}

/// A window of recorded payments: 1 to 90 days.
fn window_days(days: i64) -> ApiResult<i64> {
    if (1..=MAX_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(ApiError::invalid(format!(
            "days: {days} is out of range (1 to {MAX_DAYS})"
        )))
    }
}

/// Versions are managed here unless the rules come from a file.
fn managed_here(state: &AppState) -> ApiResult<()> {
    match state.rules.source() {
        Source::Database => Ok(()),
        Source::File => Err(ApiError::new(
            ProblemCode::InvalidState,
            "the rules come from the file the service was started with (--rules): change \
             that file and restart, or start without it to manage versions here",
        )),
    }
}
