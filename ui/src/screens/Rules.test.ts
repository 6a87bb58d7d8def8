import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import { MockBackend, officer, shippedRules } from "../lib/mock";
import { app } from "../lib/state.svelte";
import type { OperatorDecision, RuleSetView } from "../lib/generated/types";
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
