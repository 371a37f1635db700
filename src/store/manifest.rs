//! `manifest.json`: what one version of a dataset holds, written by ingest, read by the server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub dataset: String,
    pub version: u64,
    pub created: DateTime<Utc>,
    /// Covers the source file(s) and the dataset's catalog entry: unchanged means skip.
    pub checksum: String,
    pub source: SourceInfo,
    pub row_count: u64,
    pub data_bytes: u64,
    pub data_sha256: String,
    /// Name of the feature id column.
    pub id_column: String,
    /// `string` or `integer`.
    pub id_type: String,
    /// Absent for tables without geometry.
    pub geometry: Option<GeometryInfo>,
    pub temporal: Option<TemporalInfo>,
    /// Published columns, in stored order (without id, geometry and bbox).
    pub columns: Vec<ColumnInfo>,
    /// What changed since the previous version (absent in manifests written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<ChangeSummary>,
    /// Download files stored beside `data.parquet` (GeoPackage, FlatGeobuf), made at ingest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<StoredFile>,
}

impl Manifest {
    /// A stored download file by format token (`gpkg`, `fgb`).
    pub fn file(&self, format: &str) -> Option<&StoredFile> {
        self.files.iter().find(|f| f.format == format)
    }
}

/// Features added, removed and changed relative to the previous version, compared by id and a
/// hash of each feature's stored content (published values and geometry).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ChangeSummary {
    /// The version compared with; `None` for a dataset's first version (every feature is added).
    pub previous: Option<u64>,
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// CRS84 `[minx, miny, maxx, maxy]` of what changed: added features, removed ones (their old
    /// geometry), changed ones (old and new geometry). `None` when nothing with a geometry changed.
    pub extent: Option<[f64; 4]>,
}

impl ChangeSummary {
    pub fn is_empty(&self) -> bool {
        self.added == 0 && self.removed == 0 && self.changed == 0
    }
}

/// A file of a version besides `data.parquet`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredFile {
    /// Format token, e.g. `gpkg`.
    pub format: String,
    /// File name inside the version directory, e.g. `data.gpkg`.
    pub name: String,
    pub media_type: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceInfo {
    pub path: String,
    pub layer: String,
    pub driver: String,
    /// The CRS the features were read in (declared or overridden), e.g. `EPSG:28992`.
    pub crs: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GeometryInfo {
    pub column: String,
    /// GeoParquet geometry type names, e.g. `["MultiPolygon"]`.
    pub types: Vec<String>,
    /// `[minx, miny, maxx, maxy]` in CRS84; absent when every geometry is empty or null.
    pub bbox: Option<[f64; 4]>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TemporalInfo {
    /// Published name of the start (or only) temporal column.
    pub start: String,
    /// Published name of the end column, for intervals.
    pub end: Option<String>,
    /// Earliest and latest value, RFC 3339.
    pub interval: [Option<String>; 2],
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    pub source_name: String,
    /// Arrow data type as text, e.g. `Utf8`, `Int64`, `Timestamp(Millisecond, Some("UTC"))`.
    pub data_type: String,
}
