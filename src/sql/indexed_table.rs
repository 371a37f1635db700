//! A dataset version as an SQL table whose scan reads only the rows a spatial condition can
//! match.
//!
//! A condition of the `WHERE` clause (one of its `AND`ed terms) that compares the table's
//! geometry with a constant geometry — `ST_Intersects`, `ST_Contains`, `ST_Within`, … (every
//! relation that implies intersecting), `ST_DWithin(geometry, g, d)`, and
//! `ST_DWithin(ST_Transform(geometry, srid), g, d)` with `g` in that CRS — says which box each
//! matching feature's box must meet. The scan asks the version's [`SpatialIndex`] for the rows
//! whose box does and reads only those (or only the row groups that hold any). The condition
//! itself stays in the plan, above the scan, so the answer is exactly the same; only rows that
//! could not match are never read.

use std::sync::Arc;

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::ScalarValue;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use geo::BoundingRect;
use tokio::sync::OnceCell;

use super::spatial_index::SpatialIndex;
use crate::crs::Crs;
use crate::engine::spatial::Relation;
use crate::engine::{DatasetVersion, with_access_plan};
use crate::geom::Bbox;
use crate::geom::to_geo::to_geo;
use crate::store::layout::GEOMETRY_COLUMN;

/// One version's table, with its spatial index built on first use.
pub struct IndexedTable {
    version: Arc<DatasetVersion>,
    inner: Arc<dyn TableProvider>,
    index: OnceCell<Arc<SpatialIndex>>,
}

impl std::fmt::Debug for IndexedTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedTable")
            .field("version", &self.version.version())
            .finish()
    }
}

impl IndexedTable {
    /// Rows of the version.
    pub fn rows(&self) -> u64 {
        self.version.manifest.row_count
    }

    pub fn new(version: Arc<DatasetVersion>) -> IndexedTable {
        IndexedTable {
            inner: version.table(),
            version,
            index: OnceCell::new(),
        }
    }

    async fn index(&self) -> Result<Arc<SpatialIndex>> {
        self.index
            .get_or_try_init(|| async {
                let path = self.version.path().to_path_buf();
                let index = tokio::task::spawn_blocking(move || SpatialIndex::build(&path))
                    .await
                    .map_err(|e| DataFusionError::External(Box::new(e)))?
                    .map_err(|e| DataFusionError::ParquetError(Box::new(e)))?;
                tracing::debug!(
                    dataset = %self.version.manifest.dataset,
                    version = self.version.version(),
                    bytes = index.size(),
                    "spatial index built"
                );
                Ok::<_, DataFusionError>(Arc::new(index))
            })
            .await
            .cloned()
    }
}

#[async_trait]
impl TableProvider for IndexedTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        let mut answers = self.inner.supports_filters_pushdown(filters)?;
        for (answer, filter) in answers.iter_mut().zip(filters) {
            // The scan sees the condition; the plan keeps it above the scan.
            if *answer == TableProviderFilterPushDown::Unsupported && query_box(filter).is_some() {
                *answer = TableProviderFilterPushDown::Inexact;
            }
        }
        Ok(answers)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let plan = self.inner.scan(state, projection, filters, limit).await?;
        let plan = self.version.local_reads(plan)?;
        // The smallest box wins: any one of them bounds the candidates.
        let query = filters
            .iter()
            .filter_map(query_box)
            .min_by(|a, b| area(a).total_cmp(&area(b)));
        let Some(query) = query else {
            return Ok(plan);
        };
        if !self.version.has_geometry() {
            return Ok(plan);
        }
        let access = self.index().await?.access_plan(&query);
        with_access_plan(plan, access)
    }
}

fn area(b: &Bbox) -> f64 {
    (b.maxx - b.minx) * (b.maxy - b.miny)
}

/// The box every row matching `filter` has a box meeting, if `filter` is a spatial condition
/// between the table's geometry and a constant.
pub(crate) fn query_box(filter: &Expr) -> Option<Bbox> {
    let Expr::ScalarFunction(ScalarFunction { func, args }) = filter else {
        return None;
    };
    let name = func.name();
    let intersecting = Relation::ALL
        .iter()
        .any(|r| r.implies_intersection() && r.udf_name() == name);
    match (name, args.as_slice()) {
        (_, [a, b]) if intersecting => {
            let constant = match (is_geometry(a), is_geometry(b)) {
                (true, false) => b,
                (false, true) => a,
                _ => return None,
            };
            constant_box(constant)
        }
        ("st_dwithin", [a, b, d]) => {
            let d = float(d).filter(|d| d.is_finite() && *d >= 0.0)?;
            let (column, constant) = if constant_box(b).is_some() {
                (a, b)
            } else {
                (b, a)
            };
            let around = grow(constant_box(constant)?, d);
            if is_geometry(column) {
                return Some(around);
            }
            // Distance in another CRS: the box in that CRS, back in CRS84.
            let crs = transformed_geometry(column)?;
            let (_, envelope) =
                crate::crs::box_to_crs84(crs, [around.minx, around.miny, around.maxx, around.maxy])
                    .ok()?;
            // A margin for the curved edges between the densified points (far less than a mm).
            let margin = 1e-7;
            let b = grow(envelope, margin);
            [b.minx, b.miny, b.maxx, b.maxy]
                .iter()
                .all(|v| v.is_finite())
                .then_some(b)
        }
        _ => None,
    }
}

fn is_geometry(e: &Expr) -> bool {
    matches!(e, Expr::Column(c) if c.name == GEOMETRY_COLUMN)
}

/// `ST_Transform(geometry, srid)` or `ST_Transform(geometry, 4326, srid)` into a projected CRS
/// whose x is the easting (RD New, Web Mercator).
fn transformed_geometry(e: &Expr) -> Option<Crs> {
    let Expr::ScalarFunction(ScalarFunction { func, args }) = e else {
        return None;
    };
    if func.name() != "st_transform" {
        return None;
    }
    let to = match args.as_slice() {
        [g, to] if is_geometry(g) => integer(to)?,
        [g, from, to] if is_geometry(g) && integer(from)? == 4326 => integer(to)?,
        _ => return None,
    };
    match to {
        28992 => Some(Crs::Epsg28992),
        3857 => Some(Crs::Epsg3857),
        _ => None,
    }
}

fn literal(e: &Expr) -> Option<&ScalarValue> {
    match e {
        Expr::Literal(v, _) => Some(v),
        Expr::Cast(c) => literal(&c.expr),
        _ => None,
    }
}

fn float(e: &Expr) -> Option<f64> {
    match literal(e)?
        .cast_to(&arrow::datatypes::DataType::Float64)
        .ok()?
    {
        ScalarValue::Float64(v) => v,
        _ => None,
    }
}

fn integer(e: &Expr) -> Option<i64> {
    match literal(e)?
        .cast_to(&arrow::datatypes::DataType::Int64)
        .ok()?
    {
        ScalarValue::Int64(v) => v,
        _ => None,
    }
}

/// The box of a constant WKB geometry; `None` when it is not one, or empty, or has NaN.
fn constant_box(e: &Expr) -> Option<Bbox> {
    let wkb = match literal(e)? {
        ScalarValue::Binary(Some(b))
        | ScalarValue::LargeBinary(Some(b))
        | ScalarValue::BinaryView(Some(b)) => b,
        _ => return None,
    };
    let rect = to_geo(wkb).ok()??.bounding_rect()?;
    let b = Bbox {
        minx: rect.min().x,
        miny: rect.min().y,
        maxx: rect.max().x,
        maxy: rect.max().y,
    };
    [b.minx, b.miny, b.maxx, b.maxy]
        .iter()
        .all(|v| v.is_finite())
        .then_some(b)
}

fn grow(b: Bbox, d: f64) -> Bbox {
    Bbox {
        minx: b.minx - d,
        miny: b.miny - d,
        maxx: b.maxx + d,
        maxy: b.maxy + d,
    }
}
