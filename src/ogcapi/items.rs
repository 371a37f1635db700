//! `/collections/{id}/items` and `/collections/{id}/items/{featureId}`.
//!
//! A page streams: the collection header, then each record batch's features as it arrives, then
//! `numberReturned`, `links` and the rest. The engine is asked for `limit + 1` rows; the extra
//! row only tells whether a `next` link is due.

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use datafusion::common::ScalarValue;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::{Expr, col, lit};
use futures::StreamExt;
use serde_json::json;

use super::formats::{Format, JSONFG_CORE, JsonFeatures, Output};
use super::params::{self, Cursor, QueryParams};
use super::{api_url, collection_of, link, queryables};
use crate::crs::{Crs, box_to_crs84};
use crate::encode::flatgeobuf::{FgbEncoder, FgbHeader, geometry_type_code};
use crate::engine::spatial::{Relation, SpatialPredicate};
use crate::engine::{DatasetVersion, ItemsQuery};
use crate::geom::Bbox;
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::ingest::GEOMETRY_COLUMN;

/// Parameters of `/items` that are not property names.
const RESERVED: &[&str] = &[
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
const JSON: &str = "application/json";

/// `Content-Crs` (Part 2): the CRS of the geometries in the response, as `<uri>`.
fn content_crs(crs: Crs) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static("content-crs"),
        HeaderValue::from_str(&format!("<{}>", crs.uri())).expect("URIs are header-safe"),
    )
}

/// The `bbox` (in `bbox-crs`) as a CRS84 box for the prefilter and pruning, and for boxes
/// in a projected CRS the exact condition: intersecting the box's CRS84 outline.
fn bbox_condition(
    value: &str,
    crs: Crs,
    has_geometry: bool,
) -> Result<(Bbox, Option<Expr>), ApiError> {
    let numbers = params::bbox_numbers(value)?;
    match crs {
        Crs::Crs84 => Ok((params::crs84_bbox(numbers, value)?, None)),
        Crs::Epsg4326 => {
            let [a, b, c, d] = numbers;
            Ok((params::crs84_bbox([b, a, d, c], value)?, None))
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

/// `version=`: an older (kept) version of the collection instead of the current one.
fn version_param(value: &str) -> Result<u64, ApiError> {
    value.parse::<u64>().ok().filter(|v| *v > 0).ok_or_else(|| {
        ApiError::InvalidParameter(format!(
            "version `{value}` is not a version number (1, 2, …)"
        ))
    })
}

pub async fn items(
    State(state): State<SharedState>,
    Path(collection_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (ds, current) = collection_of(&state, &collection_id)?;
    let mut allowed = RESERVED.to_vec();
    // Every queryable is also an equality parameter (`?statnaam=Utrecht`).
    let queryable_names: Vec<String> = queryables::columns(&current)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    allowed.extend(
        queryable_names
            .iter()
            .map(String::as_str)
            .filter(|n| !RESERVED.contains(n)),
    );
    let params = QueryParams::parse(q.as_deref(), &allowed)?;
    let format = Format::from_request(params.get("f"), &headers)?;
    let crs = params::crs("crs", params.get("crs"))?;
    let bbox_crs = params::crs("bbox-crs", params.get("bbox-crs"))?;
    let limit = params::limit(
        params.get("limit"),
        state.settings.default_limit,
        state.settings.max_limit,
    )?;
    // Validated everywhere; features without a time match every `datetime` (Part 1,
    // /req/core/fc-time-response C), so on a collection without one it selects all.
    let datetime = params.get("datetime").map(params::datetime).transpose()?;
    let cursor = params.get("cursor").map(Cursor::parse).transpose()?;
    let requested = params.get("version").map(version_param).transpose()?;
    let version = match (cursor, requested) {
        (Some(c), _) => state.engine.version(&ds.id, c.version).await?,
        (None, Some(v)) if v != current.version() => state.engine.version(&ds.id, v).await?,
        _ => current,
    };
    let (bbox, bbox_exact) = match params.get("bbox") {
        Some(b) => {
            let (b, exact) = bbox_condition(b, bbox_crs, version.has_geometry())?;
            (Some(b), exact)
        }
        None => (None, None),
    };
    let offset = cursor.map_or(0, |c| c.offset);
    let equality = queryables::property_equality(&params, &version, RESERVED)?;
    let cql2 = super::filter::from_params(&params, &version)?;
    let filter_boxes = cql2.as_ref().and_then(|f| f.prune_boxes.clone());
    // Properties and sort keys: the published columns (the id is always there).
    let published: Vec<String> = version
        .manifest
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let properties = params
        .get("properties")
        .map(|p| params::properties(p, &published))
        .transpose()?;
    let sortable = queryables::sortable_columns(&version);
    let sort = params
        .get("sortby")
        .map(|s| params::sortby(s, &sortable))
        .transpose()?
        .unwrap_or_default();
    let skip_geometry = params::skip_geometry(params.get("skipGeometry"))?;
    let filter = [bbox_exact, equality, cql2.map(|f| f.expr)]
        .into_iter()
        .flatten()
        .reduce(Expr::and);
    let query = ItemsQuery {
        bbox,
        datetime: datetime.filter(|_| version.manifest.temporal.is_some()),
        filter,
        filter_boxes,
        sort,
        properties,
        skip_geometry,
        offset,
        limit: limit + 1,
    };
    let number_matched = query.is_unfiltered().then_some(version.manifest.row_count);
    let stream = state.engine.items(&version, &query).await?;
    let output = Output {
        format,
        crs,
        degree_decimals: state.settings.coordinate_decimals,
        metre_decimals: state.settings.metre_decimals,
    };

    // Links of the page, made once the number of rows is known.
    let items_url = api_url(&state, &format!("/collections/{}/items", ds.id));
    let kept = params.encode_without(&["cursor"]);
    let page_link = move |cursor: Option<Cursor>, f: Option<Format>| {
        let mut pairs: Vec<(String, String)> = kept
            .iter()
            .filter(|(k, _)| f.is_none() || k != "f")
            .cloned()
            .collect();
        if let Some(f) = f {
            pairs.push(("f".into(), f.name().into()));
        }
        if let Some(c) = cursor {
            pairs.push(("cursor".into(), c.encode()));
        }
        if pairs.is_empty() {
            items_url.clone()
        } else {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            format!("{items_url}?{query}")
        }
    };
    let collection_url = api_url(&state, &format!("/collections/{}", ds.id));
    let version_number = version.version();
    let self_cursor = cursor;
    let next_cursor = Cursor {
        version: version_number,
        offset: offset + limit as u64,
    };
    let prev_cursor = (offset > 0).then(|| Cursor {
        version: version_number,
        offset: offset.saturating_sub(limit as u64),
    });
    let media = format.media_type();
    let links = move |has_more: bool| {
        let mut links = vec![link(
            page_link(self_cursor, None),
            "self",
            media,
            "This page",
        )];
        for other in Format::ALL.into_iter().filter(|f| *f != format) {
            links.push(link(
                page_link(self_cursor, Some(other)),
                "alternate",
                other.media_type(),
                &format!("This page as {}", other.title()),
            ));
        }
        links.push(link(
            collection_url.clone(),
            "collection",
            JSON,
            "The collection",
        ));
        if has_more {
            links.push(link(
                page_link(Some(next_cursor), None),
                "next",
                media,
                "Next page",
            ));
        }
        if let Some(prev) = prev_cursor {
            links.push(link(
                page_link(Some(prev), None),
                "prev",
                media,
                "Previous page",
            ));
        }
        links
    };

    let mut response = match format {
        Format::GeoJson | Format::JsonFg => {
            let trailer = move |returned: usize, has_more: bool| -> Vec<u8> {
                let mut tail = json!({
                    "numberReturned": returned,
                    "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "links": links(has_more),
                });
                if let Some(n) = number_matched {
                    tail["numberMatched"] = json!(n);
                }
                // `{"numberReturned":…}` → `],"numberReturned":…}` closes the features array.
                let text = tail.to_string();
                let mut out = b"],".to_vec();
                out.extend_from_slice(&text.as_bytes()[1..]);
                out
            };
            let header = match format {
                Format::JsonFg => format!(
                    "{{\"type\":\"FeatureCollection\",\"conformsTo\":[\"{JSONFG_CORE}\"],\"featureType\":{},\"coordRefSys\":\"{}\",\"features\":[",
                    serde_json::to_string(ds.id.as_str()).expect("strings serialise"),
                    crs.uri()
                ),
                _ => "{\"type\":\"FeatureCollection\",\"features\":[".to_owned(),
            };
            let features = PageFeatures {
                output,
                collection: ds.id.as_str().to_owned(),
                time: time_columns(&version),
            };
            let body = page_body(stream, limit, header, features, Box::new(trailer));
            Body::from_stream(body).into_response()
        }
        Format::Csv | Format::FlatGeobuf => {
            // Links go in the `Link` header (RFC 8288), so the page is read before the first
            // byte: at most `limit + 1` rows, bounded by the configured maximum.
            let (batches, has_more) = read_page(stream, limit).await?;
            let body = tabular_body(batches, output, &version, ds.id.as_str())?;
            let mut response = Body::from(body).into_response();
            let link_header = links(has_more)
                .iter()
                .filter(|l| l["rel"] != "alternate")
                .map(|l| {
                    format!(
                        "<{}>; rel=\"{}\"; type=\"{}\"",
                        l["href"].as_str().unwrap_or_default(),
                        l["rel"].as_str().unwrap_or_default(),
                        l["type"].as_str().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            if let Ok(v) = HeaderValue::from_str(&link_header) {
                response.headers_mut().insert(header::LINK, v);
            }
            response
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    let (name, value) = content_crs(crs);
    headers.insert(name, value);
    Ok(response)
}

/// Published names of the temporal columns, for JSON-FG's `time`.
fn time_columns(v: &DatasetVersion) -> Option<(String, Option<String>)> {
    v.manifest
        .temporal
        .as_ref()
        .map(|t| (t.start.clone(), t.end.clone()))
}

/// Reads the rows of a page: at most `limit`, and whether more follow.
async fn read_page(
    mut stream: SendableRecordBatchStream,
    limit: usize,
) -> Result<(Vec<arrow::array::RecordBatch>, bool), ApiError> {
    let mut batches = Vec::new();
    let mut rows = 0;
    let mut has_more = false;
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| ApiError::Internal(e.to_string()))?;
        let room = limit - rows;
        if batch.num_rows() > room {
            has_more = true;
        }
        let take = batch.num_rows().min(room);
        if take > 0 {
            rows += take;
            batches.push(batch.slice(0, take));
        }
        if has_more {
            break;
        }
    }
    Ok((batches, has_more))
}

/// A CSV or FlatGeobuf page from its batches.
fn tabular_body(
    batches: Vec<arrow::array::RecordBatch>,
    output: Output,
    v: &DatasetVersion,
    name: &str,
) -> Result<Vec<u8>, ApiError> {
    let internal = |e: &dyn std::fmt::Display| ApiError::Internal(e.to_string());
    let prepared = batches
        .into_iter()
        .map(|b| output.prepare(b))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| internal(&e))?;
    let mut out = Vec::new();
    let Some(schema) = prepared.first().map(|b| b.schema()) else {
        // No rows: the header alone, from the stored columns.
        return empty_tabular(output, v, name);
    };
    match output.format {
        Format::Csv => {
            let encoder = super::formats::csv_encoder(&schema, &output);
            encoder.write_header(&mut out);
            for b in &prepared {
                encoder.write_batch(b, &mut out).map_err(|e| internal(&e))?;
            }
        }
        _ => {
            let encoder = FgbEncoder::new(&schema);
            encoder.write_header(
                &fgb_header(
                    output,
                    v,
                    name,
                    prepared.iter().map(|b| b.num_rows() as u64).sum(),
                ),
                &mut out,
            );
            for b in &prepared {
                encoder
                    .write_batch(b, b.num_rows(), &mut out)
                    .map_err(|e| internal(&e))?;
            }
        }
    }
    Ok(out)
}

fn fgb_header<'a>(output: Output, v: &DatasetVersion, name: &'a str, count: u64) -> FgbHeader<'a> {
    let geometry_type = match v.manifest.geometry.as_ref().map(|g| g.types.as_slice()) {
        Some([one]) => geometry_type_code(one),
        _ => 0,
    };
    // FlatGeobuf writes longitude first, so CRS84 is EPSG:4326 in the format's convention.
    let epsg = output.crs.epsg() as i32;
    FgbHeader {
        name,
        title: None,
        geometry_type,
        epsg,
        features_count: count,
    }
}

fn empty_tabular(output: Output, v: &DatasetVersion, name: &str) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    let schema = v.schema();
    let fields: Vec<_> = schema
        .fields()
        .iter()
        .filter(|f| f.name() != crate::ingest::BBOX_COLUMN)
        .cloned()
        .collect();
    let schema = arrow::datatypes::Schema::new(fields);
    match output.format {
        Format::Csv => super::formats::csv_encoder(&schema, &output).write_header(&mut out),
        _ => FgbEncoder::new(&schema).write_header(&fgb_header(output, v, name, 0), &mut out),
    }
    Ok(out)
}

type Trailer = Box<dyn FnOnce(usize, bool) -> Vec<u8> + Send>;

enum Phase {
    Header,
    Features,
    Done,
}

/// How a page writes its features (owned, so that the body stream is `'static`).
struct PageFeatures {
    output: Output,
    collection: String,
    time: Option<(String, Option<String>)>,
}

impl PageFeatures {
    fn encode(
        &self,
        batch: arrow::array::RecordBatch,
        rows: usize,
        first: bool,
    ) -> Result<Vec<u8>, String> {
        let batch = self.output.prepare(batch).map_err(|e| e.to_string())?;
        let features = JsonFeatures {
            output: self.output,
            collection: &self.collection,
            time: self.time.as_ref().map(|(s, e)| (s.as_str(), e.as_deref())),
        };
        let mut out = Vec::with_capacity(rows * 256);
        features
            .write(&batch, rows, first, b"", &mut out)
            .map_err(|e| e.to_string())?;
        Ok(out)
    }
}

struct Page {
    stream: SendableRecordBatchStream,
    limit: usize,
    returned: usize,
    has_more: bool,
    header: Option<String>,
    features: PageFeatures,
    trailer: Option<Trailer>,
    phase: Phase,
}

/// The body of a page: header, features batch by batch, trailer. An error after the first byte
/// can only end the stream early; it is logged, and the client sees a truncated (invalid) body.
fn page_body(
    stream: SendableRecordBatchStream,
    limit: usize,
    header: String,
    features: PageFeatures,
    trailer: Trailer,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let page = Page {
        stream,
        limit,
        returned: 0,
        has_more: false,
        header: Some(header),
        features,
        trailer: Some(trailer),
        phase: Phase::Header,
    };
    futures::stream::unfold(page, |mut page| async move {
        loop {
            match page.phase {
                Phase::Header => {
                    page.phase = Phase::Features;
                    let header = page.header.take().unwrap_or_default();
                    return Some((Ok(Bytes::from(header)), page));
                }
                Phase::Done => return None,
                Phase::Features => {}
            }
            match page.stream.next().await {
                Some(Ok(batch)) => {
                    let room = page.limit - page.returned;
                    if batch.num_rows() > room {
                        page.has_more = true;
                    }
                    let rows = batch.num_rows().min(room);
                    if rows == 0 {
                        continue;
                    }
                    match page.features.encode(batch, rows, page.returned == 0) {
                        Ok(bytes) => {
                            page.returned += rows;
                            return Some((Ok(Bytes::from(bytes)), page));
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "encoding a page failed");
                            page.phase = Phase::Done;
                            return Some((Err(std::io::Error::other(e.to_string())), page));
                        }
                    }
                }
                Some(Err(e)) => {
                    tracing::error!(error = %e, "reading a page failed");
                    page.phase = Phase::Done;
                    return Some((Err(std::io::Error::other(e.to_string())), page));
                }
                None => {
                    page.phase = Phase::Done;
                    let trailer = page.trailer.take().expect("trailer is written once");
                    return Some((Ok(Bytes::from(trailer(page.returned, page.has_more))), page));
                }
            }
        }
    })
}

pub async fn feature(
    State(state): State<SharedState>,
    Path((collection_id, feature_id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (ds, current) = collection_of(&state, &collection_id)?;
    let params = QueryParams::parse(q.as_deref(), &["f", "crs", "version"])?;
    let format = Format::from_request(params.get("f"), &headers)?;
    let crs = params::crs("crs", params.get("crs"))?;
    let version = match params.get("version").map(version_param).transpose()? {
        Some(v) if v != current.version() => state.engine.version(&ds.id, v).await?,
        _ => current,
    };
    let Some(batch) = state.engine.feature(&version, &feature_id).await? else {
        return Err(ApiError::NotFound(format!(
            "collection `{}` has no feature `{feature_id}`",
            ds.id
        )));
    };
    let output = Output {
        format,
        crs,
        degree_decimals: state.settings.coordinate_decimals,
        metre_decimals: state.settings.metre_decimals,
    };
    let encoded_id = super::path_segment(&feature_id);
    let feature_url = api_url(
        &state,
        &format!("/collections/{}/items/{encoded_id}", ds.id),
    );
    let kept = params.encode_without(&["f"]);
    let with_format = |f: Format| {
        let mut pairs = kept.clone();
        if f != format || params.get("f").is_some() {
            pairs.push(("f".into(), f.name().into()));
        }
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        if query.is_empty() {
            feature_url.clone()
        } else {
            format!("{feature_url}?{query}")
        }
    };
    let mut links = vec![link(
        with_format(format),
        "self",
        format.media_type(),
        "This feature",
    )];
    for other in Format::ALL.into_iter().filter(|f| *f != format) {
        links.push(link(
            with_format(other),
            "alternate",
            other.media_type(),
            &format!("This feature as {}", other.title()),
        ));
    }
    links.push(link(
        api_url(&state, &format!("/collections/{}", ds.id)),
        "collection",
        JSON,
        "The collection",
    ));
    let body = match format {
        Format::GeoJson | Format::JsonFg => {
            let prepared = output
                .prepare(batch)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let time = time_columns(&version);
            let features = JsonFeatures {
                output,
                collection: ds.id.as_str(),
                time: time.as_ref().map(|(s, e)| (s.as_str(), e.as_deref())),
            };
            let mut extra = format!(",\"links\":{}", serde_json::Value::Array(links));
            if format == Format::JsonFg {
                extra.push_str(&format!(
                    ",\"conformsTo\":[\"{JSONFG_CORE}\"],\"coordRefSys\":\"{}\"",
                    crs.uri()
                ));
            }
            let mut out = Vec::new();
            features
                .write(&prepared, 1, true, extra.as_bytes(), &mut out)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            out
        }
        Format::Csv | Format::FlatGeobuf => {
            tabular_body(vec![batch.slice(0, 1)], output, &version, ds.id.as_str())?
        }
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.media_type()),
    );
    let (name, value) = content_crs(crs);
    headers.insert(name, value);
    Ok(response)
}
