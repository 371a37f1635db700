//! Canonical cql2-text for the AST: operators in upper case, one space around binary
//! operators, parentheses only where precedence needs them. `parse_text(&e.to_string()) == Ok(e)` for every parsed `e`, with one exception
//! forced by the standard's escapes: a string ending in a backslash cannot be written (`\'`
//! reads as a quote).

use std::fmt::{self, Display, Formatter, Write};

use crate::ast::{ArithmeticOp, BBox, Expr, Geometry, Interval, IntervalBound, Number, Position};
use crate::keywords::{is_identifier, is_reserved};

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self)
    }
}

impl Display for Number {
    /// Integers as digits; floats in Rust's shortest round-trip form, always with a `.` or an
    /// exponent so they read back as floats (`2.0`, `1e-7`).
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x:?}"),
        }
    }
}

impl Display for Geometry {
    /// WKT, e.g. `POLYGON((0.0 0.0, 1.0 0.0, 1.0 1.0, 0.0 0.0))` or `POINT Z(1.0 2.0 3.0)`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let z = if self.has_z() { " Z" } else { "" };
        match self {
            Geometry::Point(p) => write!(f, "POINT{z}({})", Pos(p)),
            Geometry::LineString(ps) => write!(f, "LINESTRING{z}{}", Positions(ps)),
            Geometry::Polygon(rings) => write!(f, "POLYGON{z}{}", Rings(rings)),
            Geometry::MultiPoint(ps) => {
                write!(f, "MULTIPOINT{z}(")?;
                for (i, p) in ps.iter().enumerate() {
                    write!(f, "{}({})", sep(i), Pos(p))?;
                }
                f.write_char(')')
            }
            Geometry::MultiLineString(lines) => write!(f, "MULTILINESTRING{z}{}", Rings(lines)),
            Geometry::MultiPolygon(polygons) => {
                write!(f, "MULTIPOLYGON{z}(")?;
                for (i, rings) in polygons.iter().enumerate() {
                    write!(f, "{}{}", sep(i), Rings(rings))?;
                }
                f.write_char(')')
            }
            Geometry::GeometryCollection(members) => {
                f.write_str("GEOMETRYCOLLECTION(")?;
                for (i, g) in members.iter().enumerate() {
                    write!(f, "{}{g}", sep(i))?;
                }
                f.write_char(')')
            }
        }
    }
}

impl Display for BBox {
    /// `BBOX(west, south, east, north)` or `BBOX(west, south, min_z, east, north, max_z)`.
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.z {
            None => write!(
                f,
                "BBOX({:?}, {:?}, {:?}, {:?})",
                self.west, self.south, self.east, self.north
            ),
            Some((lo, hi)) => write!(
                f,
                "BBOX({:?}, {:?}, {lo:?}, {:?}, {:?}, {hi:?})",
                self.west, self.south, self.east, self.north
            ),
        }
    }
}

fn sep(i: usize) -> &'static str {
    if i == 0 { "" } else { ", " }
}

struct Pos<'a>(&'a Position);

impl Display for Pos<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {:?}", self.0.x, self.0.y)?;
        match self.0.z {
            Some(z) => write!(f, " {z:?}"),
            None => Ok(()),
        }
    }
}

struct Positions<'a>(&'a [Position]);

impl Display for Positions<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        for (i, p) in self.0.iter().enumerate() {
            write!(f, "{}{}", sep(i), Pos(p))?;
        }
        f.write_char(')')
    }
}

struct Rings<'a>(&'a [Vec<Position>]);

impl Display for Rings<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        for (i, ring) in self.0.iter().enumerate() {
            write!(f, "{}{}", sep(i), Positions(ring))?;
        }
        f.write_char(')')
    }
}

/// Binding strength, loosest first; an operand weaker than its slot needs parentheses.
fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Or(_) => 1,
        Expr::And(_) => 2,
        Expr::Not(inner) if negatable(inner) => 4,
        Expr::Not(_) => 3,
        Expr::Compare { .. }
        | Expr::Like { .. }
        | Expr::Between { .. }
        | Expr::In { .. }
        | Expr::IsNull(_) => 4,
        Expr::Arithmetic {
            op: ArithmeticOp::Add | ArithmeticOp::Sub,
            ..
        } => 5,
        Expr::Arithmetic {
            op: ArithmeticOp::Pow,
            ..
        } => 7,
        Expr::Arithmetic { .. } => 6,
        Expr::Negate(_) => 8,
        _ => 9,
    }
}

/// Writes `e`, in parentheses if it binds more loosely than `min`.
fn operand(f: &mut Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    if precedence(e) < min {
        f.write_char('(')?;
        write_expr(f, e)?;
        f.write_char(')')
    } else {
        write_expr(f, e)
    }
}

/// Operands of predicates are arithmetic expressions or tighter.
const PREDICATE_OPERAND: u8 = 5;

fn list(f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
    for (i, e) in items.iter().enumerate() {
        f.write_str(sep(i))?;
        write_expr(f, e)?;
    }
    Ok(())
}

/// Predicates with an infix negated form.
fn negatable(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Like { .. } | Expr::Between { .. } | Expr::In { .. } | Expr::IsNull(_)
    )
}

fn in_list(f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        f.write_str(sep(i))?;
        operand(f, item, PREDICATE_OPERAND)?;
    }
    Ok(())
}

fn write_expr(f: &mut Formatter<'_>, e: &Expr) -> fmt::Result {
    match e {
        Expr::And(items) | Expr::Or(items) => {
            let (word, empty) = if matches!(e, Expr::And(_)) {
                (" AND ", "TRUE")
            } else {
                (" OR ", "FALSE")
            };
            if items.is_empty() {
                return f.write_str(empty);
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(word)?;
                }
                // Only the parentheses precedence needs: never more nesting than the text that
                // produced the tree, so trees at the depth limit still print as parsable text.
                operand(f, item, precedence(e) + 1)?;
            }
            Ok(())
        }
        // `x NOT LIKE p`, `x NOT BETWEEN a AND b`, `x NOT IN (…)`, `x IS NOT NULL`.
        Expr::Not(inner) if negatable(inner) => match &**inner {
            Expr::Like { expr, pattern } => {
                operand(f, expr, PREDICATE_OPERAND)?;
                f.write_str(" NOT LIKE ")?;
                operand(f, pattern, PREDICATE_OPERAND)
            }
            Expr::Between { expr, low, high } => {
                operand(f, expr, PREDICATE_OPERAND)?;
                f.write_str(" NOT BETWEEN ")?;
                operand(f, low, PREDICATE_OPERAND)?;
                f.write_str(" AND ")?;
                operand(f, high, PREDICATE_OPERAND)
            }
            Expr::In { expr, list } => {
                operand(f, expr, PREDICATE_OPERAND)?;
                f.write_str(" NOT IN (")?;
                in_list(f, list)?;
                f.write_char(')')
            }
            Expr::IsNull(expr) => {
                operand(f, expr, PREDICATE_OPERAND)?;
                f.write_str(" IS NOT NULL")
            }
            other => write_expr(f, other),
        },
        Expr::Not(inner) => {
            f.write_str("NOT ")?;
            operand(f, inner, 3)
        }
        Expr::Compare { op, left, right } => {
            operand(f, left, PREDICATE_OPERAND)?;
            write!(f, " {} ", op.symbol())?;
            operand(f, right, PREDICATE_OPERAND)
        }
        Expr::Like { expr, pattern } => {
            operand(f, expr, PREDICATE_OPERAND)?;
            f.write_str(" LIKE ")?;
            operand(f, pattern, PREDICATE_OPERAND)
        }
        Expr::Between { expr, low, high } => {
            operand(f, expr, PREDICATE_OPERAND)?;
            f.write_str(" BETWEEN ")?;
            operand(f, low, PREDICATE_OPERAND)?;
            f.write_str(" AND ")?;
            operand(f, high, PREDICATE_OPERAND)
        }
        Expr::In { expr, list: items } => {
            operand(f, expr, PREDICATE_OPERAND)?;
            f.write_str(" IN (")?;
            in_list(f, items)?;
            f.write_char(')')
        }
        Expr::IsNull(inner) => {
            operand(f, inner, PREDICATE_OPERAND)?;
            f.write_str(" IS NULL")
        }
        Expr::Spatial { op, left, right } => write!(f, "{}({left}, {right})", op.text_name()),
        Expr::Temporal { op, left, right } => write!(f, "{}({left}, {right})", op.text_name()),
        Expr::Arithmetic { op, left, right } => {
            let p = precedence(e);
            // Left-associative, except the right-associative `^`; unary minus binds tighter
            // than `^` on its left (`-a ^ 2` is `(-a) ^ 2`).
            let (l, r) = if *op == ArithmeticOp::Pow {
                (8, 7)
            } else {
                (p, p + 1)
            };
            operand(f, left, l)?;
            write!(f, " {} ", op.symbol())?;
            operand(f, right, r)
        }
        Expr::Negate(inner) => {
            f.write_char('-')?;
            // `-+5` or `--5`: a bare `-5` would read back as the literal `Number(-5)`.
            if let Expr::Number(n) = &**inner {
                let n = n.to_string();
                if !n.starts_with('-') {
                    f.write_char('+')?;
                }
                return f.write_str(&n);
            }
            if precedence(inner) < 8 {
                f.write_char('(')?;
                write_expr(f, inner)?;
                f.write_char(')')
            } else {
                write_expr(f, inner)
            }
        }
        Expr::CaseI(inner) => write!(f, "CASEI({inner})"),
        Expr::AccentI(inner) => write!(f, "ACCENTI({inner})"),
        Expr::Function { name, args } => {
            write!(f, "{name}(")?;
            list(f, args)?;
            f.write_char(')')
        }
        Expr::Property(name) => write_property(f, name),
        Expr::Bool(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
        Expr::Number(n) => write!(f, "{n}"),
        Expr::String(s) => write_string(f, s),
        Expr::Date(d) => write!(f, "DATE('{d}')"),
        Expr::Timestamp(t) => write!(f, "TIMESTAMP('{t}')"),
        Expr::Interval(Interval { start, end }) => {
            f.write_str("INTERVAL(")?;
            write_bound(f, start)?;
            f.write_str(", ")?;
            write_bound(f, end)?;
            f.write_char(')')
        }
        Expr::Geometry(g) => write!(f, "{g}"),
        Expr::BBox(b) => write!(f, "{b}"),
    }
}

fn write_bound(f: &mut Formatter<'_>, b: &IntervalBound) -> fmt::Result {
    match b {
        IntervalBound::Unbounded => f.write_str("'..'"),
        IntervalBound::Date(d) => write!(f, "'{d}'"),
        IntervalBound::Timestamp(t) => write!(f, "'{t}'"),
        IntervalBound::Expr(e) => write_expr(f, e),
    }
}

/// A plain identifier when it reads back as a property, else `"quoted"` (`""` for a quote).
fn write_property(f: &mut Formatter<'_>, name: &str) -> fmt::Result {
    if is_identifier(name) && !is_reserved(name) {
        return f.write_str(name);
    }
    f.write_char('"')?;
    for c in name.chars() {
        if c == '"' {
            f.write_char('"')?;
        }
        f.write_char(c)?;
    }
    f.write_char('"')
}

/// `'…'` with quotes doubled; a quote right after a backslash is written `\'`, since `\''`
/// would read as an escaped quote followed by the end of the string.
fn write_string(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    let mut after_backslash = false;
    for c in s.chars() {
        match c {
            '\'' if after_backslash => f.write_str("\\'")?,
            '\'' => f.write_str("''")?,
            c => f.write_char(c)?,
        }
        after_backslash = c == '\\';
    }
    f.write_char('\'')
}
