//! The direct page reader (`Engine::items` without a sort) against the planned DataFusion path
//! (`Engine::planned_items`) on real data: the same rows, in the same order, with the same types,
//! for plain pages at several offsets, bboxes of several sizes over points and polygons,
//! `?prop=value` and CQL2 conditions, `datetime`, `properties` and `skipGeometry`.

use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use futures::TryStreamExt;
use ontsluit::SharedState;
use ontsluit::catalog::DatasetId;
use ontsluit::engine::{ItemsQuery, TimeRange};
use ontsluit::geom::Bbox;

use crate::common::*;

async fn both(state: &SharedState, dataset: &str, q: &ItemsQuery) -> (RecordBatch, RecordBatch) {
    let v = state
        .engine
        .current(&DatasetId::parse(dataset).unwrap())
        .unwrap();
    let direct: Vec<RecordBatch> = state
        .engine
        .items(&v, q)
        .await
        .unwrap()
        .stream
        .try_collect()
        .await
        .unwrap();
    let planned_stream = state.engine.planned_items(&v, q).await.unwrap();
    let schema = planned_stream.schema();
    let planned: Vec<RecordBatch> = planned_stream.try_collect().await.unwrap();
    let planned = concat_batches(&schema, &planned).unwrap();
    let direct_schema = direct.first().map_or(schema.clone(), |b| b.schema());
    let direct = concat_batches(&direct_schema, &direct).unwrap();
    (direct, planned)
}

async fn assert_same(state: &SharedState, dataset: &str, q: &ItemsQuery, what: &str) -> usize {
    let (direct, planned) = both(state, dataset, q).await;
    let fields = |b: &RecordBatch| {
        b.schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        fields(&direct),
        fields(&planned),
        "{dataset}, {what}: columns"
    );
    assert_eq!(
        direct.num_rows(),
        planned.num_rows(),
        "{dataset}, {what}: rows"
    );
    for (i, (d, p)) in direct.columns().iter().zip(planned.columns()).enumerate() {
        assert_eq!(d.as_ref(), p.as_ref(), "{dataset}, {what}: column {i}");
    }
    direct.num_rows()
}

fn filter(state: &SharedState, dataset: &str, cql: &str) -> ontsluit::engine::filter::Filter {
    let v = state
        .engine
        .current(&DatasetId::parse(dataset).unwrap())
        .unwrap();
    let queryables = ontsluit::engine::filter::Queryables::from_schema(v.schema().as_ref());
    ontsluit::engine::filter::to_expr(&cql2::parse_text(cql).unwrap(), &queryables).unwrap()
}

#[tokio::test]
async fn direct_pages_equal_planned_pages() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(
        dir.path(),
        &["lichtmasten", "natura2000", "parkeerfaciliteiten"],
    )
    .await;

    // Plain pages: first, inside a row group, across a row group boundary, the last, past the end.
    for (offset, limit) in [
        (0, 11),
        (7, 101),
        (4000, 1001),
        (4090, 20),
        (9780, 101),
        (9793, 11),
        (20000, 11),
    ] {
        let q = ItemsQuery {
            offset,
            limit,
            ..Default::default()
        };
        let n = assert_same(&state, "lichtmasten", &q, &format!("offset {offset}")).await;
        assert_eq!(n, limit.min(9793usize.saturating_sub(offset as usize)));
    }

    // Boxes of several sizes over points: a street, a neighbourhood, the city, nothing.
    let boxes = [
        (5.118, 52.089, 5.121, 52.091),
        (5.115, 52.085, 5.125, 52.092),
        (5.0, 52.0, 5.3, 52.2),
        (4.0, 51.0, 4.1, 51.1),
    ];
    let mut matched = Vec::new();
    for (minx, miny, maxx, maxy) in boxes {
        let bbox = Some(Bbox {
            minx,
            miny,
            maxx,
            maxy,
        });
        for (offset, limit) in [(0, 11), (0, 10_001), (30, 101)] {
            let q = ItemsQuery {
                bbox,
                offset,
                limit,
                ..Default::default()
            };
            let what = format!("bbox {minx},{miny},{maxx},{maxy}, offset {offset}");
            let n = assert_same(&state, "lichtmasten", &q, &what).await;
            if offset == 0 && limit == 10_001 {
                matched.push(n);
            }
        }
    }
    assert!(
        matched[0] > 0 && matched[0] < matched[1] && matched[1] < matched[2] && matched[3] == 0,
        "the boxes select growing sets: {matched:?}"
    );

    // `?prop=value` (an equality on a column) and a CQL2 filter, with and without a bbox.
    let v = state
        .engine
        .current(&DatasetId::parse("lichtmasten").unwrap())
        .unwrap();
    let first: Vec<RecordBatch> = state
        .engine
        .planned_items(
            &v,
            &ItemsQuery {
                limit: 1,
                properties: Some(vec!["STRAAT".into()]),
                skip_geometry: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let street = arrow::util::display::ArrayFormatter::try_new(
        first[0].column(1).as_ref(),
        &Default::default(),
    )
    .unwrap()
    .value(0)
    .to_string();
    for cql in [
        format!("STRAAT = '{street}'"),
        "STRAAT LIKE 'Lange%' AND S_INTERSECTS(geometry, POLYGON((5.11 52.08,5.13 52.08,5.13 52.095,5.11 52.08)))".to_owned(),
    ] {
        let f = filter(&state, "lichtmasten", &cql);
        for bbox in [None, Some(Bbox { minx: 5.0, miny: 52.0, maxx: 5.3, maxy: 52.2 })] {
            for (offset, limit) in [(0, 11), (3, 1001)] {
                let q = ItemsQuery {
                    bbox,
                    filter: Some(f.expr.clone()),
                    filter_boxes: f.prune_boxes.clone(),
                    offset,
                    limit,
                    ..Default::default()
                };
                let n = assert_same(&state, "lichtmasten", &q, &cql).await;
                if offset == 0 && limit == 1001 {
                    assert!(n > 0, "{cql} matches some lights");
                }
            }
        }
    }

    // `properties` in another order than stored, and `skipGeometry`.
    let q = ItemsQuery {
        properties: Some(vec!["MASTLENGTE".into(), "STRAAT".into()]),
        skip_geometry: true,
        offset: 100,
        limit: 51,
        ..Default::default()
    };
    assert_same(&state, "lichtmasten", &q, "properties").await;

    // Polygons: the bbox prefilter and the exact intersection test.
    for (minx, miny, maxx, maxy) in [(5.0, 52.0, 5.3, 52.2), (5.2, 52.05, 5.25, 52.1)] {
        let q = ItemsQuery {
            bbox: Some(Bbox {
                minx,
                miny,
                maxx,
                maxy,
            }),
            limit: 101,
            ..Default::default()
        };
        assert_same(&state, "natura2000", &q, "polygons in a bbox").await;
    }

    // `datetime` on a temporal column.
    let q = ItemsQuery {
        datetime: Some(TimeRange {
            start: Some("2020-01-01T00:00:00Z".parse().unwrap()),
            end: None,
        }),
        limit: 101,
        ..Default::default()
    };
    assert_same(&state, "parkeerfaciliteiten", &q, "datetime").await;
}

/// A street-sized box reads only the row groups whose boxes it meets, and within them only
/// the data pages whose boxes it meets: a small share of those groups' bytes. Its
/// `numberMatched` comes from the page boxes and the pages on the box's edge, and equals the
/// planned count.
#[tokio::test]
async fn a_small_box_reads_few_row_groups_and_few_pages_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["lichtmasten"]).await;
    let v = state
        .engine
        .current(&DatasetId::parse("lichtmasten").unwrap())
        .unwrap();
    let meta = parquet::file::serialized_reader::SerializedFileReader::new(
        std::fs::File::open(v.path()).unwrap(),
    )
    .unwrap();
    let meta = parquet::file::reader::FileReader::metadata(&meta).clone();
    assert!(meta.num_row_groups() >= 3, "several row groups");
    assert!(
        v.page_count() >= 4 * meta.num_row_groups(),
        "several pages per group: {} pages",
        v.page_count()
    );

    for (b, street) in [
        (
            Bbox {
                minx: 5.116,
                miny: 52.089,
                maxx: 5.119,
                maxy: 52.091,
            },
            true,
        ),
        (
            Bbox {
                minx: 5.10,
                miny: 52.08,
                maxx: 5.11,
                maxy: 52.085,
            },
            false,
        ),
    ] {
        let q = ItemsQuery {
            bbox: Some(b),
            limit: 100,
            ..Default::default()
        };
        let before = v.direct_reads();
        let (direct, planned) = both(&state, "lichtmasten", &q).await;
        let read = v.direct_reads();
        assert_eq!(direct.num_rows(), planned.num_rows(), "{b:?}");
        assert!(direct.num_rows() > 0, "{b:?} holds lights");

        // The groups whose statistics meet the box, and their compressed bytes.
        let hit: Vec<usize> = (0..meta.num_row_groups())
            .filter(|g| {
                let stat = |leaf: &str, max: bool| {
                    let c = meta
                        .row_group(*g)
                        .columns()
                        .iter()
                        .find(|c| c.column_path().string() == format!("bbox.{leaf}"))
                        .unwrap();
                    match c.statistics().unwrap() {
                        parquet::file::statistics::Statistics::Double(s) => {
                            if max {
                                *s.max_opt().unwrap()
                            } else {
                                *s.min_opt().unwrap()
                            }
                        }
                        _ => unreachable!(),
                    }
                };
                stat("xmax", true) >= b.minx
                    && stat("xmin", false) <= b.maxx
                    && stat("ymax", true) >= b.miny
                    && stat("ymin", false) <= b.maxy
            })
            .collect();
        let hit_bytes: u64 = hit
            .iter()
            .map(|g| meta.row_group(*g).compressed_size() as u64)
            .sum();
        let groups = read.row_groups - before.row_groups;
        let bytes = read.bytes - before.bytes;
        eprintln!("{b:?}: opened {groups} row groups, read {bytes} of {hit_bytes} bytes");
        assert!(
            groups as usize <= hit.len() && (!street || hit.len() < meta.num_row_groups()),
            "{b:?}: opened {groups} row groups, {} meet the box",
            hit.len()
        );
        assert!(
            bytes * 4 < hit_bytes,
            "{b:?}: read {bytes} bytes of the {hit_bytes} in the groups it meets"
        );

        let matched = state.engine.number_matched(&v, &q).await.unwrap();
        let all = ItemsQuery {
            limit: 100_000,
            ..q.clone()
        };
        let (_, every) = both(&state, "lichtmasten", &all).await;
        assert_eq!(matched, Some(every.num_rows() as u64), "{b:?}");
    }
}

/// Filtered pages in stored order carry where each row ends; a page that starts there (a
/// keyset cursor) goes on exactly where the last one stopped. Followed to the end, the pages
/// hold every match once, in order, the planned path gives the same page from the same start,
/// and a deep page reads about what the first one reads, where an offset reads every match
/// before it.
#[tokio::test]
async fn keyset_pages_go_on_where_the_last_one_ended() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["lichtmasten", "natura2000"]).await;
    let lights = state
        .engine
        .current(&DatasetId::parse("lichtmasten").unwrap())
        .unwrap();
    let city = Some(Bbox {
        minx: 5.0,
        miny: 52.0,
        maxx: 5.3,
        maxy: 52.2,
    });
    let province = Some(Bbox {
        minx: 4.8,
        miny: 51.9,
        maxx: 5.7,
        maxy: 52.4,
    });
    let like = filter(&state, "lichtmasten", "STRAAT LIKE '%weg'");
    let cases = [
        ("lichtmasten", "a bbox", city, None),
        (
            "lichtmasten",
            "a CQL2 filter",
            None,
            Some(like.expr.clone()),
        ),
        ("natura2000", "polygons in a bbox", province, None),
    ];
    for (dataset, what, bbox, filter) in cases {
        let v = state
            .engine
            .current(&DatasetId::parse(dataset).unwrap())
            .unwrap();
        let all_query = ItemsQuery {
            bbox,
            filter: filter.clone(),
            limit: 1_000_000,
            ..Default::default()
        };
        let all: Vec<RecordBatch> = state
            .engine
            .planned_items(&v, &all_query)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let all_ids = ids(&all);
        let limit = (all_ids.len() / 4).max(1);
        let (mut start, mut seen, mut pages) = (None, Vec::new(), 0);
        loop {
            let q = ItemsQuery {
                bbox,
                filter: filter.clone(),
                start,
                limit,
                ..Default::default()
            };
            assert_same(&state, dataset, &q, &format!("{what} from {start:?}")).await;
            let page = state.engine.items(&v, &q).await.unwrap();
            let rows: Vec<RecordBatch> = page.stream.try_collect().await.unwrap();
            let got = ids(&rows);
            assert_eq!(page.ends.len(), got.len(), "{what}: an end for each row");
            assert!(
                page.ends.windows(2).all(|w| w[0] < w[1]),
                "{what}: ends rise"
            );
            seen.extend(got);
            pages += 1;
            match page.ends.last() {
                Some(end) if page.ends.len() == limit => start = Some(*end),
                _ => break,
            }
        }
        assert!(pages >= 4, "{what}: {pages} pages of {limit}");
        assert_eq!(seen, all_ids, "{what}: every match once, in stored order");
    }

    // A deep page of `%weg` lights, three quarters into the matches, by its start against by
    // its offset. The page before it, read by offset, says where it starts.
    let limit = 20;
    let all = ItemsQuery {
        filter: Some(like.expr.clone()),
        limit: 100_000,
        skip_geometry: true,
        ..Default::default()
    };
    let matches = state.engine.items(&lights, &all).await.unwrap().ends.len();
    let deep_offset = (matches * 3 / 4 / limit * limit) as u64;
    let before = ItemsQuery {
        filter: Some(like.expr.clone()),
        offset: deep_offset - limit as u64,
        limit,
        ..Default::default()
    };
    let start = state
        .engine
        .items(&lights, &before)
        .await
        .unwrap()
        .ends
        .last()
        .copied();
    let read = |q: ItemsQuery| {
        let state = state.clone();
        let lights = lights.clone();
        async move {
            let before = lights.direct_reads();
            let page = state.engine.items(&lights, &q).await.unwrap();
            let rows: Vec<RecordBatch> = page.stream.try_collect().await.unwrap();
            (ids(&rows), lights.direct_reads().bytes - before.bytes)
        }
    };
    let deep = ItemsQuery {
        filter: Some(like.expr.clone()),
        limit,
        ..Default::default()
    };
    let (by_start, start_bytes) = read(ItemsQuery {
        start,
        ..deep.clone()
    })
    .await;
    let (by_offset, offset_bytes) = read(ItemsQuery {
        offset: deep_offset,
        ..deep.clone()
    })
    .await;
    let (_, first_bytes) = read(deep).await;
    eprintln!(
        "{matches} matches; the page from {deep_offset}: {start_bytes} bytes by start, \
         {offset_bytes} by offset; the first page: {first_bytes}"
    );
    assert_eq!(by_start.len(), limit);
    assert_eq!(by_start, by_offset, "the same deep page");
    assert!(
        start_bytes <= first_bytes * 2 && start_bytes < offset_bytes,
        "a deep page by its start reads about what the first does: {start_bytes} bytes, the \
         first {first_bytes}, by offset {offset_bytes}"
    );
}

fn ids(batches: &[RecordBatch]) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        let f = arrow::util::display::ArrayFormatter::try_new(
            b.column(0).as_ref(),
            &Default::default(),
        )
        .unwrap();
        out.extend((0..b.num_rows()).map(|i| f.value(i).to_string()));
    }
    out
}
