//! Investigations: the accounts linked to one and the ring they form, and
//! cases — a ring worked as one.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use riskdesk_api::investigations::{
    ATTACHMENT_TYPES, AccountLinks, AttachmentView, CaseBlacklistResult, CaseBlacklistShared,
    CaseDetail, CaseFreezeAll, CaseFreezesResult, CaseQuery, CaseReport, CaseStepRequest, CaseView,
    MAX_ATTACHMENT_BYTES, OpenCase, SharedAmong,
};
use riskdesk_api::{Page, ProblemCode};
use riskdesk_domain::alert::Severity;
use riskdesk_domain::blacklist::normalise;
use riskdesk_domain::case::{CaseMemberKind, CaseStep, MAX_ADDED, due_at, tags};
use riskdesk_domain::links::LinkKind;
use riskdesk_domain::operator::Permission;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use strum::IntoEnumIterator;

use super::AppState;
use super::decide::{WriteKey, decide, text, version};
use super::paging::{page, page_request};
use super::problem::{ApiError, ApiResult, Body, Params, PathParam};
use super::session::Signed;
use super::views;
use crate::clock::utc;
use crate::store::{
    AttachmentWrite, CaseBlacklistWrite, CaseFreezeWrite, CaseStepWrite, OpenCaseWrite,
    SharedListing,
};

/// The most things one blacklisting from a case names.
const MAX_LISTED: usize = 100;

/// The accounts linked to one within two hops — through a shared device,
/// IP address or /24 block, phone, national ID, home or cash-out merchant —
/// with what each pair shares and the group's score. Things shared too
/// widely to be evidence are counted, not followed; a phone, an identity
/// and a home are matched by keyed hash and never shown.
#[utoipa::path(get, path = "/v1/accounts/{id}/links", tag = "investigations",
    params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = AccountLinks), (status = 403, body = riskdesk_api::Problem),
        (status = 404, body = riskdesk_api::Problem)))]
pub async fn account_links(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<AccountLinks>> {
    signed.require(Permission::Investigate)?;
    let walked = crate::links::walk(&*state.store, id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("account {id}")))?;
    Ok(Json(views::account_links(walked)?))
}

/// The case with `id` as stored, or a 404 naming it.
async fn stored_case(state: &AppState, id: i64) -> ApiResult<crate::store::CaseDetailRow> {
    state
        .store
        .case(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("case {id}")))
}

/// Opens a case owned by the caller: from an alert (with its account), with
/// accounts (and, if asked, their alerts waiting in the queue), or both;
/// due by its severity (the alert's when not given).
#[utoipa::path(post, path = "/v1/cases", tag = "investigations",
    params(("Idempotency-Key" = String, Header)), request_body = OpenCase,
    security(("bearer" = [])),
    responses((status = 200, body = CaseView), (status = 400, body = riskdesk_api::Problem),
        (status = 404, body = riskdesk_api::Problem)))]
pub async fn open_case(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    Body(request): Body<OpenCase>,
) -> ApiResult<Response> {
    signed.require(Permission::Investigate)?;
    let title = text(&request.title, "title", 200)?;
    let mut accounts = request.accounts.clone();
    let mut alerts = Vec::new();
    let mut severity = request.severity;
    if let Some(alert_id) = request.alert_id {
        // The alert's account comes with it; a missing alert is refused
        // by the store like any member.
        if let Some(alert) = state.store.alert(alert_id).await? {
            let alert = alert.decode().map_err(ApiError::Internal)?;
            accounts.push(alert.account_id);
            severity = severity.or(Some(alert.severity));
        }
        alerts.push(alert_id);
    }
    accounts.sort_unstable();
    accounts.dedup();
    if accounts.len() + alerts.len() > MAX_ADDED {
        return Err(ApiError::invalid(format!(
            "a case opens with at most {MAX_ADDED} records"
        )));
    }
    let severity = severity.unwrap_or(Severity::Medium);
    let now = state.clock.now_ms();
    let write = OpenCaseWrite {
        title,
        severity: severity.as_str().to_owned(),
        due_at: due_at(severity, now),
        accounts,
        alerts,
        with_waiting_alerts: request.with_waiting_alerts.unwrap_or(false),
    };
    decide(
        &state,
        &signed,
        key,
        "cases",
        &request,
        None,
        |store, claim, actor| async move { store.open_case(&claim, &actor, &write).await },
    )
    .await
}

/// Cases, the soonest due first.
#[utoipa::path(get, path = "/v1/cases", tag = "investigations", params(CaseQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Page<CaseView>), (status = 400, body = riskdesk_api::Problem)))]
pub async fn cases(
    State(state): State<AppState>,
    signed: Signed,
    Params(query): Params<CaseQuery>,
) -> ApiResult<Json<Page<CaseView>>> {
    signed.require(Permission::Investigate)?;
    let status = query.status.map(|s| s.as_str());
    let request = page_request(query.cursor.as_deref(), query.limit, &status, 2)?;
    let rows = state.store.cases(status, &request).await?;
    let now = state.clock.now_ms();
    Ok(Json(page(
        rows,
        &request,
        &status,
        |r| vec![r.due_at, r.id],
        |row| views::case(row, now),
    )?))
}

/// A case with its members, notes and attachments.
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "investigations", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CaseDetail), (status = 404, body = riskdesk_api::Problem)))]
pub async fn case(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<CaseDetail>> {
    signed.require(Permission::Investigate)?;
    let detail = stored_case(&state, id).await?;
    let shared = shared_among(&state, &account_members(&detail)).await?;
    Ok(Json(views::case_detail(
        detail,
        shared,
        state.clock.now_ms(),
    )?))
}

fn account_members(detail: &crate::store::CaseDetailRow) -> Vec<i64> {
    detail
        .members
        .iter()
        .filter(|m| m.kind == CaseMemberKind::Account.as_str())
        .map(|m| m.ref_id)
        .collect()
}

/// Each thing two or more of `accounts` share, with them; a phone, an
/// identity or a home without its value.
async fn shared_among(state: &AppState, accounts: &[i64]) -> ApiResult<Vec<SharedAmong>> {
    let every: Vec<LinkKind> = LinkKind::iter().collect();
    let mut by_thing: BTreeMap<(LinkKind, String), Vec<i64>> = BTreeMap::new();
    for m in state.store.links_of(accounts, &every).await? {
        by_thing
            .entry((m.entity.kind, m.entity.value))
            .or_default()
            .push(m.account_id);
    }
    Ok(by_thing
        .into_iter()
        .filter(|(_, ids)| ids.len() >= 2)
        .map(|((kind, value), mut ids)| {
            ids.sort_unstable();
            SharedAmong {
                kind,
                value: kind.shows_value().then_some(value),
                accounts: ids,
            }
        })
        .collect())
}

/// A step on a case: add records, a note, check an item, tag it, hand it
/// on, or close it — which closes its open alerts with one disposition
/// (each as the officer's own close would; one that may not be closed
/// refuses the whole step).
#[utoipa::path(post, path = "/v1/cases/{id}/steps", tag = "investigations",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = CaseStepRequest, security(("bearer" = [])),
    responses((status = 200, body = CaseView), (status = 409, body = riskdesk_api::Problem),
        (status = 412, body = riskdesk_api::Problem)))]
pub async fn step(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<CaseStepRequest>,
) -> ApiResult<Response> {
    signed.require(Permission::Investigate)?;
    let step = match &request.step {
        CaseStep::AddMembers {
            accounts,
            alerts,
            disputes,
            freezes,
        } => {
            let count = accounts.len() + alerts.len() + disputes.len() + freezes.len();
            if count == 0 || count > MAX_ADDED {
                return Err(ApiError::invalid(format!(
                    "add 1–{MAX_ADDED} records at a time"
                )));
            }
            request.step.clone()
        }
        CaseStep::Note { body } => CaseStep::Note {
            body: text(body, "body", 2_000)?,
        },
        CaseStep::Tag { tags: given } => CaseStep::Tag {
            tags: tags(given).map_err(|e| ApiError::invalid(e.to_string()))?,
        },
        CaseStep::Assign { to } => CaseStep::Assign {
            to: text(to, "to", 64)?,
        },
        CaseStep::Close {
            disposition,
            outcome,
        } => CaseStep::Close {
            disposition: *disposition,
            outcome: text(outcome, "outcome", 2_000)?,
        },
        CaseStep::Check { .. } => request.step.clone(),
    };
    let write = CaseStepWrite {
        id,
        version: version(request.version, "case")?,
        step,
    };
    let route = format!("cases/{id}/steps");
    decide(
        &state,
        &signed,
        key,
        &route,
        &request,
        None,
        |store, claim, actor| async move { store.case_step(&claim, &actor, &write).await },
    )
    .await
}

/// The name an attachment is kept under.
#[derive(Clone, Debug, serde::Deserialize, serde::Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachmentName {
    /// 1–120 characters, not starting with a dot, no path separators or
    /// control characters.
    #[param(
        min_length = 1,
        max_length = 120,
        pattern = r"^[^./\\\s\x00-\x1f\x7f-\x9f][^/\\\x00-\x1f\x7f-\x9f]*$"
    )]
    pub name: String,
}

/// What an upload is identified by for its idempotency key: never its bytes.
#[derive(serde::Serialize)]
struct Upload<'a> {
    name: &'a str,
    content_type: &'a str,
    sha256: &'a str,
    size: usize,
}

/// The type of `bytes` as kept: a PDF, PNG or JPEG by its magic bytes, or
/// text (UTF-8 without NUL) declared as text; it must be what `declared`
/// says. Anything else — a program, an archive, a page with scripts
/// declared as an image — is refused.
fn checked_type(declared: &str, bytes: &[u8]) -> ApiResult<String> {
    let declared = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let found = match infer::get(bytes) {
        Some(kind) => kind.mime_type().to_owned(),
        None if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() => {
            if declared == "text/csv" {
                "text/csv".to_owned()
            } else {
                "text/plain".to_owned()
            }
        }
        None => "application/octet-stream".to_owned(),
    };
    if !ATTACHMENT_TYPES.contains(&found.as_str()) {
        return Err(ApiError::new(
            ProblemCode::UnsupportedMediaType,
            format!("the file is {found}: a case keeps only PDF, PNG, JPEG and plain text or CSV"),
        ));
    }
    if declared != found {
        return Err(ApiError::new(
            ProblemCode::UnsupportedMediaType,
            format!("the file was sent as {declared:?} but is {found}"),
        ));
    }
    Ok(found)
}

/// Keeps a file with a case (a customer's or the platform's): the body is
/// the file, its `Content-Type` what it is, `name` what it is called. At
/// most 5 MiB; PDF, PNG, JPEG, plain text or CSV, checked from its bytes;
/// never opened or run by the service.
#[utoipa::path(post, path = "/v1/cases/{id}/attachments", tag = "investigations",
    params(("id" = i64, Path), AttachmentName, ("Idempotency-Key" = String, Header)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    security(("bearer" = [])),
    responses((status = 200, body = AttachmentView), (status = 413, body = riskdesk_api::Problem),
        (status = 415, body = riskdesk_api::Problem), (status = 404, body = riskdesk_api::Problem)))]
pub async fn attach(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Params(query): Params<AttachmentName>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Response> {
    signed.require(Permission::Investigate)?;
    let name = query.name.trim().to_owned();
    let fine = (1..=120).contains(&name.chars().count())
        && !name.starts_with('.')
        && !name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\');
    if !fine {
        return Err(ApiError::invalid(
            "name must be 1–120 characters, not starting with a dot, without / \\ or control characters",
        ));
    }
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = axum::body::to_bytes(body, MAX_ATTACHMENT_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                ProblemCode::PayloadTooLarge,
                format!(
                    "a case keeps files of at most {} MiB",
                    MAX_ATTACHMENT_BYTES / 1024 / 1024
                ),
            )
        })?;
    if bytes.is_empty() {
        return Err(ApiError::invalid("the file is empty"));
    }
    let content_type = checked_type(&declared, &bytes)?;
    let sha256 = riskdesk_domain::audit::hex(&Sha256::digest(&bytes));
    let upload = Upload {
        name: &name,
        content_type: &content_type,
        sha256: &sha256,
        size: bytes.len(),
    };
    let write = AttachmentWrite {
        case_id: id,
        name: name.clone(),
        content_type: content_type.clone(),
        sha256: sha256.clone(),
        content: bytes.to_vec(),
    };
    let route = format!("cases/{id}/attachments");
    decide(
        &state,
        &signed,
        key,
        &route,
        &upload,
        None,
        |store, claim, actor| async move { store.add_attachment(&claim, &actor, &write).await },
    )
    .await
}

/// A case's file, to save: served as the type its bytes were found to be,
/// as a download that nothing renders in place.
#[utoipa::path(get, path = "/v1/cases/{id}/attachments/{attachment}", tag = "investigations",
    params(("id" = i64, Path), ("attachment" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = riskdesk_api::Problem)))]
pub async fn attachment(
    State(state): State<AppState>,
    signed: Signed,
    PathParam((id, attachment)): PathParam<(i64, i64)>,
) -> ApiResult<Response> {
    signed.require(Permission::Investigate)?;
    let (row, bytes) = state
        .store
        .attachment(id, attachment)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("attachment {attachment} of case {id}")))?;
    let encoded: String = row
        .name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, row.content_type),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"attachment-{}\"; filename*=UTF-8''{encoded}",
                    row.id
                ),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// Freezes all that each of the case's accounts has available, each as an
/// officer's freeze (its rules, its audit entry), the freezes added to the
/// case; an account that may not be frozen (closed, nothing available) is
/// refused alone, in its own line of the answer.
#[utoipa::path(post, path = "/v1/cases/{id}/freeze-all", tag = "investigations",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = CaseFreezeAll, security(("bearer" = [])),
    responses((status = 200, body = CaseFreezesResult), (status = 404, body = riskdesk_api::Problem),
        (status = 409, body = riskdesk_api::Problem)))]
pub async fn freeze_all(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<CaseFreezeAll>,
) -> ApiResult<Response> {
    signed.require(Permission::Investigate)?;
    signed.require(Permission::FreezeCredit)?;
    let write = CaseFreezeWrite {
        case_id: id,
        reason: text(&request.reason, "reason", 500)?,
        lapses_at: super::freezes::lapse(request.lapses_at, state.clock.now_ms())?,
    };
    let route = format!("cases/{id}/freeze-all");
    decide(
        &state,
        &signed,
        key,
        &route,
        &request,
        None,
        |store, claim, actor| async move { store.freeze_case(&claim, &actor, &write).await },
    )
    .await
}

/// Blacklists devices, addresses or /24 blocks two or more of the case's
/// accounts share, each as an entry of its own (its audit entry), the
/// entries added to the case. A thing the accounts do not share, or one
/// listed already, is refused alone, in its own line of the answer.
#[utoipa::path(post, path = "/v1/cases/{id}/blacklist-shared", tag = "investigations",
    params(("id" = i64, Path), ("Idempotency-Key" = String, Header)),
    request_body = CaseBlacklistShared, security(("bearer" = [])),
    responses((status = 200, body = CaseBlacklistResult), (status = 400, body = riskdesk_api::Problem),
        (status = 404, body = riskdesk_api::Problem), (status = 409, body = riskdesk_api::Problem)))]
pub async fn blacklist_shared(
    State(state): State<AppState>,
    signed: Signed,
    key: WriteKey,
    PathParam(id): PathParam<i64>,
    Body(request): Body<CaseBlacklistShared>,
) -> ApiResult<Response> {
    signed.require(Permission::Investigate)?;
    signed.require(Permission::ManageBlacklist)?;
    if !(1..=MAX_LISTED).contains(&request.things.len()) {
        return Err(ApiError::invalid(format!(
            "things must hold 1–{MAX_LISTED} devices, addresses or blocks"
        )));
    }
    let mut things: Vec<SharedListing> = Vec::with_capacity(request.things.len());
    for thing in &request.things {
        if thing.value.chars().count() > 64 {
            return Err(ApiError::invalid(
                "a thing's value is at most 64 characters",
            ));
        }
        let Some(listed_kind) = thing.kind.listed_as() else {
            return Err(ApiError::invalid(format!(
                "a {} is not listed from a case: only devices, addresses and blocks",
                thing.kind.as_str()
            )));
        };
        let listed_value = normalise(listed_kind, &thing.value).map_err(|e| {
            ApiError::invalid(format!("{} {:?}: {e}", thing.kind.as_str(), thing.value))
        })?;
        if things
            .iter()
            .any(|t| t.kind == thing.kind && t.value == thing.value)
        {
            return Err(ApiError::invalid(format!(
                "{} {} is named twice",
                thing.kind.as_str(),
                thing.value
            )));
        }
        things.push(SharedListing {
            kind: thing.kind,
            value: thing.value.clone(),
            listed_kind,
            listed_value,
        });
    }
    if let Some(expires_at) = request.expires_at
        && expires_at <= utc(state.clock.now_ms())
    {
        return Err(ApiError::invalid("expires_at must be in the future"));
    }
    let write = CaseBlacklistWrite {
        case_id: id,
        things,
        reason: text(&request.reason, "reason", 500)?,
        expires_at: request.expires_at.map(|t| t.timestamp_millis()),
    };
    let route = format!("cases/{id}/blacklist-shared");
    decide(
        &state,
        &signed,
        key,
        &route,
        &request,
        None,
        |store, claim, actor| async move { store.blacklist_case(&claim, &actor, &write).await },
    )
    .await
}

/// What a case's report is written from, in one answer: the case (with what
/// its accounts share), its accounts, alerts, freezes and blacklist entries
/// as they are now.
#[utoipa::path(get, path = "/v1/cases/{id}/report", tag = "investigations", params(("id" = i64, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = CaseReport), (status = 404, body = riskdesk_api::Problem)))]
pub async fn report(
    State(state): State<AppState>,
    signed: Signed,
    PathParam(id): PathParam<i64>,
) -> ApiResult<Json<CaseReport>> {
    signed.require(Permission::Investigate)?;
    let detail = stored_case(&state, id).await?;
    let now = state.clock.now_ms();
    let accounts = account_members(&detail);
    let records = state.store.case_records(id).await?;
    let shared = shared_among(&state, &accounts).await?;
    let members = state.store.linked_accounts(&accounts).await?;
    Ok(Json(CaseReport {
        case: views::case_detail(detail, shared, now)?,
        accounts: members
            .into_iter()
            .map(views::linked_account)
            .collect::<ApiResult<_>>()?,
        alerts: records
            .alerts
            .into_iter()
            .map(|a| views::alert(a, now))
            .collect::<ApiResult<_>>()?,
        freezes: records
            .freezes
            .into_iter()
            .map(views::freeze)
            .collect::<ApiResult<_>>()?,
        blacklist: records
            .blacklist
            .into_iter()
            .map(views::blacklist_entry)
            .collect::<ApiResult<_>>()?,
    }))
}
