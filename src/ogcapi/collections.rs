//! Landing page, conformance and collection metadata.

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::formats::Format;
use super::params::QueryParams;
use super::{CONFORMANCE, CRS84, api_url, collection_document, json_response, link, require_json};
use crate::catalog::Dataset;
use crate::crs::Crs;
use crate::engine::DatasetVersion;
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::negotiate::Lang;

const JSON: &str = "application/json";
pub const OPENAPI_JSON: &str = "application/vnd.oai.openapi+json;version=3.0";

pub async fn landing(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = QueryParams::parse(q.as_deref(), &["f"])?;
    require_json(&headers, params.get("f"))?;
    let lang = Lang::from_headers(&headers);
    let body = json!({
        "title": lang.pick(&state.catalog.title),
        "description": lang.pick(&state.catalog.description),
        "links": [
            link(api_url(&state, ""), "self", JSON, "This document"),
            link(api_url(&state, "/api"), "service-desc", OPENAPI_JSON, "The API definition (OpenAPI 3.0)"),
            link(api_url(&state, "/conformance"), "conformance", JSON, "Conformance classes implemented"),
            link(api_url(&state, "/conformance"), "http://www.opengis.net/def/rel/ogc/1.0/conformance", JSON, "Conformance classes implemented"),
            link(api_url(&state, "/collections"), "data", JSON, "The collections"),
            link(api_url(&state, "/collections"), "http://www.opengis.net/def/rel/ogc/1.0/data", JSON, "The collections"),
            link(format!("{}/", state.settings.public_url), "alternate", "text/html", "Home page"),
        ],
    });
    Ok(json_response(&body, JSON))
}

pub async fn conformance(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = QueryParams::parse(q.as_deref(), &["f"])?;
    require_json(&headers, params.get("f"))?;
    let body = json!({
        "conformsTo": CONFORMANCE,
        "links": [link(api_url(&state, "/conformance"), "self", JSON, "This document")],
    });
    Ok(json_response(&body, JSON))
}

pub async fn collections(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = QueryParams::parse(q.as_deref(), &["f"])?;
    require_json(&headers, params.get("f"))?;
    let lang = Lang::from_headers(&headers);
    let collections: Vec<Value> = state
        .served_datasets()
        .filter_map(|ds| {
            state
                .engine
                .current(&ds.id)
                .map(|v| collection_json(&state, ds, &v, lang))
        })
        .collect();
    let body = json!({
        "links": [link(api_url(&state, "/collections"), "self", JSON, "This document")],
        "collections": collections,
    });
    Ok(json_response(&body, JSON))
}

pub async fn collection(
    State(state): State<SharedState>,
    Path(collection_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (ds, version, lang) = collection_document(&state, &collection_id, &headers, q.as_deref())?;
    let body = collection_json(&state, ds, &version, lang);
    Ok(json_response(&body, JSON))
}

/// The description of one collection: metadata from the catalog, extent from the manifest.
pub fn collection_json(
    state: &crate::http::AppState,
    ds: &Dataset,
    v: &DatasetVersion,
    lang: Lang,
) -> Value {
    let id = ds.id.as_str();
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
        "id": id,
        "title": lang.pick(&ds.title),
        "description": lang.pick(&ds.description),
        "keywords": ds.keywords,
        "attribution": ds.attribution,
        "license": ds.licence.id,
        "itemType": "feature",
        "crs": if m.geometry.is_some() { Crs::ALL.map(Crs::uri).to_vec() } else { vec![CRS84] },
        "storageCrs": CRS84,
        "links": [
            link(api_url(state, &format!("/collections/{id}")), "self", JSON, "This collection"),
            link(api_url(state, &format!("/collections/{id}/schema")), "http://www.opengis.net/def/rel/ogc/1.0/schema", "application/schema+json", "The schema of the features"),
            link(api_url(state, &format!("/collections/{id}/queryables")), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "What the features can be filtered on"),
            link(api_url(state, &format!("/collections/{id}/sortables")), "http://www.opengis.net/def/rel/ogc/1.0/sortables", "application/schema+json", "What the features can be sorted on"),
            link(ds.licence.uri.to_owned(), "license", "text/html", ds.licence.title),
        ],
    });
    if extent.as_object().is_some_and(|o| !o.is_empty()) {
        body["extent"] = extent;
    }
    if let Some(links) = body["links"].as_array_mut() {
        for (i, f) in Format::ALL.into_iter().enumerate() {
            let href = api_url(state, &format!("/collections/{id}/items"));
            let href = if i == 0 {
                href
            } else {
                format!("{href}?f={}", f.name())
            };
            links.insert(
                2 + i,
                link(
                    href,
                    "items",
                    f.media_type(),
                    &format!("The features ({})", f.title()),
                ),
            );
        }
    }
    body
}
