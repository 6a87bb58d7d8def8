import { describe, expect, it } from "vitest";
import { fieldChanges, fieldLabel, fieldValue } from "./audit";

describe("an audit record field by field", () => {
  it("marks the fields a decision changed and keeps the others", () => {
    const changes = fieldChanges(
      '{"id":131,"status":"pending","checker":null,"proposed_limit_fen":2000000}',
      '{"id":131,"status":"applied","checker":"officer.wang","proposed_limit_fen":2000000}',
    );
    expect(changes).toEqual([
      { field: "id", before: 131, after: 131, changed: false },
      { field: "status", before: "pending", after: "applied", changed: true },
      { field: "checker", before: null, after: "officer.wang", changed: true },
      { field: "proposed_limit_fen", before: 2000000, after: 2000000, changed: false },
    ]);
  });

  it("shows a created record's fields with nothing before and none marked", () => {
    expect(fieldChanges(null, '{"kind":"device","value":"dev-1"}')).toEqual([
      { field: "kind", before: undefined, after: "device", changed: false },
      { field: "value", before: undefined, after: "dev-1", changed: false },
    ]);
  });

  it("leaves out an alert's English sentence when its findings are kept", () => {
    const alert = '{"rule":"velocity","evidence":"6 payments in 10 min","findings":"[{\\"type\\":\\"payment_count\\",\\"count\\":6,\\"minutes\\":10,\\"on\\":\\"account\\",\\"value\\":null,\\"max\\":5}]"}';
    expect(fieldChanges(null, alert).map((c) => c.field)).toEqual(["rule", "findings"]);
    expect(fieldChanges(null, '{"evidence":"6 payments in 10 min","findings":"[]"}').map((c) => c.field)).toEqual(["evidence", "findings"]);
  });

  it("names fields and renders values in the operator's language", () => {
    expect(fieldLabel("zh", "proposed_limit_fen")).toBe("申请额度");
    expect(fieldLabel("en", "proposed_limit_fen")).toBe("Proposed limit");
    expect(fieldLabel("zh", "something_new")).toBe("something_new");
    expect(fieldValue("zh", "proposed_limit_fen", 2000000)).toBe("¥20,000.00");
    expect(fieldValue("zh", "created_at", 1793610060000)).toBe("2026-11-02 17:01");
    expect(fieldValue("zh", "status", "applied")).toBe("已生效");
    expect(fieldValue("en", "status", "applied")).toBe("Applied");
    expect(fieldValue("zh", "how", "password and TOTP")).toBe("密码与动态验证码");
    expect(fieldValue("zh", "statement", "(the customer's statement: 7 characters, on dispute 4)")).toBe("（客户陈述未记入：7 字，争议 #4）");
    expect(fieldValue("zh", "findings", '[{"type":"payment_count","count":6,"minutes":10,"on":"account","value":null,"max":5}]'))
      .toBe("10 分钟内本账户支付 6 笔（上限 5 笔）");
    expect(fieldValue("zh", "checker", null)).toBe("—");
    expect(fieldValue("zh", "note", "open")).toBe("open");
  });
});
