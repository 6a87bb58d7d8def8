//! What crosses the boundary between the console and its webview: the
//! commands' arguments, answers and errors. Their TypeScript twins in
//! `ui/src/lib/generated/types.ts` are generated from these types
//! ([`typescript`]); a test fails when the committed file is stale.
//!
//! Nothing here carries a session token or a password back to the webview.

use riskdesk_api::ProblemCode;
use riskdesk_api::audit::AuditQuery;
use riskdesk_api::decisions::{
    AddBlacklistEntry, AlertNoteView, BulkTriageRequest, BulkTriageResult, DisputeStepRequest,
    FreezeRequest, NoteRequest, OpenDispute, ProposeLimitChange, ReasonedChange, ReleaseFreeze,
    StepUpApproval, TriageRequest,
};
use riskdesk_api::lists::{AlertQuery, DisputeQuery, TransactionQuery};
use riskdesk_api::metrics::{CreditMetrics, FraudMetrics, MetricsQuery};
use riskdesk_api::rules::{RuleSetView, SaveRuleDraft, ShadowRuleSet};
use riskdesk_api::views::{
    AccountDetail, AccountFreezeView, AlertView, BlacklistEntryView, DisputeView, LimitChangeView,
};
use riskdesk_charts::{Lang, Theme};
use riskdesk_client::ClientError;
use riskdesk_domain::operator::Role;
use ts_rs::TS;

mod live;
mod typescript;
pub use live::*;
pub use typescript::{typescript, words};

use crate::keychain::KeychainError;
use crate::session::SessionError;

/// A failed command: a code the UI can act on and a message for the operator.
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
    /// With `stale_version`: the record as it is now, to show what changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "unknown")]
    pub current: Option<serde_json::Value>,
}

/// The closed set of reasons a command fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The service cannot be reached: the UI shows the offline banner.
    Unreachable,
    Timeout,
    /// The connection broke before the answer was whole (also an offline
    /// banner: the line, not the request, failed).
    Interrupted,
    /// The service's certificate is not trusted.
    Tls,
    /// A setting is unusable (a bad URL, an unreadable CA file).
    Config,
    /// The service answered something that is not the API.
    Protocol,
    /// No keychain answered, or it is locked: nothing can be signed in.
    KeychainUnavailable,
    KeychainFailed,
    /// No session: sign in first.
    NotSignedIn,
    /// The built-in demo service did not start.
    EmbeddedFailed,
    /// A decision got no answer: it may or may not have taken effect. Sending
    /// it again with the same key is safe and tells which.
    Undecided,
    /// A value was refused before anything was sent (a blacklist value).
    Invalid,
    /// The operator cancelled it (an export).
    Cancelled,
    /// A file could not be written (an export).
    SaveFailed,
    /// The service's own problem code.
    #[serde(untagged)]
    Service(ProblemCode),
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> CommandError {
        CommandError {
            code,
            message: message.into(),
            current: None,
        }
    }

    /// The session is gone on the service's side: sign in again.
    pub fn is_session_lost(&self) -> bool {
        matches!(
            self.code,
            ErrorCode::Service(ProblemCode::SessionExpired | ProblemCode::Unauthenticated)
        )
    }
}

impl From<ClientError> for CommandError {
    fn from(error: ClientError) -> CommandError {
        let current = match &error {
            ClientError::Problem { current, .. } => current.clone(),
            _ => None,
        };
        let code = match &error {
            ClientError::Problem { code, .. } => ErrorCode::Service(*code),
            ClientError::Undecided(_) => ErrorCode::Undecided,
            ClientError::Unreachable { .. } => ErrorCode::Unreachable,
            ClientError::Timeout(_) => ErrorCode::Timeout,
            ClientError::Interrupted(_) => ErrorCode::Interrupted,
            ClientError::Tls(_) => ErrorCode::Tls,
            ClientError::Config(_) => ErrorCode::Config,
            ClientError::Protocol(_) => ErrorCode::Protocol,
        };
        CommandError {
            current,
            ..CommandError::new(code, error.to_string())
        }
    }
}

impl From<KeychainError> for CommandError {
    fn from(error: KeychainError) -> CommandError {
        let code = match error {
            KeychainError::Unavailable(_) => ErrorCode::KeychainUnavailable,
            KeychainError::Failed(_) => ErrorCode::KeychainFailed,
        };
        CommandError::new(code, error.to_string())
    }
}

impl From<SessionError> for CommandError {
    fn from(error: SessionError) -> CommandError {
        match error {
            SessionError::Service(e) => e.into(),
            SessionError::Keychain(e) => e.into(),
        }
    }
}

/// The operator's display choices, kept in the settings file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, TS)]
#[serde(default)]
pub struct Preferences {
    pub lang: Lang,
    pub theme: Theme,
    pub notices: NoticePreferences,
}

/// Which service the console talks to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, TS)]
pub struct ServiceInfo {
    pub url: String,
    /// The built-in demo service, running inside the app.
    pub embedded: bool,
    pub ca_certificate_path: Option<String>,
}

/// A demo operator the sign-in screen offers; its password and TOTP secret
/// stay in Rust.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, TS)]
pub struct DemoOperatorView {
    pub id: String,
    pub display_name: String,
    pub role: Role,
}

/// What the console knows when the window opens.
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct Startup {
    pub preferences: Preferences,
    /// `None` when the configured service could not be reached: `service_error` says why.
    pub service: Option<ServiceInfo>,
    pub service_error: Option<CommandError>,
    pub demo_operators: Vec<DemoOperatorView>,
    /// Seconds without the operator's input after which the window locks:
    /// the session ends and signing in again returns to the same screen.
    pub idle_lock_secs: u32,
}

/// The connection screen's answer: a service URL (none for the built-in
/// demo) and an optional CA certificate file for a private TLS root.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, TS)]
pub struct ConnectRequest {
    pub service_url: Option<String>,
    pub ca_certificate_path: Option<String>,
}

/// Demo-portfolio generation progress, sent as the `demo-progress` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, TS)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// What to export, under the same filters as its list on screen.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, TS)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum ExportRequest {
    Transactions {
        account_id: i64,
        query: TransactionQuery,
    },
    Alerts {
        query: AlertQuery,
    },
    Disputes {
        query: DisputeQuery,
    },
    Audit {
        query: AuditQuery,
    },
}

impl ExportRequest {
    /// The file name's part that says what is in it.
    pub fn name(&self) -> &'static str {
        match self {
            ExportRequest::Transactions { .. } => "transactions",
            ExportRequest::Alerts { .. } => "alerts",
            ExportRequest::Disputes { .. } => "disputes",
            ExportRequest::Audit { .. } => "audit",
        }
    }
}

/// How far an export has come, sent as the `export-progress` event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, TS)]
pub struct ExportProgress {
    /// The id the UI started it with.
    pub id: String,
    /// Rows written so far (the header not counted).
    pub rows: u64,
    pub bytes: u64,
}

/// A finished export.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, TS)]
pub struct ExportSaved {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
}

/// Account 360: the account and everything around it. A section the
/// operator's role may not read is `None`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct Account360 {
    pub detail: AccountDetail,
    pub alerts: Option<Vec<AlertView>>,
    pub limit_changes: Option<Vec<LimitChangeView>>,
    pub blacklist_matches: Option<Vec<BlacklistEntryView>>,
}

/// A case's report, as PDF in the downloads folder, in `lang`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, TS)]
pub struct CaseReportRequest {
    pub case_id: i64,
    pub lang: Lang,
}

/// The accounts linked to one, and their graph (SVG) of the most strongly
/// linked.
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct LinksBoard {
    pub links: riskdesk_api::investigations::AccountLinks,
    pub graph: String,
}

/// How the account chart is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, TS)]
pub struct ChartRequest {
    pub account_id: i64,
    pub theme: Theme,
    pub lang: Lang,
    pub width: u32,
    pub height: u32,
}

/// The rules' record over the last `days` days, and how its charts are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, TS)]
pub struct RulesRecordRequest {
    pub days: i64,
    pub theme: Theme,
    pub lang: Lang,
    /// Each chart's size.
    pub width: u32,
    pub height: u32,
}

/// The rules' record, and each rule's trend over its days (SVG, drawn in
/// Rust): alerts by the version that decided, precision, publishes marked.
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct RulesRecordBoard {
    pub record: riskdesk_api::rules::RulesRecord,
    /// Rules that raised alerts in the window, in their order.
    pub trends: Vec<RuleTrendView>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct RuleTrendView {
    pub rule: riskdesk_domain::alert::Rule,
    pub svg: String,
}

/// A dashboard section: the period and cut asked for, and how its charts
/// are drawn.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, TS)]
pub struct DashboardRequest {
    pub query: MetricsQuery,
    pub theme: Theme,
    pub lang: Lang,
    /// Each chart's size.
    pub width: u32,
    pub height: u32,
}

/// A fraud period at a glance (`domain::metrics::FraudTotals`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct FraudTotalsView {
    pub decided: u64,
    pub approval_bp: u32,
    pub raised: u64,
    pub false_positive_bp: u32,
    pub losses: riskdesk_domain::money::Money,
}

/// The credit side at its last month's end (`domain::metrics::CreditTotals`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct CreditTotalsView {
    /// `yyyy-mm`.
    pub month: String,
    pub accounts: u64,
    pub balance: riskdesk_domain::money::Money,
    pub delinquency_bp: u32,
    pub dpd30_bp: u32,
    pub utilisation_bp: u32,
    pub limit_changes_approved: u64,
}

/// The fraud metrics, their totals and their charts (SVG, drawn in Rust).
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct FraudDashboard {
    pub metrics: FraudMetrics,
    pub totals: FraudTotalsView,
    pub approvals_svg: String,
    pub alerts_svg: String,
    pub dispositions_svg: String,
    pub losses_svg: String,
}

impl FraudDashboard {
    /// One of its charts (a credit chart is not on this board: empty).
    pub fn svg(&self, chart: DashboardChart) -> &str {
        match chart {
            DashboardChart::Approvals => &self.approvals_svg,
            DashboardChart::Alerts => &self.alerts_svg,
            DashboardChart::Dispositions => &self.dispositions_svg,
            DashboardChart::Losses => &self.losses_svg,
            _ => "",
        }
    }
}

/// The credit metrics and their charts (SVG, drawn in Rust).
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct CreditDashboard {
    pub metrics: CreditMetrics,
    /// At the end of the period's last month (`None`: a period without one).
    pub totals: Option<CreditTotalsView>,
    pub delinquency_svg: String,
    pub vintage_svg: String,
    /// The last roll of the period, month to month.
    pub rolls_svg: String,
    pub utilisation_svg: String,
    pub exposure_svg: String,
    pub limit_changes_svg: String,
}

impl CreditDashboard {
    /// One of its charts (a fraud chart is not on this board: empty).
    pub fn svg(&self, chart: DashboardChart) -> &str {
        match chart {
            DashboardChart::Delinquency => &self.delinquency_svg,
            DashboardChart::Vintage => &self.vintage_svg,
            DashboardChart::RollRates => &self.rolls_svg,
            DashboardChart::Utilisation => &self.utilisation_svg,
            DashboardChart::Exposure => &self.exposure_svg,
            DashboardChart::LimitChanges => &self.limit_changes_svg,
            _ => "",
        }
    }
}

/// One of the dashboard's charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DashboardChart {
    Approvals,
    Alerts,
    Dispositions,
    Losses,
    Delinquency,
    Vintage,
    RollRates,
    Utilisation,
    Exposure,
    LimitChanges,
}

impl DashboardChart {
    /// The file name's part that says what is in it.
    pub fn name(self) -> &'static str {
        match self {
            DashboardChart::Approvals => "approvals",
            DashboardChart::Alerts => "alerts-by-rule",
            DashboardChart::Dispositions => "dispositions",
            DashboardChart::Losses => "fraud-losses",
            DashboardChart::Delinquency => "delinquency",
            DashboardChart::Vintage => "vintages",
            DashboardChart::RollRates => "roll-rates",
            DashboardChart::Utilisation => "utilisation",
            DashboardChart::Exposure => "exposure-by-grade",
            DashboardChart::LimitChanges => "limit-changes",
        }
    }

    /// Whether the chart is on the credit board (else the fraud board).
    pub fn is_credit(self) -> bool {
        !matches!(
            self,
            DashboardChart::Approvals
                | DashboardChart::Alerts
                | DashboardChart::Dispositions
                | DashboardChart::Losses
        )
    }
}

/// A chart saved as a picture, or its numbers as CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChartFormat {
    Svg,
    Png,
    Csv,
}

/// An operator's decision, sent with its idempotency key.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OperatorDecision {
    Triage {
        alert_id: i64,
        request: TriageRequest,
    },
    BulkTriage {
        request: BulkTriageRequest,
    },
    NextAlert,
    AddNote {
        alert_id: i64,
        request: NoteRequest,
    },
    ProposeLimit {
        account_id: i64,
        request: ProposeLimitChange,
    },
    ApproveLimit {
        id: i64,
        request: StepUpApproval,
    },
    RejectLimit {
        id: i64,
        request: ReasonedChange,
    },
    Freeze {
        account_id: i64,
        request: FreezeRequest,
    },
    ReleaseFreeze {
        id: i64,
        request: ReleaseFreeze,
    },
    AddBlacklist {
        request: AddBlacklistEntry,
    },
    RequestRemoval {
        id: i64,
        request: ReasonedChange,
    },
    ApproveRemoval {
        id: i64,
        request: StepUpApproval,
    },
    RejectRemoval {
        id: i64,
        request: ReasonedChange,
    },
    OpenDispute {
        request: OpenDispute,
    },
    DisputeStep {
        id: i64,
        request: DisputeStepRequest,
    },
    SaveRuleDraft {
        request: SaveRuleDraft,
    },
    ShadowRules {
        id: i64,
        request: ShadowRuleSet,
    },
    PublishRules {
        id: i64,
        request: StepUpApproval,
    },
    OpenCase {
        request: riskdesk_api::investigations::OpenCase,
    },
    CaseStep {
        id: i64,
        request: riskdesk_api::investigations::CaseStepRequest,
    },
    FreezeCase {
        id: i64,
        request: riskdesk_api::investigations::CaseFreezeAll,
    },
    BlacklistCase {
        id: i64,
        request: riskdesk_api::investigations::CaseBlacklistShared,
    },
    /// A file for a case, read by the webview from the file the operator
    /// chose (base64: the IPC carries text).
    Attach {
        case_id: i64,
        name: String,
        content_type: String,
        content_base64: String,
    },
    /// An admin's decision about the team (`crate::team`).
    Team {
        decision: TeamDecision,
    },
}

/// An admin's decision: operators, their sessions, service clients.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TeamDecision {
    AddOperator {
        request: riskdesk_api::admin::AddOperator,
    },
    ChangeOperator {
        id: String,
        request: riskdesk_api::admin::OperatorChangeRequest,
    },
    EndSession {
        id: String,
    },
    AddServiceClient {
        request: riskdesk_api::admin::AddServiceClient,
    },
    RevokeServiceClient {
        id: String,
        request: riskdesk_api::admin::RevokeServiceClient,
    },
}

/// The team as an admin sees it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct Team {
    pub operators: Vec<riskdesk_api::admin::OperatorAdminView>,
    pub service_clients: Vec<riskdesk_api::admin::ServiceClientView>,
}

/// An operator after an admin's decision, with what it showed once: a new
/// operator's password, and their TOTP secret as the QR code their
/// authenticator scans (drawn here, in Rust) and as the URI it encodes.
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct OperatorShown {
    pub operator: riskdesk_api::admin::OperatorAdminView,
    pub credentials: Option<ShownCredentials>,
}

#[derive(Clone, PartialEq, serde::Serialize, TS)]
pub struct ShownCredentials {
    pub initial_password: Option<String>,
    pub otpauth_uri: String,
    /// The URI as a QR code, an SVG document.
    pub qr_svg: String,
}

impl std::fmt::Debug for ShownCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShownCredentials(<redacted>)")
    }
}

/// What a decision did: the record after it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
pub enum DecisionRecord {
    Alert(AlertView),
    Bulk(BulkTriageResult),
    Note(AlertNoteView),
    LimitChange(LimitChangeView),
    Freeze(AccountFreezeView),
    Blacklist(BlacklistEntryView),
    Dispute(DisputeView),
    Operator(OperatorShown),
    Session(riskdesk_api::admin::SessionAdminView),
    ServiceClient(riskdesk_api::admin::ServiceClientView),
    RuleSet(Box<RuleSetView>),
    Case(riskdesk_api::investigations::CaseView),
    CaseFreezes(riskdesk_api::investigations::CaseFreezesResult),
    CaseBlacklist(riskdesk_api::investigations::CaseBlacklistResult),
    Attachment(riskdesk_api::investigations::AttachmentView),
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct DecisionOutcome {
    pub record: DecisionRecord,
    /// An earlier attempt of this same decision had already taken effect:
    /// this is its answer, and nothing was done twice.
    pub replayed: bool,
}

/// The console's own verification of the audit chain.
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct AuditVerification {
    /// Every hash and link holds, every checkpoint's signature and entry,
    /// and the signing key is the one first seen.
    pub intact: bool,
    pub entries: u64,
    pub checkpoints: u64,
    /// The public key checkpoints were checked with (hex): the pinned one.
    pub key: Option<String>,
    /// The service now publishes another key than the one first seen.
    pub key_changed: bool,
    pub first_broken: Option<BrokenEntry>,
    /// What the service's own verification said, for comparison.
    pub service_says_intact: bool,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
pub struct BrokenEntry {
    pub id: i64,
    /// `altered`, `unlinked`, `checkpoint_mismatch`, `truncated`, `bad_signature`.
    pub kind: String,
    pub why: String,
}
