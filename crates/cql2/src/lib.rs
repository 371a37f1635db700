//! OGC CQL2 (Common Query Language, OGC 21-065r2) parsed into a typed AST.
//!
//! Both encodings give the same [`Expr`]: [`parse_text`] reads cql2-text
//! (`eo:cloud_cover < 10 AND S_INTERSECTS(geometry, BBOX(4.9, 51.9, 5.6, 52.3))`) and
//! [`parse_json`] reads cql2-json (`{"op": "<", "args": [{"property": "eo:cloud_cover"}, 10]}`).
//! `Display` writes an expression back as canonical cql2-text, and [`Expr::properties`] lists
//! the properties a filter uses, to check them against a collection's queryables.
//!
//! Supported: basic CQL2, advanced comparison (`LIKE`, `BETWEEN`, `IN`), case- and
//! accent-insensitive comparison, basic and full spatial functions (WKT and GeoJSON literals,
//! `BBOX`), temporal functions, arithmetic, property-property comparison and functions. Array
//! operators (`A_CONTAINS`, …) are refused with an error.
//!
//! Both parsers are total: malformed input gives a [`ParseError`] with its position, never a
//! panic; nesting is limited to [`MAX_DEPTH`] levels and memory use is linear in the input.
//! The AST says nothing of types beyond a light kind check (no number as an `AND` operand): a
//! later step resolves properties and functions against the schema.

mod ast;
mod check;
mod display;
mod error;
mod json;
mod keywords;
mod lexer;
mod temporal;
mod text;

pub use ast::{
    ArithmeticOp, BBox, CompareOp, Date, Expr, Geometry, Interval, IntervalBound, Number, Position,
    SpatialOp, TemporalOp, Timestamp,
};
pub use error::ParseError;

/// The deepest nesting either parser accepts: of parentheses, calls and `NOT`s while reading,
/// and of the resulting tree. Deeper input is a [`ParseError`].
pub const MAX_DEPTH: usize = 64;

/// Parses a cql2-text filter (keywords ignore ASCII case).
///
/// ```
/// let e = cql2::parse_text("floors > 5 AND material LIKE 'brick%'").unwrap();
/// assert_eq!(e.properties(), ["floors", "material"]);
/// assert_eq!(e.to_string(), "floors > 5 AND material LIKE 'brick%'");
/// ```
pub fn parse_text(input: &str) -> Result<Expr, ParseError> {
    text::parse(input)
}

/// Parses a cql2-json filter.
///
/// ```
/// let e = cql2::parse_json(r#"{"op": ">", "args": [{"property": "floors"}, 5]}"#).unwrap();
/// assert_eq!(e, cql2::parse_text("floors > 5").unwrap());
/// ```
pub fn parse_json(input: &str) -> Result<Expr, ParseError> {
    json::parse(input)
}

/// Parses one WKT geometry, e.g. `POINT(5.12 52.09)` (keywords ignore ASCII case).
///
/// ```
/// let g = cql2::parse_wkt("POINT(5.12 52.09)").unwrap();
/// assert!(matches!(g, cql2::Geometry::Point(_)));
/// assert!(cql2::parse_wkt("POINT(1 2) x").is_err());
/// ```
pub fn parse_wkt(input: &str) -> Result<Geometry, ParseError> {
    text::parse_wkt(input)
}

impl std::str::FromStr for Expr {
    type Err = ParseError;

    /// [`parse_text`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_text(s)
    }
}
