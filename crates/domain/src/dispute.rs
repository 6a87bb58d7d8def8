//! Customer disputes about transactions.

use chrono::{DateTime, Utc};

/// A customer's dispute about one transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Dispute {
    pub id: i64,
    pub account_id: i64,
    pub transaction_id: i64,
    pub reason: DisputeReason,
    pub status: DisputeStatus,
    /// The customer's own words.
    pub statement: String,
    pub opened_by: String,
    pub created_at: DateTime<Utc>,
    pub sla_due_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub version: i64,
}

vocabulary! {
    /// The customer's complaint.
    pub enum DisputeReason {
        Unauthorized,
        NotReceived,
        DuplicateCharge,
        WrongAmount,
        RefundNotReceived,
    }
}

vocabulary! {
    /// Lifecycle of a dispute.
    pub enum DisputeStatus {
        Open,
        Escalated,
        ResolvedRefund,
        ResolvedRejected,
    }
}
