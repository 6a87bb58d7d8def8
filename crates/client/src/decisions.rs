//! The operators' decisions, one method each: the path is the client's
//! business, the key and the request the caller's. Each is sent through
//! [`Client::decide`], so each lands once whatever becomes of its answers.

use riskdesk_api::admin::{
    AddOperator, AddServiceClient, OperatorAdminView, OperatorChangeRequest, RevokeServiceClient,
    ServiceClientView, SessionAdminView,
};
use riskdesk_api::decisions::{
    AddBlacklistEntry, AlertNoteView, BulkTriageRequest, BulkTriageResult, DisputeStepRequest,
    FreezeRequest, NoteRequest, OpenDispute, ProposeLimitChange, ReasonedChange, ReleaseFreeze,
    StepUpApproval, TriageRequest,
};
use riskdesk_api::investigations::{
    AttachmentView, CaseBlacklistResult, CaseBlacklistShared, CaseFreezeAll, CaseFreezesResult,
    CaseStepRequest, CaseView, OpenCase,
};
use riskdesk_api::rules::{RuleSetView, SaveRuleDraft, ShadowRuleSet};
use riskdesk_api::views::{
    AccountFreezeView, AlertView, BlacklistEntryView, DisputeView, LimitChangeView,
};

use crate::{Client, ClientError, Decided, path_id, path_session_id};

type Answer<T> = Result<Decided<T>, ClientError>;

impl Client {
    pub async fn triage(&self, key: &str, alert: i64, r: &TriageRequest) -> Answer<AlertView> {
        self.decide(&format!("/v1/alerts/{alert}/triage"), key, r)
            .await
    }

    pub async fn bulk_triage(&self, key: &str, r: &BulkTriageRequest) -> Answer<BulkTriageResult> {
        self.decide("/v1/alerts/triage", key, r).await
    }

    /// Claims the most urgent open alert nobody holds.
    pub async fn next_alert(&self, key: &str) -> Answer<AlertView> {
        self.decide("/v1/alerts/next", key, &()).await
    }

    pub async fn add_note(&self, key: &str, alert: i64, r: &NoteRequest) -> Answer<AlertNoteView> {
        self.decide(&format!("/v1/alerts/{alert}/notes"), key, r)
            .await
    }

    pub async fn propose_limit(
        &self,
        key: &str,
        account: i64,
        r: &ProposeLimitChange,
    ) -> Answer<LimitChangeView> {
        self.decide(&format!("/v1/accounts/{account}/limit-changes"), key, r)
            .await
    }

    pub async fn approve_limit(
        &self,
        key: &str,
        id: i64,
        r: &StepUpApproval,
    ) -> Answer<LimitChangeView> {
        self.decide(&format!("/v1/limit-changes/{id}/approve"), key, r)
            .await
    }

    pub async fn reject_limit(
        &self,
        key: &str,
        id: i64,
        r: &ReasonedChange,
    ) -> Answer<LimitChangeView> {
        self.decide(&format!("/v1/limit-changes/{id}/reject"), key, r)
            .await
    }

    pub async fn freeze(
        &self,
        key: &str,
        account: i64,
        r: &FreezeRequest,
    ) -> Answer<AccountFreezeView> {
        self.decide(&format!("/v1/accounts/{account}/freezes"), key, r)
            .await
    }

    pub async fn release_freeze(
        &self,
        key: &str,
        id: i64,
        r: &ReleaseFreeze,
    ) -> Answer<AccountFreezeView> {
        self.decide(&format!("/v1/freezes/{id}/release"), key, r)
            .await
    }

    pub async fn add_blacklist(
        &self,
        key: &str,
        r: &AddBlacklistEntry,
    ) -> Answer<BlacklistEntryView> {
        self.decide("/v1/blacklist", key, r).await
    }

    pub async fn request_removal(
        &self,
        key: &str,
        id: i64,
        r: &ReasonedChange,
    ) -> Answer<BlacklistEntryView> {
        self.decide(&format!("/v1/blacklist/{id}/removal"), key, r)
            .await
    }

    pub async fn approve_removal(
        &self,
        key: &str,
        id: i64,
        r: &StepUpApproval,
    ) -> Answer<BlacklistEntryView> {
        self.decide(&format!("/v1/blacklist/{id}/removal/approve"), key, r)
            .await
    }

    pub async fn reject_removal(
        &self,
        key: &str,
        id: i64,
        r: &ReasonedChange,
    ) -> Answer<BlacklistEntryView> {
        self.decide(&format!("/v1/blacklist/{id}/removal/reject"), key, r)
            .await
    }

    pub async fn open_dispute(&self, key: &str, r: &OpenDispute) -> Answer<DisputeView> {
        self.decide("/v1/disputes", key, r).await
    }

    pub async fn dispute_step(
        &self,
        key: &str,
        id: i64,
        r: &DisputeStepRequest,
    ) -> Answer<DisputeView> {
        self.decide(&format!("/v1/disputes/{id}/steps"), key, r)
            .await
    }

    pub async fn open_case(&self, key: &str, r: &OpenCase) -> Answer<CaseView> {
        self.decide("/v1/cases", key, r).await
    }

    pub async fn case_step(&self, key: &str, id: i64, r: &CaseStepRequest) -> Answer<CaseView> {
        self.decide(&format!("/v1/cases/{id}/steps"), key, r).await
    }

    pub async fn freeze_case(
        &self,
        key: &str,
        id: i64,
        r: &CaseFreezeAll,
    ) -> Answer<CaseFreezesResult> {
        self.decide(&format!("/v1/cases/{id}/freeze-all"), key, r)
            .await
    }

    pub async fn blacklist_case(
        &self,
        key: &str,
        id: i64,
        r: &CaseBlacklistShared,
    ) -> Answer<CaseBlacklistResult> {
        self.decide(&format!("/v1/cases/{id}/blacklist-shared"), key, r)
            .await
    }

    /// Sends a file for a case, as `content_type`, named `name`.
    pub async fn attach(
        &self,
        key: &str,
        case: i64,
        name: &str,
        content_type: &str,
        content: &[u8],
    ) -> Answer<AttachmentView> {
        let content = bytes::Bytes::copy_from_slice(content);
        self.decide_with(&format!("/v1/cases/{case}/attachments"), key, |request| {
            request
                .query(&[("name", name)])
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(content.clone())
        })
        .await
    }

    /// An admin adds an operator; the answer carries their one-time credentials.
    pub async fn add_operator(&self, key: &str, r: &AddOperator) -> Answer<OperatorAdminView> {
        self.decide("/v1/operators", key, r).await
    }

    pub async fn change_operator(
        &self,
        key: &str,
        id: &str,
        r: &OperatorChangeRequest,
    ) -> Answer<OperatorAdminView> {
        let path = format!("/v1/operators/{}/changes", path_id(id)?);
        self.decide(&path, key, r).await
    }

    /// An admin ends a session by its public id.
    pub async fn end_session(&self, key: &str, id: &str) -> Answer<SessionAdminView> {
        let path = format!("/v1/sessions/{}/end", path_session_id(id)?);
        self.decide(&path, key, &()).await
    }

    /// An admin adds a service client; the answer carries its key, once.
    pub async fn add_service_client(
        &self,
        key: &str,
        r: &AddServiceClient,
    ) -> Answer<ServiceClientView> {
        self.decide("/v1/service-clients", key, r).await
    }

    pub async fn revoke_service_client(
        &self,
        key: &str,
        id: &str,
        r: &RevokeServiceClient,
    ) -> Answer<ServiceClientView> {
        let path = format!("/v1/service-clients/{}/revoke", path_id(id)?);
        self.decide(&path, key, r).await
    }

    /// Saves a draft of the rules.
    pub async fn save_rule_draft(&self, key: &str, r: &SaveRuleDraft) -> Answer<RuleSetView> {
        self.decide("/v1/rules", key, r).await
    }

    /// Runs a draft of the rules in shadow beside the live ones.
    pub async fn shadow_rules(&self, key: &str, id: i64, r: &ShadowRuleSet) -> Answer<RuleSetView> {
        self.decide(&format!("/v1/rules/{id}/shadow"), key, r).await
    }

    /// Puts a version of the rules live (someone else's, with a fresh code).
    pub async fn publish_rules(
        &self,
        key: &str,
        id: i64,
        r: &StepUpApproval,
    ) -> Answer<RuleSetView> {
        self.decide(&format!("/v1/rules/{id}/publish"), key, r)
            .await
    }
}
