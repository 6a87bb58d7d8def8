//! Customer disputes about transactions, and who may decide them.
//!
//! An agent works an open dispute; an escalated one belongs to the risk
//! team, never to whoever escalated it. A refund is the agent's alone (with
//! a fresh TOTP code) only up to `[dispute_approval] single_max`; above it
//! the refund is proposed and another person approves it — above
//! `second_person_max` a manager — never its maker.

use chrono::{DateTime, Utc};

use crate::money::Money;
use crate::operator::{Permission, Role};
use crate::rules::DisputeApproval;

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
    /// Who escalated it to the risk team, kept once it is.
    pub escalated_by: Option<String>,
    /// A refund proposed and waiting for its approval.
    pub pending_refund: Option<PendingRefund>,
}

/// A refund above the maker's own limit, waiting for a second person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRefund {
    pub amount: Money,
    pub proposed_by: String,
    pub tier: RefundTier,
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
        /// A refund was proposed and waits for a second person's approval.
        RefundPending,
        ResolvedRefund,
        ResolvedRejected,
    }
}

vocabulary! {
    /// Who must approve a dispute's refund: it grows with the amount.
    pub enum RefundTier {
        /// The one who decides it, with a fresh TOTP code.
        Single,
        /// Another person who may decide the dispute.
        SecondPerson,
        /// A manager other than the maker.
        Manager,
    }
}

/// The tier a refund of `amount` needs.
pub fn refund_tier(amount: Money, policy: &DisputeApproval) -> RefundTier {
    if amount > policy.second_person_max {
        RefundTier::Manager
    } else if amount > policy.single_max {
        RefundTier::SecondPerson
    } else {
        RefundTier::Single
    }
}

/// A step on a dispute, as an operator asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisputeStep {
    Escalate,
    Refund { amount: Money },
    Reject,
    ApproveRefund,
    RejectRefund,
}

/// What a step does, for the store to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DisputeOutcome {
    /// The risk team has it now.
    Escalated,
    /// Refund this amount now and resolve the dispute (needs a fresh code).
    Refund { amount: Money },
    /// The refund waits for the tier's approval.
    Proposed(PendingRefund),
    /// Resolved without money back.
    Rejected,
    /// The proposal is withdrawn; the dispute is back where it was.
    ProposalRejected { status: DisputeStatus },
}

/// Why a dispute step was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeRefusal {
    #[error("the dispute is resolved")]
    Resolved,
    #[error("the dispute is already escalated")]
    AlreadyEscalated,
    #[error("an escalated dispute is decided by the risk team")]
    RiskTeamOnly,
    #[error("you escalated this dispute: the risk team decides it")]
    Escalator,
    #[error("you may not decide disputes")]
    NotAllowed,
    #[error("a refund of {0} waits for approval: approve or reject it first")]
    RefundWaiting(String),
    #[error("no refund is waiting for approval")]
    NothingPending,
    #[error("the maker of a refund can never approve it (four eyes)")]
    OwnProposal,
    #[error("this refund needs a manager's approval (tier manager)")]
    NeedsManager,
    #[error("this decision needs the current six-digit code from your authenticator")]
    NeedsCode,
}

/// Why a payment cannot be disputed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenRefusal {
    #[error("only a purchase can be disputed; this is a {0}")]
    NotAPurchase(String),
    #[error("a declined payment took no money: there is nothing to dispute")]
    Declined,
}

/// Whether a payment of `kind` in `status` can be disputed.
pub fn may_open(kind: &str, status: &str) -> Result<(), OpenRefusal> {
    if kind != "purchase" {
        return Err(OpenRefusal::NotAPurchase(kind.to_owned()));
    }
    if status == "declined" {
        return Err(OpenRefusal::Declined);
    }
    Ok(())
}

impl Dispute {
    /// What `step` by `actor` (with `role`) does; `fresh_code` says whether
    /// the request carried a TOTP code that matched.
    pub fn step(
        &self,
        step: DisputeStep,
        actor: &str,
        role: Role,
        fresh_code: bool,
        policy: &DisputeApproval,
    ) -> Result<DisputeOutcome, DisputeRefusal> {
        use DisputeRefusal as R;
        if matches!(
            self.status,
            DisputeStatus::ResolvedRefund | DisputeStatus::ResolvedRejected
        ) {
            return Err(R::Resolved);
        }
        // Whoever may decide it in its place: an agent while open, the risk
        // team once escalated — never the one who escalated it.
        let escalated = self.status == DisputeStatus::Escalated || self.escalated_by.is_some();
        if escalated {
            if !role.can(Permission::DecideEscalatedDisputes) {
                return Err(R::RiskTeamOnly);
            }
            if self.escalated_by.as_deref() == Some(actor) {
                return Err(R::Escalator);
            }
        } else if !role.can(Permission::HandleDisputes) {
            return Err(R::NotAllowed);
        }
        let pending = self.pending_refund.as_ref();
        match (step, pending) {
            (DisputeStep::ApproveRefund | DisputeStep::RejectRefund, None) => {
                Err(R::NothingPending)
            }
            (DisputeStep::ApproveRefund | DisputeStep::RejectRefund, Some(p))
                if p.proposed_by == actor =>
            {
                Err(R::OwnProposal)
            }
            (DisputeStep::ApproveRefund, Some(p))
                if p.tier == RefundTier::Manager && role != Role::Manager =>
            {
                Err(R::NeedsManager)
            }
            (DisputeStep::ApproveRefund, Some(_)) if !fresh_code => Err(R::NeedsCode),
            (DisputeStep::ApproveRefund, Some(p)) => {
                Ok(DisputeOutcome::Refund { amount: p.amount })
            }
            (DisputeStep::RejectRefund, Some(_)) => Ok(DisputeOutcome::ProposalRejected {
                status: if escalated {
                    DisputeStatus::Escalated
                } else {
                    DisputeStatus::Open
                },
            }),
            (_, Some(p)) => Err(R::RefundWaiting(p.amount.display_cny())),
            (DisputeStep::Escalate, None) if escalated => Err(R::AlreadyEscalated),
            (DisputeStep::Escalate, None) => Ok(DisputeOutcome::Escalated),
            (DisputeStep::Reject, None) => Ok(DisputeOutcome::Rejected),
            (DisputeStep::Refund { amount }, None) => match refund_tier(amount, policy) {
                RefundTier::Single if !fresh_code => Err(R::NeedsCode),
                RefundTier::Single => Ok(DisputeOutcome::Refund { amount }),
                tier => Ok(DisputeOutcome::Proposed(PendingRefund {
                    amount,
                    proposed_by: actor.to_owned(),
                    tier,
                })),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn yuan(y: i64) -> Money {
        Money::yuan(y).unwrap()
    }

    fn policy() -> DisputeApproval {
        DisputeApproval {
            single_max: yuan(500),
            second_person_max: yuan(5_000),
        }
    }

    fn dispute(status: DisputeStatus) -> Dispute {
        let at = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap();
        Dispute {
            id: 1,
            account_id: 80_000_001,
            transaction_id: 7,
            reason: DisputeReason::NotReceived,
            status,
            statement: "没收到货".to_owned(),
            opened_by: "cs.liu".to_owned(),
            created_at: at,
            sla_due_at: at,
            resolved_at: None,
            version: 1,
            escalated_by: None,
            pending_refund: None,
        }
    }

    fn pending(amount: i64, by: &str, tier: RefundTier) -> Dispute {
        Dispute {
            pending_refund: Some(PendingRefund {
                amount: yuan(amount),
                proposed_by: by.to_owned(),
                tier,
            }),
            ..dispute(DisputeStatus::RefundPending)
        }
    }

    #[test]
    fn the_tier_grows_with_the_amount_at_the_edges() {
        assert_eq!(refund_tier(yuan(500), &policy()), RefundTier::Single);
        assert_eq!(
            refund_tier(Money::from_fen(50_001).unwrap(), &policy()),
            RefundTier::SecondPerson
        );
        assert_eq!(
            refund_tier(yuan(5_000), &policy()),
            RefundTier::SecondPerson
        );
        assert_eq!(
            refund_tier(Money::from_fen(500_001).unwrap(), &policy()),
            RefundTier::Manager
        );
    }

    #[test]
    fn a_small_refund_is_the_agents_alone_with_a_code() {
        let open = dispute(DisputeStatus::Open);
        let refund = DisputeStep::Refund { amount: yuan(200) };
        let no_code = open.step(refund, "cs.liu", Role::CsAgent, false, &policy());
        assert_eq!(no_code, Err(DisputeRefusal::NeedsCode));
        let done = open.step(refund, "cs.liu", Role::CsAgent, true, &policy());
        assert_eq!(done, Ok(DisputeOutcome::Refund { amount: yuan(200) }));
    }

    #[test]
    fn a_large_refund_is_a_proposal_that_its_maker_cannot_approve() {
        let open = dispute(DisputeStatus::Open);
        let refund = DisputeStep::Refund {
            amount: yuan(2_000),
        };
        let proposed = open.step(refund, "cs.liu", Role::CsAgent, false, &policy());
        assert_eq!(
            proposed,
            Ok(DisputeOutcome::Proposed(PendingRefund {
                amount: yuan(2_000),
                proposed_by: "cs.liu".to_owned(),
                tier: RefundTier::SecondPerson,
            }))
        );
        let waiting = pending(2_000, "cs.liu", RefundTier::SecondPerson);
        let approve = DisputeStep::ApproveRefund;
        let own = waiting.step(approve, "cs.liu", Role::CsAgent, true, &policy());
        assert_eq!(own, Err(DisputeRefusal::OwnProposal));
        let no_code = waiting.step(approve, "cs.zhang", Role::CsAgent, false, &policy());
        assert_eq!(no_code, Err(DisputeRefusal::NeedsCode));
        let approved = waiting.step(approve, "cs.zhang", Role::CsAgent, true, &policy());
        assert_eq!(
            approved,
            Ok(DisputeOutcome::Refund {
                amount: yuan(2_000)
            })
        );
        // Nothing else happens to it while it waits.
        let reject = waiting.step(
            DisputeStep::Reject,
            "cs.zhang",
            Role::CsAgent,
            true,
            &policy(),
        );
        assert_eq!(
            reject,
            Err(DisputeRefusal::RefundWaiting("¥2,000.00".to_owned()))
        );
    }

    #[test]
    fn a_manager_tier_refund_needs_a_manager() {
        let waiting = pending(8_000, "cs.liu", RefundTier::Manager);
        let approve = DisputeStep::ApproveRefund;
        let agent = waiting.step(approve, "cs.zhang", Role::CsAgent, true, &policy());
        assert_eq!(agent, Err(DisputeRefusal::NeedsManager));
        let manager = waiting.step(approve, "manager.chen", Role::Manager, true, &policy());
        assert_eq!(
            manager,
            Ok(DisputeOutcome::Refund {
                amount: yuan(8_000)
            })
        );
        // Anyone who may decide it can turn the proposal down, whatever the tier.
        let rejected = waiting.step(
            DisputeStep::RejectRefund,
            "cs.zhang",
            Role::CsAgent,
            false,
            &policy(),
        );
        assert_eq!(
            rejected,
            Ok(DisputeOutcome::ProposalRejected {
                status: DisputeStatus::Open
            })
        );
    }

    #[test]
    fn an_escalated_dispute_belongs_to_the_risk_team_not_the_escalator() {
        let escalated = Dispute {
            escalated_by: Some("cs.liu".to_owned()),
            ..dispute(DisputeStatus::Escalated)
        };
        let reject = DisputeStep::Reject;
        let agent = escalated.step(reject, "cs.liu", Role::CsAgent, false, &policy());
        assert_eq!(agent, Err(DisputeRefusal::RiskTeamOnly));
        let officer = escalated.step(reject, "officer.li", Role::RiskOfficer, false, &policy());
        assert_eq!(officer, Ok(DisputeOutcome::Rejected));
        let again = escalated.step(
            DisputeStep::Escalate,
            "officer.li",
            Role::RiskOfficer,
            false,
            &policy(),
        );
        assert_eq!(again, Err(DisputeRefusal::AlreadyEscalated));
        let by_manager = Dispute {
            escalated_by: Some("manager.chen".to_owned()),
            ..dispute(DisputeStatus::Escalated)
        };
        let own = by_manager.step(reject, "manager.chen", Role::Manager, false, &policy());
        assert_eq!(own, Err(DisputeRefusal::Escalator));
        // A proposal turned down goes back to the risk team's queue.
        let proposal = Dispute {
            escalated_by: Some("cs.liu".to_owned()),
            ..pending(900, "officer.li", RefundTier::SecondPerson)
        };
        let back = proposal.step(
            DisputeStep::RejectRefund,
            "officer.wang",
            Role::RiskOfficer,
            false,
            &policy(),
        );
        assert_eq!(
            back,
            Ok(DisputeOutcome::ProposalRejected {
                status: DisputeStatus::Escalated
            })
        );
    }

    #[test]
    fn open_disputes_are_for_agents_and_resolved_ones_for_nobody() {
        let open = dispute(DisputeStatus::Open);
        let officer = open.step(
            DisputeStep::Reject,
            "officer.li",
            Role::RiskOfficer,
            false,
            &policy(),
        );
        assert_eq!(officer, Err(DisputeRefusal::NotAllowed));
        let done = dispute(DisputeStatus::ResolvedRejected);
        let manager = done.step(
            DisputeStep::Escalate,
            "manager.chen",
            Role::Manager,
            false,
            &policy(),
        );
        assert_eq!(manager, Err(DisputeRefusal::Resolved));
    }
}
