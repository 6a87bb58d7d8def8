//! The console, live: one task per session follows the service's event
//! stream, hands each change to the webview, reconnects with backoff after
//! the last event seen (the service sends what was missed), and raises a
//! desktop notice for what needs the operator — each kind switchable,
//! never in quiet hours, never for what the focused window already shows,
//! and never a flood (one per kind per [`NOTICE_GAP`], the rest counted
//! into the next).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use riskdesk_api::auth::OperatorView;
use riskdesk_api::live::LiveEvent;
use riskdesk_charts::Lang;
use riskdesk_client::live::LiveMessage;
use riskdesk_client::{Client, ClientError};
use riskdesk_domain::operator::{Permission, Role};
use riskdesk_domain::words;

use crate::app::Console;
use crate::ipc::{
    CommandError, LiveStatus, LiveUpdate, Notice, NoticeKind, NoticePreferences, ViewState,
};

/// Where the live stream's updates go: the webview, and the desktop's
/// notices (`src-tauri` shows them).
pub trait LiveSink: Send + Sync + 'static {
    fn update(&self, update: LiveUpdate);
    fn notice(&self, notice: Notice);
}

/// The first wait before connecting again; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// At most one notice of a kind this often.
pub const NOTICE_GAP: Duration = Duration::from_secs(10);

/// The follower's task; it stops when dropped.
#[derive(Debug)]
pub(crate) struct Following(tokio::task::AbortHandle);

impl Drop for Following {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Console {
    /// Follows the live stream for the signed-in session until it ends (a
    /// new call, a sign-out or the session's end stops it).
    pub fn follow_live(&self, sink: Arc<dyn LiveSink>) -> Result<(), CommandError> {
        let (client, operator) = self.session_operator()?;
        let notify = self.notify.clone();
        let task = tokio::spawn(async move {
            follow(client, &operator, &*sink, || *lock(&notify)).await;
        });
        self.set_following(Following(task.abort_handle()));
        Ok(())
    }

    /// What the window shows: no notice for what the operator looks at.
    pub fn set_view(&self, view: ViewState) {
        lock(&self.notify).view = view;
    }
}

fn lock(notify: &std::sync::Mutex<Notify>) -> std::sync::MutexGuard<'_, Notify> {
    notify.lock().unwrap_or_else(|e| e.into_inner())
}

/// What decides a notice besides the event: the operator's choices and
/// what the window shows.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Notify {
    pub(crate) lang: Lang,
    pub(crate) notices: NoticePreferences,
    pub(crate) view: ViewState,
}

async fn follow(
    client: Client,
    operator: &OperatorView,
    sink: &dyn LiveSink,
    context: impl Fn() -> Notify,
) {
    let mut last: Option<String> = None;
    let mut backoff = FIRST_BACKOFF;
    let mut gate = NoticeGate::default();
    let mut connected_before = false;
    loop {
        let error = match client.live(last.as_deref()).await {
            Ok(mut stream) => loop {
                match stream.next().await {
                    Ok(Some(LiveMessage::Ready(ready))) => {
                        last = Some(ready.head);
                        backoff = FIRST_BACKOFF;
                        sink.update(LiveUpdate::Status {
                            status: LiveStatus {
                                connected: true,
                                error: None,
                                retry_in_ms: None,
                            },
                        });
                        // After a gap the service sends what was missed, but
                        // what the screen loaded meanwhile may be older yet.
                        if ready.reload || connected_before {
                            sink.update(LiveUpdate::Reload);
                        }
                        connected_before = true;
                    }
                    Ok(Some(LiveMessage::Event(event))) => {
                        last = Some(event.id.clone());
                        let now = context();
                        if let Some(notice) = notice_for(&event, operator, &now, local_minute())
                            && let Some(notice) = gate.pass(notice, Instant::now())
                        {
                            sink.notice(notice);
                        }
                        sink.update(LiveUpdate::Event { event });
                    }
                    Ok(Some(LiveMessage::End(end))) => {
                        sink.update(LiveUpdate::Ended { reason: end.reason });
                        return;
                    }
                    Ok(None) => break "the service closed the stream".to_owned(),
                    Err(e) => break e.to_string(),
                }
            },
            Err(e) if session_lost(&e) => {
                sink.update(LiveUpdate::Ended {
                    reason: e.to_string(),
                });
                return;
            }
            Err(e) => e.to_string(),
        };
        tracing::info!(error, retry_in = ?backoff, "the live stream is down");
        sink.update(LiveUpdate::Status {
            status: LiveStatus {
                connected: false,
                error: Some(error),
                retry_in_ms: u32::try_from(backoff.as_millis()).ok(),
            },
        });
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

fn session_lost(error: &ClientError) -> bool {
    use riskdesk_api::ProblemCode as P;
    matches!(
        error.code(),
        Some(P::Unauthenticated | P::SessionExpired | P::Forbidden)
    )
}

fn local_minute() -> u16 {
    use chrono::Timelike;
    let now = chrono::Local::now();
    u16::try_from(now.hour() * 60 + now.minute()).unwrap_or(0)
}

/// The notice `event` makes for `me`, if any: a critical alert to those
/// who triage alerts; a limit change pending for one who may approve it
/// (not its maker, and a manager's tier to managers only); a dispute
/// escalated to the risk team, to its members but the escalator.
fn notice_for(event: &LiveEvent, me: &OperatorView, now: &Notify, minute: u16) -> Option<Notice> {
    let r = &event.record;
    let id = r.id?;
    let zh = now.lang == Lang::Zh;
    let by_other = event.actor.as_deref() != Some(me.id.as_str());
    // Who acted, by name where the service knows it.
    let actor = event
        .actor_name
        .clone()
        .or_else(|| event.actor.clone())
        .unwrap_or_default();
    let can = |p: Permission| me.role.can(p);
    let (kind, title, body) = match event.kind.as_str() {
        "alert.raised"
            if r.severity.as_deref() == Some("critical") && can(Permission::TriageAlerts) =>
        {
            // A rule this console does not know shows as its code.
            let rule = r
                .rule
                .as_deref()
                .map(|rule| words::word(now.lang, rule).to_owned())
                .unwrap_or_default();
            let amount = r.amount.map(|a| a.display_cny()).unwrap_or_default();
            let account = r.account_id.unwrap_or_default();
            if zh {
                (
                    NoticeKind::CriticalAlert,
                    format!("严重预警 #{id}"),
                    format!("{rule} · {amount} · 账户 {account}"),
                )
            } else {
                (
                    NoticeKind::CriticalAlert,
                    format!("Critical alert #{id}"),
                    format!("{rule} · {amount} · account {account}"),
                )
            }
        }
        "limit_change.proposed"
            if r.status.as_deref() == Some("pending")
                && r.maker.as_deref() != Some(me.id.as_str())
                && can(Permission::ApproveLimitChange)
                && (r.tier.as_deref() != Some("manager") || me.role == Role::Manager) =>
        {
            let account = r.account_id.unwrap_or_default();
            let maker = if r.maker == event.actor {
                actor
            } else {
                r.maker.clone().unwrap_or_default()
            };
            if zh {
                (
                    NoticeKind::Approval,
                    format!("额度调整 #{id} 待您审批"),
                    format!("账户 {account} · 发起人 {maker}"),
                )
            } else {
                (
                    NoticeKind::Approval,
                    format!("Limit change #{id} awaits your approval"),
                    format!("Account {account} · proposed by {maker}"),
                )
            }
        }
        "dispute.escalated" if by_other && can(Permission::DecideEscalatedDisputes) => {
            if zh {
                (
                    NoticeKind::EscalatedDispute,
                    format!("争议 #{id} 已升级至风控"),
                    format!("升级人 {actor}"),
                )
            } else {
                (
                    NoticeKind::EscalatedDispute,
                    format!("Dispute #{id} escalated to risk"),
                    format!("Escalated by {actor}"),
                )
            }
        }
        _ => return None,
    };
    let watching = now.view.focused && now.view.screen == Some(kind.screen());
    if !now.notices.wants(kind) || now.notices.quiet_at(minute) || watching {
        return None;
    }
    Some(Notice {
        kind,
        title,
        body,
        screen: kind.screen(),
        id,
    })
}

/// One notice per kind per [`NOTICE_GAP`]; the next one that passes says
/// how many more came meanwhile.
#[derive(Debug, Default)]
struct NoticeGate {
    last: HashMap<NoticeKind, (Instant, u32)>,
}

impl NoticeGate {
    fn pass(&mut self, mut notice: Notice, now: Instant) -> Option<Notice> {
        let entry = self.last.get_mut(&notice.kind);
        match entry {
            Some((at, held)) if now.duration_since(*at) < NOTICE_GAP => {
                *held += 1;
                None
            }
            Some((at, held)) => {
                if *held > 0 {
                    notice.body = format!("{} (+{held})", notice.body);
                }
                (*at, *held) = (now, 0);
                Some(notice)
            }
            None => {
                self.last.insert(notice.kind, (now, 0));
                Some(notice)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ipc::Screen;
    use riskdesk_api::live::LiveRecord;
    use riskdesk_domain::money::Money;

    use super::*;

    fn operator(id: &str, role: Role) -> OperatorView {
        OperatorView {
            id: id.to_owned(),
            display_name: id.to_owned(),
            role,
            permissions: Vec::new(),
        }
    }

    fn event(kind: &str, actor: &str, record: LiveRecord) -> LiveEvent {
        LiveEvent {
            id: "0-1".to_owned(),
            kind: kind.to_owned(),
            at: chrono::DateTime::from_timestamp_millis(1_700_000_000_000).unwrap_or_default(),
            target: "x:1".to_owned(),
            actor: Some(actor.to_owned()),
            actor_name: None,
            record,
        }
    }

    fn critical() -> LiveEvent {
        event(
            "alert.raised",
            "engine",
            LiveRecord {
                id: Some(42),
                account_id: Some(80_000_001),
                rule: Some("blacklist_hit".to_owned()),
                severity: Some("critical".to_owned()),
                amount: Money::from_fen(1_200).ok(),
                ..LiveRecord::default()
            },
        )
    }

    fn zh() -> Notify {
        Notify {
            lang: Lang::Zh,
            notices: NoticePreferences::default(),
            view: ViewState::default(),
        }
    }

    #[test]
    fn a_critical_alert_is_told_to_those_who_triage_in_their_language() {
        let officer = operator("officer.li", Role::RiskOfficer);
        let notice = notice_for(&critical(), &officer, &zh(), 600).expect("a notice");
        assert_eq!(notice.title, "严重预警 #42");
        assert_eq!(notice.body, "命中黑名单 · ¥12.00 · 账户 80000001");
        assert_eq!((notice.screen, notice.id), (Screen::Queue, 42));
        let english = Notify {
            lang: Lang::En,
            ..zh()
        };
        let notice = notice_for(&critical(), &officer, &english, 600).expect("a notice");
        assert_eq!(notice.body, "Blacklist hit · ¥12.00 · account 80000001");
        let agent = operator("agent.zhao", Role::CsAgent);
        assert_eq!(notice_for(&critical(), &agent, &zh(), 600), None);
        let mut high = critical();
        high.record.severity = Some("high".to_owned());
        assert_eq!(notice_for(&high, &officer, &zh(), 600), None);
    }

    #[test]
    fn no_notice_when_switched_off_in_quiet_hours_or_while_the_screen_is_watched() {
        let officer = operator("officer.li", Role::RiskOfficer);
        let off = Notify {
            notices: NoticePreferences {
                critical_alerts: false,
                ..NoticePreferences::default()
            },
            ..zh()
        };
        assert_eq!(notice_for(&critical(), &officer, &off, 600), None);
        // Quiet from 22:00 to 07:00.
        let quiet = Notify {
            notices: NoticePreferences {
                quiet_from: Some(22 * 60),
                quiet_to: Some(7 * 60),
                ..NoticePreferences::default()
            },
            ..zh()
        };
        assert_eq!(notice_for(&critical(), &officer, &quiet, 23 * 60), None);
        assert_eq!(notice_for(&critical(), &officer, &quiet, 3 * 60), None);
        assert!(notice_for(&critical(), &officer, &quiet, 7 * 60).is_some());
        assert!(notice_for(&critical(), &officer, &quiet, 21 * 60 + 59).is_some());
        let watching = |focused, screen| Notify {
            view: ViewState {
                screen: Some(screen),
                focused,
            },
            ..zh()
        };
        assert_eq!(
            notice_for(&critical(), &officer, &watching(true, Screen::Queue), 600),
            None
        );
        assert!(notice_for(&critical(), &officer, &watching(false, Screen::Queue), 600).is_some());
        assert!(
            notice_for(
                &critical(),
                &officer,
                &watching(true, Screen::Disputes),
                600
            )
            .is_some()
        );
    }

    #[test]
    fn an_approval_is_told_to_who_may_give_it_and_a_dispute_to_the_risk_team() {
        let proposed = |tier: &str, maker: &str| {
            event(
                "limit_change.proposed",
                maker,
                LiveRecord {
                    id: Some(7),
                    account_id: Some(80_000_002),
                    status: Some("pending".to_owned()),
                    tier: Some(tier.to_owned()),
                    maker: Some(maker.to_owned()),
                    ..LiveRecord::default()
                },
            )
        };
        let officer = operator("officer.li", Role::RiskOfficer);
        let manager = operator("manager.chen", Role::Manager);
        let notice = notice_for(&proposed("officer", "officer.wang"), &officer, &zh(), 600);
        assert_eq!(
            notice.map(|n| (n.title, n.body)),
            Some((
                "额度调整 #7 待您审批".to_owned(),
                "账户 80000002 · 发起人 officer.wang".to_owned()
            ))
        );
        assert_eq!(
            notice_for(&proposed("officer", "officer.li"), &officer, &zh(), 600),
            None
        );
        assert_eq!(
            notice_for(&proposed("manager", "officer.wang"), &officer, &zh(), 600),
            None
        );
        assert!(notice_for(&proposed("manager", "officer.wang"), &manager, &zh(), 600).is_some());

        let escalated = |actor: &str| {
            event(
                "dispute.escalated",
                actor,
                LiveRecord {
                    id: Some(9),
                    ..LiveRecord::default()
                },
            )
        };
        let by_zhao = LiveEvent {
            actor_name: Some("赵客服".to_owned()),
            ..escalated("agent.zhao")
        };
        let notice = notice_for(&by_zhao, &officer, &zh(), 600).expect("a notice");
        assert_eq!(
            (notice.kind, notice.title.as_str(), notice.body.as_str()),
            (
                NoticeKind::EscalatedDispute,
                "争议 #9 已升级至风控",
                "升级人 赵客服"
            )
        );
        // A service that names nobody: the actor's id.
        let notice = notice_for(&escalated("agent.zhao"), &officer, &zh(), 600).expect("a notice");
        assert_eq!(notice.body, "升级人 agent.zhao");
        assert_eq!(
            notice_for(&escalated("officer.li"), &officer, &zh(), 600),
            None
        );
        let agent = operator("agent.zhao", Role::CsAgent);
        assert_eq!(
            notice_for(&escalated("agent.qian"), &agent, &zh(), 600),
            None
        );
    }

    #[test]
    fn a_flood_of_one_kind_is_one_notice_then_a_count() {
        let officer = operator("officer.li", Role::RiskOfficer);
        let notice = notice_for(&critical(), &officer, &zh(), 600).expect("a notice");
        let mut gate = NoticeGate::default();
        let start = Instant::now();
        assert!(gate.pass(notice.clone(), start).is_some());
        for s in 1..=3 {
            assert_eq!(
                gate.pass(notice.clone(), start + Duration::from_secs(s)),
                None
            );
        }
        let next = gate
            .pass(notice.clone(), start + Duration::from_secs(11))
            .expect("after the gap");
        assert_eq!(next.body, "命中黑名单 · ¥12.00 · 账户 80000001 (+3)");
        let other = Notice {
            kind: NoticeKind::Approval,
            ..notice
        };
        assert!(
            gate.pass(other, start + Duration::from_secs(12)).is_some(),
            "kinds apart"
        );
    }
}
