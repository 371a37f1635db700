//! `/locate`: "what is here?" for a spot given as lon/lat, as RD New x/y, or found by a place
//! name: every spatial collection's features that contain it, and the nearest features of the
//! point collections with their geodesic distance. HTML or JSON by negotiation; a click on any
//! map lands here. New collections appear without code: polygons are asked "contains", points
//! "nearest", and place names come from the columns the catalog marks `searchable`.

use std::sync::Arc;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures::TryStreamExt;
use futures::future::join_all;
use serde::Serialize;

use crate::catalog::Dataset;
use crate::crs::{Crs, transform_point};
use crate::engine::accent::strip_accents;
use crate::engine::locate::Found;
use crate::engine::{DatasetVersion, ItemsQuery};
use crate::html::{self, Chrome, MapView};
use crate::http::error::ApiError;
use crate::http::link::Link;
use crate::http::media::{Format, negotiate};
use crate::http::negotiate::Lang;
use crate::http::params::QueryParams;
use crate::http::{AppState, SharedState};
use crate::store::layout::{GEOMETRY_COLUMN, ID_COLUMN};

const PARAMETERS: &[&str] = &["lon", "lat", "x", "y", "q", "f"];
/// Features per collection: containing ones, and nearest ones.
const CONTAINING: usize = 5;
const NEAREST: usize = 3;
const PLACES: usize = 10;

/// A feature in the answer.
#[derive(Serialize)]
pub struct FeatureRef {
    pub id: String,
    pub label: Option<String>,
    #[serde(rename = "distanceMetres", skip_serializing_if = "Option::is_none")]
    pub distance: Option<u32>,
    pub href: String,
}

/// A collection's features in the answer.
#[derive(Serialize)]
pub struct Group {
    pub collection: String,
    pub title: String,
    pub features: Vec<FeatureRef>,
    /// The version the features were found in (for their geometry in GeoJSON).
    #[serde(skip)]
    pub version: Option<Arc<DatasetVersion>>,
}

/// A place found by name.
#[derive(Serialize)]
pub struct Place {
    pub name: String,
    pub collection: String,
    pub title: String,
    pub lon: f64,
    pub lat: f64,
    pub href: String,
}

#[derive(Serialize)]
struct Answer<'a> {
    spot: Option<Spot>,
    places: &'a [Place],
    within: &'a [Group],
    nearby: &'a [Group],
    #[serde(rename = "nearbyRadiusMetres")]
    radius: f64,
    /// The Atom feed of changes around the spot.
    follow: Option<String>,
}

#[derive(Serialize, Clone, Copy)]
pub struct Spot {
    pub lon: f64,
    pub lat: f64,
}

#[derive(Template)]
#[template(path = "web/locate.html")]
struct LocatePage {
    chrome: Chrome,
    q: String,
    lon: String,
    lat: String,
    spot: Option<Spot>,
    places: Vec<Place>,
    within: Vec<Group>,
    nearby: Vec<Group>,
    radius: String,
    follow: Option<String>,
    map: MapView,
    searched: bool,
}

pub async fn locate(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = QueryParams::parse(raw.as_deref(), PARAMETERS)?;
    let format = negotiate(
        params.get("f"),
        &headers,
        &[Format::Json, Format::Html, Format::GeoJson],
    )?;
    let lang = params.lang(&headers);
    let html = format == Format::Html;
    let q = params.get("q").unwrap_or("").trim().to_owned();
    let places = if q.is_empty() {
        Vec::new()
    } else {
        search_places(&state, &q, lang, html).await?
    };
    let spot = match spot_of(&params)? {
        Some(s) => Some(s),
        None => places.first().map(|p| Spot {
            lon: p.lon,
            lat: p.lat,
        }),
    };
    let (within, nearby) = match spot {
        Some(s) => what_is_here(&state, s, lang, html).await?,
        None => (Vec::new(), Vec::new()),
    };
    let follow = spot.map(|s| {
        // About a kilometre around the spot.
        let (dlon, dlat) = (0.0075, 0.0045);
        state.url(&format!(
            "/feeds/datasets.atom?bbox={:.5},{:.5},{:.5},{:.5}",
            s.lon - dlon,
            s.lat - dlat,
            s.lon + dlon,
            s.lat + dlat
        ))
    });
    let radius = state.settings.nearby_metres;
    if format == Format::GeoJson {
        return geojson(&state, &within, &nearby, lang).await;
    }
    if !html {
        let answer = Answer {
            spot,
            places: &places,
            within: &within,
            nearby: &nearby,
            radius,
            follow,
        };
        return crate::http::json_response(&answer, Format::Json);
    }
    let ui = html::ui::for_lang(lang);
    let chrome = Chrome::new(&state, lang, "/locate", raw.as_deref(), ui.locate)
        .crumb(ui.locate, None)
        .alternate(Format::Json, {
            let mut url = state.url("/locate?f=json");
            if let Some(s) = spot {
                url.push_str(&format!("&lon={:.6}&lat={:.6}", s.lon, s.lat));
            }
            url
        });
    let mut map = MapView::new(
        &state,
        &chrome,
        String::new(),
        ui.locate_map_label.to_owned(),
    );
    map.extent = Some(match spot {
        Some(s) => format!(
            "{},{},{},{}",
            s.lon - 0.01,
            s.lat - 0.006,
            s.lon + 0.01,
            s.lat + 0.006
        ),
        None => "4.79,51.96,5.63,52.31".to_owned(),
    });
    map.marker = spot.map(|s| format!("{:.6},{:.6}", s.lon, s.lat));
    if let Some(s) = spot {
        // What was found, drawn from the GeoJSON of this same answer.
        map.features = html::with_lang(
            &state.url("/locate"),
            Some(&format!("f=geojson&lon={:.6}&lat={:.6}", s.lon, s.lat)),
            lang,
        );
        map.locate = Some(chrome.href("/locate"));
    }
    let page = LocatePage {
        searched: !q.is_empty(),
        q,
        lon: spot.map(|s| format!("{:.6}", s.lon)).unwrap_or_default(),
        lat: spot.map(|s| format!("{:.6}", s.lat)).unwrap_or_default(),
        spot,
        places,
        within,
        nearby,
        radius: html::thousands(radius as u64, lang),
        follow,
        map,
        chrome,
    };
    html::respond(lang, &page)
}

/// The answer as GeoJSON for the map: the areas and the nearby features with their geometry,
/// each with its collection, label, distance and a link to its page.
async fn geojson(
    state: &AppState,
    within: &[Group],
    nearby: &[Group],
    lang: Lang,
) -> Result<Response, ApiError> {
    let decimals = state.settings.coordinate_decimals;
    let mut out = b"{\"type\":\"FeatureCollection\",\"features\":[".to_vec();
    let mut first = true;
    // The same area in several collections (municipalities and their key figures) is drawn once.
    let mut drawn = std::collections::HashSet::new();
    for group in within.iter().chain(nearby) {
        let Some(v) = &group.version else { continue };
        for f in &group.features {
            let Some(batch) = state.engine.feature(v, &f.id).await? else {
                continue;
            };
            let Some(wkb) = batch
                .column_by_name(GEOMETRY_COLUMN)
                .and_then(|c| crate::geom::WkbColumn::new(c.as_ref()))
                .and_then(|c| c.get(0).map(<[u8]>::to_vec))
            else {
                continue;
            };
            if !drawn.insert(wkb.clone()) {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            let id = serde_json::to_string(&format!("{}/{}", group.collection, f.id))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            out.extend_from_slice(
                format!("{{\"type\":\"Feature\",\"id\":{id},\"geometry\":").as_bytes(),
            );
            crate::geom::geojson::write_geometry(&wkb, decimals, &mut out)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let page = html::with_lang(&f.href, Some("f=html"), lang);
            let properties = serde_json::json!({
                "collection": group.title,
                "name": f.label.as_deref().unwrap_or(&f.id),
                "distanceMetres": f.distance,
            });
            let links = [Link::full(
                page,
                "alternate",
                "text/html",
                "The feature's page",
            )];
            let links =
                serde_json::to_string(&links).map_err(|e| ApiError::Internal(e.to_string()))?;
            out.extend_from_slice(
                format!(",\"properties\":{properties},\"links\":{links}}}").as_bytes(),
            );
        }
    }
    out.extend_from_slice(b"]}");
    let mut response = axum::response::IntoResponse::into_response(out);
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(Format::GeoJson.content_type()),
    );
    Ok(response)
}

/// The spot from `lon`/`lat` (CRS84) or `x`/`y` (RD New); `None` when neither is given.
fn spot_of(p: &QueryParams) -> Result<Option<Spot>, ApiError> {
    let number = |name: &str| -> Result<Option<f64>, ApiError> {
        p.get(name)
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| {
                        ApiError::InvalidParameter(format!("{name} `{v}` is not a number"))
                    })
            })
            .transpose()
    };
    let pair = |a: &str, b: &str| -> Result<Option<(f64, f64)>, ApiError> {
        match (number(a)?, number(b)?) {
            (Some(x), Some(y)) => Ok(Some((x, y))),
            (None, None) => Ok(None),
            _ => Err(ApiError::InvalidParameter(format!(
                "give both {a} and {b}, e.g. {a}=5.1214&{b}=52.0907"
            ))),
        }
    };
    if let Some((lon, lat)) = pair("lon", "lat")? {
        if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
            return Err(ApiError::InvalidParameter(format!(
                "lon {lon}, lat {lat} is not a position (lon -180 to 180, lat -90 to 90)"
            )));
        }
        return Ok(Some(Spot { lon, lat }));
    }
    if let Some((x, y)) = pair("x", "y")? {
        // RD New is defined for the Netherlands and a margin around it.
        if !(-7_000.0..=300_000.0).contains(&x) || !(289_000.0..=629_000.0).contains(&y) {
            return Err(ApiError::InvalidParameter(format!(
                "x {x}, y {y} is not in the Netherlands in RD New (EPSG:28992), e.g. x=136000&y=455900"
            )));
        }
        let (lon, lat) = transform_point(Crs::Epsg28992, Crs::Crs84, x, y)
            .map_err(|e| ApiError::InvalidParameter(e.to_string()))?;
        return Ok(Some(Spot { lon, lat }));
    }
    Ok(None)
}

/// The column that names a dataset's features: its first searchable column, else the first
/// column whose name says it is a name.
fn label_column(ds: &Dataset, v: &DatasetVersion) -> Option<String> {
    ds.searchable.first().cloned().or_else(|| {
        v.manifest
            .columns
            .iter()
            .find(|c| {
                let n = c.name.to_lowercase();
                c.data_type == "Utf8" && (n.contains("naam") || n.contains("name"))
            })
            .map(|c| c.name.clone())
    })
}

/// Whether a version holds only points (asked "nearest") rather than areas ("contains").
fn is_points(v: &DatasetVersion) -> bool {
    v.manifest
        .geometry
        .as_ref()
        .is_some_and(|g| g.types.iter().all(|t| t == "Point" || t == "MultiPoint"))
}

/// The features at and near `spot` in every served spatial collection, in catalog order.
async fn what_is_here(
    state: &AppState,
    spot: Spot,
    lang: Lang,
    html: bool,
) -> Result<(Vec<Group>, Vec<Group>), ApiError> {
    let radius = state.settings.nearby_metres;
    let spatial: Vec<(&Dataset, Arc<DatasetVersion>)> = state
        .served_datasets()
        .filter_map(|ds| Some((ds, state.engine.current(&ds.id)?)))
        .filter(|(_, v)| v.has_geometry())
        .collect();
    let asked = spatial.iter().map(|(ds, v)| async move {
        let label = label_column(ds, v);
        let found = if is_points(v) {
            state
                .engine
                .nearest(v, spot.lon, spot.lat, radius, label.as_deref(), NEAREST)
                .await
        } else {
            state
                .engine
                .containing(v, spot.lon, spot.lat, label.as_deref(), CONTAINING)
                .await
        };
        (is_points(v), found)
    });
    let mut within = Vec::new();
    let mut nearby = Vec::new();
    for ((ds, v), (points, found)) in spatial.iter().zip(join_all(asked).await) {
        let found = found?;
        if found.is_empty() {
            continue;
        }
        let group = Group {
            collection: ds.id.to_string(),
            title: lang.pick(&ds.title).to_owned(),
            version: Some(v.clone()),
            features: found
                .into_iter()
                .map(|f| feature_ref(state, ds, f, points, lang, html))
                .collect(),
        };
        if points {
            nearby.push(group);
        } else {
            within.push(group);
        }
    }
    Ok((within, nearby))
}

fn feature_ref(
    state: &AppState,
    ds: &Dataset,
    f: Found,
    points: bool,
    lang: Lang,
    html: bool,
) -> FeatureRef {
    let mut href = state.url(&format!(
        "/ogc/v1/collections/{}/items/{}",
        ds.id,
        crate::http::path_segment(&f.id)
    ));
    if html {
        href = html::with_lang(&href, Some("f=html"), lang);
    }
    FeatureRef {
        id: f.id,
        label: f.label,
        distance: points.then_some(f.metres.round() as u32),
        href,
    }
}

/// Places whose name matches `q` (case- and accent-insensitive): exact names first, then names
/// that start with it, then names with a word that does; shorter names first within each.
async fn search_places(
    state: &AppState,
    q: &str,
    lang: Lang,
    html: bool,
) -> Result<Vec<Place>, ApiError> {
    if q.chars().count() > 100 {
        return Err(ApiError::InvalidParameter(
            "q is longer than 100 characters".into(),
        ));
    }
    let needle = fold(q);
    let mut matches: Vec<Match> = Vec::new();
    for ds in state.served_datasets().filter(|d| !d.searchable.is_empty()) {
        let Some(v) = state.engine.current(&ds.id) else {
            continue;
        };
        let query = ItemsQuery {
            properties: Some(ds.searchable.clone()),
            skip_geometry: true,
            limit: 1_000_000,
            ..ItemsQuery::default()
        };
        let batches: Vec<arrow::array::RecordBatch> = state
            .engine
            .items(&v, &query)
            .await?
            .stream
            .try_collect()
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        for b in &batches {
            let ids = text_column(b, ID_COLUMN);
            for column in &ds.searchable {
                for (i, name) in text_column(b, column).into_iter().enumerate() {
                    let (Some(name), Some(Some(id))) = (name, ids.get(i)) else {
                        continue;
                    };
                    if let Some(rank) = rank(&fold(&name), &needle) {
                        matches.push((rank, name.chars().count(), ds, v.clone(), id.clone(), name));
                    }
                }
            }
        }
    }
    matches.sort_by(|a, b| (a.0, a.1, &a.5).cmp(&(b.0, b.1, &b.5)));
    matches.truncate(PLACES);
    let mut places = Vec::new();
    for (_, _, ds, v, id, name) in matches {
        let Some(batch) = state.engine.feature(&v, &id).await? else {
            continue;
        };
        let Some((lon, lat)) = interior_point(&batch) else {
            continue;
        };
        let mut href = state.url(&format!("/locate?lon={lon:.6}&lat={lat:.6}"));
        if html {
            href = format!("{href}&lang={}", lang.code());
        }
        places.push(Place {
            name,
            collection: ds.id.to_string(),
            title: lang.pick(&ds.title).to_owned(),
            lon,
            lat,
            href,
        });
    }
    Ok(places)
}

/// A name that matches: (rank, length, dataset, version, feature id, name).
type Match<'a> = (u8, usize, &'a Dataset, Arc<DatasetVersion>, String, String);

/// 0: the name is `needle`; 1: it starts with it; 2: one of its words does.
fn rank(name: &str, needle: &str) -> Option<u8> {
    if name == needle {
        Some(0)
    } else if name.starts_with(needle) {
        Some(1)
    } else if name
        .match_indices(needle)
        .any(|(i, _)| name[..i].ends_with(|c: char| !c.is_alphanumeric()))
    {
        Some(2)
    } else {
        None
    }
}

fn fold(text: &str) -> String {
    strip_accents(&text.to_lowercase())
}

/// A column's values as text.
fn text_column(b: &arrow::array::RecordBatch, name: &str) -> Vec<Option<String>> {
    use arrow::array::Array;
    use arrow::util::display::{ArrayFormatter, FormatOptions};
    let Some(column) = b.column_by_name(name) else {
        return Vec::new();
    };
    let Ok(f) = ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default()) else {
        return Vec::new();
    };
    (0..b.num_rows())
        .map(|i| column.is_valid(i).then(|| f.value(i).to_string()))
        .collect()
}

/// A point inside the feature's geometry (its own position for a point).
fn interior_point(batch: &arrow::array::RecordBatch) -> Option<(f64, f64)> {
    use geo::InteriorPoint;
    let column = crate::geom::WkbColumn::new(batch.column_by_name(GEOMETRY_COLUMN)?.as_ref())?;
    let geometry = crate::geom::to_geo::to_geo(column.get(0)?).ok()??;
    let p = geometry.interior_point()?;
    Some((p.x(), p.y()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_rank_exact_then_prefix_then_word() {
        assert_eq!(rank("utrecht", "utrecht"), Some(0));
        assert_eq!(rank("utrecht centraal", "utrecht"), Some(1));
        assert_eq!(rank("nieuwegein-zuid", "zuid"), Some(2));
        assert_eq!(rank("de bilt", "bil"), Some(2));
        assert_eq!(rank("zuidbroek", "broek"), None);
        assert_eq!(fold("Ée"), "ee");
    }
}
