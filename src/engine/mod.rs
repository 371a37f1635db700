//! The query engine: each dataset version as a DataFusion table, and typed queries on them.
//!
//! Invariants: a request works on one [`DatasetVersion`] from start to end (it holds an `Arc`),
//! so a new version switched in by ingest never tears a response; paging cursors name their
//! version, which stays readable while it is on disk. Queries are DataFusion expressions built
//! from typed values, never SQL text.
//!
//! Only public datasets are opened ([`Engine::open`]): a `restricted` or `non-public` dataset has
//! no table, no current version and no old versions here, so nothing that serves data through
//! the engine (collections, items, SQL, streamed downloads) can reach it. Its versions are still
//! ingested and stored, so making it public later needs no new ingest.

pub mod accent;
mod direct;
pub mod filter;
mod indexed;
pub mod keyset;
pub mod local_reads;
pub mod locate;
mod pages;
mod read_count;
mod row_groups;
mod rows_at;
mod sorted;
pub mod spatial;
mod st_intersects_bbox;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;
use arrow::array::RecordBatch;
use chrono::{DateTime, Utc};
use datafusion::common::Column;
use datafusion::datasource::TableProvider;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{Expr, lit};
use datafusion::prelude::{SessionConfig, SessionContext};

pub use read_count::Reads;
pub use row_groups::{RowGroupIndex, RowGroupSubset, RowPosition, with_access_plan};
pub use st_intersects_bbox::StIntersectsBbox;

use crate::catalog::{Catalog, DatasetId};
use crate::geom::Bbox;
use crate::store::layout::{BBOX_COLUMN, GEOMETRY_COLUMN, ID_COLUMN};
use crate::store::{Manifest, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("query engine: {0}")]
    DataFusion(#[from] DataFusionError),
    #[error("dataset `{0}` has not been ingested")]
    NotIngested(DatasetId),
    #[error("version {version} of dataset `{dataset}` is no longer available")]
    VersionGone { dataset: DatasetId, version: u64 },
    /// Not a dataset this engine opens (not in the catalog, or not public).
    #[error("dataset `{0}` is not served")]
    NotServed(DatasetId),
}

/// One immutable version of a dataset, ready to query.
pub struct DatasetVersion {
    pub manifest: Manifest,
    table: Arc<dyn TableProvider>,
    index: RowGroupIndex,
    /// The version's Parquet file, for direct row reads.
    path: std::path::PathBuf,
    /// Its footer as the direct page reader reads it.
    direct: direct::Reader,
    /// How DataFusion's scans (SQL) read its file.
    local_reads: Arc<local_reads::LocalReads>,
}

impl DatasetVersion {
    pub fn version(&self) -> u64 {
        self.manifest.version
    }

    pub fn has_geometry(&self) -> bool {
        self.manifest.geometry.is_some()
    }

    /// What direct pages and counts have read of this version's file so far.
    pub fn direct_reads(&self) -> Reads {
        self.direct.reads()
    }

    /// Data pages listed in this version's page index (0 for a file without one).
    pub fn page_count(&self) -> usize {
        self.index.pages.count()
    }

    /// The table over this version's file (for the SQL endpoint's per-query sessions).
    pub fn table(&self) -> Arc<dyn TableProvider> {
        self.table.clone()
    }

    /// `plan` with its scans of this version's file reading through the version's own reader
    /// ([`local_reads`]).
    pub fn local_reads(
        &self,
        plan: Arc<dyn datafusion::physical_plan::ExecutionPlan>,
    ) -> Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>, DataFusionError> {
        self.local_reads.apply(plan)
    }

    /// The version's Parquet file (the SQL endpoint's spatial index reads its `bbox` column).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored columns and their types (id, published columns, geometry, bbox).
    pub fn schema(&self) -> arrow::datatypes::SchemaRef {
        self.table.schema()
    }
}

/// A time range for `datetime` filters; `None` bounds are open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeRange {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// A page of features: which ones, and from where.
#[derive(Debug, Clone, Default)]
pub struct ItemsQuery {
    pub bbox: Option<Bbox>,
    pub datetime: Option<TimeRange>,
    /// Further conditions (CQL2 `filter`, property parameters), built from validated columns.
    pub filter: Option<Expr>,
    /// Boxes every match must intersect (from a spatial `filter`), used to skip row groups.
    pub filter_boxes: Option<Vec<Bbox>>,
    /// Sort keys: (published column, ascending). The id always breaks ties, so that an order is
    /// total and offsets page through it exactly once.
    pub sort: Vec<(String, bool)>,
    /// Published columns to return (all when `None`); the id is always returned.
    pub properties: Option<Vec<String>>,
    /// Leave the geometry out (`geometry: null`).
    pub skip_geometry: bool,
    /// Where the page starts in stored order (a keyset cursor): the first stored row it may
    /// return. Pages in stored order only; a sorted page ignores it.
    pub start: Option<u64>,
    /// Where a sorted page starts (a keyset cursor): the sort key values and the id of the row
    /// before it ([`keyset`]). Sorted pages only; a page in stored order ignores it.
    pub after: Option<Vec<datafusion::common::ScalarValue>>,
    /// With `after`: the rows of the result up to and including that row, as the cursor
    /// counted them. An unfiltered page sorted on one column goes straight there through the
    /// column's sort index, after checking that the row there is the one `after` names.
    pub position: Option<u64>,
    /// Rows of the (filtered) result to skip, from `start` or `after` on.
    pub offset: u64,
    /// Rows to return.
    pub limit: usize,
}

impl ItemsQuery {
    /// Whether the query selects every feature (so the manifest's row count is `numberMatched`).
    pub fn is_unfiltered(&self) -> bool {
        self.bbox.is_none() && self.datetime.is_none() && self.filter.is_none()
    }
}

/// A page's rows, and where each of them ends in stored order.
pub struct Items {
    pub stream: SendableRecordBatchStream,
    /// For a filtered page read in stored order: after each returned row, the stored row that
    /// the next page may start from ([`ItemsQuery::start`]), so that a deep page costs what
    /// the first one does. Empty where an offset is as cheap (unfiltered pages) or where rows
    /// have no stored position (sorted pages).
    pub ends: Vec<u64>,
    /// A filtered page in stored order that examined every candidate row: no match follows
    /// its rows, so the matches are those before the page and `ends.len()`.
    pub complete: bool,
    /// For a sorted page: the sort key columns and the id of each returned row
    /// ([`keyset::keys_of`]), from which the next page goes on ([`ItemsQuery::after`]).
    pub keys: Option<RecordBatch>,
    /// The rows of the page where the engine has read them before returning (direct and
    /// sorted pages), so that a page written after its `Link` header knows whether more follow.
    pub rows: Option<usize>,
}

/// Versions kept open for cursors that point at a version that is no longer current.
const PINNED_VERSIONS: usize = 32;

pub struct Engine {
    store: Store,
    ctx: SessionContext,
    current: BTreeMap<DatasetId, ArcSwapOption<DatasetVersion>>,
    pinned: Mutex<HashMap<(DatasetId, u64), Arc<DatasetVersion>>>,
    /// Bumped after every switch to a new version: documents built from the served versions
    /// are kept per generation (`http::cache`).
    generation: AtomicU64,
}

impl Engine {
    /// Opens the current version of every *public* catalog dataset that has been ingested: the
    /// engine that serves. Datasets that are not public stay closed to it.
    pub async fn open(store: Store, catalog: &Catalog) -> Result<Engine, EngineError> {
        Self::open_datasets(store, catalog, true).await
    }

    /// Opens every catalog dataset, public or not. Only for computing a view that is itself not
    /// public, at ingest; never for serving.
    pub async fn open_including_non_public(
        store: Store,
        catalog: &Catalog,
    ) -> Result<Engine, EngineError> {
        Self::open_datasets(store, catalog, false).await
    }

    async fn open_datasets(
        store: Store,
        catalog: &Catalog,
        public_only: bool,
    ) -> Result<Engine, EngineError> {
        // One partition: a file's rows come back in stored (Hilbert) order, so offsets page stably.
        let config = SessionConfig::new()
            .with_target_partitions(1)
            .with_repartition_file_scans(false)
            .with_information_schema(false)
            // Planned pages (sorted ones) evaluate their conditions, the keyset one included, on
            // the condition's columns first and decode the other columns only for the rows that
            // pass: a deep sorted page went from 46 to 23 ms on 200 000 points.
            .set_bool("datafusion.execution.parquet.pushdown_filters", true)
            .set_bool("datafusion.execution.parquet.reorder_filters", true);
        let ctx = SessionContext::new_with_config(config);
        ctx.register_udf(StIntersectsBbox::udf());
        let engine = Engine {
            store,
            ctx,
            current: catalog
                .datasets
                .iter()
                .filter(|d| d.is_public() || !public_only)
                .map(|d| (d.id.clone(), ArcSwapOption::empty()))
                .collect(),
            pinned: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        };
        engine.refresh().await;
        Ok(engine)
    }

    /// Picks up versions that ingest switched to since the last call. A version that cannot be
    /// opened is logged and skipped: the dataset keeps its previous version, the others are served.
    /// Returns the datasets that changed.
    pub async fn refresh(&self) -> Vec<DatasetId> {
        let mut changed = Vec::new();
        for (id, slot) in &self.current {
            match self.refresh_one(id, slot).await {
                Ok(Some(v)) => {
                    tracing::info!(dataset = %id, version = v, "serving new version");
                    changed.push(id.clone());
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!(dataset = %id, error = %e, "cannot open the current version")
                }
            }
        }
        if !changed.is_empty() {
            self.generation.fetch_add(1, Ordering::SeqCst);
        }
        changed
    }

    /// The version set being served: changes whenever any dataset switches versions.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    async fn refresh_one(
        &self,
        id: &DatasetId,
        slot: &ArcSwapOption<DatasetVersion>,
    ) -> Result<Option<u64>, EngineError> {
        let on_disk = self.store.current_version(id)?;
        let loaded = slot.load().as_ref().map(|v| v.version());
        match on_disk {
            Some(v) if on_disk != loaded => {
                slot.store(Some(self.load(id, v).await?));
                Ok(Some(v))
            }
            _ => Ok(None),
        }
    }

    async fn load(&self, id: &DatasetId, version: u64) -> Result<Arc<DatasetVersion>, EngineError> {
        let manifest = self.store.manifest(id, version)?;
        let path = std::path::absolute(self.store.data_path(id, version))
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let table = parquet_table(&self.ctx, &path).await?;
        // Planning a scan collects the file's statistics into the cache every later scan (SQL
        // ones too) reads. DataFusion reads the footer with its page index for them, 65 MB for
        // 10 million points: better here, before the trim after opening, than in the first
        // SQL query, on top of whatever the server is doing then.
        if let Err(e) = table
            .scan(&self.ctx.state(), Some(&vec![]), &[], None)
            .await
        {
            tracing::warn!(dataset = %id, error = %e, "collecting the statistics of a version");
        }
        let index_path = path.clone();
        let index = tokio::task::spawn_blocking(move || RowGroupIndex::read(&index_path))
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?
            .map_err(|e| DataFusionError::ParquetError(Box::new(e)))?;
        let footer = index
            .reader_metadata
            .as_ref()
            .map(|m| Arc::clone(m.metadata()));
        Ok(Arc::new(DatasetVersion {
            manifest,
            table,
            index,
            local_reads: Arc::new(local_reads::LocalReads::new(path.clone(), footer)),
            path,
            direct: direct::Reader::default(),
        }))
    }

    /// The store the versions are read from (version lists, manifests, stored downloads).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Ids of the served datasets (ingested or not), in id order.
    pub fn dataset_ids(&self) -> impl Iterator<Item = &DatasetId> {
        self.current.keys()
    }

    /// Whether the engine serves this dataset (it is in the catalog and public), ingested or not.
    pub fn serves(&self, id: &DatasetId) -> bool {
        self.current.contains_key(id)
    }

    /// The current version of a dataset, if it has been ingested.
    pub fn current(&self, id: &DatasetId) -> Option<Arc<DatasetVersion>> {
        self.current.get(id).and_then(|slot| slot.load_full())
    }

    /// A given version: the current one, or an older one still on disk (for paging cursors).
    pub async fn version(
        &self,
        id: &DatasetId,
        version: u64,
    ) -> Result<Arc<DatasetVersion>, EngineError> {
        // Old versions are read from the store: only those of served datasets.
        if !self.serves(id) {
            return Err(EngineError::NotServed(id.clone()));
        }
        if let Some(cur) = self.current(id).filter(|c| c.version() == version) {
            return Ok(cur);
        }
        let key = (id.clone(), version);
        // Retention may have removed a pinned version since: it is gone, not served from cache.
        let on_disk = self.store.version_dir(id, version).is_dir();
        if !on_disk {
            self.pinned.lock().expect("pinned lock").remove(&key);
        } else if let Some(v) = self.pinned.lock().expect("pinned lock").get(&key) {
            return Ok(v.clone());
        }
        if !on_disk {
            return Err(EngineError::VersionGone {
                dataset: id.clone(),
                version,
            });
        }
        let loaded = self.load(id, version).await?;
        let mut pinned = self.pinned.lock().expect("pinned lock");
        if pinned.len() >= PINNED_VERSIONS {
            pinned.clear();
        }
        pinned.insert(key, loaded.clone());
        Ok(loaded)
    }

    /// Streams one page of features: id, properties, geometry (no bbox column). A page in
    /// stored order is read straight from the Parquet file ([`direct`]); a sorted one through
    /// its column's sort index ([`indexed`]) or straight from the file in two steps
    /// ([`sorted`]), going on after its cursor's key ([`keyset`]); what neither reads (very
    /// large reads, conditions without columns) is planned with DataFusion.
    pub async fn items(&self, v: &DatasetVersion, q: &ItemsQuery) -> Result<Items, EngineError> {
        if let Some(items) = direct::items(self, v, q).await? {
            return Ok(items);
        }
        if let Some(items) = indexed::items(v, q).await? {
            return Ok(items);
        }
        if let Some(items) = sorted::items(self, v, q).await? {
            return Ok(items);
        }
        if !q.sort.is_empty() {
            return self.sorted_items(v, q).await;
        }
        Ok(Items {
            stream: self.planned_items(v, q).await?,
            ends: Vec::new(),
            complete: false,
            keys: None,
            rows: None,
        })
    }

    /// A sorted page, with the key of each row for the next page's cursor. The sort reads the
    /// whole selection before its first row anyway, so the page (at most `limit` rows) is
    /// gathered here and its key columns taken aside, including those it does not return.
    async fn sorted_items(&self, v: &DatasetVersion, q: &ItemsQuery) -> Result<Items, EngineError> {
        let output = output_columns(v, q);
        let key_names = keyset::keys_of(&q.sort);
        let mut read = output.clone();
        read.extend(key_names.iter().filter(|k| !output.contains(k)));
        let df = self.planned(v, q, &read)?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let page = arrow::compute::concat_batches(&schema, &df.collect().await?)
            .map_err(DataFusionError::from)?;
        let columns = |names: &[&str]| -> Result<RecordBatch, DataFusionError> {
            let indices = names
                .iter()
                .map(|n| schema.index_of(n))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(page.project(&indices)?)
        };
        let rows = columns(&output)?;
        let keys = columns(&key_names)?;
        let stream = futures::stream::iter([Ok(rows.clone())]);
        Ok(Items {
            stream: Box::pin(
                datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(
                    rows.schema(),
                    stream,
                ),
            ),
            ends: Vec::new(),
            complete: false,
            rows: Some(rows.num_rows()),
            keys: Some(keys),
        })
    }

    /// `numberMatched` of `q` where it is known without a scan: unfiltered pages and bbox
    /// pages (see [`direct::number_matched`]); `None` otherwise.
    pub async fn number_matched(
        &self,
        v: &DatasetVersion,
        q: &ItemsQuery,
    ) -> Result<Option<u64>, EngineError> {
        direct::number_matched(self, v, q).await
    }

    /// [`Engine::items`] through a DataFusion plan (sorted pages; and the reference that the
    /// direct reader is tested against).
    pub async fn planned_items(
        &self,
        v: &DatasetVersion,
        q: &ItemsQuery,
    ) -> Result<SendableRecordBatchStream, EngineError> {
        let df = self.planned(v, q, &output_columns(v, q))?;
        Ok(df.execute_stream().await?)
    }

    /// The plan of a page: its selection from its start (or after its key), sorted, `columns`.
    fn planned(
        &self,
        v: &DatasetVersion,
        q: &ItemsQuery,
        columns: &[&str],
    ) -> Result<datafusion::dataframe::DataFrame, EngineError> {
        let Selection {
            mut groups,
            predicate,
            ..
        } = selection(v, q);
        let start = starting_at(v, q, &mut groups);
        let table = RowGroupSubset::wrap_from(v.table.clone(), groups, start, &v.index.rows);
        let mut df = self.ctx.read_table(table)?;
        let after = match (&q.after, q.sort.is_empty()) {
            (Some(after), false) => Some(keyset::rows_after(&q.sort, after)),
            _ => None,
        };
        if let Some(p) = [predicate, after].into_iter().flatten().reduce(Expr::and) {
            df = df.filter(p)?;
        }
        if !q.sort.is_empty() {
            let mut keys: Vec<_> = q
                .sort
                .iter()
                .map(|(c, asc)| column(c).sort(*asc, !*asc))
                .collect();
            keys.push(column(ID_COLUMN).sort(true, false));
            df = df.sort(keys)?;
        }
        df = df.select(columns.iter().copied().map(column))?;
        Ok(df.limit(q.offset as usize, Some(q.limit))?)
    }

    /// One feature by id, or `None`: the id index names its row group and row, which are read
    /// straight from the file (a DataFusion plan costs more than the read itself).
    pub async fn feature(
        &self,
        v: &Arc<DatasetVersion>,
        id: &str,
    ) -> Result<Option<RecordBatch>, EngineError> {
        let version = Arc::clone(v);
        let id = id.to_owned();
        let batch = direct::small_or_blocking(true, move || {
            version
                .index
                .read_feature(&version.path, &id)
                .map_err(|e| DataFusionError::ParquetError(Box::new(e)))
        })
        .await?;
        Ok(batch.filter(|b| b.num_rows() == 1))
    }
}

async fn parquet_table(
    ctx: &SessionContext,
    path: &Path,
) -> Result<Arc<dyn TableProvider>, DataFusionError> {
    let url = ListingTableUrl::parse(path.to_string_lossy())?;
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let schema = options.infer_schema(&ctx.state(), &url).await?;
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(schema);
    // Without a statistics cache a table recomputes its file's statistics from the footer for
    // every scan (a top cost of small SQL queries); the version's file never changes.
    let statistics = ctx.runtime_env().cache_manager.get_file_statistic_cache();
    Ok(Arc::new(
        ListingTable::try_new(config)?.with_cache(statistics),
    ))
}

fn column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

/// What a page reads: the row groups that may hold matches, the boxes that narrow them, and
/// the condition every returned row meets.
struct Selection {
    groups: Vec<bool>,
    /// Sets of boxes; a match intersects some box of every set (the bbox parameter, the
    /// boxes of a spatial filter).
    boxes: Vec<Vec<Bbox>>,
    predicate: Option<Expr>,
}

fn selection(v: &DatasetVersion, q: &ItemsQuery) -> Selection {
    let mut predicates = Vec::new();
    let mut boxes = Vec::new();
    match q.bbox {
        Some(b) if v.has_geometry() => {
            let split = split_at_antimeridian(b);
            predicates.push(bbox_predicate(v, &split));
            boxes.push(split);
        }
        // A feature without geometry intersects no box.
        Some(_) => predicates.push(lit(false)),
        None => {}
    }
    if let (Some(filter_boxes), true) = (&q.filter_boxes, v.has_geometry()) {
        boxes.push(filter_boxes.clone());
    }
    if let Some(f) = &q.filter {
        predicates.push(f.clone());
    }
    if let (Some(t), Some(temporal)) = (q.datetime, &v.manifest.temporal) {
        predicates.extend(datetime_predicates(
            &temporal.start,
            temporal.end.as_deref(),
            t,
        ));
    }
    let mut groups = vec![true; v.index.rows.len()];
    for set in &boxes {
        for (k, hit) in groups.iter_mut().zip(v.index.groups_intersecting(set)) {
            *k &= hit;
        }
    }
    Selection {
        groups,
        boxes,
        predicate: predicates.into_iter().reduce(Expr::and),
    }
}

/// Where a page in stored order starts ([`ItemsQuery::start`]), with the row groups before it
/// dropped from `groups` (all of them when the start lies past the last row). A keyset
/// position only means something in stored order: `None` for a sorted page.
fn starting_at(v: &DatasetVersion, q: &ItemsQuery, groups: &mut [bool]) -> Option<RowPosition> {
    let n = q.start.filter(|_| q.sort.is_empty())?;
    let at = v.index.position(n);
    let first = at.map_or(groups.len(), |at| at.group);
    groups[..first].fill(false);
    at
}

/// The columns of a page, in order: id, the chosen (or all) published columns, geometry.
fn output_columns<'a>(v: &'a DatasetVersion, q: &'a ItemsQuery) -> Vec<&'a str> {
    let mut columns = vec![ID_COLUMN];
    match &q.properties {
        Some(selected) => columns.extend(selected.iter().map(String::as_str)),
        None => columns.extend(v.manifest.columns.iter().map(|c| c.name.as_str())),
    }
    if v.has_geometry() && !q.skip_geometry {
        columns.push(GEOMETRY_COLUMN);
    }
    columns
}

/// id, the published columns, geometry: everything but the bbox covering column.
/// A box whose minx > maxx crosses the antimeridian: two boxes, one on each side.
fn split_at_antimeridian(b: Bbox) -> Vec<Bbox> {
    if b.minx > b.maxx {
        vec![Bbox { maxx: 180.0, ..b }, Bbox { minx: -180.0, ..b }]
    } else {
        vec![b]
    }
}

/// Features whose bbox overlaps a query box (cheap, on the covering columns), then the exact
/// intersection test on the geometry.
fn bbox_predicate(v: &DatasetVersion, boxes: &[Bbox]) -> Expr {
    let points_only = v
        .manifest
        .geometry
        .as_ref()
        .is_some_and(|g| g.types.iter().all(|t| t == "Point" || t == "Point Z"));
    boxes
        .iter()
        .map(|b| {
            let field = |f: &str| get_field(column(BBOX_COLUMN), f);
            let overlap = field("xmax")
                .gt_eq(lit(b.minx))
                .and(field("xmin").lt_eq(lit(b.maxx)))
                .and(field("ymax").gt_eq(lit(b.miny)))
                .and(field("ymin").lt_eq(lit(b.maxy)));
            if points_only {
                // A point's bbox is the point: the overlap test is exact.
                overlap
            } else {
                let exact = StIntersectsBbox::udf().call(vec![
                    column(GEOMETRY_COLUMN),
                    lit(b.minx),
                    lit(b.miny),
                    lit(b.maxx),
                    lit(b.maxy),
                ]);
                overlap.and(exact)
            }
        })
        .reduce(Expr::or)
        .expect("at least one box")
}

/// An instant field lies in the range; an interval field overlaps it. Null bounds are open.
fn datetime_predicates(start_col: &str, end_col: Option<&str>, t: TimeRange) -> Vec<Expr> {
    let ts = |d: DateTime<Utc>| {
        lit(datafusion::common::ScalarValue::TimestampMillisecond(
            Some(d.timestamp_millis()),
            Some("UTC".into()),
        ))
    };
    let end_col = end_col.unwrap_or(start_col);
    let mut preds = Vec::new();
    if let Some(s) = t.start {
        preds.push(column(end_col).is_null().or(column(end_col).gt_eq(ts(s))));
    }
    if let Some(e) = t.end {
        preds.push(
            column(start_col)
                .is_null()
                .or(column(start_col).lt_eq(ts(e))),
        );
    }
    if start_col == end_col {
        // An instant with no value matches no time range.
        preds.push(column(start_col).is_not_null());
    }
    preds
}
