//! Helpers shared by the integration tests.

#![allow(dead_code)]

use cql2::{Expr, parse_json, parse_text};

/// Parses `text` and `json`, asserts they give the same AST and that the canonical text of it
/// parses back to it; returns the AST.
pub fn both(text: &str, json: &str) -> Expr {
    let t = parse_text(text).unwrap_or_else(|e| panic!("text {text:?}: {e}"));
    let j = parse_json(json).unwrap_or_else(|e| panic!("json {json}: {e}"));
    assert_eq!(t, j, "text {text:?} and json {json} differ");
    round_trip(&t);
    t
}

/// Asserts that the canonical text of `e` parses back to `e`; returns that text.
pub fn round_trip(e: &Expr) -> String {
    let s = e.to_string();
    let again =
        parse_text(&s).unwrap_or_else(|err| panic!("canonical {s:?} does not parse: {err}"));
    assert_eq!(&again, e, "canonical {s:?} changed the AST");
    s
}

/// The canonical text of a text filter.
pub fn canon(text: &str) -> String {
    round_trip(&parse_text(text).unwrap_or_else(|e| panic!("{text:?}: {e}")))
}

pub fn prop(name: &str) -> Box<Expr> {
    Box::new(Expr::Property(name.into()))
}

pub fn int(i: i64) -> Box<Expr> {
    Box::new(Expr::Number(cql2::Number::Int(i)))
}

pub fn string(s: &str) -> Box<Expr> {
    Box::new(Expr::String(s.into()))
}
