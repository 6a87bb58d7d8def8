//! Credit-limit change requests, proposed by an officer or the engine and
//! approved under the four-eyes rule.

vocabulary! {
    /// Who proposed a limit change.
    pub enum LimitChangeSource {
        Officer,
        System,
    }
}

vocabulary! {
    /// Lifecycle of a limit-change request.
    pub enum LimitChangeStatus {
        Pending,
        Approved,
        Rejected,
        Applied,
        Expired,
    }
}

vocabulary! {
    /// Why a limit change was proposed.
    pub enum LimitChangeReason {
        GoodRepaymentHistory,
        IncomeIncrease,
        CustomerRequest,
        RisingDelinquency,
        FraudSuspicion,
        HighUtilisation,
        Inactivity,
    }
}
