//! The findings' examples in `findings.json`, which the console's renderer
//! (`ui/src/lib/evidence.ts`) writes to the letter too: the service's CSV
//! and the console's screens say the same thing.

use riskdesk_domain::evidence::{Finding, evidence_text};
use riskdesk_domain::words::Lang;

#[derive(serde::Deserialize)]
struct Example {
    finding: Finding,
    zh: String,
    en: String,
}

fn examples() -> Vec<Example> {
    serde_json::from_str(include_str!("findings.json")).expect("the examples")
}

#[test]
fn each_finding_reads_as_the_console_writes_it() {
    let examples = examples();
    assert_eq!(examples.len(), 17);
    for e in examples {
        assert_eq!(e.finding.text(Lang::Zh), e.zh);
        assert_eq!(e.finding.text(Lang::En), e.en);
    }
}

#[test]
fn a_hits_findings_are_joined_and_an_old_record_keeps_its_sentence() {
    let examples = examples();
    let both = [examples[0].finding.clone(), examples[10].finding.clone()];
    assert_eq!(
        evidence_text(Lang::Zh, "ignored", &both),
        "10 分钟内本账户支付 6 笔（上限 5 笔）；设备 dev-bl0020 在黑名单上（条目 #23）"
    );
    assert_eq!(
        evidence_text(Lang::En, "ignored", &both),
        "6 payments in 10 min on the account (max 5); Device dev-bl0020 is blacklisted (entry #23)"
    );
    assert_eq!(
        evidence_text(Lang::Zh, "3 payments in 10 min", &[]),
        "3 payments in 10 min"
    );
}
