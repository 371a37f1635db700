//! The `filter`, `filter-lang` and `filter-crs` parameters (OGC API Features Part 3): CQL2 text
//! or JSON, parsed into the `cql2` AST and translated into a DataFusion expression over the
//! version's queryables. Every failure is a 400 that says what and where.

use super::params::QueryParams;
use super::queryables;
use crate::engine::DatasetVersion;
use crate::engine::filter::{Filter, Queryables, to_expr};
use crate::http::error::ApiError;

/// The filter languages accepted by `filter-lang`.
pub const LANGUAGES: &[&str] = &["cql2-text", "cql2-json"];

/// CRS of filter geometries: only CRS84 for now (other CRSs come with Part 2).
pub const CRSS: &[&str] = &["http://www.opengis.net/def/crs/OGC/1.3/CRS84"];

/// The parsed and translated `filter`, if one was given.
pub fn from_params(params: &QueryParams, v: &DatasetVersion) -> Result<Option<Filter>, ApiError> {
    let lang = params.get("filter-lang").unwrap_or("cql2-text");
    if !LANGUAGES.contains(&lang) {
        return Err(ApiError::InvalidParameter(format!(
            "filter-lang `{lang}` is not supported (supported: {})",
            LANGUAGES.join(", ")
        )));
    }
    if let Some(crs) = params.get("filter-crs")
        && !CRSS.contains(&crs)
    {
        return Err(ApiError::InvalidParameter(format!(
            "filter-crs `{crs}` is not supported (supported: {})",
            CRSS.join(", ")
        )));
    }
    let Some(text) = params.get("filter") else {
        if params.get("filter-lang").is_some() || params.get("filter-crs").is_some() {
            return Err(ApiError::InvalidParameter(
                "filter-lang and filter-crs need a `filter`".into(),
            ));
        }
        return Ok(None);
    };
    let ast = match lang {
        "cql2-json" => cql2::parse_json(text),
        _ => cql2::parse_text(text),
    }
    .map_err(|e| ApiError::InvalidParameter(format!("filter ({lang}) {e}")))?;
    let q = Queryables {
        columns: queryables::columns(v),
        geometry: v.has_geometry(),
    };
    to_expr(&ast, &q)
        .map(Some)
        .map_err(|e| ApiError::InvalidParameter(format!("filter: {e}")))
}
