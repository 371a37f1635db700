//! The response language (media types are negotiated by [`super::media`]).

use axum::http::{HeaderMap, header};

use crate::catalog::Text;

/// The language of texts in a response: Dutch unless the client prefers English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Nl,
    En,
}

impl Lang {
    /// The language a response is in: `?lang=` (already checked by [`Lang::from_code`]), else
    /// `Accept-Language`, else Dutch.
    pub fn choose(param: Option<Lang>, headers: &HeaderMap) -> Lang {
        param.unwrap_or_else(|| Lang::from_headers(headers))
    }

    /// `nl` or `en` (any case); `None` for anything else.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.to_ascii_lowercase().as_str() {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language (for the language switch).
    pub fn other(self) -> Lang {
        match self {
            Lang::Nl => Lang::En,
            Lang::En => Lang::Nl,
        }
    }

    /// `nl` or `en` text by this language.
    pub fn text(self, nl: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Nl => nl,
            Lang::En => en,
        }
    }

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
        let english = headers(header::ACCEPT_LANGUAGE, "en");
        assert_eq!(Lang::choose(Some(Lang::Nl), &english), Lang::Nl);
        assert_eq!(Lang::choose(None, &english), Lang::En);
        assert_eq!(Lang::from_code("EN"), Some(Lang::En));
        assert_eq!(Lang::from_code("de"), None);
    }
}
