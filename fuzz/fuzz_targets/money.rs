//! An amount as the wire and the forms give it: parsed, or refused, never
//! a panic; what parses prints back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use riskdesk_domain::money::Money;

fuzz_target!(|text: &str| {
    if let Ok(money) = text.parse::<Money>() {
        let printed = money.to_string();
        assert_eq!(
            printed.parse::<Money>().ok(),
            Some(money),
            "{text:?} printed {printed:?}"
        );
    }
});
