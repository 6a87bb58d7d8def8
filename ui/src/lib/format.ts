// How numbers, amounts and times read on screen. Amounts stay decimal
// strings end to end: no float ever touches money.

import type { Lang } from "./generated/types";

/** `"1234.5"` → `"¥1,234.50"`; a negative amount keeps its sign in front. */
export function money(amount: string | null | undefined): string {
  if (amount == null || amount === "") return "—";
  const negative = amount.startsWith("-");
  const [whole, fraction = ""] = (negative ? amount.slice(1) : amount).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}¥${grouped}.${(fraction + "00").slice(0, 2)}`;
}

/** Basis points as a percentage: 2875 → `"28.75%"`. */
export function percent(basisPoints: number): string {
  return `${(basisPoints / 100).toFixed(basisPoints % 100 === 0 ? 0 : 2)}%`;
}

export const ZONE = "Asia/Shanghai";

const dateTimes = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${zone}|${withTime}`;
  let f = dateTimes.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      ...(withTime ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : {}),
    });
    dateTimes.set(key, f);
  }
  return f;
}

/** An RFC 3339 UTC time in the operator's zone: `2026-11-25 14:03`. */
export function dateTime(iso: string | null | undefined, zone = ZONE): string {
  if (!iso) return "—";
  const p = parts(formatter(zone, true), iso);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** The time of day to the second in the operator's zone: `14:03:27`. */
export function clock(ms: number, zone = ZONE): string {
  const f = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  const p = parts(f, new Date(ms).toISOString());
  return `${p.hour}:${p.minute}:${p.second}`;
}

/** The day in the operator's zone: `2026-11-25`. */
export function date(iso: string | null | undefined, zone = ZONE): string {
  if (!iso) return "—";
  const p = parts(formatter(zone, false), iso);
  return `${p.year}-${p.month}-${p.day}`;
}

// Built from parts: locales disagree on the order and separators.
function parts(f: Intl.DateTimeFormat, iso: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(iso))) out[part.type] = part.value;
  return out;
}

/** How long ago, compactly: `42m`, `5h 10m`, `3d 4h` (or 分/小时/天). */
export function age(iso: string, now: number, lang: Lang): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
  const [m, h, d] = lang === "zh" ? ["分", "小时", "天"] : ["m", "h", "d"];
  if (minutes < 60) return `${minutes}${m}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}${h}${minutes % 60 ? ` ${minutes % 60}${m}` : ""}`;
  const days = Math.floor(hours / 24);
  return `${days}${d}${hours % 24 ? ` ${hours % 24}${h}` : ""}`;
}

/** `2026-11-25` in the operator's zone → the UTC instant its day starts. */
export function dayStart(day: string, zone = ZONE): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  // Asia/Shanghai has no daylight saving: a fixed +08:00 offset.
  const offset = zone === ZONE ? "+08:00" : "Z";
  const instant = new Date(`${day}T00:00:00${offset}`);
  return Number.isNaN(instant.getTime()) ? undefined : instant.toISOString().replace(".000Z", "Z");
}

/** A decimal amount as the service accepts it, or undefined when it is not one. */
export function amountInput(text: string): string | undefined | null {
  const trimmed = text.trim().replace(/[,¥\s]/g, "");
  if (trimmed === "") return undefined;
  return /^\d{1,12}(\.\d{1,2})?$/.test(trimmed) ? trimmed : null;
}


/** A day typed as `2026-12-05` (with `withTime`, `2026-12-05 18:30`) in
 *  its ISO form (`2026-12-05`, `2026-12-05T18:30`); empty text is empty,
 *  anything that is not a real day or time is `null`. */
export function parseDay(text: string, withTime = false): string | null {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  const match = (withTime ? /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/ : /^(\d{4})-(\d{2})-(\d{2})$/).exec(trimmed);
  if (!match) return null;
  const [year, month, day, hour = 0, minute = 0] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  const realDay = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!realDay || hour > 23 || minute > 59) return null;
  return withTime ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}` : `${match[1]}-${match[2]}-${match[3]}`;
}
