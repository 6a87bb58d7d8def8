//! The client through a proxy that breaks the line to the real service:
//! every read either arrives after the client's retries or fails saying what
//! happened, and a decision lands once whatever becomes of its answers.

use std::time::Duration;

use riskdesk_api::audit::AuditQuery;
use riskdesk_api::lists::AlertQuery;
use riskdesk_client::{Client, ClientConfig, ClientError, Decided};
use riskdesk_domain::alert::AlertStatus;
use riskdesk_faultproxy::{Counts, Fault, FaultProxy};
use riskdesk_server::http;
use serde_json::{Value, json};

use super::{free_port, open_alert, sign_in_request, state};

/// The service on a port of its own, a proxy in front of it, and a client
/// signed in as `operator` through the proxy (with `config`'s timeout and
/// attempts).
async fn behind_a_proxy(
    operator: &str,
    config: impl Fn(String) -> ClientConfig,
) -> (FaultProxy, Client) {
    let (listener, addr) = free_port().await;
    tokio::spawn(http::serve(listener, state().await, std::future::pending()));
    let proxy = FaultProxy::start(addr.parse().unwrap()).await.unwrap();
    let client = Client::new(&config(proxy.url())).unwrap();
    let token = client
        .sign_in(&sign_in_request(operator, None))
        .await
        .unwrap()
        .token;
    (proxy, client.signed_in(&token))
}

#[tokio::test]
async fn reads_arrive_through_faults_or_fail_saying_what_happened() {
    let (proxy, client) = behind_a_proxy("officer.li", ClientConfig::new).await;
    let query = AlertQuery::default();
    let taken = |counts: Counts| counts.delayed + counts.reset + counts.truncated;

    // Seconds of latency within the timeout: slow, but the answer.
    proxy
        .set(Fault::Latency(Duration::from_secs(2)))
        .await
        .unwrap();
    assert!(!client.alerts(&query).await.unwrap().items.is_empty());
    assert_eq!(proxy.counts().delayed, 1);

    // One answer lost or cut off: the read's retry gets the next one.
    for fault in [Fault::ResetAnswers, Fault::TruncateAnswers] {
        let before = proxy.counts();
        proxy.set_for(fault, 1).await.unwrap();
        assert!(!client.alerts(&query).await.unwrap().items.is_empty());
        let after = proxy.counts();
        assert_eq!(taken(after), taken(before) + 1, "{fault:?} fired once");
        assert_eq!(after.passed, before.passed + 1, "the retry passed");
    }

    // Every answer lost or cut off: after its three attempts the read says so.
    for fault in [Fault::ResetAnswers, Fault::TruncateAnswers] {
        let before = taken(proxy.counts());
        proxy.set(fault).await.unwrap();
        let error = client.alerts(&query).await.unwrap_err();
        assert!(
            matches!(error, ClientError::Interrupted(_)),
            "{fault:?}: {error:?}"
        );
        assert_eq!(
            taken(proxy.counts()),
            before + 3,
            "{fault:?}: three attempts"
        );
    }

    // Down: nothing answers at the address; up again: reads work at once.
    proxy.set(Fault::Down).await.unwrap();
    let error = client.alerts(&query).await.unwrap_err();
    assert!(
        matches!(error, ClientError::Unreachable { .. }),
        "{error:?}"
    );
    proxy.set(Fault::None).await.unwrap();
    assert!(!client.alerts(&query).await.unwrap().items.is_empty());

    // Latency past the client's timeout: timed out, without a second wait.
    let (proxy, client) = behind_a_proxy("officer.li", |url| ClientConfig {
        timeout: Duration::from_secs(1),
        ..ClientConfig::new(url)
    })
    .await;
    proxy.set(Fault::Hold).await.unwrap();
    let error = client.alerts(&query).await.unwrap_err();
    assert!(matches!(error, ClientError::Timeout(_)), "{error:?}");
    assert_eq!(proxy.counts().delayed, 1);
}

#[tokio::test]
async fn a_decision_lands_once_whatever_becomes_of_its_answers() {
    // A manager: triage, and the audit trail to count what landed.
    let (proxy, client) = behind_a_proxy("manager.chen", ClientConfig::new).await;
    let alert = open_alert(&client).await;
    let path = format!("/v1/alerts/{}/triage", alert.id);
    let step = |version: i64, action: Value| json!({"version": version, "action": action});
    let decide = |key: &'static str, body: Value| {
        let (client, path) = (client.clone(), path.clone());
        async move {
            client
                .decide::<_, Value>(&path, key, &body)
                .await
                .map(|Decided { record, replayed }| (record["version"].as_i64().unwrap(), replayed))
        }
    };

    // The answer is lost, then cut off: the client's own retry with the key
    // gets the first answer, replayed.
    proxy.set_for(Fault::ResetAnswers, 1).await.unwrap();
    let claim = step(alert.version, json!({"type": "claim"}));
    let (version, replayed) = decide("key-claim", claim).await.unwrap();
    assert!(replayed, "the retry got the first attempt's answer");
    proxy.set_for(Fault::TruncateAnswers, 1).await.unwrap();
    let release = step(version, json!({"type": "release"}));
    let (version, replayed) = decide("key-release", release).await.unwrap();
    assert!(replayed);

    // Down: nothing reached the service and the client cannot tell; the
    // same key once it is back does it, not replayed.
    proxy.set(Fault::Down).await.unwrap();
    let claim = step(version, json!({"type": "claim"}));
    let error = decide("key-claim-again", claim.clone()).await.unwrap_err();
    assert!(matches!(error, ClientError::Undecided(_)), "{error:?}");
    proxy.set(Fault::None).await.unwrap();
    let (version, replayed) = decide("key-claim-again", claim).await.unwrap();
    assert!(!replayed, "it had not arrived");

    // Every answer lost: the decision landed the first time and every retry
    // is turned away unanswered; the same key later gets that first answer.
    proxy.set(Fault::ResetAnswers).await.unwrap();
    let close = step(
        version,
        json!({"type": "close", "disposition": "false_positive"}),
    );
    let error = decide("key-close", close.clone()).await.unwrap_err();
    assert!(matches!(error, ClientError::Undecided(_)), "{error:?}");
    proxy.set(Fault::None).await.unwrap();
    let (_, replayed) = decide("key-close", close).await.unwrap();
    assert!(replayed, "it had landed");

    // The trail holds each step once.
    let trail = client
        .audit(&AuditQuery {
            actor: Some("manager.chen".to_owned()),
            target: Some(format!("alert:{}", alert.id)),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let mut actions: Vec<&str> = trail.items.iter().map(|e| e.action.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        ["alert.claim", "alert.claim", "alert.close", "alert.release"]
    );
    let closed = client.alert(alert.id).await.unwrap();
    assert_eq!(closed.status, AlertStatus::Closed);
    assert_eq!(closed.version, alert.version + 4);
}
