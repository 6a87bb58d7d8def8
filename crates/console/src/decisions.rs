//! The operators' decisions: each sent through the client's own method for
//! it, under the key the UI made, and answered as the record it changed.

use riskdesk_client::{ClientError, Decided};
use riskdesk_domain::blacklist::BlacklistKind;

use crate::app::Console;
use crate::ipc::{CommandError, DecisionOutcome, DecisionRecord, ErrorCode, OperatorDecision};

impl Console {
    /// An operator's decision, sent with the key the UI made for it: the UI
    /// sends the same key again to retry it, so it can never apply twice.
    pub async fn decide(
        &self,
        key: String,
        decision: OperatorDecision,
    ) -> Result<DecisionOutcome, CommandError> {
        let client = self.session_client()?;
        let key = key.as_str();
        let outcome = match &decision {
            OperatorDecision::Triage { alert_id, request } => record(
                client.triage(key, *alert_id, request).await,
                DecisionRecord::Alert,
            ),
            OperatorDecision::BulkTriage { request } => {
                record(client.bulk_triage(key, request).await, DecisionRecord::Bulk)
            }
            OperatorDecision::NextAlert => {
                record(client.next_alert(key).await, DecisionRecord::Alert)
            }
            OperatorDecision::AddNote { alert_id, request } => record(
                client.add_note(key, *alert_id, request).await,
                DecisionRecord::Note,
            ),
            OperatorDecision::ProposeLimit {
                account_id,
                request,
            } => record(
                client.propose_limit(key, *account_id, request).await,
                DecisionRecord::LimitChange,
            ),
            OperatorDecision::ApproveLimit { id, request } => record(
                client.approve_limit(key, *id, request).await,
                DecisionRecord::LimitChange,
            ),
            OperatorDecision::RejectLimit { id, request } => record(
                client.reject_limit(key, *id, request).await,
                DecisionRecord::LimitChange,
            ),
            OperatorDecision::Freeze {
                account_id,
                request,
            } => record(
                client.freeze(key, *account_id, request).await,
                DecisionRecord::Freeze,
            ),
            OperatorDecision::ReleaseFreeze { id, request } => record(
                client.release_freeze(key, *id, request).await,
                DecisionRecord::Freeze,
            ),
            OperatorDecision::AddBlacklist { request } => record(
                client.add_blacklist(key, request).await,
                DecisionRecord::Blacklist,
            ),
            OperatorDecision::RequestRemoval { id, request } => record(
                client.request_removal(key, *id, request).await,
                DecisionRecord::Blacklist,
            ),
            OperatorDecision::ApproveRemoval { id, request } => record(
                client.approve_removal(key, *id, request).await,
                DecisionRecord::Blacklist,
            ),
            OperatorDecision::RejectRemoval { id, request } => record(
                client.reject_removal(key, *id, request).await,
                DecisionRecord::Blacklist,
            ),
            OperatorDecision::OpenDispute { request } => record(
                client.open_dispute(key, request).await,
                DecisionRecord::Dispute,
            ),
            OperatorDecision::DisputeStep { id, request } => record(
                client.dispute_step(key, *id, request).await,
                DecisionRecord::Dispute,
            ),
            OperatorDecision::SaveRuleDraft { request } => {
                record(client.save_rule_draft(key, request).await, |r| {
                    DecisionRecord::RuleSet(Box::new(r))
                })
            }
            OperatorDecision::ShadowRules { id, request } => {
                record(client.shadow_rules(key, *id, request).await, |r| {
                    DecisionRecord::RuleSet(Box::new(r))
                })
            }
            OperatorDecision::PublishRules { id, request } => {
                record(client.publish_rules(key, *id, request).await, |r| {
                    DecisionRecord::RuleSet(Box::new(r))
                })
            }
            OperatorDecision::OpenCase { request } => {
                record(client.open_case(key, request).await, DecisionRecord::Case)
            }
            OperatorDecision::CaseStep { id, request } => record(
                client.case_step(key, *id, request).await,
                DecisionRecord::Case,
            ),
            OperatorDecision::FreezeCase { id, request } => record(
                client.freeze_case(key, *id, request).await,
                DecisionRecord::CaseFreezes,
            ),
            OperatorDecision::BlacklistCase { id, request } => record(
                client.blacklist_case(key, *id, request).await,
                DecisionRecord::CaseBlacklist,
            ),
            OperatorDecision::Attach {
                case_id,
                name,
                content_type,
                content_base64,
            } => {
                use base64::Engine;
                let content = base64::engine::general_purpose::STANDARD
                    .decode(content_base64)
                    .map_err(|_| {
                        CommandError::new(ErrorCode::Invalid, "the file did not arrive whole")
                    })?;
                record(
                    client
                        .attach(key, *case_id, name, content_type, &content)
                        .await,
                    DecisionRecord::Attachment,
                )
            }
            OperatorDecision::Team { decision } => {
                crate::team::decide(&client, key, decision).await
            }
        };
        self.checked(outcome)
    }

    /// A blacklist value as it will be listed, or why it will be refused:
    /// the service's own normalisation, run here as the operator types.
    pub fn normalise_blacklist(
        &self,
        kind: BlacklistKind,
        value: String,
    ) -> Result<String, CommandError> {
        riskdesk_domain::blacklist::normalise(kind, &value)
            .map_err(|e| CommandError::new(ErrorCode::Invalid, e.to_string()))
    }

    /// Checks a draft of the rules as the service will, as the officer
    /// types: the field at fault and why (`field: why`), or nothing.
    pub fn check_rules(&self, rules: serde_json::Value) -> Result<(), CommandError> {
        riskdesk_domain::rules::Rules::from_json(&rules)
            .map(drop)
            .map_err(|e| CommandError::new(ErrorCode::Invalid, e.to_string()))
    }
}

/// A decision's answer as the UI gets it.
pub(crate) fn record<T>(
    answer: Result<Decided<T>, ClientError>,
    kind: impl FnOnce(T) -> DecisionRecord,
) -> Result<DecisionOutcome, ClientError> {
    answer.map(|decided| DecisionOutcome {
        record: kind(decided.record),
        replayed: decided.replayed,
    })
}
