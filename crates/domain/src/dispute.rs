//! Customer disputes about transactions.

vocabulary! {
    /// The customer's complaint.
    pub enum DisputeReason {
        Unauthorized,
        NotReceived,
        DuplicateCharge,
        WrongAmount,
        RefundNotReceived,
    }
}

vocabulary! {
    /// Lifecycle of a dispute.
    pub enum DisputeStatus {
        Open,
        Escalated,
        ResolvedRefund,
        ResolvedRejected,
    }
}
