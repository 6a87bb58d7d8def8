//! Cases: an investigation worked as one. An officer gathers a ring's
//! accounts, alerts, disputes and freezes into a case with an owner, a due
//! time by severity, notes, a checklist and tags; closing it closes its
//! alerts with one disposition and records the outcome.

use crate::alert::{Disposition, Severity};
use crate::operator::Role;

vocabulary! {
    /// Where a case is.
    pub enum CaseStatus {
        Open,
        Closed,
    }
}

vocabulary! {
    /// What a case holds.
    pub enum CaseMemberKind {
        Account,
        Alert,
        Dispute,
        Freeze,
        /// A blacklist entry placed from the case.
        Blacklist,
    }
}

vocabulary! {
    /// The steps of an investigation, checked off as they are done.
    pub enum CaseCheck {
        /// The links and the ring reviewed.
        LinksReviewed,
        /// The customers called or written to.
        CustomersContacted,
        /// The merchants the money went to looked into.
        MerchantsReviewed,
        /// Freezes and blacklist entries decided.
        ActionsTaken,
        /// The outcome written down.
        OutcomeRecorded,
    }
}

const HOUR_MS: i64 = 3_600_000;

/// When a case opened at `opened_at` is due, by its severity: a day for a
/// critical one, three for high, a week for medium, two for low.
pub fn due_at(severity: Severity, opened_at: i64) -> i64 {
    let hours = match severity {
        Severity::Critical => 24,
        Severity::High => 72,
        Severity::Medium => 7 * 24,
        Severity::Low => 14 * 24,
    };
    opened_at + hours * HOUR_MS
}

/// The most tags a case has.
pub const MAX_TAGS: usize = 10;
/// The most members one step adds.
pub const MAX_ADDED: usize = 500;

/// What a step on a case does.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum CaseStep {
    /// Adds records to the case (those it holds already are left as they are).
    AddMembers {
        #[serde(default)]
        accounts: Vec<i64>,
        #[serde(default)]
        alerts: Vec<i64>,
        #[serde(default)]
        disputes: Vec<i64>,
        #[serde(default)]
        freezes: Vec<i64>,
    },
    /// A note on the case's timeline (1–2,000 characters).
    Note {
        #[cfg_attr(
            feature = "schema",
            schema(min_length = 1, max_length = 2000, pattern = r"\S")
        )]
        body: String,
    },
    /// Checks an item off, or back on.
    Check { item: CaseCheck, done: bool },
    /// The case's tags, in place of those it had.
    Tag { tags: Vec<String> },
    /// Hands the case to another investigator.
    Assign {
        #[cfg_attr(
            feature = "schema",
            schema(min_length = 1, max_length = 64, pattern = r"\S")
        )]
        to: String,
    },
    /// Closes the case and its open alerts with one disposition.
    Close {
        disposition: Disposition,
        /// 1–2,000 characters.
        #[cfg_attr(
            feature = "schema",
            schema(min_length = 1, max_length = 2000, pattern = r"\S")
        )]
        outcome: String,
    },
}

impl CaseStep {
    /// The audit trail's name for the step.
    pub fn name(&self) -> &'static str {
        match self {
            CaseStep::AddMembers { .. } => "case.add_members",
            CaseStep::Note { .. } => "case.note",
            CaseStep::Check { .. } => "case.check",
            CaseStep::Tag { .. } => "case.tag",
            CaseStep::Assign { .. } => "case.assign",
            CaseStep::Close { .. } => "case.close",
        }
    }
}

/// Why a step on a case was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseRefusal {
    #[error("the case is closed")]
    Closed,
    #[error("the case is {0}'s: only its owner or a manager may do that")]
    NotOwner(String),
    #[error("{0} cannot work cases")]
    CannotInvestigate(String),
    #[error("alert #{alert} cannot be closed with the case: {why}")]
    AlertStaysOpen { alert: i64, why: String },
    #[error("the case's outcome must be 1–2,000 characters")]
    NoOutcome,
    #[error("{kind} {value} is not shared by two of the case's accounts")]
    NotShared { kind: String, value: String },
}

/// Whether `actor` (with `role`) may take `step` on a case in `status`
/// owned by `owner`: any investigator adds, notes, checks and tags; only
/// the owner or a manager hands it on or closes it; a closed case takes
/// no step.
pub fn may_step(
    status: CaseStatus,
    owner: &str,
    step: &CaseStep,
    actor: &str,
    role: Role,
) -> Result<(), CaseRefusal> {
    if status == CaseStatus::Closed {
        return Err(CaseRefusal::Closed);
    }
    let owners_only = matches!(step, CaseStep::Assign { .. } | CaseStep::Close { .. });
    if owners_only && owner != actor && role != Role::Manager {
        return Err(CaseRefusal::NotOwner(owner.to_owned()));
    }
    if let CaseStep::Close { outcome, .. } = step
        && !(1..=2_000).contains(&outcome.trim().chars().count())
    {
        return Err(CaseRefusal::NoOutcome);
    }
    Ok(())
}

/// Why a tag was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    #[error("a tag is 1–24 letters, digits, '-' or '_': {0:?} is not")]
    Malformed(String),
    #[error("a tag may not start with = + - or @ (a spreadsheet would run it): {0:?}")]
    Formula(String),
    #[error("a case has at most {MAX_TAGS} tags")]
    TooMany,
}

/// The tags as kept: trimmed, each checked, duplicates dropped, in order.
pub fn tags(given: &[String]) -> Result<Vec<String>, TagError> {
    let mut kept: Vec<String> = Vec::new();
    for tag in given {
        let tag = tag.trim();
        if tag.starts_with(['=', '+', '-', '@']) {
            return Err(TagError::Formula(tag.to_owned()));
        }
        let fine = (1..=24).contains(&tag.chars().count())
            && tag
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if !fine {
            return Err(TagError::Malformed(tag.to_owned()));
        }
        if !kept.iter().any(|k| k == tag) {
            kept.push(tag.to_owned());
        }
    }
    if kept.len() > MAX_TAGS {
        return Err(TagError::TooMany);
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_is_due_by_its_severity() {
        assert_eq!(due_at(Severity::Critical, 0), 86_400_000);
        assert_eq!(due_at(Severity::High, 1_000), 259_201_000);
        assert_eq!(due_at(Severity::Medium, 0), 604_800_000);
        assert_eq!(due_at(Severity::Low, 0), 1_209_600_000);
    }

    #[test]
    fn anyone_works_a_case_but_only_its_owner_or_a_manager_closes_it() {
        let note = CaseStep::Note {
            body: "查看".to_owned(),
        };
        let close = CaseStep::Close {
            disposition: Disposition::ConfirmedFraud,
            outcome: "团伙套现".to_owned(),
        };
        let open = CaseStatus::Open;
        assert_eq!(
            may_step(open, "li", &note, "wang", Role::RiskOfficer),
            Ok(())
        );
        assert_eq!(
            may_step(open, "li", &close, "wang", Role::RiskOfficer),
            Err(CaseRefusal::NotOwner("li".to_owned()))
        );
        assert_eq!(
            may_step(open, "li", &close, "li", Role::RiskOfficer),
            Ok(())
        );
        assert_eq!(may_step(open, "li", &close, "chen", Role::Manager), Ok(()));
        assert_eq!(
            may_step(CaseStatus::Closed, "li", &note, "li", Role::RiskOfficer),
            Err(CaseRefusal::Closed)
        );
        let silent = CaseStep::Close {
            disposition: Disposition::Benign,
            outcome: "  ".to_owned(),
        };
        assert_eq!(
            may_step(open, "li", &silent, "li", Role::RiskOfficer),
            Err(CaseRefusal::NoOutcome)
        );
    }

    #[test]
    fn tags_are_words_never_formulas() {
        let given = |t: &[&str]| tags(&t.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(
            given(&["套现团伙", " device-farm ", "套现团伙"]),
            Ok(vec!["套现团伙".to_owned(), "device-farm".to_owned()])
        );
        assert_eq!(
            given(&["=HYPERLINK(1)"]),
            Err(TagError::Formula("=HYPERLINK(1)".to_owned()))
        );
        assert_eq!(given(&["-1"]), Err(TagError::Formula("-1".to_owned())));
        assert_eq!(given(&["a b"]), Err(TagError::Malformed("a b".to_owned())));
        assert_eq!(given(&[""]), Err(TagError::Malformed(String::new())));
        let many: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert_eq!(tags(&many), Err(TagError::TooMany));
    }
}
