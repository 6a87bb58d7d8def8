//! The key that keeps secrets and personal data unreadable in the database:
//! operators' TOTP secrets and customers' names, phones and national IDs are
//! stored sealed (XChaCha20-Poly1305), and national IDs are matched by a
//! keyed hash (HMAC-SHA256), so that a copy of the database — a backup, a
//! dump, a stolen disk — gives none of them without the key.
//!
//! The key lives apart from the database: in a file (hex, made if missing,
//! refused if others may read it) or, for containers, in the environment.
//! It holds two halves: the sealing key, which `rotate-key` replaces, and
//! the index key, which stays for the life of the data (a keyed hash
//! cannot be recomputed from itself). A sealed value names its sealing key,
//! so that during a rotation the previous key still opens what it sealed.

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use riskdesk_domain::audit;
use sha2::{Digest, Sha256};

/// What a sealed value starts with: `sealed:<key id>:<base64 of nonce ‖ ciphertext>`.
const SEALED: &str = "sealed:";
/// The environment variable that may hold the key file's text instead of a file.
pub const KEY_ENV: &str = "RISKDESK_DATA_KEY";

/// One sealing key and its short public name.
#[derive(Clone)]
struct SealingKey {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl SealingKey {
    fn new(bytes: &[u8; 32]) -> SealingKey {
        SealingKey {
            id: audit::hex(&Sha256::digest(bytes)[..4]),
            cipher: XChaCha20Poly1305::new(bytes.into()),
        }
    }
}

/// The data key (and, during a rotation, the previous one).
#[derive(Clone)]
pub struct DataKeys {
    current: SealingKey,
    previous: Option<SealingKey>,
    index: [u8; 32],
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKeys")
            .field("current", &self.current.id)
            .field("previous", &self.previous.as_ref().map(|k| &k.id))
            .finish_non_exhaustive()
    }
}

/// The text of a key file.
struct KeyText {
    sealing: [u8; 32],
    index: [u8; 32],
}

impl KeyText {
    fn parse(text: &str, source: &str) -> anyhow::Result<KeyText> {
        let mut sealing = None;
        let mut index = None;
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, value) = line
                .split_once('=')
                .map(|(n, v)| (n.trim(), v.trim()))
                .with_context(|| format!("{source}: expected `name = hex` lines"))?;
            let bytes = audit::from_hex::<32>(value)
                .with_context(|| format!("{source}: {name} must be 64 hex digits"))?;
            match name {
                "sealing" => sealing = Some(bytes),
                "index" => index = Some(bytes),
                other => anyhow::bail!("{source}: unknown key {other:?}"),
            }
        }
        Ok(KeyText {
            sealing: sealing.with_context(|| format!("{source}: no `sealing = …` line"))?,
            index: index.with_context(|| format!("{source}: no `index = …` line"))?,
        })
    }

    fn render(&self) -> String {
        format!(
            "# RiskDesk data key. Keep it apart from the database and its backups:\n\
             # without it the sealed data cannot be read, by anyone.\n\
             sealing = {}\nindex = {}\n",
            audit::hex(&self.sealing),
            audit::hex(&self.index)
        )
    }
}

impl DataKeys {
    /// A fresh key held in memory only (tests, a database that lives in memory).
    pub fn ephemeral() -> DataKeys {
        DataKeys::from_text(&KeyText {
            sealing: rand::random(),
            index: rand::random(),
        })
    }

    fn from_text(text: &KeyText) -> DataKeys {
        DataKeys {
            current: SealingKey::new(&text.sealing),
            previous: None,
            index: text.index,
        }
    }

    /// The key in `path`, made there if missing (mode 0600). With `like`,
    /// a new key keeps that key's index half: what `rotate-key` needs.
    pub fn load_or_create(path: &Path, like: Option<&DataKeys>) -> anyhow::Result<DataKeys> {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Ok(_) => DataKeys::load(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let text = KeyText {
                    sealing: rand::random(),
                    index: like.map_or_else(rand::random, |keys| keys.index),
                };
                crate::audit_key::write_new_private(path, &text.render())
                    .with_context(|| format!("creating the data key {shown}"))?;
                let keys = DataKeys::from_text(&text);
                tracing::info!(path = %shown, key_id = %keys.current.id, "created a data key");
                Ok(keys)
            }
            Err(e) => Err(e).with_context(|| format!("reading the data key {shown}")),
        }
    }

    /// A key from a key file's text (`sealing = hex`, `index = hex`).
    pub fn parse(text: &str) -> anyhow::Result<DataKeys> {
        Ok(DataKeys::from_text(&KeyText::parse(text, "the data key")?))
    }

    /// The key in `path`, which must exist (a previous key is never made).
    pub fn load(path: &Path) -> anyhow::Result<DataKeys> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the data key {shown}"))?;
        refuse_if_shared(path)?;
        Ok(DataKeys::from_text(&KeyText::parse(&text, &shown)?))
    }

    /// The key from `RISKDESK_DATA_KEY` (a key file's text) if set, else from
    /// the file at `path` (made if missing).
    pub fn from_env_or_file(path: Option<&Path>) -> anyhow::Result<DataKeys> {
        if let Ok(text) = std::env::var(KEY_ENV) {
            return Ok(DataKeys::from_text(&KeyText::parse(&text, KEY_ENV)?));
        }
        let path = path.with_context(|| {
            format!(
                "the data key is needed: --data-key FILE (made if missing) or {KEY_ENV}; \
                 keep it apart from the database and its backups (docs/deploy.md)"
            )
        })?;
        DataKeys::load_or_create(path, None)
    }

    /// The same keys, also opening what `previous` sealed (during a rotation).
    pub fn with_previous(self, previous: &DataKeys) -> anyhow::Result<DataKeys> {
        anyhow::ensure!(
            previous.index == self.index,
            "the previous data key's index half differs from the current one's: \
             national IDs would no longer match; make the new key with rotate-key"
        );
        Ok(DataKeys {
            previous: Some(previous.current.clone()),
            ..self
        })
    }

    /// The current sealing key's name, as sealed values carry it.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    /// `plain` sealed under the current key.
    pub fn seal(&self, plain: &str) -> String {
        let nonce: [u8; 24] = rand::random();
        let sealed = self
            .current
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: self.current.id.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!(
            "{SEALED}{}:{}",
            self.current.id,
            STANDARD_NO_PAD.encode(bytes)
        )
    }

    /// Whether `stored` is sealed under the current key (a rotation's test).
    pub fn is_current(&self, stored: &str) -> bool {
        stored
            .strip_prefix(SEALED)
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(id, _)| id == self.current.id)
    }

    /// Whether `stored` is sealed at all (a database from before sealing is not).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED)
    }

    /// What `stored` holds: opened if sealed, as it is if written before
    /// sealing (the migration seals those at the next start).
    pub fn open(&self, stored: &str) -> anyhow::Result<String> {
        let Some(rest) = stored.strip_prefix(SEALED) else {
            return Ok(stored.to_owned());
        };
        let (id, body) = rest
            .split_once(':')
            .context("a sealed value without its key id")?;
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)
            .with_context(|| {
                format!(
                    "a value sealed under data key {id}, which is not given \
                     (current {}); see docs/deploy.md on rotating the key",
                    self.current.id
                )
            })?;
        let bytes = STANDARD_NO_PAD
            .decode(body)
            .context("a sealed value that is not base64")?;
        anyhow::ensure!(bytes.len() > 24, "a sealed value too short to hold a nonce");
        let (nonce, sealed) = bytes.split_at(24);
        let plain = key
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: key.id.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("a sealed value failed its integrity check"))?;
        Ok(String::from_utf8(plain)?)
    }

    /// A national ID as it is listed and matched: a keyed hash, 64 hex
    /// digits, which without the key cannot be tried against the 10¹¹
    /// possible IDs.
    pub fn index_national_id(&self, national_id: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index)
            .expect("HMAC takes a key of any length");
        mac.update(b"riskdesk-national-id:");
        mac.update(national_id.as_bytes());
        audit::hex(&mac.finalize().into_bytes())
    }

    /// A phone number as accounts are linked by it: a keyed hash, like a
    /// national ID's, that a copy of the database cannot be searched by.
    pub fn index_phone(&self, phone: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index)
            .expect("HMAC takes a key of any length");
        mac.update(b"riskdesk-phone:");
        mac.update(phone.as_bytes());
        audit::hex(&mac.finalize().into_bytes())
    }
}

/// A key file others may read is a key others may have copied.
fn refuse_if_shared(path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        anyhow::ensure!(
            mode & 0o077 == 0,
            "the data key {} may be read by others (mode {:o}): chmod 600 it, \
             and treat it as possibly copied",
            path.display(),
            mode & 0o777
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_differ_each_time() {
        let keys = DataKeys::ephemeral();
        let a = keys.seal("13812341234");
        let b = keys.seal("13812341234");
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("13812341234"));
        assert_eq!(keys.open(&a).unwrap(), "13812341234");
        assert!(DataKeys::ephemeral().open(&a).is_err(), "another key");
        let mut tampered = a.clone();
        tampered.pop();
        tampered.push(if a.ends_with('A') { 'B' } else { 'A' });
        assert!(keys.open(&tampered).is_err(), "tampered");
        assert_eq!(
            keys.open("plain before sealing").unwrap(),
            "plain before sealing"
        );
    }

    #[test]
    fn a_rotation_opens_both_keys_and_keeps_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let old_path = dir.path().join("old.key");
        let new_path = dir.path().join("new.key");
        let old = DataKeys::load_or_create(&old_path, None).unwrap();
        let sealed = old.seal("张三丰");
        let new = DataKeys::load_or_create(&new_path, Some(&old)).unwrap();
        assert!(new.open(&sealed).is_err());
        assert_eq!(
            new.index_national_id("11010519491231002X"),
            old.index_national_id("11010519491231002X")
        );
        let both = new.clone().with_previous(&old).unwrap();
        assert_eq!(both.open(&sealed).unwrap(), "张三丰");
        assert!(!both.is_current(&sealed));
        assert!(both.is_current(&both.seal("x")));
        assert!(new.with_previous(&DataKeys::ephemeral()).is_err());
        // The same file read again is the same key.
        let again = DataKeys::load_or_create(&old_path, None).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "张三丰");
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_may_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        DataKeys::load_or_create(&path, None).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = DataKeys::load_or_create(&path, None).unwrap_err();
        assert!(error.to_string().contains("chmod 600"), "{error}");
    }

    #[test]
    fn national_ids_are_indexed_by_a_keyed_hash() {
        let keys = DataKeys::ephemeral();
        let index = keys.index_national_id("11010519491231002X");
        assert_eq!(index.len(), 64);
        assert_ne!(
            index,
            DataKeys::ephemeral().index_national_id("11010519491231002X")
        );
        assert_eq!(index, keys.index_national_id("11010519491231002X"));
    }
}
