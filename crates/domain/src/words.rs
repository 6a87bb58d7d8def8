//! The vocabulary in words: every code the service shows an operator (its
//! rules, statuses and kinds, the audit trail's actions and the kinds of
//! record it names) in Chinese and English. One table, read by the
//! service's CSV exports and by the charts, and generated into the
//! console's UI (`ui/src/lib/generated/words.ts`), so that a code reads the
//! same wherever it is shown.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The language an operator reads.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    fn pick(self, (zh, en): (&'static str, &'static str)) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// The words of the wire's vocabulary enums, and the few others shown by
/// name (a dispute's events …): (code, Chinese, English).
pub const WORDS: &[(&str, &str, &str)] = &[
    // Rules
    ("velocity", "交易频次", "Velocity"),
    ("amount_spike", "金额突增", "Amount spike"),
    (
        "new_device_large_amount",
        "新设备大额",
        "New device, large amount",
    ),
    ("night_burst", "夜间集中交易", "Night-time burst"),
    ("impossible_travel", "不可能的位移", "Impossible travel"),
    ("far_from_home", "远离常住地", "Far from home"),
    ("blacklist_hit", "命中黑名单", "Blacklist hit"),
    ("risky_merchant", "高风险商户", "Risky merchant"),
    (
        "frequent_large_spending",
        "频繁大额消费",
        "Frequent large spending",
    ),
    // Severities
    ("low", "低", "Low"),
    ("medium", "中", "Medium"),
    ("high", "高", "High"),
    ("critical", "严重", "Critical"),
    // Alert statuses and dispositions
    ("open", "待处理", "Open"),
    ("in_review", "审核中", "In review"),
    ("escalated", "已升级", "Escalated"),
    ("closed", "已关闭", "Closed"),
    ("confirmed_fraud", "确认欺诈", "Confirmed fraud"),
    ("false_positive", "误报", "False positive"),
    ("benign", "正常", "Benign"),
    // Account statuses
    ("active", "正常", "Active"),
    ("frozen", "已冻结", "Frozen"),
    ("written_off", "已核销", "Written off"),
    // Transactions
    ("purchase", "消费", "Purchase"),
    ("repayment", "还款", "Repayment"),
    ("refund", "退款", "Refund"),
    ("fee", "费用", "Fee"),
    ("interest", "利息", "Interest"),
    ("authorized", "已授权", "Authorized"),
    ("declined", "已拒绝", "Declined"),
    ("settled", "已结算", "Settled"),
    ("reversed", "已冲正", "Reversed"),
    ("refunded", "已退款", "Refunded"),
    ("approve", "通过", "Approve"),
    ("decline", "拒绝", "Decline"),
    // Why a payment was declined
    ("rules", "规则拒绝", "by the rules"),
    ("insufficient_limit", "额度不足", "insufficient limit"),
    ("account_not_active", "账户非正常状态", "account not active"),
    ("review", "人工审核", "Review"),
    ("in_app", "App 内", "In app"),
    ("mini_program", "小程序", "Mini program"),
    ("qr", "扫码", "QR code"),
    // Limit changes
    (
        "good_repayment_history",
        "还款记录良好",
        "Good repayment history",
    ),
    ("income_increase", "收入提高", "Income increase"),
    ("customer_request", "客户申请", "Customer request"),
    ("rising_delinquency", "逾期上升", "Rising delinquency"),
    ("fraud_suspicion", "疑似欺诈", "Fraud suspicion"),
    ("high_utilisation", "使用率过高", "High utilisation"),
    ("inactivity", "长期未使用", "Inactivity"),
    ("officer", "风控专员", "Officer"),
    ("system", "系统", "System"),
    ("pending", "待审批", "Pending"),
    ("approved", "已批准", "Approved"),
    ("rejected", "已驳回", "Rejected"),
    ("applied", "已生效", "Applied"),
    ("expired", "已过期", "Expired"),
    // Disputes
    ("unauthorized", "非本人交易", "Unauthorized"),
    ("not_received", "未收到商品", "Not received"),
    ("duplicate_charge", "重复扣款", "Duplicate charge"),
    ("wrong_amount", "金额错误", "Wrong amount"),
    ("refund_not_received", "未收到退款", "Refund not received"),
    ("resolved_refund", "已退款结案", "Resolved: refunded"),
    ("resolved_rejected", "已驳回结案", "Resolved: rejected"),
    ("refund_pending", "退款待审批", "Refund pending"),
    ("refund_proposed", "提交退款审批", "Refund proposed"),
    ("refund_rejected", "退款申请被退回", "Refund turned down"),
    ("opened", "发起", "Opened"),
    // Blacklist kinds
    ("customer", "客户", "Customer"),
    ("device", "设备", "Device"),
    ("phone", "手机号", "Phone"),
    ("national_id_hash", "身份证(哈希)", "National ID (hash)"),
    ("ip", "IP", "IP"),
    ("merchant", "商户", "Merchant"),
    ("geo_area", "地理区域", "Area"),
    // Roles
    ("risk_officer", "风控专员", "Risk officer"),
    ("cs_agent", "客服专员", "CS agent"),
    ("manager", "经理", "Manager"),
    ("admin", "管理员", "Administrator"),
    // Operator statuses
    ("locked", "已锁定", "Locked"),
    ("disabled", "已停用", "Disabled"),
    // Score factors
    ("age", "年龄", "Age"),
    ("occupation", "职业", "Occupation"),
    ("income", "收入", "Income"),
    ("payment_frequency", "支付频次", "Payment frequency"),
    ("bill_amount", "账单金额", "Bill amount"),
    ("on_time_repayment", "按时还款率", "On-time repayment"),
    ("worst_delinquency", "最长逾期", "Worst delinquency"),
    ("login_times", "登录时段", "Login times"),
    ("months_on_book", "在册月数", "Months on book"),
    // Occupations
    ("civil_servant", "公务员", "Civil servant"),
    ("professional", "专业人士", "Professional"),
    ("office_worker", "职员", "Office worker"),
    ("teacher", "教师", "Teacher"),
    ("healthcare", "医护", "Healthcare"),
    ("self_employed", "个体经营", "Self-employed"),
    ("factory_worker", "工人", "Factory worker"),
    ("service_worker", "服务业", "Service worker"),
    ("student", "学生", "Student"),
    ("freelancer", "自由职业", "Freelancer"),
    ("retired", "退休", "Retired"),
    ("unemployed", "无业", "Unemployed"),
    // Income bands and KYC levels
    ("under3k", "3千以下", "Under ¥3k"),
    ("from3k_to8k", "3千–8千", "¥3k–8k"),
    ("from8k_to15k", "8千–1.5万", "¥8k–15k"),
    ("from15k_to30k", "1.5万–3万", "¥15k–30k"),
    ("over30k", "3万以上", "Over ¥30k"),
    ("basic", "基础", "Basic"),
    ("verified", "已认证", "Verified"),
    ("enhanced", "增强", "Enhanced"),
    // Merchant categories
    ("groceries", "日用百货", "Groceries"),
    ("dining", "餐饮", "Dining"),
    ("electronics", "数码电器", "Electronics"),
    ("apparel", "服饰", "Apparel"),
    ("travel", "出行", "Travel"),
    ("education", "教育", "Education"),
    ("home", "家居", "Home"),
    ("entertainment", "娱乐", "Entertainment"),
    ("health", "医药健康", "Health"),
    ("virtual_goods", "虚拟商品", "Virtual goods"),
    ("gift_cards", "礼品卡", "Gift cards"),
    ("jewellery", "珠宝", "Jewellery"),
];

/// Every action of the audit trail ([`crate::audit::Action`]).
pub const AUDIT_ACTIONS: &[(&str, &str, &str)] = &[
    ("account.limit", "调整额度", "Limit changed"),
    ("alert.assign", "分派预警", "Alert assigned"),
    ("alert.claim", "认领预警", "Alert claimed"),
    ("alert.close", "结案预警", "Alert closed"),
    ("alert.escalate", "升级预警", "Alert escalated"),
    ("alert.next", "领取下一条预警", "Next alert taken"),
    ("alert.note", "预警备注", "Alert note"),
    ("alert.release", "退回预警", "Alert released"),
    ("blacklist.add", "加入黑名单", "Blacklisted"),
    (
        "blacklist.removal_reject",
        "驳回移出黑名单",
        "Blacklist removal rejected",
    ),
    (
        "blacklist.removal_request",
        "申请移出黑名单",
        "Blacklist removal asked",
    ),
    (
        "blacklist.remove",
        "移出黑名单",
        "Removed from the blacklist",
    ),
    (
        "case.add_members",
        "案件加入记录",
        "Records added to a case",
    ),
    ("case.assign", "移交案件", "Case handed on"),
    ("case.attach", "案件上传附件", "File attached to a case"),
    (
        "case.blacklist_shared",
        "案件拉黑共用设备与 IP",
        "Case's shared devices and IPs blacklisted",
    ),
    ("case.check", "案件清单勾选", "Case checklist item"),
    ("case.close", "结案", "Case closed"),
    (
        "case.freeze_all",
        "案件冻结全部账户",
        "Case's accounts frozen",
    ),
    ("case.note", "案件记录", "Case note"),
    ("case.open", "立案", "Case opened"),
    ("case.tag", "案件标签", "Case tagged"),
    ("dispute.escalated", "争议升级", "Dispute escalated"),
    ("dispute.open", "受理争议", "Dispute opened"),
    ("dispute.refund_proposed", "提议退款", "Refund proposed"),
    ("dispute.refund_rejected", "驳回退款", "Refund rejected"),
    ("dispute.refunded", "已退款", "Refunded"),
    ("dispute.rejected", "驳回争议", "Dispute rejected"),
    ("export.alerts", "导出预警", "Alerts exported"),
    ("export.audit", "导出审计记录", "Audit trail exported"),
    ("export.disputes", "导出争议", "Disputes exported"),
    ("export.transactions", "导出交易", "Transactions exported"),
    ("freeze.place", "冻结额度", "Credit frozen"),
    ("freeze.release", "解冻额度", "Freeze released"),
    ("limit.approve", "批准调额", "Limit change approved"),
    ("limit.decrease", "降低额度", "Limit decreased"),
    ("limit.propose", "申请调额", "Limit change proposed"),
    ("limit.reject", "驳回调额", "Limit change rejected"),
    ("operator.add", "新增操作员", "Operator added"),
    ("operator.disable", "停用操作员", "Operator disabled"),
    ("operator.enable", "启用操作员", "Operator enabled"),
    (
        "operator.own_password",
        "修改本人密码",
        "Own password changed",
    ),
    (
        "operator.reset_totp",
        "重置动态验证码",
        "Authenticator reset",
    ),
    ("operator.role", "变更角色", "Role changed"),
    ("pii.reveal", "查看敏感信息", "Personal data revealed"),
    ("rules.draft", "保存规则草稿", "Rules drafted"),
    ("rules.publish", "发布规则", "Rules published"),
    ("rules.shadow", "规则影子运行", "Rules run in shadow"),
    ("service_client.add", "新增服务密钥", "Service key added"),
    (
        "service_client.revoke",
        "吊销服务密钥",
        "Service key revoked",
    ),
    ("session.end", "结束会话", "Session ended"),
    ("session.sign_in", "登录", "Signed in"),
    ("session.sign_in_failed", "登录失败", "Sign-in failed"),
    ("session.sign_out", "退出登录", "Signed out"),
    (
        "session.step_up_failed",
        "动态验证码校验失败",
        "Step-up code failed",
    ),
];

/// The kinds of record an audit entry's target names (`kind:id`).
pub const RECORD_KINDS: &[(&str, &str, &str)] = &[
    ("account", "账户", "Account"),
    ("alert", "预警", "Alert"),
    ("blacklist", "黑名单条目", "Blacklist entry"),
    ("case", "案件", "Case"),
    ("export", "导出", "Export"),
    ("dispute", "争议", "Dispute"),
    ("freeze", "冻结", "Freeze"),
    ("limit_change", "调额申请", "Limit change"),
    ("operator", "操作员", "Operator"),
    ("rule_set", "规则版本", "Rule set"),
    ("service_client", "服务密钥", "Service key"),
];

type Index = LazyLock<HashMap<&'static str, (&'static str, &'static str)>>;

fn index(
    table: &'static [(&'static str, &'static str, &'static str)],
) -> HashMap<&'static str, (&'static str, &'static str)> {
    table
        .iter()
        .map(|&(code, zh, en)| (code, (zh, en)))
        .collect()
}

static BY_WORD: Index = LazyLock::new(|| index(WORDS));
static BY_ACTION: Index = LazyLock::new(|| index(AUDIT_ACTIONS));
static BY_KIND: Index = LazyLock::new(|| index(RECORD_KINDS));

/// A vocabulary word in `lang`; an unknown code is itself.
pub fn word(lang: Lang, code: &str) -> &str {
    BY_WORD.get(code).map_or(code, |&w| lang.pick(w))
}

/// An audit action in `lang`; an unknown one is its code.
pub fn action(lang: Lang, code: &str) -> &str {
    BY_ACTION.get(code).map_or(code, |&w| lang.pick(w))
}

/// An audit target, `alert:42`, as `预警 #42`; an operator by their id.
pub fn target(lang: Lang, target: &str) -> String {
    let Some((kind, id)) = target.split_once(':') else {
        return target.to_owned();
    };
    let Some(&words) = BY_KIND.get(kind) else {
        return target.to_owned();
    };
    let id = if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        format!("#{id}")
    } else {
        id.to_owned()
    };
    format!("{} {id}", lang.pick(words))
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    /// The codes of every value of a vocabulary enum.
    fn codes<E: IntoEnumIterator + Into<&'static str>>() -> Vec<&'static str> {
        E::iter().map(Into::into).collect()
    }

    #[test]
    fn every_word_of_the_wire_and_every_audit_action_has_its_words() {
        use crate::{account, alert, blacklist, customer, dispute, limit_change, operator};
        use crate::{scoring, transaction};
        let wire = [
            codes::<account::AccountStatus>(),
            codes::<alert::AlertStatus>(),
            codes::<alert::Disposition>(),
            codes::<alert::Rule>(),
            codes::<alert::Severity>(),
            codes::<blacklist::BlacklistKind>(),
            codes::<customer::IncomeBand>(),
            codes::<customer::KycLevel>(),
            codes::<customer::Occupation>(),
            codes::<dispute::DisputeReason>(),
            codes::<dispute::DisputeStatus>(),
            codes::<limit_change::ApprovalTier>(),
            codes::<limit_change::LimitChangeReason>(),
            codes::<limit_change::LimitChangeSource>(),
            codes::<limit_change::LimitChangeStatus>(),
            codes::<operator::OperatorStatus>(),
            codes::<operator::Role>(),
            codes::<scoring::ScoreFactor>(),
            codes::<transaction::Channel>(),
            codes::<transaction::Decision>(),
            codes::<transaction::DeclineReason>(),
            codes::<transaction::MerchantCategory>(),
            codes::<transaction::TxKind>(),
            codes::<transaction::TxStatus>(),
        ];
        let missing: Vec<_> = wire
            .concat()
            .into_iter()
            .filter(|c| !BY_WORD.contains_key(c))
            .collect();
        assert!(missing.is_empty(), "without words: {missing:?}");
        let missing: Vec<_> = codes::<crate::audit::Action>()
            .into_iter()
            .filter(|c| !BY_ACTION.contains_key(c))
            .collect();
        assert!(
            missing.is_empty(),
            "audit actions without words: {missing:?}"
        );
    }

    #[test]
    fn a_code_reads_in_each_language_and_an_unknown_one_as_itself() {
        assert_eq!(word(Lang::Zh, "impossible_travel"), "不可能的位移");
        assert_eq!(word(Lang::En, "impossible_travel"), "Impossible travel");
        assert_eq!(word(Lang::Zh, "no_such_word"), "no_such_word");
        assert_eq!(action(Lang::Zh, "limit.approve"), "批准调额");
        assert_eq!(action(Lang::En, "limit.approve"), "Limit change approved");
        assert_eq!(target(Lang::Zh, "limit_change:131"), "调额申请 #131");
        assert_eq!(
            target(Lang::En, "operator:officer.li"),
            "Operator officer.li"
        );
        assert_eq!(target(Lang::Zh, "something:1"), "something:1");
        assert_eq!(target(Lang::Zh, "export"), "export");
    }

    #[test]
    fn codes_are_unique_in_each_table() {
        for table in [WORDS, AUDIT_ACTIONS, RECORD_KINDS] {
            let mut codes: Vec<_> = table.iter().map(|(code, _, _)| *code).collect();
            codes.sort_unstable();
            let before = codes.len();
            codes.dedup();
            assert_eq!(codes.len(), before, "a code listed twice");
        }
    }
}
