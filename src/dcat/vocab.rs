//! Namespaces, controlled-vocabulary labels and the download formats the catalog describes.
//!
//! The EU vocabularies cannot be loaded by a validator here, so the graph carries each used
//! concept's `skos:inScheme` and labels itself; the labels below are the EU lists' own (nl, en).

use oxrdf::NamedNode;

use crate::http::media::Format;

pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
pub const DCAT: &str = "http://www.w3.org/ns/dcat#";
pub const DCT: &str = "http://purl.org/dc/terms/";
pub const FOAF: &str = "http://xmlns.com/foaf/0.1/";
pub const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
pub const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
pub const SPDX: &str = "http://spdx.org/rdf/terms#";
pub const GSP: &str = "http://www.opengis.net/ont/geosparql#";
/// DCAT-AP's own terms (`dcatap:availability`).
pub const DCATAP: &str = "http://data.europa.eu/r5r/";
/// OWMS terms: DCAT-AP-DONL's `overheid:authority` and the TaxonomieBeleidsagenda.
pub const OVERHEID: &str = crate::catalog::OWMS_TERMS;

/// Prefixes for Turtle, RDF/XML and the JSON-LD context.
pub const PREFIXES: &[(&str, &str)] = &[
    ("dcat", DCAT),
    ("dct", DCT),
    ("foaf", FOAF),
    ("vcard", VCARD),
    ("skos", SKOS),
    ("spdx", SPDX),
    ("gsp", GSP),
    ("dcatap", DCATAP),
    ("rdfs", RDFS),
    ("xsd", XSD),
    ("overheid", OVERHEID),
];

/// An IRI in a namespace (the local names used here are all valid IRI characters).
pub fn term(ns: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{ns}{local}"))
}

const EU: &str = "http://publications.europa.eu/resource/authority/";

pub fn eu_scheme(list: &str) -> String {
    format!("{EU}{list}")
}

pub fn eu_concept(list: &str, code: &str) -> String {
    format!("{EU}{list}/{code}")
}

/// Labels (nl, en) of the EU data themes.
pub fn data_theme_labels(code: &str) -> (&'static str, &'static str) {
    match code {
        "AGRI" => (
            "Landbouw, visserij, bosbouw en voeding",
            "Agriculture, fisheries, forestry and food",
        ),
        "ECON" => ("Economie en financiën", "Economy and finance"),
        "EDUC" => (
            "Onderwijs, cultuur en sport",
            "Education, culture and sport",
        ),
        "ENER" => ("Energie", "Energy"),
        "ENVI" => ("Milieu", "Environment"),
        "GOVE" => (
            "Overheid en publieke sector",
            "Government and public sector",
        ),
        "HEAL" => ("Gezondheid", "Health"),
        "INTR" => ("Internationale vraagstukken", "International issues"),
        "JUST" => (
            "Justitie, rechtsstelsel en openbare veiligheid",
            "Justice, legal system and public safety",
        ),
        "REGI" => ("Regio's en steden", "Regions and cities"),
        "SOCI" => ("Bevolking en samenleving", "Population and society"),
        "TECH" => ("Wetenschap en technologie", "Science and technology"),
        "TRAN" => ("Vervoer", "Transport"),
        _ => ("", ""),
    }
}

/// Labels (nl, en) of the EU update frequencies.
pub fn frequency_labels(code: &str) -> (&'static str, &'static str) {
    match code {
        "CONT" => ("voortdurend", "continuous"),
        "DAILY" => ("dagelijks", "daily"),
        "WEEKLY" => ("wekelijks", "weekly"),
        "MONTHLY" => ("maandelijks", "monthly"),
        "QUARTERLY" => ("driemaandelijks", "quarterly"),
        "BIANNUAL" => ("halfjaarlijks", "semiannual"),
        "ANNUAL" => ("jaarlijks", "annual"),
        "BIENNIAL" => ("tweejaarlijks", "biennial"),
        "IRREG" => ("onregelmatig", "irregular"),
        "NEVER" => ("nooit", "never"),
        _ => ("onbekend", "unknown"),
    }
}

/// The languages of the catalog's texts: (EU code, nl label, en label, BCP 47 tag).
pub const LANGUAGES: &[(&str, &str, &str, &str)] = &[
    ("NLD", "Nederlands", "Dutch", "nl"),
    ("ENG", "Engels", "English", "en"),
];

/// Coordinate reference system every stored geometry is in.
pub const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

/// A download format the other routes serve at `/datasets/{id}/download.{ext}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadFormat {
    /// The format as the edge names it (its file extension).
    pub format: Format,
    /// The name in distribution titles.
    pub name: &'static str,
    /// IANA media type; `None` when IANA registers none (FlatGeobuf).
    pub media_type: Option<&'static str>,
    /// Code and label in the EU file-type list; `None` when the list has none (FlatGeobuf).
    pub file_type: Option<(&'static str, &'static str)>,
    /// The format's specification, for `dct:conformsTo`.
    pub spec: &'static str,
    pub spec_title: &'static str,
    /// Whether the format holds tables without geometry.
    pub for_tables: bool,
}

impl DownloadFormat {
    /// The `{ext}` of `download.{ext}`.
    pub fn ext(&self) -> &'static str {
        self.format.extension()
    }

    /// Whether version `m` offers this download: GeoParquet, GeoJSON and CSV always; GeoPackage
    /// and FlatGeobuf when ingest wrote the file (FlatGeobuf cannot hold features without
    /// geometry, so a version with any has none).
    pub fn offered(&self, m: &crate::store::Manifest) -> bool {
        match self.ext() {
            "parquet" | "geojson" | "csv" => true,
            ext => m.file(ext).is_some(),
        }
    }

    /// Size and SHA-256 of the stored file, for formats kept as files.
    pub fn stored(&self, m: &crate::store::Manifest) -> Option<(u64, String)> {
        match self.ext() {
            "parquet" => Some((m.data_bytes, m.data_sha256.to_lowercase())),
            ext => m.file(ext).map(|f| (f.bytes, f.sha256.to_lowercase())),
        }
    }
}

pub const DOWNLOADS: &[DownloadFormat] = &[
    DownloadFormat {
        format: Format::Parquet,
        name: "GeoParquet",
        media_type: Some("application/vnd.apache.parquet"),
        file_type: Some(("PARQUET", "Parquet")),
        spec: "https://geoparquet.org/releases/v1.1.0/",
        spec_title: "GeoParquet 1.1",
        for_tables: true,
    },
    DownloadFormat {
        format: Format::GeoJson,
        name: "GeoJSON",
        media_type: Some("application/geo+json"),
        file_type: Some(("GEOJSON", "GeoJSON")),
        spec: "https://www.rfc-editor.org/rfc/rfc7946",
        spec_title: "RFC 7946: The GeoJSON Format",
        for_tables: true,
    },
    DownloadFormat {
        format: Format::Csv,
        name: "CSV",
        media_type: Some("text/csv"),
        file_type: Some(("CSV", "CSV")),
        spec: "https://www.rfc-editor.org/rfc/rfc4180",
        spec_title: "RFC 4180: Common Format and MIME Type for CSV Files",
        for_tables: true,
    },
    DownloadFormat {
        format: Format::GeoPackage,
        name: "GeoPackage",
        media_type: Some("application/geopackage+sqlite3"),
        file_type: Some(("GPKG", "GeoPackage")),
        spec: "http://www.opengis.net/doc/IS/geopackage/1.3",
        spec_title: "OGC GeoPackage Encoding Standard 1.3",
        for_tables: true,
    },
    DownloadFormat {
        format: Format::FlatGeobuf,
        name: "FlatGeobuf",
        media_type: None,
        file_type: None,
        spec: "https://flatgeobuf.org/",
        spec_title: "FlatGeobuf",
        for_tables: false,
    },
];

/// The IANA registry IRI of a media type.
pub fn media_type_iri(media_type: &str) -> String {
    format!("https://www.iana.org/assignments/media-types/{media_type}")
}

pub const OGC_FEATURES_CORE: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core";
pub const OGC_FEATURES_GEOJSON: &str =
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson";
pub const OGC_FEATURES_OAS30: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30";
pub const SQL_STANDARD: &str = "https://www.iso.org/standard/76583.html";
