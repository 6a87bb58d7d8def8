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
        RevealPii,
        ReadAudit,
        ReadMetrics,
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
                    | P::RevealPii
                    | P::ReadMetrics
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
    }
}
