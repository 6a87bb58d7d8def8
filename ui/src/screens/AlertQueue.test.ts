import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import { alert, MockBackend, officer } from "../lib/mock";
import { live } from "../lib/live.svelte";
import { app } from "../lib/state.svelte";
import AlertQueue from "./AlertQueue.svelte";

let backend: MockBackend;

beforeEach(() => {
  backend = new MockBackend();
  backend.alertsInStore = Array.from({ length: 450 }, (_, i) =>
    alert(i + 1, { severity: i % 3 === 0 ? "critical" : "high", status: i % 5 === 0 ? "closed" : "open" }),
  );
  app.backend = backend;
  app.operator = officer;
  app.screen = "main";
  app.route = { view: "queue" };
  app.offline = null;
});

describe("the alert queue", () => {
  it("shows the open alerts with the count of each status", async () => {
    render(AlertQueue);
    await waitFor(() => expect(screen.getByTestId("tab-open").textContent).toContain("360"));
    expect(screen.getAllByTestId("alert-row").length).toBeGreaterThan(0);
    expect(screen.getByTestId("tab-closed").textContent).toContain("90");
    expect(backend.callsOf("alerts")[0]).toMatchObject({ status: "open", sort: "severity", limit: 200 });
  });

  it("asks again with the chosen severity", async () => {
    render(AlertQueue);
    await waitFor(() => expect(screen.getAllByTestId("alert-row").length).toBeGreaterThan(0));
    await fireEvent.change(screen.getByTestId("filter-severity"), { target: { value: "critical" } });
    await waitFor(() => expect(backend.callsOf("alerts").at(-1)).toMatchObject({ severity: "critical" }));
    await waitFor(() =>
      expect(screen.getAllByTestId("alert-row").every((row) => row.querySelector(".sev-critical"))).toBe(true),
    );
  });

  it("moves with j and k and opens the account with Enter", async () => {
    render(AlertQueue);
    await waitFor(() => expect(screen.getAllByTestId("alert-row").length).toBeGreaterThan(2));
    await fireEvent.keyDown(window, { key: "j" });
    await fireEvent.keyDown(window, { key: "j" });
    await fireEvent.keyDown(window, { key: "k" });
    await fireEvent.keyDown(window, { key: "Enter" });
    const second = screen.getAllByTestId("alert-row")[1].dataset.account;
    expect(app.route).toEqual({ view: "account", id: Number(second) });
  });

  it("keeps its rows and raises the offline banner when the service is lost", async () => {
    render(AlertQueue);
    await waitFor(() => expect(screen.getAllByTestId("alert-row").length).toBeGreaterThan(0));
    const before = screen.getAllByTestId("alert-row").length;
    backend.failures.set("alert_counts", { code: "unreachable", message: "down" });
    await fireEvent.click(screen.getByTestId("tab-closed"));
    await waitFor(() => expect(app.offline).toBe("unreachable"));
    expect(screen.getAllByTestId("alert-row").length).toBeGreaterThanOrEqual(Math.min(before, 1));
    app.retryNow();
    await waitFor(() => expect(screen.getByTestId("tab-closed").textContent).toContain("90"));
    expect(app.offline).toBe(null);
  });

  it("marks the rows out of date while they answer the tab before, until the new tab's load succeeds", async () => {
    render(AlertQueue);
    await waitFor(() => expect(screen.getAllByTestId("alert-row").length).toBeGreaterThan(0));
    const table = screen.getByTestId("alert-table");
    expect(table.dataset.current).toBe("true");
    backend.failures.set("alerts", { code: "interrupted", message: "cut off" });
    await fireEvent.click(screen.getByTestId("tab-closed"));
    await waitFor(() => expect(app.offline).toBe("interrupted"));
    // The open alerts are still shown under the closed tab: marked as such.
    expect(screen.getAllByTestId("alert-row").every((row) => row.dataset.status === "open")).toBe(true);
    expect(table.dataset.current).toBe("false");
    expect(table.classList.contains("outdated")).toBe(true);
    app.retryNow();
    await waitFor(() => expect(table.dataset.current).toBe("true"));
    expect(screen.getAllByTestId("alert-row").every((row) => row.dataset.status === "closed")).toBe(true);
  });

  it("shows a decision's result in the row as well as in the panel", async () => {
    app.operator = { ...officer, permissions: ["read_alerts", "triage_alerts"] };
    render(AlertQueue);
    await waitFor(() => expect(screen.getByTestId("panel-status").textContent).toContain("待处理"));
    const first = screen.getAllByTestId("alert-row")[0];
    expect(first.dataset.status).toBe("open");
    await fireEvent.keyDown(window, { key: "c" });
    await waitFor(() => expect(screen.getByTestId("panel-status").textContent).toContain("审核中"));
    await waitFor(() => expect(screen.getAllByTestId("alert-row")[0].dataset.status).toBe("in_review"));
  });

  it("sends the operator to sign in when the session has expired, and back afterwards", async () => {
    backend.failures.set("alerts", { code: "session_expired", message: "expired" });
    render(AlertQueue);
    await waitFor(() => expect(app.screen).toBe("sign_in"));
    app.enter(officer);
    expect(app.screen).toBe("main");
    expect(app.route).toEqual({ view: "queue" });
  });

  it("closes the selected alert from the keyboard and shows what it became", async () => {
    app.operator = { ...officer, permissions: ["read_alerts", "triage_alerts"] };
    render(AlertQueue);
    await waitFor(() => expect(screen.getByTestId("panel-status").textContent).toContain("待处理"));
    const first = backend.alertsInStore.find((a) => a.status === "open")!;
    await fireEvent.keyDown(window, { key: "2" });
    await waitFor(() => expect(screen.getByTestId("panel-status").textContent).toContain("误报"));
    expect(backend.callsOf("decide")[0]).toMatchObject({
      decision: { type: "triage", alert_id: first.id, request: { version: 1, action: { type: "close", disposition: "false_positive" } } },
    });
    expect(screen.getByTestId("decision-status").dataset.phase).toBe("done");
  });

  it("asks for a note before escalating", async () => {
    app.operator = { ...officer, permissions: ["read_alerts", "triage_alerts"] };
    render(AlertQueue);
    await waitFor(() => expect(screen.getByTestId("panel-status")).toBeTruthy());
    await fireEvent.keyDown(window, { key: "e" });
    expect(backend.callsOf("decide")).toHaveLength(0);
    expect(document.activeElement).toBe(screen.getByTestId("note-input"));
  });

  it("puts in at most 200 new alerts between loads and counts the rest, and keeps its counts fresh through a steady flow", async () => {
    backend.alertsInStore = [alert(1, { severity: "low" })];
    app.operator = { ...officer, permissions: ["read_alerts", "triage_alerts"] };
    render(AlertQueue);
    await waitFor(() => expect(screen.getAllByTestId("alert-row").length).toBe(1));
    const countsBefore = backend.callsOf("alert_counts").length;
    for (let id = 2; id <= 206; id++) {
      backend.alertsInStore.push(alert(id, { severity: "critical" }));
      live.handle({
        type: "event",
        event: liveEvent("alert.raised", id, "engine", { severity: "critical" }),
      });
    }
    await waitFor(() => expect(screen.getByTestId("unshown").textContent).toContain("5"));
    expect(backend.callsOf("alert")).toHaveLength(200);
    expect(screen.getByTestId("alert-queue").querySelector("[aria-rowcount]")?.getAttribute("aria-rowcount")).toBe("201");
    // A steady flow, one event every 100 ms for 1.2 s: the counts are read
    // during it, not only once it stops.
    for (let i = 0; i < 12; i++) {
      live.handle({ type: "event", event: liveEvent("alert.claimed", 1, "officer.wang") });
      await new Promise((done) => setTimeout(done, 100));
    }
    expect(backend.callsOf("alert_counts").length - countsBefore).toBeGreaterThanOrEqual(2);
    await fireEvent.click(screen.getByTestId("unshown"));
    await waitFor(() => expect(screen.queryByTestId("unshown")).toBeNull());
  });

  it("opens at the alert a notice names: its row selected, or read on its own when not loaded", async () => {
    // #7 is open, so among the rows loaded; #6 is closed, so not.
    const first = render(AlertQueue, { alert: 7 });
    await waitFor(() => expect(screen.getByTestId("triage-panel").textContent).toContain("#7"));
    const selected = document.querySelector(".vrow.selected [data-testid=alert-row]") as HTMLElement;
    expect(selected.dataset.alert).toBe("7");
    expect(backend.callsOf("alert")).toEqual([]);
    first.unmount();
    render(AlertQueue, { alert: 6 });
    await waitFor(() => expect(screen.getByTestId("triage-panel").textContent).toContain("#6"));
    expect(backend.callsOf("alert")).toEqual([6]);
  });

  it("puts a new alert where its order puts it and keeps the operator's row, and greys one another officer claims", async () => {
    backend.alertsInStore = [
      alert(1, { severity: "critical" }),
      alert(2, { severity: "high" }),
      alert(3, { severity: "low" }),
    ];
    app.operator = { ...officer, permissions: ["read_alerts", "triage_alerts"] };
    render(AlertQueue);
    await waitFor(() => expect(screen.getAllByTestId("alert-row").length).toBe(3));
    await fireEvent.keyDown(window, { key: "j" });
    await waitFor(() => expect(screen.getByTestId("triage-panel").textContent).toContain("#2"));
    const ids = () => screen.getAllByTestId("alert-row").map((row) => Number(row.dataset.alert));

    // Critical, and newer than #1: second.
    backend.alertsInStore.push(alert(4, { severity: "critical", created_at: "2026-11-25T02:00:00Z" }));
    live.handle({ type: "event", event: liveEvent("alert.raised", 4, "engine", { severity: "critical" }) });
    await waitFor(() => expect(ids()).toEqual([1, 4, 2, 3]));
    expect(screen.getByTestId("triage-panel").textContent).toContain("#2");
    expect(screen.getByTestId("claim")).toBeTruthy();

    // Another officer claims #3: greyed in place, and not offered here.
    backend.alertsInStore[2] = alert(3, { severity: "low", status: "in_review", assignee: "officer.wang", version: 2 });
    live.handle({ type: "event", event: liveEvent("alert.claimed", 3, "officer.wang") });
    const row3 = () => screen.getAllByTestId("alert-row").find((row) => row.dataset.alert === "3");
    await waitFor(() => expect(row3()?.classList.contains("taken")).toBe(true));
    expect(ids()).toEqual([1, 4, 2, 3]);
    await fireEvent.keyDown(window, { key: "j" });
    await waitFor(() => expect(screen.getByTestId("panel-acted-on").textContent).toContain("王风控"));
    expect(screen.queryByTestId("claim")).toBeNull();
  });
});

/** An event as the service sends it: an operator's change names them; a
 *  raised alert is open. */
function liveEvent(kind: string, id: number, actor: string, record: { severity?: string } = {}) {
  const names: Record<string, string> = { "officer.wang": "王风控" };
  return {
    id: `0-${id}`,
    kind,
    at: "2026-11-25T02:00:00Z",
    target: `alert:${id}`,
    actor,
    actor_name: names[actor] ?? null,
    record: { id, ...(kind === "alert.raised" ? { status: "open" } : {}), ...record },
  };
}
