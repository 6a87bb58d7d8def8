//! The desktop shell's hardening, checked twice: as configured (any
//! loosening of the Content-Security-Policy, the capabilities, the isolation
//! pattern or the command lists fails here) and as it behaves in the real
//! window (injected code, remote content, other IPC and navigation away are
//! refused; web links go to the operator's browser).

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::ONE_WINDOW;
use crate::harness::{Desktop, FIRST_START, workspace};

/// The policy, directive by directive. Widening any of them is a decision
/// to take here, in review, not in the config alone.
const CSP: &[(&str, &str)] = &[
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    // Svelte sets style attributes (widths, colours of the charts' keys).
    ("style-src", "'self' 'unsafe-inline'"),
    // The charts are SVG data URLs.
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    // Tauri's IPC, and nothing else: the service is reached from Rust.
    ("connect-src", "ipc: http://ipc.localhost"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("form-action", "'none'"),
    ("frame-ancestors", "'none'"),
];

/// Tauri's own APIs the page may use: listening to the app's events.
const TAURI_PERMISSIONS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];

fn read(path: &str) -> String {
    let path = workspace().join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_file(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The quoted names between `start` and the next `]` of `text`.
fn names_in(text: &str, start: &str) -> Vec<String> {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found"))
        + start.len();
    let list = &text[from..from + text[from..].find(']').expect("a closing ]")];
    list.split(',')
        .map(|name| name.trim().trim_matches('"').to_owned())
        .filter(|name| !name.is_empty() && !name.starts_with("//"))
        .collect()
}

/// The app's commands, as `src-tauri/src/main.rs` registers them (its
/// invoke handler, written by `cargo xtask codegen` from the one list,
/// `src-tauri/commands.txt`, which it must still match).
fn registered_commands() -> Vec<String> {
    let registered = names_in(
        &read("src-tauri/src/invoke_handler.rs"),
        "tauri::generate_handler![",
    );
    let listed: Vec<String> = read("src-tauri/commands.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    assert_eq!(registered, listed, "run `cargo xtask codegen`");
    registered
}

#[test]
fn the_content_security_policy_is_the_strict_one() {
    let config = json_file("src-tauri/tauri.conf.json");
    let security = &config["app"]["security"];
    let expected: serde_json::Map<String, Value> = CSP
        .iter()
        .map(|(directive, sources)| ((*directive).to_owned(), json!(sources)))
        .collect();
    assert_eq!(security["csp"], Value::Object(expected), "app.security.csp");
    assert!(security.get("devCsp").is_none(), "a dev CSP would differ");
    assert!(
        security
            .get("dangerousDisableAssetCspModification")
            .is_none(),
        "Tauri's nonces and hashes stay on"
    );
    assert_eq!(security["freezePrototype"], json!(true));
    assert!(
        config["app"].get("withGlobalTauri").is_none(),
        "no global Tauri object for page scripts"
    );
    for window in config["app"]["windows"].as_array().expect("windows") {
        assert!(
            window.get("url").is_none(),
            "a window loads the app, not {window}"
        );
    }
}

#[test]
fn every_message_passes_the_isolation_application() {
    let config = json_file("src-tauri/tauri.conf.json");
    assert_eq!(
        config["app"]["security"]["pattern"],
        json!({ "use": "isolation", "options": { "dir": "isolation" } })
    );
    let hook = read("src-tauri/isolation/index.js");
    let allowed: BTreeSet<String> = names_in(&hook, "new Set([").into_iter().collect();
    let mut expected: BTreeSet<String> = registered_commands().into_iter().collect();
    expected.extend([
        "plugin:event|listen".to_owned(),
        "plugin:event|unlisten".to_owned(),
    ]);
    assert_eq!(allowed, expected, "the isolation application's commands");
}

#[test]
fn the_main_window_may_call_its_own_commands_and_nothing_else() {
    let capabilities: Vec<_> = std::fs::read_dir(workspace().join("src-tauri/capabilities"))
        .expect("src-tauri/capabilities")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .into_string()
                .expect("a name")
        })
        .collect();
    assert_eq!(
        capabilities,
        ["main-window.json"],
        "one capability, the main window's"
    );
    let capability = json_file("src-tauri/capabilities/main-window.json");
    assert_eq!(capability["windows"], json!(["main"]));
    assert!(capability.get("webviews").is_none());
    assert!(
        capability.get("remote").is_none(),
        "no remote page may call the app"
    );
    let granted: Vec<&str> = capability["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("a permission by name"))
        .collect();
    let mut expected: Vec<String> = TAURI_PERMISSIONS.iter().map(|p| (*p).to_owned()).collect();
    expected.extend(
        registered_commands()
            .iter()
            .map(|c| format!("allow-{}", c.replace('_', "-"))),
    );
    assert_eq!(granted, expected, "the main window's permissions");
    // The UI calls no other command (its `Command` type).
    let typed = names_in(
        &read("ui/src/lib/generated/commands.ts"),
        "export const COMMANDS = [",
    );
    assert_eq!(typed, registered_commands(), "the UI's commands");
}

#[tokio::test]
async fn the_window_runs_only_the_apps_code_and_hands_links_to_the_browser() {
    let _window = ONE_WINDOW.lock().await;
    let desktop = Desktop::new();
    let app = desktop.launch().await;
    app.wait("[data-testid=sign-in]", FIRST_START).await;

    // Injected code and remote content: the policy refuses each, and says so.
    let attack = app
        .run_async(
            r#"const done = arguments[arguments.length - 1];
            const refused = [];
            document.addEventListener("securitypolicyviolation",
                (e) => refused.push(e.effectiveDirective));
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.body.appendChild(script);
            let evaluated = false;
            try { evaluated = new Function("return true")(); } catch (e) {}
            const image = new Image();
            image.src = "http://127.0.0.1:9/pixel.png";
            document.body.appendChild(image);
            setTimeout(() => done({
                injected: window.__injected === true,
                evaluated,
                refused: [...new Set(refused)].sort(),
            }), 1500);"#,
        )
        .await;
    assert_eq!(
        attack,
        json!({
            "injected": false,
            "evaluated": false,
            // The remote image, `new Function` and the injected element.
            "refused": ["img-src", "script-src", "script-src-elem"],
        }),
        "injected script, eval and a remote image"
    );

    // Tauri's other APIs: the isolation application drops the message, so
    // no answer comes, while one of the app's own commands is answered.
    let call = |command: &str, args: &str| {
        format!(
            r#"const done = arguments[arguments.length - 1];
            setTimeout(() => done("no answer"), 2000);
            window.__TAURI_INTERNALS__.invoke("{command}", {args})
                .then(() => done("ran"), (e) => done("refused"));"#
        )
    };
    let own = app.run_async(&call("check_keychain", "{}")).await;
    assert_ne!(own, json!("no answer"), "the app's own command");
    let other = app
        .run_async(&call(
            "plugin:window|set_title",
            r#"{ label: "main", value: "pwned" }"#,
        ))
        .await;
    assert_eq!(
        other,
        json!("no answer"),
        "a window API the page may not use"
    );
    let title = app.client.title().await.expect("the title");
    assert_ne!(title, "pwned");

    // The app's own commands with arguments they do not take: refused with
    // a reason, and nothing changes. Types are checked as the arguments
    // arrive; values the console uses itself (a service URL) by the
    // console; every other value by the service.
    let refusal = |command: &str, args: &str| {
        format!(
            r#"const done = arguments[arguments.length - 1];
            window.__TAURI_INTERNALS__.invoke("{command}", {args})
                .then(() => done("ran"), (e) => done(e));"#
        )
    };
    let settings_file = desktop
        .config_dir()
        .join("com.riskdesk.console/settings.json");
    let settings = std::fs::read(&settings_file).ok();
    let bad_url = app
        .run_async(&refusal(
            "connect",
            r#"{ request: { service_url: "file:///etc/passwd", ca_certificate_path: null } }"#,
        ))
        .await;
    assert_eq!(bad_url["code"], "config", "{bad_url}");
    for (command, args) in [
        (
            "set_preferences",
            r#"{ preferences: { lang: "xx", theme: "light" } }"#,
        ),
        ("account", r#"{ accountId: "80000001 OR 1=1" }"#),
        ("sign_in_demo", r#"{ operatorId: { id: "officer.li" } }"#),
    ] {
        let answer = app.run_async(&refusal(command, args)).await;
        let text = answer.as_str().unwrap_or_default();
        assert!(text.contains("invalid args"), "{command}: {answer}");
    }
    assert_eq!(
        std::fs::read(&settings_file).ok(),
        settings,
        "the settings did not change"
    );
    // While the same command with good arguments changes them there.
    let good = app
        .run_async(&refusal(
            "set_preferences",
            r#"{ preferences: { lang: "zh", theme: "dark" } }"#,
        ))
        .await;
    assert_eq!(good, json!("ran"));
    let written = std::fs::read_to_string(&settings_file).expect("the settings");
    assert!(written.contains("dark"), "{written}");
    assert!(
        app.find_all("[data-testid=alert-row]").await.is_empty(),
        "nobody signed in"
    );

    // Navigation away: a web link opens in the browser, anything else is
    // refused, and the window stays on the app.
    let home = app.client.current_url().await.expect("the URL");
    for target in ["https://example.com/riskdesk-help", "file:///etc/passwd"] {
        app.run(&format!("window.location.href = {};", json!(target)))
            .await;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while desktop.opened_links().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        desktop.opened_links(),
        ["https://example.com/riskdesk-help"]
    );
    assert_eq!(app.client.current_url().await.expect("the URL"), home);
    app.wait("[data-testid=sign-in]", Duration::from_secs(5))
        .await;
    app.close().await;
}

#[test]
fn the_log_scan_finds_secrets_and_unmasked_personal_data() {
    use crate::harness::log_leak;
    let operator = &riskdesk_server::generate::demo_operators(riskdesk_server::demo::SEED)[0];
    let clean = "INFO signed in operator=officer.li phone=138****5678 id=110***********1234 \
                 at 2026-11-26T14:03:00.123456Z took 1764165780123 ms";
    let customers = ["张三丰".to_owned(), "欧阳娜娜".to_owned()];
    assert_eq!(log_leak(clean, &customers), None);
    assert_eq!(log_leak("customer 张*丰 (masked)", &customers), None);
    for leaky in [
        format!("sign-in password={}", operator.password),
        format!("secret {}", operator.totp_secret),
        "key rdsvc_0Gsiki_ITkXMk5EB8RIOjaezG".to_owned(),
        "Authorization: Bearer 6JOAjDER8NA2-hroVA2Ua3avlJ".to_owned(),
        "customer phone 13812345678 called".to_owned(),
        "national id 11010519491231002X".to_owned(),
        "customer 欧阳娜娜 disputed".to_owned(),
    ] {
        assert!(
            log_leak(&format!("{clean}\n{leaky}\n"), &customers).is_some(),
            "{leaky}"
        );
    }
}
