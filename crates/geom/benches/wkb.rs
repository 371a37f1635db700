//! WKB → GeoJSON, WKT and `geo`: our writers (driven by geozero's WKB reader) against
//! geozero's own writers, on points, polygons and a large multipolygon. The figures against the
//! hand-written reader they replaced are in docs/architecture.md ("Geometry libraries"; the
//! comparison is the bench of commit bb2a1de).
//!
//! `cargo bench -p ontsluit-geom` (builds no DataFusion). geozero's GeoJSON and WKT writers
//! write full precision, so they do less rounding work than ours: they are the reference for
//! speed, not an alternative for output.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use geozero::ToGeo;
use geozero::wkb::Wkb;
use ontsluit_geom::build::W;

/// A closed ring of `n` vertices around (x, y), in degrees.
fn ring(x: f64, y: f64, n: usize) -> Vec<(f64, f64)> {
    let mut pts: Vec<(f64, f64)> = (0..n - 1)
        .map(|i| {
            let a = i as f64 / (n - 1) as f64 * std::f64::consts::TAU;
            (x + 0.01 * a.cos(), y + 0.01 * a.sin())
        })
        .collect();
    pts.push(pts[0]);
    pts
}

fn polygon(x: f64, y: f64, n: usize) -> W {
    let r = ring(x, y, n);
    W::new(3).n(1).n(r.len() as u32).xy(&r)
}

fn inputs() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let points = (0..1000)
        .map(|i| {
            let f = i as f64;
            W::new(1)
                .xy(&[(5.1 + f * 0.000_123_456_7, 52.09 + f * 0.000_098_765_4)])
                .0
        })
        .collect();
    let polygons = (0..100)
        .map(|i| polygon(5.0 + i as f64 * 0.01, 52.0, 50).0)
        .collect();
    let mut multi = W::new(6).n(10);
    for i in 0..10 {
        multi = multi.raw(polygon(5.0 + i as f64 * 0.03, 52.0, 1000));
    }
    vec![
        ("1000 points", points),
        ("100 polygons of 50", polygons),
        ("multipolygon 10 x 1000", vec![multi.0]),
    ]
}

fn benches(c: &mut Criterion) {
    let inputs = inputs();
    let mut out = Vec::with_capacity(1 << 20);

    let mut group = c.benchmark_group("wkb to GeoJSON");
    for (name, wkbs) in &inputs {
        group.bench_with_input(
            BenchmarkId::new("ours, 7 decimals", name),
            wkbs,
            |b, wkbs| {
                b.iter(|| {
                    out.clear();
                    for w in wkbs {
                        ontsluit_geom::geojson::write_geometry(w, 7, &mut out).unwrap();
                    }
                    out.len()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("geozero GeoJsonWriter, full precision", name),
            wkbs,
            |b, wkbs| {
                b.iter(|| {
                    out.clear();
                    for w in wkbs {
                        let mut writer = geozero::geojson::GeoJsonWriter::new(&mut out);
                        geozero::GeozeroGeometry::process_geom(&Wkb(w), &mut writer).unwrap();
                    }
                    out.len()
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("wkb to WKT");
    for (name, wkbs) in &inputs {
        group.bench_with_input(
            BenchmarkId::new("ours, 7 decimals", name),
            wkbs,
            |b, wkbs| {
                b.iter(|| {
                    out.clear();
                    for w in wkbs {
                        ontsluit_geom::wkt::write_wkt(w, 7, &mut out).unwrap();
                    }
                    out.len()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("geozero WktWriter, full precision", name),
            wkbs,
            |b, wkbs| {
                b.iter(|| {
                    out.clear();
                    for w in wkbs {
                        let mut writer = geozero::wkt::WktWriter::new(&mut out);
                        geozero::GeozeroGeometry::process_geom(&Wkb(w), &mut writer).unwrap();
                    }
                    out.len()
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("wkb to geo");
    for (name, wkbs) in &inputs {
        group.bench_with_input(BenchmarkId::new("ours", name), wkbs, |b, wkbs| {
            b.iter(|| {
                for w in wkbs {
                    black_box(ontsluit_geom::to_geo::to_geo(w).unwrap());
                }
            })
        });
        group.bench_with_input(
            BenchmarkId::new("geozero geo_types writer", name),
            wkbs,
            |b, wkbs| {
                b.iter(|| {
                    for w in wkbs {
                        black_box(Wkb(w).to_geo().unwrap());
                    }
                })
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = wkb;
    config = Criterion::default().sample_size(30);
    targets = benches
}
criterion_main!(wkb);
