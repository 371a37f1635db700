//! Feature encodings (JSON-FG, CSV, FlatGeobuf) by `f=` and `Accept`, read back by GDAL (an
//! independent reader) and compared with the GeoJSON of the same request; `/schema`.

use std::collections::HashSet;
use std::path::Path;

use gdal::vector::LayerAccess;
use serde_json::Value;

use crate::common::*;

fn id_text(id: &Value) -> String {
    id.as_str().map_or_else(|| id.to_string(), str::to_owned)
}

/// Opens bytes written to `dir/name` with GDAL and returns (id, WKT geometry, all fields as text).
fn read_with_gdal(
    dir: &Path,
    name: &str,
    bytes: &[u8],
) -> Vec<(String, Option<String>, Vec<String>)> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let ds = gdal::Dataset::open(&path).unwrap();
    let mut layer = ds.layer(0).unwrap();
    let id_index = layer.defn().field_index("id").unwrap();
    let count = layer.defn().fields().count();
    layer
        .features()
        .map(|f| {
            let fields = (0..count)
                .map(|i| f.field_as_string(i).unwrap().unwrap_or_default())
                .collect();
            (
                f.field_as_string(id_index).unwrap().unwrap(),
                f.geometry().map(|g| g.wkt().unwrap()),
                fields,
            )
        })
        .collect()
}

/// Coordinates of a WKT (read by GDAL) and of a GeoJSON geometry, flattened.
fn coords_of_wkt(wkt: &str) -> Vec<f64> {
    use geo::CoordsIter;
    let g = gdal::vector::Geometry::from_wkt(wkt)
        .unwrap()
        .to_geo()
        .unwrap();
    g.coords_iter().flat_map(|c| [c.x, c.y]).collect()
}

fn coords_of_json(geometry: &Value) -> Vec<f64> {
    let mut out = Vec::new();
    fn walk(v: &Value, out: &mut Vec<f64>) {
        match v {
            Value::Array(items) if items.first().is_some_and(Value::is_number) => {
                out.extend(items.iter().take(2).map(|n| n.as_f64().unwrap()))
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    walk(&geometry["coordinates"], &mut out);
    out
}

fn assert_close(a: &[f64], b: &[f64], tolerance: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: coordinate counts");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tolerance, "{what}: {x} vs {y}");
    }
}

#[tokio::test]
async fn csv_and_flatgeobuf_hold_the_geojson_features_in_every_crs() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten", "parkeerfaciliteiten"]).await;
    for (collection, crs) in [
        ("gemeenten", "EPSG:28992"),
        ("gemeenten", "OGC:CRS84"),
        ("parkeerfaciliteiten", "EPSG:3857"),
        ("parkeerfaciliteiten", "OGC:CRS84"),
    ] {
        let base = format!("/ogc/v1/collections/{collection}/items?limit=1000&crs={crs}");
        let geojson = get(&state, &base).await.json();
        let features = geojson["features"].as_array().unwrap();
        let metres = crs != "OGC:CRS84";

        let csv = get(&state, &format!("{base}&f=csv")).await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.content_type(), "text/csv; charset=utf-8");
        assert!(
            csv.headers["content-crs"]
                .to_str()
                .unwrap()
                .contains(if metres { "EPSG" } else { "CRS84" })
        );
        let rows = read_with_gdal(
            dir.path(),
            &format!("{collection}-{}.csv", metres),
            &csv.body,
        );
        assert_eq!(rows.len(), features.len(), "{collection} csv rows");
        for ((id, wkt, _), f) in rows.iter().zip(features) {
            assert_eq!(*id, id_text(&f["id"]));
            // Same text precision as GeoJSON: the same numbers.
            assert_close(
                &coords_of_wkt(wkt.as_deref().unwrap()),
                &coords_of_json(&f["geometry"]),
                0.0,
                &format!("{collection} {id} csv"),
            );
        }

        let fgb = get(&state, &format!("{base}&f=fgb")).await;
        assert_eq!(fgb.content_type(), "application/flatgeobuf");
        let rows = read_with_gdal(
            dir.path(),
            &format!("{collection}-{}.fgb", metres),
            &fgb.body,
        );
        assert_eq!(rows.len(), features.len(), "{collection} fgb features");
        // FlatGeobuf keeps full precision; GeoJSON rounds to about 1 cm (0.5 cm either way).
        let tolerance = if metres { 0.01 } else { 1e-7 };
        for ((id, wkt, _), f) in rows.iter().zip(features) {
            assert_eq!(*id, id_text(&f["id"]));
            assert_close(
                &coords_of_wkt(wkt.as_deref().unwrap()),
                &coords_of_json(&f["geometry"]),
                tolerance,
                &format!("{collection} {id} fgb"),
            );
        }
    }
    // Attribute values survive FlatGeobuf's typed columns (text, integers, booleans, times).
    let page = get(
        &state,
        "/ogc/v1/collections/parkeerfaciliteiten/items?limit=50",
    )
    .await
    .json();
    let fgb = get(
        &state,
        "/ogc/v1/collections/parkeerfaciliteiten/items?limit=50&f=fgb",
    )
    .await;
    let path = dir.path().join("attrs.fgb");
    std::fs::write(&path, &fgb.body).unwrap();
    let ds = gdal::Dataset::open(&path).unwrap();
    let mut layer = ds.layer(0).unwrap();
    for (feature, json) in layer.features().zip(page["features"].as_array().unwrap()) {
        let props = &json["properties"];
        for name in ["name", "capacity_total", "is_paid", "operator"] {
            // An absent (null) property reads as unset, which the gdal crate gives as "".
            let got = feature
                .field_as_string(feature.field_index(name).unwrap())
                .unwrap()
                .filter(|v| !v.is_empty());
            let want = match &props[name] {
                Value::Null => None,
                Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
                Value::String(s) if s.is_empty() => None,
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            };
            assert_eq!(got, want, "{name} of {}", json["id"]);
        }
    }
}

#[tokio::test]
async fn json_fg_puts_the_requested_crs_in_place_and_crs84_in_geometry() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten", "parkeerfaciliteiten"]).await;
    let base = "/ogc/v1/collections/gemeenten/items?limit=30";
    let fg = get(&state, &format!("{base}&f=jsonfg&crs=EPSG:28992")).await;
    assert_eq!(fg.content_type(), "application/vnd.ogc.fg+json");
    let fg = fg.json();
    assert_eq!(
        fg["coordRefSys"],
        "http://www.opengis.net/def/crs/EPSG/0/28992"
    );
    assert_eq!(fg["featureType"], "gemeenten");
    assert!(fg["conformsTo"][0].as_str().unwrap().contains("json-fg"));
    let rd = get(&state, &format!("{base}&crs=EPSG:28992")).await.json();
    let crs84 = get(&state, base).await.json();
    let n = fg["features"].as_array().unwrap().len();
    assert_eq!(n, 26);
    for i in 0..n {
        let f = &fg["features"][i];
        assert_eq!(
            f["place"], rd["features"][i]["geometry"],
            "place of {}",
            f["id"]
        );
        assert_eq!(
            f["geometry"], crs84["features"][i]["geometry"],
            "geometry of {}",
            f["id"]
        );
        assert_eq!(f["properties"], crs84["features"][i]["properties"]);
        assert_eq!(f["time"], Value::Null);
    }
    // In CRS84 there is no `place`; temporal data has its instant in `time`.
    let parking = get(
        &state,
        "/ogc/v1/collections/parkeerfaciliteiten/items?limit=20",
    )
    .await;
    let parking_fg = get_with(
        &state,
        "/ogc/v1/collections/parkeerfaciliteiten/items?limit=20",
        &[("accept", "application/vnd.ogc.fg+json")],
    )
    .await;
    assert_eq!(parking_fg.content_type(), "application/vnd.ogc.fg+json");
    for (f, g) in parking_fg.json()["features"]
        .as_array()
        .unwrap()
        .iter()
        .zip(parking.json()["features"].as_array().unwrap())
    {
        assert_eq!(f["place"], Value::Null);
        assert_eq!(f["geometry"], g["geometry"]);
        match &g["properties"]["last_updated"] {
            Value::Null => assert_eq!(f["time"], Value::Null),
            t => assert_eq!(f["time"]["instant"], *t),
        }
    }
    // One feature, and the Accept header choosing among all four.
    let one = get(
        &state,
        "/ogc/v1/collections/gemeenten/items/GM0344?f=jsonfg&crs=EPSG:28992",
    )
    .await
    .json();
    assert_eq!(
        one["place"],
        rd["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == "GM0344")
            .unwrap()["geometry"]
    );
    for (accept, media) in [
        ("text/csv", "text/csv; charset=utf-8"),
        ("application/flatgeobuf", "application/flatgeobuf"),
        ("application/json", "application/geo+json"),
        ("text/*;q=0.5, application/geo+json", "application/geo+json"),
    ] {
        let reply = get_with(
            &state,
            "/ogc/v1/collections/gemeenten/items/GM0344",
            &[("accept", accept)],
        )
        .await;
        assert_eq!(reply.status, 200, "{accept}");
        assert_eq!(reply.content_type(), media, "{accept}");
    }
}

/// The `rel="next"` target of a `Link` header.
fn next_in_link_header(headers: &axum::http::HeaderMap) -> Option<String> {
    let header = headers.get("link")?.to_str().ok()?;
    header.split(", <").find_map(|part| {
        part.contains("rel=\"next\"").then(|| {
            part.trim_start_matches('<')
                .split('>')
                .next()
                .unwrap()
                .to_owned()
        })
    })
}

#[tokio::test]
async fn csv_pages_link_to_the_next_and_visit_every_feature_once() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["lichtmasten"]).await;
    let mut url = Some(
        "/ogc/v1/collections/lichtmasten/items?limit=2500&f=csv&sortby=-MASTLENGTE".to_owned(),
    );
    let mut seen = HashSet::new();
    let mut pages = 0;
    while let Some(u) = url {
        let reply = get(&state, &u).await;
        assert_eq!(reply.status, 200);
        let rows = read_with_gdal(dir.path(), &format!("page{pages}.csv"), &reply.body);
        for (id, _, _) in rows {
            assert!(seen.insert(id.clone()), "{id} twice");
        }
        pages += 1;
        url = next_in_link_header(&reply.headers);
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 9793);
}

/// CSV and FlatGeobuf pages are written batch by batch as the rows arrive (their links are in
/// the `Link` header, sent first), not gathered whole: a page spanning row groups comes in
/// several body frames, and GDAL reads each page whole, with its count in the FlatGeobuf header.
#[tokio::test]
async fn csv_and_flatgeobuf_pages_stream_batch_by_batch() {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["lichtmasten"]).await;
    for (format, pages_of) in [("csv", 5000), ("fgb", 5000)] {
        let mut url = Some(format!(
            "/ogc/v1/collections/lichtmasten/items?limit={pages_of}&f={format}"
        ));
        let (mut seen, mut pages) = (HashSet::new(), 0);
        while let Some(u) = url {
            let request = axum::http::Request::get(&u).body(Body::empty()).unwrap();
            let response = ontsluit::app(state.clone()).oneshot(request).await.unwrap();
            assert_eq!(response.status(), 200, "{u}");
            let next = next_in_link_header(response.headers());
            let mut body = response.into_body();
            let (mut frames, mut bytes) = (0, Vec::new());
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame.unwrap().into_data() {
                    frames += 1;
                    bytes.extend_from_slice(&data);
                }
            }
            let rows = read_with_gdal(dir.path(), &format!("page{pages}.{format}"), &bytes);
            if pages == 0 {
                assert_eq!(rows.len(), pages_of, "{format}: a full first page");
                assert!(frames > 2, "{format}: {frames} frames for {pages_of} rows");
            }
            for (id, _, _) in rows {
                assert!(seen.insert(id.clone()), "{format}: {id} twice");
            }
            pages += 1;
            url = next;
        }
        assert_eq!((pages, seen.len()), (2, 9793), "{format}");
    }
}

#[tokio::test]
async fn schema_names_the_roles_of_id_geometry_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["parkeerfaciliteiten"]).await;
    let reply = get(&state, "/ogc/v1/collections/parkeerfaciliteiten/schema").await;
    assert_eq!(reply.content_type(), "application/schema+json");
    let schema = reply.json();
    let props = schema["properties"].as_object().unwrap();
    assert_eq!(props["id"]["x-ogc-role"], "id");
    assert_eq!(props["geometry"]["x-ogc-role"], "primary-geometry");
    assert_eq!(props["geometry"]["format"], "geometry-point");
    assert_eq!(props["last_updated"]["x-ogc-role"], "primary-instant");
    assert_eq!(props["last_updated"]["format"], "date-time");
    assert_eq!(props["capacity_total"]["type"], "integer");
    // Every stored column is described, in stored order.
    let page = get(
        &state,
        "/ogc/v1/collections/parkeerfaciliteiten/items?limit=1",
    )
    .await
    .json();
    let names: Vec<&String> = page["features"][0]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    for name in names {
        assert!(props.contains_key(name.as_str()), "{name}");
    }
    let collection = get(&state, "/ogc/v1/collections/parkeerfaciliteiten")
        .await
        .json();
    assert!(
        collection["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/schema")
    );
}
