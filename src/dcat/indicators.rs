//! A dataset's statistical indicators for its page: the values of one indicator per area, read
//! from the mapping dataset, as a sorted bar chart (drawn here as SVG, so it needs no script) and
//! the same numbers as a table; the page's map colours the areas by it.

use arrow::array::{Array, Float64Array};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use futures::TryStreamExt;

use crate::catalog::{Dataset, Indicators};
use crate::engine::ItemsQuery;
use crate::html::table::{Header, header};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::negotiate::Lang;

/// One area's value.
pub struct Bar {
    pub label: String,
    pub value: f64,
    /// The value as people read it (language's decimal sign).
    pub text: String,
    /// Length of the bar in per mille of the longest.
    pub permille: u32,
}

/// The chosen indicator with every area's value, largest first.
pub struct IndicatorView {
    pub chosen: Header,
    /// Every indicator that can be chosen: (column, label), and whether it is the chosen one.
    pub options: Vec<(String, String, bool)>,
    pub bars: Vec<Bar>,
    /// The dataset that maps the indicators (for the choropleth's features).
    pub map: Dataset,
}

/// The indicators of `ds`, with `chosen` (or the first) read for every area; `None` when the
/// dataset declares none or its mapping dataset is not served.
pub async fn load(
    state: &AppState,
    ds: &Dataset,
    chosen: Option<&str>,
    lang: Lang,
) -> Result<Option<IndicatorView>, ApiError> {
    let Some(Indicators {
        columns,
        area_name,
        map,
    }) = &ds.indicators
    else {
        return match chosen {
            Some(c) => Err(ApiError::InvalidParameter(format!(
                "indicator `{c}`: dataset `{}` has no indicators",
                ds.id
            ))),
            None => Ok(None),
        };
    };
    let Some(map_ds) = state.served_dataset(map.as_str()) else {
        return Ok(None);
    };
    let Some(version) = state.engine.current(map) else {
        return Ok(None);
    };
    let present: Vec<&String> = columns
        .iter()
        .filter(|c| version.manifest.columns.iter().any(|m| &m.name == *c))
        .collect();
    let Some(first) = present.first() else {
        return Ok(None);
    };
    let column = match chosen {
        Some(c) => present.iter().find(|p| p.as_str() == c).ok_or_else(|| {
            ApiError::InvalidParameter(format!(
                "indicator `{c}` is not an indicator of this dataset (available: {})",
                present
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
        None => first,
    };
    let query = ItemsQuery {
        properties: Some(vec![area_name.clone(), (*column).clone()]),
        skip_geometry: true,
        limit: 10_000,
        ..ItemsQuery::default()
    };
    let batches: Vec<_> = state
        .engine
        .items(&version, &query)
        .await?
        .stream
        .try_collect()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let options = FormatOptions::default();
    let mut bars = Vec::new();
    for batch in &batches {
        let (Ok(names), Ok(values)) = (
            batch.schema().index_of(area_name),
            batch.schema().index_of(column),
        ) else {
            continue;
        };
        let names = ArrayFormatter::try_new(batch.column(names).as_ref(), &options)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let values = cast(batch.column(values), &DataType::Float64)
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let Some(values) = values.as_any().downcast_ref::<Float64Array>() else {
            continue;
        };
        for row in 0..batch.num_rows() {
            if values.is_null(row) {
                continue;
            }
            let value = values.value(row);
            bars.push(Bar {
                label: names.value(row).to_string(),
                value,
                text: crate::html::number(value, lang),
                permille: 0,
            });
        }
    }
    bars.sort_by(|a, b| b.value.total_cmp(&a.value));
    let max = bars.iter().map(|b| b.value.abs()).fold(0.0, f64::max);
    for b in &mut bars {
        b.permille = if max > 0.0 {
            (b.value.abs() / max * 1000.0).round() as u32
        } else {
            0
        };
    }
    Ok(Some(IndicatorView {
        chosen: header(Some(map_ds), column, lang),
        options: present
            .iter()
            .map(|c| {
                (
                    (*c).clone(),
                    header(Some(map_ds), c, lang).label,
                    c == column,
                )
            })
            .collect(),
        bars,
        map: map_ds.clone(),
    }))
}
