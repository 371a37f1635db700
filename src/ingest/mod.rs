//! Ingest: a catalog dataset's source → a new GeoParquet version in the store.
//!
//! Steps: checksum (source files + catalog entry; unchanged → skip) → read with GDAL/OGR,
//! reprojected to CRS84, withheld columns never read → feature ids from the key (or a content
//! hash), duplicates resolved or reported → Hilbert order → GeoParquet 1.1 → manifest → atomic
//! switch. Any failure abandons the staging directory and leaves the previous version current.
//!
//! Rows that something else computed (a `[[view]]`'s SQL result) come in as record batches with
//! a description ([`ingest_batches`], [`BatchSource`]) and take the same steps from the ids on.
//! Ingest never runs a query: it depends on `catalog`, `store` and `geom` only; running views
//! over the engine is the `jobs` module's work.

mod batches;
mod changes;
pub mod export;
mod geoparquet;
mod hilbert;
mod ogr;

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, ArrayRef, AsArray, StringArray, UInt32Array};
use arrow::compute::{cast, take};
use arrow::datatypes::{DataType, Field, TimeUnit};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use sha2::{Digest, Sha256};

pub use batches::{BatchSource, ingest_batches};
pub use ogr::SourceSummary;

use crate::catalog::{Dataset, DuplicatePolicy, FeatureKey, Temporal};
use crate::store::layout::{FORMAT_VERSION, GEOMETRY_COLUMN, ID_COLUMN};
use crate::store::{
    ChangeSummary, ColumnInfo, GeometryInfo, Manifest, SourceInfo, Store, StoreError, StoredFile,
    TemporalInfo,
};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// A problem of the catalog entry that only opening the source shows (e.g. a missing CRS).
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error("dataset `{dataset}`: {message}")]
    Source { dataset: String, message: String },
    #[error("dataset `{dataset}`: {source}")]
    Store {
        dataset: String,
        #[source]
        source: StoreError,
    },
    #[error("dataset `{dataset}`: writing Parquet: {source}")]
    Parquet {
        dataset: String,
        #[source]
        source: parquet::errors::ParquetError,
    },
}

impl IngestError {
    fn source(ds: &Dataset, message: String) -> Self {
        IngestError::Source {
            dataset: ds.id.to_string(),
            message,
        }
    }
}

/// What an ingest run did for one dataset.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Source and catalog entry unchanged since the current version.
    Unchanged { version: u64 },
    Written {
        version: u64,
        rows: u64,
        bytes: u64,
        row_groups: usize,
        dropped_duplicates: usize,
        seconds: f64,
        /// Compared with the previous version.
        changes: ChangeSummary,
    },
}

/// Opens the source and checks the catalog's columns against it, without reading features.
pub fn probe(ds: &Dataset) -> Result<SourceSummary, IngestError> {
    ogr::probe(ds)
}

/// Files that make up a source: the file itself and its sidecars (a Shapefile's .dbf, .shx, .prj…).
fn source_files(path: &Path) -> Vec<PathBuf> {
    let mut files = vec![path.to_owned()];
    let (Some(dir), Some(stem)) = (path.parent(), path.file_stem().and_then(|s| s.to_str())) else {
        return files;
    };
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut siblings: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p != path
                    && p.file_stem().and_then(|s| s.to_str()) == Some(stem)
                    && p.extension().is_some_and(|e| {
                        matches!(
                            e.to_str(),
                            Some("dbf" | "shx" | "prj" | "cpg" | "qix" | "sbn" | "sbx")
                        )
                    })
            })
            .collect();
        siblings.sort();
        files.extend(siblings);
    }
    files
}

/// Checksum of the source files and the dataset's catalog entry.
pub fn checksum(ds: &Dataset) -> Result<String, IngestError> {
    let mut h = Sha256::new();
    h.update(FORMAT_VERSION.as_bytes());
    h.update(ds.entry_fingerprint.as_bytes());
    for file in source_files(&ds.source.path) {
        let mut f = std::fs::File::open(&file)
            .map_err(|e| IngestError::source(ds, format!("cannot read {}: {e}", file.display())))?;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf).map_err(|e| {
                IngestError::source(ds, format!("cannot read {}: {e}", file.display()))
            })?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
    }
    Ok(format!("sha256:{:x}", h.finalize()))
}

/// Ingests one dataset into the store. `progress` receives (features read, total).
pub fn ingest(
    ds: &Dataset,
    store: &Store,
    force: bool,
    progress: &dyn Fn(u64, u64),
) -> Result<Outcome, IngestError> {
    let started = Instant::now();
    let store_err = |source| IngestError::Store {
        dataset: ds.id.to_string(),
        source,
    };
    if ds.view_sql.is_some() {
        return Err(IngestError::source(
            ds,
            "is a [[view]]: it is computed by `jobs::ingest_view`, after the datasets".into(),
        ));
    }
    if !ds.source.path.exists() {
        return Err(IngestError::source(
            ds,
            format!(
                "source file not found: `{}` was expected at {}",
                ds.source.declared_path,
                ds.source.path.display()
            ),
        ));
    }
    let checksum = checksum(ds)?;
    if !force
        && let Some(current) = store.current_manifest(&ds.id).map_err(store_err)?
        && current.checksum == checksum
    {
        return Ok(Outcome::Unchanged {
            version: current.version,
        });
    }

    let table = ogr::read(ds, progress)?;
    store_table(ds, store, checksum, table, started)
}

/// Prepares a read table (ids, duplicates, order) and stores it as the dataset's new version.
fn store_table(
    ds: &Dataset,
    store: &Store,
    checksum: String,
    table: ogr::SourceTable,
    started: Instant,
) -> Result<Outcome, IngestError> {
    let store_err = |source| IngestError::Store {
        dataset: ds.id.to_string(),
        source,
    };
    let prepared = prepare(ds, table)?;

    let previous = store.current_version(&ds.id).map_err(store_err)?;
    let changes = summarise_changes(ds, store, previous, &prepared)?;

    let staging = store.stage(&ds.id).map_err(store_err)?;
    let written = write_version(ds, &prepared, &staging.data_path()).and_then(|w| {
        let files = write_downloads(ds, &prepared, &staging)?;
        Ok((w, files))
    });
    let ((row_groups, bytes, sha), files) = match written {
        Ok(w) => w,
        Err(e) => {
            staging.abandon();
            return Err(e);
        }
    };
    let manifest = Manifest {
        dataset: ds.id.to_string(),
        version: staging.version(),
        created: chrono::Utc::now(),
        checksum,
        source: SourceInfo {
            path: ds.source.declared_path.clone(),
            layer: prepared.layer.clone(),
            driver: prepared.driver.clone(),
            crs: prepared.crs.clone(),
        },
        row_count: prepared.rows as u64,
        data_bytes: bytes,
        data_sha256: sha,
        id_column: ID_COLUMN.into(),
        id_type: if prepared.id.data_type() == &DataType::Int64 {
            "integer"
        } else {
            "string"
        }
        .into(),
        geometry: prepared.geometry.as_ref().map(|g| GeometryInfo {
            column: GEOMETRY_COLUMN.into(),
            types: g.types.clone(),
            bbox: g.extent,
        }),
        temporal: prepared.temporal.clone(),
        columns: prepared
            .fields
            .iter()
            .zip(&prepared.source_names)
            .map(|((f, _), src)| ColumnInfo {
                name: f.name().clone(),
                source_name: src.clone(),
                data_type: f.data_type().to_string(),
            })
            .collect(),
        changes: Some(changes.clone()),
        files,
    };
    let version = match staging.commit(&manifest) {
        Ok(v) => v,
        Err(e) => return Err(store_err(e)),
    };
    Ok(Outcome::Written {
        version,
        rows: prepared.rows as u64,
        bytes,
        row_groups,
        dropped_duplicates: prepared.dropped_duplicates,
        seconds: started.elapsed().as_secs_f64(),
        changes,
    })
}

/// Compares the prepared rows with the current version (if any) by id and content hash.
fn summarise_changes(
    ds: &Dataset,
    store: &Store,
    previous: Option<u64>,
    p: &Prepared,
) -> Result<ChangeSummary, IngestError> {
    let previous_path = previous.map(|v| (v, store.data_path(&ds.id, v)));
    let rows = changes::Rows {
        ids: &p.id,
        columns: p
            .fields
            .iter()
            .map(|(f, a)| (f.name().as_str(), a))
            .collect(),
        wkb: p.geometry.as_ref().map(|g| &g.wkb),
        bbox: p.geometry.as_ref().map_or(&[], |g| &g.bbox),
        extent: p.geometry.as_ref().and_then(|g| g.extent),
    };
    changes::summarise(
        previous_path.as_ref().map(|(v, p)| (*v, p.as_path())),
        &rows,
    )
    .map_err(|e| {
        IngestError::source(
            ds,
            format!("comparing with the previous version {previous:?}: {e}"),
        )
    })
}

/// Writes the GeoPackage (and, when every feature has a geometry, FlatGeobuf) downloads into the
/// staging dir.
fn write_downloads(
    ds: &Dataset,
    p: &Prepared,
    staging: &crate::store::Staging,
) -> Result<Vec<StoredFile>, IngestError> {
    use export::GdalFormat;
    let rows = export::ExportRows {
        layer: ds.id.as_str(),
        ids: &p.id,
        columns: p
            .fields
            .iter()
            .map(|(f, a)| (f.name().as_str(), a))
            .collect(),
        wkb: p.geometry.as_ref().map(|g| &g.wkb),
        types: p.geometry.as_ref().map_or(&[], |g| &g.types),
    };
    let mut formats = vec![GdalFormat::GeoPackage];
    // GDAL's FlatGeobuf writer drops features without geometry: offered only when none lacks one.
    if p.geometry
        .as_ref()
        .is_some_and(|g| g.bbox.iter().all(Option::is_some))
    {
        formats.push(GdalFormat::FlatGeobuf);
    }
    let mut files = Vec::new();
    for format in formats {
        let path = staging.file_path(format.file_name());
        export::write(format, &rows, &path).map_err(|e| {
            IngestError::source(ds, format!("writing the {} download: {e}", format.token()))
        })?;
        let (bytes, sha256) = file_digest(&path)
            .map_err(|e| IngestError::source(ds, format!("{}: {e}", path.display())))?;
        files.push(StoredFile {
            format: format.token().into(),
            name: format.file_name().into(),
            media_type: format.media_type().into(),
            bytes,
            sha256,
        });
    }
    Ok(files)
}

/// Size and SHA-256 (hex) of a file, read in blocks.
fn file_digest(path: &Path) -> std::io::Result<(u64, String)> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        h.update(&buf[..n]);
    }
    Ok((total, format!("{:x}", h.finalize())))
}

/// A table ready to write: ids made, duplicates resolved, rows in their final order.
struct Prepared {
    driver: String,
    layer: String,
    crs: Option<String>,
    id: ArrayRef,
    fields: Vec<(Arc<Field>, ArrayRef)>,
    source_names: Vec<String>,
    geometry: Option<PreparedGeometry>,
    temporal: Option<TemporalInfo>,
    rows: usize,
    dropped_duplicates: usize,
}

struct PreparedGeometry {
    wkb: ArrayRef,
    bbox: Vec<Option<[f64; 4]>>,
    types: Vec<String>,
    extent: Option<[f64; 4]>,
}

fn prepare(ds: &Dataset, mut table: ogr::SourceTable) -> Result<Prepared, IngestError> {
    // A published column may not take the id column's name unless it is the (single) key itself.
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
    convert_temporal_columns(ds, &mut table)?;

    let geometry_wkb = table.geometry.as_ref().map(|g| ogr::wkb_array(&g.wkb));
    let content = RowContent::new(&table, geometry_wkb.as_ref());
    let ids = make_ids(ds, &table, &content)?;

    // Resolve duplicate keys.
    let mut first_of: HashMap<&str, usize> = HashMap::with_capacity(table.rows);
    let mut keep = Vec::with_capacity(table.rows);
    let mut conflicts: Vec<&str> = Vec::new();
    let mut dropped = 0;
    for (row, id) in ids.text.iter().enumerate() {
        match first_of.get(id.as_str()) {
            None => {
                first_of.insert(id, row);
                keep.push(row);
            }
            Some(&first) => {
                if ds.duplicates == DuplicatePolicy::DropIdentical
                    && content.hash(first) == content.hash(row)
                {
                    dropped += 1;
                } else if !conflicts.contains(&id.as_str()) {
                    conflicts.push(id);
                }
            }
        }
    }
    if !conflicts.is_empty() {
        let shown: Vec<String> = conflicts
            .iter()
            .take(10)
            .map(|k| format!("`{k}`"))
            .collect();
        let key = match &ds.key {
            FeatureKey::Columns(c) => format!("key ({})", c.join(", ")),
            FeatureKey::ContentHash => "content hash (identical features)".into(),
        };
        return Err(IngestError::source(
            ds,
            format!(
                "{} duplicate values of the {key}: {}{}; choose a composite key, or duplicates = \"drop-identical\" if they are exact copies",
                conflicts.len(),
                shown.join(", "),
                if conflicts.len() > 10 { ", …" } else { "" }
            ),
        ));
    }

    // Order: along the Hilbert curve (ties and tables: by id), so bbox statistics prune.
    let extent = table.geometry.as_ref().and_then(|g| union_bbox(&g.bbox));
    let mut order = keep;
    match (&table.geometry, extent) {
        (Some(g), Some(ext)) => {
            let h: Vec<u64> = g
                .bbox
                .iter()
                .map(|b| match b {
                    Some(b) => hilbert::index_in(ext, (b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0),
                    None => u64::MAX,
                })
                .collect();
            order.sort_by(|&a, &b| h[a].cmp(&h[b]).then_with(|| ids.text[a].cmp(&ids.text[b])));
        }
        _ => order.sort_by(|&a, &b| ids.text[a].cmp(&ids.text[b])),
    }
    let indices = UInt32Array::from(order.iter().map(|&i| i as u32).collect::<Vec<_>>());
    let reorder = |a: &ArrayRef| take(a.as_ref(), &indices, None).expect("indices are in bounds");

    // A key column published as `id` *is* the id column: store it once.
    let (fields, source_names): (Vec<_>, Vec<_>) = table
        .fields
        .iter()
        .zip(&table.source_names)
        .filter(|((f, _), _)| f.name() != ID_COLUMN)
        .map(|((f, a), src)| ((f.clone(), reorder(a)), src.clone()))
        .unzip();
    let geometry = table.geometry.as_ref().map(|g| PreparedGeometry {
        wkb: reorder(geometry_wkb.as_ref().expect("made with geometry")),
        bbox: order.iter().map(|&i| g.bbox[i]).collect(),
        types: g.types.clone(),
        extent,
    });
    let temporal = temporal_info(ds, &table);
    Ok(Prepared {
        driver: table.driver,
        layer: table.layer,
        crs: table.crs,
        id: reorder(&ids.array),
        fields,
        source_names,
        geometry,
        temporal,
        rows: order.len(),
        dropped_duplicates: dropped,
    })
}

fn union_bbox(bboxes: &[Option<[f64; 4]>]) -> Option<[f64; 4]> {
    bboxes.iter().flatten().fold(None, |acc, b| {
        Some(match acc {
            None => *b,
            Some(a) => [
                a[0].min(b[0]),
                a[1].min(b[1]),
                a[2].max(b[2]),
                a[3].max(b[3]),
            ],
        })
    })
}

/// Per-row content: every published value and the geometry, as a hash.
struct RowContent {
    hashes: Vec<[u8; 32]>,
}

impl RowContent {
    fn new(table: &ogr::SourceTable, wkb: Option<&ArrayRef>) -> Self {
        let options = FormatOptions::default().with_null("\u{0}NULL");
        let formatters: Vec<ArrayFormatter> = table
            .fields
            .iter()
            .map(|(_, a)| {
                ArrayFormatter::try_new(a.as_ref(), &options).expect("every stored type formats")
            })
            .collect();
        let wkb = wkb.map(|a| a.as_binary::<i32>());
        let hashes = (0..table.rows)
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
            .collect();
        Self { hashes }
    }

    fn hash(&self, row: usize) -> &[u8; 32] {
        &self.hashes[row]
    }
}

struct Ids {
    /// Id column to store (Int64 for a single integer key, else Utf8).
    array: ArrayRef,
    /// The same ids as text (for duplicate detection and ordering).
    text: Vec<String>,
}

fn make_ids(
    ds: &Dataset,
    table: &ogr::SourceTable,
    content: &RowContent,
) -> Result<Ids, IngestError> {
    let cols = match &ds.key {
        FeatureKey::ContentHash => {
            let text: Vec<String> = (0..table.rows)
                .map(|r| {
                    content.hash(r)[..8]
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect()
                })
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
                format!("feature {}: key column `{col}` is empty", row + 1),
            ));
        }
    }
    let options = FormatOptions::default();
    let formatters: Vec<ArrayFormatter> = arrays
        .iter()
        .map(|a| ArrayFormatter::try_new(a.as_ref(), &options).expect("every stored type formats"))
        .collect();
    let text: Vec<String> = (0..table.rows)
        .map(|r| {
            formatters
                .iter()
                .map(|f| f.value(r).to_string())
                .collect::<Vec<_>>()
                .join(":")
        })
        .collect();
    let integer =
        arrays.len() == 1 && matches!(arrays[0].data_type(), DataType::Int32 | DataType::Int64);
    let array: ArrayRef = if integer {
        cast(arrays[0].as_ref(), &DataType::Int64).expect("integers widen")
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
fn convert_temporal_columns(ds: &Dataset, table: &mut ogr::SourceTable) -> Result<(), IngestError> {
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

fn temporal_info(ds: &Dataset, table: &ogr::SourceTable) -> Option<TemporalInfo> {
    let cols = temporal_columns(ds);
    if cols.is_empty() {
        return None;
    }
    let array_of = |c: &str| {
        let pos = table
            .source_names
            .iter()
            .position(|s| s == c)
            .expect("checked against the source");
        &table.fields[pos]
    };
    let bound = |c: &str, max: bool| -> Option<String> {
        let (_, a) = array_of(c);
        let a = a.as_primitive::<arrow::datatypes::TimestampMillisecondType>();
        let v = if max {
            arrow::compute::max(a)
        } else {
            arrow::compute::min(a)
        }?;
        // Whole seconds, rounded outwards, so that the interval contains every value.
        let v = if max {
            (v + 999).div_euclid(1000) * 1000
        } else {
            v.div_euclid(1000) * 1000
        };
        chrono::DateTime::from_timestamp_millis(v)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    };
    let start = cols[0];
    let end = *cols.last().expect("non-empty");
    Some(TemporalInfo {
        start: array_of(start).0.name().clone(),
        end: (cols.len() > 1).then(|| array_of(end).0.name().clone()),
        interval: [bound(start, false), bound(end, true)],
    })
}

fn write_version(
    ds: &Dataset,
    p: &Prepared,
    path: &Path,
) -> Result<(usize, u64, String), IngestError> {
    let id_field = Arc::new(Field::new(ID_COLUMN, p.id.data_type().clone(), false));
    let mut columns = vec![(id_field, p.id.clone())];
    columns.extend(p.fields.iter().cloned());
    let geometry = p.geometry.as_ref().map(|g| geoparquet::GeometryToWrite {
        wkb: g.wkb.clone(),
        bbox: &g.bbox,
        types: &g.types,
        extent: g.extent,
    });
    let row_groups =
        geoparquet::write(path, columns, geometry).map_err(|source| IngestError::Parquet {
            dataset: ds.id.to_string(),
            source,
        })?;
    let bytes = std::fs::read(path)
        .map_err(|e| IngestError::source(ds, format!("{}: {e}", path.display())))?;
    let sha = format!("{:x}", Sha256::digest(&bytes));
    Ok((row_groups, bytes.len() as u64, sha))
}
