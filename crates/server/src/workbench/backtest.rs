//! The backtest job: a version of the rules beside the live one on the last
//! days of recorded payments, each judged as of its own time
//! (`domain::backtest`), with its progress in the database (so that any
//! instance can show it and ask it to stop) and its report kept with the
//! version.
//!
//! It must not slow payments: the job runs in a process of its own when
//! the service runs as its binary (else on a thread of its own), at a
//! lower scheduling priority, reading the history in a few large queries
//! one at a time (on SQLite, through a connection of its own whose worker
//! thread is niced too) and judging it; one backtest runs at a time per
//! instance (others wait their turn, saying they are alive and hearing a
//! Cancel).

use std::collections::HashMap;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use riskdesk_domain::alert::Disposition;
use riskdesk_domain::backtest::{Compared, Comparison, Judged, Listed, Recorded, Walk};
use riskdesk_domain::blacklist::{BlacklistKind, Target};
use riskdesk_domain::geo::GeoPoint;
use riskdesk_domain::money::Money;
use riskdesk_domain::rules::{Context, Payment, Rules, TYPICAL_PURCHASES};
use riskdesk_domain::transaction::{MerchantCategory, Place};
use tokio::sync::Semaphore;

use crate::clock::{Clock, utc};
use crate::store::{AccountDetailRow, BacktestRow, PastRow, Store};

/// How often the job reports its progress (and learns of a Cancel).
const REPORT_EVERY: Duration = Duration::from_millis(250);
/// How often a backtest waiting its turn says it is alive.
const WAITING_REPORT_EVERY: Duration = Duration::from_secs(5);

/// The instance's backtests: one at a time, each in a process of its own
/// when [`JobProcess`] says how to start one (else on a thread here); and
/// its reads of the rules' record, one at a time too (each parses weeks of
/// payments: a flood of them queues here rather than taking the machine).
#[derive(Debug)]
pub struct Backtester {
    /// Backtests running or waiting here: bounded, so that a flood of
    /// starts is refused rather than queued without end.
    slots: Arc<Semaphore>,
    turn: Semaphore,
    records: Semaphore,
    process: Option<JobProcess>,
}

/// Backtests that may be running or waiting on one instance.
pub const BACKTESTS_PER_INSTANCE: usize = 4;

impl Default for Backtester {
    fn default() -> Self {
        Backtester {
            slots: Arc::new(Semaphore::new(BACKTESTS_PER_INSTANCE)),
            turn: Semaphore::new(1),
            records: Semaphore::new(1),
            process: None,
        }
    }
}

/// A backtest's slot on this instance, held from its start to its end.
#[derive(Debug)]
pub struct BacktestSlot {
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// How to run a backtest apart from the service: `program backtest-job
/// --id N` with the database in `env` (its URL may hold a password and the
/// data key is a secret: never on a command line, which any local user can
/// read). Measured: the same job inside the service's process raised the
/// payments' p99 by half or more, in a process of its own not at all
/// (docs/benchmarks.md, "Backtests").
pub struct JobProcess {
    pub program: std::path::PathBuf,
    pub env: Vec<(String, String)>,
}

impl std::fmt::Debug for JobProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.env.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("JobProcess")
            .field("program", &self.program)
            .field("env", &names)
            .finish()
    }
}

/// How a job ended.
#[derive(Debug)]
enum Ending {
    Done(Box<Comparison>),
    Cancelled,
}

impl Backtester {
    /// Backtests in processes of their own, started as `process` says.
    pub fn in_processes(process: JobProcess) -> Self {
        Backtester {
            process: Some(process),
            ..Backtester::default()
        }
    }

    /// A slot for one more backtest here, or `None` when
    /// [`BACKTESTS_PER_INSTANCE`] are already running or waiting.
    pub fn slot(&self) -> Option<BacktestSlot> {
        let permit = self.slots.clone().try_acquire_owned().ok()?;
        Some(BacktestSlot { _permit: permit })
    }

    /// Waits for this instance's turn to read a rules record.
    pub async fn record_turn(
        &self,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, tokio::sync::AcquireError> {
        self.records.acquire().await
    }

    /// Waits for this instance's turn to run backtest `id`, saying it is
    /// alive meanwhile (one silent for `BACKTEST_SILENT_MS` may be failed by
    /// a new start); `None` when it was cancelled while it waited.
    async fn wait_turn(
        &self,
        store: &dyn Store,
        clock: &Clock,
        id: i64,
    ) -> anyhow::Result<Option<tokio::sync::SemaphorePermit<'_>>> {
        let turn = self.turn.acquire();
        tokio::pin!(turn);
        loop {
            tokio::select! {
                permit = &mut turn => return Ok(Some(permit?)),
                () = tokio::time::sleep(WAITING_REPORT_EVERY) => {
                    if store.backtest_progress(id, 0, 0, clock.now_ms()).await? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Runs the started backtest `row` in the background, `draft` beside
    /// `live`, holding its `slot` until it ends.
    pub fn spawn(
        self: &Arc<Self>,
        slot: BacktestSlot,
        store: Arc<dyn Store>,
        clock: Clock,
        row: BacktestRow,
        live: Rules,
        draft: Rules,
    ) {
        let this = self.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let id = row.id;
            let ending = match this.wait_turn(store.as_ref(), &clock, id).await {
                Ok(Some(_turn)) => match &this.process {
                    Some(process) => match run_apart(process, id).await {
                        // The job recorded its own end.
                        Ok(()) => return,
                        Err(e) => Err(e),
                    },
                    None => run(&store, &clock, &row, live, draft).await,
                },
                Ok(None) => Ok(Ending::Cancelled),
                Err(e) => Err(e),
            };
            finish(store.as_ref(), &clock, id, ending).await;
        });
    }
}

/// Runs backtest `id` here, as started elsewhere (`riskdesk-server
/// backtest-job`): the versions it compares are read from its row, and
/// its end is recorded like any other.
pub async fn run_started(store: &Arc<dyn Store>, clock: &Clock, id: i64) -> anyhow::Result<()> {
    let row = store
        .backtest(id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("there is no backtest {id}"))?;
    anyhow::ensure!(row.status == "running", "backtest {id} is {}", row.status);
    let live = super::rules_of(store.as_ref(), row.against).await?;
    let draft = super::rules_of(store.as_ref(), row.rule_set_id).await?;
    let ending = run(store, clock, &row, live, draft).await;
    let failed = ending.as_ref().err().map(|e| format!("{e:#}"));
    finish(store.as_ref(), clock, id, ending).await;
    failed.map_or(Ok(()), |e| Err(anyhow::anyhow!(e)))
}

/// Starts the job's process from a thread behind the payments (a process
/// inherits its starter's priority, every thread of it too) and waits for
/// it; an error when it ended without success (its row may still say
/// running: the caller records the failure).
async fn run_apart(process: &JobProcess, id: i64) -> anyhow::Result<()> {
    let mut command = std::process::Command::new(&process.program);
    command
        .arg("backtest-job")
        .arg("--id")
        .arg(id.to_string())
        .envs(process.env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null());
    let status = super::behind_payments("backtest", move |_| command.status()).await??;
    anyhow::ensure!(status.success(), "the backtest's process ended: {status}");
    Ok(())
}

/// Records how job `id` ended (a row no longer running is left as it is).
async fn finish(store: &dyn Store, clock: &Clock, id: i64, ending: anyhow::Result<Ending>) {
    let now = clock.now_ms();
    let finished = match ending {
        Ok(Ending::Done(report)) => match serde_json::to_string(&report) {
            Ok(json) => {
                store
                    .finish_backtest(id, "done", Some(&json), None, now)
                    .await
            }
            Err(e) => {
                let error = e.to_string();
                store
                    .finish_backtest(id, "failed", None, Some(&error), now)
                    .await
            }
        },
        Ok(Ending::Cancelled) => {
            store
                .finish_backtest(id, "cancelled", None, None, now)
                .await
        }
        Err(e) => {
            tracing::error!(backtest = id, error = format!("{e:#}"), "backtest failed");
            let error = format!("{e:#}");
            store
                .finish_backtest(id, "failed", None, Some(&error), now)
                .await
        }
    };
    if let Err(e) = finished {
        tracing::error!(backtest = id, error = %e, "recording the backtest's end failed");
    }
}

/// What the job reads before it judges.
struct History {
    /// In no order (the judging thread sorts them).
    transactions: Vec<PastRow>,
    /// Approved purchases before the history as (account, time, amount).
    approved: Vec<(i64, i64, i64)>,
    devices: Vec<(i64, String)>,
    labels: HashMap<i64, Disposition>,
    listed: Vec<Listed>,
    customers: HashMap<i64, Customer>,
}

/// What the rules read about an account's customer.
struct Customer {
    customer_id: i64,
    phone: String,
    national_id_hash: String,
    home: Place,
}

async fn run(
    store: &Arc<dyn Store>,
    clock: &Clock,
    row: &BacktestRow,
    live: Rules,
    draft: Rules,
) -> anyhow::Result<Ending> {
    let lookback = live.lookback_minutes().max(draft.lookback_minutes());
    let start = row.from_at - i64::from(lookback) * 60_000;
    let (id, from, to) = (row.id, row.from_at, row.to_at);
    let (store, clock) = (store.clone(), clock.clone());
    // Everything on this thread, reading included: parsing the history is
    // most of the work the job does outside the database.
    super::behind_payments("backtest", move |runtime| {
        let started = Instant::now();
        let history = runtime.block_on(read(store.as_ref(), start, from, to))?;
        let read_ms = started.elapsed().as_millis();
        let progress = |done: i64, total: i64| {
            runtime.block_on(store.backtest_progress(id, done, total, clock.now_ms()))
        };
        let ending = judge(history, from, lookback, &live, &draft, progress);
        tracing::info!(
            backtest = id,
            read_ms,
            judged_ms = started.elapsed().as_millis() - read_ms,
            "backtest ran"
        );
        ending
    })
    .await?
}

/// Reads the history one query at a time on the job's own thread: the
/// store's background connection, which on SQLite this thread opens, so
/// that the database's work is niced too.
async fn read(store: &dyn Store, start: i64, from: i64, to: i64) -> anyhow::Result<History> {
    let mut lap = Instant::now();
    let mut parts = Vec::new();
    let mut took = |part: &'static str| {
        parts.push((part, lap.elapsed().as_millis()));
        lap = Instant::now();
    };
    let transactions = store.transactions_between(start, to).await?;
    took("transactions");
    let approved = store.approved_before(start).await?;
    took("approved");
    let devices = store.devices_before(start).await?;
    took("devices");
    let customers = customers(store).await?;
    took("customers");
    tracing::info!(?parts, "backtest history read: milliseconds by part");
    let labels = super::labels(&store.alerts_since(from).await?)?;
    let mut listed = Vec::new();
    for entry in store.blacklist_history().await? {
        let kind = BlacklistKind::from_str(&entry.kind).ok();
        let target = kind
            .and_then(|kind| Target::parse(kind, &entry.value).ok())
            .ok_or_else(|| anyhow::anyhow!("blacklist entry {} cannot be parsed", entry.id))?;
        let until = match (entry.removed_at, entry.expires_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // As the engine's context query: areas and IP blocks meet every
        // payment, the rest only the payment naming their value.
        let ranged = matches!(target, Target::City(_) | Target::Circle { .. })
            || (matches!(target, Target::Ip(_)) && entry.value.contains('/'));
        listed.push(Listed {
            id: entry.id,
            exact: kind
                .filter(|_| !ranged)
                .map(|kind| (kind, entry.value.clone())),
            target,
            from: utc(entry.created_at),
            until: until.map(utc),
        });
    }
    Ok(History {
        transactions,
        approved,
        devices,
        labels,
        listed,
        customers,
    })
}

/// Each account's last approved amounts, oldest first.
fn last_approved(rows: Vec<(i64, i64, i64)>) -> HashMap<i64, Vec<i64>> {
    let mut by_account: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (account, at, amount) in rows {
        by_account.entry(account).or_default().push((at, amount));
    }
    by_account
        .into_iter()
        .map(|(account, mut amounts)| {
            amounts.sort_unstable();
            let keep = amounts.len().saturating_sub(TYPICAL_PURCHASES);
            (account, amounts[keep..].iter().map(|(_, a)| *a).collect())
        })
        .collect()
}

/// Every account's customer, as the rules read it.
async fn customers(store: &dyn Store) -> anyhow::Result<HashMap<i64, Customer>> {
    let mut customers = HashMap::new();
    let mut after = 0;
    loop {
        let page = store.accounts_in_background(after, 2_000).await?;
        let Some(last) = page.last() else { break };
        after = last.account.id;
        for account in page {
            customers.insert(account.account.id, customer(store, account));
        }
    }
    Ok(customers)
}

fn customer(store: &dyn Store, a: AccountDetailRow) -> Customer {
    Customer {
        customer_id: a.account.customer_id,
        national_id_hash: store.index_national_id(&a.national_id),
        home: Place {
            point: GeoPoint {
                lat: a.home_lat,
                lon: a.home_lon,
            },
            city: a.account.city,
        },
        phone: a.account.phone,
    }
}

/// Walks the history in time order and judges every purchase from `from`
/// with both versions; `progress` reports and says whether to stop.
fn judge(
    history: History,
    from: i64,
    lookback_minutes: u32,
    live: &Rules,
    draft: &Rules,
    progress: impl Fn(i64, i64) -> Result<bool, sqlx::Error>,
) -> anyhow::Result<Ending> {
    let mut walk = Walk::new(lookback_minutes, history.listed);
    seed(&mut walk, last_approved(history.approved), history.devices);
    let mut transactions = history.transactions;
    transactions.sort_unstable_by_key(|t| (t.occurred_at, t.id));
    let judged = |t: &PastRow| t.kind == "purchase" && t.occurred_at >= from;
    let total = i64::try_from(transactions.iter().filter(|t| judged(t)).count())?;
    let mut comparison = Comparison::new();
    let (mut done, mut reported) = (0, Instant::now());
    if progress(0, total)? {
        return Ok(Ending::Cancelled);
    }
    for t in transactions {
        let recorded = recorded(&t)?;
        if judged(&t) {
            let customer = history.customers.get(&t.account_id).ok_or_else(|| {
                anyhow::anyhow!("transaction {}: no account {}", t.id, t.account_id)
            })?;
            let ip =
                t.ip.as_deref()
                    .and_then(|ip| IpAddr::from_str(ip).ok())
                    .ok_or_else(|| anyhow::anyhow!("transaction {}: no IP address", t.id))?;
            let category = t
                .category
                .as_deref()
                .and_then(|c| MerchantCategory::from_str(c).ok())
                .ok_or_else(|| anyhow::anyhow!("transaction {}: no merchant category", t.id))?;
            let (customer_id, ip_text) = (customer.customer_id.to_string(), ip.to_string());
            let names = [
                (BlacklistKind::Customer, customer_id.as_str()),
                (BlacklistKind::Phone, customer.phone.as_str()),
                (
                    BlacklistKind::NationalIdHash,
                    customer.national_id_hash.as_str(),
                ),
                (
                    BlacklistKind::Device,
                    t.device_id.as_deref().unwrap_or_default(),
                ),
                (BlacklistKind::Merchant, t.merchant.as_str()),
                (BlacklistKind::Ip, ip_text.as_str()),
            ];
            let typical =
                live.reads_typical(recorded.amount) || draft.reads_typical(recorded.amount);
            let seen = walk.seen(&recorded, &names, typical);
            let payment = Payment {
                amount: recorded.amount,
                merchant: &t.merchant,
                category,
                device_id: t.device_id.as_deref().unwrap_or_default(),
                ip,
                place: recorded.place.as_ref(),
                at: recorded.at,
            };
            let context = Context {
                customer_id: customer.customer_id,
                phone: &customer.phone,
                national_id_hash: &customer.national_id_hash,
                home: &customer.home,
                account: seen.account,
                device: seen.device,
                ip: seen.ip,
                typical: seen.typical,
                device_seen_before: seen.device_seen_before,
                blacklist: seen.blacklist,
            };
            let (by_live, by_draft) = (
                Judged::of(live, &payment, &context),
                Judged::of(draft, &payment, &context),
            );
            comparison.add(&Compared {
                transaction_id: t.id,
                order_id: &t.order_id,
                account_id: t.account_id,
                at: recorded.at,
                amount: recorded.amount,
                label: history.labels.get(&t.id).copied(),
                live: &by_live,
                draft: &by_draft,
            });
            done += 1;
            if reported.elapsed() >= REPORT_EVERY {
                reported = Instant::now();
                if progress(done, total)? {
                    return Ok(Ending::Cancelled);
                }
            }
        }
        walk.record(recorded);
    }
    progress(done, total)?;
    Ok(Ending::Done(Box::new(comparison)))
}

/// The accounts' approved amounts (oldest first) and devices from before
/// the history walked.
fn seed(walk: &mut Walk, approved: HashMap<i64, Vec<i64>>, devices: Vec<(i64, String)>) {
    let mut by_account: HashMap<i64, Vec<String>> = HashMap::new();
    for (account, device) in devices {
        by_account.entry(account).or_default().push(device);
    }
    for (account, amounts) in approved {
        walk.seed(
            account,
            amounts,
            by_account.remove(&account).unwrap_or_default(),
        );
    }
    for (account, devices) in by_account {
        walk.seed(account, Vec::new(), devices);
    }
}

fn recorded(t: &PastRow) -> anyhow::Result<Recorded> {
    Ok(Recorded {
        account_id: t.account_id,
        at: utc(t.occurred_at),
        purchase: t.kind == "purchase",
        amount: Money::from_fen(t.amount_fen)
            .map_err(|e| anyhow::anyhow!("transaction {}: {e}", t.id))?,
        approved: matches!(t.status.as_str(), "authorized" | "settled" | "refunded"),
        device_id: t.device_id.clone(),
        ip: t.ip.clone(),
        place: match (t.lat, t.lon, &t.city) {
            (Some(lat), Some(lon), Some(city)) => Some(Place {
                point: GeoPoint { lat, lon },
                city: city.clone(),
            }),
            _ => None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_holds_four_backtests_and_refuses_a_fifth_until_one_ends() {
        let backtester = Backtester::default();
        let slots: Vec<BacktestSlot> = (0..4).filter_map(|_| backtester.slot()).collect();
        assert_eq!(slots.len(), 4);
        assert!(backtester.slot().is_none());
        drop(slots);
        assert!(backtester.slot().is_some());
    }

    #[test]
    fn a_cancel_heard_at_the_first_report_ends_the_job_cancelled() {
        let history = History {
            transactions: Vec::new(),
            approved: Vec::new(),
            devices: Vec::new(),
            labels: HashMap::new(),
            listed: Vec::new(),
            customers: HashMap::new(),
        };
        let rules = Rules::builtin();
        let ending = judge(history, 0, 60, &rules, &rules, |_, _| Ok(true));
        assert!(matches!(ending, Ok(Ending::Cancelled)), "{ending:?}");
    }
}
