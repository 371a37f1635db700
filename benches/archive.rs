//! Downloads, feeds and the ingest work they add, on real data: a forced re-ingest of
//! laadpunten (read, change summary against the previous version, GeoParquet, GeoPackage,
//! FlatGeobuf), whole-dataset downloads through the router, and the catalog feed.
//!
//! `make bench` (optimised build). Data: the shared datasets, ingested into a temp dir.

#![allow(
    clippy::unwrap_used,
    reason = "bench set-up: a failure is a bug to see at once"
)]

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use ontsluit::Settings;
use ontsluit::catalog::Catalog;
use ontsluit::store::Store;
use tower::ServiceExt;

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let catalog =
        Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog.toml")).unwrap();
    let store = Store::new(dir.path());
    for id in ["laadpunten", "lichtmasten", "gemeenten"] {
        ontsluit::ingest::ingest(catalog.dataset(id).unwrap(), &store, false, &|_, _| {}).unwrap();
    }

    let laadpunten = catalog.dataset("laadpunten").unwrap().clone();
    let mut ingest = c.benchmark_group("ingest");
    ingest.sample_size(10);
    ingest.bench_function(
        "laadpunten, forced (6824 points, with change summary and downloads)",
        |b| {
            b.iter(|| {
                let outcome =
                    ontsluit::ingest::ingest(&laadpunten, &store, true, &|_, _| {}).unwrap();
                // Keep the store small: only the two newest versions matter to the next iteration.
                store.prune(&laadpunten.id, 2).unwrap();
                outcome
            })
        },
    );
    ingest.finish();

    let state = rt
        .block_on(ontsluit::state(
            catalog,
            dir.path(),
            Settings::new("http://bench.invalid"),
        ))
        .unwrap();
    let request = |uri: &str| {
        let state = Arc::clone(&state);
        let uri = uri.to_owned();
        move || {
            let state = Arc::clone(&state);
            let uri = uri.clone();
            async move {
                let response = ontsluit::app(state)
                    .oneshot(Request::get(uri.as_str()).body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                assert!(response.status().is_success(), "{uri}");
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
    let mut group = c.benchmark_group("downloads");
    for (name, uri) in [
        (
            "laadpunten GeoJSON (streamed)",
            "/datasets/laadpunten/download.geojson",
        ),
        (
            "laadpunten CSV (streamed)",
            "/datasets/laadpunten/download.csv",
        ),
        (
            "laadpunten GeoParquet (stored)",
            "/datasets/laadpunten/download.parquet",
        ),
        (
            "laadpunten GeoPackage (stored)",
            "/datasets/laadpunten/download.gpkg",
        ),
        ("versions list", "/datasets/laadpunten/versions"),
        ("catalog feed", "/feeds/datasets.atom"),
        (
            "catalog feed, bbox",
            "/feeds/datasets.atom?bbox=5.0,52.0,5.2,52.2",
        ),
    ] {
        let run = request(uri);
        group.bench_function(name, |b| b.to_async(&rt).iter(&run));
    }
    group.finish();
}

criterion_group! {
    name = archive;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(archive);
