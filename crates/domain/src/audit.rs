//! The audit trail as a tamper-evident chain.
//!
//! Each entry's hash is SHA-256 over a canonical encoding of its fields and
//! the previous entry's hash, so changing, removing, inserting or reordering
//! an entry breaks the chain at that point. A chain can also be cut short
//! from the end; the service therefore signs checkpoints — the id and hash
//! of the last entry at the time — with its Ed25519 key, and a verifier
//! that holds the public key finds a truncation by a checkpoint the chain
//! no longer reaches. The service and the console verify with this code.

use ed25519_dalek::{Signature, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The "previous hash" of the first entry.
pub const GENESIS: Hash = [0; 32];

/// Every action the trail records: a closed set, so that an entry the
/// service writes outside it fails (the chain's writer refuses it), and
/// the console's labels (one for each, in both languages) are checked
/// against it. Entries keep the action's dotted name.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "AuditAction"))]
pub enum Action {
    #[serde(rename = "account.limit")]
    #[strum(serialize = "account.limit")]
    AccountLimit,
    #[serde(rename = "alert.assign")]
    #[strum(serialize = "alert.assign")]
    AlertAssign,
    #[serde(rename = "alert.claim")]
    #[strum(serialize = "alert.claim")]
    AlertClaim,
    #[serde(rename = "alert.close")]
    #[strum(serialize = "alert.close")]
    AlertClose,
    #[serde(rename = "alert.escalate")]
    #[strum(serialize = "alert.escalate")]
    AlertEscalate,
    #[serde(rename = "alert.next")]
    #[strum(serialize = "alert.next")]
    AlertNext,
    #[serde(rename = "alert.note")]
    #[strum(serialize = "alert.note")]
    AlertNote,
    #[serde(rename = "alert.release")]
    #[strum(serialize = "alert.release")]
    AlertRelease,
    #[serde(rename = "blacklist.add")]
    #[strum(serialize = "blacklist.add")]
    BlacklistAdd,
    #[serde(rename = "blacklist.removal_reject")]
    #[strum(serialize = "blacklist.removal_reject")]
    BlacklistRemovalReject,
    #[serde(rename = "blacklist.removal_request")]
    #[strum(serialize = "blacklist.removal_request")]
    BlacklistRemovalRequest,
    #[serde(rename = "blacklist.remove")]
    #[strum(serialize = "blacklist.remove")]
    BlacklistRemove,
    #[serde(rename = "case.add_members")]
    #[strum(serialize = "case.add_members")]
    CaseAddMembers,
    #[serde(rename = "case.assign")]
    #[strum(serialize = "case.assign")]
    CaseAssign,
    #[serde(rename = "case.attach")]
    #[strum(serialize = "case.attach")]
    CaseAttach,
    #[serde(rename = "case.blacklist_shared")]
    #[strum(serialize = "case.blacklist_shared")]
    CaseBlacklistShared,
    #[serde(rename = "case.check")]
    #[strum(serialize = "case.check")]
    CaseCheck,
    #[serde(rename = "case.close")]
    #[strum(serialize = "case.close")]
    CaseClose,
    #[serde(rename = "case.freeze_all")]
    #[strum(serialize = "case.freeze_all")]
    CaseFreezeAll,
    #[serde(rename = "case.note")]
    #[strum(serialize = "case.note")]
    CaseNote,
    #[serde(rename = "case.open")]
    #[strum(serialize = "case.open")]
    CaseOpen,
    #[serde(rename = "case.tag")]
    #[strum(serialize = "case.tag")]
    CaseTag,
    #[serde(rename = "dispute.escalated")]
    #[strum(serialize = "dispute.escalated")]
    DisputeEscalated,
    #[serde(rename = "dispute.open")]
    #[strum(serialize = "dispute.open")]
    DisputeOpen,
    #[serde(rename = "dispute.refund_proposed")]
    #[strum(serialize = "dispute.refund_proposed")]
    DisputeRefundProposed,
    #[serde(rename = "dispute.refund_rejected")]
    #[strum(serialize = "dispute.refund_rejected")]
    DisputeRefundRejected,
    #[serde(rename = "dispute.refunded")]
    #[strum(serialize = "dispute.refunded")]
    DisputeRefunded,
    #[serde(rename = "dispute.rejected")]
    #[strum(serialize = "dispute.rejected")]
    DisputeRejected,
    #[serde(rename = "export.alerts")]
    #[strum(serialize = "export.alerts")]
    ExportAlerts,
    #[serde(rename = "export.audit")]
    #[strum(serialize = "export.audit")]
    ExportAudit,
    #[serde(rename = "export.disputes")]
    #[strum(serialize = "export.disputes")]
    ExportDisputes,
    #[serde(rename = "export.transactions")]
    #[strum(serialize = "export.transactions")]
    ExportTransactions,
    #[serde(rename = "freeze.place")]
    #[strum(serialize = "freeze.place")]
    FreezePlace,
    #[serde(rename = "freeze.release")]
    #[strum(serialize = "freeze.release")]
    FreezeRelease,
    #[serde(rename = "limit.approve")]
    #[strum(serialize = "limit.approve")]
    LimitApprove,
    #[serde(rename = "limit.decrease")]
    #[strum(serialize = "limit.decrease")]
    LimitDecrease,
    #[serde(rename = "limit.propose")]
    #[strum(serialize = "limit.propose")]
    LimitPropose,
    #[serde(rename = "limit.reject")]
    #[strum(serialize = "limit.reject")]
    LimitReject,
    #[serde(rename = "operator.add")]
    #[strum(serialize = "operator.add")]
    OperatorAdd,
    #[serde(rename = "operator.disable")]
    #[strum(serialize = "operator.disable")]
    OperatorDisable,
    #[serde(rename = "operator.enable")]
    #[strum(serialize = "operator.enable")]
    OperatorEnable,
    #[serde(rename = "operator.own_password")]
    #[strum(serialize = "operator.own_password")]
    OperatorOwnPassword,
    #[serde(rename = "operator.reset_totp")]
    #[strum(serialize = "operator.reset_totp")]
    OperatorResetTotp,
    #[serde(rename = "operator.role")]
    #[strum(serialize = "operator.role")]
    OperatorRole,
    #[serde(rename = "pii.reveal")]
    #[strum(serialize = "pii.reveal")]
    PiiReveal,
    #[serde(rename = "rules.draft")]
    #[strum(serialize = "rules.draft")]
    RulesDraft,
    #[serde(rename = "rules.publish")]
    #[strum(serialize = "rules.publish")]
    RulesPublish,
    #[serde(rename = "rules.shadow")]
    #[strum(serialize = "rules.shadow")]
    RulesShadow,
    #[serde(rename = "service_client.add")]
    #[strum(serialize = "service_client.add")]
    ServiceClientAdd,
    #[serde(rename = "service_client.revoke")]
    #[strum(serialize = "service_client.revoke")]
    ServiceClientRevoke,
    #[serde(rename = "session.end")]
    #[strum(serialize = "session.end")]
    SessionEnd,
    #[serde(rename = "session.sign_in")]
    #[strum(serialize = "session.sign_in")]
    SessionSignIn,
    #[serde(rename = "session.sign_in_failed")]
    #[strum(serialize = "session.sign_in_failed")]
    SessionSignInFailed,
    #[serde(rename = "session.sign_out")]
    #[strum(serialize = "session.sign_out")]
    SessionSignOut,
    #[serde(rename = "session.step_up_failed")]
    #[strum(serialize = "session.step_up_failed")]
    SessionStepUpFailed,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One entry as it is hashed: who did what to which record, when, and the
/// record before and after (JSON text, as stored).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    /// UTC milliseconds.
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An entry with the hashes stored beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chained {
    pub entry: Entry,
    pub prev_hash: Hash,
    pub hash: Hash,
}

/// The entry's hash after `prev`. Every field is length-prefixed, so no two
/// different entries encode alike; `None` and `Some("")` differ too.
pub fn entry_hash(prev: &Hash, entry: &Entry) -> Hash {
    let mut sha = Sha256::new();
    sha.update(b"riskdesk-audit-v1");
    sha.update(prev);
    sha.update(entry.id.to_be_bytes());
    sha.update(entry.at.to_be_bytes());
    for text in [&entry.actor, &entry.action, &entry.target] {
        field(&mut sha, Some(text));
    }
    field(&mut sha, entry.before.as_deref());
    field(&mut sha, entry.after.as_deref());
    sha.finalize().into()
}

fn field(sha: &mut Sha256, text: Option<&str>) {
    match text {
        None => sha.update([0]),
        Some(text) => {
            sha.update([1]);
            sha.update((text.len() as u64).to_be_bytes());
            sha.update(text.as_bytes());
        }
    }
}

/// A signed statement that the chain reached entry `last_id` with `hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub last_id: i64,
    pub hash: Hash,
    /// UTC milliseconds.
    pub signed_at: i64,
    pub signature: [u8; 64],
}

impl Checkpoint {
    /// What is signed.
    pub fn message(last_id: i64, hash: &Hash, signed_at: i64) -> Vec<u8> {
        let mut message = b"riskdesk-audit-checkpoint-v1".to_vec();
        message.extend(last_id.to_be_bytes());
        message.extend(hash);
        message.extend(signed_at.to_be_bytes());
        message
    }

    pub fn signature_holds(&self, key: &VerifyingKey) -> bool {
        let message = Checkpoint::message(self.last_id, &self.hash, self.signed_at);
        key.verify(&message, &Signature::from_bytes(&self.signature))
            .is_ok()
    }
}

/// Where a chain is broken, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("entry {id}: {why}")]
pub struct Break {
    /// The first entry found wrong (for a truncation: the checkpoint's entry).
    pub id: i64,
    pub why: BreakKind,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BreakKind {
    #[error("its content does not match its hash (altered)")]
    Altered,
    #[error("it does not follow the entry before it (an entry was removed, inserted or moved)")]
    Unlinked,
    #[error("a signed checkpoint says the chain had this entry with another hash")]
    CheckpointMismatch,
    #[error(
        "a signed checkpoint says the chain reached this entry, but it ends before (truncated)"
    )]
    Truncated,
    #[error("a checkpoint's signature does not hold")]
    BadSignature,
}

impl BreakKind {
    /// A stable name, for programs and translations.
    pub fn code(&self) -> &'static str {
        match self {
            BreakKind::Altered => "altered",
            BreakKind::Unlinked => "unlinked",
            BreakKind::CheckpointMismatch => "checkpoint_mismatch",
            BreakKind::Truncated => "truncated",
            BreakKind::BadSignature => "bad_signature",
        }
    }
}

/// What a verification covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub entries: u64,
    pub checkpoints: u64,
    /// The last entry's id and hash: where the next range continues.
    pub last: Option<(i64, Hash)>,
}

/// Verifies `entries` (consecutive, oldest first) that follow `prev` (the
/// hash before the first of them, [`GENESIS`] from the start), against the
/// signed `checkpoints` after the entry before them. `to_end`: the entries
/// run to the end of the chain, so a checkpoint past them is a truncation
/// (otherwise it belongs to a later range). Without a `key` no checkpoint
/// can be checked: the chain alone is.
pub fn verify(
    prev: Hash,
    entries: &[Chained],
    checkpoints: &[Checkpoint],
    to_end: bool,
    key: Option<&VerifyingKey>,
) -> Result<Verified, Break> {
    link(
        prev,
        entries,
        first_altered(entries),
        checkpoints,
        to_end,
        key,
    )
}

/// A stretch of consecutive entries, each checked against its own hash:
/// the costly half of a verification. It needs no other entry, so that
/// stretches can be hashed on several threads while a [`Verifier`] links
/// them in order.
#[derive(Debug)]
pub struct Hashed {
    entries: Vec<Chained>,
    /// The first entry whose contents and previous hash do not give its hash.
    altered: Option<usize>,
}

impl Hashed {
    pub fn new(entries: Vec<Chained>) -> Hashed {
        let altered = first_altered(&entries);
        Hashed { entries, altered }
    }
}

fn first_altered(entries: &[Chained]) -> Option<usize> {
    entries
        .iter()
        .position(|c| entry_hash(&c.prev_hash, &c.entry) != c.hash)
}

/// [`verify`] with the entries' own hashes checked already: `altered` is
/// the first that does not hold. The first break in the chain's order is
/// the one reported.
fn link(
    prev: Hash,
    entries: &[Chained],
    altered: Option<usize>,
    checkpoints: &[Checkpoint],
    to_end: bool,
    key: Option<&VerifyingKey>,
) -> Result<Verified, Break> {
    let checkpoints = if key.is_some() { checkpoints } else { &[] };
    let mut expected_prev = prev;
    for (index, chained) in entries.iter().enumerate() {
        let id = chained.entry.id;
        if chained.prev_hash != expected_prev {
            return Err(Break {
                id,
                why: BreakKind::Unlinked,
            });
        }
        if altered == Some(index) {
            return Err(Break {
                id,
                why: BreakKind::Altered,
            });
        }
        expected_prev = chained.hash;
    }
    let (first, last) = match (entries.first(), entries.last()) {
        (Some(first), Some(last)) => (first.entry.id, last.entry.id),
        _ => (i64::MAX, i64::MIN),
    };
    for checkpoint in checkpoints {
        if !key.is_some_and(|key| checkpoint.signature_holds(key)) {
            return Err(Break {
                id: checkpoint.last_id,
                why: BreakKind::BadSignature,
            });
        }
        if checkpoint.last_id > last {
            if to_end {
                return Err(Break {
                    id: checkpoint.last_id,
                    why: BreakKind::Truncated,
                });
            }
            continue;
        }
        if checkpoint.last_id < first {
            continue;
        }
        match entries.iter().find(|c| c.entry.id == checkpoint.last_id) {
            Some(c) if c.hash == checkpoint.hash => {}
            Some(_) => {
                return Err(Break {
                    id: checkpoint.last_id,
                    why: BreakKind::CheckpointMismatch,
                });
            }
            // The checkpoint's entry is gone from inside the range.
            None => {
                let next = entries
                    .iter()
                    .find(|c| c.entry.id > checkpoint.last_id)
                    .map_or(checkpoint.last_id, |c| c.entry.id);
                return Err(Break {
                    id: next,
                    why: BreakKind::Unlinked,
                });
            }
        }
    }
    Ok(Verified {
        entries: entries.len() as u64,
        checkpoints: checkpoints.len() as u64,
        last: entries.last().map(|c| (c.entry.id, c.hash)),
    })
}

/// Verifies a chain in consecutive batches, so that a million entries need
/// not be held at once: `feed` each batch oldest first, then `finish`.
#[derive(Debug)]
pub struct Verifier<'k> {
    key: Option<&'k VerifyingKey>,
    prev: Hash,
    /// The checkpoints not yet checked, by `last_id`.
    pending: Vec<Checkpoint>,
    entries: u64,
    checkpoints: u64,
    last: Option<(i64, Hash)>,
}

impl<'k> Verifier<'k> {
    /// From the entry after the one whose hash is `prev` ([`GENESIS`] from
    /// the start), against the checkpoints after it (none without a key).
    pub fn new(
        prev: Hash,
        mut checkpoints: Vec<Checkpoint>,
        key: Option<&'k VerifyingKey>,
    ) -> Self {
        if key.is_none() {
            checkpoints.clear();
        }
        checkpoints.sort_by_key(|c| c.last_id);
        Verifier {
            key,
            prev,
            pending: checkpoints,
            entries: 0,
            checkpoints: 0,
            last: None,
        }
    }

    pub fn feed(&mut self, batch: &Hashed) -> Result<(), Break> {
        let Some(last) = batch.entries.last().map(|c| c.entry.id) else {
            return Ok(());
        };
        let due = self.pending.partition_point(|c| c.last_id <= last);
        let checkpoints: Vec<Checkpoint> = self.pending.drain(..due).collect();
        let verified = link(
            self.prev,
            &batch.entries,
            batch.altered,
            &checkpoints,
            false,
            self.key,
        )?;
        self.entries += verified.entries;
        self.checkpoints += verified.checkpoints;
        if let Some((id, hash)) = verified.last {
            self.prev = hash;
            self.last = Some((id, hash));
        }
        Ok(())
    }

    /// `to_end`: the batches ran to the end of the chain, so a checkpoint
    /// past them means the chain was cut short.
    pub fn finish(self, to_end: bool) -> Result<Verified, Break> {
        if to_end {
            verify(self.prev, &[], &self.pending, true, self.key)?;
        }
        Ok(Verified {
            entries: self.entries,
            checkpoints: self.checkpoints,
            last: self.last,
        })
    }
}

/// Lowercase hex, as hashes are stored and sent.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of lowercase or uppercase hex, if it is `N` bytes of it.
pub fn from_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    // A table rather than a match: verification decodes two hashes an entry,
    // and the branches were a tenth of its time (docs/benchmarks.md).
    const NOT_HEX: u8 = 0xff;
    const NIBBLES: [u8; 256] = {
        let mut table = [NOT_HEX; 256];
        let mut c: u8 = 0;
        loop {
            table[c as usize] = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => NOT_HEX,
            };
            if c == u8::MAX {
                break;
            }
            c += 1;
        }
        table
    };
    let text = text.as_bytes();
    if text.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    let mut bad = 0;
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let (high, low) = (NIBBLES[usize::from(pair[0])], NIBBLES[usize::from(pair[1])]);
        bad |= high | low;
        *byte = (high << 4) | (low & 0x0f);
    }
    (bad & 0xf0 == 0).then_some(out)
}

#[cfg(test)]
mod tests;
