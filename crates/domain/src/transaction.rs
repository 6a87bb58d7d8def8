//! Transactions on a credit line: checkout payments and everything that moves the balance.

vocabulary! {
    /// What a transaction does to the balance.
    pub enum TxKind {
        Purchase,
        Repayment,
        Refund,
        Fee,
        Interest,
    }
}

vocabulary! {
    /// Where in the payment platform the customer paid.
    pub enum Channel {
        /// The payment app itself.
        InApp,
        /// A mini-program inside the app.
        MiniProgram,
        /// A merchant's QR code or H5 page.
        Qr,
    }
}

vocabulary! {
    /// Lifecycle of a transaction.
    pub enum TxStatus {
        Authorized,
        Declined,
        Settled,
        Reversed,
        Refunded,
    }
}

vocabulary! {
    /// The risk engine's decision on a payment.
    pub enum Decision {
        Approve,
        Decline,
        Review,
    }
}

vocabulary! {
    /// Merchant categories, with the risky ones the rules single out.
    pub enum MerchantCategory {
        Groceries,
        Dining,
        Electronics,
        Apparel,
        Travel,
        Education,
        Home,
        Entertainment,
        Health,
        /// Game top-ups and virtual goods: the favourite cash-out route.
        VirtualGoods,
        /// Gift cards and prepaid cards.
        GiftCards,
        /// Jewellery and precious metals, easily resold.
        Jewellery,
    }
}

impl MerchantCategory {
    /// Categories where stolen credit is most easily turned into cash.
    pub fn is_risky(self) -> bool {
        matches!(
            self,
            MerchantCategory::VirtualGoods
                | MerchantCategory::GiftCards
                | MerchantCategory::Jewellery
        )
    }
}
