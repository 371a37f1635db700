//! The SQL service on real data: the mix the load benchmark runs against Datasette + SpatiaLite
//! and ROAPI (a count, a group-by over the key figures, the key figures joined to the
//! municipalities, point-in-polygon, street lights per Utrecht neighbourhood, charging points
//! within 1 km of Utrecht Centraal), plus `SELECT 1` (the fixed cost of a query) and charging
//! locations per municipality (a larger spatial join), each through [`SqlService::run`]; and one
//! request through the router (parsing, encoding and the HTTP layer on top).
//!
//! `make bench` (optimised build). Data: the shared datasets, ingested into a temp dir, with
//! the Utrecht neighbourhoods (`buurten`), which the province's catalog does not publish.

#![allow(
    clippy::unwrap_used,
    reason = "bench set-up: a failure is a bug to see at once"
)]

mod common;

use std::path::Path;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use ontsluit::Settings;
use ontsluit::catalog::Catalog;
use ontsluit::sql::SqlRequest;
use ontsluit::store::Store;
use tower::ServiceExt;

/// The SQL mix of the load benchmark (`benches/load/`): name and query.
pub const MIX: &[(&str, &str)] = &[
    ("count", "SELECT count(*) FROM laadpunten"),
    (
        "group-by",
        "SELECT \"Provincie\", count(*) AS gemeenten, sum(inwoners) AS inwoners, \
         avg(_avg_income) AS inkomen FROM kerncijfers_gemeenten GROUP BY \"Provincie\" ORDER BY 1",
    ),
    (
        "join",
        "SELECT g.statnaam, k.inwoners, k._avg_income FROM gemeenten g \
         JOIN kerncijfers_gemeenten k ON k.statcode = g.statcode ORDER BY g.statnaam",
    ),
    (
        "point-in-polygon",
        "SELECT statcode, statnaam FROM gemeenten \
         WHERE ST_Contains(geometry, ST_Point(5.1214, 52.0907))",
    ),
    (
        "lichtmasten per buurt",
        "SELECT b.\"NAAM\", count(*) AS masten FROM buurten b \
         JOIN lichtmasten l ON ST_Contains(b.geometry, l.geometry) \
         GROUP BY b.\"NAAM\" ORDER BY 1",
    ),
    (
        "laadpunten within 1 km",
        "SELECT count(*) FROM laadpunten WHERE ST_DWithin(ST_Transform(geometry, 28992), \
         ST_Transform(ST_Point(5.1099, 52.0894), 28992), 1000)",
    ),
];

const EXTRA: &[(&str, &str)] = &[
    ("select 1", "SELECT 1"),
    (
        "laadpunten per gemeente",
        "SELECT g.statnaam, count(*) FROM gemeenten g \
         JOIN laadpunten l ON ST_Intersects(g.geometry, l.geometry) GROUP BY g.statnaam",
    ),
];

/// The repo catalog plus the Utrecht neighbourhoods.
fn bench_catalog(dir: &Path) -> Catalog {
    let buurten = r#"
[[dataset]]
id = "buurten"
title = { nl = "Buurten gemeente Utrecht (2015)", en = "Neighbourhoods, city of Utrecht (2015)" }
description = { nl = "Benchmarkdata", en = "Benchmark data" }
theme = "REGI"
licence = "CC-BY-4.0"
attribution = "Gemeente Utrecht"
update_frequency = "irreg"
source = { path = "boundaries/utrecht_stad_buurt_2015_wgs84.geojson" }
key = ["KODE"]
"#;
    common::repo_catalog_with(dir, buurten)
}

fn setup(rt: &tokio::runtime::Runtime, dir: &Path) -> ontsluit::SharedState {
    let catalog = bench_catalog(dir);
    let store = Store::new(dir.join("data"));
    for id in [
        "gemeenten",
        "kerncijfers_gemeenten",
        "laadpunten",
        "lichtmasten",
        "buurten",
    ] {
        ontsluit::ingest::ingest(catalog.dataset(id).unwrap(), &store, false, &|_, _| {}).unwrap();
    }
    rt.block_on(ontsluit::state(
        catalog,
        &dir.join("data"),
        Settings::new("http://bench.invalid"),
    ))
    .unwrap()
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = setup(&rt, dir.path());
    for (name, q) in MIX.iter().chain(EXTRA) {
        let request = SqlRequest {
            query: (*q).to_owned(),
            params: Vec::new(),
        };
        let first = rt
            .block_on(state.sql.run(&state.engine, request.clone()))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(first.rows > 0, "{name}: no rows");
        drop(first);
        c.bench_function(&format!("sql: {name}"), |b| {
            b.to_async(&rt).iter(|| async {
                let r = state.sql.run(&state.engine, request.clone()).await.unwrap();
                (r.rows, r.batches)
            })
        });
    }
    let uri = {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("q", MIX[0].1);
        format!("/sql/v1?{}", s.finish())
    };
    c.bench_function("sql over the router: count", |b| {
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

criterion_group! {
    name = sql;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(sql);
