//! OGC API Features through the real router, in-process, on the repo catalog's real datasets.

use std::collections::HashSet;

use gdal::vector::LayerAccess;
use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn landing_conformance_and_api_describe_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["rustpunten"]).await;
    let landing = get(&state, "/ogc/v1").await;
    assert_eq!(landing.status, 200);
    assert_eq!(landing.headers["api-version"], "1.0.0");
    assert_eq!(landing.content_type(), "application/json");
    let doc = landing.json();
    for l in doc["links"].as_array().unwrap() {
        assert!(l["href"].as_str().unwrap().starts_with(PUBLIC_URL), "{l}");
    }
    assert_eq!(
        link(&doc, "service-desc").unwrap(),
        format!("{PUBLIC_URL}/ogc/v1/api")
    );
    assert_eq!(
        link(&doc, "data").unwrap(),
        format!("{PUBLIC_URL}/ogc/v1/collections")
    );
    assert_eq!(
        link(&doc, "conformance").unwrap(),
        format!("{PUBLIC_URL}/ogc/v1/conformance")
    );

    let conf = get(&state, "/ogc/v1/conformance").await.json();
    let classes: Vec<&str> = conf["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"));

    let api = get(&state, "/ogc/v1/api").await;
    assert_eq!(
        api.content_type(),
        "application/vnd.oai.openapi+json;version=3.0"
    );
    let api = api.json();
    assert_eq!(api["openapi"], "3.0.3");
    let items = &api["paths"]["/collections/{collectionId}/items"]["get"]["parameters"];
    let limit = items
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(limit["schema"]["default"], 10);
    // A larger limit is served as the maximum, so the schema has none; the text names it.
    assert!(limit["schema"].get("maximum").is_none(), "{limit}");
    assert!(
        limit["description"].as_str().unwrap().contains("10000"),
        "{limit}"
    );
    assert_eq!(api["servers"][0]["url"], format!("{PUBLIC_URL}/ogc/v1"));
}

#[tokio::test]
async fn collections_carry_extent_licence_and_attribution() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(
        dir.path(),
        &["rustpunten", "kerncijfers_gemeenten", "parkeerfaciliteiten"],
    )
    .await;
    let all = get(&state, "/ogc/v1/collections").await.json();
    let ids: Vec<&str> = all["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    // Only ingested datasets are served, in catalog order.
    assert_eq!(
        ids,
        vec!["kerncijfers_gemeenten", "parkeerfaciliteiten", "rustpunten"]
    );

    let c = get(&state, "/ogc/v1/collections/rustpunten").await.json();
    assert_eq!(c["title"], "Rustpunten provincie Utrecht");
    assert_eq!(c["attribution"], "Provincie Utrecht");
    assert_eq!(
        c["crs"],
        serde_json::json!([
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            "http://www.opengis.net/def/crs/EPSG/0/4326",
            "http://www.opengis.net/def/crs/EPSG/0/28992",
            "http://www.opengis.net/def/crs/EPSG/0/4258",
            "http://www.opengis.net/def/crs/EPSG/0/3857"
        ])
    );
    assert_eq!(
        c["storageCrs"],
        "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    );
    let bbox = c["extent"]["spatial"]["bbox"][0].as_array().unwrap();
    assert_eq!(bbox.len(), 4);
    assert!(bbox[0].as_f64().unwrap() > 4.7 && bbox[2].as_f64().unwrap() < 5.7);
    let licence = c["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "license")
        .unwrap();
    assert_eq!(
        licence["href"],
        "http://creativecommons.org/licenses/by/4.0/deed.nl"
    );
    assert_eq!(
        link(&c, "items").unwrap(),
        format!("{PUBLIC_URL}/ogc/v1/collections/rustpunten/items")
    );

    let en = get_with(
        &state,
        "/ogc/v1/collections/rustpunten",
        &[("accept-language", "en-GB,en;q=0.9")],
    )
    .await
    .json();
    assert_eq!(en["title"], "Rest points, province of Utrecht");

    let parking = get(&state, "/ogc/v1/collections/parkeerfaciliteiten")
        .await
        .json();
    assert_eq!(
        parking["extent"]["temporal"]["interval"][0][0],
        "2025-12-01T20:42:50Z"
    );
    // A table has no spatial extent.
    let table = get(&state, "/ogc/v1/collections/kerncijfers_gemeenten")
        .await
        .json();
    assert!(table["extent"].get("spatial").is_none(), "{table}");
}

#[tokio::test]
async fn following_next_links_visits_every_feature_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["rustpunten", "laadpunten"]).await;
    let first = get(&state, "/ogc/v1/collections/rustpunten/items?limit=10").await;
    assert_eq!(first.content_type(), "application/geo+json");
    let page = first.json();
    assert_eq!(page["numberMatched"], 47);
    assert_eq!(page["numberReturned"], 10);
    assert!(link(&page, "prev").is_none());

    let (features, pages) =
        all_pages(&state, "/ogc/v1/collections/rustpunten/items?limit=10").await;
    assert_eq!(pages, 5);
    let ids: HashSet<i64> = features.iter().map(|f| f["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 47);
    let expected: HashSet<i64> = (1..=47).collect();
    assert_eq!(ids, expected, "OBJECTID runs 1..47 in the source");

    // A bigger set with string ids, and prev links that lead back.
    let (features, _) = all_pages(&state, "/ogc/v1/collections/laadpunten/items?limit=1000").await;
    let ids: HashSet<String> = features
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!((features.len(), ids.len()), (6824, 6824));
    let second = get(&state, "/ogc/v1/collections/laadpunten/items?limit=1000")
        .await
        .json();
    let second = get(&state, &next_link(&second).unwrap()).await.json();
    let back = get(&state, &link(&second, "prev").unwrap()).await.json();
    let again = get(&state, "/ogc/v1/collections/laadpunten/items?limit=1000")
        .await
        .json();
    assert_eq!(back["features"], again["features"]);
}

/// Part 1, /req/core/fc-limit-response-1 C: a limit above the maximum is served as the maximum.
#[tokio::test]
async fn limit_above_the_maximum_serves_the_maximum() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["laadpunten"]).await;
    let items = "/ogc/v1/collections/laadpunten/items";
    let max = get(&state, &format!("{items}?limit=10000")).await.json();
    assert_eq!(max["numberReturned"], 6824);
    for limit in ["10001", "4294967296", "99999999999999999999999999"] {
        let page = get(&state, &format!("{items}?limit={limit}")).await;
        assert_eq!(page.status, 200, "limit={limit}");
        assert_eq!(page.json()["features"], max["features"], "limit={limit}");
    }
    // The same with a maximum the collection exceeds: the page holds exactly the maximum.
    let mut settings = ontsluit::Settings::new(PUBLIC_URL);
    settings.max_limit = 100;
    let small = ontsluit::state(repo_catalog(), dir.path(), settings)
        .await
        .unwrap();
    let page = get(&small, &format!("{items}?limit=101")).await.json();
    assert_eq!(page["numberReturned"], 100);
    assert!(next_link(&page).unwrap().contains("limit=101"));
}

/// Part 1, /req/core/fc-time-response C: features without a time match every `datetime`.
#[tokio::test]
async fn datetime_on_a_collection_without_time_matches_all() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten"]).await;
    let items = "/ogc/v1/collections/gemeenten/items?limit=100";
    let all = get(&state, items).await.json();
    for datetime in [
        "2020-01-01T00:00:00Z",
        "2020-01-01",
        "../2020-01-01",
        "2019-01-01/..",
    ] {
        let page = get(&state, &format!("{items}&datetime={datetime}")).await;
        assert_eq!(page.status, 200, "datetime={datetime}");
        let page = page.json();
        assert_eq!(page["features"], all["features"], "datetime={datetime}");
        assert_eq!(
            page["numberMatched"], all["numberMatched"],
            "datetime={datetime}"
        );
    }
    let bad = get(&state, &format!("{items}&datetime=2020-13-01")).await;
    assert_problem(&bad, 400, "datetime");
}

/// Counts source features intersecting a box with OGR's spatial filter (exact, GEOS-backed).
fn ogr_count(path: &std::path::Path, bbox: [f64; 4]) -> u64 {
    let ds = gdal::Dataset::open(path).unwrap();
    let mut layer = ds.layer(0).unwrap();
    layer.set_spatial_filter_rect(bbox[0], bbox[1], bbox[2], bbox[3]);
    layer.features().count() as u64
}

#[tokio::test]
async fn bbox_selects_what_ogr_selects_on_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["lichtmasten", "gemeenten"]).await;
    let cases = [
        (
            "lichtmasten",
            "other/utrecht_stad_lichtmasten_2015_wgs84.geojson",
            [5.11, 52.08, 5.13, 52.095],
        ),
        (
            "gemeenten",
            "boundaries/utrecht_provincie_gemeenten_2022_wgs84.geojson",
            [5.05, 52.05, 5.2, 52.12],
        ),
        // A box in a gap between polygons' envelopes and shapes: the exact test matters.
        (
            "gemeenten",
            "boundaries/utrecht_provincie_gemeenten_2022_wgs84.geojson",
            [5.3, 51.95, 5.31, 51.96],
        ),
    ];
    for (id, source, b) in cases {
        let expected = ogr_count(&shared_data().join(source), b);
        let url = format!(
            "/ogc/v1/collections/{id}/items?bbox={},{},{},{}",
            b[0], b[1], b[2], b[3]
        );
        let page = get(&state, &format!("{url}&limit=10000")).await.json();
        assert_eq!(page["numberReturned"], expected, "{url}");
        assert_eq!(page["numberMatched"], expected, "{url}");
        // A short page still counts every match (from the page boxes, not from its rows).
        let short = get(&state, &format!("{url}&limit=3")).await.json();
        assert_eq!(short["numberMatched"], expected, "{url}");
        assert_eq!(short["numberReturned"], expected.min(3), "{url}");
        assert!(expected > 0 || id == "gemeenten");
    }
}

#[tokio::test]
async fn datetime_filters_on_the_declared_temporal_field() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["parkeerfaciliteiten"]).await;
    // Brute force over the source: last_updated is an RFC 3339 text there.
    let source: Value = serde_json::from_slice(
        &std::fs::read(
            shared_data().join("layers/nl_rdw_parkeerfaciliteiten_spdp_2025_wgs84.geojson"),
        )
        .unwrap(),
    )
    .unwrap();
    let cut = chrono::DateTime::parse_from_rfc3339("2025-12-01T20:42:50.95Z").unwrap();
    let before = source["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["properties"]["last_updated"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .is_some_and(|t| t <= cut)
        })
        .count();
    assert!(before > 0 && before < 783, "{before}");
    let page = get(&state, "/ogc/v1/collections/parkeerfaciliteiten/items?limit=10000&datetime=../2025-12-01T20:42:50.95Z").await.json();
    assert_eq!(page["numberReturned"], before);
    let page = get(&state, "/ogc/v1/collections/parkeerfaciliteiten/items?limit=10000&datetime=2025-12-01T20:42:50.95Z/..").await.json();
    assert_eq!(
        page["numberReturned"].as_u64().unwrap() as usize,
        783 - before
    );
    let page = get(
        &state,
        "/ogc/v1/collections/parkeerfaciliteiten/items?limit=10000&datetime=2025-12-01",
    )
    .await
    .json();
    assert_eq!(page["numberReturned"], 783);
}

#[tokio::test]
async fn single_features_by_string_and_integer_id() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(
        dir.path(),
        &[
            "parkeerfaciliteiten",
            "treinstations",
            "kerncijfers_gemeenten",
        ],
    )
    .await;
    // A composite id with a space and a colon, percent-encoded in the path.
    let first = get(
        &state,
        "/ogc/v1/collections/parkeerfaciliteiten/items?limit=1",
    )
    .await
    .json();
    let id = first["features"][0]["id"].as_str().unwrap().to_owned();
    let f = get(
        &state,
        &format!(
            "/ogc/v1/collections/parkeerfaciliteiten/items/{}",
            ontsluit::ogcapi::path_segment(&id)
        ),
    )
    .await;
    assert_eq!(f.status, 200);
    assert_eq!(f.content_type(), "application/geo+json");
    let f = f.json();
    assert_eq!(f["id"], id.as_str());
    assert_eq!(f["properties"], first["features"][0]["properties"]);
    let self_link = link(&f, "self").unwrap();
    assert_eq!(get(&state, &self_link).await.json()["id"], id.as_str());

    let utrecht = get(&state, "/ogc/v1/collections/treinstations/items?limit=400")
        .await
        .json();
    let ut = utrecht["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["code"] == "UT")
        .unwrap();
    let n = ut["id"].as_i64().unwrap();
    let f = get(
        &state,
        &format!("/ogc/v1/collections/treinstations/items/{n}"),
    )
    .await
    .json();
    assert_eq!(f["properties"]["name_long"], "Utrecht Centraal");
    assert_eq!(f["geometry"]["type"], "Point");

    let row = get(
        &state,
        "/ogc/v1/collections/kerncijfers_gemeenten/items/GM0344",
    )
    .await
    .json();
    assert_eq!(row["geometry"], Value::Null);
    assert_eq!(row["properties"]["Naam"], "Utrecht");
    assert!(row["properties"]["inwoners"].as_i64().unwrap() > 300_000);

    assert_problem(
        &get(&state, "/ogc/v1/collections/treinstations/items/999999").await,
        404,
        "no feature `999999`",
    );
    assert_problem(
        &get(&state, "/ogc/v1/collections/treinstations/items/abc").await,
        404,
        "no feature `abc`",
    );
}

#[tokio::test]
async fn bad_requests_get_problem_details() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["rustpunten"]).await;
    let items = "/ogc/v1/collections/rustpunten/items";
    let cases = [
        (format!("{items}?bbox=5,52,6"), 400, "has 3 numbers"),
        (format!("{items}?bbox=5,52,x,53"), 400, "not a number"),
        (format!("{items}?limit=0"), 400, "not a whole number"),
        (format!("{items}?limit=-3"), 400, "not a whole number"),
        (format!("{items}?limit=2.5"), 400, "not a whole number"),
        (format!("{items}?limit=lots"), 400, "not a whole number"),
        (
            format!("{items}?colour=red"),
            400,
            "unknown parameter `colour`",
        ),
        (format!("{items}?limit=5&limit=6"), 400, "more than once"),
        (
            format!("{items}?datetime=2025-01-01/banana"),
            400,
            "datetime",
        ),
        (format!("{items}?cursor=banana"), 400, "follow the `next`"),
        (format!("{items}?cursor=99.0"), 404, "no longer available"),
        (
            format!("{items}?f=xml"),
            400,
            "available: json, jsonfg, csv, fgb",
        ),
        (
            format!("{items}?crs=EPSG:2154"),
            400,
            "crs `EPSG:2154` is not supported",
        ),
        (
            format!("{items}?bbox=1,2,3&bbox-crs=EPSG:28992"),
            400,
            "has 3 numbers",
        ),
        (
            format!("{items}?bbox=150000,460000,140000,470000&bbox-crs=EPSG:28992"),
            400,
            "minimum above its maximum",
        ),
        (format!("{items}?version=zero"), 400, "not a version number"),
        (format!("{items}?version=99"), 404, "no longer available"),
        (
            "/ogc/v1/collections/nope".to_owned(),
            404,
            "no collection `nope`",
        ),
        (
            "/ogc/v1/collections/Bad.Id/items".to_owned(),
            404,
            "no collection `Bad.Id`",
        ),
        ("/ogc/v1/collections?f=xml".to_owned(), 400, "not a format"),
    ];
    for (url, status, needle) in cases {
        let reply = get(&state, &url).await;
        assert_problem(&reply, status, needle);
        assert_eq!(reply.headers["api-version"], "1.0.0", "{url}");
    }
    let reply = get_with(&state, items, &[("accept", "image/png")]).await;
    assert_problem(&reply, 406, "available as application/geo+json");
}

#[tokio::test]
async fn tables_are_collections_of_features_without_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gebiedsindelingen_gemeenten"]).await;
    let page = get(
        &state,
        "/ogc/v1/collections/gebiedsindelingen_gemeenten/items?limit=2",
    )
    .await
    .json();
    assert_eq!(page["numberMatched"], 342);
    for f in page["features"].as_array().unwrap() {
        assert_eq!(f["geometry"], Value::Null);
        assert_eq!(f["id"], f["properties"]["gemeentecode"]);
    }
    // A feature without geometry intersects no box.
    let page = get(
        &state,
        "/ogc/v1/collections/gebiedsindelingen_gemeenten/items?limit=1&bbox=5,52,5.1,52.1",
    )
    .await;
    assert_eq!(page.status, 200);
    assert_eq!(page.json()["numberReturned"], 0);
}

#[tokio::test]
async fn the_home_page_links_to_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["rustpunten"]).await;
    let home = get(&state, "/").await;
    assert_eq!(home.status, 200);
    let html = String::from_utf8(home.body).unwrap();
    assert!(html.contains("<html lang=\"nl\">"));
    assert!(html.contains(&format!("href=\"{PUBLIC_URL}/ogc/v1\"")));
    assert!(html.contains("Rustpunten provincie Utrecht"));
}

#[tokio::test]
async fn trailing_slashes_and_unknown_paths() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["rustpunten"]).await;
    // The API root with a slash is the landing page (OWSLib asks for it).
    let root = get(&state, "/ogc/v1/").await;
    assert_eq!(root.status, 200);
    assert!(link(&root.json(), "data").is_some());
    // Other paths with a trailing slash redirect, keeping the query.
    let r = get(&state, "/ogc/v1/collections/rustpunten/items/?limit=2").await;
    assert_eq!(r.status, 308);
    assert_eq!(
        r.headers["location"],
        "/ogc/v1/collections/rustpunten/items?limit=2"
    );
    assert_problem(
        &get(&state, "/nergens").await,
        404,
        "no resource at `/nergens`",
    );
}

#[tokio::test]
async fn absent_values_stay_null() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["kerncijfers_gemeenten", "laadpunten"]).await;
    // An empty CSV cell is null, not 0.
    let row = get(
        &state,
        "/ogc/v1/collections/kerncijfers_gemeenten/items/GM0852",
    )
    .await
    .json();
    assert_eq!(
        row["properties"]["Environment: District heating (%)"],
        Value::Null
    );
    // A key absent from a GeoJSON feature is null too: count them against the source.
    let source: Value = serde_json::from_slice(
        &std::fs::read(
            shared_data().join("layers/utrecht_provincie_laadpunten_ndw_2026_wgs84.geojson"),
        )
        .unwrap(),
    )
    .unwrap();
    // The feature id is operatorName:locationId:name (the catalog's key).
    let has_price: std::collections::HashMap<String, bool> = source["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let id = format!(
                "{}:{}:{}",
                p["operatorName"].as_str().unwrap(),
                p["locationId"].as_str().unwrap(),
                p["name"].as_str().unwrap()
            );
            (id, p.get("priceKwh").is_some_and(|v| !v.is_null()))
        })
        .collect();
    let (features, _) = all_pages(&state, "/ogc/v1/collections/laadpunten/items?limit=10000").await;
    assert_eq!(features.len(), 6824);
    for f in &features {
        let id = f["id"].as_str().unwrap();
        assert_eq!(
            !f["properties"]["priceKwh"].is_null(),
            has_price[id],
            "{id}"
        );
    }
    assert!(has_price.values().filter(|p| !**p).count() > 2000);
}

#[tokio::test]
async fn queryables_describe_the_columns_and_are_equality_parameters() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(
        dir.path(),
        &["gemeenten", "laadpunten", "kerncijfers_gemeenten"],
    )
    .await;
    let collection = get(&state, "/ogc/v1/collections/gemeenten").await.json();
    let href = link(
        &collection,
        "http://www.opengis.net/def/rel/ogc/1.0/queryables",
    )
    .unwrap();
    let q = get(&state, &href).await;
    assert_eq!(q.content_type(), "application/schema+json");
    let q = q.json();
    assert_eq!(q["$id"], href.as_str());
    assert_eq!(q["properties"]["statnaam"]["type"], "string");
    assert_eq!(q["properties"]["statnaam"]["title"], "Gemeentenaam");
    assert_eq!(q["properties"]["cbs_object_id"]["type"], "integer");
    assert_eq!(
        q["properties"]["geometry"]["format"],
        "geometry-multipolygon"
    );
    assert!(q["properties"].get("bbox").is_none());
    let conf = get(&state, "/ogc/v1/conformance").await.json();
    assert!(conf["conformsTo"].as_array().unwrap().iter().any(|c| c
        == "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters"));

    let utrecht = get(
        &state,
        "/ogc/v1/collections/gemeenten/items?statnaam=Utrecht",
    )
    .await
    .json();
    assert_eq!(utrecht["numberReturned"], 1);
    assert_eq!(utrecht["features"][0]["id"], "GM0344");
    // The page holds every match, so it knows how many there are.
    assert_eq!(utrecht["numberMatched"], 1);
    // The next link keeps the property parameter.
    let page = get(
        &state,
        "/ogc/v1/collections/laadpunten/items?gemeente=Zeist&limit=100",
    )
    .await
    .json();
    assert!(next_link(&page).unwrap().contains("gemeente=Zeist"));

    // Counts match the source, for text and boolean properties.
    let source: Value = serde_json::from_slice(
        &std::fs::read(
            shared_data().join("layers/utrecht_provincie_laadpunten_ndw_2026_wgs84.geojson"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut ids = HashSet::new();
    let mega: usize = source["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["isMegawatt"] == true)
        .filter(|f| {
            let p = &f["properties"];
            ids.insert(format!(
                "{}:{}:{}",
                p["operatorName"], p["locationId"], p["name"]
            ))
        })
        .count();
    let (served, _) = all_pages(
        &state,
        "/ogc/v1/collections/laadpunten/items?isMegawatt=true&limit=1000",
    )
    .await;
    assert_eq!(served.len(), mega);
    assert!(served.iter().all(|f| f["properties"]["isMegawatt"] == true));
    // Zeist: 493 source rows, one of them an exact duplicate that the catalog drops.
    let zeist_ids: HashSet<String> = source["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["gemeente"] == "Zeist")
        .map(|f| {
            let p = &f["properties"];
            format!(
                "{}:{}:{}",
                p["operatorName"].as_str().unwrap(),
                p["locationId"].as_str().unwrap(),
                p["name"].as_str().unwrap()
            )
        })
        .collect();
    // In pages of 100: each `next` goes on from where its page ended in stored order (a
    // keyset cursor `version.offset.start`), and `prev` counts back from the first page.
    let first = "/ogc/v1/collections/laadpunten/items?gemeente=Zeist&limit=100";
    let (zeist, pages) = all_pages(&state, first).await;
    assert_eq!(pages, zeist_ids.len().div_ceil(100));
    let served: HashSet<String> = zeist
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(served, zeist_ids);
    assert_eq!(zeist.len(), zeist_ids.len(), "no feature twice");
    let second = next_link(&get(&state, first).await.json()).unwrap();
    let cursor = second.split("cursor=").nth(1).unwrap();
    assert_eq!(cursor.split('.').count(), 3, "a keyset cursor: {second}");
    let page = get(&state, &second).await.json();
    let third = next_link(&page).unwrap();
    let back = link(&page, "prev").unwrap();
    assert!(back.contains("gemeente=Zeist"), "{back}");
    let third_page = get(&state, &third).await.json();
    assert_eq!(third_page["features"][0]["id"], zeist[200]["id"]);
    // The last page holds the last match, so it knows numberMatched without a count; so does
    // a single page that holds them all.
    let mut last = third_page;
    while let Some(next) = next_link(&last) {
        last = get(&state, &next).await.json();
    }
    assert_eq!(last["numberMatched"], zeist_ids.len(), "{}", last["links"]);
    let whole = get(
        &state,
        "/ogc/v1/collections/laadpunten/items?gemeente=Zeist&limit=1000",
    )
    .await
    .json();
    assert_eq!(whole["numberMatched"], zeist_ids.len());

    let row = get(
        &state,
        "/ogc/v1/collections/kerncijfers_gemeenten/items?inwoners=25399",
    )
    .await
    .json();
    assert_eq!(row["features"][0]["id"], "GM1680");
    assert_problem(
        &get(
            &state,
            "/ogc/v1/collections/kerncijfers_gemeenten/items?inwoners=veel",
        )
        .await,
        400,
        "`inwoners` holds whole numbers; `veel` is not one",
    );
    assert_problem(
        &get(&state, "/ogc/v1/collections/laadpunten/items?isMegawatt=ja").await,
        400,
        "true or false",
    );
}

#[tokio::test]
async fn sortby_pages_every_feature_once_in_order_and_properties_select() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["treinstations", "laadpunten"]).await;
    // Stations by long name, checked against the source sorted here.
    let source: Value = serde_json::from_slice(
        &std::fs::read(
            shared_data().join("layers/nl_treinstations_rijdendetreinen_2020_wgs84.geojson"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut names: Vec<String> = source["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name_long"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    let page = get(
        &state,
        "/ogc/v1/collections/treinstations/items?limit=400&sortby=name_long",
    )
    .await
    .json();
    let served: Vec<&str> = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name_long"].as_str().unwrap())
        .collect();
    assert_eq!(served, names);
    let page = get(
        &state,
        "/ogc/v1/collections/treinstations/items?limit=3&sortby=-name_long",
    )
    .await
    .json();
    assert_eq!(
        page["features"][0]["properties"]["name_long"],
        names.last().unwrap().as_str()
    );

    // Many ties (maxPowerKw is often 0): paging by 500 visits every feature exactly once, in order.
    let (features, _) = all_pages(
        &state,
        "/ogc/v1/collections/laadpunten/items?limit=500&sortby=-maxPowerKw",
    )
    .await;
    assert_eq!(features.len(), 6824);
    let ids: HashSet<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 6824);
    let power: Vec<i64> = features
        .iter()
        .map(|f| f["properties"]["maxPowerKw"].as_i64().unwrap_or(-1))
        .collect();
    assert!(
        power.windows(2).all(|w| w[0] >= w[1]),
        "not in descending order"
    );

    // Property selection and skipGeometry.
    let page = get(&state, "/ogc/v1/collections/treinstations/items?limit=2&properties=code,name_long&skipGeometry=true").await.json();
    let f = &page["features"][0];
    assert_eq!(f["geometry"], Value::Null);
    let keys: Vec<&String> = f["properties"].as_object().unwrap().keys().collect();
    assert_eq!(keys, vec!["code", "name_long"]);
    assert!(f["id"].is_i64());

    let sortables = get(&state, "/ogc/v1/collections/treinstations/sortables")
        .await
        .json();
    assert!(sortables["properties"].get("name_long").is_some());
    assert!(sortables["properties"].get("geometry").is_none());

    let items = "/ogc/v1/collections/treinstations/items";
    assert_problem(
        &get(&state, &format!("{items}?sortby=geometry")).await,
        400,
        "`geometry` is not sortable",
    );
    assert_problem(
        &get(&state, &format!("{items}?properties=kleur")).await,
        400,
        "`kleur` is not a property",
    );
    assert_problem(
        &get(&state, &format!("{items}?skipGeometry=ja")).await,
        400,
        "not `true` or `false`",
    );
}
