//! The RiskDesk desktop console: Tauri wiring only. Each command is one call
//! into `riskdesk_console::app::Console`, which does the work.
//!
//! Environment: `RISKDESK_DEMO_CUSTOMERS` and `RISKDESK_DEMO_MONTHS` size the
//! built-in demo portfolio generated on first start;
//! `RISKDESK_IDLE_LOCK_SECS` how long the window waits without input
//! before it locks (15 minutes; shorter in tests); `RUST_LOG` the log.
//! Each command is a tracing span; a failed one is logged at `warn` with
//! its message (never its arguments, which may carry a password).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod live;
mod navigation;

use riskdesk_api::Page;
use riskdesk_api::admin::SessionAdminView;
use riskdesk_api::audit::{AuditEntryView, AuditQuery, RevealRequest, Revealed};
use riskdesk_api::auth::{OperatorView, SignInRequest};
use riskdesk_api::decisions::{AlertNoteView, DisputeDetail};
use riskdesk_api::lists::{
    AccountQuery, AlertQuery, BlacklistQuery, DisputeQuery, LimitChangeQuery, TransactionQuery,
};
use riskdesk_api::views::{
    AccountFreezeView, AccountSummary, AlertCounts, AlertView, BlacklistEntryView, DisputeView,
    LimitChangeView, TransactionView,
};
use riskdesk_console::app::{Console, ConsoleOptions, IDLE_LOCK_SECS};
use riskdesk_console::embedded;
use riskdesk_console::ipc::{
    Account360, AuditVerification, ChartFormat, ChartRequest, CommandError, ConnectRequest,
    CreditDashboard, DashboardChart, DashboardRequest, DecisionOutcome, ExportRequest, ExportSaved,
    FraudDashboard, LinksBoard, OperatorDecision, Preferences, Startup, Team, ViewState,
};
use riskdesk_domain::blacklist::BlacklistKind;
use tauri::{AppHandle, Emitter, Manager, State};

type Answer<T> = Result<T, CommandError>;

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
fn preferences(console: State<'_, Console>) -> Answer<Preferences> {
    console.stored_preferences()
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn start(app: AppHandle, console: State<'_, Console>) -> Answer<Startup> {
    console.start(|p| drop(app.emit("demo-progress", p))).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn connect(
    app: AppHandle,
    console: State<'_, Console>,
    request: ConnectRequest,
) -> Answer<Startup> {
    console
        .connect(request, |p| drop(app.emit("demo-progress", p)))
        .await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn resume(console: State<'_, Console>) -> Answer<Option<OperatorView>> {
    console.resume().await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn check_keychain(console: State<'_, Console>) -> Answer<()> {
    console.check_keychain().await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn sign_in(console: State<'_, Console>, request: SignInRequest) -> Answer<OperatorView> {
    console.sign_in(request).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn sign_in_demo(console: State<'_, Console>, operator_id: String) -> Answer<OperatorView> {
    console.sign_in_demo(operator_id).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn sign_out(console: State<'_, Console>) -> Answer<()> {
    console.sign_out().await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
fn set_preferences(console: State<'_, Console>, preferences: Preferences) -> Answer<()> {
    console.set_preferences(preferences)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn alerts(console: State<'_, Console>, query: AlertQuery) -> Answer<Page<AlertView>> {
    console.alerts(query).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn alert_counts(console: State<'_, Console>, query: AlertQuery) -> Answer<AlertCounts> {
    console.alert_counts(query).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn accounts(
    console: State<'_, Console>,
    query: AccountQuery,
) -> Answer<Page<AccountSummary>> {
    console.accounts(query).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn account(console: State<'_, Console>, account_id: i64) -> Answer<Account360> {
    console.account(account_id).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn account_chart(console: State<'_, Console>, request: ChartRequest) -> Answer<String> {
    console.account_chart(request).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn case_report(
    console: State<'_, Console>,
    request: riskdesk_console::ipc::CaseReportRequest,
) -> Answer<ExportSaved> {
    console.case_report(request).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn cases(
    console: State<'_, Console>,
    query: riskdesk_api::investigations::CaseQuery,
) -> Answer<Page<riskdesk_api::investigations::CaseView>> {
    console.cases(query).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn case(
    console: State<'_, Console>,
    id: i64,
) -> Answer<riskdesk_api::investigations::CaseDetail> {
    console.case(id).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn account_links(console: State<'_, Console>, request: ChartRequest) -> Answer<LinksBoard> {
    console.account_links(request).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn decide(
    console: State<'_, Console>,
    key: String,
    decision: OperatorDecision,
) -> Answer<DecisionOutcome> {
    console.decide(key, decision).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn alert(console: State<'_, Console>, alert_id: i64) -> Answer<AlertView> {
    console.alert(alert_id).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn alert_notes(console: State<'_, Console>, alert_id: i64) -> Answer<Vec<AlertNoteView>> {
    console.alert_notes(alert_id).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn limit_changes(
    console: State<'_, Console>,
    query: LimitChangeQuery,
) -> Answer<Page<LimitChangeView>> {
    console.limit_changes(query).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn blacklist(
    console: State<'_, Console>,
    query: BlacklistQuery,
) -> Answer<Page<BlacklistEntryView>> {
    console.blacklist(query).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn rules(console: State<'_, Console>) -> Answer<riskdesk_api::rules::RulesOverview> {
    console.rules().await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn rules_record(
    console: State<'_, Console>,
    request: riskdesk_console::ipc::RulesRecordRequest,
) -> Answer<riskdesk_console::ipc::RulesRecordBoard> {
    console.rules_record(request).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn backtests(
    console: State<'_, Console>,
    rule_set_id: i64,
) -> Answer<Vec<riskdesk_api::rules::BacktestView>> {
    console.backtests(rule_set_id).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn start_backtest(
    console: State<'_, Console>,
    rule_set_id: i64,
    days: i64,
) -> Answer<riskdesk_api::rules::BacktestView> {
    console.start_backtest(rule_set_id, days).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn cancel_backtest(
    console: State<'_, Console>,
    id: i64,
) -> Answer<riskdesk_api::rules::BacktestView> {
    console.cancel_backtest(id).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn shadow_comparison(
    console: State<'_, Console>,
    rule_set_id: i64,
) -> Answer<riskdesk_api::rules::ShadowView> {
    console.shadow_comparison(rule_set_id).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn freezes(console: State<'_, Console>, account_id: i64) -> Answer<Vec<AccountFreezeView>> {
    console.freezes(account_id).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
fn check_rules(console: State<'_, Console>, rules: serde_json::Value) -> Answer<()> {
    console.check_rules(rules)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
fn normalise_blacklist(
    console: State<'_, Console>,
    kind: BlacklistKind,
    value: String,
) -> Answer<String> {
    console.normalise_blacklist(kind, value)
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn audit(console: State<'_, Console>, query: AuditQuery) -> Answer<Page<AuditEntryView>> {
    console.audit(query).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn reveal(
    console: State<'_, Console>,
    account_id: i64,
    request: RevealRequest,
) -> Answer<Revealed> {
    console.reveal(account_id, request).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn disputes(console: State<'_, Console>, query: DisputeQuery) -> Answer<Page<DisputeView>> {
    console.disputes(query).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn dispute(console: State<'_, Console>, id: i64) -> Answer<DisputeDetail> {
    console.dispute(id).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn team(console: State<'_, Console>) -> Answer<Team> {
    console.team().await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn operator_sessions(
    console: State<'_, Console>,
    operator: String,
) -> Answer<Vec<SessionAdminView>> {
    console.operator_sessions(operator).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn verify_audit(console: State<'_, Console>) -> Answer<AuditVerification> {
    console.verify_audit().await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn transactions(
    console: State<'_, Console>,
    account_id: i64,
    query: TransactionQuery,
) -> Answer<Page<TransactionView>> {
    console.transactions(account_id, query).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn export(
    app: AppHandle,
    console: State<'_, Console>,
    id: String,
    request: ExportRequest,
) -> Answer<ExportSaved> {
    console
        .export(id, request, |p| drop(app.emit("export-progress", p)))
        .await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn fraud_dashboard(
    console: State<'_, Console>,
    request: DashboardRequest,
) -> Answer<FraudDashboard> {
    console.fraud_dashboard(request).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn credit_dashboard(
    console: State<'_, Console>,
    request: DashboardRequest,
) -> Answer<CreditDashboard> {
    console.credit_dashboard(request).await
}

#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn export_chart(
    console: State<'_, Console>,
    request: DashboardRequest,
    chart: DashboardChart,
    format: ChartFormat,
) -> Answer<ExportSaved> {
    console.export_chart(request, chart, format).await
}

#[tauri::command]
#[tracing::instrument(skip_all)]
fn cancel_export(console: State<'_, Console>, id: String) {
    console.cancel_export(&id);
}

/// Follows the service's live stream for this session (see `live.rs`).
#[tauri::command]
#[tracing::instrument(skip_all, err(Display, level = "warn"))]
async fn follow_live(app: AppHandle, console: State<'_, Console>) -> Answer<()> {
    console.follow_live(std::sync::Arc::new(live::TauriSink(app)))
}

#[tauri::command]
#[tracing::instrument(skip_all)]
fn set_view(console: State<'_, Console>, view: ViewState) {
    console.set_view(view);
}

fn env_u32(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let app = tauri::Builder::default()
        .plugin(navigation::guard())
        .setup(|app| {
            let paths = app.path();
            let console = Console::new(ConsoleOptions {
                config_dir: paths.app_config_dir()?,
                data_dir: paths.app_data_dir()?,
                demo_customers: env_u32("RISKDESK_DEMO_CUSTOMERS", embedded::CUSTOMERS),
                demo_months: env_u32("RISKDESK_DEMO_MONTHS", embedded::MONTHS),
                idle_lock_secs: env_u32("RISKDESK_IDLE_LOCK_SECS", IDLE_LOCK_SECS),
                os_locale: sys_locale::get_locale(),
                // Where a browser would save a download.
                export_dir: paths
                    .download_dir()
                    .or_else(|_| paths.home_dir().map(|home| home.join("Downloads")))?,
            });
            app.manage(console);
            Ok(())
        })
        // The commands of src-tauri/commands.txt, written by `cargo xtask codegen`.
        .invoke_handler(include!("invoke_handler.rs"))
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            tracing::error!(error = %e, "the window could not open");
            std::process::exit(1);
        }
    }
}
