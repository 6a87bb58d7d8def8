//! Each rule at, just below and just above its threshold (the shipped rules
//! file), plus midnight, out-of-order and decision cases.

use chrono::TimeZone;

use super::*;
use crate::blacklist::BlacklistKind;
use crate::geo::GeoPoint;

fn place(city: &str, lat: f64, lon: f64) -> Place {
    Place {
        point: GeoPoint { lat, lon },
        city: city.to_owned(),
    }
}

fn shenzhen() -> Place {
    place("深圳", 22.5431, 114.0579)
}

fn beijing() -> Place {
    place("北京", 39.9042, 116.4074)
}

/// 2026-11-25 14:00 China time: an afternoon.
fn afternoon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap()
}

fn yuan(text: &str) -> Money {
    text.parse().unwrap()
}

/// A payment and its context, with nothing suspicious about either.
struct Case {
    rules: Rules,
    amount: Money,
    category: MerchantCategory,
    place: Option<Place>,
    at: DateTime<Utc>,
    account: Vec<Attempt>,
    device: Vec<Attempt>,
    ip: Vec<Attempt>,
    typical: Option<Typical>,
    device_seen_before: bool,
    blacklist: Vec<(i64, Target)>,
}

impl Case {
    fn new() -> Case {
        Case {
            rules: Rules::builtin(),
            amount: yuan("100.00"),
            category: MerchantCategory::Groceries,
            place: Some(shenzhen()),
            at: afternoon(),
            account: Vec::new(),
            device: Vec::new(),
            ip: Vec::new(),
            typical: Some(Typical {
                median: yuan("200.00"),
                purchases: 20,
            }),
            device_seen_before: true,
            blacklist: Vec::new(),
        }
    }

    fn hits(&self) -> Vec<RuleHit> {
        let home = shenzhen();
        let payment = Payment {
            amount: self.amount,
            merchant: "美宜佳",
            category: self.category,
            device_id: "dev-1",
            ip: "103.21.7.9".parse().unwrap(),
            place: self.place.as_ref(),
            at: self.at,
        };
        let ctx = Context {
            customer_id: 1_000_042,
            phone: "13812345678",
            national_id_hash: "ab12",
            home: &home,
            account: &self.account,
            device: &self.device,
            ip: &self.ip,
            typical: self.typical,
            device_seen_before: self.device_seen_before,
            blacklist: &self.blacklist,
        };
        evaluate(&self.rules, &payment, &ctx)
    }

    /// The evidence of `rule`, if it fired.
    fn fired(&self, rule: Rule) -> Option<String> {
        self.hits()
            .into_iter()
            .find(|h| h.rule == rule)
            .map(|h| h.evidence)
    }
}

fn attempt(minutes_before: i64, amount: &str) -> Attempt {
    Attempt {
        at: afternoon() - Duration::minutes(minutes_before),
        amount: yuan(amount),
        approved: true,
        place: None,
    }
}

#[test]
fn an_ordinary_payment_fires_nothing_and_is_approved() {
    let case = Case::new();
    assert_eq!(case.hits(), Vec::new());
    assert_eq!(decide(&case.rules, &[]), Decision::Approve);
}

#[test]
fn velocity_counts_attempts_in_the_window_ending_at_the_payment() {
    let mut case = Case::new();
    // Three payments in 10 minutes are allowed: two before and this one.
    case.account = vec![attempt(1, "10.00"), attempt(9, "10.00")];
    assert_eq!(case.fired(Rule::Velocity), None);
    case.account.push(attempt(5, "10.00"));
    assert_eq!(
        case.fired(Rule::Velocity).as_deref(),
        Some("4 payments in 10 min on the account (max 3)")
    );
    // Exactly ten minutes back is outside the window.
    case.account[2] = attempt(10, "10.00");
    assert_eq!(case.fired(Rule::Velocity), None);
    // Declined attempts still count.
    case.account[2] = Attempt {
        approved: false,
        ..attempt(3, "10.00")
    };
    assert!(case.fired(Rule::Velocity).is_some());
}

#[test]
fn velocity_sums_approved_amounts_only() {
    let mut case = Case::new();
    case.account = vec![attempt(30, "9900.00")];
    // ¥9,900 + ¥100 = ¥10,000 in 10 minutes: at the limit, fine.
    case.account[0].at = afternoon() - Duration::minutes(2);
    assert_eq!(case.fired(Rule::Velocity), None);
    case.amount = yuan("100.01");
    assert_eq!(
        case.fired(Rule::Velocity).as_deref(),
        Some("¥10,000.01 in 10 min on the account (max ¥10,000.00)")
    );
    case.account[0].approved = false;
    assert_eq!(case.fired(Rule::Velocity), None);
}

#[test]
fn velocity_watches_devices_and_ips_across_accounts() {
    let mut case = Case::new();
    case.device = (1..=4).map(|m| attempt(m * 10, "10.00")).collect();
    assert_eq!(case.fired(Rule::Velocity), None);
    case.device.push(attempt(59, "10.00"));
    assert_eq!(
        case.fired(Rule::Velocity).as_deref(),
        Some("6 payments in 1 h on device dev-1 (max 5)")
    );
    case.device.clear();
    case.ip = (1..=10).map(|m| attempt(m * 5, "10.00")).collect();
    assert_eq!(
        case.fired(Rule::Velocity).as_deref(),
        Some("11 payments in 1 h on IP 103.21.7.9 (max 10)")
    );
}

#[test]
fn a_spike_is_measured_against_the_customers_own_median() {
    let mut case = Case::new();
    // Median ¥200, at most 5 ×: ¥1,000 is exactly 5 ×.
    case.amount = yuan("1000.00");
    assert_eq!(case.fired(Rule::AmountSpike), None);
    case.amount = yuan("1000.01");
    assert_eq!(
        case.fired(Rule::AmountSpike).as_deref(),
        Some("¥1,000.01 is 5.0 × the median ¥200.00 of 20 purchases (max 5 ×)")
    );
    // Too short a history says nothing.
    case.typical = Some(Typical {
        median: yuan("200.00"),
        purchases: 4,
    });
    assert_eq!(case.fired(Rule::AmountSpike), None);
    // Small amounts never spike.
    case.typical = Some(Typical {
        median: yuan("10.00"),
        purchases: 5,
    });
    case.amount = yuan("999.99");
    assert_eq!(case.fired(Rule::AmountSpike), None);
    case.amount = yuan("1000.00");
    assert!(case.fired(Rule::AmountSpike).is_some());
}

#[test]
fn a_new_device_may_only_pay_small_amounts() {
    let mut case = Case::new();
    case.device_seen_before = false;
    case.amount = yuan("2000.00");
    assert_eq!(case.fired(Rule::NewDeviceLargeAmount), None);
    case.amount = yuan("2000.01");
    assert_eq!(
        case.fired(Rule::NewDeviceLargeAmount).as_deref(),
        Some("device dev-1 never paid on this account; ¥2,000.01 (max ¥2,000.00 on a new device)")
    );
    case.device_seen_before = true;
    assert_eq!(case.fired(Rule::NewDeviceLargeAmount), None);
}

/// `hh:mm` China time on 2026-11-25 (UTC+8).
fn china(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, hour, minute, 0).unwrap() - Duration::hours(8)
}

fn at(at: DateTime<Utc>) -> Attempt {
    Attempt {
        at,
        ..attempt(0, "10.00")
    }
}

#[test]
fn a_night_burst_is_more_than_two_night_payments_in_an_hour() {
    let mut case = Case::new();
    case.at = china(2, 30);
    case.account = vec![at(china(2, 0))];
    assert_eq!(case.fired(Rule::NightBurst), None);
    case.account.push(at(china(1, 45)));
    assert_eq!(
        case.fired(Rule::NightBurst).as_deref(),
        Some("3 payments between 00:00 and 05:00 within 1 h (max 2)")
    );
    // The same burst in the afternoon is no night burst.
    case.at = china(14, 30);
    case.account = vec![at(china(14, 0)), at(china(14, 10))];
    assert_eq!(case.fired(Rule::NightBurst), None);
}

#[test]
fn night_crosses_midnight_in_china_time() {
    let mut case = Case::new();
    // 00:10 China time is 16:10 UTC the day before.
    case.at = china(0, 10);
    case.account = vec![at(china(0, 5)), at(china(0, 10) - Duration::minutes(20))];
    // 23:50 is not night by the shipped file (00:00–05:00).
    assert_eq!(case.fired(Rule::NightBurst), None);
    // A night from 22:00 to 05:00 wraps around midnight and counts it.
    case.rules.night_burst.from_hour = 22;
    assert_eq!(
        case.fired(Rule::NightBurst).as_deref(),
        Some("3 payments between 22:00 and 05:00 within 1 h (max 2)")
    );
}

fn located(at: DateTime<Utc>, place: Place) -> Attempt {
    Attempt {
        at,
        amount: yuan("10.00"),
        approved: true,
        place: Some(place),
    }
}

#[test]
fn impossible_travel_is_faster_than_a_plane_between_two_payments() {
    let km = beijing().point.distance_km(shenzhen().point);
    // The time a plane at exactly 900 km/h needs, in seconds.
    #[allow(clippy::cast_possible_truncation)]
    let plane = (km / 900.0 * 3_600.0) as i64;
    let mut case = Case::new();
    case.account = vec![located(
        afternoon() - Duration::seconds(plane + 1),
        beijing(),
    )];
    assert_eq!(case.fired(Rule::ImpossibleTravel), None);
    case.account[0].at = afternoon() - Duration::seconds(plane - 1);
    let evidence = case.fired(Rule::ImpossibleTravel).unwrap();
    assert!(
        evidence.starts_with("北京 → 深圳: 1,943 km in 130 min = 900 km/h"),
        "{evidence}"
    );
    case.account[0].at = afternoon() - Duration::minutes(14);
    assert_eq!(
        case.fired(Rule::ImpossibleTravel).as_deref(),
        Some("北京 → 深圳: 1,943 km in 14 min = 8,328 km/h (max 900 km/h)")
    );
    // The same as values, for each reader to render in their language.
    let hit = case
        .hits()
        .into_iter()
        .find(|h| h.rule == Rule::ImpossibleTravel)
        .unwrap();
    assert_eq!(
        hit.findings,
        [crate::evidence::Finding::Travel {
            from: "北京".to_owned(),
            to: "深圳".to_owned(),
            km: 1_943,
            seconds: 840,
            speed_kmh: Some(8_328),
            max_kmh: 900,
        }]
    );
}

#[test]
fn nearby_places_are_location_noise_not_travel() {
    let mut case = Case::new();
    // Dongguan is about 50 km from Shenzhen's centre: within the noise.
    let near = place("东莞", 22.9, 113.85);
    assert!(shenzhen().point.distance_km(near.point) < 50.0);
    case.account = vec![located(afternoon(), near)];
    assert_eq!(case.fired(Rule::ImpossibleTravel), None);
}

#[test]
fn a_late_event_is_checked_against_the_payment_after_it() {
    let mut case = Case::new();
    // The Beijing payment 10 minutes later arrived first.
    case.account = vec![located(afternoon() + Duration::minutes(10), beijing())];
    assert_eq!(
        case.fired(Rule::ImpossibleTravel).as_deref(),
        Some("深圳 → 北京: 1,943 km in 10 min = 11,659 km/h (max 900 km/h)")
    );
    // Two payments at the same moment in two cities.
    case.account[0].at = afternoon();
    assert_eq!(
        case.fired(Rule::ImpossibleTravel).as_deref(),
        Some("北京 → 深圳: 1,943 km in 0 s at the same moment (max 900 km/h)")
    );
    // Without a location the rule has nothing to say.
    case.place = None;
    assert_eq!(case.fired(Rule::ImpossibleTravel), None);
}

/// A point `km` due north of Shenzhen: along a meridian the haversine
/// distance is the arc itself.
fn north_of_shenzhen(km: f64) -> Place {
    let home = shenzhen();
    place(
        "北方",
        home.point.lat + (km / 6_371.0).to_degrees(),
        home.point.lon,
    )
}

#[test]
fn far_from_home_is_over_500_km_from_the_home_city() {
    let mut case = Case::new();
    case.place = Some(north_of_shenzhen(499.9));
    assert_eq!(case.fired(Rule::FarFromHome), None);
    case.place = Some(north_of_shenzhen(500.1));
    assert_eq!(
        case.fired(Rule::FarFromHome).as_deref(),
        Some("500 km from home (深圳) in 北方 (max 500 km)")
    );
}

#[test]
fn a_rule_switched_off_never_fires_and_the_others_still_do() {
    let mut case = Case::new();
    case.place = Some(north_of_shenzhen(900.0));
    case.amount = yuan("2500.00");
    case.device_seen_before = false;
    let fired = |case: &Case| case.hits().into_iter().map(|h| h.rule).collect::<Vec<_>>();
    assert_eq!(
        fired(&case),
        [
            Rule::AmountSpike,
            Rule::NewDeviceLargeAmount,
            Rule::FarFromHome
        ]
    );
    case.rules.far_from_home.enabled = false;
    assert_eq!(
        fired(&case),
        [Rule::AmountSpike, Rule::NewDeviceLargeAmount]
    );
}

#[test]
fn every_blacklist_kind_fires_with_its_entry() {
    let entries = [
        (BlacklistKind::Customer, "1000042"),
        (BlacklistKind::Phone, "13812345678"),
        (BlacklistKind::NationalIdHash, "ab12"),
        (BlacklistKind::Device, "dev-1"),
        (BlacklistKind::Ip, "103.21.0.0/16"),
        (BlacklistKind::Merchant, "美宜佳"),
        (BlacklistKind::GeoArea, "city:深圳"),
        (BlacklistKind::GeoArea, "22.55,114.06,2km"),
    ];
    for (i, (kind, value)) in (1..).zip(entries) {
        let mut case = Case::new();
        case.blacklist = vec![(i, Target::parse(kind, value).unwrap())];
        let evidence = case.fired(Rule::BlacklistHit).unwrap_or_default();
        assert!(
            evidence.ends_with(&format!("(entry #{i})")),
            "{kind:?}: {evidence}"
        );
        assert_eq!(decide(&case.rules, &case.hits()), Decision::Decline);
        // The same kind naming something else does not fire.
        let other = Target::parse(kind, "13800000000").or_else(|_| Target::parse(kind, "1.2.3.4"));
        let other = other.unwrap_or_else(|_| Target::parse(kind, "city:北京").unwrap());
        case.blacklist = vec![(i, other)];
        assert_eq!(case.fired(Rule::BlacklistHit), None, "{kind:?}");
    }
}

#[test]
fn risky_merchants_fire_above_their_amount() {
    let mut case = Case::new();
    case.category = MerchantCategory::VirtualGoods;
    case.amount = yuan("500.00");
    assert_eq!(case.fired(Rule::RiskyMerchant), None);
    case.amount = yuan("500.01");
    assert_eq!(
        case.fired(Rule::RiskyMerchant).as_deref(),
        Some("Virtual goods at 美宜佳: ¥500.01 (max ¥500.00)")
    );
    case.category = MerchantCategory::Groceries;
    assert_eq!(case.fired(Rule::RiskyMerchant), None);
}

#[test]
fn frequent_large_spending_freezes_part_of_what_is_left() {
    let mut case = Case::new();
    case.typical = None;
    case.account = vec![attempt(600, "3000.01")];
    case.amount = yuan("3000.01");
    assert_eq!(case.fired(Rule::FrequentLargeSpending), None);
    case.account.push(attempt(1_439, "5000.00"));
    let hits = case.hits();
    assert_eq!(
        case.fired(Rule::FrequentLargeSpending).as_deref(),
        Some(
            "3 payments over ¥3,000.00 in 24 h (max 2); 50% of the available limit frozen for 24 h"
        )
    );
    // A payment of exactly the large amount is not large.
    case.amount = yuan("3000.00");
    assert_eq!(case.fired(Rule::FrequentLargeSpending), None);
    // Declined attempts were not spent.
    case.amount = yuan("3000.01");
    case.account[1].approved = false;
    assert_eq!(case.fired(Rule::FrequentLargeSpending), None);

    let rules = Rules::builtin();
    let freeze = freeze_for(
        &rules,
        &hits,
        Decision::Review,
        yuan("1000.01"),
        afternoon(),
    );
    assert_eq!(
        freeze,
        Some(Freeze {
            amount: yuan("500.00"),
            until: afternoon() + Duration::hours(24),
        })
    );
    assert_eq!(
        freeze_for(
            &rules,
            &hits,
            Decision::Decline,
            yuan("1000.00"),
            afternoon()
        ),
        None
    );
    assert_eq!(
        freeze_for(&rules, &[], Decision::Approve, yuan("1000.00"), afternoon()),
        None
    );
    assert_eq!(
        freeze_for(&rules, &hits, Decision::Approve, Money::ZERO, afternoon()),
        None
    );
}

#[test]
fn the_decision_follows_the_sum_of_weights() {
    let rules = Rules::builtin();
    let hit = |rule| RuleHit {
        rule,
        evidence: String::new(),
        findings: Vec::new(),
    };
    // far from home 15 < review at 30.
    assert_eq!(decide(&rules, &[hit(Rule::FarFromHome)]), Decision::Approve);
    // 15 + 20 = 35: review.
    assert_eq!(
        decide(&rules, &[hit(Rule::FarFromHome), hit(Rule::RiskyMerchant)]),
        Decision::Review
    );
    // 30 = review_at exactly: review.
    assert_eq!(decide(&rules, &[hit(Rule::NightBurst)]), Decision::Review);
    // 80 = decline_at exactly: decline.
    assert_eq!(
        decide(&rules, &[hit(Rule::ImpossibleTravel)]),
        Decision::Decline
    );
}

#[test]
fn evidence_numbers_are_grouped() {
    for (value, text) in [
        (0.4, "0"),
        (999.0, "999"),
        (1_180.2, "1,180"),
        (5_057.0, "5,057"),
        (1_234_567.0, "1,234,567"),
    ] {
        assert_eq!(grouped(value), text);
    }
}

#[test]
fn a_good_busy_line_is_proposed_higher_and_a_poor_one_lower() {
    let rules = Rules::builtin();
    let line = |limit: &str, used: &str, grade, dpd, worst| LineReview {
        limit: yuan(limit),
        used: yuan(used),
        grade,
        days_past_due: dpd,
        max_dpd_12m: worst,
    };
    let proposed = |l: &LineReview| review_limit(&rules, l).map(|p| (p.proposed, p.reason));
    use crate::account::Grade::*;
    use crate::limit_change::LimitChangeReason::*;
    // 70% used is busy enough; 69.99% is not.
    assert_eq!(
        proposed(&line("10000.00", "7000.00", A, 0, 0)),
        Some((yuan("12000.00"), HighUtilisation))
    );
    assert_eq!(proposed(&line("10000.00", "6999.99", A, 0, 0)), None);
    assert_eq!(proposed(&line("10000.00", "9000.00", C, 0, 0)), None);
    // Any delinquency in twelve months stops an increase.
    assert_eq!(proposed(&line("10000.00", "9000.00", B, 0, 3)), None);
    // Whole hundreds, and never above the largest line.
    assert_eq!(
        proposed(&line("12345.00", "9000.00", B, 0, 0)),
        Some((yuan("14800.00"), HighUtilisation))
    );
    assert_eq!(
        proposed(&line("45000.00", "40000.00", A, 0, 0)),
        Some((yuan("50000.00"), HighUtilisation))
    );
    assert_eq!(proposed(&line("50000.00", "40000.00", A, 0, 0)), None);
    // 30 days past due is the most tolerated; 31 cuts the line by 30%…
    assert_eq!(proposed(&line("10000.00", "1000.00", C, 30, 30)), None);
    assert_eq!(
        proposed(&line("10000.00", "1000.00", C, 31, 31)),
        Some((yuan("7000.00"), RisingDelinquency))
    );
    // …but never below what is used (rounded up to a hundred).
    assert_eq!(
        proposed(&line("10000.00", "8000.01", E, 0, 0)),
        Some((yuan("8100.00"), RisingDelinquency))
    );
    assert_eq!(proposed(&line("10000.00", "9950.00", E, 0, 0)), None);
}

#[test]
fn the_median_is_the_middle_or_the_mean_of_the_middle_two() {
    assert_eq!(Typical::of(vec![]), None);
    let m = |v: Vec<i64>| Typical::of(v).map(|t| (t.median.fen(), t.purchases));
    assert_eq!(m(vec![300, 100, 200]), Some((200, 3)));
    assert_eq!(m(vec![400, 100, 200, 300]), Some((250, 4)));
}
