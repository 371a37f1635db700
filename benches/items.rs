//! Hot paths of the feature API on real data: encoding a page of 1000 features, and whole
//! requests through the router (first page, deep page, bbox pages, filters, other CRSs and
//! encodings, one feature).
//!
//! `make bench` (optimised build). Data: the shared datasets, ingested into a temp dir, and the
//! GeoNames world places (171 075 points, `large/`) as the large dataset.

#![allow(
    clippy::unwrap_used,
    reason = "bench set-up: a failure is a bug to see at once"
)]

mod common;

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use futures::TryStreamExt;
use http_body_util::BodyExt;
use ontsluit::Settings;
use ontsluit::catalog::{Catalog, DatasetId};
use ontsluit::encode::geojson::{FeatureEncoder, encoder_options};
use ontsluit::engine::ItemsQuery;
use ontsluit::store::Store;
use tower::ServiceExt;

/// The repo catalog plus the GeoNames places, which the province does not publish.
fn bench_catalog(dir: &Path) -> Catalog {
    let places = r#"
[[dataset]]
id = "plaatsen"
title = { nl = "Plaatsen in de wereld (GeoNames)", en = "Places of the world (GeoNames)" }
description = { nl = "Benchmarkdata", en = "Benchmark data" }
theme = "REGI"
licence = "CC-BY-4.0"
attribution = "GeoNames"
update_frequency = "irreg"
source = { path = "large/geonames_cities_world.csv.gz", open_options = ["X_POSSIBLE_NAMES=lng", "Y_POSSIBLE_NAMES=lat", "AUTODETECT_TYPE=YES"], crs = "OGC:CRS84" }
key = ["country", "admin1", "admin2", "name", "lat", "lng"]
duplicates = "drop-identical"
"#;
    common::repo_catalog_with(dir, places)
}

fn setup(rt: &tokio::runtime::Runtime, dir: &Path) -> ontsluit::SharedState {
    let catalog = bench_catalog(dir);
    let store = Store::new(dir.join("data"));
    for id in [
        "lichtmasten",
        "natura2000",
        "laadpunten",
        "adressen",
        "plaatsen",
    ] {
        ontsluit::ingest::ingest(catalog.dataset(id).unwrap(), &store, false, &|_, _| {}).unwrap();
    }
    let dir = dir.join("data");
    let dir = dir.as_path();
    rt.block_on(ontsluit::state(
        catalog,
        dir,
        Settings::new("http://bench.invalid"),
    ))
    .unwrap()
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = setup(&rt, dir.path());

    // Encoding alone: 1000 street lights.
    let id = DatasetId::parse("lichtmasten").unwrap();
    let version = state.engine.current(&id).unwrap();
    let query = ItemsQuery {
        limit: 1000,
        ..Default::default()
    };
    let batches: Vec<_> = rt
        .block_on(async {
            state
                .engine
                .items(&version, &query)
                .await
                .unwrap()
                .stream
                .try_collect::<Vec<_>>()
                .await
        })
        .unwrap();
    let options = encoder_options();
    c.bench_function("encode 1000 point features (GeoJSON)", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(1 << 20);
            for batch in &batches {
                let fields = batch.schema().fields().to_vec();
                let mut enc = FeatureEncoder::new(batch, &fields, &options, 7).unwrap();
                for row in 0..batch.num_rows() {
                    enc.write(row, b"", &mut out).unwrap();
                }
            }
            out
        })
    });

    // CQL2: parse a realistic filter and translate it into a DataFusion expression.
    let queryables = ontsluit::engine::filter::Queryables::from_schema(version.schema().as_ref());
    let text = "STRAAT LIKE 'Lange%' AND MASTLENGTE IN ('6', '8') AND S_INTERSECTS(geometry, POLYGON((5.11 52.08,5.13 52.08,5.13 52.095,5.11 52.08)))";
    c.bench_function("cql2 parse + translate", |b| {
        b.iter(|| {
            let ast = cql2::parse_text(text).unwrap();
            ontsluit::engine::filter::to_expr(&ast, &queryables).unwrap()
        })
    });

    // One router, as a server has: building it is not part of a request.
    let router = ontsluit::app(Arc::clone(&state));
    let request = |uri: String| {
        let router = router.clone();
        move || {
            let router = router.clone();
            let uri = uri.clone();
            async move {
                let response = router
                    .oneshot(Request::get(uri.as_str()).body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                assert!(response.status().is_success());
                response
                    .into_body()
                    .collect()
                    .await
                    .unwrap()
                    .to_bytes()
                    .len()
            }
        }
    };
    // A real feature id (a composite with spaces and colons), taken from the data.
    let first = rt
        .block_on(async {
            let v = state
                .engine
                .current(&DatasetId::parse("laadpunten").unwrap())
                .unwrap();
            let q = ItemsQuery {
                limit: 1,
                ..Default::default()
            };
            state
                .engine
                .items(&v, &q)
                .await
                .unwrap()
                .stream
                .try_collect::<Vec<_>>()
                .await
        })
        .unwrap();
    let feature_id = arrow::util::display::ArrayFormatter::try_new(
        first[0].column(0).as_ref(),
        &Default::default(),
    )
    .unwrap()
    .value(0)
    .to_string();
    let one_feature = format!(
        "/ogc/v1/collections/laadpunten/items/{}",
        ontsluit::ogcapi::path_segment(&feature_id)
    );

    // A bbox page (Europe) 20 000 matches deep, asked by offset and by the keyset cursor that the
    // page before it links to as `next`.
    let deep_filter = "/ogc/v1/collections/plaatsen/items?limit=100&bbox=-10,35,30,60";
    let deep_by_offset = format!("{deep_filter}&cursor=1.20000");
    let deep_by_start = rt.block_on(async {
        let before = format!("{deep_filter}&cursor=1.19900");
        let response = router
            .clone()
            .oneshot(Request::get(before.as_str()).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let next = page["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "next")
            .expect("a next link")["href"]
            .as_str()
            .unwrap()
            .to_owned();
        let path = &next[next.find("/ogc/v1").expect("an API link")..];
        assert_eq!(path.split("cursor=").nth(1).unwrap().split('.').count(), 3);
        path.to_owned()
    });

    let mut group = c.benchmark_group("requests");
    for (name, uri) in [
        ("landing page", "/ogc/v1"),
        ("conformance", "/ogc/v1/conformance"),
        ("collections", "/ogc/v1/collections"),
        ("one collection", "/ogc/v1/collections/lichtmasten"),
        ("queryables", "/ogc/v1/collections/lichtmasten/queryables"),
        ("OpenAPI", "/ogc/v1/api"),
        ("DCAT catalog (JSON-LD)", "/catalog?f=jsonld"),
        (
            "first page, limit 10",
            "/ogc/v1/collections/lichtmasten/items",
        ),
        (
            "page of 100",
            "/ogc/v1/collections/lichtmasten/items?limit=100",
        ),
        (
            "bbox page, limit 10",
            "/ogc/v1/collections/lichtmasten/items?bbox=5.115,52.085,5.125,52.092",
        ),
        (
            "property filter, limit 10",
            "/ogc/v1/collections/lichtmasten/items?MASTLENGTE=8",
        ),
        (
            "deep page, offset 9000",
            "/ogc/v1/collections/lichtmasten/items?cursor=1.9000",
        ),
        (
            "page of 1000",
            "/ogc/v1/collections/laadpunten/items?limit=1000",
        ),
        (
            "bbox 1% of street lights",
            "/ogc/v1/collections/lichtmasten/items?limit=1000&bbox=5.115,52.085,5.125,52.092",
        ),
        (
            "bbox over polygons",
            "/ogc/v1/collections/natura2000/items?bbox=5.0,52.0,5.3,52.2",
        ),
        (
            "cql2 filter, parse to page",
            "/ogc/v1/collections/lichtmasten/items?limit=1000&filter=STRAAT%20LIKE%20%27Lange%25%27%20AND%20S_INTERSECTS(geometry,%20POLYGON((5.11%2052.08,5.13%2052.08,5.13%2052.095,5.11%2052.08)))",
        ),
        (
            "bbox 1% of 171 075 places, limit 10000",
            "/ogc/v1/collections/plaatsen/items?limit=10000&bbox=5,49,8,51",
        ),
        (
            "page of 1000 places, offset 150000",
            "/ogc/v1/collections/plaatsen/items?limit=1000&cursor=1.150000",
        ),
        (
            "page of 1000 addresses in RD (crs=EPSG:28992)",
            "/ogc/v1/collections/adressen/items?limit=1000&crs=EPSG:28992",
        ),
        (
            "page of 1000 addresses, JSON-FG with RD place",
            "/ogc/v1/collections/adressen/items?limit=1000&crs=EPSG:28992&f=jsonfg",
        ),
        (
            "page of 1000 charging points, CSV",
            "/ogc/v1/collections/laadpunten/items?limit=1000&f=csv",
        ),
        (
            "page of 1000 charging points, FlatGeobuf",
            "/ogc/v1/collections/laadpunten/items?limit=1000&f=fgb",
        ),
        (
            "RD bbox (bbox-crs=EPSG:28992) over addresses",
            "/ogc/v1/collections/adressen/items?limit=1000&bbox=176000,451000,182000,457000&bbox-crs=EPSG:28992",
        ),
        ("one feature", one_feature.as_str()),
        (
            "bbox page of 100 places 20 000 deep, by offset",
            deep_by_offset.as_str(),
        ),
        (
            "bbox page of 100 places 20 000 deep, by keyset cursor",
            deep_by_start.as_str(),
        ),
        (
            "HTML page, limit 10",
            "/ogc/v1/collections/lichtmasten/items?f=html",
        ),
        (
            "what is here, Utrecht centre (JSON)",
            "/locate?lon=5.1214&lat=52.0907",
        ),
        ("place search (JSON)", "/locate?q=utrecht"),
    ] {
        let run = request(uri.to_owned());
        group.bench_function(name, |b| b.to_async(&rt).iter(&run));
    }
    group.finish();
}

criterion_group! {
    name = items;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(items);
