//! The ST_ functions of the SQL endpoint, with the names and (planar) semantics of SQL/MM and
//! PostGIS, over WKB geometry in the stored CRS84 coordinates.
//!
//! The predicates `st_intersects`, `st_contains`, `st_within`, … are the engine's exact DE-9IM
//! UDFs ([`crate::engine::spatial`]), shared with CQL2. The functions here are row-wise
//! ([`GeoFn`]): each declares its argument kinds once, DataFusion inserts the casts, and a plain
//! Rust function computes one row. Measures (`st_area`, `st_length`, `st_distance`,
//! `st_dwithin`, `st_buffer`) are in the units of the coordinates, as in PostGIS for geometry:
//! degrees for stored data, metres after `ST_Transform(g, 28992)`.
//!
//! One file per family: [`constructors`], [`accessors`], [`measures`], [`operations`],
//! [`transform`], [`aggregates`].

mod accessors;
mod aggregates;
mod constructors;
mod measures;
mod operations;
mod transform;

use arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    AggregateUDF, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use geo::Geometry;
use std::hash::{Hash, Hasher};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::engine::spatial::{SpatialPredicate, to_wkb};
use crate::geom::to_geo::to_geo;

/// What an argument must be; DataFusion casts to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// WKB (any binary layout).
    Geom,
    Float,
    Int,
    Text,
}

/// One row's arguments, cast to their [`Kind`]s. `None` is SQL NULL.
pub(crate) enum Arg<'a> {
    Geom(Option<&'a [u8]>),
    Float(Option<f64>),
    Int(Option<i64>),
    Text(Option<&'a str>),
}

/// Computes one row from its arguments; `Ok(None)` is NULL.
type RowFn = fn(&str, &[Arg]) -> Result<Option<ScalarValue>>;

/// A row-wise scalar function: a name, the accepted argument lists, a return type, a row function.
pub(crate) struct GeoFn {
    name: &'static str,
    arities: Vec<Vec<Kind>>,
    returns: DataType,
    row: RowFn,
    signature: Signature,
}

impl std::fmt::Debug for GeoFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoFn").field("name", &self.name).finish()
    }
}

impl PartialEq for GeoFn {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for GeoFn {}

impl Hash for GeoFn {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl GeoFn {
    pub(crate) fn udf(
        name: &'static str,
        arities: Vec<Vec<Kind>>,
        returns: DataType,
        row: RowFn,
    ) -> ScalarUDF {
        ScalarUDF::new_from_impl(GeoFn {
            name,
            arities,
            returns,
            row,
            signature: Signature::user_defined(Volatility::Immutable),
        })
    }

    fn kinds(&self, n: usize) -> Result<&[Kind]> {
        match self.arities.iter().find(|a| a.len() == n) {
            Some(a) => Ok(a),
            None => {
                let counts: Vec<String> =
                    self.arities.iter().map(|a| a.len().to_string()).collect();
                plan_err!(
                    "{} takes {} arguments, not {n}",
                    self.name,
                    counts.join(" or ")
                )
            }
        }
    }
}

fn is_binary(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::Null
    )
}

impl ScalarUDFImpl for GeoFn {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(self.returns.clone())
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let kinds = self.kinds(arg_types.len())?;
        kinds
            .iter()
            .zip(arg_types)
            .enumerate()
            .map(|(i, (k, t))| match k {
                Kind::Geom if is_binary(t) => Ok(if t == &DataType::Null {
                    DataType::Binary
                } else {
                    t.clone()
                }),
                Kind::Geom => plan_err!(
                    "argument {} of {} must be a geometry (WKB), not {t}; make one with ST_GeomFromText",
                    i + 1,
                    self.name
                ),
                Kind::Float if t.is_numeric() || t == &DataType::Null => Ok(DataType::Float64),
                Kind::Int if t.is_integer() || t == &DataType::Null => Ok(DataType::Int64),
                Kind::Text
                    if matches!(
                        t,
                        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null
                    ) =>
                {
                    Ok(DataType::Utf8)
                }
                Kind::Float => plan_err!("argument {} of {} must be a number, not {t}", i + 1, self.name),
                Kind::Int => plan_err!("argument {} of {} must be an integer, not {t}", i + 1, self.name),
                Kind::Text => plan_err!("argument {} of {} must be text, not {t}", i + 1, self.name),
            })
            .collect()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let kinds = self.kinds(args.args.len())?;
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        let mut out = Vec::with_capacity(rows);
        let mut values: Vec<ScalarValue> = Vec::with_capacity(kinds.len());
        for i in 0..rows {
            values.clear();
            for a in &args.args {
                values.push(match a {
                    ColumnarValue::Scalar(s) => s.clone(),
                    ColumnarValue::Array(arr) => ScalarValue::try_from_array(arr, i)?,
                });
            }
            let row: Vec<Arg> = kinds
                .iter()
                .zip(&values)
                .map(|(k, v)| arg(*k, v))
                .collect::<Result<_>>()?;
            let v = guarded(self.name, || (self.row)(self.name, &row))?;
            out.push(v.unwrap_or(ScalarValue::try_from(&self.returns)?));
        }
        if all_scalar {
            Ok(ColumnarValue::Scalar(out.pop().expect("one row")))
        } else {
            Ok(ColumnarValue::Array(ScalarValue::iter_to_array(out)?))
        }
    }
}

fn arg(kind: Kind, v: &ScalarValue) -> Result<Arg<'_>> {
    Ok(match (kind, v) {
        (_, ScalarValue::Null) => match kind {
            Kind::Geom => Arg::Geom(None),
            Kind::Float => Arg::Float(None),
            Kind::Int => Arg::Int(None),
            Kind::Text => Arg::Text(None),
        },
        (
            Kind::Geom,
            ScalarValue::Binary(b) | ScalarValue::LargeBinary(b) | ScalarValue::BinaryView(b),
        ) => Arg::Geom(b.as_deref()),
        (Kind::Float, ScalarValue::Float64(f)) => Arg::Float(*f),
        (Kind::Int, ScalarValue::Int64(n)) => Arg::Int(*n),
        (
            Kind::Text,
            ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s),
        ) => Arg::Text(s.as_deref()),
        (k, other) => return exec_err!("expected {k:?}, got {}", other.data_type()),
    })
}

/// Runs `f`, turning a panic inside `geo` on a pathological geometry into a query error.
fn guarded<T>(name: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => exec_err!("{name}: cannot compute this for the given geometry"),
    }
}

/// Reads a WKB argument: `Ok(None)` for NULL or an empty geometry.
pub(crate) fn geometry(name: &str, wkb: Option<&[u8]>) -> Result<Option<Geometry>> {
    match wkb {
        None => Ok(None),
        Some(bytes) => to_geo(bytes).or_else(|e| exec_err!("{name}: {e}")),
    }
}

/// A geometry result as WKB.
pub(crate) fn geometry_value(g: &Geometry) -> Option<ScalarValue> {
    Some(ScalarValue::Binary(Some(to_wkb(g))))
}

/// A box as PostGIS writes it: from the lower left corner, clockwise.
pub(crate) fn box_polygon(xmin: f64, ymin: f64, xmax: f64, ymax: f64) -> Geometry {
    geo::Polygon::new(
        geo::LineString::from(vec![
            (xmin, ymin),
            (xmin, ymax),
            (xmax, ymax),
            (xmax, ymin),
            (xmin, ymin),
        ]),
        vec![],
    )
    .into()
}

pub(crate) fn float_value(v: f64) -> Option<ScalarValue> {
    Some(ScalarValue::Float64(Some(v)))
}

/// Every scalar function of the SQL endpoint, the shared DE-9IM predicates included.
pub fn scalar_udfs() -> Vec<ScalarUDF> {
    let mut udfs = SpatialPredicate::all_udfs();
    udfs.extend(constructors::udfs());
    udfs.extend(accessors::udfs());
    udfs.extend(measures::udfs());
    udfs.extend(operations::udfs());
    udfs.extend(transform::udfs());
    udfs
}

/// Every aggregate function of the SQL endpoint.
pub fn aggregate_udfs() -> Vec<AggregateUDF> {
    aggregates::udafs()
}

#[cfg(test)]
pub(crate) mod test_support {
    use datafusion::prelude::SessionContext;

    /// A context with every ST_ function, for the functions' own tests.
    pub fn ctx() -> SessionContext {
        let ctx = SessionContext::new();
        for f in super::scalar_udfs() {
            ctx.register_udf(f);
        }
        for f in super::aggregate_udfs() {
            ctx.register_udaf(f);
        }
        ctx
    }

    /// The single value of a one-row, one-column query, as text.
    pub async fn one(sql: &str) -> String {
        let batches = ctx().sql(sql).await.unwrap().collect().await.unwrap();
        let batch = &batches[0];
        assert_eq!(batch.num_rows(), 1, "{sql}");
        arrow::util::display::array_value_to_string(batch.column(0), 0).unwrap()
    }

    /// The error of a query (planning or execution).
    pub async fn error(sql: &str) -> String {
        match ctx().sql(sql).await {
            Err(e) => e.to_string(),
            Ok(df) => match df.collect().await {
                Err(e) => e.to_string(),
                Ok(b) => panic!("{sql} succeeded: {b:?}"),
            },
        }
    }
}
