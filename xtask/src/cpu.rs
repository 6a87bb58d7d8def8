//! CPU time from `/proc`, to tell what a run cost the service from what it
//! cost the database: a process's user and system time, and a PostgreSQL
//! cluster's — its postmaster, every backend alive, and the backends that
//! have exited (reaped by the postmaster, so counted in its children's time).

use std::path::Path;

use anyhow::Context;

/// Seconds of CPU per clock tick of `/proc`'s counters.
fn seconds_per_tick() -> anyhow::Result<f64> {
    let ticks = crate::output_of(std::process::Command::new("getconf").arg("CLK_TCK"))?;
    let ticks: f64 = ticks.trim().parse().context("getconf CLK_TCK")?;
    Ok(1.0 / ticks)
}

/// The fields of `/proc/<pid>/stat` after the command's name: the parent is
/// the second, then user, system, and waited-for children's user and system
/// time are the 12th to the 15th.
struct Stat {
    parent: u32,
    own: u64,
    reaped: u64,
}

fn stat(pid: u32) -> anyhow::Result<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    Ok(parse_stat(&text))
}

/// The name is in parentheses and may hold spaces and parentheses itself:
/// the fields start after the last `)`.
fn parse_stat(text: &str) -> Stat {
    let after_name = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after_name
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let field = |i: usize| fields.get(i).copied().unwrap_or(0);
    Stat {
        parent: u32::try_from(field(1)).unwrap_or(0),
        own: field(11) + field(12),
        reaped: field(13) + field(14),
    }
}

/// CPU seconds a process has used so far.
pub fn process_seconds(pid: u32) -> anyhow::Result<f64> {
    #[allow(clippy::cast_precision_loss)] // Ticks of a benchmark's run.
    Ok(stat(pid)?.own as f64 * seconds_per_tick()?)
}

/// CPU seconds a PostgreSQL cluster has used so far: the postmaster (its
/// pid is the first line of `postmaster.pid` in `data`), its live children,
/// and the children it has reaped.
pub fn cluster_seconds(data: &Path) -> anyhow::Result<f64> {
    let pid_file =
        std::fs::read_to_string(data.join("postmaster.pid")).context("reading postmaster.pid")?;
    let postmaster: u32 = pid_file
        .lines()
        .next()
        .and_then(|l| l.trim().parse().ok())
        .context("no pid in postmaster.pid")?;
    // A backend reaped between the postmaster's reading and its own would
    // be counted in neither (as pgbench's backends exit when it returns):
    // read again until the postmaster reaped nobody meanwhile.
    loop {
        let main = stat(postmaster)?;
        let mut ticks = main.own + main.reaped;
        for entry in std::fs::read_dir("/proc")?.filter_map(Result::ok) {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            // A process gone between the listing and the read is no child of ours.
            if let Ok(child) = stat(pid)
                && child.parent == postmaster
            {
                ticks += child.own;
            }
        }
        if stat(postmaster)?.reaped == main.reaped {
            #[allow(clippy::cast_precision_loss)] // Ticks of a benchmark's run.
            return Ok(ticks as f64 * seconds_per_tick()?);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_backends_stat_line_gives_its_parent_and_times() {
        // A PostgreSQL backend: its name holds spaces and parentheses.
        let line = "4242 (postgres: riskdesk bench 127.0.0.1(51234) idle) S 4100 4100 4100 0 -1 \
                    4194560 1200 0 0 0 731 118 25 7 20 0 1 0 9000 230000000 4000";
        let stat = super::parse_stat(line);
        assert_eq!(stat.parent, 4100);
        assert_eq!(stat.own, 731 + 118);
        assert_eq!(stat.reaped, 25 + 7);
    }
}
