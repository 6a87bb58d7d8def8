// An audit entry's record before and after, field by field: what a reviewer
// reads is which fields a decision changed, named in their language. The
// stored JSON stays the record of truth (its hash is in the chain); this is
// only how it is shown.

import { evidence } from "./evidence";
import { dateTime, money } from "./format";
import { label, who } from "./i18n";
import type { Finding, Lang } from "./generated/types";

export type FieldChange = {
  field: string;
  before: unknown;
  after: unknown;
  /** Present on both sides with different values. */
  changed: boolean;
};

function parsed(json: string | null): Record<string, unknown> | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return { value: json };
  }
}

/** The fields of `before` and `after` in their order, changed ones marked;
 *  `undefined` on the side a field is absent from (a created record has no
 *  before). */
export function fieldChanges(before: string | null, after: string | null): FieldChange[] {
  const b = parsed(before);
  const a = parsed(after);
  const fields = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])];
  // An alert's English sentence repeats its findings: shown only without them.
  const found = (r: Record<string, unknown> | null) => typeof r?.findings === "string" && r.findings !== "[]";
  return fields.filter((f) => f !== "evidence" || !(found(a) || found(b))).map((field) => {
    const was = b ? b[field] : undefined;
    const is = a ? a[field] : undefined;
    return { field, before: was, after: is, changed: b !== null && a !== null && JSON.stringify(was) !== JSON.stringify(is) };
  });
}

/** The fields audit records carry (the store's rows as written), in words;
 *  one not here shows by its name. */
const fieldWords: Record<string, [string, string]> = {
  id: ["编号", "Id"],
  version: ["版本", "Version"],
  account_id: ["账户", "Account"],
  transaction_id: ["交易", "Transaction"],
  alert_id: ["预警", "Alert"],
  status: ["状态", "Status"],
  rule: ["规则", "Rule"],
  rules: ["规则配置", "Rules"],
  severity: ["严重度", "Severity"],
  severity_rank: ["严重度等级", "Severity rank"],
  disposition: ["结论", "Disposition"],
  assignee: ["处理人", "Assignee"],
  escalated_by: ["升级人", "Escalated by"],
  findings: ["证据", "Evidence"],
  evidence: ["证据原文", "Evidence (as written)"],
  note: ["备注", "Note"],
  body: ["内容", "Text"],
  author: ["作者", "Author"],
  amount_fen: ["金额", "Amount"],
  amount_min_fen: ["最小金额", "Minimum amount"],
  amount_max_fen: ["最大金额", "Maximum amount"],
  limit_fen: ["额度", "Limit"],
  current_limit_fen: ["当前额度", "Current limit"],
  proposed_limit_fen: ["申请额度", "Proposed limit"],
  refund_fen: ["退款金额", "Refund"],
  created_at: ["创建时间", "Created"],
  created_by: ["创建人", "Created by"],
  decided_at: ["决定时间", "Decided"],
  sla_due_at: ["处理时限", "Due"],
  due_at: ["到期时间", "Due"],
  expires_at: ["失效时间", "Expires"],
  lapses_at: ["自动解冻时间", "Lapses"],
  released_at: ["解冻时间", "Released"],
  released_by: ["解冻人", "Released by"],
  release_reason: ["解冻原因", "Release reason"],
  resolved_at: ["解决时间", "Resolved"],
  resolution_note: ["处理说明", "Resolution note"],
  removed_at: ["移出时间", "Removed"],
  removed_by: ["移出人", "Removed by"],
  removal_requested_at: ["申请移出时间", "Removal asked"],
  removal_requested_by: ["申请移出人", "Removal asked by"],
  removal_reason: ["移出原因", "Removal reason"],
  closed_at: ["结案时间", "Closed"],
  closed_by: ["结案人", "Closed by"],
  disabled_at: ["停用时间", "Disabled"],
  revoked_at: ["吊销时间", "Revoked"],
  published_at: ["发布时间", "Published"],
  published_by: ["发布人", "Published by"],
  last_sign_in_at: ["最近登录", "Last sign-in"],
  locked_until: ["锁定至", "Locked until"],
  reason: ["原因", "Reason"],
  source: ["来源", "Source"],
  tier: ["审批层级", "Tier"],
  maker: ["发起人", "Maker"],
  checker: ["审批人", "Checker"],
  decision_note: ["审批意见", "Decision note"],
  statement: ["客户陈述", "Statement"],
  opened_by: ["受理人", "Opened by"],
  refund_transaction_id: ["退款交易", "Refund transaction"],
  refund_tier: ["退款审批层级", "Refund tier"],
  refund_proposed_by: ["退款提议人", "Refund proposed by"],
  attachments: ["附件", "Attachments"],
  attachment: ["附件", "Attachment"],
  kind: ["类型", "Kind"],
  type: ["步骤", "Step"],
  value: ["值", "Value"],
  role: ["角色", "Role"],
  display_name: ["姓名", "Name"],
  name: ["名称", "Name"],
  failed_attempts: ["连续失败次数", "Failed attempts"],
  active_sessions: ["在线会话", "Live sessions"],
  session_ended: ["结束的会话", "Session ended"],
  how: ["方式", "How"],
  failures_in_a_row: ["连续失败次数", "Failures in a row"],
  last_attempted_id: ["最近尝试的账号", "Last operator id tried"],
  attempts_since_last_entry: ["上次记录后的尝试次数", "Attempts since the last entry"],
  field: ["字段", "Field"],
  title: ["标题", "Title"],
  owner: ["负责人", "Owner"],
  tags: ["标签", "Tags"],
  checklist: ["核查清单", "Checklist"],
  outcome: ["结论", "Outcome"],
  accounts: ["账户", "Accounts"],
  alerts: ["预警", "Alerts"],
  freezes: ["冻结", "Freezes"],
  disputes: ["争议", "Disputes"],
  actor: ["操作人", "Actor"],
  action: ["操作", "Action"],
  target: ["对象", "Target"],
  merchant: ["商户", "Merchant"],
  from: ["起始", "From"],
  to: ["截止", "To"],
  created_from: ["创建起始", "Created from"],
  created_to: ["创建截止", "Created to"],
  order: ["排序", "Order"],
  content_type: ["文件类型", "File type"],
  size_bytes: ["大小（字节）", "Size (bytes)"],
  sha256: ["SHA-256", "SHA-256"],
  based_on: ["基于版本", "Based on"],
};

/** A field of an audit record in words. */
export function fieldLabel(lang: Lang, field: string): string {
  const words = fieldWords[field];
  return words ? words[lang === "zh" ? 0 : 1] : field;
}

/** Fields whose values are words of the service's vocabulary. */
const CODED = new Set(["status", "rule", "severity", "disposition", "reason", "source", "tier", "refund_tier", "role", "kind", "field", "order", "outcome"]);

/** Fields naming who made or did something. */
const PEOPLE = new Set(["created_by", "released_by", "maker", "checker", "author", "published_by", "removed_by", "closed_by", "opened_by", "escalated_by", "assignee", "owner", "actor"]);

/** How a sign-in attempt went, as the session entries say it. */
const howWords: Record<string, [string, string]> = {
  "password and TOTP": ["密码与动态验证码", "Password and TOTP"],
  "wrong password or code": ["密码或验证码错误", "Wrong password or code"],
  "wrong password or code; locked": ["密码或验证码错误，已锁定", "Wrong password or code; locked"],
  locked: ["账号已锁定", "Locked"],
  "unknown operator": ["未知账号", "Unknown operator"],
  "by the operator": ["本人退出", "By the operator"],
};

/** A customer's statement is kept out of the trail; its entry says how long it was. */
const WITHHELD = /^\(the customer's statement: (\d+) characters, on dispute (\d+)\)$/;

/** A value of an audit record as the operator reads it: times in China
 *  time, amounts in yuan, vocabulary words and findings in their language;
 *  anything else as it was written. */
export function fieldValue(lang: Lang, field: string, value: unknown): string {
  if (value === undefined || value === null || value === "") return "—";
  if (typeof value === "boolean") return lang === "zh" ? (value ? "是" : "否") : value ? "yes" : "no";
  if (typeof value === "number") {
    if (field.endsWith("_at") || field === "locked_until") return dateTime(new Date(value).toISOString());
    if (field.endsWith("_fen")) return money((value / 100).toFixed(2));
    return String(value);
  }
  if (typeof value !== "string") return JSON.stringify(value);
  if (field === "findings") {
    try {
      const findings = JSON.parse(value) as Finding[];
      if (Array.isArray(findings) && findings.length > 0) return evidence(lang, { evidence: "", findings });
    } catch {
      // Written some other way: shown as it is.
    }
    return value;
  }
  if (field === "how") return howWords[value]?.[lang === "zh" ? 0 : 1] ?? value;
  const withheld = WITHHELD.exec(value);
  if (withheld) {
    return lang === "zh"
      ? `（客户陈述未记入：${withheld[1]} 字，争议 #${withheld[2]}）`
      : `(the customer's statement, withheld: ${withheld[1]} characters, dispute #${withheld[2]})`;
  }
  if (PEOPLE.has(field)) return who(lang, value);
  return CODED.has(field) ? label(lang, value) : value;
}
