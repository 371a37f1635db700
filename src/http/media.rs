//! Every representation ontsluit serves, in one table: its `f=` tokens, its `Content-Type`, the
//! `Accept` ranges that name it, and a title. [`negotiate`] picks one of the formats a resource
//! offers, the same way for every route:
//!
//! - `f=` wins. A token none of the offered formats has is 400 (`InvalidParameterValue`),
//!   listing the tokens the resource has.
//! - Else `Accept`: the offered format with the highest `q` of its most specific matching range
//!   (exact type, `type/*`, `*/*`), ties to the earlier offer; no header means the first offer.
//!   An `Accept` that admits none of them is 406.

use axum::http::{HeaderMap, header};

use super::error::ApiError;

/// A representation, named the same wherever it is offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain JSON (documents, SQL results).
    Json,
    GeoJson,
    /// JSON-FG 0.2.
    JsonFg,
    Html,
    /// CSV, geometry as WKT.
    Csv,
    FlatGeobuf,
    GeoPackage,
    /// (Geo)Parquet.
    Parquet,
    /// Arrow IPC stream.
    Arrow,
    JsonLd,
    Turtle,
    RdfXml,
    Atom,
    /// The OpenAPI 3.0 document.
    OpenApi,
    /// JSON Schema (queryables, sortables, schema).
    JsonSchema,
}

impl Format {
    /// The `f=` tokens that name the format; the first is the canonical one, used in links.
    pub fn tokens(self) -> &'static [&'static str] {
        match self {
            Format::Json => &["json"],
            Format::GeoJson => &["json", "geojson"],
            Format::JsonFg => &["jsonfg"],
            Format::Html => &["html"],
            Format::Csv => &["csv"],
            Format::FlatGeobuf => &["fgb", "flatgeobuf"],
            Format::GeoPackage => &["gpkg"],
            Format::Parquet => &["parquet"],
            Format::Arrow => &["arrow"],
            Format::JsonLd => &["jsonld", "json-ld", "json"],
            Format::Turtle => &["ttl", "turtle"],
            Format::RdfXml => &["rdf", "rdfxml", "rdf-xml", "xml"],
            Format::Atom => &["atom"],
            Format::OpenApi => &["json"],
            Format::JsonSchema => &["json"],
        }
    }

    /// The canonical `f=` value.
    pub fn token(self) -> &'static str {
        self.tokens()[0]
    }

    /// The `Content-Type` of a response in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::GeoJson => "application/geo+json",
            Format::JsonFg => "application/vnd.ogc.fg+json",
            Format::Html => "text/html; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::FlatGeobuf => "application/flatgeobuf",
            Format::GeoPackage => "application/geopackage+sqlite3",
            Format::Parquet => "application/vnd.apache.parquet",
            Format::Arrow => "application/vnd.apache.arrow.stream",
            Format::JsonLd => "application/ld+json",
            Format::Turtle => "text/turtle; charset=utf-8",
            Format::RdfXml => "application/rdf+xml; charset=utf-8",
            Format::Atom => "application/atom+xml",
            Format::OpenApi => "application/vnd.oai.openapi+json;version=3.0",
            Format::JsonSchema => "application/schema+json",
        }
    }

    /// The media type without parameters (for `type` in links and DCAT).
    pub fn media_type(self) -> &'static str {
        let ct = self.content_type();
        ct.split_once(';').map_or(ct, |(t, _)| t)
    }

    /// `Accept` media ranges that name this format (lower case, without parameters).
    fn accepted(self) -> &'static [&'static str] {
        match self {
            Format::Json => &["application/json"],
            Format::GeoJson => &["application/geo+json", "application/json"],
            Format::JsonFg => &["application/vnd.ogc.fg+json"],
            Format::Html => &["text/html", "application/xhtml+xml"],
            Format::Csv => &["text/csv"],
            Format::FlatGeobuf => &["application/flatgeobuf"],
            Format::GeoPackage => &["application/geopackage+sqlite3"],
            Format::Parquet => &["application/vnd.apache.parquet", "application/x-parquet"],
            Format::Arrow => &["application/vnd.apache.arrow.stream"],
            Format::JsonLd => &["application/ld+json", "application/json"],
            Format::Turtle => &["text/turtle", "application/x-turtle"],
            Format::RdfXml => &["application/rdf+xml"],
            Format::Atom => &["application/atom+xml", "application/xml", "text/xml"],
            Format::OpenApi => &["application/vnd.oai.openapi+json", "application/json"],
            Format::JsonSchema => &["application/schema+json", "application/json"],
        }
    }

    /// The file name extension of a file in this format (downloads, attachments).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Json | Format::OpenApi | Format::JsonSchema => "json",
            Format::GeoJson => "geojson",
            Format::JsonFg => "fg.json",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::FlatGeobuf => "fgb",
            Format::GeoPackage => "gpkg",
            Format::Parquet => "parquet",
            Format::Arrow => "arrows",
            Format::JsonLd => "jsonld",
            Format::Turtle => "ttl",
            Format::RdfXml => "rdf",
            Format::Atom => "atom",
        }
    }

    /// A human name, for link titles and messages.
    pub fn title(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::GeoJson => "GeoJSON",
            Format::JsonFg => "JSON-FG",
            Format::Html => "HTML",
            Format::Csv => "CSV (geometry as WKT)",
            Format::FlatGeobuf => "FlatGeobuf",
            Format::GeoPackage => "GeoPackage",
            Format::Parquet => "GeoParquet",
            Format::Arrow => "Arrow IPC stream",
            Format::JsonLd => "JSON-LD",
            Format::Turtle => "Turtle",
            Format::RdfXml => "RDF/XML",
            Format::Atom => "Atom",
            Format::OpenApi => "OpenAPI 3.0",
            Format::JsonSchema => "JSON Schema",
        }
    }
}

/// Chooses the representation of a response among `offered` (in order of preference), from
/// `f` (if given) or the `Accept` header. See the module documentation for the rules.
pub fn negotiate(
    f: Option<&str>,
    headers: &HeaderMap,
    offered: &[Format],
) -> Result<Format, ApiError> {
    if let Some(f) = f {
        let token = f.to_ascii_lowercase();
        return offered
            .iter()
            .copied()
            .find(|o| o.tokens().contains(&token.as_str()))
            .ok_or_else(|| {
                ApiError::InvalidParameter(format!(
                    "f `{f}` is not a format of this resource (available: {})",
                    tokens(offered)
                ))
            });
    }
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return offered
            .first()
            .copied()
            .ok_or_else(|| ApiError::Internal("a resource offers no format".into()));
    };
    best(accept, offered).ok_or_else(|| {
        ApiError::NotAcceptable(format!(
            "this resource is available as {}; the request accepts only `{accept}`",
            offered
                .iter()
                .map(|o| o.media_type())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// The token that names `format` among `offered`: its first token that no earlier offer has
/// (GeoJSON is `json` among the features, `geojson` beside plain JSON in SQL results).
pub fn token_among(format: Format, offered: &[Format]) -> &'static str {
    let earlier: Vec<Format> = offered
        .iter()
        .copied()
        .take_while(|o| *o != format)
        .collect();
    format
        .tokens()
        .iter()
        .copied()
        .find(|t| !earlier.iter().any(|e| e.tokens().contains(t)))
        .unwrap_or(format.token())
}

/// The tokens of `offered`, for messages: `json, csv, fgb`.
pub fn tokens(offered: &[Format]) -> String {
    offered
        .iter()
        .map(|o| token_among(*o, offered))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The offered format the `Accept` header prefers, if it admits any.
fn best(accept: &str, offered: &[Format]) -> Option<Format> {
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
    // The q of the most specific range that matches `media`: exact, `type/*`, `*/*`.
    let quality = |media: &str| -> Option<(u8, f32)> {
        let kind = media.split_once('/').map_or(media, |(k, _)| k);
        ranges
            .iter()
            .filter_map(|(range, q)| {
                let specificity = if range == media {
                    3
                } else if range.strip_suffix("/*") == Some(kind) {
                    2
                } else if range == "*/*" {
                    1
                } else {
                    return None;
                };
                Some((specificity, *q))
            })
            .max_by_key(|(s, _)| *s)
    };
    let mut chosen: Option<(Format, f32)> = None;
    for &format in offered {
        // The best of the format's names: an exact name beats a wildcard that also matches.
        let q = format
            .accepted()
            .iter()
            .filter_map(|m| quality(m))
            .max_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
            .map(|(_, q)| q);
        if let Some(q) = q
            && q > 0.0
            && chosen.is_none_or(|(_, b)| q > b)
        {
            chosen = Some((format, q));
        }
    }
    chosen.map(|(f, _)| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, value.parse().unwrap());
        h
    }

    const FEATURES: &[Format] = &[
        Format::GeoJson,
        Format::JsonFg,
        Format::Csv,
        Format::FlatGeobuf,
    ];

    #[test]
    fn f_wins_and_an_unknown_f_is_400_naming_the_tokens() {
        assert_eq!(
            negotiate(Some("csv"), &accept("application/geo+json"), FEATURES).unwrap(),
            Format::Csv
        );
        assert_eq!(
            negotiate(Some("json"), &HeaderMap::new(), FEATURES).unwrap(),
            Format::GeoJson
        );
        let e = negotiate(Some("xml"), &HeaderMap::new(), FEATURES).unwrap_err();
        assert_eq!(e.status(), 400);
        assert_eq!(
            e.to_string(),
            "f `xml` is not a format of this resource (available: json, jsonfg, csv, fgb)"
        );
        // Known elsewhere, but not offered here: still 400.
        let e = negotiate(Some("parquet"), &HeaderMap::new(), FEATURES).unwrap_err();
        assert_eq!(e.status(), 400);
    }

    #[test]
    fn accept_follows_quality_and_specificity() {
        assert_eq!(
            negotiate(None, &HeaderMap::new(), FEATURES).unwrap(),
            Format::GeoJson
        );
        assert_eq!(
            negotiate(None, &accept("text/csv"), FEATURES).unwrap(),
            Format::Csv
        );
        assert_eq!(
            negotiate(None, &accept("text/*;q=0.9, */*;q=0.1"), FEATURES).unwrap(),
            Format::Csv
        );
        assert_eq!(
            negotiate(None, &accept("*/*, text/csv;q=0"), FEATURES).unwrap(),
            Format::GeoJson
        );
        assert_eq!(
            negotiate(None, &accept("application/json"), FEATURES).unwrap(),
            Format::GeoJson
        );
        // A browser gets the first offer through `*/*` when HTML is not offered.
        assert_eq!(
            negotiate(
                None,
                &accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                FEATURES
            )
            .unwrap(),
            Format::GeoJson
        );
        let e = negotiate(None, &accept("text/html"), FEATURES).unwrap_err();
        assert_eq!(e.status(), 406);
        let e = negotiate(
            None,
            &accept("application/geo+json;q=0"),
            &[Format::GeoJson],
        );
        assert_eq!(e.unwrap_err().status(), 406);
    }

    #[test]
    fn shared_names_go_to_the_earlier_offer() {
        let sql = [Format::Json, Format::Csv, Format::GeoJson];
        assert_eq!(
            negotiate(None, &accept("application/json"), &sql).unwrap(),
            Format::Json
        );
        assert_eq!(
            negotiate(Some("json"), &HeaderMap::new(), &sql).unwrap(),
            Format::Json
        );
        let dcat = [Format::JsonLd, Format::Turtle, Format::RdfXml, Format::Html];
        assert_eq!(
            negotiate(
                None,
                &accept("text/turtle;q=0.9, application/ld+json"),
                &dcat
            )
            .unwrap(),
            Format::JsonLd
        );
        assert_eq!(
            negotiate(None, &accept("text/html,*/*;q=0.8"), &dcat).unwrap(),
            Format::Html
        );
    }

    #[test]
    fn sql_results_follow_the_preferred_known_format() {
        let sql = [
            Format::Json,
            Format::Csv,
            Format::GeoJson,
            Format::Arrow,
            Format::Parquet,
        ];
        let pick = |a: &str| negotiate(None, &accept(a), &sql);
        assert_eq!(pick("text/csv").unwrap(), Format::Csv);
        assert_eq!(
            pick("application/geo+json;q=0.5, application/vnd.apache.arrow.stream").unwrap(),
            Format::Arrow
        );
        assert_eq!(pick("*/*").unwrap(), Format::Json);
        assert_eq!(pick("application/x-parquet").unwrap(), Format::Parquet);
        assert_eq!(pick("image/png").unwrap_err().status(), 406);
    }

    #[test]
    fn every_format_has_a_token_and_a_media_type_without_parameters() {
        let all = [
            Format::Json,
            Format::GeoJson,
            Format::JsonFg,
            Format::Html,
            Format::Csv,
            Format::FlatGeobuf,
            Format::GeoPackage,
            Format::Parquet,
            Format::Arrow,
            Format::JsonLd,
            Format::Turtle,
            Format::RdfXml,
            Format::Atom,
            Format::OpenApi,
            Format::JsonSchema,
        ];
        for f in all {
            assert!(!f.token().is_empty());
            assert!(!f.media_type().contains(';'), "{f:?}");
            assert!(f.accepted().contains(&f.media_type()), "{f:?}");
        }
    }
}
