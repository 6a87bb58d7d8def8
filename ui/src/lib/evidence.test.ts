import { describe, expect, it } from "vitest";
import { evidence, finding } from "./evidence";
import type { Finding } from "./generated/types";
import shared from "../../../crates/domain/tests/findings.json";

const travel: Finding = {
  type: "travel", from: "北京", to: "深圳", km: 1943, seconds: 840, speed_kmh: 8328, max_kmh: 900,
};
const listed: Finding = { type: "blacklisted", entry: 23, kind: "device", value: "dev-bl0020" };
const merchant: Finding = { type: "blacklisted", entry: 2, kind: "merchant", value: "金店回收" };

describe("a rule's findings", () => {
  it("read in Chinese with the app's numbers and money", () => {
    expect(finding("zh", travel)).toBe("北京 → 深圳：1,943 公里，相隔 14 分钟，时速 8,328 公里（上限时速 900 公里）");
    expect(finding("zh", { type: "amount_in_window", amount: "3001.00", minutes: 1440, on: "device", value: "dev-7", max: "3000.00" }))
      .toBe("24 小时内设备 dev-7 支付 ¥3,001.00（上限 ¥3,000.00）");
    expect(finding("zh", { type: "payment_count", count: 6, minutes: 10, on: "account", value: null, max: 5 }))
      .toBe("10 分钟内本账户支付 6 笔（上限 5 笔）");
    expect(finding("zh", { type: "blacklisted", entry: 5, kind: "national_id_hash", value: "" }))
      .toBe("身份证(哈希) 在黑名单上（条目 #5）");
    expect(evidence("zh", { evidence: "ignored", findings: [listed, merchant] }))
      .toBe("设备 dev-bl0020 在黑名单上（条目 #23）；商户 金店回收 在黑名单上（条目 #2）");
  });

  it("read in English from the same data", () => {
    expect(finding("en", travel)).toBe("北京 → 深圳: 1,943 km in 14 min = 8,328 km/h (max 900 km/h)");
    expect(evidence("en", { evidence: "ignored", findings: [listed, merchant] }))
      .toBe("Device dev-bl0020 is blacklisted (entry #23); Merchant 金店回收 is blacklisted (entry #2)");
    expect(finding("en", { type: "travel", from: "上海", to: "成都", km: 1660, seconds: 0, speed_kmh: null, max_kmh: 900 }))
      .toBe("上海 → 成都: 1,660 km in 0 s at the same moment (max 900 km/h)");
  });

  it("fall back to the sentence of a record written before findings were kept", () => {
    const old = { evidence: "device dev-bl0020 is blacklisted (entry #23)", findings: [] };
    expect(evidence("zh", old)).toBe("device dev-bl0020 is blacklisted (entry #23)");
  });
});

describe("the examples the service's renderer shares", () => {
  // The CSV exports write findings in Rust (`Finding::text`); both write these to the letter.
  const examples = shared as { finding: Finding; zh: string; en: string }[];

  it.each(examples.map((e) => [e.finding.type, e] as const))("%s reads the same", (_, e) => {
    expect(finding("zh", e.finding)).toBe(e.zh);
    expect(finding("en", e.finding)).toBe(e.en);
  });
});
