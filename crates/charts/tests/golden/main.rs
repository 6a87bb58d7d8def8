//! Golden SVGs: each chart on fixed data must render exactly as committed
//! (`cargo xtask codegen` rewrites them after a deliberate change; look at
//! the difference before committing it).

use std::path::PathBuf;

use riskdesk_charts::{Lang, Style, Theme, account_history_svg};
use riskdesk_domain::history::MonthPoint;
use riskdesk_domain::money::Money;

fn check(name: &str, svg: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, svg).expect("writing a golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == svg,
        "{name} changed: run `cargo xtask codegen`, look, and commit"
    );
}

fn year() -> Vec<MonthPoint> {
    let spending = [
        820, 640, 1_930, 410, 560, 2_480, 700, 690, 880, 760, 3_150, 1_020,
    ];
    let repayments = [
        0, 800, 620, 1_900, 420, 540, 2_450, 720, 660, 900, 700, 3_100,
    ];
    let mut balance = 0i64;
    (0..12)
        .map(|i| {
            balance += spending[i] - repayments[i];
            let yuan = |y: i64| Money::yuan(y).expect("in range");
            MonthPoint {
                year: if i < 2 { 2025 } else { 2026 },
                month: u32::try_from((i + 10) % 12 + 1).expect("a month"),
                spending: yuan(spending[i]),
                repayments: yuan(repayments[i]),
                balance: yuan(balance),
                utilisation_bp: balance * 10_000 / 8_000,
            }
        })
        .collect()
}

#[test]
fn golden_account_history_charts() {
    let style = |theme, lang| Style {
        theme,
        lang,
        width: 640,
        height: 260,
    };
    check(
        "account_history_light_zh.svg",
        &account_history_svg(&year(), &style(Theme::Light, Lang::Zh)),
    );
    check(
        "account_history_dark_en.svg",
        &account_history_svg(&year(), &style(Theme::Dark, Lang::En)),
    );
    check(
        "account_history_single_month.svg",
        &account_history_svg(&year()[11..], &style(Theme::Light, Lang::En)),
    );
    let quiet: Vec<MonthPoint> = year()
        .into_iter()
        .map(|p| MonthPoint {
            spending: Money::ZERO,
            repayments: Money::ZERO,
            balance: Money::ZERO,
            utilisation_bp: 0,
            ..p
        })
        .collect();
    let empty = account_history_svg(&quiet, &style(Theme::Light, Lang::Zh));
    assert!(empty.contains("暂无交易"));
    check("account_history_empty_zh.svg", &empty);
}
