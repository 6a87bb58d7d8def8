//! Separation of duties in the real window: an escalated alert leaves the
//! escalator's hands and a manager closes it; a ¥2,000 refund is a proposal
//! its maker cannot approve, and a manager approves it with a code; an admin
//! adds an operator, who signs in with the one-time password and a code from
//! the secret behind the QR code shown (and chooses their own password), and
//! is disabled — their open console
//! signed out at its next request.

use riskdesk_domain::operator::OperatorChange;
use riskdesk_server::store::Store;

use crate::decisions::{
    Authenticator, assert_text_becomes, click_row, decision_phase, disputable_account,
    open_dispute, type_into,
};
use crate::harness::{App, Desktop, FIRST_START, STEP, open_demo_store};
use crate::{ONE_WINDOW, sign_in_with};

/// Signs out and in again as a demo operator.
pub(crate) async fn switch_to(
    app: &App,
    authenticator: &mut Authenticator,
    operator: &'static str,
) {
    app.click("[data-testid=sign-out]").await;
    app.wait("[data-testid=sign-in]", STEP).await;
    let code = authenticator.code(operator).await;
    sign_in_with(app, operator, &code).await;
    app.wait("[data-testid=operator]", STEP).await;
}

/// Signs in with a password and code typed by hand, as a new operator does.
async fn sign_in_typed(app: &App, operator: &str, password: &str, code: &str) {
    for (field, value) in [
        ("operator", operator),
        ("password", password),
        ("totp", code),
    ] {
        let input = app.wait(&format!("input[name={field}]"), STEP).await;
        input.clear().await.expect("clearing");
        input.send_keys(value).await.expect("typing");
    }
    app.wait("input[name=totp]", STEP)
        .await
        .send_keys(&fantoccini::key::Key::Enter.to_string())
        .await
        .expect("submitting");
}

pub(crate) async fn demo_store(desktop: &Desktop) -> std::sync::Arc<dyn Store> {
    open_demo_store(&desktop.demo_database()).await
}

/// What the account can still spend, in fen, as the store has it.
async fn available(store: &dyn Store, account: i64) -> i64 {
    let row = store
        .account(account)
        .await
        .expect("reading")
        .expect("the account");
    let line = row.account;
    line.limit_fen - line.used_fen - line.frozen_fen
}

#[tokio::test]
async fn no_one_closes_an_escalation_or_refunds_alone_and_an_admin_runs_the_team() {
    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::new();
    let mut authenticator = Authenticator::default();
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;
    let code = authenticator.code("officer.li").await;
    sign_in_with(&app, "officer.li", &code).await;

    // An officer escalates an alert: it leaves their hands.
    app.wait("[data-testid=alert-row][data-status=open]", STEP)
        .await;
    let alert = app
        .run("return document.querySelector('[data-testid=alert-row][data-status=open]').dataset.alert")
        .await;
    let alert = alert.as_str().expect("an alert id").to_owned();
    click_row(
        &app,
        "[data-testid=alert-row]",
        &format!("r.dataset.alert === '{alert}'"),
    )
    .await;
    app.click("[data-testid=claim]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=triage-panel]").await,
        "done"
    );
    type_into(&app, "note-input", "同一设备一小时内多笔大额，转主管").await;
    app.click("[data-testid=escalate]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=triage-panel]").await,
        "done"
    );
    app.wait("[data-testid=panel-waits]", STEP).await;
    assert!(
        app.find_all("[data-testid=triage-panel] [data-testid^=close-]")
            .await
            .is_empty(),
        "the escalator is offered no close"
    );
    app.screenshot("queue-escalated-zh-light").await;

    // A manager closes it.
    switch_to(&app, &mut authenticator, "manager.chen").await;
    app.click("[data-testid=tab-escalated]").await;
    click_row(
        &app,
        "[data-testid=alert-row]",
        &format!("r.dataset.alert === '{alert}'"),
    )
    .await;
    app.click("[data-testid=close-confirmed_fraud]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=triage-panel]").await,
        "done"
    );
    assert!(
        app.text("[data-testid=panel-status]")
            .await
            .starts_with("已关闭")
    );

    // An agent proposes a ¥2,000 refund: above their own limit, it waits.
    switch_to(&app, &mut authenticator, "agent.zhao").await;
    let store = demo_store(&desktop).await;
    let account = disputable_account(&desktop, 200_000).await;
    let before = available(store.as_ref(), account).await;
    open_dispute(&app, account, 2_000, "两笔重复扣款，商户同意退回").await;
    type_into(&app, "refund-amount", "2000.00").await;
    type_into(&app, "dispute-note", "重复扣款，全额退回").await;
    app.click("[data-testid=dispute-refund]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=dispute-panel]").await,
        "done"
    );
    assert_text_becomes(&app, "[data-testid=dispute-status]", "退款待审批").await;
    assert!(
        app.text("[data-testid=pending-refund]")
            .await
            .contains("须由他人审批")
    );
    assert!(
        app.find_all("[data-testid=refund-approve]")
            .await
            .is_empty(),
        "the maker is offered no approval"
    );
    assert_eq!(
        available(store.as_ref(), account).await,
        before,
        "nothing moved yet"
    );
    app.screenshot("disputes-pending-zh-light").await;

    // A manager approves it with a code: the money is back on the line.
    switch_to(&app, &mut authenticator, "manager.chen").await;
    app.click("[data-testid=nav-disputes]").await;
    app.click("[data-testid=disputes-tab-refund_pending]").await;
    click_row(
        &app,
        "[data-testid=dispute-row]",
        &format!("r.children[1].textContent.trim() === '{account}'"),
    )
    .await;
    type_into(&app, "dispute-note", "核对流水属实").await;
    let code = authenticator.code("manager.chen").await;
    type_into(&app, "dispute-totp", &code).await;
    app.click("[data-testid=refund-approve]").await;
    assert_eq!(
        decision_phase(&app, "[data-testid=dispute-panel]").await,
        "done"
    );
    assert_text_becomes(&app, "[data-testid=dispute-status]", "已退款结案").await;
    assert_eq!(available(store.as_ref(), account).await, before + 200_000);

    // An admin adds an operator: a password and a QR code, shown once.
    switch_to(&app, &mut authenticator, "admin.sun").await;
    app.wait("[data-testid=team-row]", STEP).await;
    type_into(&app, "add-operator-id", "officer.zhou").await;
    type_into(&app, "add-operator-name", "周风控").await;
    app.click("[data-testid=add-operator]").await;
    app.wait("[data-testid=credentials]", STEP).await;
    let password = app.text("[data-testid=credentials-password]").await;
    let uri = app.text("[data-testid=credentials-uri]").await;
    let secret = uri
        .split(['?', '&'])
        .find_map(|part| part.strip_prefix("secret="))
        .expect("the secret behind the QR code")
        .to_owned();
    assert!(app.find_all("[data-testid=credentials-qr] svg").await.len() == 1);
    app.screenshot("team-credentials-zh-light").await;
    app.click("[data-testid=credentials-done]").await;
    assert!(
        app.find_all("[data-testid=credentials]").await.is_empty(),
        "gone once closed"
    );

    // The new operator signs in with them, and chooses a password of their
    // own: the one-time one opens nothing else.
    app.click("[data-testid=sign-out]").await;
    app.wait("[data-testid=sign-in]", STEP).await;
    let code = authenticator.code_for("officer.zhou", &secret).await;
    sign_in_typed(&app, "officer.zhou", &password, &code).await;
    app.wait("[data-testid=choose-password]", STEP).await;
    let password = "周风控自己的密码-2026-12".to_owned();
    for field in ["new_password", "new_password_again"] {
        app.wait(&format!("input[name={field}]"), STEP)
            .await
            .send_keys(&password)
            .await
            .expect("typing the new password");
    }
    app.screenshot("sign-in-own-password-zh-light").await;
    app.wait("input[name=new_password_again]", STEP)
        .await
        .send_keys(&fantoccini::key::Key::Enter.to_string())
        .await
        .expect("submitting");
    app.until(
        "officer.zhou signed in",
        "const o = document.querySelector('[data-testid=operator]'); return !!o && o.textContent.includes('周风控')",
        STEP,
    )
    .await;

    // The admin disables them in the window.
    switch_to(&app, &mut authenticator, "admin.sun").await;
    click_row(
        &app,
        "[data-testid=team-row]",
        "r.dataset.operator === 'officer.zhou'",
    )
    .await;
    app.click("[data-testid=operator-disable]").await;
    assert_eq!(decision_phase(&app, "[data-testid=team]").await, "done");
    app.until(
        "officer.zhou shown disabled",
        "const row = document.querySelector('[data-testid=team-row][data-operator=\"officer.zhou\"]');
         return !!row && row.textContent.includes('已停用')",
        STEP,
    )
    .await;
    app.screenshot("team-zh-light").await;
    app.click("[data-testid=operator-enable]").await;
    app.until(
        "officer.zhou enabled again",
        "const row = document.querySelector('[data-testid=team-row][data-operator=\"officer.zhou\"]');
         return !!row && row.textContent.includes('正常')",
        STEP,
    )
    .await;

    // Signed in again, their console is signed out at its next request once
    // they are disabled (here from the service's host, as the CLI does).
    app.click("[data-testid=sign-out]").await;
    app.wait("[data-testid=sign-in]", STEP).await;
    let code = authenticator.code_for("officer.zhou", &secret).await;
    sign_in_typed(&app, "officer.zhou", &password, &code).await;
    app.wait("[data-testid=alert-row]", STEP).await;
    riskdesk_server::team::change_operator(store.as_ref(), "officer.zhou", OperatorChange::Disable)
        .await
        .expect("disabling officer.zhou");
    // The live stream may tell the console first (the change is an event);
    // if not, the next request does. Either way the window signs out.
    app.run("document.querySelector('[data-testid=tab-in_review]')?.click(); return true")
        .await;
    app.wait("[data-testid=sign-in]", STEP).await;
    store.close().await;
    app.close().await;
}
