//! WeChat Pay API v3 notifications with keys the test generates: a signed,
//! encrypted notification settles or refunds; a tampered, stale, replayed,
//! wrongly keyed or wrongly signed one is refused and changes nothing.

// Helpers here unwrap as the tests do: a failure is the test failing.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, OnceLock};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use riskdesk_server::store::Store;
use riskdesk_server::wechatpay::WechatPay;
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{self, Service};

const SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
const APIV3_KEY: &[u8; 32] = b"riskdesk-test-apiv3-key-32-bytes";

/// The platform's key pair, generated once for the whole test binary.
fn platform_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap())
}

fn config() -> WechatPay {
    let public = platform_key()
        .to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    WechatPay::new(SERIAL, &public, APIV3_KEY).unwrap()
}

/// A notification as the platform would send it.
struct Sent {
    body: String,
    timestamp: i64,
    nonce: String,
    signature: String,
    serial: String,
}

fn encrypt(key: &[u8], resource: &Value, aad: &str, nonce: &str) -> String {
    let cipher = Aes256Gcm::new_from_slice(key).unwrap();
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(nonce.as_bytes()),
            Payload {
                msg: resource.to_string().as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .unwrap();
    STANDARD.encode(sealed)
}

fn sign(key: &RsaPrivateKey, timestamp: i64, nonce: &str, body: &str) -> String {
    let message = format!("{timestamp}\n{nonce}\n{body}\n");
    let signature = SigningKey::<Sha256>::new(key.clone()).sign(message.as_bytes());
    STANDARD.encode(signature.to_bytes())
}

fn notification(event: &str, resource: &Value, timestamp: i64, nonce: &str) -> Sent {
    let original = if event.starts_with("REFUND") {
        "refund"
    } else {
        "transaction"
    };
    let body = json!({
        "id": format!("EV-{nonce}"),
        "create_time": "2026-11-04T17:00:00+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event,
        "summary": "支付成功",
        "resource": {
            "original_type": original,
            "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": encrypt(APIV3_KEY, resource, original, "fGbmtNIAQWyL"),
            "associated_data": original,
            "nonce": "fGbmtNIAQWyL",
        },
    })
    .to_string();
    Sent {
        signature: sign(platform_key(), timestamp, nonce, &body),
        body,
        timestamp,
        nonce: nonce.to_owned(),
        serial: SERIAL.to_owned(),
    }
}

async fn deliver(service: &Service, sent: &Sent) -> (u16, Value) {
    let response = service
        .client
        .post(format!(
            "{}/v1/payments/notifications/wechatpay",
            service.url
        ))
        .header("content-type", "application/json")
        .header("wechatpay-timestamp", sent.timestamp.to_string())
        .header("wechatpay-nonce", &sent.nonce)
        .header("wechatpay-signature", &sent.signature)
        .header("wechatpay-serial", &sent.serial)
        .header("wechatpay-signature-type", "WECHATPAY2-SHA256-RSA2048")
        .body(sent.body.clone())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    if status >= 400 {
        assert_eq!(
            body["code"], "FAIL",
            "the platform's failure format: {body}"
        );
    }
    (status, body)
}

fn paid(order: &str, total_fen: i64) -> Value {
    json!({
        "appid": "wxd678efh567hg6787", "mchid": "1230000109",
        "out_trade_no": order, "transaction_id": format!("4200{order}"),
        "trade_type": "JSAPI", "trade_state": "SUCCESS", "trade_state_desc": "支付成功",
        "success_time": "2026-11-04T17:00:00+08:00",
        "amount": {"total": total_fen, "payer_total": total_fen, "currency": "CNY", "payer_currency": "CNY"},
    })
}

/// Authorizes an order through the API and returns its order id.
async fn authorized(service: &Service, key: &str, account_id: i64, order: &str, amount: &str) {
    let body = json!({
        "order_id": order, "account_id": account_id, "merchant": "京东超市", "category": "groceries",
        "amount": amount, "installments": 1, "channel": "in_app", "device_id": "dev-notify",
        "ip": "10.0.0.8", "location": null,
        "occurred_at": chrono::DateTime::from_timestamp_millis(service.now_ms() - 60_000).unwrap().to_rfc3339(),
    });
    let (status, answer) = service
        .post("/v1/payments/authorize", Some(key), &body)
        .await;
    assert_eq!(
        (status, answer["decision"].as_str()),
        (200, Some("approve")),
        "{answer}"
    );
}

async fn status_of(store: &Arc<dyn Store>, order: &str) -> String {
    store.payment(order).await.unwrap().unwrap().status
}

async fn setup() -> (Arc<dyn Store>, Service, String, i64) {
    let store = support::sqlite().await;
    support::portfolio(store.as_ref(), 100).await;
    let key = support::service_key(store.as_ref(), "wechatpay").await;
    let service = Service::start_configured(store.clone(), |s| s.with_wechatpay(config())).await;
    // Two days past the generated history, so that it plays no part.
    service.advance_ms(2 * 24 * 3_600_000);
    let account = store
        .accounts(
            &riskdesk_server::store::AccountFilter {
                status: Some("active".to_owned()),
                sort: riskdesk_server::store::AccountSort::LimitDesc,
                ..Default::default()
            },
            &riskdesk_server::store::PageRequest {
                after: None,
                limit: 1,
            },
        )
        .await
        .unwrap()[0]
        .id;
    (store, service, key, account)
}

#[tokio::test]
async fn a_signed_notification_settles_and_refunds_once() {
    let (store, service, key, account) = setup().await;
    authorized(&service, &key, account, "WX-N-1", "88.00").await;
    let now = service.now_ms() / 1000;
    let sent = notification("TRANSACTION.SUCCESS", &paid("WX-N-1", 8_800), now, "n-0001");
    assert_eq!(deliver(&service, &sent).await, (204, Value::Null));
    assert_eq!(status_of(&store, "WX-N-1").await, "settled");

    // The very same delivery again: a replayed nonce.
    let (status, body) = deliver(&service, &sent).await;
    assert_eq!(status, 401);
    assert!(
        body["message"].as_str().unwrap().contains("nonce"),
        "{body}"
    );

    // The platform refunds ¥8.80, and retries the notification with a new nonce.
    let refund = json!({
        "mchid": "1230000109", "out_trade_no": "WX-N-1", "transaction_id": "4200WX-N-1",
        "out_refund_no": "RF-N-1", "refund_id": "50000000382019052709732678859",
        "refund_status": "SUCCESS", "success_time": "2026-11-04T16:30:00+08:00",
        "user_received_account": "招商银行信用卡0403",
        "amount": {"total": 8_800, "refund": 880, "payer_total": 8_800, "payer_refund": 880},
    });
    let before = store.account(account).await.unwrap().unwrap().account;
    for nonce in ["n-0002", "n-0003"] {
        let sent = notification("REFUND.SUCCESS", &refund, now, nonce);
        assert_eq!(
            deliver(&service, &sent).await,
            (204, Value::Null),
            "{nonce}"
        );
    }
    let after = store.account(account).await.unwrap().unwrap().account;
    assert_eq!(
        before.outstanding_fen - after.outstanding_fen,
        880,
        "refunded once"
    );

    // Events the ledger has nothing to do with are acknowledged.
    let closed = notification("TRANSACTION.CLOSED", &paid("WX-N-1", 8_800), now, "n-0004");
    assert_eq!(deliver(&service, &closed).await.0, 204);
}

#[tokio::test]
async fn a_bad_notification_is_refused_and_changes_nothing() {
    let (store, service, key, account) = setup().await;
    authorized(&service, &key, account, "WX-N-2", "66.00").await;
    let now = service.now_ms() / 1000;
    let good = || notification("TRANSACTION.SUCCESS", &paid("WX-N-2", 6_600), now, "n-0100");

    let mut tampered = good();
    tampered.body = tampered.body.replace("支付成功", "支付成功!");
    let mut stale = notification(
        "TRANSACTION.SUCCESS",
        &paid("WX-N-2", 6_600),
        now - 301,
        "n-0101",
    );
    let mut early = notification(
        "TRANSACTION.SUCCESS",
        &paid("WX-N-2", 6_600),
        now + 301,
        "n-0102",
    );
    let mut wrong_serial = good();
    wrong_serial.serial = "0000".to_owned();
    let mut unsigned = good();
    unsigned.signature = "not base64!".to_owned();
    let other_key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let mut forged = good();
    forged.signature = sign(&other_key, forged.timestamp, &forged.nonce, &forged.body);
    // Signed by the platform, but encrypted under another APIv3 key.
    let mut undecryptable = good();
    let envelope: Value = serde_json::from_str(&undecryptable.body).unwrap();
    let mut envelope = envelope;
    envelope["resource"]["ciphertext"] = json!(encrypt(
        b"another-apiv3-key-of-32-bytes!!!",
        &paid("WX-N-2", 6_600),
        "transaction",
        "fGbmtNIAQWyL"
    ));
    undecryptable.body = envelope.to_string();
    undecryptable.nonce = "n-0103".to_owned();
    undecryptable.signature = sign(platform_key(), now, "n-0103", &undecryptable.body);
    let wrong_amount = notification("TRANSACTION.SUCCESS", &paid("WX-N-2", 6_601), now, "n-0104");
    let unknown = notification(
        "TRANSACTION.SUCCESS",
        &paid("WX-N-404", 6_600),
        now,
        "n-0105",
    );
    stale.nonce = "n-0101".to_owned();
    early.nonce = "n-0102".to_owned();

    let cases = [
        (&tampered, 401, "signature"),
        (&stale, 401, "-301 s"),
        (&early, 401, "301 s"),
        (&wrong_serial, 401, "serial"),
        (&unsigned, 401, "Wechatpay-Signature"),
        (&forged, 401, "signature"),
        (&undecryptable, 400, "decrypted"),
        (
            &wrong_amount,
            400,
            "¥66.01 differs from the authorized ¥66.00",
        ),
        (&unknown, 404, "no payment WX-N-404"),
    ];
    for (sent, status, words) in cases {
        let (got, body) = deliver(&service, sent).await;
        assert_eq!(got, status, "{words}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(words),
            "{words}: {body}"
        );
        assert_eq!(status_of(&store, "WX-N-2").await, "authorized", "{words}");
    }

    // Exactly five minutes off is still on time; and the good one goes through.
    let on_time = notification(
        "TRANSACTION.SUCCESS",
        &paid("WX-N-2", 6_600),
        now - 300,
        "n-0106",
    );
    assert_eq!(deliver(&service, &on_time).await.0, 204);
    assert_eq!(status_of(&store, "WX-N-2").await, "settled");
}

#[tokio::test]
async fn without_keys_the_service_takes_no_notifications() {
    let store = support::sqlite().await;
    let service = Service::start(store).await;
    let sent = notification("TRANSACTION.SUCCESS", &paid("WX-N-3", 100), 0, "n-0200");
    let (status, body) = deliver(&service, &sent).await;
    assert_eq!(status, 404);
    assert!(body["message"].as_str().unwrap().contains("not configured"));
}
