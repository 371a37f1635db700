//! Phase two of reading the catalog: raw values → typed [`Catalog`], every problem collected.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::raw::{RawCatalogFile, RawDataset, RawTemporal};
use super::{
    Catalog, CatalogError, ColumnMeta, Contact, Dataset, DatasetId, DuplicatePolicy, FeatureKey,
    Issue, Licence, Publisher, Source, Temporal, Theme, UpdateFrequency,
};

/// Names ontsluit itself stores in every dataset; a source column may not be published under them.
pub const RESERVED_COLUMNS: &[&str] = &["geometry", "bbox"];

pub(super) struct Collector<'a> {
    text: &'a str,
    issues: Vec<Issue>,
}

impl Collector<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    pub(super) fn push<T>(
        &mut self,
        at: &Spanned<T>,
        dataset: Option<&str>,
        field: &str,
        message: String,
    ) {
        let line = self.line_of(at.span().start);
        self.issues.push(Issue {
            line,
            dataset: dataset.map(str::to_owned),
            field: field.to_owned(),
            message,
        });
    }
}

pub fn parse(path: &Path, text: &str) -> Result<Catalog, CatalogError> {
    let raw: RawCatalogFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| {
                text.as_bytes()[..s.start.min(text.len())]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1
            })
            .unwrap_or(0);
        CatalogError {
            file: path.to_owned(),
            issues: vec![Issue {
                line,
                dataset: None,
                field: "syntax".into(),
                message: e.message().trim().to_owned(),
            }],
        }
    })?;

    let mut c = Collector {
        text,
        issues: Vec::new(),
    };
    let meta = raw.catalog.get_ref();
    let catalog_dir = path.parent().unwrap_or(Path::new("."));
    let sources_dir = match &meta.sources_dir {
        Some(dir) => catalog_dir.join(dir.get_ref()),
        None => catalog_dir.to_owned(),
    };

    let licence = Licence::parse(meta.licence.get_ref());
    if licence.is_none() {
        c.push(
            &meta.licence,
            None,
            "catalog.licence",
            unknown_licence(meta.licence.get_ref()),
        );
    }
    check_url(&mut c, &meta.homepage, None, "catalog.homepage");
    check_url(&mut c, &meta.publisher.uri, None, "catalog.publisher.uri");
    if !meta.contact.email.get_ref().contains('@') {
        let msg = format!(
            "`{}` is not an e-mail address",
            meta.contact.email.get_ref()
        );
        c.push(&meta.contact.email, None, "catalog.contact.email", msg);
    }
    if let Some(url) = &meta.contact.url {
        check_url(&mut c, url, None, "catalog.contact.url");
    }
    if raw.dataset.is_empty() {
        c.push(
            &raw.catalog,
            None,
            "dataset",
            "the catalog declares no `[[dataset]]`".into(),
        );
    }

    let mut seen = HashSet::new();
    let mut datasets = Vec::new();
    for entry in &raw.dataset {
        if let Some(ds) = validate_dataset(&mut c, entry, path, &sources_dir, &mut seen, false) {
            datasets.push(ds);
        }
    }
    // Views after the datasets: ingest materialises them in this order.
    for entry in &raw.view {
        if let Some(ds) = validate_dataset(&mut c, entry, path, &sources_dir, &mut seen, true) {
            datasets.push(ds);
        }
    }

    // Indicators name at least one column (a `map` outside the catalog is a `check` warning).
    for entry in raw.dataset.iter().chain(&raw.view) {
        let entry = entry.get_ref();
        let Some(indicators) = &entry.indicators else {
            continue;
        };
        let i = indicators.get_ref();
        if i.columns.is_empty() {
            let msg = "names no column".to_owned();
            c.push(
                indicators,
                Some(entry.id.get_ref()),
                "indicators.columns",
                msg,
            );
        }
    }

    if !c.issues.is_empty() {
        return Err(CatalogError {
            file: path.to_owned(),
            issues: c.issues,
        });
    }
    Ok(Catalog {
        file: path.to_owned(),
        title: meta.title.clone(),
        description: meta.description.clone(),
        publisher: Publisher {
            name: meta.publisher.name.clone(),
            uri: meta.publisher.uri.get_ref().clone(),
        },
        contact: Contact {
            name: meta.contact.name.clone(),
            email: meta.contact.email.get_ref().clone(),
            url: meta.contact.url.as_ref().map(|u| u.get_ref().clone()),
        },
        homepage: meta.homepage.get_ref().clone(),
        context_map: meta
            .context_map
            .as_ref()
            .map(|c| DatasetId(c.get_ref().clone())),
        licence: licence.expect("checked above"),
        datasets,
    })
}

fn unknown_licence(value: &str) -> String {
    format!(
        "`{value}` is not a known licence (one of {})",
        Licence::known_ids()
    )
}

fn check_url(c: &mut Collector, value: &Spanned<String>, ds: Option<&str>, field: &str) {
    let v = value.get_ref();
    if url::Url::parse(v)
        .map(|u| u.scheme() != "http" && u.scheme() != "https")
        .unwrap_or(true)
    {
        c.push(value, ds, field, format!("`{v}` is not an http(s) URL"));
    }
}

fn validate_dataset(
    c: &mut Collector,
    entry: &Spanned<RawDataset>,
    catalog_file: &Path,
    sources_dir: &Path,
    seen: &mut HashSet<String>,
    is_view: bool,
) -> Option<Dataset> {
    let raw = entry.get_ref();
    let id_text = raw.id.get_ref().as_str();
    let ds = Some(id_text);
    let before = c.issues.len();

    let id = DatasetId::parse(id_text);
    if id.is_none() {
        c.push(
            &raw.id,
            None,
            "id",
            format!("`{id_text}` is not a valid dataset id (expected ^[a-z][a-z0-9_]*$, at most 64 characters)"),
        );
    }
    if !seen.insert(id_text.to_owned()) {
        c.push(
            &raw.id,
            ds,
            "id",
            format!("duplicate dataset id `{id_text}`"),
        );
    }

    let theme = Theme::parse(raw.theme.get_ref());
    if theme.is_none() {
        let msg = format!(
            "`{}` is not an EU data theme (one of {})",
            raw.theme.get_ref(),
            Theme::known_codes()
        );
        c.push(&raw.theme, ds, "theme", msg);
    }
    let licence = Licence::parse(raw.licence.get_ref());
    if licence.is_none() {
        c.push(
            &raw.licence,
            ds,
            "licence",
            unknown_licence(raw.licence.get_ref()),
        );
    }
    let frequency = UpdateFrequency::parse(raw.update_frequency.get_ref());
    if frequency.is_none() {
        let msg = format!(
            "`{}` is not an EU update frequency (one of {})",
            raw.update_frequency.get_ref(),
            UpdateFrequency::known_codes()
        );
        c.push(&raw.update_frequency, ds, "update_frequency", msg);
    }
    if raw.attribution.trim().is_empty() {
        c.push(
            &raw.id,
            ds,
            "attribution",
            "must name the source to credit".into(),
        );
    }

    let view_sql = match (is_view, &raw.source, &raw.sql) {
        (false, Some(_), None) => None,
        (false, None, _) => {
            c.push(&raw.id, ds, "source", "a dataset needs a `source`".into());
            None
        }
        (false, Some(_), Some(sql)) => {
            let msg = "only a `[[view]]` has `sql`; a dataset reads its `source`".into();
            c.push(sql, ds, "sql", msg);
            None
        }
        (true, None, Some(sql)) if sql.get_ref().trim().is_empty() => {
            c.push(sql, ds, "sql", "must not be empty".into());
            None
        }
        (true, None, Some(sql)) => Some(sql.get_ref().clone()),
        (true, None, None) => {
            c.push(&raw.id, ds, "sql", "a view needs its `sql` query".into());
            None
        }
        (true, Some(_), _) => {
            let msg = "a `[[view]]` is computed by its `sql`; it has no `source`".into();
            c.push(&raw.id, ds, "source", msg);
            None
        }
    };
    let source = raw.source.as_ref();
    let declared_path = source.map(|s| s.path.get_ref().clone()).unwrap_or_default();
    if let Some(s) = source
        && declared_path.trim().is_empty()
    {
        c.push(&s.path, ds, "source.path", "must not be empty".into());
    }
    let path = if is_view {
        PathBuf::new()
    } else {
        resolve_source_path(sources_dir, &declared_path)
    };

    let key = match &raw.key {
        None => FeatureKey::ContentHash,
        Some(k) if k.get_ref().is_empty() => {
            c.push(
                k,
                ds,
                "key",
                "must name at least one column (or be left out for a content hash)".into(),
            );
            FeatureKey::ContentHash
        }
        Some(k) => FeatureKey::Columns(k.get_ref().clone()),
    };
    let duplicates = match raw.duplicates.as_ref().map(|d| d.get_ref().as_str()) {
        None | Some("error") => DuplicatePolicy::Error,
        Some("drop-identical") => DuplicatePolicy::DropIdentical,
        Some(other) => {
            let msg = format!("`{other}` is not a duplicate policy (`error` or `drop-identical`)");
            c.push(
                raw.duplicates.as_ref().expect("matched Some"),
                ds,
                "duplicates",
                msg,
            );
            DuplicatePolicy::Error
        }
    };

    let withhold: Vec<String> = raw
        .withhold
        .as_ref()
        .map(|w| w.get_ref().clone())
        .unwrap_or_default();
    if let (FeatureKey::Columns(cols), Some(w)) = (&key, &raw.withhold) {
        for col in cols.iter().filter(|col| withhold.contains(col)) {
            c.push(
                w,
                ds,
                "withhold",
                format!("`{col}` is part of the key and cannot be withheld"),
            );
        }
    }

    let temporal = raw.temporal.as_ref().map(|t| match t.get_ref() {
        RawTemporal::Instant(f) => Temporal::Instant(f.clone()),
        RawTemporal::Interval { start, end } => Temporal::Interval {
            start: start.clone(),
            end: end.clone(),
        },
    });
    if let (Some(t), Some(spanned)) = (&temporal, &raw.temporal) {
        let fields = match t {
            Temporal::Instant(f) => vec![f],
            Temporal::Interval { start, end } => vec![start, end],
        };
        for f in fields.into_iter().filter(|f| withhold.contains(f)) {
            c.push(
                spanned,
                ds,
                "temporal",
                format!("`{f}` is withheld and cannot be the temporal field"),
            );
        }
    }

    let mut columns = BTreeMap::new();
    let mut published = HashSet::new();
    for (source_name, meta) in &raw.columns {
        let m = meta.get_ref();
        let name = m.name.clone().unwrap_or_else(|| source_name.clone());
        if name.is_empty() || name.chars().any(|ch| ch.is_control()) {
            c.push(
                meta,
                ds,
                &format!("columns.{source_name}.name"),
                "must be a non-empty name".into(),
            );
        }
        if RESERVED_COLUMNS.contains(&name.as_str()) {
            let msg =
                format!("`{name}` is reserved by ontsluit; publish the column under another name");
            c.push(meta, ds, &format!("columns.{source_name}.name"), msg);
        }
        if !published.insert(name.clone()) {
            c.push(
                meta,
                ds,
                &format!("columns.{source_name}.name"),
                format!("`{name}` is published twice"),
            );
        }
        if withhold.contains(source_name) {
            let msg = "the column is withheld; it cannot also be published".to_string();
            c.push(meta, ds, &format!("columns.{source_name}"), msg);
        }
        columns.insert(
            source_name.clone(),
            ColumnMeta {
                name: m.name.clone(),
                title: m.title.clone(),
                description: m.description.clone(),
                unit: m.unit.clone(),
            },
        );
    }

    let dcat = super::dcat_meta::validate(c, raw, ds);

    if c.issues.len() > before {
        return None;
    }
    let line = c.line_of(raw.id.span().start);
    let source_line = source.map_or(line, |s| c.line_of(s.path.span().start));
    Some(Dataset {
        id: id?,
        catalog_file: catalog_file.to_owned(),
        line,
        title: raw.title.clone(),
        description: raw.description.clone(),
        keywords: raw.keywords.clone(),
        theme: theme?,
        licence: licence?,
        attribution: raw.attribution.clone(),
        update_frequency: frequency?,
        source: Source {
            path,
            declared_path,
            line: source_line,
            layer: source.and_then(|s| s.layer.clone()),
            crs_override: source.and_then(|s| s.crs.as_ref().map(|c| c.get_ref().clone())),
            open_options: source.map(|s| s.open_options.clone()).unwrap_or_default(),
            trim: source.is_some_and(|s| s.trim),
        },
        view_sql,
        key,
        duplicates,
        temporal,
        withhold,
        columns,
        entry_fingerprint: serde_json::to_string(raw).unwrap_or_default(),
        dcat,
        indicators: raw.indicators.as_ref().map(|i| {
            let i = i.get_ref();
            crate::catalog::Indicators {
                columns: i.columns.clone(),
                area_name: i.area_name.clone(),
                map: DatasetId(i.map.clone().unwrap_or_else(|| raw.id.get_ref().clone())),
            }
        }),
        searchable: raw
            .searchable
            .as_ref()
            .map(|s| s.get_ref().clone())
            .unwrap_or_default(),
    })
}

/// Source paths are relative to the catalog's `sources_dir`; `/vsi…` GDAL paths wrap a file path.
fn resolve_source_path(sources_dir: &Path, declared: &str) -> PathBuf {
    let p = Path::new(declared);
    if p.is_absolute() {
        p.to_owned()
    } else {
        sources_dir.join(p)
    }
}
