//! The walk against contexts worked out by hand, and the tally against
//! payments whose verdicts are written out.

use chrono::TimeZone;

use super::*;
use crate::blacklist::BlacklistKind;
use crate::geo::GeoPoint;
use crate::transaction::MerchantCategory;

/// 2026-11-25 14:00 China time: an afternoon.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 6, 0, 0).unwrap()
}

fn yuan(n: i64) -> Money {
    Money::yuan(n).unwrap()
}

fn purchase(minutes: i64, amount: i64, device: &str) -> Recorded {
    Recorded {
        account_id: 7,
        at: t0() + Duration::minutes(minutes),
        purchase: true,
        amount: yuan(amount),
        approved: true,
        device_id: Some(device.to_owned()),
        ip: Some("10.0.0.1".to_owned()),
        place: None,
    }
}

fn shenzhen() -> Place {
    Place {
        point: GeoPoint {
            lat: 22.5431,
            lon: 114.0579,
        },
        city: "深圳".to_owned(),
    }
}

/// Judges `r` with `rules` as the engine would, from what the walk saw.
fn judge(walk: &mut Walk, rules: &Rules, r: &Recorded) -> Judged {
    let home = shenzhen();
    let device = r.device_id.as_deref().unwrap_or("");
    let seen = walk.seen(r, &[(BlacklistKind::Device, device)], true);
    let payment = Payment {
        amount: r.amount,
        merchant: "美团",
        category: MerchantCategory::Dining,
        device_id: r.device_id.as_deref().unwrap_or(""),
        ip: "10.0.0.1".parse().unwrap(),
        place: r.place.as_ref(),
        at: r.at,
    };
    let context = Context {
        customer_id: 7,
        phone: "13800000007",
        national_id_hash: "h7",
        home: &home,
        account: seen.account,
        device: seen.device,
        ip: seen.ip,
        typical: seen.typical,
        device_seen_before: seen.device_seen_before,
        blacklist: seen.blacklist,
    };
    Judged::of(rules, &payment, &context)
}

#[test]
fn a_payment_sees_what_came_before_it_in_the_look_back_and_nothing_after() {
    let rules = Rules::builtin();
    let mut walk = Walk::new(rules.lookback_minutes(), vec![]);
    walk.seed(7, vec![10_000; 5], vec!["d1".to_owned()]);
    for minutes in [0, 2, 4] {
        walk.record(purchase(minutes, 100, "d1"));
    }
    let fourth = purchase(6, 600, "d2");
    let seen = walk.seen(&fourth, &[], true);
    assert_eq!(seen.account.len(), 3);
    assert_eq!(seen.device.len(), 0, "d2 has not paid before");
    assert_eq!(seen.ip.len(), 3);
    assert!(!seen.device_seen_before);
    let typical = seen.typical.unwrap();
    assert_eq!((typical.median, typical.purchases), (yuan(100), 8));
    walk.record(fourth);

    // Two days on, the day's attempts are out of the look-back; the typical
    // amount and the devices stay.
    let later = purchase(2 * 24 * 60, 100, "d2");
    let seen = walk.seen(&later, &[], true);
    assert_eq!(
        (seen.account.len(), seen.device.len(), seen.ip.len()),
        (0, 0, 0)
    );
    assert!(seen.device_seen_before);
    assert_eq!(seen.typical.unwrap().purchases, 9);
}

#[test]
fn the_typical_amount_reads_only_the_last_fifty_approved_purchases() {
    let mut walk = Walk::new(60, vec![]);
    // 60 seeded at ¥1, then 50 at ¥9: only the ¥9 ones remain.
    walk.seed(7, vec![100; 60], vec![]);
    for i in 0..50 {
        walk.record(purchase(i, 9, "d1"));
    }
    let mut declined = purchase(51, 5_000, "d1");
    declined.approved = false;
    walk.record(declined);
    let typical = walk
        .seen(&purchase(52, 9, "d1"), &[], true)
        .typical
        .unwrap();
    assert_eq!((typical.median, typical.purchases), (yuan(9), 50));
}

#[test]
fn a_blacklist_entry_counts_only_while_it_was_in_force() {
    let listed = Listed {
        id: 3,
        target: Target::parse(BlacklistKind::Device, "d9").unwrap(),
        exact: Some((BlacklistKind::Device, "d9".to_owned())),
        from: t0() + Duration::hours(1),
        until: Some(t0() + Duration::hours(3)),
    };
    let rules = Rules::builtin();
    let mut walk = Walk::new(rules.lookback_minutes(), vec![listed]);
    let at = |hours: i64| purchase(hours * 60, 10, "d9");
    let verdicts: Vec<Decision> = [0, 2, 4]
        .iter()
        .map(|h| judge(&mut walk, &rules, &at(*h)).decision)
        .collect();
    assert_eq!(
        verdicts,
        [Decision::Approve, Decision::Decline, Decision::Approve]
    );
}

#[test]
fn a_draft_that_allows_more_payments_in_ten_minutes_approves_the_fourth() {
    let live = Rules::builtin();
    let mut draft = Rules::builtin();
    draft.velocity.windows[0].max_count = 5;
    let mut walk = Walk::new(live.lookback_minutes(), vec![]);
    walk.seed(7, vec![10_000; 5], vec!["d1".to_owned()]);
    for minutes in [0, 2, 4] {
        walk.record(purchase(minutes, 100, "d1"));
    }
    let fourth = purchase(6, 100, "d1");
    let (l, d) = (
        judge(&mut walk, &live, &fourth),
        judge(&mut walk, &draft, &fourth),
    );
    assert_eq!(
        (l.decision, l.hits.clone(), l.alerts),
        (Decision::Review, vec![Rule::Velocity], vec![Rule::Velocity])
    );
    assert_eq!(
        (d.decision, d.hits, d.alerts),
        (Decision::Approve, vec![], vec![])
    );
}

fn verdict(decision: Decision, hits: &[Rule], alerts: &[Rule]) -> Judged {
    Judged {
        decision,
        hits: hits.to_vec(),
        alerts: alerts.to_vec(),
    }
}

#[test]
fn the_tally_counts_shifts_rules_and_labelled_outcomes() {
    use Decision::{Approve, Decline, Review};
    let velocity_review = verdict(Review, &[Rule::Velocity], &[Rule::Velocity]);
    let travel_decline = verdict(
        Decline,
        &[Rule::ImpossibleTravel],
        &[Rule::ImpossibleTravel],
    );
    let far_only = verdict(Approve, &[Rule::FarFromHome], &[]);
    let clean = verdict(Approve, &[], &[]);
    // (amount, label, live, draft)
    let payments = [
        (
            100,
            Some(Disposition::ConfirmedFraud),
            &velocity_review,
            &travel_decline,
        ),
        (
            200,
            Some(Disposition::ConfirmedFraud),
            &velocity_review,
            &clean,
        ),
        (
            300,
            Some(Disposition::FalsePositive),
            &velocity_review,
            &clean,
        ),
        (400, None, &clean, &clean),
        (500, None, &far_only, &travel_decline),
    ];
    let mut tally = Comparison::new();
    for (i, (amount, label, live, draft)) in payments.iter().enumerate() {
        tally.add(&Compared {
            transaction_id: i as i64 + 1,
            order_id: "o",
            account_id: 7,
            at: t0(),
            amount: yuan(*amount),
            label: *label,
            live,
            draft,
        });
    }
    assert_eq!(
        (tally.payments, tally.labelled, tally.amount),
        (5, 3, yuan(1_500))
    );
    let shifts: Vec<(Decision, Decision, u64, Money)> = tally
        .decisions
        .iter()
        .map(|s| (s.live, s.draft, s.payments, s.amount))
        .collect();
    assert_eq!(
        shifts,
        [
            (Approve, Approve, 1, yuan(400)),
            (Approve, Decline, 1, yuan(500)),
            (Review, Approve, 2, yuan(500)),
            (Review, Decline, 1, yuan(100)),
        ]
    );
    let rule = |r: Rule| tally.rules.iter().find(|s| s.rule == r).unwrap().clone();
    let velocity = rule(Rule::Velocity);
    assert_eq!(
        (
            velocity.live_hits,
            velocity.draft_hits,
            velocity.alerts_added,
            velocity.alerts_removed
        ),
        (3, 0, 0, 3)
    );
    let travel = rule(Rule::ImpossibleTravel);
    assert_eq!((travel.draft_alerts, travel.alerts_added), (2, 2));
    assert_eq!(rule(Rule::FarFromHome).live_hits, 1);

    let fraud = &tally.outcomes[0];
    assert_eq!(fraud.label, Disposition::ConfirmedFraud);
    assert_eq!(
        (
            fraud.payments,
            fraud.both,
            fraud.live_only,
            fraud.draft_only
        ),
        (2, 1, 1, 0)
    );
    assert_eq!(
        (fraud.live_approved, fraud.draft_approved),
        (yuan(300), yuan(200))
    );
    let false_positive = &tally.outcomes[1];
    assert_eq!((false_positive.payments, false_positive.live_only), (1, 1));
    assert_eq!(tally.outcomes[2].payments, 0);

    assert_eq!(
        (tally.live_approved, tally.draft_approved),
        (yuan(1_500), yuan(900))
    );
    assert_eq!(tally.changed, 4);
    let changed: Vec<i64> = tally
        .changed_payments
        .iter()
        .map(|c| c.transaction_id)
        .collect();
    assert_eq!(changed, [1, 2, 3, 5]);
}

#[test]
fn the_strongest_label_is_fraud_then_false_positive_then_benign() {
    use Disposition::{Benign, ConfirmedFraud, FalsePositive};
    assert_eq!(strongest(None, Benign), Benign);
    assert_eq!(strongest(Some(Benign), FalsePositive), FalsePositive);
    assert_eq!(strongest(Some(ConfirmedFraud), Benign), ConfirmedFraud);
    assert_eq!(
        strongest(Some(FalsePositive), ConfirmedFraud),
        ConfirmedFraud
    );
}

#[test]
fn an_ip_block_meets_every_payment_and_an_exact_entry_only_the_one_naming_it() {
    let listed = vec![
        Listed {
            id: 1,
            target: Target::parse(BlacklistKind::Ip, "10.0.0.0/8").unwrap(),
            exact: None,
            from: t0(),
            until: None,
        },
        Listed {
            id: 2,
            target: Target::parse(BlacklistKind::Phone, "13800000007").unwrap(),
            exact: Some((BlacklistKind::Phone, "13800000007".to_owned())),
            from: t0(),
            until: None,
        },
    ];
    let mut walk = Walk::new(60, listed);
    let payment = purchase(1, 10, "d1");
    let ids = |seen: Seen<'_>| seen.blacklist.iter().map(|(id, _)| *id).collect::<Vec<_>>();
    assert_eq!(ids(walk.seen(&payment, &[], false)), [1]);
    let named = [(BlacklistKind::Phone, "13800000007")];
    assert_eq!(ids(walk.seen(&payment, &named, false)), [1, 2]);
    let other = [(BlacklistKind::Phone, "13900000000")];
    assert_eq!(ids(walk.seen(&payment, &other, false)), [1]);
}
