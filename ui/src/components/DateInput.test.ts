import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import DateInput from "./DateInput.svelte";

describe("the date field", () => {
  it("marks a day typed in another order as invalid, and a real one as valid", async () => {
    render(DateInput, { testid: "day" });
    const field = screen.getByTestId("day") as HTMLInputElement;
    expect(field.placeholder).toBe("YYYY-MM-DD");
    await fireEvent.input(field, { target: { value: "12/05/2026" } });
    expect(field.getAttribute("aria-invalid")).toBe("true");
    await fireEvent.input(field, { target: { value: "2026-12-05" } });
    expect(field.getAttribute("aria-invalid")).toBeNull();
  });

  it("shows a value cleared from outside, as a form does after sending", async () => {
    const { rerender } = render(DateInput, { testid: "day", value: "2026-12-05" });
    const field = screen.getByTestId("day") as HTMLInputElement;
    expect(field.value).toBe("2026-12-05");
    await rerender({ testid: "day", value: "" });
    expect(field.value).toBe("");
  });
});
