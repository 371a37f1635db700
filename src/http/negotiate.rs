//! The response language (media types are negotiated by [`super::media`]).

use axum::http::{HeaderMap, header};

use crate::catalog::Text;

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
}
