//! Controlled vocabularies the catalog's values must come from: licences (SPDX ids mapped to the
//! URIs that DCAT-AP-NL / data.overheid.nl use), EU data themes and EU update frequencies.

use std::fmt;

/// A licence from the list the national portal accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Licence {
    /// SPDX identifier, as written in `catalog.toml`.
    pub id: &'static str,
    pub uri: &'static str,
    pub title: &'static str,
}

const LICENCES: &[Licence] = &[
    Licence {
        id: "CC0-1.0",
        uri: "http://creativecommons.org/publicdomain/zero/1.0/deed.nl",
        title: "Creative Commons Zero 1.0 (public domain)",
    },
    Licence {
        id: "CC-BY-4.0",
        uri: "http://creativecommons.org/licenses/by/4.0/deed.nl",
        title: "Creative Commons Naamsvermelding 4.0",
    },
    Licence {
        id: "CC-BY-SA-4.0",
        uri: "http://creativecommons.org/licenses/by-sa/4.0/deed.nl",
        title: "Creative Commons Naamsvermelding-GelijkDelen 4.0",
    },
    Licence {
        id: "ODbL-1.0",
        uri: "http://opendatacommons.org/licenses/odbl/1.0/",
        title: "Open Data Commons Open Database License 1.0",
    },
    Licence {
        id: "PDDL-1.0",
        uri: "http://opendatacommons.org/licenses/pddl/1.0/",
        title: "Open Data Commons Public Domain Dedication and License 1.0",
    },
];

impl Licence {
    pub fn parse(s: &str) -> Option<Licence> {
        LICENCES
            .iter()
            .copied()
            .find(|l| l.id.eq_ignore_ascii_case(s))
    }

    pub fn known_ids() -> String {
        LICENCES
            .iter()
            .map(|l| format!("`{}`", l.id))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An EU data theme (http://publications.europa.eu/resource/authority/data-theme).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme(&'static str);

const THEMES: &[&str] = &[
    "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH",
    "TRAN",
];

impl Theme {
    pub fn parse(s: &str) -> Option<Theme> {
        THEMES
            .iter()
            .find(|t| t.eq_ignore_ascii_case(s))
            .map(|t| Theme(t))
    }

    pub fn code(&self) -> &'static str {
        self.0
    }

    pub fn uri(&self) -> String {
        format!(
            "http://publications.europa.eu/resource/authority/data-theme/{}",
            self.0
        )
    }

    pub fn known_codes() -> String {
        THEMES.join(", ")
    }
}

/// An EU update frequency (http://publications.europa.eu/resource/authority/frequency).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateFrequency(&'static str);

const FREQUENCIES: &[&str] = &[
    "CONT",
    "DAILY",
    "WEEKLY",
    "MONTHLY",
    "QUARTERLY",
    "BIANNUAL",
    "ANNUAL",
    "BIENNIAL",
    "IRREG",
    "NEVER",
    "UNKNOWN",
];

impl UpdateFrequency {
    pub fn parse(s: &str) -> Option<UpdateFrequency> {
        FREQUENCIES
            .iter()
            .find(|f| f.eq_ignore_ascii_case(s))
            .map(|f| UpdateFrequency(f))
    }

    pub fn code(&self) -> &'static str {
        self.0
    }

    pub fn uri(&self) -> String {
        format!(
            "http://publications.europa.eu/resource/authority/frequency/{}",
            self.0
        )
    }

    pub fn known_codes() -> String {
        FREQUENCIES.join(", ")
    }
}

impl fmt::Display for UpdateFrequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
