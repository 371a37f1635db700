//! Sources whose layer has geometry but declares no CRS (CSV point or WKT columns, GML without
//! `srsName`, a Shapefile without `.prj`): `check` and `ingest` refuse them with one message that
//! names file, line, dataset and `source.crs`, and suggests a CRS from the coordinates' extent.
//! The fixtures and the script that made them are in `tests/fixtures/no_crs/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use ontsluit::catalog::Catalog;
use ontsluit::ingest::{self, Outcome};
use ontsluit::store::Store;

use crate::common::*;

const BIN: &str = env!("CARGO_BIN_EXE_ontsluit");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/no_crs")
}

const LONLAT: &str = "longitude/latitude";
const RD: &str = "RD New";

/// (dataset id, source line, extent as the message gives it, what it looks like, suggested CRS).
const CASES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "lonlat_csv",
        r#"source = { path = "points_lonlat.csv", open_options = ["X_POSSIBLE_NAMES=lon", "Y_POSSIBLE_NAMES=lat", "KEEP_GEOM_COLUMNS=NO"] }"#,
        "x 5.1103 to 5.1214 and y 52.0894 to 52.0907",
        LONLAT,
        "OGC:CRS84",
    ),
    (
        "rd_csv",
        r#"source = { path = "points_rd.csv", open_options = ["X_POSSIBLE_NAMES=x", "Y_POSSIBLE_NAMES=y", "KEEP_GEOM_COLUMNS=NO"] }"#,
        "x 136020 to 136876 and y 455750 to 455870",
        RD,
        "EPSG:28992",
    ),
    (
        "wkt_csv",
        r#"source = { path = "lines_wkt.csv", open_options = ["GEOM_POSSIBLE_NAMES=wkt", "KEEP_GEOM_COLUMNS=NO"] }"#,
        "x 5.1 to 5.2 and y 52 to 52.1",
        LONLAT,
        "OGC:CRS84",
    ),
    (
        "rd_gml",
        r#"source = { path = "points_rd.gml" }"#,
        "x 136020 to 136876 and y 455750 to 455870",
        RD,
        "EPSG:28992",
    ),
    (
        "rd_shp",
        r#"source = { path = "points_rd_noprj.shp" }"#,
        "x 136020 to 136876 and y 455750 to 455870",
        RD,
        "EPSG:28992",
    ),
];

/// Writes a catalog of `entries` (id, source line) over the fixtures into `dir`; returns its path
/// and text.
fn write(dir: &Path, entries: &[(&str, String)]) -> (PathBuf, String) {
    let body: String = entries
        .iter()
        .map(|(id, source)| dataset_entry(id, &format!("{source}\nkey = [\"naam\"]")))
        .collect();
    let text = format!(
        "{CATALOG_HEAD}sources_dir = {:?}\n{body}",
        fixtures().to_string_lossy()
    );
    let path = dir.join("catalog.toml");
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

fn no_crs_catalog(dir: &Path) -> (PathBuf, String) {
    let entries: Vec<(&str, String)> = CASES
        .iter()
        .map(|(id, source, ..)| (*id, source.to_string()))
        .collect();
    write(dir, &entries)
}

/// The message both commands must give for `CASES[i]`, at the line of its `source`.
fn expected(catalog: &Path, text: &str, i: usize) -> String {
    let (id, source, extent, looks_like, crs) = CASES[i];
    let line = text.lines().position(|l| l == source).unwrap() + 1;
    format!(
        "{}:{line}: dataset `{id}`: source.crs: the source has geometry but declares no CRS; add crs = {crs:?} to the source (its coordinates, {extent}, look like {looks_like})",
        catalog.display()
    )
}

#[test]
fn check_and_ingest_refuse_geometry_without_crs_with_the_same_message() {
    let dir = tempfile::tempdir().unwrap();
    let (path, text) = no_crs_catalog(dir.path());
    let catalog = Catalog::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let store = Store::new(dir.path().join("data"));
    for (i, ds) in catalog.datasets.iter().enumerate() {
        let want = expected(&path, &text, i);
        let checked = match ingest::probe(ds) {
            Ok(s) => panic!(
                "{}: check passed ({} layer, CRS {:?}), expected: {want}",
                ds.id, s.driver, s.crs
            ),
            Err(e) => e.to_string(),
        };
        let ingested = ingest::ingest(ds, &store, false, &|_, _| {})
            .map(|o| format!("{o:?}"))
            .unwrap_err()
            .to_string();
        assert_eq!(checked, want);
        assert_eq!(ingested, want);
        assert!(store.current_manifest(&ds.id).unwrap().is_none());
    }
}

#[test]
fn the_suggested_crs_makes_check_and_ingest_pass() {
    let dir = tempfile::tempdir().unwrap();
    let entries: Vec<(&str, String)> = CASES
        .iter()
        .map(|(id, source, _, _, crs)| {
            (
                *id,
                source.replace("{ path", &format!("{{ crs = {crs:?}, path")),
            )
        })
        .collect();
    let (path, _) = write(dir.path(), &entries);
    let catalog = Catalog::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let store = Store::new(dir.path().join("data"));
    for ds in &catalog.datasets {
        let summary = ingest::probe(ds).unwrap_or_else(|e| panic!("{e}"));
        assert!(summary.crs.is_some(), "{}", ds.id);
        let outcome =
            ingest::ingest(ds, &store, false, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(outcome, Outcome::Written { rows: 2, .. }),
            "{outcome:?}"
        );
        // Every fixture lies in Utrecht, whichever CRS it was written in.
        let [minx, miny, maxx, maxy] = store
            .current_manifest(&ds.id)
            .unwrap()
            .unwrap()
            .geometry
            .unwrap()
            .bbox
            .unwrap();
        assert!(
            minx > 5.09 && maxx < 5.21 && miny > 51.99 && maxy < 52.11,
            "{}: {minx} {miny} {maxx} {maxy}",
            ds.id
        );
    }
}

#[test]
fn the_binary_check_fails_where_ingest_fails_and_says_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut text) = no_crs_catalog(dir.path());
    // A CSV read without coordinate options has no geometry: a table, which needs no CRS.
    let table = dataset_entry(
        "tabel",
        "source = { path = \"points_rd.csv\" }\nkey = [\"naam\"]",
    );
    text.push_str(&table);
    std::fs::write(&path, &text).unwrap();

    let check = Command::new(BIN)
        .args(["check", "--catalog"])
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert_eq!(check.status.code(), Some(1), "{stdout}");
    let ingest = Command::new(BIN)
        .args(["ingest", "--catalog"])
        .arg(&path)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&ingest.stderr);
    assert_eq!(ingest.status.code(), Some(1), "{stderr}");
    for i in 0..CASES.len() {
        let want = expected(&path, &text, i);
        assert!(stdout.contains(&format!("FAIL  {want}\n")), "{stdout}");
        assert!(stderr.contains(&format!("error: {want}\n")), "{stderr}");
    }
    assert!(
        stdout.contains(&format!(
            "{} datasets, {} failed",
            CASES.len() + 1,
            CASES.len()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("CRS none (table)"), "{stdout}");
    assert!(!stderr.contains("`tabel`"), "{stderr}");
}

/// `inspect` judges more than the CRS: a source column under a reserved name fails `check` too.
#[test]
fn check_refuses_a_reserved_column_name_as_ingest_does() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("vakken.csv");
    std::fs::write(&csv, "naam,bbox\nA,1\n").unwrap();
    let (path, _) = write(
        dir.path(),
        &[(
            "vakken",
            format!("source = {{ path = {:?} }}", csv.to_string_lossy()),
        )],
    );
    let catalog = Catalog::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let ds = &catalog.datasets[0];
    let want = "dataset `vakken`: the source column `bbox` has a name ontsluit reserves; rename it with [dataset.columns.bbox] name = \"…\"";
    let checked = ingest::probe(ds).map(|s| s.layer).unwrap_err().to_string();
    let store = Store::new(dir.path().join("data"));
    let ingested = ingest::ingest(ds, &store, false, &|_, _| {})
        .map(|o| format!("{o:?}"))
        .unwrap_err()
        .to_string();
    assert_eq!(checked, want);
    assert_eq!(ingested, want);
}
