//! The rules as versioned records: each version immutable once saved, with
//! a status — a draft, running in shadow beside the live set, live, or
//! retired — and four eyes on the switch: whoever wrote a version does not
//! put it live. A rollback is publishing an earlier version, under the same
//! rule.

use serde::{Deserialize, Serialize};

vocabulary! {
    /// Where a version of the rules stands.
    pub enum RuleSetStatus {
        /// Saved, not deciding anything.
        Draft,
        /// To run beside the live set, never acting (payments are not yet
        /// evaluated against it).
        Shadow,
        /// Deciding payments: one version at a time.
        Live,
        /// Was live once, or was given up as a draft.
        Retired,
    }
}

/// Why a step on a version of the rules was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleSetRefusal {
    #[error("you wrote this version; another person must put it live")]
    OwnVersion,
    #[error("version {0} is live already")]
    Live(i64),
    #[error("only a draft can run in shadow (this version is {0})")]
    NotADraft(String),
}

/// Whether `actor` may put version `id` (written by `author`, now
/// `status`) live.
pub fn may_publish(
    id: i64,
    author: &str,
    status: RuleSetStatus,
    actor: &str,
) -> Result<(), RuleSetRefusal> {
    match status {
        RuleSetStatus::Live => Err(RuleSetRefusal::Live(id)),
        _ if author == actor => Err(RuleSetRefusal::OwnVersion),
        _ => Ok(()),
    }
}

/// Whether a version in `status` may start running in shadow.
pub fn may_shadow(status: RuleSetStatus) -> Result<(), RuleSetRefusal> {
    match status {
        RuleSetStatus::Draft => Ok(()),
        other => Err(RuleSetRefusal::NotADraft(other.as_str().to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_author_never_puts_their_own_version_live() {
        use RuleSetStatus::*;
        assert_eq!(
            may_publish(3, "officer.li", Draft, "officer.li"),
            Err(RuleSetRefusal::OwnVersion)
        );
        assert_eq!(may_publish(3, "officer.li", Shadow, "manager.chen"), Ok(()));
        // A rollback: an earlier version, by someone other than its author.
        assert_eq!(may_publish(1, "system", Retired, "manager.chen"), Ok(()));
        assert_eq!(
            may_publish(1, "manager.chen", Retired, "manager.chen"),
            Err(RuleSetRefusal::OwnVersion)
        );
        assert_eq!(
            may_publish(2, "officer.li", Live, "manager.chen"),
            Err(RuleSetRefusal::Live(2))
        );
    }

    #[test]
    fn only_a_draft_goes_into_shadow() {
        assert_eq!(may_shadow(RuleSetStatus::Draft), Ok(()));
        assert_eq!(
            may_shadow(RuleSetStatus::Live),
            Err(RuleSetRefusal::NotADraft("live".to_owned()))
        );
    }
}
