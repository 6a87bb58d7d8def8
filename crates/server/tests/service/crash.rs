//! Crash safety with the real binary: the service is killed with SIGKILL in
//! the middle of a stream of authorizations (written in batches) and
//! operator decisions, then started again over the same database. Every
//! write it acknowledged is there; a write it never answered is there whole
//! or not at all (sent again with its key, it lands exactly once); the
//! database passes its own consistency checks, the audit chain verifies,
//! and a live stream resumed from before the kill gets the event of every
//! change that committed.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use riskdesk_server::clock::Clock;
use serde_json::{Value, json};
use sqlx::Connection;

use crate::live::Stream;
use crate::support;

/// How many payments are answered before the kill (and at least one
/// listing): the kill comes once the stream runs, however slow the machine.
const BEFORE_THE_KILL: usize = 20;
/// Payers at once: enough that the payment writer's batches hold several
/// writes when the kill comes (a batch commits whole or not at all).
const PAYERS: usize = 16;

#[tokio::test]
async fn a_killed_service_keeps_every_acknowledged_write_and_half_of_none_on_sqlite() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}", dir.path().join("crash.db").display());
    crash_and_recover(&url).await;
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("the database");
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity_check");
    assert_eq!(integrity, "ok");
    let broken_keys: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(&mut conn)
        .await
        .expect("foreign_key_check");
    assert!(broken_keys.is_empty(), "{broken_keys:?}");
}

#[tokio::test]
async fn a_killed_service_keeps_every_acknowledged_write_and_half_of_none_on_postgres() {
    let url = support::postgres_database().await;
    crash_and_recover(&url).await;
    // amcheck: every B-tree index agrees with its table's rows.
    let mut conn = sqlx::PgConnection::connect(&url)
        .await
        .expect("the database");
    sqlx::query("CREATE EXTENSION IF NOT EXISTS amcheck")
        .execute(&mut conn)
        .await
        .expect("amcheck");
    let checked: i64 = sqlx::query_scalar(
        "SELECT count(bt_index_parent_check(c.oid, true)) FROM pg_index i \
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE a.amname = 'btree' AND n.nspname = 'public' AND c.relkind = 'i'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("bt_index_parent_check over every index");
    assert!(checked > 10, "{checked} indexes checked");
}

/// What the stream sent, by whether an answer came back.
#[derive(Default)]
struct Sent {
    /// Order id → (the order, its transaction id, the decision) as answered.
    authorized: BTreeMap<String, (Value, i64, String)>,
    /// Orders sent without an answer: the kill came first.
    unanswered_orders: BTreeMap<String, Value>,
    /// Idempotency key → (listed value, entry id) as answered.
    listed: BTreeMap<String, (String, i64)>,
    unanswered_listings: BTreeMap<String, String>,
}

async fn crash_and_recover(database: &str) {
    let server = env!("CARGO_BIN_EXE_riskdesk-server");
    let sheet = generate(server, database);
    let key = service_key(server, database);
    let accounts = accounts(database).await;
    let used_before = used(database).await;

    let mut service = Serving::start(server, database).await;
    let officer = service.sign_in(&sheet, "officer.li").await;
    // The live stream's place before the stream of writes.
    let mut live = Stream::open(&service.client, &service.url, &officer, None)
        .await
        .expect("the live stream");
    let before = live.next_of("ready").await.id.expect("the head's id");
    drop(live);
    let sent = Arc::new(std::sync::Mutex::new(Sent::default()));
    let mut tasks = Vec::new();
    for payer in 0..PAYERS {
        let (client, url, key) = (service.client.clone(), service.url.clone(), key.clone());
        let (sent, accounts) = (sent.clone(), accounts.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let order_id = format!("CRASH-{payer}-{i}");
                let account = accounts[(payer * 7919 + i * 31) % accounts.len()];
                let body = order(&order_id, account);
                let answer = client
                    .post(format!("{url}/v1/payments/authorize"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await;
                let answer = match answer {
                    Ok(response) => response.json::<Value>().await,
                    Err(error) => Err(error),
                };
                let mut sent = sent.lock().expect("the record of what was sent");
                match answer {
                    Ok(answer) => {
                        let decided = (
                            body,
                            answer["transaction_id"].as_i64().expect("a transaction id"),
                            answer["decision"].as_str().expect("a decision").to_owned(),
                        );
                        sent.authorized.insert(order_id, decided);
                    }
                    Err(_) => {
                        sent.unanswered_orders.insert(order_id, body);
                        return;
                    }
                }
            }
        }));
    }
    {
        let (client, url, token) = (service.client.clone(), service.url.clone(), officer.clone());
        let sent = sent.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let (key, value) = (format!("crash-listing-{i:04}"), format!("crash-device-{i}"));
                let answer = list_device(&client, &url, &token, &key, &value).await;
                let mut sent = sent.lock().expect("the record of what was sent");
                match answer {
                    Some(answer) => {
                        let id = answer["id"].as_i64().expect("an entry id");
                        sent.listed.insert(key, (value, id));
                    }
                    None => {
                        sent.unanswered_listings.insert(key, value);
                        return;
                    }
                }
            }
        }));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        let (payments, listings) = {
            let sent = sent.lock().expect("the record of what was sent");
            (sent.authorized.len(), sent.listed.len())
        };
        if payments > BEFORE_THE_KILL && listings > 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stream never ran: {payments} payments, {listings} listings answered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    service.kill();
    for task in tasks {
        task.await.expect("a sender");
    }
    let sent = std::mem::take(&mut *sent.lock().expect("the record"));

    eprintln!(
        "crash ({}): answered {} payments and {} listings; {} payments and {} listings unanswered",
        database.split(':').next().unwrap_or_default(),
        sent.authorized.len(),
        sent.listed.len(),
        sent.unanswered_orders.len(),
        sent.unanswered_listings.len()
    );

    // Started again over the same database: the officer's session is still
    // valid, and every answered write is there as answered.
    let service = Serving::start(server, database).await;
    for (body, transaction_id, decision) in sent.authorized.values() {
        let answer = service.authorize(&key, body).await;
        assert_eq!(
            answer["transaction_id"].as_i64(),
            Some(*transaction_id),
            "{answer}"
        );
        assert_eq!(
            answer["decision"].as_str(),
            Some(decision.as_str()),
            "{answer}"
        );
    }
    for (key, (value, id)) in &sent.listed {
        let answer = list_device(&service.client, &service.url, &officer, key, value)
            .await
            .expect("the listing's first answer again");
        assert_eq!(answer["id"].as_i64(), Some(*id), "{answer}");
    }
    // The unanswered ones, sent again with their keys, land exactly once.
    for body in sent.unanswered_orders.values() {
        service.authorize(&key, body).await;
    }
    let mut conn = Db::connect(database).await;
    for (key, value) in &sent.unanswered_listings {
        // A decision whose key was claimed when the kill came is "in flight"
        // until the claim is stale (a minute): not done, and saying so.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
        loop {
            match relist(&service, &officer, key, value).await {
                Relisted::Done => break,
                Relisted::InFlight => {
                    eprintln!("crash: {key} in flight after the restart");
                    let listed = format!("SELECT count(*) FROM blacklist WHERE value = '{value}'");
                    assert_eq!(conn.count(&listed).await, 0, "{key} is in flight, not done");
                    assert!(
                        tokio::time::Instant::now() < deadline,
                        "{key} stays in flight"
                    );
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
    }
    let orders = conn
        .count("SELECT count(*) FROM transactions WHERE order_id LIKE 'CRASH-%'")
        .await;
    assert_eq!(
        orders,
        sent.authorized.len() + sent.unanswered_orders.len(),
        "one transaction per order"
    );
    let listings = conn
        .count("SELECT count(*) FROM blacklist WHERE value LIKE 'crash-device-%'")
        .await;
    assert_eq!(
        listings,
        sent.listed.len() + sent.unanswered_listings.len(),
        "one entry per listing"
    );
    // Each listing committed has its live event, and a stream resuming
    // from before the kill gets each of them, once.
    let listed_ids = conn
        .ids("SELECT id FROM blacklist WHERE value LIKE 'crash-device-%' ORDER BY id")
        .await;
    let mut live = Stream::open(&service.client, &service.url, &officer, Some(&before))
        .await
        .expect("the live stream, resumed");
    assert_eq!(live.next_of("ready").await.data["reload"], json!(false));
    let mut streamed = Vec::new();
    while streamed.len() < listed_ids.len() {
        let event = live.next_of("blacklist.added").await;
        let target = event.data["target"].as_str().expect("a target").to_owned();
        streamed.push(target);
    }
    let expected: Vec<String> = listed_ids
        .iter()
        .map(|id| format!("blacklist:{id}"))
        .collect();
    assert_eq!(streamed, expected, "every listing's event, in order, once");
    // No half-written payment: each line moved by exactly what it reserved.
    let reserved = conn.reserved_by_account().await;
    for (account, used_after) in used(database).await {
        let moved = used_after - used_before[&account];
        assert_eq!(
            moved,
            reserved.get(&account).copied().unwrap_or(0),
            "account {account}"
        );
    }

    // The audit chain verifies, across the kill.
    let admin = service.sign_in(&sheet, "admin.sun").await;
    let verified: Value = service
        .client
        .get(format!("{}/v1/audit/verify", service.url))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("verify")
        .json()
        .await
        .expect("its answer");
    assert_eq!(verified["intact"], json!(true), "{verified}");
    let audited = verified["entries"].as_u64().expect("entries");
    assert!(
        audited >= u64::try_from(listings).expect("a count"),
        "{verified}"
    );
}

fn order(order_id: &str, account: i64) -> Value {
    let now = Clock::system().now_ms();
    json!({
        "order_id": order_id,
        "account_id": account,
        "merchant": "美宜佳便利店",
        "category": "groceries",
        "amount": "12.34",
        "installments": 1,
        "channel": "qr",
        "device_id": format!("crash-phone-{account}"),
        "ip": "10.20.30.40",
        "location": null,
        "occurred_at": riskdesk_server::clock::utc(now).to_rfc3339(),
    })
}

enum Relisted {
    Done,
    InFlight,
}

/// A listing sent again after the restart: done (first or now), or still
/// claimed by the killed request.
async fn relist(service: &Serving, token: &str, key: &str, value: &str) -> Relisted {
    let response = service
        .client
        .post(format!("{}/v1/blacklist", service.url))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"kind": "device", "value": value, "reason": "crash test"}))
        .send()
        .await
        .expect("the service, restarted");
    let status = response.status().as_u16();
    let answer: Value = response.json().await.expect("its answer");
    match (status, answer["code"].as_str()) {
        (200, _) => Relisted::Done,
        (409, Some("request_in_flight")) => Relisted::InFlight,
        _ => panic!("{status}: {answer}"),
    }
}

async fn list_device(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    key: &str,
    value: &str,
) -> Option<Value> {
    let response = client
        .post(format!("{url}/v1/blacklist"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"kind": "device", "value": value, "reason": "crash test"}))
        .send()
        .await
        .ok()?;
    let status = response.status();
    let answer: Value = response.json().await.ok()?;
    assert!(status.is_success(), "{status}: {answer}");
    Some(answer)
}

/// `generate --json`: the demo operators' sheet.
fn generate(server: &str, database: &str) -> Value {
    let output = Command::new(server)
        .env("RISKDESK_DATA_KEY", crate::support::DATA_KEY)
        .args(["generate", "--database", database, "--json"])
        .args(["--customers", "200", "--months", "2"])
        .output()
        .expect("riskdesk-server generate");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the operators' sheet")
}

fn service_key(server: &str, database: &str) -> String {
    let output = Command::new(server)
        .env("RISKDESK_DATA_KEY", crate::support::DATA_KEY)
        .args(["service-client", "--database", database, "add", "crash"])
        .output()
        .expect("riskdesk-server service-client add");
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .expect("text")
        .lines()
        .last()
        .expect("the key")
        .to_owned()
}

async fn accounts(database: &str) -> Vec<i64> {
    let mut conn = Db::connect(database).await;
    conn.ids("SELECT id FROM accounts WHERE status = 'active' ORDER BY id LIMIT 40")
        .await
}

async fn used(database: &str) -> BTreeMap<i64, i64> {
    let mut conn = Db::connect(database).await;
    conn.pairs("SELECT id, used_fen FROM accounts").await
}

/// A `riskdesk-server serve` over the database.
struct Serving {
    child: Child,
    url: String,
    client: reqwest::Client,
}

impl Serving {
    async fn start(server: &str, database: &str) -> Serving {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(server)
            .env("RISKDESK_DATA_KEY", crate::support::DATA_KEY)
            .args(["serve", "--database", database])
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("riskdesk-server serve");
        let serving = Serving {
            child,
            url: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
        };
        for _ in 0..300 {
            if let Ok(response) = serving
                .client
                .get(format!("{}/v1/health", serving.url))
                .send()
                .await
                && response.status().is_success()
            {
                return serving;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} did not become healthy", serving.url);
    }

    /// SIGKILL: no shutdown, no flush, nothing finished.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("its end");
    }

    async fn sign_in(&self, sheet: &Value, operator_id: &str) -> String {
        let operator = sheet["operators"]
            .as_array()
            .expect("operators")
            .iter()
            .find(|o| o["id"] == operator_id)
            .expect("the operator");
        let text = |field: &str| operator[field].as_str().expect("the sheet's field");
        support::sign_in_over_http(
            &self.client,
            &self.url,
            operator_id,
            text("password"),
            text("totp_secret"),
        )
        .await
    }

    async fn authorize(&self, key: &str, body: &Value) -> Value {
        let response = self
            .client
            .post(format!("{}/v1/payments/authorize", self.url))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .expect("authorize");
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.expect("its answer")
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The database itself, on either backend.
enum Db {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Db {
    async fn connect(url: &str) -> Db {
        if url.starts_with("sqlite:") {
            Db::Sqlite(sqlx::SqliteConnection::connect(url).await.expect("SQLite"))
        } else {
            Db::Postgres(sqlx::PgConnection::connect(url).await.expect("PostgreSQL"))
        }
    }

    async fn pairs(&mut self, sql: &str) -> BTreeMap<i64, i64> {
        let rows: Vec<(i64, i64)> = match self {
            Db::Sqlite(conn) => sqlx::query_as(sql).fetch_all(conn).await,
            Db::Postgres(conn) => sqlx::query_as(sql).fetch_all(conn).await,
        }
        .expect(sql);
        rows.into_iter().collect()
    }

    async fn ids(&mut self, sql: &str) -> Vec<i64> {
        match self {
            Db::Sqlite(conn) => sqlx::query_scalar(sql).fetch_all(conn).await,
            Db::Postgres(conn) => sqlx::query_scalar(sql).fetch_all(conn).await,
        }
        .expect(sql)
    }

    async fn count(&mut self, sql: &str) -> usize {
        let count: i64 = match self {
            Db::Sqlite(conn) => sqlx::query_scalar(sql).fetch_one(conn).await,
            Db::Postgres(conn) => sqlx::query_scalar(sql).fetch_one(conn).await,
        }
        .expect(sql);
        usize::try_from(count).expect("a count")
    }

    /// What the crash stream's payments reserve on each line.
    async fn reserved_by_account(&mut self) -> BTreeMap<i64, i64> {
        self.pairs(
            "SELECT account_id, CAST(SUM(amount_fen) AS BIGINT) FROM transactions \
             WHERE order_id LIKE 'CRASH-%' AND status = 'authorized' GROUP BY account_id",
        )
        .await
    }
}
