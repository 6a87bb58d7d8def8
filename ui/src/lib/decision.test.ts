import { beforeEach, describe, expect, it } from "vitest";
import { BackendError } from "./backend";
import { Decider } from "./decision.svelte";
import type { DecisionOutcome, OperatorDecision } from "./generated/types";
import { alert, MockBackend, officer } from "./mock";
import { app } from "./state.svelte";

let backend: MockBackend;
const close: OperatorDecision = {
  type: "triage",
  alert_id: 7,
  request: { version: 1, action: { type: "close", disposition: "benign" } },
};
const outcome = (replayed: boolean): DecisionOutcome => ({
  record: { kind: "alert", record: alert(7, { status: "closed", version: 2 }) },
  replayed,
});

beforeEach(() => {
  backend = new MockBackend();
  app.backend = backend;
  app.operator = officer;
  app.screen = "main";
});

describe("a decision", () => {
  it("is sent once while it is in flight, however often it is asked for", async () => {
    let answer: (o: DecisionOutcome) => void = () => {};
    backend.decide = (key, decision) => {
      backend.calls.push({ command: "decide", args: { key, decision } });
      return new Promise((resolve) => (answer = resolve));
    };
    const decider = new Decider();
    const first = decider.send(close);
    expect(decider.busy).toBe(true);
    expect(await decider.send(close)).toBeNull();
    answer(outcome(false));
    expect(await first).toEqual(outcome(false));
    expect(backend.callsOf("decide")).toHaveLength(1);
    expect(decider.state).toEqual({ phase: "done", outcome: outcome(false) });
  });

  it("is retried with the same key after no answer, and says it had already taken effect", async () => {
    const decider = new Decider();
    backend.failures.set("decide", { code: "undecided", message: "no answer" });
    backend.decideAnswer = () => outcome(true);
    const shown: DecisionOutcome[] = [];
    expect(await decider.send(close, (o) => shown.push(o))).toBeNull();
    expect(decider.state.phase).toBe("undecided");
    expect(shown).toEqual([]);
    expect(await decider.retry()).toEqual(outcome(true));
    // What the screen does with the outcome happens after the Retry too.
    expect(shown).toEqual([outcome(true)]);
    const [first, second] = backend.callsOf("decide") as { key: string }[];
    expect(second.key).toBe(first.key);
    expect(decider.state).toEqual({ phase: "done", outcome: outcome(true) });
    // A new decision gets a new key.
    await decider.send(close);
    expect((backend.callsOf("decide")[2] as { key: string }).key).not.toBe(first.key);
  });

  it("based on a stale version keeps the record as it is now", async () => {
    const decider = new Decider();
    const now = alert(7, { status: "escalated", assignee: "officer.wang", version: 3 });
    backend.failures.set("decide", { code: "stale_version", message: "changed", current: now });
    await decider.send(close);
    expect(decider.state).toMatchObject({ phase: "stale", current: now });
  });

  it("refused by the service says why", async () => {
    const decider = new Decider();
    backend.failures.set("decide", { code: "four_eyes", message: "the maker of a request can never decide it" });
    await decider.send(close);
    expect(decider.state).toEqual({
      phase: "refused",
      code: "four_eyes",
      message: "四眼原则：发起人不能审批自己的申请\nthe maker of a request can never decide it",
    });
    expect(new BackendError({ code: "four_eyes", message: "x" }).offline).toBe(false);
  });
});
