//! The live stream's way out of the console: updates to the webview as
//! the `live` event, notices to the desktop's notification daemon (the
//! freedesktop one, over D-Bus) — clicking one brings the window forward
//! and sends `live-open` to open the item.

use riskdesk_console::ipc::{LiveUpdate, Notice};
use riskdesk_console::live::LiveSink;
use tauri::{AppHandle, Emitter, Manager};

pub struct TauriSink(pub AppHandle);

impl LiveSink for TauriSink {
    fn update(&self, update: LiveUpdate) {
        if let Err(e) = self.0.emit("live", update) {
            tracing::warn!(error = %e, "a live update did not reach the window");
        }
    }

    fn notice(&self, notice: Notice) {
        let app = self.0.clone();
        // Showing it and waiting for a click both block on D-Bus.
        std::thread::spawn(move || show(&app, &notice));
    }
}

fn show(app: &AppHandle, notice: &Notice) {
    let shown = notify_rust::Notification::new()
        .appname("RiskDesk")
        .summary(&notice.title)
        .body(&notice.body)
        .action("default", "Open")
        .show();
    let handle = match shown {
        Ok(handle) => handle,
        Err(e) => {
            tracing::warn!(error = %e, "a desktop notice could not be shown");
            return;
        }
    };
    let mut clicked = false;
    handle.wait_for_action(|action| clicked = action == "default");
    if clicked {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.set_focus();
        }
        let open = serde_json::json!({"screen": notice.screen, "id": notice.id});
        if let Err(e) = app.emit("live-open", open) {
            tracing::warn!(error = %e, "a clicked notice did not reach the window");
        }
    }
}
