//! A sort index per sortable column (`store::sort_index`), written from the version's finished
//! data file: one column read at a time, so that memory holds one column and the id ranks.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef};
use arrow::compute::concat;
use arrow::datatypes::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::store::layout::{BBOX_COLUMN, GEOMETRY_COLUMN, ID_COLUMN, sort_index_file};
use crate::store::sort_index;

/// Rows per batch while a column is read whole.
const BATCH_ROWS: usize = 64 * 1024;

/// Writes the sort indexes of the data file `data` into `dir`; the number written.
pub fn write(data: &Path, dir: &Path) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(data)?)?;
    let schema = builder.schema().clone();
    let rows = builder.metadata().file_metadata().num_rows() as usize;
    if rows > u32::MAX as usize {
        return Ok(0);
    }
    let Ok(id_root) = schema.index_of(ID_COLUMN) else {
        return Ok(0);
    };
    let ranks =
        sort_index::id_ranks(column(data, id_root, schema.field(id_root).data_type())?.as_ref())?;
    let mut written = 0;
    for (root, field) in schema.fields().iter().enumerate() {
        let name = field.name();
        if name == GEOMETRY_COLUMN
            || name == BBOX_COLUMN
            || !sort_index::sortable(field.data_type())
        {
            continue;
        }
        let key = column(data, root, field.data_type())?;
        let (order, starts) = sort_index::order(key.as_ref(), &ranks)?;
        drop(key);
        sort_index::write(&dir.join(sort_index_file(root)), &order, &starts)?;
        written += 1;
    }
    Ok(written)
}

/// Column `root` of the whole file, in stored order.
fn column(
    data: &Path,
    root: usize,
    data_type: &DataType,
) -> Result<ArrayRef, Box<dyn std::error::Error + Send + Sync>> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(data)?)?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), [root]);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()?;
    let mut parts: Vec<ArrayRef> = Vec::new();
    for batch in reader {
        parts.push(batch?.column(0).clone());
    }
    let refs: Vec<&dyn Array> = parts.iter().map(Arc::as_ref).collect();
    Ok(match refs.len() {
        0 => arrow::array::new_empty_array(data_type),
        1 => parts[0].clone(),
        _ => concat(&refs)?,
    })
}
