//! A case's report for the compliance file, as PDF: the case (owner,
//! dates, disposition, outcome), its accounts, what they share, its alerts
//! and the freezes placed, the attachments with their hashes, and the
//! timeline. Written from the service's one answer (`GET
//! /v1/cases/{id}/report`), as lines
//! (`report_lines`, the content, tested as such) laid out on A4 pages by
//! krilla with a CJK face embedded, so that Chinese reads and copies.

use std::collections::BTreeMap;
use std::sync::Arc;

use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use riskdesk_api::investigations::CaseReport;
use riskdesk_charts::Lang;

use crate::app::Console;
use crate::ipc::{CaseReportRequest, CommandError, ErrorCode, ExportSaved};

/// What a report is written from: the service's answer, and who asked when.
#[derive(Clone, Debug)]
pub struct ReportData {
    pub report: CaseReport,
    pub generated_by: String,
    pub generated_at: chrono::DateTime<chrono::Utc>,
}

/// One line of the report, and how it looks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Line {
    Title(String),
    Heading(String),
    Text(String),
    /// Cells of a table row, at the columns' stops.
    Row(Vec<String>),
}

fn china(at: chrono::DateTime<chrono::Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    at.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A vocabulary word of the service as the report's reader says it (what
/// two accounts share is named as the graph names it).
fn word(lang: Lang, code: &str) -> String {
    let zh = match code {
        "low" => "低",
        "medium" => "中",
        "high" => "高",
        "critical" => "严重",
        "open" => "待处理",
        "in_review" => "处理中",
        "escalated" => "已升级",
        "closed" => "已关闭",
        "active" => "正常",
        "frozen" => "已冻结",
        "written_off" => "已核销",
        "confirmed_fraud" => "确认欺诈",
        "false_positive" => "误报",
        "benign" => "正常交易",
        "account" => "账户",
        "alert" => "预警",
        "freeze" => "冻结",
        "dispute" => "争议",
        "blacklist" => "黑名单",
        "device" => "设备",
        "ip" => "IP",
        _ => code,
    };
    if lang == Lang::Zh {
        zh.to_owned()
    } else {
        code.replace('_', " ")
    }
}

/// The report's content, line by line, in `lang`.
pub fn report_lines(data: &ReportData, lang: Lang) -> Vec<Line> {
    let zh = lang == Lang::Zh;
    let w = |z: &str, e: &str| if zh { z.to_owned() } else { e.to_owned() };
    let c = &data.report.case.case;
    let mut lines = vec![
        Line::Title(format!(
            "{} #{} · {}",
            w("案件报告", "Case report"),
            c.id,
            c.title
        )),
        Line::Text(format!(
            "{} {} · {}",
            w("生成于", "Generated"),
            china(data.generated_at),
            data.generated_by
        )),
        Line::Heading(w("案件", "Case")),
        Line::Text(format!(
            "{}: {} · {}: {} · {}: {}",
            w("严重度", "Severity"),
            word(lang, c.severity.as_str()),
            w("状态", "Status"),
            word(lang, c.status.as_str()),
            w("负责人", "Owner"),
            c.owner
        )),
        Line::Text(format!(
            "{}: {} ({}) · {}: {}",
            w("立案", "Opened"),
            china(c.created_at),
            c.created_by,
            w("期限", "Due"),
            china(c.due_at)
        )),
    ];
    if let (Some(at), Some(by)) = (c.closed_at, &c.closed_by) {
        lines.push(Line::Text(format!(
            "{}: {} ({}) · {}: {}",
            w("结案", "Closed"),
            china(at),
            by,
            w("处置", "Disposition"),
            c.disposition
                .map_or("—".to_owned(), |d| word(lang, d.as_str()))
        )));
    }
    if let Some(outcome) = &c.outcome {
        lines.push(Line::Text(format!("{}: {outcome}", w("结论", "Outcome"))));
    }
    if !c.tags.is_empty() {
        lines.push(Line::Text(format!(
            "{}: {}",
            w("标签", "Tags"),
            c.tags.join(", ")
        )));
    }

    let r = &data.report;
    lines.push(Line::Heading(format!(
        "{} ({})",
        w("涉案账户", "Accounts"),
        r.accounts.len()
    )));
    lines.push(Line::Row(vec![
        w("账户", "Account"),
        w("客户", "Customer"),
        w("等级", "Grade"),
        w("状态", "Status"),
        w("额度", "Limit"),
        w("可用", "Available"),
        w("确认欺诈", "Fraud"),
    ]));
    for a in &r.accounts {
        lines.push(Line::Row(vec![
            a.id.to_string(),
            a.name_masked.clone(),
            a.grade.as_str().to_owned(),
            word(lang, a.status.as_str()),
            a.limit.display_cny(),
            a.available.display_cny(),
            if a.confirmed_fraud {
                w("是", "yes")
            } else {
                String::new()
            },
        ]));
    }

    lines.push(Line::Heading(format!(
        "{} ({})",
        w("账户间共用", "Shared between the accounts"),
        r.case.shared.len()
    )));
    for s in &r.case.shared {
        let hashed = if zh {
            "（哈希匹配）"
        } else {
            "(hash match)"
        };
        let ids: Vec<String> = s.accounts.iter().map(i64::to_string).collect();
        lines.push(Line::Text(format!(
            "{} {} · {} {}: {}",
            riskdesk_charts::network::kind_label(s.kind, lang),
            s.value.as_deref().unwrap_or(hashed),
            s.accounts.len(),
            w("个账户", "accounts"),
            ids.join(", ")
        )));
    }

    lines.push(Line::Heading(format!(
        "{} ({})",
        w("预警", "Alerts"),
        r.alerts.len()
    )));
    for a in &r.alerts {
        lines.push(Line::Text(format!(
            "#{} · {} · {} · {} · {}{}",
            a.id,
            a.account_id,
            a.rule.as_str(),
            china(a.created_at),
            word(lang, a.status.as_str()),
            a.disposition
                .map(|d| format!(" ({})", word(lang, d.as_str())))
                .unwrap_or_default()
        )));
    }

    lines.push(Line::Heading(format!(
        "{} ({})",
        w("冻结决定", "Freezes placed"),
        r.freezes.len()
    )));
    for f in &r.freezes {
        lines.push(Line::Text(format!(
            "#{} · {} · {} · {} · {} · {}",
            f.id,
            f.account_id,
            f.amount.display_cny(),
            f.created_by,
            china(f.created_at),
            f.reason
        )));
    }

    lines.push(Line::Heading(format!(
        "{} ({})",
        w("黑名单决定", "Blacklist entries placed"),
        r.blacklist.len()
    )));
    for b in &r.blacklist {
        lines.push(Line::Text(format!(
            "#{} · {} {} · {} · {} · {}",
            b.id,
            word(lang, b.kind.as_str()),
            b.value,
            b.created_by,
            china(b.created_at),
            b.reason
        )));
    }

    lines.push(Line::Heading(format!(
        "{} ({})",
        w("附件", "Attachments"),
        r.case.attachments.len()
    )));
    for a in &r.case.attachments {
        lines.push(Line::Text(format!(
            "{} · {} · {} B · {} · {} · SHA-256 {}",
            a.name,
            a.content_type,
            a.size_bytes,
            a.uploaded_by,
            china(a.uploaded_at),
            a.sha256
        )));
    }

    lines.push(Line::Heading(w("经过", "Timeline")));
    let mut events: Vec<(chrono::DateTime<chrono::Utc>, String)> = Vec::new();
    events.push((
        c.created_at,
        format!("{} · {}", c.created_by, w("立案", "opened the case")),
    ));
    let mut added: BTreeMap<(chrono::DateTime<chrono::Utc>, String), BTreeMap<&str, usize>> =
        BTreeMap::new();
    for m in &r.case.members {
        *added
            .entry((m.added_at, m.added_by.clone()))
            .or_default()
            .entry(m.kind.as_str())
            .or_default() += 1;
    }
    for ((at, by), kinds) in added {
        let what: Vec<String> = kinds
            .iter()
            .map(|(k, n)| format!("{n} {}", word(lang, k)))
            .collect();
        events.push((
            at,
            format!("{by} · {} {}", w("加入", "added"), what.join(", ")),
        ));
    }
    for n in &r.case.notes {
        events.push((n.created_at, format!("{} · {}", n.author, n.body)));
    }
    for item in &c.checklist {
        events.push((
            item.done_at,
            format!(
                "{} · {} {}",
                item.done_by,
                w("完成", "checked"),
                item.item.as_str()
            ),
        ));
    }
    for a in &r.case.attachments {
        events.push((
            a.uploaded_at,
            format!("{} · {} {}", a.uploaded_by, w("上传", "attached"), a.name),
        ));
    }
    if let (Some(at), Some(by)) = (c.closed_at, &c.closed_by) {
        events.push((at, format!("{by} · {}", w("结案", "closed the case"))));
    }
    events.sort_by_key(|e| e.0);
    lines.extend(
        events
            .into_iter()
            .map(|(at, what)| Line::Text(format!("{} {what}", china(at)))),
    );
    lines
}

/// How wide `text` is at `size`, near enough to wrap by: CJK a full em,
/// the rest about half.
fn width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| {
            if c as u32 >= 0x2E80 {
                size
            } else {
                size * 0.55
            }
        })
        .sum()
}

/// `text` cut into pieces no wider than `room`.
fn wrap(text: &str, size: f32, room: f32) -> Vec<String> {
    let mut pieces = vec![String::new()];
    for c in text.chars() {
        let last = pieces.last_mut().expect("a piece");
        if width(last, size) + width(&c.to_string(), size) > room && !last.is_empty() {
            pieces.push(c.to_string());
        } else {
            last.push(c);
        }
    }
    pieces
}

const PAGE: (f32, f32) = (595.0, 842.0);

/// A line as drawn: its pieces, each (font size, x from the margin, text,
/// whether a rule runs under it).
type DrawnLine = Vec<(f32, f32, String, bool)>;
const MARGIN: f32 = 48.0;

/// The lines laid out on A4 pages, with page numbers.
pub fn pdf(lines: &[Line], font: &Font, lang: Lang) -> Result<Vec<u8>, String> {
    let room = PAGE.0 - 2.0 * MARGIN;
    let mut drawn: Vec<DrawnLine> = Vec::new();
    for line in lines {
        match line {
            Line::Title(t) => drawn.extend(
                wrap(t, 16.0, room)
                    .into_iter()
                    .map(|p| vec![(16.0, 0.0, p, false)]),
            ),
            Line::Heading(t) => drawn.push(vec![(12.0, 0.0, t.clone(), true)]),
            Line::Text(t) => drawn.extend(
                wrap(t, 9.0, room)
                    .into_iter()
                    .map(|p| vec![(9.0, 0.0, p, false)]),
            ),
            Line::Row(cells) => {
                let stops = [0.0, 70.0, 150.0, 185.0, 245.0, 330.0, 415.0];
                drawn.push(
                    cells
                        .iter()
                        .zip(stops)
                        .map(|(cell, x)| (9.0, x, cell.clone(), false))
                        .collect(),
                );
            }
        }
    }
    let mut document = Document::new();
    let height = |line: &[(f32, f32, String, bool)]| {
        let size = line.first().map_or(9.0, |c| c.0);
        if size > 9.0 { size * 1.9 } else { size * 1.6 }
    };
    let mut pages: Vec<Vec<&DrawnLine>> = vec![Vec::new()];
    let mut y = MARGIN;
    for line in &drawn {
        let h = height(line);
        if y + h > PAGE.1 - MARGIN {
            pages.push(Vec::new());
            y = MARGIN;
        }
        y += h;
        pages.last_mut().expect("a page").push(line);
    }
    let total = pages.len();
    for (number, page_lines) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE.0, PAGE.1).ok_or("page size")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));
        let mut y = MARGIN;
        for line in page_lines {
            y += height(line);
            for (size, x, text, rule) in line.iter() {
                surface.draw_text(
                    Point::from_xy(MARGIN + x, y),
                    font.clone(),
                    *size,
                    text,
                    false,
                    TextDirection::Auto,
                );
                if *rule {
                    let mut path = PathBuilder::new();
                    path.move_to(MARGIN, y + 4.0);
                    path.line_to(PAGE.0 - MARGIN, y + 4.0);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke::default()));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                        surface.set_fill(Some(Fill::default()));
                    }
                }
            }
        }
        let footer = if lang == Lang::Zh {
            format!("第 {} 页，共 {total} 页", number + 1)
        } else {
            format!("Page {} of {total}", number + 1)
        };
        surface.draw_text(
            Point::from_xy(MARGIN, PAGE.1 - MARGIN / 2.0),
            font.clone(),
            8.0,
            &footer,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

impl Console {
    /// Gathers the case's report from the service and saves it as a PDF in
    /// the downloads folder.
    pub async fn case_report(
        &self,
        request: CaseReportRequest,
    ) -> Result<ExportSaved, CommandError> {
        let (client, operator) = self.session_operator()?;
        let report = self.checked(client.case_report(request.case_id).await)?;
        let data = ReportData {
            report,
            generated_by: format!("{} ({})", operator.display_name, operator.id),
            // The console's clock, read here at its edge.
            generated_at: std::time::SystemTime::now().into(),
        };
        let lines = report_lines(&data, request.lang);
        // Reading the font and subsetting it is seconds of work: off the
        // runtime's threads, which keep the session and the live stream.
        let lang = request.lang;
        let laid_out = lines.clone();
        let written = tokio::task::spawn_blocking(move || {
            let font = report_font()
                .ok_or("no Chinese font is installed for the report (fonts-noto-cjk)")?;
            pdf(&laid_out, &font, lang)
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
        let bytes = written.map_err(|e| {
            CommandError::new(
                ErrorCode::SaveFailed,
                format!("the report could not be written: {e}"),
            )
        })?;
        let name = format!("case-{}", data.report.case.case.id);
        crate::export::save_file(self.export_dir(), &name, "pdf", &bytes, lines.len() as u64)
    }
}

/// The CJK face reports are written in, read once.
fn report_font() -> Option<Font> {
    static FONT: std::sync::OnceLock<Option<Font>> = std::sync::OnceLock::new();
    FONT.get_or_init(|| {
        let (data, index) = riskdesk_charts::png::cjk_face()?;
        Font::new(Arc::new(data).into(), index)
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use riskdesk_api::investigations::{
        AttachmentView, CaseDetail, CaseMemberKind, CaseMemberView, CaseNoteView, CaseStatus,
        CaseView, CheckedItem, SharedAmong,
    };
    use riskdesk_api::views::BlacklistEntryView;
    use riskdesk_domain::alert::{Disposition, Severity};
    use riskdesk_domain::blacklist::BlacklistKind;
    use riskdesk_domain::case::CaseCheck;
    use riskdesk_domain::links::LinkKind;

    fn at(hour: u32) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc
            .with_ymd_and_hms(2026, 12, 6, hour, 0, 0)
            .unwrap()
    }

    fn data() -> ReportData {
        let member = |kind, id| CaseMemberView {
            kind,
            id,
            added_by: "officer.li".to_owned(),
            added_at: at(1),
        };
        ReportData {
            report: CaseReport {
                case: CaseDetail {
                    case: CaseView {
                        id: 7,
                        title: "设备农场套现".to_owned(),
                        severity: Severity::Critical,
                        status: CaseStatus::Closed,
                        owner: "officer.li".to_owned(),
                        due_at: at(23),
                        overdue: false,
                        checklist: vec![CheckedItem {
                            item: CaseCheck::LinksReviewed,
                            done_by: "officer.wang".to_owned(),
                            done_at: at(2),
                        }],
                        tags: vec!["套现团伙".to_owned()],
                        disposition: Some(Disposition::ConfirmedFraud),
                        outcome: Some("团伙套现，已冻结".to_owned()),
                        created_by: "officer.li".to_owned(),
                        created_at: at(1),
                        closed_by: Some("officer.li".to_owned()),
                        closed_at: Some(at(4)),
                        version: 5,
                    },
                    members: vec![
                        member(CaseMemberKind::Account, 80_000_001),
                        member(CaseMemberKind::Alert, 31),
                    ],
                    notes: vec![CaseNoteView {
                        id: 1,
                        author: "officer.wang".to_owned(),
                        body: "共用设备 dev-ring00a".to_owned(),
                        created_at: at(3),
                    }],
                    attachments: vec![AttachmentView {
                        id: 1,
                        case_id: 7,
                        name: "客户说明.pdf".to_owned(),
                        content_type: "application/pdf".to_owned(),
                        size_bytes: 1234,
                        sha256: "ab".repeat(32),
                        uploaded_by: "officer.li".to_owned(),
                        uploaded_at: at(2),
                    }],
                    shared: vec![SharedAmong {
                        kind: LinkKind::Device,
                        value: Some("dev-ring00a".to_owned()),
                        accounts: vec![80_000_001, 80_000_002],
                    }],
                },
                accounts: Vec::new(),
                alerts: Vec::new(),
                freezes: Vec::new(),
                blacklist: vec![BlacklistEntryView {
                    id: 12,
                    kind: BlacklistKind::Device,
                    value: "dev-ring00a".to_owned(),
                    reason: "团伙共用设备".to_owned(),
                    created_by: "officer.li".to_owned(),
                    created_at: at(3),
                    expires_at: None,
                    removal_requested_by: None,
                    removal_requested_at: None,
                    removal_reason: None,
                    removed_at: None,
                    removed_by: None,
                    version: 1,
                }],
            },
            generated_by: "李风控 (officer.li)".to_owned(),
            generated_at: at(5),
        }
    }

    fn texts(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| match l {
                Line::Title(t) | Line::Heading(t) | Line::Text(t) => t.clone(),
                Line::Row(cells) => cells.join(" | "),
            })
            .collect()
    }

    #[test]
    fn the_report_says_who_decided_what_and_when_in_china_time() {
        let lines = texts(&report_lines(&data(), Lang::Zh));
        assert_eq!(lines[0], "案件报告 #7 · 设备农场套现");
        assert_eq!(lines[1], "生成于 2026-12-06 13:00 · 李风控 (officer.li)");
        assert!(lines.contains(&"结案: 2026-12-06 12:00 (officer.li) · 处置: 确认欺诈".to_owned()));
        assert!(lines.contains(&"结论: 团伙套现，已冻结".to_owned()));
        assert!(lines.contains(&"黑名单决定 (1)".to_owned()), "{lines:?}");
        assert!(lines.contains(
            &"#12 · 设备 dev-ring00a · officer.li · 2026-12-06 11:00 · 团伙共用设备".to_owned()
        ));
        let timeline_start = lines.iter().position(|l| l == "经过").unwrap();
        assert_eq!(
            &lines[timeline_start + 1..],
            [
                "2026-12-06 09:00 officer.li · 立案",
                "2026-12-06 09:00 officer.li · 加入 1 账户, 1 预警",
                "2026-12-06 10:00 officer.wang · 完成 links_reviewed",
                "2026-12-06 10:00 officer.li · 上传 客户说明.pdf",
                "2026-12-06 11:00 officer.wang · 共用设备 dev-ring00a",
                "2026-12-06 12:00 officer.li · 结案",
            ]
        );
        let attachment = lines
            .iter()
            .find(|l| l.starts_with("客户说明.pdf"))
            .unwrap();
        assert!(
            attachment.ends_with(&format!("SHA-256 {}", "ab".repeat(32))),
            "{attachment}"
        );
    }

    #[test]
    fn long_lines_wrap_and_pages_break() {
        let pieces = wrap(&"账".repeat(100), 10.0, 200.0);
        assert_eq!(pieces.len(), 5);
        assert!(pieces.iter().all(|p| p.chars().count() == 20));
        let Some(font) = report_font() else {
            panic!("fonts-noto-cjk is one of the test command's packages");
        };
        let many: Vec<Line> = (0..200).map(|i| Line::Text(format!("第 {i} 行"))).collect();
        let bytes = pdf(&many, &font, Lang::Zh).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        // 200 lines of 14.4 pt on 746 pt of room: 52 a page, four pages.
        let pages = bytes.windows(11).filter(|w| w == b"/Type /Page").count()
            - bytes.windows(12).filter(|w| w == b"/Type /Pages").count();
        assert_eq!(pages, 4);
    }
}
