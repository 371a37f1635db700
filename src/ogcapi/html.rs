//! The OGC API's HTML representations (the Part 1 HTML conformance class): landing page,
//! conformance, collections, one collection, a page of items and one feature, and the API
//! definition as a readable reference. Handlers choose HTML by `f=html` or a browser's `Accept`
//! and hand the same data the JSON is made of to these builders.

use askama::Template;
use serde_json::Value;

use super::CONFORMANCE;
use crate::catalog::Dataset;
use crate::engine::DatasetVersion;
use crate::html::table::{ColumnRow, FeatureTable, Header, column_rows};
use crate::html::{Chrome, Fact, MapView};
use crate::http::AppState;
use crate::http::link::Link;

/// A link shown on a page, with a line saying what it is.
pub struct PageLink {
    pub label: String,
    pub href: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "ogc/landing.html")]
pub struct LandingPage {
    pub chrome: Chrome,
    pub description: String,
    pub links: Vec<PageLink>,
}

pub fn landing(state: &AppState, chrome: Chrome) -> LandingPage {
    let ui = chrome.ui;
    let link = |label: &str, path: &str, note: &str| PageLink {
        label: label.to_owned(),
        href: chrome.href(path),
        note: note.to_owned(),
    };
    let links = vec![
        link(ui.collections, "/ogc/v1/collections?f=html", ""),
        link(ui.api_reference, "/ogc/v1/api?f=html", ""),
        link(ui.conformance, "/ogc/v1/conformance?f=html", ""),
    ];
    LandingPage {
        description: chrome.lang.pick(&state.catalog.description).to_owned(),
        chrome,
        links,
    }
}

#[derive(Template)]
#[template(path = "ogc/conformance.html")]
pub struct ConformancePage {
    pub chrome: Chrome,
    pub classes: &'static [&'static str],
}

pub fn conformance(chrome: Chrome) -> ConformancePage {
    ConformancePage {
        chrome,
        classes: CONFORMANCE,
    }
}

/// A collection in the list of collections.
pub struct CollectionRow {
    pub title: String,
    pub href: String,
    pub description: String,
    pub features: String,
    pub kind: &'static str,
}

#[derive(Template)]
#[template(path = "ogc/collections.html")]
pub struct CollectionsPage {
    pub chrome: Chrome,
    pub rows: Vec<CollectionRow>,
}

pub fn collections<'a>(
    chrome: Chrome,
    served: impl Iterator<Item = (&'a Dataset, std::sync::Arc<DatasetVersion>)>,
) -> CollectionsPage {
    let lang = chrome.lang;
    let rows = served
        .map(|(ds, v)| CollectionRow {
            title: lang.pick(&ds.title).to_owned(),
            href: chrome.href(&format!("/ogc/v1/collections/{}?f=html", ds.id)),
            description: lang.pick(&ds.description).to_owned(),
            features: crate::html::thousands(v.manifest.row_count, lang),
            kind: kind_label(&v, chrome.ui),
        })
        .collect();
    CollectionsPage { chrome, rows }
}

/// "with geometry (MultiPolygon)" or "table".
fn kind_label(v: &DatasetVersion, ui: &crate::html::Ui) -> &'static str {
    if v.manifest.geometry.is_some() {
        ui.with_geometry
    } else {
        ui.table_only
    }
}

#[derive(Template)]
#[template(path = "ogc/collection.html")]
pub struct CollectionPage {
    pub chrome: Chrome,
    pub description: String,
    pub facts: Vec<crate::html::Fact>,
    pub map: Option<MapView>,
    pub columns: Vec<ColumnRow>,
    pub links: Vec<PageLink>,
}

pub fn collection(
    state: &AppState,
    chrome: Chrome,
    ds: &Dataset,
    v: &DatasetVersion,
) -> CollectionPage {
    let lang = chrome.lang;
    let ui = chrome.ui;
    let m = &v.manifest;
    let id = ds.id.as_str();
    let mut facts = vec![
        Fact::new(
            ui.number_of_features,
            crate::html::thousands(m.row_count, lang),
        ),
        Fact::new(ui.kind, kind_label(v, ui)),
        Fact::new(ui.licence, ds.licence.title),
        Fact::dutch(ui.attribution, &ds.attribution, lang),
        Fact::new(ui.version, m.version.to_string()),
        Fact::new(
            ui.modified,
            m.created.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
    ];
    if let Some(bbox) = m.geometry.as_ref().and_then(|g| g.bbox) {
        facts.push(Fact::new(ui.spatial_extent, crate::html::format_bbox(bbox)));
    }
    if let Some(t) = &m.temporal {
        facts.push(Fact::new(
            ui.temporal_extent,
            crate::html::format_interval(t),
        ));
    }
    let map = m.geometry.as_ref().map(|g| {
        MapView::new(
            state,
            &chrome,
            state.url(&format!("/ogc/v1/collections/{id}/items?f=json&limit=1000")),
            format!("{} {}", ui.map_of, lang.pick(&ds.title)),
        )
        .attribution(&ds.attribution)
        .extent(g.bbox)
    });
    let link = |label: &str, path: String| PageLink {
        label: label.to_owned(),
        href: chrome.href(&path),
        note: String::new(),
    };
    let links = vec![
        link(
            ui.view_features,
            format!("/ogc/v1/collections/{id}/items?f=html"),
        ),
        link(ui.about, format!("/datasets/{id}")),
        link(
            ui.queryables,
            format!("/ogc/v1/collections/{id}/queryables"),
        ),
        link(ui.schema, format!("/ogc/v1/collections/{id}/schema")),
    ];
    CollectionPage {
        description: lang.pick(&ds.description).to_owned(),
        facts,
        map,
        columns: column_rows(ds, &v.manifest, lang),
        links,
        chrome,
    }
}

#[derive(Template)]
#[template(path = "ogc/items.html")]
pub struct ItemsPage {
    pub chrome: Chrome,
    pub map: Option<MapView>,
    pub table: FeatureTable,
    pub caption: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// What a page of features shows.
pub struct ItemsContent {
    pub table: FeatureTable,
    /// The page's links (next/prev are taken from them).
    pub links: Vec<Link>,
    /// This page as GeoJSON, for the map.
    pub geojson_href: String,
    pub number_matched: Option<u64>,
    /// Features before this page.
    pub offset: u64,
    pub spatial: bool,
}

/// A page of features.
pub fn items(state: &AppState, chrome: Chrome, ds: &Dataset, content: ItemsContent) -> ItemsPage {
    let ItemsContent {
        table,
        links,
        geojson_href,
        number_matched,
        offset,
        spatial,
    } = content;
    let lang = chrome.lang;
    let ui = chrome.ui;
    let find = |rel: &str| links.iter().find(|l| l.rel == rel).map(|l| l.href.clone());
    let shown = table.rows.len() as u64;
    let range = if shown == 0 {
        "0".to_owned()
    } else {
        format!("{}–{}", offset + 1, offset + shown)
    };
    let caption = match number_matched {
        Some(n) => format!(
            "{}: {} {range} {} {}",
            ui.items_caption,
            ui.showing.to_lowercase(),
            ui.of,
            crate::html::thousands(n, lang)
        ),
        None => format!(
            "{}: {} {range}",
            ui.items_caption,
            ui.showing.to_lowercase()
        ),
    };
    let map = spatial.then(|| {
        MapView::new(
            state,
            &chrome,
            geojson_href,
            format!("{} {}", ui.map_of, lang.pick(&ds.title)),
        )
        .attribution(&ds.attribution)
    });
    ItemsPage {
        map,
        table,
        caption,
        prev: find("prev"),
        next: find("next"),
        chrome,
    }
}

/// One property of a feature, for the feature page.
pub struct PropertyRow {
    pub header: Header,
    pub value: String,
}

#[derive(Template)]
#[template(path = "ogc/feature.html")]
pub struct FeaturePage {
    pub chrome: Chrome,
    pub map: Option<MapView>,
    pub properties: Vec<PropertyRow>,
}

pub fn feature(
    state: &AppState,
    chrome: Chrome,
    ds: &Dataset,
    spatial: bool,
    table: FeatureTable,
    geojson_href: String,
) -> FeaturePage {
    let label = format!("{} {}", chrome.ui.map_of, chrome.title);
    let map = spatial
        .then(|| MapView::new(state, &chrome, geojson_href, label).attribution(&ds.attribution));
    let properties = table
        .headers
        .into_iter()
        .zip(
            table
                .rows
                .into_iter()
                .next()
                .map(|r| r.cells)
                .unwrap_or_default(),
        )
        .map(|(header, value)| PropertyRow { header, value })
        .collect();
    FeaturePage {
        chrome,
        map,
        properties,
    }
}

/// An operation of the API reference page.
pub struct Operation {
    pub method: &'static str,
    pub path: String,
    pub summary: String,
    pub parameters: Vec<Parameter>,
}

pub struct Parameter {
    pub name: String,
    pub location: String,
    pub required: bool,
    pub description: String,
}

#[derive(Template)]
#[template(path = "ogc/api.html")]
pub struct ApiPage {
    pub chrome: Chrome,
    pub version: String,
    pub operations: Vec<Operation>,
    pub json_href: String,
}

/// The OpenAPI document as a reference page: every path, its operations and their parameters.
pub fn api(chrome: Chrome, document: &Value, json_href: String) -> ApiPage {
    let mut operations = Vec::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post"] {
                let Some(op) = item.get(method) else { continue };
                let parameters = op["parameters"]
                    .as_array()
                    .map(|ps| {
                        ps.iter()
                            .map(|p| Parameter {
                                name: p["name"].as_str().unwrap_or_default().to_owned(),
                                location: p["in"].as_str().unwrap_or_default().to_owned(),
                                required: p["required"].as_bool().unwrap_or(false),
                                description: p["description"]
                                    .as_str()
                                    .unwrap_or_default()
                                    .to_owned(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                operations.push(Operation {
                    method: if method == "get" { "GET" } else { "POST" },
                    path: path.clone(),
                    summary: op["summary"].as_str().unwrap_or_default().to_owned(),
                    parameters,
                });
            }
        }
    }
    ApiPage {
        version: document["info"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        chrome,
        operations,
        json_href,
    }
}
