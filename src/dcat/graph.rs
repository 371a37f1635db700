//! The catalog as an RDF graph: DCAT-AP-NL 3.0 (on DCAT-AP 3.0.1), plus what data.overheid.nl's
//! DCAT-AP-DONL 1.1 harvester reads (TaxonomieBeleidsagenda theme, `overheid:authority`, dataset
//! licence). One graph serves both profiles.
//!
//! Every node has an IRI (no blank nodes), so the serialisations compare triple by triple. Nodes
//! the shapes constrain by class (licences, themes, media types, documents…) are typed explicitly:
//! a validator sees only this graph, not the vocabularies.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use oxrdf::{Graph, Literal, NamedNode, Term, TripleRef};

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
    fn node(&self, doc: &str, fragment: &str) -> NamedNode {
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
    let services = b.services(entries, &publisher, &contact);
    for e in entries {
        b.dataset(e, &publisher, &contact, &services);
    }
    if let Scope::Catalog(entries) = scope {
        b.catalog(entries, &publisher, &contact, &services);
    }
    b.g
}

/// The two APIs, as `dcat:DataService` nodes.
struct Services {
    ogc: NamedNode,
    sql: NamedNode,
}

struct Builder<'a> {
    g: Graph,
    catalog: &'a Catalog,
    urls: &'a Urls,
}

fn iri(s: &str) -> Option<NamedNode> {
    NamedNode::new(s).ok().or_else(|| {
        url::Url::parse(s)
            .ok()
            .map(|u| NamedNode::new_unchecked(u.as_str()))
    })
}

fn lang(value: &str, tag: &str) -> Literal {
    Literal::new_language_tagged_literal_unchecked(value, tag)
}

fn typed(value: impl Into<String>, datatype: &str) -> Literal {
    Literal::new_typed_literal(value, term(XSD, datatype))
}

fn date_time(t: &DateTime<Utc>) -> Literal {
    typed(t.to_rfc3339_opts(SecondsFormat::AutoSi, true), "dateTime")
}

fn date(d: &NaiveDate) -> Literal {
    typed(d.format("%Y-%m-%d").to_string(), "date")
}

impl Builder<'_> {
    fn add(&mut self, s: &NamedNode, ns: &str, p: &str, o: impl Into<Term>) {
        let o = o.into();
        self.g.insert(TripleRef::new(s, &term(ns, p), &o));
    }

    fn a(&mut self, s: &NamedNode, ns: &str, class: &str) {
        self.add(s, RDF, "type", term(ns, class));
    }

    fn text(&mut self, s: &NamedNode, ns: &str, p: &str, text: &Text) {
        self.add(s, ns, p, lang(&text.nl, "nl"));
        self.add(s, ns, p, lang(&text.en, "en"));
    }

    fn labels(&mut self, s: &NamedNode, nl: &str, en: &str) {
        self.add(s, SKOS, "prefLabel", lang(nl, "nl"));
        if !en.is_empty() {
            self.add(s, SKOS, "prefLabel", lang(en, "en"));
        }
    }

    /// A concept of a controlled list: typed, in its scheme, labelled; the scheme titled.
    fn concept(
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

    fn eu_concept(
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

    fn document(&mut self, url: &str) -> Option<NamedNode> {
        let d = iri(url)?;
        self.a(&d, FOAF, "Document");
        Some(d)
    }

    fn standard(&mut self, uri: &str, title: Option<&str>) -> Option<NamedNode> {
        let s = iri(uri)?;
        self.a(&s, DCT, "Standard");
        if let Some(t) = title {
            self.add(&s, DCT, "title", lang(t, "en"));
        }
        Some(s)
    }

    fn languages(&mut self, s: &NamedNode, only_dutch: bool) {
        for &(code, nl, en, _) in LANGUAGES.iter().take(if only_dutch { 1 } else { 2 }) {
            let l = self.eu_concept("language", code, ("Talen", "Languages"), (nl, en));
            self.a(&l, DCT, "LinguisticSystem");
            self.add(s, DCT, "language", l);
        }
    }

    fn licence(&mut self, s: &NamedNode, licence: &crate::catalog::Licence) {
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

    fn access_rights(&mut self, s: &NamedNode, rights: crate::catalog::AccessRights) {
        let r = self.eu_concept(
            "access-right",
            rights.code(),
            ("Toegangsrechten", "Access rights"),
            rights.labels(),
        );
        self.a(&r, DCT, "RightsStatement");
        self.add(s, DCT, "accessRights", r);
    }

    fn eu_theme(&mut self, code: &str) -> NamedNode {
        self.eu_concept(
            "data-theme",
            code,
            ("Datathema's", "Data themes"),
            data_theme_labels(code),
        )
    }

    fn policy_theme(&mut self, t: &PolicyTheme) -> NamedNode {
        let title = Text {
            nl: "TaxonomieBeleidsagenda".into(),
            en: "Policy agenda taxonomy (TaxonomieBeleidsagenda)".into(),
        };
        self.concept(&t.uri(), &PolicyTheme::scheme_uri(), &title, t.label, "")
    }

    /// An organisation: typed as foaf:Agent (the class the shapes ask for) and foaf:Organization.
    fn agent(&mut self, node: &NamedNode, name: &str) {
        self.a(node, FOAF, "Agent");
        self.a(node, FOAF, "Organization");
        self.add(node, FOAF, "name", lang(name, "nl"));
    }

    fn publisher(&mut self) -> NamedNode {
        let p = iri(&self.catalog.publisher.uri)
            .unwrap_or_else(|| self.urls.node(&self.urls.catalog(), "publisher"));
        self.agent(&p, &self.catalog.publisher.name.clone());
        p
    }

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

    fn services(
        &mut self,
        entries: &[Entry],
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

    fn dataset(
        &mut self,
        e: &Entry,
        publisher: &NamedNode,
        contact: &NamedNode,
        services: &Services,
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

        if let Some(bbox) = m.geometry.as_ref().and_then(|g| g.bbox) {
            let loc = self.urls.node(&doc, "extent");
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
            self.add(&d, DCT, "spatial", loc);
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
                self.add(&d, DCT, "spatial", p);
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
                let period = self.urls.node(&doc, "temporal");
                self.a(&period, DCT, "PeriodOfTime");
                if let Some(start) = &bounds[0] {
                    self.add(&period, DCAT, "startDate", date_time(start));
                }
                if let Some(end) = &bounds[1] {
                    self.add(&period, DCAT, "endDate", date_time(end));
                }
                self.add(&d, DCT, "temporal", period);
            }
        }

        let spatial = m.geometry.is_some();
        if spatial
            && let Some(s) = self.standard(CRS84, Some("WGS 84 longitude-latitude (OGC CRS84)"))
        {
            self.add(&d, DCT, "conformsTo", s);
        }
        // The JSON Schema of the published properties (every column is queryable).
        let schema = format!("{}/queryables", self.urls.collection(id));
        if let Some(s) = self.standard(&schema, Some("JSON Schema of the dataset's properties")) {
            self.add(&d, DCT, "conformsTo", s);
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

        for f in DOWNLOADS.iter().filter(|f| spatial || f.for_tables) {
            let dist = self.download(e, f);
            self.add(&d, DCAT, "distribution", dist);
        }
        let api = self.api_distribution(e, services);
        self.add(&d, DCAT, "distribution", api);
        let sql = self.sql_distribution(e, services);
        self.add(&d, DCAT, "distribution", sql);
    }

    /// What every distribution of `e` carries: licence, language, modified.
    /// What every distribution of `e` carries: title, description, licence, language, modified,
    /// and a stable availability (versions stay, old ones in the archive).
    fn distribution_common(&mut self, dist: &NamedNode, e: &Entry, title: Text, description: Text) {
        self.a(dist, DCAT, "Distribution");
        self.text(dist, DCT, "title", &title);
        self.text(dist, DCT, "description", &description);
        self.licence(dist, &e.dataset.licence);
        self.languages(dist, true);
        self.add(dist, DCT, "modified", date_time(&e.manifest.created));
        let stable = self.eu_concept(
            "planned-availability",
            "STABLE",
            ("Geplande beschikbaarheid", "Planned availability"),
            ("stabiel", "stable"),
        );
        self.add(dist, DCATAP, "availability", stable);
    }

    fn download(&mut self, e: &Entry, f: &DownloadFormat) -> NamedNode {
        let id = e.dataset.id.as_str();
        let dist = self.urls.node(&self.urls.dataset(id), f.ext);
        let title = Text {
            nl: format!("{} ({})", e.dataset.title.nl, f.name),
            en: format!("{} ({})", e.dataset.title.en, f.name),
        };
        let description = Text {
            nl: format!("De hele dataset als {}-bestand.", f.name),
            en: format!("The whole dataset as a {} file.", f.name),
        };
        self.distribution_common(&dist, e, title, description);
        let url = NamedNode::new_unchecked(self.urls.download(id, f.ext));
        self.add(&dist, DCAT, "downloadURL", url.clone());
        self.add(&dist, DCAT, "accessURL", url);
        if let Some(mt) = f.media_type {
            let node = NamedNode::new_unchecked(media_type_iri(mt));
            self.a(&node, DCT, "MediaType");
            self.add(&dist, DCAT, "mediaType", node);
        }
        if let Some((code, label)) = f.file_type {
            let node = self.eu_concept(
                "file-type",
                code,
                ("Bestandstypen", "File types"),
                (label, label),
            );
            self.a(&node, DCT, "MediaTypeOrExtent");
            self.add(&dist, DCT, "format", node);
        }
        if let Some(s) = self.standard(f.spec, Some(f.spec_title)) {
            self.add(&dist, DCT, "conformsTo", s);
        }
        // The stored file is the GeoParquet download: its size and checksum are known.
        if f.ext == "parquet" {
            let m = e.manifest;
            self.add(
                &dist,
                DCAT,
                "byteSize",
                typed(m.data_bytes.to_string(), "nonNegativeInteger"),
            );
            let sum = self.urls.node(&self.urls.dataset(id), "parquet-checksum");
            self.a(&sum, SPDX, "Checksum");
            let algorithm = term(SPDX, "checksumAlgorithm_sha256");
            self.a(&algorithm, SPDX, "ChecksumAlgorithm");
            self.add(&sum, SPDX, "algorithm", algorithm);
            self.add(
                &sum,
                SPDX,
                "checksumValue",
                typed(m.data_sha256.to_lowercase(), "hexBinary"),
            );
            self.add(&dist, SPDX, "checksum", sum);
        }
        dist
    }

    fn api_distribution(&mut self, e: &Entry, services: &Services) -> NamedNode {
        let id = e.dataset.id.as_str();
        let dist = self.urls.node(&self.urls.dataset(id), "ogc-api");
        let title = Text {
            nl: format!("{} (OGC API Features)", e.dataset.title.nl),
            en: format!("{} (OGC API Features)", e.dataset.title.en),
        };
        let description = Text {
            nl: "Objecten opvragen met filters op gebied, tijd en eigenschappen, als GeoJSON."
                .into(),
            en: "Query features by area, time and properties, as GeoJSON.".into(),
        };
        self.distribution_common(&dist, e, title, description);
        let url = NamedNode::new_unchecked(self.urls.collection(id));
        self.add(&dist, DCAT, "accessURL", url);
        self.add(&dist, DCAT, "accessService", services.ogc.clone());
        let mt = NamedNode::new_unchecked(media_type_iri("application/geo+json"));
        self.a(&mt, DCT, "MediaType");
        self.add(&dist, DCAT, "mediaType", mt);
        if let Some(s) = self.standard(OGC_FEATURES_CORE, Some("OGC API - Features - Part 1: Core"))
        {
            self.add(&dist, DCT, "conformsTo", s);
        }
        dist
    }

    fn sql_distribution(&mut self, e: &Entry, services: &Services) -> NamedNode {
        let id = e.dataset.id.as_str();
        let dist = self.urls.node(&self.urls.dataset(id), "sql-api");
        let title = Text {
            nl: format!("{} (SQL-tabel `{id}`)", e.dataset.title.nl),
            en: format!("{} (SQL table `{id}`)", e.dataset.title.en),
        };
        let description = Text {
            nl: format!("De tabel `{id}` in alleen-lezen SQL, ook in joins met andere datasets."),
            en: format!("The table `{id}` in read-only SQL, also joined with other datasets."),
        };
        self.distribution_common(&dist, e, title, description);
        let url = NamedNode::new_unchecked(self.urls.sql_api());
        self.add(&dist, DCAT, "accessURL", url);
        self.add(&dist, DCAT, "accessService", services.sql.clone());
        if let Some(s) = self.standard(SQL_STANDARD, Some("ISO/IEC 9075 SQL")) {
            self.add(&dist, DCT, "conformsTo", s);
        }
        dist
    }

    fn catalog(
        &mut self,
        entries: &[Entry],
        publisher: &NamedNode,
        contact: &NamedNode,
        services: &Services,
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
        self.add(&c, DCAT, "service", services.ogc.clone());
        self.add(&c, DCAT, "service", services.sql.clone());
    }
}
