//! Alert triage: what an operator may do to an alert, and what it becomes.
//!
//! Open → in review (claimed or assigned) → escalated → closed with a
//! disposition. A risk officer works alerts that are unassigned or theirs; a
//! manager may act on any. An escalation binds: the alert leaves the
//! escalator's hands and waits, unassigned, for a role that may decide
//! escalated alerts (a manager) other than the escalator; only they may
//! claim, assign, release (it stays escalated) or close it. Closed is final.

use crate::alert::{AlertStatus, Disposition};
use crate::operator::{Permission, Role};

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
    /// Who escalated it, kept once it is: they may no longer decide it.
    pub escalated_by: Option<String>,
}

/// Why a triage step was refused: the alert is not in a state that allows it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{0}")]
pub struct TriageRefusal(pub String);

/// Why an alert cannot be assigned to an operator.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssigneeRefusal {
    #[error("no operator {0}")]
    Unknown(String),
    #[error("{0} is disabled")]
    Disabled(String),
    #[error("{0} cannot triage alerts")]
    CannotTriage(String),
}

/// Whether alerts may be assigned to operator `to`, found with their role
/// and whether they are disabled (`None`: no such operator). Their role
/// comes back for the triage step's own rules.
pub fn may_assign(to: &str, found: Option<(Role, bool)>) -> Result<Role, AssigneeRefusal> {
    match found {
        None => Err(AssigneeRefusal::Unknown(to.to_owned())),
        Some((_, true)) => Err(AssigneeRefusal::Disabled(to.to_owned())),
        Some((role, false)) if role.can(Permission::TriageAlerts) => Ok(role),
        Some(_) => Err(AssigneeRefusal::CannotTriage(to.to_owned())),
    }
}

/// The state after `actor` (with `role`) takes `action`; `assignee_role` is
/// the role of the operator an `Assign` names.
pub fn triage(
    state: &TriageState,
    action: &TriageAction,
    actor: &str,
    role: Role,
    assignee_role: Option<Role>,
) -> Result<TriageState, TriageRefusal> {
    let refuse = |why: String| Err(TriageRefusal(why));
    if state.status == AlertStatus::Closed {
        return refuse("the alert is closed".to_owned());
    }
    let escalated = state.status == AlertStatus::Escalated;
    if escalated && !role.can(Permission::DecideEscalatedAlerts) {
        return refuse("the alert is escalated: it waits for a manager".to_owned());
    }
    if escalated && state.escalated_by.as_deref() == Some(actor) {
        return refuse("you escalated this alert: another manager decides it".to_owned());
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
            escalated_by: state.escalated_by.clone(),
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
        TriageAction::Assign { to }
            if escalated
                && (state.escalated_by.as_deref() == Some(to.as_str())
                    || !assignee_role
                        .is_some_and(|r| r.can(Permission::DecideEscalatedAlerts))) =>
        {
            refuse(format!("{to} may not decide this escalated alert"))
        }
        TriageAction::Assign { to } => next(in_review(status), Some(to)),
        TriageAction::Release if state.assignee.is_none() => {
            refuse("the alert is not assigned".to_owned())
        }
        // A released escalation goes back to the managers' queue, not the officers'.
        TriageAction::Release if escalated => next(AlertStatus::Escalated, None),
        TriageAction::Release => next(AlertStatus::Open, None),
        TriageAction::Escalate if status == AlertStatus::InReview => Ok(TriageState {
            status: AlertStatus::Escalated,
            assignee: None,
            disposition: None,
            escalated_by: Some(actor.to_owned()),
        }),
        TriageAction::Escalate => refuse(format!(
            "only an alert in review can be escalated; this one is {}",
            status.as_str()
        )),
        TriageAction::Close { disposition } => Ok(TriageState {
            status: AlertStatus::Closed,
            assignee: Some(state.assignee.clone().unwrap_or_else(|| actor.to_owned())),
            disposition: Some(*disposition),
            escalated_by: state.escalated_by.clone(),
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
            escalated_by: None,
        }
    }

    fn escalated_by(by: &str, assignee: Option<&str>) -> TriageState {
        TriageState {
            escalated_by: Some(by.to_owned()),
            ..state(AlertStatus::Escalated, assignee)
        }
    }

    const OFFICER: Role = Role::RiskOfficer;

    #[test]
    fn an_alert_goes_open_in_review_escalated_closed() {
        let open = state(AlertStatus::Open, None);
        let claimed = triage(&open, &TriageAction::Claim, "li", OFFICER, None).unwrap();
        assert_eq!(claimed, state(AlertStatus::InReview, Some("li")));
        let escalated = triage(&claimed, &TriageAction::Escalate, "li", OFFICER, None).unwrap();
        assert_eq!(escalated, escalated_by("li", None));
        let close = TriageAction::Close {
            disposition: Disposition::ConfirmedFraud,
        };
        let closed = triage(&escalated, &close, "chen", Role::Manager, None).unwrap();
        assert_eq!(closed.status, AlertStatus::Closed);
        assert_eq!(closed.disposition, Some(Disposition::ConfirmedFraud));
        assert_eq!(closed.assignee.as_deref(), Some("chen"));
        assert_eq!(closed.escalated_by.as_deref(), Some("li"));
        assert!(triage(&closed, &TriageAction::Claim, "li", Role::Manager, None).is_err());
    }

    #[test]
    fn an_officer_cannot_take_anothers_alert_but_a_manager_can() {
        let held = state(AlertStatus::InReview, Some("li"));
        let err = triage(&held, &TriageAction::Claim, "wang", OFFICER, None).unwrap_err();
        assert_eq!(err.0, "the alert is assigned to li");
        let taken = triage(&held, &TriageAction::Claim, "zhao", Role::Manager, None).unwrap();
        assert_eq!(taken.assignee.as_deref(), Some("zhao"));
    }

    #[test]
    fn open_alerts_cannot_be_escalated_and_unassigned_ones_not_released() {
        let open = state(AlertStatus::Open, None);
        assert!(triage(&open, &TriageAction::Escalate, "li", OFFICER, None).is_err());
        assert!(triage(&open, &TriageAction::Release, "li", OFFICER, None).is_err());
        let close = TriageAction::Close {
            disposition: Disposition::Benign,
        };
        // Closing straight from the queue is allowed, and the closer holds it.
        let closed = triage(&open, &close, "li", OFFICER, None).unwrap();
        assert_eq!(closed.assignee.as_deref(), Some("li"));
    }

    #[test]
    fn an_escalation_leaves_the_escalators_hands() {
        let escalated = escalated_by("li", None);
        let close = TriageAction::Close {
            disposition: Disposition::FalsePositive,
        };
        for action in [
            &TriageAction::Claim,
            &TriageAction::Release,
            &close,
            &TriageAction::Assign { to: "li".into() },
        ] {
            let err = triage(&escalated, action, "li", OFFICER, Some(OFFICER)).unwrap_err();
            assert_eq!(err.0, "the alert is escalated: it waits for a manager");
            // Another officer cannot take it either.
            assert!(triage(&escalated, action, "wang", OFFICER, Some(OFFICER)).is_err());
        }
        // A manager who escalated it does not decide it alone either.
        let own = escalated_by("chen", None);
        let err = triage(&own, &close, "chen", Role::Manager, None).unwrap_err();
        assert_eq!(
            err.0,
            "you escalated this alert: another manager decides it"
        );
    }

    #[test]
    fn a_manager_works_an_escalation_and_it_stays_with_the_managers() {
        let escalated = escalated_by("li", None);
        let claimed = triage(
            &escalated,
            &TriageAction::Claim,
            "chen",
            Role::Manager,
            None,
        )
        .unwrap();
        assert_eq!(claimed.status, AlertStatus::Escalated);
        assert_eq!(claimed.assignee.as_deref(), Some("chen"));
        let released = triage(
            &claimed,
            &TriageAction::Release,
            "chen",
            Role::Manager,
            None,
        )
        .unwrap();
        assert_eq!(released, escalated_by("li", None));
        let to_officer = TriageAction::Assign { to: "wang".into() };
        let err = triage(
            &escalated,
            &to_officer,
            "chen",
            Role::Manager,
            Some(OFFICER),
        )
        .unwrap_err();
        assert_eq!(err.0, "wang may not decide this escalated alert");
        let back_to_escalator = TriageAction::Assign { to: "li".into() };
        assert!(
            triage(
                &escalated,
                &back_to_escalator,
                "chen",
                Role::Manager,
                Some(Role::Manager)
            )
            .is_err()
        );
        let to_manager = TriageAction::Assign { to: "zhao".into() };
        let assigned = triage(
            &escalated,
            &to_manager,
            "chen",
            Role::Manager,
            Some(Role::Manager),
        )
        .unwrap();
        assert_eq!(assigned.assignee.as_deref(), Some("zhao"));
        assert_eq!(assigned.status, AlertStatus::Escalated);
    }
}
