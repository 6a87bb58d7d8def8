//! Why an operator's decision was refused, as data. The domain's rules
//! return these; the store records one as the decision's outcome, so that a
//! retry is answered the same; the service answers each with its problem
//! code (`http/decide.rs`) and this text as the detail.

use serde::{Deserialize, Serialize};

use crate::account::LineRefusal;
use crate::blacklist::RemovalRefusal;
use crate::dispute::{DisputeRefusal, OpenRefusal};
use crate::limit_change::ApprovalRefusal;
use crate::operator::AdminRefusal;
use crate::rule_sets::RuleSetRefusal;
use crate::triage::{AssigneeRefusal, TriageRefusal};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "refusal", content = "why", rename_all = "snake_case")]
pub enum Refusal {
    #[error("{0}")]
    Missing(#[from] Missing),
    #[error("{0}")]
    Exists(#[from] Exists),
    /// The record changed since the operator loaded it: the answer carries
    /// it as it is now.
    #[error("the record changed since it was loaded")]
    Stale,
    /// The step-up code's time step was spent already (a code works once).
    #[error("that code was already used; wait for the next one")]
    StepUsed,
    #[error("{0}")]
    Line(#[from] LineRefusal),
    #[error("{0}")]
    Approval(#[from] ApprovalRefusal),
    #[error("{0}")]
    Dispute(#[from] DisputeRefusal),
    #[error("{0}")]
    Open(#[from] OpenRefusal),
    #[error("{0}")]
    Triage(#[from] TriageRefusal),
    #[error("{0}")]
    Assignee(#[from] AssigneeRefusal),
    #[error("{0}")]
    Removal(#[from] RemovalRefusal),
    #[error("{0}")]
    Admin(#[from] AdminRefusal),
    #[error("{0}")]
    Ended(#[from] Ended),
    #[error("{0}")]
    RuleSet(#[from] RuleSetRefusal),
    #[error("{0}")]
    Case(#[from] crate::case::CaseRefusal),
    /// A refund the payment's ledger refused.
    #[error("{0}")]
    Refund(#[from] crate::ledger::LedgerRefusal),
    /// Recorded by an earlier release, before refusals were data: answered
    /// as it was recorded.
    #[error("{detail}")]
    Earlier { code: String, detail: String },
}

/// The record a decision names does not exist.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    #[error("account {0} not found")]
    Account(i64),
    #[error("alert {0} not found")]
    Alert(i64),
    #[error("no open alert is waiting: the queue is clear")]
    OpenAlert,
    #[error("limit change {0} not found")]
    LimitChange(i64),
    #[error("freeze {0} not found")]
    Freeze(i64),
    #[error("blacklist entry {0} not found")]
    BlacklistEntry(i64),
    #[error("no customer {0}")]
    Customer(i64),
    #[error("transaction {0} not found")]
    Transaction(i64),
    #[error("dispute {0} not found")]
    Dispute(i64),
    #[error("operator {0} not found")]
    Operator(String),
    #[error("session {0} not found")]
    Session(String),
    #[error("service client {0} not found")]
    ServiceClient(String),
    #[error("rules version {0} not found")]
    RuleSet(i64),
    #[error("case {0} not found")]
    Case(i64),
}

/// What a decision would create exists already.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exists {
    #[error("request #{0} for this account is still pending; decide it first")]
    PendingLimitChange(i64),
    #[error("{kind} {value} is already listed (entry #{entry})")]
    Listed {
        kind: String,
        value: String,
        entry: i64,
    },
    /// Listed by a decision that committed while this one was deciding.
    #[error("{kind} {value} is already listed")]
    ListedMeanwhile { kind: String, value: String },
    #[error("dispute #{0} about this payment is still open")]
    OpenDispute(i64),
    #[error("this dispute was refunded already")]
    Refunded,
    #[error("an operator {0} exists already")]
    Operator(String),
    #[error("a service client {0} exists already")]
    ServiceClient(String),
}

/// A record whose life ended already: a session, a service client's key,
/// a freeze.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    #[error("the session has ended already")]
    Session,
    #[error("{0} is revoked already")]
    ServiceClient(String),
    #[error("the freeze was already released ({0})")]
    Freeze(String),
}
