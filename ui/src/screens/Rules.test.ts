import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import { MockBackend, officer, shippedRules } from "../lib/mock";
import { app } from "../lib/state.svelte";
import type { BacktestView, OperatorDecision, Rule, RuleSetView } from "../lib/generated/types";
import Rules from "./Rules.svelte";

let backend: MockBackend;

const manager = { id: "manager.chen", display_name: "陈经理", role: "manager" as const, permissions: ["read_rules", "draft_rules", "publish_rules"] as const };

function draftBy(author: string): RuleSetView {
  const rules = shippedRules();
  rules.impossible_travel.max_speed_kmh = 700;
  return {
    id: 2, status: "draft", rules, based_on: 1, author, note: "降低速度阈值",
    created_at: "2026-12-05T02:00:00Z", published_by: null, published_at: null, version: 1,
  };
}

beforeEach(() => {
  backend = new MockBackend();
  app.backend = backend;
  app.operator = { ...officer, permissions: ["read_rules", "draft_rules"] };
  app.screen = "main";
  app.route = { view: "rules" };
  app.offline = null;
  app.preferences.lang = "zh";
});

describe("the rules workbench", () => {
  it("drafts from the live version, checks each value as it is typed, and saves", async () => {
    render(Rules);
    await waitFor(() => expect(screen.getAllByTestId("rule-version").length).toBe(1));
    expect(screen.getByTestId("live-version").textContent).toContain("v1");
    await fireEvent.click(screen.getByTestId("new-draft"));

    const speed = screen.getByLabelText("impossible_travel.max_speed_kmh") as HTMLInputElement;
    expect(speed.value).toBe("900");
    backend.rulesCheck = (rules) =>
      rules.impossible_travel.max_speed_kmh < 1 ? "impossible_travel.max_speed_kmh: 0.5 is out of range: a speed is 1–100,000 km/h" : null;
    await fireEvent.input(speed, { target: { value: "0.5" } });
    await waitFor(() => expect(screen.getByTestId("draft-refusal").textContent).toContain("impossible_travel.max_speed_kmh"));
    const cell = document.querySelector('[data-field="impossible_travel.max_speed_kmh"]')!;
    expect(cell.classList.contains("refused")).toBe(true);
    await fireEvent.input(screen.getByTestId("draft-note"), { target: { value: "降低速度阈值" } });
    expect((screen.getByTestId("save-draft") as HTMLButtonElement).disabled).toBe(true);

    await fireEvent.input(speed, { target: { value: "700" } });
    await waitFor(() => expect(screen.queryByTestId("draft-refusal")).toBeNull());
    expect(cell.classList.contains("changed")).toBe(true);
    expect(cell.textContent).toContain("现行 900 km/h");
    await fireEvent.click(screen.getByLabelText("far_from_home.enabled"));

    backend.decideAnswer = () => ({ record: { kind: "rule_set", record: draftBy("officer.li") }, replayed: false });
    await fireEvent.click(screen.getByTestId("save-draft"));
    await waitFor(() => expect(backend.callsOf("decide").length).toBe(1));
    const sent = (backend.callsOf("decide")[0] as { decision: OperatorDecision }).decision;
    expect(sent.type).toBe("save_rule_draft");
    if (sent.type !== "save_rule_draft") return;
    expect(sent.request.based_on).toBe(1);
    expect(sent.request.note).toBe("降低速度阈值");
    expect(sent.request.rules.impossible_travel.max_speed_kmh).toBe(700);
    expect(sent.request.rules.far_from_home.enabled).toBe(false);
    expect(sent.request.rules.velocity.windows[0].max_count).toBe(3);
  });

  it("offers a manager the publish of someone else's draft, never of their own", async () => {
    app.operator = { ...manager, permissions: [...manager.permissions] };
    backend.rulesInStore = { ...backend.rulesInStore, versions: [draftBy("officer.li"), ...backend.rulesInStore.versions] };
    render(Rules);
    await waitFor(() => expect(screen.getAllByTestId("rule-version").length).toBe(2));
    await fireEvent.click(screen.getAllByTestId("rule-version")[0]);
    expect(screen.getByTestId("rule-detail").textContent).toContain("1 处与生效版本不同");
    expect(screen.getByTestId("publish")).toBeTruthy();
    expect(screen.queryByText("你编写了此版本，须由另一人发布")).toBeNull();
  });

  it("tells a manager their own draft is another person's to publish", async () => {
    app.operator = { ...manager, permissions: [...manager.permissions] };
    backend.rulesInStore = { ...backend.rulesInStore, versions: [draftBy("manager.chen"), ...backend.rulesInStore.versions] };
    render(Rules);
    await waitFor(() => expect(screen.getAllByTestId("rule-version").length).toBe(2));
    await fireEvent.click(screen.getAllByTestId("rule-version")[0]);
    expect(screen.getByText("你编写了此版本，须由另一人发布")).toBeTruthy();
    expect(screen.queryByTestId("publish")).toBeNull();
  });

  it("is read-only when the rules come from a file", async () => {
    // Versions kept from before the service was given a file stay readable.
    app.operator = { ...manager, permissions: [...manager.permissions] };
    backend.rulesInStore = { ...backend.rulesInStore, source: "file", live_version: null };
    render(Rules);
    await waitFor(() => expect(screen.getByTestId("rules-source").textContent).toContain("只读"));
    await waitFor(() => expect(screen.getByTestId("rule-detail").textContent).toContain("v1"));
    expect(screen.queryByTestId("new-draft")).toBeNull();
    expect(screen.queryByTestId("publish")).toBeNull();
  });
});

/** A finished backtest of version 2 whose report is written out here. */
function doneBacktest(): BacktestView {
  const rule = (r: Rule, live_hits: number, draft_hits: number) => ({
    rule: r, live_hits, draft_hits, live_alerts: live_hits, draft_alerts: draft_hits,
    alerts_added: Math.max(0, draft_hits - live_hits), alerts_removed: Math.max(0, live_hits - draft_hits),
  });
  return {
    id: 7, rule_set_id: 2, against: 1, days: 30, from: "2026-11-04T00:00:00Z", to: "2026-12-04T00:00:00Z",
    status: "done", done: 5, total: 5, started_by: "officer.li", started_at: "2026-12-04T00:00:00Z",
    finished_at: "2026-12-04T00:00:03Z", cancelling: false, error: null,
    report: {
      payments: 5, amount: "648.00", labelled: 1,
      decisions: [
        { live: "approve", draft: "approve", payments: 3, amount: "36.00" },
        { live: "approve", draft: "review", payments: 1, amount: "600.00" },
        { live: "review", draft: "approve", payments: 1, amount: "12.00" },
      ],
      rules: [rule("velocity", 1, 0), rule("risky_merchant", 1, 1)],
      outcomes: [
        { label: "confirmed_fraud", payments: 1, amount: "12.00", both: 0, live_only: 1, draft_only: 0, live_approved: "12.00", draft_approved: "12.00" },
        { label: "false_positive", payments: 0, amount: "0.00", both: 0, live_only: 0, draft_only: 0, live_approved: "0.00", draft_approved: "0.00" },
        { label: "benign", payments: 0, amount: "0.00", both: 0, live_only: 0, draft_only: 0, live_approved: "0.00", draft_approved: "0.00" },
      ],
      live_approved: "648.00", draft_approved: "648.00", changed: 2,
      changed_payments: [{
        transaction_id: 11, order_id: "WX-B-3", account_id: 42, at: "2026-12-03T10:03:00Z", amount: "12.00",
        label: "confirmed_fraud", live: "review", draft: "approve", live_hits: ["velocity"], draft_hits: [],
      }],
    },
  };
}

describe("backtests and the shadow", () => {
  it("starts a backtest of the chosen draft and reads its report", async () => {
    backend.rulesInStore = { ...backend.rulesInStore, versions: [draftBy("officer.li"), ...backend.rulesInStore.versions] };
    render(Rules);
    await waitFor(() => expect(screen.getAllByTestId("rule-version").length).toBe(2));
    await fireEvent.click(screen.getAllByTestId("rule-version")[0]);
    await fireEvent.click(screen.getByTestId("rule-tab-backtest"));
    await fireEvent.change(screen.getByTestId("backtest-days"), { target: { value: "14" } });
    await fireEvent.click(screen.getByTestId("run-backtest"));
    await waitFor(() => expect(backend.callsOf("start_backtest")).toEqual([{ ruleSetId: 2, days: 14 }]));
    await waitFor(() => expect(screen.getByTestId("backtest-progress").textContent).toContain("14 天"));
    expect(screen.getByTestId("cancel-backtest")).toBeTruthy();

    backend.backtestsInStore[2] = [doneBacktest()];
    await waitFor(() => expect(screen.getByTestId("backtest-report")).toBeTruthy(), { timeout: 2000 });
    const shifts = screen.getAllByTestId("cmp-shift").map((r) => [r.dataset.from, r.dataset.to]);
    expect(shifts).toEqual([["approve", "review"], ["review", "approve"]]);
    const fraud = screen.getAllByTestId("cmp-outcome").find((r) => r.dataset.label === "confirmed_fraud")!;
    expect(fraud.textContent).toContain("确认欺诈");
    expect(screen.getByTestId("cmp-changed").textContent).toContain("2");
    expect(screen.getAllByTestId("cmp-changed-payment")[0].textContent).toContain("WX-B-3");
  });

  it("shows the approver the draft's latest backtest beside the publish button", async () => {
    app.operator = { ...manager, permissions: [...manager.permissions] };
    backend.rulesInStore = { ...backend.rulesInStore, versions: [draftBy("officer.li"), ...backend.rulesInStore.versions] };
    backend.backtestsInStore[2] = [doneBacktest()];
    render(Rules);
    await waitFor(() => expect(screen.getAllByTestId("rule-version").length).toBe(2));
    await fireEvent.click(screen.getAllByTestId("rule-version")[0]);
    await waitFor(() => expect(screen.getByTestId("publish-backtest").textContent).toContain("回测 #7"));
    expect(screen.getByTestId("publish-backtest").textContent).toContain("漏判（仅生效拦截） 1");
  });

  it("shows a version's shadow comparison, or that it has judged nothing yet", async () => {
    backend.rulesInStore = { ...backend.rulesInStore, versions: [{ ...draftBy("officer.li"), status: "shadow" }, ...backend.rulesInStore.versions] };
    render(Rules);
    await waitFor(() => expect(screen.getAllByTestId("rule-version").length).toBe(2));
    await fireEvent.click(screen.getAllByTestId("rule-version")[0]);
    await fireEvent.click(screen.getByTestId("rule-tab-shadow"));
    await waitFor(() => expect(screen.getByTestId("shadow-none")).toBeTruthy());
    backend.shadowInStore[2] = { rule_set_id: 2, in_shadow: true, report: doneBacktest().report };
    await fireEvent.click(screen.getByTestId("rule-tab-rules"));
    await fireEvent.click(screen.getByTestId("rule-tab-shadow"));
    await waitFor(() => expect(screen.getByTestId("shadow-report")).toBeTruthy());
    expect(screen.getByTestId("cmp-payments").textContent).toContain("5");
  });

  it("draws the trend of the rule that alerted most, and of the rule chosen", async () => {
    const day = (d: string, rule: Rule, alerts: number) => ({ day: d, version: 1, rule, alerts, closed: 0, confirmed_fraud: 0 });
    backend.recordInStore = {
      days: 7, from: "2026-11-28T00:00:00Z", to: "2026-12-05T00:00:00Z", payments: 40, rows: [],
      daily: [day("2026-12-01", "velocity", 2), day("2026-12-01", "blacklist_hit", 3), day("2026-12-02", "velocity", 2)],
    };
    render(Rules);
    await waitFor(() => expect(screen.getByTestId("rule-trend")).toBeTruthy());
    const drawn = () => screen.getByTestId("rule-trend").querySelector("svg")?.getAttribute("data-rule");
    expect(drawn()).toBe("velocity");
    await fireEvent.change(screen.getByTestId("trend-rule"), { target: { value: "blacklist_hit" } });
    await waitFor(() => expect(drawn()).toBe("blacklist_hit"));
  });
});
