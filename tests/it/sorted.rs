//! Sorted pages by keyset: each page goes on after the sort key and id of the last row before
//! it (`ItemsQuery::after`), carried as cursor text. On real data with ties and nulls, paging
//! that way visits the whole sorted selection exactly once, in order, and every page equals the
//! page at the same offset; over HTTP the `next` links carry the key. Unfiltered pages on one
//! column go through its sort index when the cursor's count leads to its key.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::compute::concat_batches;
use futures::TryStreamExt;
use ontsluit::catalog::DatasetId;
use ontsluit::engine::{DatasetVersion, Items, ItemsQuery, keyset};
use ontsluit::store::layout::sort_index_file;
use serde_json::Value;

use crate::common::*;

fn ids(batch: &RecordBatch) -> Vec<String> {
    let f = arrow::util::display::ArrayFormatter::try_new(
        batch.column(0).as_ref(),
        &Default::default(),
    )
    .unwrap();
    (0..batch.num_rows())
        .map(|i| f.value(i).to_string())
        .collect()
}

async fn planned(state: &ontsluit::SharedState, v: &DatasetVersion, q: &ItemsQuery) -> RecordBatch {
    let stream = state.engine.planned_items(v, q).await.unwrap();
    let schema = stream.schema();
    concat_batches(&schema, &stream.try_collect::<Vec<_>>().await.unwrap()).unwrap()
}

/// A state serving the charging points, and their current version.
async fn charging_points(dir: &std::path::Path) -> (ontsluit::SharedState, Arc<DatasetVersion>) {
    let state = repo_state(dir, &["laadpunten"]).await;
    let v = state
        .engine
        .current(&DatasetId::parse("laadpunten").unwrap())
        .unwrap();
    (state, v)
}

/// A page's rows, as one batch.
async fn rows_of(page: Items) -> RecordBatch {
    let schema = page.stream.schema();
    concat_batches(&schema, &page.stream.try_collect::<Vec<_>>().await.unwrap()).unwrap()
}

#[tokio::test]
async fn keyset_pages_visit_the_sorted_selection_once_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (state, v) = charging_points(dir.path()).await;
    let schema = v.schema();
    let utrecht = ontsluit::engine::filter::to_expr(
        &cql2::parse_text("gemeente = 'Utrecht'").unwrap(),
        &ontsluit::engine::filter::Queryables::from_schema(schema.as_ref()),
    )
    .unwrap()
    .expr;
    let by = |keys: &[(&str, bool)]| -> Vec<(String, bool)> {
        keys.iter().map(|(k, a)| (k.to_string(), *a)).collect()
    };
    let utrecht_box = Some(ontsluit::geom::Bbox {
        minx: 5.0,
        miny: 52.0,
        maxx: 5.2,
        maxy: 52.15,
    });
    // priceKwh: 2 678 nulls and 86 values for 6 834 points; maxPowerKw: 33 values, no nulls.
    let cases = [
        (
            "price ascending, nulls last",
            by(&[("priceKwh", true)]),
            None,
            None,
        ),
        (
            "price descending, nulls first",
            by(&[("priceKwh", false)]),
            None,
            None,
        ),
        (
            "city, then power descending",
            by(&[("city", true), ("maxPowerKw", false)]),
            None,
            None,
        ),
        (
            "in Utrecht by price, without the price returned",
            by(&[("priceKwh", false)]),
            Some(utrecht),
            Some(vec!["name".to_owned()]),
        ),
    ];
    let with_box = [(
        "in a box by power, then name descending",
        by(&[("maxPowerKw", true), ("name", false)]),
        None,
        None,
    )];
    for (i, (what, sort, filter, properties)) in cases.into_iter().chain(with_box).enumerate() {
        let base = ItemsQuery {
            bbox: if i == 4 { utrecht_box } else { None },
            filter,
            sort: sort.clone(),
            properties,
            ..Default::default()
        };
        let all = planned(
            &state,
            &v,
            &ItemsQuery {
                limit: 100_000,
                ..base.clone()
            },
        )
        .await;
        let all_ids = ids(&all);
        let limit = 700;
        let (mut after, mut seen, mut pages): (Option<String>, Vec<String>, usize) =
            (None, Vec::new(), 0);
        loop {
            let key_types: Vec<_> = keyset::keys_of(&sort)
                .into_iter()
                .map(|k| schema.field_with_name(k).unwrap().data_type().clone())
                .collect();
            let q = ItemsQuery {
                after: after
                    .as_deref()
                    .map(|text| keyset::decode(text, &key_types).unwrap()),
                // The count of rows up to the key, as a cursor carries it.
                position: after.is_some().then_some(seen.len() as u64),
                limit,
                ..base.clone()
            };
            let before = v.direct_reads();
            let page = state.engine.items(&v, &q).await.unwrap();
            let read = v.direct_reads();
            assert!(
                read.bytes > before.bytes,
                "{what}: the page is read directly, not planned"
            );
            assert_eq!(
                read.indexed_pages - before.indexed_pages,
                u64::from(i < 2),
                "{what}: only unfiltered pages on one key are read through its sort index"
            );
            let keys = page.keys.clone().expect("a sorted page has keys");
            let rows = rows_of(page).await;
            assert_eq!(
                keys.num_rows(),
                rows.num_rows(),
                "{what}: a key for each row"
            );
            assert_eq!(
                rows.schema().fields().len(),
                all.schema().fields().len(),
                "{what}: the key columns are not returned"
            );
            let by_offset = planned(
                &state,
                &v,
                &ItemsQuery {
                    offset: seen.len() as u64,
                    limit,
                    ..base.clone()
                },
            )
            .await;
            assert_eq!(rows, by_offset, "{what}: page {pages} by key and by offset");
            seen.extend(ids(&rows));
            pages += 1;
            if rows.num_rows() < limit {
                break;
            }
            after = Some(keyset::encode(&keys, limit - 1).unwrap());
        }
        assert!(pages >= 2, "{what}: {pages} pages");
        assert_eq!(seen, all_ids, "{what}: every match once, in order");
        // A page by offset (as `prev` links ask) is the same slice of the order.
        let q = ItemsQuery {
            offset: 1_400,
            limit: 300,
            ..base.clone()
        };
        let page = state.engine.items(&v, &q).await.unwrap();
        let rows = rows_of(page).await;
        assert_eq!(rows, planned(&state, &v, &q).await, "{what}: by offset");
    }
}

/// A keyset cursor whose count does not lead to its key (made by hand, or counted under other
/// conditions) is not trusted: the page goes on after the key, as without a sort index.
#[tokio::test]
async fn a_keyset_position_that_does_not_match_its_key_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let (state, v) = charging_points(dir.path()).await;
    let sort = vec![("priceKwh".to_owned(), false)];
    let base = ItemsQuery {
        sort: sort.clone(),
        limit: 50,
        ..Default::default()
    };
    let first = planned(
        &state,
        &v,
        &ItemsQuery {
            offset: 0,
            limit: 4000,
            ..base.clone()
        },
    )
    .await;
    let key_types: Vec<_> = keyset::keys_of(&sort)
        .into_iter()
        .map(|k| v.schema().field_with_name(k).unwrap().data_type().clone())
        .collect();
    // Row 3 000 (0-based 2 999) lies in the prices, after the nulls.
    let keys = first
        .project(&[first.schema().index_of("priceKwh").unwrap(), 0])
        .unwrap();
    let after = keyset::decode(&keyset::encode(&keys, 2_999).unwrap(), &key_types).unwrap();
    let expected = planned(
        &state,
        &v,
        &ItemsQuery {
            offset: 3_000,
            ..base.clone()
        },
    )
    .await;
    for (position, indexed) in [(3_000, true), (2_990, false), (4_000, false), (0, false)] {
        let before = v.direct_reads();
        let page = state
            .engine
            .items(
                &v,
                &ItemsQuery {
                    after: Some(after.clone()),
                    position: Some(position),
                    ..base.clone()
                },
            )
            .await
            .unwrap();
        let rows = rows_of(page).await;
        assert_eq!(rows, expected, "position {position}");
        assert_eq!(
            v.direct_reads().indexed_pages - before.indexed_pages,
            u64::from(indexed),
            "position {position}"
        );
    }
}

#[tokio::test]
async fn next_links_of_sorted_pages_carry_the_last_key() {
    let dir = tempfile::tempdir().unwrap();
    let (state, v) = charging_points(dir.path()).await;
    let first = "/ogc/v1/collections/laadpunten/items?limit=1000&sortby=-priceKwh,name\
                 &properties=priceKwh,name";
    let page = get(&state, first).await.json();
    let next = next_link(&page).unwrap();
    let cursor = next.split("cursor=").nth(1).unwrap();
    assert!(
        cursor.split('.').nth(2).unwrap().starts_with('k'),
        "a key cursor: {cursor}"
    );
    let (features, pages) = all_pages(&state, first).await;
    assert_eq!(pages, 7);
    assert_eq!(
        features.len(),
        6824,
        "the stored features (ingest drops 10 duplicates)"
    );
    let unique: HashSet<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), 6824, "no feature twice");
    // Nulls first, then prices from the highest down; names rise within a price.
    let key = |f: &Value| {
        (
            f["properties"]["priceKwh"].as_f64(),
            f["properties"]["name"].as_str().map(str::to_owned),
        )
    };
    for pair in features.windows(2) {
        let ((p0, n0), (p1, n1)) = (key(&pair[0]), key(&pair[1]));
        let in_order = match (p0, p1) {
            (None, None) => n0 <= n1,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => a > b || (a == b && n0 <= n1),
        };
        assert!(in_order, "{:?} before {:?}", key(&pair[0]), key(&pair[1]));
    }

    // On one key, unfiltered, every page after the first goes through the key's sort index
    // (the cursor's count leads to its key), and the features come in the planned order.
    let before = v.direct_reads().indexed_pages;
    let (features, pages) = all_pages(
        &state,
        "/ogc/v1/collections/laadpunten/items?limit=1000&sortby=-maxPowerKw",
    )
    .await;
    assert_eq!(v.direct_reads().indexed_pages - before, pages as u64);
    let planned_ids = ids(&planned(
        &state,
        &v,
        &ItemsQuery {
            sort: vec![("maxPowerKw".to_owned(), false)],
            limit: 10_000,
            ..Default::default()
        },
    )
    .await);
    let paged_ids: Vec<String> = features
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(paged_ids, planned_ids);

    // A key cursor under another sortby, or one that is not ours, is a clear 400.
    let cursor = cursor.to_owned();
    let items = "/ogc/v1/collections/laadpunten/items";
    for query in [
        format!("sortby=city&cursor={cursor}"),
        format!("cursor={cursor}"),
        "sortby=city&cursor=1.10.kbm90IGpzb24".to_owned(),
    ] {
        assert_problem(
            &get(&state, &format!("{items}?{query}")).await,
            400,
            "not one of a page with this `sortby`",
        );
    }
}

/// A version written before sort indexes existed (or one whose index is damaged) is paged by
/// the sorted reader, with the same rows.
#[tokio::test]
async fn versions_without_sort_indexes_page_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (state, v) = charging_points(dir.path()).await;
    let store = ontsluit::store::Store::new(dir.path());
    let id = DatasetId::parse("laadpunten").unwrap();
    let version_dir = store.data_path(&id, v.version());
    let version_dir = version_dir.parent().unwrap();
    // The price's index damaged, the others gone.
    let damaged = sort_index_file(v.schema().index_of("priceKwh").unwrap());
    let mut removed = 0;
    for entry in std::fs::read_dir(version_dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == damaged {
            std::fs::write(&path, b"ONSORT01").unwrap();
        } else if name.starts_with("sort-") && name.ends_with(".idx") {
            std::fs::remove_file(&path).unwrap();
            removed += 1;
        }
    }
    assert!(removed > 5, "{removed} sort indexes");
    for sort in [("priceKwh", true), ("maxPowerKw", false), ("name", true)] {
        let q = ItemsQuery {
            sort: vec![(sort.0.to_owned(), sort.1)],
            offset: 1_000,
            limit: 200,
            ..Default::default()
        };
        let before = v.direct_reads();
        let rows = rows_of(state.engine.items(&v, &q).await.unwrap()).await;
        assert_eq!(v.direct_reads().indexed_pages, before.indexed_pages);
        assert_eq!(rows, planned(&state, &v, &q).await, "{sort:?}");
    }
}
