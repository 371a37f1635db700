//! An in-memory R-tree over one dataset version's feature boxes, and what a box query makes of
//! it: which row groups to read, and which rows of them.
//!
//! Built lazily, on the first SQL query with a spatial condition on the version, from the stored
//! `bbox` covering column (no geometry is parsed), and dropped with the version. Memory is
//! bounded: a version of more than [`MAX_INDEXED_ROWS`] rows gets no tree (about 56 bytes a
//! row), only the row groups' boxes from the footer statistics, which still skip every row
//! group the query box misses.

use std::fs::File;
use std::ops::Range;
use std::path::Path;

use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReaderBuilder, RowSelection};
use parquet::errors::ParquetError;
use parquet::file::statistics::Statistics;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use arrow::array::{Array, AsArray};
use arrow::datatypes::Float64Type;
use datafusion::datasource::physical_plan::parquet::{ParquetAccessPlan, RowGroupAccess};

use crate::geom::Bbox;
use crate::store::layout::BBOX_COLUMN;

/// Versions with more rows get no R-tree (bounded memory); their row groups are still pruned.
pub const MAX_INDEXED_ROWS: usize = 1_000_000;

/// A row's box and its row number in the file.
type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// What is known of a version's feature boxes.
pub struct SpatialIndex {
    /// Rows of each row group.
    group_rows: Vec<usize>,
    /// Each row group's box (union of its rows' boxes); `None` when the statistics are missing.
    group_boxes: Vec<Option<Bbox>>,
    /// Every row with a box; `None` for a version too large to index.
    tree: Option<RTree<Entry>>,
}

impl SpatialIndex {
    /// Reads the footer and, for a version of at most [`MAX_INDEXED_ROWS`] rows, the `bbox`
    /// column (only its four leaves), into a bulk-loaded R-tree.
    pub fn build(path: &Path) -> Result<SpatialIndex, ParquetError> {
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path)?)?;
        let meta = builder.metadata().clone();
        let group_rows: Vec<usize> = meta
            .row_groups()
            .iter()
            .map(|rg| rg.num_rows() as usize)
            .collect();
        let group_boxes = meta.row_groups().iter().map(group_box).collect();
        let total: usize = group_rows.iter().sum();
        let leaves: Vec<usize> = meta
            .file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .enumerate()
            .filter(|(_, c)| c.path().parts().first().map(String::as_str) == Some(BBOX_COLUMN))
            .map(|(i, _)| i)
            .collect();
        if total > MAX_INDEXED_ROWS || leaves.len() != 4 || total > u32::MAX as usize {
            return Ok(SpatialIndex {
                group_rows,
                group_boxes,
                tree: None,
            });
        }
        let mask = ProjectionMask::leaves(meta.file_metadata().schema_descr(), leaves);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(64 * 1024)
            .build()?;
        let mut entries = Vec::with_capacity(total);
        let mut row = 0u32;
        for batch in reader {
            let batch = batch?;
            let bbox = batch.column(0).as_struct();
            let field = |name: &str| {
                bbox.column_by_name(name)
                    .and_then(|c| c.as_primitive_opt::<Float64Type>())
                    .ok_or_else(|| ParquetError::General(format!("{BBOX_COLUMN}.{name}: not f64")))
            };
            let (x0, y0, x1, y1) = (
                field("xmin")?,
                field("ymin")?,
                field("xmax")?,
                field("ymax")?,
            );
            for i in 0..batch.num_rows() {
                let valid = bbox.is_valid(i) && [x0, y0, x1, y1].iter().all(|c| c.is_valid(i));
                let (a, b) = ([x0.value(i), y0.value(i)], [x1.value(i), y1.value(i)]);
                // A row without a box (no geometry, or NaN) meets no query box.
                if valid && a.iter().chain(&b).all(|v| !v.is_nan()) {
                    entries.push(Entry::new(Rectangle::from_corners(a, b), row));
                }
                row += 1;
            }
        }
        Ok(SpatialIndex {
            group_rows,
            group_boxes,
            tree: Some(RTree::bulk_load(entries)),
        })
    }

    /// The rows and row groups a scan must read to find every feature whose box meets `b`:
    /// groups without a candidate are skipped, the others read only their candidate rows (or
    /// whole, when most of their rows are candidates).
    pub fn access_plan(&self, b: &Bbox) -> ParquetAccessPlan {
        let Some(tree) = &self.tree else {
            return ParquetAccessPlan::new(
                self.group_boxes
                    .iter()
                    .map(|g| match g {
                        Some(g) if !meets(g, b) => RowGroupAccess::Skip,
                        _ => RowGroupAccess::Scan,
                    })
                    .collect(),
            );
        };
        let envelope = AABB::from_corners([b.minx, b.miny], [b.maxx, b.maxy]);
        let mut rows: Vec<u32> = tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|e| e.data)
            .collect();
        rows.sort_unstable();
        let mut plan = Vec::with_capacity(self.group_rows.len());
        let mut start = 0usize;
        let mut next = 0usize;
        for &n in &self.group_rows {
            let end = start + n;
            let first = next;
            while next < rows.len() && (rows[next] as usize) < end {
                next += 1;
            }
            let hits = &rows[first..next];
            plan.push(if hits.is_empty() {
                RowGroupAccess::Skip
            } else if hits.len() * 2 > n {
                RowGroupAccess::Scan
            } else {
                RowGroupAccess::Selection(RowSelection::from_consecutive_ranges(
                    ranges(hits, start),
                    n,
                ))
            });
            start = end;
        }
        ParquetAccessPlan::new(plan)
    }

    /// Bytes the index holds (for the record; the tree's nodes add about a fifth).
    pub fn size(&self) -> usize {
        self.tree
            .as_ref()
            .map_or(0, |t| t.size() * size_of::<Entry>() * 6 / 5)
    }
}

/// Consecutive row numbers as ranges relative to the row group starting at `start`.
fn ranges(rows: &[u32], start: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let first = *rows.get(i)? as usize;
        let mut last = first;
        i += 1;
        while i < rows.len() && rows[i] as usize == last + 1 {
            last += 1;
            i += 1;
        }
        Some(first - start..last + 1 - start)
    })
}

fn meets(a: &Bbox, b: &Bbox) -> bool {
    a.maxx >= b.minx && a.minx <= b.maxx && a.maxy >= b.miny && a.miny <= b.maxy
}

/// A row group's box from the `bbox` leaves' statistics.
fn group_box(rg: &parquet::file::metadata::RowGroupMetaData) -> Option<Bbox> {
    let stat = |field: &str, max: bool| {
        let path = format!("{BBOX_COLUMN}.{field}");
        let col = rg
            .columns()
            .iter()
            .find(|c| c.column_path().string() == path)?;
        match col.statistics()? {
            Statistics::Double(s) => if max { s.max_opt() } else { s.min_opt() }.copied(),
            _ => None,
        }
    };
    Some(Bbox {
        minx: stat("xmin", false)?,
        miny: stat("ymin", false)?,
        maxx: stat("xmax", true)?,
        maxy: stat("ymax", true)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_rows_become_ranges() {
        let rows = [10, 11, 12, 15, 17, 18];
        let r: Vec<_> = ranges(&rows, 10).collect();
        assert_eq!(r, vec![0..3, 5..6, 7..9]);
    }
}
