//! `st_transform(geometry, to_srid)` and `st_transform(geometry, from_srid, to_srid)` over the
//! API's CRSs ([`crate::crs`]: PROJ through GDAL's OSR), always x = longitude/easting.
//! Geometries carry no SRID, so the two-argument form assumes CRS84 input, like the stored data.

use arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::ScalarUDF;
use geo::{CoordsIter, Geometry, MapCoords};

use super::{Arg, GeoFn, Kind, geometry, geometry_value};
use crate::crs::Crs;

/// The SRIDs `st_transform` accepts: WGS 84 (as CRS84, lon/lat), ETRS89, RD New, Web Mercator.
pub const SRIDS: [i64; 4] = [4326, 4258, 28992, 3857];

pub(super) fn udfs() -> Vec<ScalarUDF> {
    use Kind::*;
    vec![GeoFn::udf(
        "st_transform",
        vec![vec![Geom, Int], vec![Geom, Int, Int]],
        DataType::Binary,
        transform,
    )]
}

fn transform(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let (from, to) = match args {
        [_, Arg::Int(Some(to))] => (4326, *to),
        [_, Arg::Int(Some(from)), Arg::Int(Some(to))] => (*from, *to),
        _ => return Ok(None),
    };
    let Arg::Geom(wkb) = args[0] else {
        return Ok(None);
    };
    match geometry(name, wkb)? {
        Some(g) => Ok(geometry_value(&reproject(name, &g, from, to)?)),
        None => Ok(None),
    }
}

/// `g` from CRS `srid` to CRS84.
pub(super) fn to_crs84(name: &str, g: &Geometry, srid: i64) -> Result<Geometry> {
    reproject(name, g, srid, 4326)
}

/// The API's CRS for an SRID. SQL coordinates are always x = longitude/easting, so a CRS whose
/// axis order is latitude first is swapped around the shared transform.
fn crs(name: &str, srid: i64) -> Result<Crs> {
    Ok(match srid {
        4326 => Crs::Crs84,
        4258 => Crs::Epsg4258,
        28992 => Crs::Epsg28992,
        3857 => Crs::Epsg3857,
        _ => {
            return exec_err!(
                "{name}: SRID {srid} is not supported (one of {})",
                SRIDS.map(|s| s.to_string()).join(", ")
            );
        }
    })
}

/// `g` from CRS `from` to CRS `to` (EPSG codes), through [`crate::crs::transform`] (PROJ).
pub fn reproject(name: &str, g: &Geometry, from: i64, to: i64) -> Result<Geometry> {
    // Both codes are checked even when they are equal, so that a typo is an error.
    let (from, to) = (crs(name, from)?, crs(name, to)?);
    if from == to {
        return Ok(g.clone());
    }
    let (mut xs, mut ys): (Vec<f64>, Vec<f64>) = g.coords_iter().map(|c| (c.x, c.y)).unzip();
    if from.is_lat_lon() {
        xs.swap_with_slice(&mut ys);
    }
    if let Err(e) = crate::crs::transform(from, to, &mut xs, &mut ys) {
        return exec_err!("{name}: {e}");
    }
    if to.is_lat_lon() {
        xs.swap_with_slice(&mut ys);
    }
    // Coordinates come back in the order `coords_iter` gave them.
    let next = std::cell::Cell::new(0);
    let (xs, ys) = (&xs, &ys);
    Ok(g.map_coords(|_| {
        let i = next.get();
        next.set(i + 1);
        geo::Coord { x: xs[i], y: ys[i] }
    }))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, one};

    async fn xy(sql: &str) -> (f64, f64) {
        let x = one(&format!("SELECT ST_X({sql})")).await.parse().unwrap();
        let y = one(&format!("SELECT ST_Y({sql})")).await.parse().unwrap();
        (x, y)
    }

    #[tokio::test]
    async fn crs84_to_rd_new_and_back_match_cs2cs() {
        // cs2cs: RD 155000 463000 ↔ 5.38720351 E 52.15517230 N.
        let (x, y) = xy("ST_Transform(ST_Point(5.38720351, 52.15517230), 28992)").await;
        assert!(
            (x - 155000.0).abs() < 0.01 && (y - 463000.0).abs() < 0.01,
            "{x} {y}"
        );
        let (lon, lat) = xy("ST_Transform(ST_Point(155000, 463000), 28992, 4326)").await;
        assert!((lon - 5.38720351).abs() < 1e-7 && (lat - 52.15517230).abs() < 1e-7);
        let (mx, _) = xy("ST_Transform(ST_Point(5, 52), 3857)").await;
        assert!((mx - 556597.45).abs() < 0.01, "{mx}");
        // ETRS89 stays longitude first in SQL, like WGS 84.
        let (lon, lat) = xy("ST_Transform(ST_Point(5, 52), 4258)").await;
        assert!(
            (lon - 5.0).abs() < 1e-5 && (lat - 52.0).abs() < 1e-5,
            "{lon} {lat}"
        );
    }

    #[tokio::test]
    async fn unknown_srids_are_refused() {
        let e = error("SELECT ST_Transform(ST_Point(5, 52), 9999)").await;
        assert!(e.contains("SRID 9999 is not supported"), "{e}");
    }
}
