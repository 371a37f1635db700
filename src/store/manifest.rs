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
