//! The catalog as an RDF graph: DCAT-AP-NL 3.0 (on DCAT-AP 3.0.1), plus what data.overheid.nl's
//! DCAT-AP-DONL 1.1 harvester reads (TaxonomieBeleidsagenda theme, `overheid:authority`, dataset
//! licence). One graph serves both profiles.
//!
//! Every node has an IRI (no blank nodes), so the serialisations compare triple by triple. Nodes
//! the shapes constrain by class (licences, themes, media types, documents…) are typed explicitly:
//! a validator sees only this graph, not the vocabularies.
//!
//! A dataset that is not public is a `dcat:Dataset` with its `dct:accessRights` and nothing that
//! leads to its data: no distribution, no data service serving it, no link to a collection.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use oxrdf::{Graph, Literal, NamedNode};

use super::nodes::{Builder, date, date_time, iri, lang};
use super::vocab::*;
use crate::catalog::{Agent, Catalog, Dataset, PolicyTheme, Text};
use crate::store::Manifest;

/// One dataset as the catalog describes it: its catalog entry and its current version.
pub struct Entry<'a> {
    pub dataset: &'a Dataset,
    pub manifest: &'a Manifest,
    /// When the oldest stored version was made (`issued` when the catalog declares none).
    pub first_version: Option<DateTime<Utc>>,
}

/// Where things are published.
pub struct Urls {
    base: String,
}

impl Urls {
    pub fn new(public_url: &str) -> Urls {
        Urls {
            base: public_url.trim_end_matches('/').to_owned(),
        }
    }
    pub fn catalog(&self) -> String {
        format!("{}/catalog", self.base)
    }
    pub fn dataset(&self, id: &str) -> String {
        format!("{}/datasets/{id}", self.base)
    }
    pub fn download(&self, id: &str, ext: &str) -> String {
        format!("{}/datasets/{id}/download.{ext}", self.base)
    }
    pub fn collection(&self, id: &str) -> String {
        format!("{}/ogc/v1/collections/{id}", self.base)
    }
    pub fn ogc_api(&self) -> String {
        format!("{}/ogc/v1", self.base)
    }
    pub fn sql_api(&self) -> String {
        format!("{}/sql/v1", self.base)
    }
    pub(super) fn node(&self, doc: &str, fragment: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{doc}#{fragment}"))
    }
}

/// Which graph to build.
pub enum Scope<'a> {
    /// The catalog with every entry.
    Catalog(&'a [Entry<'a>]),
    /// One dataset, its distributions and the services that serve it.
    Dataset(&'a Entry<'a>),
}

/// Builds the graph for `scope`.
pub fn build(catalog: &Catalog, urls: &Urls, scope: Scope<'_>) -> Graph {
    let mut b = Builder {
        g: Graph::new(),
        catalog,
        urls,
    };
    let entries: &[Entry] = match &scope {
        Scope::Catalog(entries) => entries,
        Scope::Dataset(entry) => std::slice::from_ref(*entry),
    };
    let publisher = b.publisher();
    let contact = b.contact();
    // The APIs serve the public datasets only; with none in scope, there is no service to name.
    let served: Vec<&Entry> = entries.iter().filter(|e| e.dataset.is_public()).collect();
    let services = (!served.is_empty()).then(|| b.services(&served, &publisher, &contact));
    for e in entries {
        b.dataset(e, &publisher, &contact, services.as_ref());
    }
    if let Scope::Catalog(entries) = scope {
        b.catalog(entries, &publisher, &contact, services.as_ref());
    }
    b.g
}

/// The two APIs, as `dcat:DataService` nodes.
pub(super) struct Services {
    pub(super) ogc: NamedNode,
    pub(super) sql: NamedNode,
}

impl Builder<'_> {
    /// The catalog's publisher (an OWMS organisation URI in the repo catalog).
    fn publisher(&mut self) -> NamedNode {
        let p = iri(&self.catalog.publisher.uri)
            .unwrap_or_else(|| self.urls.node(&self.urls.catalog(), "publisher"));
        self.agent(&p, &self.catalog.publisher.name.clone());
        p
    }

    /// The dataset's creator, or the publisher when the catalog names none.
    fn creator(&mut self, e: &Entry, publisher: &NamedNode) -> NamedNode {
        match &e.dataset.dcat.creator {
            None => publisher.clone(),
            Some(Agent { name, uri }) => {
                let node = uri.as_deref().and_then(iri).unwrap_or_else(|| {
                    self.urls
                        .node(&self.urls.dataset(e.dataset.id.as_str()), "creator")
                });
                self.agent(&node, name);
                node
            }
        }
    }

    /// The one contact point of catalog, datasets and services (a vCard organisation).
    fn contact(&mut self) -> NamedNode {
        let c = self.urls.node(&self.urls.catalog(), "contact");
        let contact = self.catalog.contact.clone();
        self.a(&c, VCARD, "Kind");
        self.a(&c, VCARD, "Organization");
        self.add(&c, VCARD, "fn", lang(&contact.name, "nl"));
        if let Some(mail) = iri(&format!("mailto:{}", contact.email)) {
            self.add(&c, VCARD, "hasEmail", mail);
        }
        if let Some(url) = contact.url.as_deref().and_then(iri) {
            self.add(&c, VCARD, "hasURL", url);
        }
        c
    }

    /// The OGC API and the SQL endpoint, each serving the (public) datasets in `entries`.
    fn services(
        &mut self,
        entries: &[&Entry],
        publisher: &NamedNode,
        contact: &NamedNode,
    ) -> Services {
        let catalog_doc = self.urls.catalog();
        let ogc = self.urls.node(&catalog_doc, "ogc-api");
        let sql = self.urls.node(&catalog_doc, "sql-api");
        let ogc_url = self.urls.ogc_api();
        let sql_url = self.urls.sql_api();
        let specs: &[(&str, Option<&str>)] = &[
            (OGC_FEATURES_CORE, Some("OGC API - Features - Part 1: Core")),
            (
                OGC_FEATURES_GEOJSON,
                Some("OGC API - Features - Part 1: GeoJSON"),
            ),
            (
                OGC_FEATURES_OAS30,
                Some("OGC API - Features - Part 1: OpenAPI 3.0"),
            ),
        ];
        let ogc_text = (
            Text {
                nl: "OGC API Features van de catalogus".into(),
                en: "OGC API Features of the catalog".into(),
            },
            Text {
                nl: "Alle datasets als OGC API Features-collecties: objecten opvragen met filters \
                     op gebied, tijd en eigenschappen (CQL2), in GeoJSON."
                    .into(),
                en:
                    "Every dataset as an OGC API Features collection: query features by area, time \
                     and properties (CQL2), as GeoJSON."
                        .into(),
            },
            format!("{ogc_url}/api"),
            vec!["OGC API", "WFS", "GeoJSON"],
        );
        let sql_text = (
            Text {
                nl: "SQL-eindpunt van de catalogus".into(),
                en: "SQL endpoint of the catalog".into(),
            },
            Text {
                nl: "Alleen-lezen SQL over alle datasets, met ruimtelijke functies (ST_*).".into(),
                en: "Read-only SQL over every dataset, with spatial functions (ST_*).".into(),
            },
            format!("{sql_url}/tables"),
            vec!["SQL", "API"],
        );
        for (node, url, (title, description, endpoint_description, keywords), standards) in [
            (&ogc, &ogc_url, ogc_text, specs.to_vec()),
            (
                &sql,
                &sql_url,
                sql_text,
                vec![(SQL_STANDARD, Some("ISO/IEC 9075 SQL"))],
            ),
        ] {
            self.a(node, DCAT, "DataService");
            self.text(node, DCT, "title", &title);
            self.text(node, DCT, "description", &description);
            self.add(
                node,
                DCT,
                "identifier",
                Literal::new_simple_literal(url.as_str()),
            );
            if let Some(endpoint) = iri(url) {
                self.a(&endpoint, RDFS, "Resource");
                self.add(node, DCAT, "endpointURL", endpoint);
            }
            if let Some(desc) = iri(&endpoint_description) {
                self.a(&desc, RDFS, "Resource");
                self.add(node, DCAT, "endpointDescription", desc);
            }
            if let Some(page) = self.document(url) {
                self.add(node, DCAT, "landingPage", page);
            }
            for (uri, t) in standards {
                if let Some(s) = self.standard(uri, t) {
                    self.add(node, DCT, "conformsTo", s);
                }
            }
            self.licence(node, &self.catalog.licence.clone());
            self.access_rights(node, crate::catalog::AccessRights::Public);
            self.add(node, DCT, "publisher", publisher.clone());
            self.add(node, DCT, "creator", publisher.clone());
            self.add(node, DCAT, "contactPoint", contact.clone());
            self.languages(node, false);
            for k in keywords {
                self.add(node, DCAT, "keyword", lang(k, "nl"));
            }
            let themes: BTreeSet<&str> = entries.iter().map(|e| e.dataset.theme.code()).collect();
            for code in themes {
                let t = self.eu_theme(code);
                self.add(node, DCAT, "theme", t);
            }
            for e in entries {
                let d = NamedNode::new_unchecked(self.urls.dataset(e.dataset.id.as_str()));
                self.add(node, DCAT, "servesDataset", d);
            }
        }
        Services { ogc, sql }
    }

    /// A dataset with everything DCAT-AP-NL asks for, and its distributions if it is public.
    fn dataset(
        &mut self,
        e: &Entry,
        publisher: &NamedNode,
        contact: &NamedNode,
        services: Option<&Services>,
    ) {
        let ds = e.dataset;
        let m = e.manifest;
        let id = ds.id.as_str();
        let doc = self.urls.dataset(id);
        let d = NamedNode::new_unchecked(doc.as_str());
        self.a(&d, DCAT, "Dataset");
        self.add(
            &d,
            DCT,
            "identifier",
            Literal::new_simple_literal(doc.as_str()),
        );
        self.text(&d, DCT, "title", &ds.title);
        self.text(&d, DCT, "description", &ds.description);
        for k in &ds.keywords {
            self.add(&d, DCAT, "keyword", lang(k, "nl"));
        }
        let theme = self.eu_theme(ds.theme.code());
        self.add(&d, DCAT, "theme", theme);
        for t in &ds.dcat.policy_themes {
            let node = self.policy_theme(t);
            self.add(&d, DCAT, "theme", node);
        }
        self.add(&d, DCT, "publisher", publisher.clone());
        // DCAT-AP-DONL 1.1: the organisation responsible, as an OWMS URI.
        self.add(&d, OVERHEID, "authority", publisher.clone());
        let creator = self.creator(e, publisher);
        self.add(&d, DCT, "creator", creator);
        self.add(&d, DCAT, "contactPoint", contact.clone());
        self.access_rights(&d, ds.dcat.access_rights);
        // DCAT-AP-DONL puts the licence on the dataset too.
        self.licence(&d, &ds.licence);
        let code = ds.update_frequency.code();
        let f = self.eu_concept(
            "frequency",
            code,
            ("Frequenties", "Frequencies"),
            frequency_labels(code),
        );
        self.a(&f, DCT, "Frequency");
        self.add(&d, DCT, "accrualPeriodicity", f);
        self.languages(&d, true);

        let issued = match (ds.dcat.issued, e.first_version) {
            (Some(day), _) => Some(date(&day)),
            (None, Some(t)) => Some(date_time(&t)),
            (None, None) => None,
        };
        if let Some(issued) = issued {
            self.add(&d, DCT, "issued", issued);
        }
        self.add(&d, DCT, "modified", date_time(&m.created));
        self.add(
            &d,
            DCAT,
            "version",
            Literal::new_simple_literal(m.version.to_string()),
        );

        self.coverage(&d, &doc, e);

        let spatial = m.geometry.is_some();
        if spatial
            && let Some(s) = self.standard(CRS84, Some("WGS 84 longitude-latitude (OGC CRS84)"))
        {
            self.add(&d, DCT, "conformsTo", s);
        }
        // The JSON Schema of the published properties (every column is queryable); a dataset
        // that is not public has no collection to publish it.
        if ds.is_public() {
            let schema = format!("{}/queryables", self.urls.collection(id));
            if let Some(s) = self.standard(&schema, Some("JSON Schema of the dataset's properties"))
            {
                self.add(&d, DCT, "conformsTo", s);
            }
        }
        for uri in &ds.dcat.conforms_to {
            if let Some(s) = self.standard(uri, None) {
                self.add(&d, DCT, "conformsTo", s);
            }
        }
        let landing = format!("{doc}?f=html");
        if let Some(page) = self.document(&landing) {
            self.add(&d, DCAT, "landingPage", page.clone());
            self.add(&d, FOAF, "page", page);
        }
        let provenance = self.urls.node(&doc, "provenance");
        self.a(&provenance, DCT, "ProvenanceStatement");
        self.add(
            &provenance,
            RDFS,
            "label",
            lang(&format!("Bron: {}", ds.attribution), "nl"),
        );
        self.add(
            &provenance,
            RDFS,
            "label",
            lang(&format!("Source: {}", ds.attribution), "en"),
        );
        self.add(&d, DCT, "provenance", provenance);

        // Described, not distributed: its data is not open (until access is authenticated).
        let Some(services) = services.filter(|_| ds.is_public()) else {
            return;
        };
        for f in DOWNLOADS.iter().filter(|f| f.offered(e.manifest)) {
            let dist = self.download(e, f);
            self.add(&d, DCAT, "distribution", dist);
        }
        let api = self.api_distribution(e, services);
        self.add(&d, DCAT, "distribution", api);
        let sql = self.sql_distribution(e, services);
        self.add(&d, DCAT, "distribution", sql);
    }

    /// Where and when: the extent as WKT bbox and centroid, declared place URIs, the time span.
    fn coverage(&mut self, d: &NamedNode, doc: &str, e: &Entry) {
        let (ds, m) = (e.dataset, e.manifest);
        if let Some(bbox) = m.geometry.as_ref().and_then(|g| g.bbox) {
            let loc = self.urls.node(doc, "extent");
            self.a(&loc, DCT, "Location");
            let [x0, y0, x1, y1] = bbox;
            let wkt = format!("POLYGON(({x0} {y0}, {x1} {y0}, {x1} {y1}, {x0} {y1}, {x0} {y0}))");
            self.add(
                &loc,
                DCAT,
                "bbox",
                Literal::new_typed_literal(wkt, term(GSP, "wktLiteral")),
            );
            let centroid = format!("POINT({} {})", (x0 + x1) / 2.0, (y0 + y1) / 2.0);
            self.add(
                &loc,
                DCAT,
                "centroid",
                Literal::new_typed_literal(centroid, term(GSP, "wktLiteral")),
            );
            self.add(d, DCT, "spatial", loc);
        }
        for place in &ds.dcat.spatial {
            if let Some(p) = iri(place) {
                self.a(&p, DCT, "Location");
                // An EU authority place names its list, as the vocabulary itself would.
                for list in ["country", "place", "continent"] {
                    if place.starts_with(&format!("{}/", eu_scheme(list))) {
                        let scheme = NamedNode::new_unchecked(eu_scheme(list));
                        self.add(&p, SKOS, "inScheme", scheme);
                    }
                }
                self.add(d, DCT, "spatial", p);
            }
        }
        if let Some(t) = &m.temporal {
            let bounds: Vec<Option<DateTime<Utc>>> = t
                .interval
                .iter()
                .map(|v| {
                    v.as_deref()
                        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                        .map(|t| t.with_timezone(&Utc))
                })
                .collect();
            if bounds.iter().any(Option::is_some) {
                let period = self.urls.node(doc, "temporal");
                self.a(&period, DCT, "PeriodOfTime");
                if let Some(start) = &bounds[0] {
                    self.add(&period, DCAT, "startDate", date_time(start));
                }
                if let Some(end) = &bounds[1] {
                    self.add(&period, DCAT, "endDate", date_time(end));
                }
                self.add(d, DCT, "temporal", period);
            }
        }
    }

    /// The catalog: texts, publisher, contact, licence, theme taxonomies, datasets and services.
    fn catalog(
        &mut self,
        entries: &[Entry],
        publisher: &NamedNode,
        contact: &NamedNode,
        services: Option<&Services>,
    ) {
        let cat = self.catalog;
        let c = NamedNode::new_unchecked(self.urls.catalog());
        self.a(&c, DCAT, "Catalog");
        self.text(&c, DCT, "title", &cat.title.clone());
        self.text(&c, DCT, "description", &cat.description.clone());
        self.add(
            &c,
            DCT,
            "identifier",
            Literal::new_simple_literal(self.urls.catalog()),
        );
        self.add(&c, DCT, "publisher", publisher.clone());
        self.add(&c, DCT, "creator", publisher.clone());
        self.add(&c, DCAT, "contactPoint", contact.clone());
        if let Some(home) = self.document(&cat.homepage.clone()) {
            self.add(&c, FOAF, "homepage", home);
        }
        self.licence(&c, &cat.licence.clone());
        self.languages(&c, false);
        let eu_themes = NamedNode::new_unchecked(eu_scheme("data-theme"));
        self.a(&eu_themes, SKOS, "ConceptScheme");
        self.text(
            &eu_themes,
            DCT,
            "title",
            &Text {
                nl: "Datathema's".into(),
                en: "Data themes".into(),
            },
        );
        self.add(&c, DCAT, "themeTaxonomy", eu_themes);
        if entries
            .iter()
            .any(|e| !e.dataset.dcat.policy_themes.is_empty())
        {
            let policy = NamedNode::new_unchecked(PolicyTheme::scheme_uri());
            self.add(&c, DCAT, "themeTaxonomy", policy);
        }
        if let Some(latest) = entries.iter().map(|e| e.manifest.created).max() {
            self.add(&c, DCT, "modified", date_time(&latest));
        }
        for e in entries {
            let d = NamedNode::new_unchecked(self.urls.dataset(e.dataset.id.as_str()));
            self.add(&c, DCAT, "dataset", d);
        }
        if let Some(services) = services {
            self.add(&c, DCAT, "service", services.ogc.clone());
            self.add(&c, DCAT, "service", services.sql.clone());
        }
    }
}
