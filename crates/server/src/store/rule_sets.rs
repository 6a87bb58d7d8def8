//! The versions of the fraud rules (`RuleSets`): each saved once and never
//! changed, then moved through its statuses — a draft, in shadow, live,
//! retired — by operators' decisions, under the domain's four eyes
//! (`rule_sets::may_publish`).

use super::{Actor, Claim, Decided, StoreResult};

/// One version of the rules, with the rules as JSON (the shape of the file).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct RuleSetRow {
    pub id: i64,
    pub status: String,
    pub rules: String,
    pub based_on: Option<i64>,
    pub author: String,
    pub note: String,
    pub created_at: i64,
    pub published_by: Option<String>,
    pub published_at: Option<i64>,
    pub version: i64,
}

/// A new draft: rules already validated (`Rules::from_json`), as JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDraftWrite {
    pub rules: String,
    pub based_on: Option<i64>,
    pub note: String,
}

/// A step on a version: put it live (the live one retires), or run a draft
/// in shadow (the one in shadow, if any, goes back to a draft).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSetStep {
    Publish,
    Shadow,
}

#[async_trait::async_trait]
pub trait RuleSets {
    /// The live version, if any.
    async fn live_rule_set(&self) -> StoreResult<Option<RuleSetRow>>;
    /// The ids of the live version and of the one in shadow: cheap enough
    /// to ask every second.
    async fn rule_sets_in_force(&self) -> StoreResult<(Option<i64>, Option<i64>)>;
    /// The version running in shadow, if any.
    async fn shadow_rule_set(&self) -> StoreResult<Option<RuleSetRow>>;
    /// Every version, newest first (at most `limit`).
    async fn rule_sets(&self, limit: u32) -> StoreResult<Vec<RuleSetRow>>;
    async fn rule_set(&self, id: i64) -> StoreResult<Option<RuleSetRow>>;
    /// On a database with no versions yet: `rules` as version 1, live,
    /// written by `system` (the shipped file). Returns the live version.
    async fn install_rule_set(&self, rules: &str, note: &str, now: i64) -> StoreResult<RuleSetRow>;
    async fn save_rule_draft(
        &self,
        claim: &Claim,
        actor: &Actor,
        w: &RuleDraftWrite,
    ) -> StoreResult<Decided>;
    /// `step` on version `id`, seen at row version `version`.
    async fn step_rule_set(
        &self,
        claim: &Claim,
        actor: &Actor,
        (id, version): (i64, i64),
        step: RuleSetStep,
    ) -> StoreResult<Decided>;
}
