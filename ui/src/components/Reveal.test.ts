import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MockBackend, officer } from "../lib/mock";
import { app } from "../lib/state.svelte";
import Reveal from "./Reveal.svelte";

let backend: MockBackend;

beforeEach(() => {
  backend = new MockBackend();
  app.backend = backend;
  app.operator = { ...officer, permissions: ["reveal_pii"] };
});

afterEach(() => vi.useRealTimers());

describe("revealing a masked field", () => {
  it("asks for a reason, shows the value for a minute, then masks it again", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    render(Reveal, { accountId: 80000001, field: "phone", masked: "138****5678" });
    await fireEvent.click(screen.getByTestId("reveal-phone"));
    const reason = screen.getByTestId("reveal-reason-phone");
    await fireEvent.input(reason, { target: { value: "短" } });
    expect(screen.getByRole("button", { name: "显示" })).toHaveProperty("disabled", true);
    await fireEvent.input(reason, { target: { value: "客户来电核实" } });
    await fireEvent.submit(reason.closest("form")!);
    await waitFor(() => expect(screen.getByTestId("pii-phone").textContent).toBe("13812345678"));
    expect(backend.callsOf("reveal")[0]).toEqual({ accountId: 80000001, request: { field: "phone", reason: "客户来电核实" } });
    vi.advanceTimersByTime(60_000);
    await waitFor(() => expect(screen.getByTestId("pii-phone").textContent).toBe("138****5678"));
  });

  it("offers nothing to a role that may not reveal", () => {
    app.operator = { ...officer, permissions: [] };
    render(Reveal, { accountId: 1, field: "name", masked: "张*丰" });
    expect(screen.queryByTestId("reveal-name")).toBeNull();
  });
});
