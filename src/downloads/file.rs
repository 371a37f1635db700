//! Serving a stored, immutable file: `Content-Length`, a strong `ETag` from its SHA-256,
//! `Last-Modified` from the version, conditional GET (`If-None-Match`, `If-Modified-Since` → 304)
//! and single byte ranges (`Range`, `If-Range` → 206; malformed or unsatisfiable → 416).
//!
//! Several ranges get a `multipart/byteranges` answer; more than [`MAX_RANGES`], or overlapping
//! ones, get the whole file (200), which RFC 9110 allows.

use std::io::SeekFrom;
use std::path::PathBuf;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::http::error::ApiError;

/// A file of a dataset version, as the manifest describes it.
pub struct StoredFile {
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub modified: DateTime<Utc>,
    pub media_type: &'static str,
    /// `attachment; filename=…` name.
    pub download_name: String,
}

impl StoredFile {
    pub fn etag(&self) -> String {
        format!("\"{}\"", self.sha256)
    }
}

/// HTTP date (IMF-fixdate), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn parse_http_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A byte range to send, end inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

/// Most ranges served as `multipart/byteranges`.
pub const MAX_RANGES: usize = 16;

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    /// No range, or too many or overlapping ones: send the whole file.
    Whole,
    Single(ByteRange),
    /// Several disjoint ranges, in the order asked.
    Multiple(Vec<ByteRange>),
    /// Malformed, or no byte of the file in range: 416.
    Unsatisfiable,
}

pub fn parse_range(value: &str, len: u64) -> RangeRequest {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeRequest::Unsatisfiable;
    };
    let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
    let mut parsed = Vec::with_capacity(parts.len());
    for part in &parts {
        let Some((a, b)) = part.split_once('-') else {
            return RangeRequest::Unsatisfiable;
        };
        let number = |s: &str| -> Option<u64> {
            (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let range = match (a.trim(), b.trim()) {
            ("", suffix) => match number(suffix) {
                Some(n) if n > 0 && len > 0 => Some(ByteRange {
                    start: len.saturating_sub(n),
                    end: len - 1,
                }),
                Some(_) => None,
                None => return RangeRequest::Unsatisfiable,
            },
            (start, "") => match number(start) {
                Some(s) if s < len => Some(ByteRange {
                    start: s,
                    end: len - 1,
                }),
                Some(_) => None,
                None => return RangeRequest::Unsatisfiable,
            },
            (start, end) => match (number(start), number(end)) {
                (Some(s), Some(e)) if s <= e => (s < len).then(|| ByteRange {
                    start: s,
                    end: e.min(len - 1),
                }),
                _ => return RangeRequest::Unsatisfiable,
            },
        };
        parsed.push(range);
    }
    let satisfiable: Vec<ByteRange> = parsed.into_iter().flatten().collect();
    match satisfiable.as_slice() {
        [] => RangeRequest::Unsatisfiable,
        [one] => RangeRequest::Single(*one),
        many if many.len() > MAX_RANGES || overlapping(many) => RangeRequest::Whole,
        many => RangeRequest::Multiple(many.to_vec()),
    }
}

fn overlapping(ranges: &[ByteRange]) -> bool {
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| r.start);
    sorted.windows(2).any(|w| w[1].start <= w[0].end)
}

fn etag_matches(list: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    list.split(',')
        .any(|t| t.trim() == "*" || opaque(t) == opaque(etag))
}

/// Whether the client's cached copy is current (RFC 9110 13.2.2: If-None-Match wins over
/// If-Modified-Since).
pub fn not_modified(headers: &HeaderMap, etag: &str, modified: DateTime<Utc>) -> bool {
    if let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return etag_matches(inm, etag);
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_http_date)
        .is_some_and(|since| modified.timestamp() <= since.timestamp())
}

/// Validators every answer about the file carries.
pub fn validators(headers: &mut HeaderMap, etag: &str, modified: DateTime<Utc>) {
    if let Ok(v) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(modified)) {
        headers.insert(header::LAST_MODIFIED, v);
    }
}

pub async fn respond(request: &HeaderMap, file: StoredFile) -> Result<Response, ApiError> {
    let etag = file.etag();
    if not_modified(request, &etag, file.modified) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        validators(r.headers_mut(), &etag, file.modified);
        return Ok(r);
    }
    // If-Range: a range only applies to the representation the client already has part of.
    let range_applies = request
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| {
            v.trim() == etag
                || parse_http_date(v).is_some_and(|t| t.timestamp() == file.modified.timestamp())
        });
    let range = match request.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(r) if range_applies => parse_range(r, file.bytes),
        _ => RangeRequest::Whole,
    };
    let (status, start, length) = match range {
        RangeRequest::Whole => (StatusCode::OK, 0, file.bytes),
        RangeRequest::Single(r) => (StatusCode::PARTIAL_CONTENT, r.start, r.end - r.start + 1),
        RangeRequest::Multiple(ranges) => return Ok(multipart(file, &etag, ranges)),
        RangeRequest::Unsatisfiable => {
            let mut r = ApiError::RangeNotSatisfiable(format!(
                "the Range `{}` selects no bytes of this {}-byte file; use e.g. `bytes=0-1023`",
                request
                    .get(header::RANGE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or(""),
                file.bytes
            ))
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", file.bytes)) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(r);
        }
    };
    let mut f = tokio::fs::File::open(&file.path)
        .await
        .map_err(|e| ApiError::Internal(format!("{}: {e}", file.path.display())))?;
    if start > 0 {
        f.seek(SeekFrom::Start(start))
            .await
            .map_err(|e| ApiError::Internal(format!("{}: {e}", file.path.display())))?;
    }
    let body = Body::from_stream(read_chunks(f, length));
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    validators(h, &etag, file.modified);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.media_type),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!(
            "bytes {start}-{}/{}",
            start + length - 1,
            file.bytes
        ))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    if let Ok(v) =
        HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.download_name))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// 206 `multipart/byteranges`: each range as a part with its own `Content-Range`.
fn multipart(file: StoredFile, etag: &str, ranges: Vec<ByteRange>) -> Response {
    let boundary = format!("ontsluit-{}", file.sha256.get(..24).unwrap_or("ranges"));
    let heads: Vec<String> = ranges
        .iter()
        .map(|r| {
            format!(
                "\r\n--{boundary}\r\nContent-Type: {}\r\nContent-Range: bytes {}-{}/{}\r\n\r\n",
                file.media_type, r.start, r.end, file.bytes
            )
        })
        .collect();
    let tail = format!("\r\n--{boundary}--\r\n");
    let length = heads.iter().map(|h| h.len() as u64).sum::<u64>()
        + ranges.iter().map(|r| r.end - r.start + 1).sum::<u64>()
        + tail.len() as u64;
    let path = file.path.clone();
    let parts = futures::stream::iter(ranges.into_iter().zip(heads))
        .then(move |(r, head)| {
            let path = path.clone();
            async move {
                let mut f = tokio::fs::File::open(&path).await?;
                f.seek(SeekFrom::Start(r.start)).await?;
                let head = futures::stream::once(async move { Ok(bytes::Bytes::from(head)) });
                Ok::<_, std::io::Error>(head.chain(read_chunks(f, r.end - r.start + 1)))
            }
        })
        .try_flatten()
        .chain(futures::stream::once(async move {
            Ok(bytes::Bytes::from(tail))
        }));
    let mut response = (StatusCode::PARTIAL_CONTENT, Body::from_stream(parts)).into_response();
    let h = response.headers_mut();
    validators(h, etag, file.modified);
    if let Ok(v) = HeaderValue::from_str(&format!("multipart/byteranges; boundary={boundary}")) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    response
}

/// The next `length` bytes of `file`, in chunks of up to 64 KiB.
fn read_chunks(
    file: tokio::fs::File,
    length: u64,
) -> impl futures::Stream<Item = std::io::Result<bytes::Bytes>> + Send {
    const CHUNK: u64 = 1 << 16;
    futures::stream::try_unfold((file, length), |(mut file, remaining)| async move {
        if remaining == 0 {
            return Ok(None);
        }
        let mut buf = vec![0u8; remaining.min(CHUNK) as usize];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file is shorter than its manifest says",
            ));
        }
        buf.truncate(n);
        Ok(Some((
            bytes::Bytes::from(buf),
            (file, remaining - n as u64),
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        let r = |s| parse_range(s, 1000);
        let single = |start, end| RangeRequest::Single(ByteRange { start, end });
        assert_eq!(r("bytes=0-99"), single(0, 99));
        assert_eq!(r("bytes=900-"), single(900, 999));
        assert_eq!(r("bytes=-100"), single(900, 999));
        assert_eq!(r("bytes=-5000"), single(0, 999));
        assert_eq!(r("bytes=990-2000"), single(990, 999));
        assert_eq!(
            r("bytes=0-1, 5-6"),
            RangeRequest::Multiple(vec![
                ByteRange { start: 0, end: 1 },
                ByteRange { start: 5, end: 6 }
            ])
        );
        assert_eq!(
            r("bytes=0-1,2000-3000"),
            single(0, 1),
            "unsatisfiable parts are dropped"
        );
        assert_eq!(r("bytes=0-10,5-6"), RangeRequest::Whole, "overlapping");
        let many = (0..=MAX_RANGES).map(|i| format!("{}-{}", i * 10, i * 10 + 1));
        let header = format!("bytes={}", many.collect::<Vec<_>>().join(","));
        assert_eq!(parse_range(&header, 1000), RangeRequest::Whole);
        for bad in [
            "bytes=1000-",
            "bytes=5-1",
            "bytes=abc",
            "bytes=-0",
            "items=0-1",
            "bytes=--1",
            "bytes=1-2-3",
            "bytes=",
        ] {
            assert_eq!(r(bad), RangeRequest::Unsatisfiable, "{bad}");
        }
        assert_eq!(parse_range("bytes=0-", 0), RangeRequest::Unsatisfiable);
    }

    #[test]
    fn conditional_requests() {
        let t = DateTime::parse_from_rfc3339("2026-11-28T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut h = HeaderMap::new();
        assert!(!not_modified(&h, "\"abc\"", t));
        h.insert(header::IF_MODIFIED_SINCE, http_date(t).parse().unwrap());
        assert!(not_modified(&h, "\"abc\"", t));
        h.insert(header::IF_NONE_MATCH, "\"other\"".parse().unwrap());
        assert!(!not_modified(&h, "\"abc\"", t), "If-None-Match wins");
        h.insert(header::IF_NONE_MATCH, "\"x\", W/\"abc\"".parse().unwrap());
        assert!(not_modified(&h, "\"abc\"", t));
        assert_eq!(http_date(t), "Sat, 28 Nov 2026 12:00:00 GMT");
    }
}
