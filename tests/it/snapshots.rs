//! Snapshots of the JSON documents that clients depend on (the OGC API documents, the OpenAPI
//! document, the DCAT catalog in JSON-LD, the version list), so that any change to them shows
//! up in review as a diff of `tests/it/snapshots/*.snap`.
//!
//! Each test serves the document through the real router over the repository's catalog with
//! three small datasets ingested: points (rustpunten), polygons (gemeenten) and a table without
//! geometry (kerncijfers_gemeenten). What changes per run is redacted, after checking its form:
//! ingest times, and the sizes and SHA-256 sums of the files written at ingest (GeoPackage files
//! carry a timestamp; every size moves with the GDAL and parquet versions). Extents are rounded
//! to 7 decimals (1 cm) so that a PROJ update does not move them. On a mismatch, see README,
//! section "Tests", for how to review and update the snapshots.

use insta::internals::{Content, ContentPath};
use insta::{Settings, assert_json_snapshot, dynamic_redaction, rounded_redaction};
use serde_json::Value;

use crate::common::*;

/// Points, polygons and a table: small, and every kind of collection.
const INGESTED: &[&str] = &["gemeenten", "rustpunten", "kerncijfers_gemeenten"];

/// DCAT properties whose JSON-LD `@value` is an ingest time.
const TIME_PROPERTIES: &[&str] = &[
    "http://purl.org/dc/terms/issued",
    "http://purl.org/dc/terms/modified",
];

/// The redactions every snapshot goes through (a selector that matches nothing does nothing).
fn redactions() -> Settings {
    let mut s = Settings::clone_current();
    // The version list.
    s.add_redaction(".versions[].created", dynamic_redaction(timestamp));
    s.add_redaction(
        ".versions[].downloads[].length",
        dynamic_redaction(byte_size),
    );
    s.add_redaction(".versions[].downloads[].sha256", dynamic_redaction(sha256));
    // JSON-LD literals: `{"@type": …, "@value": …}` under the property's IRI.
    for property in TIME_PROPERTIES {
        s.add_redaction(
            &format!(".**[\"{property}\"][][\"@value\"]"),
            dynamic_redaction(timestamp),
        );
    }
    s.add_redaction(
        ".**[\"http://www.w3.org/ns/dcat#byteSize\"][][\"@value\"]",
        dynamic_redaction(byte_size),
    );
    s.add_redaction(
        ".**[\"http://spdx.org/rdf/terms#checksumValue\"][][\"@value\"]",
        dynamic_redaction(sha256),
    );
    // Extents: OGC collections (`extent.spatial.bbox`) and versions (`extent`, `changes.extent`).
    s.add_redaction(".**.bbox[][]", rounded_redaction(7));
    s.add_redaction(".**.extent[]", rounded_redaction(7));
    s
}

fn timestamp(value: Content, path: ContentPath<'_>) -> Content {
    let text = value.as_str().unwrap_or_default();
    assert!(
        chrono::DateTime::parse_from_rfc3339(text).is_ok(),
        "{path}: `{text}` is not an RFC 3339 time"
    );
    Content::from("[ingest time]")
}

/// A size in bytes: a JSON number, or the lexical form of a JSON-LD `xsd:nonNegativeInteger`.
fn byte_size(value: Content, path: ContentPath<'_>) -> Content {
    let size = value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()));
    assert!(
        size.is_some_and(|n| n > 0),
        "{path}: `{value:?}` is not a size"
    );
    Content::from("[bytes]")
}

fn sha256(value: Content, path: ContentPath<'_>) -> Content {
    let text = value.as_str().unwrap_or_default();
    assert!(
        text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()),
        "{path}: `{text}` is not a SHA-256 in hex"
    );
    Content::from("[sha256]")
}

/// Serves `path` through the router (with the datasets ingested), checks the status and media
/// type, and compares the JSON body with the snapshot `name`.
async fn snapshot(name: &str, path: &str, media_type: &str) {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), INGESTED).await;
    let reply = get(&state, path).await;
    assert_eq!(
        reply.status,
        200,
        "{path}: {}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.content_type(), media_type, "{path}");
    let body: Value = reply.json();
    let mut settings = redactions();
    settings.set_description(format!("GET {path}"));
    settings.bind(|| assert_json_snapshot!(name, body));
}

const JSON: &str = "application/json";
const SCHEMA: &str = "application/schema+json";
const JSON_LD: &str = "application/ld+json";

#[tokio::test]
async fn landing_page() {
    snapshot("landing", "/ogc/v1", JSON).await;
}

#[tokio::test]
async fn conformance() {
    snapshot("conformance", "/ogc/v1/conformance", JSON).await;
}

#[tokio::test]
async fn collections() {
    snapshot("collections", "/ogc/v1/collections", JSON).await;
}

#[tokio::test]
async fn collection_of_points() {
    snapshot(
        "collection_rustpunten",
        "/ogc/v1/collections/rustpunten",
        JSON,
    )
    .await;
}

#[tokio::test]
async fn collection_of_polygons() {
    snapshot(
        "collection_gemeenten",
        "/ogc/v1/collections/gemeenten",
        JSON,
    )
    .await;
}

#[tokio::test]
async fn collection_of_a_table() {
    snapshot(
        "collection_kerncijfers_gemeenten",
        "/ogc/v1/collections/kerncijfers_gemeenten",
        JSON,
    )
    .await;
}

#[tokio::test]
async fn queryables() {
    snapshot(
        "queryables_rustpunten",
        "/ogc/v1/collections/rustpunten/queryables",
        SCHEMA,
    )
    .await;
}

#[tokio::test]
async fn queryables_of_a_table() {
    snapshot(
        "queryables_kerncijfers_gemeenten",
        "/ogc/v1/collections/kerncijfers_gemeenten/queryables",
        SCHEMA,
    )
    .await;
}

#[tokio::test]
async fn sortables() {
    snapshot(
        "sortables_rustpunten",
        "/ogc/v1/collections/rustpunten/sortables",
        SCHEMA,
    )
    .await;
}

#[tokio::test]
async fn schema() {
    snapshot(
        "schema_gemeenten",
        "/ogc/v1/collections/gemeenten/schema",
        SCHEMA,
    )
    .await;
}

#[tokio::test]
async fn openapi() {
    snapshot(
        "openapi",
        "/ogc/v1/api",
        "application/vnd.oai.openapi+json;version=3.0",
    )
    .await;
}

#[tokio::test]
async fn dcat_catalog() {
    snapshot("dcat_catalog", "/catalog?f=jsonld", JSON_LD).await;
}

#[tokio::test]
async fn dcat_dataset() {
    snapshot(
        "dcat_dataset_rustpunten",
        "/datasets/rustpunten?f=jsonld",
        JSON_LD,
    )
    .await;
}

#[tokio::test]
async fn versions() {
    snapshot("versions_rustpunten", "/datasets/rustpunten/versions", JSON).await;
}
