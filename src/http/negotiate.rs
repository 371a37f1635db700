//! Content negotiation helpers: response language and acceptable media types.

use axum::http::{HeaderMap, header};

use crate::catalog::Text;
use crate::http::error::ApiError;

/// The language of texts in a response: Dutch unless the client prefers English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    /// From `Accept-Language`: the first of nl/en in the client's order of preference.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let Some(value) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Lang::Nl;
        };
        let mut ranges: Vec<(f32, &str)> = value
            .split(',')
            .filter_map(|part| {
                let mut it = part.trim().split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse().ok()))
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
        for (q, tag) in ranges {
            if q <= 0.0 {
                continue;
            }
            let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
            match primary.as_str() {
                "nl" => return Lang::Nl,
                "en" => return Lang::En,
                _ => {}
            }
        }
        Lang::Nl
    }

    pub fn pick<'a>(&self, text: &'a Text) -> &'a str {
        match self {
            Lang::Nl => &text.nl,
            Lang::En => &text.en,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
        }
    }
}

/// Refuses (406) a request whose `Accept` header admits none of `offered` (nor a wildcard).
/// Picks the offered media type the client prefers: the highest `q` of the most specific
/// matching range, ties going to the earlier offer; with no `Accept` header, the first offer.
/// `None` when nothing offered is acceptable.
pub fn choose(headers: &HeaderMap, offered: &[&str]) -> Option<usize> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(0);
    };
    // (media range, q) pairs.
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .filter_map(|range| {
            let mut parts = range.trim().split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (!media.is_empty()).then_some((media, q))
        })
        .collect();
    let quality = |offer: &str| -> Option<f32> {
        let (kind, _) = offer.split_once('/').unwrap_or((offer, ""));
        // Most specific first: exact type, `type/*`, `*/*`.
        let specificity = |media: &str| -> Option<u8> {
            if media == offer {
                Some(3)
            } else if media.strip_suffix("/*") == Some(kind) {
                Some(2)
            } else if media == "*/*" {
                Some(1)
            } else {
                None
            }
        };
        ranges
            .iter()
            .filter_map(|(media, q)| specificity(media).map(|s| (s, *q)))
            .max_by_key(|(s, _)| *s)
            .map(|(_, q)| q)
    };
    let mut best: Option<(usize, f32)> = None;
    for (i, offer) in offered.iter().enumerate() {
        if let Some(q) = quality(offer)
            && q > 0.0
            && best.is_none_or(|(_, b)| q > b)
        {
            best = Some((i, q));
        }
    }
    best.map(|(i, _)| i)
}

pub fn require_acceptable(headers: &HeaderMap, offered: &[&str]) -> Result<(), ApiError> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let acceptable = accept.split(',').any(|range| {
        let mut parts = range.trim().split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
        !refused
            && (media == "*/*" || media == "application/*" || offered.iter().any(|o| *o == media))
    });
    if acceptable {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable(format!(
            "this resource is available as {}; the request accepts only `{accept}`",
            offered.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, value.parse().unwrap());
        h
    }

    #[test]
    fn language_follows_preference_order() {
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::Nl);
        assert_eq!(
            Lang::from_headers(&headers(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")),
            Lang::En
        );
        assert_eq!(
            Lang::from_headers(&headers(header::ACCEPT_LANGUAGE, "de, en;q=0.5, nl;q=0.8")),
            Lang::Nl
        );
        assert_eq!(
            Lang::from_headers(&headers(header::ACCEPT_LANGUAGE, "fr")),
            Lang::Nl
        );
    }

    #[test]
    fn choose_follows_quality_and_specificity() {
        let offered = ["application/geo+json", "text/csv", "application/flatgeobuf"];
        assert_eq!(choose(&HeaderMap::new(), &offered), Some(0));
        assert_eq!(
            choose(&headers(header::ACCEPT, "text/csv"), &offered),
            Some(1)
        );
        assert_eq!(
            choose(
                &headers(header::ACCEPT, "text/*;q=0.9, */*;q=0.1"),
                &offered
            ),
            Some(1)
        );
        assert_eq!(
            choose(&headers(header::ACCEPT, "*/*, text/csv;q=0"), &offered),
            Some(0)
        );
        assert_eq!(
            choose(&headers(header::ACCEPT, "text/html"), &offered),
            None
        );
    }

    #[test]
    fn accept_header_is_honoured() {
        let json = ["application/json", "application/geo+json"];
        assert!(require_acceptable(&HeaderMap::new(), &json).is_ok());
        assert!(require_acceptable(&headers(header::ACCEPT, "text/html,*/*;q=0.8"), &json).is_ok());
        assert!(
            require_acceptable(&headers(header::ACCEPT, "application/geo+json"), &json).is_ok()
        );
        assert!(require_acceptable(&headers(header::ACCEPT, "text/csv"), &json).is_err());
        assert!(
            require_acceptable(&headers(header::ACCEPT, "application/json;q=0"), &json).is_err()
        );
    }
}
