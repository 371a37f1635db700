//! OGC API Features under `/ogc/v1`: Part 1 (Core, GeoJSON, OpenAPI 3.0), Part 2 (CRS by
//! reference), Part 3 (filtering with CQL2), Part 5 (schemas, sortables), and JSON-FG, CSV and
//! FlatGeobuf encodings.
//!
//! Handlers parse typed parameters ([`params`]), ask the engine, and hand record batches to an
//! encoder. Every link is absolute, built from the configured public URL.

mod collections;
mod filter;
pub mod formats;
mod html;
mod items;
mod openapi;
mod page;
pub mod params;
mod queryables;
mod request;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;

use crate::catalog::Dataset;
use crate::engine::DatasetVersion;
use crate::http::error::ApiError;
use crate::http::lookup::{self, Noun};
use crate::http::media::{Format, negotiate};
use crate::http::negotiate::Lang;
use crate::http::params::QueryParams;
use crate::http::{AppState, SharedState};

/// Path of the API below the public URL.
pub const BASE_PATH: &str = "/ogc/v1";

pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/property-property",
    "http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/core-roles-features",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables",
    "http://www.opengis.net/spec/json-fg-1/0.2/conf/core",
];

pub use crate::http::{json_response, path_segment};

pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route(BASE_PATH, get(collections::landing))
        // The API's root is `{base}/` in OGC API terms; OWSLib, for one, asks for it.
        .route(&format!("{BASE_PATH}/"), get(collections::landing))
        .route(
            &format!("{BASE_PATH}/conformance"),
            get(collections::conformance),
        )
        .route(&format!("{BASE_PATH}/api"), get(openapi::api))
        .route(
            &format!("{BASE_PATH}/collections"),
            get(collections::collections),
        )
        .route(
            &format!("{BASE_PATH}/collections/{{collection_id}}"),
            get(collections::one_collection),
        )
        .route(
            &format!("{BASE_PATH}/collections/{{collection_id}}/queryables"),
            get(queryables::queryables),
        )
        .route(
            &format!("{BASE_PATH}/collections/{{collection_id}}/schema"),
            get(queryables::schema),
        )
        .route(
            &format!("{BASE_PATH}/collections/{{collection_id}}/sortables"),
            get(queryables::sortables),
        )
        .route(
            &format!("{BASE_PATH}/collections/{{collection_id}}/items"),
            get(items::items),
        )
        .route(
            &format!("{BASE_PATH}/collections/{{collection_id}}/items/{{feature_id}}"),
            get(items::feature),
        )
}

/// Absolute URL of an API path (`path` starts with `/`, or is empty for the landing page).
pub fn api_url(state: &AppState, path: &str) -> String {
    state.url(&format!("{BASE_PATH}{path}"))
}

/// The start of every metadata document of the API (landing page, conformance, collections,
/// queryables…): only `f` is accepted, and it or `Accept` must name one of `offered`.
pub fn document_request(
    headers: &HeaderMap,
    query: Option<&str>,
    offered: &[Format],
) -> Result<(Format, Lang), ApiError> {
    let params = QueryParams::parse(query, &["f"])?;
    let format = negotiate(params.get("f"), headers, offered)?;
    Ok((format, params.lang(headers)))
}

/// A document made only of the served versions, the catalog and the settings, at `path` (below
/// the API) with the query string `query`: from the document cache, or made by `build`. `build`
/// looks up the versions itself, after the cache key has read the engine's generation, so a
/// document is never kept under a newer generation than the versions it was made from.
pub async fn cached_document(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    query: Option<&str>,
    (format, lang): (Format, Lang),
    build: impl FnOnce() -> Result<axum::response::Response, ApiError>,
) -> Result<axum::response::Response, ApiError> {
    let key = state.document_key(&format!("{BASE_PATH}{path}"), query, format, lang);
    state.documents.serve(key, headers, async { build() }).await
}

/// A served collection, or the API's 404.
pub fn collection<'a>(
    state: &'a AppState,
    id: &str,
) -> Result<(&'a Dataset, std::sync::Arc<DatasetVersion>), ApiError> {
    lookup::served(state, id, Noun::Collection)
}
