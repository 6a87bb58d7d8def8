import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Chart from "./Chart.svelte";

const svg = `<svg xmlns="http://www.w3.org/2000/svg"><rect id="bar" width="10" height="10"/>
<g class="tips"><rect id="may" x="0" y="0" width="40" height="100" fill-opacity="0" data-tip="26年5月&#10;M1: 110,000&#10;逾期率: 8.00%"><title>26年5月</title></rect></g></svg>`;

describe("a chart's values under the pointer", () => {
  it("shows the region's lines, and nothing off the regions", async () => {
    const { container } = render(Chart, { svg });
    const chart = container.querySelector(".chart")!;
    await fireEvent.pointerMove(container.querySelector("#may")!, { clientX: 5, clientY: 5 });
    const tip = await screen.findByTestId("chart-tip");
    expect([...tip.children].map((line) => line.textContent)).toEqual(["26年5月", "M1: 110,000", "逾期率: 8.00%"]);
    await fireEvent.pointerMove(container.querySelector("#bar")!);
    expect(screen.queryByTestId("chart-tip")).toBeNull();
    await fireEvent.pointerMove(container.querySelector("#may")!);
    await fireEvent.pointerLeave(chart);
    expect(screen.queryByTestId("chart-tip")).toBeNull();
  });
});
