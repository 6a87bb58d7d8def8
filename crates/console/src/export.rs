//! Exports saved as files: a CSV streamed from the service straight into the
//! operator's downloads folder, its progress reported as it arrives, and
//! cancellable at any point. The file appears under its name only when it is
//! complete; until then it is a `.part` file, removed if the export is
//! cancelled or fails, so a half-written export is never mistaken for one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use riskdesk_client::{Client, ClientError, Download};
use riskdesk_domain::words::Lang;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

use crate::ipc::{CommandError, ErrorCode, ExportProgress, ExportRequest, ExportSaved};

/// How often progress is reported at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The exports running now, by the id the UI gave each.
#[derive(Debug, Default)]
pub struct Exports {
    running: Mutex<HashMap<String, CancellationToken>>,
}

impl Exports {
    /// Runs an export to its end, its cancellation or its failure.
    pub async fn run(
        &self,
        id: String,
        client: &Client,
        request: &ExportRequest,
        dir: &Path,
        lang: Lang,
        progress: impl Fn(ExportProgress),
    ) -> Result<ExportSaved, CommandError> {
        let cancel = CancellationToken::new();
        {
            let mut running = self.lock();
            if running.contains_key(&id) {
                return Err(CommandError::new(
                    ErrorCode::Invalid,
                    format!("an export with id {id} is already running"),
                ));
            }
            running.insert(id.clone(), cancel.clone());
        }
        let result = save(&id, client, request, dir, lang, progress, &cancel).await;
        self.lock().remove(&id);
        result
    }

    /// Cancels a running export; nothing happens for one that has ended.
    pub fn cancel(&self, id: &str) {
        if let Some(token) = self.lock().get(id) {
            token.cancel();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn save(
    id: &str,
    client: &Client,
    request: &ExportRequest,
    dir: &Path,
    lang: Lang,
    progress: impl Fn(ExportProgress),
    cancel: &CancellationToken,
) -> Result<ExportSaved, CommandError> {
    let cancelled = || CommandError::new(ErrorCode::Cancelled, "the export was cancelled");
    let mut download = tokio::select! {
        () = cancel.cancelled() => return Err(cancelled()),
        download = open(client, request, lang) => download?,
    };
    let (path, part) = reserve(dir, request.name(), "csv").map_err(|e| {
        let dir = dir.display();
        CommandError::new(
            ErrorCode::SaveFailed,
            format!("no file can be created in {dir}: {e}"),
        )
    })?;
    let failed = |e: std::io::Error| {
        CommandError::new(
            ErrorCode::SaveFailed,
            format!("{} could not be written: {e}", path.display()),
        )
    };
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .open(&part.path)
        .await
        .map_err(failed)?;
    let mut file = tokio::io::BufWriter::with_capacity(1 << 20, file);
    let (mut records, mut bytes) = (RecordCounter::default(), 0u64);
    let mut reported: Option<Instant> = None;
    loop {
        // Checked before each piece, not only while waiting for one: pieces
        // that are already there would otherwise run the export to its end.
        let chunk = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(cancelled()),
            chunk = download.chunk() => chunk?,
        };
        let Some(chunk) = chunk else { break };
        file.write_all(&chunk).await.map_err(failed)?;
        records.feed(&chunk);
        bytes += chunk.len() as u64;
        if reported.is_none_or(|at| at.elapsed() >= PROGRESS_EVERY) {
            reported = Some(Instant::now());
            progress(ExportProgress {
                id: id.to_owned(),
                rows: records.rows(),
                bytes,
            });
        }
    }
    file.flush().await.map_err(failed)?;
    file.into_inner().sync_all().await.map_err(failed)?;
    part.keep_as(&path).map_err(failed)?;
    progress(ExportProgress {
        id: id.to_owned(),
        rows: records.rows(),
        bytes,
    });
    Ok(ExportSaved {
        path: path.display().to_string(),
        rows: records.rows(),
        bytes,
    })
}

/// The export's stream, its columns in words in `lang`.
async fn open(
    client: &Client,
    request: &ExportRequest,
    lang: Lang,
) -> Result<Download, ClientError> {
    match request {
        ExportRequest::Transactions { account_id, query } => {
            client.export_transactions(*account_id, query, lang).await
        }
        ExportRequest::Alerts { query } => client.export_alerts(query, lang).await,
        ExportRequest::Disputes { query } => client.export_disputes(query, lang).await,
        ExportRequest::Audit { query } => client.export_audit(query, lang).await,
    }
}

/// Saves a small file whole (a chart), under a free name, complete or not at all.
pub fn save_file(
    dir: &Path,
    name: &str,
    extension: &str,
    bytes: &[u8],
    rows: u64,
) -> Result<ExportSaved, CommandError> {
    let failed = |e: std::io::Error| {
        CommandError::new(
            ErrorCode::SaveFailed,
            format!("the file could not be saved in {}: {e}", dir.display()),
        )
    };
    let (path, part) = reserve(dir, name, extension).map_err(failed)?;
    std::fs::write(&part.path, bytes).map_err(failed)?;
    part.keep_as(&path).map_err(failed)?;
    Ok(ExportSaved {
        path: path.display().to_string(),
        rows,
        bytes: bytes.len() as u64,
    })
}

/// A file name for the export, free now: `riskdesk-alerts-20261126-093000.csv`,
/// or with `-2`, `-3` … when that is taken. Its `.part` file is created here,
/// so that two exports in the same second never share it.
fn reserve(dir: &Path, name: &str, extension: &str) -> std::io::Result<(PathBuf, PartFile)> {
    std::fs::create_dir_all(dir)?;
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let mut n = 1u64;
    loop {
        let stem = match n {
            1 => format!("riskdesk-{name}-{stamp}"),
            n => format!("riskdesk-{name}-{stamp}-{n}"),
        };
        let path = dir.join(format!("{stem}.{extension}"));
        let part = dir.join(format!("{stem}.{extension}.part"));
        n += 1;
        if path.exists() {
            continue;
        }
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&part)
        {
            Ok(_) => return Ok((path, PartFile { path: part })),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
}

/// The file being written; removed unless it is kept under its final name.
struct PartFile {
    path: PathBuf,
}

impl PartFile {
    fn keep_as(self, path: &Path) -> std::io::Result<()> {
        std::fs::rename(&self.path, path)?;
        std::mem::forget(self);
        Ok(())
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        // Cancelled or failed: what was written is not an export.
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "a partial export was left");
        }
    }
}

/// Counts CSV records as bytes stream by: a line break ends a record unless
/// it is inside a quoted field (RFC 4180 doubles a quote inside one, which
/// leaves the count of quotes, and so the state, right).
#[derive(Debug, Default)]
struct RecordCounter {
    quoted: bool,
    records: u64,
}

impl RecordCounter {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'"' => self.quoted = !self.quoted,
                b'\n' if !self.quoted => self.records += 1,
                _ => {}
            }
        }
    }

    /// Records after the header.
    fn rows(&self) -> u64 {
        self.records.saturating_sub(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_counted_across_pieces_and_not_inside_quoted_fields() {
        let csv = "\u{feff}id,note\r\n1,plain\r\n2,\"two\r\nlines, \"\"quoted\"\"\"\r\n3,中文\r\n";
        for split in 0..csv.len() {
            let mut counter = RecordCounter::default();
            let (a, b) = csv.as_bytes().split_at(split);
            counter.feed(a);
            counter.feed(b);
            assert_eq!(counter.rows(), 3, "split at {split}");
        }
    }

    #[test]
    fn a_taken_name_gets_the_next_number_and_a_dropped_part_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let (first, first_part) = reserve(dir.path(), "alerts", "csv").unwrap();
        let (second, second_part) = reserve(dir.path(), "alerts", "csv").unwrap();
        assert_ne!(first, second);
        assert!(second_part.path.exists());
        first_part.keep_as(&first).unwrap();
        drop(second_part);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(names[0].starts_with("riskdesk-alerts-") && names[0].ends_with(".csv"));
    }
}
