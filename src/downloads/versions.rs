//! `/datasets/{id}/versions`: the kept versions of a dataset, newest first, each with its change
//! summary and downloads.

use askama::Template;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{dataset, download_links, kept_versions, no_version};
use crate::html::Chrome;
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::link::Link;
use crate::http::lookup::{self, Noun};
use crate::http::media::{Format, negotiate};
use crate::http::params::QueryParams;
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

/// A kept version in the HTML list.
struct VersionRow {
    version: u64,
    current: bool,
    created: String,
    rows: String,
    changes: String,
    downloads: Vec<(&'static str, String, String)>,
}

#[derive(Template)]
#[template(path = "downloads/versions.html")]
struct VersionsPage {
    chrome: Chrome,
    versions: Vec<VersionRow>,
    feed: String,
}

pub async fn list(
    State(state): State<SharedState>,
    Path(dataset_id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let params = QueryParams::parse(q.as_deref(), &["f"])?;
    let ds = lookup::public(&state, &dataset_id, Noun::Dataset)?;
    let format = negotiate(params.get("f"), &headers, &[Format::Json, Format::Html])?;
    let store = state.engine.store();
    let current = store.current_version(&ds.id)?;
    let base = &state.settings.public_url;
    let mut manifests = Vec::new();
    for v in kept_versions(&state, ds)?.into_iter().rev() {
        // A version removed by retention between listing and reading is simply not listed.
        let Ok(m) = store.manifest(&ds.id, v) else {
            continue;
        };
        manifests.push(m);
    }
    if format == Format::Html {
        let lang = params.lang(&headers);
        let ui = crate::html::ui::for_lang(lang);
        let path = format!("/datasets/{}/versions", ds.id);
        let title = format!("{}: {}", lang.pick(&ds.title), ui.versions.to_lowercase());
        let chrome = Chrome::new(&state, lang, &path, q.as_deref(), &title)
            .crumb(ui.catalog, Some("/catalog"))
            .crumb(lang.pick(&ds.title), Some(&format!("/datasets/{}", ds.id)))
            .crumb(ui.versions, None)
            .alternate(Format::Json, state.url(&format!("{path}?f=json")));
        let versions = manifests
            .iter()
            .map(|m| VersionRow {
                version: m.version,
                current: Some(m.version) == current,
                created: m.created.format("%Y-%m-%d %H:%M UTC").to_string(),
                rows: crate::html::thousands(m.row_count, lang),
                changes: m
                    .changes
                    .as_ref()
                    .map(|c| crate::html::change_text(c, lang))
                    .unwrap_or_default(),
                downloads: download_links(base, m, Some(m.version))
                    .into_iter()
                    .map(|d| {
                        let size = d
                            .length
                            .map(|b| crate::html::byte_size(b, lang))
                            .unwrap_or_default();
                        (d.format, d.href, size)
                    })
                    .collect(),
            })
            .collect();
        let page = VersionsPage {
            chrome,
            versions,
            feed: state.url(&format!("/datasets/{}/feed.atom", ds.id)),
        };
        return crate::html::respond(lang, &page);
    }
    let versions: Vec<Value> = manifests
        .iter()
        .map(|m| version_json(base, m, current))
        .collect();
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
            Link::full(url("/versions?f=html"), "alternate", "text/html", "This list as HTML"),
        ],
    }))
    .into_response())
}
