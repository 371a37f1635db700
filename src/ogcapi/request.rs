//! The typed requests of `/items` and `/items/{featureId}`: the one place that knows their query
//! parameters — which exist, how each is read into a typed value, what its errors say, and how
//! the OpenAPI document describes it.

use std::sync::Arc;

use axum::http::HeaderMap;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, col, lit};
use serde_json::{Value, json};

use super::formats::FEATURE_FORMATS;
use super::params::{self, Cursor};
use super::{CRS84, filter, queryables};
use crate::catalog::Dataset;
use crate::crs::{Crs, box_to_crs84};
use crate::engine::spatial::{Relation, SpatialPredicate};
use crate::engine::{DatasetVersion, ItemsQuery, keyset};
use crate::geom::Bbox;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::media::{Format, negotiate};
use crate::http::negotiate::Lang;
use crate::http::params::{self as query, QueryParams};
use crate::store::layout::GEOMETRY_COLUMN;

/// The query parameters of `/items` (every queryable is one too: `?statnaam=Utrecht`).
const ITEMS: &[&str] = &[
    "limit",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "cursor",
    "version",
    "f",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "properties",
    "skipGeometry",
];

/// The query parameters of `/items/{featureId}`.
const FEATURE: &[&str] = &["f", "crs", "version"];

/// A request for a page of features, parsed and checked against the version it reads.
pub struct ItemsRequest {
    pub format: Format,
    pub crs: Crs,
    /// The version read: the cursor's, the requested `version`, or the current one.
    pub version: Arc<DatasetVersion>,
    /// What the engine runs; its limit is one more than the page, to tell whether more follow.
    pub query: ItemsQuery,
    /// Features in a page.
    pub limit: usize,
    /// Features before this page (its first is number `offset + 1`).
    pub offset: u64,
    /// The cursor this page was asked with (`None` for a first page).
    pub cursor: Option<Cursor>,
    /// The parameters that the page's links repeat (all but `cursor`).
    pub kept: Vec<(String, String)>,
    /// The response language (HTML pages).
    pub lang: Lang,
    /// The query string as sent (for the HTML page's language switch).
    pub raw: Option<String>,
}

impl ItemsRequest {
    pub async fn parse(
        state: &AppState,
        ds: &Dataset,
        current: Arc<DatasetVersion>,
        raw: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<ItemsRequest, ApiError> {
        let queryable_names: Vec<String> = queryables::columns(&current)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let mut allowed = ITEMS.to_vec();
        allowed.extend(
            queryable_names
                .iter()
                .map(String::as_str)
                .filter(|n| !ITEMS.contains(n)),
        );
        let p = QueryParams::parse(raw, &allowed)?;
        let format = negotiate(p.get("f"), headers, FEATURE_FORMATS)?;
        let crs = params::crs("crs", p.get("crs"))?;
        let bbox_crs = params::crs("bbox-crs", p.get("bbox-crs"))?;
        let limit = params::limit(
            p.get("limit"),
            state.settings.default_limit,
            state.settings.max_limit,
        )?;
        // Validated everywhere; features without a time match every `datetime` (Part 1,
        // /req/core/fc-time-response C), so on a collection without one it selects all.
        let datetime = p.get("datetime").map(params::datetime).transpose()?;
        let cursor = p.get("cursor").map(Cursor::parse).transpose()?;
        let requested = p.get("version").map(version_number).transpose()?;
        let pinned = cursor.as_ref().map(|c| c.version).or(requested);
        let version = read_version(state, ds, current, pinned).await?;
        let (bbox, bbox_exact) = match p.get("bbox") {
            Some(b) => {
                let (b, exact) = bbox_condition(b, bbox_crs, version.has_geometry())?;
                (Some(b), exact)
            }
            None => (None, None),
        };
        let conditions = conditions(&p, &version)?;
        let published: Vec<String> = version
            .manifest
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let properties = p
            .get("properties")
            .map(|v| params::properties(v, &published))
            .transpose()?;
        let sort = p
            .get("sortby")
            .map(|s| params::sortby(s, &queryables::sortable_columns(&version)))
            .transpose()?
            .unwrap_or_default();
        let skip_geometry = params::skip_geometry(p.get("skipGeometry"))?;
        let (filter, filter_boxes) = match conditions {
            Some(f) => (Some(f.expr), f.prune_boxes),
            None => (None, None),
        };
        let after = match cursor.as_ref().and_then(|c| c.after.as_deref()) {
            Some(key) => Some(sort_key(key, &sort, &version)?),
            None => None,
        };
        let query = ItemsQuery {
            bbox,
            datetime: datetime.filter(|_| version.manifest.temporal.is_some()),
            filter: [bbox_exact, filter].into_iter().flatten().reduce(Expr::and),
            filter_boxes,
            sort,
            properties,
            skip_geometry,
            // A cursor with a position (a stored row, a sort key) starts there; one without
            // counts rows.
            start: cursor.as_ref().and_then(|c| c.start),
            offset: match &cursor {
                Some(c) if c.start.is_none() && after.is_none() => c.offset,
                _ => 0,
            },
            position: cursor
                .as_ref()
                .filter(|_| after.is_some())
                .map(|c| c.offset),
            after,
            limit: limit + 1,
        };
        Ok(ItemsRequest {
            format,
            crs,
            version,
            query,
            limit,
            offset: cursor.as_ref().map_or(0, |c| c.offset),
            cursor,
            kept: p.encode_without(&["cursor"]),
            lang: p.lang(headers),
            raw: raw.map(str::to_owned),
        })
    }
}

/// A sorted page's cursor key, typed as `sort`'s columns and the id of `version`. A key for
/// another `sortby` than the request's is refused rather than read as something it is not.
fn sort_key(
    key: &str,
    sort: &[(String, bool)],
    version: &DatasetVersion,
) -> Result<Vec<ScalarValue>, ApiError> {
    let schema = version.schema();
    let types: Option<Vec<_>> = keyset::keys_of(sort)
        .into_iter()
        .map(|name| {
            schema
                .field_with_name(name)
                .ok()
                .map(|f| f.data_type().clone())
        })
        .collect();
    types
        .filter(|_| !sort.is_empty())
        .and_then(|types| keyset::decode(key, &types))
        .ok_or_else(|| {
            ApiError::InvalidParameter(
                "cursor: its position is not one of a page with this `sortby`; follow the \
                 `next` and `prev` links"
                    .into(),
            )
        })
}

/// A request for one feature.
pub struct FeatureRequest {
    pub format: Format,
    pub crs: Crs,
    pub version: Arc<DatasetVersion>,
    /// Whether `f` was given (then every link names its format).
    pub explicit_format: bool,
    /// The parameters that the feature's links repeat (all but `f`).
    pub kept: Vec<(String, String)>,
    pub lang: Lang,
    pub raw: Option<String>,
}

impl FeatureRequest {
    pub async fn parse(
        state: &AppState,
        ds: &Dataset,
        current: Arc<DatasetVersion>,
        raw: Option<&str>,
        headers: &HeaderMap,
    ) -> Result<FeatureRequest, ApiError> {
        let p = QueryParams::parse(raw, FEATURE)?;
        let format = negotiate(p.get("f"), headers, FEATURE_FORMATS)?;
        let crs = params::crs("crs", p.get("crs"))?;
        let requested = p.get("version").map(version_number).transpose()?;
        let version = read_version(state, ds, current, requested).await?;
        Ok(FeatureRequest {
            format,
            crs,
            version,
            explicit_format: p.get("f").is_some(),
            kept: p.encode_without(&["f"]),
            lang: p.lang(headers),
            raw: raw.map(str::to_owned),
        })
    }
}

/// `version=`: an older (kept) version of the collection instead of the current one.
fn version_number(value: &str) -> Result<u64, ApiError> {
    value.parse::<u64>().ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError::InvalidParameter(format!(
            "version `{value}` is not a version number (1, 2, …)"
        ))
    })
}

/// The version a request reads: `pinned` (by a cursor or `version=`) or the current one.
async fn read_version(
    state: &AppState,
    ds: &Dataset,
    current: Arc<DatasetVersion>,
    pinned: Option<u64>,
) -> Result<Arc<DatasetVersion>, ApiError> {
    match pinned {
        Some(v) if v != current.version() => Ok(state.engine.version(&ds.id, v).await?),
        _ => Ok(current),
    }
}

/// The `filter` and the `?property=value` parameters, as one CQL2 conjunction translated over
/// the version's queryables.
fn conditions(
    p: &QueryParams,
    version: &DatasetVersion,
) -> Result<Option<crate::engine::filter::Filter>, ApiError> {
    let mut parts: Vec<cql2::Expr> = filter::parse(p)?.into_iter().collect();
    parts.extend(queryables::property_conditions(p, version, ITEMS)?);
    let ast = match parts.len() {
        0 => return Ok(None),
        1 => parts.remove(0),
        _ => cql2::Expr::And(parts),
    };
    filter::translate(&ast, version).map(Some)
}

/// The `bbox` (in `bbox-crs`) as a CRS84 box for the prefilter and pruning, and for boxes
/// in a projected CRS the exact condition: intersecting the box's CRS84 outline.
fn bbox_condition(
    value: &str,
    crs: Crs,
    has_geometry: bool,
) -> Result<(Bbox, Option<Expr>), ApiError> {
    let numbers = query::bbox_numbers(value)?;
    match crs {
        Crs::Crs84 => Ok((query::crs84_bbox(numbers, value)?, None)),
        Crs::Epsg4326 => {
            let [a, b, c, d] = numbers;
            Ok((query::crs84_bbox([b, a, d, c], value)?, None))
        }
        _ => {
            let [x1, y1, x2, y2] = numbers;
            if x1 > x2 || y1 > y2 {
                return Err(ApiError::InvalidParameter(format!(
                    "bbox `{value}` in {} has a minimum above its maximum",
                    crs.code()
                )));
            }
            let (ring, envelope) = box_to_crs84(crs, numbers).map_err(|e| {
                ApiError::InvalidParameter(format!("bbox `{value}` in {}: {e}", crs.code()))
            })?;
            if !has_geometry {
                return Ok((envelope, None));
            }
            let polygon = geo::Polygon::new(geo::LineString::from(ring), vec![]);
            let wkb = crate::engine::spatial::to_wkb(&geo::Geometry::Polygon(polygon));
            let exact = SpatialPredicate::udf(Relation::Intersects).call(vec![
                col(GEOMETRY_COLUMN),
                lit(ScalarValue::Binary(Some(wkb))),
            ]);
            Ok((envelope, Some(exact)))
        }
    }
}

/// The OpenAPI description of a query parameter.
fn parameter(name: &str, description: impl Into<String>, schema: Value) -> Value {
    json!({
        "name": name, "in": "query", "required": false,
        "description": description.into(),
        "schema": schema, "style": "form", "explode": false
    })
}

fn crs_parameter(name: &str, description: &str) -> Value {
    let uris: Vec<&str> = Crs::ALL.map(Crs::uri).to_vec();
    parameter(
        name,
        description,
        json!({ "type": "string", "format": "uri", "enum": uris, "default": CRS84 }),
    )
}

/// `f`, with the tokens of `offered` (the long alias `flatgeobuf` is accepted, not advertised).
pub fn f_parameter(offered: &[Format]) -> Value {
    let tokens: Vec<&str> = offered
        .iter()
        .flat_map(|f| f.tokens().iter().copied())
        .filter(|t| *t != "flatgeobuf")
        .collect();
    parameter(
        "f",
        "The response format (instead of an Accept header).",
        json!({ "type": "string", "enum": tokens }),
    )
}

fn version_parameter() -> Value {
    parameter(
        "version",
        "Read an older, kept version of the collection (1, 2, …) instead of the current one.",
        json!({ "type": "integer", "minimum": 1 }),
    )
}

const CRS_TEXT: &str = "The CRS of the geometries in the response (see the collection's `crs` list); the response's `Content-Crs` header names it. EPSG:4326 and EPSG:4258 are latitude first.";

/// The OpenAPI query parameters of `/items`.
pub fn items_openapi(state: &AppState) -> Vec<Value> {
    let max = state.settings.max_limit;
    vec![
        parameter(
            "limit",
            format!(
                "The largest number of features in a page. At most {max} are served: a larger limit is served as {max}."
            ),
            json!({ "type": "integer", "minimum": 1, "default": state.settings.default_limit }),
        ),
        parameter(
            "bbox",
            "Only features that intersect this box: minLon,minLat,maxLon,maxLat in CRS84 (six numbers with heights are accepted; heights are ignored).",
            json!({ "type": "array", "minItems": 4, "maxItems": 6, "items": { "type": "number" } }),
        ),
        crs_parameter(
            "bbox-crs",
            "The CRS of `bbox` (EPSG:4326 and EPSG:4258 are latitude first).",
        ),
        crs_parameter("crs", CRS_TEXT),
        parameter(
            "datetime",
            format!(
                "Only features whose time lies in this instant or interval (RFC 3339; `..` for an open end). Collections with a temporal property: {}. Features of every other collection have no time and match every `datetime`.",
                temporal_collections(state)
            ),
            json!({ "type": "string" }),
        ),
        parameter(
            "filter",
            "A CQL2 filter on the collection's queryables (see /collections/{collectionId}/queryables), e.g. `statnaam = 'Utrecht' AND S_INTERSECTS(geometry, POINT(5.12 52.09))`.",
            json!({ "type": "string" }),
        ),
        parameter(
            "filter-lang",
            "The encoding of `filter`.",
            json!({ "type": "string", "enum": filter::LANGUAGES, "default": "cql2-text" }),
        ),
        crs_parameter(
            "filter-crs",
            "The CRS of geometries in `filter` (EPSG:4326 and EPSG:4258 are latitude first).",
        ),
        parameter(
            "sortby",
            "Sort keys: sortable property names (see /collections/{collectionId}/sortables), `-` for descending, e.g. `-capacity_total,name`.",
            json!({ "type": "array", "items": { "type": "string" } }),
        ),
        parameter(
            "properties",
            "The properties to return (the id is always returned).",
            json!({ "type": "array", "items": { "type": "string" } }),
        ),
        parameter(
            "skipGeometry",
            "Leave out the geometry (`geometry: null`).",
            json!({ "type": "boolean", "default": false }),
        ),
        version_parameter(),
        parameter(
            "cursor",
            "Where a page starts. Made by the server: follow the `next` and `prev` links.",
            json!({ "type": "string" }),
        ),
        f_parameter(FEATURE_FORMATS),
    ]
}

/// The OpenAPI query parameters of `/items/{featureId}`.
pub fn feature_openapi() -> Vec<Value> {
    vec![
        crs_parameter("crs", CRS_TEXT),
        version_parameter(),
        f_parameter(FEATURE_FORMATS),
    ]
}

/// Which collections `datetime` filters, and on which properties.
fn temporal_collections(state: &AppState) -> String {
    let temporal: Vec<String> = state
        .catalog
        .datasets
        .iter()
        .filter_map(|d| {
            let id = d.id.as_str();
            let t = state.engine.current(&d.id)?.manifest.temporal.clone()?;
            Some(match &t.end {
                Some(end) => format!("`{id}` (`{}`–`{end}`)", t.start),
                None => format!("`{id}` (`{}`)", t.start),
            })
        })
        .collect();
    if temporal.is_empty() {
        "none".to_owned()
    } else {
        temporal.join(", ")
    }
}
