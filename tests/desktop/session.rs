//! The idle lock in the real window: an operator who walks away leaves a
//! console that locks itself, ends the session at the service and in the
//! keychain, and opens where it was once they sign in again.

use std::time::Duration;

use riskdesk_server::auth;

use crate::harness::{Desktop, FIRST_START, STEP};
use crate::{ONE_WINDOW, demo_operator, keychain_token, sign_in, sign_in_with};

const IDLE_LOCK_SECS: u32 = 5;

#[tokio::test]
async fn an_idle_console_locks_ends_its_session_and_opens_where_it_was() {
    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::with_idle_lock_secs(IDLE_LOCK_SECS);
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    sign_in(&app, "officer.li").await;
    app.wait("[data-testid=alert-row]", STEP).await;
    app.click("[data-testid=nav-approvals]").await;
    app.wait("[data-testid=approvals]", STEP).await;
    let account = &desktop.demo_keychain_account("officer.li");
    assert!(keychain_token(account).is_some(), "signed in");

    // No input: the window locks, and what it showed goes with the session.
    app.wait(
        "[data-testid=sign-in] [role=status]",
        Duration::from_secs(u64::from(IDLE_LOCK_SECS) + 10),
    )
    .await;
    app.until(
        "the lock's notice",
        "return document.querySelector('[data-testid=sign-in] [role=status]').textContent.includes('无操作')",
        STEP,
    )
    .await;
    assert_eq!(app.find_all("[data-testid=approvals]").await.len(), 0);
    assert_eq!(app.find_all("nav.topbar").await.len(), 0);
    assert_eq!(
        keychain_token(account),
        None,
        "the session left the keychain"
    );
    let prefilled = app
        .run("return document.querySelector('input[name=operator]').value")
        .await;
    assert_eq!(prefilled, "officer.li");
    app.screenshot("locked-zh-light").await;

    // Signing in again, with the next TOTP step (a code is never taken
    // twice), opens the screen the operator left.
    app.run(
        "document.querySelector('input[name=operator]').value = ''; \
             document.querySelector('input[name=operator]').dispatchEvent(new Event('input'));",
    )
    .await;
    let next_step = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time after 1970")
        .as_secs()
        + 30;
    let code =
        auth::totp_code(&demo_operator("officer.li").totp_secret, next_step).expect("a TOTP code");
    sign_in_with(&app, "officer.li", &code).await;
    app.wait("[data-testid=approvals]", STEP).await;
    assert!(keychain_token(account).is_some(), "signed in again");
    app.close().await;
}
