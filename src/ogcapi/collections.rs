//! Landing page, conformance and collection metadata.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::formats::FEATURE_FORMATS;
use super::{
    BASE_PATH, CONFORMANCE, CRS84, api_url, collection, document_request, html, json_response,
};
use crate::catalog::Dataset;
use crate::crs::Crs;
use crate::engine::DatasetVersion;
use crate::html::{Chrome, respond};
use crate::http::error::ApiError;
use crate::http::link::Link;
use crate::http::media::Format;
use crate::http::negotiate::Lang;
use crate::http::{AppState, SharedState};

/// What the metadata documents of the API are offered as.
const DOCUMENT: &[Format] = &[Format::Json, Format::Html];
const JSON: &str = "application/json";

pub async fn landing(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (format, lang) = document_request(&headers, q.as_deref(), DOCUMENT)?;
    let key = state.document_key(BASE_PATH, q.as_deref(), format, lang);
    let build = async { landing_document(&state, format, lang, q.as_deref()) };
    state.documents.serve(key, &headers, build).await
}

fn landing_document(
    state: &AppState,
    format: Format,
    lang: Lang,
    q: Option<&str>,
) -> Result<Response, ApiError> {
    if format == Format::Html {
        let chrome = Chrome::new(state, lang, BASE_PATH, q, "OGC API Features")
            .crumb("API", None)
            .alternate(Format::Json, api_url(state, "?f=json"));
        return respond(lang, &html::landing(state, chrome));
    }
    let conformance = api_url(state, "/conformance");
    let collections = api_url(state, "/collections");
    let links = [
        Link::full(api_url(state, ""), "self", JSON, "This document"),
        Link::full(
            api_url(state, "/api"),
            "service-desc",
            Format::OpenApi.content_type(),
            "The API definition (OpenAPI 3.0)",
        ),
        Link::full(
            &conformance,
            "conformance",
            JSON,
            "Conformance classes implemented",
        ),
        Link::full(
            conformance,
            "http://www.opengis.net/def/rel/ogc/1.0/conformance",
            JSON,
            "Conformance classes implemented",
        ),
        Link::full(&collections, "data", JSON, "The collections"),
        Link::full(
            collections,
            "http://www.opengis.net/def/rel/ogc/1.0/data",
            JSON,
            "The collections",
        ),
        html_alternate(api_url(state, ""), "This document as HTML"),
        Link::full(state.url("/"), "home", "text/html", "Home page"),
    ];
    let body = json!({
        "title": lang.pick(&state.catalog.title),
        "description": lang.pick(&state.catalog.description),
        "links": links,
    });
    json_response(&body, format)
}

pub async fn conformance(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (format, lang) = document_request(&headers, q.as_deref(), DOCUMENT)?;
    let path = format!("{BASE_PATH}/conformance");
    let key = state.document_key(&path, q.as_deref(), format, lang);
    let build = async { conformance_document(&state, format, lang, q.as_deref()) };
    state.documents.serve(key, &headers, build).await
}

fn conformance_document(
    state: &AppState,
    format: Format,
    lang: Lang,
    q: Option<&str>,
) -> Result<Response, ApiError> {
    let url = api_url(state, "/conformance");
    if format == Format::Html {
        let ui = crate::html::ui::for_lang(lang);
        let path = format!("{BASE_PATH}/conformance");
        let chrome = Chrome::new(state, lang, &path, q, ui.conformance)
            .crumb("API", Some("/ogc/v1?f=html"))
            .crumb(ui.conformance, None)
            .alternate(Format::Json, format!("{url}?f=json"));
        return respond(lang, &html::conformance(chrome));
    }
    let body = json!({
        "conformsTo": CONFORMANCE,
        "links": [
            Link::full(&url, "self", JSON, "This document"),
            html_alternate(url, "This document as HTML"),
        ],
    });
    json_response(&body, format)
}

pub async fn collections(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (format, lang) = document_request(&headers, q.as_deref(), DOCUMENT)?;
    let path = format!("{BASE_PATH}/collections");
    let key = state.document_key(&path, q.as_deref(), format, lang);
    let build = async { collections_document(&state, format, lang, q.as_deref()) };
    state.documents.serve(key, &headers, build).await
}

fn collections_document(
    state: &AppState,
    format: Format,
    lang: Lang,
    q: Option<&str>,
) -> Result<Response, ApiError> {
    let url = api_url(state, "/collections");
    if format == Format::Html {
        let ui = crate::html::ui::for_lang(lang);
        let path = format!("{BASE_PATH}/collections");
        let chrome = Chrome::new(state, lang, &path, q, ui.collections)
            .crumb("API", Some("/ogc/v1?f=html"))
            .crumb(ui.collections, None)
            .alternate(Format::Json, format!("{url}?f=json"));
        let served = state
            .served_datasets()
            .filter_map(|ds| Some((ds, state.engine.current(&ds.id)?)));
        return respond(lang, &html::collections(chrome, served));
    }
    let collections: Vec<Value> = state
        .served_datasets()
        .filter_map(|ds| {
            let v = state.engine.current(&ds.id)?;
            Some(collection_json(state, ds, &v, lang))
        })
        .collect();
    let body = json!({
        "links": [
            Link::full(&url, "self", JSON, "This document"),
            html_alternate(url, "This document as HTML"),
        ],
        "collections": collections,
    });
    json_response(&body, format)
}

pub async fn one_collection(
    State(state): State<SharedState>,
    Path(collection_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (format, lang) = document_request(&headers, q.as_deref(), DOCUMENT)?;
    let path = format!("{BASE_PATH}/collections/{collection_id}");
    let key = state.document_key(&path, q.as_deref(), format, lang);
    let build = async { collection_document(&state, &collection_id, format, lang, q.as_deref()) };
    state.documents.serve(key, &headers, build).await
}

fn collection_document(
    state: &AppState,
    collection_id: &str,
    format: Format,
    lang: Lang,
    q: Option<&str>,
) -> Result<Response, ApiError> {
    let (ds, version) = collection(state, collection_id)?;
    if format == Format::Html {
        let ui = crate::html::ui::for_lang(lang);
        let path = format!("{BASE_PATH}/collections/{}", ds.id);
        let title = lang.pick(&ds.title);
        let chrome = Chrome::new(state, lang, &path, q, title)
            .crumb("API", Some("/ogc/v1?f=html"))
            .crumb(ui.collections, Some("/ogc/v1/collections?f=html"))
            .crumb(title, None)
            .description(lang.pick(&ds.description))
            .alternate(
                Format::Json,
                api_url(state, &format!("/collections/{}?f=json", ds.id)),
            );
        return respond(lang, &html::collection(state, chrome, ds, &version));
    }
    json_response(&collection_json(state, ds, &version, lang), format)
}

/// A link to the HTML page of the document at `url` (which has no query).
fn html_alternate(url: String, title: &str) -> Link {
    Link::full(format!("{url}?f=html"), "alternate", "text/html", title)
}

/// The links of a collection: itself, its features in every encoding, its schemas, its licence.
fn collection_links(state: &AppState, ds: &Dataset) -> Vec<Link> {
    let id = ds.id.as_str();
    let url = |path: &str| api_url(state, &format!("/collections/{id}{path}"));
    let schema = Format::JsonSchema.content_type();
    let mut links = vec![
        Link::full(url(""), "self", JSON, "This collection"),
        html_alternate(url(""), "This collection as HTML"),
        Link::full(
            url("/schema"),
            "http://www.opengis.net/def/rel/ogc/1.0/schema",
            schema,
            "The schema of the features",
        ),
    ];
    for (i, f) in FEATURE_FORMATS.iter().enumerate() {
        let href = match i {
            0 => url("/items"),
            _ => format!("{}?f={}", url("/items"), f.token()),
        };
        links.push(Link::full(
            href,
            "items",
            f.content_type(),
            format!("The features ({})", f.title()),
        ));
    }
    links.extend([
        Link::full(
            url("/queryables"),
            "http://www.opengis.net/def/rel/ogc/1.0/queryables",
            schema,
            "What the features can be filtered on",
        ),
        Link::full(
            url("/sortables"),
            "http://www.opengis.net/def/rel/ogc/1.0/sortables",
            schema,
            "What the features can be sorted on",
        ),
        Link::full(ds.licence.uri, "license", "text/html", ds.licence.title),
    ]);
    links
}

/// The description of one collection: metadata from the catalog, extent from the manifest.
pub fn collection_json(state: &AppState, ds: &Dataset, v: &DatasetVersion, lang: Lang) -> Value {
    let m = &v.manifest;
    let mut extent = json!({});
    if let Some(bbox) = m.geometry.as_ref().and_then(|g| g.bbox) {
        extent["spatial"] = json!({ "bbox": [bbox], "crs": CRS84 });
    }
    if let Some(t) = &m.temporal {
        extent["temporal"] = json!({
            "interval": [t.interval],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        });
    }
    let mut body = json!({
        "id": ds.id.as_str(),
        "title": lang.pick(&ds.title),
        "description": lang.pick(&ds.description),
        "keywords": ds.keywords,
        "attribution": ds.attribution,
        "license": ds.licence.id,
        "itemType": "feature",
        "crs": if m.geometry.is_some() { Crs::ALL.map(Crs::uri).to_vec() } else { vec![CRS84] },
        "storageCrs": CRS84,
        "links": collection_links(state, ds),
    });
    if extent.as_object().is_some_and(|o| !o.is_empty()) {
        body["extent"] = extent;
    }
    body
}
