//! The literal shape of `catalog.toml`, as serde reads it. Nothing here is validated yet: see
//! [`super::validate`]. Fields whose values are checked later keep their byte span, so that every
//! error can name the line it comes from.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCatalogFile {
    pub catalog: Spanned<RawCatalogMeta>,
    #[serde(default)]
    pub dataset: Vec<Spanned<RawDataset>>,
    /// Derived datasets: the same fields as a dataset, with `sql` instead of `source`.
    #[serde(default)]
    pub view: Vec<Spanned<RawDataset>>,
}

/// A text in both languages the catalog publishes in.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub nl: String,
    pub en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCatalogMeta {
    pub title: Text,
    pub description: Text,
    pub publisher: RawPublisher,
    pub contact: RawContact,
    pub homepage: Spanned<String>,
    pub licence: Spanned<String>,
    /// Directory that relative source paths are resolved against, relative to the catalog file.
    #[serde(default)]
    pub sources_dir: Option<Spanned<String>>,
    /// A dataset (e.g. the municipalities) drawn faintly under the pages' overview maps.
    #[serde(default)]
    pub context_map: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPublisher {
    pub name: String,
    pub uri: Spanned<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawContact {
    pub name: String,
    pub email: Spanned<String>,
    #[serde(default)]
    pub url: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDataset {
    pub id: Spanned<String>,
    pub title: Text,
    pub description: Text,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub theme: Spanned<String>,
    pub licence: Spanned<String>,
    pub attribution: String,
    pub update_frequency: Spanned<String>,
    /// Required for a `[[dataset]]`, absent for a `[[view]]`.
    #[serde(default)]
    pub source: Option<RawSource>,
    /// A `[[view]]`'s query over the catalog's datasets (and earlier views).
    #[serde(default)]
    pub sql: Option<Spanned<String>>,
    /// Column(s) whose values identify a feature. Absent: a hash of the feature's content.
    #[serde(default)]
    pub key: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub duplicates: Option<Spanned<String>>,
    #[serde(default)]
    pub temporal: Option<Spanned<RawTemporal>>,
    #[serde(default)]
    pub withhold: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub columns: BTreeMap<String, Spanned<RawColumn>>,
    // DCAT-AP-NL metadata (see `dcat_meta`). Not serialised: it is not part of the ingest
    // fingerprint, so describing a dataset better never re-ingests it.
    #[serde(default, skip_serializing)]
    pub access_rights: Option<Spanned<String>>,
    #[serde(default, skip_serializing)]
    pub policy_theme: Option<Spanned<Vec<String>>>,
    #[serde(default, skip_serializing)]
    pub spatial: Option<Spanned<Vec<String>>>,
    #[serde(default, skip_serializing)]
    pub issued: Option<Spanned<String>>,
    #[serde(default, skip_serializing)]
    pub creator: Option<Spanned<RawAgent>>,
    #[serde(default, skip_serializing)]
    pub conforms_to: Option<Spanned<Vec<String>>>,
    // For the pages (not part of the ingest fingerprint either).
    #[serde(default, skip_serializing)]
    pub indicators: Option<Spanned<RawIndicators>>,
    #[serde(default, skip_serializing)]
    pub searchable: Option<Spanned<Vec<String>>>,
}

/// `[dataset.indicators]`: the statistical columns of a dataset and where they are mapped.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIndicators {
    /// Published names of the numeric columns that are indicators (titles and units come from
    /// `[dataset.columns.…]` of the mapping dataset).
    pub columns: Vec<String>,
    /// The column naming each area (e.g. `statnaam`), for the bar chart and the table.
    pub area_name: String,
    /// The spatial dataset or view that holds these columns with the areas' geometry; absent:
    /// this dataset itself.
    #[serde(default)]
    pub map: Option<String>,
}

/// An organisation named in DCAT metadata (e.g. a dataset's creator).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgent {
    pub name: String,
    #[serde(default)]
    pub uri: Option<String>,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub path: Spanned<String>,
    #[serde(default)]
    pub layer: Option<String>,
    /// Overrides the CRS the source declares (some files carry a wrong label).
    #[serde(default)]
    pub crs: Option<Spanned<String>>,
    /// GDAL open options, e.g. `["SEPARATOR=SEMICOLON", "AUTODETECT_TYPE=YES"]`.
    #[serde(default)]
    pub open_options: Vec<String>,
    /// Trim leading and trailing white space from text values (CBS exports pad them).
    #[serde(default)]
    pub trim: bool,
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(untagged)]
pub enum RawTemporal {
    Instant(String),
    Interval { start: String, end: String },
}

#[derive(Debug, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    /// Published name, if different from the source name.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub title: Option<Text>,
    #[serde(default)]
    pub description: Option<Text>,
    #[serde(default)]
    pub unit: Option<String>,
}
