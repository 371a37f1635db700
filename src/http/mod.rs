//! The request edge: what every handler uses to read a request and write a response: the
//! application state and settings, the one error type ([`error::ApiError`] → problem+json), the
//! one table of media types and its negotiation ([`media`]), the response language
//! ([`negotiate::Lang`]), strict query parameters ([`params`]), dataset lookups that answer 404
//! the same way everywhere ([`lookup`]) and the typed link ([`link::Link`]).
//!
//! It imports no handler module: the handlers (`ogcapi`, `sqlapi`, `dcat`, `downloads`, `feeds`,
//! `web`) import it, and the router that mounts them sits above all of them, in the crate root.

pub mod cache;
pub mod error;
pub mod lanes;
pub mod link;
pub mod lookup;
pub mod media;
pub mod negotiate;
pub mod params;

use std::sync::Arc;

use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;

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
    /// The built web assets (`web/dist`) served at `/assets`; pages work without them, unstyled
    /// and without maps.
    pub assets_dir: Option<std::path::PathBuf>,
    /// A background map's tile URL template for the maps (e.g. PDOK's BRT achtergrondkaart);
    /// off by default, so that pages call no outside service.
    pub background_map: Option<String>,
    /// How far "what is here" looks for the nearest point features, in metres.
    pub nearby_metres: f64,
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
            assets_dir: None,
            background_map: None,
            nearby_metres: 2000.0,
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
    /// Documents built once per version set (landing page, collections, OpenAPI, DCAT…).
    pub documents: cache::DocumentCache,
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

    /// The cache key of a document at `path` made from the served versions: it is built again
    /// once any dataset switches to a new version.
    pub fn document_key(
        &self,
        path: &str,
        query: Option<&str>,
        format: media::Format,
        lang: negotiate::Lang,
    ) -> cache::DocumentKey {
        cache::DocumentKey {
            generation: self.engine.generation(),
            stamp: 0,
            path: path.to_owned(),
            query: query.map(str::to_owned),
            format,
            lang,
        }
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

impl AppState {
    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.public_url)
    }
}

/// Percent-encodes a value for use as one path segment (feature ids may hold spaces, `/`, `:`…).
pub fn path_segment(value: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b':');
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
}

/// A JSON document in `format`.
pub fn json_response(
    value: &impl serde::Serialize,
    format: media::Format,
) -> Result<axum::response::Response, error::ApiError> {
    let body = serde_json::to_vec(value).map_err(|e| error::ApiError::Internal(e.to_string()))?;
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    Ok(response)
}
