//! Credit-limit change requests, proposed by an officer or the engine and
//! approved under the four-eyes rule.

use chrono::{DateTime, Utc};

use crate::money::Money;

/// A proposed change of an account's limit.
#[derive(Clone, Debug, PartialEq)]
pub struct LimitChangeRequest {
    pub id: i64,
    pub account_id: i64,
    pub current_limit: Money,
    pub proposed_limit: Money,
    pub reason: LimitChangeReason,
    pub source: LimitChangeSource,
    pub status: LimitChangeStatus,
    /// Who proposed it: an operator id, or `system` for the engine.
    pub maker: String,
    /// Who approved or rejected it; never the maker.
    pub checker: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i64,
}

vocabulary! {
    /// Who proposed a limit change.
    pub enum LimitChangeSource {
        Officer,
        System,
    }
}

vocabulary! {
    /// Lifecycle of a limit-change request.
    pub enum LimitChangeStatus {
        Pending,
        Approved,
        Rejected,
        Applied,
        Expired,
    }
}

vocabulary! {
    /// Why a limit change was proposed.
    pub enum LimitChangeReason {
        GoodRepaymentHistory,
        IncomeIncrease,
        CustomerRequest,
        RisingDelinquency,
        FraudSuspicion,
        HighUtilisation,
        Inactivity,
    }
}
