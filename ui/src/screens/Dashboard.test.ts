import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import type { CreditDashboard, FraudDashboard } from "../lib/generated/types";
import { MockBackend, officer } from "../lib/mock";
import { app } from "../lib/state.svelte";
import Dashboard from "./Dashboard.svelte";

let backend: MockBackend;

const board: FraudDashboard = {
  metrics: {
    from: "2026-11-24",
    to: "2026-11-25",
    approvals: [
      { day: "2026-11-24", approved: 90, review: 5, declined: 5, approval_bp: 9_500 },
      { day: "2026-11-25", approved: 40, review: 0, declined: 60, approval_bp: 4_000 },
    ],
    alerts: [
      { day: "2026-11-24", rule: "velocity", raised: 3 },
      { day: "2026-11-25", rule: "blacklist_hit", raised: 7 },
      { day: "2026-11-25", rule: "velocity", raised: 2 },
    ],
    dispositions: [
      { rule: "blacklist_hit", confirmed_fraud: 6, false_positive: 1, benign: 0, false_positive_bp: 1_428 },
      { rule: "velocity", confirmed_fraud: 1, false_positive: 3, benign: 0, false_positive_bp: 7_500 },
    ],
    losses: [{ year: 2026, month: 11, confirmed: "12345.60", alerts: 7 }],
  },
  // Computed in Rust from the metrics above (domain::metrics::FraudTotals).
  totals: { decided: 200, approval_bp: 6_750, raised: 12, false_positive_bp: 3_636, losses: "12345.60" },
  approvals_svg: "<svg data-chart='approvals'></svg>",
  alerts_svg: "<svg data-chart='alerts'></svg>",
  dispositions_svg: "<svg data-chart='dispositions'></svg>",
  losses_svg: "<svg data-chart='losses'></svg>",
};

const credit: CreditDashboard = {
  metrics: {
    from: "2026-10-01",
    to: "2026-11-25",
    buckets: [
      { year: 2026, month: 10, accounts: [90, 5, 3, 1, 1], balances: ["900.00", "50.00", "30.00", "10.00", "10.00"], delinquency_rate_bp: 1_000 },
      { year: 2026, month: 11, accounts: [80, 10, 6, 3, 1], balances: ["1000.10", "100.00", "60.00", "30.00", "10.00"], delinquency_rate_bp: 1_666 },
    ],
    vintages: [{ year: 2026, month: 10, points: [{ months_on_book: 0, accounts: 4, dpd30: 0, rate_bp: 0 }, { months_on_book: 1, accounts: 4, dpd30: 1, rate_bp: 2_500 }] }],
    rolls: [{ year: 2026, month: 10, counts: [[85, 5, 0, 0, 0], [2, 1, 2, 0, 0], [0, 0, 0, 3, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1]] }],
    utilisation: [
      { from_bp: 0, to_bp: 0, accounts: 20 },
      { from_bp: 0, to_bp: 3_000, accounts: 40 },
      { from_bp: 3_000, to_bp: 6_000, accounts: 20 },
      { from_bp: 6_000, to_bp: 9_000, accounts: 15 },
      { from_bp: 9_000, accounts: 5 },
    ],
    exposure: [
      { grade: "A", accounts: 60, limit: "6000.00", balance: "600.05", utilisation_bp: 1_000 },
      { grade: "C", accounts: 40, limit: "4000.00", balance: "610.05", utilisation_bp: 1_525 },
    ],
    limit_changes: [
      { year: 2026, month: 10, proposed: 9, approved: 4, rejected: 2, expired: 1, average_change: "1500.00" },
      { year: 2026, month: 11, proposed: 3, approved: 1, rejected: 0, expired: 0, average_change: "-200.00" },
    ],
  },
  // Computed in Rust from the metrics above (domain::metrics::CreditTotals).
  totals: {
    month: "2026-11",
    accounts: 100,
    balance: "1200.10",
    delinquency_bp: 1_666,
    dpd30_bp: 1_000,
    utilisation_bp: 1_210,
    limit_changes_approved: 5,
  },
  delinquency_svg: "<svg data-chart='delinquency'></svg>",
  vintage_svg: "<svg data-chart='vintage'></svg>",
  rolls_svg: "<svg data-chart='rolls'></svg>",
  utilisation_svg: "<svg data-chart='utilisation'></svg>",
  exposure_svg: "<svg data-chart='exposure'></svg>",
  limit_changes_svg: "<svg data-chart='limit-changes'></svg>",
};

beforeEach(() => {
  backend = new MockBackend();
  backend.dashboard = board;
  backend.credit = credit;
  app.backend = backend;
  app.operator = { ...officer, permissions: ["read_metrics", "read_alerts"] };
  app.route = { view: "dashboard" };
});

describe("the dashboard", () => {
  it("adds the period up from the counts, exactly", async () => {
    render(Dashboard);
    await waitFor(() => expect(screen.getByTestId("kpi-decided").textContent).toBe("200"));
    // (90 + 5 + 40) of 200 decisions; 4 false positives of 11 closed.
    expect(screen.getByTestId("kpi-approval").textContent).toBe("67.50%");
    expect(screen.getByTestId("kpi-raised").textContent).toBe("12");
    expect(screen.getByTestId("kpi-fp").textContent).toBe("36.36%");
    expect(screen.getByTestId("kpi-losses").textContent).toBe("¥12,345.60");
    expect(document.querySelector("[data-chart=alerts]")).not.toBeNull();
  });

  it("asks again for a cut, and opens the queue at a rule", async () => {
    render(Dashboard);
    await screen.findByTestId("kpis");
    await fireEvent.change(screen.getByTestId("dash-grade"), { target: { value: "D" } });
    await waitFor(() =>
      expect(backend.callsOf("fraud_dashboard").at(-1)).toMatchObject({ query: { grade: "D" } }),
    );
    const chips = screen.getAllByTestId("drill-rule");
    expect(chips.map((c) => c.dataset.rule)).toEqual(["blacklist_hit", "velocity"]);
    await fireEvent.click(chips[1]);
    expect(app.route).toEqual({ view: "queue", rule: "velocity", status: null });
  });
});

describe("saving a chart", () => {
  it("asks for the chart in the format chosen, under the cut on screen, and says where it went", async () => {
    render(Dashboard);
    await screen.findByTestId("kpis");
    await fireEvent.click(screen.getByTestId("export-losses-png"));
    const saved = await screen.findByTestId("chart-saved");
    expect(saved.textContent).toContain("/home/li/Downloads/riskdesk-losses.png");
    expect(backend.callsOf("export_chart")[0]).toMatchObject({ chart: "losses", format: "png", request: { lang: "zh" } });
  });
});

describe("the credit side", () => {
  it("reads the last month's end, exactly", async () => {
    render(Dashboard);
    await waitFor(() => expect(screen.getByTestId("kpi-accounts").textContent).toBe("100"));
    expect(screen.getByTestId("kpi-balance").textContent).toBe("¥1,200.10");
    expect(screen.getByTestId("kpi-delinquency").textContent).toBe("16.66%");
    // M2, M3 and M3+: 10 of 100 accounts; 1,210.10 owed of 10,000.00 granted.
    expect(screen.getByTestId("kpi-dpd30").textContent).toBe("10%");
    expect(screen.getByTestId("kpi-utilisation").textContent).toBe("12.10%");
    expect(screen.getByTestId("kpi-limit-approved").textContent).toBe("5");
    expect(document.querySelector("[data-chart=rolls]")).not.toBeNull();
  });

  it("asks by month, under the cut but never by channel, and drills into the accounts", async () => {
    render(Dashboard);
    await screen.findByTestId("credit-kpis");
    await fireEvent.change(screen.getByTestId("dash-channel"), { target: { value: "qr" } });
    await fireEvent.change(screen.getByTestId("dash-grade"), { target: { value: "C" } });
    await fireEvent.click(screen.getByTestId("months-6"));
    await waitFor(() => {
      const asked = backend.callsOf("credit_dashboard").at(-1) as { query: Record<string, string> };
      expect(asked.query).toMatchObject({ grade: "C" });
      expect(asked.query.channel).toBeUndefined();
      // The first day of a month, five months before this one.
      expect(asked.query.from).toMatch(/^\d{4}-\d{2}-01$/);
    });
    const first = (backend.callsOf("credit_dashboard").at(-1) as { query: { from: string } }).query.from;
    const [y, m] = first.split("-").map(Number);
    const now = new Date();
    expect((now.getFullYear() - y) * 12 + now.getMonth() + 1 - m).toBe(5);
    const buckets = screen.getAllByTestId("drill-bucket");
    expect(buckets.map((b) => b.textContent?.replace(/\s+/g, " ").trim())).toEqual(["M0 80", "M1 10", "M2 6", "M3 3", "M3+ 1"]);
    await fireEvent.click(buckets[2]);
    expect(app.route).toEqual({ view: "accounts", query: { grade: "C", city: undefined, dpd_bucket: "M2" } });
  });

  it("saves a credit chart under the credit side's period", async () => {
    render(Dashboard);
    await screen.findByTestId("credit-kpis");
    await fireEvent.click(screen.getByTestId("export-vintage-csv"));
    await screen.findByTestId("chart-saved");
    const asked = backend.callsOf("export_chart")[0] as { chart: string; request: { query: { from: string } } };
    expect(asked.chart).toBe("vintage");
    expect(asked.request.query.from).toMatch(/-01$/);
  });
});
