//! Materialising a catalog `[[view]]`: its SQL runs over the current versions of the datasets
//! (and earlier views), read-only like the public endpoint, and the result is stored as a new
//! version by the same steps as a source (ids from the key, Hilbert order, GeoParquet, manifest,
//! atomic switch). So a view is a collection, a SQL table and a download like any dataset.
//!
//! The checksum covers the view's catalog entry (its SQL included) and the data checksums of the
//! tables it reads: an unchanged view is skipped.
//!
//! Access: a public view would publish whatever it reads, so it may read only public datasets
//! ([`view_access_issues`], checked from the SQL text by `check`, `ingest` and `serve`), and its
//! query runs over an engine that opens only those. A view that is not public may read any
//! dataset.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::compute::{cast, concat_batches};
use arrow::datatypes::{DataType, Field};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::DFParser;
use datafusion::sql::resolve::resolve_table_references;
use geo::{BoundingRect, Geometry};
use sha2::{Digest, Sha256};

use super::ogr::{GeometryColumn, SourceTable};
use super::{IngestError, Outcome, store_table};
use crate::catalog::{Catalog, Dataset, DatasetId, FeatureKey, Issue, Temporal};
use crate::engine::Engine;
use crate::geom::WkbColumn;
use crate::geom::to_geo::to_geo;
use crate::sql::{SqlLimits, session};
use crate::store::Store;
use crate::store::layout::{BBOX_COLUMN, FORMAT_VERSION, GEOMETRY_COLUMN, ID_COLUMN};

/// Memory a view's query may use at ingest (no row limit: the whole result is stored).
const VIEW_MEMORY_BYTES: usize = 4 << 30;

/// Computes a view and stores its result as a new version, unless nothing it depends on changed.
/// Runs its own small runtime on a separate thread, so it can be called from anywhere.
pub fn ingest_view(
    catalog: &Catalog,
    ds: &Dataset,
    store: &Store,
    force: bool,
) -> Result<Outcome, IngestError> {
    let Some(sql) = ds.view_sql.as_deref() else {
        return Err(IngestError::source(ds, "is not a [[view]]".into()));
    };
    let started = Instant::now();
    let computed = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| IngestError::source(ds, format!("cannot start a runtime: {e}")))?;
                // The engine opened for the query would log every dataset it loads; an ingest
                // reports its outcome itself (errors are returned, not logged).
                tracing::subscriber::with_default(
                    tracing::subscriber::NoSubscriber::default(),
                    || rt.block_on(compute(catalog, ds, store, sql, force)),
                )
            })
            .join()
            .unwrap_or_else(|_| Err(IngestError::source(ds, "the view's query panicked".into())))
    })?;
    match computed {
        Computed::Unchanged(version) => Ok(Outcome::Unchanged { version }),
        Computed::Table(checksum, table) => store_table(ds, store, checksum, *table, started),
    }
}

enum Computed {
    Unchanged(u64),
    Table(String, Box<SourceTable>),
}

async fn compute(
    catalog: &Catalog,
    ds: &Dataset,
    store: &Store,
    sql: &str,
    force: bool,
) -> Result<Computed, IngestError> {
    let fail =
        |what: &str, e: &dyn std::fmt::Display| IngestError::source(ds, format!("{what}: {e}"));
    if let Some(issue) = access_issue(catalog, ds) {
        return Err(IngestError::source(ds, issue.message));
    }
    // A public view sees only public datasets, so nothing closed can flow into it.
    let opened = if ds.is_public() {
        Engine::open(Store::new(store.root()), catalog).await
    } else {
        Engine::open_including_non_public(Store::new(store.root()), catalog).await
    };
    let engine = opened.map_err(|e| fail("opening the store", &e))?;
    let limits = SqlLimits {
        memory_bytes: VIEW_MEMORY_BYTES,
        ..SqlLimits::default()
    };
    let ctx = session(&engine, &limits).map_err(|e| fail("sql", &e))?;
    let df = ctx
        .sql_with_options(sql, crate::sql::read_only())
        .await
        .map_err(|e| fail("sql", &e))?;

    // The checksum: the entry (with its SQL) and the data of every table the query reads.
    let mut h = Sha256::new();
    h.update(FORMAT_VERSION.as_bytes());
    h.update(ds.entry_fingerprint.as_bytes());
    for table in tables_read(df.logical_plan()) {
        let id = DatasetId::parse(&table).ok_or_else(|| {
            IngestError::source(ds, format!("reads `{table}`, which is not a dataset"))
        })?;
        let v = engine.current(&id).ok_or_else(|| {
            IngestError::source(ds, format!("reads `{table}`, which has not been ingested"))
        })?;
        h.update(table.as_bytes());
        h.update(v.manifest.data_sha256.as_bytes());
    }
    let checksum = format!("sha256:{:x}", h.finalize());
    if !force
        && let Some(current) = store
            .current_manifest(&ds.id)
            .map_err(|e| fail("store", &e))?
        && current.checksum == checksum
    {
        return Ok(Computed::Unchanged(current.version));
    }

    let schema = Arc::new(df.schema().as_arrow().clone());
    let batches = df.collect().await.map_err(|e| fail("sql", &e))?;
    let batch = concat_batches(&schema, &batches).map_err(|e| fail("sql", &e))?;
    let table = source_table(ds, &batch)?;
    Ok(Computed::Table(checksum, Box::new(table)))
}

/// Every public view that reads a dataset that is not public, as a catalog problem (line of the
/// view, the table it reads). The tables are those DataFusion resolves from the SQL text (CTE
/// names excluded), so this needs no data; SQL that does not parse is left to the ingest, which
/// reports it.
pub fn view_access_issues(catalog: &Catalog) -> Vec<Issue> {
    catalog
        .datasets
        .iter()
        .filter_map(|ds| access_issue(catalog, ds))
        .collect()
}

fn access_issue(catalog: &Catalog, view: &Dataset) -> Option<Issue> {
    let sql = view.view_sql.as_deref().filter(|_| view.is_public())?;
    let closed: Vec<String> = tables_named(sql)
        .into_iter()
        .filter_map(|t| catalog.dataset(&t).filter(|d| !d.is_public()))
        .map(|d| {
            format!(
                "`{}` (access_rights = \"{}\")",
                d.id,
                d.dcat.access_rights.labels().1
            )
        })
        .collect();
    (!closed.is_empty()).then(|| Issue {
        line: view.line,
        dataset: Some(view.id.to_string()),
        field: "sql".into(),
        message: format!(
            "this public view reads {}, which is not public: the view would publish its data; \
             give the view the same access_rights, or leave the table out",
            closed.join(", ")
        ),
    })
}

/// The table names a query refers to (lower-cased as DataFusion normalises unquoted names),
/// wherever they appear: FROM, JOIN, subqueries; not the names of its CTEs.
fn tables_named(sql: &str) -> BTreeSet<String> {
    let Ok(statements) = DFParser::parse_sql(sql) else {
        return BTreeSet::new();
    };
    statements
        .iter()
        .filter_map(|s| resolve_table_references(s, true).ok())
        .flat_map(|(tables, _ctes)| tables)
        .map(|t| t.table().to_owned())
        .collect()
}

/// The tables a plan scans (subqueries included).
fn tables_read(plan: &LogicalPlan) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            names.insert(scan.table_name.table().to_owned());
        }
        Ok(TreeNodeRecursion::Continue)
    });
    names
}

/// Stored types for text and binary: the plain layouts, as ingest writes them from sources.
fn plain(a: &ArrayRef) -> Result<ArrayRef, arrow::error::ArrowError> {
    match a.data_type() {
        DataType::Utf8View | DataType::LargeUtf8 => cast(a, &DataType::Utf8),
        DataType::BinaryView | DataType::LargeBinary => cast(a, &DataType::Binary),
        DataType::Dictionary(_, v) => cast(a, v),
        _ => Ok(a.clone()),
    }
}

/// The query's result as a table to store: `geometry` (WKB in CRS84) becomes the geometry,
/// a `bbox` column is dropped (ingest computes it), every other column is a field.
fn source_table(ds: &Dataset, batch: &RecordBatch) -> Result<SourceTable, IngestError> {
    let fail = |m: String| IngestError::source(ds, m);
    let schema = batch.schema();
    let mut fields = Vec::new();
    let mut source_names = Vec::new();
    let mut geometry = None;
    for (field, array) in schema.fields().iter().zip(batch.columns()) {
        let array = plain(array).map_err(|e| fail(format!("column `{}`: {e}", field.name())))?;
        match field.name().as_str() {
            GEOMETRY_COLUMN => geometry = Some(geometry_column(ds, &array)?),
            BBOX_COLUMN => {}
            name => {
                if source_names.iter().any(|n| n == name) {
                    return Err(fail(format!(
                        "the query returns two columns named `{name}`; give them distinct aliases"
                    )));
                }
                let published = ds.published_name(name);
                fields.push((
                    Arc::new(Field::new(published, array.data_type().clone(), true)),
                    array,
                ));
                source_names.push(name.to_owned());
            }
        }
    }
    // The catalog's key, temporal and column names must be columns of the result.
    let mut named: Vec<&str> = match &ds.key {
        FeatureKey::Columns(cols) => cols.iter().map(String::as_str).collect(),
        FeatureKey::ContentHash => Vec::new(),
    };
    match &ds.temporal {
        Some(Temporal::Instant(f)) => named.push(f),
        Some(Temporal::Interval { start, end }) => named.extend([start.as_str(), end.as_str()]),
        None => {}
    }
    named.extend(ds.columns.keys().map(String::as_str));
    for n in named {
        if n != ID_COLUMN && !source_names.iter().any(|s| s == n) {
            return Err(fail(format!(
                "the catalog names column `{n}`, which the view's query does not return (it returns {})",
                source_names.join(", ")
            )));
        }
    }
    Ok(SourceTable {
        driver: "SQL view".into(),
        layer: ds.id.to_string(),
        crs: geometry.as_ref().map(|_| "OGC:CRS84".to_owned()),
        fields,
        source_names,
        geometry,
        rows: batch.num_rows(),
    })
}

fn type_name(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

fn geometry_column(ds: &Dataset, array: &ArrayRef) -> Result<GeometryColumn, IngestError> {
    let Some(column) = WkbColumn::new(array.as_ref()) else {
        return Err(IngestError::source(
            ds,
            format!(
                "the `geometry` column must be WKB geometry, not {}",
                array.data_type()
            ),
        ));
    };
    let mut wkb = Vec::with_capacity(column.len());
    let mut bbox = Vec::with_capacity(column.len());
    let mut types = BTreeSet::new();
    for i in 0..column.len() {
        let parsed = match column.get(i) {
            Some(bytes) => to_geo(bytes)
                .map_err(|e| IngestError::source(ds, format!("row {}: {e}", i + 1)))?
                .map(|g| (bytes, g)),
            None => None,
        };
        match parsed {
            Some((bytes, g)) => {
                types.insert(type_name(&g));
                let r = g.bounding_rect();
                bbox.push(r.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]));
                wkb.push(r.map(|_| bytes.to_vec()));
            }
            None => {
                wkb.push(None);
                bbox.push(None);
            }
        }
    }
    Ok(GeometryColumn {
        wkb,
        bbox,
        types: types.into_iter().map(str::to_owned).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::tables_named;

    #[test]
    fn tables_are_found_wherever_the_query_names_them() {
        let named = |sql: &str| tables_named(sql).into_iter().collect::<Vec<_>>();
        assert_eq!(
            named("SELECT * FROM a JOIN b ON a.x = b.x WHERE a.y IN (SELECT y FROM c)"),
            ["a", "b", "c"]
        );
        // Qualified and upper-case names are the same tables; a CTE's name is not a table.
        assert_eq!(
            named("WITH t AS (SELECT * FROM public.Geheim) SELECT * FROM t, datafusion.public.d"),
            ["d", "geheim"]
        );
        assert_eq!(
            named("SELECT (SELECT max(v) FROM e) UNION ALL SELECT v FROM (SELECT v FROM f) s"),
            ["e", "f"]
        );
        assert!(named("SELEKT nonsense").is_empty());
    }
}
