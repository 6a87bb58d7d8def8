//! Verifying the audit chain here, in the console, rather than trusting the
//! service's word: every entry's hash is recomputed and its link checked,
//! and the service's signed checkpoints are checked against the public key
//! this console pinned the first time it saw the service.

use futures_util::StreamExt;
use riskdesk_api::audit::{AuditEntryView, AuditQuery, CheckpointView};
use riskdesk_client::{Client, ClientError};
use riskdesk_domain::audit::{
    self, Break, Chained, Checkpoint, Entry, GENESIS, Hashed, Verified, Verifier,
};

use crate::ipc::{AuditVerification, BrokenEntry};

/// Entries per request while verifying.
const BATCH: u32 = 5_000;
/// Requests in flight while verifying.
const PAGES_AT_ONCE: usize = 4;

/// Verifies the whole chain the service serves. `pinned` is the public key
/// (hex) first seen for this service, if any; the answer carries the key it
/// used, for pinning.
pub async fn verify(
    client: &Client,
    pinned: Option<&str>,
) -> Result<AuditVerification, ClientError> {
    let protocol = |what: &str| ClientError::Protocol(format!("the audit {what} is malformed"));
    let served = client.audit_keys().await?.into_iter().next();
    let key_hex = pinned
        .map(str::to_owned)
        .or_else(|| served.as_ref().map(|k| k.public_key.clone()));
    let key_changed = matches!((pinned, &served), (Some(p), Some(s)) if p != s.public_key);
    let public = key_hex
        .as_deref()
        .and_then(audit::from_hex::<32>)
        .map(|bytes| ed25519_dalek::VerifyingKey::from_bytes(&bytes))
        .transpose()
        .map_err(|_| protocol("signing key"))?;
    let checkpoints = match &public {
        Some(_) => client
            .audit_checkpoints()
            .await?
            .iter()
            .map(checkpoint)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| protocol("checkpoint"))?,
        None => Vec::new(),
    };
    // The service checks itself meanwhile; its word is shown beside ours.
    let (verified, service) = tokio::join!(
        own_check(client, checkpoints, public.as_ref()),
        client.audit_verify()
    );
    let (verified, service) = (verified?, service?);
    let (entries, checkpoints, first_broken) = match verified {
        Ok(v) => (v.entries, v.checkpoints, None),
        Err(b) => (
            0,
            0,
            Some(BrokenEntry {
                id: b.id,
                kind: b.why.code().to_owned(),
                why: b.why.to_string(),
            }),
        ),
    };
    Ok(AuditVerification {
        intact: first_broken.is_none() && !key_changed,
        entries,
        checkpoints,
        key: key_hex,
        key_changed,
        first_broken,
        service_says_intact: service.intact,
    })
}

/// The chain as far as its newest entry when the check starts, downloaded
/// [`PAGES_AT_ONCE`] pages at a time and checked in order. A page is the
/// first [`BATCH`] entries after an id, so pages asked for at steps of
/// `BATCH` ids overlap only where entries are missing — and a missing entry
/// is what the check is for: entries already checked are skipped.
async fn own_check(
    client: &Client,
    checkpoints: Vec<Checkpoint>,
    public: Option<&ed25519_dalek::VerifyingKey>,
) -> Result<Result<Verified, Break>, ClientError> {
    let newest = client
        .audit(&AuditQuery {
            limit: Some(1),
            ..AuditQuery::default()
        })
        .await?
        .items
        .first()
        .map_or(0, |e| e.id);
    let mut pages = futures_util::stream::iter((0..newest).step_by(BATCH as usize))
        .map(|after| {
            let client = client.clone();
            // A task each, so that pages are parsed on every core.
            tokio::spawn(async move { client.audit_chain(after, BATCH).await })
        })
        .buffered(PAGES_AT_ONCE);
    // Without any key only the chain itself can be checked.
    let mut verifier = Verifier::new(GENESIS, checkpoints, public);
    let mut checked_to = 0;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| ClientError::Protocol(e.to_string()))??;
        let batch = page
            .iter()
            .filter(|e| e.id > checked_to)
            .map(chained)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| ClientError::Protocol("the audit chain is malformed".to_owned()))?;
        if let Some(last) = batch.last() {
            checked_to = last.entry.id;
        }
        if let Err(b) = verifier.feed(&Hashed::new(batch)) {
            return Ok(Err(b));
        }
    }
    Ok(verifier.finish(true))
}

fn chained(e: &AuditEntryView) -> Option<Chained> {
    Some(Chained {
        entry: Entry {
            id: e.id,
            at: e.at.timestamp_millis(),
            actor: e.actor.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
        },
        prev_hash: audit::from_hex(&e.prev_hash)?,
        hash: audit::from_hex(&e.hash)?,
    })
}

fn checkpoint(c: &CheckpointView) -> Option<Checkpoint> {
    Some(Checkpoint {
        last_id: c.last_id,
        hash: audit::from_hex(&c.hash)?,
        signed_at: c.signed_at_ms,
        signature: audit::from_hex(&c.signature)?,
    })
}
