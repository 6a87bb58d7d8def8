//! A rules file as an operator may write it: read and validated, or refused
//! with its line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use riskdesk_domain::rules::Rules;

fuzz_target!(|text: &str| {
    if let Err(error) = Rules::parse(text) {
        assert!(
            error.line >= 1 && error.line <= text.lines().count().max(1) + 1,
            "{error}"
        );
    }
});
