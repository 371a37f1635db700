//! Unfiltered pages sorted on one column, read through the column's sort index
//! (`store::sort_index`): the page's stored rows are read at its position in the index, then
//! the rows themselves, so a page costs the same at any depth, by offset or by keyset cursor.
//!
//! A keyset cursor also carries the count of rows before it ([`ItemsQuery::position`]). The
//! index goes there, and the row just before must be the one the cursor names (same key and
//! id); if it is not (a cursor made by hand), the page is left to the sorted reader, which
//! finds the position by the key. Filtered pages and sorts on several columns go there too.

use std::fs::File;

use arrow::array::RecordBatch;
use datafusion::common::ScalarValue;
use datafusion::error::DataFusionError;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;

use super::direct::{INLINE_ROWS, small_or_blocking};
use super::keyset::keys_of;
use super::rows_at::rows_at;
use super::{DatasetVersion, EngineError, Items, ItemsQuery, output_columns};
use crate::store::layout::sort_index_file;
use crate::store::sort_index::SortIndex;

/// The page of `q` through a sort index, or `None` when it is not an unfiltered page sorted on
/// one column that has an index, or its cursor does not match the index.
pub async fn items(v: &DatasetVersion, q: &ItemsQuery) -> Result<Option<Items>, EngineError> {
    let [(key, ascending)] = q.sort.as_slice() else {
        return Ok(None);
    };
    if !q.is_unfiltered() || q.limit == 0 {
        return Ok(None);
    }
    // Rows before the page; with a keyset cursor, the row before it is read too, to check it.
    let (before, check) = match (&q.after, q.position) {
        (None, _) => (q.offset as usize, false),
        (Some(_), Some(p)) if p > 0 => (p as usize - 1 + q.offset as usize, true),
        (Some(_), _) => return Ok(None),
    };
    let Some(metadata) = v.direct.metadata(v) else {
        return Ok(None);
    };
    let schema = metadata.schema().clone();
    let index_of = |name: &str| schema.index_of(name).map_err(DataFusionError::from);
    let path = v.path.with_file_name(sort_index_file(index_of(key)?));
    let index = match SortIndex::open(&path, v.manifest.row_count as usize) {
        Ok(Some(index)) => index,
        Ok(None) => return Ok(None),
        Err(e) => {
            tracing::warn!(error = %e, "sorted pages of this column are read without its index");
            return Ok(None);
        }
    };
    // Read together: the key columns (for the cursor and the check), then the page's.
    let keys = keys_of(&q.sort);
    let key_count = keys.len();
    let roots: Vec<usize> = keys
        .into_iter()
        .chain(output_columns(v, q))
        .map(index_of)
        .collect::<Result<_, _>>()?;
    // The page's stored rows: one small read of the index, on this task.
    let places: Vec<(u32, u32)> = index
        .rows(before, q.limit + usize::from(check), *ascending)
        .map_err(DataFusionError::from)?
        .into_iter()
        .map(|r| {
            let at = v.index.position(u64::from(r)).expect("a stored row");
            (at.group as u32, at.row as u32)
        })
        .collect();
    let counts = v.direct.counts.clone();
    let data = v.path.clone();
    let group_rows = v.index.rows.clone();
    let after = q.after.clone();
    let limit = q.limit;
    let read = move || -> Result<Option<(RecordBatch, RecordBatch)>, DataFusionError> {
        let file = counts.counted(File::open(&data)?);
        let read = rows_at(&file, &counts, &metadata, &group_rows, &places, &roots)?;
        let keys = read.project(&(0..key_count).collect::<Vec<_>>())?;
        let rows = read.project(&(key_count..roots.len()).collect::<Vec<_>>())?;
        if !check {
            counts.indexed_page();
            return Ok(Some((rows, keys)));
        }
        if !is_row(&keys, 0, after.as_deref().unwrap_or_default())? {
            return Ok(None);
        }
        let page = keys.num_rows().saturating_sub(1);
        counts.indexed_page();
        Ok(Some((rows.slice(1, page), keys.slice(1, page))))
    };
    let small = limit <= INLINE_ROWS;
    let Some((rows, keys)) = small_or_blocking(small, read).await? else {
        return Ok(None);
    };
    let count = rows.num_rows();
    let stream = futures::stream::iter([Ok(rows.clone())]);
    Ok(Some(Items {
        stream: Box::pin(RecordBatchStreamAdapter::new(rows.schema(), stream)),
        ends: Vec::new(),
        complete: false,
        keys: Some(keys),
        rows: Some(count),
    }))
}

/// Whether row `row` of `keys` (the sort key and the id) holds the values `values`.
fn is_row(keys: &RecordBatch, row: usize, values: &[ScalarValue]) -> Result<bool, DataFusionError> {
    if row >= keys.num_rows() || values.len() != keys.num_columns() {
        return Ok(false);
    }
    for (column, value) in keys.columns().iter().zip(values) {
        if &ScalarValue::try_from_array(column, row)? != value {
            return Ok(false);
        }
    }
    Ok(true)
}
