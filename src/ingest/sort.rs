//! The Hilbert order of a dataset of any size, in bounded memory: an external merge sort.
//!
//! Rows arrive in chunks ([`Sorter::push`]) in source order. The Hilbert key needs the extent of
//! the whole dataset, which is known only at the end, so chunks are held in memory until they
//! pass `run_bytes`, and from then on spilled unsorted to an Arrow IPC file in the staging
//! directory. At the end ([`Sorter::finish`]) the rows are cut into runs of at most `run_bytes`,
//! each sorted by (Hilbert key, id text) and spilled as a sorted run (or kept in memory when
//! there is only one); [`merge`] then interleaves the runs into row groups of the layout's size.
//! A dataset that fits one run is never written to disk: the same code, without files.
//!
//! Every row carries its id as text (the `id` column itself, or a helper column for integer ids)
//! and its bbox: the sort key is computed from these, exactly as for a dataset held whole.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray, UInt64Array};
use arrow::compute::interleave_record_batch;
use arrow::datatypes::{DataType, Field, Float64Type, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;

use super::hilbert;

/// The hidden column of the Hilbert key, added to sorted runs.
const KEY_COLUMN: &str = "__hilbert";
/// Rows per batch of a sorted run.
const RUN_BATCH_ROWS: usize = 8192;

#[derive(Debug, thiserror::Error)]
pub enum SortError {
    #[error("spill file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Arrow(#[from] ArrowError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SortError + '_ {
    move |source| SortError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Which columns of the pushed batches the order reads.
#[derive(Debug, Clone, Copy)]
pub struct SortColumns {
    /// The id as text (Utf8): ties of the Hilbert key, and tables, are ordered by it.
    pub text: usize,
    /// The bbox struct (xmin, ymin, xmax, ymax); `None` for a table without geometry.
    pub bbox: Option<usize>,
}

/// Collects the chunks of a dataset, in memory or spilled.
pub struct Sorter {
    dir: PathBuf,
    run_bytes: usize,
    columns: SortColumns,
    schema: SchemaRef,
    buffered: Vec<RecordBatch>,
    buffered_bytes: usize,
    spill: Option<(PathBuf, StreamWriter<BufWriter<File>>)>,
    spilled_rows: usize,
    /// Bytes and rows of the chunks as they arrived (batches read back from a spill file share
    /// one buffer per message, so their own sizes overstate them): the size of a run in rows.
    pushed_bytes: usize,
    pushed_rows: usize,
}

impl Sorter {
    pub fn new(dir: &Path, run_bytes: usize, schema: SchemaRef, columns: SortColumns) -> Self {
        Sorter {
            dir: dir.to_owned(),
            run_bytes: run_bytes.max(1),
            columns,
            schema,
            buffered: Vec::new(),
            buffered_bytes: 0,
            spill: None,
            spilled_rows: 0,
            pushed_bytes: 0,
            pushed_rows: 0,
        }
    }

    pub fn push(&mut self, batch: RecordBatch) -> Result<(), SortError> {
        let bytes = batch.get_array_memory_size();
        self.buffered_bytes += bytes;
        self.pushed_bytes += bytes;
        self.pushed_rows += batch.num_rows();
        self.buffered.push(batch);
        if self.buffered_bytes > self.run_bytes {
            self.spill_buffered()?;
        }
        Ok(())
    }

    fn spill_buffered(&mut self) -> Result<(), SortError> {
        if self.spill.is_none() {
            let path = self.dir.join("spill-unsorted.arrows");
            let file = File::create(&path).map_err(io(&path))?;
            let writer =
                StreamWriter::try_new(BufWriter::with_capacity(1 << 20, file), &self.schema)?;
            self.spill = Some((path, writer));
        }
        let (_, writer) = self.spill.as_mut().expect("made above");
        for batch in self.buffered.drain(..) {
            self.spilled_rows += batch.num_rows();
            writer.write(&batch)?;
        }
        self.buffered_bytes = 0;
        Ok(())
    }

    /// Cuts the rows into sorted runs, given the extent of the whole dataset. `log` hears of each
    /// run spilled.
    pub fn finish(
        mut self,
        extent: Option<[f64; 4]>,
        log: &dyn Fn(&str),
    ) -> Result<Vec<Run>, SortError> {
        let order = Order {
            columns: self.columns,
            extent,
        };
        let Some((path, mut writer)) = self.spill.take() else {
            // Everything fits one run: sort it in memory, write nothing.
            let batches = std::mem::take(&mut self.buffered);
            return Ok(vec![Run::Memory(order.sort(&batches)?.into())]);
        };
        self.spill_buffered_into(&mut writer)?;
        writer.finish()?;
        drop(writer);
        let mut runs = Vec::new();
        let file = File::open(&path).map_err(io(&path))?;
        let reader = StreamReader::try_new(BufReader::with_capacity(1 << 20, file), None)?;
        let row_bytes = (self.pushed_bytes / self.pushed_rows.max(1)).max(1);
        let run_rows = (self.run_bytes / row_bytes).max(1);
        let mut pending: Vec<RecordBatch> = Vec::new();
        let mut pending_rows = 0usize;
        let mut rows_done = 0usize;
        let mut flush = |pending: &mut Vec<RecordBatch>, runs: &mut Vec<Run>| {
            let sorted = order.sort(pending)?;
            let rows: usize = pending.iter().map(RecordBatch::num_rows).sum();
            pending.clear();
            let run_path = self.dir.join(format!("spill-run-{:04}.arrows", runs.len()));
            runs.push(Run::write(&run_path, &sorted)?);
            rows_done += rows;
            log(&format!(
                "sorted run {} spilled ({rows_done} of {} rows)",
                runs.len(),
                self.spilled_rows
            ));
            Ok::<(), SortError>(())
        };
        for batch in reader {
            let batch = batch?;
            pending_rows += batch.num_rows();
            pending.push(batch);
            if pending_rows >= run_rows {
                flush(&mut pending, &mut runs)?;
                pending_rows = 0;
            }
        }
        if !pending.is_empty() {
            flush(&mut pending, &mut runs)?;
        }
        // The unsorted copy is no longer needed; the runs are removed with the staging dir.
        let _ = std::fs::remove_file(&path);
        Ok(runs)
    }

    fn spill_buffered_into(
        &mut self,
        writer: &mut StreamWriter<BufWriter<File>>,
    ) -> Result<(), SortError> {
        for batch in self.buffered.drain(..) {
            self.spilled_rows += batch.num_rows();
            writer.write(&batch)?;
        }
        Ok(())
    }
}

/// The order of rows: (Hilbert key of the bbox centre within the extent, id text).
struct Order {
    columns: SortColumns,
    extent: Option<[f64; 4]>,
}

impl Order {
    /// Hilbert keys of a batch's rows (all 0 for a table; `u64::MAX` for rows without geometry).
    fn keys(&self, batch: &RecordBatch) -> Vec<u64> {
        let (Some(col), Some(ext)) = (self.columns.bbox, self.extent) else {
            return vec![0; batch.num_rows()];
        };
        let bbox = batch.column(col).as_struct();
        let member = |i: usize| bbox.column(i).as_primitive::<Float64Type>();
        let (x0, y0, x1, y1) = (member(0), member(1), member(2), member(3));
        (0..batch.num_rows())
            .map(|r| {
                if bbox.is_valid(r) {
                    let cx = (x0.value(r) + x1.value(r)) / 2.0;
                    let cy = (y0.value(r) + y1.value(r)) / 2.0;
                    hilbert::index_in(ext, cx, cy)
                } else {
                    u64::MAX
                }
            })
            .collect()
    }

    /// The rows of `batches` in order, as batches with the key column appended.
    fn sort(&self, batches: &[RecordBatch]) -> Result<Vec<RecordBatch>, SortError> {
        let keys: Vec<Vec<u64>> = batches.iter().map(|b| self.keys(b)).collect();
        let texts: Vec<&StringArray> = batches
            .iter()
            .map(|b| b.column(self.columns.text).as_string::<i32>())
            .collect();
        let mut order: Vec<(usize, usize)> = keys
            .iter()
            .enumerate()
            .flat_map(|(b, k)| (0..k.len()).map(move |r| (b, r)))
            .collect();
        order.sort_unstable_by(|&(ba, ra), &(bb, rb)| {
            keys[ba][ra]
                .cmp(&keys[bb][rb])
                .then_with(|| texts[ba].value(ra).cmp(texts[bb].value(rb)))
        });
        let refs: Vec<&RecordBatch> = batches.iter().collect();
        let mut out = Vec::with_capacity(order.len().div_ceil(RUN_BATCH_ROWS));
        for part in order.chunks(RUN_BATCH_ROWS) {
            let batch = interleave_record_batch(&refs, part)?;
            let key: ArrayRef = Arc::new(UInt64Array::from_iter_values(
                part.iter().map(|&(b, r)| keys[b][r]),
            ));
            out.push(with_key(batch, key)?);
        }
        Ok(out)
    }
}

fn with_key(batch: RecordBatch, key: ArrayRef) -> Result<RecordBatch, ArrowError> {
    let mut fields: Vec<Arc<Field>> = batch.schema().fields().iter().cloned().collect();
    fields.push(Arc::new(Field::new(KEY_COLUMN, DataType::UInt64, false)));
    let mut columns = batch.columns().to_vec();
    columns.push(key);
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

/// Removes the spill files from `dir` (the staging directory, which becomes the version).
pub fn remove_spill_files(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("spill-") && name.ends_with(".arrows") {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}

/// A sorted run: batches with the key column last.
pub enum Run {
    Memory(VecDeque<RecordBatch>),
    File(StreamReader<BufReader<File>>),
}

impl Run {
    fn write(path: &Path, batches: &[RecordBatch]) -> Result<Run, SortError> {
        let Some(first) = batches.first() else {
            return Ok(Run::Memory(VecDeque::new()));
        };
        let file = File::create(path).map_err(io(path))?;
        let mut writer =
            StreamWriter::try_new(BufWriter::with_capacity(1 << 20, file), &first.schema())?;
        for b in batches {
            writer.write(b)?;
        }
        writer.finish()?;
        drop(writer);
        let file = File::open(path).map_err(io(path))?;
        Ok(Run::File(StreamReader::try_new(
            BufReader::with_capacity(1 << 20, file),
            None,
        )?))
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>, SortError> {
        match self {
            Run::Memory(q) => Ok(q.pop_front()),
            Run::File(r) => Ok(r.next().transpose()?),
        }
    }
}

/// A run's position: its current batch (as a slot of the group being built) and row.
struct Cursor {
    run: Run,
    slot: usize,
    batch: Option<RecordBatch>,
    keys: Option<UInt64Array>,
    row: usize,
}

impl Cursor {
    fn load(&mut self) -> Result<(), SortError> {
        loop {
            self.batch = self.run.next_batch()?;
            self.row = 0;
            match &self.batch {
                Some(b) if b.num_rows() == 0 => continue,
                Some(b) => {
                    let last = b.num_columns() - 1;
                    self.keys = Some(b.column(last).as_primitive().clone());
                    return Ok(());
                }
                None => {
                    self.keys = None;
                    return Ok(());
                }
            }
        }
    }
}

fn text_of(c: &Cursor, column: usize) -> &str {
    c.batch
        .as_ref()
        .expect("a cursor with keys has a batch")
        .column(column)
        .as_string::<i32>()
        .value(c.row)
}

/// Merges sorted runs into batches of `group_rows` rows (the last fewer), without the key column,
/// handing each to `out`.
/// `wrap` turns the merge's own errors into the caller's.
pub fn merge<E>(
    runs: Vec<Run>,
    columns: SortColumns,
    group_rows: usize,
    out: &mut dyn FnMut(RecordBatch) -> Result<(), E>,
    wrap: impl Fn(SortError) -> E,
) -> Result<(), E> {
    let mut cursors: Vec<Cursor> = Vec::with_capacity(runs.len());
    for run in runs {
        let mut c = Cursor {
            run,
            slot: 0,
            batch: None,
            keys: None,
            row: 0,
        };
        c.load().map_err(&wrap)?;
        if c.batch.is_some() {
            cursors.push(c);
        }
    }
    let group_rows = group_rows.max(1);
    loop {
        cursors.retain(|c| c.batch.is_some());
        if cursors.is_empty() {
            return Ok(());
        }
        // The batches this group takes rows from: every cursor's current one, and any loaded
        // while the group fills.
        let mut slots: Vec<RecordBatch> = Vec::new();
        for c in cursors.iter_mut() {
            c.slot = slots.len();
            slots.push(c.batch.clone().expect("retained"));
        }
        let mut picks: Vec<(usize, usize)> = Vec::with_capacity(group_rows);
        while picks.len() < group_rows {
            let mut best: Option<usize> = None;
            for (i, c) in cursors.iter().enumerate() {
                let Some(keys) = &c.keys else { continue };
                best = match best {
                    None => Some(i),
                    Some(b) => {
                        let other = &cursors[b];
                        let bk = other.keys.as_ref().expect("best has a batch");
                        let ord = keys.value(c.row).cmp(&bk.value(other.row)).then_with(|| {
                            text_of(c, columns.text).cmp(text_of(other, columns.text))
                        });
                        if ord.is_lt() { Some(i) } else { Some(b) }
                    }
                };
            }
            let Some(b) = best else { break };
            let c = &mut cursors[b];
            picks.push((c.slot, c.row));
            c.row += 1;
            if c.row == c.keys.as_ref().expect("picked").len() {
                c.load().map_err(&wrap)?;
                if let Some(batch) = &c.batch {
                    c.slot = slots.len();
                    slots.push(batch.clone());
                }
            }
        }
        let refs: Vec<&RecordBatch> = slots.iter().collect();
        let batch = interleave_record_batch(&refs, &picks).map_err(|e| wrap(e.into()))?;
        let without_key = batch
            .project(&(0..batch.num_columns() - 1).collect::<Vec<_>>())
            .map_err(|e| wrap(e.into()))?;
        out(without_key)?;
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Float64Array, StructArray};

    use super::*;
    use crate::store::layout::bbox_fields;

    /// Rows of points with ids as text, in a scrambled order.
    fn batch(rows: std::ops::Range<u64>) -> RecordBatch {
        let ids: Vec<String> = rows
            .clone()
            .map(|i| format!("f{}", (i * 7919) % 1000))
            .collect();
        let coords: Vec<(f64, f64)> = rows
            .map(|i| (((i * 37) % 101) as f64, ((i * 53) % 97) as f64))
            .collect();
        let member = |f: fn(&(f64, f64)) -> f64| -> ArrayRef {
            Arc::new(Float64Array::from_iter_values(coords.iter().map(f)))
        };
        let bbox = StructArray::new(
            bbox_fields(),
            vec![
                member(|c| c.0),
                member(|c| c.1),
                member(|c| c.0),
                member(|c| c.1),
            ],
            None,
        );
        let schema = Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("bbox", DataType::Struct(bbox_fields()), true),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![Arc::new(StringArray::from(ids)), Arc::new(bbox)],
        )
        .unwrap()
    }

    fn sorted(run_bytes: usize, group_rows: usize) -> (usize, Vec<(String, usize)>) {
        let dir = tempfile::tempdir().unwrap();
        let columns = SortColumns {
            text: 0,
            bbox: Some(1),
        };
        let schema = batch(0..1).schema();
        let mut sorter = Sorter::new(dir.path(), run_bytes, schema, columns);
        for start in (0..1000).step_by(100) {
            sorter.push(batch(start..start + 100)).unwrap();
        }
        let runs = sorter
            .finish(Some([0.0, 0.0, 100.0, 96.0]), &|_| {})
            .unwrap();
        let count = runs.len();
        let mut out = Vec::new();
        merge(
            runs,
            columns,
            group_rows,
            &mut |b: RecordBatch| {
                assert!(b.num_rows() <= group_rows);
                let ids = b.column(0).as_string::<i32>();
                out.extend((0..b.num_rows()).map(|r| (ids.value(r).to_owned(), b.num_rows())));
                Ok::<(), SortError>(())
            },
            |e| e,
        )
        .unwrap();
        (count, out)
    }

    #[test]
    fn spilled_runs_merge_into_the_order_and_groups_of_one_run() {
        let (one, whole) = sorted(usize::MAX, 64);
        let (many, merged) = sorted(4 << 10, 64);
        assert_eq!(one, 1);
        assert!(many > 3, "{many} runs");
        assert_eq!(whole.len(), 1000);
        assert_eq!(whole, merged);
        // And the order is the Hilbert order, ties by id.
        let order = Order {
            columns: SortColumns {
                text: 0,
                bbox: Some(1),
            },
            extent: Some([0.0, 0.0, 100.0, 96.0]),
        };
        let all = batch(0..1000);
        let keys = order.keys(&all);
        let ids = all.column(0).as_string::<i32>();
        let mut expected: Vec<(u64, &str)> = (0..1000).map(|r| (keys[r], ids.value(r))).collect();
        expected.sort();
        let got: Vec<&str> = whole.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(got, expected.iter().map(|e| e.1).collect::<Vec<_>>());
    }
}
