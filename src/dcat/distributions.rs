//! The distributions of a dataset: one per download format, one per API (OGC API collection,
//! SQL table).

use oxrdf::NamedNode;

use super::graph::{Entry, Services};
use super::nodes::{Builder, date_time, typed};
use super::vocab::*;
use crate::catalog::Text;

impl Builder<'_> {
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

    pub(super) fn download(&mut self, e: &Entry, f: &DownloadFormat) -> NamedNode {
        let id = e.dataset.id.as_str();
        let dist = self.urls.node(&self.urls.dataset(id), f.ext());
        let title = Text {
            nl: format!("{} ({})", e.dataset.title.nl, f.name),
            en: format!("{} ({})", e.dataset.title.en, f.name),
        };
        let description = Text {
            nl: format!("De hele dataset als {}-bestand.", f.name),
            en: format!("The whole dataset as a {} file.", f.name),
        };
        self.distribution_common(&dist, e, title, description);
        let url = NamedNode::new_unchecked(self.urls.download(id, f.ext()));
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
        // Stored files (GeoParquet, GeoPackage, FlatGeobuf): their size and checksum are known.
        if let Some((bytes, sha256)) = f.stored(e.manifest) {
            self.add(
                &dist,
                DCAT,
                "byteSize",
                typed(bytes.to_string(), "nonNegativeInteger"),
            );
            let sum = self
                .urls
                .node(&self.urls.dataset(id), &format!("{}-checksum", f.ext()));
            self.a(&sum, SPDX, "Checksum");
            let algorithm = term(SPDX, "checksumAlgorithm_sha256");
            self.a(&algorithm, SPDX, "ChecksumAlgorithm");
            self.add(&sum, SPDX, "algorithm", algorithm);
            self.add(&sum, SPDX, "checksumValue", typed(sha256, "hexBinary"));
            self.add(&dist, SPDX, "checksum", sum);
        }
        dist
    }

    pub(super) fn api_distribution(&mut self, e: &Entry, services: &Services) -> NamedNode {
        let id = e.dataset.id.as_str();
        let dist = self.urls.node(&self.urls.dataset(id), "ogc-api");
        let title = Text {
            nl: format!("{} (OGC API Features)", e.dataset.title.nl),
            en: format!("{} (OGC API Features)", e.dataset.title.en),
        };
        let description = Text {
            nl: "Objecten opvragen met filters op gebied, tijd en eigenschappen (CQL2), als \
                 GeoJSON, JSON-FG, CSV of FlatGeobuf, in WGS 84, RD New of een ander aangeboden \
                 coördinatenstelsel."
                .into(),
            en: "Query features by area, time and properties (CQL2), as GeoJSON, JSON-FG, CSV \
                 or FlatGeobuf, in WGS 84, RD New or another offered coordinate reference system."
                .into(),
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

    pub(super) fn sql_distribution(&mut self, e: &Entry, services: &Services) -> NamedNode {
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
}
