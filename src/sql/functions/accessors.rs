//! Reading geometries out: `st_astext`, `st_asgeojson`, `st_x`, `st_y`, `st_geometrytype`.

use arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::ScalarUDF;
use geo::Geometry;

use super::{Arg, GeoFn, Kind, float_value, geometry};
use crate::geom::geojson::write_geometry;
use crate::geom::wkt::write_wkt;

/// Decimals of `ST_AsGeoJSON` without a second argument (PostGIS writes 9).
const GEOJSON_DECIMALS: i64 = 9;
/// Decimals of `ST_AsText`: 0.1 mm in metres, about 0.1 mm in degrees too.
const WKT_DECIMALS: u32 = 9;

pub(super) fn udfs() -> Vec<ScalarUDF> {
    use Kind::*;
    vec![
        GeoFn::udf("st_astext", vec![vec![Geom]], DataType::Utf8, as_text),
        GeoFn::udf(
            "st_asgeojson",
            vec![vec![Geom], vec![Geom, Int]],
            DataType::Utf8,
            as_geojson,
        ),
        GeoFn::udf("st_x", vec![vec![Geom]], DataType::Float64, x),
        GeoFn::udf("st_y", vec![vec![Geom]], DataType::Float64, y),
        GeoFn::udf(
            "st_geometrytype",
            vec![vec![Geom]],
            DataType::Utf8,
            geometry_type,
        ),
    ]
}

fn text(s: String) -> Option<ScalarValue> {
    Some(ScalarValue::Utf8(Some(s)))
}

fn as_text(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let Arg::Geom(Some(wkb)) = args[0] else {
        return Ok(None);
    };
    let mut out = Vec::new();
    match write_wkt(wkb, WKT_DECIMALS, &mut out) {
        Ok(()) => Ok(text(String::from_utf8_lossy(&out).into_owned())),
        Err(e) => exec_err!("{name}: {e}"),
    }
}

fn as_geojson(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let Arg::Geom(Some(wkb)) = args[0] else {
        return Ok(None);
    };
    let decimals = match args.get(1) {
        Some(Arg::Int(Some(d))) => *d,
        Some(_) => return Ok(None),
        None => GEOJSON_DECIMALS,
    };
    if !(0..=15).contains(&decimals) {
        return exec_err!("{name}: decimals must be between 0 and 15, not {decimals}");
    }
    let mut out = Vec::new();
    if let Err(e) = write_geometry(wkb, decimals as u32, &mut out) {
        return exec_err!("{name}: {e}");
    }
    Ok(text(String::from_utf8_lossy(&out).into_owned()))
}

fn point_coord(name: &str, args: &[Arg]) -> Result<Option<geo::Coord>> {
    let Arg::Geom(wkb) = args[0] else {
        return Ok(None);
    };
    match geometry(name, wkb)? {
        Some(Geometry::Point(p)) => Ok(Some(p.0)),
        None => Ok(None),
        Some(_) => exec_err!("{name}: the argument must be a point"),
    }
}

fn x(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    Ok(point_coord(name, args)?.and_then(|c| float_value(c.x)))
}

fn y(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    Ok(point_coord(name, args)?.and_then(|c| float_value(c.y)))
}

fn geometry_type(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let Arg::Geom(wkb) = args[0] else {
        return Ok(None);
    };
    let t = match geometry(name, wkb)? {
        None => return Ok(None),
        Some(Geometry::Point(_)) => "ST_Point",
        Some(Geometry::Line(_) | Geometry::LineString(_)) => "ST_LineString",
        Some(Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_)) => "ST_Polygon",
        Some(Geometry::MultiPoint(_)) => "ST_MultiPoint",
        Some(Geometry::MultiLineString(_)) => "ST_MultiLineString",
        Some(Geometry::MultiPolygon(_)) => "ST_MultiPolygon",
        Some(Geometry::GeometryCollection(_)) => "ST_GeometryCollection",
    };
    Ok(text(t.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, one};

    #[tokio::test]
    async fn accessors() {
        assert_eq!(
            one("SELECT ST_AsGeoJSON(ST_Point(5.123456789012, 52))").await,
            r#"{"type":"Point","coordinates":[5.123456789,52]}"#
        );
        assert_eq!(
            one("SELECT ST_AsGeoJSON(ST_Point(5.126, 52), 2)").await,
            r#"{"type":"Point","coordinates":[5.13,52]}"#
        );
        assert_eq!(one("SELECT ST_X(ST_Point(5.5, 52))").await, "5.5");
        assert_eq!(one("SELECT ST_Y(ST_Point(5.5, 52))").await, "52.0");
        assert_eq!(
            one("SELECT ST_GeometryType(ST_MakeEnvelope(0, 0, 1, 1))").await,
            "ST_Polygon"
        );
        let e = error("SELECT ST_X(ST_MakeEnvelope(0, 0, 1, 1))").await;
        assert!(e.contains("must be a point"), "{e}");
    }
}
