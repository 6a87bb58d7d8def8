//! The rule workbench's reads and jobs: the versions, each rule's record,
//! backtests (started, followed, cancelled) and the shadow's comparison.
//! The steps on a version (draft, shadow, publish) are decisions
//! (`decisions.rs`).

use reqwest::Method;
use riskdesk_api::rules::{
    BacktestView, RulesOverview, RulesRecord, RulesRecordQuery, ShadowView, StartBacktest,
};

use crate::{Client, ClientError};

impl Client {
    /// The rules in force, where they come from, and the latest versions.
    pub async fn rules(&self) -> Result<RulesOverview, ClientError> {
        self.read("/v1/rules", &()).await
    }

    /// Each rule's record by version over the last `days` days.
    pub async fn rules_record(&self, days: i64) -> Result<RulesRecord, ClientError> {
        let query = RulesRecordQuery { days: Some(days) };
        self.read("/v1/rules/record", &query).await
    }

    /// A version's backtests, newest first, with progress and reports.
    pub async fn backtests(&self, rule_set_id: i64) -> Result<Vec<BacktestView>, ClientError> {
        self.read(&format!("/v1/rules/{rule_set_id}/backtests"), &())
            .await
    }

    /// Starts a backtest of a version on the last `days` days (never
    /// retried: a second start is refused while the first runs).
    pub async fn start_backtest(
        &self,
        rule_set_id: i64,
        days: i64,
    ) -> Result<BacktestView, ClientError> {
        let body = StartBacktest { days };
        self.write(
            Method::POST,
            &format!("/v1/rules/{rule_set_id}/backtests"),
            &body,
        )
        .await
    }

    /// Asks a running backtest to stop.
    pub async fn cancel_backtest(&self, id: i64) -> Result<BacktestView, ClientError> {
        self.write(Method::POST, &format!("/v1/backtests/{id}/cancel"), &())
            .await
    }

    /// A version's comparison with the live rules on the payments it
    /// judged in shadow.
    pub async fn shadow_comparison(&self, rule_set_id: i64) -> Result<ShadowView, ClientError> {
        self.read(&format!("/v1/rules/{rule_set_id}/shadow"), &())
            .await
    }
}
