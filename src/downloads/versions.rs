//! `/datasets/{id}/versions`: the kept versions of a dataset, newest first, each with its change
//! summary and downloads.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::{dataset, download_links, kept_versions, no_version};
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::link::Link;
use crate::http::media::{Format, negotiate};
use crate::store::Manifest;

const JSON: &str = "application/json";

fn version_json(base: &str, m: &Manifest, current: Option<u64>) -> Value {
    json!({
        "dataset": m.dataset,
        "version": m.version,
        "current": Some(m.version) == current,
        "created": m.created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "rows": m.row_count,
        "extent": m.geometry.as_ref().and_then(|g| g.bbox),
        "changes": m.changes,
        "downloads": download_links(base, m, Some(m.version)),
        "links": [
            Link::new(format!("{base}/datasets/{}/versions/{}", m.dataset, m.version), "self")
                .typed(JSON),
            Link::new(format!("{base}/datasets/{}/versions", m.dataset), "collection").typed(JSON),
        ],
    })
}

/// `/datasets/{id}/versions/{v}`: one kept version.
pub async fn one(
    State(state): State<SharedState>,
    Path((dataset_id, version)): Path<(String, String)>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let ds = dataset(&state, &dataset_id, q.as_deref())?;
    negotiate(None, &headers, &[Format::Json])?;
    let store = state.engine.store();
    let m = version
        .parse::<u64>()
        .ok()
        .filter(|v| store.version_dir(&ds.id, *v).is_dir())
        .and_then(|v| store.manifest(&ds.id, v).ok())
        .ok_or_else(|| no_version(ds, &version))?;
    let current = store.current_version(&ds.id)?;
    Ok(Json(version_json(&state.settings.public_url, &m, current)))
}

pub async fn list(
    State(state): State<SharedState>,
    Path(dataset_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let ds = dataset(&state, &dataset_id, q.as_deref())?;
    negotiate(None, &headers, &[Format::Json])?;
    let store = state.engine.store();
    let current = store.current_version(&ds.id)?;
    let base = &state.settings.public_url;
    let mut versions = Vec::new();
    for v in kept_versions(&state, ds)?.into_iter().rev() {
        // A version removed by retention between listing and reading is simply not listed.
        let Ok(m) = store.manifest(&ds.id, v) else {
            continue;
        };
        versions.push(version_json(base, &m, current));
    }
    let url = |p: &str| format!("{base}/datasets/{}{p}", ds.id);
    Ok(Json(json!({
        "dataset": ds.id,
        "current": current,
        "versions": versions,
        "links": [
            Link::new(url("/versions"), "self").typed(JSON),
            Link::full(
                url("/feed.atom"),
                "alternate",
                Format::Atom.content_type(),
                "Atom feed of the versions",
            ),
            Link::new(url(""), "describedby").titled("The dataset"),
        ],
    })))
}
