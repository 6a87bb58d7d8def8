// A rule's findings in the operator's language, with the app's money and
// number formats. A record written before findings were kept has only its
// English sentence, shown as it is.

import type { Finding, Lang, RuleHit, Subject } from "./generated/types";
import { money } from "./format";
import { label } from "./i18n";

/** What a hit or an alert found, in `lang`. */
export function evidence(lang: Lang, hit: Pick<RuleHit, "evidence" | "findings">): string {
  if (hit.findings.length === 0) return hit.evidence;
  return hit.findings.map((f) => finding(lang, f)).join(lang === "zh" ? "；" : "; ");
}

/** The blacklist entry a finding names, to open it; none for other findings. */
export function listedEntry(f: Finding): { entry: number; value: string | null } | null {
  switch (f.type) {
    case "blacklisted":
      // A phone is masked here: the entry is found by its id alone.
      return { entry: f.entry, value: f.kind === "phone" ? null : f.value };
    case "blacklisted_address":
      return { entry: f.entry, value: f.net };
    case "blacklisted_city":
      return { entry: f.entry, value: f.city };
    case "blacklisted_area":
      return { entry: f.entry, value: null };
    default:
      return null;
  }
}

/** A whole number grouped by thousands: 5057 → `5,057`. */
function grouped(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** A window's length: `10 分钟`, `24 小时`; `10 min`, `24 h`. */
function span(lang: Lang, minutes: number): string {
  const hours = minutes >= 60 && minutes % 60 === 0;
  if (lang === "zh") return hours ? `${minutes / 60} 小时` : `${minutes} 分钟`;
  return hours ? `${minutes / 60} h` : `${minutes} min`;
}

/** Time between two payments: seconds under a minute, else minutes. */
function elapsed(lang: Lang, seconds: number): string {
  if (seconds < 60) return lang === "zh" ? `${seconds} 秒` : `${seconds} s`;
  const minutes = grouped(seconds / 60);
  return lang === "zh" ? `${minutes} 分钟` : `${minutes} min`;
}

/** Whose payments a window counted; in Chinese, a Latin value ends with a
 *  space so that the next word stands apart. */
function on(lang: Lang, subject: Subject, value: string | null): string {
  if (subject === "account" || value === null) return lang === "zh" ? "本账户" : "the account";
  if (lang === "zh") return subject === "device" ? `设备 ${value} ` : `IP ${value} `;
  return subject === "device" ? `device ${value}` : `IP ${value}`;
}

function hour(h: number): string {
  return `${String(h).padStart(2, "0")}:00`;
}

export function finding(lang: Lang, f: Finding): string {
  const zh = lang === "zh";
  switch (f.type) {
    case "payment_count":
      return zh
        ? `${span(lang, f.minutes)}内${on(lang, f.on, f.value)}支付 ${f.count} 笔（上限 ${f.max} 笔）`
        : `${f.count} payments in ${span(lang, f.minutes)} on ${on(lang, f.on, f.value)} (max ${f.max})`;
    case "amount_in_window":
      return zh
        ? `${span(lang, f.minutes)}内${on(lang, f.on, f.value)}支付 ${money(f.amount)}（上限 ${money(f.max)}）`
        : `${money(f.amount)} in ${span(lang, f.minutes)} on ${on(lang, f.on, f.value)} (max ${money(f.max)})`;
    case "amount_spike":
      return zh
        ? `${money(f.amount)} 是近 ${f.purchases} 笔消费中位数 ${money(f.median)} 的 ${f.multiple.toFixed(1)} 倍（上限 ${f.max_multiple} 倍）`
        : `${money(f.amount)} is ${f.multiple.toFixed(1)} × the median ${money(f.median)} of ${f.purchases} purchases (max ${f.max_multiple} ×)`;
    case "new_device":
      return zh
        ? `设备 ${f.device} 从未在本账户支付；金额 ${money(f.amount)}（新设备上限 ${money(f.max)}）`
        : `device ${f.device} never paid on this account; ${money(f.amount)} (max ${money(f.max)} on a new device)`;
    case "night_burst":
      return zh
        ? `${span(lang, f.minutes)}内 ${hour(f.from_hour)}–${hour(f.to_hour)} 支付 ${f.count} 笔（上限 ${f.max} 笔）`
        : `${f.count} payments between ${hour(f.from_hour)} and ${hour(f.to_hour)} within ${span(lang, f.minutes)} (max ${f.max})`;
    case "travel": {
      const speed = f.speed_kmh === null
        ? (zh ? "同一时刻" : "at the same moment")
        : (zh ? `时速 ${grouped(f.speed_kmh)} 公里` : `= ${grouped(f.speed_kmh)} km/h`);
      return zh
        ? `${f.from} → ${f.to}：${grouped(f.km)} 公里，相隔 ${elapsed(lang, f.seconds)}，${speed}（上限时速 ${grouped(f.max_kmh)} 公里）`
        : `${f.from} → ${f.to}: ${grouped(f.km)} km in ${elapsed(lang, f.seconds)} ${speed} (max ${grouped(f.max_kmh)} km/h)`;
    }
    case "far_from_home":
      return zh
        ? `在${f.city}支付，距常住地（${f.home}）${grouped(f.km)} 公里（上限 ${grouped(f.max_km)} 公里）`
        : `${grouped(f.km)} km from home (${f.home}) in ${f.city} (max ${grouped(f.max_km)} km)`;
    case "blacklisted": {
      const what = `${label(lang, f.kind)}${f.value ? ` ${f.value}` : ""}`;
      return zh ? `${what} 在黑名单上（条目 #${f.entry}）` : `${what} is blacklisted (entry #${f.entry})`;
    }
    case "blacklisted_address":
      return zh
        ? `IP ${f.ip} 在黑名单网段 ${f.net} 内（条目 #${f.entry}）`
        : `IP ${f.ip} is in blacklisted ${f.net} (entry #${f.entry})`;
    case "blacklisted_city":
      return zh
        ? `在黑名单地区${f.city}支付（条目 #${f.entry}）`
        : `payment in blacklisted area ${f.city} (entry #${f.entry})`;
    case "blacklisted_area":
      return zh
        ? `距黑名单区域中心 ${f.km.toFixed(1)} 公里（半径 ${f.radius_km} 公里，条目 #${f.entry}）`
        : `payment ${f.km.toFixed(1)} km from the centre of a blacklisted ${f.radius_km} km area (entry #${f.entry})`;
    case "risky_merchant":
      return zh
        ? `${label(lang, f.category)}商户 ${f.merchant}：${money(f.amount)}（上限 ${money(f.max)}）`
        : `${label(lang, f.category)} at ${f.merchant}: ${money(f.amount)} (max ${money(f.max)})`;
    case "frequent_large":
      return zh
        ? `${span(lang, f.minutes)}内超过 ${money(f.over)} 的支付 ${f.count} 笔（上限 ${f.max} 笔）；冻结可用额度的 ${f.freeze_percent}%，${f.freeze_hours} 小时`
        : `${f.count} payments over ${money(f.over)} in ${span(lang, f.minutes)} (max ${f.max}); ${f.freeze_percent}% of the available limit frozen for ${f.freeze_hours} h`;
  }
}
