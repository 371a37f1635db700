//! Record batches as an HTML table: one row per feature, one column per property (geometry and
//! bbox left out: the map beside the table shows them), headers titled from the catalog.

use arrow::array::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::catalog::Dataset;
use crate::http::negotiate::Lang;
use crate::store::layout::{BBOX_COLUMN, GEOMETRY_COLUMN, ID_COLUMN};

/// A column header: the published name, its title from the catalog and unit.
pub struct Header {
    pub name: String,
    pub label: String,
    pub unit: String,
}

pub struct Row {
    /// The feature's page, linked from the first cell.
    pub href: Option<String>,
    pub cells: Vec<String>,
}

/// A table of features; the first column is the feature id.
pub struct FeatureTable {
    pub headers: Vec<Header>,
    pub rows: Vec<Row>,
}

/// The header of the published column `name` of `ds`.
pub fn header(ds: Option<&Dataset>, name: &str, lang: Lang) -> Header {
    let meta = ds.and_then(|d| d.column_meta(name));
    Header {
        name: name.to_owned(),
        label: meta
            .and_then(|m| m.title.as_ref())
            .map_or_else(|| name.to_owned(), |t| lang.pick(t).to_owned()),
        unit: meta.and_then(|m| m.unit.clone()).unwrap_or_default(),
    }
}

impl FeatureTable {
    /// The table of `batches`; `feature_href` gives a row's link from its id.
    pub fn new(
        ds: Option<&Dataset>,
        batches: &[RecordBatch],
        lang: Lang,
        feature_href: impl Fn(&str) -> String,
    ) -> Result<FeatureTable, arrow::error::ArrowError> {
        let Some(schema) = batches.first().map(|b| b.schema()) else {
            return Ok(FeatureTable {
                headers: Vec::new(),
                rows: Vec::new(),
            });
        };
        let shown: Vec<usize> = schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name() != GEOMETRY_COLUMN && f.name() != BBOX_COLUMN)
            .map(|(i, _)| i)
            .collect();
        let id_index = schema.index_of(ID_COLUMN).ok();
        // The id first, then the properties in stored order.
        let mut order: Vec<usize> = id_index.into_iter().collect();
        order.extend(shown.iter().copied().filter(|i| Some(*i) != id_index));
        let headers = order
            .iter()
            .map(|i| header(ds, schema.field(*i).name(), lang))
            .collect();
        let options = FormatOptions::default().with_null("–");
        let mut rows = Vec::new();
        for batch in batches {
            let formatters = order
                .iter()
                .map(|i| ArrayFormatter::try_new(batch.column(*i).as_ref(), &options))
                .collect::<Result<Vec<_>, _>>()?;
            for row in 0..batch.num_rows() {
                let cells: Vec<String> = formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect();
                let href = id_index.map(|_| feature_href(&cells[0]));
                rows.push(Row { href, cells });
            }
        }
        Ok(FeatureTable { headers, rows })
    }

    /// One feature as property/value rows (the feature page).
    pub fn transposed(&self) -> Vec<(&Header, &str)> {
        let Some(row) = self.rows.first() else {
            return Vec::new();
        };
        self.headers
            .iter()
            .zip(row.cells.iter().map(String::as_str))
            .collect()
    }
}

/// A row of a columns table: name, title, unit, type.
pub struct ColumnRow {
    pub header: Header,
    pub description: String,
    pub data_type: String,
}

/// The columns of a stored version, titled from the catalog.
pub fn column_rows(ds: &Dataset, m: &crate::store::Manifest, lang: Lang) -> Vec<ColumnRow> {
    m.columns
        .iter()
        .map(|c| ColumnRow {
            header: header(Some(ds), &c.name, lang),
            description: ds
                .column_meta(&c.name)
                .and_then(|m| m.description.as_ref())
                .map(|d| lang.pick(d).to_owned())
                .unwrap_or_default(),
            data_type: c.data_type.clone(),
        })
        .collect()
}
