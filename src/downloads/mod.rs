//! Whole-dataset downloads and the version archive:
//!
//! - `/datasets/{id}/download.{fmt}`: the current version;
//! - `/datasets/{id}/versions`: every kept version, newest first, with its change summary and
//!   download links (JSON);
//! - `/datasets/{id}/versions/{v}/download.{fmt}`: one version.
//!
//! Stored files (GeoParquet as stored, GeoPackage and FlatGeobuf written at ingest) are served
//! with length, validators and ranges ([`file`]); GeoJSON and CSV stream from the version's
//! rows ([`stream`]) and are compressed when the client accepts gzip or br.

pub mod file;
mod stream;
mod versions;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use tower_http::compression::CompressionLayer;

use crate::catalog::Dataset;
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::lookup::{self, Noun};
use crate::http::media::{Format, negotiate};
use crate::http::params::QueryParams;
use crate::store::Manifest;

/// The downloads of a version, named by the `{ext}` of `download.{ext}`.
pub const DOWNLOAD_FORMATS: &[Format] = &[
    Format::Parquet,
    Format::GeoJson,
    Format::Csv,
    Format::GeoPackage,
    Format::FlatGeobuf,
];

/// The format of the last path segment, `download.{ext}`.
fn format_of_file(name: &str) -> Result<Format, ApiError> {
    let extensions = || {
        DOWNLOAD_FORMATS
            .iter()
            .map(|f| f.extension())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let ext = name.strip_prefix("download.").ok_or_else(|| {
        ApiError::NotFound(format!(
            "there is no resource `{name}` here; downloads are download.{{{}}}",
            extensions()
        ))
    })?;
    DOWNLOAD_FORMATS
        .iter()
        .copied()
        .find(|f| f.extension() == ext)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "unknown download format `{ext}`; available: {}",
                extensions()
            ))
        })
}

/// One download of a version: where, what, and (for stored files) how big and its checksum.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DownloadLink {
    pub format: &'static str,
    pub href: String,
    #[serde(rename = "type")]
    pub media_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// The downloads of a version (`version: None`: the current-version URLs).
pub fn download_links(public_url: &str, m: &Manifest, version: Option<u64>) -> Vec<DownloadLink> {
    let base = match version {
        Some(v) => format!("{public_url}/datasets/{}/versions/{v}", m.dataset),
        None => format!("{public_url}/datasets/{}", m.dataset),
    };
    DOWNLOAD_FORMATS
        .iter()
        .filter_map(|&f| {
            let (length, sha256) = match f {
                Format::Parquet => (Some(m.data_bytes), Some(m.data_sha256.clone())),
                Format::GeoJson | Format::Csv => (None, None),
                _ => {
                    let stored = m.file(f.extension())?;
                    (Some(stored.bytes), Some(stored.sha256.clone()))
                }
            };
            Some(DownloadLink {
                format: f.extension(),
                href: format!("{base}/download.{}", f.extension()),
                media_type: f.content_type(),
                length,
                sha256,
            })
        })
        .collect()
}

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/datasets/{dataset_id}/{file}", get(download_current))
        .route("/datasets/{dataset_id}/versions", get(versions::list))
        .route(
            "/datasets/{dataset_id}/versions/{version}",
            get(versions::one),
        )
        .route(
            "/datasets/{dataset_id}/versions/{version}/{file}",
            get(download_version),
        )
        .layer(compression())
}

/// Whether a response is text worth compressing (by its `Content-Type`).
pub type CompressWhen =
    fn(StatusCode, axum::http::Version, &HeaderMap, &axum::http::Extensions) -> bool;

/// gzip or br for text (GeoJSON, CSV, JSON, Atom), never for stored binary files, whose length,
/// checksum and ranges refer to their bytes as stored.
pub fn compression() -> CompressionLayer<CompressWhen> {
    fn textual(
        _: StatusCode,
        _: axum::http::Version,
        headers: &HeaderMap,
        _: &axum::http::Extensions,
    ) -> bool {
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/") || t.contains("json") || t.contains("xml"))
    }
    CompressionLayer::new().compress_when(textual as CompressWhen)
}

/// The served dataset named in the path (a dataset that is not public is not found: its data,
/// versions and feed are not open). These routes take no query parameters.
pub fn dataset<'a>(
    state: &'a SharedState,
    id: &str,
    query: Option<&str>,
) -> Result<&'a Dataset, ApiError> {
    QueryParams::parse(query, &[])?;
    lookup::public(state, id, Noun::Dataset)
}

/// The version numbers of a dataset kept on disk.
fn kept_versions(state: &SharedState, ds: &Dataset) -> Result<Vec<u64>, ApiError> {
    state
        .engine
        .store()
        .versions(&ds.id)
        .map_err(ApiError::from)
}

fn no_version(ds: &Dataset, version: &str) -> ApiError {
    ApiError::NotFound(format!(
        "dataset `{}` has no version `{version}` (it may have been removed by retention); the kept versions are listed at /datasets/{}/versions",
        ds.id, ds.id
    ))
}

async fn download_current(
    State(state): State<SharedState>,
    Path((dataset_id, file)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let ds = dataset(&state, &dataset_id, q.as_deref())?;
    let format = format_of_file(&file)?;
    // The pointer on disk, not the engine's copy (refreshed each second): right after an ingest
    // with retention, the engine's version may already be gone.
    let current = state
        .engine
        .store()
        .current_version(&ds.id)?
        .ok_or_else(|| ApiError::NotFound(format!("dataset `{}` has no data yet", ds.id)))?;
    let mut response = download(&state, &headers, ds, current, format).await?;
    // The current version changes with each ingest: caches revalidate (cheap with the ETag).
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}

async fn download_version(
    State(state): State<SharedState>,
    Path((dataset_id, version, file)): Path<(String, String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let ds = dataset(&state, &dataset_id, q.as_deref())?;
    let format = format_of_file(&file)?;
    let number: u64 = version.parse().map_err(|_| no_version(ds, &version))?;
    if !kept_versions(&state, ds)?.contains(&number) {
        return Err(no_version(ds, &version));
    }
    let mut response = download(&state, &headers, ds, number, format).await?;
    // A numbered version never changes (it can only disappear by retention).
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(response)
}

async fn download(
    state: &SharedState,
    headers: &HeaderMap,
    ds: &Dataset,
    version: u64,
    format: Format,
) -> Result<Response, ApiError> {
    negotiate(None, headers, &[format])?;
    let store = state.engine.store();
    let download_name = format!("{}-v{version}.{}", ds.id, format.extension());
    let manifest = || {
        store
            .manifest(&ds.id, version)
            .map_err(|_| no_version(ds, &version.to_string()))
    };
    let stored = match format {
        Format::Parquet => {
            let m = manifest()?;
            file::StoredFile {
                path: store.data_path(&ds.id, version),
                bytes: m.data_bytes,
                sha256: m.data_sha256,
                modified: m.created,
                media_type: format.content_type(),
                download_name,
            }
        }
        Format::GeoPackage | Format::FlatGeobuf => {
            let m = manifest()?;
            let f = m.file(format.extension()).ok_or_else(|| {
                ApiError::NotFound(if format == Format::FlatGeobuf && m.geometry.is_none() {
                    format!(
                        "dataset `{}` is a table without geometry, which FlatGeobuf cannot hold; use csv, geojson, gpkg or parquet",
                        ds.id
                    )
                } else if format == Format::FlatGeobuf && !m.files.is_empty() {
                    format!(
                        "version {version} of dataset `{}` has features without geometry, which FlatGeobuf cannot hold; use csv, geojson, gpkg or parquet",
                        ds.id
                    )
                } else {
                    format!(
                        "version {version} of dataset `{}` was stored without a {} download; a new ingest adds it",
                        ds.id,
                        format.extension()
                    )
                })
            })?;
            file::StoredFile {
                path: store.file_path(&ds.id, version, &f.name),
                bytes: f.bytes,
                sha256: f.sha256.clone(),
                modified: m.created,
                media_type: format.content_type(),
                download_name,
            }
        }
        _ => {
            let v = state
                .engine
                .version(&ds.id, version)
                .await
                .map_err(|e| match e {
                    crate::engine::EngineError::VersionGone { .. } => {
                        no_version(ds, &version.to_string())
                    }
                    other => other.into(),
                })?;
            return stream::respond(state, headers, v, format, download_name).await;
        }
    };
    file::respond(headers, stored).await
}

/// `Content-Disposition` for a download.
fn attachment(name: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")).ok()
}

/// A weak validator for a representation generated from a stored version (same version and
/// format → same content, byte-for-byte up to compression).
fn generated_etag(m: &Manifest, format: Format) -> String {
    format!("W/\"{}-{}\"", m.data_sha256, format.extension())
}
