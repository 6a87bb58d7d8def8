import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Host from "./VirtualListHost.test.svelte";

function shown(): number[] {
  return screen.getAllByTestId("n").map((n) => Number(n.textContent));
}

describe("VirtualList", () => {
  it("renders only the rows around the view", () => {
    render(Host, { total: 1000 });
    expect(shown().length).toBeLessThan(60);
    expect(shown()[0]).toBe(0);
  });

  it("moves with the wheel and the keys, and stops at both ends", async () => {
    render(Host, { total: 117_248 });
    const grid = screen.getByRole("grid");
    await fireEvent.wheel(grid, { deltaY: 28 * 500 });
    expect(grid.dataset.topRow).toBe("500");
    expect(shown()).toContain(500);
    await fireEvent.keyDown(grid, { key: "End" });
    expect(shown()).toContain(117_247);
    await fireEvent.wheel(grid, { deltaY: 28 * 10 });
    expect(shown()).toContain(117_247);
    await fireEvent.keyDown(grid, { key: "Home" });
    expect(grid.dataset.topRow).toBe("0");
    await fireEvent.wheel(grid, { deltaY: -280 });
    expect(grid.dataset.topRow).toBe("0");
  });
});
