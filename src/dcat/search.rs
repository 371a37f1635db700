//! Catalog search: free text over titles, descriptions and keywords in both languages (case- and
//! accent-insensitive; every word must occur), and facets (theme, keyword, format, kind,
//! licence) with counts. A facet's counts are those the result would have with that value
//! chosen instead of the current one, as search pages usually count.

use super::graph::Entry;
use super::vocab::{DOWNLOADS, data_theme_labels};
use crate::engine::accent::strip_accents;
use crate::http::error::ApiError;
use crate::http::negotiate::Lang;
use crate::http::params::QueryParams;

/// The search parameters of `/catalog`.
pub const PARAMETERS: &[&str] = &["q", "theme", "keyword", "format", "kind", "licence"];

/// The facets, in the order the page shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    Theme,
    Keyword,
    Format,
    Kind,
    Licence,
}

impl Facet {
    pub const ALL: [Facet; 5] = [
        Facet::Theme,
        Facet::Kind,
        Facet::Format,
        Facet::Licence,
        Facet::Keyword,
    ];

    /// The query parameter.
    pub fn parameter(self) -> &'static str {
        match self {
            Facet::Theme => "theme",
            Facet::Keyword => "keyword",
            Facet::Format => "format",
            Facet::Kind => "kind",
            Facet::Licence => "licence",
        }
    }

    /// The facet's values for `e`: (value in the URL, label).
    pub fn values(self, e: &Entry, lang: Lang) -> Vec<(String, String)> {
        let d = e.dataset;
        match self {
            Facet::Theme => {
                let (nl, en) = data_theme_labels(d.theme.code());
                vec![(d.theme.code().to_owned(), lang.text(nl, en).to_owned())]
            }
            Facet::Keyword => d.keywords.iter().map(|k| (k.clone(), k.clone())).collect(),
            Facet::Format => {
                if !d.is_public() {
                    return Vec::new();
                }
                DOWNLOADS
                    .iter()
                    .filter(|f| f.offered(e.manifest))
                    .map(|f| (f.ext().to_owned(), f.name.to_owned()))
                    .collect()
            }
            Facet::Kind => {
                let (value, nl, en) = if e.manifest.geometry.is_some() {
                    ("spatial", "Met kaart (geografisch)", "With a map (spatial)")
                } else {
                    ("table", "Tabel (niet geografisch)", "Table (non-spatial)")
                };
                vec![(value.to_owned(), lang.text(nl, en).to_owned())]
            }
            Facet::Licence => vec![(d.licence.id.to_owned(), d.licence.title.to_owned())],
        }
    }
}

/// A parsed search.
#[derive(Debug, Default, Clone)]
pub struct Search {
    pub q: String,
    /// The chosen value per facet (in [`Facet::ALL`] order).
    pub chosen: Vec<(Facet, String)>,
}

impl Search {
    pub fn from_params(p: &QueryParams) -> Result<Search, ApiError> {
        let q = p.get("q").unwrap_or("").trim().to_owned();
        if q.len() > 200 {
            return Err(ApiError::InvalidParameter(
                "q is longer than 200 characters".into(),
            ));
        }
        let chosen = Facet::ALL
            .iter()
            .filter_map(|f| {
                p.get(f.parameter())
                    .filter(|v| !v.is_empty())
                    .map(|v| (*f, v.to_owned()))
            })
            .collect();
        Ok(Search { q, chosen })
    }

    pub fn is_empty(&self) -> bool {
        self.q.is_empty() && self.chosen.is_empty()
    }

    pub fn chosen(&self, facet: Facet) -> Option<&str> {
        self.chosen
            .iter()
            .find(|(f, _)| *f == facet)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `e` is found by the words and every chosen facet value.
    pub fn matches(&self, e: &Entry) -> bool {
        self.matches_words(e)
            && self
                .chosen
                .iter()
                .all(|(f, v)| f.values(e, Lang::Nl).iter().any(|(value, _)| value == v))
    }

    /// Whether `e` matches with `facet` set to `value` instead of its chosen value.
    fn matches_with(&self, e: &Entry, facet: Facet, value: &str) -> bool {
        let mut other = self.clone();
        other.chosen.retain(|(f, _)| *f != facet);
        other.chosen.push((facet, value.to_owned()));
        other.matches(e)
    }

    fn matches_words(&self, e: &Entry) -> bool {
        if self.q.is_empty() {
            return true;
        }
        let d = e.dataset;
        let haystack = fold(&format!(
            "{} {} {} {} {}",
            d.title.nl,
            d.title.en,
            d.description.nl,
            d.description.en,
            d.keywords.join(" ")
        ));
        fold(&self.q)
            .split_whitespace()
            .all(|word| haystack.contains(word))
    }

    /// Every value of `facet` among `entries`, with the number of results choosing it would
    /// give, most first (then by label).
    pub fn counts(&self, entries: &[Entry], facet: Facet, lang: Lang) -> Vec<FacetValue> {
        let mut values: Vec<(String, String)> = Vec::new();
        for e in entries {
            for v in facet.values(e, lang) {
                if !values.iter().any(|(value, _)| *value == v.0) {
                    values.push(v);
                }
            }
        }
        let mut counted: Vec<FacetValue> = values
            .into_iter()
            .map(|(value, label)| FacetValue {
                count: entries
                    .iter()
                    .filter(|e| self.matches_with(e, facet, &value))
                    .count(),
                chosen: self.chosen(facet) == Some(value.as_str()),
                lang: (facet == Facet::Keyword && lang != Lang::Nl).then_some("nl"),
                value,
                label,
            })
            .collect();
        counted.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
        counted
    }
}

/// A value of a facet with its count.
pub struct FacetValue {
    pub value: String,
    pub label: String,
    /// The label's language when it may differ from the page's (keywords are Dutch).
    pub lang: Option<&'static str>,
    pub count: usize,
    pub chosen: bool,
}

/// Lower case without accents, for matching.
fn fold(text: &str) -> String {
    strip_accents(&text.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_case_and_accent_insensitively() {
        assert_eq!(fold("Coöperatie ÉÉN"), "cooperatie een");
    }
}
