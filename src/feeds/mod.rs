//! Atom feeds (RFC 4287) of dataset versions, in the style of INSPIRE Atom download feeds:
//! `/feeds/datasets.atom` (every kept version of every served, i.e. public, dataset, newest
//! first) and `/datasets/{id}/feed.atom`. Each entry is one version: what changed (added, removed,
//! changed features), where (`georss:polygon` of the change extent) and its downloads
//! (`rel="alternate"` links with type and length). `?bbox=minLon,minLat,maxLon,maxLat` keeps only
//! versions whose change extent intersects the box (a first version: its whole extent).

mod atom;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::DateTime;
use sha2::{Digest, Sha256};

use crate::catalog::Dataset;
use crate::downloads::file;
use crate::geom::Bbox;
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::lookup::{self, Noun};
use crate::http::media::{Format, negotiate};
use crate::http::negotiate::Lang;
use crate::http::params::{self, QueryParams};
use crate::store::Manifest;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/feeds/datasets.atom", get(all_datasets))
        .route("/datasets/{dataset_id}/feed.atom", get(one_dataset))
        .layer(crate::downloads::compression())
}

/// One entry: a version of a dataset.
pub struct Entry<'a> {
    pub dataset: &'a Dataset,
    pub manifest: Manifest,
}

async fn all_datasets(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let bbox = parse_query(&headers, q.as_deref())?;
    let mut entries = Vec::new();
    for ds in state.served_datasets() {
        entries.extend(versions_of(&state, ds, bbox)?);
    }
    let feed = atom::Feed {
        self_url: feed_url(&state, "/feeds/datasets.atom", q.as_deref()),
        title: state.catalog.title.clone(),
        dataset: None,
    };
    respond(&state, &headers, feed, entries)
}

async fn one_dataset(
    State(state): State<SharedState>,
    Path(dataset_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let ds = lookup::public(&state, &dataset_id, Noun::Dataset)?;
    let bbox = parse_query(&headers, q.as_deref())?;
    let entries = versions_of(&state, ds, bbox)?;
    let feed = atom::Feed {
        self_url: feed_url(
            &state,
            &format!("/datasets/{}/feed.atom", ds.id),
            q.as_deref(),
        ),
        title: ds.title.clone(),
        dataset: Some(ds),
    };
    respond(&state, &headers, feed, entries)
}

fn parse_query(headers: &HeaderMap, q: Option<&str>) -> Result<Option<Bbox>, ApiError> {
    negotiate(None, headers, &[Format::Atom])?;
    let params = QueryParams::parse(q, &["bbox"])?;
    params.get("bbox").map(params::bbox).transpose()
}

fn feed_url(state: &SharedState, path: &str, q: Option<&str>) -> String {
    match q {
        Some(q) if !q.is_empty() => format!("{}{path}?{q}", state.settings.public_url),
        _ => format!("{}{path}", state.settings.public_url),
    }
}

/// The kept versions of a dataset whose changes touch `bbox` (all when `None`).
fn versions_of<'a>(
    state: &SharedState,
    ds: &'a Dataset,
    bbox: Option<Bbox>,
) -> Result<Vec<Entry<'a>>, ApiError> {
    let store = state.engine.store();
    let versions = store.versions(&ds.id)?;
    let mut entries = Vec::new();
    for v in versions {
        // Removed by retention since it was listed: not in the feed.
        let Ok(manifest) = store.manifest(&ds.id, v) else {
            continue;
        };
        if bbox.is_none_or(|b| touches(&manifest, b)) {
            entries.push(Entry {
                dataset: ds,
                manifest,
            });
        }
    }
    Ok(entries)
}

/// Whether a version's changes lie (partly) inside the box. Without a recorded summary (a
/// manifest from before summaries existed) the version's whole extent counts.
fn touches(m: &Manifest, b: Bbox) -> bool {
    let extent = match &m.changes {
        Some(c) => c.extent,
        None => m.geometry.as_ref().and_then(|g| g.bbox),
    };
    let Some([minx, miny, maxx, maxy]) = extent else {
        return false;
    };
    let x_overlap = if b.minx <= b.maxx {
        maxx >= b.minx && minx <= b.maxx
    } else {
        // Crosses the antimeridian.
        maxx >= b.minx || minx <= b.maxx
    };
    x_overlap && maxy >= b.miny && miny <= b.maxy
}

fn respond(
    state: &SharedState,
    headers: &HeaderMap,
    feed: atom::Feed,
    mut entries: Vec<Entry>,
) -> Result<Response, ApiError> {
    // Newest first; versions of one dataset by number when written in the same instant.
    entries.sort_by(|a, b| {
        (b.manifest.created, b.manifest.version).cmp(&(a.manifest.created, a.manifest.version))
    });
    let lang = Lang::from_headers(headers);
    let xml = atom::write(state, lang, &feed, &entries)
        .map_err(|e| ApiError::Internal(format!("writing a feed: {e}")))?;
    // Feed readers poll: a validator over the document lets them do so with a 304.
    let etag = format!("W/\"{:x}\"", Sha256::digest(xml.as_bytes()));
    let modified = entries
        .iter()
        .map(|e| e.manifest.created)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let mut response = if file::not_modified(headers, &etag, modified) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        xml.into_response()
    };
    let h = response.headers_mut();
    file::validators(h, &etag, modified);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_filter_uses_the_change_extent() {
        let mut m: Manifest = serde_json::from_value(serde_json::json!({
            "dataset": "x", "version": 2, "created": "2026-11-28T12:00:00Z", "checksum": "",
            "source": {"path": "", "layer": "", "driver": "", "crs": null},
            "row_count": 1, "data_bytes": 1, "data_sha256": "", "id_column": "id",
            "id_type": "integer", "geometry": {"column": "geometry", "types": [], "bbox": [4.0, 51.0, 6.0, 53.0]},
            "temporal": null, "columns": []
        }))
        .expect("an old manifest still loads");
        let b = |minx, miny, maxx, maxy| Bbox {
            minx,
            miny,
            maxx,
            maxy,
        };
        assert!(
            touches(&m, b(5.0, 52.0, 5.1, 52.1)),
            "old manifest: whole extent"
        );
        m.changes = Some(crate::store::ChangeSummary {
            previous: Some(1),
            changed: 1,
            extent: Some([4.9, 51.9, 5.0, 52.0]),
            ..Default::default()
        });
        assert!(!touches(&m, b(5.1, 52.1, 5.2, 52.2)));
        assert!(touches(&m, b(4.95, 51.95, 5.5, 52.5)));
        assert!(
            touches(&m, b(4.95, 51.95, -170.0, 52.5)),
            "antimeridian box"
        );
        m.changes.as_mut().unwrap().extent = None;
        assert!(
            !touches(&m, b(-180.0, -90.0, 180.0, 90.0)),
            "nothing changed"
        );
    }
}
