//! What the RiskDesk desktop app does, without a window. The Tauri commands
//! (coming with the app) are a few lines each that call into this crate.
//!
//! Today: the operator's session, whose token lives in the OS keychain and
//! nowhere else ([`keychain`], [`session`]), and the built-in demo service
//! the console runs when no service is configured ([`embedded`]).

pub mod embedded;
pub mod keychain;
pub mod session;
