import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import { MockBackend, officer } from "../lib/mock";
import { app } from "../lib/state.svelte";
import type { CaseDetail, DecisionOutcome } from "../lib/generated/types";
import Cases from "./Cases.svelte";

let backend: MockBackend;

const opened: CaseDetail = {
  case: {
    id: 3, title: "设备农场", severity: "high", status: "open", owner: "officer.li",
    due_at: "2026-12-09T02:00:00Z", overdue: false, checklist: [], tags: ["套现团伙"],
    disposition: null, outcome: null, created_by: "officer.li", created_at: "2026-12-06T02:00:00Z",
    closed_by: null, closed_at: null, version: 1,
  },
  members: [{ kind: "account", id: 80000001, added_by: "officer.li", added_at: "2026-12-06T02:00:00Z" }],
  notes: [],
  attachments: [],
  shared: [
    { kind: "device", value: "dev-ring00a", accounts: [80000001, 80000002] },
    { kind: "phone", value: null, accounts: [80000001, 80000002] },
    { kind: "ip_block", value: "10.8.1.0/24", accounts: [80000001, 80000002, 80000003] },
  ],
};

beforeEach(() => {
  backend = new MockBackend();
  app.backend = backend;
  app.operator = { ...officer, permissions: ["investigate", "freeze_credit"] };
  app.screen = "main";
  app.offline = null;
  app.preferences.lang = "zh";
});

describe("the cases screen", () => {
  it("reads the case it is opened at once, not again each time it arrives", async () => {
    let reads = 0;
    backend.case = async (id: number) => {
      reads += 1;
      return { ...opened, case: { ...opened.case, id } };
    };
    render(Cases, { id: 3 });
    await waitFor(() => expect(screen.getByTestId("case-status").textContent).toBe("待处理"));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads).toBe(1);
  });

  it("blacklists the shared devices and addresses chosen, and says which were refused", async () => {
    app.operator = { ...officer, permissions: ["investigate", "manage_blacklist"] };
    backend.case = async (id: number) => ({ ...opened, case: { ...opened.case, id } });
    backend.decideAnswer = (): DecisionOutcome => ({
      record: {
        kind: "case_blacklist",
        record: {
          results: [
            { thing: { kind: "device", value: "dev-ring00a" }, entry: null,
              problem: { type: "urn:riskdesk:problem:duplicate", title: "duplicate", status: 409, code: "duplicate",
                detail: "device dev-ring00a is already listed (entry #4)" } },
            { thing: { kind: "ip_block", value: "10.8.1.0/24" }, entry: null, problem: null },
          ],
        },
      },
      replayed: false,
    });
    render(Cases, { id: 3 });
    await waitFor(() => expect(screen.getByTestId("case-shared").textContent).toContain("dev-ring00a"));
    // A phone is matched by hash: shown without its value, never picked.
    expect(screen.getByTestId("case-shared").textContent).toContain("哈希匹配");
    const picks = screen.getAllByTestId("case-shared-pick") as HTMLInputElement[];
    expect(picks.map((p) => p.value)).toEqual(["device dev-ring00a", "ip_block 10.8.1.0/24"]);
    const button = screen.getByTestId("case-blacklist") as HTMLButtonElement;
    await fireEvent.click(picks[0]);
    await fireEvent.click(picks[1]);
    expect(button.disabled).toBe(true);
    await fireEvent.input(screen.getByTestId("case-blacklist-reason"), { target: { value: "团伙共用" } });
    expect(button.disabled).toBe(false);
    await fireEvent.click(button);
    await waitFor(() => expect(screen.getByTestId("case-blacklist-summary").textContent).toContain("1 已拉黑 · 1 未拉黑"));
    // The refusal in the operator's words, the service's detail marked as English.
    expect(screen.getByTestId("case-blacklist-summary").textContent).toContain("已存在相同的记录");
    expect(screen.getByTestId("case-blacklist-summary").querySelector("[lang=en]")?.textContent).toContain("already listed (entry #4)");
    const sent = backend.callsOf("decide") as { decision: unknown }[];
    expect(sent.map((c) => c.decision)).toEqual([{
      type: "blacklist_case", id: 3,
      request: { things: [{ kind: "device", value: "dev-ring00a" }, { kind: "ip_block", value: "10.8.1.0/24" }], reason: "团伙共用" },
    }]);
  });

  it("offers no blacklisting to an investigator who may not list", async () => {
    backend.case = async (id: number) => ({ ...opened, case: { ...opened.case, id } });
    render(Cases, { id: 3 });
    await waitFor(() => expect(screen.getByTestId("case-shared").textContent).toContain("dev-ring00a"));
    expect(screen.queryAllByTestId("case-shared-pick")).toHaveLength(0);
    expect(screen.queryByTestId("case-blacklist")).toBeNull();
  });
});
