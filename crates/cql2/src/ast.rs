//! The typed AST shared by both encodings: one [`Expr`] tree for boolean, scalar, spatial and
//! temporal expressions. Invariants of parsed trees (not of hand-built ones): `And`/`Or` have at
//! least two operands, operands have a plausible kind (no number as an `AND` operand), geometries
//! are non-empty with one dimension throughout, and the tree is at most [`crate::MAX_DEPTH`] deep.

use std::collections::HashSet;

pub use crate::temporal::{Date, Timestamp};

/// A CQL2 expression. Negated predicates (`NOT LIKE`, `NOT BETWEEN`, `NOT IN`, `IS NOT NULL`)
/// are `Not` around the positive predicate, as in cql2-json.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Conjunction of two or more operands.
    And(Vec<Expr>),
    /// Disjunction of two or more operands.
    Or(Vec<Expr>),
    /// Negation.
    Not(Box<Expr>),
    /// Binary comparison: `=`, `<>`, `<`, `<=`, `>`, `>=`.
    Compare {
        op: CompareOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `expr LIKE pattern`, `%` matching any run of characters and `_` any one character.
    Like { expr: Box<Expr>, pattern: Box<Expr> },
    /// `expr BETWEEN low AND high` (both ends included).
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
    },
    /// `expr IN (list…)`; the list is never empty.
    In { expr: Box<Expr>, list: Vec<Expr> },
    /// `expr IS NULL`.
    IsNull(Box<Expr>),
    /// Spatial predicate `S_…(left, right)`.
    Spatial {
        op: SpatialOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// Temporal predicate `T_…(left, right)`.
    Temporal {
        op: TemporalOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// Binary arithmetic.
    Arithmetic {
        op: ArithmeticOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// Unary minus of a non-literal (`-5` is `Number(-5)`).
    Negate(Box<Expr>),
    /// `CASEI(expr)`: compare case-insensitively.
    CaseI(Box<Expr>),
    /// `ACCENTI(expr)`: compare accent-insensitively.
    AccentI(Box<Expr>),
    /// A call of a function the server may offer, `name(args…)`; the name keeps its case.
    Function { name: String, args: Vec<Expr> },
    /// A property (queryable) of the features, by name.
    Property(String),
    /// `TRUE` or `FALSE`.
    Bool(bool),
    /// A numeric literal.
    Number(Number),
    /// A character literal.
    String(String),
    /// `DATE('YYYY-MM-DD')`.
    Date(Date),
    /// `TIMESTAMP('YYYY-MM-DDTHH:MM:SSZ')`.
    Timestamp(Timestamp),
    /// `INTERVAL(start, end)`.
    Interval(Interval),
    /// A geometry literal (WKT in text, GeoJSON in JSON).
    Geometry(Geometry),
    /// `BBOX(…)`.
    BBox(BBox),
}

/// A numeric literal: an integer when written without fraction or exponent and within `i64`,
/// a finite float otherwise. Equality is numeric: `Int(2) == Float(2.0)`, as CQL2 has one
/// number type and the two encodings need not agree on `2` versus `2.0`.
#[derive(Debug, Clone, Copy)]
pub enum Number {
    /// An integer literal.
    Int(i64),
    /// A float literal (never NaN or infinite when parsed).
    Float(f64),
}

impl Number {
    /// The value as a float (integers beyond 2^53 round).
    pub fn as_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }

    /// Reads an unsigned numeric literal, with `negative` for a leading minus sign.
    pub(crate) fn parse(digits: &str, negative: bool) -> Result<Number, String> {
        let text = if negative {
            format!("-{digits}")
        } else {
            digits.to_owned()
        };
        let is_int = !digits.contains(['.', 'e', 'E']);
        if is_int && let Ok(i) = text.parse::<i64>() {
            return Ok(Number::Int(i));
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Number::Float(f)),
            _ => Err(format!(
                "the number {} is out of range",
                crate::error::snippet(&text, 40)
            )),
        }
    }
}

/// 2^63: the floats in `-TWO_63..TWO_63` convert to `i64` exactly when integral.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

impl PartialEq for Number {
    fn eq(&self, other: &Number) -> bool {
        match (*self, *other) {
            (Number::Int(a), Number::Int(b)) => a == b,
            (Number::Float(a), Number::Float(b)) => a == b,
            (Number::Int(i), Number::Float(f)) | (Number::Float(f), Number::Int(i)) => {
                // Exact: the float must be integral and in range, and then the same integer.
                f.fract() == 0.0 && (-TWO_63..TWO_63).contains(&f) && f as i64 == i
            }
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
}

impl CompareOp {
    /// The operator as written in both encodings.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::NotEq => "<>",
            CompareOp::Lt => "<",
            CompareOp::LtEq => "<=",
            CompareOp::Gt => ">",
            CompareOp::GtEq => ">=",
        }
    }

    pub(crate) fn from_symbol(s: &str) -> Option<CompareOp> {
        [
            CompareOp::Eq,
            CompareOp::NotEq,
            CompareOp::Lt,
            CompareOp::LtEq,
            CompareOp::Gt,
            CompareOp::GtEq,
        ]
        .into_iter()
        .find(|op| op.symbol() == s)
    }
}

/// An arithmetic operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithmeticOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%` (remainder)
    Mod,
    /// `div` (integer division)
    IntDiv,
    /// `^` (power)
    Pow,
}

impl ArithmeticOp {
    /// The operator as written in both encodings.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithmeticOp::Add => "+",
            ArithmeticOp::Sub => "-",
            ArithmeticOp::Mul => "*",
            ArithmeticOp::Div => "/",
            ArithmeticOp::Mod => "%",
            ArithmeticOp::IntDiv => "div",
            ArithmeticOp::Pow => "^",
        }
    }

    pub(crate) fn from_symbol(s: &str) -> Option<ArithmeticOp> {
        use ArithmeticOp::*;
        [Add, Sub, Mul, Div, Mod, IntDiv, Pow]
            .into_iter()
            .find(|op| op.symbol().eq_ignore_ascii_case(s))
    }
}

macro_rules! named_ops {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal, $json:literal;)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[doc = concat!("`", $text, "`")] $variant,)*
        }

        impl $name {
            /// Every operator of this family.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The name in cql2-text, e.g. `S_INTERSECTS`.
            pub fn text_name(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// The name in cql2-json, e.g. `s_intersects`.
            pub fn json_name(self) -> &'static str {
                match self { $($name::$variant => $json,)* }
            }

            /// The operator of this name in either encoding, ignoring ASCII case.
            pub fn from_name(name: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|op| op.text_name().eq_ignore_ascii_case(name))
            }
        }
    };
}

named_ops! {
    /// A spatial comparison (DE-9IM relation) of two geometries.
    SpatialOp {
        Intersects => "S_INTERSECTS", "s_intersects";
        Equals => "S_EQUALS", "s_equals";
        Disjoint => "S_DISJOINT", "s_disjoint";
        Touches => "S_TOUCHES", "s_touches";
        Within => "S_WITHIN", "s_within";
        Overlaps => "S_OVERLAPS", "s_overlaps";
        Crosses => "S_CROSSES", "s_crosses";
        Contains => "S_CONTAINS", "s_contains";
    }
}

named_ops! {
    /// A temporal relation (Allen's interval algebra) of two instants or intervals.
    TemporalOp {
        After => "T_AFTER", "t_after";
        Before => "T_BEFORE", "t_before";
        Contains => "T_CONTAINS", "t_contains";
        Disjoint => "T_DISJOINT", "t_disjoint";
        During => "T_DURING", "t_during";
        Equals => "T_EQUALS", "t_equals";
        FinishedBy => "T_FINISHEDBY", "t_finishedBy";
        Finishes => "T_FINISHES", "t_finishes";
        Intersects => "T_INTERSECTS", "t_intersects";
        Meets => "T_MEETS", "t_meets";
        MetBy => "T_METBY", "t_metBy";
        OverlappedBy => "T_OVERLAPPEDBY", "t_overlappedBy";
        Overlaps => "T_OVERLAPS", "t_overlaps";
        StartedBy => "T_STARTEDBY", "t_startedBy";
        Starts => "T_STARTS", "t_starts";
    }
}

/// `INTERVAL(start, end)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    /// The first instant.
    pub start: IntervalBound,
    /// The last instant.
    pub end: IntervalBound,
}

/// One end of an interval.
#[derive(Debug, Clone, PartialEq)]
pub enum IntervalBound {
    /// `'..'`: open.
    Unbounded,
    /// A date.
    Date(Date),
    /// A timestamp.
    Timestamp(Timestamp),
    /// A property or a function call (`Expr::Property` or `Expr::Function`).
    Expr(Box<Expr>),
}

/// A position: x (longitude or easting), y (latitude or northing) and an optional z.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// First coordinate.
    pub x: f64,
    /// Second coordinate.
    pub y: f64,
    /// Third coordinate (height), present in all positions of a geometry or in none.
    pub z: Option<f64>,
}

/// A geometry literal: the simple features of WKT and GeoJSON. Parsed geometries have at
/// least 2 positions per line string, 4 per polygon ring, one member per multi-geometry, and
/// collections do not nest.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// A point.
    Point(Position),
    /// A line string.
    LineString(Vec<Position>),
    /// A polygon: exterior ring, then holes.
    Polygon(Vec<Vec<Position>>),
    /// Points.
    MultiPoint(Vec<Position>),
    /// Line strings.
    MultiLineString(Vec<Vec<Position>>),
    /// Polygons.
    MultiPolygon(Vec<Vec<Vec<Position>>>),
    /// A collection of (non-collection) geometries.
    GeometryCollection(Vec<Geometry>),
}

impl Geometry {
    /// Calls `visit` for each position, in order.
    pub fn for_each_position(&self, visit: &mut impl FnMut(&Position)) {
        match self {
            Geometry::Point(p) => visit(p),
            Geometry::LineString(ps) | Geometry::MultiPoint(ps) => ps.iter().for_each(visit),
            Geometry::Polygon(rings) | Geometry::MultiLineString(rings) => {
                rings.iter().flatten().for_each(visit)
            }
            Geometry::MultiPolygon(polygons) => polygons.iter().flatten().flatten().for_each(visit),
            Geometry::GeometryCollection(members) => {
                members.iter().for_each(|g| g.for_each_position(visit))
            }
        }
    }

    /// Calls `visit` for each position, in order, with the right to change it.
    pub fn for_each_position_mut(&mut self, visit: &mut impl FnMut(&mut Position)) {
        match self {
            Geometry::Point(p) => visit(p),
            Geometry::LineString(ps) | Geometry::MultiPoint(ps) => ps.iter_mut().for_each(visit),
            Geometry::Polygon(rings) | Geometry::MultiLineString(rings) => {
                rings.iter_mut().flatten().for_each(visit)
            }
            Geometry::MultiPolygon(polygons) => {
                polygons.iter_mut().flatten().flatten().for_each(visit)
            }
            Geometry::GeometryCollection(members) => members
                .iter_mut()
                .for_each(|g| g.for_each_position_mut(visit)),
        }
    }

    /// Whether the positions have a z coordinate (judged by the first one).
    pub fn has_z(&self) -> bool {
        let mut z = None;
        self.for_each_position(&mut |p| {
            z.get_or_insert(p.z.is_some());
        });
        z.unwrap_or(false)
    }

    /// Checks the structural rules both parsers enforce; the message names the culprit.
    pub(crate) fn validate(&self) -> Result<(), String> {
        fn at_least<T>(items: &[T], n: usize, what: &str) -> Result<(), String> {
            if items.len() < n {
                let s = if n == 1 { "" } else { "s" };
                return Err(format!(
                    "{what} needs at least {n} position{s}, found {}",
                    items.len()
                ));
            }
            Ok(())
        }
        fn line(ps: &[Position], what: &str) -> Result<(), String> {
            at_least(ps, 2, what)
        }
        fn polygon(rings: &[Vec<Position>], what: &str) -> Result<(), String> {
            if rings.is_empty() {
                return Err(format!("{what} needs at least one ring"));
            }
            for (i, ring) in rings.iter().enumerate() {
                at_least(ring, 4, &format!("ring {} of {what}", i + 1))?;
            }
            Ok(())
        }
        fn members<T>(items: &[T], what: &str) -> Result<(), String> {
            if items.is_empty() {
                return Err(format!("{what} needs at least one member"));
            }
            Ok(())
        }
        match self {
            Geometry::Point(_) => {}
            Geometry::LineString(ps) => line(ps, "a line string")?,
            Geometry::Polygon(rings) => polygon(rings, "a polygon")?,
            Geometry::MultiPoint(ps) => members(ps, "a multipoint")?,
            Geometry::MultiLineString(lines) => {
                members(lines, "a multilinestring")?;
                for (i, l) in lines.iter().enumerate() {
                    line(l, &format!("line string {} of a multilinestring", i + 1))?;
                }
            }
            Geometry::MultiPolygon(polygons) => {
                members(polygons, "a multipolygon")?;
                for (i, p) in polygons.iter().enumerate() {
                    polygon(p, &format!("polygon {} of a multipolygon", i + 1))?;
                }
            }
            Geometry::GeometryCollection(geometries) => {
                members(geometries, "a geometry collection")?;
                for g in geometries {
                    if matches!(g, Geometry::GeometryCollection(_)) {
                        return Err("geometry collections cannot be nested".into());
                    }
                    g.validate()?;
                }
                return Ok(());
            }
        }
        let mut dims = HashSet::new();
        self.for_each_position(&mut |p| {
            dims.insert(p.z.is_some());
        });
        if dims.len() > 1 {
            return Err("a geometry mixes positions with and without a z coordinate".into());
        }
        Ok(())
    }
}

/// `BBOX(west, south, east, north)` or, with heights, `BBOX(west, south, min_z, east, north,
/// max_z)`; in CRS84 unless the request says otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    /// Minimum x (longitude).
    pub west: f64,
    /// Minimum y (latitude).
    pub south: f64,
    /// Maximum x (longitude); less than `west` when the box crosses the antimeridian.
    pub east: f64,
    /// Maximum y (latitude).
    pub north: f64,
    /// Minimum and maximum z, for a 3D box.
    pub z: Option<(f64, f64)>,
}

impl BBox {
    /// A box from the 4 or 6 numbers of `BBOX(…)` or `{"bbox": […]}`, in that order.
    pub(crate) fn from_slice(v: &[f64]) -> Option<BBox> {
        match *v {
            [west, south, east, north] => Some(BBox {
                west,
                south,
                east,
                north,
                z: None,
            }),
            [west, south, min_z, east, north, max_z] => Some(BBox {
                west,
                south,
                east,
                north,
                z: Some((min_z, max_z)),
            }),
            _ => None,
        }
    }
}

impl Expr {
    /// Calls `visit` on this expression and every expression inside it, parents before
    /// children, left to right (including properties and functions in interval bounds).
    pub fn walk<'a, F: FnMut(&'a Expr)>(&'a self, visit: &mut F) {
        visit(self);
        match self {
            Expr::And(items) | Expr::Or(items) | Expr::Function { args: items, .. } => {
                items.iter().for_each(|e| e.walk(visit))
            }
            Expr::Not(e)
            | Expr::IsNull(e)
            | Expr::Negate(e)
            | Expr::CaseI(e)
            | Expr::AccentI(e) => e.walk(visit),
            Expr::Compare { left, right, .. }
            | Expr::Spatial { left, right, .. }
            | Expr::Temporal { left, right, .. }
            | Expr::Arithmetic { left, right, .. }
            | Expr::Like {
                expr: left,
                pattern: right,
            } => {
                left.walk(visit);
                right.walk(visit);
            }
            Expr::Between { expr, low, high } => {
                expr.walk(visit);
                low.walk(visit);
                high.walk(visit);
            }
            Expr::In { expr, list } => {
                expr.walk(visit);
                list.iter().for_each(|e| e.walk(visit));
            }
            Expr::Interval(Interval { start, end }) => {
                for bound in [start, end] {
                    if let IntervalBound::Expr(e) = bound {
                        e.walk(visit);
                    }
                }
            }
            Expr::Property(_)
            | Expr::Bool(_)
            | Expr::Number(_)
            | Expr::String(_)
            | Expr::Date(_)
            | Expr::Timestamp(_)
            | Expr::Geometry(_)
            | Expr::BBox(_) => {}
        }
    }

    /// Calls `visit` on every expression, children before their parent, with the right to
    /// change it (e.g. to move geometry literals into another CRS).
    pub fn walk_mut<F: FnMut(&mut Expr)>(&mut self, visit: &mut F) {
        match self {
            Expr::And(items) | Expr::Or(items) | Expr::Function { args: items, .. } => {
                items.iter_mut().for_each(|e| e.walk_mut(visit))
            }
            Expr::Not(e)
            | Expr::IsNull(e)
            | Expr::Negate(e)
            | Expr::CaseI(e)
            | Expr::AccentI(e) => e.walk_mut(visit),
            Expr::Compare { left, right, .. }
            | Expr::Spatial { left, right, .. }
            | Expr::Temporal { left, right, .. }
            | Expr::Arithmetic { left, right, .. }
            | Expr::Like {
                expr: left,
                pattern: right,
            } => {
                left.walk_mut(visit);
                right.walk_mut(visit);
            }
            Expr::Between { expr, low, high } => {
                expr.walk_mut(visit);
                low.walk_mut(visit);
                high.walk_mut(visit);
            }
            Expr::In { expr, list } => {
                expr.walk_mut(visit);
                list.iter_mut().for_each(|e| e.walk_mut(visit));
            }
            Expr::Interval(Interval { start, end }) => {
                for bound in [start, end] {
                    if let IntervalBound::Expr(e) = bound {
                        e.walk_mut(visit);
                    }
                }
            }
            Expr::Property(_)
            | Expr::Bool(_)
            | Expr::Number(_)
            | Expr::String(_)
            | Expr::Date(_)
            | Expr::Timestamp(_)
            | Expr::Geometry(_)
            | Expr::BBox(_) => {}
        }
        visit(self);
    }

    /// The property names the expression uses, each once, in order of first use: the server
    /// checks them against the collection's queryables.
    pub fn properties(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Property(name) = e
                && seen.insert(name.as_str())
            {
                names.push(name.as_str());
            }
        });
        names
    }

    /// The function names the expression calls, each once, in order of first use.
    pub fn functions(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        let mut names = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Function { name, .. } = e
                && seen.insert(name.as_str())
            {
                names.push(name.as_str());
            }
        });
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(Number::Int(2), Number::Float(2.0));
        assert_ne!(Number::Int(2), Number::Float(2.5));
        assert_eq!(Number::Int(i64::MIN), Number::Float(-TWO_63));
        assert_ne!(Number::Int(i64::MAX), Number::Float(TWO_63));
        assert_eq!(Number::Float(-0.0), Number::Float(0.0));
    }

    #[test]
    fn number_literals_keep_integers_exact() {
        assert_eq!(
            Number::parse("9007199254740993", false),
            Ok(Number::Int(9_007_199_254_740_993))
        );
        assert!(matches!(Number::parse("1.5", true), Ok(Number::Float(f)) if f == -1.5));
        assert!(matches!(Number::parse("1e2", false), Ok(Number::Float(f)) if f == 100.0));
        assert!(matches!(
            Number::parse("99999999999999999999", false),
            Ok(Number::Float(_))
        ));
        assert_eq!(
            Number::parse("9223372036854775808", true),
            Ok(Number::Int(i64::MIN))
        );
        assert!(
            Number::parse("1e999", false)
                .unwrap_err()
                .contains("out of range")
        );
    }

    #[test]
    fn op_names_ignore_case() {
        assert_eq!(
            TemporalOp::from_name("t_finishedBy"),
            Some(TemporalOp::FinishedBy)
        );
        assert_eq!(
            TemporalOp::from_name("T_FINISHEDBY"),
            Some(TemporalOp::FinishedBy)
        );
        assert_eq!(
            SpatialOp::from_name("s_intersects"),
            Some(SpatialOp::Intersects)
        );
        assert_eq!(SpatialOp::from_name("intersects"), None);
        assert_eq!(ArithmeticOp::from_symbol("DIV"), Some(ArithmeticOp::IntDiv));
        assert_eq!(CompareOp::from_symbol("<>"), Some(CompareOp::NotEq));
    }

    fn p(x: f64, y: f64) -> Position {
        Position { x, y, z: None }
    }

    #[test]
    fn geometry_rules() {
        assert!(
            Geometry::LineString(vec![p(0.0, 0.0)])
                .validate()
                .unwrap_err()
                .contains("at least 2")
        );
        let ring = vec![p(0.0, 0.0), p(1.0, 0.0), p(0.0, 0.0)];
        let e = Geometry::Polygon(vec![ring]).validate().unwrap_err();
        assert_eq!(e, "ring 1 of a polygon needs at least 4 positions, found 3");
        let mixed = Geometry::MultiPoint(vec![
            p(0.0, 0.0),
            Position {
                x: 1.0,
                y: 1.0,
                z: Some(1.0),
            },
        ]);
        assert!(mixed.validate().unwrap_err().contains("mixes"));
        let nested = Geometry::GeometryCollection(vec![Geometry::GeometryCollection(vec![])]);
        assert!(nested.validate().unwrap_err().contains("nested"));
        assert!(Geometry::GeometryCollection(vec![]).validate().is_err());
        assert!(
            Geometry::Point(Position {
                x: 1.0,
                y: 2.0,
                z: Some(3.0)
            })
            .has_z()
        );
    }

    #[test]
    fn properties_are_listed_once_in_order() {
        let e = Expr::And(vec![
            Expr::Compare {
                op: CompareOp::Eq,
                left: Box::new(Expr::Property("b".into())),
                right: Box::new(Expr::Property("a".into())),
            },
            Expr::Temporal {
                op: TemporalOp::During,
                left: Box::new(Expr::Interval(Interval {
                    start: IntervalBound::Expr(Box::new(Expr::Property("start".into()))),
                    end: IntervalBound::Unbounded,
                })),
                right: Box::new(Expr::Function {
                    name: "f".into(),
                    args: vec![Expr::Property("b".into())],
                }),
            },
        ]);
        assert_eq!(e.properties(), ["b", "a", "start"]);
        assert_eq!(e.functions(), ["f"]);
    }
}
