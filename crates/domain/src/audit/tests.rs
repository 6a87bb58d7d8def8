use ed25519_dalek::{Signer, SigningKey};
use proptest::prelude::*;

use super::*;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

fn entry(id: i64, text: &str) -> Entry {
    Entry {
        id,
        at: 1_790_000_000_000 + id * 1_000,
        actor: if id % 2 == 0 {
            "officer.li"
        } else {
            "officer.wang"
        }
        .to_owned(),
        action: "alert.close".to_owned(),
        target: format!("alert:{id}"),
        before: Some(format!("{{\"status\":\"open\",\"note\":\"{text}\"}}")),
        after: (id % 3 != 0).then(|| format!("{{\"status\":\"closed\",\"n\":{id}}}")),
    }
}

/// A chain of `n` entries (ids 1..=n, with gaps where `gaps` says) and
/// checkpoints after every `every` entries.
fn chain(n: usize, every: usize) -> (Vec<Chained>, Vec<Checkpoint>) {
    let key = key();
    let mut prev = GENESIS;
    let mut entries = Vec::new();
    let mut checkpoints = Vec::new();
    for i in 0..n {
        let e = entry(i as i64 * 2 + 1, &format!("n{i}"));
        let hash = entry_hash(&prev, &e);
        entries.push(Chained {
            entry: e,
            prev_hash: prev,
            hash,
        });
        prev = hash;
        if (i + 1) % every == 0 {
            let last_id = entries[i].entry.id;
            let at = 1_790_000_000_000 + i as i64;
            let signature = key
                .sign(&Checkpoint::message(last_id, &hash, at))
                .to_bytes();
            checkpoints.push(Checkpoint {
                last_id,
                hash,
                signed_at: at,
                signature,
            });
        }
    }
    (entries, checkpoints)
}

fn check(entries: &[Chained], checkpoints: &[Checkpoint]) -> Result<Verified, Break> {
    verify(
        GENESIS,
        entries,
        checkpoints,
        true,
        Some(&key().verifying_key()),
    )
}

#[test]
fn an_untouched_chain_verifies() {
    let (entries, checkpoints) = chain(50, 10);
    let verified = check(&entries, &checkpoints).unwrap();
    assert_eq!((verified.entries, verified.checkpoints), (50, 5));
    // A range verifies from the hash before it.
    let key = key().verifying_key();
    let middle = verify(
        entries[19].hash,
        &entries[20..35],
        &checkpoints,
        false,
        Some(&key),
    );
    assert_eq!(middle.unwrap().entries, 15);
}

#[test]
fn batches_verify_like_the_whole_and_find_the_same_breaks() {
    let (mut entries, checkpoints) = chain(100, 7);
    let key = key().verifying_key();
    let mut verifier = Verifier::new(GENESIS, checkpoints.clone(), Some(&key));
    for batch in entries.chunks(13) {
        verifier.feed(&Hashed::new(batch.to_vec())).unwrap();
    }
    let verified = verifier.finish(true).unwrap();
    assert_eq!((verified.entries, verified.checkpoints), (100, 14));
    entries[60].entry.actor = "someone.else".to_owned();
    let mut verifier = Verifier::new(GENESIS, checkpoints.clone(), Some(&key));
    let broken = entries
        .chunks(13)
        .find_map(|b| verifier.feed(&Hashed::new(b.to_vec())).err())
        .unwrap();
    assert_eq!(
        broken,
        Break {
            id: entries[60].entry.id,
            why: BreakKind::Altered
        }
    );
    // Cut short: the last checkpoint is past the end.
    let mut verifier = Verifier::new(GENESIS, checkpoints, Some(&key));
    verifier.feed(&Hashed::new(entries[..50].to_vec())).unwrap();
    assert_eq!(verifier.finish(true).unwrap_err().why, BreakKind::Truncated);
}

#[test]
fn the_encoding_tells_absent_from_empty() {
    let mut a = entry(1, "x");
    let mut b = a.clone();
    a.after = None;
    b.after = Some(String::new());
    assert_ne!(entry_hash(&GENESIS, &a), entry_hash(&GENESIS, &b));
}

#[test]
fn a_forged_checkpoint_is_refused() {
    let (entries, mut checkpoints) = chain(20, 10);
    checkpoints[1].signature = SigningKey::from_bytes(&[9; 32])
        .sign(&Checkpoint::message(
            checkpoints[1].last_id,
            &checkpoints[1].hash,
            0,
        ))
        .to_bytes();
    assert_eq!(
        check(&entries, &checkpoints).unwrap_err().why,
        BreakKind::BadSignature
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Changing any field of any entry is found at that entry, or — when the
    /// forger also rewrote its hash — at the next one, or at the checkpoint.
    #[test]
    fn any_change_is_found_and_located(at in 0usize..40, field in 0usize..7, rehash: bool) {
        let (mut entries, checkpoints) = chain(40, 8);
        let e = &mut entries[at].entry;
        match field {
            0 => e.at += 1,
            1 => e.actor.push('x'),
            2 => e.action = "alert.claim".to_owned(),
            3 => e.target.push('0'),
            4 => e.before = None,
            5 => e.after = Some("{}".to_owned()),
            _ => e.id += 1,
        }
        if rehash {
            entries[at].hash = entry_hash(&entries[at].prev_hash, &entries[at].entry);
        }
        let broken = check(&entries, &checkpoints).unwrap_err();
        let id = entries[at].entry.id;
        if rehash {
            let next = entries.get(at + 1).map(|c| c.entry.id);
            prop_assert!(Some(broken.id) == next || broken.id >= id, "{broken} for {id}");
        } else {
            prop_assert_eq!(broken, Break { id, why: BreakKind::Altered });
        }
    }

    /// Removing, inserting or swapping entries is found where it happened.
    #[test]
    fn removals_insertions_and_reorders_are_found(at in 1usize..39, kind in 0usize..3) {
        let (mut entries, checkpoints) = chain(40, 8);
        let found_at = match kind {
            0 => {
                entries.remove(at);
                entries[at].entry.id
            }
            1 => {
                let copy = entries[at].clone();
                entries.insert(at, copy);
                entries[at + 1].entry.id
            }
            _ => {
                entries.swap(at, at + 1);
                entries[at].entry.id
            }
        };
        let broken = check(&entries, &checkpoints).unwrap_err();
        prop_assert_eq!(broken.id, found_at);
    }

    /// Cutting entries off the end is found through the last checkpoint.
    #[test]
    fn a_truncated_chain_is_found(keep in 0usize..39) {
        let (mut entries, checkpoints) = chain(40, 8);
        let last_checkpoint = checkpoints.last().unwrap().last_id;
        entries.truncate(keep);
        let result = check(&entries, &checkpoints);
        if entries.last().is_none_or(|c| c.entry.id < last_checkpoint) {
            prop_assert_eq!(result.unwrap_err().why, BreakKind::Truncated);
        } else {
            prop_assert!(result.is_ok());
        }
    }
}

#[test]
fn actions_keep_their_dotted_names() {
    assert_eq!(
        "blacklist.removal_request".parse::<Action>(),
        Ok(Action::BlacklistRemovalRequest)
    );
    assert_eq!(
        Action::SessionSignInFailed.as_str(),
        "session.sign_in_failed"
    );
    assert_eq!(
        serde_json::to_string(&Action::CaseBlacklistShared).unwrap(),
        "\"case.blacklist_shared\""
    );
    assert!(
        "alert.claimed".parse::<Action>().is_err(),
        "an event, not an action"
    );
}

#[test]
fn hex_reads_both_cases_and_nothing_else() {
    assert_eq!(from_hex::<2>("0aFf"), Some([0x0a, 0xff]));
    assert_eq!(from_hex::<2>("A09b"), Some([0xa0, 0x9b]));
    for bad in ["0aF", "0aFf0", "0g00", "00 0", "0:00", "é0"] {
        assert_eq!(from_hex::<2>(bad), None, "{bad:?}");
    }
}
