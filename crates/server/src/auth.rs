//! Operator sign-in: argon2 passwords, RFC 6238 TOTP codes accepted once,
//! opaque bearer tokens stored only as hashes, idle and absolute expiry,
//! lockouts that grow after repeated failures.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

/// Sessions end after this long without a request.
pub const IDLE_TIMEOUT_MS: i64 = 15 * 60 * 1000;
/// Sessions end this long after sign-in, whatever happens.
pub const ABSOLUTE_TIMEOUT_MS: i64 = 8 * 60 * 60 * 1000;
/// Failed sign-ins in a row before the operator is locked out.
pub const MAX_FAILED_ATTEMPTS: i32 = 10;
/// Each lock in a row lasts longer (the last repeats); a success starts
/// again from the first, and a lapsed lock starts the count again.
pub const LOCKS_MS: [i64; 3] = [60 * 1000, 5 * 60 * 1000, 30 * 60 * 1000];
/// Wrong step-up codes in a row before the session ends.
pub const MAX_STEP_UP_FAILURES: i32 = 5;
/// `last_seen_at` is written at most this often, so that reads stay reads.
pub const TOUCH_INTERVAL_MS: i64 = 60 * 1000;

const TOTP_STEP_SECS: u64 = 30;

/// The lockout policy, for the store.
pub fn lockout() -> crate::store::Lockout {
    crate::store::Lockout {
        max_attempts: MAX_FAILED_ATTEMPTS,
        locks_ms: LOCKS_MS.to_vec(),
    }
}

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random TOTP secret, base32 as authenticator apps expect.
pub fn new_totp_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

/// The `otpauth://` URI an authenticator app scans (as a QR code) or takes
/// typed in, for `operator`'s secret.
pub fn otpauth_uri(operator: &str, secret_base32: &str) -> String {
    format!(
        "otpauth://totp/RiskDesk:{operator}?secret={secret_base32}&issuer=RiskDesk&digits=6&period=30"
    )
}

/// A one-time password for a new operator: 16 characters from an alphabet
/// without look-alikes (about 80 bits), to be typed once.
pub fn new_initial_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rand::Rng::random_range(&mut rng, 0..ALPHABET.len())]))
        .collect()
}

fn totp(secret_base32: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().ok()?;
    // `new_unchecked` because RFC 6238 allows 80-bit secrets, which `new` refuses.
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        1,
        TOTP_STEP_SECS,
        bytes,
    ))
}

/// The code an authenticator shows at `unix_secs`.
pub fn totp_code(secret_base32: &str, unix_secs: u64) -> Option<String> {
    totp(secret_base32).map(|t| t.generate(unix_secs))
}

/// The time step a code belongs to, if it is valid within one step of now
/// (clock drift). The caller must then record the step so that it is never
/// accepted again.
pub fn totp_step(secret_base32: &str, code: &str, unix_secs: u64) -> Option<i64> {
    let totp = totp(secret_base32)?;
    let now_step = unix_secs / TOTP_STEP_SECS;
    [now_step.saturating_sub(1), now_step, now_step + 1]
        .into_iter()
        .find_map(|step| {
            let expected = totp.generate(step * TOTP_STEP_SECS);
            bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
                .then(|| i64::try_from(step).ok())?
        })
}

/// A fresh bearer token: 256 random bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new service client's key: random, shown once, stored only as its hash.
pub fn new_service_key() -> String {
    format!("rdsvc_{}", new_token())
}

/// What the store keeps instead of the token (or a service client's key).
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B, SHA-1 secret "12345678901234567890", 6 digits.
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(totp_code(&secret, 59).unwrap(), "287082");
        assert_eq!(totp_code(&secret, 1_111_111_109).unwrap(), "081804");
        assert_eq!(
            totp_step(&secret, "081804", 1_111_111_109),
            Some(1_111_111_109 / 30)
        );
        assert_eq!(
            totp_step(&secret, "081804", 1_111_111_109 + 30),
            Some(1_111_111_109 / 30)
        );
        assert_eq!(totp_step(&secret, "081804", 1_111_111_109 + 90), None);
        assert_eq!(totp_step(&secret, "000000", 59), None);
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horse ", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn tokens_are_unique_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
