//! Documents served from the document cache: the same bytes as a fresh build, gzip and Brotli
//! that decode to them, an `ETag` per coding and `304` on `If-None-Match`.

use std::io::Read;

use crate::common::*;

#[tokio::test]
async fn cached_documents_compress_and_answer_304() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["rustpunten", "gemeenten"]).await;
    for uri in [
        "/ogc/v1/collections",
        "/ogc/v1/collections/gemeenten?f=html",
        "/ogc/v1/api",
        "/catalog?f=ttl",
    ] {
        let first = get(&state, uri).await;
        assert_eq!(first.status, 200, "{uri}");
        assert!(!state.documents.is_empty());
        let again = get(&state, uri).await;
        assert_eq!(
            again.body, first.body,
            "{uri}: the kept document is the built one"
        );
        let etag = first.headers["etag"].to_str().unwrap().to_owned();
        assert_eq!(again.headers["etag"], etag.as_str());
        assert_eq!(again.headers["content-type"], first.headers["content-type"]);

        let gz = get_with(&state, uri, &[("accept-encoding", "gzip")]).await;
        assert_eq!(gz.headers["content-encoding"], "gzip", "{uri}");
        assert_ne!(gz.headers["etag"], etag.as_str());
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gz.body[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, first.body, "{uri}: gzip decodes to the document");
        let br = get_with(&state, uri, &[("accept-encoding", "gzip, br")]).await;
        assert_eq!(br.headers["content-encoding"], "br", "{uri}");
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &br.body[..], &mut plain).unwrap();
        assert_eq!(plain, first.body, "{uri}: Brotli decodes to the document");

        let cached = get_with(&state, uri, &[("if-none-match", etag.as_str())]).await;
        assert_eq!(cached.status, 304, "{uri}");
        assert!(cached.body.is_empty());
        let stale = get_with(&state, uri, &[("if-none-match", "\"stale\"")]).await;
        assert_eq!(stale.status, 200, "{uri}");
    }
    // Errors are not kept: an unknown collection stays a 404, a bad `f` a 400.
    assert_eq!(get(&state, "/ogc/v1/collections/nothing").await.status, 404);
    assert_eq!(get(&state, "/ogc/v1/collections?f=xml").await.status, 400);
}
