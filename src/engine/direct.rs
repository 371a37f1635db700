//! Pages in stored order, read straight from a version's Parquet file: no DataFusion plan.
//!
//! Planning and starting a DataFusion query costs more than reading a small page, so a page
//! that needs no sort is read here: the row groups the boxes keep ([`super::selection`], the same
//! as the planned path), the condition (bbox, `?prop=value`, `datetime`, CQL2) as a parquet
//! `RowFilter` that decodes only the columns it reads and materialises the others only for
//! matching rows, and the offset and limit applied by the reader. An unfiltered page starts at
//! the row group that holds its offset, so a deep page costs what the first one does.
//!
//! The rows, their order and their types are those of [`Engine::planned_items`]: the file is
//! read with the table's schema (DataFusion reads strings and binaries as views), the condition
//! is coerced and compiled by the engine's session like a planned filter, and rows come in
//! stored order, as the single-partition scan returns them. A condition that reads no column
//! (`false` on a table without geometry) is left to the planned path.

use std::fs::File;
use std::sync::Arc;

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::compute::prep_null_mask_filter;
use arrow::datatypes::{Schema, SchemaRef};
use arrow::error::ArrowError;
use datafusion::common::DFSchema;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelectionPolicy, RowSelector,
};

use super::read_count::{CountedFile, ReadCounts, Reads};
use super::row_groups::from_row;
use super::{
    DatasetVersion, Engine, EngineError, Items, ItemsQuery, Selection, output_columns, selection,
    starting_at,
};

/// Rows per batch at most (DataFusion's default batch size).
pub(super) const BATCH_ROWS: usize = 8192;
/// Pages up to this many rows are read directly; larger reads (whole-dataset streams) keep the
/// planned, streaming path, since a direct page is read whole before its first batch is sent.
const MAX_DIRECT_ROWS: usize = 100_001;

/// A version's footer with the table's schema, made once on first use, and what has been read.
#[derive(Default)]
pub struct Reader {
    metadata: std::sync::OnceLock<Option<ArrowReaderMetadata>>,
    pub(super) counts: ReadCounts,
}

impl Reader {
    /// Row groups opened and bytes read by direct pages and counts of this version so far.
    pub fn reads(&self) -> Reads {
        self.counts.get()
    }

    pub(super) fn metadata(&self, v: &DatasetVersion) -> Option<ArrowReaderMetadata> {
        self.metadata
            .get_or_init(|| {
                let footer = v.index.reader_metadata.as_ref()?.metadata().clone();
                let options = ArrowReaderOptions::new().with_schema(v.schema());
                match ArrowReaderMetadata::try_new(footer, options) {
                    Ok(m) => Some(m),
                    Err(e) => {
                        tracing::warn!(error = %e, "pages of this version are planned: its footer does not read as the table's schema");
                        None
                    }
                }
            })
            .clone()
    }
}

/// The page of `q` read directly, or `None` when it needs the planned path (a sort, a very
/// large read, a condition without columns, a footer that did not read).
pub async fn items(
    engine: &Engine,
    v: &DatasetVersion,
    q: &ItemsQuery,
) -> Result<Option<Items>, EngineError> {
    if !q.sort.is_empty() || q.limit > MAX_DIRECT_ROWS {
        return Ok(None);
    }
    let Some(metadata) = v.direct.metadata(v) else {
        return Ok(None);
    };
    let Selection {
        groups: mut keep,
        boxes,
        predicate,
    } = selection(v, q);
    let start = starting_at(v, q, &mut keep);
    let schema = metadata.schema().clone();
    let filter = match predicate {
        Some(p) => match Condition::compile(engine, &schema, p)? {
            Some(c) => Some(c),
            None => return Ok(None),
        },
        None => None,
    };
    let names = output_columns(v, q);
    let out_roots: Vec<usize> = names
        .iter()
        .map(|n| schema.index_of(n))
        .collect::<Result<_, _>>()
        .map_err(DataFusionError::from)?;
    let output: SchemaRef = Arc::new(schema.project(&out_roots).map_err(DataFusionError::from)?);

    let mut offset = q.offset as usize;
    let mut groups: Vec<usize> = (0..keep.len()).filter(|g| keep[*g]).collect();
    // Unfiltered, every group from the start's on is kept: its row within them is an offset.
    let start = match (start, &filter) {
        (Some(at), None) => {
            offset += at.row;
            None
        }
        (start, _) => start,
    };
    // Unfiltered: whole row groups before the offset are not even opened.
    if filter.is_none() {
        while let Some(&g) = groups.first() {
            let rows = v.index.rows[g];
            if offset < rows {
                break;
            }
            offset -= rows;
            groups.remove(0);
        }
    }
    // Within each row group, only the data pages whose boxes meet the query's are read, and
    // in the start group only the rows from the start on.
    let groups: Vec<(usize, Option<RowSelection>)> = groups
        .into_iter()
        .map(|g| {
            let pages = match boxes.is_empty() {
                true => None,
                false => v.index.pages.selection(g, &boxes),
            };
            let from = start
                .filter(|at| at.group == g)
                .map(|at| from_row(at.row, v.index.rows[g]));
            let rows = match (pages, from) {
                (Some(p), Some(f)) => Some(p.intersection(&f)),
                (p, f) => p.or(f),
            };
            (g, rows)
        })
        .filter(|(_, rows)| rows.as_ref().is_none_or(RowSelection::selects_any))
        .collect();
    // A filtered page may examine every candidate row before it fills: inline only when
    // there are few.
    let small = q.limit <= INLINE_ROWS
        && (filter.is_none() || candidate_rows(&groups, &v.index.rows) <= INLINE_CANDIDATES);
    let page = Page {
        path: v.path.clone(),
        counts: v.direct.counts.clone(),
        metadata,
        groups,
        group_rows: v.index.rows.clone(),
        out_roots,
        output: output.clone(),
        filter,
        offset,
        limit: q.limit,
    };
    let (batches, ends, complete) = small_or_blocking(small, move || page.read()).await?;
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    let stream = futures::stream::iter(batches.into_iter().map(Ok));
    Ok(Some(Items {
        stream: Box::pin(RecordBatchStreamAdapter::new(output, stream)),
        ends,
        complete,
        keys: None,
        rows: Some(rows),
    }))
}

/// `numberMatched` of `q`, without reading its page: the manifest's count when unfiltered; for
/// a bbox alone, the rows of the pages wholly inside the box plus the matches read from the
/// pages on its edge (a few pages, not a scan). `None` for other conditions, which would need
/// a scan of every match.
pub async fn number_matched(
    engine: &Engine,
    v: &DatasetVersion,
    q: &ItemsQuery,
) -> Result<Option<u64>, EngineError> {
    if q.is_unfiltered() {
        return Ok(Some(v.manifest.row_count));
    }
    if q.bbox.is_none() || q.filter.is_some() || q.datetime.is_some() {
        return Ok(None);
    }
    if !v.has_geometry() {
        return Ok(Some(0));
    }
    let Some(metadata) = v.direct.metadata(v) else {
        return Ok(None);
    };
    let Selection {
        groups,
        boxes,
        predicate: Some(predicate),
    } = selection(v, q)
    else {
        return Ok(None);
    };
    let mut whole = 0u64;
    let mut edges: Vec<(usize, Option<RowSelection>)> = Vec::new();
    for g in (0..groups.len()).filter(|g| groups[*g]) {
        match v.index.pages.whole_and_edge(g, &boxes) {
            Some((rows, edge)) => {
                whole += rows as u64;
                if edge.selects_any() {
                    edges.push((g, Some(edge)));
                }
            }
            None => edges.push((g, None)),
        }
    }
    if edges.is_empty() {
        return Ok(Some(whole));
    }
    let Some(condition) = Condition::compile(engine, metadata.schema(), predicate)? else {
        return Ok(None);
    };
    let path = v.path.clone();
    let counts = v.direct.counts.clone();
    let small = candidate_rows(&edges, &v.index.rows) <= INLINE_CANDIDATES;
    let on_edges = small_or_blocking(small, move || -> Result<u64, DataFusionError> {
        let file = counts.counted(File::open(&path)?);
        let mask =
            ProjectionMask::roots(metadata.parquet_schema(), condition.roots.iter().copied());
        let mut count = 0u64;
        for (group, rows) in edges {
            counts.opened(1);
            let mut builder = open(&file, &metadata, vec![group], mask.clone(), BATCH_ROWS)?;
            if let Some(rows) = rows {
                builder = builder.with_row_selection(rows);
            }
            for batch in builder.build()? {
                count += matches(condition.expr.as_ref(), &batch?)?.true_count() as u64;
            }
        }
        Ok(count)
    })
    .await?;
    Ok(Some(whole + on_edges))
}

/// Pages up to this many rows are read on the calling task, if they have at most
/// [`INLINE_CANDIDATES`] rows to examine (filtered pages and edge counts).
pub(super) const INLINE_ROWS: usize = 1001;
const INLINE_CANDIDATES: usize = 16_384;

/// Rows a read of these groups (each with its selected rows, or whole) examines at most.
fn candidate_rows(groups: &[(usize, Option<RowSelection>)], group_rows: &[usize]) -> usize {
    groups
        .iter()
        .map(|(g, rows)| {
            rows.as_ref()
                .map_or(group_rows[*g], RowSelection::row_count)
        })
        .sum()
}

/// Runs a read of a version's file: on the calling task when it is `small` (a few pages from
/// the page cache: handing it to the blocking pool and back costs more than the read, in
/// thread wake-ups), else on the blocking pool.
pub(super) async fn small_or_blocking<T: Send + 'static>(
    small: bool,
    read: impl FnOnce() -> Result<T, DataFusionError> + Send + 'static,
) -> Result<T, DataFusionError> {
    if small {
        return read();
    }
    tokio::task::spawn_blocking(read)
        .await
        .map_err(|e| DataFusionError::External(Box::new(e)))?
}

/// A condition compiled for the columns it reads.
pub(super) struct Condition {
    /// Root columns it reads, in file order (the order the reader hands them over).
    pub(super) roots: Vec<usize>,
    pub(super) expr: Arc<dyn PhysicalExpr>,
}

impl Condition {
    /// `None` for a condition that reads no column.
    fn compile(
        engine: &Engine,
        schema: &Schema,
        predicate: Expr,
    ) -> Result<Option<Condition>, EngineError> {
        Self::compile_reading(engine, schema, predicate, &[])
    }

    /// As [`Condition::compile`], for batches that also hold the columns `also`.
    pub(super) fn compile_reading(
        engine: &Engine,
        schema: &Schema,
        predicate: Expr,
        also: &[usize],
    ) -> Result<Option<Condition>, EngineError> {
        let mut roots: Vec<usize> = predicate
            .column_refs()
            .into_iter()
            .map(|c| schema.index_of(&c.name))
            .collect::<Result<_, _>>()
            .map_err(DataFusionError::from)?;
        if roots.is_empty() {
            return Ok(None);
        }
        roots.extend_from_slice(also);
        roots.sort_unstable();
        roots.dedup();
        if roots.is_empty() {
            return Ok(None);
        }
        let read = DFSchema::try_from(schema.project(&roots).map_err(DataFusionError::from)?)?;
        let state = engine.ctx.state_ref();
        let expr = state.read().create_physical_expr(predicate, &read)?;
        Ok(Some(Condition { roots, expr }))
    }
}

/// Everything the blocking read needs.
struct Page {
    path: std::path::PathBuf,
    counts: ReadCounts,
    metadata: ArrowReaderMetadata,
    /// Row groups to read, each with the rows that may match (all when `None`).
    groups: Vec<(usize, Option<RowSelection>)>,
    /// Rows of every row group of the file.
    group_rows: Vec<usize>,
    out_roots: Vec<usize>,
    output: SchemaRef,
    filter: Option<Condition>,
    offset: usize,
    limit: usize,
}

impl Page {
    /// The page's batches; for a filtered page, the stored row after each of its rows, and
    /// whether the read examined every candidate (so that the page holds the last match).
    fn read(self) -> Result<(Vec<RecordBatch>, Vec<u64>, bool), DataFusionError> {
        if self.groups.is_empty() || self.limit == 0 {
            let examined_all = self.groups.is_empty() && self.filter.is_some();
            return Ok((Vec::new(), Vec::new(), examined_all));
        }
        let file = self.counts.counted(File::open(&self.path)?);
        let parquet_schema = self.metadata.parquet_schema();
        let mut roots = self.out_roots.clone();
        roots.sort_unstable();
        let mask = ProjectionMask::roots(parquet_schema, roots.iter().copied());
        // The reader hands columns over in file order; the page wants them in output order.
        let order: Vec<usize> = self
            .out_roots
            .iter()
            .map(|r| roots.binary_search(r).expect("a projected root"))
            .collect();
        let batch_rows = self.limit.clamp(1, BATCH_ROWS);
        let reader =
            |groups: Vec<usize>| open(&file, &self.metadata, groups, mask.clone(), batch_rows);
        let mut batches = Vec::new();
        let mut keep = |batch: RecordBatch| -> Result<(), DataFusionError> {
            let batch = batch.project(&order)?;
            // The projected schema (no file metadata), as the planned path's batches carry.
            batches.push(RecordBatch::try_new(
                self.output.clone(),
                batch.columns().to_vec(),
            )?);
            Ok(())
        };
        let Some(condition) = &self.filter else {
            // Unfiltered: the reader skips the offset and stops at the limit.
            let groups: Vec<usize> = self.groups.iter().map(|(g, _)| *g).collect();
            self.counts.opened(groups.len());
            let mut builder = reader(groups)?.with_limit(self.limit);
            if self.offset > 0 {
                builder = builder.with_offset(self.offset);
            }
            for batch in builder.build()? {
                keep(batch?)?;
            }
            return Ok((batches, Vec::new(), false));
        };
        // Filtered, group by group, so that a page that fills early reads no further: first
        // which rows match (the condition's columns only, until there are enough), then the
        // page's columns of just those rows.
        let (mut skip, mut left) = (self.offset, self.limit);
        let mut ends = Vec::new();
        let mut first_row = 0u64;
        let mut first_rows = Vec::with_capacity(self.group_rows.len());
        for rows in &self.group_rows {
            first_rows.push(first_row);
            first_row += *rows as u64;
        }
        for (group, rows) in &self.groups {
            if left == 0 {
                break;
            }
            let group_rows = self.group_rows[*group];
            let candidates = rows
                .clone()
                .unwrap_or_else(|| RowSelection::from(vec![RowSelector::select(group_rows)]));
            let hits = self.matching_rows(&file, condition, *group, &candidates, skip + left)?;
            let skipped = hits.len().min(skip);
            skip -= skipped;
            let hits = &hits[skipped..];
            if hits.is_empty() {
                continue;
            }
            left -= hits.len();
            let chosen =
                RowSelection::from_consecutive_ranges(hits.iter().map(|r| *r..*r + 1), group_rows);
            for batch in reader(vec![*group])?.with_row_selection(chosen).build()? {
                keep(batch?)?;
            }
            ends.extend(hits.iter().map(|r| first_rows[*group] + *r as u64 + 1));
        }
        // Not filled: every candidate was examined, so no match follows.
        Ok((batches, ends, left > 0))
    }

    /// The rows (within `group`) among `candidates` that meet `condition`, in stored order,
    /// reading only the condition's columns and stopping at `want` of them.
    fn matching_rows(
        &self,
        file: &CountedFile,
        condition: &Condition,
        group: usize,
        candidates: &RowSelection,
        want: usize,
    ) -> Result<Vec<usize>, DataFusionError> {
        let mask = ProjectionMask::roots(
            self.metadata.parquet_schema(),
            condition.roots.iter().copied(),
        );
        self.counts.opened(1);
        let batch_rows = want.saturating_mul(4).clamp(512, BATCH_ROWS);
        let reader = open(file, &self.metadata, vec![group], mask, batch_rows)?
            .with_row_selection(candidates.clone())
            .build()?;
        // The rows the reader hands over, in order: the selected runs of the candidates.
        let mut read_rows = selected_rows(candidates);
        let mut hits = Vec::new();
        for batch in reader {
            let batch = batch?;
            let matched = matches(condition.expr.as_ref(), &batch)?;
            for (i, row) in read_rows.by_ref().take(batch.num_rows()).enumerate() {
                if matched.value(i) {
                    hits.push(row);
                    if hits.len() == want {
                        return Ok(hits);
                    }
                }
            }
        }
        Ok(hits)
    }
}

/// The rows (within their group) a selection hands over, in order.
pub(super) fn selected_rows(selection: &RowSelection) -> impl Iterator<Item = usize> + '_ {
    let mut at = 0;
    selection
        .iter()
        .filter_map(move |s| {
            let run = at..at + s.row_count;
            at = run.end;
            (!s.skip).then_some(run)
        })
        .flatten()
}

/// A reader of `groups` of `file` (the caller counts them as opened), for the columns in `mask`.
pub(super) fn open(
    file: &CountedFile,
    metadata: &ArrowReaderMetadata,
    groups: Vec<usize>,
    mask: ProjectionMask,
    batch_rows: usize,
) -> Result<ParquetRecordBatchReaderBuilder<CountedFile>, DataFusionError> {
    Ok(
        ParquetRecordBatchReaderBuilder::new_with_metadata(file.try_clone()?, metadata.clone())
            .with_row_groups(groups)
            .with_projection(mask)
            .with_batch_size(batch_rows)
            // Skip unselected runs page by page: a mask would decode every page of a group.
            .with_row_selection_policy(RowSelectionPolicy::Selectors),
    )
}

/// Which rows of `batch` meet the condition; a null condition does not match (SQL's WHERE).
pub(super) fn matches(
    expr: &dyn PhysicalExpr,
    batch: &RecordBatch,
) -> Result<BooleanArray, ArrowError> {
    let value = expr
        .evaluate(batch)
        .and_then(|v| v.into_array(batch.num_rows()))
        .map_err(|e| ArrowError::ExternalError(Box::new(e)))?;
    let matches = value
        .as_boolean_opt()
        .ok_or_else(|| ArrowError::ComputeError("a condition that is not true or false".into()))?;
    Ok(if matches.null_count() > 0 {
        prep_null_mask_filter(matches)
    } else {
        matches.clone()
    })
}
