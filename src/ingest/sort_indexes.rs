//! A sort index per sortable column (`store::sort_index`), written from the version's finished
//! data file: one column at a time, besides the ids' ranks that every column's ties need.

use std::fs::File;
use std::path::Path;

use arrow::array::{ArrayRef, new_empty_array};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use crate::store::layout::{ID_COLUMN, sort_index_file};
use crate::store::sort_index;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Writes the sort indexes of the data file `data` into `dir` (its footer read once); the
/// number written.
pub fn write(data: &Path, dir: &Path) -> Result<usize, Error> {
    let footer = ArrowReaderMetadata::load(&File::open(data)?, ArrowReaderOptions::new())?;
    let schema = footer.schema().clone();
    let rows = footer.metadata().file_metadata().num_rows() as usize;
    if rows > u32::MAX as usize {
        return Ok(0);
    }
    let Ok(id_root) = schema.index_of(ID_COLUMN) else {
        return Ok(0);
    };
    let column = |root: usize| -> Result<ArrayRef, Error> {
        // The whole column in one batch, so that it is built in place, not concatenated.
        let builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(File::open(data)?, footer.clone());
        let mask = ProjectionMask::roots(builder.parquet_schema(), [root]);
        let mut reader = builder
            .with_projection(mask)
            .with_batch_size(rows.max(1))
            .build()?;
        Ok(match reader.next() {
            Some(batch) => batch?.column(0).clone(),
            None => new_empty_array(schema.field(root).data_type()),
        })
    };
    let ranks = sort_index::id_ranks(column(id_root)?.as_ref())?;
    // One column at a time: two at once took 24 s instead of 33 s for 10 M points, but raised
    // the ingest's peak from 1.43 to 1.70 GB (a string column's sort holds 24 bytes a row).
    let mut written = 0;
    for (root, field) in schema.fields().iter().enumerate() {
        if !sort_index::sortable(field.name(), field.data_type()) {
            continue;
        }
        let key = column(root)?;
        // A type Arrow cannot order goes without an index: its sorted pages are read without.
        let (order, starts) = match sort_index::order(key.as_ref(), &ranks) {
            Ok(ordered) => ordered,
            Err(e) => {
                tracing::warn!(column = %field.name(), error = %e, "no sort index");
                continue;
            }
        };
        drop(key);
        sort_index::write(&dir.join(sort_index_file(root)), &order, &starts)?;
        written += 1;
    }
    Ok(written)
}
