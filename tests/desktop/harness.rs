//! Running the real app: tauri-driver (which drives WebKitWebDriver, which
//! starts the app) in the current display and D-Bus session, with the app's
//! config and data directories in a temporary home.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use riskdesk_server::store::Store;
use serde_json::{Value, json};

/// How long the first start may take: it generates the demo portfolio.
pub const FIRST_START: Duration = Duration::from_secs(180);
pub const STEP: Duration = Duration::from_secs(20);
/// The demo's size: big enough for several pages, small enough to generate
/// quickly in a debug build.
const DEMO_CUSTOMERS: u32 = 2000;

/// One operator's machine: the app's directories and its log, kept across
/// starts so that a second start finds the first one's state.
pub struct Desktop {
    home: tempfile::TempDir,
    /// The app that runs: the workspace's build unless told otherwise.
    app: PathBuf,
    demo_customers: u32,
    /// Where the app finds D-Bus, when not the session's own.
    dbus_address: Option<String>,
    /// The idle lock's wait, when not the app's 15 minutes.
    idle_lock_secs: Option<u32>,
}

impl Desktop {
    pub fn new() -> Desktop {
        Desktop::with_demo_customers(DEMO_CUSTOMERS)
    }

    pub fn with_demo_customers(demo_customers: u32) -> Desktop {
        Desktop {
            home: tempfile::tempdir().expect("a temporary home"),
            app: app_binary(),
            demo_customers,
            dbus_address: None,
            idle_lock_secs: None,
        }
    }

    /// A machine whose app locks after `secs` without input.
    pub fn with_idle_lock_secs(secs: u32) -> Desktop {
        let mut desktop = Desktop::new();
        desktop.idle_lock_secs = Some(secs);
        desktop
    }

    /// A machine that runs the app at `app` (as installed by a package).
    pub fn with_app(app: &Path) -> Desktop {
        let mut desktop = Desktop::new();
        desktop.app = app.to_path_buf();
        desktop
    }

    /// A machine whose app cannot reach any keychain: its D-Bus address
    /// leads nowhere.
    pub fn without_keychain() -> Desktop {
        let mut desktop = Desktop::new();
        let nowhere = desktop.home.path().join("no-bus");
        desktop.dbus_address = Some(format!("unix:path={}", nowhere.display()));
        desktop
    }

    /// The built-in demo's database.
    pub fn demo_database(&self) -> PathBuf {
        riskdesk_server::demo::database(&self.app_data_dir())
    }

    /// The keychain account of `operator`'s session with the built-in demo.
    pub fn demo_keychain_account(&self, operator: &str) -> String {
        let host = riskdesk_console::embedded::keychain_host(&self.app_data_dir());
        riskdesk_console::keychain::Keychain::for_host(&host).account(operator)
    }

    /// The app's own data directory (Tauri's, under `XDG_DATA_HOME`).
    fn app_data_dir(&self) -> PathBuf {
        self.data_dir().join("com.riskdesk.console")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("config")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.home.path().join("data")
    }

    /// Where the app saves exports: the downloads folder that the XDG user
    /// directories file in the config directory names.
    pub fn downloads_dir(&self) -> PathBuf {
        self.home.path().join("Downloads")
    }

    /// Everything the app and its WebDriver printed, every start.
    pub fn log(&self) -> PathBuf {
        self.home.path().join("app.log")
    }

    /// The links the app handed to the operator's browser, in order: the
    /// machine's browser (`BROWSER`, which xdg-open runs) only notes them.
    pub fn opened_links(&self) -> Vec<String> {
        std::fs::read_to_string(self.home.path().join("links.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// A browser that notes each link it is given in `links.log`.
    fn browser(&self) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let browser = self.home.path().join("browser.sh");
        let links = self.home.path().join("links.log");
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            links.display()
        );
        std::fs::write(&browser, script).expect("the browser script");
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755))
            .expect("the browser script's mode");
        browser
    }

    /// Starts the app in a new window and connects WebDriver to it.
    pub async fn launch(&self) -> App {
        let binary = &self.app;
        assert!(
            binary.exists(),
            "{} is missing: `cargo xtask test` builds it (npx tauri build --debug --no-bundle)",
            binary.display()
        );
        let port = free_port();
        std::fs::create_dir_all(self.config_dir()).expect("the config directory");
        std::fs::write(
            self.config_dir().join("user-dirs.dirs"),
            format!("XDG_DOWNLOAD_DIR=\"{}\"\n", self.downloads_dir().display()),
        )
        .expect("the XDG user directories file");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log())
            .expect("the app log");
        let mut driver = Command::new(tauri_driver());
        if let Some(address) = &self.dbus_address {
            driver.env("DBUS_SESSION_BUS_ADDRESS", address);
        }
        if let Some(secs) = self.idle_lock_secs {
            driver.env("RISKDESK_IDLE_LOCK_SECS", secs.to_string());
        }
        let driver = driver
            .args(["--port", &port.to_string()])
            .args(["--native-port", &free_port().to_string()])
            .env("XDG_CONFIG_HOME", self.config_dir())
            .env("XDG_DATA_HOME", self.data_dir())
            .env("RISKDESK_DEMO_CUSTOMERS", self.demo_customers.to_string())
            // Chinese by default, as on an operator's machine in China.
            .env("LANG", "zh_CN.UTF-8")
            // No desktop environment: xdg-open hands web links to $BROWSER.
            .env_remove("XDG_CURRENT_DESKTOP")
            .env("BROWSER", self.browser())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("tauri-driver (cargo install tauri-driver --locked)");
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("wry"));
        capabilities.insert(
            "tauri:options".into(),
            json!({ "application": binary.to_string_lossy() }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut attempts = 0;
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if attempts < 100 => {
                    attempts += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("WebDriver session on {url}: {e}"),
            }
        };
        App {
            client,
            driver,
            log: self.log(),
        }
    }
}

/// Every start's log is scanned when the machine goes (unless its test has
/// already failed): no secret and no unmasked personal data may be in it.
impl Drop for Desktop {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let log = std::fs::read_to_string(self.log()).unwrap_or_default();
        let customers = customer_names(&self.demo_database());
        if let Some(leak) = log_leak(&log, &customers) {
            panic!("the app's log ({}) holds {leak}", self.log().display());
        }
    }
}

/// The full names of the built-in demo's customers (none if it was never
/// generated), opened with the demo's data key (the database holds them
/// sealed), read on a thread of its own: this runs from `drop`, inside the
/// test's runtime.
fn customer_names(database: &Path) -> Vec<String> {
    if !database.exists() {
        return Vec::new();
    }
    let url = format!("sqlite://{}?mode=ro", database.display());
    let data = database.parent().expect("the demo's directory");
    let keys = riskdesk_server::data_key::DataKeys::load(&riskdesk_server::demo::data_key(data))
        .expect("the demo's data key");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let mut db = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
                .await
                .expect("the demo database");
            let sealed: Vec<String> = sqlx::query_scalar("SELECT name FROM customers")
                .fetch_all(&mut db)
                .await
                .expect("the customers' names");
            let mut names: Vec<String> = sealed
                .iter()
                .map(|name| keys.open(name).expect("a name the demo's key opens"))
                .collect();
            names.sort();
            names.dedup();
            names
        })
    })
    .join()
    .expect("reading the customers' names")
}

/// What a log must never hold, by name: the demo operators' passwords and
/// TOTP secrets, service keys, TOTP URIs, bearer tokens, phone numbers or
/// national IDs that are not masked, and `customers`' full names.
pub fn log_leak(log: &str, customers: &[String]) -> Option<String> {
    if !customers.is_empty() {
        let names: Vec<String> = customers.iter().map(|n| regex::escape(n)).collect();
        let pattern = regex::Regex::new(&names.join("|")).expect("the names' pattern");
        if let Some(found) = pattern.find(log) {
            return Some(format!("a customer's full name: {:?}", found.as_str()));
        }
    }
    for operator in riskdesk_server::generate::demo_operators(riskdesk_server::demo::SEED) {
        if log.contains(&operator.password) {
            return Some(format!("{}'s password", operator.id));
        }
        if log.contains(&operator.totp_secret) {
            return Some(format!("{}'s TOTP secret", operator.id));
        }
    }
    let patterns = [
        ("a service client's key", r"rdsvc_[A-Za-z0-9_-]{8}"),
        ("a TOTP URI", r"otpauth://"),
        ("a bearer token", r"(?i)bearer\s+[A-Za-z0-9_.-]{16}"),
        (
            "an unmasked phone number",
            r"(?:^|[^0-9])1[3-9][0-9]{9}(?:[^0-9]|$)",
        ),
        (
            "an unmasked national ID",
            r"(?:^|[^0-9])[1-9][0-9]{16}[0-9X](?:[^0-9A-Za-z]|$)",
        ),
    ];
    patterns.iter().find_map(|(what, pattern)| {
        let found = regex::Regex::new(pattern).expect("a pattern").find(log)?;
        Some(format!("{what}: {:?}", found.as_str()))
    })
}

/// The reference service on a port of its own, over a small demo, that the
/// test can stop and start again on the same port.
pub struct RemoteService {
    port: u16,
    data: tempfile::TempDir,
    running: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<std::io::Result<()>>,
    )>,
}

impl RemoteService {
    pub async fn start() -> RemoteService {
        let mut service = RemoteService {
            port: 0,
            data: tempfile::tempdir().expect("a data directory"),
            running: None,
        };
        service.run().await;
        service
    }

    pub async fn run(&mut self) {
        use riskdesk_server::clock::Clock;
        use riskdesk_server::http::{self, AppState};
        use riskdesk_server::store::Purpose;

        let clock = Clock::system();
        let params =
            riskdesk_server::demo::params(300, 3, riskdesk_server::demo::SEED, clock.now_ms());
        let (store, _, _) = riskdesk_server::demo::open_or_generate(
            self.data.path(),
            params,
            Purpose::Serve,
            |_, _| {},
        )
        .await
        .expect("the demo");
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("a port");
        self.port = listener.local_addr().expect("its address").port();
        let state = AppState::new(store, clock).expect("the service");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(http::serve(listener, state, async {
            let _ = stopped.await;
        }));
        self.running = Some((stop, task));
    }

    pub async fn stop(&mut self) {
        if let Some((stop, task)) = self.running.take() {
            let _ = stop.send(());
            let _ = task.await;
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// A new key of the payment platform's for this service.
    pub async fn payment_key(&self, id: &str) -> String {
        payment_key(open_demo_store(&self.database()).await.as_ref(), id).await
    }

    /// The service's SQLite database, to check what it recorded.
    pub fn database(&self) -> PathBuf {
        riskdesk_server::demo::database(self.data.path())
    }
}

/// Now, as the payment API reads times (RFC 3339, UTC).
pub fn now_rfc3339() -> String {
    let now = riskdesk_server::clock::Clock::system().now_ms();
    riskdesk_server::clock::utc(now / 1000 * 1000).to_rfc3339()
}

/// `order` through the payment API at `url`, as the payment platform sends
/// it with `key`; the answer.
pub async fn authorize(url: &str, key: &str, order: &Value) -> Value {
    reqwest::Client::new()
        .post(format!("{url}/v1/payments/authorize"))
        .bearer_auth(key)
        .json(order)
        .send()
        .await
        .expect("the authorization")
        .json()
        .await
        .expect("its answer")
}

/// The store of a demo's SQLite database, opened with the demo's data key.
pub async fn open_demo_store(database: &Path) -> Arc<dyn Store> {
    let url = format!("sqlite://{}", database.display());
    let data = database.parent().expect("the demo's directory");
    let keys = riskdesk_server::data_key::DataKeys::load(&riskdesk_server::demo::data_key(data))
        .expect("the demo's data key");
    riskdesk_server::store::open(&url, &keys)
        .await
        .expect("the demo database")
}

/// A new key of the payment platform's, as the service client `id`.
pub async fn payment_key(store: &dyn Store, id: &str) -> String {
    let key = riskdesk_server::auth::new_service_key();
    store
        .add_service_client(&riskdesk_server::store::ServiceClientRow {
            id: id.to_owned(),
            key_hash: riskdesk_server::auth::token_hash(&key),
            created_at: riskdesk_server::clock::Clock::system().now_ms(),
            revoked_at: None,
        })
        .await
        .expect("a service client");
    key
}

/// A running app and its WebDriver session.
pub struct App {
    pub client: Client,
    driver: Child,
    log: PathBuf,
}

impl App {
    /// The first element matching `css`, waiting up to `timeout` for it.
    pub async fn wait(&self, css: &str, timeout: Duration) -> Element {
        match self
            .client
            .wait()
            .at_most(timeout)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                // What the window showed instead, for whoever reads the failure.
                let shot = workspace().join("target/e2e-failure.png");
                if let Ok(png) = self.client.screenshot().await {
                    let _ = std::fs::write(&shot, png);
                }
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let app_lines: Vec<&str> = log
                    .lines()
                    .filter(|l| l.contains("riskdesk") || l.contains("ERROR") || l.contains("WARN"))
                    .collect();
                panic!(
                    "waiting for {css}: {e} (the window: {}; the app's log:\n{})",
                    shot.display(),
                    app_lines.join("\n")
                )
            }
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("finding {css}: {e}"))
    }

    /// Clicks the first element matching `css`, finding it again if the
    /// screen re-rendered it in between.
    pub async fn click(&self, css: &str) {
        // A pointer click lands where the target was measured: one that is
        // still moving (a count arriving in the bar beside it) would hand
        // the click to its neighbour. Wait (for two seconds at most) until
        // the bar's counts are read, and until the target rests for a poll.
        for _ in 0..20 {
            let script = "return !document.querySelector('nav[data-counts=loading]')";
            if self.run(script).await == json!(true) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let target = serde_json::to_string(css).expect("a selector");
        self.until(
            &format!("{css} at rest"),
            &format!(
                "const e = document.querySelector({target}); if (!e) return false;
                 const r = JSON.stringify(e.getBoundingClientRect());
                 const rested = window.__riskdeskLastRect === r;
                 window.__riskdeskLastRect = r; return rested;"
            ),
            STEP,
        )
        .await;
        let mut attempts = 0;
        loop {
            match self.wait(css, STEP).await.click().await {
                Ok(_) => return,
                Err(e) if attempts < 20 => {
                    attempts += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("clicking {css}: {e:?}"),
            }
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait(css, STEP)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("reading {css}: {e}"))
    }

    /// Runs `script` asynchronously: it ends by calling
    /// `arguments[arguments.length - 1]` with its answer.
    pub async fn run_async(&self, script: &str) -> Value {
        self.client
            .execute_async(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("running {script}: {e}"))
    }

    pub async fn run(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("running {script}: {e}"))
    }

    /// Waits until `script` returns true.
    pub async fn until(&self, what: &str, script: &str, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.run(script).await == json!(true) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves the window as `docs/screenshots/<name>.png`, once the last DOM
    /// change has been painted. A Chinese screen (`…-zh-…`) must read in
    /// Chinese: any English word in its text fails the test.
    pub async fn screenshot(&self, name: &str) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if name.contains("-zh") {
            // Text marked as English (a service's own detail under the
            // console's words) is not the screen's language, nor is a
            // command to type.
            let text = self
                .run(
                    "const marked = [...document.body.querySelectorAll('[lang]:not([lang^=zh]), code')];
                     const shown = marked.map(e => e.style.display);
                     marked.forEach(e => { e.style.display = 'none'; });
                     const text = document.body.innerText;
                     marked.forEach((e, i) => { e.style.display = shown[i]; });
                     return text",
                )
                .await;
            let stray = english_words(text.as_str().unwrap_or_default());
            assert!(
                stray.is_empty(),
                "English on the Chinese screen {name}: {stray:?}"
            );
        }
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = workspace()
            .join("docs/screenshots")
            .join(format!("{name}.png"));
        std::fs::write(&path, png).expect("writing a screenshot");
    }

    /// Closes the window, then stops tauri-driver.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// tauri-driver stops with SIGTERM (SIGKILL would leave WebKitWebDriver
/// holding the test's output open), also when a test fails midway.
impl Drop for App {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.driver.id().to_string()])
            .status();
        let _ = self.driver.wait();
    }
}

/// Latin words a Chinese screen may show: the product's name, the payment
/// channel's (`App`), file formats, protocols and what an address is made
/// of, the names of keys, and units.
const LATIN_ALLOWED: &[&str] = &[
    "RiskDesk",
    "Linux",
    "App",
    "CSV",
    "PDF",
    "PNG",
    "JPEG",
    "SVG",
    "JSON",
    "PEM",
    "CA",
    "IP",
    "TOTP",
    "ID",
    "SHA",
    "HTTP",
    "HTTPS",
    "TLS",
    "http",
    "https",
    "localhost",
    "Enter",
    "Esc",
    "Tab",
    "Shift",
    "Ctrl",
    "Alt",
    "CNY",
    "km",
    "GB",
    "MB",
    "KB",
];

/// The English words in a screen's text: runs of two or more Latin letters
/// outside the allow-list, in a token that is not a code — a token with a
/// digit or a joining mark (`dev-bl0020`, `officer.li`, `http://…`; not a
/// hyphen, which English words take too) is an id, a value or an address
/// the operator types, not a word (a file's extension, `.pdf`, too; a
/// sentence's full stop does not make a word a code).
pub fn english_words(text: &str) -> Vec<String> {
    let mut stray = Vec::new();
    let separators = |c: char| c.is_whitespace() || !(c.is_ascii() || c == '…');
    for token in text.split(separators) {
        let inner = token.trim_end_matches(|c: char| c.is_ascii_punctuation());
        let coded = inner
            .chars()
            .any(|c| c.is_ascii_digit() || "._@:/#*=&?+".contains(c));
        if coded {
            continue;
        }
        let token = inner.trim_start_matches(|c: char| c.is_ascii_punctuation());
        for word in token.split(|c: char| !c.is_ascii_alphabetic()) {
            if word.len() >= 2
                && !LATIN_ALLOWED.contains(&word)
                && !stray.contains(&word.to_owned())
            {
                stray.push(word.to_owned());
            }
        }
    }
    stray
}

#[test]
fn english_words_are_found_among_chinese_ids_and_codes() {
    let text = "预警队列 107\n设备 dev-bl0020 在黑名单上（条目 #23）\nofficer.li · 导出 CSV\n\
                http://127.0.0.1:8080 Enter 打开账户 n 下一条\n客户说明.pdf\n金额 is too high. 2.5 × median";
    assert_eq!(english_words(text), ["is", "too", "high", "median"]);
    assert_eq!(
        english_words("杭州 → 广州：1,043 公里，时速 1,234 公里"),
        Vec::<String>::new()
    );
    assert_eq!(
        english_words("自动还款 auto-repay；分期手续费 Installment fee"),
        ["auto", "repay", "Installment", "fee"]
    );
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn app_binary() -> PathBuf {
    std::env::var_os("RISKDESK_APP")
        .map_or_else(|| workspace().join("target/debug/riskdesk"), PathBuf::from)
}

fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
        PathBuf::from,
    );
    let installed = home.join("bin/tauri-driver");
    if installed.exists() {
        installed
    } else {
        PathBuf::from("tauri-driver")
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
