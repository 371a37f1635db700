//! `/collections/{id}/items` and `/collections/{id}/items/{featureId}`.
//!
//! A page streams: the collection header, then each record batch's features as it arrives, then
//! `numberReturned`, `links` and the rest. The engine is asked for `limit + 1` rows; the extra
//! row only tells whether a `next` link is due.

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use datafusion::execution::SendableRecordBatchStream;
use futures::StreamExt;
use serde_json::json;

use super::params::{self, Cursor, QueryParams};
use super::{api_url, collection_of, link, queryables};
use crate::encode::geojson::{FeatureEncoder, encoder_options};
use crate::engine::ItemsQuery;
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::negotiate::require_acceptable;

const GEOJSON: &str = "application/geo+json";
/// Parameters of `/items` that are not property names.
const RESERVED: &[&str] = &[
    "limit",
    "bbox",
    "datetime",
    "cursor",
    "f",
    "filter",
    "filter-lang",
    "filter-crs",
    "sortby",
    "properties",
    "skipGeometry",
];
const JSON: &str = "application/json";

fn require_geojson(headers: &HeaderMap, f: Option<&str>) -> Result<(), ApiError> {
    params::json_format(f, &["geojson"])?;
    require_acceptable(headers, &[GEOJSON, JSON])
}

pub async fn items(
    State(state): State<SharedState>,
    Path(collection_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (ds, current) = collection_of(&state, &collection_id)?;
    let mut allowed = RESERVED.to_vec();
    if current.manifest.temporal.is_none() {
        allowed.retain(|p| *p != "datetime");
    }
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
    require_geojson(&headers, params.get("f"))?;
    let limit = params::limit(
        params.get("limit"),
        state.settings.default_limit,
        state.settings.max_limit,
    )?;
    let bbox = params.get("bbox").map(params::bbox).transpose()?;
    let datetime = params.get("datetime").map(params::datetime).transpose()?;
    let cursor = params.get("cursor").map(Cursor::parse).transpose()?;
    let version = match cursor {
        Some(c) => state.engine.version(&ds.id, c.version).await?,
        None => current,
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
    let filter = [equality, cql2.map(|f| f.expr)]
        .into_iter()
        .flatten()
        .reduce(datafusion::logical_expr::Expr::and);
    let query = ItemsQuery {
        bbox,
        datetime,
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

    // Links of the page, made once the number of rows is known.
    let items_url = api_url(&state, &format!("/collections/{}/items", ds.id));
    let kept = params.encode_without(&["cursor"]);
    let page_link = move |cursor: Option<Cursor>| {
        let mut pairs = kept.clone();
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
    let trailer = move |returned: usize, has_more: bool| -> Vec<u8> {
        let mut links = vec![
            link(page_link(self_cursor), "self", GEOJSON, "This page"),
            link(collection_url.clone(), "collection", JSON, "The collection"),
        ];
        if has_more {
            let next = Cursor {
                version: version_number,
                offset: offset + limit as u64,
            };
            links.push(link(page_link(Some(next)), "next", GEOJSON, "Next page"));
        }
        if offset > 0 {
            let prev = Cursor {
                version: version_number,
                offset: offset.saturating_sub(limit as u64),
            };
            links.push(link(
                page_link(Some(prev)),
                "prev",
                GEOJSON,
                "Previous page",
            ));
        }
        let mut tail = json!({
            "numberReturned": returned,
            "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "links": links,
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

    let body = page_body(
        stream,
        limit,
        state.settings.coordinate_decimals,
        Box::new(trailer),
    );
    let mut response = Body::from_stream(body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(GEOJSON));
    Ok(response)
}

type Trailer = Box<dyn FnOnce(usize, bool) -> Vec<u8> + Send>;

enum Phase {
    Header,
    Features,
    Done,
}

struct Page {
    stream: SendableRecordBatchStream,
    limit: usize,
    returned: usize,
    has_more: bool,
    decimals: u32,
    trailer: Option<Trailer>,
    phase: Phase,
}

/// The body of a page: header, features batch by batch, trailer. An error after the first byte
/// can only end the stream early; it is logged, and the client sees a truncated (invalid) body.
fn page_body(
    stream: SendableRecordBatchStream,
    limit: usize,
    decimals: u32,
    trailer: Trailer,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let page = Page {
        stream,
        limit,
        returned: 0,
        has_more: false,
        decimals,
        trailer: Some(trailer),
        phase: Phase::Header,
    };
    futures::stream::unfold(page, |mut page| async move {
        loop {
            match page.phase {
                Phase::Header => {
                    page.phase = Phase::Features;
                    return Some((
                        Ok(Bytes::from_static(
                            b"{\"type\":\"FeatureCollection\",\"features\":[",
                        )),
                        page,
                    ));
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
                    match encode_rows(&batch, rows, page.returned == 0, page.decimals) {
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

fn encode_rows(
    batch: &arrow::array::RecordBatch,
    rows: usize,
    first: bool,
    decimals: u32,
) -> Result<Vec<u8>, crate::encode::geojson::EncodeError> {
    let options = encoder_options();
    let fields = batch.schema().fields().to_vec();
    let mut encoder = FeatureEncoder::new(batch, &fields, &options, decimals)?;
    let mut out = Vec::with_capacity(rows * 256);
    for row in 0..rows {
        if row > 0 || !first {
            out.push(b',');
        }
        encoder.write(row, b"", &mut out)?;
    }
    Ok(out)
}

pub async fn feature(
    State(state): State<SharedState>,
    Path((collection_id, feature_id)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let (ds, version) = collection_of(&state, &collection_id)?;
    let params = QueryParams::parse(q.as_deref(), &["f"])?;
    require_geojson(&headers, params.get("f"))?;
    let Some(batch) = state.engine.feature(&version, &feature_id).await? else {
        return Err(ApiError::NotFound(format!(
            "collection `{}` has no feature `{feature_id}`",
            ds.id
        )));
    };
    let encoded_id = super::path_segment(&feature_id);
    let links = json!([
        link(
            api_url(
                &state,
                &format!("/collections/{}/items/{encoded_id}", ds.id)
            ),
            "self",
            GEOJSON,
            "This feature"
        ),
        link(
            api_url(&state, &format!("/collections/{}", ds.id)),
            "collection",
            JSON,
            "The collection"
        ),
    ]);
    let extra = format!(",\"links\":{links}");
    let options = encoder_options();
    let fields = batch.schema().fields().to_vec();
    let mut encoder = FeatureEncoder::new(
        &batch,
        &fields,
        &options,
        state.settings.coordinate_decimals,
    )
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut out = Vec::new();
    encoder
        .write(0, extra.as_bytes(), &mut out)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut response = out.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(GEOJSON));
    Ok(response)
}
