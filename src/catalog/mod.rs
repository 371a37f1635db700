//! The catalog: what the province publishes, from which source, under which terms.
//!
//! `catalog.toml` is read in two phases: serde reads the literal file ([`raw`], unknown keys are
//! errors), then [`validate`] turns it into a typed [`Catalog`], collecting *every* problem with
//! its file, line, dataset and field. Nothing here touches GDAL, HTTP or DataFusion.

mod dcat_meta;
mod profile;
mod raw;
mod validate;
mod vocab;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use dcat_meta::{AccessRights, Agent, DcatMeta, OWMS_TERMS, PolicyTheme};
pub use raw::Text;
pub use validate::RESERVED_COLUMNS;
pub use vocab::{Licence, Theme, UpdateFrequency};

/// A dataset id: `^[a-z][a-z0-9_]*$`, safe in URLs, SQL, QGIS typenames and DCAT URIs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct DatasetId(String);

impl DatasetId {
    /// Parses an id, returning `None` when it does not match `^[a-z][a-z0-9_]*$`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
        let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        (first_ok && rest_ok && s.len() <= 64).then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DatasetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The validated catalog.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The file it was read from (for messages).
    pub file: PathBuf,
    pub title: Text,
    pub description: Text,
    pub publisher: Publisher,
    pub contact: Contact,
    pub homepage: String,
    pub licence: Licence,
    pub datasets: Vec<Dataset>,
    /// A dataset drawn faintly under the pages' overview maps, for orientation.
    pub context_map: Option<DatasetId>,
}

#[derive(Debug, Clone)]
pub struct Publisher {
    pub name: String,
    pub uri: String,
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub url: Option<String>,
}

/// One published dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub id: DatasetId,
    /// The catalog file this entry was read from (for messages).
    pub catalog_file: PathBuf,
    /// Line of the dataset's `id` in the catalog file.
    pub line: usize,
    pub title: Text,
    pub description: Text,
    pub keywords: Vec<String>,
    pub theme: Theme,
    pub licence: Licence,
    pub attribution: String,
    pub update_frequency: UpdateFrequency,
    /// The source file; empty (and unused) for a view.
    pub source: Source,
    /// A `[[view]]`: the SQL whose result ingest stores as this dataset's versions.
    pub view_sql: Option<String>,
    pub key: FeatureKey,
    pub duplicates: DuplicatePolicy,
    pub temporal: Option<Temporal>,
    /// Source column names dropped at ingest and never stored.
    pub withhold: Vec<String>,
    /// Per source column: published name, title, description, unit.
    pub columns: BTreeMap<String, ColumnMeta>,
    /// Canonical JSON of the catalog entry; part of the ingest checksum, so that a changed
    /// withholding or key re-ingests.
    pub entry_fingerprint: String,
    /// What DCAT-AP-NL needs beyond the fields above (defaults when not declared).
    pub dcat: DcatMeta,
    /// The statistical indicators, for the dataset page's choropleth, bar chart and table.
    pub indicators: Option<Indicators>,
    /// Published columns whose values name places, for the place search of "what is here".
    pub searchable: Vec<String>,
}

/// The statistical indicators of a dataset: columns of `map` (this dataset or another, with
/// geometry) that the dataset page can show as a choropleth, a bar chart and a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicators {
    pub columns: Vec<String>,
    pub area_name: String,
    pub map: DatasetId,
}

impl Dataset {
    /// The name a source column is published under.
    pub fn published_name<'a>(&'a self, source_name: &'a str) -> &'a str {
        self.columns
            .get(source_name)
            .and_then(|c| c.name.as_deref())
            .unwrap_or(source_name)
    }

    /// A problem with this entry found later than validation (e.g. by opening its source), as a
    /// catalog error naming the file, `line`, this dataset and `field`.
    pub fn issue(&self, line: usize, field: &str, message: String) -> CatalogError {
        CatalogError {
            file: self.catalog_file.clone(),
            issues: vec![Issue {
                line,
                dataset: Some(self.id.to_string()),
                field: field.to_owned(),
                message,
            }],
        }
    }

    /// Whether the dataset's data is open (`access_rights = "public"`, the default). Only public
    /// datasets are served (collections, SQL, downloads, feeds); a `restricted` or `non-public`
    /// one is ingested and stored like any other, but only described in DCAT.
    pub fn is_public(&self) -> bool {
        self.dcat.access_rights == AccessRights::Public
    }

    /// Column metadata by *published* name.
    pub fn column_meta(&self, published: &str) -> Option<&ColumnMeta> {
        self.columns
            .iter()
            .find(|(src, meta)| meta.name.as_deref().unwrap_or(src) == published)
            .map(|(_, meta)| meta)
    }
}

#[derive(Debug, Clone)]
pub struct Source {
    /// Absolute (or catalog-relative resolved) path of the source file.
    pub path: PathBuf,
    /// The path as written in the catalog.
    pub declared_path: String,
    /// Line of the source's `path` in the catalog file (the dataset's line for a view).
    pub line: usize,
    pub layer: Option<String>,
    /// CRS to assume instead of the one the source declares, e.g. `OGC:CRS84`.
    pub crs_override: Option<String>,
    pub open_options: Vec<String>,
    pub trim: bool,
}

/// How a feature's id is made.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureKey {
    /// One or more source columns (by source name); several are joined with `:`.
    Columns(Vec<String>),
    /// No key in the source: a hash of the feature's content (never the row number).
    ContentHash,
}

/// What ingest does when two features have the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicatePolicy {
    /// Fail, naming the duplicate keys.
    Error,
    /// Drop rows identical (attributes and geometry) to an earlier row; fail on any other duplicate.
    DropIdentical,
}

/// The temporal field(s) of a dataset, by *source* column name.
#[derive(Debug, Clone, PartialEq)]
pub enum Temporal {
    Instant(String),
    Interval { start: String, end: String },
}

#[derive(Debug, Clone, Default)]
pub struct ColumnMeta {
    pub name: Option<String>,
    pub title: Option<Text>,
    pub description: Option<Text>,
    pub unit: Option<String>,
}

/// One problem found in the catalog file.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub line: usize,
    pub dataset: Option<String>,
    pub field: String,
    pub message: String,
}

/// Everything wrong with a catalog file, reported at once.
#[derive(Debug, thiserror::Error)]
pub struct CatalogError {
    pub file: PathBuf,
    pub issues: Vec<Issue>,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}: ", self.file.display(), issue.line)?;
            if let Some(ds) = &issue.dataset {
                write!(f, "dataset `{ds}`: ")?;
            }
            write!(f, "{}: {}", issue.field, issue.message)?;
        }
        Ok(())
    }
}

impl Catalog {
    /// Reads and validates a catalog file.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let text = std::fs::read_to_string(path).map_err(|e| CatalogError {
            file: path.to_owned(),
            issues: vec![Issue {
                line: 0,
                dataset: None,
                field: "file".into(),
                message: format!("cannot read the catalog: {e}"),
            }],
        })?;
        Self::parse(path, &text)
    }

    /// Validates catalog text; `path` names it in messages and anchors relative source paths.
    pub fn parse(path: &Path, text: &str) -> Result<Catalog, CatalogError> {
        validate::parse(path, text)
    }

    pub fn dataset(&self, id: &str) -> Option<&Dataset> {
        self.datasets.iter().find(|d| d.id.as_str() == id)
    }

    /// Checks that every source file exists, naming where each missing one was expected.
    pub fn check_sources_exist(&self) -> Result<(), CatalogError> {
        let issues: Vec<Issue> = self
            .datasets
            .iter()
            .filter(|d| d.view_sql.is_none() && !d.source.path.exists())
            .map(|d| Issue {
                line: d.line,
                dataset: Some(d.id.to_string()),
                field: "source.path".into(),
                message: format!(
                    "file not found: `{}` was expected at {}",
                    d.source.declared_path,
                    d.source.path.display()
                ),
            })
            .collect();
        if issues.is_empty() {
            Ok(())
        } else {
            Err(CatalogError {
                file: self.file.clone(),
                issues,
            })
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod dcat_tests;
