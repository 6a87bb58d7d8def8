//! Money: CNY amounts with exactly two decimals.
//!
//! Amounts are `rust_decimal::Decimal` in memory, a decimal string on the wire
//! and an integer number of fen in the database. Every operation that could
//! round or overflow is checked and returns an error instead.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// Largest amount the system accepts: ¥10,000,000,000.00. Far above any credit
/// line, and small enough that the fen value always fits in an `i64`.
const MAX_FEN: i64 = 1_000_000_000_000;

/// An amount of CNY, exactly representable in fen (0.01).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

/// Why an amount was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not a decimal amount: {0:?}")]
    Malformed(String),
    #[error("more than two decimal places: {0}")]
    TooPrecise(String),
    #[error("amount out of range (at most ¥10,000,000,000.00 either way)")]
    OutOfRange,
}

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// The amount `fen / 100`.
    pub fn from_fen(fen: i64) -> Result<Money, MoneyError> {
        if !(-MAX_FEN..=MAX_FEN).contains(&fen) {
            return Err(MoneyError::OutOfRange);
        }
        Ok(Money(Decimal::new(fen, 2)))
    }

    /// The whole number of yuan, for literals in code and tests.
    pub fn yuan(yuan: i64) -> Result<Money, MoneyError> {
        Money::from_fen(yuan.checked_mul(100).ok_or(MoneyError::OutOfRange)?)
    }

    /// An exact decimal; refused if it has more than two decimals.
    pub fn from_decimal(value: Decimal) -> Result<Money, MoneyError> {
        let normalized = value.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooPrecise(value.to_string()));
        }
        let fen = normalized
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|f| i64::try_from(f).ok())
            .ok_or(MoneyError::OutOfRange)?;
        Money::from_fen(fen)
    }

    /// The amount in fen. Always exact, by construction.
    pub fn fen(self) -> i64 {
        // Construction guarantees two decimals and |fen| <= MAX_FEN.
        let scaled = self.0 * Decimal::ONE_HUNDRED;
        i64::try_from(scaled.trunc()).unwrap_or(0)
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        Money::from_fen(
            self.fen()
                .checked_add(other.fen())
                .ok_or(MoneyError::OutOfRange)?,
        )
    }

    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        Money::from_fen(
            self.fen()
                .checked_sub(other.fen())
                .ok_or(MoneyError::OutOfRange)?,
        )
    }

    /// `self` times a ratio in basis points, rounded half-even to the fen.
    /// Used for percentages of a limit (for example a 20% increase cap).
    pub fn mul_bp(self, basis_points: i64) -> Result<Money, MoneyError> {
        let fen = i128::from(self.fen()) * i128::from(basis_points);
        let rounded = Decimal::from_i128_with_scale(fen, 4)
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointNearestEven);
        Money::from_fen(i64::try_from(rounded).map_err(|_| MoneyError::OutOfRange)?)
    }

    /// `part / whole` in basis points (0–10,000 when part ≤ whole); zero for a zero whole.
    pub fn ratio_bp(part: Money, whole: Money) -> i64 {
        if whole.fen() == 0 {
            return 0;
        }
        let bp = i128::from(part.fen()) * 10_000 / i128::from(whole.fen());
        i64::try_from(bp).unwrap_or(i64::MAX)
    }

    /// `¥1,234.56`, the way operators read amounts.
    pub fn display_cny(self) -> String {
        let fen = self.fen();
        let sign = if fen < 0 { "-" } else { "" };
        let abs = fen.unsigned_abs();
        let yuan = (abs / 100).to_string();
        let mut grouped = String::with_capacity(yuan.len() + yuan.len() / 3);
        for (i, digit) in yuan.chars().enumerate() {
            if i > 0 && (yuan.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("{sign}¥{grouped}.{:02}", abs % 100)
    }
}

impl FromStr for Money {
    type Err = MoneyError;

    /// Parses a plain decimal such as `1234.5` or `-0.01`. Refuses exponents,
    /// thousands separators, currency signs, surrounding spaces and more than
    /// two decimals: an amount is never guessed.
    fn from_str(s: &str) -> Result<Money, MoneyError> {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let well_formed = !int.is_empty()
            && int.bytes().all(|b| b.is_ascii_digit())
            && frac.bytes().all(|b| b.is_ascii_digit())
            && (frac.is_empty() != digits.contains('.'));
        if !well_formed {
            return Err(MoneyError::Malformed(s.to_owned()));
        }
        if frac.len() > 2 {
            return Err(MoneyError::TooPrecise(s.to_owned()));
        }
        if int.trim_start_matches('0').len() > 12 {
            return Err(MoneyError::OutOfRange);
        }
        let value = Decimal::from_str_exact(s).map_err(|_| MoneyError::Malformed(s.to_owned()))?;
        Money::from_decimal(value)
    }
}

impl fmt::Display for Money {
    /// Always two decimals: `1234.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

/// In TypeScript, as on the wire, an amount is a decimal string.
#[cfg(feature = "ts")]
impl ts_rs::TS for Money {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
    fn inline(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }
}

/// What `Money::from_str` accepts, as the OpenAPI document states it: a
/// plain decimal of at most two places, at most ¥10,000,000,000.00 either way.
pub const PATTERN: &str = r"^-?0*(?:[0-9]{1,10}(?:\.[0-9]{1,2})?|10000000000(?:\.0{1,2})?)$";

/// In OpenAPI an amount is the decimal string `PATTERN` describes.
#[cfg(feature = "schema")]
impl utoipa::PartialSchema for Money {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .description(Some(
                "An amount in yuan: a decimal string of at most two places, never a JSON number",
            ))
            .pattern(Some(PATTERN))
            .examples(["1234.50"])
            .into()
    }
}

#[cfg(feature = "schema")]
impl utoipa::ToSchema for Money {
    fn name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }
}

/// On the wire an amount is a decimal string, never a JSON number.
impl serde::Serialize for Money {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use regex::Regex;

    use super::*;

    fn check_parse(input: &str, expect: Result<&str, MoneyError>) {
        let got = input.parse::<Money>().map(|m| m.to_string());
        assert_eq!(got, expect.map(str::to_owned), "parsing {input:?}");
    }

    #[test]
    fn parses_plain_decimals_only() {
        check_parse("0", Ok("0.00"));
        check_parse("1234.5", Ok("1234.50"));
        check_parse("-0.01", Ok("-0.01"));
        check_parse("007.10", Ok("7.10"));
        check_parse("1.005", Err(MoneyError::TooPrecise("1.005".into())));
        check_parse("1e3", Err(MoneyError::Malformed("1e3".into())));
        check_parse("1,000", Err(MoneyError::Malformed("1,000".into())));
        check_parse(" 1", Err(MoneyError::Malformed(" 1".into())));
        check_parse("1.", Err(MoneyError::Malformed("1.".into())));
        check_parse(".5", Err(MoneyError::Malformed(".5".into())));
        check_parse("", Err(MoneyError::Malformed("".into())));
        check_parse("--1", Err(MoneyError::Malformed("--1".into())));
        check_parse("10000000000.01", Err(MoneyError::OutOfRange));
        check_parse("99999999999999999999999999999", Err(MoneyError::OutOfRange));
    }

    #[test]
    fn displays_for_operators() {
        let cases = [
            (0, "¥0.00"),
            (123_456, "¥1,234.56"),
            (-100_000_000, "-¥1,000,000.00"),
        ];
        for (fen, expect) in cases {
            assert_eq!(Money::from_fen(fen).unwrap().display_cny(), expect);
        }
    }

    #[test]
    fn basis_points_round_half_even() {
        let m = Money::from_fen(5).unwrap();
        assert_eq!(m.mul_bp(5_000).unwrap().fen(), 2); // 2.5 fen → 2
        assert_eq!(Money::from_fen(15).unwrap().mul_bp(5_000).unwrap().fen(), 8); // 7.5 → 8
        assert_eq!(
            Money::ratio_bp(Money::yuan(25).unwrap(), Money::yuan(100).unwrap()),
            2_500
        );
        assert_eq!(Money::ratio_bp(Money::yuan(1).unwrap(), Money::ZERO), 0);
    }

    proptest! {
        /// The OpenAPI document's pattern accepts exactly what the parser does.
        #[test]
        fn the_pattern_states_the_parser(text in "-?0{0,2}[0-9]{0,12}(\\.[0-9]{0,3})?|[-0-9. e,]{0,14}") {
            let pattern = Regex::new(PATTERN).unwrap();
            prop_assert_eq!(pattern.is_match(&text), text.parse::<Money>().is_ok(), "{:?}", text);
        }

        #[test]
        fn fen_round_trips_through_text(fen in -MAX_FEN..=MAX_FEN) {
            let money = Money::from_fen(fen).unwrap();
            prop_assert_eq!(money.fen(), fen);
            prop_assert_eq!(money.to_string().parse::<Money>().unwrap(), money);
        }

        #[test]
        fn addition_is_exact_or_refused(a in -MAX_FEN..=MAX_FEN, b in -MAX_FEN..=MAX_FEN) {
            let (ma, mb) = (Money::from_fen(a).unwrap(), Money::from_fen(b).unwrap());
            match ma.checked_add(mb) {
                Ok(sum) => prop_assert_eq!(sum.fen(), a + b),
                Err(_) => prop_assert!((a + b).abs() > MAX_FEN),
            }
            match ma.checked_sub(mb) {
                Ok(diff) => prop_assert_eq!(diff.checked_add(mb).unwrap(), ma),
                Err(_) => prop_assert!((a - b).abs() > MAX_FEN),
            }
        }

        #[test]
        fn decimals_beyond_fen_are_refused(fen in -MAX_FEN..=MAX_FEN, extra in 1i64..10) {
            let value = Decimal::new(fen * 10 + extra, 3);
            prop_assert!(matches!(Money::from_decimal(value), Err(MoneyError::TooPrecise(_))));
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,24}") {
            let _ = s.parse::<Money>();
        }
    }
}
