// The rules as the Rules screen shows and edits them: each section's fields
// in the file's own names, with their units, read and written by path, and
// compared with the live rules.

import type { RuleSetStatus, Rules } from "./generated/types";
import type { WordKey } from "./i18n";

/** A field's place in the rules: `["velocity", "windows", 0, "minutes"]`. */
export type FieldPath = (string | number)[];

/** A section of the rules and the fields the screen shows of it. */
export type Section = { key: keyof Rules; title: WordKey | string; fields: FieldPath[] };

const ruleFields = (key: keyof Rules, ...fields: string[]): FieldPath[] =>
  ["enabled", "weight", ...fields].map((f) => [key, f]);

/** The sections in the order of the engine's rules; the velocity windows
 *  come from the rules themselves (there may be any number of them). */
export function sections(rules: Rules): Section[] {
  const windows = rules.velocity.windows.flatMap((_, i) =>
    ["minutes", "max_count", "max_amount"].map((f) => ["velocity", "windows", i, f]),
  );
  return [
    { key: "decision", title: "sectionDecision", fields: [["decision", "review_at"], ["decision", "decline_at"]] },
    { key: "alerts", title: "sectionAlerts", fields: [["alerts", "min_weight"], ["alerts", "dedup_minutes"]] },
    { key: "velocity", title: "velocity", fields: [...ruleFields("velocity"), ...windows] },
    { key: "amount_spike", title: "amount_spike", fields: ruleFields("amount_spike", "max_multiple", "min_history", "ignore_below") },
    { key: "new_device", title: "new_device_large_amount", fields: ruleFields("new_device", "max_amount") },
    { key: "night_burst", title: "night_burst", fields: ruleFields("night_burst", "from_hour", "to_hour", "minutes", "max_count") },
    { key: "impossible_travel", title: "impossible_travel", fields: ruleFields("impossible_travel", "max_speed_kmh", "ignore_within_km") },
    { key: "far_from_home", title: "far_from_home", fields: ruleFields("far_from_home", "max_distance_km") },
    { key: "blacklist", title: "blacklist_hit", fields: ruleFields("blacklist") },
    { key: "risky_merchant", title: "risky_merchant", fields: ruleFields("risky_merchant", "max_amount") },
    {
      key: "frequent_large_spending",
      title: "frequent_large_spending",
      fields: ruleFields("frequent_large_spending", "large_amount", "minutes", "max_count", "freeze_percent", "freeze_hours"),
    },
  ];
}

/** The value at `path`. */
export function valueAt(rules: Rules, path: FieldPath): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)?.[key], rules);
}

/** A plain copy of `rules` (of a reactive proxy too), to edit. */
export function copyOf(rules: Rules): Rules {
  return JSON.parse(JSON.stringify(rules)) as Rules;
}

/** A copy of `rules` with `value` at `path`. */
export function withValue(rules: Rules, path: FieldPath, value: unknown): Rules {
  const copy = copyOf(rules);
  let node = copy as unknown as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]] = value;
  return copy;
}

/** The path as the service names a field: `velocity.windows[0].minutes`. */
export function fieldName(path: FieldPath): string {
  return path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
}

/** The fields of `rules` whose value is not the live one's. */
export function changedFields(rules: Rules, live: Rules): FieldPath[] {
  return sections(rules)
    .flatMap((s) => s.fields)
    .filter((path) => JSON.stringify(valueAt(rules, path)) !== JSON.stringify(valueAt(live, path)));
}

/** What a field's number is counted in. */
export type Unit = "weight" | "minutes" | "hours" | "count" | "yuan" | "times" | "kmh" | "km" | "percent" | "hour" | "flag";

export function unitOf(path: FieldPath): Unit {
  const key = String(path[path.length - 1]);
  if (key === "enabled") return "flag";
  if (key === "weight" || key.endsWith("_at") || key === "min_weight") return "weight";
  if (key.endsWith("minutes")) return "minutes";
  if (key === "freeze_hours") return "hours";
  if (key.endsWith("_hour")) return "hour";
  if (key === "max_count" || key === "min_history") return "count";
  if (key === "max_multiple") return "times";
  if (key === "max_speed_kmh") return "kmh";
  if (key.endsWith("_km")) return "km";
  if (key.endsWith("_percent")) return "percent";
  return "yuan";
}

/** Each status's word: a new status without one fails the type check. */
export const STATUS_WORD: Record<RuleSetStatus, WordKey> = {
  draft: "ruleDraft",
  shadow: "ruleShadow",
  live: "ruleLive",
  retired: "ruleRetired",
};
