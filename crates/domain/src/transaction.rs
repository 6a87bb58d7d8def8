//! Transactions on a credit line: checkout payments and everything that moves the balance.

use chrono::{DateTime, Utc};

use crate::alert::RuleHit;
use crate::geo::GeoPoint;
use crate::money::Money;

/// One movement on a credit line.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    pub id: i64,
    pub account_id: i64,
    pub kind: TxKind,
    /// The payment platform's order id; unique, and the idempotency key of a payment.
    pub order_id: String,
    pub merchant: String,
    pub category: Option<MerchantCategory>,
    pub channel: Option<Channel>,
    pub amount: Money,
    /// 1 for a single payment, else 3, 6, 12 or 24.
    pub installments: u8,
    pub device_id: Option<String>,
    pub ip: Option<String>,
    pub place: Option<Place>,
    pub status: TxStatus,
    pub decision: Option<Decision>,
    pub rule_hits: Vec<RuleHit>,
    pub occurred_at: DateTime<Utc>,
    /// Why the engine declined it, when it did.
    pub decline_reason: Option<DeclineReason>,
}

/// Where a payment was made.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub point: GeoPoint,
    pub city: String,
}

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
    /// Why a payment was declined.
    pub enum DeclineReason {
        /// The rules that fired weigh at least the decline threshold.
        Rules,
        /// The amount is more than the available limit (limit − used − frozen).
        InsufficientLimit,
        /// The account is frozen, closed or written off.
        AccountNotActive,
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
