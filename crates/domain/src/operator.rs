//! Operators, their roles and what each role may do.
//!
//! The permission matrix below is the single source of truth: the service
//! checks it on every endpoint, and `docs/permissions.md` is its table.

/// A person who works in the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operator {
    pub id: String,
    pub display_name: String,
    pub role: Role,
}

vocabulary! {
    /// An operator's role.
    pub enum Role {
        /// Works the alert queue, proposes and approves limit changes, freezes, blacklists.
        RiskOfficer,
        /// Handles customer disputes.
        CsAgent,
        /// Watches the portfolio and approves the large limit changes.
        Manager,
        /// Manages operators and reads the audit trail; sees no customer data.
        Admin,
    }
}

vocabulary! {
    /// Whether an operator can sign in.
    pub enum OperatorStatus {
        Active,
        /// Too many failed sign-ins: locked for a while.
        Locked,
        /// Disabled by an admin.
        Disabled,
    }
}

vocabulary! {
    /// Something an operator may be allowed to do.
    pub enum Permission {
        ReadAccounts,
        ReadTransactions,
        ReadAlerts,
        ReadBlacklist,
        ReadLimitChanges,
        ReadDisputes,
        TriageAlerts,
        ProposeLimitChange,
        ApproveLimitChange,
        FreezeCredit,
        ManageBlacklist,
        HandleDisputes,
        /// Decide an alert an officer escalated: the senior team's step.
        DecideEscalatedAlerts,
        /// Decide a dispute an agent escalated to the risk team.
        DecideEscalatedDisputes,
        RevealPii,
        /// See the accounts linked to one: what they share, and the ring.
        Investigate,
        ReadAudit,
        ReadMetrics,
        /// Read the fraud rules, their versions and what they did.
        ReadRules,
        /// Write a draft of the rules, backtest it, run it in shadow.
        DraftRules,
        /// Put a version of the rules live (someone else's: four eyes).
        PublishRules,
        ManageOperators,
    }
}

impl Role {
    /// The permission matrix.
    pub fn can(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::RiskOfficer => matches!(
                permission,
                P::ReadAccounts
                    | P::ReadTransactions
                    | P::ReadAlerts
                    | P::ReadBlacklist
                    | P::ReadLimitChanges
                    | P::ReadDisputes
                    | P::TriageAlerts
                    | P::ProposeLimitChange
                    | P::ApproveLimitChange
                    | P::FreezeCredit
                    | P::ManageBlacklist
                    | P::DecideEscalatedDisputes
                    | P::RevealPii
                    | P::Investigate
                    | P::ReadMetrics
                    | P::ReadRules
                    | P::DraftRules
            ),
            Role::CsAgent => matches!(
                permission,
                P::ReadAccounts
                    | P::ReadTransactions
                    | P::ReadDisputes
                    | P::HandleDisputes
                    | P::RevealPii
            ),
            Role::Manager => !matches!(permission, P::ManageOperators),
            Role::Admin => matches!(permission, P::ReadAudit | P::ManageOperators),
        }
    }
}

/// What an admin does to an operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperatorChange {
    SetRole(Role),
    Disable,
    Enable,
    ResetTotp,
}

/// Why an admin's change to an operator was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminRefusal {
    #[error("you may not change your own role, access or authenticator: another admin does")]
    OwnAccount,
    #[error("{0} is the last active admin: make another admin first")]
    LastAdmin(String),
    #[error("{0} is already {1}")]
    Unchanged(String, String),
}

/// Whether `admin` may make `change` to operator `target` (with `role`,
/// disabled or not), when `active_admins` admins are enabled in all.
/// Nobody changes their own account (their own four eyes), and the team
/// always keeps one active admin.
pub fn may_change(
    admin: &str,
    target: &str,
    role: Role,
    disabled: bool,
    change: OperatorChange,
    active_admins: usize,
) -> Result<(), AdminRefusal> {
    if admin == target {
        return Err(AdminRefusal::OwnAccount);
    }
    let last_admin = role == Role::Admin && !disabled && active_admins <= 1;
    match change {
        OperatorChange::SetRole(new) if new == role => Err(AdminRefusal::Unchanged(
            target.to_owned(),
            new.as_str().to_owned(),
        )),
        OperatorChange::SetRole(_) | OperatorChange::Disable if last_admin => {
            Err(AdminRefusal::LastAdmin(target.to_owned()))
        }
        OperatorChange::Disable if disabled => Err(AdminRefusal::Unchanged(
            target.to_owned(),
            "disabled".to_owned(),
        )),
        OperatorChange::Enable if !disabled => Err(AdminRefusal::Unchanged(
            target.to_owned(),
            "enabled".to_owned(),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    #[test]
    fn nobody_but_admin_manages_operators_and_admin_sees_no_customers() {
        for role in Role::iter() {
            assert_eq!(role.can(Permission::ManageOperators), role == Role::Admin);
        }
        assert!(!Role::Admin.can(Permission::ReadAccounts));
        assert!(!Role::CsAgent.can(Permission::ReadAlerts));
        assert!(Role::Manager.can(Permission::ApproveLimitChange));
        // An escalation goes up: alerts to managers, disputes to the risk team.
        assert!(!Role::RiskOfficer.can(Permission::DecideEscalatedAlerts));
        assert!(Role::Manager.can(Permission::DecideEscalatedAlerts));
        assert!(Role::RiskOfficer.can(Permission::DecideEscalatedDisputes));
        assert!(!Role::CsAgent.can(Permission::DecideEscalatedDisputes));
    }

    #[test]
    fn an_admin_never_changes_their_own_account_and_one_admin_stays() {
        use OperatorChange as C;
        let own = may_change("admin.wu", "admin.wu", Role::Admin, false, C::ResetTotp, 2);
        assert_eq!(own, Err(AdminRefusal::OwnAccount));
        let last = may_change("admin.wu", "admin.qin", Role::Admin, false, C::Disable, 1);
        assert_eq!(last, Err(AdminRefusal::LastAdmin("admin.qin".to_owned())));
        let demote = may_change(
            "admin.wu",
            "admin.qin",
            Role::Admin,
            false,
            C::SetRole(Role::Manager),
            1,
        );
        assert_eq!(demote, Err(AdminRefusal::LastAdmin("admin.qin".to_owned())));
        assert_eq!(
            may_change("admin.wu", "admin.qin", Role::Admin, false, C::Disable, 2),
            Ok(())
        );
        let again = may_change("admin.wu", "li", Role::RiskOfficer, true, C::Disable, 1);
        assert_eq!(
            again,
            Err(AdminRefusal::Unchanged(
                "li".to_owned(),
                "disabled".to_owned()
            ))
        );
        assert_eq!(
            may_change("admin.wu", "li", Role::RiskOfficer, true, C::Enable, 1),
            Ok(())
        );
        let same = may_change(
            "admin.wu",
            "li",
            Role::RiskOfficer,
            false,
            C::SetRole(Role::RiskOfficer),
            1,
        );
        assert_eq!(
            same,
            Err(AdminRefusal::Unchanged(
                "li".to_owned(),
                "risk_officer".to_owned()
            ))
        );
    }
}
