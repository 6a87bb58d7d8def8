//! The live event stream: the kinds of change the console is told of as
//! they happen, who may read each, and the summary of the record each
//! carries. Most follow from the audit entry their decision writes
//! ([`EventKind::of_action`]); the engine's own (an alert raised, a freeze
//! placed or lapsed) are named where it makes them.

use serde_json::{Map, Value};

use crate::operator::Permission;

/// A kind of change on the stream, by its wire name (`alert.raised`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    AlertRaised,
    AlertClaimed,
    AlertAssigned,
    AlertReleased,
    AlertEscalated,
    AlertClosed,
    LimitChangeProposed,
    LimitChangeDecided,
    FreezePlaced,
    FreezeReleased,
    FreezeLapsed,
    BlacklistAdded,
    BlacklistRemovalRequested,
    BlacklistRemovalDecided,
    DisputeOpened,
    DisputeEscalated,
    DisputeRefundProposed,
    DisputeResolved,
    RulesPublished,
}

impl EventKind {
    pub const ALL: [EventKind; 19] = [
        EventKind::AlertRaised,
        EventKind::AlertClaimed,
        EventKind::AlertAssigned,
        EventKind::AlertReleased,
        EventKind::AlertEscalated,
        EventKind::AlertClosed,
        EventKind::LimitChangeProposed,
        EventKind::LimitChangeDecided,
        EventKind::FreezePlaced,
        EventKind::FreezeReleased,
        EventKind::FreezeLapsed,
        EventKind::BlacklistAdded,
        EventKind::BlacklistRemovalRequested,
        EventKind::BlacklistRemovalDecided,
        EventKind::DisputeOpened,
        EventKind::DisputeEscalated,
        EventKind::DisputeRefundProposed,
        EventKind::DisputeResolved,
        EventKind::RulesPublished,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EventKind::AlertRaised => "alert.raised",
            EventKind::AlertClaimed => "alert.claimed",
            EventKind::AlertAssigned => "alert.assigned",
            EventKind::AlertReleased => "alert.released",
            EventKind::AlertEscalated => "alert.escalated",
            EventKind::AlertClosed => "alert.closed",
            EventKind::LimitChangeProposed => "limit_change.proposed",
            EventKind::LimitChangeDecided => "limit_change.decided",
            EventKind::FreezePlaced => "freeze.placed",
            EventKind::FreezeReleased => "freeze.released",
            EventKind::FreezeLapsed => "freeze.lapsed",
            EventKind::BlacklistAdded => "blacklist.added",
            EventKind::BlacklistRemovalRequested => "blacklist.removal_requested",
            EventKind::BlacklistRemovalDecided => "blacklist.removal_decided",
            EventKind::DisputeOpened => "dispute.opened",
            EventKind::DisputeEscalated => "dispute.escalated",
            EventKind::DisputeRefundProposed => "dispute.refund_proposed",
            EventKind::DisputeResolved => "dispute.resolved",
            EventKind::RulesPublished => "rules.published",
        }
    }

    /// The permission an operator needs to be told of it: the one that
    /// reads the record it is about.
    pub fn audience(self) -> Permission {
        use EventKind as K;
        match self {
            K::AlertRaised
            | K::AlertClaimed
            | K::AlertAssigned
            | K::AlertReleased
            | K::AlertEscalated
            | K::AlertClosed => Permission::ReadAlerts,
            K::LimitChangeProposed | K::LimitChangeDecided => Permission::ReadLimitChanges,
            K::FreezePlaced | K::FreezeReleased | K::FreezeLapsed => Permission::ReadAccounts,
            K::BlacklistAdded | K::BlacklistRemovalRequested | K::BlacklistRemovalDecided => {
                Permission::ReadBlacklist
            }
            K::DisputeOpened
            | K::DisputeEscalated
            | K::DisputeRefundProposed
            | K::DisputeResolved => Permission::ReadDisputes,
            K::RulesPublished => Permission::ReadRules,
        }
    }

    /// The event a decision's audit action makes, if it makes one.
    pub fn of_action(action: &str) -> Option<EventKind> {
        use EventKind as K;
        Some(match action {
            "alert.claim" | "alert.next" => K::AlertClaimed,
            "alert.assign" => K::AlertAssigned,
            "alert.release" => K::AlertReleased,
            "alert.escalate" => K::AlertEscalated,
            "alert.close" => K::AlertClosed,
            "limit.propose" | "limit.decrease" => K::LimitChangeProposed,
            "limit.approve" | "limit.reject" => K::LimitChangeDecided,
            "freeze.place" => K::FreezePlaced,
            "freeze.release" => K::FreezeReleased,
            "blacklist.add" => K::BlacklistAdded,
            "blacklist.removal_request" => K::BlacklistRemovalRequested,
            "blacklist.remove" | "blacklist.removal_reject" => K::BlacklistRemovalDecided,
            "dispute.open" => K::DisputeOpened,
            "dispute.escalated" => K::DisputeEscalated,
            "dispute.refund_proposed" | "dispute.refund_rejected" => K::DisputeRefundProposed,
            "dispute.refunded" | "dispute.rejected" => K::DisputeResolved,
            "rules.publish" => K::RulesPublished,
            _ => return None,
        })
    }
}

/// The fields of a record an event may carry: ids, states and who acted —
/// what a console needs to update a row in place, and never a name, a
/// phone, a national id, a note or evidence (the console reads those
/// through the API, under its own permissions).
const SUMMARY_FIELDS: [&str; 15] = [
    "id",
    "account_id",
    "transaction_id",
    "rule",
    "severity_rank",
    "status",
    "assignee",
    "escalated_by",
    "disposition",
    "kind",
    "tier",
    "source",
    "maker",
    "amount_fen",
    "version",
];

/// The summary of a record (its JSON as audited): the fields of
/// [`SUMMARY_FIELDS`] it has, when they are plain values.
pub fn summary(record: &Value) -> Value {
    let mut kept = Map::new();
    if let Value::Object(fields) = record {
        for name in SUMMARY_FIELDS {
            if let Some(value) = fields.get(name).filter(|v| !v.is_object() && !v.is_array()) {
                kept.insert(name.to_owned(), value.clone());
            }
        }
    }
    Value::Object(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_summary_keeps_ids_and_states_and_drops_personal_data() {
        let audited = json!({
            "id": 42, "account_id": 7, "status": "claimed", "assignee": "officer.li",
            "name": "张三", "phone": "13800000000", "note": "客户来电", "evidence": {"km": 1200},
            "rule": ["not", "plain"],
        });
        assert_eq!(
            summary(&audited),
            json!({"id": 42, "account_id": 7, "status": "claimed", "assignee": "officer.li"})
        );
        assert_eq!(summary(&json!("not a record")), json!({}));
    }

    #[test]
    fn every_kind_has_its_own_name() {
        let names: std::collections::HashSet<&str> =
            EventKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), EventKind::ALL.len());
        assert_eq!(EventKind::of_action("alert.note"), None);
        assert_eq!(
            EventKind::of_action("dispute.refunded"),
            Some(EventKind::DisputeResolved)
        );
    }
}
