//! CQL2 filters (a parsed [`cql2::Expr`]) as DataFusion expressions over a stored dataset:
//! `id`, the published columns, `geometry` (WKB, CRS84) and `bbox` (the covering struct).
//!
//! Every property is resolved against the collection's [`Queryables`] and every operand is type
//! checked before anything runs, so a bad filter is a [`FilterError`] with a human message, never
//! a query-time failure. Column references are built with `Column::new_unqualified` (names may
//! hold spaces, colons and capitals), never from SQL text. The translation is total: any AST,
//! parsed or hand-built, gives an expression or an error, never a panic.
//!
//! Semantics (where CQL2 leaves room, the choice is written here):
//!
//! - **Nulls** follow SQL: a comparison with a null is null, and a null condition does not match
//!   (CQL2 §6: "NULL is essentially the same as FALSE"). `NOT` of a null stays null, also where
//!   the translation folds a comparison to a constant.
//! - **Numbers**: comparisons of integer columns and literals are exact. Arithmetic `+ - * / ^`
//!   is done in Float64 (exact for integers up to 2^53, and never wrapping around as Int64
//!   arithmetic does in DataFusion); `div` (towards zero) and `%` (remainder with the sign of the
//!   dividend) of two integers are exact Int64, of other numbers the truncated float quotient and
//!   the float remainder. Division or remainder by zero is null (the row does not match) instead
//!   of failing the query.
//! - **Text** compares by code points (byte order of UTF-8). `LIKE` has `%` (any run), `_` (one
//!   character) and `\` escaping the next character. `CASEI(x)` is `lower(x)`, `ACCENTI(x)` is
//!   `strip_accents(x)` (the `accent` module); CQL2 applies them to both sides.
//! - **Instants**: a timestamp is an instant; a date is a day (CQL2: "an instant with a
//!   granularity of a day"), taken as a UTC day. When all temporal operands of a predicate are
//!   dates, they compare as whole days. When a date meets a timestamp, the date stands for its
//!   whole day, from 00:00:00 to the last nanosecond before the next midnight (so
//!   `INTERVAL('2021-01-01', '2021-12-31')` includes all of 31 December). Comparisons of instants
//!   then mean: `=` the two share an instant (a timestamp on that day), `<` before the day starts,
//!   `<=` before the day ends, `>` after the day ends, `>=` after the day starts; `<>` is the
//!   complement of `=`. Between two timestamps or two dates these are the ordinary comparisons.
//!   Literals are exact to the nanosecond and compared with a column in its own unit without
//!   loss (`ts < TIMESTAMP('…00.0005Z')` on a millisecond column is `ts <= …00.000Z`).
//! - **Temporal operators** follow the definitions CQL2 takes from OWL-Time (Allen's interval
//!   algebra), with closed intervals, instants as intervals whose start is their end, `'..'` as
//!   an open (infinite) end and `INTERVAL(a, b)` over two properties (see `allen`). A null bound
//!   of a property interval makes the predicate null (CQL2 /req/temporal-operators C).
//! - **Spatial operators** are the DE-9IM predicates of OGC Simple Features, planar on CRS84
//!   coordinates (Z ignored), evaluated by the `st_*` UDFs of the `spatial` module after a
//!   prefilter on the `bbox` covering column for every relation that implies intersection. A
//!   `BBOX` whose west edge is east of its east edge crosses the antimeridian: it is the two
//!   boxes on either side. Literal geometries are taken to be in CRS84 (a `filter-crs` other
//!   than CRS84 must be transformed before translation).

use std::sync::Arc;

use arrow::datatypes::{DataType, IntervalMonthDayNano, Schema, TimeUnit};
use datafusion::common::{Column, ScalarValue};
use datafusion::functions::core::expr_fn::{get_field, nullif};
use datafusion::functions::math::expr_fn::{power, trunc};
use datafusion::functions::string::expr_fn::lower;
use datafusion::logical_expr::{Case, Expr, Like, Operator, binary_expr, cast, lit};

use cql2::{ArithmeticOp, CompareOp, IntervalBound, Number, SpatialOp, TemporalOp};

use super::accent::StripAccents;
use super::spatial::{Relation, SpatialPredicate, to_wkb};
use crate::geom::Bbox;
use crate::ingest::{BBOX_COLUMN, GEOMETRY_COLUMN};

/// What a collection can be filtered on: published column name → Arrow type, plus whether it has
/// geometry (the property `geometry`).
#[derive(Debug, Clone, PartialEq)]
pub struct Queryables {
    pub columns: Vec<(String, DataType)>,
    pub geometry: bool,
}

impl Queryables {
    /// The queryables of a stored table: every column (`id` included) but `geometry` and `bbox`,
    /// and geometry when the table has a `geometry` column.
    pub fn from_schema(schema: &Schema) -> Queryables {
        Queryables {
            columns: schema
                .fields()
                .iter()
                .filter(|f| f.name() != GEOMETRY_COLUMN && f.name() != BBOX_COLUMN)
                .map(|f| (f.name().clone(), f.data_type().clone()))
                .collect(),
            geometry: schema.field_with_name(GEOMETRY_COLUMN).is_ok(),
        }
    }

    fn column_type(&self, name: &str) -> Option<&DataType> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    /// The queryable names, for messages (at most [`LISTED_QUERYABLES`]).
    fn listing(&self) -> String {
        let mut names: Vec<&str> = self.columns.iter().map(|(n, _)| n.as_str()).collect();
        if self.geometry {
            names.push(GEOMETRY_COLUMN);
        }
        if names.len() > LISTED_QUERYABLES {
            let more = names.len() - LISTED_QUERYABLES;
            names.truncate(LISTED_QUERYABLES);
            format!("{}, … ({more} more)", names.join(", "))
        } else {
            names.join(", ")
        }
    }
}

/// How many queryables an unknown-property message lists.
const LISTED_QUERYABLES: usize = 40;

/// A translated filter.
#[derive(Debug, Clone)]
pub struct Filter {
    /// The condition, for `DataFrame::filter`.
    pub expr: Expr,
    /// CRS84 boxes such that every matching feature's bbox intersects at least one of them
    /// (derived from `S_INTERSECTS`, `S_WITHIN`, `S_EQUALS`, `S_CONTAINS`, `S_TOUCHES`,
    /// `S_OVERLAPS` or `S_CROSSES` of the geometry and a literal, at the top or in a top-level
    /// `AND`, or in every branch of an `OR`), used to skip row groups; `None` when not derivable.
    pub prune_boxes: Option<Vec<Bbox>>,
}

/// Why a filter cannot be applied to a collection. All are client errors (HTTP 400).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    #[error("unknown property `{name}` (queryables: {queryables})")]
    UnknownProperty { name: String, queryables: String },
    #[error("function `{0}` is not supported")]
    UnknownFunction(String),
    /// An operand of the wrong type, e.g. "`statnaam` is text and cannot be compared with the
    /// number 5".
    #[error("{0}")]
    Type(String),
    /// A literal that makes no sense, e.g. an interval that ends before it starts.
    #[error("{0}")]
    Invalid(String),
    #[error("the filter is nested more than {0} levels deep")]
    TooDeep(usize),
}

/// Translates a CQL2 filter into a DataFusion condition over the stored table.
pub fn to_expr(filter: &cql2::Expr, q: &Queryables) -> Result<Filter, FilterError> {
    let t = Translator { q };
    let expr = t.condition(filter, 0)?;
    let prune_boxes = if q.geometry {
        t.prune_boxes(filter, 0)
    } else {
        None
    };
    Ok(Filter { expr, prune_boxes })
}

/// Deepest recursion of the translation: twice what the parsers accept, so only hand-built
/// trees can reach it.
const MAX_NESTING: usize = 2 * cql2::MAX_DEPTH;

const DAY_NS: i128 = 86_400_000_000_000;

fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

fn null_bool() -> Expr {
    lit(ScalarValue::Boolean(None))
}

/// The constant `value` where every one of `columns` is non-null, null elsewhere: a folded
/// comparison keeps SQL's null semantics, so that `NOT` of it stays null on null rows.
fn constant(value: bool, columns: &[&Expr]) -> Expr {
    let Some(present) = columns
        .iter()
        .map(|c| (*c).clone().is_not_null())
        .reduce(Expr::and)
    else {
        return lit(value);
    };
    if value {
        present.or(null_bool())
    } else {
        Expr::Not(Box::new(present)).and(null_bool())
    }
}

fn operator(op: CompareOp) -> Operator {
    match op {
        CompareOp::Eq => Operator::Eq,
        CompareOp::NotEq => Operator::NotEq,
        CompareOp::Lt => Operator::Lt,
        CompareOp::LtEq => Operator::LtEq,
        CompareOp::Gt => Operator::Gt,
        CompareOp::GtEq => Operator::GtEq,
    }
}

/// `b flip(op) a` is `a op b`.
fn flip(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::LtEq => CompareOp::GtEq,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::GtEq => CompareOp::LtEq,
        other => other,
    }
}

fn holds(op: CompareOp, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        CompareOp::Eq => ord == Equal,
        CompareOp::NotEq => ord != Equal,
        CompareOp::Lt => ord == Less,
        CompareOp::LtEq => ord != Greater,
        CompareOp::Gt => ord == Greater,
        CompareOp::GtEq => ord != Less,
    }
}

// ---------------------------------------------------------------------------------------------
// Typed values

/// A translated operand with its type.
enum Value {
    Bool(Expr),
    /// `int`: the value is an integer (Int* column, integer literal or integer arithmetic).
    Number {
        expr: Expr,
        int: bool,
    },
    Text(Expr),
    Time(Time),
    Geometry(Geo),
}

/// A date or timestamp column, as an expression of its own type (Date64 is cast to Date32).
#[derive(Clone)]
enum TimeColumn {
    Day(Expr),
    Timestamp {
        expr: Expr,
        unit: TimeUnit,
        tz: Option<Arc<str>>,
    },
}

impl TimeColumn {
    fn expr(&self) -> &Expr {
        match self {
            TimeColumn::Day(e) | TimeColumn::Timestamp { expr: e, .. } => e,
        }
    }

    /// Nanoseconds in one step of the column's values.
    fn unit_ns(&self) -> i128 {
        match self {
            TimeColumn::Day(_) => DAY_NS,
            TimeColumn::Timestamp { unit, .. } => unit_ns(*unit),
        }
    }

    /// `v` steps as a literal of the column's type; `Err(true)` when it is above the type's
    /// range, `Err(false)` when below.
    fn literal(&self, v: i128) -> Result<ScalarValue, bool> {
        let above = v > 0;
        match self {
            TimeColumn::Day(_) => i32::try_from(v)
                .map(|d| ScalarValue::Date32(Some(d)))
                .map_err(|_| above),
            TimeColumn::Timestamp { unit, tz, .. } => {
                let v = i64::try_from(v).map_err(|_| above)?;
                let tz = tz.clone();
                Ok(match unit {
                    TimeUnit::Second => ScalarValue::TimestampSecond(Some(v), tz),
                    TimeUnit::Millisecond => ScalarValue::TimestampMillisecond(Some(v), tz),
                    TimeUnit::Microsecond => ScalarValue::TimestampMicrosecond(Some(v), tz),
                    TimeUnit::Nanosecond => ScalarValue::TimestampNanosecond(Some(v), tz),
                })
            }
        }
    }
}

fn unit_ns(unit: TimeUnit) -> i128 {
    match unit {
        TimeUnit::Second => 1_000_000_000,
        TimeUnit::Millisecond => 1_000_000,
        TimeUnit::Microsecond => 1_000,
        TimeUnit::Nanosecond => 1,
    }
}

/// An instant: a literal date (days since 1970-01-01), a literal timestamp (nanoseconds since
/// 1970-01-01T00:00:00Z) or a column.
#[derive(Clone)]
enum Instant {
    Date(i128),
    Timestamp(i128),
    Column(TimeColumn),
}

impl Instant {
    fn is_day(&self) -> bool {
        matches!(self, Instant::Date(_) | Instant::Column(TimeColumn::Day(_)))
    }
}

/// A temporal operand: an instant, or an interval whose `None` ends are open (`'..'`).
enum Time {
    Instant(Instant),
    Interval(Option<Instant>, Option<Instant>),
}

impl Time {
    fn instants(&self) -> impl Iterator<Item = &Instant> {
        let (a, b) = match self {
            Time::Instant(i) => (Some(i), None),
            Time::Interval(s, e) => (s.as_ref(), e.as_ref()),
        };
        a.into_iter().chain(b)
    }

    /// Whether it has a timestamp (so dates must be placed on the time line as whole days).
    fn has_timestamp(&self) -> bool {
        self.instants().any(|i| !i.is_day())
    }
}

/// A point on the time line where the operands of one predicate are compared: in days when all
/// are dates (`fine` false), else in nanoseconds.
#[derive(Clone)]
enum Point {
    NegInf,
    PosInf,
    /// Nanoseconds since the epoch (a date in day mode: its midnight).
    Literal(i128),
    /// A column's value; for a date column in fine mode, `end_of_day` picks the day's last
    /// instant instead of its midnight.
    Column {
        column: TimeColumn,
        end_of_day: bool,
    },
}

/// The extent of a temporal operand, both ends included.
struct Extent {
    start: Point,
    end: Point,
    /// Start and end are one point: comparisons need not look at both.
    instant: bool,
}

fn start_point(i: &Instant) -> Point {
    match i {
        Instant::Date(d) => Point::Literal(d * DAY_NS),
        Instant::Timestamp(t) => Point::Literal(*t),
        Instant::Column(c) => Point::Column {
            column: c.clone(),
            end_of_day: false,
        },
    }
}

fn end_point(i: &Instant, fine: bool) -> Point {
    match i {
        Instant::Date(d) if fine => Point::Literal(d * DAY_NS + DAY_NS - 1),
        Instant::Column(c @ TimeColumn::Day(_)) => Point::Column {
            column: c.clone(),
            end_of_day: fine,
        },
        other => start_point(other),
    }
}

fn extent(t: &Time, fine: bool, source: &cql2::Expr) -> Result<Extent, FilterError> {
    Ok(match t {
        Time::Instant(i) => Extent {
            start: start_point(i),
            end: end_point(i, fine),
            instant: !(fine && i.is_day()),
        },
        Time::Interval(s, e) => {
            let start = s.as_ref().map_or(Point::NegInf, start_point);
            let end = e.as_ref().map_or(Point::PosInf, |e| end_point(e, fine));
            if let (Point::Literal(a), Point::Literal(b)) = (&start, &end)
                && a > b
            {
                return Err(FilterError::Invalid(format!(
                    "{} ends before it starts",
                    short(source)
                )));
            }
            Extent {
                start,
                end,
                instant: false,
            }
        }
    })
}

/// A geometry operand.
enum Geo {
    /// The feature geometry.
    Column,
    Literal(GeoLiteral),
}

struct GeoLiteral {
    geometry: geo::Geometry,
    /// Its bounding boxes (two for a `BBOX` across the antimeridian, none when empty).
    boxes: Vec<Bbox>,
}

// ---------------------------------------------------------------------------------------------
// Messages

/// Whether `e` is a literal (so messages lead with the other operand).
fn is_literal(e: &cql2::Expr) -> bool {
    use cql2::Expr as C;
    matches!(
        e,
        C::Bool(_)
            | C::Number(_)
            | C::String(_)
            | C::Date(_)
            | C::Timestamp(_)
            | C::Interval(_)
            | C::Geometry(_)
            | C::BBox(_)
    )
}

/// `e` as cql2-text, shortened for a message.
fn short(e: &cql2::Expr) -> String {
    const MAX: usize = 60;
    let text = e.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// `e` for a message: "`name`", "the number 5", "the string 'x'", …
fn describe(e: &cql2::Expr) -> String {
    use cql2::Expr as C;
    match e {
        C::Property(name) => format!("`{name}`"),
        C::Number(_) => format!("the number {}", short(e)),
        C::String(_) => format!("the string {}", short(e)),
        C::Bool(_) => format!("the boolean {}", short(e)),
        C::Date(d) => format!("the date {d}"),
        C::Timestamp(t) => format!("the timestamp {t}"),
        C::Interval(_) => format!("the interval {}", short(e)),
        C::Geometry(_) | C::BBox(_) => format!("the geometry {}", short(e)),
        _ => format!("`{}`", short(e)),
    }
}

/// The type of a value for a message: "text", "a number", …
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "a boolean",
        Value::Number { .. } => "a number",
        Value::Text(_) => "text",
        Value::Time(Time::Instant(i)) if i.is_day() => "a date",
        Value::Time(Time::Instant(_)) => "a timestamp",
        Value::Time(Time::Interval(..)) => "an interval",
        Value::Geometry(_) => "a geometry",
    }
}

fn type_error(message: String) -> FilterError {
    FilterError::Type(message)
}

/// "`statnaam` is text and cannot be compared with the number 5".
fn mismatch(a: (&cql2::Expr, &Value), b: (&cql2::Expr, &Value)) -> FilterError {
    let (a, b) = if is_literal(a.0) && !is_literal(b.0) {
        (b, a)
    } else {
        (a, b)
    };
    let other = if is_literal(b.0) {
        describe(b.0)
    } else {
        format!("{}, which is {}", describe(b.0), kind(b.1))
    };
    type_error(format!(
        "{} is {} and cannot be compared with {other}",
        describe(a.0),
        kind(a.1)
    ))
}

/// "`name` is text; LIKE needs text" style: `what` needs `wanted`, `e` is something else.
fn needs(what: &str, wanted: &str, e: &cql2::Expr, v: &Value) -> FilterError {
    type_error(format!(
        "{what} needs {wanted}, but {} is {}",
        describe(e),
        kind(v)
    ))
}

// ---------------------------------------------------------------------------------------------
// Calendar

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`); total
/// for any field values, so hand-built dates cannot panic.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9).rem_euclid(12);
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn date_days(d: &cql2::Date) -> i128 {
    days_from_civil(i64::from(d.year), i64::from(d.month), i64::from(d.day)).into()
}

fn timestamp_ns(t: &cql2::Timestamp) -> i128 {
    let seconds = i128::from(t.hour) * 3600 + i128::from(t.minute) * 60 + i128::from(t.second);
    date_days(&t.date) * DAY_NS + seconds * 1_000_000_000 + i128::from(t.nanosecond)
}

// ---------------------------------------------------------------------------------------------
// Comparisons of points on the time line

/// `a op b` for two points of one predicate.
fn compare_points(a: &Point, op: CompareOp, b: &Point) -> Expr {
    use Point::*;
    /// Rank on the extended line for constants: -inf < literals < +inf.
    fn rank(p: &Point) -> Option<(i8, i128)> {
        match p {
            NegInf => Some((-1, 0)),
            Literal(t) => Some((0, *t)),
            PosInf => Some((1, 0)),
            Column { .. } => None,
        }
    }
    match (a, b) {
        (
            Column {
                column: ca,
                end_of_day: ea,
            },
            Column {
                column: cb,
                end_of_day: eb,
            },
        ) => compare_columns(ca, *ea, op, cb, *eb),
        (Column { column, end_of_day }, Literal(t)) => {
            compare_column_literal(column, *end_of_day, op, *t)
        }
        (Literal(_), Column { .. }) => compare_points(b, flip(op), a),
        (Column { column, .. }, NegInf) => {
            constant(holds(op, std::cmp::Ordering::Greater), &[column.expr()])
        }
        (Column { column, .. }, PosInf) => {
            constant(holds(op, std::cmp::Ordering::Less), &[column.expr()])
        }
        (NegInf | PosInf, Column { .. }) => compare_points(b, flip(op), a),
        _ => match (rank(a), rank(b)) {
            (Some(ra), Some(rb)) => lit(holds(op, ra.cmp(&rb))),
            // Unreachable: every pair with a column is matched above.
            _ => null_bool(),
        },
    }
}

/// `column op t` (the column's value, or its day's last nanosecond for `end_of_day`), exact:
/// the literal is rounded towards the column's unit so that no value changes side.
fn compare_column_literal(column: &TimeColumn, end_of_day: bool, op: CompareOp, t: i128) -> Expr {
    let unit = column.unit_ns();
    // The point is `value * unit + offset`: move the offset to the literal's side.
    let t = t - if end_of_day { DAY_NS - 1 } else { 0 };
    let floor = t.div_euclid(unit);
    let exact = t.rem_euclid(unit) == 0;
    let ceil = if exact { floor } else { floor + 1 };
    let (op, v) = match op {
        CompareOp::Lt => (op, ceil),
        CompareOp::LtEq => (op, floor),
        CompareOp::Gt => (op, floor),
        CompareOp::GtEq => (op, ceil),
        CompareOp::Eq | CompareOp::NotEq if !exact => {
            return constant(op == CompareOp::NotEq, &[column.expr()]);
        }
        CompareOp::Eq | CompareOp::NotEq => (op, floor),
    };
    match column.literal(v) {
        Ok(value) => binary_expr(column.expr().clone(), operator(op), lit(value)),
        // Beyond the column type's range: every value is on one side.
        Err(above) => {
            let ord = if above {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            };
            constant(holds(op, ord), &[column.expr()])
        }
    }
}

fn timestamp_type(unit: TimeUnit, tz: Option<Arc<str>>) -> DataType {
    DataType::Timestamp(unit, tz)
}

/// `a op b` for two columns.
fn compare_columns(
    a: &TimeColumn,
    a_end: bool,
    op: CompareOp,
    b: &TimeColumn,
    b_end: bool,
) -> Expr {
    use TimeColumn::*;
    let bin = |l: Expr, op: CompareOp, r: Expr| binary_expr(l, operator(op), r);
    match (a, b) {
        (Day(x), Day(y)) => {
            // a·D + ea ⋈ b·D + eb with ea, eb ∈ {0, D-1ns}: whole days decide.
            let (x, y) = (x.clone(), y.clone());
            match (a_end, b_end) {
                (false, false) | (true, true) => bin(x, op, y),
                (false, true) => match op {
                    CompareOp::Lt | CompareOp::LtEq => x.lt_eq(y),
                    CompareOp::Gt | CompareOp::GtEq => x.gt(y),
                    CompareOp::Eq => constant(false, &[&x, &y]),
                    CompareOp::NotEq => constant(true, &[&x, &y]),
                },
                (true, false) => match op {
                    CompareOp::Lt | CompareOp::LtEq => x.lt(y),
                    CompareOp::Gt | CompareOp::GtEq => x.gt_eq(y),
                    CompareOp::Eq => constant(false, &[&x, &y]),
                    CompareOp::NotEq => constant(true, &[&x, &y]),
                },
            }
        }
        (
            Timestamp {
                expr: x,
                unit: ux,
                tz: tx,
            },
            Timestamp {
                expr: y,
                unit: uy,
                tz: ty,
            },
        ) => {
            if ux == uy && tx == ty {
                bin(x.clone(), op, y.clone())
            } else {
                // The finer unit holds both exactly.
                let unit = if unit_ns(*ux) <= unit_ns(*uy) {
                    *ux
                } else {
                    *uy
                };
                let t = timestamp_type(unit, Some("UTC".into()));
                bin(cast(x.clone(), t.clone()), op, cast(y.clone(), t))
            }
        }
        (Day(x), Timestamp { expr: y, unit, tz }) => {
            // The day on the timestamp's scale: from its midnight to the last nanosecond
            // before the next one.
            let midnight = cast(x.clone(), timestamp_type(*unit, tz.clone()));
            let after = |ns: i128| {
                let ns = i64::try_from(ns).unwrap_or(i64::MAX);
                binary_expr(
                    midnight.clone(),
                    Operator::Plus,
                    lit(ScalarValue::IntervalMonthDayNano(Some(
                        IntervalMonthDayNano::new(0, 0, ns),
                    ))),
                )
            };
            if !a_end {
                bin(midnight, op, y.clone())
            } else if *unit == TimeUnit::Nanosecond {
                bin(after(DAY_NS - 1), op, y.clone())
            } else {
                // A coarser timestamp never falls in the day's last step (shorter than its
                // unit): only the next midnight decides.
                let next = after(DAY_NS);
                match op {
                    CompareOp::Lt | CompareOp::LtEq => next.lt_eq(y.clone()),
                    CompareOp::Gt | CompareOp::GtEq => next.gt(y.clone()),
                    CompareOp::Eq => constant(false, &[x, y]),
                    CompareOp::NotEq => constant(true, &[x, y]),
                }
            }
        }
        (Timestamp { .. }, Day(_)) => compare_columns(b, b_end, flip(op), a, a_end),
    }
}

/// A comparison operator between two instants (see the module documentation).
fn compare_extents(x: &Extent, op: CompareOp, y: &Extent) -> Expr {
    use CompareOp::*;
    if x.instant && y.instant {
        return compare_points(&x.start, op, &y.start);
    }
    let c = compare_points;
    match op {
        Lt => c(&x.end, Lt, &y.start),
        LtEq => c(&x.start, LtEq, &y.end),
        Gt => c(&x.start, Gt, &y.end),
        GtEq => c(&x.end, GtEq, &y.start),
        Eq => c(&x.start, LtEq, &y.end).and(c(&x.end, GtEq, &y.start)),
        NotEq => c(&x.end, Lt, &y.start).or(c(&x.start, Gt, &y.end)),
    }
}

/// The temporal operators, as OWL-Time defines them for proper intervals (CQL2 tables 1 and
/// 2), on closed extents `a` and `b`.
fn allen(op: TemporalOp, a: &Extent, b: &Extent) -> Expr {
    use CompareOp::*;
    let c = compare_points;
    let (a0, a1, b0, b1) = (&a.start, &a.end, &b.start, &b.end);
    match op {
        TemporalOp::After => c(a0, Gt, b1),
        TemporalOp::Before => c(a1, Lt, b0),
        TemporalOp::Disjoint => c(a1, Lt, b0).or(c(a0, Gt, b1)),
        TemporalOp::Intersects => c(a0, LtEq, b1).and(c(a1, GtEq, b0)),
        TemporalOp::Equals => c(a0, Eq, b0).and(c(a1, Eq, b1)),
        TemporalOp::Contains => c(a0, Lt, b0).and(c(a1, Gt, b1)),
        TemporalOp::During => c(a0, Gt, b0).and(c(a1, Lt, b1)),
        TemporalOp::FinishedBy => c(a0, Lt, b0).and(c(a1, Eq, b1)),
        TemporalOp::Finishes => c(a0, Gt, b0).and(c(a1, Eq, b1)),
        TemporalOp::Meets => c(a1, Eq, b0),
        TemporalOp::MetBy => c(a0, Eq, b1),
        TemporalOp::OverlappedBy => c(a0, Gt, b0).and(c(a0, Lt, b1)).and(c(a1, Gt, b1)),
        TemporalOp::Overlaps => c(a0, Lt, b0).and(c(a1, Gt, b0)).and(c(a1, Lt, b1)),
        TemporalOp::StartedBy => c(a0, Eq, b0).and(c(a1, Gt, b1)),
        TemporalOp::Starts => c(a0, Eq, b0).and(c(a1, Lt, b1)),
    }
}

// ---------------------------------------------------------------------------------------------
// Geometry literals

fn relation(op: SpatialOp) -> Relation {
    match op {
        SpatialOp::Intersects => Relation::Intersects,
        SpatialOp::Equals => Relation::Equals,
        SpatialOp::Disjoint => Relation::Disjoint,
        SpatialOp::Touches => Relation::Touches,
        SpatialOp::Within => Relation::Within,
        SpatialOp::Overlaps => Relation::Overlaps,
        SpatialOp::Crosses => Relation::Crosses,
        SpatialOp::Contains => Relation::Contains,
    }
}

fn finite(values: &[f64], source: &cql2::Expr) -> Result<(), FilterError> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(FilterError::Invalid(format!(
            "{} has a coordinate that is not a finite number",
            short(source)
        )))
    }
}

fn coord(p: &cql2::Position) -> geo::Coord {
    geo::Coord { x: p.x, y: p.y }
}

fn line(ps: &[cql2::Position]) -> geo::LineString {
    geo::LineString(ps.iter().map(coord).collect())
}

fn polygon(rings: &[Vec<cql2::Position>]) -> geo::Polygon {
    let mut rings = rings.iter();
    let exterior = rings
        .next()
        .map_or_else(|| geo::LineString(Vec::new()), |r| line(r));
    geo::Polygon::new(exterior, rings.map(|r| line(r)).collect())
}

/// A CQL2 (WKT or GeoJSON) geometry as a `geo` geometry (2D).
pub(crate) fn to_geo(g: &cql2::Geometry) -> geo::Geometry {
    use cql2::Geometry as G;
    match g {
        G::Point(p) => geo::Geometry::Point(geo::Point(coord(p))),
        G::LineString(ps) => geo::Geometry::LineString(line(ps)),
        G::Polygon(rings) => geo::Geometry::Polygon(polygon(rings)),
        G::MultiPoint(ps) => geo::Geometry::MultiPoint(geo::MultiPoint(
            ps.iter().map(|p| geo::Point(coord(p))).collect(),
        )),
        G::MultiLineString(ls) => geo::Geometry::MultiLineString(geo::MultiLineString(
            ls.iter().map(|l| line(l)).collect(),
        )),
        G::MultiPolygon(ps) => {
            geo::Geometry::MultiPolygon(geo::MultiPolygon(ps.iter().map(|p| polygon(p)).collect()))
        }
        G::GeometryCollection(gs) => geo::Geometry::GeometryCollection(geo::GeometryCollection(
            gs.iter().map(to_geo).collect(),
        )),
    }
}

fn rect(minx: f64, miny: f64, maxx: f64, maxy: f64) -> geo::Polygon {
    geo::Rect::new(
        geo::Coord { x: minx, y: miny },
        geo::Coord { x: maxx, y: maxy },
    )
    .to_polygon()
}

/// A geometry literal, in CRS84.
fn geometry_literal(g: &cql2::Geometry, source: &cql2::Expr) -> Result<GeoLiteral, FilterError> {
    let mut values = Vec::new();
    g.for_each_position(&mut |p| values.extend([p.x, p.y]));
    finite(&values, source)?;
    let geometry = to_geo(g);
    let boxes = geo::BoundingRect::bounding_rect(&geometry)
        .map(|r| Bbox {
            minx: r.min().x,
            miny: r.min().y,
            maxx: r.max().x,
            maxy: r.max().y,
        })
        .into_iter()
        .collect();
    Ok(GeoLiteral { geometry, boxes })
}

/// A `BBOX` literal, in CRS84 (heights are ignored).
fn bbox_literal(b: &cql2::BBox, source: &cql2::Expr) -> Result<GeoLiteral, FilterError> {
    finite(&[b.west, b.south, b.east, b.north], source)?;
    if b.south > b.north {
        return Err(FilterError::Invalid(format!(
            "{}: the south edge {} is north of the north edge {}",
            short(source),
            b.south,
            b.north
        )));
    }
    let boxes = if b.west <= b.east {
        vec![Bbox {
            minx: b.west,
            miny: b.south,
            maxx: b.east,
            maxy: b.north,
        }]
    } else {
        // Across the antimeridian: the parts east of `west` and west of `east`.
        vec![
            Bbox {
                minx: b.west,
                miny: b.south,
                maxx: 180.0,
                maxy: b.north,
            },
            Bbox {
                minx: -180.0,
                miny: b.south,
                maxx: b.east,
                maxy: b.north,
            },
        ]
    };
    let mut polygons: Vec<geo::Polygon> = boxes
        .iter()
        .map(|b| rect(b.minx, b.miny, b.maxx, b.maxy))
        .collect();
    let geometry = if polygons.len() == 1 {
        geo::Geometry::Polygon(polygons.remove(0))
    } else {
        geo::Geometry::MultiPolygon(geo::MultiPolygon(polygons))
    };
    Ok(GeoLiteral { geometry, boxes })
}

/// Features whose bbox overlaps one of `boxes` (the covering-column prefilter).
fn bbox_overlaps(boxes: &[Bbox]) -> Expr {
    boxes
        .iter()
        .map(|b| {
            let field = |f: &str| get_field(column(BBOX_COLUMN), f);
            field("xmax")
                .gt_eq(lit(b.minx))
                .and(field("xmin").lt_eq(lit(b.maxx)))
                .and(field("ymax").gt_eq(lit(b.miny)))
                .and(field("ymin").lt_eq(lit(b.maxy)))
        })
        .reduce(Expr::or)
        // An empty literal: nothing intersects it.
        .unwrap_or_else(|| constant(false, &[&column(GEOMETRY_COLUMN)]))
}

fn total_area(boxes: &[Bbox]) -> f64 {
    boxes
        .iter()
        .map(|b| (b.maxx - b.minx) * (b.maxy - b.miny))
        .sum()
}

// ---------------------------------------------------------------------------------------------
// The translation

struct Translator<'q> {
    q: &'q Queryables,
}

fn deeper(depth: usize) -> Result<usize, FilterError> {
    if depth >= MAX_NESTING {
        Err(FilterError::TooDeep(MAX_NESTING))
    } else {
        Ok(depth + 1)
    }
}

impl Translator<'_> {
    /// A boolean condition.
    fn condition(&self, e: &cql2::Expr, depth: usize) -> Result<Expr, FilterError> {
        use cql2::Expr as C;
        let d = deeper(depth)?;
        Ok(match e {
            C::And(items) => self
                .conditions(items, d)?
                .into_iter()
                .reduce(Expr::and)
                .unwrap_or(lit(true)),
            C::Or(items) => self
                .conditions(items, d)?
                .into_iter()
                .reduce(Expr::or)
                .unwrap_or(lit(false)),
            C::Not(x) => Expr::Not(Box::new(self.condition(x, d)?)),
            C::Compare { op, left, right } => self.compare(*op, left, right, d)?,
            C::Like { expr, pattern } => {
                let value = self.text(expr, "LIKE", d)?;
                let pattern = self.text(pattern, "LIKE", d)?;
                Expr::Like(Like::new(
                    false,
                    Box::new(value),
                    Box::new(pattern),
                    Some('\\'),
                    false,
                ))
            }
            C::Between { expr, low, high } => self
                .compare(CompareOp::GtEq, expr, low, d)?
                .and(self.compare(CompareOp::LtEq, expr, high, d)?),
            C::In { expr, list } => self.in_list(expr, list, d)?,
            C::IsNull(x) => self.is_null(x, d)?,
            C::Spatial { op, left, right } => self.spatial(*op, left, right, d)?,
            C::Temporal { op, left, right } => self.temporal(*op, left, right, d)?,
            C::Bool(b) => lit(*b),
            C::Function { name, .. } => return Err(FilterError::UnknownFunction(name.clone())),
            _ => match self.value(e, d)? {
                Value::Bool(b) => b,
                other => {
                    return Err(type_error(format!(
                        "{} is {} and cannot be used as a condition",
                        describe(e),
                        kind(&other)
                    )));
                }
            },
        })
    }

    fn conditions(&self, items: &[cql2::Expr], d: usize) -> Result<Vec<Expr>, FilterError> {
        items.iter().map(|x| self.condition(x, d)).collect()
    }

    /// Any operand, typed.
    fn value(&self, e: &cql2::Expr, depth: usize) -> Result<Value, FilterError> {
        use cql2::Expr as C;
        let d = deeper(depth)?;
        Ok(match e {
            C::Property(name) => self.property(name)?,
            C::Bool(b) => Value::Bool(lit(*b)),
            C::Number(Number::Int(i)) => Value::Number {
                expr: lit(*i),
                int: true,
            },
            C::Number(Number::Float(f)) => Value::Number {
                expr: lit(*f),
                int: false,
            },
            C::String(s) => Value::Text(lit(s.as_str())),
            C::Date(date) => Value::Time(Time::Instant(Instant::Date(date_days(date)))),
            C::Timestamp(t) => Value::Time(Time::Instant(Instant::Timestamp(timestamp_ns(t)))),
            C::Interval(iv) => Value::Time(Time::Interval(
                self.bound(&iv.start, d)?,
                self.bound(&iv.end, d)?,
            )),
            C::Geometry(g) => Value::Geometry(Geo::Literal(geometry_literal(g, e)?)),
            C::BBox(b) => Value::Geometry(Geo::Literal(bbox_literal(b, e)?)),
            C::Arithmetic { op, left, right } => self.arithmetic(*op, left, right, d)?,
            C::Negate(x) => {
                let (expr, int) = self.number(x, "unary minus", d)?;
                // Int64 so that no narrower minimum wraps around.
                let expr = if int {
                    cast(expr, DataType::Int64)
                } else {
                    expr
                };
                Value::Number {
                    expr: Expr::Negative(Box::new(expr)),
                    int,
                }
            }
            C::CaseI(x) => Value::Text(lower(self.text(x, "CASEI", d)?)),
            C::AccentI(x) => {
                Value::Text(StripAccents::udf().call(vec![self.text(x, "ACCENTI", d)?]))
            }
            C::Function { name, .. } => return Err(FilterError::UnknownFunction(name.clone())),
            C::And(_)
            | C::Or(_)
            | C::Not(_)
            | C::Compare { .. }
            | C::Like { .. }
            | C::Between { .. }
            | C::In { .. }
            | C::IsNull(_)
            | C::Spatial { .. }
            | C::Temporal { .. } => Value::Bool(self.condition(e, d)?),
        })
    }

    fn unknown(&self, name: &str) -> FilterError {
        FilterError::UnknownProperty {
            name: name.to_owned(),
            queryables: self.q.listing(),
        }
    }

    fn property(&self, name: &str) -> Result<Value, FilterError> {
        if name == GEOMETRY_COLUMN && self.q.geometry {
            return Ok(Value::Geometry(Geo::Column));
        }
        let Some(t) = self.q.column_type(name) else {
            return Err(self.unknown(name));
        };
        let expr = column(name);
        let value_type = match t {
            DataType::Dictionary(_, v) => v.as_ref(),
            t => t,
        };
        Ok(match value_type {
            DataType::Boolean => Value::Bool(expr),
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64 => Value::Number { expr, int: true },
            DataType::Float16
            | DataType::Float32
            | DataType::Float64
            | DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..) => Value::Number { expr, int: false },
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Value::Text(expr),
            DataType::Date32 if value_type == t => {
                Value::Time(Time::Instant(Instant::Column(TimeColumn::Day(expr))))
            }
            DataType::Date64 if value_type == t => Value::Time(Time::Instant(Instant::Column(
                TimeColumn::Day(cast(expr, DataType::Date32)),
            ))),
            DataType::Timestamp(unit, tz) if value_type == t => {
                Value::Time(Time::Instant(Instant::Column(TimeColumn::Timestamp {
                    expr,
                    unit: *unit,
                    tz: tz.clone(),
                })))
            }
            _ => {
                return Err(type_error(format!(
                    "`{name}` has the type {t}, which filters cannot use"
                )));
            }
        })
    }

    fn bound(&self, b: &IntervalBound, d: usize) -> Result<Option<Instant>, FilterError> {
        Ok(match b {
            IntervalBound::Unbounded => None,
            IntervalBound::Date(date) => Some(Instant::Date(date_days(date))),
            IntervalBound::Timestamp(t) => Some(Instant::Timestamp(timestamp_ns(t))),
            IntervalBound::Expr(e) => match self.value(e, d)? {
                Value::Time(Time::Instant(i)) => Some(i),
                other => {
                    return Err(needs(
                        "an INTERVAL bound",
                        "a date, a timestamp or '..'",
                        e,
                        &other,
                    ));
                }
            },
        })
    }

    fn text(&self, e: &cql2::Expr, what: &str, d: usize) -> Result<Expr, FilterError> {
        match self.value(e, d)? {
            Value::Text(t) => Ok(t),
            other => Err(needs(what, "text", e, &other)),
        }
    }

    fn number(&self, e: &cql2::Expr, what: &str, d: usize) -> Result<(Expr, bool), FilterError> {
        match self.value(e, d)? {
            Value::Number { expr, int } => Ok((expr, int)),
            other => Err(needs(what, "numbers", e, &other)),
        }
    }

    fn arithmetic(
        &self,
        op: ArithmeticOp,
        left: &cql2::Expr,
        right: &cql2::Expr,
        d: usize,
    ) -> Result<Value, FilterError> {
        let what = format!("`{}`", op.symbol());
        let (a, a_int) = self.number(left, &what, d)?;
        let (b, b_int) = self.number(right, &what, d)?;
        // `+ - * / ^` in Float64: exact for integers up to 2^53 and never wrapping around (Int64
        // arithmetic wraps silently in DataFusion). `div` and `%` of two integer-typed operands
        // stay exact in Int64; division and remainder by zero are null.
        let int = a_int && b_int;
        let float = |e: Expr| cast(e, DataType::Float64);
        let int64 = |e: Expr| cast(e, DataType::Int64);
        let (expr, int) = match op {
            ArithmeticOp::Add => (float(a) + float(b), false),
            ArithmeticOp::Sub => (float(a) - float(b), false),
            ArithmeticOp::Mul => (float(a) * float(b), false),
            ArithmeticOp::Div => (float(a) / nullif(float(b), lit(0.0)), false),
            ArithmeticOp::Mod if int => (int64(a) % nullif(int64(b), lit(0i64)), true),
            ArithmeticOp::Mod => (float(a) % nullif(float(b), lit(0.0)), false),
            ArithmeticOp::IntDiv if int => (int64(a) / nullif(int64(b), lit(0i64)), true),
            ArithmeticOp::IntDiv => (trunc(vec![float(a) / nullif(float(b), lit(0.0))]), false),
            ArithmeticOp::Pow => (power(float(a), float(b)), false),
        };
        Ok(Value::Number { expr, int })
    }

    fn compare(
        &self,
        op: CompareOp,
        left: &cql2::Expr,
        right: &cql2::Expr,
        d: usize,
    ) -> Result<Expr, FilterError> {
        let a = self.value(left, d)?;
        let b = self.value(right, d)?;
        let geometry = match (&a, &b) {
            (Value::Geometry(_), _) => Some((left, right)),
            (_, Value::Geometry(_)) => Some((right, left)),
            _ => None,
        };
        if let Some((g, other)) = geometry {
            return Err(type_error(format!(
                "{} is a geometry and cannot be compared with {} using {}: use the spatial \
                 functions (S_EQUALS, S_INTERSECTS, …)",
                describe(g),
                describe(other),
                op.symbol()
            )));
        }
        let bin = |l: Expr, r: Expr| binary_expr(l, operator(op), r);
        Ok(match (a, b) {
            (Value::Number { expr: l, .. }, Value::Number { expr: r, .. })
            | (Value::Text(l), Value::Text(r))
            | (Value::Bool(l), Value::Bool(r)) => bin(l, r),
            (Value::Time(x), Value::Time(y)) => {
                for (t, e) in [(&x, left), (&y, right)] {
                    if let Time::Interval(..) = t {
                        return Err(type_error(format!(
                            "{} is an interval: intervals are compared with the temporal \
                             functions (T_EQUALS, T_BEFORE, …), not with {}",
                            describe(e),
                            op.symbol()
                        )));
                    }
                }
                let fine = x.has_timestamp() || y.has_timestamp();
                compare_extents(&extent(&x, fine, left)?, op, &extent(&y, fine, right)?)
            }
            (a, b) => return Err(mismatch((left, &a), (right, &b))),
        })
    }

    fn in_list(
        &self,
        expr: &cql2::Expr,
        list: &[cql2::Expr],
        d: usize,
    ) -> Result<Expr, FilterError> {
        let x = self.value(expr, d)?;
        if let Value::Time(_) | Value::Geometry(_) = x {
            // Instants compare as `=` does; geometries are refused there.
            return Ok(list
                .iter()
                .map(|item| self.compare(CompareOp::Eq, expr, item, d))
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .reduce(Expr::or)
                .unwrap_or_else(|| lit(false)));
        }
        let mut items = Vec::with_capacity(list.len());
        for item in list {
            let v = self.value(item, d)?;
            let e = match (&x, v) {
                (Value::Number { .. }, Value::Number { expr, .. })
                | (Value::Text(_), Value::Text(expr))
                | (Value::Bool(_), Value::Bool(expr)) => expr,
                (_, other) => return Err(mismatch((expr, &x), (item, &other))),
            };
            items.push(e);
        }
        let x = match x {
            Value::Number { expr, .. } | Value::Text(expr) | Value::Bool(expr) => expr,
            // Handled above.
            Value::Time(_) | Value::Geometry(_) => return Ok(lit(false)),
        };
        Ok(x.in_list(items, false))
    }

    fn is_null(&self, x: &cql2::Expr, d: usize) -> Result<Expr, FilterError> {
        // A property of any type can be tested for null, even one filters cannot otherwise use.
        if let cql2::Expr::Property(name) = x {
            if name == GEOMETRY_COLUMN && self.q.geometry {
                return Ok(column(GEOMETRY_COLUMN).is_null());
            }
            if self.q.column_type(name).is_some() {
                return Ok(column(name).is_null());
            }
            return Err(self.unknown(name));
        }
        Ok(match self.value(x, d)? {
            Value::Bool(e) | Value::Number { expr: e, .. } | Value::Text(e) => e.is_null(),
            Value::Time(t) => t
                .instants()
                .filter_map(|i| match i {
                    Instant::Column(c) => Some(c.expr().clone().is_null()),
                    _ => None,
                })
                .reduce(Expr::or)
                .unwrap_or(lit(false)),
            Value::Geometry(Geo::Column) => column(GEOMETRY_COLUMN).is_null(),
            Value::Geometry(Geo::Literal(_)) => lit(false),
        })
    }

    fn geometry(&self, op: SpatialOp, e: &cql2::Expr, d: usize) -> Result<Geo, FilterError> {
        match self.value(e, d)? {
            Value::Geometry(g) => Ok(g),
            other => Err(needs(
                op.text_name(),
                "the geometry property and a geometry literal",
                e,
                &other,
            )),
        }
    }

    fn spatial(
        &self,
        op: SpatialOp,
        left: &cql2::Expr,
        right: &cql2::Expr,
        d: usize,
    ) -> Result<Expr, FilterError> {
        let relation = relation(op);
        let a = self.geometry(op, left, d)?;
        let b = self.geometry(op, right, d)?;
        let call = |relation: Relation, literal: &GeoLiteral| {
            let exact = SpatialPredicate::udf(relation).call(vec![
                column(GEOMETRY_COLUMN),
                lit(ScalarValue::Binary(Some(to_wkb(&literal.geometry)))),
            ]);
            if relation.implies_intersection() {
                bbox_overlaps(&literal.boxes).and(exact)
            } else {
                exact
            }
        };
        Ok(match (a, b) {
            (Geo::Column, Geo::Literal(l)) => call(relation, &l),
            (Geo::Literal(l), Geo::Column) => call(relation.converse(), &l),
            (Geo::Literal(x), Geo::Literal(y)) => lit(relation.holds(&x.geometry, &y.geometry)),
            (Geo::Column, Geo::Column) => SpatialPredicate::udf(relation)
                .call(vec![column(GEOMETRY_COLUMN), column(GEOMETRY_COLUMN)]),
        })
    }

    fn temporal(
        &self,
        op: TemporalOp,
        left: &cql2::Expr,
        right: &cql2::Expr,
        d: usize,
    ) -> Result<Expr, FilterError> {
        let time = |e: &cql2::Expr| match self.value(e, d)? {
            Value::Time(t) => Ok(t),
            other => Err(needs(
                op.text_name(),
                "dates, timestamps or intervals",
                e,
                &other,
            )),
        };
        let (x, y) = (time(left)?, time(right)?);
        let fine = x.has_timestamp() || y.has_timestamp();
        let relation = allen(op, &extent(&x, fine, left)?, &extent(&y, fine, right)?);
        // An interval with a null bound is null (CQL2 /req/temporal-operators C), also where
        // the relation does not look at that bound.
        let present = [&x, &y]
            .into_iter()
            .filter(|t| matches!(t, Time::Interval(..)))
            .flat_map(|t| t.instants())
            .filter_map(|i| match i {
                Instant::Column(c) => Some(c.expr().clone().is_not_null()),
                _ => None,
            })
            .reduce(Expr::and);
        Ok(match present {
            Some(present) => Expr::Case(Case::new(
                None,
                vec![(Box::new(present), Box::new(relation))],
                None,
            )),
            None => relation,
        })
    }

    /// Boxes every match intersects (see [`Filter::prune_boxes`]).
    fn prune_boxes(&self, e: &cql2::Expr, depth: usize) -> Option<Vec<Bbox>> {
        use cql2::Expr as C;
        let d = deeper(depth).ok()?;
        match e {
            C::And(items) => items
                .iter()
                .filter_map(|x| self.prune_boxes(x, d))
                .min_by(|a, b| total_area(a).total_cmp(&total_area(b))),
            C::Or(items) if !items.is_empty() => {
                let mut all = Vec::new();
                for x in items {
                    all.extend(self.prune_boxes(x, d)?);
                }
                Some(all)
            }
            C::Spatial { op, left, right } if relation(*op).implies_intersection() => {
                let literal = match (left.as_ref(), right.as_ref()) {
                    (C::Property(p), lit) | (lit, C::Property(p)) if p == GEOMETRY_COLUMN => lit,
                    _ => return None,
                };
                match literal {
                    C::Geometry(g) => geometry_literal(g, literal).ok().map(|g| g.boxes),
                    C::BBox(b) => bbox_literal(b, literal).ok().map(|g| g.boxes),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    //! Each operator family runs real filters (parsed with `cql2::parse_text`/`parse_json`)
    //! through DataFusion over an in-memory table and compares the ids with a brute-force
    //! evaluation written directly over the same rows: `chrono` for calendar arithmetic,
    //! explicit interval arithmetic for the temporal operators, `geo`'s relate on the raw
    //! geometries for the spatial ones, and hand-written answers for accents.

    use std::sync::Arc;

    use arrow::array::{
        ArrayRef, AsArray, BinaryArray, BooleanArray, Date32Array, Float64Array, Int32Array,
        Int64Array, RecordBatch, StringArray, StringViewArray, StructArray,
        TimestampMillisecondArray,
    };
    use arrow::buffer::NullBuffer;
    use arrow::datatypes::{Field, Fields, Int64Type, Schema};
    use chrono::{DateTime, NaiveDate};
    use datafusion::datasource::{MemTable, TableProvider};
    use datafusion::prelude::SessionContext;
    use geo::{BoundingRect, Geometry, LineString, MultiPoint, MultiPolygon, Point, Polygon};

    use super::*;

    type B = Option<bool>;
    type Oracle = Box<dyn Fn(&Row) -> B>;

    fn and3(a: B, b: B) -> B {
        match (a, b) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }
    }

    fn or3(a: B, b: B) -> B {
        match (a, b) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        }
    }

    // --- geometries, built directly with geo -------------------------------------------------

    fn pt(x: f64, y: f64) -> Geometry {
        Geometry::Point(Point::new(x, y))
    }

    fn ls(cs: &[(f64, f64)]) -> Geometry {
        Geometry::LineString(LineString::from(cs.to_vec()))
    }

    fn ring(cs: &[(f64, f64)]) -> LineString {
        LineString::from(cs.to_vec())
    }

    fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon {
        Polygon::new(
            ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
            vec![],
        )
    }

    // --- rows --------------------------------------------------------------------------------

    pub(super) struct Row {
        id: i64,
        name: Option<&'static str>,
        label: Option<&'static str>,
        count: Option<i32>,
        big: Option<i64>,
        ratio: Option<f64>,
        flag: Option<bool>,
        day: Option<&'static str>,
        end_day: Option<&'static str>,
        at: Option<&'static str>,
        until: Option<&'static str>,
        weird: Option<i64>,
        geometry: Option<Geometry>,
    }

    const DAY_NANOS: i64 = 86_400_000_000_000;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn epoch_days(d: NaiveDate) -> i64 {
        (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
    }

    fn ms(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    /// A day in nanoseconds: from its midnight to the last nanosecond before the next one.
    fn day_span(d: NaiveDate) -> (i64, i64) {
        let start = epoch_days(d) * DAY_NANOS;
        (start, start + DAY_NANOS - 1)
    }

    /// Nanoseconds of a timestamp.
    fn ns(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_nanos_opt()
            .unwrap()
    }

    /// The UTC date of a millisecond timestamp.
    fn utc_date(t: i64) -> NaiveDate {
        DateTime::from_timestamp_millis(t).unwrap().date_naive()
    }

    impl Row {
        fn day(&self) -> Option<NaiveDate> {
            self.day.map(date)
        }
        fn end_day(&self) -> Option<NaiveDate> {
            self.end_day.map(date)
        }
        fn at(&self) -> Option<i64> {
            self.at.map(ms)
        }
        fn until(&self) -> Option<i64> {
            self.until.map(ms)
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        id: i64,
        name: Option<&'static str>,
        label: Option<&'static str>,
        count: Option<i32>,
        big: Option<i64>,
        ratio: Option<f64>,
        flag: Option<bool>,
        day: Option<&'static str>,
        end_day: Option<&'static str>,
        at: Option<&'static str>,
        until: Option<&'static str>,
        weird: Option<i64>,
        geometry: Option<Geometry>,
    ) -> Row {
        Row {
            id,
            name,
            label,
            count,
            big,
            ratio,
            flag,
            day,
            end_day,
            at,
            until,
            weird,
            geometry,
        }
    }

    fn rows() -> Vec<Row> {
        let far = MultiPolygon(vec![sq(10.0, 10.0, 11.0, 11.0), sq(20.0, 20.0, 21.0, 21.0)]);
        // The square of row 3, from another corner: topologically equal.
        let rotated = Polygon::new(
            ring(&[(2.0, 2.0), (0.0, 2.0), (0.0, 0.0), (2.0, 0.0), (2.0, 2.0)]),
            vec![],
        );
        #[rustfmt::skip]
        let rows = vec![
            row(1, Some("Amsterdam"), Some("amsterdam"), Some(10), Some(5_000_000_000), Some(0.5), Some(true),
                Some("2024-01-01"), Some("2024-01-10"), Some("2024-01-01T00:00:00Z"), Some("2024-01-01T12:00:00Z"),
                Some(1), Some(pt(4.9, 52.37))),
            row(2, Some("Zoë"), Some("ZOE"), Some(3), Some(-7), Some(-2.25), Some(false),
                Some("2024-01-10"), Some("2024-01-10"), Some("2024-01-10T23:59:59.999Z"), Some("2024-01-11T00:00:00Z"),
                Some(2), Some(ls(&[(0.0, 0.0), (2.0, 2.0)]))),
            row(3, Some("Café"), Some("cafe"), Some(0), Some(0), Some(0.0), Some(true),
                Some("2024-01-05"), Some("2024-02-01"), Some("2024-01-05T12:00:00Z"), Some("2024-01-06T00:00:00Z"),
                Some(3), Some(Geometry::Polygon(sq(0.0, 0.0, 2.0, 2.0)))),
            row(4, Some("CAFÉ"), Some("Café"), Some(-5), Some(12), Some(3.75), None,
                Some("2023-12-31"), Some("2024-01-01"), Some("2023-12-31T23:59:59.999Z"), Some("2024-01-01T00:00:00Z"),
                Some(4), Some(Geometry::Polygon(sq(1.0, 1.0, 3.0, 3.0)))),
            row(5, Some("São Paulo"), Some("sao paulo"), Some(7), Some(100), None, Some(false),
                None, None, None, None, None, None),
            row(6, Some("100%_real"), Some("100% real"), None, Some(42), Some(0.001), Some(true),
                Some("2024-02-29"), Some("2024-03-01"), Some("2024-02-29T10:00:00.123Z"), None,
                Some(6), Some(pt(1.0, 1.0))),
            row(7, Some("a\\b"), Some("A\\B"), Some(25), Some(25), Some(25.0), Some(false),
                Some("2024-01-01"), Some("2024-01-01"), Some("2024-01-01T00:00:00.001Z"), Some("2024-01-01T00:00:00.001Z"),
                Some(7), Some(pt(2.0, 1.0))),
            row(8, None, Some(""), Some(1), Some(1), Some(1.5), None,
                Some("1969-12-31"), Some("1970-01-02"), Some("1969-12-31T23:00:00Z"), Some("1970-01-01T01:00:00Z"),
                Some(8), Some(ls(&[(-1.0, 1.0), (3.0, 1.0)]))),
            row(9, Some("naïve"), Some("Naive"), Some(2), Some(-1), Some(-0.5), Some(true),
                Some("2024-01-10"), Some("2024-01-09"), Some("2024-01-10T00:00:00Z"), Some("2024-01-09T00:00:00Z"),
                Some(9), Some(Geometry::MultiPolygon(far))),
            row(10, Some("Ångström"), Some("angstrom"), Some(1000), Some(9_000_000_000_000), Some(1e10), Some(false),
                Some("2024-01-02"), Some("2024-01-03"), Some("2024-01-02T00:00:00Z"), Some("2024-01-03T00:00:00Z"),
                Some(10), Some(pt(179.5, 0.0))),
            row(11, Some("amsterdam"), Some("Amsterdam"), Some(10), Some(10), Some(10.0), Some(true),
                Some("2024-01-01"), Some("2024-01-01"), Some("2024-01-01T23:59:59.999Z"), None,
                Some(11), Some(pt(-179.5, 0.0))),
            row(12, Some("Zoe"), Some("zoë"), Some(3), Some(3), Some(3.0), Some(false),
                Some("2024-01-31"), Some("2024-12-31"), Some("2024-06-15T12:00:00Z"), Some("2024-06-15T12:00:00Z"),
                Some(12), Some(Geometry::Polygon(rotated))),
            row(13, Some("Ærø"), Some("aero"), Some(-1), None, Some(-1.0), None,
                Some("2024-01-11"), Some("2024-01-11"), Some("2024-01-11T00:00:00Z"), Some("2024-01-12T00:00:00Z"),
                Some(13), Some(Geometry::Polygon(sq(0.5, 0.5, 1.0, 1.0)))),
            row(14, Some("x"), Some("y"), Some(4), Some(4), Some(4.0), Some(true),
                Some("2024-01-10"), Some("2024-01-20"), Some("2024-01-05T00:00:00Z"), Some("2024-01-10T00:00:00Z"),
                Some(14), Some(Geometry::Polygon(sq(2.0, 0.0, 3.0, 1.0)))),
            row(15, Some("Zürich"), Some("zurich"), Some(-10), Some(-100), Some(-10.5), Some(false),
                Some("2024-01-05"), Some("2024-01-10"), Some("2024-01-10T00:00:00Z"), Some("2024-01-10T23:59:59.999Z"),
                None, Some(ls(&[(2.0, 0.0), (2.0, 2.0)]))),
            row(16, Some("Łódź"), Some("lodz"), Some(4), Some(8), Some(2.0), Some(true),
                Some("2024-01-01"), Some("2024-01-05"), Some("2024-01-01T12:00:00Z"), Some("2024-01-05T12:00:00Z"),
                Some(16), Some(Geometry::MultiPoint(MultiPoint(vec![Point::new(1.0, 1.0), Point::new(5.0, 5.0)])))),
        ];
        rows
    }

    fn bbox_fields() -> Fields {
        ["xmin", "ymin", "xmax", "ymax"]
            .into_iter()
            .map(|n| Field::new(n, DataType::Float64, false))
            .collect()
    }

    fn schema() -> Schema {
        let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
        Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("label", DataType::Utf8View, true),
            Field::new("count", DataType::Int32, true),
            Field::new("big", DataType::Int64, true),
            Field::new("ratio", DataType::Float64, true),
            Field::new("flag", DataType::Boolean, true),
            Field::new("day", DataType::Date32, true),
            Field::new("end day", DataType::Date32, true),
            Field::new("at", ts.clone(), true),
            Field::new("until", ts, true),
            Field::new("Weird:Name", DataType::Int64, true),
            Field::new("geometry", DataType::Binary, true),
            Field::new("bbox", DataType::Struct(bbox_fields()), true),
        ])
    }

    fn batch(rows: &[Row]) -> RecordBatch {
        let col = |f: &dyn Fn(&Row) -> Option<i64>| -> ArrayRef {
            Arc::new(Int64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
        };
        let days = |f: &dyn Fn(&Row) -> Option<NaiveDate>| -> ArrayRef {
            Arc::new(Date32Array::from(
                rows.iter()
                    .map(|r| f(r).map(|d| epoch_days(d) as i32))
                    .collect::<Vec<_>>(),
            ))
        };
        let times = |f: &dyn Fn(&Row) -> Option<i64>| -> ArrayRef {
            Arc::new(
                TimestampMillisecondArray::from(rows.iter().map(f).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            )
        };
        let wkb: Vec<Option<Vec<u8>>> = rows
            .iter()
            .map(|r| r.geometry.as_ref().map(to_wkb))
            .collect();
        let rects: Vec<Option<geo::Rect>> = rows
            .iter()
            .map(|r| r.geometry.as_ref().and_then(|g| g.bounding_rect()))
            .collect();
        let side = |f: fn(&geo::Rect) -> f64| -> ArrayRef {
            Arc::new(Float64Array::from_iter_values(
                rects.iter().map(|r| r.as_ref().map_or(0.0, f)),
            ))
        };
        let bbox = StructArray::try_new(
            bbox_fields(),
            vec![
                side(|r| r.min().x),
                side(|r| r.min().y),
                side(|r| r.max().x),
                side(|r| r.max().y),
            ],
            Some(NullBuffer::from(
                rects.iter().map(|r| r.is_some()).collect::<Vec<_>>(),
            )),
        )
        .unwrap();
        RecordBatch::try_new(
            Arc::new(schema()),
            vec![
                col(&|r| Some(r.id)),
                Arc::new(StringArray::from(
                    rows.iter().map(|r| r.name).collect::<Vec<_>>(),
                )),
                Arc::new(StringViewArray::from(
                    rows.iter().map(|r| r.label).collect::<Vec<_>>(),
                )),
                Arc::new(Int32Array::from(
                    rows.iter().map(|r| r.count).collect::<Vec<_>>(),
                )),
                col(&|r| r.big),
                Arc::new(Float64Array::from(
                    rows.iter().map(|r| r.ratio).collect::<Vec<_>>(),
                )),
                Arc::new(BooleanArray::from(
                    rows.iter().map(|r| r.flag).collect::<Vec<_>>(),
                )),
                days(&|r| r.day()),
                days(&|r| r.end_day()),
                times(&|r| r.at()),
                times(&|r| r.until()),
                col(&|r| r.weird),
                Arc::new(BinaryArray::from(
                    wkb.iter().map(|w| w.as_deref()).collect::<Vec<_>>(),
                )),
                Arc::new(bbox),
            ],
        )
        .unwrap()
    }

    struct Fixture {
        ctx: SessionContext,
        table: Arc<dyn TableProvider>,
        rows: Vec<Row>,
        q: Queryables,
    }

    impl Fixture {
        fn new() -> Fixture {
            let rows = rows();
            let schema = Arc::new(schema());
            let table = MemTable::try_new(schema.clone(), vec![vec![batch(&rows)]]).unwrap();
            Fixture {
                ctx: SessionContext::new(),
                table: Arc::new(table),
                rows,
                q: Queryables::from_schema(&schema),
            }
        }

        /// The ids a parsed filter selects, or why it could not run.
        async fn ids(&self, filter: &cql2::Expr) -> Result<Vec<i64>, String> {
            let f = to_expr(filter, &self.q).map_err(|e| format!("to_expr: {e}"))?;
            let df = self
                .ctx
                .read_table(self.table.clone())
                .and_then(|df| df.filter(f.expr))
                .and_then(|df| df.select_columns(&["id"]))
                .map_err(|e| format!("plan: {e}"))?;
            let batches = df.collect().await.map_err(|e| format!("run: {e}"))?;
            let mut ids: Vec<i64> = batches
                .iter()
                .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
                .collect();
            ids.sort_unstable();
            Ok(ids)
        }

        fn expected(&self, oracle: &dyn Fn(&Row) -> B) -> Vec<i64> {
            self.rows
                .iter()
                .filter(|r| oracle(r) == Some(true))
                .map(|r| r.id)
                .collect()
        }

        /// Runs every case (cql2-text, or cql2-json when it starts with `{`) and reports all
        /// mismatches at once. Returns how many cases selected some but not all rows, so that
        /// a family can insist on discriminating cases.
        async fn run(&self, cases: Vec<(String, Oracle)>) -> usize {
            let mut failures = Vec::new();
            let mut discriminating = 0;
            for (text, oracle) in &cases {
                let parsed = if text.starts_with('{') {
                    cql2::parse_json(text)
                } else {
                    cql2::parse_text(text)
                };
                let parsed = match parsed {
                    Ok(p) => p,
                    Err(e) => {
                        failures.push(format!("{text}: does not parse: {e}"));
                        continue;
                    }
                };
                let want = self.expected(oracle.as_ref());
                if !want.is_empty() && want.len() < self.rows.len() {
                    discriminating += 1;
                }
                match self.ids(&parsed).await {
                    Ok(got) if got == want => {}
                    Ok(got) => failures.push(format!("{text}: got {got:?}, want {want:?}")),
                    Err(e) => failures.push(format!("{text}: {e}")),
                }
            }
            assert!(
                failures.is_empty(),
                "{} of {} cases failed:\n{}",
                failures.len(),
                cases.len(),
                failures.join("\n")
            );
            discriminating
        }
    }

    fn case(text: impl Into<String>, oracle: impl Fn(&Row) -> B + 'static) -> (String, Oracle) {
        (text.into(), Box::new(oracle))
    }

    // --- basic CQL2 --------------------------------------------------------------------------

    #[tokio::test]
    async fn basic_comparisons_and_logic() {
        let fx = Fixture::new();
        let cmp = |v: Option<i32>, f: fn(i32) -> bool| v.map(f);
        let cases = vec![
            case("count = 10", move |r| cmp(r.count, |c| c == 10)),
            case("count <> 10", move |r| cmp(r.count, |c| c != 10)),
            case("count < 3", move |r| cmp(r.count, |c| c < 3)),
            case("count <= 3", move |r| cmp(r.count, |c| c <= 3)),
            case("count > 3", move |r| cmp(r.count, |c| c > 3)),
            case("count >= 3", move |r| cmp(r.count, |c| c >= 3)),
            case("count = 2.5", |r| r.count.map(|c| f64::from(c) == 2.5)),
            case("count > 2.5", |r| r.count.map(|c| f64::from(c) > 2.5)),
            case("count >= -5", |r| r.count.map(|c| c >= -5)),
            case("10 = count", |r| r.count.map(|c| c == 10)),
            case("3 < count", |r| r.count.map(|c| 3 < c)),
            case("big > 4999999999", |r| r.big.map(|b| b > 4_999_999_999)),
            case("big = 9000000000000", |r| {
                r.big.map(|b| b == 9_000_000_000_000)
            }),
            case("ratio > 0.5", |r| r.ratio.map(|x| x > 0.5)),
            case("ratio <= 0", |r| r.ratio.map(|x| x <= 0.0)),
            case("ratio = 1e10", |r| r.ratio.map(|x| x == 1e10)),
            case("name = 'Café'", |r| r.name.map(|n| n == "Café")),
            case("name <> 'Café'", |r| r.name.map(|n| n != "Café")),
            case("name < 'B'", |r| r.name.map(|n| n < "B")),
            case("name >= 'Z'", |r| r.name.map(|n| n >= "Z")),
            case("label = 'Café'", |r| r.label.map(|n| n == "Café")),
            case("label > 'a'", |r| r.label.map(|n| n > "a")),
            case("label = ''", |r| r.label.map(|n| n.is_empty())),
            case("name = 'a\\b'", |r| r.name.map(|n| n == "a\\b")),
            case("flag = TRUE", |r| r.flag),
            case("flag <> true", |r| r.flag.map(|f| !f)),
            case("flag", |r| r.flag),
            case("NOT flag", |r| r.flag.map(|f| !f)),
            case("\"Weird:Name\" > 10", |r| r.weird.map(|w| w > 10)),
            case("id = 3", |r| Some(r.id == 3)),
            case("id IN (1, 5, 99)", |r| Some([1, 5, 99].contains(&r.id))),
            case("name IS NULL", |r| Some(r.name.is_none())),
            case("name IS NOT NULL", |r| Some(r.name.is_some())),
            case("ratio IS NULL", |r| Some(r.ratio.is_none())),
            case("geometry IS NULL", |r| Some(r.geometry.is_none())),
            case("geometry IS NOT NULL", |r| Some(r.geometry.is_some())),
            case("day IS NULL", |r| Some(r.day.is_none())),
            case("NOT (count > 3)", |r| r.count.map(|c| c <= 3)),
            case("count > 3 AND flag = true", |r| {
                and3(r.count.map(|c| c > 3), r.flag)
            }),
            case("count > 3 OR flag", |r| or3(r.count.map(|c| c > 3), r.flag)),
            case("NOT (count > 3 OR flag)", |r| {
                or3(r.count.map(|c| c > 3), r.flag).map(|b| !b)
            }),
            case("(count < 0 OR ratio > 2) AND NOT name = 'x'", |r| {
                and3(
                    or3(r.count.map(|c| c < 0), r.ratio.map(|x| x > 2.0)),
                    r.name.map(|n| n != "x"),
                )
            }),
            case("TRUE", |_| Some(true)),
            case("FALSE", |_| Some(false)),
            case("NOT FALSE AND count = 3", |r| r.count.map(|c| c == 3)),
            // Property-property comparisons, across integer widths and string layouts.
            case("count = count", |r| r.count.map(|_| true)),
            case("count < big", |r| {
                r.count.zip(r.big).map(|(c, b)| i64::from(c) < b)
            }),
            case("ratio > count", |r| {
                r.ratio.zip(r.count).map(|(x, c)| x > f64::from(c))
            }),
            case("big = \"Weird:Name\"", |r| {
                r.big.zip(r.weird).map(|(b, w)| b == w)
            }),
            case("name = label", |r| r.name.zip(r.label).map(|(n, l)| n == l)),
            case("(count > 3) = flag", |r| {
                r.count.zip(r.flag).map(|(c, f)| (c > 3) == f)
            }),
            // cql2-json
            case(
                r#"{"op": "and", "args": [{"op": ">=", "args": [{"property": "count"}, 3]},
                    {"op": "not", "args": [{"op": "isNull", "args": [{"property": "ratio"}]}]}]}"#,
                |r| and3(r.count.map(|c| c >= 3), Some(r.ratio.is_some())),
            ),
            case(
                r#"{"op": "=", "args": [{"property": "Weird:Name"}, {"property": "id"}]}"#,
                |r| r.weird.map(|w| w == r.id),
            ),
        ];
        let n = cases.len();
        assert!(fx.run(cases).await > n / 2);
    }

    // --- instants ----------------------------------------------------------------------------

    #[tokio::test]
    async fn dates_and_timestamps_compare_as_cql2_says() {
        let fx = Fixture::new();
        let d = date;
        let t = ms;
        let cases = vec![
            // Dates against dates: whole days.
            case("day = DATE('2024-01-10')", move |r| {
                r.day().map(|x| x == d("2024-01-10"))
            }),
            case("day <> DATE('2024-01-01')", move |r| {
                r.day().map(|x| x != d("2024-01-01"))
            }),
            case("day < DATE('2024-01-05')", move |r| {
                r.day().map(|x| x < d("2024-01-05"))
            }),
            case("day <= DATE('2024-01-05')", move |r| {
                r.day().map(|x| x <= d("2024-01-05"))
            }),
            case("day > DATE('2024-01-05')", move |r| {
                r.day().map(|x| x > d("2024-01-05"))
            }),
            case("day >= DATE('2024-01-05')", move |r| {
                r.day().map(|x| x >= d("2024-01-05"))
            }),
            case("day > DATE('0001-01-01')", |r| r.day().map(|_| true)),
            case("DATE('2024-01-05') > day", move |r| {
                r.day().map(|x| x < d("2024-01-05"))
            }),
            // Timestamps against timestamps.
            case("at = TIMESTAMP('2024-01-01T00:00:00Z')", move |r| {
                r.at().map(|x| x == t("2024-01-01T00:00:00Z"))
            }),
            case("at > TIMESTAMP('2024-01-05T12:00:00Z')", move |r| {
                r.at().map(|x| x > t("2024-01-05T12:00:00Z"))
            }),
            case("at <= TIMESTAMP('2024-01-05T12:00:00Z')", move |r| {
                r.at().map(|x| x <= t("2024-01-05T12:00:00Z"))
            }),
            case("at < TIMESTAMP('9999-12-31T23:59:59Z')", |r| {
                r.at().map(|_| true)
            }),
            case("at > TIMESTAMP('0001-01-01T00:00:00Z')", |r| {
                r.at().map(|_| true)
            }),
            // Sub-millisecond literals against a millisecond column: exact, no rounding errors.
            case("at < TIMESTAMP('2024-01-01T00:00:00.0005Z')", move |r| {
                r.at().map(|x| x <= t("2024-01-01T00:00:00Z"))
            }),
            case("at > TIMESTAMP('2024-01-01T00:00:00.0005Z')", move |r| {
                r.at().map(|x| x >= t("2024-01-01T00:00:00.001Z"))
            }),
            case(
                "at >= TIMESTAMP('2024-01-01T00:00:00.000999999Z')",
                move |r| r.at().map(|x| x >= t("2024-01-01T00:00:00.001Z")),
            ),
            case("at = TIMESTAMP('2024-01-01T00:00:00.0005Z')", |r| {
                r.at().map(|_| false)
            }),
            case("NOT (at = TIMESTAMP('2024-01-01T00:00:00.0005Z'))", |r| {
                r.at().map(|_| true)
            }),
            // A date against a timestamp is that whole (UTC) day.
            case("at = DATE('2024-01-01')", move |r| {
                r.at().map(|x| utc_date(x) == d("2024-01-01"))
            }),
            case("at <> DATE('2024-01-01')", move |r| {
                r.at().map(|x| utc_date(x) != d("2024-01-01"))
            }),
            case("at < DATE('2024-01-01')", move |r| {
                r.at().map(|x| utc_date(x) < d("2024-01-01"))
            }),
            case("at <= DATE('2024-01-01')", move |r| {
                r.at().map(|x| utc_date(x) <= d("2024-01-01"))
            }),
            case("at > DATE('2024-01-01')", move |r| {
                r.at().map(|x| utc_date(x) > d("2024-01-01"))
            }),
            case("at >= DATE('2024-01-10')", move |r| {
                r.at().map(|x| utc_date(x) >= d("2024-01-10"))
            }),
            case("DATE('2024-01-10') = at", move |r| {
                r.at().map(|x| utc_date(x) == d("2024-01-10"))
            }),
            case("day = TIMESTAMP('2024-01-10T12:00:00Z')", move |r| {
                r.day().map(|x| x == d("2024-01-10"))
            }),
            case("day < TIMESTAMP('2024-01-10T00:00:00Z')", move |r| {
                r.day().map(|x| x < d("2024-01-10"))
            }),
            case("day > TIMESTAMP('2024-01-09T23:59:59Z')", move |r| {
                r.day().map(|x| x > d("2024-01-09"))
            }),
            case("day >= TIMESTAMP('2024-01-10T00:00:00Z')", move |r| {
                r.day().map(|x| x >= d("2024-01-10"))
            }),
            // Columns against columns.
            case("day = \"end day\"", |r| {
                r.day().zip(r.end_day()).map(|(a, b)| a == b)
            }),
            case("day < \"end day\"", |r| {
                r.day().zip(r.end_day()).map(|(a, b)| a < b)
            }),
            case("at < until", |r| r.at().zip(r.until()).map(|(a, b)| a < b)),
            case("at >= until", |r| {
                r.at().zip(r.until()).map(|(a, b)| a >= b)
            }),
            case("at = day", |r| {
                r.at().zip(r.day()).map(|(a, b)| utc_date(a) == b)
            }),
            case("at < day", |r| {
                r.at().zip(r.day()).map(|(a, b)| utc_date(a) < b)
            }),
            case("at <= day", |r| {
                r.at().zip(r.day()).map(|(a, b)| utc_date(a) <= b)
            }),
            case("until > \"end day\"", |r| {
                r.until().zip(r.end_day()).map(|(a, b)| utc_date(a) > b)
            }),
            case("day >= until", |r| {
                r.day().zip(r.until()).map(|(a, b)| a >= utc_date(b))
            }),
            // BETWEEN and IN with instants.
            case(
                "at BETWEEN DATE('2024-01-01') AND DATE('2024-01-05')",
                move |r| {
                    r.at()
                        .map(|x| (d("2024-01-01")..=d("2024-01-05")).contains(&utc_date(x)))
                },
            ),
            case(
                "day NOT BETWEEN DATE('2024-01-02') AND DATE('2024-01-31')",
                move |r| {
                    r.day()
                        .map(|x| !(d("2024-01-02")..=d("2024-01-31")).contains(&x))
                },
            ),
            case(
                "day IN (DATE('2024-01-01'), DATE('2024-01-10'))",
                move |r| {
                    r.day()
                        .map(|x| x == d("2024-01-01") || x == d("2024-01-10"))
                },
            ),
            case(
                "at IN (DATE('2024-01-01'), TIMESTAMP('2024-06-15T12:00:00Z'))",
                move |r| {
                    r.at()
                        .map(|x| utc_date(x) == d("2024-01-01") || x == t("2024-06-15T12:00:00Z"))
                },
            ),
            case(
                r#"{"op": "<", "args": [{"property": "at"}, {"date": "2024-01-05"}]}"#,
                move |r| r.at().map(|x| utc_date(x) < d("2024-01-05")),
            ),
        ];
        let n = cases.len();
        assert!(fx.run(cases).await > n / 2);
    }

    // --- advanced comparison -----------------------------------------------------------------

    /// CQL2 LIKE, by hand: `%` any run, `_` one character, `\` takes the next one literally.
    fn like(s: &str, pattern: &str) -> bool {
        enum Tok {
            Any,
            One,
            Char(char),
        }
        let mut toks = Vec::new();
        let mut it = pattern.chars();
        while let Some(c) = it.next() {
            toks.push(match c {
                '%' => Tok::Any,
                '_' => Tok::One,
                '\\' => Tok::Char(it.next().unwrap_or('\\')),
                c => Tok::Char(c),
            });
        }
        fn go(s: &[char], t: &[Tok]) -> bool {
            match t.split_first() {
                None => s.is_empty(),
                Some((Tok::Any, rest)) => (0..=s.len()).any(|i| go(&s[i..], rest)),
                Some((Tok::One, rest)) => !s.is_empty() && go(&s[1..], rest),
                Some((Tok::Char(c), rest)) => s.first() == Some(c) && go(&s[1..], rest),
            }
        }
        go(&s.chars().collect::<Vec<_>>(), &toks)
    }

    #[tokio::test]
    async fn like_between_in() {
        let fx = Fixture::new();
        let mut cases = Vec::new();
        for pattern in [
            "Caf%",
            "%é",
            "_oë",
            "Z__",
            "100\\%%",
            "100\\%\\_real",
            "%\\_%",
            "a\\\\b",
            "%a%",
            "%",
            "",
            "_%_",
            "Ams%dam",
        ] {
            let quoted = pattern.replace('\'', "''");
            let p = pattern.to_owned();
            cases.push(case(format!("name LIKE '{quoted}'"), move |r| {
                r.name.map(|n| like(n, &p))
            }));
            let p = pattern.to_owned();
            cases.push(case(format!("label NOT LIKE '{quoted}'"), move |r| {
                r.label.map(|n| !like(n, &p))
            }));
        }
        cases.extend([
            case("count BETWEEN 1 AND 10", |r| {
                r.count.map(|c| (1..=10).contains(&c))
            }),
            case("count NOT BETWEEN 1 AND 10", |r| {
                r.count.map(|c| !(1..=10).contains(&c))
            }),
            case("ratio BETWEEN -1 AND 0.5", |r| {
                r.ratio.map(|x| (-1.0..=0.5).contains(&x))
            }),
            case("big BETWEEN count AND 100", |r| {
                r.big
                    .zip(r.count)
                    .map(|(b, c)| i64::from(c) <= b && b <= 100)
            }),
            case("name BETWEEN 'A' AND 'Zz'", |r| {
                r.name.map(|n| ("A"..="Zz").contains(&n))
            }),
            case("count IN (1, 3, 10)", |r| {
                r.count.map(|c| [1, 3, 10].contains(&c))
            }),
            case("count NOT IN (1, 3)", |r| {
                r.count.map(|c| ![1, 3].contains(&c))
            }),
            case("ratio IN (0.5, 25)", |r| {
                r.ratio.map(|x| x == 0.5 || x == 25.0)
            }),
            case("name IN ('Café', 'Zoe', 'nope')", |r| {
                r.name.map(|n| ["Café", "Zoe", "nope"].contains(&n))
            }),
            case("label IN ('Café', 'ZOE')", |r| {
                r.label.map(|n| ["Café", "ZOE"].contains(&n))
            }),
            case("flag IN (TRUE)", |r| r.flag),
            case(
                r#"{"op": "like", "args": [{"property": "name"}, "%m"]}"#,
                |r| r.name.map(|n| like(n, "%m")),
            ),
            case(
                r#"{"op": "between", "args": [{"property": "count"}, 0, 4]}"#,
                |r| r.count.map(|c| (0..=4).contains(&c)),
            ),
            case(
                r#"{"op": "in", "args": [{"property": "name"}, ["x", "Zoë"]]}"#,
                |r| r.name.map(|n| n == "x" || n == "Zoë"),
            ),
        ]);
        let n = cases.len();
        assert!(fx.run(cases).await > n / 2);
    }

    #[test]
    fn the_like_oracle_itself() {
        assert!(like("100%_real", "100\\%\\_real"));
        assert!(!like("100%xreal", "100\\%\\_real"));
        assert!(like("a\\b", "a\\\\b"));
        assert!(like("Zoë", "_oë") && !like("Zoë", "__"));
    }

    // --- case- and accent-insensitive comparison ---------------------------------------------

    #[tokio::test]
    async fn casei_and_accenti() {
        let fx = Fixture::new();
        // Accents are judged by hand here; case by Rust's own lowercase.
        let ids = |want: &'static [i64]| move |r: &Row| Some(want.contains(&r.id));
        let cases = vec![
            case("CASEI(name) = CASEI('café')", |r| {
                r.name.map(|n| n.to_lowercase() == "café")
            }),
            case("CASEI(name) = casei('AMSTERDAM')", |r| {
                r.name.map(|n| n.to_lowercase() == "amsterdam")
            }),
            case("CASEI(label) IN (CASEI('ZOË'), 'amsterdam')", |r| {
                r.label
                    .map(|n| ["zoë", "amsterdam"].contains(&n.to_lowercase().as_str()))
            }),
            case("CASEI(name) LIKE CASEI('AMSTER%')", |r| {
                r.name.map(|n| n.to_lowercase().starts_with("amster"))
            }),
            case("ACCENTI(name) = ACCENTI('Cafe')", ids(&[3])),
            case("ACCENTI(name) = ACCENTI('Zoë')", ids(&[2, 12])),
            case("ACCENTI(name) = 'Zurich'", ids(&[15])),
            case("ACCENTI(name) = ACCENTI('Łodz')", ids(&[16])),
            case(
                "CASEI(ACCENTI(name)) = CASEI(ACCENTI('CAFE'))",
                ids(&[3, 4]),
            ),
            case("ACCENTI(CASEI(name)) = 'zoe'", ids(&[2, 12])),
            case("ACCENTI(name) LIKE 'Sao%'", ids(&[5])),
            // Ł does not decompose, so Łódź and lodz stay apart.
            case(
                "CASEI(ACCENTI(label)) = CASEI(ACCENTI(name))",
                ids(&[1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 15]),
            ),
            case("ACCENTI(label) = ACCENTI('angstrom')", ids(&[10])),
            case("ACCENTI(name) = ACCENTI('Ærø')", ids(&[13])),
            case(
                r#"{"op": "=", "args": [{"op": "casei", "args": [{"property": "name"}]},
                    {"op": "casei", "args": ["ZOË"]}]}"#,
                ids(&[2]),
            ),
            case(
                r#"{"op": "=", "args": [{"op": "accenti", "args": [{"property": "name"}]},
                    {"op": "accenti", "args": ["naive"]}]}"#,
                ids(&[9]),
            ),
        ];
        let n = cases.len();
        assert!(fx.run(cases).await > n / 2);
    }

    // --- arithmetic --------------------------------------------------------------------------

    #[tokio::test]
    async fn arithmetic() {
        let fx = Fixture::new();
        let c = |r: &Row| r.count.map(i64::from);
        let cases = vec![
            case("count + 1 = 11", move |r| c(r).map(|x| x + 1 == 11)),
            case("count - 1 > 2", move |r| c(r).map(|x| x - 1 > 2)),
            case("count * 2 = 20", move |r| c(r).map(|x| x * 2 == 20)),
            case("count * count > 50", move |r| c(r).map(|x| x * x > 50)),
            case("count / 4 = 2.5", move |r| {
                c(r).map(|x| x as f64 / 4.0 == 2.5)
            }),
            case("count / 4 > 0.6", move |r| {
                c(r).map(|x| x as f64 / 4.0 > 0.6)
            }),
            case("count div 4 = 2", move |r| c(r).map(|x| x / 4 == 2)),
            // Integer division truncates towards zero: -5 div 3 is -1, not -2.
            case("count div 3 = -1", move |r| c(r).map(|x| x / 3 == -1)),
            case("count % 4 = 2", move |r| c(r).map(|x| x % 4 == 2)),
            case("count % 3 = -2", move |r| c(r).map(|x| x % 3 == -2)),
            case("-count = -10", move |r| c(r).map(|x| -x == -10)),
            case("-(count + 1) < -5", move |r| c(r).map(|x| -(x + 1) < -5)),
            case("count ^ 2 = 100", move |r| {
                c(r).map(|x| (x as f64).powi(2) == 100.0)
            }),
            case("ratio * 2 > 1", |r| r.ratio.map(|x| x * 2.0 > 1.0)),
            case("ratio div 1 = 3", |r| {
                r.ratio.map(|x| (x / 1.0).trunc() == 3.0)
            }),
            case("ratio % 1 = 0.75", |r| r.ratio.map(|x| x % 1.0 == 0.75)),
            case("big div 3 = 1666666666", |r| {
                r.big.map(|b| b / 3 == 1_666_666_666)
            }),
            case("big * 3 > 15000000000", |r| {
                r.big.map(|b| b * 3 > 15_000_000_000)
            }),
            case("count + ratio > 10", |r| {
                r.count.zip(r.ratio).map(|(c, x)| f64::from(c) + x > 10.0)
            }),
            case("(count + 1) * 2 = 22", move |r| {
                c(r).map(|x| (x + 1) * 2 == 22)
            }),
            case("count - big = 0", |r| {
                r.count.zip(r.big).map(|(c, b)| i64::from(c) == b)
            }),
            case("-7 div 2 = -3", |_| Some(true)),
            case("7 % -3 = 1", |_| Some(true)),
            // Division by zero is null: the row does not match, and the query does not fail.
            case("count div 0 = 0", |_| None),
            case("count % 0 IS NULL", |_| Some(true)),
            case("count / (count - count) > 0", |_| None),
            case("NOT (count / 0 > 0)", |_| None),
            case(
                r#"{"op": "=", "args": [{"op": "div", "args": [{"property": "count"}, 4]}, 2]}"#,
                move |r| c(r).map(|x| x / 4 == 2),
            ),
        ];
        let n = cases.len();
        assert!(fx.run(cases).await > n / 2);
    }

    // --- spatial -----------------------------------------------------------------------------

    /// Spatial literals: the cql2 text and the same geometry built with `geo`.
    fn spatial_literals() -> Vec<(&'static str, Geometry)> {
        vec![
            (
                "POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))",
                Geometry::Polygon(sq(0.0, 0.0, 2.0, 2.0)),
            ),
            ("POINT(1 1)", pt(1.0, 1.0)),
            ("LINESTRING(-1 1, 3 1)", ls(&[(-1.0, 1.0), (3.0, 1.0)])),
            (
                "BBOX(0, 0, 2, 2)",
                Geometry::Polygon(sq(0.0, 0.0, 2.0, 2.0)),
            ),
            (
                "BBOX(179, -1, -179, 1)",
                Geometry::MultiPolygon(MultiPolygon(vec![
                    sq(179.0, -1.0, 180.0, 1.0),
                    sq(-180.0, -1.0, -179.0, 1.0),
                ])),
            ),
            (
                "MULTIPOINT((1 1), (10.5 10.5))",
                Geometry::MultiPoint(MultiPoint(vec![
                    Point::new(1.0, 1.0),
                    Point::new(10.5, 10.5),
                ])),
            ),
            (
                "POLYGON((-1 -1, 3 -1, 3 3, -1 3, -1 -1), (0.25 0.25, 0.75 0.25, 0.75 0.75, 0.25 0.75, 0.25 0.25))",
                Geometry::Polygon(Polygon::new(
                    ring(&[
                        (-1.0, -1.0),
                        (3.0, -1.0),
                        (3.0, 3.0),
                        (-1.0, 3.0),
                        (-1.0, -1.0),
                    ]),
                    vec![ring(&[
                        (0.25, 0.25),
                        (0.75, 0.25),
                        (0.75, 0.75),
                        (0.25, 0.75),
                        (0.25, 0.25),
                    ])],
                )),
            ),
            ("LINESTRING(2 0, 2 2)", ls(&[(2.0, 0.0), (2.0, 2.0)])),
            (
                "GEOMETRYCOLLECTION(POINT(4.9 52.37), POLYGON((10 10, 11 10, 11 11, 10 11, 10 10)))",
                Geometry::GeometryCollection(geo::GeometryCollection(vec![
                    pt(4.9, 52.37),
                    Geometry::Polygon(sq(10.0, 10.0, 11.0, 11.0)),
                ])),
            ),
        ]
    }

    /// The oracle: `geo`'s DE-9IM matrix on the raw geometries (no WKB, no UDF, no prefilter).
    fn de9im(op: &str, a: &Geometry, b: &Geometry) -> bool {
        use geo::Relate;
        let m = a.relate(b);
        match op {
            "S_INTERSECTS" => m.is_intersects(),
            "S_DISJOINT" => m.is_disjoint(),
            "S_EQUALS" => m.is_equal_topo(),
            "S_TOUCHES" => m.is_touches(),
            "S_WITHIN" => m.is_within(),
            "S_OVERLAPS" => m.is_overlaps(),
            "S_CROSSES" => m.is_crosses(),
            "S_CONTAINS" => m.is_contains(),
            other => panic!("{other}"),
        }
    }

    const SPATIAL_OPS: [&str; 8] = [
        "S_INTERSECTS",
        "S_DISJOINT",
        "S_EQUALS",
        "S_TOUCHES",
        "S_WITHIN",
        "S_OVERLAPS",
        "S_CROSSES",
        "S_CONTAINS",
    ];

    #[tokio::test]
    async fn spatial_operators_against_de9im() {
        let fx = Fixture::new();
        let mut cases = Vec::new();
        for op in SPATIAL_OPS {
            for (text, g) in spatial_literals() {
                let lit_geometry = g.clone();
                cases.push(case(format!("{op}(geometry, {text})"), move |r| {
                    r.geometry.as_ref().map(|f| de9im(op, f, &lit_geometry))
                }));
                cases.push(case(format!("{op}({text}, geometry)"), move |r| {
                    r.geometry.as_ref().map(|f| de9im(op, &g, f))
                }));
            }
            cases.push(case(format!("{op}(geometry, geometry)"), move |r| {
                r.geometry.as_ref().map(|f| de9im(op, f, f))
            }));
        }
        let square = Geometry::Polygon(sq(0.0, 0.0, 2.0, 2.0));
        let s = square.clone();
        cases.extend([
            case("NOT S_INTERSECTS(geometry, BBOX(0, 0, 2, 2))", move |r| {
                r.geometry.as_ref().map(|f| !de9im("S_INTERSECTS", f, &s))
            }),
            case("S_WITHIN(POINT(1 1), BBOX(0, 0, 2, 2))", |_| Some(true)),
            case("S_DISJOINT(POINT(1 1), BBOX(0, 0, 2, 2))", |_| Some(false)),
            case("S_INTERSECTS(geometry, POINT(1 1 5))", move |r| {
                r.geometry.as_ref().map(|f| de9im("S_INTERSECTS", f, &pt(1.0, 1.0)))
            }),
            case(
                r#"{"op": "s_within", "args": [{"property": "geometry"}, {"bbox": [0, 0, 2, 2]}]}"#,
                {
                    let s = square.clone();
                    move |r| r.geometry.as_ref().map(|f| de9im("S_WITHIN", f, &s))
                },
            ),
            case(
                r#"{"op": "s_touches", "args": [{"property": "geometry"},
                    {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}]}"#,
                {
                    let s = square.clone();
                    move |r| r.geometry.as_ref().map(|f| de9im("S_TOUCHES", f, &s))
                },
            ),
            case(
                r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [179, -1, -179, 1]}]}"#,
                |r| Some(r.id == 10 || r.id == 11),
            ),
            case("S_INTERSECTS(geometry, BBOX(0, 0, 2, 2)) AND count > 3", move |r| {
                and3(
                    r.geometry.as_ref().map(|f| de9im("S_INTERSECTS", f, &square)),
                    r.count.map(|c| c > 3),
                )
            }),
        ]);
        let n = cases.len();
        // Many relations hold for few rows; still most cases must tell rows apart.
        assert!(fx.run(cases).await > n / 3);
    }

    /// Every row a spatial filter matches has a bbox that meets a prune box.
    #[tokio::test]
    async fn prune_boxes_never_exclude_a_match() {
        let fx = Fixture::new();
        let meets = |r: &geo::Rect, b: &Bbox| {
            r.max().x >= b.minx && r.min().x <= b.maxx && r.max().y >= b.miny && r.min().y <= b.maxy
        };
        let mut derived = 0;
        for op in SPATIAL_OPS {
            for (text, _) in spatial_literals() {
                for filter in [
                    format!("{op}(geometry, {text})"),
                    format!("{op}({text}, geometry)"),
                    format!("count > -100 AND {op}(geometry, {text})"),
                ] {
                    let parsed = cql2::parse_text(&filter).unwrap();
                    let f = to_expr(&parsed, &fx.q).unwrap();
                    let Some(boxes) = f.prune_boxes else {
                        assert_eq!(op, "S_DISJOINT", "{filter}: no prune boxes");
                        continue;
                    };
                    assert_ne!(op, "S_DISJOINT", "{filter}");
                    derived += 1;
                    for id in fx.ids(&parsed).await.unwrap() {
                        let r = fx.rows.iter().find(|r| r.id == id).unwrap();
                        let rect = r.geometry.as_ref().unwrap().bounding_rect().unwrap();
                        assert!(
                            boxes.iter().any(|b| meets(&rect, b)),
                            "{filter}: row {id} matches outside {boxes:?}"
                        );
                    }
                }
            }
        }
        assert!(derived > 100);
    }

    #[test]
    fn prune_boxes_follow_and_or() {
        let q = Fixture::new().q;
        let boxes = |text: &str| {
            to_expr(&cql2::parse_text(text).unwrap(), &q)
                .unwrap()
                .prune_boxes
        };
        let b = |minx, miny, maxx, maxy| Bbox {
            minx,
            miny,
            maxx,
            maxy,
        };
        assert_eq!(
            boxes("S_INTERSECTS(geometry, BBOX(0, 0, 2, 3))"),
            Some(vec![b(0.0, 0.0, 2.0, 3.0)])
        );
        assert_eq!(
            boxes("S_CONTAINS(LINESTRING(1 5, 3 2), geometry)"),
            Some(vec![b(1.0, 2.0, 3.0, 5.0)])
        );
        assert_eq!(
            boxes("S_WITHIN(geometry, BBOX(170, 0, -170, 1))"),
            Some(vec![b(170.0, 0.0, 180.0, 1.0), b(-180.0, 0.0, -170.0, 1.0)])
        );
        // The smaller of two conjuncts.
        assert_eq!(
            boxes(
                "S_INTERSECTS(geometry, BBOX(0, 0, 10, 10)) AND flag AND S_WITHIN(geometry, BBOX(1, 1, 2, 2))"
            ),
            Some(vec![b(1.0, 1.0, 2.0, 2.0)])
        );
        // Every branch of an OR.
        assert_eq!(
            boxes("S_INTERSECTS(geometry, POINT(1 2)) OR S_TOUCHES(geometry, BBOX(5, 5, 6, 6))"),
            Some(vec![b(1.0, 2.0, 1.0, 2.0), b(5.0, 5.0, 6.0, 6.0)])
        );
        for none in [
            "S_INTERSECTS(geometry, POINT(1 2)) OR count > 1",
            "NOT S_INTERSECTS(geometry, POINT(1 2))",
            "S_DISJOINT(geometry, POINT(1 2))",
            "S_INTERSECTS(geometry, geometry)",
            "S_INTERSECTS(POINT(0 0), POINT(1 2))",
            "count > 1",
        ] {
            assert_eq!(boxes(none), None, "{none}");
        }
        // Without geometry there is nothing to prune on.
        let no_geometry = Queryables {
            columns: vec![("count".into(), DataType::Int32)],
            geometry: false,
        };
        let f = to_expr(&cql2::parse_text("count > 1").unwrap(), &no_geometry).unwrap();
        assert_eq!(f.prune_boxes, None);
    }

    // --- temporal ----------------------------------------------------------------------------

    const TEMPORAL_OPS: [&str; 15] = [
        "T_AFTER",
        "T_BEFORE",
        "T_CONTAINS",
        "T_DISJOINT",
        "T_DURING",
        "T_EQUALS",
        "T_FINISHEDBY",
        "T_FINISHES",
        "T_INTERSECTS",
        "T_MEETS",
        "T_METBY",
        "T_OVERLAPPEDBY",
        "T_OVERLAPS",
        "T_STARTEDBY",
        "T_STARTS",
    ];

    /// OWL-Time's relations on closed intervals `[a0, a1]` and `[b0, b1]` of ticks.
    fn owl_time(op: &str, (a0, a1): (i64, i64), (b0, b1): (i64, i64)) -> bool {
        let before = a1 < b0;
        let after = a0 > b1;
        match op {
            "T_AFTER" => after,
            "T_BEFORE" => before,
            "T_DISJOINT" => before || after,
            "T_INTERSECTS" => !(before || after),
            "T_EQUALS" => a0 == b0 && a1 == b1,
            "T_CONTAINS" => a0 < b0 && b1 < a1,
            "T_DURING" => b0 < a0 && a1 < b1,
            "T_FINISHEDBY" => a0 < b0 && a1 == b1,
            "T_FINISHES" => b0 < a0 && a1 == b1,
            "T_MEETS" => a1 == b0,
            "T_METBY" => a0 == b1,
            "T_OVERLAPPEDBY" => b0 < a0 && a0 < b1 && b1 < a1,
            "T_OVERLAPS" => a0 < b0 && b0 < a1 && a1 < b1,
            "T_STARTEDBY" => a0 == b0 && b1 < a1,
            "T_STARTS" => a0 == b0 && a1 < b1,
            other => panic!("{other}"),
        }
    }

    type Span = Arc<dyn Fn(&Row) -> Option<(i64, i64)>>;

    fn span(f: impl Fn(&Row) -> Option<(i64, i64)> + 'static) -> Span {
        Arc::new(f)
    }

    fn fixed(a: i64, b: i64) -> Span {
        span(move |_| Some((a, b)))
    }

    #[tokio::test]
    async fn temporal_operators_against_owl_time() {
        let fx = Fixture::new();
        let dd = |s: &str| epoch_days(date(s));
        // Operands with their extents: in days when a predicate has only dates, else in
        // nanoseconds with a date as its whole day.
        let day = span(|r| r.day().map(|d| (epoch_days(d), epoch_days(d))));
        let end_day = span(|r| r.end_day().map(|d| (epoch_days(d), epoch_days(d))));
        let day_interval = span(|r| {
            r.day()
                .zip(r.end_day())
                .map(|(a, b)| (epoch_days(a), epoch_days(b)))
        });
        // Timestamps in nanoseconds, as the dates they meet.
        let at_ns = |r: &Row| r.at().map(|t| t * 1_000_000);
        let until_ns = |r: &Row| r.until().map(|t| t * 1_000_000);
        let at = span(move |r| at_ns(r).map(|t| (t, t)));
        let until = span(move |r| until_ns(r).map(|t| (t, t)));
        let at_until = span(move |r| at_ns(r).zip(until_ns(r)));
        let at_open = span(move |r| at_ns(r).map(|t| (t, i64::MAX)));
        let day_ms = span(|r| r.day().map(day_span));
        let day_interval_ms = span(|r| {
            r.day()
                .zip(r.end_day())
                .map(|(a, b)| (day_span(a).0, day_span(b).1))
        });
        let pairs: Vec<(&str, Span, String, Span)> = vec![
            // Dates only: whole days.
            (
                "day",
                day.clone(),
                "DATE('2024-01-10')".into(),
                fixed(dd("2024-01-10"), dd("2024-01-10")),
            ),
            (
                "day",
                day.clone(),
                "INTERVAL('2024-01-01', '2024-01-10')".into(),
                fixed(dd("2024-01-01"), dd("2024-01-10")),
            ),
            (
                "INTERVAL(day, \"end day\")",
                day_interval.clone(),
                "INTERVAL('2024-01-10', '2024-01-20')".into(),
                fixed(dd("2024-01-10"), dd("2024-01-20")),
            ),
            (
                "INTERVAL(day, \"end day\")",
                day_interval.clone(),
                "INTERVAL('..', '2024-01-05')".into(),
                fixed(i64::MIN, dd("2024-01-05")),
            ),
            (
                "INTERVAL(day, \"end day\")",
                day_interval.clone(),
                "INTERVAL('2024-01-01', '..')".into(),
                fixed(dd("2024-01-01"), i64::MAX),
            ),
            ("day", day.clone(), "\"end day\"".into(), end_day.clone()),
            (
                "DATE('2024-01-01')",
                fixed(dd("2024-01-01"), dd("2024-01-01")),
                "INTERVAL(day, \"end day\")".into(),
                day_interval.clone(),
            ),
            // Timestamps only.
            (
                "at",
                at.clone(),
                "TIMESTAMP('2024-01-01T00:00:00Z')".into(),
                fixed(ns("2024-01-01T00:00:00Z"), ns("2024-01-01T00:00:00Z")),
            ),
            (
                "at",
                at.clone(),
                "INTERVAL('2024-01-01T00:00:00Z', '2024-01-10T00:00:00Z')".into(),
                fixed(ns("2024-01-01T00:00:00Z"), ns("2024-01-10T00:00:00Z")),
            ),
            (
                "INTERVAL(at, until)",
                at_until.clone(),
                "INTERVAL('2024-01-01T12:00:00Z', '2024-01-10T00:00:00Z')".into(),
                fixed(ns("2024-01-01T12:00:00Z"), ns("2024-01-10T00:00:00Z")),
            ),
            (
                "INTERVAL(at, until)",
                at_until.clone(),
                "INTERVAL('..', '2024-01-05T12:00:00Z')".into(),
                fixed(i64::MIN, ns("2024-01-05T12:00:00Z")),
            ),
            (
                "INTERVAL(at, until)",
                at_until.clone(),
                "INTERVAL('2024-01-05T12:00:00Z', '..')".into(),
                fixed(ns("2024-01-05T12:00:00Z"), i64::MAX),
            ),
            (
                "INTERVAL(at, '..')",
                at_open.clone(),
                "INTERVAL('2024-01-05T00:00:00Z', '..')".into(),
                fixed(ns("2024-01-05T00:00:00Z"), i64::MAX),
            ),
            ("at", at.clone(), "until".into(), until.clone()),
            (
                "TIMESTAMP('2024-01-10T00:00:00Z')",
                fixed(ns("2024-01-10T00:00:00Z"), ns("2024-01-10T00:00:00Z")),
                "INTERVAL(at, until)".into(),
                at_until.clone(),
            ),
            // Dates meet timestamps: a date is its whole day.
            (
                "at",
                at.clone(),
                "DATE('2024-01-10')".into(),
                fixed(
                    day_span(date("2024-01-10")).0,
                    day_span(date("2024-01-10")).1,
                ),
            ),
            (
                "at",
                at.clone(),
                "INTERVAL('2024-01-01', '2024-01-10')".into(),
                fixed(
                    day_span(date("2024-01-01")).0,
                    day_span(date("2024-01-10")).1,
                ),
            ),
            (
                "day",
                day_ms.clone(),
                "TIMESTAMP('2024-01-10T00:00:00Z')".into(),
                fixed(ns("2024-01-10T00:00:00Z"), ns("2024-01-10T00:00:00Z")),
            ),
            (
                "day",
                day_ms.clone(),
                "INTERVAL('2024-01-01T00:00:00Z', '2024-01-10T23:59:59.999Z')".into(),
                fixed(ns("2024-01-01T00:00:00Z"), ns("2024-01-10T23:59:59.999Z")),
            ),
            ("day", day_ms.clone(), "at".into(), at.clone()),
            (
                "INTERVAL(at, until)",
                at_until.clone(),
                "INTERVAL(day, \"end day\")".into(),
                day_interval_ms.clone(),
            ),
            (
                "INTERVAL(day, \"end day\")",
                day_interval_ms.clone(),
                "INTERVAL('2024-01-05T00:00:00Z', '2024-01-10T23:59:59.999Z')".into(),
                fixed(ns("2024-01-05T00:00:00Z"), ns("2024-01-10T23:59:59.999Z")),
            ),
            (
                "until",
                until.clone(),
                "\"end day\"".into(),
                span(|r| r.end_day().map(day_span)),
            ),
        ];
        let mut cases = Vec::new();
        for op in TEMPORAL_OPS {
            for (left, lo, right, ro) in &pairs {
                let (lo, ro) = (lo.clone(), ro.clone());
                cases.push(case(format!("{op}({left}, {right})"), move |r| {
                    lo(r).zip(ro(r)).map(|(a, b)| owl_time(op, a, b))
                }));
            }
        }
        let at2 = at.clone();
        cases.extend([
            // A constant comparison keeps null rows null under NOT.
            case("NOT T_AFTER(at, INTERVAL('..', '..'))", move |r| at2(r).map(|_| true)),
            case("T_INTERSECTS(at, INTERVAL('..', '..'))", |r| r.at().map(|_| true)),
            case(
                r#"{"op": "t_during", "args": [{"property": "at"},
                    {"interval": ["2024-01-01T00:00:00Z", "2024-01-10T00:00:00Z"]}]}"#,
                move |r| {
                    at_ns(r).map(|t| {
                        owl_time(
                            "T_DURING",
                            (t, t),
                            (ns("2024-01-01T00:00:00Z"), ns("2024-01-10T00:00:00Z")),
                        )
                    })
                },
            ),
            case(
                r#"{"op": "t_metBy", "args": [{"interval": [{"property": "day"}, {"property": "end day"}]},
                    {"interval": ["2023-12-01", "2024-01-01"]}]}"#,
                |r| {
                    r.day().zip(r.end_day()).map(|(a, b)| {
                        owl_time(
                            "T_METBY",
                            (epoch_days(a), epoch_days(b)),
                            (epoch_days(date("2023-12-01")), epoch_days(date("2024-01-01"))),
                        )
                    })
                },
            ),
        ]);
        let n = cases.len();
        assert!(fx.run(cases).await > n / 4);
    }

    #[test]
    fn calendar_matches_chrono() {
        for (y, m, d) in [
            (1970, 1, 1),
            (1969, 12, 31),
            (2000, 2, 29),
            (2024, 3, 1),
            (1, 1, 1),
            (9999, 12, 31),
            (1600, 2, 29),
        ] {
            let want = epoch_days(NaiveDate::from_ymd_opt(y, m, d).unwrap());
            assert_eq!(
                days_from_civil(y.into(), m.into(), d.into()),
                want,
                "{y}-{m}-{d}"
            );
        }
        let t: cql2::Timestamp = "2012-08-10T05:30:00.000000123Z".parse().unwrap();
        let want = DateTime::parse_from_rfc3339("2012-08-10T05:30:00.000000123Z")
            .unwrap()
            .timestamp_nanos_opt()
            .unwrap();
        assert_eq!(timestamp_ns(&t), i128::from(want));
    }

    // --- errors ------------------------------------------------------------------------------

    fn error(text: &str) -> String {
        let q = Fixture::new().q;
        let parsed = cql2::parse_text(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        match to_expr(&parsed, &q) {
            Ok(f) => panic!("{text}: expected an error, got {:?}", f.expr),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let cases = [
            (
                "nope = 1",
                "unknown property `nope` (queryables: id, name, label, count, big, ratio, flag, \
                 day, end day, at, until, Weird:Name, geometry)",
            ),
            ("foo(count) = 1", "function `foo` is not supported"),
            ("bar(1, 'x')", "function `bar` is not supported"),
            (
                "T_AFTER(at, INTERVAL(lastDay(at), '..'))",
                "function `lastDay` is not supported",
            ),
            (
                "name = 5",
                "`name` is text and cannot be compared with the number 5",
            ),
            (
                "5 = name",
                "`name` is text and cannot be compared with the number 5",
            ),
            (
                "count = 'x'",
                "`count` is a number and cannot be compared with the string 'x'",
            ),
            (
                "flag = 1",
                "`flag` is a boolean and cannot be compared with the number 1",
            ),
            (
                "day = 20240101",
                "`day` is a date and cannot be compared with the number 20240101",
            ),
            (
                "at = 'today'",
                "`at` is a timestamp and cannot be compared with the string 'today'",
            ),
            (
                "count = name",
                "`count` is a number and cannot be compared with `name`, which is text",
            ),
            (
                "count IN (1, 'two')",
                "`count` is a number and cannot be compared with the string 'two'",
            ),
            (
                "count BETWEEN 'a' AND 'b'",
                "`count` is a number and cannot be compared with the string 'a'",
            ),
            (
                "count LIKE 'a%'",
                "LIKE needs text, but `count` is a number",
            ),
            (
                "CASEI(count) = 'a'",
                "CASEI needs text, but `count` is a number",
            ),
            (
                "ACCENTI(day) = 'a'",
                "ACCENTI needs text, but `day` is a date",
            ),
            ("name + 1 = 2", "`+` needs numbers, but `name` is text"),
            ("-name = 2", "unary minus needs numbers, but `name` is text"),
            ("name", "`name` is text and cannot be used as a condition"),
            (
                "S_INTERSECTS(name, POINT(1 1))",
                "S_INTERSECTS needs the geometry property and a geometry literal, but `name` is text",
            ),
            (
                "S_WITHIN(geometry, day)",
                "S_WITHIN needs the geometry property and a geometry literal, but `day` is a date",
            ),
            (
                "T_AFTER(name, DATE('2024-01-01'))",
                "T_AFTER needs dates, timestamps or intervals, but `name` is text",
            ),
            (
                "T_DURING(at, INTERVAL(count, '..'))",
                "an INTERVAL bound needs a date, a timestamp or '..', but `count` is a number",
            ),
            (
                "count = geometry",
                "`geometry` is a geometry and cannot be compared with `count` using =: use the \
                 spatial functions (S_EQUALS, S_INTERSECTS, …)",
            ),
            (
                "T_DURING(at, INTERVAL('2024-02-01T00:00:00Z', '2024-01-01T00:00:00Z'))",
                "INTERVAL('2024-02-01T00:00:00Z', '2024-01-01T00:00:00Z') ends before it starts",
            ),
            (
                "T_EQUALS(day, INTERVAL('2024-01-02', '2024-01-01'))",
                "INTERVAL('2024-01-02', '2024-01-01') ends before it starts",
            ),
        ];
        let mut failures = Vec::new();
        for (text, want) in cases {
            let got = error(text);
            if got != want {
                failures.push(format!("{text}:\n  got  {got}\n  want {want}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // A BBOX upside down (if the parser lets it through).
        if let Ok(parsed) = cql2::parse_text("S_INTERSECTS(geometry, BBOX(0, 10, 1, 0))") {
            let e = to_expr(&parsed, &Fixture::new().q).unwrap_err().to_string();
            assert!(
                e.contains("south edge 10 is north of the north edge 0"),
                "{e}"
            );
        }
    }

    #[test]
    fn errors_on_hand_built_trees() {
        use cql2::Expr as C;
        let q = Fixture::new().q;
        let p = |n: &str| Box::new(C::Property(n.into()));
        let interval = C::Interval(cql2::Interval {
            start: IntervalBound::Unbounded,
            end: IntervalBound::Unbounded,
        });
        let e = to_expr(
            &C::Compare {
                op: CompareOp::Eq,
                left: p("at"),
                right: Box::new(interval),
            },
            &q,
        )
        .unwrap_err();
        assert!(e.to_string().contains("is an interval"), "{e}");
        // A NaN coordinate.
        let nan = C::Spatial {
            op: SpatialOp::Intersects,
            left: p("geometry"),
            right: Box::new(C::Geometry(cql2::Geometry::Point(cql2::Position {
                x: f64::NAN,
                y: 0.0,
                z: None,
            }))),
        };
        let e = to_expr(&nan, &q).unwrap_err();
        assert!(matches!(e, FilterError::Invalid(_)), "{e}");
        // Nesting far beyond what the parsers accept.
        let mut deep = C::Bool(true);
        for _ in 0..10_000 {
            deep = C::Not(Box::new(deep));
        }
        assert_eq!(
            to_expr(&deep, &q).unwrap_err(),
            FilterError::TooDeep(MAX_NESTING)
        );
        // So that the deep tree is not dropped recursively on a small test stack.
        let mut deep = Some(deep);
        while let Some(C::Not(inner)) = deep.take() {
            deep = Some(*inner);
        }
        // Types filters cannot use, but whose nulls can still be tested.
        let with_list = Queryables {
            columns: vec![(
                "tags".into(),
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            )],
            geometry: false,
        };
        let e = to_expr(&cql2::parse_text("tags = 'a'").unwrap(), &with_list).unwrap_err();
        assert!(
            e.to_string().starts_with("`tags` has the type List("),
            "{e}"
        );
        assert!(to_expr(&cql2::parse_text("tags IS NULL").unwrap(), &with_list).is_ok());
        // Spatial filters on a collection without geometry.
        let e = to_expr(
            &cql2::parse_text("S_INTERSECTS(geometry, POINT(1 1))").unwrap(),
            &with_list,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown property `geometry` (queryables: tags)"
        );
    }

    #[tokio::test]
    async fn hand_built_edge_cases_run() {
        use cql2::Expr as C;
        let fx = Fixture::new();
        let all: Vec<i64> = (1..=16).collect();
        assert_eq!(fx.ids(&C::And(vec![])).await.unwrap(), all);
        assert_eq!(fx.ids(&C::Or(vec![])).await.unwrap(), Vec::<i64>::new());
        let one = C::And(vec![C::Compare {
            op: CompareOp::Eq,
            left: Box::new(C::Property("id".into())),
            right: Box::new(C::Number(Number::Int(4))),
        }]);
        assert_eq!(fx.ids(&one).await.unwrap(), [4]);
        // An empty literal geometry intersects nothing; it is disjoint from every geometry.
        let empty = |op| C::Spatial {
            op,
            left: Box::new(C::Property("geometry".into())),
            right: Box::new(C::Geometry(cql2::Geometry::LineString(vec![]))),
        };
        assert!(
            fx.ids(&empty(SpatialOp::Intersects))
                .await
                .unwrap()
                .is_empty()
        );
        let with_geometry: Vec<i64> = fx
            .rows
            .iter()
            .filter(|r| r.geometry.is_some())
            .map(|r| r.id)
            .collect();
        assert_eq!(
            fx.ids(&empty(SpatialOp::Disjoint)).await.unwrap(),
            with_geometry
        );
        assert_eq!(
            fx.ids(&C::Not(Box::new(empty(SpatialOp::Intersects))))
                .await
                .unwrap(),
            with_geometry
        );
    }

    // --- random trees ------------------------------------------------------------------------

    /// A small deterministic generator of arbitrary (often ill-typed) trees.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) % n as u64) as usize
        }

        fn property(&mut self) -> cql2::Expr {
            const NAMES: [&str; 13] = [
                "name",
                "label",
                "count",
                "ratio",
                "flag",
                "day",
                "end day",
                "at",
                "until",
                "Weird:Name",
                "geometry",
                "id",
                "missing",
            ];
            cql2::Expr::Property(NAMES[self.next(NAMES.len())].into())
        }

        fn date(&mut self) -> cql2::Date {
            cql2::Date {
                year: 2023 + self.next(3) as u16,
                month: 1 + self.next(12) as u8,
                day: 1 + self.next(28) as u8,
            }
        }

        fn bound(&mut self) -> IntervalBound {
            match self.next(4) {
                0 => IntervalBound::Unbounded,
                1 => IntervalBound::Date(self.date()),
                2 => IntervalBound::Timestamp(cql2::Timestamp {
                    date: self.date(),
                    hour: self.next(24) as u8,
                    minute: 0,
                    second: 0,
                    nanosecond: 500_000 * self.next(3) as u32,
                }),
                _ => IntervalBound::Expr(Box::new(self.property())),
            }
        }

        fn scalar(&mut self, depth: usize) -> cql2::Expr {
            use cql2::Expr as C;
            let leaf = depth == 0;
            match self.next(if leaf { 7 } else { 12 }) {
                0 | 1 => self.property(),
                2 => C::Number(if self.next(2) == 0 {
                    Number::Int(self.next(20) as i64 - 5)
                } else {
                    Number::Float(self.next(100) as f64 / 8.0 - 3.0)
                }),
                3 => C::String(["Café", "a%", "Z_", ""][self.next(4)].into()),
                4 => C::Date(self.date()),
                5 => C::Interval(cql2::Interval {
                    start: self.bound(),
                    end: self.bound(),
                }),
                6 => C::BBox(cql2::BBox {
                    west: self.next(5) as f64 - 1.0,
                    south: self.next(5) as f64 - 1.0,
                    east: self.next(5) as f64 + 1.0,
                    north: self.next(5) as f64 + 1.0,
                    z: None,
                }),
                7 => C::Arithmetic {
                    op: [
                        ArithmeticOp::Add,
                        ArithmeticOp::Sub,
                        ArithmeticOp::Mul,
                        ArithmeticOp::Div,
                        ArithmeticOp::Mod,
                        ArithmeticOp::IntDiv,
                        ArithmeticOp::Pow,
                    ][self.next(7)],
                    left: Box::new(self.scalar(depth - 1)),
                    right: Box::new(self.scalar(depth - 1)),
                },
                8 => C::Negate(Box::new(self.scalar(depth - 1))),
                9 => C::CaseI(Box::new(self.scalar(depth - 1))),
                10 => C::AccentI(Box::new(self.scalar(depth - 1))),
                _ => C::Bool(self.next(2) == 0),
            }
        }

        fn condition(&mut self, depth: usize) -> cql2::Expr {
            use cql2::Expr as C;
            let d = depth.saturating_sub(1);
            match self.next(if depth == 0 { 8 } else { 12 }) {
                0 | 1 => C::Compare {
                    op: [
                        CompareOp::Eq,
                        CompareOp::Lt,
                        CompareOp::GtEq,
                        CompareOp::NotEq,
                    ][self.next(4)],
                    left: Box::new(self.scalar(d)),
                    right: Box::new(self.scalar(d)),
                },
                2 => C::Like {
                    expr: Box::new(self.scalar(d)),
                    pattern: Box::new(self.scalar(d)),
                },
                3 => C::Between {
                    expr: Box::new(self.scalar(d)),
                    low: Box::new(self.scalar(d)),
                    high: Box::new(self.scalar(d)),
                },
                4 => C::In {
                    expr: Box::new(self.scalar(d)),
                    list: vec![self.scalar(d), self.scalar(d)],
                },
                5 => C::IsNull(Box::new(self.scalar(d))),
                6 => C::Spatial {
                    op: SpatialOp::ALL[self.next(SpatialOp::ALL.len())],
                    left: Box::new(self.scalar(d)),
                    right: Box::new(self.scalar(d)),
                },
                7 => C::Temporal {
                    op: TemporalOp::ALL[self.next(TemporalOp::ALL.len())],
                    left: Box::new(self.scalar(d)),
                    right: Box::new(self.scalar(d)),
                },
                8 => C::And(vec![self.condition(d), self.condition(d)]),
                9 => C::Or(vec![self.condition(d), self.condition(d)]),
                10 => C::Not(Box::new(self.condition(d))),
                _ => self.property(),
            }
        }
    }

    /// Random trees never panic the translation, and whatever it accepts DataFusion plans and
    /// runs: the type checks leave nothing for the engine to refuse.
    #[tokio::test]
    async fn random_trees_translate_or_fail_cleanly() {
        let fx = Fixture::new();
        let mut g = Gen(0x5eed);
        let (mut accepted, mut refused) = (0, 0);
        let mut failures = Vec::new();
        for _ in 0..5000 {
            let tree = g.condition(3);
            match to_expr(&tree, &fx.q) {
                Ok(_) => {
                    accepted += 1;
                    if let Err(e) = fx.ids(&tree).await {
                        failures.push(format!("{tree}: {e}"));
                    }
                }
                Err(_) => refused += 1,
            }
        }
        assert!(
            failures.is_empty(),
            "{} accepted trees failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(
            accepted > 300 && refused > 300,
            "{accepted} accepted, {refused} refused"
        );
    }

    #[test]
    fn queryables_from_a_stored_schema() {
        let q = Queryables::from_schema(&schema());
        assert!(q.geometry);
        let names: Vec<&str> = q.columns.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.first(), Some(&"id"));
        assert!(!names.contains(&"geometry") && !names.contains(&"bbox"));
        let long = Queryables {
            columns: (0..50)
                .map(|i| (format!("c{i}"), DataType::Int32))
                .collect(),
            geometry: true,
        };
        let e = to_expr(&cql2::parse_text("x = 1").unwrap(), &long).unwrap_err();
        assert!(e.to_string().ends_with("c39, … (11 more))"), "{e}");
    }

    #[test]
    fn column_names_are_never_sql() {
        let q = Fixture::new().q;
        let f = to_expr(
            &cql2::parse_text("\"Weird:Name\" = 1 AND \"end day\" IS NULL").unwrap(),
            &q,
        )
        .unwrap();
        use datafusion::common::tree_node::TreeNode;
        let mut columns = Vec::new();
        f.expr
            .apply(|e| {
                if let Expr::Column(c) = e {
                    columns.push((c.relation.clone(), c.name.clone()));
                }
                Ok(datafusion::common::tree_node::TreeNodeRecursion::Continue)
            })
            .unwrap();
        assert_eq!(
            columns,
            [
                (None, "Weird:Name".to_owned()),
                (None, "end day".to_owned())
            ]
        );
    }
}
