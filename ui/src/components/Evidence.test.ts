import { fireEvent, render, screen } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import { MockBackend, officer } from "../lib/mock";
import { app } from "../lib/state.svelte";
import Evidence from "./Evidence.svelte";

const hit = {
  evidence: "device dev-bl0020 is blacklisted (entry #23); phone 138****1234 is blacklisted (entry #7)",
  findings: [
    { type: "blacklisted" as const, entry: 23, kind: "device" as const, value: "dev-bl0020" },
    { type: "blacklisted" as const, entry: 7, kind: "phone" as const, value: "138****1234" },
  ],
};

beforeEach(() => {
  app.backend = new MockBackend();
  app.preferences = { ...app.preferences, lang: "zh" };
  app.route = { view: "queue" };
});

describe("a rule's evidence", () => {
  it("reads in Chinese and opens each blacklist entry it names", async () => {
    app.operator = { ...officer, permissions: ["read_alerts", "read_blacklist"] };
    render(Evidence, { hit, testid: "evidence" });
    expect(screen.getByTestId("evidence").textContent?.replace(/\s+/g, " ").trim())
      .toBe("设备 dev-bl0020 在黑名单上（条目 #23） ↗；手机号 138****1234 在黑名单上（条目 #7） ↗");
    const links = screen.getAllByTestId("evidence-entry");
    expect(links.map((l) => l.dataset.entry)).toEqual(["23", "7"]);
    await fireEvent.click(links[0]);
    expect(app.route).toEqual({ view: "blacklist", entry: 23, q: "dev-bl0020" });
    // A masked phone is no search text: the entry is found by its id.
    await fireEvent.click(links[1]);
    expect(app.route).toEqual({ view: "blacklist", entry: 7, q: undefined });
  });

  it("offers no link to one who may not read the blacklist, and shows an old record's sentence", () => {
    app.operator = { ...officer, permissions: ["read_alerts"] };
    render(Evidence, { hit, testid: "evidence" });
    expect(screen.queryAllByTestId("evidence-entry")).toEqual([]);
    render(Evidence, { hit: { evidence: "3 payments in 10 min", findings: [] }, testid: "old" });
    expect(screen.getByTestId("old").textContent?.trim()).toBe("3 payments in 10 min");
  });
});
