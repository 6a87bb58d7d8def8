//! The audit trail: the list with filters, the chain in stretches and the
//! signed checkpoints (for a client to verify itself), the service's public
//! key, and the service's own verification of a range.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use futures_util::{Stream, StreamExt};
use riskdesk_api::Page;
use riskdesk_api::audit::{
    AuditEntryView, AuditKeyView, AuditQuery, BrokenEntry, ChainQuery, CheckpointView, VerifyQuery,
    VerifyReport,
};
use riskdesk_domain::audit::{self, GENESIS, Hashed, Verifier};
use riskdesk_domain::operator::Permission;

use super::AppState;
use super::paging::{page, page_request};
use super::problem::{ApiError, ApiResult, Params};
use super::session::Signed;
use crate::audit_key::key_id;
use crate::clock::utc;
use crate::store::{AuditFilter, AuditRow, CheckpointRow, Store, StoreResult};

/// Entries per read while verifying.
const VERIFY_BATCH: u32 = 10_000;
/// Stretches read at once while verifying.
const READ_AHEAD: usize = 3;
const MAX_CHAIN_PAGE: u32 = 5_000;

/// Audit entries, newest first, by actor, action (or prefix), target and time.
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<AuditEntryView>), (status = 400, body = riskdesk_api::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<AuditQuery>,
) -> ApiResult<Json<Page<AuditEntryView>>> {
    signed.require(Permission::ReadAudit)?;
    let filter = audit_filter(&query)?;
    let request = page_request(query.cursor.as_deref(), query.limit, &filter, 1)?;
    let rows = state.store.audit(&filter, &request).await?;
    Ok(Json(page(rows, &request, &filter, |r| vec![r.id], entry)?))
}

/// The store's filter for an audit query (the list's and the export's).
pub fn audit_filter(query: &AuditQuery) -> ApiResult<AuditFilter> {
    for (name, value) in [
        ("actor", &query.actor),
        ("action", &query.action),
        ("target", &query.target),
    ] {
        if value
            .as_ref()
            .is_some_and(|v| v.is_empty() || v.chars().count() > 128)
        {
            return Err(ApiError::invalid(format!(
                "{name} must be 1–128 characters"
            )));
        }
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from >= to
    {
        return Err(ApiError::invalid("from must be before to"));
    }
    Ok(AuditFilter {
        actor: query.actor.clone(),
        action: query.action.clone(),
        target: query.target.clone(),
        from: query.from.map(|t| t.timestamp_millis()),
        to: query.to.map(|t| t.timestamp_millis()),
    })
}

/// A stretch of the chain, oldest first: what a client needs to recompute
/// every hash itself.
#[utoipa::path(get, path = "/v1/audit/chain", tag = "audit", params(ChainQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditEntryView>), (status = 400, body = riskdesk_api::Problem)))]
pub async fn chain(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<ChainQuery>,
) -> ApiResult<Json<Vec<AuditEntryView>>> {
    signed.require(Permission::ReadAudit)?;
    let limit = query.limit.unwrap_or(1_000);
    if !(1..=MAX_CHAIN_PAGE).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "limit must be 1–{MAX_CHAIN_PAGE}"
        )));
    }
    let after = query.after_id.unwrap_or(0).max(0);
    let rows = state.store.audit_range(after + 1, i64::MAX, limit).await?;
    Ok(Json(rows.into_iter().map(entry).collect::<ApiResult<_>>()?))
}

/// The signed checkpoints after an entry, oldest first.
#[utoipa::path(get, path = "/v1/audit/checkpoints", tag = "audit", params(ChainQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<CheckpointView>)))]
pub async fn checkpoints(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<ChainQuery>,
) -> ApiResult<Json<Vec<CheckpointView>>> {
    signed.require(Permission::ReadAudit)?;
    let rows = state
        .store
        .audit_checkpoints(query.after_id.unwrap_or(0))
        .await?;
    Ok(Json(rows.into_iter().map(checkpoint).collect()))
}

/// The public key the service signs checkpoints with (none when the
/// service runs without one).
#[utoipa::path(get, path = "/v1/audit/keys", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditKeyView>)))]
pub async fn keys(
    State(state): State<AppState>,
    signed: Signed,
) -> ApiResult<Json<Vec<AuditKeyView>>> {
    signed.require(Permission::ReadAudit)?;
    Ok(Json(
        state
            .audit_key
            .iter()
            .map(|key| {
                let public = key.verifying_key();
                AuditKeyView {
                    key_id: key_id(&public),
                    public_key: audit::hex(public.as_bytes()),
                }
            })
            .collect(),
    ))
}

/// Verifies the chain over a range of ids (all of it by default): every
/// entry's hash and link, and the signed checkpoints — intact, or the first
/// entry found broken and why.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit", params(VerifyQuery),
    security(("bearer" = [])),
    responses((status = 200, body = VerifyReport), (status = 400, body = riskdesk_api::Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<VerifyQuery>,
) -> ApiResult<Json<VerifyReport>> {
    signed.require(Permission::ReadAudit)?;
    let from = query.from_id.unwrap_or(1).max(1);
    let to = query.to_id.unwrap_or(i64::MAX);
    if from > to {
        return Err(ApiError::invalid("from_id must not exceed to_id"));
    }
    // Without the key no signature can be checked: the chain alone. The
    // checkpoints are read before the chain's end, so none of them can be
    // for an entry appended after it.
    let public = state.audit_key.as_ref().map(|key| key.verifying_key());
    let checkpoints = match public {
        Some(_) => state
            .store
            .audit_checkpoints(from - 1)
            .await?
            .iter()
            .filter(|c| c.last_id <= to)
            .map(CheckpointRow::checkpoint)
            .collect::<anyhow::Result<Vec<_>>>()?,
        None => Vec::new(),
    };
    let newest = state.store.audit_last_id().await?.unwrap_or(0).min(to);
    // A range after the start continues from what its first entry says came
    // before (a malformed one is reported broken below); verifying from the
    // start checks that too.
    let prev = match from {
        1 => GENESIS,
        _ => state
            .store
            .audit_range(from, newest, 1)
            .await?
            .into_iter()
            .next()
            .and_then(|first| first.into_chained().ok())
            .map_or(GENESIS, |first| first.prev_hash),
    };
    let mut verifier = Verifier::new(prev, checkpoints, public.as_ref());
    let mut stretches = read_ahead(state.store.clone(), from, newest);
    let mut broken = None;
    while let Some(read) = stretches.next().await {
        let checked = read
            .map_err(anyhow::Error::from)??
            .and_then(|stretch| verifier.feed(&stretch).map_err(broken_entry));
        if let Err(b) = checked {
            broken = Some(b);
            break;
        }
    }
    let verified = match broken {
        Some(b) => Err(b),
        None => verifier.finish(to == i64::MAX).map_err(broken_entry),
    };
    Ok(Json(match verified {
        Ok(v) => VerifyReport {
            intact: true,
            entries: v.entries,
            checkpoints: v.checkpoints,
            first_broken: None,
        },
        Err(b) => VerifyReport {
            intact: false,
            entries: 0,
            checkpoints: 0,
            first_broken: Some(b),
        },
    }))
}

fn broken_entry(b: audit::Break) -> BrokenEntry {
    BrokenEntry {
        id: b.id,
        why: b.why.to_string(),
    }
}

fn entry(row: AuditRow) -> ApiResult<AuditEntryView> {
    let not_chained = || anyhow::anyhow!("audit entry {} is not chained", row.id);
    Ok(AuditEntryView {
        id: row.id,
        at: utc(row.at),
        prev_hash: row.prev_hash.clone().ok_or_else(not_chained)?,
        hash: row.hash.clone().ok_or_else(not_chained)?,
        actor: row.actor,
        action: row.action,
        target: row.target,
        before: row.before,
        after: row.after,
    })
}

fn checkpoint(row: CheckpointRow) -> CheckpointView {
    CheckpointView {
        last_id: row.last_id,
        hash: row.hash,
        signed_at_ms: row.signed_at,
        signature: row.signature,
        key_id: row.key_id,
    }
}

/// A stretch of the chain hashed, or the entry found unreadable in it.
type Stretch = Result<Hashed, BrokenEntry>;

/// The entries `from..=to` in stretches of ids, oldest first, each hashed
/// (or the entry found unreadable). Each stretch is read and hashed by a
/// task of its own, [`READ_AHEAD`] at a time, so that the next ones are on
/// their way (on the database's threads and the other core) while one is
/// linked. Stopping early drops the reads not yet begun.
fn read_ahead(
    store: Arc<dyn Store>,
    from: i64,
    to: i64,
) -> impl Stream<Item = Result<StoreResult<Stretch>, tokio::task::JoinError>> {
    let stretch = i64::from(VERIFY_BATCH);
    let starts = (from..=to).step_by(VERIFY_BATCH as usize);
    futures_util::stream::iter(starts)
        .map(move |start| {
            let store = store.clone();
            let end = start.saturating_add(stretch - 1).min(to);
            tokio::spawn(async move {
                let rows = store.audit_range(start, end, VERIFY_BATCH).await?;
                let last = rows.last().map_or(end, |r| r.id);
                Ok(rows
                    .into_iter()
                    .map(AuditRow::into_chained)
                    .collect::<anyhow::Result<Vec<_>>>()
                    .map(Hashed::new)
                    .map_err(|e| BrokenEntry {
                        id: last,
                        why: e.to_string(),
                    }))
            })
        })
        .buffered(READ_AHEAD)
}
