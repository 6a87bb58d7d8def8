//! What the live stream sends the webview (the `live` event) and what the
//! webview tells it back (`set_view`), and the desktop notices it raises.

use riskdesk_api::live::LiveEvent;
use ts_rs::TS;

/// One update of the live stream, as the `live` event.
#[derive(Clone, Debug, PartialEq, serde::Serialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveUpdate {
    /// A change, as it committed.
    Event { event: Box<LiveEvent> },
    /// The stream's state changed.
    Status { status: LiveStatus },
    /// What is on screen may have missed changes (the stream came back
    /// after a gap): load it again.
    Reload,
    /// The session ended: sign in again.
    Ended { reason: String },
}

/// Whether the stream is up, and when it is not, why and when it tries again.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, TS)]
pub struct LiveStatus {
    pub connected: bool,
    /// Why it is down (the client's error, in English as logged).
    pub error: Option<String>,
    /// Milliseconds until the next attempt.
    pub retry_in_ms: Option<u32>,
}

/// The kinds of desktop notice, each switchable in the settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A critical alert was raised.
    CriticalAlert,
    /// A limit change waits for my approval.
    Approval,
    /// A dispute was escalated to my team.
    EscalatedDispute,
}

impl NoticeKind {
    /// The screen that shows it: no notice while the operator looks at it.
    pub fn screen(self) -> Screen {
        match self {
            NoticeKind::CriticalAlert => Screen::Queue,
            NoticeKind::Approval => Screen::Approvals,
            NoticeKind::EscalatedDispute => Screen::Disputes,
        }
    }
}

/// The screens a notice opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    Queue,
    Approvals,
    Disputes,
    /// Any other.
    Other,
}

/// A desktop notice; clicking it opens `screen` at record `id` (the
/// `live-open` event).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, TS)]
pub struct Notice {
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub screen: Screen,
    pub id: i64,
}

/// What the window shows, as the webview tells it (`set_view`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, TS)]
pub struct ViewState {
    pub screen: Option<Screen>,
    /// The window has the input focus.
    pub focused: bool,
}

/// Which notices the operator wants, and when not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, TS)]
#[serde(default)]
pub struct NoticePreferences {
    pub critical_alerts: bool,
    pub approvals: bool,
    pub escalated_disputes: bool,
    /// Quiet hours, minutes after local midnight: from (inclusive) to
    /// (exclusive), across midnight when `to` is earlier. None: never quiet.
    pub quiet_from: Option<u16>,
    pub quiet_to: Option<u16>,
}

impl Default for NoticePreferences {
    fn default() -> Self {
        NoticePreferences {
            critical_alerts: true,
            approvals: true,
            escalated_disputes: true,
            quiet_from: None,
            quiet_to: None,
        }
    }
}

impl NoticePreferences {
    pub fn wants(&self, kind: NoticeKind) -> bool {
        match kind {
            NoticeKind::CriticalAlert => self.critical_alerts,
            NoticeKind::Approval => self.approvals,
            NoticeKind::EscalatedDispute => self.escalated_disputes,
        }
    }

    /// Whether `minute` (after local midnight) falls in the quiet hours.
    pub fn quiet_at(&self, minute: u16) -> bool {
        match (self.quiet_from, self.quiet_to) {
            (Some(from), Some(to)) if from < to => (from..to).contains(&minute),
            (Some(from), Some(to)) if from > to => minute >= from || minute < to,
            _ => false,
        }
    }
}
