//! Row-group selection: the per-group bboxes cover their rows, a small box selects few groups,
//! and a subset scan really reads only the chosen groups.

use std::fs::File;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Float64Type;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use ontsluit::catalog::DatasetId;
use ontsluit::engine::{RowGroupIndex, RowGroupSubset};
use ontsluit::geom::Bbox;
use ontsluit::store::Store;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::common::*;

#[tokio::test]
async fn bbox_statistics_select_row_groups_and_subsets_skip_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    ingest_all(&repo_catalog(), dir.path(), &["lichtmasten"]);
    let store = Store::new(dir.path());
    let id = DatasetId::parse("lichtmasten").unwrap();
    let path = store.data_path(&id, store.current_version(&id).unwrap().unwrap());

    let index = RowGroupIndex::read(&path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap();
    let groups = reader.metadata().num_row_groups();
    assert!(
        groups >= 3,
        "9793 lights make several row groups, not {groups}"
    );
    assert_eq!(index.bboxes.len(), groups);
    assert_eq!(index.id_count(), 9793);

    // Every row lies in its group's box (rows are read in order, group by group).
    let sizes: Vec<usize> = reader
        .metadata()
        .row_groups()
        .iter()
        .map(|g| g.num_rows() as usize)
        .collect();
    let mut row = 0;
    let mut group = 0;
    let mut in_group = 0;
    for batch in reader.build().unwrap() {
        let batch = batch.unwrap();
        let bbox = batch
            .column(batch.schema().index_of("bbox").unwrap())
            .as_struct();
        let x = bbox
            .column_by_name("xmin")
            .unwrap()
            .as_primitive::<Float64Type>();
        let y = bbox
            .column_by_name("ymin")
            .unwrap()
            .as_primitive::<Float64Type>();
        for i in 0..batch.num_rows() {
            while in_group == sizes[group] {
                group += 1;
                in_group = 0;
            }
            let b = index.bboxes[group].unwrap();
            assert!(
                b.minx <= x.value(i)
                    && x.value(i) <= b.maxx
                    && b.miny <= y.value(i)
                    && y.value(i) <= b.maxy
            );
            in_group += 1;
            row += 1;
        }
    }
    assert_eq!(row, 9793);

    // Hilbert order makes the groups compact: a small box touches few of them.
    let small = Bbox {
        minx: 5.115,
        miny: 52.085,
        maxx: 5.125,
        maxy: 52.092,
    };
    let keep = index.groups_intersecting(&[small]);
    let kept = keep.iter().filter(|k| **k).count();
    assert!(kept >= 1 && kept < groups, "{kept} of {groups}");

    // A subset scan returns exactly the rows of the kept groups.
    let ctx = SessionContext::new();
    let df = ctx
        .read_parquet(
            path.to_string_lossy().as_ref(),
            ParquetReadOptions::default(),
        )
        .await
        .unwrap();
    let table = df.into_view();
    let only_first: Vec<bool> = (0..groups).map(|g| g == 0).collect();
    let subset = RowGroupSubset::wrap(table, only_first);
    let batches = ctx.read_table(subset).unwrap().collect().await.unwrap();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, sizes[0]);
    assert!(batches.iter().all(|b| b.column(0).null_count() == 0));
}
