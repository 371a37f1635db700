//! The `filter`, `filter-lang` and `filter-crs` parameters (OGC API Features Part 3): CQL2 text
//! or JSON, parsed into the `cql2` AST (which `?property=value` parameters join, see
//! [`super::queryables::property_conditions`]) and translated into a DataFusion expression over
//! the version's queryables. Every failure is a 400 that says what and where.

use super::queryables;
use crate::crs::{Crs, box_to_crs84, transform};
use crate::engine::DatasetVersion;
use crate::engine::filter::{Filter, Queryables, to_expr};
use crate::http::error::ApiError;
use crate::http::params::QueryParams;

/// The filter languages accepted by `filter-lang`.
pub const LANGUAGES: &[&str] = &["cql2-text", "cql2-json"];

/// The `filter` parameter as a CQL2 expression over CRS84 (`filter-crs` undone), if one was given.
pub fn parse(params: &QueryParams) -> Result<Option<cql2::Expr>, ApiError> {
    let lang = params.get("filter-lang").unwrap_or("cql2-text");
    if !LANGUAGES.contains(&lang) {
        return Err(ApiError::InvalidParameter(format!(
            "filter-lang `{lang}` is not supported (supported: {})",
            LANGUAGES.join(", ")
        )));
    }
    let crs = super::params::crs("filter-crs", params.get("filter-crs"))?;
    let Some(text) = params.get("filter") else {
        if params.get("filter-lang").is_some() || params.get("filter-crs").is_some() {
            return Err(ApiError::InvalidParameter(
                "filter-lang and filter-crs need a `filter`".into(),
            ));
        }
        return Ok(None);
    };
    let mut ast = match lang {
        "cql2-json" => cql2::parse_json(text),
        _ => cql2::parse_text(text),
    }
    .map_err(|e| ApiError::InvalidParameter(format!("filter ({lang}) {e}")))?;
    if crs != Crs::Crs84 {
        to_crs84(&mut ast, crs)?;
    }
    Ok(Some(ast))
}

/// A CQL2 expression as a DataFusion condition over the queryables of version `v`.
pub fn translate(ast: &cql2::Expr, v: &DatasetVersion) -> Result<Filter, ApiError> {
    let q = Queryables {
        columns: queryables::columns(v),
        geometry: v.has_geometry(),
    };
    to_expr(ast, &q).map_err(|e| ApiError::InvalidParameter(format!("filter: {e}")))
}

/// Moves the geometry literals of a filter from `crs` into CRS84, where the data is. A `BBOX`
/// in a projected CRS becomes the polygon of its (densified) outline.
fn to_crs84(ast: &mut cql2::Expr, crs: Crs) -> Result<(), ApiError> {
    let mut failure = None;
    ast.walk_mut(&mut |e| match e {
        cql2::Expr::Geometry(g) => {
            let (mut xs, mut ys) = (Vec::new(), Vec::new());
            g.for_each_position(&mut |p| {
                xs.push(p.x);
                ys.push(p.y);
            });
            if let Err(err) = transform(crs, Crs::Crs84, &mut xs, &mut ys) {
                failure = Some(err.to_string());
                return;
            }
            let mut moved = xs.into_iter().zip(ys);
            g.for_each_position_mut(&mut |p| {
                if let Some((x, y)) = moved.next() {
                    (p.x, p.y) = (x, y);
                }
            });
        }
        cql2::Expr::BBox(b) => {
            let corners = [b.west, b.south, b.east, b.north];
            let box84 = if crs == Crs::Epsg4326 {
                // Latitude first: the same box with its axes swapped.
                Ok((None, [b.south, b.west, b.north, b.east]))
            } else {
                box_to_crs84(crs, corners).map(|(ring, _)| (Some(ring), corners))
            };
            match box84 {
                Ok((None, [west, south, east, north])) => {
                    *b = cql2::BBox {
                        west,
                        south,
                        east,
                        north,
                        z: b.z,
                    }
                }
                Ok((Some(ring), _)) => {
                    let ring = ring
                        .into_iter()
                        .map(|(x, y)| cql2::Position { x, y, z: None })
                        .collect();
                    *e = cql2::Expr::Geometry(cql2::Geometry::Polygon(vec![ring]));
                }
                Err(err) => failure = Some(err.to_string()),
            }
        }
        _ => {}
    });
    match failure {
        Some(message) => Err(ApiError::InvalidParameter(format!(
            "filter geometry in {}: {message}",
            crs.code()
        ))),
        None => Ok(()),
    }
}
