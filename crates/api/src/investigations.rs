//! Investigations on the wire: the accounts linked to one (the group
//! within two hops, what each pair shares, the group's score), and cases.

use chrono::{DateTime, Utc};
use riskdesk_domain::account::{AccountStatus, Grade};
use riskdesk_domain::alert::{Disposition, Severity};
pub use riskdesk_domain::case::{CaseCheck, CaseMemberKind, CaseStatus, CaseStep};
use riskdesk_domain::links::LinkKind;
use riskdesk_domain::money::Money;

/// The accounts linked to one, and how.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct AccountLinks {
    pub account_id: i64,
    pub score: RingScoreView,
    /// The group's accounts, the one asked about first (hop 0), then the
    /// most strongly linked; at most [`MAX_LISTED`], the score counts all.
    pub accounts: Vec<LinkedAccount>,
    /// Who is linked to whom, each pair once, nearer account first; only
    /// between listed accounts.
    pub links: Vec<AccountLink>,
    /// Things the account or its links share with too many accounts to be
    /// evidence (a carrier's address, a busy shop): counted, not followed.
    pub common: Vec<CommonThing>,
}

/// The most accounts a links answer lists.
pub const MAX_LISTED: usize = 500;

/// How dangerous the group looks.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct RingScoreView {
    /// Accounts in the group, the one asked about included.
    pub members: u32,
    /// The walk stopped at a limit: the group has at least `members`.
    pub at_least: bool,
    /// Members with an alert closed as confirmed fraud.
    pub confirmed_fraud: u32,
    /// Alerts not yet closed, over the members.
    pub open_alerts: u32,
    /// What the members' lines lend: used plus available.
    #[schema(example = "186000.00")]
    pub exposure: Money,
}

/// A member of the group.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct LinkedAccount {
    pub id: i64,
    /// 0 for the account asked about, then 1 or 2.
    pub hop: u8,
    pub name_masked: String,
    pub grade: Grade,
    pub status: AccountStatus,
    pub confirmed_fraud: bool,
    pub open_alerts: u32,
    #[schema(example = "20000.00")]
    pub limit: Money,
    #[schema(example = "4200.00")]
    pub used: Money,
    #[schema(example = "15800.00")]
    pub available: Money,
}

/// Two linked accounts and what they share.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct AccountLink {
    /// The account nearer the one asked about.
    pub from: i64,
    pub to: i64,
    pub shared: Vec<SharedThing>,
}

/// One thing two accounts share, with the farther account's use of it.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct SharedThing {
    pub kind: LinkKind,
    /// The device, address, block or merchant; absent for a phone, an
    /// identity or a home, which are matched by keyed hash and never shown.
    pub value: Option<String>,
    /// Payments the farther account made with it (0 for what the customer
    /// is rather than does).
    pub payments: i64,
    pub last_at: DateTime<Utc>,
}

/// A thing shared too widely to be evidence.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CommonThing {
    pub kind: LinkKind,
    pub value: Option<String>,
    /// More than this many accounts share it.
    pub more_than: u32,
}

/// Open a case: a title, the severity that sets its due time, and what it
/// starts with — an alert (its account comes with it) and accounts.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    /// 1–200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: String,
    /// Absent: the alert's, or medium.
    #[serde(default)]
    #[ts(optional)]
    pub severity: Option<Severity>,
    #[serde(default)]
    #[ts(optional)]
    pub alert_id: Option<i64>,
    /// At most 500.
    #[serde(default)]
    pub accounts: Vec<i64>,
    /// Also the alerts of these accounts that wait in the queue (open and
    /// unassigned), so that closing the case closes them.
    #[serde(default)]
    #[ts(optional)]
    pub with_waiting_alerts: Option<bool>,
}

/// A step on a case, based on the version the investigator loaded.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct CaseStepRequest {
    /// The case's version the step is based on; without it, 428.
    #[schema(value_type = i64, required = true)]
    #[ts(optional)]
    pub version: Option<i64>,
    pub step: CaseStep,
}

/// Cases by status, the soonest due first.
#[derive(
    Clone,
    Debug,
    Default,
    PartialEq,
    serde::Deserialize,
    serde::Serialize,
    utoipa::IntoParams,
    ts_rs::TS,
)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    #[ts(optional)]
    pub status: Option<CaseStatus>,
    #[ts(optional)]
    pub cursor: Option<String>,
    /// 1–200; 50 when absent.
    #[ts(optional)]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A case as listed.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CaseView {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub status: CaseStatus,
    pub owner: String,
    pub due_at: DateTime<Utc>,
    /// Open past its due time.
    pub overdue: bool,
    /// The items checked off, in the order they were.
    pub checklist: Vec<CheckedItem>,
    pub tags: Vec<String>,
    pub disposition: Option<Disposition>,
    pub outcome: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub closed_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CheckedItem {
    pub item: CaseCheck,
    pub done_by: String,
    pub done_at: DateTime<Utc>,
}

/// A case with what it holds.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CaseDetail {
    pub case: CaseView,
    pub members: Vec<CaseMemberView>,
    pub notes: Vec<CaseNoteView>,
    pub attachments: Vec<AttachmentView>,
    /// Each thing two or more of the case's accounts share, with them.
    pub shared: Vec<SharedAmong>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CaseMemberView {
    pub kind: CaseMemberKind,
    pub id: i64,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CaseNoteView {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A file kept with a case; its bytes are fetched apart.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct AttachmentView {
    pub id: i64,
    pub case_id: i64,
    pub name: String,
    /// The type its bytes are (checked, not as declared).
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: DateTime<Utc>,
}

/// The largest attachment the service keeps.
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;
/// The types it keeps, by their bytes.
pub const ATTACHMENT_TYPES: [&str; 5] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "text/plain",
    "text/csv",
];

/// Freeze all that each of a case's accounts has available.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct CaseFreezeAll {
    /// 1–500 characters.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
    /// When the freezes lapse by themselves; absent: until released.
    #[serde(default)]
    #[ts(optional)]
    pub lapses_at: Option<DateTime<Utc>>,
}

/// Each account's freeze, or why it was not frozen.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CaseFreezesResult {
    pub results: Vec<CaseFreezeResult>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CaseFreezeResult {
    pub account_id: i64,
    pub freeze: Option<crate::views::AccountFreezeView>,
    pub problem: Option<crate::Problem>,
}

/// Blacklist devices, addresses or /24 blocks the case's accounts share:
/// each as a blacklist entry of its own (its audit entry), added to the
/// case.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct CaseBlacklistShared {
    /// 1–100 things, each a `device`, `ip` or `ip_block` that two or more
    /// of the case's accounts share (`shared` of the case).
    #[schema(min_items = 1, max_items = 100)]
    pub things: Vec<ThingRef>,
    /// 1–500 characters.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
    /// When the entries lapse; absent: until removed.
    #[serde(default)]
    #[ts(optional)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// A thing the links know, by its kind and value.
#[derive(
    Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
#[serde(deny_unknown_fields)]
pub struct ThingRef {
    pub kind: LinkKind,
    #[schema(example = "dev-8f3a21", max_length = 64)]
    pub value: String,
}

/// Each thing's blacklist entry, or why it was not listed.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CaseBlacklistResult {
    pub results: Vec<CaseBlacklistItem>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CaseBlacklistItem {
    pub thing: ThingRef,
    pub entry: Option<crate::views::BlacklistEntryView>,
    pub problem: Option<crate::Problem>,
}

/// What a case's report is written from, in one answer: the case (with
/// what its accounts share), its accounts as the links show them, and its
/// alerts, freezes and blacklist entries as they are now.
#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct CaseReport {
    pub case: CaseDetail,
    pub accounts: Vec<LinkedAccount>,
    pub alerts: Vec<crate::views::AlertView>,
    pub freezes: Vec<crate::views::AccountFreezeView>,
    pub blacklist: Vec<crate::views::BlacklistEntryView>,
}

#[derive(
    Clone, Debug, PartialEq, serde::Deserialize, serde::Serialize, utoipa::ToSchema, ts_rs::TS,
)]
pub struct SharedAmong {
    pub kind: LinkKind,
    /// Absent for a phone, an identity or a home (matched by keyed hash).
    pub value: Option<String>,
    pub accounts: Vec<i64>,
}
