//! Parsers of the OGC API's own query parameters (limit, crs, datetime, sortby, properties,
//! skipGeometry, cursor) into typed values. The strict decoding of the query string and `bbox`
//! belong to the request edge ([`crate::http::params`]).

use chrono::{DateTime, NaiveDate, Utc};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::crs::Crs;
use crate::engine::TimeRange;
use crate::http::error::ApiError;

/// `limit`: a whole number from 1, `default` when absent. A number above `max` (even one too
/// large for an integer) is served as `max`: OGC API Features Part 1, /req/core/fc-limit-response-1 C
/// says a limit above the maximum SHALL NOT be an error.
pub fn limit(value: Option<&str>, default: usize, max: usize) -> Result<usize, ApiError> {
    let Some(v) = value else { return Ok(default) };
    let digits = v.trim();
    let whole = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    if !whole || digits.bytes().all(|b| b == b'0') {
        return Err(ApiError::InvalidParameter(format!(
            "limit `{v}` is not a whole number of at least 1 (larger numbers are served as {max})"
        )));
    }
    Ok(digits
        .parse::<u64>()
        .map_or(max, |n| usize::try_from(n).map_or(max, |n| n.min(max))))
}

/// A `crs`, `bbox-crs` or `filter-crs` value; unknown ones are a 400 listing the offered CRSs.
pub fn crs(name: &str, value: Option<&str>) -> Result<Crs, ApiError> {
    match value {
        None => Ok(Crs::Crs84),
        Some(v) => Crs::parse(v).ok_or_else(|| {
            ApiError::InvalidParameter(format!(
                "{name} `{v}` is not supported; supported: {}",
                Crs::listing()
            ))
        }),
    }
}

fn instant(text: &str, whole: &str, end_of_day: bool) -> Result<Option<DateTime<Utc>>, ApiError> {
    let t = text.trim();
    if t.is_empty() || t == ".." {
        return Ok(None);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(Some(dt.with_timezone(&Utc)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let time = if end_of_day {
            d.and_hms_milli_opt(23, 59, 59, 999)
        } else {
            d.and_hms_opt(0, 0, 0)
        };
        return Ok(time.map(|t| t.and_utc()));
    }
    Err(ApiError::InvalidParameter(format!(
        "datetime `{whole}`: `{t}` is not an RFC 3339 date-time or date \
         (e.g. 2025-12-01T12:00:00Z, 2025-12-01, 2025-01-01/.., ../2025-12-31)"
    )))
}

/// `datetime`: an instant, a date (the whole day), or an interval `start/end` with `..` or an
/// empty side for an open end.
pub fn datetime(value: &str) -> Result<TimeRange, ApiError> {
    let range = match value.split_once('/') {
        // `../..` is fully open: every feature that has a time.
        Some((a, b)) => TimeRange {
            start: instant(a, value, false)?,
            end: instant(b, value, true)?,
        },
        None => {
            if value.trim() == ".." || value.trim().is_empty() {
                return Err(ApiError::InvalidParameter(format!(
                    "datetime `{value}` names no time"
                )));
            }
            TimeRange {
                start: instant(value, value, false)?,
                end: instant(value, value, true)?,
            }
        }
    };
    if let (Some(s), Some(e)) = (range.start, range.end)
        && s > e
    {
        return Err(ApiError::InvalidParameter(format!(
            "datetime `{value}` ends before it starts"
        )));
    }
    Ok(range)
}

/// `sortby`: comma-separated names, each optionally prefixed with `+` (ascending, the default) or
/// `-` (descending), checked against `sortable`.
pub fn sortby(value: &str, sortable: &[String]) -> Result<Vec<(String, bool)>, ApiError> {
    value
        .split(',')
        .map(|key| {
            let key = key.trim();
            let (name, asc) = match key.strip_prefix('-') {
                Some(n) => (n, false),
                None => (key.strip_prefix('+').unwrap_or(key), true),
            };
            if sortable.iter().any(|s| s == name) {
                Ok((name.to_owned(), asc))
            } else {
                Err(ApiError::InvalidParameter(format!(
                    "sortby: `{name}` is not sortable (sortables: {})",
                    sortable.join(", ")
                )))
            }
        })
        .collect()
}

/// `properties`: comma-separated published names to return, checked against `known`; empty
/// means none.
pub fn properties(value: &str, known: &[String]) -> Result<Vec<String>, ApiError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if known.iter().any(|k| k == p) {
                Ok(p.to_owned())
            } else {
                Err(ApiError::InvalidParameter(format!(
                    "properties: `{p}` is not a property of this collection (properties: {})",
                    known.join(", ")
                )))
            }
        })
        .collect()
}

/// `skipGeometry`: `true` or `false`.
pub fn skip_geometry(value: Option<&str>) -> Result<bool, ApiError> {
    match value {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(v) => Err(ApiError::InvalidParameter(format!(
            "skipGeometry `{v}` is not `true` or `false`"
        ))),
    }
}

/// A paging cursor: the dataset version the first page was read from, the features before the
/// page, and where the page goes on from (a keyset position, so that a deep page reads what the
/// first does): for a filtered page in stored order the stored row after the last one; for a
/// sorted page the sort key and id of the last row. Pinning the version keeps paging complete
/// and free of repeats while a new version arrives; the position means the same on any server
/// that holds that version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub version: u64,
    pub offset: u64,
    pub start: Option<u64>,
    /// The last row's key as [`crate::engine::keyset::encode`] wrote it.
    pub after: Option<String>,
}

impl Cursor {
    /// `version.offset`, `version.offset.start` or `version.offset.k` + the key as unpadded
    /// base64url (so that the cursor needs no escaping in a URL).
    pub fn parse(value: &str) -> Result<Cursor, ApiError> {
        let not_ours = || {
            ApiError::InvalidParameter(format!(
                "cursor `{value}` is not one this server made; follow the `next` and `prev` links"
            ))
        };
        let mut parts = value.splitn(3, '.');
        let mut number = || parts.next().and_then(|n| n.parse::<u64>().ok());
        let (version, offset) = match (number(), number()) {
            (Some(v), Some(o)) if v >= 1 => (v, o),
            _ => return Err(not_ours()),
        };
        let (start, after) = match parts.next() {
            None => (None, None),
            Some(key) if key.starts_with('k') => {
                let bytes = URL_SAFE_NO_PAD.decode(&key[1..]).map_err(|_| not_ours())?;
                (
                    None,
                    Some(String::from_utf8(bytes).map_err(|_| not_ours())?),
                )
            }
            Some(start) => (Some(start.parse().map_err(|_| not_ours())?), None),
        };
        Ok(Cursor {
            version,
            offset,
            start,
            after,
        })
    }

    pub fn encode(&self) -> String {
        match (&self.after, self.start) {
            (Some(key), _) => format!(
                "{}.{}.k{}",
                self.version,
                self.offset,
                URL_SAFE_NO_PAD.encode(key)
            ),
            (None, Some(start)) => format!("{}.{}.{}", self.version, self.offset, start),
            (None, None) => format!("{}.{}", self.version, self.offset),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(e: ApiError) -> String {
        e.to_string()
    }

    #[test]
    fn limit_above_the_maximum_is_the_maximum() {
        assert_eq!(limit(None, 10, 100).unwrap(), 10);
        assert_eq!(limit(Some("100"), 10, 100).unwrap(), 100);
        assert_eq!(limit(Some("101"), 10, 100).unwrap(), 100);
        assert_eq!(limit(Some("007"), 10, 100).unwrap(), 7);
        assert_eq!(
            limit(Some("99999999999999999999999"), 10, 100).unwrap(),
            100
        );
        for bad in ["0", "000", "-1", "ten", "1e3", "1.5", "", " "] {
            let e = msg(limit(Some(bad), 10, 100).unwrap_err());
            assert!(
                e.contains("is not a whole number of at least 1"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn datetime_instants_dates_and_open_intervals() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let r = datetime("2025-12-01T20:42:50Z").unwrap();
        assert_eq!(
            (r.start, r.end),
            (
                Some(t("2025-12-01T20:42:50Z")),
                Some(t("2025-12-01T20:42:50Z"))
            )
        );
        let r = datetime("2025-12-01").unwrap();
        assert_eq!(r.start, Some(t("2025-12-01T00:00:00Z")));
        assert_eq!(r.end, Some(t("2025-12-01T23:59:59.999Z")));
        let r = datetime("2025-01-01T00:00:00+01:00/..").unwrap();
        assert_eq!((r.start, r.end), (Some(t("2024-12-31T23:00:00Z")), None));
        let r = datetime("/2025-01-01T00:00:00Z").unwrap();
        assert_eq!((r.start, r.end), (None, Some(t("2025-01-01T00:00:00Z"))));
        assert!(msg(datetime("yesterday").unwrap_err()).contains("not an RFC 3339"));
        assert!(
            msg(datetime("2025-02-01/2025-01-01").unwrap_err()).contains("ends before it starts")
        );
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let key = Some(r#"["Zeist, \"De Clomp\"",null,"0.30000000000000004","12"]"#.to_owned());
        for (start, after) in [(None, None), (Some(81_234), None), (None, key)] {
            let c = Cursor {
                version: 3,
                offset: 200,
                start,
                after,
            };
            let text = c.encode();
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)),
                "{text} needs no escaping"
            );
            assert_eq!(Cursor::parse(&text).unwrap(), c);
        }
        assert_eq!(Cursor::parse("3.200").unwrap().start, None);
        for bad in [
            "", "3", "0.10", "a.b", "3.-1", "3.1.2.4", "3.1.", "0.1.2", "3.1.k%%", "3.1.k/w",
        ] {
            assert!(Cursor::parse(bad).is_err(), "{bad}");
        }
    }
}
