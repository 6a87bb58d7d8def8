//! Verifying the audit chain in process: a million entries shaped like the
//! service's (an alert's row before and after a triage step, as JSON),
//! checked in batches of 10,000 as the service and the console do, with a
//! signed checkpoint every 10,000 entries.
//!
//! `cargo bench -p riskdesk-domain --bench audit`

// A benchmark: fixed inputs that cannot fail, numbers cast for printing.
#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation
)]

use std::time::Instant;

use ed25519_dalek::{Signer, SigningKey};
use riskdesk_domain::audit::{Chained, Checkpoint, Entry, GENESIS, Hashed, Verifier, entry_hash};

const ENTRIES: i64 = 1_000_000;
const BATCH: usize = 10_000;

fn main() {
    let key = SigningKey::from_bytes(&[3; 32]);
    let row = |id: i64, status: &str| {
        format!(
            "{{\"id\":{id},\"account_id\":{},\"transaction_id\":{},\"rule\":\"velocity\",\
             \"severity_rank\":3,\"status\":\"{status}\",\"assignee\":\"officer.li\",\
             \"amount_fen\":499900,\"evidence\":\"6 payments in 9 min on the account (max 5)\",\
             \"disposition\":null,\"created_at\":1790000000000,\"sla_due_at\":1790003600000,\
             \"version\":2}}",
            80_000_000 + id % 20_000,
            id * 3
        )
    };
    let started = Instant::now();
    let mut prev = GENESIS;
    let mut chain = Vec::with_capacity(ENTRIES as usize);
    let mut checkpoints = Vec::new();
    for id in 1..=ENTRIES {
        let entry = Entry {
            id,
            at: 1_790_000_000_000 + id * 250,
            actor: "officer.li".to_owned(),
            action: "alert.close".to_owned(),
            target: format!("alert:{id}"),
            before: Some(row(id, "in_review")),
            after: Some(row(id, "closed")),
        };
        let hash = entry_hash(&prev, &entry);
        chain.push(Chained {
            entry,
            prev_hash: prev,
            hash,
        });
        prev = hash;
        if id % BATCH as i64 == 0 {
            let signature = key.sign(&Checkpoint::message(id, &hash, id)).to_bytes();
            checkpoints.push(Checkpoint {
                last_id: id,
                hash,
                signed_at: id,
                signature,
            });
        }
    }
    let bytes: usize = chain
        .iter()
        .map(|c| c.entry.before.as_ref().map_or(0, String::len) * 2 + 40)
        .sum();
    println!(
        "built {ENTRIES} entries ({:.0} MB hashed) in {:.2} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let public = key.verifying_key();
    for run in 1..=3 {
        // The stretches as the service reads them, owned, before the clock starts.
        let stretches: Vec<Vec<Chained>> = chain.chunks(BATCH).map(<[Chained]>::to_vec).collect();
        let started = Instant::now();
        let mut verifier = Verifier::new(GENESIS, checkpoints.clone(), Some(&public));
        for stretch in stretches {
            verifier.feed(&Hashed::new(stretch)).unwrap();
        }
        let verified = verifier.finish(true).unwrap();
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "run {run}: verified {} entries and {} checkpoints in {seconds:.3} s ({:.0} entries/s)",
            verified.entries,
            verified.checkpoints,
            verified.entries as f64 / seconds
        );
    }
}
