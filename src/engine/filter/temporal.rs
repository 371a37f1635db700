//! Dates, timestamps and intervals: their place on the time line, their comparisons and the
//! temporal (T_*) operators.
//!
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

use std::sync::Arc;

use arrow::datatypes::{DataType, IntervalMonthDayNano, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Case, Expr, Operator, binary_expr, cast, lit};

use cql2::{CompareOp, IntervalBound, TemporalOp};

use super::compare::{constant, flip, holds, null_bool, operator};
use super::value::{Value, describe, needs, short, type_error};
use super::{FilterError, Translator};

const DAY_NS: i128 = 86_400_000_000_000;

/// A date or timestamp column, as an expression of its own type (Date64 is cast to Date32).
#[derive(Clone)]
pub(super) enum TimeColumn {
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
pub(super) enum Instant {
    Date(i128),
    Timestamp(i128),
    Column(TimeColumn),
}

impl Instant {
    pub(super) fn is_day(&self) -> bool {
        matches!(self, Instant::Date(_) | Instant::Column(TimeColumn::Day(_)))
    }
}

/// A temporal operand: an instant, or an interval whose `None` ends are open (`'..'`).
pub(super) enum Time {
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

    /// The columns among its instants.
    pub(super) fn columns(&self) -> impl Iterator<Item = &Expr> {
        self.instants().filter_map(|i| match i {
            Instant::Column(c) => Some(c.expr()),
            _ => None,
        })
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

pub(super) fn date_days(d: &cql2::Date) -> i128 {
    days_from_civil(i64::from(d.year), i64::from(d.month), i64::from(d.day)).into()
}

pub(super) fn timestamp_ns(t: &cql2::Timestamp) -> i128 {
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

/// `x op y` for the temporal operands of a comparison: instants (see the module
/// documentation); intervals are refused.
pub(super) fn compare_times(
    op: CompareOp,
    (x, left): (&Time, &cql2::Expr),
    (y, right): (&Time, &cql2::Expr),
) -> Result<Expr, FilterError> {
    for (t, e) in [(x, left), (y, right)] {
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
    Ok(compare_extents(
        &extent(x, fine, left)?,
        op,
        &extent(y, fine, right)?,
    ))
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

impl Translator<'_> {
    pub(super) fn bound(
        &self,
        b: &IntervalBound,
        d: usize,
    ) -> Result<Option<Instant>, FilterError> {
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

    pub(super) fn temporal(
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
            .flat_map(|t| t.columns())
            .map(|c| c.clone().is_not_null())
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
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{DateTime, NaiveDate};

    use super::super::fixture::{Fixture, Row, case, date, epoch_days, ms};
    use super::*;

    const DAY_NANOS: i64 = 86_400_000_000_000;

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
}
