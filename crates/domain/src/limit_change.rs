//! Credit-limit change requests, proposed by an officer or the engine and
//! approved under the four-eyes rule.

use chrono::{DateTime, Utc};

use crate::money::Money;
use crate::rules::LimitApproval;

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

vocabulary! {
    /// Who may approve a limit change: it grows with the change.
    pub enum ApprovalTier {
        /// Any risk officer or manager but the maker.
        Officer,
        /// A manager (not the maker).
        Manager,
    }
}

/// The tier that must approve a change from `current` to `proposed`.
/// Decreases need no approval when an officer asks (they apply at once); the
/// engine's decreases and small increases are the officers' tier.
pub fn approval_tier(current: Money, proposed: Money, policy: &LimitApproval) -> ApprovalTier {
    let increase = proposed.fen() - current.fen();
    let over_share = i128::from(increase) * 100
        > i128::from(current.fen()) * i128::from(policy.officer_max_increase_percent);
    if increase > 0 && (over_share || increase > policy.officer_max_increase.fen()) {
        ApprovalTier::Manager
    } else {
        ApprovalTier::Officer
    }
}

/// Why an approval or rejection was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalRefusal {
    #[error("the maker of a request can never decide it (four eyes)")]
    OwnRequest,
    #[error("this change needs a manager's approval (tier manager)")]
    NeedsManager,
    #[error("the request is {0}, not pending")]
    NotPending(String),
    #[error("the request expired")]
    Expired,
    #[error("the account's limit changed since the request was made (now {0})")]
    LimitMoved(String),
}

impl LimitChangeRequest {
    /// Whether `checker` (with `role`) may decide this request at `now`;
    /// `approving` is false for a rejection, which any eligible checker may
    /// give whatever the tier. `limit_now` is the account's limit.
    pub fn may_decide(
        &self,
        tier: ApprovalTier,
        checker: &str,
        role: crate::operator::Role,
        approving: bool,
        limit_now: Money,
        now: DateTime<Utc>,
    ) -> Result<(), ApprovalRefusal> {
        if self.maker == checker {
            return Err(ApprovalRefusal::OwnRequest);
        }
        if self.status != LimitChangeStatus::Pending {
            return Err(ApprovalRefusal::NotPending(self.status.as_str().to_owned()));
        }
        if now >= self.expires_at {
            return Err(ApprovalRefusal::Expired);
        }
        if approving && tier == ApprovalTier::Manager && role != crate::operator::Role::Manager {
            return Err(ApprovalRefusal::NeedsManager);
        }
        if approving && limit_now != self.current_limit {
            return Err(ApprovalRefusal::LimitMoved(limit_now.display_cny()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::operator::Role;

    fn yuan(y: i64) -> Money {
        Money::yuan(y).unwrap()
    }

    fn policy() -> LimitApproval {
        LimitApproval {
            officer_max_increase_percent: 20,
            officer_max_increase: yuan(5_000),
        }
    }

    #[test]
    fn tiers_grow_with_the_change() {
        let tier = |from, to| approval_tier(yuan(from), yuan(to), &policy());
        assert_eq!(tier(10_000, 12_000), ApprovalTier::Officer); // exactly 20 %
        assert_eq!(tier(10_000, 12_001), ApprovalTier::Manager); // just over 20 %
        assert_eq!(tier(30_000, 35_000), ApprovalTier::Officer); // exactly ¥5,000
        assert_eq!(tier(30_000, 35_001), ApprovalTier::Manager); // just over ¥5,000
        assert_eq!(tier(10_000, 2_000), ApprovalTier::Officer); // decreases
        assert_eq!(tier(0, 1), ApprovalTier::Manager); // from nothing
    }

    fn request(maker: &str) -> LimitChangeRequest {
        let at = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        LimitChangeRequest {
            id: 1,
            account_id: 7,
            current_limit: yuan(10_000),
            proposed_limit: yuan(20_000),
            reason: LimitChangeReason::IncomeIncrease,
            source: LimitChangeSource::Officer,
            status: LimitChangeStatus::Pending,
            maker: maker.to_owned(),
            checker: None,
            created_at: at,
            expires_at: at + chrono::Duration::days(7),
            decided_at: None,
            version: 1,
        }
    }

    #[test]
    fn the_maker_never_decides_and_the_tier_binds_approvals_only() {
        let r = request("li");
        let now = r.created_at + chrono::Duration::hours(1);
        let limit = yuan(10_000);
        let decide = |who, role, approving| {
            r.may_decide(ApprovalTier::Manager, who, role, approving, limit, now)
        };
        for role in [Role::RiskOfficer, Role::Manager, Role::Admin, Role::CsAgent] {
            assert_eq!(decide("li", role, true), Err(ApprovalRefusal::OwnRequest));
            assert_eq!(decide("li", role, false), Err(ApprovalRefusal::OwnRequest));
        }
        assert_eq!(
            decide("wang", Role::RiskOfficer, true),
            Err(ApprovalRefusal::NeedsManager)
        );
        assert_eq!(decide("wang", Role::RiskOfficer, false), Ok(()));
        assert_eq!(decide("zhao", Role::Manager, true), Ok(()));
        let late = r.expires_at;
        assert_eq!(
            r.may_decide(
                ApprovalTier::Officer,
                "wang",
                Role::RiskOfficer,
                true,
                limit,
                late
            ),
            Err(ApprovalRefusal::Expired)
        );
        let moved = r.may_decide(
            ApprovalTier::Officer,
            "wang",
            Role::RiskOfficer,
            true,
            yuan(12_000),
            now,
        );
        assert!(matches!(moved, Err(ApprovalRefusal::LimitMoved(_))));
    }
}
