//! The catalog and dataset pages for people (the HTML representations of `/catalog` and
//! `/datasets/{id}`): catalog search with facets, and a dataset page with its description,
//! map, columns, downloads, versions, examples, feed and, for statistics, its indicators.

use askama::Template;
use serde_json::json;

use super::graph::{Entry, Urls};
use super::indicators::IndicatorView;
use super::search::{Facet, FacetValue, Search};
use super::vocab::{DOWNLOADS, data_theme_labels, frequency_labels};
use crate::html::{Chrome, Fact, MapView, byte_size, json_for_script, thousands};
use crate::http::AppState;
use crate::http::negotiate::Lang;
use crate::store::Manifest;

/// A dataset in the search results.
pub struct Result {
    pub title: String,
    pub href: String,
    pub summary: String,
    pub modified: String,
    pub kind: &'static str,
    pub not_public: bool,
    pub map: Option<MapView>,
}

/// A facet with its values, as a group of radio buttons.
pub struct FacetGroup {
    pub parameter: &'static str,
    pub label: &'static str,
    pub values: Vec<FacetValue>,
    pub any_chosen: bool,
}

#[derive(Template)]
#[template(path = "dcat/catalog.html")]
pub struct CatalogPage {
    pub chrome: Chrome,
    pub q: String,
    pub facets: Vec<FacetGroup>,
    pub results: Vec<Result>,
    pub filtered: bool,
}

fn facet_label(facet: Facet, ui: &crate::html::Ui) -> &'static str {
    match facet {
        Facet::Theme => ui.theme,
        Facet::Keyword => ui.keywords,
        Facet::Format => ui.format,
        Facet::Kind => ui.kind,
        Facet::Licence => ui.licence,
    }
}

pub fn catalog_page(
    state: &AppState,
    chrome: Chrome,
    entries: &[Entry],
    search: &Search,
) -> CatalogPage {
    let lang = chrome.lang;
    let ui = chrome.ui;
    let facets = Facet::ALL
        .iter()
        .map(|f| FacetGroup {
            parameter: f.parameter(),
            label: facet_label(*f, ui),
            values: search.counts(entries, *f, lang),
            any_chosen: search.chosen(*f).is_some(),
        })
        .collect();
    let results = entries
        .iter()
        .filter(|e| search.matches(e))
        .map(|e| {
            let d = e.dataset;
            let extent = e.manifest.geometry.as_ref().and_then(|g| g.bbox);
            Result {
                title: lang.pick(&d.title).to_owned(),
                href: chrome.href(&format!("/datasets/{}", d.id)),
                summary: lang.pick(&d.description).to_owned(),
                modified: e.manifest.created.format("%Y-%m-%d").to_string(),
                kind: if extent.is_some() {
                    ui.spatial
                } else {
                    ui.non_spatial
                },
                not_public: !d.is_public(),
                map: extent.map(|b| {
                    MapView::new(
                        state,
                        &chrome,
                        String::new(),
                        format!("{} {}", ui.spatial_extent, lang.pick(&d.title)),
                    )
                    .extent(Some(b))
                    .small()
                }),
            }
        })
        .collect();
    CatalogPage {
        q: search.q.clone(),
        filtered: !search.is_empty(),
        facets,
        results,
        chrome,
    }
}

/// A download row.
pub struct Download {
    pub label: String,
    pub href: String,
    pub media_type: &'static str,
    pub size: String,
    pub sha256: String,
}

/// A version row.
pub struct VersionRow {
    pub version: u64,
    pub created: String,
    pub changes: String,
    pub current: bool,
    pub href: String,
}

/// A copy-ready example.
pub struct Example {
    pub id: String,
    pub title: &'static str,
    pub code: String,
}

#[derive(Template)]
#[template(path = "dcat/dataset.html")]
pub struct DatasetPage {
    pub chrome: Chrome,
    pub description: String,
    pub public: bool,
    pub facts: Vec<crate::html::Fact>,
    pub licence: (String, String),
    pub map: Option<MapView>,
    pub items_href: String,
    pub collection_href: String,
    pub columns: Vec<crate::html::table::ColumnRow>,
    pub downloads: Vec<Download>,
    pub versions: Vec<VersionRow>,
    pub examples: Vec<Example>,
    pub feed: String,
    pub indicators: Option<IndicatorView>,
    pub indicator_map: Option<MapView>,
    pub indicator_action: String,
}

/// The dataset page. `versions` are the stored versions' manifests, newest first.
pub fn dataset_page(
    state: &AppState,
    mut chrome: Chrome,
    e: &Entry,
    versions: &[Manifest],
    indicators: Option<IndicatorView>,
) -> DatasetPage {
    let lang = chrome.lang;
    let ui = chrome.ui;
    let d = e.dataset;
    let m = e.manifest;
    let id = d.id.as_str();
    let urls = Urls::new(&state.settings.public_url);
    let (theme_nl, theme_en) = data_theme_labels(d.theme.code());
    let (freq_nl, freq_en) = frequency_labels(d.update_frequency.code());
    let (rights_nl, rights_en) = d.dcat.access_rights.labels();
    let publisher = &state.catalog.publisher.name;
    let creator = d.dcat.creator.as_ref();
    let mut facts = vec![
        Fact::new(ui.publisher, publisher),
        Fact::new(ui.source, creator.map_or(publisher, |c| &c.name)),
        Fact::dutch(ui.attribution, &d.attribution, lang),
        Fact::new(ui.access_rights, lang.text(rights_nl, rights_en)),
        Fact::new(ui.update_frequency, lang.text(freq_nl, freq_en)),
        Fact::new(ui.modified, m.created.format("%Y-%m-%d").to_string()),
        Fact::new(ui.version, m.version.to_string()),
        Fact::new(ui.number_of_features, thousands(m.row_count, lang)),
        Fact::new(ui.theme, lang.text(theme_nl, theme_en)),
        Fact::dutch(ui.keywords, d.keywords.join(", "), lang),
    ];
    let extent = m.geometry.as_ref().and_then(|g| g.bbox);
    if let Some(b) = extent {
        facts.push(Fact::new(ui.spatial_extent, crate::html::format_bbox(b)));
    }
    if let Some(t) = &m.temporal {
        facts.push(Fact::new(
            ui.temporal_extent,
            crate::html::format_interval(t),
        ));
    }
    let public = d.is_public();
    let map = (public && m.geometry.is_some()).then(|| {
        MapView::new(
            state,
            &chrome,
            urls.collection(id) + "/items?f=json&limit=1000",
            format!("{} {}", ui.map_of, lang.pick(&d.title)),
        )
        .attribution(&d.attribution)
        .extent(extent)
    });
    let indicator_map = indicators.as_ref().and_then(|view| {
        let v = state.engine.current(&view.map.id)?;
        let mut map = MapView::new(
            state,
            &chrome,
            urls.collection(view.map.id.as_str()) + "/items?f=json&limit=1000",
            format!(
                "{}{}",
                view.chosen.label,
                if view.chosen.unit.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", view.chosen.unit)
                }
            ),
        )
        .attribution(&view.map.attribution)
        .extent(v.manifest.geometry.as_ref().and_then(|g| g.bbox));
        map.choropleth = Some(view.chosen.name.clone());
        Some(map)
    });
    let downloads = if public {
        DOWNLOADS
            .iter()
            .filter(|f| f.offered(m))
            .map(|f| {
                let (size, sha256) = f
                    .stored(m)
                    .map(|(bytes, sha)| (byte_size(bytes, lang), sha))
                    .unwrap_or_default();
                Download {
                    label: format!("{} (.{})", f.name, f.ext()),
                    href: urls.download(id, f.ext()),
                    media_type: f.media_type.unwrap_or("application/octet-stream"),
                    size,
                    sha256,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let version_rows = versions
        .iter()
        .map(|v| VersionRow {
            version: v.version,
            created: v.created.format("%Y-%m-%d %H:%M").to_string(),
            changes: v
                .changes
                .as_ref()
                .map(|c| crate::html::change_text(c, lang))
                .unwrap_or_default(),
            current: v.version == m.version,
            href: state.url(&format!("/datasets/{id}/versions/{}", v.version)),
        })
        .collect();
    let examples = if public {
        examples(state, id, m)
    } else {
        Vec::new()
    };
    if public {
        chrome.json_ld = Some(json_for_script(&schema_org(state, e, &urls, lang)));
    }
    DatasetPage {
        description: lang.pick(&d.description).to_owned(),
        public,
        facts,
        licence: (d.licence.title.to_owned(), d.licence.uri.to_owned()),
        map,
        items_href: chrome.href(&format!("/ogc/v1/collections/{id}/items?f=html")),
        collection_href: chrome.href(&format!("/ogc/v1/collections/{id}?f=html")),
        columns: crate::html::table::column_rows(d, m, lang),
        downloads,
        versions: version_rows,
        examples,
        feed: state.url(&format!("/datasets/{id}/feed.atom")),
        indicators,
        indicator_map,
        indicator_action: urls.dataset(id),
        chrome,
    }
}

/// curl, Python and SQL examples that work as they are.
fn examples(state: &AppState, id: &str, m: &Manifest) -> Vec<Example> {
    let base = &state.settings.public_url;
    let items = format!("{base}/ogc/v1/collections/{id}/items");
    let mut list = vec![
        Example {
            id: "curl-ogc".into(),
            title: "curl: OGC API Features",
            code: format!("curl '{items}?limit=10'"),
        },
        Example {
            id: "curl-sql".into(),
            title: "curl: SQL",
            code: format!("curl '{base}/sql/v1' --data-binary 'SELECT * FROM {id} LIMIT 10'"),
        },
    ];
    if m.geometry.is_some() {
        list.push(Example {
            id: "geopandas".into(),
            title: "Python: GeoPandas",
            code: format!(
                "import geopandas as gpd\n\ngdf = gpd.read_file(\"{base}/datasets/{id}/download.parquet\")\nprint(gdf.head())"
            ),
        });
    } else {
        list.push(Example {
            id: "pandas".into(),
            title: "Python: pandas",
            code: format!(
                "import pandas as pd\n\ndf = pd.read_parquet(\"{base}/datasets/{id}/download.parquet\")\nprint(df.head())"
            ),
        });
    }
    list.push(Example {
        id: "owslib".into(),
        title: "Python: OWSLib",
        code: format!(
            "from owslib.ogcapi.features import Features\n\napi = Features(\"{base}/ogc/v1\")\npage = api.collection_items(\"{id}\", limit=10)\nprint(page[\"numberReturned\"])"
        ),
    });
    list
}

/// schema.org `Dataset` for dataset search engines.
fn schema_org(state: &AppState, e: &Entry, urls: &Urls, lang: Lang) -> serde_json::Value {
    let d = e.dataset;
    let m = e.manifest;
    let id = d.id.as_str();
    let distributions: Vec<_> = DOWNLOADS
        .iter()
        .filter(|f| f.offered(m))
        .map(|f| {
            json!({
                "@type": "DataDownload",
                "encodingFormat": f.media_type.unwrap_or("application/octet-stream"),
                "contentUrl": urls.download(id, f.ext()),
            })
        })
        .collect();
    let mut v = json!({
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": urls.dataset(id),
        "url": urls.dataset(id),
        "name": lang.pick(&d.title),
        "description": lang.pick(&d.description),
        "inLanguage": lang.code(),
        "keywords": d.keywords,
        "license": d.licence.uri,
        "isAccessibleForFree": true,
        "dateModified": m.created.to_rfc3339(),
        "creditText": d.attribution,
        "publisher": {
            "@type": "Organization",
            "name": state.catalog.publisher.name,
            "url": state.catalog.homepage,
        },
        "distribution": distributions,
    });
    if let Some([a, b, c, dd]) = m.geometry.as_ref().and_then(|g| g.bbox) {
        // schema.org boxes are "south west north east" (lat lon lat lon).
        v["spatialCoverage"] = json!({
            "@type": "Place",
            "geo": { "@type": "GeoShape", "box": format!("{b} {a} {dd} {c}") },
        });
    }
    if let Some(t) = &m.temporal {
        v["temporalCoverage"] = json!(format!(
            "{}/{}",
            t.interval[0].as_deref().unwrap_or(".."),
            t.interval[1].as_deref().unwrap_or("..")
        ));
    }
    v
}
