//! A paging cursor sent back by a client (or forged): read against the
//! filters it claims, or refused with `bad_cursor`, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use riskdesk_server::http::paging::page_request;

fuzz_target!(|input: (&str, u8)| {
    let (cursor, key_len) = input;
    let _ = page_request(Some(cursor), None, &"status=open", usize::from(key_len % 4));
});
