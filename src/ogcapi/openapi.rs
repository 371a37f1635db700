//! `/ogc/v1/api`: the OpenAPI 3.0 definition of every endpoint and parameter, made from the
//! served collections and settings. Parameters are written inline in each operation (QGIS reads
//! the page size from the `limit` parameter's `default`; the maximum is in its description, since a
//! larger limit is served as the maximum rather than refused).

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::formats::FEATURE_FORMATS;
use super::request::{f_parameter, feature_openapi, items_openapi};
use super::{BASE_PATH, cached_document, document_request, json_response};
use crate::html::{Chrome, respond};
use crate::http::error::ApiError;
use crate::http::media::Format;
use crate::http::{API_VERSION, AppState, SharedState};

pub async fn api(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let request = document_request(&headers, q.as_deref(), &[Format::OpenApi, Format::Html])?;
    cached_document(&state, &headers, "/api", q.as_deref(), request, || {
        let (format, lang) = request;
        let document = document(&state);
        if format == Format::Html {
            let ui = crate::html::ui::for_lang(lang);
            let path = format!("{BASE_PATH}/api");
            let json = state.url(&format!("{path}?f=json"));
            let chrome = Chrome::new(&state, lang, &path, q.as_deref(), ui.api_reference)
                .crumb("API", Some("/ogc/v1?f=html"))
                .crumb(ui.api_reference, None)
                .alternate(Format::OpenApi, json.clone());
            return respond(lang, &super::html::api(chrome, &document, json));
        }
        json_response(&document, format)
    })
    .await
}

fn problem_responses() -> Value {
    let problem = json!({
        "description": "A problem (RFC 9457)",
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    });
    json!({ "400": problem.clone(), "404": problem.clone(), "406": problem.clone(), "500": problem })
}

fn ok_json(description: &str, media_type: &str) -> Value {
    json!({ "description": description, "content": { media_type: { "schema": { "type": "object" } } } })
}

/// A 200 response with one content entry per feature encoding.
fn ok_features(description: &str) -> Value {
    let mut content = serde_json::Map::new();
    for f in FEATURE_FORMATS {
        let schema = match f {
            Format::GeoJson | Format::JsonFg => json!({ "type": "object" }),
            Format::Html => json!({ "type": "string" }),
            _ => json!({ "type": "string", "format": "binary" }),
        };
        content.insert(f.content_type().to_owned(), json!({ "schema": schema }));
    }
    json!({ "description": description, "content": content })
}

fn operation(id: &str, summary: &str, parameters: Vec<Value>, ok: Value) -> Value {
    let mut responses = problem_responses();
    responses["200"] = ok;
    json!({ "get": {
        "operationId": id,
        "summary": summary,
        "parameters": parameters,
        "responses": responses,
    }})
}

/// The OpenAPI document.
pub fn document(state: &AppState) -> Value {
    let settings = &state.settings;
    let ids: Vec<&str> = state
        .served_datasets()
        .filter(|d| state.engine.current(&d.id).is_some())
        .map(|d| d.id.as_str())
        .collect();
    let collection_id = json!({
        "name": "collectionId", "in": "path", "required": true,
        "description": "The id of a collection.",
        "schema": { "type": "string", "enum": ids }
    });
    let feature_id = json!({
        "name": "featureId", "in": "path", "required": true,
        "description": "The id of a feature.",
        "schema": { "type": "string" }
    });
    let paths = json!({
        "/": operation("getLandingPage", "The landing page", vec![f_parameter(&[Format::Json])], ok_json("Links to the API definition, conformance and collections", "application/json")),
        "/conformance": operation("getConformance", "Conformance classes implemented", vec![f_parameter(&[Format::Json])], ok_json("The conformance classes", "application/json")),
        "/api": operation("getApi", "This API definition", vec![f_parameter(&[Format::Json])], ok_json("The OpenAPI 3.0 document", Format::OpenApi.content_type())),
        "/collections": operation("getCollections", "The collections", vec![f_parameter(&[Format::Json])], ok_json("All collections", "application/json")),
        "/collections/{collectionId}": operation(
            "describeCollection", "One collection", vec![collection_id.clone(), f_parameter(&[Format::Json])],
            ok_json("The collection's metadata, extent and links", "application/json")),
        "/collections/{collectionId}/queryables": operation(
            "getQueryables", "What the features can be filtered on", vec![collection_id.clone(), f_parameter(&[Format::Json])],
            ok_json("JSON Schema of the queryables", "application/schema+json")),
        "/collections/{collectionId}/sortables": operation(
            "getSortables", "What the features can be sorted on", vec![collection_id.clone(), f_parameter(&[Format::Json])],
            ok_json("JSON Schema of the sortables", "application/schema+json")),
        "/collections/{collectionId}/schema": operation(
            "getSchema", "The schema of the features", vec![collection_id.clone(), f_parameter(&[Format::Json])],
            ok_json("JSON Schema of the features", "application/schema+json")),
        "/collections/{collectionId}/items": operation(
            "getFeatures", "The features of a collection, page by page (next/prev links in the body for JSON, in the Link header for CSV and FlatGeobuf)",
            [vec![collection_id.clone()], items_openapi(state)].concat(),
            ok_features("A page of features")),
        "/collections/{collectionId}/items/{featureId}": operation(
            "getFeature", "One feature", [vec![collection_id, feature_id], feature_openapi()].concat(),
            ok_features("The feature")),
    });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": state.catalog.title.nl,
            "description": state.catalog.description.nl,
            "version": API_VERSION,
            "contact": { "name": state.catalog.contact.name, "email": state.catalog.contact.email },
            "license": { "name": state.catalog.licence.title, "url": state.catalog.licence.uri },
        },
        "servers": [{ "url": format!("{}{BASE_PATH}", settings.public_url) }],
        "paths": paths,
        "components": { "schemas": { "Problem": {
            "type": "object",
            "required": ["title", "status"],
            "properties": {
                "type": { "type": "string" },
                "title": { "type": "string" },
                "status": { "type": "integer" },
                "detail": { "type": "string" },
                "code": { "type": "string" }
            }
        }}},
    })
}
