//! Ingest of real files in the formats GDAL reads, into GeoParquet that keeps its promises.

use std::fs::File;
use std::path::Path;
use std::process::Command;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Float64Type;
use ontsluit::catalog::DatasetId;
use ontsluit::geom::to_geo::to_geo;
use ontsluit::ingest::{self, Outcome};
use ontsluit::store::Store;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::common::*;

fn read_parquet(path: &Path) -> (Vec<RecordBatch>, Option<String>, usize) {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    let meta = builder.metadata().clone();
    let geo = meta.file_metadata().key_value_metadata().and_then(|kv| {
        kv.iter()
            .find(|k| k.key == "geo")
            .and_then(|k| k.value.clone())
    });
    let batches = builder
        .build()
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    (batches, geo, meta.num_row_groups())
}

fn current_file(data: &Path, id: &str) -> std::path::PathBuf {
    let store = Store::new(data);
    let id = DatasetId::parse(id).unwrap();
    let v = store.current_version(&id).unwrap().expect("ingested");
    store.data_path(&id, v)
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> &'a dyn Array {
    batch
        .column(batch.schema().index_of(name).unwrap())
        .as_ref()
}

#[test]
fn geojson_becomes_geoparquet_with_covering_bbox_and_hilbert_order() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = write_catalog(
        dir.path(),
        &[dataset_entry(
            "stations",
            "source = { path = \"layers/nl_treinstations_rijdendetreinen_2020_wgs84.geojson\" }\nkey = [\"id\"]",
        )],
    );
    let data = dir.path().join("data");
    ingest_all(&catalog, &data, &[]);
    let (batches, geo, _) = read_parquet(&current_file(&data, "stations"));
    let geo: serde_json::Value = serde_json::from_str(&geo.expect("geo metadata")).unwrap();
    assert_eq!(geo["version"], "1.1.0");
    assert_eq!(geo["primary_column"], "geometry");
    let col = &geo["columns"]["geometry"];
    assert_eq!(col["encoding"], "WKB");
    assert_eq!(col["geometry_types"], serde_json::json!(["Point"]));
    assert_eq!(
        col["covering"]["bbox"]["xmin"],
        serde_json::json!(["bbox", "xmin"])
    );
    assert!(col.get("crs").is_none(), "absent crs means OGC:CRS84");

    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 400);
    // Every row's bbox holds its geometry, and the id column is the integer key.
    let mut ids = std::collections::HashSet::new();
    let mut centres = Vec::new();
    for b in &batches {
        let bbox = column(b, "bbox").as_struct();
        let xmin = bbox
            .column_by_name("xmin")
            .unwrap()
            .as_primitive::<Float64Type>();
        let ymin = bbox
            .column_by_name("ymin")
            .unwrap()
            .as_primitive::<Float64Type>();
        let geometry = column(b, "geometry").as_binary::<i32>();
        let id = column(b, "id").as_primitive::<arrow::datatypes::Int64Type>();
        for i in 0..b.num_rows() {
            let g = to_geo(geometry.value(i)).unwrap().unwrap();
            let geo::Geometry::Point(p) = g else {
                panic!("not a point")
            };
            assert_eq!((p.x(), p.y()), (xmin.value(i), ymin.value(i)));
            assert!(ids.insert(id.value(i)));
            centres.push((p.x(), p.y()));
        }
    }
    // Hilbert order keeps neighbours together: consecutive rows are far closer than random pairs.
    let step: f64 = centres
        .windows(2)
        .map(|w| (w[0].0 - w[1].0).hypot(w[0].1 - w[1].1))
        .sum::<f64>()
        / 399.0;
    let n = centres.len();
    let random: f64 = (0..n)
        .map(|i| {
            let (a, b) = (centres[i], centres[(i * 7919 + 13) % n]);
            (a.0 - b.0).hypot(a.1 - b.1)
        })
        .sum::<f64>()
        / n as f64;
    assert!(
        step * 5.0 < random,
        "mean step {step} vs random pair {random}"
    );
}

#[test]
fn rd_new_sources_are_reprojected_like_cs2cs() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("amersfoort.geojson");
    std::fs::write(
        &src,
        r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::28992"}},
        "features":[{"type":"Feature","properties":{"naam":"Onze Lieve Vrouwetoren"},"geometry":{"type":"Point","coordinates":[155000,463000]}}]}"#,
    )
    .unwrap();
    let catalog = write_catalog(
        dir.path(),
        &[dataset_entry(
            "rd",
            &format!(
                "source = {{ path = {:?} }}\nkey = [\"naam\"]",
                src.to_string_lossy()
            ),
        )],
    );
    let data = dir.path().join("data");
    ingest_all(&catalog, &data, &[]);
    let (batches, _, _) = read_parquet(&current_file(&data, "rd"));
    let wkb = column(&batches[0], "geometry")
        .as_binary::<i32>()
        .value(0)
        .to_vec();
    let geo::Geometry::Point(p) = to_geo(&wkb).unwrap().unwrap() else {
        panic!()
    };
    // `echo 155000 463000 | cs2cs EPSG:28992 EPSG:4326` → 52.15517230 N, 5.38720351 E.
    assert!((p.x() - 5.38720351).abs() < 1e-7, "{}", p.x());
    assert!((p.y() - 52.15517230).abs() < 1e-7, "{}", p.y());
    let manifest = Store::new(&data)
        .current_manifest(&DatasetId::parse("rd").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(manifest.source.crs.as_deref(), Some("EPSG:28992"));
}

#[test]
fn geopackage_in_rd_matches_its_wgs84_twin() {
    let dir = tempfile::tempdir().unwrap();
    let entry = |id: &str, file: &str| {
        dataset_entry(
            id,
            &format!("source = {{ path = \"other/{file}\" }}\nkey = [\"id\"]"),
        )
    };
    let catalog = write_catalog(
        dir.path(),
        &[
            entry("rd", "dutch_addresses_pygeoapi_rd.gpkg"),
            entry("wgs", "dutch_addresses_pygeoapi_wgs84.gpkg"),
        ],
    );
    let data = dir.path().join("data");
    ingest_all(&catalog, &data, &[]);
    let points = |id: &str| {
        let (batches, _, _) = read_parquet(&current_file(&data, id));
        let mut out = std::collections::BTreeMap::new();
        for b in &batches {
            let ids = column(b, "id");
            let g = column(b, "geometry").as_binary::<i32>();
            let fmt =
                arrow::util::display::ArrayFormatter::try_new(ids, &Default::default()).unwrap();
            for i in 0..b.num_rows() {
                let geo::Geometry::Point(p) = to_geo(g.value(i)).unwrap().unwrap() else {
                    panic!()
                };
                out.insert(fmt.value(i).to_string(), (p.x(), p.y()));
            }
        }
        out
    };
    let (rd, wgs) = (points("rd"), points("wgs"));
    assert_eq!(rd.len(), 2481);
    assert_eq!(
        rd.keys().collect::<Vec<_>>(),
        wgs.keys().collect::<Vec<_>>()
    );
    // The twin was made elsewhere with its own transformation: agree within a metre (1e-5 degrees).
    let worst = rd
        .iter()
        .map(|(k, a)| (a.0 - wgs[k].0).abs().max((a.1 - wgs[k].1).abs()))
        .fold(0.0, f64::max);
    assert!(worst < 1e-5, "largest difference {worst} degrees");
}

#[test]
fn shapefile_made_with_ogr2ogr_ingests() {
    let dir = tempfile::tempdir().unwrap();
    let shp = dir.path().join("stations.shp");
    let status = Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile"])
        .arg(&shp)
        .arg(shared_data().join("layers/nl_treinstations_rijdendetreinen_2020_wgs84.geojson"))
        .status()
        .expect("ogr2ogr (apt gdal-bin) runs");
    assert!(status.success());
    let catalog = write_catalog(
        dir.path(),
        &[dataset_entry(
            "shp",
            &format!(
                "source = {{ path = {:?} }}\nkey = [\"id\"]",
                shp.to_string_lossy()
            ),
        )],
    );
    let data = dir.path().join("data");
    ingest_all(&catalog, &data, &[]);
    let m = Store::new(&data)
        .current_manifest(&DatasetId::parse("shp").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(m.source.driver, "ESRI Shapefile");
    assert_eq!(m.row_count, 400);
    assert_eq!(m.geometry.unwrap().types, vec!["Point".to_string()]);
    // Shapefile truncates field names to 10 characters: published as GDAL reads them.
    assert!(
        m.columns.iter().any(|c| c.name == "name_mediu"),
        "{:?}",
        m.columns
    );
}

#[test]
fn csv_with_coordinates_or_wkt_becomes_points() {
    let dir = tempfile::tempdir().unwrap();
    let xy = dir.path().join("xy.csv");
    std::fs::write(
        &xy,
        "naam,lon,lat\nDom,5.1214,52.0907\nStation,5.1103,52.0894\n",
    )
    .unwrap();
    let wkt = dir.path().join("wkt.csv");
    std::fs::write(
        &wkt,
        "naam,wkt\nDom,POINT (5.1214 52.0907)\nLijn,\"LINESTRING (5.1 52.0, 5.2 52.1)\"\n",
    )
    .unwrap();
    let catalog = write_catalog(
        dir.path(),
        &[
            dataset_entry(
                "xy",
                &format!(
                    "source = {{ path = {:?}, crs = \"OGC:CRS84\", open_options = [\"X_POSSIBLE_NAMES=lon\", \"Y_POSSIBLE_NAMES=lat\", \"KEEP_GEOM_COLUMNS=NO\"] }}\nkey = [\"naam\"]",
                    xy.to_string_lossy()
                ),
            ),
            dataset_entry(
                "wkt",
                &format!(
                    "source = {{ path = {:?}, crs = \"OGC:CRS84\", open_options = [\"GEOM_POSSIBLE_NAMES=wkt\", \"KEEP_GEOM_COLUMNS=NO\"] }}\nkey = [\"naam\"]",
                    wkt.to_string_lossy()
                ),
            ),
        ],
    );
    let data = dir.path().join("data");
    ingest_all(&catalog, &data, &[]);
    let store = Store::new(&data);
    let xy_m = store
        .current_manifest(&DatasetId::parse("xy").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        xy_m.geometry.as_ref().unwrap().bbox,
        Some([5.1103, 52.0894, 5.1214, 52.0907])
    );
    assert_eq!(
        xy_m.columns
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        vec!["naam"]
    );
    let wkt_m = store
        .current_manifest(&DatasetId::parse("wkt").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        wkt_m.geometry.unwrap().types,
        vec!["LineString".to_string(), "Point".to_string()]
    );
}

#[test]
fn cbs_table_is_plain_parquet_with_trimmed_text_and_renamed_columns() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let catalog = repo_catalog();
    ingest_all(&catalog, &data, &["gebiedsindelingen_gemeenten"]);
    let (batches, geo, _) = read_parquet(&current_file(&data, "gebiedsindelingen_gemeenten"));
    assert!(geo.is_none(), "tables carry no geo metadata");
    let b = &batches[0];
    assert!(b.schema().index_of("geometry").is_err());
    let codes = column(b, "gemeentecode").as_string::<i32>();
    let ids = column(b, "id").as_string::<i32>();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 342);
    for i in 0..b.num_rows() {
        assert!(
            codes.value(i).starts_with("GM") && codes.value(i).len() == 6,
            "{:?}",
            codes.value(i)
        );
        assert_eq!(ids.value(i), codes.value(i));
    }
    // Rows of a table are ordered by id.
    assert!((1..b.num_rows()).all(|i| ids.value(i - 1) < ids.value(i)));
    assert!(b.schema().index_of("inwonertal").is_ok());
}

#[test]
fn withheld_columns_are_never_stored() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = write_catalog(
        dir.path(),
        &[dataset_entry(
            "rust",
            "source = { path = \"other/provincie_utrecht_rustpunten_wgs84.geojson\", crs = \"OGC:CRS84\" }\nkey = [\"OBJECTID\"]\nwithhold = [\"ADRES\", \"POSTCD\", \"id\"]",
        )],
    );
    let data = dir.path().join("data");
    ingest_all(&catalog, &data, &[]);
    let file = current_file(&data, "rust");
    let (batches, _, _) = read_parquet(&file);
    let names: Vec<String> = batches[0]
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert!(
        !names.iter().any(|n| n == "ADRES" || n == "POSTCD"),
        "{names:?}"
    );
    // Not even in the bytes of the file.
    let bytes = std::fs::read(&file).unwrap();
    assert!(!bytes.windows(5).any(|w| w == b"ADRES"));
    // The override puts the points in Utrecht, not France.
    let m = Store::new(&data)
        .current_manifest(&DatasetId::parse("rust").unwrap())
        .unwrap()
        .unwrap();
    let b = m.geometry.unwrap().bbox.unwrap();
    assert!(
        b[0] > 4.7 && b[2] < 5.7 && b[1] > 51.8 && b[3] < 52.4,
        "{b:?}"
    );
}

#[test]
fn duplicate_keys_fail_naming_them_and_composite_keys_resolve_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = "source = { path = \"layers/nl_rdw_parkeerfaciliteiten_spdp_2025_wgs84.geojson\" }";
    let catalog = write_catalog(
        dir.path(),
        &[
            dataset_entry("single", &format!("{path}\nkey = [\"id\"]")),
            dataset_entry(
                "composite",
                &format!(
                    "{path}\nkey = [\"id\", \"operator\"]\n[dataset.columns.id]\nname = \"spdp_id\""
                ),
            ),
        ],
    );
    let store = Store::new(dir.path().join("data"));
    let err = ingest::ingest(&catalog.datasets[0], &store, false, &|_, _| {})
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("dataset `single`: 88 duplicate values of the key (id): `"),
        "{err}"
    );
    assert!(err.contains("choose a composite key"), "{err}");
    assert_eq!(
        store
            .current_version(&DatasetId::parse("single").unwrap())
            .unwrap(),
        None
    );
    let outcome = ingest::ingest(&catalog.datasets[1], &store, false, &|_, _| {}).unwrap();
    assert!(
        matches!(outcome, Outcome::Written { rows: 783, .. }),
        "{outcome:?}"
    );
}

#[test]
fn unchanged_sources_are_skipped_and_a_changed_entry_reingests() {
    let dir = tempfile::tempdir().unwrap();
    let entry = |extra: &str| {
        dataset_entry(
            "rust",
            &format!(
                "source = {{ path = \"other/provincie_utrecht_rustpunten_wgs84.geojson\", crs = \"OGC:CRS84\" }}\nkey = [\"OBJECTID\"]\n{extra}"
            ),
        )
    };
    let store = Store::new(dir.path().join("data"));
    let catalog = write_catalog(dir.path(), &[entry("withhold = [\"id\"]")]);
    let first = ingest::ingest(&catalog.datasets[0], &store, false, &|_, _| {}).unwrap();
    assert!(
        matches!(
            first,
            Outcome::Written {
                version: 1,
                rows: 47,
                ..
            }
        ),
        "{first:?}"
    );
    let again = ingest::ingest(&catalog.datasets[0], &store, false, &|_, _| {}).unwrap();
    assert_eq!(again, Outcome::Unchanged { version: 1 });
    // Withholding one more column changes the entry, so the dataset is ingested again.
    let catalog = write_catalog(dir.path(), &[entry("withhold = [\"id\", \"ADRES\"]")]);
    let changed = ingest::ingest(&catalog.datasets[0], &store, false, &|_, _| {}).unwrap();
    assert!(
        matches!(changed, Outcome::Written { version: 2, .. }),
        "{changed:?}"
    );
}

#[test]
fn a_failing_source_leaves_the_previous_version_current() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("punten.geojson");
    let good = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"k":1},"geometry":{"type":"Point","coordinates":[5.1,52.1]}}]}"#;
    std::fs::write(&src, good).unwrap();
    let catalog = write_catalog(
        dir.path(),
        &[dataset_entry(
            "punten",
            &format!(
                "source = {{ path = {:?} }}\nkey = [\"k\"]",
                src.to_string_lossy()
            ),
        )],
    );
    let data = dir.path().join("data");
    let store = Store::new(&data);
    ingest::ingest(&catalog.datasets[0], &store, false, &|_, _| {}).unwrap();
    let before = std::fs::read(current_file(&data, "punten")).unwrap();

    std::fs::write(
        &src,
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":",
    )
    .unwrap();
    let err = ingest::ingest(&catalog.datasets[0], &store, false, &|_, _| {}).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("dataset `punten`: GDAL cannot open"),
        "{err}"
    );
    let id = DatasetId::parse("punten").unwrap();
    assert_eq!(store.current_version(&id).unwrap(), Some(1));
    assert_eq!(
        std::fs::read(current_file(&data, "punten")).unwrap(),
        before
    );
    let leftovers: Vec<_> = std::fs::read_dir(data.join("punten"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_missing_source_says_where_it_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = write_catalog(
        dir.path(),
        &[dataset_entry(
            "weg",
            "source = { path = \"nergens/weg.geojson\" }",
        )],
    );
    let err = ingest::ingest(
        &catalog.datasets[0],
        &Store::new(dir.path()),
        false,
        &|_, _| {},
    )
    .unwrap_err();
    let expected = shared_data().join("nergens/weg.geojson");
    assert_eq!(
        err.to_string(),
        format!(
            "dataset `weg`: source file not found: `nergens/weg.geojson` was expected at {}",
            expected.display()
        )
    );
}

#[test]
fn every_dataset_of_the_repo_catalog_ingests() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = repo_catalog();
    catalog.check_sources_exist().unwrap();
    let store = Store::new(dir.path());
    // Views are computed from these at ingest; `tests/it/sql.rs` covers them.
    for ds in catalog.datasets.iter().filter(|d| d.view_sql.is_none()) {
        let outcome =
            ingest::ingest(ds, &store, false, &|_, _| {}).unwrap_or_else(|e| panic!("{e}"));
        let Outcome::Written { rows, .. } = outcome else {
            panic!("{outcome:?}")
        };
        let summary = ingest::probe(ds).unwrap();
        let dropped = if ds.id.as_str() == "laadpunten" {
            10
        } else {
            0
        };
        assert_eq!(rows + dropped, summary.feature_count, "{}", ds.id);
    }
}

#[test]
fn polygons_from_a_geopackage_keep_their_type_and_extent() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = write_catalog(
        dir.path(),
        &[dataset_entry(
            "n2000",
            "source = { path = \"layers/nl_natura2000_gebieden_wgs84.gpkg\", layer = \"natura2000\" }\nkey = [\"gebiedsnummer\"]",
        )],
    );
    let data = dir.path().join("data");
    ingest_all(&catalog, &data, &[]);
    let m = Store::new(&data)
        .current_manifest(&DatasetId::parse("n2000").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(m.row_count, 160);
    assert_eq!(
        m.geometry.as_ref().unwrap().types,
        vec!["MultiPolygon".to_string()]
    );
    // ogrinfo reports the layer extent (2.763285, 50.752759) - (7.124088, 55.645090).
    let b = m.geometry.unwrap().bbox.unwrap();
    for (got, want) in b.iter().zip([2.763285, 50.752759, 7.124088, 55.645090]) {
        assert!((got - want).abs() < 1e-6, "{b:?}");
    }
}

/// Little-endian WKB of a point.
fn wkb_point(x: f64, y: f64) -> Vec<u8> {
    let mut w = vec![1, 1, 0, 0, 0];
    w.extend(x.to_le_bytes());
    w.extend(y.to_le_bytes());
    w
}

#[test]
fn record_batches_from_any_producer_become_a_version() {
    use arrow::array::{ArrayRef, BinaryViewArray, Int32Array, Int64Array, StringViewArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let catalog = write_catalog(
        dir.path(),
        &[dataset_entry(
            "punten",
            "source = { path = \"layers/nl_treinstations_rijdendetreinen_2020_wgs84.geojson\" }\nkey = [\"code\"]\n[dataset.columns.naam]\nname = \"name\"",
        )],
    );
    let ds = &catalog.datasets[0];
    let store = Store::new(dir.path().join("data"));
    // View layouts (as DataFusion returns them) and a `bbox` column of the producer's own.
    let schema = Arc::new(Schema::new(vec![
        Field::new("code", DataType::Int64, false),
        Field::new("naam", DataType::Utf8View, true),
        Field::new("geometry", DataType::BinaryView, true),
        Field::new("bbox", DataType::Int32, true),
    ]));
    let batch = |rows: &[(i64, &str, f64, f64)]| {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringViewArray::from_iter_values(rows.iter().map(|r| r.1))),
            Arc::new(BinaryViewArray::from_iter_values(
                rows.iter().map(|r| wkb_point(r.2, r.3)),
            )),
            Arc::new(Int32Array::from_iter_values(rows.iter().map(|_| 0))),
        ];
        RecordBatch::try_new(schema.clone(), columns).unwrap()
    };
    let source = |checksum: &str| ingest::BatchSource {
        schema: schema.clone(),
        geometry: Some("geometry".into()),
        checksum: checksum.into(),
        driver: "test".into(),
        layer: "punten".into(),
        origin: "the test producer".into(),
    };
    // The corners of a square, in neither Hilbert nor id order, over two batches.
    let first = batch(&[(1, "c", 5.0, 52.0), (4, "a", 4.0, 51.0)]);
    let second = batch(&[(2, "d", 5.0, 51.0), (3, "b", 4.0, 52.0)]);
    let outcome = ingest::ingest_batches(
        ds,
        &store,
        source("test:1"),
        [Ok::<_, String>(first.clone()), Ok(second)],
    )
    .unwrap();
    assert!(
        matches!(
            outcome,
            Outcome::Written {
                version: 1,
                rows: 4,
                ..
            }
        ),
        "{outcome:?}"
    );
    let (batches, geo, _) = read_parquet(&current_file(&dir.path().join("data"), "punten"));
    assert!(geo.is_some());
    let stored = &batches[0];
    let stored_schema = stored.schema();
    let names: Vec<&str> = stored_schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(names, ["id", "code", "name", "geometry", "bbox"]);
    // Hilbert order over the whole stream: (0,0) → (0,1) → (1,1) → (1,0) of the extent.
    let ids = column(stored, "id").as_primitive::<arrow::datatypes::Int64Type>();
    assert_eq!(ids.values().to_vec(), [4, 3, 1, 2]);
    let name = column(stored, "name").as_string::<i32>();
    assert_eq!(
        name.iter().flatten().collect::<Vec<_>>(),
        ["a", "b", "c", "d"]
    );
    let manifest = store.current_manifest(&ds.id).unwrap().unwrap();
    assert_eq!(manifest.checksum, "test:1");
    assert_eq!(manifest.source.driver, "test");
    assert_eq!(manifest.source.crs.as_deref(), Some("OGC:CRS84"));
    assert_eq!(
        manifest.geometry.as_ref().unwrap().bbox,
        Some([4.0, 51.0, 5.0, 52.0])
    );

    // Duplicates are found across batches; a producer's error fails with its own words. Either
    // way the first version stays current.
    let again = batch(&[(4, "e", 4.5, 51.5)]);
    let err = ingest::ingest_batches(
        ds,
        &store,
        source("test:2"),
        [Ok::<_, String>(first.clone()), Ok(again)],
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("dataset `punten`: 1 duplicate values of the key (code): `4`"),
        "{err}"
    );
    let err = ingest::ingest_batches(
        ds,
        &store,
        source("test:3"),
        [Ok(first), Err("the producer gave up".to_owned())],
    )
    .unwrap_err()
    .to_string();
    assert_eq!(err, "dataset `punten`: the producer gave up");
    assert_eq!(store.current_version(&ds.id).unwrap(), Some(1));

    // The description is checked against the catalog entry before any batch is read.
    let mut wrong = source("test:4");
    wrong.schema = Arc::new(Schema::new(vec![Field::new("naam", DataType::Utf8, true)]));
    let err = ingest::ingest_batches(
        ds,
        &store,
        wrong,
        std::iter::from_fn(|| -> Option<Result<RecordBatch, String>> {
            panic!("no batch should be read")
        }),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "dataset `punten`: the catalog names column `code`, which the test producer does not return (it returns naam)"
    );
}
