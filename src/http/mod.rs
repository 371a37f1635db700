//! The HTTP layer: application state, router, cross-cutting layers and content negotiation.
//! Handlers live with the API they implement ([`crate::ogcapi`], [`crate::web`]).

pub mod error;
pub mod negotiate;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use tower_http::cors::{Any, CorsLayer};

use crate::catalog::{Catalog, Dataset};
use crate::engine::Engine;

/// Settings read once at start-up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Base of every absolute link, without a trailing slash, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    /// Page size when the client names none.
    pub default_limit: usize,
    /// Largest page size a client may ask for.
    pub max_limit: usize,
    /// Decimals of coordinates in degrees in responses (7 ≈ 1 cm).
    pub coordinate_decimals: u32,
    /// Limits of the SQL endpoint.
    pub sql: crate::sql::SqlLimits,
    /// Decimals of coordinates in metres (projected CRSs such as RD) in responses (2 = 1 cm).
    pub metre_decimals: u32,
}

impl Settings {
    pub fn new(public_url: &str) -> Self {
        Settings {
            public_url: public_url.trim_end_matches('/').to_owned(),
            default_limit: 10,
            max_limit: 10_000,
            coordinate_decimals: 7,
            sql: crate::sql::SqlLimits::default(),
            metre_decimals: 2,
        }
    }
}

/// What every handler can reach.
pub struct AppState {
    pub catalog: Catalog,
    pub engine: Engine,
    pub settings: Settings,
    /// The SQL endpoint's limits and concurrency gate.
    pub sql: crate::sql::SqlService,
}

impl AppState {
    /// The catalog entries whose data is served, in catalog order: the public datasets (the
    /// engine opens no other). Everything that serves data or lists it looks datasets up here
    /// or through the engine; only DCAT describes the others.
    pub fn served_datasets(&self) -> impl Iterator<Item = &Dataset> {
        self.catalog
            .datasets
            .iter()
            .filter(|d| self.engine.serves(&d.id))
    }

    /// A served dataset by id; `None` for an unknown one and for one that is not public.
    pub fn served_dataset(&self, id: &str) -> Option<&Dataset> {
        self.catalog
            .dataset(id)
            .filter(|d| self.engine.serves(&d.id))
    }
}

pub type SharedState = Arc<AppState>;

/// The version of the JSON APIs, sent as `API-Version` (Dutch API design rules).
pub const API_VERSION: &str = "1.0.0";

async fn api_version_header(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("API-Version", HeaderValue::from_static(API_VERSION));
    response
}

/// Unknown paths: a path with a trailing slash is redirected to the path without it (permanent,
/// method-preserving); anything else is a problem+json 404.
async fn not_found(uri: axum::http::Uri) -> Response {
    use axum::response::IntoResponse;
    let path = uri.path();
    if path.len() > 1 && path.ends_with('/') {
        let mut target = path.trim_end_matches('/').to_owned();
        if let Some(q) = uri.query() {
            target.push('?');
            target.push_str(q);
        }
        return axum::response::Redirect::permanent(&target).into_response();
    }
    error::ApiError::NotFound(format!(
        "there is no resource at `{path}`; the API starts at /ogc/v1"
    ))
    .into_response()
}

/// The whole application.
pub fn router(state: SharedState) -> Router {
    let api = crate::ogcapi::routes()
        .merge(crate::sql::routes())
        .layer(axum::middleware::map_response(api_version_header));
    Router::new()
        .merge(crate::web::routes())
        .merge(crate::dcat::routes())
        .merge(api)
        .merge(crate::downloads::routes())
        .merge(crate::feeds::routes())
        .fallback(not_found)
        .with_state(state)
        // Open data: any web page may read it (Leaflet, OpenLayers, notebooks).
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS, Method::POST])
                .allow_headers(Any)
                .expose_headers(Any),
        )
}
