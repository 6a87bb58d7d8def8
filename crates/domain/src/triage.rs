//! Alert triage: what an operator may do to an alert, and what it becomes.
//!
//! Open → in review (claimed or assigned) → escalated → closed with a
//! disposition. A risk officer works alerts that are unassigned or theirs; a
//! manager may act on any. Closed is final.

use crate::alert::{AlertStatus, Disposition};
use crate::operator::Role;

/// One triage step, as an operator asks for it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TriageAction {
    /// Take the alert: it becomes yours and in review.
    Claim,
    /// Hand the alert to an operator (who must be able to triage).
    Assign { to: String },
    /// Put the alert back in the queue, unassigned.
    Release,
    /// Pass an alert in review to the senior team.
    Escalate,
    /// Close with the outcome.
    Close { disposition: Disposition },
}

impl TriageAction {
    /// The audit trail's name for the step.
    pub fn name(&self) -> &'static str {
        match self {
            TriageAction::Claim => "alert.claim",
            TriageAction::Assign { .. } => "alert.assign",
            TriageAction::Release => "alert.release",
            TriageAction::Escalate => "alert.escalate",
            TriageAction::Close { .. } => "alert.close",
        }
    }
}

/// Where an alert stands in triage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TriageState {
    pub status: AlertStatus,
    pub assignee: Option<String>,
    pub disposition: Option<Disposition>,
}

/// Why a triage step was refused: the alert is not in a state that allows it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TriageRefusal(pub String);

/// The state after `actor` (with `role`) takes `action`.
pub fn triage(
    state: &TriageState,
    action: &TriageAction,
    actor: &str,
    role: Role,
) -> Result<TriageState, TriageRefusal> {
    let refuse = |why: String| Err(TriageRefusal(why));
    if state.status == AlertStatus::Closed {
        return refuse("the alert is closed".to_owned());
    }
    if let Some(holder) = state.assignee.as_deref()
        && holder != actor
        && role != Role::Manager
    {
        return refuse(format!("the alert is assigned to {holder}"));
    }
    let status = state.status;
    let next = |status, assignee: Option<&str>| {
        Ok(TriageState {
            status,
            assignee: assignee.map(str::to_owned),
            disposition: None,
        })
    };
    match action {
        TriageAction::Claim if state.assignee.as_deref() == Some(actor) => {
            refuse("you already hold this alert".to_owned())
        }
        TriageAction::Claim => next(in_review(status), Some(actor)),
        TriageAction::Assign { to } if state.assignee.as_deref() == Some(to.as_str()) => {
            refuse(format!("the alert is already assigned to {to}"))
        }
        TriageAction::Assign { to } => next(in_review(status), Some(to)),
        TriageAction::Release if state.assignee.is_none() => {
            refuse("the alert is not assigned".to_owned())
        }
        TriageAction::Release => next(AlertStatus::Open, None),
        TriageAction::Escalate if status == AlertStatus::InReview => next(
            AlertStatus::Escalated,
            Some(state.assignee.as_deref().unwrap_or(actor)),
        ),
        TriageAction::Escalate => refuse(format!(
            "only an alert in review can be escalated; this one is {}",
            status.as_str()
        )),
        TriageAction::Close { disposition } => Ok(TriageState {
            status: AlertStatus::Closed,
            assignee: Some(state.assignee.clone().unwrap_or_else(|| actor.to_owned())),
            disposition: Some(*disposition),
        }),
    }
}

/// Escalated alerts stay escalated when they change hands.
fn in_review(status: AlertStatus) -> AlertStatus {
    if status == AlertStatus::Escalated {
        AlertStatus::Escalated
    } else {
        AlertStatus::InReview
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: AlertStatus, assignee: Option<&str>) -> TriageState {
        TriageState {
            status,
            assignee: assignee.map(str::to_owned),
            disposition: None,
        }
    }

    const OFFICER: Role = Role::RiskOfficer;

    #[test]
    fn an_alert_goes_open_in_review_escalated_closed() {
        let open = state(AlertStatus::Open, None);
        let claimed = triage(&open, &TriageAction::Claim, "li", OFFICER).unwrap();
        assert_eq!(claimed, state(AlertStatus::InReview, Some("li")));
        let escalated = triage(&claimed, &TriageAction::Escalate, "li", OFFICER).unwrap();
        assert_eq!(escalated, state(AlertStatus::Escalated, Some("li")));
        let close = TriageAction::Close {
            disposition: Disposition::ConfirmedFraud,
        };
        let closed = triage(&escalated, &close, "li", OFFICER).unwrap();
        assert_eq!(closed.status, AlertStatus::Closed);
        assert_eq!(closed.disposition, Some(Disposition::ConfirmedFraud));
        assert!(triage(&closed, &TriageAction::Claim, "li", Role::Manager).is_err());
    }

    #[test]
    fn an_officer_cannot_take_anothers_alert_but_a_manager_can() {
        let held = state(AlertStatus::InReview, Some("li"));
        let err = triage(&held, &TriageAction::Claim, "wang", OFFICER).unwrap_err();
        assert_eq!(err.0, "the alert is assigned to li");
        let taken = triage(&held, &TriageAction::Claim, "zhao", Role::Manager).unwrap();
        assert_eq!(taken.assignee.as_deref(), Some("zhao"));
    }

    #[test]
    fn open_alerts_cannot_be_escalated_and_unassigned_ones_not_released() {
        let open = state(AlertStatus::Open, None);
        assert!(triage(&open, &TriageAction::Escalate, "li", OFFICER).is_err());
        assert!(triage(&open, &TriageAction::Release, "li", OFFICER).is_err());
        let close = TriageAction::Close {
            disposition: Disposition::Benign,
        };
        // Closing straight from the queue is allowed, and the closer holds it.
        let closed = triage(&open, &close, "li", OFFICER).unwrap();
        assert_eq!(closed.assignee.as_deref(), Some("li"));
    }
}
