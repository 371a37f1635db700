//! Spatial SQL through the indexes (the R-tree scan of one table, the R-tree join) gives the
//! answers of the plain paths (a full scan, the nested loop join) and of GDAL/GEOS, on the real
//! data; and the shared session state follows new versions.

use std::path::Path;

use gdal::vector::LayerAccess;
use ontsluit::catalog::Catalog;
use ontsluit::store::Store;
use ontsluit::{Settings, SharedState};

use crate::common::*;

const BUURTEN: &str = "boundaries/utrecht_stad_buurt_2015_wgs84.geojson";
const LICHTMASTEN: &str = "other/utrecht_stad_lichtmasten_2015_wgs84.geojson";

/// The repo catalog plus the Utrecht neighbourhoods.
fn catalog(dir: &Path) -> Catalog {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog.toml"))
        .unwrap()
        .replace(
            "sources_dir = \"../shared/data\"",
            &format!("sources_dir = {:?}", shared_data().to_string_lossy()),
        );
    let buurten = dataset_entry(
        "buurten",
        &format!("source = {{ path = \"{BUURTEN}\" }}\nkey = [\"KODE\"]"),
    );
    let path = dir.join("catalog.toml");
    std::fs::write(&path, format!("{text}{buurten}")).unwrap();
    Catalog::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

const DATASETS: &[&str] = &["buurten", "lichtmasten", "gemeenten", "laadpunten"];

async fn state(dir: &Path) -> SharedState {
    let catalog = catalog(dir);
    let data = dir.join("data");
    ingest_all(&catalog, &data, DATASETS);
    ontsluit::state(catalog, &data, Settings::new(PUBLIC_URL))
        .await
        .unwrap()
}

/// The rows of a query, as CSV lines (header first), through the router.
async fn rows(state: &SharedState, q: &str) -> Vec<String> {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", q);
    s.append_pair("f", "csv");
    let reply = get(state, &format!("/sql/v1?{}", s.finish())).await;
    let body = String::from_utf8(reply.body).unwrap();
    assert_eq!(reply.status, 200, "{q}: {body}");
    body.lines().map(str::to_owned).collect()
}

async fn plan(state: &SharedState, q: &str) -> String {
    let reply = get(
        state,
        &format!("/sql/v1?q={}", url_encode(&format!("EXPLAIN {q}"))),
    )
    .await;
    String::from_utf8(reply.body).unwrap()
}

/// Rows the (first) filter of an `EXPLAIN ANALYZE` of `q` got from its scan: the `y` of its
/// `selectivity=…% (x/y)`, where `y` may read `6.82 K`.
async fn scanned_rows(state: &SharedState, q: &str) -> u64 {
    let text = plan(state, &format!("ANALYZE {q}")).await;
    let line = text
        .split("\\n")
        .find(|l| l.contains("FilterExec"))
        .unwrap_or_else(|| panic!("{text}"));
    let read = line
        .split("selectivity=")
        .nth(1)
        .and_then(|s| s.split_once('/'))
        .and_then(|(_, s)| s.split_once(')'))
        .map(|(n, _)| n.trim())
        .unwrap_or_else(|| panic!("{line}"));
    match read.strip_suffix(" K") {
        Some(k) => (k.parse::<f64>().unwrap() * 1000.0) as u64,
        None => read.parse().unwrap(),
    }
}

#[tokio::test]
async fn the_r_tree_join_answers_as_the_nested_loop_and_as_geos() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path()).await;
    let indexed = "SELECT b.\"KODE\", count(*) FROM buurten b \
                   JOIN lichtmasten l ON ST_Contains(b.geometry, l.geometry) GROUP BY 1 ORDER BY 1";
    // `IS TRUE` hides the predicate from the rule (it looks at the filter's `AND`ed terms):
    // the nested loop.
    let looped = "SELECT b.\"KODE\", count(*) FROM buurten b \
                  JOIN lichtmasten l ON ST_Contains(b.geometry, l.geometry) IS TRUE \
                  GROUP BY 1 ORDER BY 1";
    let p = plan(&state, indexed).await;
    assert!(p.contains("SpatialJoinExec"), "{p}");
    assert!(!p.contains("NestedLoopJoinExec"), "{p}");
    let p = plan(&state, looped).await;
    assert!(p.contains("NestedLoopJoinExec"), "{p}");
    let a = rows(&state, indexed).await;
    assert_eq!(a, rows(&state, looped).await);
    assert!(a.len() > 90, "{a:?}");

    // GEOS through GDAL, on the source files: the same count per neighbourhood.
    let buurten = gdal::Dataset::open(shared_data().join(BUURTEN)).unwrap();
    let masten = gdal::Dataset::open(shared_data().join(LICHTMASTEN)).unwrap();
    let points: Vec<gdal::vector::Geometry> = masten
        .layer(0)
        .unwrap()
        .features()
        .filter_map(|f| f.geometry().cloned())
        .collect();
    let mut expected: Vec<String> = buurten
        .layer(0)
        .unwrap()
        .features()
        .filter_map(|f| {
            let kode = f
                .field_as_string(f.field_index("KODE").unwrap())
                .unwrap()
                .unwrap();
            let g = f.geometry()?;
            let env = g.envelope();
            let n = points
                .iter()
                .filter(|p| {
                    let (x, y, _) = p.get_point(0);
                    x >= env.MinX && x <= env.MaxX && y >= env.MinY && y <= env.MaxY
                })
                .filter(|p| g.contains(p))
                .count();
            (n > 0).then(|| format!("{kode},{n}"))
        })
        .collect();
    expected.sort();
    assert_eq!(a[1..], expected[..]);

    // ST_DWithin between two tables: grown boxes, same answer.
    let near = |hide: bool| {
        let is_true = if hide { " IS TRUE" } else { "" };
        format!(
            "SELECT g.statcode, count(*) FROM gemeenten g JOIN laadpunten l \
             ON ST_DWithin(g.geometry, l.geometry, 0.01){is_true} GROUP BY 1 ORDER BY 1"
        )
    };
    assert!(plan(&state, &near(false)).await.contains("SpatialJoinExec"));
    assert!(
        plan(&state, &near(true))
            .await
            .contains("NestedLoopJoinExec")
    );
    let a = rows(&state, &near(false)).await;
    assert_eq!(a, rows(&state, &near(true)).await);
    assert!(a.len() > 20, "{a:?}");
}

#[tokio::test]
async fn single_table_conditions_read_only_candidates_and_answer_as_a_full_scan() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path()).await;
    let cases = [
        // Point in polygon (the Dom tower).
        (
            "SELECT statcode FROM gemeenten WHERE ST_Contains(geometry, ST_Point(5.1214, 52.0907)) ORDER BY 1",
            "SELECT statcode FROM gemeenten WHERE ST_Contains(ST_GeomFromWKB(geometry), ST_Point(5.1214, 52.0907)) ORDER BY 1",
            26,
        ),
        // Within 1 km of Utrecht Centraal, in metres (RD New).
        (
            "SELECT id FROM laadpunten WHERE ST_DWithin(ST_Transform(geometry, 28992), \
             ST_Transform(ST_Point(5.1099, 52.0894), 28992), 1000) ORDER BY 1",
            "SELECT id FROM laadpunten WHERE ST_DWithin(ST_Transform(ST_GeomFromWKB(geometry), 28992), \
             ST_Transform(ST_Point(5.1099, 52.0894), 28992), 1000) ORDER BY 1",
            6834,
        ),
        // In degrees, and the constant first.
        (
            "SELECT id FROM laadpunten WHERE ST_DWithin(ST_Point(5.1099, 52.0894), geometry, 0.01) ORDER BY 1",
            "SELECT id FROM laadpunten WHERE ST_DWithin(ST_Point(5.1099, 52.0894), ST_GeomFromWKB(geometry), 0.01) ORDER BY 1",
            6834,
        ),
        (
            "SELECT \"KODE\" FROM buurten WHERE ST_Intersects(geometry, \
             ST_MakeEnvelope(5.10, 52.08, 5.12, 52.10)) ORDER BY 1",
            "SELECT \"KODE\" FROM buurten WHERE ST_Intersects(ST_GeomFromWKB(geometry), \
             ST_MakeEnvelope(5.10, 52.08, 5.12, 52.10)) ORDER BY 1",
            111,
        ),
    ];
    for (indexed, full, total) in cases {
        let a = rows(&state, indexed).await;
        assert_eq!(a, rows(&state, full).await, "{indexed}");
        assert!(a.len() > 1, "{indexed}: {a:?}");
        let read = scanned_rows(&state, indexed).await;
        assert!(read < total / 4, "{indexed}: {read} rows read");
        let all = scanned_rows(&state, full).await;
        assert!(all * 100 >= total * 99, "{full}: {all} rows read");
    }
    // GEOS: the municipality holding the Dom tower.
    let gemeenten = rows(
        &state,
        "SELECT statcode FROM gemeenten WHERE ST_Contains(geometry, ST_Point(5.1214, 52.0907))",
    )
    .await;
    assert_eq!(gemeenten, ["statcode", "GM0344"]);
}

#[tokio::test]
async fn queries_see_a_new_version_as_soon_as_the_engine_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path()).await;
    let q = "SELECT count(*) FROM lichtmasten WHERE ST_Intersects(geometry, \
             ST_MakeEnvelope(5.0, 52.0, 5.2, 52.2))";
    let before = rows(&state, q).await;
    assert!(plan(&state, q).await.contains("v000001"));
    // A new version (forced re-ingest of the same source) is picked up by the next query.
    let catalog = catalog(dir.path());
    let store = Store::new(dir.path().join("data"));
    ontsluit::ingest::ingest(
        catalog.dataset("lichtmasten").unwrap(),
        &store,
        true,
        &|_, _| {},
    )
    .unwrap();
    assert_eq!(state.engine.refresh().await.len(), 1);
    assert_eq!(rows(&state, q).await, before);
    let tables = get(&state, "/sql/v1/tables").await.json();
    let v = tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "lichtmasten")
        .unwrap()["version"]
        .clone();
    assert_eq!(v, 2);
    // The plan reads the new version's file.
    let p = plan(&state, q).await;
    assert!(p.contains("v000002") && !p.contains("v000001"), "{p}");
}
