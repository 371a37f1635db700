//! Profile warnings: entries that are valid for ontsluit but would publish a weaker DCAT-AP-NL /
//! DCAT-AP-DONL description (untranslated texts, no policy theme for data.overheid.nl, a licence
//! the national portal does not list, a publisher that is not an OWMS organisation…).

use super::{Catalog, Issue, OWMS_TERMS, Text};

/// Licence URIs on data.overheid.nl's DCAT-AP-DONL licence list (`donl-waardelijsten/licenses`).
const DONL_LICENCES: &[&str] = &[
    "http://creativecommons.org/publicdomain/mark/1.0/deed.nl",
    "http://creativecommons.org/publicdomain/zero/1.0/deed.nl",
    "http://creativecommons.org/licenses/by/3.0/deed.nl",
    "http://creativecommons.org/licenses/by/4.0/deed.nl",
    "http://creativecommons.org/licenses/by-sa/3.0/deed.nl",
    "http://creativecommons.org/licenses/by-sa/4.0/deed.nl",
];

/// Namespaces of the place lists DCAT-AP-NL names for `dct:spatial` (plus OWMS, which
/// DCAT-AP-DONL uses).
const PLACE_NAMESPACES: &[&str] = &[
    "http://publications.europa.eu/resource/authority/country/",
    "http://publications.europa.eu/resource/authority/place/",
    "http://publications.europa.eu/resource/authority/continent/",
    "https://sws.geonames.org/",
    "http://sws.geonames.org/",
    "https://vocabs.cbs.nl/",
    OWMS_TERMS,
];

impl Catalog {
    /// Warnings about entries that would weaken the published DCAT description; never errors.
    pub fn profile_warnings(&self) -> Vec<Issue> {
        let catalog_line = self.catalog_table_line();
        let mut out = Vec::new();
        let mut warn = |line: usize, dataset: Option<&str>, field: &str, message: String| {
            out.push(Issue {
                line,
                dataset: dataset.map(str::to_owned),
                field: field.to_owned(),
                message,
            });
        };
        // The pages' references to other entries: without them the page leaves the map out.
        let known = |id: &str| self.datasets.iter().any(|d| d.id.as_str() == id);
        if let Some(context) = self.context_map.as_ref().filter(|c| !known(c.as_str())) {
            warn(
                catalog_line,
                None,
                "catalog.context_map",
                format!(
                    "`{context}` is not a dataset or view of this catalog; overview maps are drawn without it"
                ),
            );
        }
        for d in &self.datasets {
            if let Some(i) = d.indicators.as_ref().filter(|i| !known(i.map.as_str())) {
                warn(
                    d.line,
                    Some(d.id.as_str()),
                    "indicators.map",
                    format!(
                        "`{}` is not a dataset or view of this catalog; the page shows no indicators",
                        i.map
                    ),
                );
            }
        }
        if !self.publisher.uri.starts_with(OWMS_TERMS) {
            warn(
                catalog_line,
                None,
                "catalog.publisher.uri",
                format!(
                    "`{}` is not an OWMS organisation URI ({OWMS_TERMS}…); data.overheid.nl \
                     (DCAT-AP-DONL) expects one for publisher and authority",
                    self.publisher.uri
                ),
            );
        }
        for (field, text) in [
            ("catalog.title", &self.title),
            ("catalog.description", &self.description),
        ] {
            if let Some(msg) = untranslated(text) {
                warn(catalog_line, None, field, msg);
            }
        }
        if !DONL_LICENCES.contains(&self.licence.uri) {
            warn(
                catalog_line,
                None,
                "catalog.licence",
                not_on_donl_list(self.licence.id),
            );
        }

        for ds in &self.datasets {
            let id = Some(ds.id.as_str());
            for (field, text) in [("title", &ds.title), ("description", &ds.description)] {
                if let Some(msg) = untranslated(text) {
                    warn(ds.line, id, field, msg);
                }
            }
            if ds.keywords.is_empty() {
                warn(
                    ds.line,
                    id,
                    "keywords",
                    "no keywords: DCAT-AP recommends them for finding the dataset".into(),
                );
            }
            if ds.dcat.policy_themes.is_empty() {
                warn(
                    ds.line,
                    id,
                    "policy_theme",
                    "no TaxonomieBeleidsagenda theme: data.overheid.nl (DCAT-AP-DONL) files the \
                     dataset by it (e.g. `policy_theme = [\"Verkeer_(thema)\"]`)"
                        .into(),
                );
            }
            if !DONL_LICENCES.contains(&ds.licence.uri) {
                warn(ds.line, id, "licence", not_on_donl_list(ds.licence.id));
            }
            for place in &ds.dcat.spatial {
                if !PLACE_NAMESPACES.iter().any(|ns| place.starts_with(ns)) {
                    warn(
                        ds.line,
                        id,
                        "spatial",
                        format!(
                            "`{place}` is not from a place list DCAT-AP-NL names (EU countries, \
                             places, continents, Geonames, CBS, OWMS)"
                        ),
                    );
                }
            }
        }
        out
    }

    /// Line of the `[catalog]` table, for warnings about catalog-wide fields.
    fn catalog_table_line(&self) -> usize {
        std::fs::read_to_string(&self.file)
            .ok()
            .and_then(|text| {
                text.lines()
                    .position(|l| l.trim() == "[catalog]")
                    .map(|i| i + 1)
            })
            .unwrap_or(1)
    }
}

fn untranslated(text: &Text) -> Option<String> {
    if text.nl.trim().is_empty() || text.en.trim().is_empty() {
        Some("needs a Dutch (`nl`) and an English (`en`) text; one is empty".into())
    } else if text.nl.trim() == text.en.trim() {
        Some("the English text equals the Dutch one: translate it".into())
    } else {
        None
    }
}

fn not_on_donl_list(id: &str) -> String {
    format!(
        "`{id}` is not on data.overheid.nl's licence list (CC0-1.0, CC-BY(-SA) 3.0/4.0, Public \
         Domain Mark); the national portal will not accept it"
    )
}
