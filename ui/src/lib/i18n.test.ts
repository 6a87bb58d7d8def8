import { describe, expect, it } from "vitest";
import { auditAction, auditTarget, errorText, scoreValue } from "./i18n";
import type { ScoreFactor } from "./generated/types";

const line = (factor: ScoreFactor, value: string) => ({ factor, value, points: 0 });

describe("score values", () => {
  it("give a count its unit in the operator's language", () => {
    expect(scoreValue("zh", line("payment_frequency", "5"))).toBe("每月 5 笔");
    expect(scoreValue("en", line("payment_frequency", "5"))).toBe("5 a month");
    expect(scoreValue("zh", line("worst_delinquency", "0"))).toBe("0 天");
    expect(scoreValue("en", line("worst_delinquency", "1"))).toBe("1 day");
    expect(scoreValue("en", line("worst_delinquency", "45"))).toBe("45 days");
    expect(scoreValue("zh", line("months_on_book", "27"))).toBe("27 个月");
    expect(scoreValue("en", line("months_on_book", "1"))).toBe("1 month");
    expect(scoreValue("zh", line("age", "25"))).toBe("25 岁");
    expect(scoreValue("en", line("age", "25"))).toBe("25");
  });
  it("label words and leave shares as they are", () => {
    expect(scoreValue("zh", line("occupation", "office_worker"))).toBe("职员");
    expect(scoreValue("en", line("income", "from15k_to30k"))).toBe("¥15k–30k");
    expect(scoreValue("zh", line("on_time_repayment", "97.5%"))).toBe("97.5%");
  });
});

describe("an error", () => {
  it("says what its code means in the operator's language, the service's words after", () => {
    const refused = { code: "four_eyes" as const, message: "the maker of a request can never decide it" };
    expect(errorText("zh", refused)).toBe("四眼原则：发起人不能审批自己的申请\nthe maker of a request can never decide it");
    expect(errorText("en", refused)).toBe("Four eyes: the maker cannot decide it\nthe maker of a request can never decide it");
    expect(errorText("en", { code: "stale_version", message: "" })).toBe("Someone changed it since you loaded it");
  });
});

describe("the audit trail", () => {
  it("names actions and targets in the operator's language, unknown ones as their code", () => {
    expect(auditAction("zh", "blacklist.removal_request")).toBe("申请移出黑名单");
    expect(auditAction("en", "limit.approve")).toBe("Limit change approved");
    expect(auditAction("zh", "something.new")).toBe("something.new");
    expect(auditTarget("zh", "limit_change:131")).toBe("调额申请 #131");
    expect(auditTarget("en", "operator:officer.li")).toBe("Operator officer.li");
    expect(auditTarget("zh", "odd")).toBe("odd");
  });
});
