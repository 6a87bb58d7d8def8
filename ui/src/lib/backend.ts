// The one way the UI reaches Rust. `tauriBackend` calls the app's commands;
// tests use `MockBackend` (mock.ts) in its place.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import type { Command } from "./generated/commands";
import type {
  AccountQuery,
  Account360,
  AccountFreezeView,
  Rules,
  RulesOverview,
  BacktestView,
  ShadowView,
  RulesRecordBoard,
  RulesRecordRequest,
  AuditEntryView,
  AuditQuery,
  AuditVerification,
  RevealRequest,
  Revealed,
  AlertNoteView,
  BlacklistEntryView,
  BlacklistKind,
  BlacklistQuery,
  DecisionOutcome,
  DisputeDetail,
  DisputeQuery,
  DisputeView,
  LiveUpdate,
  Screen as NoticeScreen,
  ViewState,
  LimitChangeQuery,
  LimitChangeView,
  OperatorDecision,
  AccountSummary,
  AlertCounts,
  AlertQuery,
  AlertView,
  CaseDetail,
  CaseReportRequest,
  CaseQuery,
  CaseView,
  ChartRequest,
  LinksBoard,
  CommandError,
  ConnectRequest,
  ErrorCode,
  ChartFormat,
  DashboardRequest,
  ExportProgress,
  ExportRequest,
  ExportSaved,
  DashboardChart,
  CreditDashboard,
  FraudDashboard,
  OperatorView,
  Page,
  Preferences,
  Progress,
  SessionAdminView,
  SignInRequest,
  Startup,
  Team,
  TransactionQuery,
  TransactionView,
} from "./generated/types";

export interface Backend {
  /** The stored preferences, read before the first screen is drawn. */
  preferences(): Promise<Preferences>;
  start(): Promise<Startup>;
  connect(request: ConnectRequest): Promise<Startup>;
  resume(): Promise<OperatorView | null>;
  /** Fails with `keychain_*` while the keychain cannot be used. */
  checkKeychain(): Promise<void>;
  signIn(request: SignInRequest): Promise<OperatorView>;
  signInDemo(operatorId: string): Promise<OperatorView>;
  signOut(): Promise<void>;
  setPreferences(preferences: Preferences): Promise<void>;
  alerts(query: AlertQuery): Promise<Page<AlertView>>;
  alertCounts(query: AlertQuery): Promise<AlertCounts>;
  /** Accounts by id, phone tail or masked name, or by a filter: a page at a time. */
  accounts(query: AccountQuery): Promise<Page<AccountSummary>>;
  account(accountId: number): Promise<Account360>;
  accountChart(request: ChartRequest): Promise<string>;
  /** The accounts linked to one, and their graph. */
  accountLinks(request: ChartRequest): Promise<LinksBoard>;
  transactions(accountId: number, query: TransactionQuery): Promise<Page<TransactionView>>;
  /** An operator's decision under its idempotency key (the same key retries it). */
  decide(key: string, decision: OperatorDecision): Promise<DecisionOutcome>;
  alert(alertId: number): Promise<AlertView>;
  alertNotes(alertId: number): Promise<AlertNoteView[]>;
  limitChanges(query: LimitChangeQuery): Promise<Page<LimitChangeView>>;
  blacklist(query: BlacklistQuery): Promise<Page<BlacklistEntryView>>;
  freezes(accountId: number): Promise<AccountFreezeView[]>;
  /** The value as it would be listed; fails with `invalid` and the reason. */
  normaliseBlacklist(kind: BlacklistKind, value: string): Promise<string>;
  audit(query: AuditQuery): Promise<Page<AuditEntryView>>;
  /** The chain verified in the console, against the key pinned for this service. */
  verifyAudit(): Promise<AuditVerification>;
  disputes(query: DisputeQuery): Promise<Page<DisputeView>>;
  dispute(id: number): Promise<DisputeDetail>;
  cases(query: CaseQuery): Promise<Page<CaseView>>;
  /** A case with its members, notes and attachments. */
  case(id: number): Promise<CaseDetail>;
  /** The case's report as a PDF in the downloads folder. */
  caseReport(request: CaseReportRequest): Promise<ExportSaved>;
  /** One masked field, with the operator's reason (audited); keep it nowhere. */
  reveal(accountId: number, request: RevealRequest): Promise<Revealed>;
  /** The dashboard's fraud metrics and their charts, drawn in Rust. */
  fraudDashboard(request: DashboardRequest): Promise<FraudDashboard>;
  /** The dashboard's credit metrics and their charts (not cut by channel). */
  creditDashboard(request: DashboardRequest): Promise<CreditDashboard>;
  /** Saves one dashboard chart in the downloads folder: SVG, PNG, or its numbers as CSV. */
  exportChart(request: DashboardRequest, chart: DashboardChart, format: ChartFormat): Promise<ExportSaved>;
  /** Saves a list as CSV in the downloads folder; fails with `cancelled` once cancelled. */
  exportCsv(id: string, request: ExportRequest): Promise<ExportSaved>;
  cancelExport(id: string): Promise<void>;
  /** The operators and service clients (admins). */
  team(): Promise<Team>;
  /** An operator's sessions that have not ended (admins). */
  operatorSessions(operator: string): Promise<SessionAdminView[]>;
  /** The rules in force, where they come from, and their versions. */
  rules(): Promise<RulesOverview>;
  /** Checks a draft as the service will; fails with `invalid` and "field: why". */
  checkRules(rules: Rules): Promise<void>;
  /** Each rule's record by version over the last days asked for, and its trend (SVG). */
  rulesRecord(request: RulesRecordRequest): Promise<RulesRecordBoard>;
  /** A version's backtests, newest first, with progress and reports. */
  backtests(ruleSetId: number): Promise<BacktestView[]>;
  /** Starts a backtest of a version on the last `days` days, on the service. */
  startBacktest(ruleSetId: number, days: number): Promise<BacktestView>;
  cancelBacktest(id: number): Promise<BacktestView>;
  /** A version's comparison with the live rules on the payments it judged in shadow. */
  shadowComparison(ruleSetId: number): Promise<ShadowView>;
  /** Follows every running export; returns the unsubscribe. */
  onExportProgress(handler: (progress: ExportProgress) => void): Promise<() => void>;
  /** Follows the demo portfolio's first generation; returns the unsubscribe. */
  onProgress(handler: (progress: Progress) => void): Promise<() => void>;
  /** Starts following the service's live stream for this session (Rust holds it). */
  followLive(): Promise<void>;
  /** Tells Rust what the window shows, so that no notice repeats it. */
  setView(view: ViewState): Promise<void>;
  /** The live stream's updates; returns the unsubscribe. */
  onLive(handler: (update: LiveUpdate) => void): Promise<() => void>;
  /** A desktop notice clicked: open its item; returns the unsubscribe. */
  onLiveOpen(handler: (open: LiveOpen) => void): Promise<() => void>;
}

/** What a clicked notice opens. */
export type LiveOpen = { screen: NoticeScreen; id: number };

/** The failures of the line to the service, each with its banner. */
export type OfflineCode = "unreachable" | "timeout" | "interrupted";

function isOffline(code: ErrorCode): code is OfflineCode {
  return code === "unreachable" || code === "timeout" || code === "interrupted";
}

/** A failed command, with the code the screens act on. */
export class BackendError extends Error {
  readonly code: ErrorCode;
  /** With `stale_version`: the record as it is now. */
  readonly current: unknown;
  constructor(error: CommandError) {
    super(error.message);
    this.code = error.code;
    this.current = error.current;
  }

  /** The service no longer knows the session: sign in again. */
  get sessionLost(): boolean {
    return ["session_expired", "unauthenticated", "not_signed_in"].includes(this.code);
  }

  /** The line to the service failed, not the request: offline banner, retry. */
  get offline(): boolean {
    return isOffline(this.code);
  }
}

async function call<T>(command: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw) {
    if (raw && typeof raw === "object" && "code" in raw && "message" in raw) {
      throw new BackendError(raw as CommandError);
    }
    throw new BackendError({ code: "protocol", message: String(raw) });
  }
}

export const tauriBackend: Backend = {
  preferences: () => call("preferences"),
  start: () => call("start"),
  connect: (request) => call("connect", { request }),
  resume: () => call("resume"),
  checkKeychain: () => call("check_keychain"),
  signIn: (request) => call("sign_in", { request }),
  signInDemo: (operatorId) => call("sign_in_demo", { operatorId }),
  signOut: () => call("sign_out"),
  setPreferences: (preferences) => call("set_preferences", { preferences }),
  alerts: (query) => call("alerts", { query }),
  alertCounts: (query) => call("alert_counts", { query }),
  accounts: (query) => call("accounts", { query }),
  account: (accountId) => call("account", { accountId }),
  accountChart: (request) => call("account_chart", { request }),
  accountLinks: (request) => call("account_links", { request }),
  transactions: (accountId, query) => call("transactions", { accountId, query }),
  decide: (key, decision) => call("decide", { key, decision }),
  alert: (alertId) => call("alert", { alertId }),
  alertNotes: (alertId) => call("alert_notes", { alertId }),
  limitChanges: (query) => call("limit_changes", { query }),
  blacklist: (query) => call("blacklist", { query }),
  freezes: (accountId) => call("freezes", { accountId }),
  normaliseBlacklist: (kind, value) => call("normalise_blacklist", { kind, value }),
  audit: (query) => call("audit", { query }),
  verifyAudit: () => call("verify_audit"),
  disputes: (query) => call("disputes", { query }),
  dispute: (id) => call("dispute", { id }),
  cases: (query) => call("cases", { query }),
  case: (id) => call("case", { id }),
  caseReport: (request) => call("case_report", { request }),
  reveal: (accountId, request) => call("reveal", { accountId, request }),
  fraudDashboard: (request) => call("fraud_dashboard", { request }),
  creditDashboard: (request) => call("credit_dashboard", { request }),
  exportChart: (request, chart, format) => call("export_chart", { request, chart, format }),
  exportCsv: (id, request) => call("export", { id, request }),
  cancelExport: (id) => call("cancel_export", { id }),
  team: () => call("team"),
  operatorSessions: (operator) => call("operator_sessions", { operator }),
  rules: () => call("rules"),
  checkRules: (rules) => call("check_rules", { rules }),
  rulesRecord: (request) => call("rules_record", { request }),
  backtests: (ruleSetId) => call("backtests", { ruleSetId }),
  startBacktest: (ruleSetId, days) => call("start_backtest", { ruleSetId, days }),
  cancelBacktest: (id) => call("cancel_backtest", { id }),
  shadowComparison: (ruleSetId) => call("shadow_comparison", { ruleSetId }),
  onExportProgress: (handler) =>
    listen<ExportProgress>("export-progress", (event) => handler(event.payload)),
  onProgress: (handler) => listen<Progress>("demo-progress", (event) => handler(event.payload)),
  followLive: () => call("follow_live"),
  setView: (view) => call("set_view", { view }),
  onLive: (handler) => listen<LiveUpdate>("live", (event) => handler(event.payload)),
  onLiveOpen: (handler) => listen<LiveOpen>("live-open", (event) => handler(event.payload)),
};
