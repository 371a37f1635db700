//! The change summary of a new version: its rows compared with the previous version's stored
//! rows by feature id and by a hash of each feature's stored content (every published value,
//! with its column name, and the WKB geometry).
//!
//! Both sides are hashed the same way from Arrow arrays (the new rows before they are written,
//! the old ones read back from their Parquet file), so an unchanged feature hashes equal even
//! when the source file around it changed.

use std::path::{Path, PathBuf};

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::Float64Type;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::errors::ParquetError;
use sha2::{Digest, Sha256};

use crate::store::ChangeSummary;
use crate::store::layout::{BBOX_COLUMN, GEOMETRY_COLUMN, ID_COLUMN};

type Hash = [u8; 16];
type Bbox = [f64; 4];

/// The rows of a new version, as they will be stored.
pub struct Rows<'a> {
    pub ids: &'a ArrayRef,
    /// Published columns in stored order: (name, values).
    pub columns: Vec<(&'a str, &'a ArrayRef)>,
    pub wkb: Option<&'a ArrayRef>,
    /// Per row; empty for tables.
    pub bbox: &'a [Option<Bbox>],
}

/// Compares `new` (all rows, of a dataset with this `extent`) with the previous version's data
/// file, or describes a first version.
#[cfg(test)]
fn summarise(
    previous: Option<(u64, &Path)>,
    new: &Rows,
    extent: Option<Bbox>,
) -> Result<ChangeSummary, ParquetError> {
    let mut comparison = Comparison::new(previous)?;
    comparison.add(new)?;
    comparison.finish(extent)
}

/// A comparison fed the new rows part by part (a row group at a time); the previous version's
/// rows are held as digests ([`OldRows`]).
pub struct Comparison {
    /// The previous version's data file (its number is in the summary), read again at the end
    /// for the boxes of the rows that changed or went; `None` for a first version.
    previous_path: Option<PathBuf>,
    old: OldRows,
    summary: ChangeSummary,
    extent: Extent,
}

fn id_digest(text: &str) -> u128 {
    let full: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    u128::from_le_bytes(full[..16].try_into().expect("16 of 32 bytes"))
}

impl Comparison {
    pub fn new(previous: Option<(u64, &Path)>) -> Result<Self, ParquetError> {
        let old = match previous {
            Some((_, path)) => read_old(path)?,
            None => OldRows::default(),
        };
        Ok(Comparison {
            previous_path: previous.map(|(_, path)| path.to_owned()),
            old,
            summary: ChangeSummary {
                previous: previous.map(|(version, _)| version),
                ..Default::default()
            },
            extent: Extent::default(),
        })
    }

    pub fn add(&mut self, new: &Rows) -> Result<(), ParquetError> {
        if self.previous_path.is_none() {
            self.summary.added += new.ids.len() as u64;
            return Ok(());
        }
        let ids = formatter(new.ids.as_ref())?;
        let hasher = RowHasher::new(&new.columns, new.wkb)?;
        for row in 0..new.ids.len() {
            let new_box = new.bbox.get(row).copied().flatten();
            match self.old.take(id_digest(&ids.value(row).to_string())) {
                None => {
                    self.summary.added += 1;
                    self.extent.add(new_box);
                }
                Some((i, hash)) if hash != short(hasher.hash(row)) => {
                    self.summary.changed += 1;
                    self.old.mark_changed(i);
                    self.extent.add(new_box);
                }
                Some(_) => self.summary.unchanged += 1,
            }
        }
        Ok(())
    }

    /// The summary; `extent` is the whole new dataset's, the change extent of a first version.
    /// The old boxes of changed and removed rows are read from the previous version's file
    /// again (only its id and bbox columns), and only when there are such rows.
    pub fn finish(mut self, extent: Option<Bbox>) -> Result<ChangeSummary, ParquetError> {
        let Some(path) = self.previous_path.take() else {
            self.summary.extent = extent;
            return Ok(self.summary);
        };
        self.summary.removed = self.old.not_taken() as u64;
        if self.summary.removed + self.summary.changed > 0 {
            self.old.add_old_boxes(&path, &mut self.extent)?;
        }
        self.summary.extent = self.extent.0;
        Ok(self.summary)
    }
}

/// The rows of the previous version as digests, sorted by id digest in one allocation of the
/// file's row count: 16 bytes of id and 8 of content, 24 bytes a row (10 million rows:
/// 240 MB), and two bits per row: found again, and found changed. The old boxes, needed only
/// for the rows that changed or went, are read from the file again at the end rather than
/// held (with them, 56 bytes a row, a re-ingest of 10 million points peaked at 1.96 GB; a hash
/// map of the same, at about 73 bytes a row and two tables while it grew, at 2.8 GB).
#[derive(Default)]
struct OldRows {
    rows: Vec<OldRow>,
    taken: Bits,
    changed: Bits,
}

#[derive(Clone, Copy)]
struct OldRow {
    /// The id digest as two words (a `u128` would align the row to 16 bytes, 32 in all).
    id: [u64; 2],
    /// The first 8 bytes of the content hash: a change goes unseen with odds of 2^-64.
    hash: u64,
}

/// A bit per row.
#[derive(Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn new(len: usize) -> Self {
        Bits(vec![0; len.div_ceil(64)])
    }
    fn get(&self, i: usize) -> bool {
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }
}

fn words(id: u128) -> [u64; 2] {
    [(id >> 64) as u64, id as u64]
}

fn short(hash: Hash) -> u64 {
    u64::from_le_bytes(hash[..8].try_into().expect("8 of 16 bytes"))
}

impl OldRows {
    /// The position and content hash of the row with this id digest, once: a second ask (a
    /// duplicate id among the new rows) finds nothing, as the new row is then an addition.
    fn take(&mut self, id: u128) -> Option<(usize, u64)> {
        let i = self.position(id)?;
        if self.taken.get(i) {
            return None;
        }
        self.taken.set(i);
        Some((i, self.rows[i].hash))
    }

    fn position(&self, id: u128) -> Option<usize> {
        let id = words(id);
        self.rows.binary_search_by_key(&id, |r| r.id).ok()
    }

    fn mark_changed(&mut self, i: usize) {
        self.changed.set(i);
    }

    /// How many rows were never taken: those the new version removed.
    fn not_taken(&self) -> usize {
        (0..self.rows.len()).filter(|&i| !self.taken.get(i)).count()
    }

    /// Adds to `extent` the stored box of every row that changed or was removed, read from the
    /// version's data file.
    fn add_old_boxes(&self, path: &Path, extent: &mut Extent) -> Result<(), ParquetError> {
        let builder = ParquetRecordBatchReaderBuilder::try_new(open(path)?)?;
        let schema = builder.schema();
        let (Ok(id), Ok(bbox)) = (schema.index_of(ID_COLUMN), schema.index_of(BBOX_COLUMN)) else {
            // A table: no boxes to add.
            return Ok(());
        };
        let mask = ProjectionMask::roots(builder.parquet_schema(), [id, bbox]);
        for batch in builder.with_projection(mask).build()? {
            let batch: RecordBatch = batch?;
            // The projection keeps the file's column order, whichever comes first.
            let column = |name| batch.column_by_name(name).expect("projected");
            let ids = formatter(column(ID_COLUMN).as_ref())?;
            for (row, b) in read_boxes(column(BBOX_COLUMN).as_ref())
                .into_iter()
                .enumerate()
            {
                let Some(i) = self.position(id_digest(&ids.value(row).to_string())) else {
                    continue;
                };
                if !self.taken.get(i) || self.changed.get(i) {
                    extent.add(b);
                }
            }
        }
        Ok(())
    }
}

fn open(path: &Path) -> Result<std::fs::File, ParquetError> {
    std::fs::File::open(path).map_err(|e| ParquetError::External(Box::new(e)))
}

/// Every stored row of a version as digests (see [`OldRows`]).
fn read_old(path: &Path) -> Result<OldRows, ParquetError> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(open(path)?)?;
    let count = usize::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let reader = builder.build()?;
    let mut rows = Vec::with_capacity(count);
    for batch in reader {
        let batch: RecordBatch = batch?;
        let schema = batch.schema();
        let mut ids = None;
        let mut wkb = None;
        let mut columns = Vec::new();
        for (field, array) in schema.fields().iter().zip(batch.columns()) {
            match field.name().as_str() {
                ID_COLUMN => ids = Some(array),
                GEOMETRY_COLUMN => wkb = Some(array),
                BBOX_COLUMN => {}
                name => columns.push((name, array)),
            }
        }
        let ids = ids.ok_or_else(|| ParquetError::General("no id column".into()))?;
        let ids = formatter(ids.as_ref())?;
        let hasher = RowHasher::new(&columns, wkb)?;
        for row in 0..batch.num_rows() {
            rows.push(OldRow {
                id: words(id_digest(&ids.value(row).to_string())),
                hash: short(hasher.hash(row)),
            });
        }
    }
    rows.sort_unstable_by_key(|r| r.id);
    let (taken, changed) = (Bits::new(rows.len()), Bits::new(rows.len()));
    Ok(OldRows {
        rows,
        taken,
        changed,
    })
}

pub fn read_boxes(array: &dyn Array) -> Vec<Option<Bbox>> {
    let s = array.as_struct();
    let field = |name: &str| {
        s.column_by_name(name)
            .map(|c| c.as_primitive::<Float64Type>().clone())
    };
    let (Some(xmin), Some(ymin), Some(xmax), Some(ymax)) =
        (field("xmin"), field("ymin"), field("xmax"), field("ymax"))
    else {
        return vec![None; array.len()];
    };
    (0..array.len())
        .map(|i| {
            (s.is_valid(i) && xmin.is_valid(i))
                .then(|| [xmin.value(i), ymin.value(i), xmax.value(i), ymax.value(i)])
        })
        .collect()
}

fn formatter(array: &dyn Array) -> Result<ArrayFormatter<'_>, ParquetError> {
    ArrayFormatter::try_new(array, &FormatOptions::default())
        .map_err(|e| ParquetError::General(e.to_string()))
}

/// Hashes one row's published values (with their column names) and geometry.
struct RowHasher<'a> {
    columns: Vec<(&'a str, ArrayFormatter<'a>)>,
    wkb: Option<&'a arrow::array::BinaryArray>,
}

impl<'a> RowHasher<'a> {
    fn new(
        columns: &[(&'a str, &'a ArrayRef)],
        wkb: Option<&'a ArrayRef>,
    ) -> Result<Self, ParquetError> {
        let options = FormatOptions::default().with_null("\u{0}NULL");
        let columns = columns
            .iter()
            .map(|&(name, a): &(&'a str, &'a ArrayRef)| {
                ArrayFormatter::try_new(a.as_ref(), &options)
                    .map(|f| (name, f))
                    .map_err(|e| ParquetError::General(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        let wkb = wkb.and_then(|a| a.as_binary_opt::<i32>());
        Ok(Self { columns, wkb })
    }

    fn hash(&self, row: usize) -> Hash {
        let mut h = Sha256::new();
        for (name, f) in &self.columns {
            h.update(name.as_bytes());
            h.update([0x1e]);
            h.update(f.value(row).to_string().as_bytes());
            h.update([0x1f]);
        }
        if let Some(w) = self.wkb
            && w.is_valid(row)
        {
            h.update(w.value(row));
        }
        let full: [u8; 32] = h.finalize().into();
        full[..16].try_into().expect("16 of 32 bytes")
    }
}

#[derive(Default)]
struct Extent(Option<Bbox>);

impl Extent {
    fn add(&mut self, b: Option<Bbox>) {
        let Some(b) = b else { return };
        self.0 = Some(match self.0 {
            None => b,
            Some(a) => [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ],
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{BinaryArray, Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field};

    use super::*;
    use crate::ingest::geoparquet;

    fn point(x: f64, y: f64) -> Vec<u8> {
        let mut w = vec![1u8, 1, 0, 0, 0];
        w.extend_from_slice(&x.to_le_bytes());
        w.extend_from_slice(&y.to_le_bytes());
        w
    }

    struct Version {
        ids: ArrayRef,
        names: ArrayRef,
        wkb: ArrayRef,
        bbox: Vec<Option<Bbox>>,
    }

    fn version(rows: &[(i64, &str, f64, f64)]) -> Version {
        Version {
            ids: Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
            names: Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
            wkb: Arc::new(BinaryArray::from_iter_values(
                rows.iter().map(|r| point(r.2, r.3)),
            )),
            bbox: rows.iter().map(|r| Some([r.2, r.3, r.2, r.3])).collect(),
        }
    }

    #[test]
    fn added_removed_changed_and_where() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.parquet");
        let old = version(&[
            (1, "a", 5.0, 52.0),
            (2, "b", 5.1, 52.1),
            (3, "c", 5.2, 52.2),
            (4, "d", 5.3, 52.3),
        ]);
        geoparquet::write(
            &path,
            vec![
                (Arc::new(Field::new("id", DataType::Int64, false)), old.ids),
                (
                    Arc::new(Field::new("naam", DataType::Utf8, true)),
                    old.names,
                ),
            ],
            Some(geoparquet::GeometryToWrite {
                wkb: old.wkb,
                bbox: &old.bbox,
                types: &["Point".to_owned()],
                extent: Some([5.0, 52.0, 5.3, 52.3]),
            }),
        )
        .unwrap();
        // 1 removed, 2 unchanged, 3 renamed, 4 moved, 9 added.
        let new = version(&[
            (2, "b", 5.1, 52.1),
            (3, "C", 5.2, 52.2),
            (4, "d", 5.35, 52.25),
            (9, "z", 6.0, 51.0),
        ]);
        let rows = Rows {
            ids: &new.ids,
            columns: vec![("naam", &new.names)],
            wkb: Some(&new.wkb),
            bbox: &new.bbox,
        };
        let s = summarise(Some((7, &path)), &rows, None).unwrap();
        assert_eq!(
            (s.previous, s.added, s.removed, s.changed, s.unchanged),
            (Some(7), 1, 1, 2, 1)
        );
        // Removed 1 (5,52), renamed 3 (5.2,52.2), moved 4 from (5.3,52.3) to (5.35,52.25),
        // added 9 (6,51); unchanged 2 (5.1,52.1) adds nothing.
        assert_eq!(s.extent, Some([5.0, 51.0, 6.0, 52.3]));

        // The same rows under another column name are all changed: names are content.
        let renamed = Rows {
            columns: vec![("name", &new.names)],
            ..rows
        };
        let s = summarise(Some((7, &path)), &renamed, None).unwrap();
        assert_eq!((s.changed, s.unchanged), (3, 0));

        let first = summarise(None, &renamed, Some([1.0, 2.0, 3.0, 4.0])).unwrap();
        assert_eq!(
            (first.previous, first.added, first.extent),
            (None, 4, Some([1.0, 2.0, 3.0, 4.0]))
        );
    }
}
