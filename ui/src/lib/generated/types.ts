// Generated from the Rust types by `cargo xtask codegen`; do not edit.

export type CommandError = { code: ErrorCode, message: string, 
/**
 * With `stale_version`: the record as it is now, to show what changed.
 */
current?: unknown, };

export type ErrorCode = "unreachable" | "timeout" | "interrupted" | "tls" | "config" | "protocol" | "keychain_unavailable" | "keychain_failed" | "not_signed_in" | "embedded_failed" | "undecided" | "invalid" | "cancelled" | "save_failed" | ProblemCode;

export type Preferences = { lang: Lang, theme: Theme, notices: NoticePreferences, };

export type NoticePreferences = { critical_alerts: boolean, approvals: boolean, escalated_disputes: boolean, 
/**
 * Quiet hours, minutes after local midnight: from (inclusive) to
 * (exclusive), across midnight when `to` is earlier. None: never quiet.
 */
quiet_from: number | null, quiet_to: number | null, };

export type NoticeKind = "critical_alert" | "approval" | "escalated_dispute";

export type Notice = { kind: NoticeKind, title: string, body: string, screen: Screen, id: number, };

export type Screen = "queue" | "approvals" | "disputes" | "other";

export type ViewState = { screen: Screen | null, 
/**
 * The window has the input focus.
 */
focused: boolean, };

export type LiveUpdate = { "type": "event", event: LiveEvent, } | { "type": "status", status: LiveStatus, } | { "type": "reload" } | { "type": "ended", reason: string, };

export type LiveStatus = { connected: boolean, 
/**
 * Why it is down (the client's error, in English as logged).
 */
error: string | null, 
/**
 * Milliseconds until the next attempt.
 */
retry_in_ms: number | null, };

export type LiveEvent = { 
/**
 * The place in the stream, `txid-id`: ordered, durable.
 */
id: string, 
/**
 * `alert.raised`, `alert.claimed`, `limit_change.proposed`,
 * `freeze.lapsed`, `dispute.escalated`, `rules.published` …
 */
kind: string, at: string, 
/**
 * The record changed: `alert:42`, `limit_change:7`, `freeze:3` …
 */
target: string, 
/**
 * Who made the change: an operator's id, or `engine`.
 */
actor: string | null, 
/**
 * The operator's display name, for a change an operator made.
 */
actor_name: string | null, record: LiveRecord, };

export type LiveRecord = { id?: number, account_id?: number, transaction_id?: number, rule?: string, 
/**
 * An alert's: `low` … `critical`.
 */
severity?: string, status?: string, assignee?: string, escalated_by?: string, disposition?: string, kind?: string, 
/**
 * A limit change's approval tier.
 */
tier?: string, source?: string, 
/**
 * Who proposed a limit change.
 */
maker?: string, amount?: string, 
/**
 * The record's version after the change (for a stale check).
 */
version?: number, };

export type ServiceInfo = { url: string, 
/**
 * The built-in demo service, running inside the app.
 */
embedded: boolean, ca_certificate_path: string | null, };

export type DemoOperatorView = { id: string, display_name: string, role: Role, };

export type Startup = { preferences: Preferences, 
/**
 * `None` when the configured service could not be reached: `service_error` says why.
 */
service: ServiceInfo | null, service_error: CommandError | null, demo_operators: Array<DemoOperatorView>, 
/**
 * Seconds without the operator's input after which the window locks:
 * the session ends and signing in again returns to the same screen.
 */
idle_lock_secs: number, };

export type ConnectRequest = { service_url: string | null, ca_certificate_path: string | null, };

export type Progress = { done: number, total: number, };

export type ExportRequest = { "what": "transactions", account_id: number, query: TransactionQuery, } | { "what": "alerts", query: AlertQuery, } | { "what": "disputes", query: DisputeQuery, } | { "what": "audit", query: AuditQuery, };

export type ExportProgress = { 
/**
 * The id the UI started it with.
 */
id: string, 
/**
 * Rows written so far (the header not counted).
 */
rows: number, bytes: number, };

export type ExportSaved = { path: string, rows: number, bytes: number, };

export type DashboardRequest = { query: MetricsQuery, theme: Theme, lang: Lang, 
/**
 * Each chart's size.
 */
width: number, height: number, };

export type DashboardChart = "approvals" | "alerts" | "dispositions" | "losses" | "delinquency" | "vintage" | "roll_rates" | "utilisation" | "exposure" | "limit_changes";

export type ChartFormat = "svg" | "png" | "csv";

export type FraudDashboard = { metrics: FraudMetrics, totals: FraudTotalsView, approvals_svg: string, alerts_svg: string, dispositions_svg: string, losses_svg: string, };

export type FraudTotalsView = { decided: number, approval_bp: number, raised: number, false_positive_bp: number, losses: string, };

export type CreditDashboard = { metrics: CreditMetrics, 
/**
 * At the end of the period's last month (`None`: a period without one).
 */
totals: CreditTotalsView | null, delinquency_svg: string, vintage_svg: string, 
/**
 * The last roll of the period, month to month.
 */
rolls_svg: string, utilisation_svg: string, exposure_svg: string, limit_changes_svg: string, };

export type CreditTotalsView = { 
/**
 * `yyyy-mm`.
 */
month: string, accounts: number, balance: string, delinquency_bp: number, dpd30_bp: number, utilisation_bp: number, limit_changes_approved: number, };

export type MetricsQuery = { 
/**
 * `yyyy-mm-dd`.
 */
from?: string, to?: string, 
/**
 * The account's grade when the payment was decided or the alert raised.
 */
grade?: Grade, 
/**
 * The customer's home city, e.g. `上海`.
 */
city?: string, channel?: Channel, };

export type FraudMetrics = { from: string, to: string, 
/**
 * Every day of the period, oldest first (a day without payments is zeros).
 */
approvals: Array<ApprovalDayView>, 
/**
 * Alerts raised, by day and rule (days and rules without alerts left out).
 */
alerts: Array<RuleDayView>, 
/**
 * How the period's alerts that are closed were disposed of, by rule.
 */
dispositions: Array<RuleDispositionsView>, 
/**
 * Confirmed fraud by the month its alert was raised.
 */
losses: Array<LossMonthView>, };

export type ApprovalDayView = { day: string, approved: number, review: number, declined: number, 
/**
 * Approved and reviewed (reserved) of all decisions.
 */
approval_bp: number, };

export type RuleDayView = { day: string, rule: Rule, raised: number, };

export type RuleDispositionsView = { rule: Rule, confirmed_fraud: number, false_positive: number, benign: number, 
/**
 * False positives of the rule's closed alerts.
 */
false_positive_bp: number, };

export type LossMonthView = { year: number, 
/**
 * 1–12.
 */
month: number, confirmed: string, 
/**
 * The confirmed-fraud alerts behind it.
 */
alerts: number, };

export type CreditMetrics = { from: string, to: string, 
/**
 * Every month of the period, oldest first (a month without accounts is zeros).
 */
buckets: Array<BucketMonthView>, 
/**
 * The cohorts opened in the period, each up to the period's last month.
 */
vintages: Array<VintageCurveView>, 
/**
 * Each month of the period rolled into the next, when both are in it.
 */
rolls: Array<RollMatrixView>, 
/**
 * The lines by utilisation band at the end of the period's last month.
 */
utilisation: Array<UtilisationBandView>, 
/**
 * The lines by grade at the end of the period's last month.
 */
exposure: Array<GradeExposureView>, 
/**
 * Limit changes by the month they were proposed.
 */
limit_changes: Array<LimitChangeMonthView>, };

export type BucketMonthView = { year: number, month: number, accounts: Array<number>, balances: Array<string>, 
/**
 * What accounts one day or more late owe, of all that is owed.
 */
delinquency_rate_bp: number, };

export type VintageCurveView = { 
/**
 * The month the cohort's accounts were opened.
 */
year: number, month: number, points: Array<VintagePointView>, };

export type VintagePointView = { 
/**
 * 0: the month of opening.
 */
months_on_book: number, accounts: number, 
/**
 * Accounts 30 or more days past due.
 */
dpd30: number, rate_bp: number, };

export type RollMatrixView = { 
/**
 * The month rolled from.
 */
year: number, month: number, counts: Array<Array<number>>, };

export type UtilisationBandView = { 
/**
 * What is owed of the limit, from (included) …
 */
from_bp: number, 
/**
 * … to (excluded); equal to `from_bp` for exactly that (0: nothing
 * owed), none for no upper bound.
 */
to_bp?: number, accounts: number, };

export type GradeExposureView = { grade: Grade, accounts: number, limit: string, 
/**
 * What is owed.
 */
balance: string, utilisation_bp: number, };

export type LimitChangeMonthView = { year: number, month: number, proposed: number, 
/**
 * Applied (an officer's decrease applies at once).
 */
approved: number, rejected: number, expired: number, 
/**
 * The mean change of the approved ones (negative: decreases).
 */
average_change: string, };

export type Account360 = { detail: AccountDetail, alerts: Array<AlertView> | null, limit_changes: Array<LimitChangeView> | null, blacklist_matches: Array<BlacklistEntryView> | null, };

export type LinksBoard = { links: AccountLinks, graph: string, };

export type CaseReportRequest = { case_id: number, lang: Lang, };

export type AccountLinks = { account_id: number, score: RingScoreView, 
/**
 * The group's accounts, the one asked about first (hop 0), then the
 * most strongly linked; at most [`MAX_LISTED`], the score counts all.
 */
accounts: Array<LinkedAccount>, 
/**
 * Who is linked to whom, each pair once, nearer account first; only
 * between listed accounts.
 */
links: Array<AccountLink>, 
/**
 * Things the account or its links share with too many accounts to be
 * evidence (a carrier's address, a busy shop): counted, not followed.
 */
common: Array<CommonThing>, };

export type RingScoreView = { 
/**
 * Accounts in the group, the one asked about included.
 */
members: number, 
/**
 * The walk stopped at a limit: the group has at least `members`.
 */
at_least: boolean, 
/**
 * Members with an alert closed as confirmed fraud.
 */
confirmed_fraud: number, 
/**
 * Alerts not yet closed, over the members.
 */
open_alerts: number, 
/**
 * What the members' lines lend: used plus available.
 */
exposure: string, };

export type LinkedAccount = { id: number, 
/**
 * 0 for the account asked about, then 1 or 2.
 */
hop: number, name_masked: string, grade: Grade, status: AccountStatus, confirmed_fraud: boolean, open_alerts: number, limit: string, used: string, available: string, };

export type AccountLink = { 
/**
 * The account nearer the one asked about.
 */
from: number, to: number, shared: Array<SharedThing>, };

export type SharedThing = { kind: LinkKind, 
/**
 * The device, address, block or merchant; absent for a phone, an
 * identity or a home, which are matched by keyed hash and never shown.
 */
value: string | null, 
/**
 * Payments the farther account made with it (0 for what the customer
 * is rather than does).
 */
payments: number, last_at: string, };

export type SharedAmong = { kind: LinkKind, 
/**
 * Absent for a phone, an identity or a home (matched by keyed hash).
 */
value: string | null, accounts: Array<number>, };

export type CommonThing = { kind: LinkKind, value: string | null, 
/**
 * More than this many accounts share it.
 */
more_than: number, };

export type OpenCase = { 
/**
 * 1–200 characters.
 */
title: string, 
/**
 * Absent: the alert's, or medium.
 */
severity?: Severity, alert_id?: number, 
/**
 * At most 500.
 */
accounts: Array<number>, 
/**
 * Also the alerts of these accounts that wait in the queue (open and
 * unassigned), so that closing the case closes them.
 */
with_waiting_alerts?: boolean, };

export type CaseStepRequest = { 
/**
 * The case's version the step is based on; without it, 428.
 */
version?: number, step: CaseStep, };

export type CaseQuery = { status?: CaseStatus, cursor?: string, 
/**
 * 1–200; 50 when absent.
 */
limit?: number, };

export type CaseView = { id: number, title: string, severity: Severity, status: CaseStatus, owner: string, due_at: string, 
/**
 * Open past its due time.
 */
overdue: boolean, 
/**
 * The items checked off, in the order they were.
 */
checklist: Array<CheckedItem>, tags: Array<string>, disposition: Disposition | null, outcome: string | null, created_by: string, created_at: string, closed_by: string | null, closed_at: string | null, version: number, };

export type CheckedItem = { item: CaseCheck, done_by: string, done_at: string, };

export type CaseDetail = { case: CaseView, members: Array<CaseMemberView>, notes: Array<CaseNoteView>, attachments: Array<AttachmentView>, 
/**
 * Each thing two or more of the case's accounts share, with them.
 */
shared: Array<SharedAmong>, };

export type CaseMemberView = { kind: CaseMemberKind, id: number, added_by: string, added_at: string, };

export type CaseNoteView = { id: number, author: string, body: string, created_at: string, };

export type AttachmentView = { id: number, case_id: number, name: string, 
/**
 * The type its bytes are (checked, not as declared).
 */
content_type: string, size_bytes: number, 
/**
 * SHA-256 of the bytes, hex.
 */
sha256: string, uploaded_by: string, uploaded_at: string, };

export type CaseFreezeAll = { 
/**
 * 1–500 characters.
 */
reason: string, 
/**
 * When the freezes lapse by themselves; absent: until released.
 */
lapses_at?: string, };

export type CaseFreezesResult = { results: Array<CaseFreezeResult>, };

export type CaseFreezeResult = { account_id: number, freeze: AccountFreezeView | null, problem: Problem | null, };

export type CaseBlacklistShared = { 
/**
 * 1–100 things, each a `device`, `ip` or `ip_block` that two or more
 * of the case's accounts share (`shared` of the case).
 */
things: Array<ThingRef>, 
/**
 * 1–500 characters.
 */
reason: string, 
/**
 * When the entries lapse; absent: until removed.
 */
expires_at?: string, };

export type ThingRef = { kind: LinkKind, value: string, };

export type CaseBlacklistResult = { results: Array<CaseBlacklistItem>, };

export type CaseBlacklistItem = { thing: ThingRef, entry: BlacklistEntryView | null, problem: Problem | null, };

export type CaseStep = { "type": "add_members", accounts: Array<number>, alerts: Array<number>, disputes: Array<number>, freezes: Array<number>, } | { "type": "note", body: string, } | { "type": "check", item: CaseCheck, done: boolean, } | { "type": "tag", tags: Array<string>, } | { "type": "assign", to: string, } | { "type": "close", disposition: Disposition, 
/**
 * 1–2,000 characters.
 */
outcome: string, };

export type CaseStatus = "open" | "closed";

export type CaseMemberKind = "account" | "alert" | "dispute" | "freeze" | "blacklist";

export type CaseCheck = "links_reviewed" | "customers_contacted" | "merchants_reviewed" | "actions_taken" | "outcome_recorded";

export type LinkKind = "device" | "ip" | "ip_block" | "phone" | "national_id" | "home" | "merchant";

export type Finding = { "type": "payment_count", count: number, minutes: number, on: Subject, value: string | null, max: number, } | { "type": "amount_in_window", amount: string, minutes: number, on: Subject, value: string | null, max: string, } | { "type": "amount_spike", amount: string, 
/**
 * To one decimal place.
 */
multiple: number, median: string, purchases: number, max_multiple: number, } | { "type": "new_device", device: string, amount: string, max: string, } | { "type": "night_burst", count: number, from_hour: number, to_hour: number, minutes: number, max: number, } | { "type": "travel", from: string, to: string, km: number, seconds: number, 
/**
 * Absent when the two were at the same moment.
 */
speed_kmh: number | null, max_kmh: number, } | { "type": "far_from_home", km: number, home: string, city: string, max_km: number, } | { "type": "blacklisted", entry: number, kind: BlacklistKind, 
/**
 * A phone masked.
 */
value: string, } | { "type": "blacklisted_address", entry: number, ip: string, net: string, } | { "type": "blacklisted_city", entry: number, city: string, } | { "type": "blacklisted_area", entry: number, 
/**
 * From the centre, to one decimal place.
 */
km: number, radius_km: number, } | { "type": "risky_merchant", category: MerchantCategory, merchant: string, amount: string, max: string, } | { "type": "frequent_large", count: number, over: string, minutes: number, max: number, freeze_percent: number, freeze_hours: number, };

export type AuditAction = "account.limit" | "alert.assign" | "alert.claim" | "alert.close" | "alert.escalate" | "alert.next" | "alert.note" | "alert.release" | "blacklist.add" | "blacklist.removal_reject" | "blacklist.removal_request" | "blacklist.remove" | "case.add_members" | "case.assign" | "case.attach" | "case.blacklist_shared" | "case.check" | "case.close" | "case.freeze_all" | "case.note" | "case.open" | "case.tag" | "dispute.escalated" | "dispute.open" | "dispute.refund_proposed" | "dispute.refund_rejected" | "dispute.refunded" | "dispute.rejected" | "export.alerts" | "export.audit" | "export.disputes" | "export.transactions" | "freeze.place" | "freeze.release" | "limit.approve" | "limit.decrease" | "limit.propose" | "limit.reject" | "operator.add" | "operator.disable" | "operator.enable" | "operator.own_password" | "operator.reset_totp" | "operator.role" | "pii.reveal" | "rules.draft" | "rules.publish" | "rules.shadow" | "service_client.add" | "service_client.revoke" | "session.end" | "session.sign_in" | "session.sign_in_failed" | "session.sign_out" | "session.step_up_failed";

export type ChartRequest = { account_id: number, theme: Theme, lang: Lang, width: number, height: number, };

export type OperatorDecision = { "type": "triage", alert_id: number, request: TriageRequest, } | { "type": "bulk_triage", request: BulkTriageRequest, } | { "type": "next_alert" } | { "type": "add_note", alert_id: number, request: NoteRequest, } | { "type": "propose_limit", account_id: number, request: ProposeLimitChange, } | { "type": "approve_limit", id: number, request: StepUpApproval, } | { "type": "reject_limit", id: number, request: ReasonedChange, } | { "type": "freeze", account_id: number, request: FreezeRequest, } | { "type": "release_freeze", id: number, request: ReleaseFreeze, } | { "type": "add_blacklist", request: AddBlacklistEntry, } | { "type": "request_removal", id: number, request: ReasonedChange, } | { "type": "approve_removal", id: number, request: StepUpApproval, } | { "type": "reject_removal", id: number, request: ReasonedChange, } | { "type": "open_dispute", request: OpenDispute, } | { "type": "dispute_step", id: number, request: DisputeStepRequest, } | { "type": "save_rule_draft", request: SaveRuleDraft, } | { "type": "shadow_rules", id: number, request: ShadowRuleSet, } | { "type": "publish_rules", id: number, request: StepUpApproval, } | { "type": "open_case", request: OpenCase, } | { "type": "case_step", id: number, request: CaseStepRequest, } | { "type": "freeze_case", id: number, request: CaseFreezeAll, } | { "type": "blacklist_case", id: number, request: CaseBlacklistShared, } | { "type": "attach", case_id: number, name: string, content_type: string, content_base64: string, } | { "type": "team", decision: TeamDecision, };

export type AuditVerification = { 
/**
 * Every hash and link holds, every checkpoint's signature and entry,
 * and the signing key is the one first seen.
 */
intact: boolean, entries: number, checkpoints: number, 
/**
 * The public key checkpoints were checked with (hex): the pinned one.
 */
key: string | null, 
/**
 * The service now publishes another key than the one first seen.
 */
key_changed: boolean, first_broken: BrokenEntry | null, 
/**
 * What the service's own verification said, for comparison.
 */
service_says_intact: boolean, };

export type BrokenEntry = { id: number, 
/**
 * `altered`, `unlinked`, `checkpoint_mismatch`, `truncated`, `bad_signature`.
 */
kind: string, why: string, };

export type AuditEntryView = { 
/**
 * Consecutive from 1.
 */
id: number, at: string, actor: string, 
/**
 * `alert.close`, `limit.approve`, `session.sign_in` …
 */
action: string, 
/**
 * `alert:42`, `account:80000001`, `operator:officer.li` …
 */
target: string, 
/**
 * The record before and after, as the JSON text that was hashed.
 */
before: string | null, after: string | null, 
/**
 * SHA-256, hex: the entry before's hash, and this entry's.
 */
prev_hash: string, hash: string, };

export type AuditQuery = { actor?: string, 
/**
 * An action (`alert.close`), or every action under a prefix ending in `.` (`alert.`).
 */
action?: string, target?: string, from?: string, 
/**
 * Exclusive.
 */
to?: string, cursor?: string, 
/**
 * Rows per page (default 50).
 */
limit?: number, };

export type RevealRequest = { field: PiiField, 
/**
 * Why it is needed (5–500 characters); recorded in the audit trail.
 */
reason: string, };

export type Revealed = { field: PiiField, value: string, };

export type PiiField = "name" | "phone" | "national_id";

export type RulesOverview = { source: RulesSource, 
/**
 * The rules deciding payments now.
 */
in_force: Rules, 
/**
 * Their version; none when they come from a file.
 */
live_version: number | null, versions: Array<RuleSetView>, };

export type RulesSource = "database" | "file";

export type RuleSetView = { 
/**
 * The version's number: payments name it (`rules_version`).
 */
id: number, status: RuleSetStatus, rules: Rules, 
/**
 * The version this one was drafted from.
 */
based_on: number | null, author: string, note: string, created_at: string, published_by: string | null, published_at: string | null, 
/**
 * The row's version, for the next step on it.
 */
version: number, };

export type SaveRuleDraft = { based_on: number | null, rules: Rules, note: string, };

export type ShadowRuleSet = { version: number | null, };

export type BacktestView = { id: number, 
/**
 * The version tried, and the live one it was compared with.
 */
rule_set_id: number, against: number, days: number, from: string, to: string, status: BacktestStatus, 
/**
 * Payments judged so far, of how many.
 */
done: number, total: number, started_by: string, started_at: string, finished_at: string | null, 
/**
 * Someone asked it to stop.
 */
cancelling: boolean, error: string | null, report: Comparison | null, };

export type BacktestStatus = "running" | "done" | "cancelled" | "failed";

export type ShadowView = { rule_set_id: number, 
/**
 * The version is in shadow now (payments still arrive).
 */
in_shadow: boolean, 
/**
 * None until it has judged a payment.
 */
report: Comparison | null, };

export type RulesRecord = { days: number, from: string, to: string, payments: number, rows: Array<RuleRecordView>, daily: Array<RuleDayRecord>, };

export type RuleRecordView = { 
/**
 * The version that decided; none for payments decided before versions.
 */
version: number | null, rule: Rule, 
/**
 * Payments it fired on, and their amount.
 */
hits: number, amount: string, 
/**
 * Alerts it raised (a hit within an open alert's merge window raises none).
 */
alerts: number, 
/**
 * Payments whose decision it changed: without its weight, another.
 */
tipped: number, 
/**
 * Its alerts as the team closed them.
 */
confirmed_fraud: number, false_positive: number, benign: number, 
/**
 * Confirmed fraud of its closed alerts, in basis points; none before any closed.
 */
precision_bp: number | null, 
/**
 * The amount of the payments its confirmed-fraud alerts were on.
 */
fraud_amount: string, };

export type RuleDayRecord = { day: string, version: number | null, rule: Rule, alerts: number, 
/**
 * Closed as confirmed fraud, false positive or benign.
 */
closed: number, confirmed_fraud: number, };

export type RulesRecordRequest = { days: number, theme: Theme, lang: Lang, 
/**
 * Each chart's size.
 */
width: number, height: number, };

export type RulesRecordBoard = { record: RulesRecord, 
/**
 * Rules that raised alerts in the window, in their order.
 */
trends: Array<RuleTrendView>, };

export type RuleTrendView = { rule: Rule, svg: string, };

export type Comparison = { payments: number, amount: string, 
/**
 * Payments with a label from the team.
 */
labelled: number, 
/**
 * Every pair of decisions seen, live then draft, mildest first.
 */
decisions: Array<DecisionShift>, 
/**
 * Every rule, in the order of [`Rule`].
 */
rules: Array<RuleShift>, 
/**
 * Each label, in the order of [`Disposition`].
 */
outcomes: Array<OutcomeShift>, 
/**
 * Amounts let through (not declined by the rules).
 */
live_approved: string, draft_approved: string, 
/**
 * Payments decided or alerted on differently, and the first of them.
 */
changed: number, changed_payments: Array<ChangedPayment>, };

export type DecisionShift = { live: Decision, draft: Decision, payments: number, amount: string, };

export type RuleShift = { rule: Rule, live_hits: number, draft_hits: number, live_alerts: number, draft_alerts: number, 
/**
 * Payments the draft alerts on for this rule and the live rules do not.
 */
alerts_added: number, 
/**
 * Payments the live rules alert on for this rule and the draft does not.
 */
alerts_removed: number, };

export type OutcomeShift = { label: Disposition, payments: number, amount: string, 
/**
 * Flagged (held, declined or alerted) by both versions.
 */
both: number, 
/**
 * By the live rules only: for fraud, now missed; otherwise avoided.
 */
live_only: number, 
/**
 * By the draft only: for fraud, newly caught; otherwise added.
 */
draft_only: number, 
/**
 * Amounts let through (not declined), live and draft.
 */
live_approved: string, draft_approved: string, };

export type ChangedPayment = { transaction_id: number, order_id: string, account_id: number, at: string, amount: string, label: Disposition | null, live: Decision, draft: Decision, live_hits: Array<Rule>, draft_hits: Array<Rule>, };

export type RuleSetStatus = "draft" | "shadow" | "live" | "retired";

export type Rules = { decision: DecisionPolicy, alerts: AlertPolicy, velocity: Velocity, amount_spike: AmountSpike, new_device: NewDevice, night_burst: NightBurst, impossible_travel: ImpossibleTravel, far_from_home: FarFromHome, blacklist: Blacklist, risky_merchant: RiskyMerchant, frequent_large_spending: FrequentLargeSpending, limit_review: LimitReview, limit_approval: LimitApproval, dispute_approval: DisputeApproval, };

export type DecisionPolicy = { review_at: number, decline_at: number, };

export type AlertPolicy = { min_weight: number, dedup_minutes: number, severity: SeverityFloors, sla_minutes: SlaMinutes, };

export type SeverityFloors = { medium: number, high: number, critical: number, };

export type SlaMinutes = { low: number, medium: number, high: number, critical: number, };

export type Velocity = { 
/**
 * Off: the rule is not evaluated (a file may leave it out: on).
 */
enabled: boolean, weight: number, windows: Array<VelocityWindow>, };

export type Subject = "account" | "device" | "ip";

export type VelocityWindow = { subject: Subject, minutes: number, max_count: number, max_amount: string, };

export type AmountSpike = { 
/**
 * Off: the rule is not evaluated (a file may leave it out: on).
 */
enabled: boolean, weight: number, max_multiple: number, min_history: number, ignore_below: string, };

export type NewDevice = { 
/**
 * Off: the rule is not evaluated (a file may leave it out: on).
 */
enabled: boolean, weight: number, max_amount: string, };

export type NightBurst = { 
/**
 * Off: the rule is not evaluated (a file may leave it out: on).
 */
enabled: boolean, weight: number, from_hour: number, to_hour: number, minutes: number, max_count: number, };

export type ImpossibleTravel = { 
/**
 * Off: the rule is not evaluated (a file may leave it out: on).
 */
enabled: boolean, weight: number, max_speed_kmh: number, ignore_within_km: number, };

export type FarFromHome = { 
/**
 * Off: the rule is not evaluated (a file may leave it out: on).
 */
enabled: boolean, weight: number, max_distance_km: number, };

export type Blacklist = { 
/**
 * Off: the rule is not evaluated (a file may leave it out: on).
 */
enabled: boolean, weight: number, };

export type RiskyMerchant = { 
/**
 * Off: the rule is not evaluated (a file may leave it out: on).
 */
enabled: boolean, weight: number, categories: Array<MerchantCategory>, max_amount: string, };

export type FrequentLargeSpending = { 
/**
 * Off: the rule is not evaluated (a file may leave it out: on).
 */
enabled: boolean, weight: number, large_amount: string, minutes: number, max_count: number, freeze_percent: number, freeze_hours: number, };

export type LimitReview = { increase_grades: Array<Grade>, increase_min_utilisation_percent: number, increase_percent: number, max_limit: string, decrease_grades: Array<Grade>, max_dpd: number, decrease_percent: number, expires_days: number, };

export type LimitApproval = { officer_max_increase_percent: number, officer_max_increase: string, };

export type DisputeApproval = { single_max: string, second_person_max: string, };

export type DecisionRecord = { "kind": "alert", "record": AlertView } | { "kind": "bulk", "record": BulkTriageResult } | { "kind": "note", "record": AlertNoteView } | { "kind": "limit_change", "record": LimitChangeView } | { "kind": "freeze", "record": AccountFreezeView } | { "kind": "blacklist", "record": BlacklistEntryView } | { "kind": "dispute", "record": DisputeView } | { "kind": "operator", "record": OperatorShown } | { "kind": "session", "record": SessionAdminView } | { "kind": "service_client", "record": ServiceClientView } | { "kind": "rule_set", "record": RuleSetView } | { "kind": "case", "record": CaseView } | { "kind": "case_freezes", "record": CaseFreezesResult } | { "kind": "case_blacklist", "record": CaseBlacklistResult } | { "kind": "attachment", "record": AttachmentView };

export type DecisionOutcome = { record: DecisionRecord, 
/**
 * An earlier attempt of this same decision had already taken effect:
 * this is its answer, and nothing was done twice.
 */
replayed: boolean, };

export type Lang = "zh" | "en";

export type Theme = "light" | "dark";

export type Page<T> = { items: Array<T>, next_cursor: string | null, };

export type ProblemCode = "malformed_json" | "invalid_request" | "invalid_value" | "bad_cursor" | "payload_too_large" | "unsupported_media_type" | "not_found" | "method_not_allowed" | "unauthenticated" | "session_expired" | "invalid_credentials" | "rate_limited" | "password_change_required" | "forbidden" | "timeout" | "invalid_state" | "idempotency_mismatch" | "bad_notification" | "precondition_required" | "stale_version" | "request_in_flight" | "duplicate" | "four_eyes" | "step_up_failed" | "internal";

export type SignInRequest = { 
/**
 * An operator id (`admin::ID_PATTERN`); anything else is refused before
 * anything is looked up.
 */
operator_id: string, password: string, 
/**
 * The current six-digit code from the operator's authenticator.
 */
totp_code: string, 
/**
 * With a one-time password: the operator's own from now on (12–256
 * characters, not the one-time one). Otherwise left out.
 */
new_password?: string, };

export type OperatorView = { id: string, display_name: string, role: Role, 
/**
 * Everything this operator's role allows, so a client can hide what it cannot do.
 */
permissions: Array<Permission>, };

export type AccountSummary = { id: number, name_masked: string, phone_masked: string, city: string, status: AccountStatus, grade: Grade, score: number, limit: string, used: string, frozen: string, available: string, 
/**
 * Used share of the limit in basis points (2,875 = 28.75%).
 */
utilisation_bp: number, dpd: number, dpd_bucket: DpdBucket, };

export type AccountDetail = { customer: CustomerView, outstanding: string, bill_day: number, due_day: number, opened_at: string, score_breakdown: ScoreBreakdown, 
/**
 * Optimistic-concurrency version: decisions on the account must name it.
 */
version: number, id: number, name_masked: string, phone_masked: string, city: string, status: AccountStatus, grade: Grade, score: number, limit: string, used: string, frozen: string, available: string, 
/**
 * Used share of the limit in basis points (2,875 = 28.75%).
 */
utilisation_bp: number, dpd: number, dpd_bucket: DpdBucket, };

export type CustomerView = { id: number, name_masked: string, phone_masked: string, national_id_masked: string, age: number, occupation: Occupation, income_band: IncomeBand, city: string, kyc_level: KycLevel, customer_since: string, };

export type ScoreBreakdown = { base: number, lines: Array<ScoreLineView>, };

export type ScoreLineView = { factor: ScoreFactor, 
/**
 * The input as an officer reads it: a share (`"97.5%"`), a vocabulary
 * word (`"office_worker"`) or a bare count whose unit the factor gives
 * (`"34"`: years of age, purchases a month, worst days past due, months
 * on book).
 */
value: string, points: number, };

export type TransactionView = { id: number, account_id: number, kind: TxKind, order_id: string, merchant: string, category: MerchantCategory | null, channel: Channel | null, amount: string, 
/**
 * 1 for a single payment, else 3, 6, 12 or 24.
 */
installments: number, device_id: string | null, ip: string | null, location: Location | null, status: TxStatus, decision: Decision | null, rule_hits: Array<RuleHit>, occurred_at: string, 
/**
 * Why the engine declined it (a declined payment with no rule hits was
 * declined for the limit or the account's state).
 */
decline_reason: DeclineReason | null, };

export type Location = { lat: number, lon: number, city: string, };

export type RuleHit = { rule: Rule, evidence: string, 
/**
 * Empty in records written before findings were.
 */
findings: Array<Finding>, };

export type AlertView = { id: number, account_id: number, transaction_id: number | null, rule: Rule, severity: Severity, status: AlertStatus, assignee: string | null, amount: string | null, 
/**
 * What the rule found, in one English sentence.
 */
evidence: string, 
/**
 * The same as values, for the reader's language; empty for alerts
 * raised before findings were kept (then `evidence` is all there is).
 */
findings: Array<Finding>, disposition: Disposition | null, created_at: string, sla_due_at: string, 
/**
 * Not closed, and past its SLA time.
 */
overdue: boolean, version: number, 
/**
 * Who escalated it: an escalated alert waits for a manager other than them.
 */
escalated_by: string | null, };

export type AlertCounts = { open: number, in_review: number, escalated: number, closed: number, };

export type BlacklistEntryView = { id: number, kind: BlacklistKind, 
/**
 * The normalised value; phones are masked.
 */
value: string, reason: string, created_by: string, created_at: string, expires_at: string | null, 
/**
 * A removal asked for by one person, waiting for a second.
 */
removal_requested_by: string | null, removal_requested_at: string | null, removal_reason: string | null, removed_at: string | null, removed_by: string | null, version: number, };

export type LimitChangeView = { id: number, account_id: number, current_limit: string, proposed_limit: string, reason: LimitChangeReason, source: LimitChangeSource, status: LimitChangeStatus, 
/**
 * Who may approve it: another risk officer, or a manager.
 */
tier: ApprovalTier, 
/**
 * The maker's context for the checker.
 */
note: string | null, maker: string, checker: string | null, 
/**
 * The checker's reason, for a rejection.
 */
decision_note: string | null, created_at: string, expires_at: string, decided_at: string | null, version: number, };

export type AccountFreezeView = { id: number, account_id: number, amount: string, 
/**
 * An officer's words, or for the engine's freeze its rule's evidence
 * as an English sentence (rendered from `findings` where there are some).
 */
reason: string, 
/**
 * What the engine's rule found; empty for an officer's freeze, and for
 * the engine's freezes placed before findings were kept.
 */
findings: Array<Finding>, 
/**
 * `system` (the engine) or `operator`.
 */
source: string, created_by: string, created_at: string, 
/**
 * The freeze lapses by itself at this time.
 */
lapses_at: string | null, released_at: string | null, 
/**
 * An operator, or `lapsed`.
 */
released_by: string | null, release_reason: string | null, version: number, };

export type Problem = { 
/**
 * `urn:riskdesk:problem:<code>`.
 */
type: string, title: string, status: number, code: ProblemCode, 
/**
 * What exactly was wrong, for the person reading it.
 */
detail: string, 
/**
 * With `stale_version`: the record as it is now.
 */
current?: unknown, };

export type TriageRequest = { 
/**
 * The alert's version this step is based on.
 */
version: number | null, action: TriageAction, 
/**
 * Recorded with the step; required to escalate (at most 2,000 characters).
 */
note?: string, };

export type TriageAction = { "type": "claim" } | { "type": "assign", to: string, } | { "type": "release" } | { "type": "escalate" } | { "type": "close", disposition: Disposition, };

export type VersionedId = { id: number, version: number | null, };

export type BulkTriageRequest = { items: Array<VersionedId>, action: TriageAction, note?: string, };

export type BulkItemResult = { id: number, alert: AlertView | null, problem: Problem | null, };

export type BulkTriageResult = { results: Array<BulkItemResult>, };

export type NoteRequest = { body: string, };

export type AlertNoteView = { id: number, alert_id: number, author: string, body: string, created_at: string, };

export type ProposeLimitChange = { proposed_limit: string, reason: LimitChangeReason, 
/**
 * Optional context for the checker (at most 2,000 characters).
 */
note?: string, };

export type StepUpApproval = { version: number | null, 
/**
 * The current six-digit code from the operator's authenticator.
 */
totp: string, };

export type ReasonedChange = { version: number | null, reason: string, };

export type FreezeRequest = { 
/**
 * How much; absent: everything available now.
 */
amount?: string, 
/**
 * 1–500 characters.
 */
reason: string, 
/**
 * When the freeze lapses by itself; absent: until released.
 */
lapses_at?: string, };

export type ReleaseFreeze = { version: number | null, totp: string, reason: string, };

export type AddBlacklistEntry = { kind: BlacklistKind, value: string, reason: string, expires_at?: string, };

export type OpenDispute = { transaction_id: number, reason: DisputeReason, 
/**
 * The customer's own words (1–2,000 characters).
 */
statement: string, 
/**
 * References to what the customer sent (file names, ticket ids): at
 * most 10, each 1–200 characters.
 */
attachments: Array<string>, };

export type DisputeAction = { "type": "escalate", note: string, } | { "type": "refund", amount: string, note: string, totp?: string, } | { "type": "reject", reason: string, } | { "type": "approve_refund", totp: string, note: string, } | { "type": "reject_refund", reason: string, };

export type DisputeStepRequest = { version: number | null, action: DisputeAction, };

export type DisputeEventView = { at: string, actor: string, 
/**
 * `opened`, `escalated`, `refunded`, `rejected`, `refund_proposed`,
 * `refund_rejected`.
 */
kind: string, note: string | null, };

export type DisputeDetail = { dispute: DisputeView, events: Array<DisputeEventView>, 
/**
 * The account's standing now (masked), for whoever decides a refund.
 */
account: AccountSummary, 
/**
 * The account's other disputes, newest first (at most 20).
 */
account_disputes: Array<DisputeView>, };

export type TeamDecision = { "type": "add_operator", request: AddOperator, } | { "type": "change_operator", id: string, request: OperatorChangeRequest, } | { "type": "end_session", id: string, } | { "type": "add_service_client", request: AddServiceClient, } | { "type": "revoke_service_client", id: string, request: RevokeServiceClient, };

export type Team = { operators: Array<OperatorAdminView>, service_clients: Array<ServiceClientView>, };

export type OperatorShown = { operator: OperatorAdminView, credentials: ShownCredentials | null, };

export type ShownCredentials = { initial_password: string | null, otpauth_uri: string, 
/**
 * The URI as a QR code, an SVG document.
 */
qr_svg: string, };

export type AddOperator = { id: string, display_name: string, role: Role, };

export type OperatorChangeAction = { "type": "set_role", role: Role, } | { "type": "disable" } | { "type": "enable" } | { "type": "reset_totp" };

export type OperatorChangeRequest = { version: number | null, action: OperatorChangeAction, };

export type OperatorAdminView = { id: string, display_name: string, role: Role, 
/**
 * `active`, `locked` (too many failed sign-ins, until `locked_until`) or `disabled`.
 */
status: OperatorStatus, created_at: string, last_sign_in_at: string | null, 
/**
 * Failed sign-ins since the last success.
 */
failed_attempts: number, locked_until: string | null, 
/**
 * Sessions that would let them in now.
 */
active_sessions: number, version: number, 
/**
 * Only in the first answer to an add or a reset of the authenticator.
 */
credentials?: OneTimeCredentials, };

export type OneTimeCredentials = { 
/**
 * Only when the operator is new.
 */
initial_password: string | null, otpauth_uri: string, };

export type SessionAdminView = { 
/**
 * The session's public id (not its token).
 */
id: string, operator_id: string, created_at: string, last_seen_at: string, expires_at: string, ended_at: string | null, };

export type ServiceClientView = { id: string, created_at: string, revoked_at: string | null, version: number, 
/**
 * Only in the first answer to the add: the key, which is stored only
 * as its hash.
 */
key?: string, };

export type AddServiceClient = { id: string, };

export type RevokeServiceClient = { version: number | null, };

export type OperatorStatus = "active" | "locked" | "disabled";

export type DisputeView = { id: number, account_id: number, transaction_id: number, reason: DisputeReason, status: DisputeStatus, statement: string, opened_by: string, created_at: string, sla_due_at: string, resolved_at: string | null, version: number, 
/**
 * References to the customer's attachments (file names, ticket ids).
 */
attachments: Array<string>, 
/**
 * Why it was rejected, or how it was refunded.
 */
resolution_note: string | null, refund_transaction_id: number | null, 
/**
 * Not resolved, and past its SLA time.
 */
overdue: boolean, 
/**
 * Who escalated it to the risk team, who decides it from then on.
 */
escalated_by: string | null, 
/**
 * A refund proposed and waiting for a second person's approval.
 */
pending_refund: PendingRefundView | null, };

export type PendingRefundView = { amount: string, proposed_by: string, 
/**
 * Who may approve it: `second_person` (anyone else who may decide the
 * dispute) or `manager`.
 */
tier: RefundTier, };

export type DisputeQuery = { status?: DisputeStatus, account_id?: number, cursor?: string, 
/**
 * Rows per page (default 50).
 */
limit?: number, };

export type DisputeReason = "unauthorized" | "not_received" | "duplicate_charge" | "wrong_amount" | "refund_not_received";

export type RefundTier = "single" | "second_person" | "manager";

export type DisputeStatus = "open" | "escalated" | "refund_pending" | "resolved_refund" | "resolved_rejected";

export type BlacklistQuery = { kind?: BlacklistKind, 
/**
 * Part of the value or the reason.
 */
q?: string, 
/**
 * Include entries whose expiry has passed.
 */
include_expired?: boolean, 
/**
 * Only entries whose removal waits for a second person.
 */
removal_pending?: boolean, cursor?: string, 
/**
 * Rows per page (default 50).
 */
limit?: number, };

export type LimitChangeQuery = { status?: LimitChangeStatus, account_id?: number, cursor?: string, 
/**
 * Rows per page (default 50).
 */
limit?: number, };

export type AccountQuery = { 
/**
 * An account id, the last four digits of a phone, or a masked name such as `张*丰`.
 */
q?: string, grade?: Grade, status?: AccountStatus, dpd_bucket?: DpdBucket, 
/**
 * The customer's home city, e.g. `上海`.
 */
city?: string, 
/**
 * Minimum utilisation in basis points (0–10,000).
 */
utilisation_min_bp?: number, 
/**
 * Maximum utilisation in basis points (0–10,000).
 */
utilisation_max_bp?: number, sort?: AccountSort, cursor?: string, 
/**
 * Rows per page (default 50).
 */
limit?: number, };

export type AccountSort = "id" | "score_asc" | "score_desc" | "utilisation_desc" | "dpd_desc" | "limit_desc";

export type AlertQuery = { status?: AlertStatus, severity?: Severity, rule?: Rule, 
/**
 * An operator id, or `none` for unassigned alerts.
 */
assignee?: string, account_id?: number, 
/**
 * Only alerts at least this many minutes old (at most ten years).
 */
min_age_minutes?: number, 
/**
 * Only alerts at most this many minutes old (at most ten years).
 */
max_age_minutes?: number, sort?: AlertSort, cursor?: string, 
/**
 * Rows per page (default 50).
 */
limit?: number, };

export type AlertSort = "severity" | "newest" | "oldest";

export type TransactionQuery = { 
/**
 * Earliest time, RFC 3339.
 */
from?: string, 
/**
 * Latest time (exclusive), RFC 3339.
 */
to?: string, kind?: TxKind, status?: TxStatus, 
/**
 * Smallest amount.
 */
amount_min?: string, 
/**
 * Largest amount.
 */
amount_max?: string, 
/**
 * Part of the merchant's name.
 */
merchant?: string, cursor?: string, 
/**
 * Rows per page (default 50).
 */
limit?: number, };

export type AccountStatus = "active" | "frozen" | "closed" | "written_off";

export type DpdBucket = "M0" | "M1" | "M2" | "M3" | "M3+";

export type Grade = "A" | "B" | "C" | "D" | "E";

export type AlertStatus = "open" | "in_review" | "escalated" | "closed";

export type Disposition = "confirmed_fraud" | "false_positive" | "benign";

export type Rule = "velocity" | "amount_spike" | "new_device_large_amount" | "night_burst" | "impossible_travel" | "far_from_home" | "blacklist_hit" | "risky_merchant" | "frequent_large_spending";

export type Severity = "low" | "medium" | "high" | "critical";

export type BlacklistKind = "customer" | "device" | "phone" | "national_id_hash" | "ip" | "merchant" | "geo_area";

export type IncomeBand = "under3k" | "from3k_to8k" | "from8k_to15k" | "from15k_to30k" | "over30k";

export type KycLevel = "basic" | "verified" | "enhanced";

export type Occupation = "civil_servant" | "professional" | "office_worker" | "teacher" | "healthcare" | "self_employed" | "factory_worker" | "service_worker" | "student" | "freelancer" | "retired" | "unemployed";

export type LimitChangeReason = "good_repayment_history" | "income_increase" | "customer_request" | "rising_delinquency" | "fraud_suspicion" | "high_utilisation" | "inactivity";

export type LimitChangeSource = "officer" | "system";

export type LimitChangeStatus = "pending" | "approved" | "rejected" | "applied" | "expired";

export type ApprovalTier = "officer" | "manager";

export type Permission = "read_accounts" | "read_transactions" | "read_alerts" | "read_blacklist" | "read_limit_changes" | "read_disputes" | "triage_alerts" | "propose_limit_change" | "approve_limit_change" | "freeze_credit" | "manage_blacklist" | "handle_disputes" | "decide_escalated_alerts" | "decide_escalated_disputes" | "reveal_pii" | "investigate" | "read_audit" | "read_metrics" | "read_rules" | "draft_rules" | "publish_rules" | "manage_operators";

export type Role = "risk_officer" | "cs_agent" | "manager" | "admin";

export type ScoreFactor = "age" | "occupation" | "income" | "payment_frequency" | "bill_amount" | "on_time_repayment" | "worst_delinquency" | "login_times" | "months_on_book";

export type Channel = "in_app" | "mini_program" | "qr";

export type Decision = "approve" | "decline" | "review";

export type DeclineReason = "rules" | "insufficient_limit" | "account_not_active";

export type MerchantCategory = "groceries" | "dining" | "electronics" | "apparel" | "travel" | "education" | "home" | "entertainment" | "health" | "virtual_goods" | "gift_cards" | "jewellery";

export type TxKind = "purchase" | "repayment" | "refund" | "fee" | "interest";

export type TxStatus = "authorized" | "declined" | "settled" | "reversed" | "refunded";
