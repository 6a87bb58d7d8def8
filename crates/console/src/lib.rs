//! What the RiskDesk desktop app does, without a window. The Tauri commands
//! in `src-tauri` are one call each into [`app::Console`].
//!
//! - [`app`]: the console's state and its commands (service connection,
//!   session, the screens' data and the account chart).
//! - [`ipc`]: what crosses to the webview, and its generated TypeScript.
//! - [`session`] and [`keychain`]: the session token lives in the OS keychain
//!   and nowhere else.
//! - [`embedded`]: the built-in demo service, run when no service is configured.
//! - [`audit`]: the audit chain verified here, against a pinned key.
//! - [`export`]: CSV exports streamed into the downloads folder.
//! - [`dashboard`]: the managers' dashboard: metrics to charts.
//! - [`live`]: the service's live stream followed, and desktop notices.
//! - [`settings`]: the settings file (never a secret).

pub mod app;
pub mod audit;
pub mod dashboard;
mod decisions;
pub mod embedded;
pub mod export;
mod investigations;
pub mod ipc;
pub mod keychain;
pub mod live;
mod reads;
pub mod report;
pub mod session;
pub mod settings;
pub mod team;
