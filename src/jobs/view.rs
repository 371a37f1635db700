//! Materialising a catalog `[[view]]`: its SQL runs over the current versions of the datasets
//! (and earlier views), read-only like the public endpoint ([`crate::sql::session`]), and its
//! result streams, batch by batch, into [`ingest::ingest_batches`], which stores it as a new
//! version by the same steps as a source (ids from the key, Hilbert order, GeoParquet, manifest,
//! atomic switch). So a view is a collection, a SQL table and a download like any dataset.
//!
//! The checksum covers the view's catalog entry (its SQL included) and the data checksums of the
//! tables it reads: an unchanged view is skipped before its query runs.
//!
//! Access: a public view would publish whatever it reads, so it may read only public datasets
//! ([`view_access_issues`], checked from the SQL text by `check`, `ingest` and `serve`), and its
//! query runs over an engine that opens only those. A view that is not public may read any
//! dataset.

use std::collections::BTreeSet;

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::DFParser;
use datafusion::sql::resolve::resolve_table_references;
use futures::StreamExt;
use sha2::{Digest, Sha256};

use super::JobError;
use crate::catalog::{Catalog, Dataset, DatasetId, Issue};
use crate::engine::Engine;
use crate::ingest::{self, BatchSource, Outcome};
use crate::sql::{SqlLimits, session};
use crate::store::Store;
use crate::store::layout::{FORMAT_VERSION, GEOMETRY_COLUMN};

/// Memory a view's query may use at ingest (no row limit: the whole result is stored).
const VIEW_MEMORY_BYTES: usize = 4 << 30;

/// Computes a view and stores its result as a new version, unless nothing it depends on changed.
/// Runs its own small runtime on a separate thread, so it can be called from anywhere; the
/// query's batches are pulled from that runtime as ingest takes them.
pub fn ingest_view(
    catalog: &Catalog,
    ds: &Dataset,
    store: &Store,
    force: bool,
) -> Result<Outcome, JobError> {
    let Some(sql) = ds.view_sql.as_deref() else {
        return Err(JobError::view(ds, "is not a [[view]]".into()));
    };
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| JobError::view(ds, format!("cannot start a runtime: {e}")))?;
                // The engine opened for the query would log every dataset it loads; an ingest
                // reports its outcome itself (errors are returned, not logged).
                tracing::subscriber::with_default(
                    tracing::subscriber::NoSubscriber::default(),
                    || run(&rt, catalog, ds, store, sql, force),
                )
            })
            .join()
            .unwrap_or_else(|_| Err(JobError::view(ds, "the view's query panicked".into())))
    })
}

/// Plans the query; if its inputs changed (or `force`), streams its result into ingest.
fn run(
    rt: &tokio::runtime::Runtime,
    catalog: &Catalog,
    ds: &Dataset,
    store: &Store,
    sql: &str,
    force: bool,
) -> Result<Outcome, JobError> {
    let Query {
        // The engine stays open while the query reads its tables.
        engine: _engine,
        df,
        checksum,
    } = match rt.block_on(plan(catalog, ds, store, sql, force))? {
        Planned::Unchanged(version) => return Ok(Outcome::Unchanged { version }),
        Planned::Changed(query) => *query,
    };
    let mut stream = rt
        .block_on(df.execute_stream())
        .map_err(|e| JobError::view(ds, format!("sql: {e}")))?;
    let schema = stream.schema();
    let source = BatchSource {
        geometry: schema
            .column_with_name(GEOMETRY_COLUMN)
            .map(|_| GEOMETRY_COLUMN.to_owned()),
        schema,
        checksum,
        driver: "SQL view".into(),
        layer: ds.id.to_string(),
        origin: "the view's query".into(),
    };
    // Each batch is computed when ingest asks for it: the result is never collected here.
    let batches = std::iter::from_fn(|| rt.block_on(stream.next()).map(|b| b.map_err(SqlFailure)));
    Ok(ingest::ingest_batches(ds, store, source, batches)?)
}

/// A failure while the query runs, worded as ingest reports it.
struct SqlFailure(DataFusionError);

impl std::fmt::Display for SqlFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sql: {}", self.0)
    }
}

enum Planned {
    Unchanged(u64),
    Changed(Box<Query>),
}

/// A view's planned query, the engine it reads, and the checksum of what it reads.
struct Query {
    engine: Engine,
    df: DataFrame,
    checksum: String,
}

/// Opens the engine the view may read, plans its query and computes its checksum.
async fn plan(
    catalog: &Catalog,
    ds: &Dataset,
    store: &Store,
    sql: &str,
    force: bool,
) -> Result<Planned, JobError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| JobError::view(ds, format!("{what}: {e}"));
    if let Some(issue) = access_issue(catalog, ds) {
        return Err(JobError::view(ds, issue.message));
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
            JobError::view(ds, format!("reads `{table}`, which is not a dataset"))
        })?;
        let v = engine.current(&id).ok_or_else(|| {
            JobError::view(ds, format!("reads `{table}`, which has not been ingested"))
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
        return Ok(Planned::Unchanged(current.version));
    }
    Ok(Planned::Changed(Box::new(Query {
        engine,
        df,
        checksum,
    })))
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
