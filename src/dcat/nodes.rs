//! Building blocks of the graph: typed, labelled vocabulary nodes (concepts with their scheme,
//! licences, rights, languages, documents, standards, agents) and literals.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use oxrdf::{Graph, Literal, NamedNode, Term, TripleRef};

use super::graph::Urls;
use super::vocab::*;
use crate::catalog::{Catalog, PolicyTheme, Text};

/// Adds triples to the graph; the catalog and the URLs are what every node is made from.
pub(super) struct Builder<'a> {
    pub(super) g: Graph,
    pub(super) catalog: &'a Catalog,
    pub(super) urls: &'a Urls,
}

/// An IRI from a validated URL (normalised by `url` if it is not an IRI as written).
pub(super) fn iri(s: &str) -> Option<NamedNode> {
    NamedNode::new(s).ok().or_else(|| {
        url::Url::parse(s)
            .ok()
            .map(|u| NamedNode::new_unchecked(u.as_str()))
    })
}

pub(super) fn lang(value: &str, tag: &str) -> Literal {
    Literal::new_language_tagged_literal_unchecked(value, tag)
}

pub(super) fn typed(value: impl Into<String>, datatype: &str) -> Literal {
    Literal::new_typed_literal(value, term(XSD, datatype))
}

pub(super) fn date_time(t: &DateTime<Utc>) -> Literal {
    typed(t.to_rfc3339_opts(SecondsFormat::AutoSi, true), "dateTime")
}

pub(super) fn date(d: &NaiveDate) -> Literal {
    typed(d.format("%Y-%m-%d").to_string(), "date")
}

impl Builder<'_> {
    pub(super) fn add(&mut self, s: &NamedNode, ns: &str, p: &str, o: impl Into<Term>) {
        let o = o.into();
        self.g.insert(TripleRef::new(s, &term(ns, p), &o));
    }

    pub(super) fn a(&mut self, s: &NamedNode, ns: &str, class: &str) {
        self.add(s, RDF, "type", term(ns, class));
    }

    pub(super) fn text(&mut self, s: &NamedNode, ns: &str, p: &str, text: &Text) {
        self.add(s, ns, p, lang(&text.nl, "nl"));
        self.add(s, ns, p, lang(&text.en, "en"));
    }

    pub(super) fn labels(&mut self, s: &NamedNode, nl: &str, en: &str) {
        self.add(s, SKOS, "prefLabel", lang(nl, "nl"));
        if !en.is_empty() {
            self.add(s, SKOS, "prefLabel", lang(en, "en"));
        }
    }

    /// A concept of a controlled list: typed, in its scheme, labelled; the scheme titled.
    pub(super) fn concept(
        &mut self,
        uri: &str,
        scheme: &str,
        scheme_title: &Text,
        nl: &str,
        en: &str,
    ) -> NamedNode {
        let c = NamedNode::new_unchecked(uri);
        let s = NamedNode::new_unchecked(scheme);
        self.a(&c, SKOS, "Concept");
        self.add(&c, SKOS, "inScheme", s.clone());
        self.labels(&c, nl, en);
        self.a(&s, SKOS, "ConceptScheme");
        self.text(&s, DCT, "title", scheme_title);
        c
    }

    pub(super) fn eu_concept(
        &mut self,
        list: &str,
        code: &str,
        title: (&str, &str),
        labels: (&str, &str),
    ) -> NamedNode {
        let title = Text {
            nl: title.0.into(),
            en: title.1.into(),
        };
        self.concept(
            &eu_concept(list, code),
            &eu_scheme(list),
            &title,
            labels.0,
            labels.1,
        )
    }

    pub(super) fn document(&mut self, url: &str) -> Option<NamedNode> {
        let d = iri(url)?;
        self.a(&d, FOAF, "Document");
        Some(d)
    }

    pub(super) fn standard(&mut self, uri: &str, title: Option<&str>) -> Option<NamedNode> {
        let s = iri(uri)?;
        self.a(&s, DCT, "Standard");
        if let Some(t) = title {
            self.add(&s, DCT, "title", lang(t, "en"));
        }
        Some(s)
    }

    pub(super) fn languages(&mut self, s: &NamedNode, only_dutch: bool) {
        for &(code, nl, en, _) in LANGUAGES.iter().take(if only_dutch { 1 } else { 2 }) {
            let l = self.eu_concept("language", code, ("Talen", "Languages"), (nl, en));
            self.a(&l, DCT, "LinguisticSystem");
            self.add(s, DCT, "language", l);
        }
    }

    pub(super) fn licence(&mut self, s: &NamedNode, licence: &crate::catalog::Licence) {
        let l = NamedNode::new_unchecked(licence.uri);
        self.a(&l, DCT, "LicenseDocument");
        self.add(&l, DCT, "title", lang(licence.title, "nl"));
        self.add(
            &l,
            DCT,
            "identifier",
            Literal::new_simple_literal(licence.id),
        );
        self.add(s, DCT, "license", l);
    }

    pub(super) fn access_rights(&mut self, s: &NamedNode, rights: crate::catalog::AccessRights) {
        let r = self.eu_concept(
            "access-right",
            rights.code(),
            ("Toegangsrechten", "Access rights"),
            rights.labels(),
        );
        self.a(&r, DCT, "RightsStatement");
        self.add(s, DCT, "accessRights", r);
    }

    pub(super) fn eu_theme(&mut self, code: &str) -> NamedNode {
        self.eu_concept(
            "data-theme",
            code,
            ("Datathema's", "Data themes"),
            data_theme_labels(code),
        )
    }

    pub(super) fn policy_theme(&mut self, t: &PolicyTheme) -> NamedNode {
        let title = Text {
            nl: "TaxonomieBeleidsagenda".into(),
            en: "Policy agenda taxonomy (TaxonomieBeleidsagenda)".into(),
        };
        self.concept(&t.uri(), &PolicyTheme::scheme_uri(), &title, t.label, "")
    }

    /// An organisation: typed as foaf:Agent (the class the shapes ask for) and foaf:Organization.
    pub(super) fn agent(&mut self, node: &NamedNode, name: &str) {
        self.a(node, FOAF, "Agent");
        self.a(node, FOAF, "Organization");
        self.add(node, FOAF, "name", lang(name, "nl"));
    }
}
