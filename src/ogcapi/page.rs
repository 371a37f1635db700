//! Pages and single features as responses: their links (self, alternates, collection, next,
//! prev), `numberMatched`, and their bodies in the requested encoding.
//!
//! A GeoJSON or JSON-FG page streams: the collection header, then each record batch's features
//! as it arrives, then `numberReturned`, `timeStamp`, `links` and `numberMatched`. The engine is
//! asked for `limit + 1` rows; the extra row only tells whether a `next` link is due. CSV and
//! FlatGeobuf pages carry their links in a `Link` header (RFC 8288), sent before their rows,
//! which stream too. Bodies are written in slices of rows ([`FRAME_ROWS`]), never whole.

use arrow::array::RecordBatch;
use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;
use serde_json::json;

use super::formats::{FEATURE_FORMATS, JSONFG_CORE, JsonFeatures, Output};
use super::params::Cursor;
use super::request::{FeatureRequest, ItemsRequest};
use super::{BASE_PATH, api_url, html, path_segment};
use crate::catalog::Dataset;
use crate::crs::Crs;
use crate::encode::flatgeobuf::{FgbEncoder, FgbHeader, geometry_type_code};
use crate::engine::{DatasetVersion, Items, keyset};
use crate::html::table::FeatureTable;
use crate::html::{Chrome, respond};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::link::Link;
use crate::http::media::Format;
use crate::http::negotiate::Lang;
use crate::store::layout::BBOX_COLUMN;

const JSON: &str = "application/json";

/// Where a page is, so that its links can be written once its length is known.
pub struct PageLinks {
    items_url: String,
    collection_url: String,
    format: Format,
    kept: Vec<(String, String)>,
    this: Option<Cursor>,
    next: Cursor,
    prev: Option<Cursor>,
}

impl PageLinks {
    /// The next page goes on from where this one's last row ends in stored order, or after its
    /// sort key, where the engine knows ([`Items::ends`], [`Items::keys`]).
    pub fn new(state: &AppState, ds: &Dataset, request: &ItemsRequest, items: &Items) -> PageLinks {
        let version = request.version.version();
        let offset = request.offset;
        let limit = request.limit as u64;
        let last = request.limit.wrapping_sub(1);
        PageLinks {
            items_url: api_url(state, &format!("/collections/{}/items", ds.id)),
            collection_url: api_url(state, &format!("/collections/{}", ds.id)),
            format: request.format,
            kept: request.kept.clone(),
            this: request.cursor.clone(),
            next: Cursor {
                version,
                offset: offset + limit,
                start: items.ends.get(last).copied(),
                after: items
                    .keys
                    .as_ref()
                    .filter(|keys| last < keys.num_rows())
                    .and_then(|keys| keyset::encode(keys, last)),
            },
            // Counted from the first page: going back is rarer than going on.
            prev: (offset > 0).then(|| Cursor {
                version,
                offset: offset.saturating_sub(limit),
                start: None,
                after: None,
            }),
        }
    }

    /// This page in `format`.
    pub fn this_as(&self, format: Format) -> String {
        self.href(self.this.as_ref(), Some(format))
    }

    /// The page at `cursor`, in `format` (`None`: as the request named it, if it did).
    fn href(&self, cursor: Option<&Cursor>, format: Option<Format>) -> String {
        let mut pairs: Vec<(String, String)> = self
            .kept
            .iter()
            .filter(|(k, _)| format.is_none() || k != "f")
            .cloned()
            .collect();
        if let Some(f) = format {
            pairs.push(("f".into(), f.token().into()));
        }
        if let Some(c) = cursor {
            pairs.push(("cursor".into(), c.encode()));
        }
        with_query(&self.items_url, pairs)
    }

    /// Self, the page in every other encoding, the collection, and next/prev where they exist.
    pub fn links(&self, has_more: bool) -> Vec<Link> {
        let media = self.format.content_type();
        let mut links = vec![Link::full(
            self.href(self.this.as_ref(), None),
            "self",
            media,
            "This page",
        )];
        for other in FEATURE_FORMATS.iter().filter(|f| **f != self.format) {
            links.push(Link::full(
                self.href(self.this.as_ref(), Some(*other)),
                "alternate",
                other.content_type(),
                format!("This page as {}", other.title()),
            ));
        }
        links.push(Link::full(
            &self.collection_url,
            "collection",
            JSON,
            "The collection",
        ));
        if has_more {
            links.push(Link::full(
                self.href(Some(&self.next), None),
                "next",
                media,
                "Next page",
            ));
        }
        if let Some(prev) = &self.prev {
            links.push(Link::full(
                self.href(Some(prev), None),
                "prev",
                media,
                "Previous page",
            ));
        }
        links
    }
}

/// `url` with `pairs` as its query string (none when empty).
fn with_query(url: &str, pairs: Vec<(String, String)>) -> String {
    if pairs.is_empty() {
        return url.to_owned();
    }
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{url}?{query}")
}

/// `Content-Crs` (Part 2): the CRS of the geometries in the response, as `<uri>`.
fn content_crs(crs: Crs) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static("content-crs"),
        HeaderValue::from_str(&format!("<{}>", crs.uri())).expect("URIs are header-safe"),
    )
}

/// Content type and `Content-Crs` of a feature response.
fn with_headers(mut response: Response, format: Format, crs: Crs) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let (name, value) = content_crs(crs);
    headers.insert(name, value);
    response
}

/// Published names of the temporal columns, for JSON-FG's `time`.
fn time_columns(v: &DatasetVersion) -> Option<(String, Option<String>)> {
    v.manifest
        .temporal
        .as_ref()
        .map(|t| (t.start.clone(), t.end.clone()))
}

/// A page of features as a response: streamed for JSON, read first for CSV, FlatGeobuf and HTML.
pub async fn page_response(
    state: &AppState,
    ds: &Dataset,
    request: &ItemsRequest,
    links: PageLinks,
    output: Output,
    items: Items,
) -> Result<Response, ApiError> {
    let version = &request.version;
    // A page that holds the last match needs no count: the matches are those before it and
    // its own (the read asked for one more than the page, so a full page is never complete).
    let number_matched = match items.complete {
        true => Some(request.offset + items.ends.len() as u64),
        false => state.engine.number_matched(version, &request.query).await?,
    };
    let stream = in_frames(items.stream);
    let limit = request.limit;
    if request.format == Format::Html {
        let (batches, has_more) = read_page(stream, limit).await?;
        return items_page(
            state,
            ds,
            request,
            &links,
            has_more,
            &batches,
            number_matched,
        );
    }
    let response = match request.format {
        Format::Csv | Format::FlatGeobuf => {
            // The links go in the `Link` header, before the rows: `next` is left out only where
            // the engine has read the page already and no row follows it; otherwise it may lead
            // to an empty page.
            let has_more = items.rows.is_none_or(|rows| rows > limit);
            let count = items.rows.map(|rows| rows.min(limit));
            let body = tabular_body(
                stream,
                limit,
                output,
                version.clone(),
                ds.id.as_str(),
                count,
            );
            let mut response = Body::from_stream(body).into_response();
            let header_links: Vec<Link> = links
                .links(has_more)
                .into_iter()
                .filter(|l| l.rel != "alternate")
                .collect();
            if let Ok(v) = HeaderValue::from_str(&Link::header_value(&header_links)) {
                response.headers_mut().insert(header::LINK, v);
            }
            response
        }
        _ => {
            let trailer = move |returned: usize, has_more: bool| -> Vec<u8> {
                let mut tail = json!({
                    "numberReturned": returned,
                    "timeStamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "links": links.links(has_more),
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
            let header = match request.format {
                Format::JsonFg => format!(
                    "{{\"type\":\"FeatureCollection\",\"conformsTo\":[\"{JSONFG_CORE}\"],\"featureType\":{},\"coordRefSys\":\"{}\",\"features\":[",
                    serde_json::to_string(ds.id.as_str()).expect("strings serialise"),
                    request.crs.uri()
                ),
                _ => "{\"type\":\"FeatureCollection\",\"features\":[".to_owned(),
            };
            let features = PageFeatures {
                output,
                collection: ds.id.as_str().to_owned(),
                time: time_columns(version),
            };
            let body = page_body(stream, limit, header, features, Box::new(trailer));
            Body::from_stream(body).into_response()
        }
    };
    Ok(with_headers(response, request.format, request.crs))
}

/// One feature as a response, with its links.
pub fn feature_response(
    state: &AppState,
    ds: &Dataset,
    feature_id: &str,
    request: &FeatureRequest,
    output: Output,
    batch: RecordBatch,
) -> Result<Response, ApiError> {
    let format = request.format;
    let feature_url = api_url(
        state,
        &format!("/collections/{}/items/{}", ds.id, path_segment(feature_id)),
    );
    let href = |f: Format| {
        let mut pairs = request.kept.clone();
        if f != format || request.explicit_format {
            pairs.push(("f".into(), f.token().into()));
        }
        with_query(&feature_url, pairs)
    };
    let mut links = vec![Link::full(
        href(format),
        "self",
        format.content_type(),
        "This feature",
    )];
    for other in FEATURE_FORMATS.iter().filter(|f| **f != format) {
        links.push(Link::full(
            href(*other),
            "alternate",
            other.content_type(),
            format!("This feature as {}", other.title()),
        ));
    }
    links.push(Link::full(
        api_url(state, &format!("/collections/{}", ds.id)),
        "collection",
        JSON,
        "The collection",
    ));
    let internal = |e: &dyn std::fmt::Display| ApiError::Internal(e.to_string());
    if format == Format::Html {
        return feature_page(state, ds, feature_id, request, &links, &batch);
    }
    let body = match format {
        Format::Csv | Format::FlatGeobuf => {
            tabular_bytes(batch.slice(0, 1), output, &request.version, ds.id.as_str())?
        }
        _ => {
            let prepared = output.prepare(batch).map_err(|e| internal(&e))?;
            let time = time_columns(&request.version);
            let features = JsonFeatures {
                output,
                collection: ds.id.as_str(),
                time: time.as_ref().map(|(s, e)| (s.as_str(), e.as_deref())),
            };
            let links = serde_json::to_string(&links).map_err(|e| internal(&e))?;
            let mut extra = format!(",\"links\":{links}");
            if format == Format::JsonFg {
                extra.push_str(&format!(
                    ",\"conformsTo\":[\"{JSONFG_CORE}\"],\"coordRefSys\":\"{}\"",
                    request.crs.uri()
                ));
            }
            let mut out = Vec::new();
            features
                .write(&prepared, 1, true, extra.as_bytes(), &mut out)
                .map_err(|e| internal(&e))?;
            out
        }
    };
    Ok(with_headers(body.into_response(), format, request.crs))
}

/// The frame of the pages below a collection, ending in `last`.
fn collection_chrome(
    state: &AppState,
    ds: &Dataset,
    lang: Lang,
    path: &str,
    raw: Option<&str>,
    title: &str,
    last: &str,
) -> Chrome {
    let ui = crate::html::ui::for_lang(lang);
    Chrome::new(state, lang, path, raw, title)
        .crumb("API", Some("/ogc/v1?f=html"))
        .crumb(ui.collections, Some("/ogc/v1/collections?f=html"))
        .crumb(
            lang.pick(&ds.title),
            Some(&format!("{BASE_PATH}/collections/{}?f=html", ds.id)),
        )
        .crumb(last, None)
}

/// A page of features as HTML: a map of the page's features (loaded as GeoJSON) and a table.
fn items_page(
    state: &AppState,
    ds: &Dataset,
    request: &ItemsRequest,
    links: &PageLinks,
    has_more: bool,
    batches: &[RecordBatch],
    number_matched: Option<u64>,
) -> Result<Response, ApiError> {
    let lang = request.lang;
    let ui = crate::html::ui::for_lang(lang);
    let path = format!("{BASE_PATH}/collections/{}/items", ds.id);
    let title = format!("{}: {}", lang.pick(&ds.title), ui.features.to_lowercase());
    let mut chrome = collection_chrome(
        state,
        ds,
        lang,
        &path,
        request.raw.as_deref(),
        &title,
        ui.features,
    );
    for other in FEATURE_FORMATS.iter().filter(|f| **f != Format::Html) {
        chrome = chrome.alternate(*other, links.this_as(*other));
    }
    let item_href = |id: &str| chrome.href(&format!("{path}/{}?f=html", path_segment(id)));
    let table = FeatureTable::new(Some(ds), batches, lang, item_href)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let spatial = request.version.has_geometry();
    let content = html::ItemsContent {
        table,
        links: links.links(has_more),
        geojson_href: links.this_as(Format::GeoJson),
        number_matched,
        offset: request.offset,
        spatial,
    };
    let mut page = html::items(state, chrome, ds, content);
    if let Some(map) = page.map.as_mut() {
        map.single_page = true;
    }
    respond(lang, &page)
}

/// One feature as HTML: its map and its properties.
fn feature_page(
    state: &AppState,
    ds: &Dataset,
    feature_id: &str,
    request: &FeatureRequest,
    links: &[Link],
    batch: &RecordBatch,
) -> Result<Response, ApiError> {
    let lang = request.lang;
    let path = format!(
        "{BASE_PATH}/collections/{}/items/{}",
        ds.id,
        path_segment(feature_id)
    );
    let title = format!("{}: {feature_id}", lang.pick(&ds.title));
    let mut chrome = collection_chrome(
        state,
        ds,
        lang,
        &path,
        request.raw.as_deref(),
        &title,
        feature_id,
    );
    for l in links.iter().filter(|l| l.rel == "alternate") {
        if let Some(f) = FEATURE_FORMATS
            .iter()
            .find(|f| Some(f.content_type()) == l.media_type)
            && *f != Format::Html
        {
            chrome = chrome.alternate(*f, l.href.clone());
        }
    }
    let geojson = links
        .iter()
        .find(|l| l.media_type == Some(Format::GeoJson.content_type()))
        .map(|l| l.href.clone())
        .unwrap_or_default();
    let table = FeatureTable::new(Some(ds), &[batch.slice(0, 1)], lang, |_| String::new())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let spatial = request.version.has_geometry();
    respond(
        lang,
        &html::feature(state, chrome, ds, spatial, table, geojson),
    )
}

/// Rows encoded and sent at a time: a page's body is written slice by slice, never whole.
const FRAME_ROWS: usize = 1000;

/// `stream` with its batches cut into slices of at most [`FRAME_ROWS`] rows (cheap: slices share
/// the batch's buffers).
fn in_frames(stream: SendableRecordBatchStream) -> SendableRecordBatchStream {
    let schema = stream.schema();
    let sliced = stream.flat_map(|batch| {
        let slices: Vec<_> = match batch {
            Ok(b) => (0..b.num_rows())
                .step_by(FRAME_ROWS)
                .map(|at| Ok(b.slice(at, FRAME_ROWS.min(b.num_rows() - at))))
                .collect(),
            Err(e) => vec![Err(e)],
        };
        futures::stream::iter(slices)
    });
    Box::pin(RecordBatchStreamAdapter::new(schema, sliced))
}

/// Reads the rows of a page: at most `limit`, and whether more follow.
async fn read_page(
    mut stream: SendableRecordBatchStream,
    limit: usize,
) -> Result<(Vec<RecordBatch>, bool), ApiError> {
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

/// One feature as CSV or FlatGeobuf.
fn tabular_bytes(
    batch: RecordBatch,
    output: Output,
    v: &DatasetVersion,
    name: &str,
) -> Result<Vec<u8>, ApiError> {
    let internal = |e: &dyn std::fmt::Display| ApiError::Internal(e.to_string());
    let batch = output.prepare(batch).map_err(|e| internal(&e))?;
    let encoder = Tabular::new(output, v, name, &batch.schema(), Some(batch.num_rows()));
    let mut out = encoder.header.clone();
    encoder.write(&batch, &mut out).map_err(|e| internal(&e))?;
    Ok(out)
}

/// A CSV or FlatGeobuf encoder, with its header.
struct Tabular {
    header: Vec<u8>,
    encoder: TabularEncoder,
}

enum TabularEncoder {
    Csv(crate::encode::csv::CsvEncoder),
    Fgb(FgbEncoder),
}

impl Tabular {
    /// For rows of `schema`; `count` goes in a FlatGeobuf header where it is known.
    fn new(
        output: Output,
        v: &DatasetVersion,
        name: &str,
        schema: &arrow::datatypes::Schema,
        count: Option<usize>,
    ) -> Tabular {
        let mut header = Vec::new();
        let encoder = match output.format {
            Format::Csv => {
                let encoder = super::formats::csv_encoder(schema, &output);
                encoder.write_header(&mut header);
                TabularEncoder::Csv(encoder)
            }
            _ => {
                let encoder = FgbEncoder::new(schema);
                let count = count.unwrap_or(0) as u64;
                encoder.write_header(&fgb_header(output, v, name, count), &mut header);
                TabularEncoder::Fgb(encoder)
            }
        };
        Tabular { header, encoder }
    }

    fn write(
        &self,
        batch: &RecordBatch,
        out: &mut Vec<u8>,
    ) -> Result<(), crate::encode::geojson::EncodeError> {
        match &self.encoder {
            TabularEncoder::Csv(e) => e.write_batch(batch, out),
            TabularEncoder::Fgb(e) => e.write_batch(batch, batch.num_rows(), out),
        }
    }
}

/// A CSV or FlatGeobuf page as a stream: the header with the first rows, then each batch as it
/// arrives, at most `limit` rows in all; no page is held whole. `count`: the page's rows, where
/// known (for FlatGeobuf's header; 0 there means unknown). An error after the first byte ends
/// the body early, as for JSON pages.
fn tabular_body(
    stream: SendableRecordBatchStream,
    limit: usize,
    output: Output,
    v: std::sync::Arc<DatasetVersion>,
    name: &str,
    count: Option<usize>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + use<> {
    struct State {
        stream: SendableRecordBatchStream,
        left: usize,
        encoder: Option<Tabular>,
        done: bool,
    }
    let name = name.to_owned();
    let state = State {
        stream,
        left: limit,
        encoder: None,
        done: false,
    };
    futures::stream::unfold(state, move |mut s| {
        let (v, name) = (v.clone(), name.clone());
        async move {
            let fail = |e: &dyn std::fmt::Display| {
                tracing::error!(error = %e, "writing a page failed");
                Err(std::io::Error::other(e.to_string()))
            };
            while !s.done {
                let batch = match s.stream.next().await {
                    Some(Ok(batch)) => batch,
                    Some(Err(e)) => {
                        s.done = true;
                        return Some((fail(&e), s));
                    }
                    None => {
                        s.done = true;
                        // No rows: the header alone, from the stored columns.
                        return match s.encoder {
                            Some(_) => None,
                            None => Some((Ok(Bytes::from(empty_tabular(output, &v, &name))), s)),
                        };
                    }
                };
                let rows = batch.num_rows().min(s.left);
                if rows == 0 {
                    s.done = s.left == 0;
                    continue;
                }
                s.left -= rows;
                let prepared = match output.prepare(batch.slice(0, rows)) {
                    Ok(b) => b,
                    Err(e) => {
                        s.done = true;
                        return Some((fail(&e), s));
                    }
                };
                let encoder = s.encoder.get_or_insert_with(|| {
                    Tabular::new(output, &v, &name, &prepared.schema(), count)
                });
                let mut out = std::mem::take(&mut encoder.header);
                if let Err(e) = encoder.write(&prepared, &mut out) {
                    s.done = true;
                    return Some((fail(&e), s));
                }
                return Some((Ok(Bytes::from(out)), s));
            }
            // The page is full: the engine's extra row is not written, and nothing is read on.
            None
        }
    })
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

fn empty_tabular(output: Output, v: &DatasetVersion, name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let schema = v.schema();
    let fields: Vec<_> = schema
        .fields()
        .iter()
        .filter(|f| f.name() != BBOX_COLUMN)
        .cloned()
        .collect();
    let schema = arrow::datatypes::Schema::new(fields);
    match output.format {
        Format::Csv => super::formats::csv_encoder(&schema, &output).write_header(&mut out),
        _ => FgbEncoder::new(&schema).write_header(&fgb_header(output, v, name, 0), &mut out),
    }
    out
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
    fn encode(&self, batch: RecordBatch, rows: usize, first: bool) -> Result<Vec<u8>, String> {
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
                    let trailer = page.trailer.take()?;
                    return Some((Ok(Bytes::from(trailer(page.returned, page.has_more))), page));
                }
            }
        }
    })
}
