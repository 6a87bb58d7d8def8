//! The service's own Ed25519 key, with which it signs checkpoints of the
//! audit chain. It lives in a file of its own (hex, readable by the service
//! alone), never in the database: whoever can rewrite the database cannot
//! forge a checkpoint.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use ed25519_dalek::{SigningKey, VerifyingKey};
use riskdesk_domain::audit;

/// Reads the key at `path`, or makes one there (mode 0600) if there is none.
pub fn load_or_create(path: &Path) -> anyhow::Result<SigningKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = audit::from_hex::<32>(text.trim()).with_context(|| {
                format!(
                    "{}: expected 64 hex digits (an Ed25519 key)",
                    path.display()
                )
            })?;
            Ok(SigningKey::from_bytes(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
            write_new_private(path, &format!("{}\n", audit::hex(&key.to_bytes())))
                .with_context(|| format!("creating the audit key {}", path.display()))?;
            tracing::info!(path = %path.display(), key_id = %key_id(&key.verifying_key()), "created an audit signing key");
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("reading the audit key {}", path.display())),
    }
}

/// Writes `text` into a new file at `path` that only its owner may read
/// (0600); a file already there is never overwritten. A key file's way in.
pub fn write_new_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// A short name for a public key: its first 8 bytes, hex.
pub fn key_id(key: &VerifyingKey) -> String {
    audit::hex(&key.as_bytes()[..8])
}
