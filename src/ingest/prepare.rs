//! One chunk of source rows made ready to order: temporal columns as timestamps, feature ids
//! from the key (or a content hash), duplicates across the whole dataset resolved or collected
//! for the error, the stored columns built (id, published columns, WKB geometry, bbox), and what
//! the manifest needs from every row gathered (extent, geometry types, time range, sizes).
//!
//! Chunks arrive in source order, so "the first of duplicate rows" means the same as for a source
//! read whole. What is kept across chunks is small per feature: a 128-bit digest of each id (and,
//! to drop identical duplicates, of each row's content).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, new_empty_array,
};
use arrow::compute::{cast, filter_record_batch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit, TimestampMillisecondType};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use sha2::{Digest, Sha256};

use super::IngestError;
use super::geoparquet::{bbox_array, bbox_field};
use super::ogr::{self, SourceTable};
use super::sort::SortColumns;
use crate::catalog::{Dataset, DuplicatePolicy, FeatureKey, Temporal};
use crate::store::TemporalInfo;
use crate::store::layout::{GEOMETRY_COLUMN, ID_COLUMN};

/// The id as text, for ordering ties when the stored id is an integer.
pub const ID_TEXT_COLUMN: &str = "__id_text";

/// What is the same for every chunk of a source: its description and the stored schema.
pub struct Head {
    pub driver: String,
    pub layer: String,
    pub crs: Option<String>,
    /// Published fields (without a key published as `id`), and their source names.
    pub fields: Vec<Arc<Field>>,
    pub source_names: Vec<String>,
    pub id_type: DataType,
    pub geometry: bool,
    /// The chunks' schema: the stored columns, then the id text when the id is an integer.
    pub schema: SchemaRef,
    /// How many leading columns of `schema` are stored.
    pub stored_columns: usize,
    pub sort: SortColumns,
}

/// What the manifest and the writer need from all rows.
#[derive(Default)]
pub struct Stats {
    pub rows: usize,
    pub extent: Option<[f64; 4]>,
    pub types: BTreeSet<String>,
    /// Bytes of WKB, with 4 bytes of offset per row: the row group size is set by them.
    pub geometry_bytes: usize,
    pub dropped: usize,
    /// Kept rows without geometry (GDAL's FlatGeobuf writer would drop them).
    pub rows_without_geometry: usize,
    /// (published name, earliest, latest) of each temporal column, in milliseconds.
    temporal: Vec<(String, Option<i64>, Option<i64>)>,
}

impl Stats {
    pub fn every_row_has_geometry(&self) -> bool {
        self.rows_without_geometry == 0
    }

    /// Rows per row group for these rows (by the layout's rule).
    pub fn group_rows(&self, geometry: bool) -> usize {
        let average = if geometry {
            self.geometry_bytes / self.rows.max(1)
        } else {
            0
        };
        crate::store::layout::rows_per_group(average + 128)
    }

    pub fn temporal_info(&self, ds: &Dataset) -> Option<TemporalInfo> {
        let (first, last) = (self.temporal.first()?, self.temporal.last()?);
        // Whole seconds, rounded outwards, so that the interval contains every value.
        let rfc = |v: Option<i64>, max: bool| {
            let v = v?;
            let v = if max {
                (v + 999).div_euclid(1000) * 1000
            } else {
                v.div_euclid(1000) * 1000
            };
            chrono::DateTime::from_timestamp_millis(v)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        };
        let interval = matches!(ds.temporal, Some(Temporal::Interval { .. }));
        Some(TemporalInfo {
            start: first.0.clone(),
            end: interval.then(|| last.0.clone()),
            interval: [rfc(first.1, false), rfc(last.2, true)],
        })
    }
}

/// A hasher for keys that already are digests.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

type DigestMap<V> = HashMap<u128, V, BuildHasherDefault<DigestHasher>>;

fn digest128(bytes: &[u8]) -> u128 {
    let full: [u8; 32] = Sha256::digest(bytes).into();
    u128::from_le_bytes(full[..16].try_into().expect("16 of 32 bytes"))
}

/// Duplicate ids across chunks: the first occurrence is kept; later ones are dropped when the
/// catalog allows it and they are identical, else reported.
#[derive(Default)]
struct Dedupe {
    /// id digest → content digest of its first row (0 when contents are not compared).
    seen: DigestMap<u128>,
    conflicting: HashSet<u128>,
    /// The first conflicting ids, in the order met, for the message.
    shown: Vec<String>,
}

/// Turns the chunks of one source into the batches to sort.
pub struct Preparer<'a> {
    ds: &'a Dataset,
    head: Option<Head>,
    dedupe: Dedupe,
    pub stats: Stats,
    /// Source rows seen so far (numbering in messages).
    offset: usize,
}

impl<'a> Preparer<'a> {
    pub fn new(ds: &'a Dataset) -> Self {
        Preparer {
            ds,
            head: None,
            dedupe: Dedupe::default(),
            stats: Stats::default(),
            offset: 0,
        }
    }

    pub fn head(&self) -> Option<&Head> {
        self.head.as_ref()
    }

    /// The batch of a chunk's kept rows, in source order, in the schema of [`Head::schema`].
    pub fn chunk(&mut self, mut table: SourceTable) -> Result<RecordBatch, IngestError> {
        let ds = self.ds;
        if self.head.is_none() {
            check_id_name(ds, &table)?;
        }
        convert_temporal_columns(ds, &mut table)?;
        let wkb = table.geometry.as_ref().map(|g| ogr::wkb_array(&g.wkb));
        let need_content =
            ds.key == FeatureKey::ContentHash || ds.duplicates == DuplicatePolicy::DropIdentical;
        let content = need_content.then(|| content_hashes(&table, wkb.as_ref()));
        let ids = make_ids(ds, &table, content.as_deref(), self.offset)?;

        // Duplicates, against every earlier row of the dataset.
        let drop_identical = ds.duplicates == DuplicatePolicy::DropIdentical;
        let mut keep = Vec::with_capacity(table.rows);
        for (row, id) in ids.text.iter().enumerate() {
            let key = digest128(id.as_bytes());
            let row_content = content.as_ref().filter(|_| drop_identical).map_or(0, |c| {
                u128::from_le_bytes(c[row][..16].try_into().expect("16"))
            });
            match self.dedupe.seen.get(&key) {
                None => {
                    self.dedupe.seen.insert(key, row_content);
                    keep.push(true);
                }
                Some(&first) => {
                    keep.push(false);
                    if drop_identical && first == row_content {
                        self.stats.dropped += 1;
                    } else if self.dedupe.conflicting.insert(key) && self.dedupe.shown.len() < 10 {
                        self.dedupe.shown.push(id.clone());
                    }
                }
            }
        }
        self.offset += table.rows;

        if self.head.is_none() {
            self.head = Some(head(&table, ids.array.data_type()));
        }
        let head = self.head.as_ref().expect("set above");
        let mut columns: Vec<ArrayRef> = vec![ids.array];
        columns.extend(
            table
                .fields
                .iter()
                .filter(|(f, _)| f.name() != ID_COLUMN)
                .map(|(_, a)| a.clone()),
        );
        if let (Some(g), Some(wkb)) = (&table.geometry, wkb) {
            columns.push(wkb);
            columns.push(bbox_array(&g.bbox));
        }
        if head.schema.fields().len() > head.stored_columns {
            columns.push(Arc::new(StringArray::from(ids.text)));
        }
        let batch = RecordBatch::try_new(head.schema.clone(), columns)
            .map_err(|e| IngestError::source(ds, format!("assembling rows: {e}")))?;
        let batch = if keep.iter().all(|k| *k) {
            batch
        } else {
            filter_record_batch(&batch, &BooleanArray::from(keep))
                .map_err(|e| IngestError::source(ds, format!("dropping duplicates: {e}")))?
        };
        self.add_stats(&table, &batch);
        Ok(batch)
    }

    fn add_stats(&mut self, table: &SourceTable, kept: &RecordBatch) {
        let stats = &mut self.stats;
        stats.rows += kept.num_rows();
        if let Some(g) = &table.geometry {
            // The extent and types of every row read, as for a source read whole.
            for b in g.bbox.iter().flatten() {
                stats.extent = Some(match stats.extent {
                    None => *b,
                    Some(a) => [
                        a[0].min(b[0]),
                        a[1].min(b[1]),
                        a[2].max(b[2]),
                        a[3].max(b[3]),
                    ],
                });
            }
            stats.types.extend(g.types.iter().cloned());
            let wkb = kept
                .column_by_name(GEOMETRY_COLUMN)
                .expect("spatial chunks have geometry")
                .as_binary::<i32>();
            stats.geometry_bytes += wkb.value_data().len() + 4 * wkb.len();
            stats.rows_without_geometry += wkb.null_count();
        }
        for col in temporal_columns(self.ds) {
            let pos = table
                .source_names
                .iter()
                .position(|s| s == col)
                .expect("checked against the source");
            let (field, array) = &table.fields[pos];
            let a = array.as_primitive::<TimestampMillisecondType>();
            let (lo, hi) = (arrow::compute::min(a), arrow::compute::max(a));
            match stats.temporal.iter_mut().find(|t| &t.0 == field.name()) {
                Some(t) => {
                    t.1 = t.1.into_iter().chain(lo).min();
                    t.2 = t.2.into_iter().chain(hi).max();
                }
                None => stats.temporal.push((field.name().clone(), lo, hi)),
            }
        }
    }

    /// Fails naming the duplicate ids, if any were met.
    pub fn check_duplicates(&self) -> Result<(), IngestError> {
        let d = &self.dedupe;
        if d.conflicting.is_empty() {
            return Ok(());
        }
        let shown: Vec<String> = d.shown.iter().map(|k| format!("`{k}`")).collect();
        let key = match &self.ds.key {
            FeatureKey::Columns(c) => format!("key ({})", c.join(", ")),
            FeatureKey::ContentHash => "content hash (identical features)".into(),
        };
        Err(IngestError::source(
            self.ds,
            format!(
                "{} duplicate values of the {key}: {}{}; choose a composite key, or duplicates = \"drop-identical\" if they are exact copies",
                d.conflicting.len(),
                shown.join(", "),
                if d.conflicting.len() > 10 {
                    ", …"
                } else {
                    ""
                }
            ),
        ))
    }

    /// The source's description and what was gathered, once every chunk is in (`None` before).
    pub fn finish(self) -> (Head, Stats) {
        (
            self.head.expect("a source yields at least one chunk"),
            self.stats,
        )
    }

    /// Frees the duplicate check's memory once every chunk is in.
    pub fn forget_ids(&mut self) {
        self.dedupe = Dedupe::default();
    }
}

fn head(table: &SourceTable, id_type: &DataType) -> Head {
    let (fields, source_names): (Vec<_>, Vec<_>) = table
        .fields
        .iter()
        .zip(&table.source_names)
        .filter(|((f, _), _)| f.name() != ID_COLUMN)
        .map(|((f, _), s)| (f.clone(), s.clone()))
        .unzip();
    let mut schema_fields = vec![Arc::new(Field::new(ID_COLUMN, id_type.clone(), false))];
    schema_fields.extend(fields.iter().cloned());
    let geometry = table.geometry.is_some();
    let mut bbox = None;
    if geometry {
        schema_fields.push(Arc::new(Field::new(
            GEOMETRY_COLUMN,
            DataType::Binary,
            true,
        )));
        bbox = Some(schema_fields.len());
        schema_fields.push(Arc::new(bbox_field()));
    }
    let stored_columns = schema_fields.len();
    let text = if id_type == &DataType::Utf8 {
        0
    } else {
        schema_fields.push(Arc::new(Field::new(ID_TEXT_COLUMN, DataType::Utf8, false)));
        stored_columns
    };
    Head {
        driver: table.driver.clone(),
        layer: table.layer.clone(),
        crs: table.crs.clone(),
        fields,
        source_names,
        id_type: id_type.clone(),
        geometry,
        schema: Arc::new(Schema::new(schema_fields)),
        stored_columns,
        sort: SortColumns { text, bbox },
    }
}

/// A published column may not take the id column's name unless it is the (single) key itself.
fn check_id_name(ds: &Dataset, table: &SourceTable) -> Result<(), IngestError> {
    let single_key = match &ds.key {
        FeatureKey::Columns(cols) if cols.len() == 1 => Some(cols[0].as_str()),
        _ => None,
    };
    if let Some(pos) = table.fields.iter().position(|(f, _)| f.name() == ID_COLUMN) {
        let src = &table.source_names[pos];
        if single_key != Some(src.as_str()) {
            return Err(IngestError::source(
                ds,
                format!(
                    "the source column `{src}` would be published as `{ID_COLUMN}`, which holds the feature id; \
                     rename it with [dataset.columns.{src}] name = \"…\" or make it the key"
                ),
            ));
        }
    }
    Ok(())
}

/// Per-row content: every published value and the geometry, as a hash.
fn content_hashes(table: &SourceTable, wkb: Option<&ArrayRef>) -> Vec<[u8; 32]> {
    let options = FormatOptions::default().with_null("\u{0}NULL");
    let formatters: Vec<ArrayFormatter> = table
        .fields
        .iter()
        .map(|(_, a)| {
            ArrayFormatter::try_new(a.as_ref(), &options).expect("every stored type formats")
        })
        .collect();
    let wkb = wkb.map(|a| a.as_binary::<i32>());
    (0..table.rows)
        .map(|row| {
            let mut h = Sha256::new();
            for f in &formatters {
                h.update(f.value(row).to_string().as_bytes());
                h.update([0x1f]);
            }
            if let Some(w) = wkb
                && w.is_valid(row)
            {
                h.update(w.value(row));
            }
            h.finalize().into()
        })
        .collect()
}

struct Ids {
    /// Id column to store (Int64 for a single integer key, else Utf8).
    array: ArrayRef,
    /// The same ids as text (for duplicate detection and ordering).
    text: Vec<String>,
}

fn make_ids(
    ds: &Dataset,
    table: &SourceTable,
    content: Option<&[[u8; 32]]>,
    offset: usize,
) -> Result<Ids, IngestError> {
    let cols = match &ds.key {
        FeatureKey::ContentHash => {
            let content = content.expect("content hashes are made for content-hash keys");
            let text: Vec<String> = content
                .iter()
                .map(|h| h[..8].iter().map(|b| format!("{b:02x}")).collect())
                .collect();
            return Ok(Ids {
                array: Arc::new(StringArray::from(text.clone())),
                text,
            });
        }
        FeatureKey::Columns(cols) => cols,
    };
    let arrays: Vec<&ArrayRef> = cols
        .iter()
        .map(|c| {
            let pos = table
                .source_names
                .iter()
                .position(|s| s == c)
                .expect("key columns checked against the source");
            &table.fields[pos].1
        })
        .collect();
    for (col, a) in cols.iter().zip(&arrays) {
        if let Some(row) = (0..a.len()).find(|&r| a.is_null(r)) {
            return Err(IngestError::source(
                ds,
                format!("feature {}: key column `{col}` is empty", offset + row + 1),
            ));
        }
    }
    let integer =
        arrays.len() == 1 && matches!(arrays[0].data_type(), DataType::Int32 | DataType::Int64);
    let text: Vec<String> = if arrays.len() == 1 && arrays[0].data_type() == &DataType::Utf8 {
        // The common case, without a formatter per value.
        let a = arrays[0].as_string::<i32>();
        (0..a.len()).map(|r| a.value(r).to_owned()).collect()
    } else {
        let options = FormatOptions::default();
        let formatters: Vec<ArrayFormatter> = arrays
            .iter()
            .map(|a| {
                ArrayFormatter::try_new(a.as_ref(), &options).expect("every stored type formats")
            })
            .collect();
        (0..table.rows)
            .map(|r| {
                formatters
                    .iter()
                    .map(|f| f.value(r).to_string())
                    .collect::<Vec<_>>()
                    .join(":")
            })
            .collect()
    };
    let array: ArrayRef = if integer {
        cast(arrays[0].as_ref(), &DataType::Int64).expect("integers widen")
    } else if table.rows == 0 {
        new_empty_array(&DataType::Utf8)
    } else {
        Arc::new(StringArray::from(text.clone()))
    };
    Ok(Ids { array, text })
}

fn temporal_columns(ds: &Dataset) -> Vec<&str> {
    match &ds.temporal {
        Some(Temporal::Instant(f)) => vec![f.as_str()],
        Some(Temporal::Interval { start, end }) => vec![start.as_str(), end.as_str()],
        None => vec![],
    }
}

/// Temporal columns become timestamps (text sources such as GeoJSON carry dates as strings), so
/// that `datetime` filters compare instants, not text.
fn convert_temporal_columns(ds: &Dataset, table: &mut SourceTable) -> Result<(), IngestError> {
    let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    for col in temporal_columns(ds) {
        let pos = table
            .source_names
            .iter()
            .position(|s| s == col)
            .expect("checked against the source");
        let (field, array) = &table.fields[pos];
        if matches!(array.data_type(), DataType::Timestamp(_, _)) {
            continue;
        }
        let options = arrow::compute::CastOptions {
            safe: false,
            ..Default::default()
        };
        let converted =
            arrow::compute::cast_with_options(array.as_ref(), &ts, &options).map_err(|e| {
                IngestError::source(
                    ds,
                    format!(
                        "temporal column `{col}` holds a value that is not a date or time: {e}"
                    ),
                )
            })?;
        let field = Arc::new(Field::new(field.name(), ts.clone(), true));
        table.fields[pos] = (field, converted);
    }
    Ok(())
}
