//! What the ledger allows a payment and a line: a refund only of a settled
//! purchase and never more than it, a repayment of at most what is owed,
//! settling or reversing only an authorized payment. The store asks these
//! inside the write's transaction, with the rows it locked.

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// Why the ledger refused a write.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerRefusal {
    #[error("account not found")]
    NoAccount,
    #[error("payment not found")]
    NoPayment,
    #[error(
        "the payment is {status}; only a settled payment can be refunded{}",
        if status == "authorized" { " (reverse it instead)" } else { "" }
    )]
    NotSettled { status: String },
    #[error(
        "{} more would refund {} of a {} payment ({} refunded already)",
        .refund.display_cny(),
        .total.display_cny(),
        .payment.display_cny(),
        .refunded.display_cny()
    )]
    OverRefund {
        refund: Money,
        /// What would have been refunded in all.
        total: Money,
        payment: Money,
        refunded: Money,
    },
    #[error(
        "{} is more than the outstanding {}",
        .amount.display_cny(),
        .owed.display_cny()
    )]
    OverRepay { amount: Money, owed: Money },
    #[error("the payment is {status}; only an authorized payment can be {to}")]
    NotAuthorized { status: String, to: String },
}

impl LedgerRefusal {
    /// Whether the refusal is about an amount (else about a state).
    pub fn is_amount(&self) -> bool {
        matches!(
            self,
            LedgerRefusal::OverRefund { .. } | LedgerRefusal::OverRepay { .. }
        )
    }
}

/// A refund of `refund` on a purchase of `payment` in `status`, of which
/// `refunded` was refunded already.
pub fn may_refund(
    status: &str,
    payment: Money,
    refunded: Money,
    refund: Money,
) -> Result<(), LedgerRefusal> {
    if status != "settled" {
        return Err(LedgerRefusal::NotSettled {
            status: status.to_owned(),
        });
    }
    match refunded.checked_add(refund) {
        Ok(total) if total <= payment => Ok(()),
        total => Err(LedgerRefusal::OverRefund {
            refund,
            total: total.unwrap_or(refund),
            payment,
            refunded,
        }),
    }
}

/// A repayment of `amount` on a line that owes `owed`.
pub fn may_repay(amount: Money, owed: Money) -> Result<(), LedgerRefusal> {
    if amount > owed {
        return Err(LedgerRefusal::OverRepay { amount, owed });
    }
    Ok(())
}

/// Settling or reversing (`to`) a payment in `status`; `Ok(true)` when it
/// is there already (again is a no-op).
pub fn may_move(status: &str, to: &str) -> Result<bool, LedgerRefusal> {
    match status {
        s if s == to => Ok(true),
        "authorized" => Ok(false),
        _ => Err(LedgerRefusal::NotAuthorized {
            status: status.to_owned(),
            to: to.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(fen: i64) -> Money {
        Money::from_fen(fen).unwrap()
    }

    #[test]
    fn refunds_stop_at_the_payment() {
        assert_eq!(may_refund("settled", y(10_000), y(4_000), y(6_000)), Ok(()));
        let over = may_refund("settled", y(10_000), y(4_000), y(6_001)).unwrap_err();
        assert_eq!(
            over.to_string(),
            "¥60.01 more would refund ¥100.01 of a ¥100.00 payment (¥40.00 refunded already)"
        );
        assert!(over.is_amount());
        assert_eq!(
            may_refund("authorized", y(100), y(0), y(1))
                .unwrap_err()
                .to_string(),
            "the payment is authorized; only a settled payment can be refunded (reverse it instead)"
        );
    }

    #[test]
    fn repayments_stop_at_what_is_owed_and_only_authorized_payments_move() {
        assert_eq!(may_repay(y(500), y(500)), Ok(()));
        assert_eq!(
            may_repay(y(501), y(500)).unwrap_err().to_string(),
            "¥5.01 is more than the outstanding ¥5.00"
        );
        assert_eq!(may_move("authorized", "settled"), Ok(false));
        assert_eq!(may_move("settled", "settled"), Ok(true));
        assert_eq!(
            may_move("reversed", "settled").unwrap_err().to_string(),
            "the payment is reversed; only an authorized payment can be settled"
        );
    }
}
