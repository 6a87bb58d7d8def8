// A backend for component tests: the same interface as Rust's, answering
// from memory, recording every call, and able to fail like the real one.

import { BackendError, type Backend, type LiveOpen } from "./backend";
import type {
  LiveUpdate,
  ViewState,
  CaseDetail,
  Preferences,
  AccountQuery,
  AccountSummary,
  AlertNoteView,
  AlertQuery,
  AlertView,
  BlacklistKind,
  DecisionOutcome,
  OperatorDecision,
  CommandError,
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
  Rules,
  RulesOverview,
  BacktestView,
  ShadowView,
  RulesRecord,
  RulesRecordBoard,
  RulesRecordRequest,
  Startup,
  SessionAdminView,
  Team,
} from "./generated/types";

export const officer: OperatorView = {
  id: "officer.li",
  display_name: "李风控",
  role: "risk_officer",
  permissions: [],
};

export function alert(id: number, overrides: Partial<AlertView> = {}): AlertView {
  return {
    id,
    account_id: 80_000_000 + id,
    transaction_id: null,
    rule: "velocity",
    severity: "high",
    status: "open",
    assignee: null,
    amount: "1234.50",
    evidence: `${id} payments in 9 min on the account (max 5)`,
    findings: [{ type: "payment_count", count: id, minutes: 9, on: "account", value: null, max: 5 }],
    disposition: null,
    created_at: "2026-11-25T01:00:00Z",
    sla_due_at: "2099-01-01T00:00:00Z",
    overdue: false,
    version: 1,
    escalated_by: null,
    ...overrides,
  };
}

/** The shipped rules (crates/domain/rules.toml), as the service sends them. */
export function shippedRules(): Rules {
  return {
    decision: { review_at: 30, decline_at: 80 },
    alerts: {
      min_weight: 20,
      dedup_minutes: 60,
      severity: { medium: 30, high: 50, critical: 80 },
      sla_minutes: { low: 2880, medium: 1440, high: 240, critical: 60 },
    },
    velocity: {
      enabled: true,
      weight: 40,
      windows: [
        { subject: "account", minutes: 10, max_count: 3, max_amount: "10000.00" },
        { subject: "account", minutes: 1440, max_count: 20, max_amount: "30000.00" },
        { subject: "device", minutes: 60, max_count: 5, max_amount: "20000.00" },
        { subject: "ip", minutes: 60, max_count: 10, max_amount: "30000.00" },
      ],
    },
    amount_spike: { enabled: true, weight: 35, max_multiple: 5, min_history: 5, ignore_below: "1000.00" },
    new_device: { enabled: true, weight: 30, max_amount: "2000.00" },
    night_burst: { enabled: true, weight: 30, from_hour: 0, to_hour: 5, minutes: 60, max_count: 2 },
    impossible_travel: { enabled: true, weight: 80, max_speed_kmh: 900, ignore_within_km: 50 },
    far_from_home: { enabled: true, weight: 15, max_distance_km: 500 },
    blacklist: { enabled: true, weight: 100 },
    risky_merchant: { enabled: true, weight: 20, categories: ["virtual_goods", "gift_cards", "jewellery"], max_amount: "500.00" },
    frequent_large_spending: {
      enabled: true, weight: 30, large_amount: "3000.00", minutes: 1440, max_count: 2, freeze_percent: 50, freeze_hours: 24,
    },
    limit_review: {
      increase_grades: ["A", "B"], increase_min_utilisation_percent: 70, increase_percent: 20, max_limit: "50000.00",
      decrease_grades: ["E"], max_dpd: 30, decrease_percent: 30, expires_days: 7,
    },
    limit_approval: { officer_max_increase_percent: 20, officer_max_increase: "5000.00" },
    dispute_approval: { single_max: "500.00", second_person_max: "5000.00" },
  };
}

export class MockBackend implements Backend {
  calls: { command: string; args: unknown }[] = [];
  alertsInStore: AlertView[] = [];
  /** The next call of that command fails with this error. */
  failures = new Map<string, CommandError>();
  operator: OperatorView | null = null;
  idleLockSecs = 900;

  private record(command: string, args: unknown = null): void {
    this.calls.push({ command, args });
    const failure = this.failures.get(command);
    if (failure) {
      this.failures.delete(command);
      throw new BackendError(failure);
    }
  }

  callsOf(command: string): unknown[] {
    return this.calls.filter((c) => c.command === command).map((c) => c.args);
  }

  storedPreferences: Preferences = {
    lang: "zh", theme: "light",
    notices: { critical_alerts: true, approvals: true, escalated_disputes: true, quiet_from: null, quiet_to: null },
  };
  async preferences(): Promise<Preferences> {
    this.record("preferences");
    return this.storedPreferences;
  }
  async start(): Promise<Startup> {
    this.record("start");
    return {
      preferences: this.storedPreferences,
      service: { url: "http://127.0.0.1:1", embedded: true, ca_certificate_path: null },
      service_error: null,
      demo_operators: [{ id: "officer.li", display_name: "李风控", role: "risk_officer" }],
      idle_lock_secs: this.idleLockSecs,
    };
  }
  async connect(): Promise<Startup> {
    this.record("connect");
    return this.start();
  }
  async resume() {
    this.record("resume");
    return this.operator;
  }
  async checkKeychain() {
    this.record("check_keychain");
  }
  async signIn() {
    this.record("sign_in");
    this.operator = officer;
    return officer;
  }
  async signInDemo() {
    this.record("sign_in_demo");
    this.operator = officer;
    return officer;
  }
  async signOut() {
    this.record("sign_out");
    this.operator = null;
  }
  async setPreferences() {
    this.record("set_preferences");
  }
  async alerts(query: AlertQuery): Promise<Page<AlertView>> {
    this.record("alerts", query);
    const matching = this.alertsInStore.filter(
      (a) => (!query.status || a.status === query.status) && (!query.severity || a.severity === query.severity),
    );
    const start = query.cursor ? Number(query.cursor) : 0;
    const end = start + (query.limit ?? 50);
    return {
      items: matching.slice(start, end),
      next_cursor: end < matching.length ? String(end) : null,
    };
  }
  async alertCounts(query: AlertQuery) {
    this.record("alert_counts", query);
    const count = (status: string) =>
      this.alertsInStore.filter((a) => a.status === status && (!query.severity || a.severity === query.severity)).length;
    return { open: count("open"), in_review: count("in_review"), escalated: count("escalated"), closed: count("closed") };
  }
  async accounts(query: AccountQuery): Promise<Page<AccountSummary>> {
    this.record("accounts", query);
    return { items: [], next_cursor: null };
  }
  async account(): Promise<never> {
    this.record("account");
    throw new BackendError({ code: "not_found", message: "no such account" });
  }
  async accountChart() {
    this.record("account_chart");
    return "<svg></svg>";
  }
  async accountLinks(): Promise<never> {
    this.record("account_links");
    throw new BackendError({ code: "not_found", message: "no such account" });
  }
  async transactions() {
    this.record("transactions");
    return { items: [], next_cursor: null };
  }
  /** How `decide` answers; by default a triage step moves the stored alert. */
  decideAnswer: ((key: string, decision: OperatorDecision) => DecisionOutcome) | null = null;

  async decide(key: string, decision: OperatorDecision): Promise<DecisionOutcome> {
    this.record("decide", { key, decision });
    if (this.decideAnswer) return this.decideAnswer(key, decision);
    if (decision.type === "triage") {
      const found = this.alertsInStore.find((a) => a.id === decision.alert_id);
      if (!found) throw new BackendError({ code: "not_found", message: "no such alert" });
      const action = decision.request.action;
      const moved: AlertView = {
        ...found,
        version: found.version + 1,
        status: action.type === "close" ? "closed" : action.type === "escalate" ? "escalated" : "in_review",
        assignee: officer.id,
        disposition: action.type === "close" ? action.disposition : null,
      };
      this.alertsInStore = this.alertsInStore.map((a) => (a.id === moved.id ? moved : a));
      return { record: { kind: "alert", record: moved }, replayed: false };
    }
    throw new BackendError({ code: "invalid_state", message: `mock: ${decision.type} not simulated` });
  }
  async alert(alertId: number) {
    this.record("alert", alertId);
    const found = this.alertsInStore.find((a) => a.id === alertId);
    if (!found) throw new BackendError({ code: "not_found", message: "no such alert" });
    return found;
  }
  async alertNotes(alertId: number): Promise<AlertNoteView[]> {
    this.record("alert_notes", alertId);
    return [];
  }
  async limitChanges() {
    this.record("limit_changes");
    return { items: [], next_cursor: null };
  }
  async blacklist() {
    this.record("blacklist");
    return { items: [], next_cursor: null };
  }
  async freezes() {
    this.record("freezes");
    return [];
  }
  async normaliseBlacklist(_kind: BlacklistKind, value: string) {
    this.record("normalise_blacklist", value);
    return value.trim();
  }
  async audit() {
    this.record("audit");
    return { items: [], next_cursor: null };
  }
  async verifyAudit() {
    this.record("verify_audit");
    return { intact: true, entries: 0, checkpoints: 0, key: null, key_changed: false, first_broken: null, service_says_intact: true };
  }
  async reveal(accountId: number, request: { field: "name" | "phone" | "national_id" }) {
    this.record("reveal", { accountId, request });
    return { field: request.field, value: "13812345678" };
  }
  async disputes() {
    this.record("disputes");
    return { items: [], next_cursor: null };
  }
  async dispute(): Promise<never> {
    this.record("dispute");
    throw new BackendError({ code: "not_found", message: "no such dispute" });
  }
  async cases() {
    this.record("cases");
    return { items: [], next_cursor: null };
  }
  async caseReport(): Promise<never> {
    this.record("case_report");
    throw new BackendError({ code: "not_found", message: "no such case" });
  }
  async case(id: number): Promise<CaseDetail> {
    this.record("case", id);
    throw new BackendError({ code: "not_found", message: "no such case" });
  }
  teamInStore: Team = { operators: [], service_clients: [] };
  async team(): Promise<Team> {
    this.record("team");
    return this.teamInStore;
  }
  async operatorSessions(operator: string): Promise<SessionAdminView[]> {
    this.record("operator_sessions", operator);
    return [];
  }
  rulesInStore: RulesOverview = {
    source: "database",
    in_force: shippedRules(),
    live_version: 1,
    versions: [{
      id: 1, status: "live", rules: shippedRules(), based_on: null, author: "system", note: "随服务发布的规则文件 rules.toml",
      created_at: "2026-11-25T00:00:00Z", published_by: "system", published_at: "2026-11-25T00:00:00Z", version: 1,
    }],
  };
  async rules(): Promise<RulesOverview> {
    this.record("rules");
    return this.rulesInStore;
  }
  /** How `checkRules` answers a draft: a refusal's "field: why", or none. */
  rulesCheck: (rules: Rules) => string | null = () => null;
  async checkRules(rules: Rules): Promise<void> {
    this.record("check_rules", rules);
    const refused = this.rulesCheck(rules);
    if (refused) throw new BackendError({ code: "invalid", message: refused });
  }
  recordInStore: RulesRecord | null = null;
  /** Trend charts as the console would draw them: a placeholder SVG per rule. */
  async rulesRecord(request: RulesRecordRequest): Promise<RulesRecordBoard> {
    this.record("rules_record", request.days);
    const record = this.recordInStore ?? { days: request.days, from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z", payments: 0, rows: [], daily: [] };
    const rules = [...new Set(record.daily.map((d) => d.rule))];
    return { record, trends: rules.map((rule) => ({ rule, svg: `<svg data-rule="${rule}"></svg>` })) };
  }
  /** Each version's backtests, newest first; a start adds a running one. */
  backtestsInStore: Record<number, BacktestView[]> = {};
  async backtests(ruleSetId: number): Promise<BacktestView[]> {
    this.record("backtests", ruleSetId);
    return this.backtestsInStore[ruleSetId] ?? [];
  }
  async startBacktest(ruleSetId: number, days: number): Promise<BacktestView> {
    this.record("start_backtest", { ruleSetId, days });
    const started: BacktestView = {
      id: 100 + Object.values(this.backtestsInStore).flat().length, rule_set_id: ruleSetId, against: this.rulesInStore.live_version ?? 1, days,
      from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z", status: "running", done: 0, total: 0,
      started_by: "officer.li", started_at: "2026-12-01T00:00:00Z", finished_at: null, cancelling: false, error: null, report: null,
    };
    this.backtestsInStore[ruleSetId] = [started, ...(this.backtestsInStore[ruleSetId] ?? [])];
    return started;
  }
  async cancelBacktest(id: number): Promise<BacktestView> {
    this.record("cancel_backtest", id);
    const found = Object.values(this.backtestsInStore).flat().find((b) => b.id === id);
    if (!found) throw new BackendError({ code: "not_found", message: `backtest ${id}` });
    found.cancelling = true;
    return found;
  }
  shadowInStore: Record<number, ShadowView> = {};
  async shadowComparison(ruleSetId: number): Promise<ShadowView> {
    this.record("shadow_comparison", ruleSetId);
    return this.shadowInStore[ruleSetId] ?? { rule_set_id: ruleSetId, in_shadow: false, report: null };
  }
  dashboard: FraudDashboard | null = null;
  async fraudDashboard(request: DashboardRequest): Promise<FraudDashboard> {
    this.record("fraud_dashboard", request);
    if (!this.dashboard) throw new BackendError({ code: "not_found", message: "no metrics" });
    return this.dashboard;
  }
  credit: CreditDashboard | null = null;
  async creditDashboard(request: DashboardRequest): Promise<CreditDashboard> {
    this.record("credit_dashboard", request);
    if (!this.credit) throw new BackendError({ code: "not_found", message: "no metrics" });
    return this.credit;
  }
  async exportChart(request: DashboardRequest, chart: DashboardChart, format: ChartFormat): Promise<ExportSaved> {
    this.record("export_chart", { request, chart, format });
    return { path: `/home/li/Downloads/riskdesk-${chart}.${format}`, rows: 0, bytes: 1_000 };
  }
  /** What `exportCsv` reports before it answers; it then waits for `finishExport`. */
  exportSteps: ExportProgress[] = [];
  private exportEnd: ((saved: ExportSaved | BackendError) => void) | null = null;
  private exportListeners = new Set<(progress: ExportProgress) => void>();
  async exportCsv(id: string, request: ExportRequest): Promise<ExportSaved> {
    this.record("export", { id, request });
    const end = new Promise<ExportSaved | BackendError>((resolve) => (this.exportEnd = resolve));
    for (const step of this.exportSteps) this.exportListeners.forEach((l) => l({ ...step, id }));
    const saved = await end;
    if (saved instanceof BackendError) throw saved;
    return saved;
  }
  /** Ends the running export: saved, or failed with this error. */
  finishExport(saved: ExportSaved | CommandError): void {
    this.exportEnd?.("path" in saved ? saved : new BackendError(saved));
    this.exportEnd = null;
  }
  async cancelExport(id: string) {
    this.record("cancel_export", id);
    this.finishExport({ code: "cancelled", message: "the export was cancelled" });
  }
  async onExportProgress(handler: (progress: ExportProgress) => void) {
    this.exportListeners.add(handler);
    return () => void this.exportListeners.delete(handler);
  }
  async onProgress() {
    return () => {};
  }
  private liveListeners = new Set<(update: LiveUpdate) => void>();
  private openListeners = new Set<(open: LiveOpen) => void>();
  async followLive() {
    this.record("follow_live");
  }
  async setView(view: ViewState) {
    this.record("set_view", view);
  }
  async onLive(handler: (update: LiveUpdate) => void) {
    this.liveListeners.add(handler);
    return () => void this.liveListeners.delete(handler);
  }
  async onLiveOpen(handler: (open: LiveOpen) => void) {
    this.openListeners.add(handler);
    return () => void this.openListeners.delete(handler);
  }
  /** As Rust would send it: a live update, or a clicked notice. */
  emitLive(update: LiveUpdate) {
    this.liveListeners.forEach((handler) => handler(update));
  }
  emitOpen(open: LiveOpen) {
    this.openListeners.forEach((handler) => handler(open));
  }
}
