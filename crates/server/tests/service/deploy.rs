//! docs/deploy.md, followed on this machine with the real binary: from an
//! empty PostgreSQL database, reached with a password that is in no file,
//! to two instances serving HTTPS, one of them replaced while the other
//! serves, and a backup restored into a new database that serves the same
//! records with its audit chain intact.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use riskdesk_server::clock::Clock;
use serde_json::{Value, json};
use sqlx::Connection;

/// The role every deployment's service signs in as with a password (the
/// test cluster's pg_hba.conf asks its members for one; xtask/src/postgres.rs).
const PASSWORD_GROUP: &str = "riskdesk_password";

#[tokio::test]
async fn the_deployment_guide_from_an_empty_database_to_a_restored_backup() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cluster = Cluster::from_env();

    // 1. The service's own role and database. Its password reaches the
    // service through PGPASSWORD, never the URL or a file.
    let role = format!("riskdesk_app_{}", std::process::id());
    let password = "s3cret-from-the-vault";
    cluster.create_role_and_database(&role, password).await;
    let database = cluster.url(&role, &role);
    let env = Env {
        database: database.clone(),
        password: password.to_owned(),
        audit_key: dir.path().join("audit.key"),
        data_key: dir.path().join("data.key"),
    };
    let wrong = Env {
        password: "not-the-password".to_owned(),
        ..env.clone()
    };
    let refused = server(&wrong)
        .args(["service-client", "add", "wechatpay"])
        .output()
        .expect("riskdesk-server");
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("password authentication failed"),
        "{}",
        stderr(&refused)
    );

    // 2. Operators and the payment platform's key, on the empty database
    // (the first command migrates it); a small portfolio to serve.
    let officer = add_operator(&env, "officer.zhou", "周风控", "risk_officer");
    let manager = add_operator(&env, "manager.qian", "钱经理", "manager");
    let key = stdout(&ok(server(&env)
        .args(["service-client", "add", "wechatpay"])
        .output()));
    let key = key.trim().to_owned();
    ok(server(&env)
        .args(["generate", "--customers", "40", "--months", "3"])
        .output());

    // 3. TLS and the audit key.
    let tls = Tls::new(dir.path());

    // 4. Two instances, one session: signed in on one, served by the other.
    let mut first = Instance::start(&env, &tls).await;
    let second = Instance::start(&env, &tls).await;
    let http = tls.client();
    let token = sign_in(&http, &first.url, &officer).await;
    let accounts = get(&http, &second.url, "/v1/accounts?limit=1", &token).await;
    let account_id = accounts["items"][0]["id"].as_i64().expect("an account");
    let order_id = format!("WX{}", std::process::id());
    let decided = authorize(&http, &second.url, &key, account_id, &order_id).await;

    // 5. A rolling restart: the first stops, the second serves meanwhile,
    // and the first's replacement takes the same session.
    first.stop();
    get(&http, &second.url, "/v1/alerts?limit=1", &token).await;
    let replacement = Instance::start(&env, &tls).await;
    let line = get(
        &http,
        &replacement.url,
        &format!("/v1/accounts/{account_id}"),
        &token,
    )
    .await;
    assert_eq!(line["id"], account_id, "{line}");

    // 6. A backup, restored into a new database, serves the same records.
    let backup = dir.path().join("riskdesk.dump");
    ok(pg(&env, "pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&backup)
        .arg(&database)
        .output());
    let restored_name = format!("{role}_restored");
    cluster.create_database(&restored_name, &role).await;
    let restored = Env {
        database: cluster.url(&role, &restored_name),
        ..env.clone()
    };
    ok(pg(&restored, "pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&restored.database)
        .arg(&backup)
        .output());
    ok(pg(&restored, "vacuumdb")
        .args(["--analyze", "--dbname"])
        .arg(&restored.database)
        .output());
    let from_backup = Instance::start(&restored, &tls).await;
    let manager_token = sign_in(&http, &from_backup.url, &manager).await;
    let payments = get(
        &http,
        &from_backup.url,
        &format!("/v1/accounts/{account_id}/transactions?limit=200"),
        &manager_token,
    )
    .await;
    let payment = payments["items"]
        .as_array()
        .and_then(|items| items.iter().find(|t| t["order_id"] == order_id.as_str()))
        .unwrap_or_else(|| panic!("{order_id} in {payments}"));
    assert_eq!(payment["decision"], decided, "{payment}");
    let audit = get(&http, &from_backup.url, "/v1/audit/verify", &manager_token).await;
    assert_eq!(audit["intact"], true, "{audit}");
    assert!(audit["entries"].as_u64() > Some(0), "{audit}");
    drop((second, replacement, from_backup));
    cluster.drop_role(&role, &[&role, &restored_name]).await;
}

/// What the service is given through its environment (docs/deploy.md).
#[derive(Clone)]
struct Env {
    database: String,
    password: String,
    audit_key: PathBuf,
    data_key: PathBuf,
}

fn server(env: &Env) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_riskdesk-server"));
    command
        .env("RISKDESK_DATABASE_URL", &env.database)
        .env("PGPASSWORD", &env.password)
        .env("RISKDESK_AUDIT_KEY_FILE", &env.audit_key)
        .env("RISKDESK_DATA_KEY_FILE", &env.data_key)
        .env_remove("RISKDESK_DATA_KEY")
        .env_remove("PGPASSFILE");
    command
}

/// A PostgreSQL client program, from the newest installed version.
fn pg(env: &Env, program: &str) -> Command {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's programs")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let version = path.file_name()?.to_str()?.parse().ok()?;
            Some((version, path.join("bin").join(program)))
        })
        .filter(|(_, path)| path.exists())
        .collect();
    versions.sort();
    let (_, path) = versions.pop().unwrap_or_else(|| panic!("no {program}"));
    let mut command = Command::new(path);
    command.env("PGPASSWORD", &env.password);
    command
}

fn add_operator(env: &Env, id: &str, name: &str, role: &str) -> Operator {
    let password = format!("{id} correct horse");
    let added = crate::support::with_input(
        server(env).args(["operator", "add", id, "--name", name, "--role", role]),
        &format!("{password}\n"),
    );
    assert!(added.status.success(), "{}", stderr(&added));
    let uri = stdout(&added);
    Operator {
        id: id.to_owned(),
        password,
        secret: crate::support::totp_secret(&uri),
    }
}

struct Operator {
    id: String,
    password: String,
    secret: String,
}

/// A certificate for 127.0.0.1 from a private CA, as a deployment without a
/// public name would have.
struct Tls {
    certificate: PathBuf,
    key: PathBuf,
    ca_pem: String,
}

impl Tls {
    fn new(dir: &Path) -> Tls {
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().expect("key"))
            .expect("the CA");
        let key = rcgen::KeyPair::generate().expect("key");
        let certificate = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .expect("parameters")
            .signed_by(&key, &ca)
            .expect("the certificate");
        let tls = Tls {
            certificate: dir.join("service.pem"),
            key: dir.join("service.key"),
            ca_pem: ca.pem(),
        };
        std::fs::write(&tls.certificate, certificate.pem()).expect("writing the certificate");
        std::fs::write(&tls.key, key.serialize_pem()).expect("writing the key");
        tls
    }

    /// A client that trusts the private CA only.
    fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(
                reqwest::Certificate::from_pem(self.ca_pem.as_bytes()).expect("the CA"),
            )
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a client")
    }
}

/// A `riskdesk-server serve` process, stopped when dropped.
struct Instance {
    child: Child,
    url: String,
}

impl Instance {
    async fn start(env: &Env, tls: &Tls) -> Instance {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = server(env)
            .args([
                "serve",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--tls-cert",
            ])
            .arg(&tls.certificate)
            .arg("--tls-key")
            .arg(&tls.key)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("riskdesk-server serve");
        let instance = Instance {
            child,
            url: format!("https://127.0.0.1:{port}"),
        };
        // Ready when it answers its health check over TLS.
        let client = tls.client();
        let health = format!("{}/v1/health", instance.url);
        for _ in 0..300 {
            if let Ok(response) = client.get(&health).send().await
                && response.status().is_success()
            {
                return instance;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} did not become healthy", instance.url);
    }

    /// Stops it as a service manager does (SIGTERM), and waits for it to
    /// finish what it was doing and exit cleanly.
    fn stop(&mut self) {
        let terminated = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(terminated.success());
        let exit = self.child.wait().expect("its exit");
        assert!(exit.success(), "{exit}");
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn sign_in(http: &reqwest::Client, url: &str, operator: &Operator) -> String {
    crate::support::sign_in_over_http(
        http,
        url,
        &operator.id,
        &operator.password,
        &operator.secret,
    )
    .await
}

async fn get(http: &reqwest::Client, url: &str, path: &str, token: &str) -> Value {
    let response = http
        .get(format!("{url}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("a request");
    let (status, body) = crate::support::read(response).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Authorizes a payment as the payment platform; its decision.
async fn authorize(
    http: &reqwest::Client,
    url: &str,
    key: &str,
    account_id: i64,
    order_id: &str,
) -> Value {
    let body = json!({
        "order_id": order_id, "account_id": account_id, "merchant": "京东电器",
        "category": "electronics", "amount": "19.90", "installments": 1, "channel": "in_app",
        "device_id": "dev-deploy", "ip": "123.112.8.9",
        "location": {"lat": 39.9042, "lon": 116.4074, "city": "北京"},
        "occurred_at": chrono::DateTime::from_timestamp_millis(Clock::system().now_ms())
            .expect("a time")
            .to_rfc3339(),
    });
    let response = http
        .post(format!("{url}/v1/payments/authorize"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("authorizing");
    let (status, answer) = crate::support::read(response).await;
    assert_eq!(status, 200, "{answer}");
    answer["decision"].clone()
}

/// The test cluster, through its administrative URL.
struct Cluster {
    admin: String,
    host_port: String,
}

impl Cluster {
    fn from_env() -> Cluster {
        let admin = std::env::var("RISKDESK_TEST_PG_URL")
            .expect("RISKDESK_TEST_PG_URL: `cargo xtask test` sets it");
        let host_port = admin
            .split_once('@')
            .and_then(|(_, rest)| rest.split_once('/'))
            .map(|(host_port, _)| host_port.to_owned())
            .expect("postgres://user@host:port/db");
        Cluster { admin, host_port }
    }

    fn url(&self, role: &str, database: &str) -> String {
        format!("postgres://{role}@{}/{database}", self.host_port)
    }

    async fn run(&self, statements: &[String]) {
        let mut conn = sqlx::PgConnection::connect(&self.admin)
            .await
            .expect("the cluster");
        for statement in statements {
            sqlx::query(statement)
                .execute(&mut conn)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
        }
    }

    async fn create_role_and_database(&self, role: &str, password: &str) {
        self.run(&[
            format!(
                "DO $$ BEGIN CREATE ROLE {PASSWORD_GROUP} NOLOGIN; \
                 EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            ),
            format!("CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE {PASSWORD_GROUP}"),
        ])
        .await;
        self.create_database(role, role).await;
    }

    async fn create_database(&self, name: &str, owner: &str) {
        self.run(&[format!("CREATE DATABASE {name} OWNER {owner}")])
            .await;
    }

    async fn drop_role(&self, role: &str, databases: &[&str]) {
        let mut statements: Vec<String> = databases
            .iter()
            .map(|d| format!("DROP DATABASE {d} WITH (FORCE)"))
            .collect();
        statements.push(format!("DROP ROLE {role}"));
        self.run(&statements).await;
    }
}

fn ok(output: std::io::Result<Output>) -> Output {
    let output = output.expect("running the program");
    assert!(output.status.success(), "{}", stderr(&output));
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
