//! Query strings, decoded once at the edge: parameters a resource does not know and parameters
//! given twice are 400 on every route, so that a typo never silently returns unfiltered data.
//! Also the parameters several APIs share (`bbox`), and `lang`, which every route accepts.

use axum::http::HeaderMap;

use crate::geom::Bbox;
use crate::http::error::ApiError;
use crate::http::negotiate::Lang;

/// `lang=nl|en`: the language of the response's texts, on every route (it wins over
/// `Accept-Language`, so that a link keeps its language).
pub const LANG: &str = "lang";

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
            if !allowed.contains(&k.as_ref()) && k != LANG {
                return Err(ApiError::InvalidParameter(format!(
                    "unknown parameter `{k}`; this resource accepts: {}, {LANG}",
                    allowed.join(", ")
                )));
            }
            if k == LANG && Lang::from_code(&v).is_none() {
                return Err(ApiError::InvalidParameter(format!(
                    "lang `{v}` is not a language of this service (nl, en)"
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

    /// The response language: `lang`, else `Accept-Language`, else Dutch.
    pub fn lang(&self, headers: &HeaderMap) -> Lang {
        Lang::choose(self.get(LANG).and_then(Lang::from_code), headers)
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
            "unknown parameter `limt`; this resource accepts: limit, bbox, lang"
        );
        let en = QueryParams::parse(Some("lang=en"), &[]).unwrap();
        assert_eq!(en.lang(&HeaderMap::new()), Lang::En);
        let e = msg(QueryParams::parse(Some("lang=de"), &[]).unwrap_err());
        assert!(e.contains("nl, en"), "{e}");
        let e = msg(QueryParams::parse(Some("limit=5&limit=6"), &["limit"]).unwrap_err());
        assert!(e.contains("more than once"), "{e}");
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
}
