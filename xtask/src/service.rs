//! A `riskdesk-server serve` for the xtask commands that measure or probe
//! the service from outside.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::{output_of, run};

/// A `riskdesk-server serve` on a free port.
pub struct Instance {
    child: Child,
    pub url: String,
}

impl Instance {
    /// `log` takes the instance's log (its standard error).
    pub fn start(
        server: &Path,
        database: &str,
        data_key: &Path,
        log: Stdio,
    ) -> anyhow::Result<Instance> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let addr = format!("127.0.0.1:{port}");
        let child = Command::new(server)
            .args(["serve", "--database", database, "--addr", &addr])
            .env("RISKDESK_DATA_KEY_FILE", data_key)
            .env("RUST_LOG", "warn")
            .stderr(log)
            .spawn()
            .context("riskdesk-server serve")?;
        let instance = Instance {
            child,
            url: format!("http://{addr}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !healthy(&addr) {
            if Instant::now() > deadline {
                bail!("the instance on {addr} did not answer its health check");
            }
            #[allow(clippy::disallowed_methods, reason = "xtask has no async runtime")]
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(instance)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, as a service manager stops it, and its exit.
    pub fn stop(mut self) -> anyhow::Result<()> {
        run(Command::new("kill").arg(self.child.id().to_string()))?;
        self.child.wait()?;
        Ok(())
    }
}

/// An instance left by a failed run is killed, not left serving.
impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET /v1/health` answers 200.
fn healthy(addr: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut answer = String::new();
    stream
        .write_all(b"GET /v1/health HTTP/1.0\r\nhost: localhost\r\n\r\n")
        .and_then(|()| stream.read_to_string(&mut answer))
        .is_ok()
        && answer.starts_with("HTTP/1.0 200")
}

/// Registers a service client (`riskdesk-server service-client add`) and
/// returns its key, which the command prints alone on its standard output.
pub fn add_client(
    server: &Path,
    database: &str,
    data_key: &Path,
    id: &str,
) -> anyhow::Result<String> {
    let key = output_of(
        Command::new(server)
            .args(["service-client", "--database", database, "add", id])
            .env("RISKDESK_DATA_KEY_FILE", data_key),
    )?;
    Ok(key.trim().to_owned())
}
