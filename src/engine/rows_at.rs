//! Rows read by their place in a version's file (row group, row), handed back in the caller's
//! order: the second step of sorted pages, which choose their rows before reading them.

use std::sync::Arc;

use arrow::array::{RecordBatch, UInt64Array};
use arrow::compute::{concat_batches, take};
use datafusion::error::DataFusionError;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, RowSelection, RowSelector};

use super::direct::{BATCH_ROWS, open};
use super::read_count::{CountedFile, ReadCounts};

/// The columns `roots` (file columns, in the order wanted; repeats allowed) of the rows at
/// `places`, in the order of `places`, read by one reader over the row groups they lie in.
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
    // One reader over every group the page touches, selecting its rows: the column readers
    // are made once, not once per group.
    let groups: Vec<usize> = stored
        .chunk_by(|a, b| a.0 == b.0)
        .map(|chunk| chunk[0].0 as usize)
        .collect();
    let mut selectors = Vec::with_capacity(2 * stored.len() + groups.len());
    for chunk in stored.chunk_by(|a, b| a.0 == b.0) {
        let mut at = 0;
        for (_, r) in chunk {
            let r = *r as usize;
            if r > at {
                selectors.push(RowSelector::skip(r - at));
            }
            selectors.push(RowSelector::select(1));
            at = r + 1;
        }
        let rows = group_rows[chunk[0].0 as usize];
        if rows > at {
            selectors.push(RowSelector::skip(rows - at));
        }
    }
    counts.opened(groups.len());
    let mut batches = Vec::new();
    for batch in open(file, metadata, groups, mask, BATCH_ROWS)?
        .with_row_selection(RowSelection::from(selectors))
        .build()?
    {
        batches.push(batch?);
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
