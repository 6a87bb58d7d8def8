//! The rules the service decides with, and their version. They come from
//! the database — the live version, installed from the shipped rules file
//! on a database that has none, and re-read when any instance publishes
//! another; beside it the version in shadow, if any, which every payment
//! is also judged by and which never acts — or from a rules file given at
//! start, which the console then shows read-only.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::{ArcSwap, ArcSwapOption};
use riskdesk_domain::rules::{BUILTIN, Rules};

use crate::store::{RuleSetRow, Store};

/// How often an instance asks which version is live: a publish on another
/// instance decides payments here within this (plus one read).
pub const REFRESH: Duration = Duration::from_secs(1);

/// A version of the rules: what decides a payment.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleSet {
    /// The version's number; none for rules from a file.
    pub version: Option<i64>,
    pub rules: Rules,
}

impl RuleSet {
    /// Rules with no version (a file's).
    pub fn unversioned(rules: Rules) -> RuleSet {
        RuleSet {
            version: None,
            rules,
        }
    }

    /// A stored version, validated again as it is read.
    pub fn from_row(row: &RuleSetRow) -> anyhow::Result<RuleSet> {
        let json: serde_json::Value = serde_json::from_str(&row.rules)?;
        let rules = Rules::from_json(&json)
            .map_err(|e| anyhow::anyhow!("rules version {}: {e}", row.id))?;
        Ok(RuleSet {
            version: Some(row.id),
            rules,
        })
    }
}

/// The versions a payment meets: the live one decides; the one in shadow,
/// if any, is judged beside it and recorded, never acted on.
#[derive(Clone, Debug)]
pub struct Versions {
    pub live: Arc<RuleSet>,
    pub shadow: Option<Arc<RuleSet>>,
}

impl Versions {
    /// `live` alone, with nothing in shadow.
    pub fn live_only(live: RuleSet) -> Versions {
        Versions {
            live: Arc::new(live),
            shadow: None,
        }
    }
}

/// Where the rules come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Database,
    File,
}

/// The rules in force, swapped whole when another version goes live:
/// a payment reads one version from start to end.
#[derive(Debug)]
pub struct RulesInForce {
    current: ArcSwap<RuleSet>,
    shadow: ArcSwapOption<RuleSet>,
    source: Source,
}

impl RulesInForce {
    /// Versions from the database: the shipped rules until [`Self::load`]
    /// reads the live one.
    pub fn database() -> RulesInForce {
        RulesInForce {
            current: ArcSwap::from_pointee(RuleSet::unversioned(Rules::builtin())),
            shadow: ArcSwapOption::empty(),
            source: Source::Database,
        }
    }

    /// A rules file's, for as long as the service runs.
    pub fn file(rules: Rules) -> RulesInForce {
        RulesInForce {
            current: ArcSwap::from_pointee(RuleSet::unversioned(rules)),
            shadow: ArcSwapOption::empty(),
            source: Source::File,
        }
    }

    pub fn source(&self) -> Source {
        self.source
    }

    /// The live rules.
    pub fn current(&self) -> Arc<RuleSet> {
        self.current.load_full()
    }

    /// The live rules and the version in shadow, as a payment meets them.
    pub fn versions(&self) -> Versions {
        Versions {
            live: self.current(),
            shadow: self.shadow.load_full(),
        }
    }

    /// Reads the live version (installing the shipped rules as version 1
    /// on a database with none). Rules from a file stay as they are.
    pub async fn load(&self, store: &dyn Store, now: i64) -> anyhow::Result<()> {
        if self.source == Source::File {
            return Ok(());
        }
        let shipped = serde_json::to_string(&Rules::parse(BUILTIN)?)?;
        let live = store
            .install_rule_set(&shipped, "随服务发布的规则文件 rules.toml", now)
            .await?;
        self.current.store(Arc::new(RuleSet::from_row(&live)?));
        self.use_shadow(store.shadow_rule_set().await?.as_ref())
    }

    /// Swaps in the live version and the one in shadow if either changed;
    /// true if one did.
    pub async fn refresh(&self, store: &dyn Store) -> anyhow::Result<bool> {
        if self.source == Source::File {
            return Ok(false);
        }
        let (live, shadow) = store.rule_sets_in_force().await?;
        let mut changed = false;
        if live.is_some()
            && live != self.current().version
            && let Some(row) = store.live_rule_set().await?
        {
            self.use_version(&row)?;
            changed = true;
        }
        if shadow != self.shadow.load().as_ref().and_then(|s| s.version) {
            let row = store.shadow_rule_set().await?;
            self.use_shadow(row.as_ref())?;
            changed = true;
        }
        Ok(changed)
    }

    /// Decides with `row` from now on (this instance's own publish). The
    /// version in shadow, if it was this one, no longer is.
    pub fn use_version(&self, row: &RuleSetRow) -> anyhow::Result<()> {
        let set = RuleSet::from_row(row)?;
        tracing::info!(version = row.id, "rules version in force");
        self.current.store(Arc::new(set));
        if self.shadow.load().as_ref().and_then(|s| s.version) == Some(row.id) {
            self.shadow.store(None);
        }
        Ok(())
    }

    /// Judges payments with `row` beside the live rules from now on (this
    /// instance's own step), or with nothing.
    pub fn use_shadow(&self, row: Option<&RuleSetRow>) -> anyhow::Result<()> {
        let set = row.map(RuleSet::from_row).transpose()?;
        if let Some(row) = row {
            tracing::info!(version = row.id, "rules version in shadow");
        }
        self.shadow.store(set.map(Arc::new));
        Ok(())
    }

    /// Keeps this instance on the live version, asking every [`REFRESH`]
    /// for as long as the service's state lives.
    pub fn spawn_refresh(rules: &Arc<Self>, store: &Arc<dyn Store>) {
        let (rules, store) = (Arc::downgrade(rules), Arc::downgrade(store));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(REFRESH);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let (Some(rules), Some(store)) = (rules.upgrade(), store.upgrade()) else {
                    return;
                };
                if let Err(e) = rules.refresh(&*store).await {
                    tracing::error!(error = format!("{e:#}"), "reading the live rules failed");
                }
            }
        });
    }
}
