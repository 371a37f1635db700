//! Ingest: a catalog dataset's source → a new GeoParquet version in the store.
//!
//! Steps: checksum (source files + catalog entry; unchanged → skip) → read with GDAL/OGR in
//! chunks, reprojected to CRS84, withheld columns never read → feature ids from the key (or a
//! content hash), duplicates resolved or reported (`prepare`) → Hilbert order by an external sort
//! (`sort`: sorted runs spilled to the staging directory, merged) → GeoParquet 1.1 written row
//! group by row group, with the id index → downloads read back from it → manifest → atomic
//! switch. Memory is bounded by [`Limits`], not by the size of the source. Any failure abandons
//! the staging directory and leaves the previous version current.
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
mod prepare;
mod sort;
mod sort_indexes;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use sha2::{Digest, Sha256};

pub use batches::{BatchSource, ingest_batches};
pub use ogr::SourceSummary;

use crate::catalog::Dataset;
use crate::store::id_index;
use crate::store::layout::{FORMAT_VERSION, GEOMETRY_COLUMN, ID_COLUMN, ID_INDEX_FILE};
use crate::store::{
    ChangeSummary, ColumnInfo, GeometryInfo, Manifest, SourceInfo, Store, StoreError, StoredFile,
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

/// Lets glibc's malloc keep and reuse the large buffers an ingest allocates over and over (sort
/// runs, row groups, geometry columns) instead of mapping and unmapping each one: every fresh
/// mapping is faulted in and zeroed by the kernel. On 1 million polygons this took the system
/// time from 37 to 26 s and source → GeoParquet from 27 to 21 s, at the same peak RSS. For the
/// `ingest` command only: a server's memory is given back by trims (`sql::trim`).
pub fn keep_large_allocations() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt takes two integers and only changes glibc's own thresholds; it is called
    // once, before the ingest allocates.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
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
    ingest_with(ds, store, force, progress, Limits::default())
}

/// [`ingest`] within the given memory limits (tests use small ones to force spilled runs).
pub fn ingest_with(
    ds: &Dataset,
    store: &Store,
    force: bool,
    progress: &dyn Fn(u64, u64),
    limits: Limits,
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

    store_stream(ds, store, checksum, started, limits, &mut |sink| {
        ogr::read(ds, limits.chunk_rows, progress, sink)
    })
}

/// How the streamed ingest bounds its memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Features per chunk read from the source: the unit of id-making and duplicate checks.
    pub chunk_rows: usize,
    /// Bytes of rows held in memory before they are spilled to the staging directory, and the
    /// most one sorted run holds (its sort needs about twice that).
    pub run_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            chunk_rows: 65_536,
            run_bytes: 256 << 20,
        }
    }
}

/// Feeds the chunks of a source to `sink`.
type Feed<'a> = dyn FnMut(&mut dyn FnMut(ogr::SourceTable) -> Result<(), IngestError>) -> Result<(), IngestError>
    + 'a;

/// Stores the chunks that `feed` produces as the dataset's new version: ids, duplicates, the
/// Hilbert order (an external sort), GeoParquet, id index, downloads, manifest, atomic switch.
fn store_stream(
    ds: &Dataset,
    store: &Store,
    checksum: String,
    started: Instant,
    limits: Limits,
    feed: &mut Feed,
) -> Result<Outcome, IngestError> {
    let store_err = |source| IngestError::Store {
        dataset: ds.id.to_string(),
        source,
    };
    let staging = store.stage(&ds.id).map_err(store_err)?;
    let written = match write_staged(ds, store, &staging, limits, feed) {
        Ok(w) => w,
        Err(e) => {
            staging.abandon();
            return Err(e);
        }
    };
    let Written {
        head,
        stats,
        row_groups,
        bytes,
        sha,
        files,
        changes,
    } = written;
    let manifest = Manifest {
        dataset: ds.id.to_string(),
        version: staging.version(),
        created: chrono::Utc::now(),
        checksum,
        source: SourceInfo {
            path: ds.source.declared_path.clone(),
            layer: head.layer.clone(),
            driver: head.driver.clone(),
            crs: head.crs.clone(),
        },
        row_count: stats.rows as u64,
        data_bytes: bytes,
        data_sha256: sha,
        id_column: ID_COLUMN.into(),
        id_type: if head.id_type == DataType::Int64 {
            "integer"
        } else {
            "string"
        }
        .into(),
        geometry: head.geometry.then(|| GeometryInfo {
            column: GEOMETRY_COLUMN.into(),
            types: stats.types.iter().cloned().collect(),
            bbox: stats.extent,
        }),
        temporal: stats.temporal_info(ds),
        columns: head
            .fields
            .iter()
            .zip(&head.source_names)
            .map(|(f, src)| ColumnInfo {
                name: f.name().clone(),
                source_name: src.clone(),
                data_type: f.data_type().to_string(),
            })
            .collect(),
        changes: Some(changes.clone()),
        files,
    };
    let version = staging.commit(&manifest).map_err(store_err)?;
    Ok(Outcome::Written {
        version,
        rows: stats.rows as u64,
        bytes,
        row_groups,
        dropped_duplicates: stats.dropped,
        seconds: started.elapsed().as_secs_f64(),
        changes,
    })
}

/// What writing a version's files found out.
struct Written {
    head: prepare::Head,
    stats: prepare::Stats,
    row_groups: usize,
    bytes: u64,
    sha: String,
    files: Vec<StoredFile>,
    changes: ChangeSummary,
}

/// Reads, orders and writes every file of the version into the staging directory.
fn write_staged(
    ds: &Dataset,
    store: &Store,
    staging: &crate::store::Staging,
    limits: Limits,
    feed: &mut Feed,
) -> Result<Written, IngestError> {
    let started = Instant::now();
    let fail =
        |what: &str, e: &dyn std::fmt::Display| IngestError::source(ds, format!("{what}: {e}"));
    let parquet_err = |source| IngestError::Parquet {
        dataset: ds.id.to_string(),
        source,
    };
    let log = |message: &str| tracing::info!(dataset = %ds.id, "{message}");

    // Read: chunk by chunk, ids and duplicates, kept rows to the sorter.
    let mut prepared = prepare::Preparer::new(ds);
    let mut sorter: Option<sort::Sorter> = None;
    feed(&mut |chunk| {
        let batch = prepared.chunk(chunk)?;
        let head = prepared.head().expect("made with the first chunk");
        let sorter = sorter.get_or_insert_with(|| {
            sort::Sorter::new(
                staging.dir(),
                limits.run_bytes,
                head.schema.clone(),
                head.sort,
            )
        });
        sorter
            .push(batch)
            .map_err(|e| fail("spilling rows to the staging directory", &e))
    })?;
    prepared.check_duplicates()?;
    prepared.forget_ids();
    let (head, stats) = prepared.finish();
    let sorter = sorter.expect("a source yields at least one chunk");
    log(&format!(
        "{} rows read in {:.1} s; ordering",
        stats.rows,
        started.elapsed().as_secs_f64()
    ));

    // Order and write: sorted runs merged into row groups of the layout's size.
    let runs = sorter
        .finish(stats.extent, &log)
        .map_err(|e| fail("ordering the rows", &e))?;
    let path = staging.data_path();
    let group_rows = stats.group_rows(head.geometry);
    let mut metadata = Vec::new();
    if head.geometry {
        let types: Vec<String> = stats.types.iter().cloned().collect();
        metadata.push(parquet::file::metadata::KeyValue::new(
            "geo".to_owned(),
            geoparquet::geo_metadata(&types, stats.extent),
        ));
    }
    let stored: Vec<usize> = (0..head.stored_columns).collect();
    let schema = Arc::new(
        head.schema
            .project(&stored)
            .expect("stored columns are in the schema"),
    );
    let mut writer =
        geoparquet::Writer::create(&path, schema, metadata, group_rows).map_err(parquet_err)?;
    let previous = store
        .current_version(&ds.id)
        .map_err(|source| IngestError::Store {
            dataset: ds.id.to_string(),
            source,
        })?;
    let previous_path = previous.map(|v| store.data_path(&ds.id, v));
    let mut comparison =
        changes::Comparison::new(previous.zip(previous_path.as_deref())).map_err(|e| {
            fail(
                &format!("comparing with the previous version {previous:?}"),
                &e,
            )
        })?;
    let mut ids: Vec<id_index::Entry> = Vec::with_capacity(stats.rows);
    let mut written = 0usize;
    let mut next_log = 1_000_000;
    sort::merge(
        runs,
        head.sort,
        group_rows,
        &mut |batch| {
            let batch = batch.project(&stored).map_err(|e| fail("writing", &e))?;
            writer.write_group(&batch).map_err(parquet_err)?;
            let group = (written / group_rows) as u32;
            add_ids(&mut ids, &batch, group).map_err(|e| fail("indexing ids", &e))?;
            let boxes = match head.geometry {
                true => changes::read_boxes(batch.column(head.stored_columns - 1).as_ref()),
                false => Vec::new(),
            };
            comparison
                .add(&changed_rows(&batch, &head, &boxes))
                .map_err(|e| fail("comparing with the previous version", &e))?;
            written += batch.num_rows();
            if written >= next_log {
                log(&format!("{written} of {} rows written", stats.rows));
                next_log += 1_000_000;
            }
            Ok(())
        },
        |e| fail("ordering the rows", &e),
    )?;
    sort::remove_spill_files(staging.dir()).map_err(|e| fail("removing spill files", &e))?;
    // Before the downloads, so that the previous version's digests are freed first.
    let changes = comparison
        .finish(stats.extent)
        .map_err(|e| fail("comparing with the previous version", &e))?;
    let row_groups = writer.close().map_err(parquet_err)?;
    id_index::write(&staging.file_path(ID_INDEX_FILE), &mut ids)
        .map_err(|e| fail("writing the id index", &e))?;
    drop(ids);
    let (bytes, sha) = file_digest(&path).map_err(|e| fail(&path.display().to_string(), &e))?;
    log(&format!(
        "GeoParquet written in {:.2} s ({} rows, {row_groups} row groups); writing sort indexes and downloads",
        started.elapsed().as_secs_f64(),
        stats.rows
    ));
    let indexing = Instant::now();
    let sort_indexes = sort_indexes::write(&path, staging.dir())
        .map_err(|e| fail("writing the sort indexes", &e))?;
    log(&format!(
        "{sort_indexes} sort indexes written in {:.2} s",
        indexing.elapsed().as_secs_f64()
    ));
    let downloads = Instant::now();
    let files = write_downloads(ds, &head, &stats, staging)?;
    log(&format!(
        "downloads written in {:.2} s",
        downloads.elapsed().as_secs_f64()
    ));
    Ok(Written {
        changes,
        head,
        stats,
        row_groups,
        bytes,
        sha,
        files,
    })
}

/// Index entries for the rows of row group `group`.
fn add_ids(
    out: &mut Vec<id_index::Entry>,
    batch: &RecordBatch,
    group: u32,
) -> Result<(), arrow::error::ArrowError> {
    let ids = batch.column(0);
    match ids.data_type() {
        DataType::Utf8 => {
            let a = ids.as_string::<i32>();
            out.extend((0..a.len()).map(|r| (id_index::id_hash(a.value(r)), group, r as u32)));
        }
        _ => {
            let f = ArrayFormatter::try_new(ids.as_ref(), &FormatOptions::default())?;
            out.extend(
                (0..ids.len())
                    .map(|r| (id_index::id_hash(&f.value(r).to_string()), group, r as u32)),
            );
        }
    }
    Ok(())
}

/// A written row group as the change summary reads it.
fn changed_rows<'a>(
    batch: &'a RecordBatch,
    head: &'a prepare::Head,
    boxes: &'a [Option<[f64; 4]>],
) -> changes::Rows<'a> {
    let columns = head
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name().as_str(), batch.column(i + 1)))
        .collect();
    changes::Rows {
        ids: batch.column(0),
        columns,
        wkb: head.geometry.then(|| batch.column(head.stored_columns - 2)),
        bbox: boxes,
    }
}

/// Writes the GeoPackage (and, when every feature has a geometry, FlatGeobuf) downloads into the
/// staging dir, from the data file just written.
fn write_downloads(
    ds: &Dataset,
    head: &prepare::Head,
    stats: &prepare::Stats,
    staging: &crate::store::Staging,
) -> Result<Vec<StoredFile>, IngestError> {
    use export::GdalFormat;
    let data = staging.data_path();
    let types: Vec<String> = stats.types.iter().cloned().collect();
    let source = export::ExportSource {
        layer: ds.id.as_str(),
        data: &data,
        types: &types,
        spatial: head.geometry,
    };
    let mut formats = vec![GdalFormat::GeoPackage];
    // GDAL's FlatGeobuf writer drops features without geometry: offered only when none lacks one.
    if head.geometry && stats.every_row_has_geometry() {
        formats.push(GdalFormat::FlatGeobuf);
    }
    let mut files = Vec::new();
    for format in formats {
        let path = staging.file_path(format.file_name());
        export::write(format, &source, &path).map_err(|e| {
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
