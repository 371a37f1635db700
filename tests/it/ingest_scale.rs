//! The streamed ingest: limits small enough to force many chunks and spilled sorted runs must
//! store the version that one run held in memory stores: the same ids in the same order in the
//! same row groups (the same data file, byte for byte) and the same id and sort indexes.

use ontsluit::catalog::DatasetId;
use ontsluit::ingest::{self, Limits, Outcome};
use ontsluit::store::Store;
use ontsluit::store::layout::{
    BBOX_COLUMN, DATA_FILE, GEOMETRY_COLUMN, ID_INDEX_FILE, sort_index_file,
};
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::common::*;

#[test]
fn spilled_runs_store_the_same_version_as_one_run_in_memory() {
    let catalog = repo_catalog();
    let dir = tempfile::tempdir().unwrap();
    let whole = Store::new(dir.path().join("whole"));
    let spilled = Store::new(dir.path().join("spilled"));
    let small = Limits {
        chunk_rows: 97,
        run_bytes: 16 << 10,
    };
    // String, composite, integer and content keys; drop-identical duplicates; a temporal column;
    // RD New reprojected; a table without geometry.
    for id in [
        "parkeerfaciliteiten",
        "laadpunten",
        "lichtmasten",
        "rustpunten",
        "adressen",
        "gebiedsindelingen_gemeenten",
        "natura2000",
    ] {
        let ds = catalog.dataset(id).unwrap();
        let a = ingest::ingest(ds, &whole, false, &|_, _| {}).unwrap();
        let b = ingest::ingest_with(ds, &spilled, false, &|_, _| {}, small).unwrap();
        let strip = |o: &Outcome| match o {
            Outcome::Written {
                version,
                rows,
                bytes,
                row_groups,
                dropped_duplicates,
                changes,
                ..
            } => (
                *version,
                *rows,
                *bytes,
                *row_groups,
                *dropped_duplicates,
                changes.clone(),
            ),
            other => panic!("{id}: {other:?}"),
        };
        assert_eq!(strip(&a), strip(&b), "{id}");
        let (_, rows, _, row_groups, _, _) = strip(&a);
        assert!(rows > 0, "{id}");
        let did = DatasetId::parse(id).unwrap();
        let (ma, mb) = (
            whole.current_manifest(&did).unwrap().unwrap(),
            spilled.current_manifest(&did).unwrap().unwrap(),
        );
        assert_eq!(
            ma.data_sha256, mb.data_sha256,
            "{id}: the data files differ"
        );
        assert_eq!(
            (ma.geometry, ma.temporal, ma.columns),
            (mb.geometry, mb.temporal, mb.columns)
        );
        let file = |s: &Store, name: &str| std::fs::read(s.file_path(&did, 1, name)).unwrap();
        assert_eq!(
            file(&whole, ID_INDEX_FILE),
            file(&spilled, ID_INDEX_FILE),
            "{id}"
        );
        let reader = SerializedFileReader::new(
            std::fs::File::open(whole.file_path(&did, 1, DATA_FILE)).unwrap(),
        )
        .unwrap();
        assert_eq!(reader.metadata().num_row_groups(), row_groups, "{id}");
        // A sort index for every sortable column (the id and properties), none for the geometry
        // and its box; the same whether the rows were spilled or not.
        let schema = parquet::arrow::parquet_to_arrow_schema(
            reader.metadata().file_metadata().schema_descr(),
            None,
        )
        .unwrap();
        for (root, field) in schema.fields().iter().enumerate() {
            let name = sort_index_file(root);
            let exists = whole.file_path(&did, 1, &name).exists();
            let spatial = [GEOMETRY_COLUMN, BBOX_COLUMN].contains(&field.name().as_str());
            assert_eq!(exists, !spatial, "{id}: {name} of {}", field.name());
            if exists {
                assert_eq!(file(&whole, &name), file(&spilled, &name), "{id}: {name}");
            }
        }
    }
}

/// Feature by id through the on-disk index, and through the index built in memory for a version
/// written before the index file existed.
#[test]
fn features_are_found_with_the_index_file_and_without_it() {
    use arrow::array::{Array, AsArray};
    use ontsluit::engine::RowGroupIndex;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let dir = tempfile::tempdir().unwrap();
    ingest_all(&repo_catalog(), dir.path(), &["lichtmasten"]);
    let store = Store::new(dir.path());
    let did = DatasetId::parse("lichtmasten").unwrap();
    let path = store.data_path(&did, 1);
    let ids: Vec<String> =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap()
            .flat_map(|b| {
                let b = b.unwrap();
                let a = b.column_by_name("id").unwrap().as_string::<i32>().clone();
                (0..a.len())
                    .map(move |i| a.value(i).to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
    assert_eq!(ids.len(), 9793);
    let check = |index: &RowGroupIndex| {
        for id in ids.iter().step_by(97).chain(ids.last()) {
            let batch = index.read_feature(&path, id).unwrap().unwrap();
            let found = batch
                .column_by_name("id")
                .unwrap()
                .as_string::<i32>()
                .value(0)
                .to_owned();
            assert_eq!(&found, id);
        }
        assert!(
            index
                .read_feature(&path, "no such light")
                .unwrap()
                .is_none()
        );
        assert_eq!(index.id_count(), 9793);
    };
    let on_disk = RowGroupIndex::read(&path).unwrap();
    check(&on_disk);
    // A fence of one hash per 256 ids: well under a byte per feature.
    assert!(
        on_disk.id_index_bytes() * 8 < 9793,
        "{}",
        on_disk.id_index_bytes()
    );

    std::fs::remove_file(store.file_path(&did, 1, ID_INDEX_FILE)).unwrap();
    let built = RowGroupIndex::read(&path).unwrap();
    check(&built);
    assert!(
        built.id_index_bytes() <= 16 * 9793,
        "{}",
        built.id_index_bytes()
    );
}
