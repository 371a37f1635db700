//! The representations of catalog resources (chosen by `f=` or `Accept` through the edge's
//! [`negotiate`](crate::http::media::negotiate)) and the RDF serialisations (oxttl, oxrdfxml,
//! oxjsonld).

use oxjsonld::JsonLdSerializer;
use oxrdf::vocab::rdf;
use oxrdf::{Graph, NamedNode, NamedOrBlankNodeRef, TripleRef};
use oxrdfxml::RdfXmlSerializer;
use oxttl::TurtleSerializer;

use super::vocab::{DCAT, PREFIXES};
use crate::http::media::Format;

/// What catalog resources are offered as, in order of preference when the client likes several
/// equally (`*/*` gives JSON-LD).
pub const CATALOG_FORMATS: &[Format] =
    &[Format::JsonLd, Format::Turtle, Format::RdfXml, Format::Html];

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
        _ => {
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
    use axum::http::{HeaderMap, header};

    use super::*;
    use crate::http::error::ApiError;

    fn negotiate(f: Option<&str>, h: &HeaderMap) -> Result<Format, ApiError> {
        crate::http::media::negotiate(f, h, CATALOG_FORMATS)
    }

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, v.parse().unwrap());
        h
    }

    #[test]
    fn f_parameter_wins_and_unknown_values_are_refused() {
        let h = accept("text/html");
        assert_eq!(negotiate(Some("ttl"), &h).unwrap(), Format::Turtle);
        assert_eq!(negotiate(Some("rdf"), &h).unwrap(), Format::RdfXml);
        assert_eq!(negotiate(Some("jsonld"), &h).unwrap(), Format::JsonLd);
        // An unknown `f` is a bad parameter (400), as on every route.
        let err = negotiate(Some("csv"), &h).unwrap_err();
        assert!(matches!(err, ApiError::InvalidParameter(_)), "{err:?}");
    }

    #[test]
    fn accept_picks_the_preferred_format() {
        let none = HeaderMap::new();
        assert_eq!(negotiate(None, &none).unwrap(), Format::JsonLd);
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(negotiate(None, &accept(browser)).unwrap(), Format::Html);
        assert_eq!(
            negotiate(None, &accept("text/turtle;q=0.5, application/rdf+xml")).unwrap(),
            Format::RdfXml
        );
        assert_eq!(negotiate(None, &accept("*/*")).unwrap(), Format::JsonLd);
        assert_eq!(
            negotiate(None, &accept("text/*, text/html;q=0.1")).unwrap(),
            Format::Turtle
        );
        // A more specific range's q=0 excludes the format even under a wildcard.
        assert_eq!(
            negotiate(None, &accept("application/ld+json;q=0, */*")).unwrap(),
            Format::Turtle
        );
        for refused in ["text/csv", "application/geo+json", "text/turtle;q=0"] {
            let err = negotiate(None, &accept(refused)).unwrap_err();
            assert!(
                matches!(err, ApiError::NotAcceptable(_)),
                "{refused}: {err:?}"
            );
        }
    }
}
