//! The catalog in DCAT-AP-NL 3.0 (with what DCAT-AP-DONL 1.1 harvesters need): `/catalog` and
//! `/datasets/{id}` as JSON-LD, Turtle, RDF/XML or HTML, by `f=` or `Accept`.
//!
//! The graph is built per request from the catalog and the current versions' manifests (a few
//! hundred triples per dataset): it always describes exactly what is being served.
//!
//! Datasets that are not public (`access_rights = "restricted"` or `"non-public"`) are described
//! too, with their access rights, from their stored manifest (the engine does not open them),
//! but with no distribution and no data service: nothing here points at their data.

mod distributions;
pub mod format;
pub mod graph;
mod html;
mod nodes;
pub mod vocab;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};

use crate::catalog::DatasetId;
use crate::engine::DatasetVersion;
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::link::Link;
use crate::http::lookup::{self, Noun};
use crate::http::media::{Format, negotiate};
use crate::http::negotiate::Lang;
use crate::http::params::QueryParams;
use crate::store::Manifest;
use format::CATALOG_FORMATS;
pub use graph::{Entry, Scope, Urls, build};

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/catalog", get(catalog))
        .route("/datasets", get(catalog))
        .route("/datasets/{id}", get(dataset))
}

/// The representation asked for: only `f` is a parameter here.
fn format_of(headers: &HeaderMap, query: Option<&str>) -> Result<Format, ApiError> {
    let params = QueryParams::parse(query, &["f"])?;
    negotiate(params.get("f"), headers, CATALOG_FORMATS)
}

/// The current version a dataset is described by.
enum Described {
    /// A served (public) dataset: the engine's current version.
    Served(Arc<DatasetVersion>),
    /// A dataset that is not public: its current manifest, read from the store.
    Stored(Box<Manifest>),
}

impl Described {
    fn manifest(&self) -> &Manifest {
        match self {
            Described::Served(v) => &v.manifest,
            Described::Stored(m) => m,
        }
    }
}

/// The ingested datasets' current versions and first-version dates, in catalog order: the
/// served ones from the engine, the others (not public) from the store.
async fn current_versions(state: &SharedState, only: Option<&DatasetId>) -> Versions {
    let picked: Vec<(usize, Option<Arc<DatasetVersion>>)> = state
        .catalog
        .datasets
        .iter()
        .enumerate()
        .filter(|(_, d)| only.is_none_or(|id| *id == d.id))
        .filter_map(|(i, d)| {
            if state.engine.serves(&d.id) {
                state.engine.current(&d.id).map(|v| (i, Some(v)))
            } else {
                Some((i, None))
            }
        })
        .collect();
    let st = state.clone();
    let wanted: Vec<(DatasetId, bool)> = picked
        .iter()
        .map(|(i, v)| (st.catalog.datasets[*i].id.clone(), v.is_none()))
        .collect();
    // Manifests are small file reads; off the async workers all the same.
    let read = tokio::task::spawn_blocking(move || {
        wanted
            .iter()
            .map(|(id, stored)| {
                let manifest = if *stored {
                    st.engine.store().current_manifest(id).ok().flatten()
                } else {
                    None
                };
                (manifest, first_version_created(&st, id))
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    picked
        .into_iter()
        .zip(read)
        .filter_map(|((i, served), (stored, first))| {
            let described = match (served, stored) {
                (Some(v), _) => Described::Served(v),
                (None, Some(m)) => Described::Stored(Box::new(m)),
                // Not public and not ingested: nothing to describe yet, like a public one.
                (None, None) => return None,
            };
            Some((i, described, first))
        })
        .collect()
}

fn first_version_created(state: &SharedState, id: &DatasetId) -> Option<DateTime<Utc>> {
    let store = state.engine.store();
    let first = store.versions(id).ok()?.into_iter().min()?;
    store.manifest(id, first).ok().map(|m| m.created)
}

async fn catalog(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let format = format_of(&headers, q.as_deref())?;
    let versions = current_versions(&state, None).await;
    let entries = entries(&state, &versions);
    represent(&state, Scope::Catalog(&entries), format, &headers)
}

async fn dataset(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = lookup::described(&state, &id, Noun::Dataset)?.id.clone();
    let format = format_of(&headers, q.as_deref())?;
    let versions = current_versions(&state, Some(&id)).await;
    let Some(entry) = entries(&state, &versions).into_iter().next() else {
        return Err(ApiError::NotFound(format!(
            "dataset `{id}` has no data yet (it has not been ingested)"
        )));
    };
    represent(&state, Scope::Dataset(&entry), format, &headers)
}

type Versions = Vec<(usize, Described, Option<DateTime<Utc>>)>;

fn entries<'a>(state: &'a SharedState, versions: &'a Versions) -> Vec<Entry<'a>> {
    versions
        .iter()
        .map(|(i, v, first)| Entry {
            dataset: &state.catalog.datasets[*i],
            manifest: v.manifest(),
            first_version: *first,
        })
        .collect()
}

/// The catalog or one dataset as an HTML page or an RDF serialisation.
fn represent(
    state: &SharedState,
    scope: Scope<'_>,
    format: Format,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let urls = Urls::new(&state.settings.public_url);
    let url = match &scope {
        Scope::Catalog(_) => urls.catalog(),
        Scope::Dataset(e) => urls.dataset(e.dataset.id.as_str()),
    };
    if format == Format::Html {
        let lang = Lang::from_headers(headers);
        let page = match &scope {
            Scope::Catalog(entries) => html::catalog_page(&state.catalog, &urls, entries, lang),
            Scope::Dataset(entry) => html::dataset_page(&state.catalog, &urls, entry, lang),
        };
        return Ok(respond(format, page.into_bytes(), &url, Some(lang)));
    }
    let graph = build(&state.catalog, &urls, scope);
    let body = format::serialize(&graph, format).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(respond(format, body, &url, None))
}

/// The body with its type, `Vary`, the language of HTML, and `Link`s to the other formats.
fn respond(format: Format, body: Vec<u8>, url: &str, lang: Option<Lang>) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    if let Some(lang) = lang {
        h.insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(lang.code()),
        );
    }
    let links: Vec<Link> = CATALOG_FORMATS
        .iter()
        .map(|f| {
            let rel = if *f == format { "self" } else { "alternate" };
            Link::new(format!("{url}?f={}", f.token()), rel).typed(f.media_type())
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&Link::header_value(&links)) {
        h.insert(header::LINK, v);
    }
    response
}
