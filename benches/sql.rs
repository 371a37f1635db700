//! The SQL endpoint on real data, through the router: a tiny query (the fixed cost of a
//! per-query session, planning and encoding), an aggregate, and the spatial join "charging
//! locations per municipality" (laadpunten × gemeenten, bbox-guarded `ST_Intersects`).
//!
//! `make bench` (optimised build). Data: the shared datasets, ingested into a temp dir.

#![allow(
    clippy::unwrap_used,
    reason = "bench set-up: a failure is a bug to see at once"
)]

use std::path::Path;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use ontsluit::Settings;
use ontsluit::catalog::Catalog;
use ontsluit::store::Store;
use tower::ServiceExt;

fn setup(rt: &tokio::runtime::Runtime, dir: &Path) -> ontsluit::SharedState {
    let catalog =
        Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog.toml")).unwrap();
    let store = Store::new(dir);
    for id in ["gemeenten", "laadpunten"] {
        ontsluit::ingest::ingest(catalog.dataset(id).unwrap(), &store, false, &|_, _| {}).unwrap();
    }
    rt.block_on(ontsluit::state(
        catalog,
        dir,
        Settings::new("http://bench.invalid"),
    ))
    .unwrap()
}

fn uri(q: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", q);
    format!("/sql/v1?{}", s.finish())
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = setup(&rt, dir.path());
    let queries = [
        ("sql: SELECT 1", "SELECT 1"),
        (
            "sql: laadpunten per operator (aggregate)",
            "SELECT \"operatorName\", count(*) FROM laadpunten GROUP BY 1",
        ),
        (
            "sql: laadpunten per gemeente (spatial join)",
            "SELECT g.statnaam, count(*) FROM gemeenten g \
             JOIN laadpunten l ON ST_Intersects(g.geometry, l.geometry) GROUP BY g.statnaam",
        ),
    ];
    for (name, q) in queries {
        let uri = uri(q);
        c.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                let response = ontsluit::app(state.clone())
                    .oneshot(Request::get(&uri).body(Body::empty()).unwrap())
                    .await
                    .unwrap();
                assert!(response.status().is_success());
                response.into_body().collect().await.unwrap().to_bytes()
            })
        });
    }
}

criterion_group! {
    name = sql;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(sql);
