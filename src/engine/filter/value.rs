//! Values and typing: what a collection can be filtered on ([`Queryables`]), operands as typed
//! [`Value`]s, properties resolved against the queryables (an unknown name or a type filters
//! cannot use is an error), and the messages that say why an operand has the wrong type.

use arrow::datatypes::{DataType, Schema};
use datafusion::common::Column;
use datafusion::logical_expr::{Expr, cast};

use super::spatial::Geo;
use super::temporal::{Instant, Time, TimeColumn};
use super::{FilterError, Translator};
use crate::store::layout::{BBOX_COLUMN, GEOMETRY_COLUMN};

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

    pub(super) fn column_type(&self, name: &str) -> Option<&DataType> {
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

pub(super) fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// A translated operand with its type.
pub(super) enum Value {
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
pub(super) fn short(e: &cql2::Expr) -> String {
    const MAX: usize = 60;
    let text = e.to_string();
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// `e` for a message: "`name`", "the number 5", "the string 'x'", …
pub(super) fn describe(e: &cql2::Expr) -> String {
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
pub(super) fn kind(v: &Value) -> &'static str {
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

pub(super) fn type_error(message: String) -> FilterError {
    FilterError::Type(message)
}

/// "`statnaam` is text and cannot be compared with the number 5".
pub(super) fn mismatch(a: (&cql2::Expr, &Value), b: (&cql2::Expr, &Value)) -> FilterError {
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
pub(super) fn needs(what: &str, wanted: &str, e: &cql2::Expr, v: &Value) -> FilterError {
    type_error(format!(
        "{what} needs {wanted}, but {} is {}",
        describe(e),
        kind(v)
    ))
}

impl Translator<'_> {
    pub(super) fn unknown(&self, name: &str) -> FilterError {
        FilterError::UnknownProperty {
            name: name.to_owned(),
            queryables: self.q.listing(),
        }
    }

    pub(super) fn property(&self, name: &str) -> Result<Value, FilterError> {
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

    pub(super) fn text(&self, e: &cql2::Expr, what: &str, d: usize) -> Result<Expr, FilterError> {
        match self.value(e, d)? {
            Value::Text(t) => Ok(t),
            other => Err(needs(what, "text", e, &other)),
        }
    }

    pub(super) fn number(
        &self,
        e: &cql2::Expr,
        what: &str,
        d: usize,
    ) -> Result<(Expr, bool), FilterError> {
        match self.value(e, d)? {
            Value::Number { expr, int } => Ok((expr, int)),
            other => Err(needs(what, "numbers", e, &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use datafusion::logical_expr::Expr;

    use super::super::fixture::{Fixture, schema};
    use super::super::to_expr;
    use super::*;

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
