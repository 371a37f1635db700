//! `/collections/{id}/queryables` (OGC API Features Part 3): the properties a client may filter
//! on, as JSON Schema, and the typed `?property=value` parameters they allow on `/items`.

use arrow::datatypes::{DataType, TimeUnit};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{api_url, cached_document, collection, document_request, json_response};
use crate::catalog::Dataset;
use crate::engine::DatasetVersion;
use crate::http::error::ApiError;
use crate::http::media::Format;
use crate::http::negotiate::Lang;
use crate::http::params::QueryParams;
use crate::http::{AppState, SharedState};
use crate::store::layout::{BBOX_COLUMN, GEOMETRY_COLUMN, ID_COLUMN};
use crate::store::sort_index;

/// What the schema documents are offered as.
const SCHEMAS: &[Format] = &[Format::JsonSchema];

/// The non-spatial queryables of a version: every stored column but geometry and bbox.
pub fn columns(v: &DatasetVersion) -> Vec<(String, DataType)> {
    v.schema()
        .fields()
        .iter()
        .filter(|f| f.name() != GEOMETRY_COLUMN && f.name() != BBOX_COLUMN)
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect()
}

fn json_type(dt: &DataType) -> Value {
    match dt {
        DataType::Boolean => json!({ "type": "boolean" }),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => json!({ "type": "integer" }),
        DataType::Float16 | DataType::Float32 | DataType::Float64 => json!({ "type": "number" }),
        DataType::Date32 | DataType::Date64 => json!({ "type": "string", "format": "date" }),
        DataType::Timestamp(_, _) => json!({ "type": "string", "format": "date-time" }),
        _ => json!({ "type": "string" }),
    }
}

/// Columns a client may sort on: every queryable whose values have an order (not geometry).
pub fn sortable_columns(v: &DatasetVersion) -> Vec<String> {
    columns(v)
        .into_iter()
        .filter(|(name, dt)| sort_index::sortable(name, dt))
        .map(|(n, _)| n)
        .collect()
}

/// `/collections/{id}/sortables`: the queryables that `sortby` accepts, as JSON Schema.
pub async fn sortables(
    State(state): State<SharedState>,
    Path(collection_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let request = document_request(&headers, q.as_deref(), SCHEMAS)?;
    let path = format!("/collections/{collection_id}/sortables");
    cached_document(&state, &headers, &path, q.as_deref(), request, || {
        let (format, lang) = request;
        let (ds, version) = collection(&state, &collection_id)?;
        let mut body = queryables_json(&state, ds, &version, lang);
        let sortable = sortable_columns(&version);
        if let Some(props) = body["properties"].as_object_mut() {
            props.retain(|name, _| sortable.contains(name));
        }
        body["$id"] = json!(api_url(
            &state,
            &format!("/collections/{}/sortables", ds.id)
        ));
        json_response(&body, format)
    })
    .await
}

/// GeoParquet type names → Part 5 geometry formats.
fn geometry_format(types: &[String]) -> &'static str {
    let base: Vec<&str> = types.iter().map(|t| t.trim_end_matches(" Z")).collect();
    match base.as_slice() {
        ["Point"] => "geometry-point",
        ["MultiPoint"] | ["MultiPoint", "Point"] => "geometry-multipoint",
        ["LineString"] => "geometry-linestring",
        ["MultiLineString"] | ["LineString", "MultiLineString"] => "geometry-multilinestring",
        ["Polygon"] => "geometry-polygon",
        ["MultiPolygon"] | ["MultiPolygon", "Polygon"] => "geometry-multipolygon",
        _ => "geometry-any",
    }
}

pub fn queryables_json(state: &AppState, ds: &Dataset, v: &DatasetVersion, lang: Lang) -> Value {
    let mut properties = Map::new();
    for (name, dt) in columns(v) {
        let mut p = json_type(&dt);
        if name == ID_COLUMN {
            p["title"] = json!(match lang {
                Lang::Nl => "Object-id",
                Lang::En => "Feature id",
            });
            p["x-ogc-role"] = json!("id");
        } else if let Some(meta) = ds.column_meta(&name) {
            if let Some(t) = &meta.title {
                p["title"] = json!(lang.pick(t));
            }
            if let Some(d) = &meta.description {
                p["description"] = json!(lang.pick(d));
            }
            if let Some(u) = &meta.unit {
                p["x-ogc-unit"] = json!(u);
            }
        }
        properties.insert(name, p);
    }
    if let Some(g) = &v.manifest.geometry {
        properties.insert(
            GEOMETRY_COLUMN.into(),
            json!({ "format": geometry_format(&g.types), "x-ogc-role": "primary-geometry" }),
        );
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": api_url(state, &format!("/collections/{}/queryables", ds.id)),
        "type": "object",
        "title": lang.pick(&ds.title),
        "properties": properties,
        "additionalProperties": false,
    })
}

/// `/collections/{id}/schema` (Part 5): the features' properties as JSON Schema, with the
/// roles of the id, the primary geometry and the primary time.
pub async fn schema(
    State(state): State<SharedState>,
    Path(collection_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let request = document_request(&headers, q.as_deref(), SCHEMAS)?;
    let path = format!("/collections/{collection_id}/schema");
    cached_document(&state, &headers, &path, q.as_deref(), request, || {
        let (format, lang) = request;
        let (ds, version) = collection(&state, &collection_id)?;
        let mut body = queryables_json(&state, ds, &version, lang);
        body["$id"] = json!(api_url(&state, &format!("/collections/{}/schema", ds.id)));
        if let (Some(t), Some(props)) = (
            &version.manifest.temporal,
            body["properties"].as_object_mut(),
        ) {
            let roles = match &t.end {
                Some(end) => vec![
                    (t.start.as_str(), "primary-interval-start"),
                    (end.as_str(), "primary-interval-end"),
                ],
                None => vec![(t.start.as_str(), "primary-instant")],
            };
            for (name, role) in roles {
                if let Some(p) = props.get_mut(name) {
                    p["x-ogc-role"] = json!(role);
                }
            }
        }
        if let Some(props) = body["properties"].as_object_mut() {
            for (seq, (_, p)) in props.iter_mut().enumerate() {
                p["readOnly"] = json!(true);
                p["x-ogc-propertySeq"] = json!(seq + 1);
            }
        }
        json_response(&body, format)
    })
    .await
}

pub async fn queryables(
    State(state): State<SharedState>,
    Path(collection_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let request = document_request(&headers, q.as_deref(), SCHEMAS)?;
    let path = format!("/collections/{collection_id}/queryables");
    cached_document(&state, &headers, &path, q.as_deref(), request, || {
        let (format, lang) = request;
        let (ds, version) = collection(&state, &collection_id)?;
        json_response(&queryables_json(&state, ds, &version, lang), format)
    })
    .await
}

/// The CQL2 literal of `value` for a column `name` of type `dt`: the value gets its column's
/// type here, and the comparison is then checked and translated like any CQL2 `filter`.
fn literal(name: &str, dt: &DataType, value: &str) -> Result<cql2::Expr, ApiError> {
    let wrong = |what: &str| {
        ApiError::InvalidParameter(format!("`{name}` holds {what}; `{value}` is not one"))
    };
    Ok(match dt {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => {
            cql2::Expr::String(value.to_owned())
        }
        DataType::Boolean => {
            cql2::Expr::Bool(value.parse::<bool>().map_err(|_| wrong("true or false"))?)
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => cql2::Expr::Number(cql2::Number::Int(
            value
                .trim()
                .parse::<i64>()
                .map_err(|_| wrong("whole numbers"))?,
        )),
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            cql2::Expr::Number(cql2::Number::Float(
                value
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| wrong("numbers"))?,
            ))
        }
        DataType::Date32 => cql2::Expr::Date(
            value
                .trim()
                .parse::<cql2::Date>()
                .map_err(|_| wrong("dates (YYYY-MM-DD)"))?,
        ),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            // Any RFC 3339 offset, as UTC (CQL2 timestamps are UTC).
            let t = chrono::DateTime::parse_from_rfc3339(value.trim())
                .map_err(|_| wrong("RFC 3339 date-times"))?
                .with_timezone(&chrono::Utc);
            cql2::Expr::Timestamp(timestamp(t).ok_or_else(|| wrong("RFC 3339 date-times"))?)
        }
        other => {
            return Err(ApiError::InvalidParameter(format!(
                "`{name}` ({other}) cannot be filtered by a query parameter; use `filter`"
            )));
        }
    })
}

/// A UTC time as a CQL2 timestamp (years 0 to 9999).
fn timestamp(t: chrono::DateTime<chrono::Utc>) -> Option<cql2::Timestamp> {
    use chrono::{Datelike, Timelike};
    Some(cql2::Timestamp {
        date: cql2::Date {
            year: u16::try_from(t.year()).ok().filter(|y| *y <= 9999)?,
            month: u8::try_from(t.month()).ok()?,
            day: u8::try_from(t.day()).ok()?,
        },
        hour: u8::try_from(t.hour()).ok()?,
        minute: u8::try_from(t.minute()).ok()?,
        second: u8::try_from(t.second()).ok()?,
        nanosecond: t.nanosecond(),
    })
}

/// `?property=value` parameters (every parameter not in `reserved`, and not the edge's `lang`)
/// as CQL2 equality conditions on the queryables of version `v`, each value typed by its column.
pub fn property_conditions(
    params: &QueryParams,
    v: &DatasetVersion,
    reserved: &[&str],
) -> Result<Vec<cql2::Expr>, ApiError> {
    let columns = columns(v);
    params
        .iter()
        .filter(|(k, _)| !reserved.contains(k) && *k != crate::http::params::LANG)
        .map(|(name, value)| {
            let Some((_, dt)) = columns.iter().find(|(c, _)| c == name) else {
                return Err(ApiError::InvalidParameter(format!(
                    "unknown parameter `{name}`: not a queryable of this version"
                )));
            };
            Ok(cql2::Expr::Compare {
                op: cql2::CompareOp::Eq,
                left: Box::new(cql2::Expr::Property(name.to_owned())),
                right: Box::new(literal(name, dt, value)?),
            })
        })
        .collect()
}
