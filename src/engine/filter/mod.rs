//! CQL2 filters (a parsed [`cql2::Expr`]) as DataFusion expressions over a stored dataset:
//! `id`, the published columns, `geometry` (WKB, CRS84) and `bbox` (the covering struct).
//!
//! Every property is resolved against the collection's [`Queryables`] and every operand is type
//! checked before anything runs, so a bad filter is a [`FilterError`] with a human message, never
//! a query-time failure. Column references are built with `Column::new_unqualified` (names may
//! hold spaces, colons and capitals), never from SQL text. The translation is total: any AST,
//! parsed or hand-built, gives an expression or an error, never a panic.
//!
//! This module holds the entry point, [`to_expr`], which walks the AST and hands each node to
//! the module of its concern, and the error type. The concerns, each with its tests:
//!
//! - `value`: the queryables, typed operands, properties and the messages of type errors;
//! - `compare`: comparisons, `LIKE`, `BETWEEN`, `IN`, `IS NULL`, `CASEI`, `ACCENTI` and
//!   arithmetic;
//! - `temporal`: dates, timestamps and intervals, their comparisons and the T_* operators;
//! - `spatial`: geometry literals and the S_* operators;
//! - `prune`: the boxes that let a query skip row groups.
//!
//! Semantics: where CQL2 leaves room, the choice is written in the module of its concern
//! (numbers and text in `compare`, instants and temporal operators in `temporal`, spatial
//! operators in `spatial`). **Nulls** follow SQL throughout: a comparison with a null is null,
//! and a null condition does not match (CQL2 §6: "NULL is essentially the same as FALSE").
//! `NOT` of a null stays null, also where the translation folds a comparison to a constant.

use datafusion::logical_expr::{Expr, lit};

use cql2::Number;

use crate::geom::Bbox;

mod compare;
#[cfg(test)]
mod fixture;
mod prune;
mod spatial;
mod temporal;
mod value;

pub(crate) use spatial::to_geo;
pub use value::Queryables;

use spatial::{Geo, bbox_literal, geometry_literal};
use temporal::{Instant, Time, date_days, timestamp_ns};
use value::{Value, describe, kind, type_error};

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

/// The translation of one filter for one collection. Its methods live in the modules of their
/// concerns; this module's walk of the AST (`condition`, `value`) hands each node to them.
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
            C::Like { expr, pattern } => self.like(expr, pattern, d)?,
            C::Between { expr, low, high } => self.between(expr, low, high, d)?,
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
            C::Negate(x) => self.negate(x, d)?,
            C::CaseI(x) => self.casei(x, d)?,
            C::AccentI(x) => self.accenti(x, d)?,
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
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::datatypes::{DataType, Field};
    use cql2::{ArithmeticOp, CompareOp, IntervalBound, SpatialOp, TemporalOp};

    use super::fixture::Fixture;
    use super::*;

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
}
