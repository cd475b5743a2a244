//! A settled claim's money: the amount columns of CONTRACT.md payments.csv
//! (POLICY.md §3-§5), as the core decides them for a claim and as an
//! earlier period's payments.csv gives them back for a reversal (§8).

use rust_decimal::Decimal;

/// How a claim's total is split and who pays it. Two identities hold on a
/// row a run wrote: `total = excluded + b_selfpay + remote_prepay +
/// eligible` and `total = fund_pay + account_pay + cash_pay`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    pub total: Decimal,
    pub excluded: Decimal,
    pub b_selfpay: Decimal,
    pub remote_prepay: Decimal,
    pub eligible: Decimal,
    pub deductible_applied: Decimal,
    pub fund_pay: Decimal,
    pub cap_cut: Decimal,
    pub account_pay: Decimal,
    pub cash_pay: Decimal,
}

impl Split {
    /// Nothing paid by the insurance: the whole total is excluded and paid
    /// in cash.
    pub fn unpaid(total: Decimal) -> Split {
        Split {
            total,
            excluded: total,
            cash_pay: total,
            ..Split::default()
        }
    }

    /// Every amount negated: a reversal carries its original's money with
    /// the opposite sign (POLICY.md §8), and reading one back undoes that.
    pub fn negated(&self) -> Split {
        Split {
            total: -self.total,
            excluded: -self.excluded,
            b_selfpay: -self.b_selfpay,
            remote_prepay: -self.remote_prepay,
            eligible: -self.eligible,
            deductible_applied: -self.deductible_applied,
            fund_pay: -self.fund_pay,
            cap_cut: -self.cap_cut,
            account_pay: -self.account_pay,
            cash_pay: -self.cash_pay,
        }
    }

    /// The amounts by their payments.csv column name, in column order.
    pub fn columns(&self) -> [(&'static str, Decimal); 10] {
        [
            ("total", self.total),
            ("excluded", self.excluded),
            ("b_selfpay", self.b_selfpay),
            ("remote_prepay", self.remote_prepay),
            ("eligible", self.eligible),
            ("deductible_applied", self.deductible_applied),
            ("fund_pay", self.fund_pay),
            ("cap_cut", self.cap_cut),
            ("account_pay", self.account_pay),
            ("cash_pay", self.cash_pay),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::Split;
    use rust_decimal::Decimal;

    #[test]
    fn unpaid_is_all_cash_and_negation_undoes_itself() {
        let s = Split::unpaid(Decimal::new(12345, 2));
        assert_eq!((s.excluded, s.cash_pay), (s.total, s.total));
        assert_eq!(s.fund_pay + s.account_pay + s.cash_pay, s.total);
        assert_eq!(s.negated().negated(), s);
        assert_eq!(s.negated().columns()[0], ("total", Decimal::new(-12345, 2)));
    }
}
