//! The operators' side of the store: triage, limit changes, freezes, the
//! blacklist and disputes. Each decision is one database transaction that locks the
//! record, checks its version and the rules, writes the change and its audit
//! entry, and records its outcome under the request's idempotency key — so a
//! decision and its recorded answer commit together or not at all.

use riskdesk_domain::operator::Role;
use riskdesk_domain::refusal::Refusal;
use riskdesk_domain::triage::TriageAction;

use super::{AlertRow, BlacklistRow, DisputeRow, FreezeRow, LimitChangeRow, StoreResult};

/// An operator's idempotency key, claimed for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// `operator:<id>`: keys are per operator.
    pub scope: String,
    pub key: String,
    /// SHA-256 of the route and the body: the same key with another request is refused.
    pub request_hash: String,
    pub now: i64,
}

/// What claiming a key found.
#[derive(Clone, Debug, PartialEq)]
pub enum Claimed {
    /// The key is ours: go on.
    New,
    /// The same request was decided before: its outcome.
    Replay(Box<Decided>),
    /// The same request is being decided right now.
    InFlight,
    /// The key was used before with another request.
    Mismatch,
}

/// What a decision did, as recorded for retries: the record after it, or why
/// it was refused (a refusal writes nothing but its outcome).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
pub enum Decided {
    Alert(AlertRow),
    Bulk(Vec<BulkItem>),
    Note(NoteRow),
    LimitChange(LimitChangeRow),
    Freeze(FreezeRow),
    Blacklist(BlacklistRow),
    Dispute(DisputeRow),
    Operator(super::OperatorAdminRow),
    Session(super::SessionAdminRow),
    ServiceClient(super::ServiceClientAdminRow),
    RuleSet(super::RuleSetRow),
    Case(super::CaseRow),
    CaseFreezes(Vec<super::CaseFreezeItem>),
    CaseBlacklist(Vec<super::CaseBlacklistItem>),
    Attachment(super::AttachmentRow),
    Refused(Refused),
}

/// One alert's outcome in a bulk step.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BulkItem {
    pub id: i64,
    pub outcome: Result<AlertRow, Refused>,
}

/// Why a decision was refused (the domain's reason), with the record as it
/// is now when that helps the operator (a stale version, a duplicate).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(from = "RecordedRefusal")]
pub struct Refused {
    pub refusal: Refusal,
    pub current: Option<Box<Decided>>,
}

impl Refused {
    pub fn new(refusal: impl Into<Refusal>) -> Refused {
        Refused {
            refusal: refusal.into(),
            current: None,
        }
    }

    pub fn stale(current: Decided) -> Refused {
        Refused::new(Refusal::Stale).with_current(current)
    }

    pub fn with_current(self, current: Decided) -> Refused {
        Refused {
            current: Some(Box::new(current)),
            ..self
        }
    }
}

/// A refusal as the idempotency table holds it: as data, or as an earlier
/// release recorded it (its problem code and text), answered as it was.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum RecordedRefusal {
    Now {
        refusal: Refusal,
        current: Option<Box<Decided>>,
    },
    Earlier {
        code: String,
        detail: String,
        current: Option<Box<Decided>>,
    },
}

impl From<RecordedRefusal> for Refused {
    fn from(recorded: RecordedRefusal) -> Refused {
        match recorded {
            RecordedRefusal::Now { refusal, current } => Refused { refusal, current },
            RecordedRefusal::Earlier {
                code,
                detail,
                current,
            } => Refused {
                refusal: Refusal::Earlier { code, detail },
                current,
            },
        }
    }
}

/// Who decides, and the TOTP step their fresh code matched (for the
/// decisions that need one; it is spent in the decision's transaction).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub id: String,
    pub role: Role,
    pub step: Option<i64>,
}

/// A triage step on one or more alerts, each with the version it is based on.
#[derive(Clone, Debug, PartialEq)]
pub struct TriageWrite {
    pub items: Vec<(i64, i64)>,
    pub action: TriageAction,
    pub note: Option<String>,
    /// Answer with a per-item list rather than the one alert.
    pub bulk: bool,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct NoteRow {
    pub id: i64,
    pub alert_id: i64,
    pub author: String,
    pub body: String,
    pub created_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProposalWrite {
    pub account_id: i64,
    pub proposed_limit_fen: i64,
    pub reason: String,
    pub note: Option<String>,
    /// The most any line may be (the rules file's `limit_review.max_limit`).
    pub max_limit_fen: i64,
    pub expires_ms: i64,
    pub approval: riskdesk_domain::rules::LimitApproval,
}

/// Approve (with a step) or reject (with a reason) a pending limit change.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitDecisionWrite {
    pub id: i64,
    pub version: i64,
    pub approve: bool,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FreezeWrite {
    pub account_id: i64,
    /// `None`: all that is available.
    pub amount_fen: Option<i64>,
    pub reason: String,
    pub lapses_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReleaseWrite {
    pub id: i64,
    pub version: i64,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BlacklistWrite {
    pub kind: String,
    /// Normalised already.
    pub value: String,
    pub reason: String,
    pub expires_at: Option<i64>,
}

pub use riskdesk_domain::blacklist::RemovalStep;

#[derive(Clone, Debug, PartialEq)]
pub struct RemovalWrite {
    pub id: i64,
    pub version: i64,
    pub step: RemovalStep,
    pub reason: Option<String>,
}

/// A dispute to open.
#[derive(Clone, Debug, PartialEq)]
pub struct DisputeOpen {
    pub transaction_id: i64,
    pub reason: String,
    pub statement: String,
    /// A JSON array of strings.
    pub attachments: String,
    pub sla_ms: i64,
}

/// A step on an open dispute.
#[derive(Clone, Debug, PartialEq)]
pub struct DisputeStep {
    pub id: i64,
    pub version: i64,
    pub step: riskdesk_domain::dispute::DisputeStep,
    /// The note or reason the step is recorded with.
    pub note: String,
    /// Who approves a refund of which size (the rules file's).
    pub policy: riskdesk_domain::rules::DisputeApproval,
}

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct DisputeEventRow {
    pub id: i64,
    pub dispute_id: i64,
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub note: Option<String>,
}

/// Idempotency for the operators' decisions: each decision runs under a
/// claimed key and records its outcome there, so a retry gets the same answer.
#[async_trait::async_trait]
pub trait Claims: Send + Sync {
    /// Claims an idempotency key. A claim left unfinished before
    /// `stale_before` (its instance died) is taken over.
    async fn claim(&self, claim: &Claim, stale_before: i64) -> StoreResult<Claimed>;
    /// Drops a claim whose request failed inside the service.
    async fn forget_claim(&self, claim: &Claim) -> StoreResult<()>;
}

/// Triage of the fraud alerts, and their notes. Each returns what it did, or
/// why not ([`Decided::Refused`]); an `Err` is a database failure, after
/// which the claim should be forgotten so that a retry can try again.
#[async_trait::async_trait]
pub trait AlertDecisions: Send + Sync {
    async fn alert(&self, id: i64) -> StoreResult<Option<AlertRow>>;
    async fn alert_notes(&self, alert_id: i64) -> StoreResult<Vec<NoteRow>>;
    async fn triage(&self, claim: &Claim, actor: &Actor, w: &TriageWrite) -> StoreResult<Decided>;
    /// Claims the most severe, oldest open alert nobody holds.
    async fn next_alert(&self, claim: &Claim, actor: &Actor) -> StoreResult<Decided>;
    async fn add_note(
        &self,
        claim: &Claim,
        actor: &Actor,
        alert_id: i64,
        body: &str,
    ) -> StoreResult<Decided>;
}

/// Limit changes and freezes on an account's line. Each returns what it did,
/// or why not ([`Decided::Refused`]); an `Err` is a database failure, after
/// which the claim should be forgotten so that a retry can try again.
#[async_trait::async_trait]
pub trait LineDecisions: Send + Sync {
    async fn limit_change(&self, id: i64) -> StoreResult<Option<LimitChangeRow>>;
    async fn propose_limit_change(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &ProposalWrite,
    ) -> StoreResult<Decided>;
    async fn decide_limit_change(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &LimitDecisionWrite,
    ) -> StoreResult<Decided>;

    async fn freeze(&self, claim: &Claim, actor: &Actor, w: &FreezeWrite) -> StoreResult<Decided>;
    async fn release_freeze(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &ReleaseWrite,
    ) -> StoreResult<Decided>;
}

/// The blacklist's entries. Each returns what it did, or why not
/// ([`Decided::Refused`]); an `Err` is a database failure, after which the
/// claim should be forgotten so that a retry can try again.
#[async_trait::async_trait]
pub trait BlacklistDecisions: Send + Sync {
    async fn add_blacklist(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &BlacklistWrite,
    ) -> StoreResult<Decided>;
    async fn blacklist_removal(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &RemovalWrite,
    ) -> StoreResult<Decided>;
}

/// Disputes over a payment. Each returns what it did, or why not
/// ([`Decided::Refused`]); an `Err` is a database failure, after which the
/// claim should be forgotten so that a retry can try again.
#[async_trait::async_trait]
pub trait DisputeDecisions: Send + Sync {
    async fn dispute(&self, id: i64) -> StoreResult<Option<DisputeRow>>;
    async fn dispute_events(&self, id: i64) -> StoreResult<Vec<DisputeEventRow>>;
    async fn open_dispute(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &DisputeOpen,
    ) -> StoreResult<Decided>;
    /// Escalates, or resolves by refund (in the same transaction as the
    /// refund itself) or by rejection.
    async fn dispute_step(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &DisputeStep,
    ) -> StoreResult<Decided>;
}

/// What the audit trail keeps of a blacklist entry: an admin, who reads the
/// trail, sees no customer's phone or ID hash — only their masked forms.
impl BlacklistRow {
    pub fn audited(&self) -> BlacklistRow {
        let value = match self.kind.as_str() {
            "phone" => riskdesk_domain::pii::mask_phone(&self.value),
            "national_id_hash" => riskdesk_domain::pii::mask_national_id(&self.value),
            _ => self.value.clone(),
        };
        BlacklistRow {
            value,
            ..self.clone()
        }
    }
}

/// What the audit trail keeps of a dispute: the customer's statement is
/// referenced, not copied (it stays on the dispute, for those who may read it).
impl DisputeRow {
    pub fn audited(&self) -> DisputeRow {
        DisputeRow {
            statement: format!(
                "(the customer's statement: {} characters, on dispute {})",
                self.statement.chars().count(),
                self.id
            ),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use riskdesk_domain::refusal::{Exists, Refusal};

    use super::{Decided, Refused};

    #[test]
    fn a_refusal_recorded_by_an_earlier_release_is_answered_as_it_was() {
        let earlier = r#"{"kind":"refused","record":{"code":"duplicate","detail":"device d-1 is already listed","current":null}}"#;
        let decided: Decided = serde_json::from_str(earlier).unwrap();
        assert_eq!(
            decided,
            Decided::Refused(Refused::new(Refusal::Earlier {
                code: "duplicate".to_owned(),
                detail: "device d-1 is already listed".to_owned(),
            }))
        );
    }

    #[test]
    fn a_refusal_is_recorded_as_data_and_read_back_the_same() {
        let refused = Refused::new(Exists::OpenDispute(7));
        let text = serde_json::to_string(&Decided::Refused(refused.clone())).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"refused","record":{"refusal":{"refusal":"exists","why":{"open_dispute":7}},"current":null}}"#
        );
        let back: Decided = serde_json::from_str(&text).unwrap();
        assert_eq!(back, Decided::Refused(refused));
        assert_eq!(
            Refusal::from(Exists::OpenDispute(7)).to_string(),
            "dispute #7 about this payment is still open"
        );
    }
}
