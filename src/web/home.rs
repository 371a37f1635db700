//! The home page: what the site offers, where to start, and every dataset.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::html::{self, Chrome};
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::params::QueryParams;

/// A dataset in a list of datasets.
pub struct DatasetCard {
    pub title: String,
    pub summary: String,
    pub href: String,
    pub modified: String,
    pub features: String,
    pub spatial: bool,
}

#[derive(Template)]
#[template(path = "web/home.html")]
struct HomePage {
    chrome: Chrome,
    cards: Vec<DatasetCard>,
}

pub async fn home(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let lang = QueryParams::parse(q.as_deref(), &[])?.lang(&headers);
    let chrome = Chrome::new(&state, lang, "/", q.as_deref(), "");
    let cards = state
        .served_datasets()
        .filter_map(|ds| {
            let v = state.engine.current(&ds.id)?;
            let m = &v.manifest;
            Some(DatasetCard {
                title: lang.pick(&ds.title).to_owned(),
                summary: lang.pick(&ds.description).to_owned(),
                href: chrome.href(&format!("/datasets/{}", ds.id)),
                modified: m.created.format("%Y-%m-%d").to_string(),
                features: html::thousands(m.row_count, lang),
                spatial: m.geometry.is_some(),
            })
        })
        .collect();
    html::respond(lang, &HomePage { chrome, cards })
}
