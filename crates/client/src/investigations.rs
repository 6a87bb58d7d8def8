//! Investigations' reads: the accounts linked to one, cases and a case's
//! report. The steps on a case are decisions (`decisions.rs`).

use riskdesk_api::Page;
use riskdesk_api::investigations::{AccountLinks, CaseDetail, CaseQuery, CaseReport, CaseView};

use crate::{Client, ClientError};

impl Client {
    /// The accounts linked to one within two hops, and the ring's score.
    pub async fn account_links(&self, id: i64) -> Result<AccountLinks, ClientError> {
        self.read(&format!("/v1/accounts/{id}/links"), &()).await
    }

    pub async fn cases(&self, query: &CaseQuery) -> Result<Page<CaseView>, ClientError> {
        self.read("/v1/cases", query).await
    }

    pub async fn case(&self, id: i64) -> Result<CaseDetail, ClientError> {
        self.read(&format!("/v1/cases/{id}"), &()).await
    }

    /// What a case's report is written from, in one answer.
    pub async fn case_report(&self, id: i64) -> Result<CaseReport, ClientError> {
        self.read(&format!("/v1/cases/{id}/report"), &()).await
    }
}
