//! The audit trail as a hash chain: decisions and sessions are appended in
//! order on both backends, the list filters and pages, checkpoints are
//! signed with the service's key, and the service's verification finds an
//! entry altered in the database, or a trail cut short.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use ed25519_dalek::{Signer, SigningKey};
use riskdesk_domain::audit::{self, GENESIS, Verifier};
use riskdesk_domain::operator::Role;
use serde_json::{Value, json};

use crate::support::{self, Service};

const KEY: [u8; 32] = [5; 32];

async fn service_with_key(store: Arc<dyn riskdesk_server::store::Store>) -> Service {
    support::portfolio(store.as_ref(), 200).await;
    Service::start_configured(store, |s| s.with_audit_key(SigningKey::from_bytes(&KEY))).await
}

/// Signs a checkpoint at the chain's head, as the minute job does.
async fn checkpoint(service: &Service) {
    let key = SigningKey::from_bytes(&KEY);
    let id = riskdesk_server::audit_key::key_id(&key.verifying_key());
    let sign = |m: &[u8]| (id.clone(), key.sign(m).to_bytes());
    service
        .store
        .checkpoint_audit(service.now_ms(), &sign)
        .await
        .unwrap()
        .expect("a new checkpoint");
}

/// Notes on the first alerts, `n` of them at once.
async fn notes(service: &Arc<Service>, token: &str, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (service, token) = (service.clone(), token.to_owned());
            tokio::spawn(async move {
                let body = json!({"body": format!("核查 {i}")});
                let key = format!("audit-note-{i}");
                service
                    .write(
                        &format!("/v1/alerts/{}/notes", 1 + i % 5),
                        &token,
                        &key,
                        &body,
                    )
                    .await
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().0, 200);
    }
}

/// Verifies the whole chain as a client would: from the entries and
/// checkpoints the API serves and the key it publishes.
async fn client_verifies(service: &Service, token: &str) -> Result<u64, audit::Break> {
    let (_, keys) = service.get("/v1/audit/keys", Some(token)).await;
    let public = audit::from_hex::<32>(keys[0]["public_key"].as_str().unwrap()).unwrap();
    let public = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
    let (_, checkpoints) = service.get("/v1/audit/checkpoints", Some(token)).await;
    let checkpoints = checkpoints
        .as_array()
        .unwrap()
        .iter()
        .map(|c| audit::Checkpoint {
            last_id: c["last_id"].as_i64().unwrap(),
            hash: audit::from_hex(c["hash"].as_str().unwrap()).unwrap(),
            signed_at: c["signed_at_ms"].as_i64().unwrap(),
            signature: audit::from_hex(c["signature"].as_str().unwrap()).unwrap(),
        })
        .collect();
    let mut verifier = Verifier::new(GENESIS, checkpoints, Some(&public));
    let mut after = 0;
    loop {
        let (_, page) = service
            .get(
                &format!("/v1/audit/chain?after_id={after}&limit=7"),
                Some(token),
            )
            .await;
        let batch: Vec<audit::Chained> = page
            .as_array()
            .unwrap()
            .iter()
            .map(|e| audit::Chained {
                entry: audit::Entry {
                    id: e["id"].as_i64().unwrap(),
                    at: chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap())
                        .unwrap()
                        .timestamp_millis(),
                    actor: e["actor"].as_str().unwrap().to_owned(),
                    action: e["action"].as_str().unwrap().to_owned(),
                    target: e["target"].as_str().unwrap().to_owned(),
                    before: e["before"].as_str().map(str::to_owned),
                    after: e["after"].as_str().map(str::to_owned),
                },
                prev_hash: audit::from_hex(e["prev_hash"].as_str().unwrap()).unwrap(),
                hash: audit::from_hex(e["hash"].as_str().unwrap()).unwrap(),
            })
            .collect();
        let Some(last) = batch.last() else { break };
        after = last.entry.id;
        verifier.feed(&audit::Hashed::new(batch))?;
    }
    verifier.finish(true).map(|v| v.entries)
}

#[tokio::test]
async fn decisions_and_sessions_chain_in_order_on_both_backends() {
    for store in support::backends().await {
        let backend = store.backend();
        let service = Arc::new(service_with_key(store).await);
        let li = service.sign_in("officer.li").await;
        notes(&service, &li, 20).await;
        let (status, _) = service
            .post(
                "/v1/auth/sign-in",
                None,
                &json!({"operator_id": "officer.li", "password": "wrong", "totp_code": "000000"}),
            )
            .await;
        assert_eq!(status, 401);
        let chen = service.sign_in("manager.chen").await;
        checkpoint(&service).await;
        let (status, report) = service.get("/v1/audit/verify", Some(&chen)).await;
        assert_eq!(status, 200, "{backend}: {report}");
        assert_eq!(report["intact"], true, "{backend}: {report}");
        // Two sign-ins, one failure, twenty notes.
        assert_eq!(report["entries"], 23, "{backend}: {report}");
        assert_eq!(report["checkpoints"], 1, "{backend}");
        assert_eq!(
            client_verifies(&service, &chen).await.unwrap(),
            23,
            "{backend}"
        );
        // Filters: an action prefix, an actor, newest first, paged.
        let (_, page) = service
            .get("/v1/audit?action=session.&limit=2", Some(&chen))
            .await;
        let actions: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["session.sign_in", "session.sign_in_failed"],
            "{backend}"
        );
        let cursor = page["next_cursor"].as_str().unwrap();
        let (_, next) = service
            .get(
                &format!("/v1/audit?action=session.&limit=2&cursor={cursor}"),
                Some(&chen),
            )
            .await;
        assert_eq!(next["items"][0]["action"], "session.sign_in");
        assert_eq!(next["items"][0]["actor"], "officer.li");
        let (_, mine) = service
            .get(
                "/v1/audit?actor=officer.li&action=alert.note&limit=200",
                Some(&chen),
            )
            .await;
        assert_eq!(mine["items"].as_array().unwrap().len(), 20, "{backend}");
    }
}

#[tokio::test]
async fn only_roles_that_read_the_audit_see_it() {
    let service = service_with_key(support::sqlite().await).await;
    for (id, role) in [
        ("officer.li", Role::RiskOfficer),
        ("agent.zhao", Role::CsAgent),
        ("manager.chen", Role::Manager),
        ("admin.sun", Role::Admin),
    ] {
        let token = service.sign_in(id).await;
        for path in [
            "/v1/audit",
            "/v1/audit/chain",
            "/v1/audit/checkpoints",
            "/v1/audit/keys",
            "/v1/audit/verify",
        ] {
            let (status, _) = service.get(path, Some(&token)).await;
            let allowed = role.can(riskdesk_domain::operator::Permission::ReadAudit);
            assert_eq!(status == 200, allowed, "{id} {path}: {status}");
        }
    }
}

#[tokio::test]
async fn an_entry_altered_in_the_database_or_a_trail_cut_short_is_found() {
    let (store, dir) = support::sqlite_file().await;
    let service = Arc::new(service_with_key(store).await);
    let li = service.sign_in("officer.li").await;
    notes(&service, &li, 10).await;
    let chen = service.sign_in("manager.chen").await;
    checkpoint(&service).await;
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();

    // Someone edits entry 5 behind the service's back.
    sqlx::query("UPDATE audit SET actor = 'officer.wang' WHERE id = 5")
        .execute(&mut db)
        .await
        .unwrap();
    let (_, report) = service.get("/v1/audit/verify", Some(&chen)).await;
    assert_eq!(report["intact"], false);
    assert_eq!(report["first_broken"]["id"], 5, "{report}");
    assert!(
        report["first_broken"]["why"]
            .as_str()
            .unwrap()
            .contains("altered")
    );
    assert_eq!(client_verifies(&service, &chen).await.unwrap_err().id, 5);
    // … and then rewrites its hash too: the next entry no longer follows it.
    let fixed: Value = service
        .get("/v1/audit/chain?after_id=4&limit=1", Some(&chen))
        .await
        .1;
    let mut entry = audit::Entry {
        id: 5,
        at: chrono::DateTime::parse_from_rfc3339(fixed[0]["at"].as_str().unwrap())
            .unwrap()
            .timestamp_millis(),
        actor: "officer.wang".to_owned(),
        action: fixed[0]["action"].as_str().unwrap().to_owned(),
        target: fixed[0]["target"].as_str().unwrap().to_owned(),
        before: fixed[0]["before"].as_str().map(str::to_owned),
        after: fixed[0]["after"].as_str().map(str::to_owned),
    };
    let prev = audit::from_hex::<32>(fixed[0]["prev_hash"].as_str().unwrap()).unwrap();
    let forged = audit::hex(&audit::entry_hash(&prev, &entry));
    sqlx::query("UPDATE audit SET hash = ? WHERE id = 5")
        .bind(&forged)
        .execute(&mut db)
        .await
        .unwrap();
    let (_, report) = service.get("/v1/audit/verify", Some(&chen)).await;
    assert_eq!(report["first_broken"]["id"], 6, "{report}");
    // Put it back: intact again.
    entry.actor = "officer.li".to_owned();
    let honest = audit::hex(&audit::entry_hash(&prev, &entry));
    sqlx::query("UPDATE audit SET actor = 'officer.li', hash = ? WHERE id = 5")
        .bind(&honest)
        .execute(&mut db)
        .await
        .unwrap();
    let (_, report) = service.get("/v1/audit/verify", Some(&chen)).await;
    assert_eq!(report["intact"], true, "{report}");

    // The last entries are deleted (and the head moved back to hide it): the
    // signed checkpoint says the chain went further.
    sqlx::query("DELETE FROM audit WHERE id > 8")
        .execute(&mut db)
        .await
        .unwrap();
    let (_, report) = service.get("/v1/audit/verify", Some(&chen)).await;
    assert_eq!(report["intact"], false);
    assert!(
        report["first_broken"]["why"]
            .as_str()
            .unwrap()
            .contains("truncated"),
        "{report}"
    );
    assert_eq!(
        client_verifies(&service, &chen).await.unwrap_err().why,
        audit::BreakKind::Truncated
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_chain_of_many_stretches_verifies_whole_and_by_range_and_a_gap_is_found() {
    let (store, dir) = support::sqlite_file().await;
    let records: Vec<riskdesk_server::store::AuditRecord> = (0..25_000i64)
        .map(|i| riskdesk_server::store::AuditRecord {
            at: support::AS_OF_MS + i,
            actor: "officer.li".to_owned(),
            action: "alert.note".to_owned(),
            target: format!("alert:{}", i % 300),
            before: None,
            after: Some(format!("{{\"note\":\"第 {i} 条, \\\"quoted\\\"\"}}")),
        })
        .collect();
    store.record_audit(&records).await.unwrap();
    let service = service_with_key(store).await;
    let chen = service.sign_in("manager.chen").await;
    checkpoint(&service).await;
    let (_, whole) = service.get("/v1/audit/verify", Some(&chen)).await;
    assert_eq!(
        (whole["intact"].as_bool(), whole["entries"].as_u64()),
        (Some(true), Some(25_001)),
        "{whole}"
    );
    // A range across stretch boundaries, starting from its first entry's link.
    let (_, range) = service
        .get("/v1/audit/verify?from_id=9999&to_id=20001", Some(&chen))
        .await;
    assert_eq!(
        (range["intact"].as_bool(), range["entries"].as_u64()),
        (Some(true), Some(10_003)),
        "{range}"
    );

    // One entry in the middle of the second stretch disappears.
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit WHERE id = 15000")
        .execute(&mut db)
        .await
        .unwrap();
    let (_, report) = service.get("/v1/audit/verify", Some(&chen)).await;
    assert_eq!(report["intact"], false);
    assert_eq!(report["first_broken"]["id"], 15_001, "{report}");
}

/// Measured by hand (docs/benchmarks.md), never asserted on time:
/// `cargo test --release -p riskdesk-server --test service verify_a_million -- --ignored --nocapture`
// On as many threads as the service has when it runs (`#[tokio::main]`).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark: run by hand"]
async fn verify_a_million_entries_through_the_service() {
    // SQLite by default; PostgreSQL with `RISKDESK_BENCH_PG=1` (and the
    // test cluster's `RISKDESK_TEST_PG_URL`).
    let (store, _dir) = if std::env::var_os("RISKDESK_BENCH_PG").is_some() {
        (support::postgres().await, None)
    } else {
        let (store, dir) = support::sqlite_file().await;
        (store, Some(dir))
    };
    let row = |id: i64| {
        format!(
            "{{\"id\":{id},\"account_id\":{},\"rule\":\"velocity\",\"status\":\"in_review\",\
             \"assignee\":\"officer.li\",\"amount_fen\":499900,\
             \"evidence\":\"6 payments in 9 min on the account (max 5)\",\"version\":2}}",
            80_000_000 + id % 20_000
        )
    };
    let started = std::time::Instant::now();
    for batch in 0..100i64 {
        let records: Vec<riskdesk_server::store::AuditRecord> = (0..10_000i64)
            .map(|i| {
                let id = batch * 10_000 + i + 1;
                riskdesk_server::store::AuditRecord {
                    at: support::AS_OF_MS + id,
                    actor: "officer.li".to_owned(),
                    action: "alert.close".to_owned(),
                    target: format!("alert:{id}"),
                    before: Some(row(id)),
                    after: Some(row(id).replace("in_review", "closed")),
                }
            })
            .collect();
        store.record_audit(&records).await.unwrap();
    }
    println!(
        "appended 1,000,000 entries in {:.1} s (peak memory {})",
        started.elapsed().as_secs_f64(),
        peak_memory()
    );
    support::portfolio(store.as_ref(), 20).await;
    let service =
        Service::start_configured(store, |s| s.with_audit_key(SigningKey::from_bytes(&KEY))).await;
    checkpoint(&service).await;
    let token = service.sign_in("manager.chen").await;
    for run in 1..=3 {
        let started = std::time::Instant::now();
        let (status, report) = service.get("/v1/audit/verify", Some(&token)).await;
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(
            (status, report["intact"].as_bool()),
            (200, Some(true)),
            "{report}"
        );
        println!(
            "run {run}: GET /v1/audit/verify over {} entries in {seconds:.2} s",
            report["entries"]
        );
        println!("  peak memory of the process so far: {}", peak_memory());
    }
    // The same million as a CSV export, streamed (the service reads 5,000
    // rows at a time): rows per second.
    for run in 1..=2 {
        let started = std::time::Instant::now();
        let mut response = service
            .client
            .get(format!("{}/v1/audit.csv", service.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let (mut bytes, mut lines) = (0usize, 0usize);
        while let Some(chunk) = response.chunk().await.unwrap() {
            bytes += chunk.len();
            lines += chunk.iter().filter(|b| **b == b'\n').count();
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "run {run}: GET /v1/audit.csv: {} rows, {:.0} MB in {seconds:.2} s = {:.0} rows/s",
            lines - 1,
            bytes as f64 / 1e6,
            (lines - 1) as f64 / seconds
        );
        println!("  peak memory of the process so far: {}", peak_memory());
    }
}

/// The process's peak resident memory (Linux), to show that a verification
/// or an export of a million entries never holds them all.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

#[tokio::test]
async fn a_reveal_needs_a_role_and_a_reason_and_is_audited_without_the_value() {
    let service = service_with_key(support::sqlite().await).await;
    let agent = service.sign_in("agent.zhao").await;
    let (_, accounts) = service.get("/v1/accounts?limit=1", Some(&agent)).await;
    let id = accounts["items"][0]["id"].as_i64().unwrap();
    let path = format!("/v1/accounts/{id}/reveal");
    let (status, answer) = service
        .post(
            &path,
            Some(&agent),
            &json!({"field": "phone", "reason": ""}),
        )
        .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (400, Some("invalid_value")),
        "{answer}"
    );
    let (status, answer) = service
        .post(
            &path,
            Some(&agent),
            &json!({"field": "phone", "reason": "客户来电核实身份"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    let phone = answer["value"].as_str().unwrap().to_owned();
    assert_eq!(phone.len(), 11);
    let (_, detail) = service
        .get(&format!("/v1/accounts/{id}"), Some(&agent))
        .await;
    let masked = detail["customer"]["phone_masked"].as_str().unwrap();
    assert_eq!(masked, riskdesk_domain::pii::mask_phone(&phone));
    for (operator, allowed) in [
        ("officer.li", true),
        ("manager.chen", true),
        ("admin.sun", false),
    ] {
        let token = service.sign_in(operator).await;
        let (status, _) = service
            .post(
                &path,
                Some(&token),
                &json!({"field": "national_id", "reason": "复核身份证号码"}),
            )
            .await;
        assert_eq!(status == 200, allowed, "{operator}: {status}");
    }
    let chen = service.sign_in("manager.chen").await;
    let (_, reveals) = service
        .get("/v1/audit?action=pii.reveal", Some(&chen))
        .await;
    let reveals = reveals["items"].as_array().unwrap();
    assert_eq!(reveals.len(), 3);
    let first = reveals.last().unwrap();
    assert_eq!(first["actor"], "agent.zhao");
    let after: Value = serde_json::from_str(first["after"].as_str().unwrap()).unwrap();
    assert_eq!(after["reason"], "客户来电核实身份");
    assert_eq!(after["field"], "phone");
    for entry in reveals {
        assert!(
            !entry.to_string().contains(&phone),
            "the value is never in the trail"
        );
    }
}
