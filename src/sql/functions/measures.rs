//! Planar measures in the units of the coordinates: `st_area`, `st_length`, `st_distance`,
//! `st_dwithin` (PostGIS geometry semantics; transform to EPSG:28992 for metres).

use arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::ScalarUDF;
use geo::line_measures::{Distance, Euclidean, Length};
use geo::{Area, Geometry};

use super::{Arg, GeoFn, Kind, float_value, geometry};

pub(super) fn udfs() -> Vec<ScalarUDF> {
    use Kind::*;
    vec![
        GeoFn::udf("st_area", vec![vec![Geom]], DataType::Float64, area),
        GeoFn::udf("st_length", vec![vec![Geom]], DataType::Float64, length),
        GeoFn::udf(
            "st_distance",
            vec![vec![Geom, Geom]],
            DataType::Float64,
            distance,
        ),
        GeoFn::udf(
            "st_dwithin",
            vec![vec![Geom, Geom, Float]],
            DataType::Boolean,
            dwithin,
        ),
    ]
}

fn one(name: &str, args: &[Arg]) -> Result<Option<Geometry>> {
    match args[0] {
        Arg::Geom(wkb) => geometry(name, wkb),
        _ => Ok(None),
    }
}

fn two(name: &str, args: &[Arg]) -> Result<Option<(Geometry, Geometry)>> {
    let (Arg::Geom(a), Arg::Geom(b)) = (&args[0], &args[1]) else {
        return Ok(None);
    };
    Ok(geometry(name, *a)?.zip(geometry(name, *b)?))
}

fn area(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    Ok(one(name, args)?.and_then(|g| float_value(g.unsigned_area())))
}

/// Length of the linear parts; 0 for points and polygons (as PostGIS).
fn line_length(g: &Geometry) -> f64 {
    match g {
        Geometry::Line(l) => Euclidean.length(l),
        Geometry::LineString(l) => Euclidean.length(l),
        Geometry::MultiLineString(m) => Euclidean.length(m),
        Geometry::GeometryCollection(c) => c.0.iter().map(line_length).sum(),
        _ => 0.0,
    }
}

fn length(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    Ok(one(name, args)?.and_then(|g| float_value(line_length(&g))))
}

fn distance(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    Ok(two(name, args)?.and_then(|(a, b)| float_value(Euclidean.distance(&a, &b))))
}

fn dwithin(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let Arg::Float(Some(d)) = args[2] else {
        return Ok(None);
    };
    Ok(two(name, args)?.map(|(a, b)| ScalarValue::Boolean(Some(Euclidean.distance(&a, &b) <= d))))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::one;

    #[tokio::test]
    async fn planar_measures() {
        assert_eq!(
            one("SELECT ST_Area(ST_MakeEnvelope(0, 0, 2, 3))").await,
            "6.0"
        );
        assert_eq!(
            one("SELECT ST_Length(ST_GeomFromText('LINESTRING(0 0, 3 4, 3 5)'))").await,
            "6.0"
        );
        assert_eq!(
            one("SELECT ST_Length(ST_MakeEnvelope(0, 0, 2, 3))").await,
            "0.0"
        );
        assert_eq!(
            one("SELECT ST_Distance(ST_Point(0, 0), ST_Point(3, 4))").await,
            "5.0"
        );
        assert_eq!(
            one("SELECT ST_Distance(ST_Point(1, 1), ST_MakeEnvelope(0, 0, 2, 2))").await,
            "0.0"
        );
        assert_eq!(
            one("SELECT ST_DWithin(ST_Point(0, 0), ST_Point(3, 4), 5)").await,
            "true"
        );
        assert_eq!(
            one("SELECT ST_DWithin(ST_Point(0, 0), ST_Point(3, 4), 4.99)").await,
            "false"
        );
    }
}
