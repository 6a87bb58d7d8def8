//! Payment-platform notifications in WeChat Pay API v3's wire format.
//!
//! The platform POSTs a JSON envelope whose `resource` is encrypted with
//! AEAD_AES_256_GCM under the merchant's APIv3 key, and signs
//! `timestamp\nnonce\nbody\n` with RSA-SHA256 (PKCS#1 v1.5) under the
//! platform key named by `Wechatpay-Serial`. [`WechatPay::open`] checks the
//! serial, the signature and the timestamp (±5 minutes), then decrypts; the
//! caller then refuses a nonce it has seen before (the store remembers them).
//! Checking the signature before anything else means that nobody without the
//! platform's key can burn nonces or make the service decrypt.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::RsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use sha2::Sha256;

/// How far a notification's timestamp may be from the service's clock.
pub const MAX_SKEW_SECS: i64 = 5 * 60;

/// The merchant's configuration for the platform's notifications.
#[derive(Clone)]
pub struct WechatPay {
    /// The serial number of the platform certificate whose key signs.
    serial: String,
    verifier: VerifyingKey<Sha256>,
    cipher: Aes256Gcm,
}

/// The APIv3 key never prints.
impl std::fmt::Debug for WechatPay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatPay")
            .field("serial", &self.serial)
            .field("apiv3_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The four signature headers, as received.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers<'a> {
    pub timestamp: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub serial: Option<&'a str>,
}

/// A notification whose signature and timestamp held, with its resource decrypted.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub id: String,
    /// `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, …
    pub event_type: String,
    pub nonce: String,
    /// The decrypted resource (a transaction or a refund).
    pub resource: serde_json::Value,
}

/// Why a notification was refused. Nothing was changed by it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("missing or malformed header {0}")]
    Header(&'static str),
    #[error("unknown platform certificate serial {0:?}")]
    UnknownSerial(String),
    #[error("the signature does not verify with the platform key")]
    BadSignature,
    #[error("the timestamp is {0} s away from the service's clock (at most 300 s)")]
    Stale(i64),
    #[error("malformed notification body: {0}")]
    Body(String),
    #[error("the resource cannot be decrypted with the APIv3 key")]
    Decryption,
}

#[derive(serde::Deserialize)]
struct Envelope {
    id: String,
    event_type: String,
    resource: Resource,
}

#[derive(serde::Deserialize)]
struct Resource {
    algorithm: String,
    ciphertext: String,
    associated_data: Option<String>,
    nonce: String,
}

impl WechatPay {
    /// `platform_key_pem`: the platform certificate's public key (SPKI PEM);
    /// `apiv3_key`: the merchant's 32-byte APIv3 key.
    pub fn new(serial: &str, platform_key_pem: &str, apiv3_key: &[u8]) -> anyhow::Result<Self> {
        let key = RsaPublicKey::from_public_key_pem(platform_key_pem)
            .map_err(|e| anyhow::anyhow!("the platform public key is not SPKI PEM: {e}"))?;
        let cipher = Aes256Gcm::new_from_slice(apiv3_key)
            .map_err(|_| anyhow::anyhow!("the APIv3 key must be exactly 32 bytes"))?;
        anyhow::ensure!(!serial.trim().is_empty(), "the platform serial is empty");
        Ok(WechatPay {
            serial: serial.trim().to_owned(),
            verifier: VerifyingKey::new(key),
            cipher,
        })
    }

    /// Verifies and decrypts a notification received at `now_secs`.
    pub fn open(
        &self,
        headers: &Headers<'_>,
        body: &[u8],
        now_secs: i64,
    ) -> Result<Notification, Rejected> {
        let serial = headers.serial.ok_or(Rejected::Header("Wechatpay-Serial"))?;
        if serial != self.serial {
            return Err(Rejected::UnknownSerial(serial.chars().take(64).collect()));
        }
        let timestamp = headers
            .timestamp
            .filter(|t| (1..=12).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()))
            .ok_or(Rejected::Header("Wechatpay-Timestamp"))?;
        let nonce = headers
            .nonce
            .filter(|n| (1..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or(Rejected::Header("Wechatpay-Nonce"))?;
        let signature = headers
            .signature
            .and_then(|s| STANDARD.decode(s).ok())
            .and_then(|bytes| Signature::try_from(bytes.as_slice()).ok())
            .ok_or(Rejected::Header("Wechatpay-Signature"))?;
        let mut message = Vec::with_capacity(timestamp.len() + nonce.len() + body.len() + 3);
        for part in [timestamp.as_bytes(), nonce.as_bytes(), body] {
            message.extend_from_slice(part);
            message.push(b'\n');
        }
        self.verifier
            .verify(&message, &signature)
            .map_err(|_| Rejected::BadSignature)?;
        let skew = timestamp.parse::<i64>().unwrap_or(0) - now_secs;
        if skew.abs() > MAX_SKEW_SECS {
            return Err(Rejected::Stale(skew));
        }
        let envelope: Envelope =
            serde_json::from_slice(body).map_err(|e| Rejected::Body(e.to_string()))?;
        let resource = self.decrypt(&envelope.resource)?;
        Ok(Notification {
            id: envelope.id,
            event_type: envelope.event_type,
            nonce: nonce.to_owned(),
            resource,
        })
    }

    fn decrypt(&self, resource: &Resource) -> Result<serde_json::Value, Rejected> {
        if resource.algorithm != "AEAD_AES_256_GCM" {
            return Err(Rejected::Body(format!(
                "unsupported algorithm {:?}",
                resource.algorithm
            )));
        }
        if resource.nonce.len() != 12 {
            return Err(Rejected::Body(
                "the resource nonce must be 12 bytes".to_owned(),
            ));
        }
        let ciphertext = STANDARD
            .decode(&resource.ciphertext)
            .map_err(|_| Rejected::Body("the ciphertext is not base64".to_owned()))?;
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(resource.nonce.as_bytes()),
                Payload {
                    msg: &ciphertext,
                    aad: resource.associated_data.as_deref().unwrap_or("").as_bytes(),
                },
            )
            .map_err(|_| Rejected::Decryption)?;
        serde_json::from_slice(&plain).map_err(|e| Rejected::Body(format!("resource: {e}")))
    }
}

/// A `TRANSACTION.SUCCESS` resource: the platform took the payment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct TransactionResource {
    /// The merchant's order id: the authorization's `order_id`.
    pub out_trade_no: String,
    pub transaction_id: String,
    pub trade_state: String,
    pub amount: TransactionAmount,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct TransactionAmount {
    /// In fen.
    pub total: i64,
    pub currency: Option<String>,
}

/// A `REFUND.SUCCESS` resource: the platform refunded (part of) a payment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct RefundResource {
    pub out_trade_no: String,
    /// The merchant's refund id: the refund's idempotency key.
    pub out_refund_no: String,
    pub refund_id: String,
    pub refund_status: String,
    pub success_time: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub amount: RefundAmount,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct RefundAmount {
    /// The payment's amount, in fen.
    pub total: i64,
    /// This refund's amount, in fen.
    pub refund: i64,
}
