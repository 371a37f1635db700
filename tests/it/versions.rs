//! A new version is served without restart, and a client paging through the old one finishes
//! on the old one: every feature exactly once, no mix of versions.

use std::collections::HashSet;

use ontsluit::Settings;
use serde_json::Value;

use crate::common::*;

fn points(n: usize) -> String {
    let features: Vec<Value> = (1..=n)
        .map(|k| {
            serde_json::json!({"type": "Feature", "properties": {"k": k, "naam": format!("punt {k}")},
                "geometry": {"type": "Point", "coordinates": [5.0 + k as f64 / 1000.0, 52.0]}})
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features}).to_string()
}

#[tokio::test]
async fn paging_stays_on_its_version_while_a_new_one_is_switched_in() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("punten.geojson");
    std::fs::write(&src, points(25)).unwrap();
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
    ingest_all(&catalog, &data, &[]);
    let state = ontsluit::state(catalog.clone(), &data, Settings::new(PUBLIC_URL))
        .await
        .unwrap();

    let first = get(&state, "/ogc/v1/collections/punten/items?limit=10")
        .await
        .json();
    assert_eq!(first["numberMatched"], 25);
    let next = next_link(&first).unwrap();

    // Ingest a new version with 12 features and let the server pick it up.
    std::fs::write(&src, points(12)).unwrap();
    ingest_all(&catalog, &data, &[]);
    assert!(
        state
            .engine
            .refresh()
            .await
            .iter()
            .any(|id| id.as_str() == "punten")
    );
    let fresh = get(&state, "/ogc/v1/collections/punten/items?limit=10")
        .await
        .json();
    assert_eq!(fresh["numberMatched"], 12);

    // The old cursor still reads version 1 to its end.
    let (rest, _) = all_pages(&state, &next).await;
    let mut ids: HashSet<i64> = first["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_i64().unwrap())
        .collect();
    for f in &rest {
        assert!(
            ids.insert(f["id"].as_i64().unwrap()),
            "feature {} seen twice",
            f["id"]
        );
    }
    assert_eq!(ids, (1..=25).collect::<HashSet<i64>>());
    assert!(next.contains("cursor=1."), "{next}");
}
