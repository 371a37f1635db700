//! Rows read by their place in a version's file (row group, row), handed back in the caller's
//! order: the second step of sorted pages, which choose their rows before reading them.

use std::sync::Arc;

use arrow::array::{RecordBatch, UInt64Array};
use arrow::compute::{concat_batches, take};
use datafusion::error::DataFusionError;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, RowSelection};

use super::direct::{BATCH_ROWS, open};
use super::read_count::{CountedFile, ReadCounts};

/// The columns `roots` (file columns, in the order wanted; repeats allowed) of the rows at
/// `places`, in the order of `places`. Each row group is opened once, for its rows alone.
pub(super) fn rows_at(
    file: &CountedFile,
    counts: &ReadCounts,
    metadata: &ArrowReaderMetadata,
    group_rows: &[usize],
    places: &[(u32, u32)],
    roots: &[usize],
) -> Result<RecordBatch, DataFusionError> {
    let schema = Arc::new(metadata.schema().project(roots)?);
    if places.is_empty() {
        return Ok(RecordBatch::new_empty(schema));
    }
    let mut stored: Vec<(u32, u32)> = places.to_vec();
    stored.sort_unstable();
    stored.dedup();
    let mut read_roots = roots.to_vec();
    read_roots.sort_unstable();
    read_roots.dedup();
    let mask = ProjectionMask::roots(metadata.parquet_schema(), read_roots.iter().copied());
    let mut batches = Vec::new();
    for chunk in stored.chunk_by(|a, b| a.0 == b.0) {
        let g = chunk[0].0 as usize;
        let chosen = RowSelection::from_consecutive_ranges(
            chunk.iter().map(|(_, r)| *r as usize..*r as usize + 1),
            group_rows[g],
        );
        counts.opened(1);
        for batch in open(file, metadata, vec![g], mask.clone(), BATCH_ROWS)?
            .with_row_selection(chosen)
            .build()?
        {
            batches.push(batch?);
        }
    }
    let read = concat_batches(&batches[0].schema(), &batches)?;
    // Back from stored order to the caller's, and from file order to the wanted columns.
    let order = UInt64Array::from_iter_values(
        places
            .iter()
            .map(|p| stored.binary_search(p).expect("a read place") as u64),
    );
    let columns = roots
        .iter()
        .map(|r| {
            let c = read_roots.binary_search(r).expect("a projected root");
            take(read.column(c).as_ref(), &order, None)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(schema, columns)?)
}
