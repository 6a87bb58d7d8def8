//! A throwaway PostgreSQL cluster: `initdb` in a temporary directory, a free
//! port on 127.0.0.1, stopped and removed on drop. For the tests it skips
//! fsync; for the benchmarks it runs as deployed (`deploy/postgresql.conf`).
//! PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use crate::system::is_root;

#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

/// What the cluster is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Settings {
    /// Tests: nothing needs to survive a crash, so no fsync.
    Tests,
    /// Benchmarks: durable, with the deployment guide's settings.
    AsDeployed,
}

impl Cluster {
    pub fn start(settings: Settings) -> anyhow::Result<Cluster> {
        let bin = find_bin()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let dir = std::env::temp_dir().join(format!("riskdesk-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()?;
            if !status.success() {
                bail!("chown of {} to postgres failed", dir.display());
            }
        }
        let cluster = Cluster { dir, bin, port };
        let data = cluster.dir.join("data");
        cluster.pg(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-A",
                "trust",
                "-U",
                "riskdesk",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        // Members of `riskdesk_password` sign in with a password, as a
        // deployment's service does (the deployment test); everyone else
        // is trusted. The first matching line wins.
        let hba = data.join("pg_hba.conf");
        let trusted = std::fs::read_to_string(&hba).context("reading pg_hba.conf")?;
        std::fs::write(
            &hba,
            format!("host all +riskdesk_password 127.0.0.1/32 scram-sha-256\n{trusted}"),
        )
        .context("writing pg_hba.conf")?;
        let mut options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
            cluster.dir.display()
        );
        match settings {
            Settings::Tests => options.push_str(" -c fsync=off"),
            Settings::AsDeployed => {
                // A copy beside the cluster's own file, which the `postgres`
                // user can read wherever the workspace is.
                let deployed = crate::workspace_root().join("deploy/postgresql.conf");
                std::fs::copy(&deployed, data.join("riskdesk.conf"))
                    .with_context(|| format!("copying {}", deployed.display()))?;
                let conf = data.join("postgresql.conf");
                let mut text = std::fs::read_to_string(&conf).context("reading postgresql.conf")?;
                text.push_str("include 'riskdesk.conf'\n");
                std::fs::write(&conf, text).context("writing postgresql.conf")?;
            }
        }
        cluster.pg(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-o",
                &options,
                "-l",
                &cluster.dir.join("log").to_string_lossy(),
                "-w",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    /// An administrative URL; tests create their own databases through it.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    pub fn database_url(&self, name: &str) -> String {
        format!("postgres://riskdesk@127.0.0.1:{}/{name}", self.port)
    }

    /// The cluster's data directory (its `postmaster.pid` names the postmaster).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A client program of the cluster's version (`psql`, `pgbench`), run
    /// against `database` with `args`; its standard output.
    pub fn client(&self, program: &str, database: &str, args: &[&str]) -> anyhow::Result<String> {
        let port = self.port.to_string();
        crate::output_of(
            Command::new(self.bin.join(program))
                .args(["-h", "127.0.0.1", "-p", &port, "-U", "riskdesk"])
                .args(args)
                .arg(database),
        )
    }

    pub fn create_database(&self, name: &str) -> anyhow::Result<()> {
        let port = self.port.to_string();
        self.pg(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port, "-U", "riskdesk", name],
        )
    }

    fn pg(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let path = self.bin.join(program);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let output = command
            .args(args)
            .current_dir(&self.dir)
            .output()
            .with_context(|| format!("running {program}"))?;
        if !output.status.success() {
            bail!(
                "{program} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        if let Err(e) = self.pg(
            "pg_ctl",
            &["-D", &data.to_string_lossy(), "-m", "fast", "-w", "stop"],
        ) {
            eprintln!("xtask: stopping PostgreSQL: {e}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` with `initdb` in it.
fn find_bin() -> anyhow::Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (no /usr/lib/postgresql)")?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .context("no initdb under /usr/lib/postgresql/*/bin")
}
