import { describe, expect, it } from "vitest";
import { age, amountInput, date, dateTime, dayStart, money, parseDay, percent } from "./format";

describe("money", () => {
  it("groups thousands and always shows fen", () => {
    expect(money("1234.5")).toBe("¥1,234.50");
    expect(money("1234567.89")).toBe("¥1,234,567.89");
    expect(money("0")).toBe("¥0.00");
    expect(money("-12.3")).toBe("-¥12.30");
    expect(money(null)).toBe("—");
  });
});

describe("times", () => {
  it("shows UTC instants in China time", () => {
    expect(dateTime("2026-11-24T16:30:00Z")).toBe("2026-11-25 00:30");
    expect(date("2026-11-24T16:30:00Z")).toBe("2026-11-25");
  });
  it("turns a China day into the UTC instant it starts", () => {
    expect(dayStart("2026-11-25")).toBe("2026-11-24T16:00:00Z");
    expect(dayStart("2026-13-45")).toBeUndefined();
    expect(dayStart("")).toBeUndefined();
  });
  it("says how old an alert is, compactly, in either language", () => {
    const now = Date.parse("2026-11-25T12:00:00Z");
    expect(age("2026-11-25T11:18:00Z", now, "en")).toBe("42m");
    expect(age("2026-11-25T06:50:00Z", now, "en")).toBe("5h 10m");
    expect(age("2026-11-22T08:00:00Z", now, "zh")).toBe("3天 4小时");
  });
});

describe("inputs", () => {
  it("accepts amounts as the service does and flags the rest", () => {
    expect(amountInput("")).toBeUndefined();
    expect(amountInput(" ¥1,234.5 ")).toBe("1234.5");
    expect(amountInput("12.345")).toBeNull();
    expect(amountInput("abc")).toBeNull();
    expect(percent(2875)).toBe("28.75%");
    expect(percent(5000)).toBe("50%");
  });
});

describe("a typed day", () => {
  it("reads YYYY-MM-DD (and HH:mm) whatever the system's locale, and refuses the rest", () => {
    expect(parseDay("2026-12-05")).toBe("2026-12-05");
    expect(parseDay(" 2026-12-05 ")).toBe("2026-12-05");
    expect(parseDay("")).toBe("");
    expect(parseDay("12/05/2026")).toBeNull();
    expect(parseDay("2026-02-30")).toBeNull();
    expect(parseDay("2026-12-05 18:30", true)).toBe("2026-12-05T18:30");
    expect(parseDay("2026-12-05 24:00", true)).toBeNull();
    expect(parseDay("2026-12-05", true)).toBeNull();
  });
});
