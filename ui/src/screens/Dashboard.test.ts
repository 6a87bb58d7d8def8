import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import type { FraudDashboard } from "../lib/generated/types";
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
  approvals_svg: "<svg data-chart='approvals'></svg>",
  alerts_svg: "<svg data-chart='alerts'></svg>",
  dispositions_svg: "<svg data-chart='dispositions'></svg>",
  losses_svg: "<svg data-chart='losses'></svg>",
};

beforeEach(() => {
  backend = new MockBackend();
  backend.dashboard = board;
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
