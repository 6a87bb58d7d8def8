import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import { MockBackend, officer } from "../lib/mock";
import { app } from "../lib/state.svelte";
import ExportButton from "./ExportButton.svelte";

let backend: MockBackend;
const request = () => ({ what: "alerts" as const, query: { status: "open" as const } });

beforeEach(() => {
  backend = new MockBackend();
  app.backend = backend;
  app.operator = officer;
});

describe("exporting a list", () => {
  it("counts rows up while it streams, then says where the file is", async () => {
    backend.exportSteps = [{ id: "", rows: 5_000, bytes: 812_000 }];
    render(ExportButton, { request });
    await fireEvent.click(screen.getByTestId("export-button"));
    await waitFor(() => expect(screen.getByTestId("export-progress").dataset.rows).toBe("5000"));
    expect(screen.getByTestId("export-progress").textContent).toContain("0.8 MB");
    expect(backend.callsOf("export")[0]).toMatchObject({ request: request() });
    backend.finishExport({ path: "/home/li/Downloads/riskdesk-alerts-20261126-093000.csv", rows: 7_321, bytes: 1_190_000 });
    const saved = await screen.findByTestId("export-saved");
    expect(saved.dataset.rows).toBe("7321");
    expect(saved.textContent).toContain("riskdesk-alerts-20261126-093000.csv");
  });

  it("cancels the running export by its id and says no file was left", async () => {
    render(ExportButton, { request });
    await fireEvent.click(screen.getByTestId("export-button"));
    await fireEvent.click(await screen.findByTestId("export-cancel"));
    await screen.findByTestId("export-cancelled");
    const started = backend.callsOf("export")[0] as { id: string };
    expect(backend.callsOf("cancel_export")).toEqual([started.id]);
    expect(screen.queryByTestId("export-saved")).toBeNull();
  });

  it("shows why an export failed, and can start again", async () => {
    render(ExportButton, { request });
    await fireEvent.click(screen.getByTestId("export-button"));
    await screen.findByTestId("export-cancel");
    backend.finishExport({ code: "save_failed", message: "/home/li/Downloads is full" });
    expect((await screen.findByTestId("export-failed")).textContent).toContain("is full");
    await fireEvent.click(screen.getByTestId("export-button"));
    await screen.findByTestId("export-cancel");
    expect(backend.callsOf("export")).toHaveLength(2);
  });
});
