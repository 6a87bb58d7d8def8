//! Replay: the generator's payment stream through the engine raises the
//! alert queue; replaying it again changes nothing.

use std::collections::BTreeMap;

use riskdesk_domain::rules::Rules;
use riskdesk_server::generate::{self, Params};
use riskdesk_server::replay;
use riskdesk_server::rules_in_force::RuleSet;
use riskdesk_server::store::{AlertFilter, PageRequest, Store};

use crate::support::{self, AS_OF_MS, SEED};

async fn queue_by_rule(store: &dyn Store) -> BTreeMap<String, u64> {
    let mut page = PageRequest {
        after: None,
        limit: 200,
    };
    let filter = AlertFilter {
        order: riskdesk_api::lists::AlertSort::Oldest,
        ..AlertFilter::default()
    };
    let mut by_rule = BTreeMap::new();
    loop {
        let alerts = store.alerts(&filter, &page).await.expect("alerts");
        for alert in &alerts {
            assert!(alert.transaction_id.is_some() && !alert.evidence.is_empty());
            *by_rule.entry(alert.rule.clone()).or_default() += 1;
        }
        match alerts.last() {
            Some(last) if alerts.len() == 200 => page.after = Some(vec![last.created_at, last.id]),
            _ => return by_rule,
        }
    }
}

#[tokio::test]
async fn the_generators_stream_raises_the_queue_once() {
    let store = support::sqlite().await;
    let params = Params {
        customers: 400,
        months: 6,
        seed: SEED,
        as_of_ms: AS_OF_MS,
    };
    let (_, stream) = generate::generate_history(store.as_ref(), params, |_| {})
        .await
        .expect("generating");
    assert!(stream.len() > 20, "{} events", stream.len());
    assert!(
        queue_by_rule(store.as_ref()).await.is_empty(),
        "no alerts before the replay"
    );

    // Through a JSON-lines file and back.
    let lines: String = stream
        .iter()
        .map(|e| serde_json::to_string(e).expect("JSON") + "\n")
        .collect();
    let events = replay::read_events(&lines).expect("reading");
    assert!(events == stream, "the stream reads back as it was written");

    let rules = Rules::builtin();
    let report = replay::replay(
        store.as_ref(),
        &RuleSet::unversioned(rules.clone()),
        events.clone(),
    )
    .await
    .expect("replay");
    assert_eq!(
        usize::try_from(report.authorizations).unwrap(),
        stream.len()
    );
    assert!(report.refused.is_empty(), "{:?}", report.refused);
    assert_eq!(queue_by_rule(store.as_ref()).await, report.alerts);
    for rule in [
        "blacklist_hit",
        "impossible_travel",
        "night_burst",
        "amount_spike",
    ] {
        assert!(report.alerts.contains_key(rule), "{rule}: {report:?}");
    }

    // The same stream again: every order answered as before, the queue unchanged.
    let again = replay::replay(store.as_ref(), &RuleSet::unversioned(rules.clone()), events)
        .await
        .expect("replay");
    assert_eq!(
        (&again.decisions, &again.alerts),
        (&report.decisions, &report.alerts)
    );
    assert_eq!(queue_by_rule(store.as_ref()).await, report.alerts);
}

#[test]
fn a_malformed_stream_line_is_named() {
    let text = "\n{\"type\":\"settle\",\"order_id\":\"A\",\"occurred_at\":\"2026-11-01T00:00:00Z\"}\n{\"type\":\"teleport\"}\n";
    let error = replay::read_events(text).unwrap_err().to_string();
    assert!(
        error.starts_with("line 3: unknown variant `teleport`"),
        "{error}"
    );
}
