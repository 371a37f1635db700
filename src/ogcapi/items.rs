//! `/collections/{id}/items` and `/collections/{id}/items/{featureId}`: parse the typed request,
//! ask the engine, hand the rows to the page or feature response.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::collection;
use super::formats::Output;
use super::page::{PageLinks, feature_response, page_response};
use super::request::{FeatureRequest, ItemsRequest};
use crate::crs::Crs;
use crate::http::error::ApiError;
use crate::http::media::Format;
use crate::http::{AppState, SharedState};

/// How coordinates are written for `format` in `crs`, with the configured precision.
fn output(state: &AppState, format: Format, crs: Crs) -> Output {
    Output {
        format,
        crs,
        degree_decimals: state.settings.coordinate_decimals,
        metre_decimals: state.settings.metre_decimals,
    }
}

pub async fn items(
    State(state): State<SharedState>,
    Path(collection_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (ds, current) = collection(&state, &collection_id)?;
    let request = ItemsRequest::parse(&state, ds, current, q.as_deref(), &headers).await?;
    let items = state.engine.items(&request.version, &request.query).await?;
    // A sorted page may have read the key columns of millions of rows, a large page thousands
    // of features: give what they freed back to the system.
    if items.keys.is_some() || request.limit > 1000 {
        crate::sql::trim::after_read();
    }
    let links = PageLinks::new(&state, ds, &request, &items);
    let output = output(&state, request.format, request.crs);
    page_response(&state, ds, &request, links, output, items).await
}

pub async fn feature(
    State(state): State<SharedState>,
    Path((collection_id, feature_id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (ds, current) = collection(&state, &collection_id)?;
    let request = FeatureRequest::parse(&state, ds, current, q.as_deref(), &headers).await?;
    let Some(batch) = state.engine.feature(&request.version, &feature_id).await? else {
        return Err(ApiError::NotFound(format!(
            "collection `{}` has no feature `{feature_id}`",
            ds.id
        )));
    };
    let output = output(&state, request.format, request.crs);
    feature_response(&state, ds, &feature_id, &request, output, batch)
}
