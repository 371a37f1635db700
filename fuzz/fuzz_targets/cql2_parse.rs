//! Feeds arbitrary input (when it is UTF-8) to both CQL2 parsers and checks that
//! - neither panics nor overflows the stack (libFuzzer reports both);
//! - a filter that parses as cql2-text prints as canonical text that parses back to the same
//!   AST, and printing is idempotent;
//! - a filter that parses as cql2-json is JSON to serde_json too, and prints as text that
//!   parses back to the same AST, unless a string literal ends in a backslash (cql2-text cannot
//!   write one) or the tree is so deep that its text exceeds the nesting limit (a JSON tree of
//!   the maximum height can need one more level of parentheses or `NOT` as text).
//!
//! Run from the repository root:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run cql2_parse -- -max_total_time=300 -dict=fuzz/cql2.dict`

#![no_main]

use cql2::{Expr, parse_json, parse_text};
use libfuzzer_sys::fuzz_target;

fn round_trip(e: &Expr, origin: &str, input: &str) {
    let text = e.to_string();
    let again = match parse_text(&text) {
        Ok(again) => again,
        Err(err) if origin == "json" && err.message.contains("nests too deeply") => return,
        Err(err) => panic!("{origin} {input:?} printed as {text:?}, which does not parse: {err}"),
    };
    assert_eq!(
        &again, e,
        "{origin} {input:?} printed as {text:?}, which parses differently"
    );
    assert_eq!(
        again.to_string(),
        text,
        "printing {text:?} is not idempotent"
    );
    // The accessors walk the whole tree.
    let _ = (e.properties(), e.functions());
}

fn ends_in_backslash(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if let Expr::String(s) = x {
            found |= s.ends_with('\\');
        }
    });
    found
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(e) = parse_text(input) {
        round_trip(&e, "text", input);
    }
    if let Ok(e) = parse_json(input) {
        assert!(
            serde_json::from_str::<serde_json::Value>(input).is_ok(),
            "our JSON reader accepted what serde_json refuses: {input:?}"
        );
        if !ends_in_backslash(&e) {
            round_trip(&e, "json", input);
        }
    }
});
