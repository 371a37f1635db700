//! Documents that change only when the served versions change (the API's landing page,
//! conformance, collections, a collection, its queryables, sortables and schema, the OpenAPI
//! document, the DCAT catalog and datasets): built once per version set and kept as bytes, with
//! their gzip and Brotli encodings made once, on the first request that accepts them.
//!
//! A document is keyed by everything it is made of: the engine's [`generation`] (bumped whenever
//! a dataset switches to a new version), the path, the raw query string (pages repeat it in their
//! language switch), and the negotiated format and language. The public URL is a setting, so it
//! is the same for every request. Only `200` responses are kept. Each response carries a strong
//! `ETag` per content coding, and `If-None-Match` with any of them answers `304`.
//!
//! [`generation`]: crate::engine::Engine::generation

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use super::media::Format;
use super::negotiate::Lang;

/// More distinct documents than this (query strings are the client's) empties the cache.
const MAX_ENTRIES: usize = 2048;
/// Bodies shorter than this are sent as they are: compression would gain a few bytes at most.
const MIN_COMPRESSED: usize = 512;

/// What a cached document is made of.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentKey {
    /// The version set it was built from (the engine's generation).
    pub generation: u64,
    /// For documents that also read the store directly (DCAT): what they read of it.
    pub stamp: u64,
    pub path: String,
    pub query: Option<String>,
    pub format: Format,
    pub lang: Lang,
}

/// One built document: its headers, and its body in each content coding.
struct Document {
    headers: HeaderMap,
    etag: String,
    identity: Bytes,
    gzip: OnceLock<Option<Bytes>>,
    br: OnceLock<Option<Bytes>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Identity,
    Gzip,
    Br,
}

impl Coding {
    fn token(self) -> &'static str {
        match self {
            Coding::Identity => "identity",
            Coding::Gzip => "gzip",
            Coding::Br => "br",
        }
    }
}

impl Document {
    fn etag(&self, coding: Coding) -> String {
        match coding {
            Coding::Identity => format!("\"{}\"", self.etag),
            other => format!("\"{}-{}\"", self.etag, other.token()),
        }
    }

    /// The body in `coding`, made on first use; `None` when it would not be smaller.
    fn body(&self, coding: Coding) -> Option<Bytes> {
        let made = match coding {
            Coding::Identity => return Some(self.identity.clone()),
            Coding::Gzip => self.gzip.get_or_init(|| smaller(&self.identity, gzip)),
            Coding::Br => self.br.get_or_init(|| smaller(&self.identity, brotli)),
        };
        made.clone()
    }
}

fn smaller(body: &[u8], compress: fn(&[u8]) -> std::io::Result<Vec<u8>>) -> Option<Bytes> {
    if body.len() < MIN_COMPRESSED {
        return None;
    }
    match compress(body) {
        Ok(out) if out.len() < body.len() => Some(Bytes::from(out)),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, "compressing a document failed");
            None
        }
    }
}

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(body)?;
    encoder.finish()
}

fn brotli(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    // Quality 9 of 11: once per version, so the smaller body is worth a few milliseconds.
    let params = brotli::enc::BrotliEncoderParams {
        quality: 9,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params)?;
    Ok(out)
}

/// The cache of built documents.
#[derive(Default)]
pub struct DocumentCache {
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    generation: u64,
    documents: HashMap<DocumentKey, Arc<Document>>,
}

impl DocumentCache {
    /// The document at `key`: from the cache, or built by `build` (a future, so nothing is done
    /// unless it is needed) and kept when it is a `200`. Either way answered in the coding
    /// `request` accepts, or `304` when it already has it.
    pub async fn serve(
        &self,
        key: DocumentKey,
        request: &HeaderMap,
        build: impl Future<Output = Result<Response, ApiError>>,
    ) -> Result<Response, ApiError> {
        let cached = self.get(&key);
        let document = match cached {
            Some(d) => d,
            None => {
                let response = build.await?;
                if response.status() != StatusCode::OK {
                    return Ok(response);
                }
                let (parts, body) = response.into_parts();
                let identity = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .map_err(|e| ApiError::Internal(format!("reading a built document: {e}")))?;
                let mut headers = parts.headers;
                headers.remove(header::CONTENT_LENGTH);
                let digest = Sha256::digest(&identity);
                let etag = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
                let document = Arc::new(Document {
                    headers,
                    etag,
                    identity,
                    gzip: OnceLock::new(),
                    br: OnceLock::new(),
                });
                self.put(key, document.clone());
                document
            }
        };
        Ok(respond(&document, request))
    }

    fn get(&self, key: &DocumentKey) -> Option<Arc<Document>> {
        let entries = self.entries.lock().expect("document cache lock");
        entries.documents.get(key).cloned()
    }

    fn put(&self, key: DocumentKey, document: Arc<Document>) {
        let mut entries = self.entries.lock().expect("document cache lock");
        if key.generation != entries.generation {
            if key.generation < entries.generation {
                // Built from a version set that has been replaced since: not worth keeping.
                return;
            }
            entries.documents.clear();
            entries.generation = key.generation;
        }
        if entries.documents.len() >= MAX_ENTRIES {
            entries.documents.clear();
        }
        entries.documents.insert(key, document);
    }

    /// How many documents are kept (for tests).
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .expect("document cache lock")
            .documents
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The document as a response to `request`: its coding by `Accept-Encoding`, `304` when
/// `If-None-Match` names what the client has.
fn respond(document: &Document, request: &HeaderMap) -> Response {
    let (coding, body) = preferred_codings(request)
        .into_iter()
        .find_map(|c| document.body(c).map(|b| (c, b)))
        .unwrap_or((Coding::Identity, document.identity.clone()));
    let etag = document.etag(coding);
    let not_modified = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| {
            t == "*"
                || t == etag
                || [Coding::Identity, Coding::Gzip, Coding::Br]
                    .iter()
                    .any(|c| t == document.etag(*c))
        });
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Body::from(body).into_response()
    };
    let headers = response.headers_mut();
    for (name, value) in &document.headers {
        if !(not_modified && name == header::CONTENT_TYPE) {
            headers.append(name, value.clone());
        }
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    if coding != Coding::Identity {
        if !not_modified {
            headers.insert(
                header::CONTENT_ENCODING,
                HeaderValue::from_static(coding.token()),
            );
        }
        // Only a compressed answer needs it: a cache that keeps the plain one for every
        // client serves nobody a coding they cannot read.
        headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    response
}

/// The codings `Accept-Encoding` admits, best first (Brotli before gzip on a tie); identity is
/// always the fallback.
fn preferred_codings(request: &HeaderMap) -> Vec<Coding> {
    let q = |coding: &str| -> Option<f32> {
        let mut star = None;
        let mut exact = None;
        for v in request.get_all(header::ACCEPT_ENCODING) {
            let Ok(v) = v.to_str() else { continue };
            for part in v.split(',') {
                let mut it = part.split(';');
                let name = it.next().unwrap_or("").trim();
                let weight = it
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse().ok()))
                    .unwrap_or(1.0);
                if name.eq_ignore_ascii_case(coding) {
                    exact = Some(weight);
                } else if name == "*" {
                    star = Some(weight);
                }
            }
        }
        exact.or(star).filter(|w| *w > 0.0)
    };
    let mut offered: Vec<(f32, Coding)> = [(Coding::Br, "br"), (Coding::Gzip, "gzip")]
        .into_iter()
        .filter_map(|(c, name)| q(name).map(|w| (w, c)))
        .collect();
    // Stable: ties keep Brotli first.
    offered.sort_by(|a, b| b.0.total_cmp(&a.0));
    offered.into_iter().map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn accept_encoding_orders_by_weight_with_brotli_first_on_ties() {
        let order = |v: &str| preferred_codings(&headers(&[("accept-encoding", v)]));
        assert_eq!(order("gzip, deflate, br"), [Coding::Br, Coding::Gzip]);
        assert_eq!(order("gzip;q=1, br;q=0.5"), [Coding::Gzip, Coding::Br]);
        assert_eq!(order("br;q=0, gzip"), [Coding::Gzip]);
        assert_eq!(order("*"), [Coding::Br, Coding::Gzip]);
        assert_eq!(order("identity"), []);
        assert!(preferred_codings(&HeaderMap::new()).is_empty());
    }

    fn document(body: &str) -> Document {
        Document {
            headers: headers(&[("content-type", "application/json")]),
            etag: "abc".into(),
            identity: Bytes::from(body.to_owned()),
            gzip: OnceLock::new(),
            br: OnceLock::new(),
        }
    }

    #[test]
    fn compressed_bodies_decode_to_the_document_and_304_on_a_match() {
        let text = "{\"links\":[]} ".repeat(100);
        let doc = document(&text);
        let r = respond(&doc, &headers(&[("accept-encoding", "gzip")]));
        assert_eq!(r.headers()["content-encoding"], "gzip");
        assert_eq!(r.headers()["etag"], "\"abc-gzip\"");
        let gz = doc.body(Coding::Gzip).unwrap();
        let mut plain = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain)
            .unwrap();
        assert_eq!(plain, text);
        let br = doc.body(Coding::Br).unwrap();
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut plain).unwrap();
        assert_eq!(plain, text.as_bytes());

        let r = respond(&doc, &headers(&[("if-none-match", "\"other\", \"abc\"")]));
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.headers()["etag"], "\"abc\"");
        let r = respond(&doc, &headers(&[("if-none-match", "\"other\"")]));
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers().get("content-encoding").is_none());
        // A short document is never compressed.
        let short = document("{}");
        let r = respond(&short, &headers(&[("accept-encoding", "br")]));
        assert!(r.headers().get("content-encoding").is_none());
        assert_eq!(r.headers()["etag"], "\"abc\"");
    }
}
