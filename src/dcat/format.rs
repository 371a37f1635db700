//! The representations of catalog resources, chosen by `f=` or by `Accept`, and the RDF
//! serialisations (oxttl, oxrdfxml, oxjsonld).

use axum::http::{HeaderMap, header};
use oxjsonld::JsonLdSerializer;
use oxrdf::vocab::rdf;
use oxrdf::{Graph, NamedNode, NamedOrBlankNodeRef, TripleRef};
use oxrdfxml::RdfXmlSerializer;
use oxttl::TurtleSerializer;

use super::vocab::{DCAT, PREFIXES};
use crate::http::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLd,
    Turtle,
    RdfXml,
    Html,
}

/// In order of preference when the client likes several equally (`*/*` gives JSON-LD).
const ALL: [Format; 4] = [Format::JsonLd, Format::Turtle, Format::RdfXml, Format::Html];

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::JsonLd => "application/ld+json",
            Format::Turtle => "text/turtle",
            Format::RdfXml => "application/rdf+xml",
            Format::Html => "text/html",
        }
    }

    /// The `Content-Type` header value.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::JsonLd => "application/ld+json",
            Format::Turtle => "text/turtle; charset=utf-8",
            Format::RdfXml => "application/rdf+xml; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    /// The canonical `f=` value.
    pub fn param(self) -> &'static str {
        match self {
            Format::JsonLd => "jsonld",
            Format::Turtle => "ttl",
            Format::RdfXml => "rdf",
            Format::Html => "html",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::JsonLd => "JSON-LD",
            Format::Turtle => "Turtle",
            Format::RdfXml => "RDF/XML",
            Format::Html => "HTML",
        }
    }

    pub fn all() -> [Format; 4] {
        ALL
    }

    fn from_param(f: &str) -> Option<Format> {
        match f.to_ascii_lowercase().as_str() {
            "jsonld" | "json-ld" | "json" => Some(Format::JsonLd),
            "ttl" | "turtle" => Some(Format::Turtle),
            "rdf" | "rdfxml" | "rdf-xml" | "xml" => Some(Format::RdfXml),
            "html" => Some(Format::Html),
            _ => None,
        }
    }

    /// Media ranges that name this format exactly.
    fn media_types(self) -> &'static [&'static str] {
        match self {
            Format::JsonLd => &["application/ld+json", "application/json"],
            Format::Turtle => &["text/turtle", "application/x-turtle"],
            Format::RdfXml => &["application/rdf+xml"],
            Format::Html => &["text/html", "application/xhtml+xml"],
        }
    }

    /// `f=` wins over `Accept`; no `Accept` means JSON-LD. A request that accepts none of the
    /// formats, or names an unknown `f`, is refused with 406.
    pub fn negotiate(f: Option<&str>, headers: &HeaderMap) -> Result<Format, ApiError> {
        let offered = || {
            ALL.iter()
                .map(|f| format!("`{}` ({})", f.param(), f.media_type()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(f) = f {
            return Format::from_param(f).ok_or_else(|| {
                ApiError::NotAcceptable(format!(
                    "`f={f}` is not a format of this resource; use one of {}",
                    offered()
                ))
            });
        }
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Ok(Format::JsonLd);
        };
        let ranges = parse_accept(accept);
        let mut best: Option<(f32, Format)> = None;
        for format in ALL {
            let q = quality(&ranges, format);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, format));
            }
        }
        best.map(|(_, f)| f).ok_or_else(|| {
            ApiError::NotAcceptable(format!(
                "this resource is available as {}; the request accepts only `{accept}`",
                offered()
            ))
        })
    }
}

/// `(type, subtype, q)` per media range.
fn parse_accept(accept: &str) -> Vec<(String, String, f32)> {
    accept
        .split(',')
        .filter_map(|range| {
            let mut parts = range.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            let (ty, sub) = media.split_once('/')?;
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q=").map(str::trim))
                .map(|q| q.parse::<f32>().unwrap_or(0.0))
                .unwrap_or(1.0);
            Some((ty.trim().to_owned(), sub.trim().to_owned(), q))
        })
        .collect()
}

/// The q of the most specific range matching `format` (RFC 9110 §12.5.1); 0 when none does.
fn quality(ranges: &[(String, String, f32)], format: Format) -> f32 {
    let mut best: Option<(u8, f32)> = None;
    for media in format.media_types() {
        let (ty, sub) = media.split_once('/').expect("type/subtype");
        for (rt, rs, q) in ranges {
            let specificity = match (rt.as_str(), rs.as_str()) {
                (t, s) if t == ty && s == sub => 2,
                (t, "*") if t == ty => 1,
                ("*", "*") => 0,
                _ => continue,
            };
            if best.is_none_or(|(bs, _)| specificity > bs) {
                best = Some((specificity, *q));
            }
        }
    }
    best.map(|(_, q)| q).unwrap_or(0.0)
}

/// Triples in reading order: catalog, datasets, distributions, services, then the nodes they
/// refer to; per subject `rdf:type` first. (A graph has no order; people reading Turtle do.)
fn reading_order(graph: &Graph) -> Vec<TripleRef<'_>> {
    let main: Vec<NamedNode> = ["Catalog", "Dataset", "Distribution", "DataService"]
        .iter()
        .map(|class| NamedNode::new_unchecked(format!("{DCAT}{class}")))
        .collect();
    let rank_of = |s: NamedOrBlankNodeRef<'_>| {
        main.iter()
            .position(|class| graph.contains(TripleRef::new(s, rdf::TYPE, class)))
            .unwrap_or(main.len())
    };
    let mut triples: Vec<(usize, TripleRef<'_>)> =
        graph.iter().map(|t| (rank_of(t.subject), t)).collect();
    triples.sort_by_cached_key(|(rank, t)| {
        (
            *rank,
            t.subject.to_string(),
            t.predicate != rdf::TYPE,
            t.predicate.as_str().to_owned(),
            t.object.to_string(),
        )
    });
    triples.into_iter().map(|(_, t)| t).collect()
}

/// Serialises a graph as JSON-LD, Turtle or RDF/XML.
pub fn serialize(graph: &Graph, format: Format) -> std::io::Result<Vec<u8>> {
    match format {
        Format::Turtle => {
            let mut s = TurtleSerializer::new();
            for (p, ns) in PREFIXES {
                s = s.with_prefix(*p, *ns).map_err(std::io::Error::other)?;
            }
            let mut w = s.for_writer(Vec::new());
            for t in reading_order(graph) {
                w.serialize_triple(t)?;
            }
            w.finish()
        }
        Format::RdfXml => {
            let mut s = RdfXmlSerializer::new();
            for (p, ns) in PREFIXES {
                s = s.with_prefix(*p, *ns).map_err(std::io::Error::other)?;
            }
            let mut w = s.for_writer(Vec::new());
            for t in reading_order(graph) {
                w.serialize_triple(t)?;
            }
            w.finish()
        }
        Format::JsonLd | Format::Html => {
            let mut s = JsonLdSerializer::new();
            for (p, ns) in PREFIXES {
                s = s.with_prefix(*p, *ns).map_err(std::io::Error::other)?;
            }
            let mut w = s.for_writer(Vec::new());
            for t in reading_order(graph) {
                w.serialize_quad(t.in_graph(oxrdf::GraphNameRef::DefaultGraph))?;
            }
            w.finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, v.parse().unwrap());
        h
    }

    #[test]
    fn f_parameter_wins_and_unknown_values_are_refused() {
        let h = accept("text/html");
        assert_eq!(Format::negotiate(Some("ttl"), &h).unwrap(), Format::Turtle);
        assert_eq!(Format::negotiate(Some("rdf"), &h).unwrap(), Format::RdfXml);
        assert_eq!(
            Format::negotiate(Some("jsonld"), &h).unwrap(),
            Format::JsonLd
        );
        let err = Format::negotiate(Some("csv"), &h).unwrap_err();
        assert!(matches!(err, ApiError::NotAcceptable(_)), "{err:?}");
    }

    #[test]
    fn accept_picks_the_preferred_format() {
        let none = HeaderMap::new();
        assert_eq!(Format::negotiate(None, &none).unwrap(), Format::JsonLd);
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(
            Format::negotiate(None, &accept(browser)).unwrap(),
            Format::Html
        );
        assert_eq!(
            Format::negotiate(None, &accept("text/turtle;q=0.5, application/rdf+xml")).unwrap(),
            Format::RdfXml
        );
        assert_eq!(
            Format::negotiate(None, &accept("*/*")).unwrap(),
            Format::JsonLd
        );
        assert_eq!(
            Format::negotiate(None, &accept("text/*, text/html;q=0.1")).unwrap(),
            Format::Turtle
        );
        // A more specific range's q=0 excludes the format even under a wildcard.
        assert_eq!(
            Format::negotiate(None, &accept("application/ld+json;q=0, */*")).unwrap(),
            Format::Turtle
        );
        for refused in ["text/csv", "application/geo+json", "text/turtle;q=0"] {
            let err = Format::negotiate(None, &accept(refused)).unwrap_err();
            assert!(
                matches!(err, ApiError::NotAcceptable(_)),
                "{refused}: {err:?}"
            );
        }
    }
}
