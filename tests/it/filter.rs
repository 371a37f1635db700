//! CQL2 `filter` through the real router, each result checked against OGR's own attribute or
//! spatial filter on the source file (an independent engine), or a brute-force pass.

use std::collections::HashSet;

use gdal::vector::LayerAccess;
use serde_json::Value;

use crate::common::*;

/// Ids of source features that OGR selects with `where` and an optional spatial filter (WKT).
fn ogr_keys(
    source: &str,
    key: &[&str],
    where_: Option<&str>,
    spatial_wkt: Option<&str>,
) -> HashSet<String> {
    // Open as the catalog does: CSV columns typed by GDAL's detection.
    let options: &[&str] = if source.ends_with(".csv") {
        &["AUTODETECT_TYPE=YES"]
    } else {
        &[]
    };
    let ds = gdal::Dataset::open_ex(
        shared_data().join(source),
        gdal::DatasetOptions {
            open_flags: gdal::GdalOpenFlags::GDAL_OF_VECTOR,
            open_options: Some(options),
            ..Default::default()
        },
    )
    .unwrap();
    let mut layer = ds.layer(0).unwrap();
    if let Some(w) = where_ {
        layer.set_attribute_filter(w).unwrap();
    }
    if let Some(wkt) = spatial_wkt {
        layer.set_spatial_filter(&gdal::vector::Geometry::from_wkt(wkt).unwrap());
    }
    layer
        .features()
        .map(|f| {
            key.iter()
                .map(|k| {
                    f.field_as_string(f.field_index(k).unwrap())
                        .unwrap()
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
                .join(":")
        })
        .collect()
}

async fn served_ids(
    state: &ontsluit::SharedState,
    collection: &str,
    filter: &str,
    lang: &str,
) -> HashSet<String> {
    let url = format!(
        "/ogc/v1/collections/{collection}/items?limit=10000&filter-lang={lang}&filter={}",
        url_encode(filter)
    );
    let (features, _) = all_pages(state, &url).await;
    features
        .iter()
        .map(|f| match &f["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

const STATS: &str = "statistics/cbs_kwb_gemeente_indicators_nlstat.csv";
const LIGHTS: &str = "other/utrecht_stad_lichtmasten_2015_wgs84.geojson";
const MUNICIPALITIES: &str = "boundaries/utrecht_provincie_gemeenten_2022_wgs84.geojson";
const PARKING: &str = "layers/nl_rdw_parkeerfaciliteiten_spdp_2025_wgs84.geojson";

#[tokio::test]
async fn comparison_like_between_in_match_ogr() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(
        dir.path(),
        &["kerncijfers_gemeenten", "gemeenten", "parkeerfaciliteiten"],
    )
    .await;
    // (collection, CQL2 text on published names, OGR SQL where on source names, source, key)
    let cases: &[(&str, &str, &str, &str, &[&str])] = &[
        (
            "kerncijfers_gemeenten",
            "inwoners > 100000",
            "Population > 100000",
            STATS,
            &["statcode"],
        ),
        (
            "kerncijfers_gemeenten",
            "inwoners >= 20000 AND inwoners < 30000 OR Provincie = 'Utrecht'",
            "(Population >= 20000 AND Population < 30000) OR Provincie = 'Utrecht'",
            STATS,
            &["statcode"],
        ),
        (
            "kerncijfers_gemeenten",
            "NOT (Provincie <> 'Zeeland')",
            "Provincie = 'Zeeland'",
            STATS,
            &["statcode"],
        ),
        (
            "kerncijfers_gemeenten",
            "inwoners BETWEEN 50000 AND 60000",
            "Population BETWEEN 50000 AND 60000",
            STATS,
            &["statcode"],
        ),
        (
            "kerncijfers_gemeenten",
            "Provincie IN ('Utrecht', 'Flevoland')",
            "Provincie IN ('Utrecht', 'Flevoland')",
            STATS,
            &["statcode"],
        ),
        (
            "kerncijfers_gemeenten",
            "\"Environment: District heating (%)\" IS NULL",
            "\"Environment: District heating (%)\" IS NULL",
            STATS,
            &["statcode"],
        ),
        (
            "gemeenten",
            "statnaam LIKE 'B%'",
            "statnaam LIKE 'B%'",
            MUNICIPALITIES,
            &["statcode"],
        ),
        (
            "parkeerfaciliteiten",
            "capacity_total > 1000 AND is_paid = true",
            "capacity_total > 1000 AND is_paid = 1",
            PARKING,
            &["id", "operator"],
        ),
    ];
    for (collection, cql, where_, source, key) in cases {
        let expected = ogr_keys(source, key, Some(where_), None);
        let got = served_ids(&state, collection, cql, "cql2-text").await;
        assert_eq!(got, expected, "{collection}: {cql}");
        assert!(!expected.is_empty(), "{cql} selects nothing: a weak test");
    }
}

#[tokio::test]
async fn case_insensitive_arithmetic_and_property_property() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten", "kerncijfers_gemeenten"]).await;
    let got = served_ids(
        &state,
        "gemeenten",
        "CASEI(statnaam) = casei('UTRECHTSE HEUVELRUG')",
        "cql2-text",
    )
    .await;
    let heuvelrug = ogr_keys(
        MUNICIPALITIES,
        &["statcode"],
        Some("statnaam = 'Utrechtse Heuvelrug'"),
        None,
    );
    assert_eq!(heuvelrug.len(), 1);
    assert_eq!(got, heuvelrug);
    let expected = ogr_keys(STATS, &["statcode"], Some("Population * 2 > 400000"), None);
    assert_eq!(
        served_ids(
            &state,
            "kerncijfers_gemeenten",
            "inwoners * 2 > 400000",
            "cql2-text"
        )
        .await,
        expected
    );
    let expected = ogr_keys(
        STATS,
        &["statcode"],
        Some("\"_poverty_pct\" > \"_unemp_pct\" * 4"),
        None,
    );
    let got = served_ids(
        &state,
        "kerncijfers_gemeenten",
        "\"_poverty_pct\" > \"_unemp_pct\" * 4",
        "cql2-text",
    )
    .await;
    assert_eq!(got, expected);
    assert!(!expected.is_empty());
}

#[tokio::test]
async fn spatial_filters_match_ogr_and_json_equals_text() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["lichtmasten", "gemeenten"]).await;
    let polygon = "POLYGON((5.11 52.08,5.13 52.08,5.13 52.095,5.11 52.08))";
    let expected = ogr_keys(LIGHTS, &["STRAAT", "MASTNUMMER"], None, Some(polygon));
    assert!(expected.len() > 10);
    let text = served_ids(
        &state,
        "lichtmasten",
        &format!("S_INTERSECTS(geometry, {polygon})"),
        "cql2-text",
    )
    .await;
    assert_eq!(text, expected);
    let json = serde_json::json!({"op": "s_intersects", "args": [{"property": "geometry"},
        {"type": "Polygon", "coordinates": [[[5.11, 52.08], [5.13, 52.08], [5.13, 52.095], [5.11, 52.08]]]}]});
    assert_eq!(
        served_ids(&state, "lichtmasten", &json.to_string(), "cql2-json").await,
        expected
    );
    // Municipalities that contain the Dom tower, and those a line crosses.
    let dom = served_ids(
        &state,
        "gemeenten",
        "S_CONTAINS(geometry, POINT(5.1214 52.0907))",
        "cql2-text",
    )
    .await;
    assert_eq!(dom, HashSet::from(["GM0344".to_owned()]));
    let line = "LINESTRING(5.0 52.05, 5.4 52.15)";
    let expected = ogr_keys(MUNICIPALITIES, &["statcode"], None, Some(line));
    assert_eq!(
        served_ids(
            &state,
            "gemeenten",
            &format!("S_INTERSECTS(geometry, {line})"),
            "cql2-text"
        )
        .await,
        expected
    );
    let disjoint = served_ids(
        &state,
        "gemeenten",
        &format!("S_DISJOINT(geometry, {line})"),
        "cql2-text",
    )
    .await;
    assert_eq!(disjoint.len() + expected.len(), 26);
}

#[tokio::test]
async fn temporal_filters_match_a_brute_force_pass() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["parkeerfaciliteiten"]).await;
    let source: Value =
        serde_json::from_slice(&std::fs::read(shared_data().join(PARKING)).unwrap()).unwrap();
    let cut = chrono::DateTime::parse_from_rfc3339("2025-12-01T20:42:51Z").unwrap();
    let after: HashSet<String> = source["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let t = chrono::DateTime::parse_from_rfc3339(
                f["properties"]["last_updated"].as_str().unwrap(),
            )
            .unwrap();
            t > cut
        })
        .map(|f| {
            format!(
                "{}:{}",
                f["properties"]["id"].as_str().unwrap(),
                f["properties"]["operator"].as_str().unwrap()
            )
        })
        .collect();
    assert!(!after.is_empty() && after.len() < 783);
    let got = served_ids(
        &state,
        "parkeerfaciliteiten",
        "T_AFTER(last_updated, TIMESTAMP('2025-12-01T20:42:51Z'))",
        "cql2-text",
    )
    .await;
    assert_eq!(got, after);
    let all = served_ids(
        &state,
        "parkeerfaciliteiten",
        "T_DURING(last_updated, INTERVAL('2025-12-01T00:00:00Z', '..'))",
        "cql2-text",
    )
    .await;
    assert_eq!(all.len(), 783);
}

#[tokio::test]
async fn bad_filters_are_400_with_a_useful_message() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten"]).await;
    let items = "/ogc/v1/collections/gemeenten/items";
    let cases = [
        (
            format!("{items}?filter={}", url_encode("statnaam = ")),
            "line 1, column",
        ),
        (
            format!("{items}?filter={}", url_encode("kleur = 'rood'")),
            "unknown property `kleur`",
        ),
        (
            format!("{items}?filter={}", url_encode("statnaam = 5")),
            "statnaam",
        ),
        (
            format!("{items}?filter-lang=sql&filter=x"),
            "filter-lang `sql` is not supported",
        ),
        (
            format!(
                "{items}?filter-crs=EPSG:2154&filter={}",
                url_encode("statnaam = 'Utrecht'")
            ),
            "filter-crs `EPSG:2154` is not supported; supported: http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        ),
        (
            format!(
                "{items}?filter-lang=cql2-json&filter={}",
                url_encode("{\"op\": \"=\"")
            ),
            "filter (cql2-json)",
        ),
    ];
    for (url, needle) in cases {
        assert_problem(&get(&state, &url).await, 400, needle);
    }
}
