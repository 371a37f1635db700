//! The real binary: the CLI's messages and exit codes, and `serve` answering HTTP on a socket.

use std::process::Command;
use std::time::Duration;

use crate::common::*;

#[test]
fn check_names_file_line_and_field_of_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.toml");
    let text = format!(
        "{CATALOG_HEAD}{}{}",
        dataset_entry("goed", "source = { path = \"ontbreekt.geojson\" }"),
        dataset_entry("fout", "source = { path = \"x.geojson\" }")
            .replace("theme = \"REGI\"", "theme = \"WEER\""),
    );
    std::fs::write(&catalog, text).unwrap();
    let out = Command::new(BIN)
        .args(["check", "--catalog"])
        .arg(&catalog)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:23: dataset `fout`: theme: `WEER` is not an EU data theme",
            catalog.display()
        )),
        "{stderr}"
    );
}

#[test]
fn ingest_of_a_missing_source_fails_naming_dataset_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.toml");
    std::fs::write(
        &catalog,
        format!(
            "{CATALOG_HEAD}{}",
            dataset_entry("weg", "source = { path = \"weg.geojson\" }")
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["ingest", "--catalog"])
        .arg(&catalog)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected = dir.path().join("weg.geojson");
    assert!(
        stderr.contains(&format!(
            "error: dataset `weg`: source file not found: `weg.geojson` was expected at {}",
            expected.display()
        )),
        "{stderr}"
    );
}

#[tokio::test]
async fn serve_answers_on_a_real_socket() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let repo_catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog.toml");
    let status = Command::new(BIN)
        .args(["ingest", "--catalog"])
        .arg(&repo_catalog)
        .arg("--data-dir")
        .arg(&data)
        .args(["treinstations", "gemeenten"])
        .status()
        .unwrap();
    assert!(status.success());

    let server = Server::start(
        &repo_catalog,
        &data,
        &["--public-url", "https://data.example.org/"],
    );
    let line = &server.first_line;
    assert!(
        line.starts_with("serving 2 datasets on https://data.example.org/"),
        "{line}"
    );

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let base = &server.base;
    let landing = client.get(format!("{base}/ogc/v1")).send().await.unwrap();
    assert_eq!(landing.status(), 200);
    assert_eq!(landing.headers()["api-version"], "1.0.0");
    let landing: serde_json::Value = landing.json().await.unwrap();
    assert_eq!(
        link(&landing, "data").unwrap(),
        "https://data.example.org/ogc/v1/collections"
    );

    let page = client
        .get(format!(
            "{base}/ogc/v1/collections/gemeenten/items?limit=30"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["content-type"], "application/geo+json");
    let page: serde_json::Value = page.json().await.unwrap();
    assert_eq!(page["numberReturned"], 26);
    let names: Vec<&str> = page["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["statnaam"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Utrecht") && names.contains(&"Amersfoort"),
        "{names:?}"
    );
    let utrecht = client
        .get(format!("{base}/ogc/v1/collections/gemeenten/items/GM0344"))
        .send()
        .await
        .unwrap();
    let utrecht: serde_json::Value = utrecht.json().await.unwrap();
    assert_eq!(utrecht["geometry"]["type"], "MultiPolygon");

    let missing = client
        .get(format!(
            "{base}/ogc/v1/collections/gemeenten/items?bbox=1,2"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
}
