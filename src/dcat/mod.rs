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
mod indicators;
mod nodes;
mod search;
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
use crate::html::Chrome;
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::link::Link;
use crate::http::lookup::{self, Noun};
use crate::http::media::{Format, negotiate};
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

/// The parameters and the representation asked for.
fn request(
    headers: &HeaderMap,
    query: Option<&str>,
    allowed: &[&str],
) -> Result<(QueryParams, Format), ApiError> {
    let params = QueryParams::parse(query, allowed)?;
    let format = negotiate(params.get("f"), headers, CATALOG_FORMATS)?;
    Ok((params, format))
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
    let mut allowed = vec!["f"];
    allowed.extend(search::PARAMETERS);
    let (params, format) = request(&headers, q.as_deref(), &allowed)?;
    let lang = params.lang(&headers);
    let key = document_key(&state, "/catalog", q.as_deref(), format, lang);
    let build = async {
        let search = search::Search::from_params(&params)?;
        let versions = current_versions(&state, None).await;
        let entries = entries(&state, &versions);
        if format == Format::Html {
            let ui = crate::html::ui::for_lang(lang);
            let chrome = Chrome::new(&state, lang, "/catalog", q.as_deref(), ui.catalog)
                .crumb(ui.catalog, None)
                .description(lang.pick(&state.catalog.description));
            let chrome = rdf_alternates(chrome, &state.url("/catalog"));
            let page = html::catalog_page(&state, chrome, &entries, &search);
            return Ok(with_links(
                crate::html::respond(lang, &page)?,
                format,
                &state.url("/catalog"),
            ));
        }
        // The RDF describes the datasets the search finds (all without one).
        let found: Vec<Entry> = entries.into_iter().filter(|e| search.matches(e)).collect();
        represent(&state, Scope::Catalog(&found), format)
    };
    state.documents.serve(key, &headers, build).await
}

/// The cache key of a DCAT document: besides the served versions, DCAT describes what only the
/// store knows (datasets that are not public, first versions, the version list), so the key
/// also holds the modification times of the datasets' directories, which every switch,
/// new version and removal changes.
fn document_key(
    state: &SharedState,
    path: &str,
    query: Option<&str>,
    format: Format,
    lang: crate::http::negotiate::Lang,
) -> crate::http::cache::DocumentKey {
    use std::hash::{Hash, Hasher};
    let mut key = state.document_key(path, query, format, lang);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    let store = state.engine.store();
    for d in &state.catalog.datasets {
        let dir = store.version_dir(&d.id, 1);
        let modified = dir
            .parent()
            .and_then(|d| std::fs::metadata(d).ok())
            .and_then(|m| m.modified().ok());
        modified.hash(&mut hasher);
    }
    key.stamp = hasher.finish();
    key
}

async fn dataset(
    State(state): State<SharedState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let id = lookup::described(&state, &id, Noun::Dataset)?.id.clone();
    let (params, format) = request(&headers, q.as_deref(), &["f", "indicator"])?;
    let lang = params.lang(&headers);
    let key = document_key(
        &state,
        &format!("/datasets/{id}"),
        q.as_deref(),
        format,
        lang,
    );
    let build = async {
        let versions = current_versions(&state, Some(&id)).await;
        let Some(entry) = entries(&state, &versions).into_iter().next() else {
            return Err(ApiError::NotFound(format!(
                "dataset `{id}` has no data yet (it has not been ingested)"
            )));
        };
        if format == Format::Html {
            return dataset_page(&state, &entry, &params, &headers, q.as_deref()).await;
        }
        if params.get("indicator").is_some() {
            return Err(ApiError::InvalidParameter(
                "indicator chooses what the HTML page shows; the RDF has every column".into(),
            ));
        }
        represent(&state, Scope::Dataset(&entry), format)
    };
    state.documents.serve(key, &headers, build).await
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

/// The dataset page: its entry, its stored versions (newest first) and its indicators.
async fn dataset_page(
    state: &SharedState,
    entry: &Entry<'_>,
    params: &QueryParams,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let lang = params.lang(headers);
    let ui = crate::html::ui::for_lang(lang);
    let ds = entry.dataset;
    let id = ds.id.clone();
    let indicators = indicators::load(state, ds, params.get("indicator"), lang).await?;
    let st = state.clone();
    let manifests = tokio::task::spawn_blocking(move || {
        let store = st.engine.store();
        let mut versions = store.versions(&id).unwrap_or_default();
        versions.sort_unstable_by(|a, b| b.cmp(a));
        versions
            .into_iter()
            .filter_map(|v| store.manifest(&id, v).ok())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let path = format!("/datasets/{}", ds.id);
    let title = lang.pick(&ds.title);
    let chrome = Chrome::new(state, lang, &path, query, title)
        .crumb(ui.catalog, Some("/catalog"))
        .crumb(title, None)
        .description(lang.pick(&ds.description));
    let url = state.url(&path);
    let chrome = rdf_alternates(chrome, &url);
    let page = html::dataset_page(state, chrome, entry, &manifests, indicators);
    Ok(with_links(
        crate::html::respond(lang, &page)?,
        Format::Html,
        &url,
    ))
}

/// The page's links to its RDF representations.
fn rdf_alternates(mut chrome: Chrome, url: &str) -> Chrome {
    for f in CATALOG_FORMATS.iter().filter(|f| **f != Format::Html) {
        chrome = chrome.alternate(*f, format!("{url}?f={}", f.token()));
    }
    chrome
}

/// The catalog or one dataset as an RDF serialisation.
fn represent(state: &SharedState, scope: Scope<'_>, format: Format) -> Result<Response, ApiError> {
    let urls = Urls::new(&state.settings.public_url);
    let url = match &scope {
        Scope::Catalog(_) => urls.catalog(),
        Scope::Dataset(e) => urls.dataset(e.dataset.id.as_str()),
    };
    let graph = build(&state.catalog, &urls, scope);
    let body = format::serialize(&graph, format).map_err(|e| ApiError::Internal(e.to_string()))?;
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
    Ok(with_links(response, format, &url))
}

/// `Link`s to the representations of the resource at `url` (RFC 8288).
fn with_links(mut response: Response, format: Format, url: &str) -> Response {
    let h = response.headers_mut();
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
