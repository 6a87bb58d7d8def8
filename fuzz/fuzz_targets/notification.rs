//! A payment-platform notification: headers, an envelope and its encrypted
//! resource, mostly signed with the platform's key so that the fuzzer gets
//! past the signature into the envelope, the decryption and the resource.
//! Opened, or rejected with a reason, never a panic.
#![no_main]

use std::sync::OnceLock;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use arbitrary::Arbitrary;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use libfuzzer_sys::fuzz_target;
use riskdesk_server::wechatpay::{Headers, TransactionResource, WechatPay};
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use sha2::Sha256;

const APIV3_KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";
const SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
const NOW: i64 = 1_764_000_000;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    timestamp: &'a str,
    nonce: &'a str,
    /// Sign the body (as the platform would) rather than send `signature`.
    sign: bool,
    signature: &'a str,
    /// Build the envelope around `plaintext`, or send `raw` as the body.
    envelope: bool,
    raw: &'a [u8],
    plaintext: &'a [u8],
    resource_nonce: &'a str,
    associated_data: &'a str,
}

fn platform() -> &'static (RsaPrivateKey, WechatPay) {
    static PLATFORM: OnceLock<(RsaPrivateKey, WechatPay)> = OnceLock::new();
    PLATFORM.get_or_init(|| {
        // 1,024 bits rather than the platform's 2,048: signing every input
        // is most of each run's time, and the checks do not depend on it.
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 1024).expect("a key");
        let public = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .expect("PEM");
        let wechatpay = WechatPay::new(SERIAL, &public, APIV3_KEY).expect("the platform");
        (key, wechatpay)
    })
}

fuzz_target!(|input: Input<'_>| {
    let (key, wechatpay) = platform();
    let body = if input.envelope {
        let ciphertext = Aes256Gcm::new_from_slice(APIV3_KEY)
            .expect("a key")
            .encrypt(
                Nonce::from_slice(&[7; 12]),
                Payload {
                    msg: input.plaintext,
                    aad: input.associated_data.as_bytes(),
                },
            )
            .expect("encryption");
        serde_json::to_vec(&serde_json::json!({
            "id": "EV-1",
            "event_type": "TRANSACTION.SUCCESS",
            "resource": {
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": STANDARD.encode(ciphertext),
                "associated_data": input.associated_data,
                "nonce": input.resource_nonce,
            },
        }))
        .expect("JSON")
    } else {
        input.raw.to_vec()
    };
    let signature = if input.sign {
        let mut message = Vec::new();
        for part in [input.timestamp.as_bytes(), input.nonce.as_bytes(), &body] {
            message.extend_from_slice(part);
            message.push(b'\n');
        }
        STANDARD.encode(
            SigningKey::<Sha256>::new(key.clone())
                .sign(&message)
                .to_vec(),
        )
    } else {
        input.signature.to_owned()
    };
    let headers = Headers {
        timestamp: Some(input.timestamp),
        nonce: Some(input.nonce),
        signature: Some(&signature),
        serial: Some(SERIAL),
    };
    if let Ok(notification) = wechatpay.open(&headers, &body, NOW) {
        let _ = serde_json::from_value::<TransactionResource>(notification.resource);
    }
});
