//! Datasets that are not public (`access_rights = "restricted"` or `"non-public"`): ingested and
//! stored, described in DCAT with their access rights, and served nowhere else. A public view may
//! not read them; a view that is not public may.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ontsluit::catalog::Catalog;
use ontsluit::ingest::Outcome;
use ontsluit::jobs;
use ontsluit::store::Store;
use ontsluit::{Settings, SharedState};
use oxrdf::{Graph, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, TermRef};

use crate::common::*;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const ACCESS_RIGHT: &str = "http://publications.europa.eu/resource/authority/access-right/";

const PUBLIC: &str = "gemeenten";
/// (id, access right, a feature id) of each dataset that must stay closed.
const CLOSED: &[(&str, &str, &str)] = &[
    ("rustpunten_beperkt", "RESTRICTED", "1"),
    ("kerncijfers_geheim", "NON_PUBLIC", "GM0344"),
    ("kerncijfers_geheim_kaart", "NON_PUBLIC", "GM0344"),
];

/// A `[[view]]` entry (the dataset entry's fields, under `[[view]]`).
fn view_entry(id: &str, rest: &str) -> String {
    dataset_entry(id, rest).replacen("[[dataset]]", "[[view]]", 1)
}

fn entries(access: &str) -> Vec<String> {
    vec![
        dataset_entry(
            PUBLIC,
            r#"source = { path = "boundaries/utrecht_provincie_gemeenten_2022_wgs84.geojson" }
key = ["statcode"]
[dataset.columns.id]
name = "cbs_object_id""#,
        ),
        dataset_entry(
            "rustpunten_beperkt",
            &format!(
                r#"access_rights = "{}"
source = {{ path = "other/provincie_utrecht_rustpunten_wgs84.geojson", crs = "OGC:CRS84" }}
key = ["OBJECTID"]
[dataset.columns.id]
name = "wfs_id""#,
                if access == "public" {
                    "public"
                } else {
                    "restricted"
                }
            ),
        ),
        dataset_entry(
            "kerncijfers_geheim",
            &format!(
                r#"access_rights = "{access}"
source = {{ path = "statistics/cbs_kwb_gemeente_indicators_nlstat.csv", open_options = ["AUTODETECT_TYPE=YES"] }}
key = ["statcode"]
[dataset.columns.Population]
name = "inwoners""#
            ),
        ),
        // Not public itself, so it may read the non-public table.
        view_entry(
            "kerncijfers_geheim_kaart",
            &format!(
                r#"access_rights = "{access}"
key = ["statcode"]
sql = "SELECT g.statcode, g.statnaam, k.inwoners, g.geometry FROM gemeenten g JOIN kerncijfers_geheim k ON k.statcode = g.statcode""#
            ),
        ),
    ]
}

async fn closed_state(dir: &Path) -> SharedState {
    let catalog = write_catalog(dir, &entries("non-public"));
    let data = dir.join("data");
    ingest_all(&catalog, &data, &[]);
    ontsluit::state(catalog, &data, Settings::new(PUBLIC_URL))
        .await
        .unwrap()
}

fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

fn assert_not_named(what: &str, body: &str) {
    for (id, _, _) in CLOSED {
        assert!(!body.contains(id), "{what} names `{id}`:\n{body}");
    }
}

fn parse_turtle(body: &[u8]) -> Graph {
    let mut g = Graph::new();
    for t in oxttl::TurtleParser::new().for_slice(body) {
        g.insert(&t.expect("valid Turtle"));
    }
    g
}

fn n(ns: &str, local: &str) -> NamedNode {
    NamedNode::new(format!("{ns}{local}")).unwrap()
}

fn objects(g: &Graph, s: &NamedNode, p: &NamedNode) -> Vec<String> {
    g.objects_for_subject_predicate(s, NamedNodeRef::new_unchecked(p.as_str()))
        .map(|o| match o {
            TermRef::NamedNode(n) => n.as_str().to_owned(),
            other => other.to_string(),
        })
        .collect()
}

fn subjects(g: &Graph, p: &NamedNode, o: &NamedNode) -> Vec<String> {
    g.subjects_for_predicate_object(NamedNodeRef::new_unchecked(p.as_str()), o)
        .filter_map(|s| match s {
            NamedOrBlankNodeRef::NamedNode(n) => Some(n.as_str().to_owned()),
            NamedOrBlankNodeRef::BlankNode(_) => None,
        })
        .collect()
}

#[tokio::test]
async fn closed_datasets_are_stored_but_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let state = closed_state(dir.path()).await;
    let store = Store::new(dir.path().join("data"));

    // Ingested and stored like any dataset (so that opening one later needs no ingest).
    for (id, _, _) in CLOSED {
        let id = ontsluit::catalog::DatasetId::parse(id).unwrap();
        assert_eq!(store.current_version(&id).unwrap(), Some(1), "{id}");
    }
    // The public dataset next to them is served.
    assert_eq!(
        get(
            &state,
            &format!("/ogc/v1/collections/{PUBLIC}/items/GM0344")
        )
        .await
        .status,
        200
    );

    for (id, _, feature) in CLOSED {
        let mut paths: Vec<String> = [
            "",
            "/items",
            "/items?limit=1",
            "/items?f=csv",
            "/queryables",
            "/schema",
            "/sortables",
        ]
        .iter()
        .map(|p| format!("/ogc/v1/collections/{id}{p}"))
        .collect();
        paths.push(format!("/ogc/v1/collections/{id}/items/{feature}"));
        for f in ["parquet", "geojson", "csv", "gpkg", "fgb"] {
            paths.push(format!("/datasets/{id}/download.{f}"));
            paths.push(format!("/datasets/{id}/versions/1/download.{f}"));
        }
        paths.extend([
            format!("/datasets/{id}/versions"),
            format!("/datasets/{id}/versions/1"),
            format!("/datasets/{id}/feed.atom"),
        ]);
        for path in paths {
            let r = get(&state, &path).await;
            assert_eq!(r.status, 404, "{path}: {}", text(&r));
            assert_eq!(r.content_type(), "application/problem+json", "{path}");
        }
        // SQL: no table, and none in information_schema.
        let q = format!("/sql/v1?q={}", url_encode(&format!("SELECT * FROM {id}")));
        assert_problem(&get(&state, &q).await, 400, id);
    }

    // Lists name only the public dataset.
    let collections = get(&state, "/ogc/v1/collections").await.json();
    let ids: Vec<&str> = collections["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [PUBLIC]);
    let tables = get(&state, "/sql/v1/tables").await.json();
    let names: Vec<&str> = tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [PUBLIC]);
    let schema = get(
        &state,
        &format!(
            "/sql/v1?q={}",
            url_encode("SELECT table_name FROM information_schema.tables")
        ),
    )
    .await;
    assert_eq!(schema.status, 200, "{}", text(&schema));
    assert!(text(&schema).contains(PUBLIC));
    assert_not_named("information_schema.tables", &text(&schema));
    for path in ["/ogc/v1/api", "/", "/feeds/datasets.atom"] {
        let r = get(&state, path).await;
        assert_eq!(r.status, 200, "{path}");
        assert!(text(&r).contains(PUBLIC), "{path} lacks the public dataset");
        assert_not_named(path, &text(&r));
    }
}

#[tokio::test]
async fn closed_datasets_are_described_in_dcat_without_distributions() {
    let dir = tempfile::tempdir().unwrap();
    let state = closed_state(dir.path()).await;
    let reply = get(&state, "/catalog?f=ttl").await;
    assert_eq!(reply.status, 200);
    let g = parse_turtle(&reply.body);
    let catalog = n(&format!("{PUBLIC_URL}/"), "catalog");
    let listed = objects(&g, &catalog, &n(DCAT, "dataset"));
    let ogc = n(&format!("{PUBLIC_URL}/catalog"), "#ogc-api");
    let sql = n(&format!("{PUBLIC_URL}/catalog"), "#sql-api");
    for service in [&ogc, &sql] {
        assert_eq!(
            objects(&g, service, &n(DCAT, "servesDataset")),
            [format!("{PUBLIC_URL}/datasets/{PUBLIC}")],
            "{service}"
        );
    }
    let public = n(&format!("{PUBLIC_URL}/datasets/"), PUBLIC);
    assert_eq!(objects(&g, &public, &n(DCAT, "distribution")).len(), 7);

    for (id, right, _) in CLOSED {
        let ds = n(&format!("{PUBLIC_URL}/datasets/"), id);
        assert!(listed.contains(&ds.as_str().to_owned()), "{id}: {listed:?}");
        assert_eq!(
            objects(&g, &ds, &n(DCT, "accessRights")),
            [format!("{ACCESS_RIGHT}{right}")],
            "{id}"
        );
        assert!(
            objects(&g, &ds, &n(DCAT, "distribution")).is_empty(),
            "{id}"
        );
        // Nothing in the graph points at the dataset's data.
        let body = text(&reply);
        let mut needles = vec![
            format!("/datasets/{id}/download"),
            format!("/collections/{id}"),
        ];
        // The distribution nodes (one per download format and API) do not exist.
        for f in [
            "parquet", "geojson", "csv", "gpkg", "fgb", "ogc-api", "sql-api",
        ] {
            needles.push(format!("/datasets/{id}#{f}"));
        }
        for needle in needles {
            assert!(!body.contains(&needle), "{id}: the catalog names {needle}");
        }

        // Its own document, in every serialisation and as HTML.
        for (f, media) in [
            ("ttl", "text/turtle"),
            ("jsonld", "application/ld+json"),
            ("rdf", "application/rdf+xml"),
            ("html", "text/html"),
        ] {
            let r = get(&state, &format!("/datasets/{id}?f={f}")).await;
            assert_eq!(r.status, 200, "{id} as {f}: {}", text(&r));
            assert!(r.content_type().starts_with(media), "{id} as {f}");
            let body = text(&r);
            assert!(
                !body.contains("download.") && !body.contains("/collections/"),
                "{id} as {f} links to its data:\n{body}"
            );
        }
        let g = parse_turtle(&get(&state, &format!("/datasets/{id}?f=ttl")).await.body);
        assert_eq!(
            objects(&g, &ds, &n(DCT, "accessRights")),
            [format!("{ACCESS_RIGHT}{right}")]
        );
        assert!(subjects(&g, &n(DCAT, "servesDataset"), &ds).is_empty());
        assert!(subjects(&g, &n(DCAT, "distribution"), &ds).is_empty());
        assert!(objects(&g, &ds, &n(DCAT, "distribution")).is_empty());
    }
    let html = text(
        &get_with(
            &state,
            "/datasets/kerncijfers_geheim?f=html",
            &[("accept-language", "en")],
        )
        .await,
    );
    assert!(html.contains("This dataset is not public"), "{html}");
}

#[test]
fn making_a_dataset_public_needs_no_new_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let closed = write_catalog(dir.path(), &entries("non-public"));
    ingest_all(&closed, &data, &[]);
    let open = write_catalog(dir.path(), &entries("public"));
    let store = Store::new(&data);
    for ds in &open.datasets {
        let outcome = jobs::ingest_dataset(&open, ds, &store, false, &|_, _| {});
        assert_eq!(
            outcome.unwrap(),
            Outcome::Unchanged { version: 1 },
            "{}",
            ds.id
        );
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let state = ontsluit::state(open, &data, Settings::new(PUBLIC_URL))
            .await
            .unwrap();
        for (id, _, feature) in CLOSED {
            let r = get(&state, &format!("/ogc/v1/collections/{id}/items/{feature}")).await;
            assert_eq!(r.status, 200, "{id}: {}", text(&r));
        }
    });
}

/// A catalog whose public view reads the non-public table, and the line of the view's id.
fn leaking_catalog(dir: &Path) -> (std::path::PathBuf, usize) {
    let mut e = entries("non-public");
    e.push(view_entry(
        "openbare_kaart",
        r#"key = ["statcode"]
sql = "SELECT statcode, statnaam, geometry FROM gemeenten WHERE statcode IN (SELECT statcode FROM kerncijfers_geheim WHERE inwoners > 100000)""#,
    ));
    write_catalog(dir, &e[..e.len() - 1]);
    let path = dir.join("catalog.toml");
    let text = format!(
        "{}{}",
        std::fs::read_to_string(&path).unwrap(),
        e.last().unwrap()
    );
    std::fs::write(&path, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l == "id = \"openbare_kaart\"")
        .unwrap()
        + 1;
    (path, line)
}

#[test]
fn a_public_view_cannot_read_a_closed_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let (path, line) = leaking_catalog(dir.path());
    let expected = format!(
        "{}:{line}: dataset `openbare_kaart`: sql: this public view reads `kerncijfers_geheim` (access_rights = \"non-public\"), which is not public",
        path.display()
    );
    // check, ingest and serve load the catalog this way.
    let err = ontsluit::load_catalog(&path).unwrap_err().to_string();
    assert!(err.starts_with(&expected), "{err}");

    // And ingest refuses it even when handed the catalog directly.
    let catalog = Catalog::load(&path).unwrap();
    let data = dir.path().join("data");
    ingest_all(&catalog, &data, &[PUBLIC, "kerncijfers_geheim"]);
    let view = catalog.dataset("openbare_kaart").unwrap();
    let err = jobs::ingest_view(&catalog, view, &Store::new(&data), false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("this public view reads `kerncijfers_geheim`"),
        "{err}"
    );
    let id = ontsluit::catalog::DatasetId::parse("openbare_kaart").unwrap();
    assert_eq!(Store::new(&data).current_version(&id).unwrap(), None);
}

#[tokio::test]
async fn the_binary_refuses_a_leaking_view_and_serves_only_public_data() {
    let dir = tempfile::tempdir().unwrap();
    let (path, line) = leaking_catalog(dir.path());
    let out = Command::new(BIN)
        .args(["check", "--catalog"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}:{line}: dataset `openbare_kaart`: sql: this public view reads `kerncijfers_geheim`",
            path.display()
        )),
        "{stderr}"
    );

    // Without the leaking view: check says what is not served; ingest and serve on a socket.
    let ok = tempfile::tempdir().unwrap();
    let catalog = write_catalog(ok.path(), &entries("non-public"));
    let out = Command::new(BIN)
        .args(["check", "--catalog"])
        .arg(ok.path().join("catalog.toml"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("columns; restricted: described in DCAT only, its data not served"),
        "{stdout}"
    );
    let data = ok.path().join("data");
    ingest_all(&catalog, &data, &[]);
    let server = Server::start(&ok.path().join("catalog.toml"), &data, &[]);
    assert!(
        server.first_line.starts_with("serving 1 datasets"),
        "{}",
        server.first_line
    );

    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let base = &server.base;
    for (path, status) in [
        (
            "/ogc/v1/collections/kerncijfers_geheim/items".to_owned(),
            404,
        ),
        (
            "/datasets/kerncijfers_geheim/download.parquet".to_owned(),
            404,
        ),
        ("/datasets/rustpunten_beperkt/feed.atom".to_owned(), 404),
        ("/datasets/kerncijfers_geheim?f=ttl".to_owned(), 200),
        (format!("/ogc/v1/collections/{PUBLIC}/items/GM0344"), 200),
    ] {
        let r = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        if path.ends_with("f=ttl") {
            assert!(r.text().await.unwrap().contains("NON_PUBLIC"));
        }
    }
}
