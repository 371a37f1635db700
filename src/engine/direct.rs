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
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::Expr;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowPredicateFn, ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    RowFilter,
};

use super::{DatasetVersion, Engine, EngineError, ItemsQuery, output_columns, selection};

/// Rows per batch at most (DataFusion's default batch size).
const BATCH_ROWS: usize = 8192;
/// Pages up to this many rows are read directly; larger reads (whole-dataset streams) keep the
/// planned, streaming path, since a direct page is read whole before its first batch is sent.
const MAX_DIRECT_ROWS: usize = 100_001;

/// A version's footer with the table's schema, made once on first use.
#[derive(Default)]
pub struct Reader {
    metadata: std::sync::OnceLock<Option<ArrowReaderMetadata>>,
}

impl Reader {
    fn metadata(&self, v: &DatasetVersion) -> Option<ArrowReaderMetadata> {
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
) -> Result<Option<SendableRecordBatchStream>, EngineError> {
    if !q.sort.is_empty() || q.limit > MAX_DIRECT_ROWS {
        return Ok(None);
    }
    let Some(metadata) = v.direct.metadata(v) else {
        return Ok(None);
    };
    let (keep, predicate) = selection(v, q);
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

    // Unfiltered: whole row groups before the offset are not even opened.
    let mut groups: Vec<usize> = (0..keep.len()).filter(|g| keep[*g]).collect();
    let mut offset = q.offset as usize;
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
    let page = Page {
        path: v.path.clone(),
        metadata,
        groups,
        out_roots,
        output: output.clone(),
        filter,
        offset,
        limit: q.limit,
    };
    let batches = tokio::task::spawn_blocking(move || page.read())
        .await
        .map_err(|e| DataFusionError::External(Box::new(e)))??;
    let stream = futures::stream::iter(batches.into_iter().map(Ok));
    Ok(Some(Box::pin(RecordBatchStreamAdapter::new(
        output, stream,
    ))))
}

/// A condition compiled for the columns it reads.
struct Condition {
    /// Root columns it reads, in file order (the order the reader hands them over).
    roots: Vec<usize>,
    expr: Arc<dyn PhysicalExpr>,
}

impl Condition {
    /// `None` for a condition that reads no column.
    fn compile(
        engine: &Engine,
        schema: &Schema,
        predicate: Expr,
    ) -> Result<Option<Condition>, EngineError> {
        let mut roots: Vec<usize> = predicate
            .column_refs()
            .into_iter()
            .map(|c| schema.index_of(&c.name))
            .collect::<Result<_, _>>()
            .map_err(DataFusionError::from)?;
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
    metadata: ArrowReaderMetadata,
    groups: Vec<usize>,
    out_roots: Vec<usize>,
    output: SchemaRef,
    filter: Option<Condition>,
    offset: usize,
    limit: usize,
}

impl Page {
    fn read(self) -> Result<Vec<RecordBatch>, DataFusionError> {
        if self.groups.is_empty() || self.limit == 0 {
            return Ok(Vec::new());
        }
        let file = File::open(&self.path)?;
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
        let reader = |groups: Vec<usize>| -> Result<_, DataFusionError> {
            Ok(ParquetRecordBatchReaderBuilder::new_with_metadata(
                file.try_clone()?,
                self.metadata.clone(),
            )
            .with_row_groups(groups)
            .with_projection(mask.clone())
            .with_batch_size(batch_rows))
        };
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
        let Some(condition) = self.filter else {
            // Unfiltered: the reader skips the offset and stops at the limit.
            let mut builder = reader(self.groups)?.with_limit(self.limit);
            if self.offset > 0 {
                builder = builder.with_offset(self.offset);
            }
            for batch in builder.build()? {
                keep(batch?)?;
            }
            return Ok(batches);
        };
        // Filtered: group by group, so that a page that fills early reads no further (the
        // reader would evaluate the condition over every group before the first row).
        let condition_mask = ProjectionMask::roots(parquet_schema, condition.roots.iter().copied());
        let (mut skip, mut left) = (self.offset, self.limit);
        for group in self.groups {
            if left == 0 {
                break;
            }
            let expr = condition.expr.clone();
            let predicate =
                ArrowPredicateFn::new(condition_mask.clone(), move |batch: RecordBatch| {
                    matches(expr.as_ref(), &batch)
                });
            let builder = reader(vec![group])?
                .with_row_filter(RowFilter::new(vec![Box::new(predicate)]))
                .with_limit(skip + left);
            for batch in builder.build()? {
                let mut batch = batch?;
                if skip >= batch.num_rows() {
                    skip -= batch.num_rows();
                    continue;
                }
                batch = batch.slice(skip, batch.num_rows() - skip);
                skip = 0;
                let take = batch.num_rows().min(left);
                left -= take;
                keep(batch.slice(0, take))?;
                if left == 0 {
                    break;
                }
            }
        }
        Ok(batches)
    }
}

/// Which rows of `batch` meet the condition; a null condition does not match (SQL's WHERE).
fn matches(expr: &dyn PhysicalExpr, batch: &RecordBatch) -> Result<BooleanArray, ArrowError> {
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
