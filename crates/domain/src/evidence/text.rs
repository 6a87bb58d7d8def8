//! A finding in an operator's language, as the console writes it (its
//! `ui/src/lib/evidence.ts`): for what the service writes for people — the
//! CSV exports. `tests/findings.json` holds examples both renderers must
//! write to the letter.

use super::Finding;
use crate::money::Money;
use crate::rules::{Subject, grouped};
use crate::words::{Lang, word};

impl Finding {
    /// The finding in `lang`, with the console's number and money formats.
    pub fn text(&self, lang: Lang) -> String {
        let zh = lang == Lang::Zh;
        let money = |m: &Money| m.display_cny();
        let whole = |n: u32| grouped(f64::from(n));
        match self {
            Finding::PaymentCount {
                count,
                minutes,
                on,
                value,
                max,
            } => {
                if zh {
                    format!(
                        "{}内{}支付 {count} 笔（上限 {max} 笔）",
                        span(lang, *minutes),
                        subject(lang, *on, value.as_deref())
                    )
                } else {
                    format!(
                        "{count} payments in {} on {} (max {max})",
                        span(lang, *minutes),
                        subject(lang, *on, value.as_deref())
                    )
                }
            }
            Finding::AmountInWindow {
                amount,
                minutes,
                on,
                value,
                max,
            } => {
                if zh {
                    format!(
                        "{}内{}支付 {}（上限 {}）",
                        span(lang, *minutes),
                        subject(lang, *on, value.as_deref()),
                        money(amount),
                        money(max)
                    )
                } else {
                    format!(
                        "{} in {} on {} (max {})",
                        money(amount),
                        span(lang, *minutes),
                        subject(lang, *on, value.as_deref()),
                        money(max)
                    )
                }
            }
            Finding::AmountSpike {
                amount,
                multiple,
                median,
                purchases,
                max_multiple,
            } => {
                if zh {
                    format!(
                        "{} 是近 {purchases} 笔消费中位数 {} 的 {multiple:.1} 倍（上限 {max_multiple} 倍）",
                        money(amount),
                        money(median)
                    )
                } else {
                    format!(
                        "{} is {multiple:.1} × the median {} of {purchases} purchases (max {max_multiple} ×)",
                        money(amount),
                        money(median)
                    )
                }
            }
            Finding::NewDevice {
                device,
                amount,
                max,
            } => {
                if zh {
                    format!(
                        "设备 {device} 从未在本账户支付；金额 {}（新设备上限 {}）",
                        money(amount),
                        money(max)
                    )
                } else {
                    format!(
                        "device {device} never paid on this account; {} (max {} on a new device)",
                        money(amount),
                        money(max)
                    )
                }
            }
            Finding::NightBurst {
                count,
                from_hour,
                to_hour,
                minutes,
                max,
            } => {
                if zh {
                    format!(
                        "{}内 {from_hour:02}:00–{to_hour:02}:00 支付 {count} 笔（上限 {max} 笔）",
                        span(lang, *minutes)
                    )
                } else {
                    format!(
                        "{count} payments between {from_hour:02}:00 and {to_hour:02}:00 within {} (max {max})",
                        span(lang, *minutes)
                    )
                }
            }
            Finding::Travel {
                from,
                to,
                km,
                seconds,
                speed_kmh,
                max_kmh,
            } => {
                let speed = match (speed_kmh, zh) {
                    (None, true) => "同一时刻".to_owned(),
                    (None, false) => "at the same moment".to_owned(),
                    (Some(s), true) => format!("时速 {} 公里", whole(*s)),
                    (Some(s), false) => format!("= {} km/h", whole(*s)),
                };
                if zh {
                    format!(
                        "{from} → {to}：{} 公里，相隔 {}，{speed}（上限时速 {} 公里）",
                        whole(*km),
                        elapsed(lang, *seconds),
                        whole(*max_kmh)
                    )
                } else {
                    format!(
                        "{from} → {to}: {} km in {} {speed} (max {} km/h)",
                        whole(*km),
                        elapsed(lang, *seconds),
                        whole(*max_kmh)
                    )
                }
            }
            Finding::FarFromHome {
                km,
                home,
                city,
                max_km,
            } => {
                if zh {
                    format!(
                        "在{city}支付，距常住地（{home}）{} 公里（上限 {} 公里）",
                        whole(*km),
                        whole(*max_km)
                    )
                } else {
                    format!(
                        "{} km from home ({home}) in {city} (max {} km)",
                        whole(*km),
                        whole(*max_km)
                    )
                }
            }
            Finding::Blacklisted { entry, kind, value } => {
                let kind = word(lang, kind.as_str());
                let what = if value.is_empty() {
                    kind.to_owned()
                } else {
                    format!("{kind} {value}")
                };
                if zh {
                    format!("{what} 在黑名单上（条目 #{entry}）")
                } else {
                    format!("{what} is blacklisted (entry #{entry})")
                }
            }
            Finding::BlacklistedAddress { entry, ip, net } => {
                if zh {
                    format!("IP {ip} 在黑名单网段 {net} 内（条目 #{entry}）")
                } else {
                    format!("IP {ip} is in blacklisted {net} (entry #{entry})")
                }
            }
            Finding::BlacklistedCity { entry, city } => {
                if zh {
                    format!("在黑名单地区{city}支付（条目 #{entry}）")
                } else {
                    format!("payment in blacklisted area {city} (entry #{entry})")
                }
            }
            Finding::BlacklistedArea {
                entry,
                km,
                radius_km,
            } => {
                if zh {
                    format!("距黑名单区域中心 {km:.1} 公里（半径 {radius_km} 公里，条目 #{entry}）")
                } else {
                    format!(
                        "payment {km:.1} km from the centre of a blacklisted {radius_km} km area (entry #{entry})"
                    )
                }
            }
            Finding::RiskyMerchant {
                category,
                merchant,
                amount,
                max,
            } => {
                let category = word(lang, category.as_str());
                if zh {
                    format!(
                        "{category}商户 {merchant}：{}（上限 {}）",
                        money(amount),
                        money(max)
                    )
                } else {
                    format!(
                        "{category} at {merchant}: {} (max {})",
                        money(amount),
                        money(max)
                    )
                }
            }
            Finding::FrequentLarge {
                count,
                over,
                minutes,
                max,
                freeze_percent,
                freeze_hours,
            } => {
                if zh {
                    format!(
                        "{}内超过 {} 的支付 {count} 笔（上限 {max} 笔）；冻结可用额度的 {freeze_percent}%，{freeze_hours} 小时",
                        span(lang, *minutes),
                        money(over)
                    )
                } else {
                    format!(
                        "{count} payments over {} in {} (max {max}); {freeze_percent}% of the available limit frozen for {freeze_hours} h",
                        money(over),
                        span(lang, *minutes)
                    )
                }
            }
        }
    }
}

/// A hit's findings in `lang`; a record from before findings were kept has
/// only its English sentence, written as it is.
pub fn evidence_text(lang: Lang, sentence: &str, findings: &[Finding]) -> String {
    if findings.is_empty() {
        return sentence.to_owned();
    }
    let texts: Vec<String> = findings.iter().map(|f| f.text(lang)).collect();
    texts.join(if lang == Lang::Zh { "；" } else { "; " })
}

/// A window's length: `10 分钟`, `24 小时`; `10 min`, `24 h`.
fn span(lang: Lang, minutes: u32) -> String {
    let hours = minutes >= 60 && minutes.is_multiple_of(60);
    match (lang, hours) {
        (Lang::Zh, true) => format!("{} 小时", minutes / 60),
        (Lang::Zh, false) => format!("{minutes} 分钟"),
        (Lang::En, true) => format!("{} h", minutes / 60),
        (Lang::En, false) => format!("{minutes} min"),
    }
}

/// Time between two payments: seconds under a minute, else minutes.
fn elapsed(lang: Lang, seconds: u32) -> String {
    if seconds < 60 {
        return if lang == Lang::Zh {
            format!("{seconds} 秒")
        } else {
            format!("{seconds} s")
        };
    }
    // Half a minute up, as the console rounds.
    let minutes = grouped(f64::from(seconds.saturating_add(30) / 60));
    if lang == Lang::Zh {
        format!("{minutes} 分钟")
    } else {
        format!("{minutes} min")
    }
}

/// Whose payments a window counted; in Chinese, a Latin value ends with a
/// space so that the next word stands apart.
fn subject(lang: Lang, on: Subject, value: Option<&str>) -> String {
    match (on, value, lang) {
        (Subject::Account, _, Lang::Zh) | (_, None, Lang::Zh) => "本账户".to_owned(),
        (Subject::Account, _, Lang::En) | (_, None, Lang::En) => "the account".to_owned(),
        (Subject::Device, Some(v), Lang::Zh) => format!("设备 {v} "),
        (Subject::Ip, Some(v), Lang::Zh) => format!("IP {v} "),
        (Subject::Device, Some(v), Lang::En) => format!("device {v}"),
        (Subject::Ip, Some(v), Lang::En) => format!("IP {v}"),
    }
}
