//! `riskdesk-server`: serve the API, generate a demo portfolio, or both at once.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use riskdesk_domain::operator::{OperatorChange, Role};
use riskdesk_domain::rules::Rules;
use riskdesk_server::clock::Clock;
use riskdesk_server::data_key::DataKeys;
use riskdesk_server::generate::{self, Params};
use riskdesk_server::http::{self, AppState};
use riskdesk_server::store::{self, Purpose};
use riskdesk_server::wechatpay::WechatPay;
use riskdesk_server::workbench::backtest::{self, Backtester, JobProcess};
use riskdesk_server::{demo, eod, replay, team};

// Rows are built on one thread and freed on SQLite's; glibc's malloc spent a
// fifth of a bulk load on that, mimalloc a small part of it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(version, about = "The RiskDesk reference risk service")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API over an existing database.
    Serve {
        /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
        #[command(flatten)]
        database: Database,
        #[command(flatten)]
        listen: Listen,
        #[command(flatten)]
        engine: Engine,
    },
    /// Manage the service clients (the payment platform) that may call the
    /// payment channel's endpoints.
    ServiceClient {
        #[command(flatten)]
        database: Database,
        #[command(subcommand)]
        action: ServiceClientAction,
    },
    /// Operators' sessions: list them, end one.
    Sessions {
        #[command(flatten)]
        database: Database,
        #[command(subcommand)]
        action: SessionsAction,
    },
    /// Manage the operators (officers, agents, managers) who sign in to the console.
    Operator {
        #[command(flatten)]
        database: Database,
        #[command(subcommand)]
        action: OperatorAction,
    },
    /// Generate a demo portfolio into an empty database.
    Generate {
        #[command(flatten)]
        database: Database,
        #[command(flatten)]
        portfolio: Portfolio,
        /// Write the fraud patterns' payment stream to this JSON-lines file
        /// instead of replaying it (then: `riskdesk-server replay FILE`).
        #[arg(long)]
        stream_out: Option<PathBuf>,
        /// Print the generated operators as one JSON line, as `demo --json`
        /// does but without a URL (for `riskdesk-loadgen --url`).
        #[arg(long)]
        json: bool,
    },
    /// Run the end of a business day (statements, days past due, re-scoring,
    /// limit proposals). Once per date: a second run reports the first.
    EndOfDay {
        #[command(flatten)]
        database: Database,
        /// The business date (China time), `yyyy-mm-dd`. Default: yesterday.
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        #[command(flatten)]
        engine: Engine,
    },
    /// Feed a payment-event stream (JSON lines, as `generate --stream-out`
    /// writes) through the engine and report decisions and alerts per rule.
    /// It writes to the database: replay into a copy to try a rules change.
    Replay {
        file: PathBuf,
        #[command(flatten)]
        database: Database,
        #[command(flatten)]
        engine: Engine,
    },
    /// Recompute the portfolio metrics' rollups from the records (the
    /// service keeps them up to date itself; this is for a repair or a check).
    RebuildMetrics {
        #[command(flatten)]
        database: Database,
    },
    /// Seal every secret and piece of personal data under a new data key
    /// (--data-key, made if missing), opening what the previous one sealed
    /// (--previous-data-key). Safe while the service runs: start its
    /// instances with both keys first (docs/deploy.md).
    RotateKey {
        #[command(flatten)]
        database: Database,
    },
    /// Print the current TOTP code for a secret (for trying the API by hand).
    Totp {
        /// The base32 secret, as `demo` prints it.
        secret: String,
    },
    /// Run a backtest the service started (the service starts this itself,
    /// in a process of its own, so that the job never slows payments).
    #[command(hide = true)]
    BacktestJob {
        #[command(flatten)]
        database: Database,
        #[arg(long)]
        id: i64,
    },
    /// Generate the demo portfolio if missing, then serve it on SQLite and
    /// print how to sign in.
    Demo {
        #[command(flatten)]
        listen: Listen,
        /// Where the demo database lives.
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Print the URL and operators as one JSON line, for scripts and tests.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        portfolio: Portfolio,
        #[command(flatten)]
        engine: Engine,
    },
}

/// The shortest password `operator add` takes.
const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Subcommand)]
enum ServiceClientAction {
    /// Register a client and print its key, once: only its hash is stored.
    Add {
        /// A name for the client, such as `wechatpay`.
        id: String,
    },
    /// List the clients, revoked ones too.
    List,
    /// Revoke a client: its key is refused from the next request on.
    Revoke { id: String },
}

#[derive(Subcommand)]
enum SessionsAction {
    /// The sessions of an operator that have not ended, with their ids.
    List { operator: String },
    /// End a session by its id (as `sessions list` shows it).
    Revoke { id: String },
}

#[derive(Subcommand)]
enum OperatorAction {
    /// Add an operator. The password is read from standard input (one line,
    /// at least 12 characters; never a flag, which would stay in the shell's
    /// history); a new TOTP secret is printed once, as an `otpauth://` URI
    /// for the operator's authenticator app.
    Add {
        /// The operator's sign-in id, such as `officer.zhou`.
        id: String,
        /// The name shown in the console and the audit trail.
        #[arg(long)]
        name: String,
        /// `risk_officer`, `cs_agent`, `manager` or `admin`.
        #[arg(long)]
        role: Role,
    },
    /// List the operators with role, status, last sign-in and sessions.
    List,
    /// Disable an operator: no more sign-ins, and every session of theirs ends.
    Disable { id: String },
    /// Enable a disabled operator again.
    Enable { id: String },
    /// Give an operator a new TOTP secret (printed once as an `otpauth://`
    /// URI); their sessions end.
    ResetTotp { id: String },
    /// Give an operator a new role, from their next request on.
    Role { id: String, role: Role },
}

/// How the engine decides, and which payment-platform notifications it takes.
#[derive(clap::Args)]
struct Engine {
    /// The fraud rules' thresholds (TOML). Default: the shipped rules
    /// (crates/domain/rules.toml). A bad file stops the service at start.
    #[arg(long, env = "RISKDESK_RULES")]
    rules: Option<PathBuf>,
    /// Accept WeChat Pay notifications signed with this platform public key
    /// (SPKI PEM). The APIv3 key comes from RISKDESK_WECHATPAY_APIV3_KEY,
    /// never from a flag or a file in the repository.
    #[arg(long, requires = "wechatpay_serial")]
    wechatpay_platform_key: Option<PathBuf>,
    /// The serial number of that platform certificate (`Wechatpay-Serial`).
    #[arg(long, requires = "wechatpay_platform_key")]
    wechatpay_serial: Option<String>,
    /// The file of the Ed25519 key that signs the audit chain's checkpoints
    /// (64 hex digits; made, readable by its owner only, if missing). Keep
    /// it away from the database. Without it no checkpoint is signed (the
    /// demo keeps one in its data directory).
    #[arg(long, env = "RISKDESK_AUDIT_KEY_FILE")]
    audit_key: Option<PathBuf>,
}

impl Engine {
    /// Reads and checks the rules file and the notification keys, before
    /// anything else starts: a bad file stops the service naming its line.
    fn load(&self) -> anyhow::Result<impl FnOnce(AppState) -> AppState + use<>> {
        self.load_with_key(self.audit_key.as_deref())
    }

    fn load_with_key(
        &self,
        audit_key: Option<&std::path::Path>,
    ) -> anyhow::Result<impl FnOnce(AppState) -> AppState + use<>> {
        let audit_key = audit_key
            .map(riskdesk_server::audit_key::load_or_create)
            .transpose()?;
        if audit_key.is_none() {
            tracing::warn!(
                "no --audit-key: audit checkpoints are not signed, so a truncated audit trail cannot be told"
            );
        }
        let rules = match &self.rules {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the rules file {}", path.display()))?;
                Some(Rules::parse(&text).with_context(|| format!("{}", path.display()))?)
            }
            None => None,
        };
        let wechatpay = match (&self.wechatpay_platform_key, &self.wechatpay_serial) {
            (Some(path), Some(serial)) => {
                let pem = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the platform key {}", path.display()))?;
                let key = std::env::var("RISKDESK_WECHATPAY_APIV3_KEY").context(
                    "RISKDESK_WECHATPAY_APIV3_KEY must hold the 32-byte APIv3 key \
                     when --wechatpay-platform-key is given",
                )?;
                Some(WechatPay::new(serial, &pem, key.as_bytes())?)
            }
            _ => None,
        };
        Ok(move |mut state: AppState| {
            if let Some(rules) = rules {
                state = state.with_rules(rules);
            }
            if let Some(wechatpay) = wechatpay {
                state = state.with_wechatpay(wechatpay);
            }
            if let Some(key) = audit_key {
                state = state.with_audit_key(key);
            }
            state
        })
    }
}

/// The database, and the key that seals its secrets and personal data.
#[derive(clap::Args)]
struct Database {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    #[arg(long = "database", env = "RISKDESK_DATABASE_URL")]
    url: String,
    /// The data key file (made, readable by its owner only, if missing).
    /// Keep it apart from the database and its backups: without it the
    /// sealed data cannot be read. Or the key file's text in RISKDESK_DATA_KEY.
    #[arg(long, env = "RISKDESK_DATA_KEY_FILE")]
    data_key: Option<PathBuf>,
    /// During a key rotation: the key being replaced, to open what it sealed.
    #[arg(long, env = "RISKDESK_PREVIOUS_DATA_KEY_FILE")]
    previous_data_key: Option<PathBuf>,
}

impl Database {
    fn keys(&self) -> anyhow::Result<DataKeys> {
        let Some(previous) = &self.previous_data_key else {
            return DataKeys::from_env_or_file(self.data_key.as_deref());
        };
        let previous = DataKeys::load(previous)?;
        let current = match &self.data_key {
            Some(path) => DataKeys::load_or_create(path, Some(&previous))?,
            None => DataKeys::from_env_or_file(None)?,
        };
        current.with_previous(&previous)
    }

    async fn open(&self, purpose: Purpose) -> anyhow::Result<std::sync::Arc<dyn store::Store>> {
        store::open_for(&self.url, purpose, &self.keys()?).await
    }

    /// Backtests in processes of their own (`backtest-job`) over this
    /// database. The rest of the settings reach them as this process's own
    /// environment does.
    fn backtests_apart(&self) -> anyhow::Result<std::sync::Arc<Backtester>> {
        let mut env = vec![("RISKDESK_DATABASE_URL".to_owned(), self.url.clone())];
        for (name, path) in [
            ("RISKDESK_DATA_KEY_FILE", &self.data_key),
            ("RISKDESK_PREVIOUS_DATA_KEY_FILE", &self.previous_data_key),
        ] {
            if let Some(path) = path {
                env.push((name.to_owned(), path.display().to_string()));
            }
        }
        let program = std::env::current_exe().context("finding this program for backtests")?;
        Ok(std::sync::Arc::new(Backtester::in_processes(JobProcess {
            program,
            env,
        })))
    }
}

/// What portfolio to generate.
#[derive(clap::Args)]
struct Portfolio {
    #[arg(long, default_value_t = demo::CUSTOMERS)]
    customers: u32,
    #[arg(long, default_value_t = demo::MONTHS)]
    months: u32,
    #[arg(long, default_value_t = demo::SEED)]
    seed: u64,
}

impl Portfolio {
    fn params(&self) -> Params {
        demo::params(
            self.customers,
            self.months,
            self.seed,
            Clock::system().now_ms(),
        )
    }
}

/// Where and how to listen.
#[derive(clap::Args)]
struct Listen {
    #[arg(long, default_value = "127.0.0.1:8640")]
    addr: SocketAddr,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "riskdesk_server=info,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve {
            database,
            listen,
            engine,
        } => {
            let configure = engine.load()?;
            let store = database.open(Purpose::Serve).await?;
            let mut state = configure(AppState::new(store, Clock::system())?);
            state.backtester = database.backtests_apart()?;
            serve(state, &listen, |url| {
                eprintln!("RiskDesk risk service on {url}")
            })
            .await
        }
        Command::BacktestJob { database, id } => {
            let store = database.open(Purpose::Serve).await?;
            let ran = backtest::run_started(&store, &Clock::system(), id).await;
            store.close().await;
            ran
        }
        Command::Operator {
            database,
            action: OperatorAction::Add { id, name, role },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            anyhow::ensure!(
                password.chars().count() >= MIN_PASSWORD_CHARS,
                "a password of at least {MIN_PASSWORD_CHARS} characters, please (read from \
                 standard input)"
            );
            anyhow::ensure!(
                !id.trim().is_empty() && !name.trim().is_empty(),
                "an id and a name, please"
            );
            let store = database.open(Purpose::Serve).await?;
            let secret = riskdesk_server::auth::new_totp_secret();
            store
                .insert_batch(&store::Batch {
                    operators: vec![store::OperatorRow {
                        id: id.clone(),
                        display_name: name.trim().to_owned(),
                        role: role.as_str().to_owned(),
                        password_hash: riskdesk_server::auth::hash_password(password)?,
                        totp_secret: secret.clone(),
                        totp_last_step: 0,
                        failed_attempts: 0,
                        locked_until: None,
                        created_at: Clock::system().now_ms(),
                        disabled_at: None,
                        must_change_password: 0,
                    }],
                    ..store::Batch::default()
                })
                .await
                .with_context(|| format!("adding operator {id} (is the id taken?)"))?;
            store.close().await;
            eprintln!(
                "operator {id} ({}) added; the TOTP secret for their authenticator (shown once):",
                role.as_str()
            );
            println!("{}", riskdesk_server::auth::otpauth_uri(&id, &secret));
            Ok(())
        }
        Command::Operator { database, action } => {
            let store = database.open(Purpose::Serve).await?;
            let change = match &action {
                OperatorAction::List => {
                    let now = Clock::system().now_ms();
                    for o in store.operators_admin(now).await? {
                        let status = match (o.disabled_at, o.locked_until) {
                            (Some(_), _) => "disabled",
                            (None, Some(until)) if until > now => "locked",
                            _ => "active",
                        };
                        let last = o.last_sign_in_at.map_or("never".to_owned(), |at| {
                            riskdesk_server::clock::utc(at)
                                .format("%Y-%m-%d %H:%M UTC")
                                .to_string()
                        });
                        println!(
                            "{}\t{}\t{}\t{status}\tlast sign-in {last}\t{} failed\t{} sessions",
                            o.id, o.display_name, o.role, o.failed_attempts, o.active_sessions
                        );
                    }
                    store.close().await;
                    return Ok(());
                }
                OperatorAction::Disable { id } => (id, OperatorChange::Disable),
                OperatorAction::Enable { id } => (id, OperatorChange::Enable),
                OperatorAction::ResetTotp { id } => (id, OperatorChange::ResetTotp),
                OperatorAction::Role { id, role } => (id, OperatorChange::SetRole(*role)),
                OperatorAction::Add { .. } => unreachable!("matched above"),
            };
            let (id, change) = change;
            let outcome = team::change_operator(&*store, id, change).await;
            store.close().await;
            let (operator, otpauth) = outcome?;
            eprintln!(
                "operator {} is now {}{}",
                operator.id,
                operator.role,
                if operator.disabled_at.is_some() {
                    ", disabled"
                } else {
                    ""
                }
            );
            if let Some(uri) = otpauth {
                eprintln!("the new TOTP secret for their authenticator (shown once):");
                println!("{uri}");
            }
            Ok(())
        }
        Command::Sessions { database, action } => {
            let store = database.open(Purpose::Serve).await?;
            let outcome = match action {
                SessionsAction::List { operator } => store
                    .operator_sessions(&operator, Clock::system().now_ms())
                    .await
                    .map_err(anyhow::Error::from)
                    .map(|sessions| {
                        for s in sessions {
                            let at =
                                |ms| riskdesk_server::clock::utc(ms).format("%Y-%m-%d %H:%M UTC");
                            println!(
                                "{}\tsigned in {}\tlast seen {}",
                                s.id,
                                at(s.created_at),
                                at(s.last_seen_at)
                            );
                        }
                    }),
                SessionsAction::Revoke { id } => team::end_session(&*store, &id)
                    .await
                    .map(|s| eprintln!("session {} of {} ended", s.id, s.operator_id)),
            };
            store.close().await;
            outcome
        }
        Command::ServiceClient {
            database,
            action: ServiceClientAction::List,
        } => {
            let store = database.open(Purpose::Serve).await?;
            let clients = store.service_clients().await;
            store.close().await;
            for c in clients? {
                let state = c.revoked_at.map_or("active".to_owned(), |at| {
                    format!(
                        "revoked {}",
                        riskdesk_server::clock::utc(at).format("%Y-%m-%d %H:%M UTC")
                    )
                });
                println!("{}\t{state}", c.id);
            }
            Ok(())
        }
        Command::ServiceClient {
            database,
            action: ServiceClientAction::Revoke { id },
        } => {
            let store = database.open(Purpose::Serve).await?;
            let outcome = team::revoke_service_client(&*store, &id).await;
            store.close().await;
            outcome?;
            eprintln!("service client {id} revoked: its key is refused from now on");
            Ok(())
        }
        Command::ServiceClient {
            database,
            action: ServiceClientAction::Add { id },
        } => {
            let store = database.open(Purpose::Serve).await?;
            let key = riskdesk_server::auth::new_service_key();
            store
                .add_service_client(&store::ServiceClientRow {
                    id: id.clone(),
                    key_hash: riskdesk_server::auth::token_hash(&key),
                    created_at: Clock::system().now_ms(),
                    revoked_at: None,
                })
                .await
                .with_context(|| format!("adding service client {id} (is the name taken?)"))?;
            store.close().await;
            eprintln!("service client {id} added; its key (shown once):");
            println!("{key}");
            Ok(())
        }
        Command::Generate {
            database,
            portfolio,
            stream_out,
            json,
        } => {
            let store = database.open(Purpose::BulkLoad).await?;
            let first = store::PageRequest {
                after: None,
                limit: 1,
            };
            let holds_accounts = !store
                .accounts(&Default::default(), &first)
                .await?
                .is_empty();
            anyhow::ensure!(
                store.meta("seed").await?.is_none() && !holds_accounts,
                "{} already holds accounts (perhaps from an interrupted run); \
                 generate into an empty database",
                store::redact_url(&database.url)
            );
            let params = portfolio.params();
            let bar = progress_bar(params.customers)?;
            let summary = match &stream_out {
                None => generate::generate(&*store, params, |done| bar.set_position(done)).await?,
                Some(path) => {
                    let (summary, stream) =
                        generate::generate_history(&*store, params, |done| bar.set_position(done))
                            .await?;
                    store.settle_after_load().await?;
                    let mut lines = String::new();
                    for event in &stream {
                        lines.push_str(&serde_json::to_string(event)?);
                        lines.push('\n');
                    }
                    std::fs::write(path, lines)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!(
                        "{} payment events written to {}",
                        stream.len(),
                        path.display()
                    );
                    summary
                }
            };
            bar.finish_and_clear();
            store.close().await;
            eprintln!(
                "generated {} customers, {} transactions, {} alerts in {:.1} s ({:.0} transactions/s)",
                summary.customers,
                summary.transactions,
                summary.alerts,
                summary.seconds,
                summary.transactions as f64 / summary.seconds
            );
            if json {
                println!(
                    "{}",
                    riskdesk_server::demo::sign_in_sheet(
                        None,
                        &generate::demo_operators(params.seed)
                    )
                );
            }
            Ok(())
        }
        Command::EndOfDay {
            database,
            date,
            engine,
        } => {
            let configure = engine.load()?;
            let store = database.open(Purpose::Serve).await?;
            let state = configure(AppState::new(store.clone(), Clock::system())?);
            let now = state.clock.now_ms();
            state.rules.load(&*store, now).await?;
            let date = date.unwrap_or_else(|| eod::due_date_at(now));
            let outcome = eod::run(&*store, &state.rules.current().rules, date, now).await?;
            store.close().await;
            let (s, when) = match outcome {
                eod::Outcome::Ran(s) => (s, "ran"),
                eod::Outcome::AlreadyDone(s) => (s, "had already run"),
                eod::Outcome::Running => {
                    eprintln!("end of day {date} is running elsewhere");
                    return Ok(());
                }
            };
            eprintln!(
                "end of day {} {when}: {} bills ({}), {} accounts past due, {} re-scored ({} grades \
                     changed), {} increases and {} decreases proposed, {} proposals expired, {} ms",
                s.business_date,
                s.bills_cut,
                eod::billed(&s),
                s.past_due,
                s.rescored,
                s.grades_changed,
                s.increases_proposed,
                s.decreases_proposed,
                s.proposals_expired,
                s.millis
            );
            Ok(())
        }
        Command::Replay {
            file,
            database,
            engine,
        } => {
            let configure = engine.load()?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let events =
                replay::read_events(&text).with_context(|| format!("{}", file.display()))?;
            let store = database.open(Purpose::Serve).await?;
            let state = configure(AppState::new(store.clone(), Clock::system())?);
            state.rules.load(&*store, state.clock.now_ms()).await?;
            let report = replay::replay(&*store, &state.rules.current(), events).await?;
            store.close().await;
            print!("{}", replay::describe(&report));
            Ok(())
        }
        Command::RebuildMetrics { database } => {
            let store = database.open(Purpose::Serve).await?;
            let started = std::time::Instant::now();
            let rows = store.rebuild_metrics().await?;
            store.close().await;
            eprintln!(
                "metrics rebuilt: {rows} rollup rows in {} ms",
                started.elapsed().as_millis()
            );
            Ok(())
        }
        Command::RotateKey { database } => {
            anyhow::ensure!(
                database.previous_data_key.is_some(),
                "rotate-key needs --previous-data-key (the key in use) and --data-key (the new one)"
            );
            let store = database.open(Purpose::Serve).await?;
            let started = std::time::Instant::now();
            let resealed = store.reseal().await;
            store.close().await;
            let resealed = resealed?;
            eprintln!(
                "sealed again under the new data key: {} customers, {} operators, in {} ms; \
                 the previous key is no longer needed once no backup sealed with it is kept",
                resealed.customers,
                resealed.operators,
                started.elapsed().as_millis()
            );
            Ok(())
        }
        Command::Totp { secret } => {
            let now = u64::try_from(Clock::system().now_ms() / 1000)?;
            let code = riskdesk_server::auth::totp_code(&secret, now)
                .context("not a base32 TOTP secret")?;
            println!("{code}");
            Ok(())
        }
        Command::Demo {
            listen,
            data,
            json,
            portfolio,
            engine,
        } => {
            std::fs::create_dir_all(&data)
                .with_context(|| format!("creating {}", data.display()))?;
            let key = engine
                .audit_key
                .clone()
                .unwrap_or_else(|| demo::audit_key(&data));
            let configure = engine.load_with_key(Some(&key))?;
            let params = portfolio.params();
            if !demo::database(&data).exists() {
                eprintln!(
                    "generating the demo portfolio ({} customers, {} months)…",
                    params.customers, params.months
                );
            }
            let bar = progress_bar(params.customers)?;
            let (store, operators, summary) =
                demo::open_or_generate(&data, params, Purpose::Serve, |done, _| {
                    bar.set_position(done)
                })
                .await?;
            bar.finish_and_clear();
            if let Some(s) = summary {
                eprintln!(
                    "generated {} transactions and {} alerts in {:.1} s",
                    s.transactions, s.alerts, s.seconds
                );
            }
            let mut state = configure(AppState::new(store, Clock::system())?);
            state.backtester = Database {
                url: demo::sqlite_url(&demo::database(&data)),
                data_key: Some(demo::data_key(&data)),
                previous_data_key: None,
            }
            .backtests_apart()?;
            serve(state, &listen, move |url| {
                riskdesk_server::demo::print_sign_in(url, &operators, json)
            })
            .await
        }
    }
}

fn progress_bar(customers: u32) -> anyhow::Result<ProgressBar> {
    let style =
        ProgressStyle::with_template("{bar:40} {pos}/{len} customers  {elapsed} (eta {eta})")?;
    Ok(ProgressBar::new(u64::from(customers)).with_style(style))
}

async fn serve(state: AppState, listen: &Listen, ready: impl FnOnce(&str)) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen.addr)
        .await
        .with_context(|| format!("listening on {}", listen.addr))?;
    riskdesk_server::jobs::spawn(state.clone());
    // Ctrl-C, or SIGTERM from a service manager replacing this instance:
    // stop taking connections and finish the requests in flight.
    let stop = async {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .expect("listening for SIGTERM");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("stopping: finishing the requests in flight");
    };
    let local = listener.local_addr()?;
    match (&listen.tls_cert, &listen.tls_key) {
        (Some(certificate), Some(key)) => {
            let files = http::TlsFiles {
                certificate: certificate.clone(),
                key: key.clone(),
            };
            let tls = files.load().await?;
            ready(&format!("https://{local}"));
            http::serve_tls(listener, state, tls, stop).await
        }
        _ => {
            ready(&format!("http://{local}"));
            Ok(http::serve(listener, state, stop).await?)
        }
    }
}
