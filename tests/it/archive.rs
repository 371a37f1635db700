//! Downloads, the version archive and the change feeds, end to end through the real ingest and
//! router: a shared dataset is ingested, re-ingested unchanged, then re-ingested from a copy this
//! test modifies (features deleted, moved, edited and added). Expected counts and extents are
//! computed here from the two GeoJSON files, independently of the ingest.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use ontsluit::Settings;
use ontsluit::ingest::{self, Outcome};
use ontsluit::store::Store;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::*;

const SOURCE: &str = "other/provincie_utrecht_rustpunten_wgs84.geojson";

fn entry(path: &Path) -> String {
    dataset_entry(
        "rustpunten",
        &format!(
            "source = {{ path = {:?}, crs = \"OGC:CRS84\" }}\nkey = [\"OBJECTID\"]\n[dataset.columns.id]\nname = \"wfs_id\"",
            path.to_string_lossy()
        ),
    )
}

fn xy(f: &Value) -> (f64, f64) {
    let c = &f["geometry"]["coordinates"];
    (c[0].as_f64().unwrap(), c[1].as_f64().unwrap())
}

fn object_id(f: &Value) -> i64 {
    f["properties"]["OBJECTID"].as_i64().unwrap()
}

/// The modified copy: of the 14 westernmost features, 5 are deleted, 4 moved, 2 renamed; 3 new
/// ones are added near the west edge. Returns the file and the expected extent of the changes.
fn modify(original: &Value) -> (Value, [f64; 4]) {
    let mut features: Vec<Value> = original["features"].as_array().unwrap().clone();
    let mut west: Vec<(f64, i64)> = features.iter().map(|f| (xy(f).0, object_id(f))).collect();
    west.sort_by(|a, b| a.0.total_cmp(&b.0));
    let ids: Vec<i64> = west.iter().take(14).map(|w| w.1).collect();
    let (deleted, rest) = ids.split_at(5);
    let (moved, renamed) = (&rest[..4], &rest[4..6]);

    let mut extent = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    let mut grow = |(x, y): (f64, f64)| {
        extent = [
            extent[0].min(x),
            extent[1].min(y),
            extent[2].max(x),
            extent[3].max(y),
        ];
    };
    let template = features[0].clone();
    features.retain(|f| {
        if deleted.contains(&object_id(f)) {
            grow(xy(f));
            false
        } else {
            true
        }
    });
    for f in features.iter_mut() {
        let id = object_id(f);
        if moved.contains(&id) {
            grow(xy(f));
            let (x, y) = xy(f);
            f["geometry"]["coordinates"] = serde_json::json!([x + 0.01, y - 0.005]);
            grow((x + 0.01, y - 0.005));
        } else if renamed.contains(&id) {
            grow(xy(f));
            f["properties"]["BEDRIJFSNAAM"] = Value::from("Nieuwe naam");
        }
    }
    let (x0, y0) = (west[0].0, 52.0);
    for k in 0..3 {
        let mut f = template.clone();
        f["id"] = Value::from(format!("Rustpunten.{}", 1000 + k));
        f["properties"]["OBJECTID"] = Value::from(1000 + k);
        f["properties"]["BEDRIJFSNAAM"] = Value::from(format!("Nieuw rustpunt {k}"));
        let p = (x0 + 0.002 * k as f64, y0 + 0.001 * k as f64);
        f["geometry"]["coordinates"] = serde_json::json!([p.0, p.1]);
        grow(p);
        features.push(f);
    }
    let mut copy = original.clone();
    copy["features"] = Value::from(features);
    (copy, extent)
}

/// `ogrinfo -so` of a downloaded file: its feature count.
fn ogr_feature_count(bytes: &[u8], dir: &Path, name: &str) -> u64 {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("ogrinfo")
        .args(["-ro", "-so", "-al"])
        .arg(&path)
        .output()
        .expect("ogrinfo (gdal-bin) is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "ogrinfo {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .unwrap_or_else(|| panic!("no feature count for {name}:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

fn entries(feed: &str) -> Vec<String> {
    feed.split("<entry>")
        .skip(1)
        .map(|e| e.split("</entry>").next().unwrap().to_owned())
        .collect()
}

fn entry_versions(feed: &str) -> Vec<u64> {
    entries(feed)
        .iter()
        .map(|e| {
            let id = e
                .split("<id>")
                .nth(1)
                .unwrap()
                .split("</id>")
                .next()
                .unwrap();
            id.rsplit('/').next().unwrap().parse().unwrap()
        })
        .collect()
}

fn header<'a>(r: &'a Reply, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn versions_changes_downloads_and_feeds() {
    let dir = tempfile::tempdir().unwrap();
    let original: Value =
        serde_json::from_slice(&std::fs::read(shared_data().join(SOURCE)).unwrap()).unwrap();
    let total = original["features"].as_array().unwrap().len() as u64;
    let src = dir.path().join("rustpunten.geojson");
    std::fs::write(&src, original.to_string()).unwrap();
    let catalog = write_catalog(dir.path(), &[entry(&src)]);
    let ds = &catalog.datasets[0];
    let data = dir.path().join("data");
    let store = Store::new(&data);

    // Version 1; version 2 re-ingests the same content (forced): nothing changed.
    let first = ingest::ingest(ds, &store, false, &|_, _| {}).unwrap();
    let Outcome::Written { changes, .. } = first else {
        panic!("{first:?}")
    };
    assert_eq!((changes.previous, changes.added), (None, total));
    let v1_extent = changes.extent.unwrap();
    let again = ingest::ingest(ds, &store, true, &|_, _| {}).unwrap();
    let Outcome::Written { changes, .. } = again else {
        panic!("{again:?}")
    };
    assert_eq!(
        (
            changes.previous,
            changes.added,
            changes.removed,
            changes.changed,
            changes.unchanged
        ),
        (Some(1), 0, 0, 0, total),
        "the same content hashes the same in memory and read back from Parquet"
    );
    assert_eq!(changes.extent, None);

    // Version 3: the modified copy.
    let (copy, expected_extent) = modify(&original);
    std::fs::write(&src, copy.to_string()).unwrap();
    let third = ingest::ingest(ds, &store, false, &|_, _| {}).unwrap();
    let Outcome::Written {
        version, changes, ..
    } = third
    else {
        panic!("{third:?}")
    };
    assert_eq!(version, 3);
    assert_eq!(
        (
            changes.previous,
            changes.added,
            changes.removed,
            changes.changed,
            changes.unchanged
        ),
        (Some(2), 3, 5, 6, total - 11)
    );
    let extent = changes.extent.unwrap();
    for (got, want) in extent.iter().zip(expected_extent) {
        assert!(
            (got - want).abs() < 1e-7,
            "{extent:?} vs {expected_extent:?}"
        );
    }
    let v3_rows = total - 5 + 3;
    let manifest = store.manifest(&ds.id, 3).unwrap();
    assert_eq!(manifest.changes.as_ref(), Some(&changes));
    assert_eq!(
        manifest
            .files
            .iter()
            .map(|f| f.format.as_str())
            .collect::<Vec<_>>(),
        ["gpkg", "fgb"]
    );

    let state = ontsluit::state(catalog.clone(), &data, Settings::new(PUBLIC_URL))
        .await
        .unwrap();

    // The OGC API reads a kept version with `?version=`: version 1 still has every original
    // feature, the current one the modified copy; paging links keep the version.
    let items = "/ogc/v1/collections/rustpunten/items?limit=100";
    let current = get(&state, items).await.json();
    assert_eq!(current["numberMatched"], v3_rows);
    let old = get(&state, &format!("{items}&version=1")).await.json();
    assert_eq!(old["numberMatched"], total);
    let old_ids: std::collections::HashSet<i64> = old["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(object_id)
        .collect();
    let original_ids: std::collections::HashSet<i64> = original["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(object_id)
        .collect();
    assert_eq!(old_ids, original_ids);
    let paged = get(
        &state,
        "/ogc/v1/collections/rustpunten/items?limit=10&version=1",
    )
    .await
    .json();
    let next = link(&paged, "next").unwrap();
    assert!(
        next.contains("version=1") && next.contains("cursor=1.10"),
        "{next}"
    );
    // Served ids are the OBJECTID key.
    let current_ids: std::collections::HashSet<i64> = current["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    let removed = original_ids
        .difference(&current_ids)
        .next()
        .expect("the copy removed features");
    let one = get(
        &state,
        &format!("/ogc/v1/collections/rustpunten/items/{removed}?version=1"),
    )
    .await;
    assert_eq!(one.status, 200);
    assert_problem(
        &get(
            &state,
            &format!("/ogc/v1/collections/rustpunten/items/{removed}"),
        )
        .await,
        404,
        "has no feature",
    );

    // The archive lists every version, newest first, with its changes and downloads.
    let list = get(&state, "/datasets/rustpunten/versions").await.json();
    assert_eq!(list["current"], 3);
    let versions: Vec<&Value> = list["versions"].as_array().unwrap().iter().collect();
    assert_eq!(
        versions
            .iter()
            .map(|v| v["version"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [3, 2, 1]
    );
    assert_eq!(versions[0]["changes"]["removed"], 5);
    assert_eq!(versions[0]["rows"], v3_rows);
    let parquet = versions[0]["downloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["format"] == "parquet")
        .unwrap();
    assert_eq!(parquet["sha256"], manifest.data_sha256.as_str());
    let one = get(&state, "/datasets/rustpunten/versions/1").await.json();
    assert_eq!(one["changes"]["added"], total);

    // Feeds: one entry per version, newest first, with the change summary.
    let feed = get(&state, "/datasets/rustpunten/feed.atom").await;
    assert_eq!(feed.status, 200);
    assert!(header(&feed, "content-type").starts_with("application/atom+xml"));
    let feed_etag = header(&feed, "etag").to_owned();
    let unchanged = get_with(
        &state,
        "/datasets/rustpunten/feed.atom",
        &[("if-none-match", feed_etag.as_str())],
    )
    .await;
    assert_eq!(unchanged.status, 304);
    let feed = String::from_utf8(feed.body).unwrap();
    assert_eq!(entry_versions(&feed), [3, 2, 1]);
    let newest = &entries(&feed)[0];
    assert!(
        newest.contains("3 toegevoegd, 5 verwijderd, 6 gewijzigd"),
        "{newest}"
    );
    assert!(
        newest.contains("/datasets/rustpunten/versions/3/download.gpkg"),
        "{newest}"
    );
    let english = get_with(&state, "/feeds/datasets.atom", &[("accept-language", "en")]).await;
    let english = String::from_utf8(english.body).unwrap();
    assert_eq!(entry_versions(&english), [3, 2, 1]);
    assert!(english.contains("3 added, 5 removed, 6 changed"));

    // Area filter: the changes' box keeps version 3 (and version 1, whose extent is everything);
    // a box inside the dataset but east of the changes keeps only version 1; version 2 changed
    // nothing anywhere.
    let bbox = |b: [f64; 4]| format!("{},{},{},{}", b[0], b[1], b[2], b[3]);
    let inside = [
        expected_extent[0] + 0.001,
        expected_extent[1],
        expected_extent[2],
        expected_extent[3],
    ];
    let east = [
        expected_extent[2] + 0.01,
        v1_extent[1],
        v1_extent[2],
        v1_extent[3],
    ];
    assert!(
        east[0] < east[2],
        "the test needs features east of the changes"
    );
    for (b, want) in [
        (inside, vec![3, 1]),
        (east, vec![1]),
        ([10.0, 40.0, 11.0, 41.0], vec![]),
    ] {
        for path in ["/datasets/rustpunten/feed.atom", "/feeds/datasets.atom"] {
            let r = get(&state, &format!("{path}?bbox={}", bbox(b))).await;
            assert_eq!(r.status, 200);
            let text = String::from_utf8(r.body).unwrap();
            assert_eq!(entry_versions(&text), want, "{path} bbox {b:?}");
        }
    }

    // Downloads of the current and of an old version open in GDAL with every feature.
    let files = tempfile::tempdir().unwrap();
    for (path, rows) in [
        ("/datasets/rustpunten", v3_rows),
        ("/datasets/rustpunten/versions/1", total),
        ("/datasets/rustpunten/versions/3", v3_rows),
    ] {
        for fmt in ["geojson", "csv", "gpkg", "fgb"] {
            let r = get(&state, &format!("{path}/download.{fmt}")).await;
            assert_eq!(
                r.status,
                200,
                "{path} {fmt}: {}",
                String::from_utf8_lossy(&r.body)
            );
            let name = format!("{}.{fmt}", path.replace('/', "_"));
            assert_eq!(
                ogr_feature_count(&r.body, files.path(), &name),
                rows,
                "{path} {fmt}"
            );
        }
    }
    let old = get(&state, "/datasets/rustpunten/versions/1/download.geojson")
        .await
        .json();
    let old_ids: HashMap<i64, &Value> = old["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_i64().unwrap(), f))
        .collect();
    let original_ids: Vec<i64> = original["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(object_id)
        .collect();
    assert!(original_ids.iter().all(|id| old_ids.contains_key(id)));
    assert_eq!(old_ids.len(), original_ids.len());

    // The stored GeoParquet: length, checksum, validators, conditional GET, ranges.
    let r = get(&state, "/datasets/rustpunten/download.parquet").await;
    assert_eq!(r.status, 200);
    assert_eq!(header(&r, "content-type"), "application/vnd.apache.parquet");
    assert_eq!(header(&r, "content-length"), r.body.len().to_string());
    assert_eq!(
        format!("{:x}", Sha256::digest(&r.body)),
        manifest.data_sha256
    );
    assert_eq!(header(&r, "accept-ranges"), "bytes");
    assert!(header(&r, "content-encoding").is_empty());
    let etag = header(&r, "etag").to_owned();
    let modified = header(&r, "last-modified").to_owned();
    assert_eq!(etag, format!("\"{}\"", manifest.data_sha256));
    for h in [
        ("if-none-match", etag.as_str()),
        ("if-modified-since", modified.as_str()),
    ] {
        let r = get_with(&state, "/datasets/rustpunten/download.parquet", &[h]).await;
        assert_eq!(r.status, 304, "{h:?}");
        assert!(r.body.is_empty());
        assert_eq!(header(&r, "etag"), etag);
    }
    let stale = get_with(
        &state,
        "/datasets/rustpunten/download.parquet",
        &[("if-none-match", "\"stale\"")],
    )
    .await;
    assert_eq!(stale.status, 200);
    let r = get_with(
        &state,
        "/datasets/rustpunten/download.parquet",
        &[("range", "bytes=0-3")],
    )
    .await;
    assert_eq!(r.status, 206);
    assert_eq!(r.body, b"PAR1");
    assert_eq!(
        header(&r, "content-range"),
        format!("bytes 0-3/{}", manifest.data_bytes)
    );
    let parts = get_with(
        &state,
        "/datasets/rustpunten/download.parquet",
        &[("range", "bytes=0-3,-4")],
    )
    .await;
    assert_eq!(parts.status, 206);
    assert_eq!(
        header(&parts, "content-length"),
        parts.body.len().to_string()
    );
    let boundary = header(&parts, "content-type")
        .strip_prefix("multipart/byteranges; boundary=")
        .unwrap()
        .to_owned();
    let text = String::from_utf8_lossy(&parts.body);
    let n = manifest.data_bytes;
    for range in [
        format!("bytes 0-3/{n}"),
        format!("bytes {}-{}/{n}", n - 4, n - 1),
    ] {
        let part = format!(
            "--{boundary}\r\nContent-Type: application/vnd.apache.parquet\r\nContent-Range: {range}\r\n\r\nPAR1\r\n"
        );
        assert!(text.contains(&part), "{range} in {text}");
    }
    assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    // If-Range: a range of another representation is not served; the whole file is.
    let r = get_with(
        &state,
        "/datasets/rustpunten/download.parquet",
        &[("range", "bytes=0-3"), ("if-range", "\"stale\"")],
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.body.len() as u64),
        (200, manifest.data_bytes)
    );
    let r = get_with(
        &state,
        "/datasets/rustpunten/download.parquet",
        &[("range", "bytes=0-3"), ("if-range", etag.as_str())],
    )
    .await;
    assert_eq!(r.status, 206);
    let tail = get_with(
        &state,
        "/datasets/rustpunten/download.parquet",
        &[("range", "bytes=-4")],
    )
    .await;
    assert_eq!(
        (tail.status.as_u16(), tail.body.as_slice()),
        (206, &b"PAR1"[..])
    );
    for bad in ["bytes=abc", "bytes=5-1", "lines=1-2", "bytes=999999999-"] {
        let r = get_with(
            &state,
            "/datasets/rustpunten/download.parquet",
            &[("range", bad)],
        )
        .await;
        assert_problem(&r, 416, "Range");
        assert_eq!(
            header(&r, "content-range"),
            format!("bytes */{}", manifest.data_bytes)
        );
    }
    let gpkg = get(&state, "/datasets/rustpunten/versions/3/download.gpkg").await;
    assert_eq!(
        format!("{:x}", Sha256::digest(&gpkg.body)),
        manifest.file("gpkg").unwrap().sha256
    );

    // Text downloads are compressed when the client accepts it; stored files never are.
    let r = get_with(
        &state,
        "/datasets/rustpunten/download.geojson",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(header(&r, "content-encoding"), "gzip");
    let r = get_with(
        &state,
        "/datasets/rustpunten/download.gpkg",
        &[("accept-encoding", "gzip, br")],
    )
    .await;
    assert!(header(&r, "content-encoding").is_empty());

    // Bad input: problem+json.
    for (path, status, needle) in [
        (
            "/datasets/onbekend/download.parquet",
            404,
            "no dataset `onbekend`",
        ),
        (
            "/datasets/rustpunten/download.shp",
            404,
            "unknown download format `shp`",
        ),
        (
            "/datasets/rustpunten/versions/99/download.parquet",
            404,
            "no version `99`",
        ),
        (
            "/datasets/rustpunten/versions/x/download.geojson",
            404,
            "no version `x`",
        ),
        ("/datasets/rustpunten/versions/99", 404, "no version `99`"),
        ("/datasets/onbekend/versions", 404, "no dataset"),
        ("/datasets/onbekend/feed.atom", 404, "no dataset"),
        ("/feeds/datasets.atom?bbox=1,2", 400, "bbox"),
        ("/feeds/datasets.atom?limit=3", 400, "limit"),
        // Downloads and versions take no parameters: unknown ones are refused, as everywhere.
        (
            "/datasets/rustpunten/download.parquet?version=1",
            400,
            "unknown parameter `version`",
        ),
        (
            "/datasets/rustpunten/versions?f=xml",
            400,
            "f `xml` is not a format of this resource (available: json, html)",
        ),
        (
            "/datasets/rustpunten/versions/1?x=1",
            400,
            "unknown parameter `x`",
        ),
    ] {
        assert_problem(&get(&state, path).await, status, needle);
    }
    let r = get_with(
        &state,
        "/datasets/rustpunten/download.parquet",
        &[("accept", "text/csv")],
    )
    .await;
    assert_problem(&r, 406, "application/vnd.apache.parquet");

    // Retention removes the oldest version; its downloads are then gone (404), also for the
    // engine's cache of opened old versions.
    let pinned = get(&state, "/datasets/rustpunten/versions/1/download.geojson").await;
    assert_eq!(pinned.status, 200);
    assert_eq!(store.prune(&ds.id, 2).unwrap(), vec![1]);
    for fmt in ["geojson", "parquet", "gpkg"] {
        let r = get(
            &state,
            &format!("/datasets/rustpunten/versions/1/download.{fmt}"),
        )
        .await;
        assert_problem(&r, 404, "no version `1`");
    }
    let list = get(&state, "/datasets/rustpunten/versions").await.json();
    assert_eq!(list["versions"].as_array().unwrap().len(), 2);
    let pruned = get_with(
        &state,
        "/datasets/rustpunten/feed.atom",
        &[("if-none-match", feed_etag.as_str())],
    )
    .await;
    assert_eq!(pruned.status, 200, "the feed changed, so its validator did");
    let feed = String::from_utf8(pruned.body).unwrap();
    assert_eq!(entry_versions(&feed), [3, 2]);

    // A new version with retention 1, before the engine's refresh has seen it: the current
    // downloads already follow the pointer on disk, not the removed version the engine holds.
    std::fs::write(&src, original.to_string()).unwrap();
    ingest_all(&catalog, &data, &[]);
    assert_eq!(store.prune(&ds.id, 1).unwrap(), vec![2, 3]);
    let v4 = store.manifest(&ds.id, 4).unwrap();
    let r = get(&state, "/datasets/rustpunten/download.parquet").await;
    assert_eq!(format!("{:x}", Sha256::digest(&r.body)), v4.data_sha256);
    let r = get(&state, "/datasets/rustpunten/download.geojson").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["features"].as_array().unwrap().len() as u64, total);
}

#[tokio::test]
async fn features_without_geometry_are_in_every_download_but_flatgeobuf_is_not_offered() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("punten.geojson");
    std::fs::write(
        &src,
        r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"k":1,"ID":"a"},"geometry":{"type":"Point","coordinates":[5.1,52.1]}},
        {"type":"Feature","properties":{"k":2,"ID":"b"},"geometry":null},
        {"type":"Feature","properties":{"k":3,"ID":"c"},"geometry":{"type":"Point","coordinates":[5.2,52.2]}}]}"#,
    )
    .unwrap();
    let catalog = write_catalog(
        dir.path(),
        &[dataset_entry(
            "punten",
            &format!(
                "source = {{ path = {:?} }}\nkey = [\"k\"]\n[dataset.columns.ID]\nname = \"Id\"",
                src.to_string_lossy()
            ),
        )],
    );
    let data = dir.path().join("data");
    ingest_all(&catalog, &data, &[]);
    let state = ontsluit::state(catalog, &data, Settings::new(PUBLIC_URL))
        .await
        .unwrap();
    for fmt in ["gpkg", "geojson", "csv"] {
        let r = get(&state, &format!("/datasets/punten/download.{fmt}")).await;
        assert_eq!(r.status, 200, "{fmt}");
        assert_eq!(
            ogr_feature_count(&r.body, dir.path(), &format!("p.{fmt}")),
            3,
            "{fmt}"
        );
    }
    let r = get(&state, "/datasets/punten/download.fgb").await;
    assert_problem(&r, 404, "features without geometry");
    let list = get(&state, "/datasets/punten/versions").await.json();
    let formats: Vec<&str> = list["versions"][0]["downloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["parquet", "geojson", "csv", "gpkg"]);
}

#[tokio::test]
async fn tables_download_without_flatgeobuf() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = repo_state(&data, &["kerncijfers_gemeenten"]).await;
    let m = state
        .engine
        .current(&ontsluit::catalog::DatasetId::parse("kerncijfers_gemeenten").unwrap())
        .unwrap()
        .manifest
        .clone();
    for fmt in ["gpkg", "geojson"] {
        let r = get(
            &state,
            &format!("/datasets/kerncijfers_gemeenten/download.{fmt}"),
        )
        .await;
        assert_eq!(r.status, 200, "{fmt}");
        assert_eq!(
            ogr_feature_count(&r.body, dir.path(), &format!("k.{fmt}")),
            m.row_count,
            "{fmt}"
        );
    }
    let r = get(&state, "/datasets/kerncijfers_gemeenten/download.fgb").await;
    assert_problem(&r, 404, "without geometry");
}
