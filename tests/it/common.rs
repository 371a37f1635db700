//! Fixtures shared by the integration tests: the shared real data, temporary catalogs and stores,
//! and the real router driven in-process.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use ontsluit::catalog::Catalog;
use ontsluit::ingest::Outcome;
use ontsluit::jobs;
use ontsluit::store::Store;
use ontsluit::{Settings, SharedState};
use tower::ServiceExt;

pub const PUBLIC_URL: &str = "http://test.invalid";

/// `../shared/data` beside the repository.
pub fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

/// The repository's own catalog.
pub fn repo_catalog() -> Catalog {
    Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog.toml"))
        .expect("the repo catalog is valid")
}

pub const CATALOG_HEAD: &str = r#"[catalog]
title = { nl = "Testcatalogus", en = "Test catalog" }
description = { nl = "Voor tests", en = "For tests" }
publisher = { name = "Provincie Utrecht", uri = "https://www.provincie-utrecht.nl" }
contact = { name = "Tests", email = "tests@example.org" }
homepage = "https://www.provincie-utrecht.nl"
licence = "CC0-1.0"
"#;

/// A `[[dataset]]` entry with the required metadata; `rest` adds source, key and the like.
pub fn dataset_entry(id: &str, rest: &str) -> String {
    format!(
        r#"
[[dataset]]
id = "{id}"
title = {{ nl = "{id}", en = "{id}" }}
description = {{ nl = "{id}", en = "{id}" }}
theme = "REGI"
licence = "CC-BY-4.0"
attribution = "Test source"
update_frequency = "irreg"
{rest}
"#
    )
}

/// Writes a catalog into `dir` (sources resolved against the shared data) and loads it.
pub fn write_catalog(dir: &Path, entries: &[String]) -> Catalog {
    let text = format!(
        "{CATALOG_HEAD}sources_dir = {:?}\n{}",
        shared_data().to_string_lossy(),
        entries.concat()
    );
    let path = dir.join("catalog.toml");
    std::fs::write(&path, text).unwrap();
    Catalog::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

/// Ingests the named datasets of `catalog` into `data_dir`, panicking on failure.
pub fn ingest_all(catalog: &Catalog, data_dir: &Path, only: &[&str]) {
    let store = Store::new(data_dir);
    for ds in catalog
        .datasets
        .iter()
        .filter(|d| only.is_empty() || only.contains(&d.id.as_str()))
    {
        match jobs::ingest_dataset(catalog, ds, &store, false, &|_, _| {}) {
            Ok(Outcome::Written { .. } | Outcome::Unchanged { .. }) => {}
            Err(e) => panic!("{e}"),
        }
    }
}

/// State over the repo catalog with the named datasets ingested into `data_dir`.
pub async fn repo_state(data_dir: &Path, only: &[&str]) -> SharedState {
    let catalog = repo_catalog();
    ingest_all(&catalog, data_dir, only);
    ontsluit::state(catalog, data_dir, Settings::new(PUBLIC_URL))
        .await
        .unwrap()
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// GET through the real router, in-process. `uri` may be absolute (a link from a response).
pub async fn get(state: &SharedState, uri: &str) -> Reply {
    get_with(state, uri, &[]).await
}

pub async fn get_with(state: &SharedState, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let path = uri.strip_prefix(PUBLIC_URL).unwrap_or(uri);
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    send(state, req.body(Body::empty()).unwrap()).await
}

/// Any request through the real router, in-process.
pub async fn send(state: &SharedState, req: Request<Body>) -> Reply {
    let response = ontsluit::app(state.clone()).oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

/// Follows `next` links from `first`, returning every feature seen.
pub async fn all_pages(state: &SharedState, first: &str) -> (Vec<serde_json::Value>, usize) {
    let mut features = Vec::new();
    let mut url = Some(first.to_owned());
    let mut pages = 0;
    while let Some(u) = url {
        let reply = get(state, &u).await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "{u}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        let page = reply.json();
        let returned = page["features"].as_array().unwrap().len();
        assert_eq!(page["numberReturned"], returned, "{u}");
        features.extend(page["features"].as_array().unwrap().iter().cloned());
        url = next_link(&page);
        pages += 1;
        assert!(pages < 10_000, "paging does not end");
    }
    (features, pages)
}

pub fn next_link(page: &serde_json::Value) -> Option<String> {
    link(page, "next")
}

pub fn link(doc: &serde_json::Value, rel: &str) -> Option<String> {
    doc["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .map(|l| l["href"].as_str().unwrap().to_owned())
}

/// Asserts an RFC 9457 problem with the given status whose detail contains `needle`.
pub fn assert_problem(reply: &Reply, status: u16, needle: &str) {
    assert_eq!(
        reply.status.as_u16(),
        status,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(reply.content_type(), "application/problem+json");
    let p = reply.json();
    assert_eq!(p["status"], status);
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains(needle),
        "detail `{detail}` lacks `{needle}`"
    );
}

/// Percent-encodes a query parameter value.
pub fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The real binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_ontsluit");

/// `ontsluit ingest` of `only` (all when empty) from `catalog` into `data` through the binary.
pub fn ingest_with_binary(catalog: &Path, data: &Path, only: &[&str]) {
    let status = std::process::Command::new(BIN)
        .args(["ingest", "--catalog"])
        .arg(catalog)
        .arg("--data-dir")
        .arg(data)
        .args(only)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "ingest of {only:?} failed");
}

/// `ontsluit serve` of the real binary on a free loopback port, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    /// The first line the server printed (`serving N datasets on …`).
    pub first_line: String,
}

impl Server {
    /// Starts serving `catalog` over `data` with `extra` options, and waits until it listens.
    pub fn start(catalog: &Path, data: &Path, extra: &[&str]) -> Server {
        use std::io::BufRead;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::process::Command::new(BIN)
            .args(["serve", "--catalog"])
            .arg(catalog)
            .arg("--data-dir")
            .arg(data)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut first_line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut first_line)
            .unwrap();
        Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            first_line,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
