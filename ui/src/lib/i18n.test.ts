import { describe, expect, it } from "vitest";
import { scoreValue } from "./i18n";
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
