// One operator decision as the screens run it: a fresh idempotency key per
// decision, never two sends at once, the same key again when the operator
// retries one whose fate is unknown, and a plain account of what happened —
// done, already done by an earlier attempt, refused, stale (with the record
// as it is now), or not known yet. What the screen does with the outcome
// goes with the decision, so that a Retry that finds it done does it too.

import { BackendError } from "./backend";
import type { DecisionOutcome, ErrorCode, OperatorDecision } from "./generated/types";
import { app } from "./state.svelte";

export type DecisionState =
  | { phase: "idle" }
  | { phase: "sending" }
  | { phase: "done"; outcome: DecisionOutcome }
  /** No answer came back: Retry sends the same decision with the same key. */
  | { phase: "undecided"; message: string }
  /** The record changed since it was loaded: `current` is how it is now. */
  | { phase: "stale"; message: string; current: unknown }
  | { phase: "refused"; code: ErrorCode; message: string };

export class Decider {
  state = $state<DecisionState>({ phase: "idle" });
  private key: string | null = null;
  private decision: OperatorDecision | null = null;
  private onDone: ((outcome: DecisionOutcome) => unknown) | null = null;

  get busy(): boolean {
    return this.state.phase === "sending";
  }

  /**
   * Sends a new decision; ignored while one is being sent. `onDone` runs
   * with its outcome once it is done — now, or after a Retry.
   */
  async send(
    decision: OperatorDecision,
    onDone: (outcome: DecisionOutcome) => unknown = () => {},
  ): Promise<DecisionOutcome | null> {
    if (this.busy) return null;
    this.key = newKey();
    this.decision = decision;
    this.onDone = onDone;
    return this.run();
  }

  /** Sends the undecided decision again, with its key: it cannot apply twice. */
  async retry(): Promise<DecisionOutcome | null> {
    if (this.busy || !this.key || !this.decision) return null;
    return this.run();
  }

  reset(): void {
    if (!this.busy) this.state = { phase: "idle" };
  }

  private async run(): Promise<DecisionOutcome | null> {
    const key = this.key!;
    const decision = this.decision!;
    this.state = { phase: "sending" };
    try {
      const outcome = await app.guard(() => app.backend.decide(key, decision));
      if (!outcome) {
        // The session or the network went away before an answer: unknown.
        this.state = { phase: "undecided", message: app.tr("undecided") };
        return null;
      }
      this.state = { phase: "done", outcome };
      await this.onDone?.(outcome);
      return outcome;
    } catch (e) {
      const error = e instanceof BackendError ? e : new BackendError({ code: "protocol", message: String(e) });
      if (error.code === "undecided") {
        this.state = { phase: "undecided", message: app.tr("undecided") };
      } else if (error.code === "stale_version") {
        this.state = { phase: "stale", message: app.tr("stale"), current: error.current };
      } else {
        this.state = { phase: "refused", code: error.code, message: app.errorText(error) };
      }
      return null;
    }
  }
}

function newKey(): string {
  return `ui-${crypto.randomUUID()}`;
}
