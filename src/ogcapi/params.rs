//! Query parameters of the OGC API, parsed once at the edge into typed values. Unknown and
//! repeated parameters are errors, so that a typo never silently returns unfiltered data.

use chrono::{DateTime, NaiveDate, Utc};

use crate::crs::Crs;
use crate::engine::TimeRange;
use crate::geom::Bbox;
use crate::http::error::ApiError;

/// The decoded query string of a request.
#[derive(Debug, Default)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Decodes `raw`, refusing parameters not in `allowed` and parameters given twice.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Self, ApiError> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            if !allowed.contains(&k.as_ref()) {
                return Err(ApiError::InvalidParameter(format!(
                    "unknown parameter `{k}`; this resource accepts: {}",
                    allowed.join(", ")
                )));
            }
            if pairs.iter().any(|(name, _)| name == &k) {
                return Err(ApiError::InvalidParameter(format!(
                    "parameter `{k}` is given more than once"
                )));
            }
            pairs.push((k.into_owned(), v.into_owned()));
        }
        Ok(Self { pairs })
    }

    /// All parameters, in request order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The parameters other than `skip`, re-encoded (for next/prev links).
    pub fn encode_without(&self, skip: &[&str]) -> Vec<(String, String)> {
        self.pairs
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .cloned()
            .collect()
    }
}

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

/// `bbox`: `minx,miny,maxx,maxy` (or six numbers with heights, which are ignored) in CRS84.
/// minx > maxx means the box crosses the antimeridian.
/// The 4 (or 6, heights ignored) numbers of a `bbox`, in the order given.
pub fn bbox_numbers(value: &str) -> Result<[f64; 4], ApiError> {
    let invalid = |why: &str| {
        ApiError::InvalidParameter(format!(
            "bbox `{value}` {why}; expected 4 numbers, e.g. 5.0,52.0,5.2,52.2 (minLon,minLat,maxLon,maxLat in CRS84)"
        ))
    };
    let numbers: Vec<f64> = value
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid("holds something that is not a number"))?;
    let corners = match numbers[..] {
        [a, b, c, d] => [a, b, c, d],
        [a, b, _, d, e, _] => [a, b, d, e],
        _ => {
            return Err(invalid(&format!(
                "has {} numbers, not 4 (or 6)",
                numbers.len()
            )));
        }
    };
    if numbers.iter().any(|n| !n.is_finite()) {
        return Err(invalid("holds a number that is not finite"));
    }
    Ok(corners)
}

/// A `bbox` in CRS84 (minLon,minLat,maxLon,maxLat; west > east crosses the antimeridian).
pub fn bbox(value: &str) -> Result<Bbox, ApiError> {
    crs84_bbox(bbox_numbers(value)?, value)
}

/// Checks CRS84 corners; `value` is what the client sent, for the message.
pub fn crs84_bbox([minx, miny, maxx, maxy]: [f64; 4], value: &str) -> Result<Bbox, ApiError> {
    let invalid = |why: &str| {
        ApiError::InvalidParameter(format!(
            "bbox `{value}` {why}; expected minLon,minLat,maxLon,maxLat in CRS84, e.g. 5.0,52.0,5.2,52.2"
        ))
    };
    if !(-180.0..=180.0).contains(&minx) || !(-180.0..=180.0).contains(&maxx) {
        return Err(invalid("has a longitude outside -180 to 180"));
    }
    if !(-90.0..=90.0).contains(&miny) || !(-90.0..=90.0).contains(&maxy) {
        return Err(invalid("has a latitude outside -90 to 90"));
    }
    if miny > maxy {
        return Err(invalid("has its minimum latitude above its maximum"));
    }
    Ok(Bbox {
        minx,
        miny,
        maxx,
        maxy,
    })
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

/// A paging cursor: the dataset version the first page was read from, and the row offset.
/// Pinning the version keeps paging complete and free of repeats while a new version arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub version: u64,
    pub offset: u64,
}

impl Cursor {
    pub fn parse(value: &str) -> Result<Cursor, ApiError> {
        let parsed = value
            .split_once('.')
            .and_then(|(v, o)| Some((v.parse::<u64>().ok()?, o.parse::<u64>().ok()?)));
        match parsed {
            Some((version, offset)) if version >= 1 => Ok(Cursor { version, offset }),
            _ => Err(ApiError::InvalidParameter(format!(
                "cursor `{value}` is not one this server made; follow the `next` and `prev` links"
            ))),
        }
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.version, self.offset)
    }
}

/// The `f` parameter of JSON resources: `json` (and `geojson` for features).
pub fn json_format(value: Option<&str>, also: &[&str]) -> Result<(), ApiError> {
    match value {
        None | Some("json") => Ok(()),
        Some(v) if also.contains(&v) => Ok(()),
        Some(v) => {
            let mut formats = vec!["json"];
            formats.extend_from_slice(also);
            Err(ApiError::InvalidParameter(format!(
                "f `{v}` is not a format of this resource (available: {})",
                formats.join(", ")
            )))
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
    fn unknown_and_repeated_parameters_are_refused() {
        let ok =
            QueryParams::parse(Some("limit=5&bbox=1%2C2%2C3%2C4"), &["limit", "bbox"]).unwrap();
        assert_eq!(ok.get("bbox"), Some("1,2,3,4"));
        let e = msg(QueryParams::parse(Some("limt=5"), &["limit", "bbox"]).unwrap_err());
        assert_eq!(
            e,
            "unknown parameter `limt`; this resource accepts: limit, bbox"
        );
        let e = msg(QueryParams::parse(Some("limit=5&limit=6"), &["limit"]).unwrap_err());
        assert!(e.contains("more than once"), "{e}");
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
    fn bbox_checks_count_range_and_order() {
        assert_eq!(
            bbox("5.0,52.0,5.2,52.2").unwrap(),
            Bbox {
                minx: 5.0,
                miny: 52.0,
                maxx: 5.2,
                maxy: 52.2
            }
        );
        assert_eq!(bbox("5,52,0,5.2,52.2,100").unwrap().maxy, 52.2);
        assert!(msg(bbox("5,52,5.2").unwrap_err()).contains("has 3 numbers"));
        assert!(msg(bbox("5,52,x,53").unwrap_err()).contains("not a number"));
        assert!(msg(bbox("5,95,6,96").unwrap_err()).contains("latitude outside"));
        assert!(msg(bbox("5,53,6,52").unwrap_err()).contains("minimum latitude above"));
        assert!(msg(bbox("5,52,NaN,53").unwrap_err()).contains("not finite"));
        // Crossing the antimeridian is allowed.
        assert!(bbox("170,-10,-170,10").is_ok());
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
        let c = Cursor {
            version: 3,
            offset: 200,
        };
        assert_eq!(Cursor::parse(&c.encode()).unwrap(), c);
        for bad in ["", "3", "0.10", "a.b", "3.-1"] {
            assert!(Cursor::parse(bad).is_err(), "{bad}");
        }
    }
}
