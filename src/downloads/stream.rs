//! Whole-dataset downloads generated from a version's rows as they stream out of the engine:
//! GeoJSON (a FeatureCollection, one feature per line) and CSV (geometry as WKT). Nothing is held
//! whole in memory; the length is unknown, so these carry a weak `ETag` but no `Content-Length`.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::{StreamExt, stream};

use super::{attachment, file, generated_etag};
use crate::encode::csv::CsvEncoder;
use crate::encode::geojson::{FeatureEncoder, encoder_options};
use crate::engine::{DatasetVersion, ItemsQuery};
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::media::Format;

pub async fn respond(
    state: &SharedState,
    headers: &HeaderMap,
    version: Arc<DatasetVersion>,
    format: Format,
    download_name: String,
) -> Result<Response, ApiError> {
    let etag = generated_etag(&version.manifest, format);
    let modified = version.manifest.created;
    if file::not_modified(headers, &etag, modified) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        file::validators(r.headers_mut(), &etag, modified);
        return Ok(r);
    }
    // Every row, in stored order.
    let query = ItemsQuery {
        limit: version.manifest.row_count as usize + 1,
        ..Default::default()
    };
    let rows = state.engine.items(&version, &query).await?.stream;
    let body = match format {
        Format::GeoJson => geojson_body(rows, &version, state.settings.coordinate_decimals),
        Format::Csv => csv_body(rows, state.settings.coordinate_decimals),
        _ => {
            return Err(ApiError::Internal(format!(
                "{} is a stored file, not a stream",
                format.extension()
            )));
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    file::validators(h, &etag, modified);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Some(v) = attachment(&download_name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    tracing::error!(error = %e, "a download stream failed");
    std::io::Error::other(e.to_string())
}

/// `{"type":"FeatureCollection","name":…,"features":[` + features + `]}`.
fn geojson_body(
    rows: datafusion::execution::SendableRecordBatchStream,
    version: &DatasetVersion,
    decimals: u32,
) -> Body {
    let head = format!(
        "{{\"type\":\"FeatureCollection\",\"name\":{},\"features\":[\n",
        serde_json::Value::from(version.manifest.dataset.clone())
    );
    let mut first = true;
    let features = rows.map(move |batch| {
        let batch = batch.map_err(io_error)?;
        let options = encoder_options();
        let fields = batch.schema().fields().to_vec();
        let mut encoder =
            FeatureEncoder::new(&batch, &fields, &options, decimals).map_err(io_error)?;
        let mut out = Vec::with_capacity(batch.num_rows() * 256);
        for row in 0..batch.num_rows() {
            if !first {
                out.extend_from_slice(b",\n");
            }
            first = false;
            encoder.write(row, b"", &mut out).map_err(io_error)?;
        }
        Ok::<_, std::io::Error>(Bytes::from(out))
    });
    let body = stream::once(async move { Ok(Bytes::from(head)) })
        .chain(features)
        .chain(stream::once(async { Ok(Bytes::from_static(b"\n]}\n")) }));
    Body::from_stream(body)
}

/// A header row, then every row with its geometry as WKT (a column GDAL and QGIS read as the
/// geometry without options).
fn csv_body(rows: datafusion::execution::SendableRecordBatchStream, decimals: u32) -> Body {
    let encoder = CsvEncoder::for_features(&rows.schema(), decimals);
    let mut head = Vec::new();
    encoder.write_header(&mut head);
    let lines = rows.map(move |batch| {
        let batch = batch.map_err(io_error)?;
        let mut out = Vec::with_capacity(batch.num_rows() * 128);
        encoder.write_batch(&batch, &mut out).map_err(io_error)?;
        Ok::<_, std::io::Error>(Bytes::from(out))
    });
    Body::from_stream(stream::once(async move { Ok(Bytes::from(head)) }).chain(lines))
}
