//! Coordinate reference systems (OGC API Features Part 2) on the shared data: every served CRS
//! checked against PROJ's own `cs2cs` (an independent program), RD New round trips against the
//! RD source files, and `bbox-crs`/`filter-crs` against OGR's spatial filter in RD.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::{Command, Stdio};

use gdal::vector::LayerAccess;
use ontsluit::crs::{Crs, transform};
use serde_json::Value;

use crate::common::*;

/// Runs `cs2cs -f %.10f from to` on `points`, returning the first two output numbers per line.
fn cs2cs(from: &str, to: &str, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut child = Command::new("cs2cs")
        .args(["-f", "%.10f", from, to])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("cs2cs (Debian proj-bin) is installed by `make test`");
    let mut input = String::new();
    for (x, y) in points {
        input.push_str(&format!("{x:.12} {y:.12}\n"));
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Vec<f64> = l
                .split_whitespace()
                .take(2)
                .map(|n| n.parse().unwrap())
                .collect();
            (v[0], v[1])
        })
        .collect()
}

/// Every vertex of every feature of an OGR source, in its own CRS.
fn source_vertices(path: &str) -> Vec<(f64, f64)> {
    let ds = gdal::Dataset::open(shared_data().join(path)).unwrap();
    let mut layer = ds.layer(0).unwrap();
    let mut points = Vec::new();
    for f in layer.features() {
        let g = f.geometry().unwrap().to_geo().unwrap();
        use geo::CoordsIter;
        points.extend(g.coords_iter().map(|c| (c.x, c.y)));
    }
    points
}

/// A feature id (string or number) as text.
fn id_text(id: &Value) -> String {
    id.as_str().map_or_else(|| id.to_string(), str::to_owned)
}

/// Point coordinates by feature id from a GeoJSON page.
fn points_by_id(page: &Value) -> HashMap<String, (f64, f64)> {
    page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            (
                id_text(&f["id"]),
                (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()),
            )
        })
        .collect()
}

#[test]
fn rd_round_trips_within_a_millimetre_on_the_rd_sources() {
    // The AHN tile grid and the surface waters: ~40 000 RD vertices from two real files.
    for path in [
        "other/nl_ahn_tiles_rd.geojson",
        "other/nl_oppervlaktewater_nlmod_rd.gpkg",
    ] {
        let source = source_vertices(path);
        assert!(source.len() > 1000, "{path}: {}", source.len());
        let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = source.iter().copied().unzip();
        transform(Crs::Epsg28992, Crs::Crs84, &mut xs, &mut ys).unwrap();
        transform(Crs::Crs84, Crs::Epsg28992, &mut xs, &mut ys).unwrap();
        let worst = source
            .iter()
            .zip(xs.iter().zip(&ys))
            .map(|((x, y), (x2, y2))| (x - x2).hypot(y - y2))
            .fold(0.0, f64::max);
        assert!(worst < 0.001, "{path}: worst round trip {worst} m");
    }
}

#[tokio::test]
async fn rd_through_the_api_matches_the_source_and_cs2cs() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = repo_catalog();
    ingest_all(&catalog, dir.path(), &["adressen"]);
    let mut settings = ontsluit::Settings::new(PUBLIC_URL);
    settings.metre_decimals = 4;
    settings.coordinate_decimals = 10;
    let state = ontsluit::state(catalog, dir.path(), settings)
        .await
        .unwrap();

    let rd = get(
        &state,
        "/ogc/v1/collections/adressen/items?limit=10000&crs=http://www.opengis.net/def/crs/EPSG/0/28992",
    )
    .await;
    assert_eq!(
        rd.headers["content-crs"],
        "<http://www.opengis.net/def/crs/EPSG/0/28992>"
    );
    let rd = points_by_id(&rd.json());
    assert_eq!(rd.len(), 2481);

    // The RD source: the stored CRS84 coordinates come back to within 1 mm.
    let ds =
        gdal::Dataset::open(shared_data().join("other/dutch_addresses_pygeoapi_rd.gpkg")).unwrap();
    let mut layer = ds.layer(0).unwrap();
    let mut checked = 0;
    for f in layer.features() {
        let id = f
            .field_as_string(f.field_index("id").unwrap())
            .unwrap()
            .unwrap();
        let (x, y, _) = f.geometry().unwrap().get_point(0);
        let (sx, sy) = rd[&id];
        assert!(
            (x - sx).hypot(y - sy) < 0.001,
            "{id}: source {x},{y}, served {sx},{sy}"
        );
        checked += 1;
    }
    assert_eq!(checked, 2481);

    // PROJ's cs2cs on the served CRS84 coordinates agrees within 1 cm.
    let crs84 = points_by_id(
        &get(&state, "/ogc/v1/collections/adressen/items?limit=10000")
            .await
            .json(),
    );
    let ids: Vec<&String> = crs84.keys().collect();
    let input: Vec<(f64, f64)> = ids.iter().map(|id| crs84[*id]).collect();
    let reference = cs2cs("OGC:CRS84", "EPSG:28992", &input);
    for (id, (x, y)) in ids.iter().zip(reference) {
        let (sx, sy) = rd[*id];
        assert!(
            (x - sx).hypot(y - sy) < 0.01,
            "{id}: cs2cs {x},{y}, served {sx},{sy}"
        );
    }
}

#[tokio::test]
async fn every_offered_crs_agrees_with_cs2cs_and_honours_its_axis_order() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = repo_catalog();
    ingest_all(&catalog, dir.path(), &["rustpunten"]);
    let mut settings = ontsluit::Settings::new(PUBLIC_URL);
    settings.coordinate_decimals = 9;
    settings.metre_decimals = 4;
    let state = ontsluit::state(catalog, dir.path(), settings)
        .await
        .unwrap();
    let items = "/ogc/v1/collections/rustpunten/items?limit=100";
    let crs84 = points_by_id(&get(&state, items).await.json());
    assert_eq!(crs84.len(), 47);
    let ids: Vec<&String> = crs84.keys().collect();
    let input: Vec<(f64, f64)> = ids.iter().map(|id| crs84[*id]).collect();
    // (CRS, cs2cs name, tolerance in its unit: 1e-7° ≈ 1 cm, 1 cm).
    for (crs, name, tolerance) in [
        (Crs::Epsg4326, "EPSG:4326", 1e-7),
        (Crs::Epsg4258, "EPSG:4258", 1e-7),
        (Crs::Epsg28992, "EPSG:28992", 0.01),
        (Crs::Epsg3857, "EPSG:3857", 0.01),
    ] {
        let reply = get(&state, &format!("{items}&crs={}", crs.uri())).await;
        assert_eq!(
            reply.headers["content-crs"],
            format!("<{}>", crs.uri()).as_str()
        );
        let served = points_by_id(&reply.json());
        // cs2cs writes EPSG:4326 and 4258 latitude first, as the API must.
        let reference = cs2cs("OGC:CRS84", name, &input);
        for (id, (a, b)) in ids.iter().zip(reference) {
            let (sa, sb) = served[*id];
            assert!(
                (a - sa).abs() < tolerance && (b - sb).abs() < tolerance,
                "{name} {id}: cs2cs {a},{b}, served {sa},{sb}"
            );
        }
        if crs == Crs::Epsg4326 {
            for id in &ids {
                let (lon, lat) = crs84[*id];
                assert_eq!(served[*id], (lat, lon), "{id}");
            }
        }
    }
    // The single feature too, and the collection lists what it offers.
    let id = ids[0];
    let one = get(
        &state,
        &format!("/ogc/v1/collections/rustpunten/items/{id}?crs=EPSG:4326"),
    )
    .await;
    assert_eq!(
        one.headers["content-crs"],
        "<http://www.opengis.net/def/crs/EPSG/0/4326>"
    );
    let c = &one.json()["geometry"]["coordinates"];
    assert_eq!(
        (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()),
        (crs84[id].1, crs84[id].0)
    );
    let conformance = get(&state, "/ogc/v1/conformance").await.json();
    assert!(
        conformance["conformsTo"]
            .as_array()
            .unwrap()
            .contains(&Value::from(
                "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
            ))
    );
}

/// Ids OGR selects on the RD source with an RD spatial filter.
fn ogr_rd_ids(filter_wkt: &str) -> HashSet<String> {
    let ds =
        gdal::Dataset::open(shared_data().join("other/dutch_addresses_pygeoapi_rd.gpkg")).unwrap();
    let mut layer = ds.layer(0).unwrap();
    layer.set_spatial_filter(&gdal::vector::Geometry::from_wkt(filter_wkt).unwrap());
    layer
        .features()
        .map(|f| {
            f.field_as_string(f.field_index("id").unwrap())
                .unwrap()
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn bbox_crs_and_filter_crs_select_what_ogr_selects_in_rd() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["adressen"]).await;
    let items = "/ogc/v1/collections/adressen/items?limit=10000";
    let served = |page: Value| -> HashSet<String> {
        page["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| id_text(&f["id"]))
            .collect()
    };
    // Edges half a metre off the integer RD coordinates of the addresses.
    let (x1, y1, x2, y2) = (176000.5, 451000.5, 182000.5, 457000.5);
    let expected = ogr_rd_ids(&format!(
        "POLYGON(({x1} {y1},{x2} {y1},{x2} {y2},{x1} {y2},{x1} {y1}))"
    ));
    assert!(
        expected.len() > 100 && expected.len() < 2000,
        "{}",
        expected.len()
    );
    let by_bbox = served(
        get(
            &state,
            &format!("{items}&bbox={x1},{y1},{x2},{y2}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/28992"),
        )
        .await
        .json(),
    );
    assert_eq!(by_bbox, expected);

    // A triangle in RD as a CQL2 filter literal.
    let triangle =
        "POLYGON((175000.5 451000.5,184000.5 452000.5,178000.5 459000.5,175000.5 451000.5))";
    let expected = ogr_rd_ids(triangle);
    assert!(expected.len() > 100);
    let filter = url_encode(&format!("S_INTERSECTS(geometry,{triangle})"));
    let by_filter = served(
        get(
            &state,
            &format!("{items}&filter={filter}&filter-crs=EPSG:28992"),
        )
        .await
        .json(),
    );
    assert_eq!(by_filter, expected);

    // EPSG:4326 boxes are latitude first: the same box as CRS84 with its axes swapped.
    let crs84 = served(
        get(&state, &format!("{items}&bbox=5.72,52.0,5.78,52.06"))
            .await
            .json(),
    );
    let latlon = served(
        get(
            &state,
            &format!("{items}&bbox=52.0,5.72,52.06,5.78&bbox-crs=EPSG:4326"),
        )
        .await
        .json(),
    );
    assert!(!crs84.is_empty());
    assert_eq!(crs84, latlon);
}
