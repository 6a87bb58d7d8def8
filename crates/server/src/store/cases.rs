//! Cases (`Cases`): investigations worked as one — opened, stepped and
//! closed as decisions (claimed, versioned, audited), read with their
//! members, notes and attachments.

use riskdesk_domain::blacklist::BlacklistKind;
use riskdesk_domain::case::CaseStep;
use riskdesk_domain::links::LinkKind;

use super::{Actor, Claim, Decided, PageRequest, StoreResult};

pub const CASE_FIELDS: &str = "id, title, severity, status, owner, due_at, checklist, tags, \
     disposition, outcome, created_by, created_at, closed_by, closed_at, version";

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct CaseRow {
    pub id: i64,
    pub title: String,
    pub severity: String,
    pub status: String,
    pub owner: String,
    pub due_at: i64,
    /// JSON: the items checked off, `[{"item", "done_by", "done_at"}]`.
    pub checklist: String,
    /// JSON: `["tag", …]`.
    pub tags: String,
    pub disposition: Option<String>,
    pub outcome: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseMemberRow {
    pub kind: String,
    pub ref_id: i64,
    pub added_by: String,
    pub added_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseNoteRow {
    pub id: i64,
    pub author: String,
    pub body: String,
    pub created_at: i64,
}

/// An attachment as listed (its content is read apart).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct AttachmentRow {
    pub id: i64,
    pub case_id: i64,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

pub const ATTACHMENT_FIELDS: &str =
    "id, case_id, name, content_type, size_bytes, sha256, uploaded_by, uploaded_at";

/// A case with what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseDetailRow {
    pub case: CaseRow,
    pub members: Vec<CaseMemberRow>,
    pub notes: Vec<CaseNoteRow>,
    pub attachments: Vec<AttachmentRow>,
}

/// The decisions a case holds, as they are now.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseRecords {
    pub alerts: Vec<super::AlertRow>,
    pub freezes: Vec<super::FreezeRow>,
    pub blacklist: Vec<super::BlacklistRow>,
}

/// A case opened by an investigator, who owns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCaseWrite {
    pub title: String,
    pub severity: String,
    pub due_at: i64,
    pub accounts: Vec<i64>,
    pub alerts: Vec<i64>,
    /// The accounts' alerts that wait in the queue come too.
    pub with_waiting_alerts: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseStepWrite {
    pub id: i64,
    pub version: i64,
    pub step: CaseStep,
}

/// A file for a case, its type already checked from its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentWrite {
    pub case_id: i64,
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub content: Vec<u8>,
}

/// Freeze all that each of the case's accounts has available.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFreezeWrite {
    pub case_id: i64,
    pub reason: String,
    pub lapses_at: Option<i64>,
}

/// One account's freeze in a case's freeze of all, or why not.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CaseFreezeItem {
    pub account_id: i64,
    pub outcome: Result<super::FreezeRow, super::Refused>,
}

/// Blacklist things the case's accounts share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseBlacklistWrite {
    pub case_id: i64,
    pub things: Vec<SharedListing>,
    pub reason: String,
    pub expires_at: Option<i64>,
}

/// A thing as the links name it, and as the blacklist lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedListing {
    pub kind: LinkKind,
    pub value: String,
    pub listed_kind: BlacklistKind,
    /// Normalised as the blacklist keeps it.
    pub listed_value: String,
}

/// One thing's entry in a case's blacklisting, or why not.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CaseBlacklistItem {
    pub kind: LinkKind,
    pub value: String,
    pub outcome: Result<super::BlacklistRow, super::Refused>,
}

#[async_trait::async_trait]
pub trait Cases: Send + Sync {
    /// Freezes each of the case's accounts, each as an officer's freeze
    /// (its rules, its audit entry), the freezes added to the case; an
    /// account that may not be frozen is refused alone.
    async fn freeze_case(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &CaseFreezeWrite,
    ) -> StoreResult<Decided>;
    /// Lists each thing two or more of the case's accounts share, each as
    /// an entry of its own (its audit entry), the entries added to the
    /// case; a thing not shared, or listed already, is refused alone.
    async fn blacklist_case(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &CaseBlacklistWrite,
    ) -> StoreResult<Decided>;
    async fn open_case(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &OpenCaseWrite,
    ) -> StoreResult<Decided>;
    async fn case_step(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &CaseStepWrite,
    ) -> StoreResult<Decided>;
    async fn add_attachment(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &AttachmentWrite,
    ) -> StoreResult<Decided>;
    /// Cases by status (all when `None`), the soonest due first, by keyset
    /// on (due_at, id).
    async fn cases(&self, status: Option<&str>, page: &PageRequest) -> StoreResult<Vec<CaseRow>>;
    async fn case(&self, id: i64) -> StoreResult<Option<CaseDetailRow>>;
    /// The case's alerts, freezes and blacklist entries, as they are now.
    async fn case_records(&self, id: i64) -> StoreResult<CaseRecords>;
    /// An attachment of the case and its bytes.
    async fn attachment(
        &self,
        case_id: i64,
        id: i64,
    ) -> StoreResult<Option<(AttachmentRow, Vec<u8>)>>;
}
