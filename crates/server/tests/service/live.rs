//! The live event stream over a real port: each change as it commits, to
//! those whose role may read it; resumed after `Last-Event-ID`; nothing for
//! a decision that rolled back; across instances over one PostgreSQL; and
//! ended with the session.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use riskdesk_server::http::AppState;
use riskdesk_server::store::Store;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::support::{self, Service};

/// One server-sent event as read off the wire.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: String,
    pub data: Value,
}

/// A reader of `GET /v1/events`.
pub struct Stream {
    response: reqwest::Response,
    pending: String,
}

impl Stream {
    /// Opens the stream; the status and problem when it is refused.
    pub async fn open(
        client: &reqwest::Client,
        url: &str,
        token: &str,
        last_event_id: Option<&str>,
    ) -> Result<Stream, (u16, Value)> {
        let mut request = client.get(format!("{url}/v1/events")).bearer_auth(token);
        if let Some(last) = last_event_id {
            request = request.header("Last-Event-ID", last);
        }
        let response = request.send().await.expect("the stream's request");
        if response.status() != 200 {
            return Err(support::read(response).await);
        }
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(content_type, "text/event-stream");
        Ok(Stream {
            response,
            pending: String::new(),
        })
    }

    /// The next event (heartbeats skipped); `None` when the stream ended.
    /// Waits at most 10 s.
    pub async fn next(&mut self) -> Option<SseEvent> {
        tokio::time::timeout(Duration::from_secs(10), self.read())
            .await
            .expect("an event within 10 s")
    }

    async fn read(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.pending.find("\n\n") {
                let block: String = self.pending.drain(..end + 2).collect();
                let mut event = SseEvent::default();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(id) = line.strip_prefix("id: ") {
                        event.id = Some(id.to_owned());
                    } else if let Some(name) = line.strip_prefix("event: ") {
                        event.event = name.to_owned();
                    } else if let Some(text) = line.strip_prefix("data: ") {
                        data.push_str(text);
                    }
                }
                if event.event.is_empty() {
                    continue; // a heartbeat: a comment only
                }
                event.data = serde_json::from_str(&data).expect("JSON data");
                return Some(event);
            }
            let chunk = self.response.chunk().await.expect("the stream's body")?;
            self.pending
                .push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
        }
    }

    /// The next event of `kind`, passing over others.
    pub async fn next_of(&mut self, kind: &str) -> SseEvent {
        loop {
            let event = self.next().await.expect("the stream goes on");
            if event.event == kind {
                return event;
            }
        }
    }
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

/// An active account's id, as the officer lists them.
async fn some_account(service: &Service, token: &str) -> i64 {
    let (status, page) = service
        .get("/v1/accounts?status=active&limit=1", Some(token))
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"][0]["id"].as_i64().expect("an account")
}

/// A payment on `device` now, through the payment API.
async fn pay(service: &Service, key: &str, order_id: &str, account: i64, device: &str) -> Value {
    let now = chrono::DateTime::from_timestamp_millis(service.now_ms()).unwrap();
    let body = json!({
        "order_id": order_id, "account_id": account, "merchant": "美宜佳便利店",
        "category": "groceries", "amount": "12.00", "installments": 1, "channel": "qr",
        "device_id": device, "ip": "10.20.30.40", "location": null,
        "occurred_at": now.to_rfc3339(),
    });
    let (status, answer) = service
        .post("/v1/payments/authorize", Some(key), &body)
        .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// Lists `device`; its entry's id.
async fn list_device(service: &Service, token: &str, device: &str) -> i64 {
    let body = json!({"kind": "device", "value": device, "reason": "盗用设备"});
    let (status, entry, _) = service
        .write(
            "/v1/blacklist",
            token,
            &format!("live-list-{device}"),
            &body,
        )
        .await;
    assert_eq!(status, 200, "{entry}");
    entry["id"].as_i64().unwrap()
}

async fn claim(service: &Service, token: &str, alert: i64, key: &str) -> (u16, Value) {
    let (_, current) = service
        .get(&format!("/v1/alerts/{alert}"), Some(token))
        .await;
    let body = json!({"version": current["version"], "action": {"type": "claim"}});
    let path = format!("/v1/alerts/{alert}/triage");
    let (status, answer, _) = service.write(&path, token, key, &body).await;
    (status, answer)
}

#[tokio::test]
async fn a_stream_sends_each_change_as_it_commits_to_those_who_may_read_it() {
    for store in support::backends().await {
        let backend = store.backend();
        support::portfolio(store.as_ref(), 200).await;
        let key = support::service_key(store.as_ref(), "wechatpay").await;
        let service = Service::start(store).await;
        let officer = service.sign_in("officer.li").await;
        let agent = service.sign_in("agent.zhao").await;
        let admin = service.sign_in("admin.sun").await;
        let refused = Stream::open(&service.client, &service.url, &admin, None).await;
        let (status, problem) = refused.err().expect("an admin reads no records");
        assert_eq!((status, code(&problem)), (403, "forbidden"), "{problem}");

        let mut officers = Stream::open(&service.client, &service.url, &officer, None)
            .await
            .expect("the officer's stream");
        let mut agents = Stream::open(&service.client, &service.url, &agent, None)
            .await
            .expect("the agent's stream");
        let ready = officers.next().await.unwrap();
        assert_eq!(
            (ready.event.as_str(), &ready.data["reload"]),
            ("ready", &json!(false))
        );
        assert_eq!(ready.id.as_deref(), ready.data["head"].as_str());

        let entry = list_device(&service, &officer, "live-stolen-phone").await;
        let listed = officers.next().await.unwrap();
        assert_eq!(listed.event, "blacklist.added", "{backend}");
        assert_eq!(listed.data["target"], json!(format!("blacklist:{entry}")));
        assert_eq!(listed.data["actor"], json!("officer.li"));
        assert_eq!(listed.data["actor_name"], json!("李风控"));
        // The listed value is personal data: never on the stream.
        assert!(
            !listed.data.to_string().contains("live-stolen-phone"),
            "{listed:?}"
        );

        let account = some_account(&service, &officer).await;
        let paid = pay(&service, &key, "LIVE-1", account, "live-stolen-phone").await;
        let raised = officers.next().await.unwrap();
        assert_eq!(raised.event, "alert.raised", "{backend}: {paid}");
        let alert = raised.data["record"]["id"].as_i64().unwrap();
        assert_eq!(paid["alerts"][0]["id"].as_i64(), Some(alert), "{paid}");
        assert_eq!(
            (
                &raised.data["actor"],
                &raised.data["actor_name"],
                &raised.data["record"]["severity"]
            ),
            (&json!("engine"), &Value::Null, &json!("critical"))
        );
        assert_eq!(raised.data["record"]["rule"], json!("blacklist_hit"));
        assert_eq!(raised.data["record"]["account_id"], json!(account));
        assert_eq!(raised.data["record"]["amount"], json!("12.00"));
        assert_eq!(raised.data["record"]["status"], json!("open"));

        let (status, claimed) = claim(&service, &officer, alert, "live-claim-1").await;
        assert_eq!(status, 200, "{claimed}");
        let event = officers.next().await.unwrap();
        assert_eq!(event.event, "alert.claimed");
        assert_eq!(event.data["target"], json!(format!("alert:{alert}")));
        assert_eq!(event.data["record"]["assignee"], json!("officer.li"));
        assert_eq!(event.data["record"]["status"], json!("in_review"));
        assert_eq!(event.data["record"]["version"], claimed["version"]);
        // Ids in stream order.
        let place = |e: &SseEvent| {
            let (txid, id) = e.id.as_deref().unwrap().split_once('-').unwrap();
            (txid.parse::<i64>().unwrap(), id.parse::<i64>().unwrap())
        };
        assert!(place(&listed) < place(&raised) && place(&raised) < place(&event));

        // The agent may not read alerts: the first alert event the agent
        // could see is the dispute the agent opens after them.
        let (_, page) = service
            .get(
                &format!(
                    "/v1/accounts/{account}/transactions?kind=purchase&status=settled&limit=1"
                ),
                Some(&agent),
            )
            .await;
        let payment = page["items"][0]["id"].as_i64().expect("a settled purchase");
        let open = json!({"transaction_id": payment, "reason": "not_received",
            "statement": "商品一直没有收到"});
        let (status, dispute, _) = service
            .write("/v1/disputes", &agent, "live-dispute", &open)
            .await;
        assert_eq!(status, 200, "{dispute}");
        assert_eq!(agents.next().await.unwrap().event, "ready");
        loop {
            let event = agents.next().await.unwrap();
            assert!(
                !event.event.starts_with("alert."),
                "{backend}: the agent got {event:?}"
            );
            if event.event == "dispute.opened" {
                assert_eq!(event.data["record"]["id"], dispute["id"]);
                // The statement stays on the dispute.
                assert!(!event.data.to_string().contains("收到"), "{event:?}");
                break;
            }
        }
    }
}

#[tokio::test]
async fn a_stream_resumes_after_the_last_event_id_and_says_when_it_cannot() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 20).await;
    let service = Service::start(store.clone()).await;
    let officer = service.sign_in("officer.li").await;
    let mut stream = Stream::open(&service.client, &service.url, &officer, None)
        .await
        .unwrap();
    stream.next_of("ready").await;
    list_device(&service, &officer, "live-resume-1").await;
    list_device(&service, &officer, "live-resume-2").await;
    let first = stream.next_of("blacklist.added").await;
    let second = stream.next_of("blacklist.added").await;
    drop(stream);

    let mut resumed = Stream::open(&service.client, &service.url, &officer, first.id.as_deref())
        .await
        .unwrap();
    let ready = resumed.next().await.unwrap();
    assert_eq!(
        (ready.data["head"].as_str(), &ready.data["reload"]),
        (first.id.as_deref(), &json!(false))
    );
    assert_eq!(
        resumed.next().await.unwrap(),
        second,
        "what came after it, once"
    );
    drop(resumed);

    for bad in ["42", "1-x", "-1-2", "1-2-3"] {
        let refused = Stream::open(&service.client, &service.url, &officer, Some(bad)).await;
        let (status, problem) = refused.err().expect("a malformed Last-Event-ID");
        assert_eq!(
            (status, code(&problem)),
            (400, "invalid_value"),
            "{bad}: {problem}"
        );
    }
    // Never sent by this service: start over.
    let mut ahead = Stream::open(&service.client, &service.url, &officer, Some("0-999999"))
        .await
        .unwrap();
    let ready = ahead.next().await.unwrap();
    assert_eq!(
        (ready.data["head"].as_str(), &ready.data["reload"]),
        (second.id.as_deref(), &json!(true))
    );
    drop(ahead);
    // Pruned past it: the client must reload.
    let pruned = store.prune_events(service.now_ms() + 1).await.unwrap();
    assert_eq!(pruned.map(|c| c.to_string()), second.id.clone());
    let mut late = Stream::open(&service.client, &service.url, &officer, first.id.as_deref())
        .await
        .unwrap();
    let ready = late.next().await.unwrap();
    assert_eq!(ready.data["reload"], json!(true));
}

/// Every backend with its URL, for a trigger the test installs.
async fn backends_with_urls() -> (Vec<(Arc<dyn Store>, String)>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = format!("sqlite://{}", dir.path().join("live.db").display());
    let pg = support::postgres_database().await;
    let mut stores = Vec::new();
    for url in [file, pg] {
        let store = riskdesk_server::store::open(&url, &support::keys())
            .await
            .unwrap();
        stores.push((store, url));
    }
    (stores, dir)
}

#[tokio::test]
async fn a_decision_that_rolls_back_sends_no_event() {
    let (stores, _dir) = backends_with_urls().await;
    for (store, url) in stores {
        let backend = store.backend();
        support::portfolio(store.as_ref(), 200).await;
        // The decision fails at its last step, recording its outcome, after
        // its change, audit entry and event were written.
        if url.starts_with("sqlite:") {
            let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query(
                "CREATE TRIGGER boom BEFORE UPDATE ON idempotency WHEN NEW.key = 'live-boom' \
                 BEGIN SELECT RAISE(ABORT, 'boom'); END",
            )
            .execute(&mut db)
            .await
            .unwrap();
        } else {
            let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
            for sql in [
                "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ \
                 LANGUAGE plpgsql",
                "CREATE TRIGGER boom BEFORE UPDATE ON idempotency FOR EACH ROW \
                 WHEN (NEW.key = 'live-boom') EXECUTE FUNCTION boom()",
            ] {
                sqlx::query(sql).execute(&mut db).await.unwrap();
            }
        }
        let service = Service::start(store.clone()).await;
        let officer = service.sign_in("officer.li").await;
        let (_, open) = service
            .get("/v1/alerts?status=open&limit=2", Some(&officer))
            .await;
        let first = open["items"][0]["id"].as_i64().unwrap();
        let second = open["items"][1]["id"].as_i64().unwrap();
        let mut stream = Stream::open(&service.client, &service.url, &officer, None)
            .await
            .unwrap();
        stream.next_of("ready").await;
        let (status, failed) = claim(&service, &officer, first, "live-boom").await;
        assert_eq!(status, 500, "{backend}: {failed}");
        let (status, claimed) = claim(&service, &officer, second, "live-claim-2").await;
        assert_eq!(status, 200, "{backend}: {claimed}");
        let event = stream.next().await.unwrap();
        assert_eq!(
            (event.event.as_str(), &event.data["target"]),
            ("alert.claimed", &json!(format!("alert:{second}"))),
            "{backend}: the rolled-back claim of {first} sent nothing"
        );
        let (_, alert) = service
            .get(&format!("/v1/alerts/{first}"), Some(&officer))
            .await;
        assert_eq!(alert["status"], json!("open"), "{backend}: rolled back");
    }
}

#[tokio::test]
async fn an_event_through_one_instance_reaches_a_stream_on_the_other() {
    let stores = support::postgres_instances(2).await;
    support::portfolio(stores[0].as_ref(), 20).await;
    let a = Service::start(stores[0].clone()).await;
    let b = Service::start(stores[1].clone()).await;
    let watching = b.sign_in("officer.li").await;
    let acting = a.sign_in("officer.wang").await;
    let mut stream = Stream::open(&b.client, &b.url, &watching, None)
        .await
        .unwrap();
    stream.next_of("ready").await;
    let entry = list_device(&a, &acting, "live-two-instances").await;
    let event = stream.next().await.unwrap();
    assert_eq!(event.event, "blacklist.added");
    assert_eq!(
        (&event.data["target"], &event.data["actor"]),
        (&json!(format!("blacklist:{entry}")), &json!("officer.wang"))
    );
}

#[tokio::test]
async fn a_stream_ends_with_its_session_and_an_operator_holds_few() {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 20).await;
    let service = Service::start_configured(store, |state: AppState| {
        state.with_live_heartbeat(Duration::from_millis(200))
    })
    .await;
    let officer = service.sign_in("officer.li").await;
    let mut streams = Vec::new();
    for _ in 0..riskdesk_server::live::MAX_STREAMS_PER_OPERATOR {
        streams.push(
            Stream::open(&service.client, &service.url, &officer, None)
                .await
                .unwrap(),
        );
    }
    let refused = Stream::open(&service.client, &service.url, &officer, None).await;
    let (status, problem) = refused.err().expect("one stream too many");
    assert_eq!((status, code(&problem)), (429, "rate_limited"), "{problem}");
    // Another operator's are their own.
    let other = service.sign_in("officer.wang").await;
    Stream::open(&service.client, &service.url, &other, None)
        .await
        .unwrap();
    // A stream closed gives its place back.
    streams.pop();
    let mut reopened = None;
    for _ in 0..50 {
        if let Ok(stream) = Stream::open(&service.client, &service.url, &officer, None).await {
            reopened = Some(stream);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    streams.push(reopened.expect("a place again once a stream closed"));

    let (status, _) = service
        .post("/v1/auth/sign-out", Some(&officer), &json!({}))
        .await;
    assert_eq!(status, 204);
    for stream in &mut streams {
        assert_eq!(stream.next().await.unwrap().event, "ready");
        let end = stream.next().await.unwrap();
        assert_eq!(end.event, "end");
        assert_eq!(end.data["reason"], json!("the session was signed out"));
        assert_eq!(stream.next().await, None, "and the response ends");
    }
}
