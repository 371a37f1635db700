//! `/ogc/v1/api`: the OpenAPI 3.0 definition of every endpoint and parameter, made from the
//! served collections and settings. Parameters are written inline in each operation (QGIS reads
//! the page size from the `limit` parameter's `default` and `maximum`).

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::collections::OPENAPI_JSON;
use super::params::QueryParams;
use super::{BASE_PATH, json_response};
use crate::http::error::ApiError;
use crate::http::negotiate::require_acceptable;
use crate::http::{API_VERSION, AppState, SharedState};

pub async fn api(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = QueryParams::parse(q.as_deref(), &["f"])?;
    super::params::json_format(params.get("f"), &[])?;
    require_acceptable(
        &headers,
        &["application/vnd.oai.openapi+json", "application/json"],
    )?;
    Ok(json_response(&document(&state), OPENAPI_JSON))
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
    for f in super::formats::Format::ALL {
        let schema = match f {
            super::formats::Format::GeoJson | super::formats::Format::JsonFg => {
                json!({ "type": "object" })
            }
            _ => json!({ "type": "string", "format": "binary" }),
        };
        content.insert(f.media_type().to_owned(), json!({ "schema": schema }));
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

fn f_param(formats: &[&str]) -> Value {
    json!({
        "name": "f", "in": "query", "required": false,
        "description": "The response format (instead of an Accept header).",
        "schema": { "type": "string", "enum": formats }, "style": "form", "explode": false
    })
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
    let limit = json!({
        "name": "limit", "in": "query", "required": false,
        "description": "The largest number of features in a page.",
        "schema": { "type": "integer", "minimum": 1, "maximum": settings.max_limit, "default": settings.default_limit },
        "style": "form", "explode": false
    });
    let bbox = json!({
        "name": "bbox", "in": "query", "required": false,
        "description": "Only features that intersect this box: minLon,minLat,maxLon,maxLat in CRS84 (six numbers with heights are accepted; heights are ignored).",
        "schema": { "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } },
        "style": "form", "explode": false
    });
    let datetime = json!({
        "name": "datetime", "in": "query", "required": false,
        "description": "Only features whose time lies in this instant or interval (RFC 3339; `..` for an open end). Only for collections with a temporal field.",
        "schema": { "type": "string" }, "style": "form", "explode": false
    });
    let filter = json!({
        "name": "filter", "in": "query", "required": false,
        "description": "A CQL2 filter on the collection's queryables (see /collections/{collectionId}/queryables), e.g. `statnaam = 'Utrecht' AND S_INTERSECTS(geometry, POINT(5.12 52.09))`.",
        "schema": { "type": "string" }, "style": "form", "explode": false
    });
    let filter_lang = json!({
        "name": "filter-lang", "in": "query", "required": false,
        "description": "The encoding of `filter`.",
        "schema": { "type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text" },
        "style": "form", "explode": false
    });
    let crs_uris: Vec<&str> = crate::crs::Crs::ALL.map(crate::crs::Crs::uri).to_vec();
    let crs_param = |name: &str, description: &str| {
        json!({
            "name": name, "in": "query", "required": false,
            "description": description,
            "schema": { "type": "string", "format": "uri", "enum": crs_uris, "default": super::CRS84 },
            "style": "form", "explode": false
        })
    };
    let filter_crs = crs_param(
        "filter-crs",
        "The CRS of geometries in `filter` (EPSG:4326 and EPSG:4258 are latitude first).",
    );
    let crs = crs_param(
        "crs",
        "The CRS of the geometries in the response (see the collection's `crs` list); the response's `Content-Crs` header names it. EPSG:4326 and EPSG:4258 are latitude first.",
    );
    let bbox_crs = crs_param(
        "bbox-crs",
        "The CRS of `bbox` (EPSG:4326 and EPSG:4258 are latitude first).",
    );
    let version = json!({
        "name": "version", "in": "query", "required": false,
        "description": "Read an older, kept version of the collection (1, 2, …) instead of the current one.",
        "schema": { "type": "integer", "minimum": 1 }, "style": "form", "explode": false
    });
    let sortby = json!({
        "name": "sortby", "in": "query", "required": false,
        "description": "Sort keys: sortable property names (see /collections/{collectionId}/sortables), `-` for descending, e.g. `-capacity_total,name`.",
        "schema": { "type": "array", "items": { "type": "string" } }, "style": "form", "explode": false
    });
    let properties = json!({
        "name": "properties", "in": "query", "required": false,
        "description": "The properties to return (the id is always returned).",
        "schema": { "type": "array", "items": { "type": "string" } }, "style": "form", "explode": false
    });
    let skip_geometry = json!({
        "name": "skipGeometry", "in": "query", "required": false,
        "description": "Leave out the geometry (`geometry: null`).",
        "schema": { "type": "boolean", "default": false }, "style": "form", "explode": false
    });
    let cursor = json!({
        "name": "cursor", "in": "query", "required": false,
        "description": "Where a page starts. Made by the server: follow the `next` and `prev` links.",
        "schema": { "type": "string" }, "style": "form", "explode": false
    });
    let paths = json!({
        "/": operation("getLandingPage", "The landing page", vec![f_param(&["json"])], ok_json("Links to the API definition, conformance and collections", "application/json")),
        "/conformance": operation("getConformance", "Conformance classes implemented", vec![f_param(&["json"])], ok_json("The conformance classes", "application/json")),
        "/api": operation("getApi", "This API definition", vec![f_param(&["json"])], ok_json("The OpenAPI 3.0 document", OPENAPI_JSON)),
        "/collections": operation("getCollections", "The collections", vec![f_param(&["json"])], ok_json("All collections", "application/json")),
        "/collections/{collectionId}": operation(
            "describeCollection", "One collection", vec![collection_id.clone(), f_param(&["json"])],
            ok_json("The collection's metadata, extent and links", "application/json")),
        "/collections/{collectionId}/queryables": operation(
            "getQueryables", "What the features can be filtered on", vec![collection_id.clone(), f_param(&["json"])],
            ok_json("JSON Schema of the queryables", "application/schema+json")),
        "/collections/{collectionId}/sortables": operation(
            "getSortables", "What the features can be sorted on", vec![collection_id.clone(), f_param(&["json"])],
            ok_json("JSON Schema of the sortables", "application/schema+json")),
        "/collections/{collectionId}/schema": operation(
            "getSchema", "The schema of the features", vec![collection_id.clone(), f_param(&["json"])],
            ok_json("JSON Schema of the features", "application/schema+json")),
        "/collections/{collectionId}/items": operation(
            "getFeatures", "The features of a collection, page by page (next/prev links in the body for JSON, in the Link header for CSV and FlatGeobuf)",
            vec![collection_id.clone(), limit, bbox, bbox_crs, crs.clone(), datetime, filter, filter_lang, filter_crs, sortby, properties, skip_geometry, version.clone(), cursor, f_param(&["json", "geojson", "jsonfg", "csv", "fgb"])],
            ok_features("A page of features")),
        "/collections/{collectionId}/items/{featureId}": operation(
            "getFeature", "One feature", vec![collection_id, feature_id, crs, version, f_param(&["json", "geojson", "jsonfg", "csv", "fgb"])],
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
