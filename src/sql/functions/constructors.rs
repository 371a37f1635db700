//! Geometry constructors: `st_geomfromtext`, `st_geomfromwkb`, `st_point`, `st_makeenvelope`.
//!
//! Geometries carry no SRID: values are CRS84 longitude/latitude like the stored data. An
//! optional last `srid` argument says the input is in another CRS, and the result is reprojected
//! to CRS84 (so `ST_Point(155000, 463000, 28992)` can be compared with stored geometries).

use arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::ScalarUDF;
use geo::{Geometry, Point};

use super::transform::to_crs84;
use super::{Arg, GeoFn, Kind, box_polygon, geometry, geometry_value};
use crate::engine::filter::to_geo;

pub(super) fn udfs() -> Vec<ScalarUDF> {
    use Kind::*;
    vec![
        GeoFn::udf(
            "st_geomfromtext",
            vec![vec![Text], vec![Text, Int]],
            DataType::Binary,
            geom_from_text,
        ),
        GeoFn::udf(
            "st_geomfromwkb",
            vec![vec![Geom], vec![Geom, Int]],
            DataType::Binary,
            geom_from_wkb,
        ),
        GeoFn::udf(
            "st_point",
            vec![vec![Float, Float], vec![Float, Float, Int]],
            DataType::Binary,
            point,
        ),
        GeoFn::udf(
            "st_makeenvelope",
            vec![
                vec![Float, Float, Float, Float],
                vec![Float, Float, Float, Float, Int],
            ],
            DataType::Binary,
            make_envelope,
        ),
    ]
}

/// The optional SRID argument at `i`: reproject from it to CRS84.
fn in_crs84(name: &str, g: Geometry, args: &[Arg], i: usize) -> Result<Option<ScalarValue>> {
    match args.get(i) {
        Some(Arg::Int(Some(srid))) => Ok(geometry_value(&to_crs84(name, &g, *srid)?)),
        Some(Arg::Int(None)) => Ok(None),
        _ => Ok(geometry_value(&g)),
    }
}

fn geom_from_text(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let Arg::Text(Some(text)) = args[0] else {
        return Ok(None);
    };
    let parsed = match cql2::parse_wkt(text) {
        Ok(g) => g,
        Err(e) => return exec_err!("{name}: not WKT: {e}"),
    };
    in_crs84(name, to_geo(&parsed), args, 1)
}

fn geom_from_wkb(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let Arg::Geom(wkb) = args[0] else {
        return Ok(None);
    };
    match geometry(name, wkb)? {
        Some(g) => in_crs84(name, g, args, 1),
        None => Ok(None),
    }
}

fn floats<const N: usize>(args: &[Arg]) -> Option<[f64; N]> {
    let mut out = [0.0; N];
    for (o, a) in out.iter_mut().zip(args) {
        match a {
            Arg::Float(Some(v)) => *o = *v,
            _ => return None,
        }
    }
    Some(out)
}

fn point(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let Some([x, y]) = floats::<2>(args) else {
        return Ok(None);
    };
    in_crs84(name, Point::new(x, y).into(), args, 2)
}

fn make_envelope(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let Some([xmin, ymin, xmax, ymax]) = floats::<4>(args) else {
        return Ok(None);
    };
    in_crs84(name, box_polygon(xmin, ymin, xmax, ymax), args, 4)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, one};

    #[tokio::test]
    async fn constructors_make_wkb() {
        assert_eq!(
            one("SELECT ST_AsText(ST_GeomFromText('POINT(5.1 52.1)'))").await,
            "POINT (5.1 52.1)"
        );
        assert_eq!(
            one("SELECT ST_AsText(ST_Point(5, 52))").await,
            "POINT (5 52)"
        );
        assert_eq!(
            one("SELECT ST_AsText(ST_MakeEnvelope(0, 0, 2, 1))").await,
            "POLYGON ((0 0, 0 1, 2 1, 2 0, 0 0))"
        );
        assert_eq!(
            one("SELECT ST_AsText(ST_GeomFromWKB(ST_Point(1.5, 2)))").await,
            "POINT (1.5 2)"
        );
        assert_eq!(one("SELECT ST_GeomFromText(NULL) IS NULL").await, "true");
    }

    #[tokio::test]
    async fn an_srid_reprojects_to_crs84() {
        // RD New 155000 463000 is 5.38720351 E, 52.15517230 N (cs2cs).
        let x: f64 = one("SELECT ST_X(ST_Point(155000, 463000, 28992))")
            .await
            .parse()
            .unwrap();
        let y: f64 = one("SELECT ST_Y(ST_Point(155000, 463000, 28992))")
            .await
            .parse()
            .unwrap();
        assert!((x - 5.38720351).abs() < 1e-7, "{x}");
        assert!((y - 52.15517230).abs() < 1e-7, "{y}");
    }

    #[tokio::test]
    async fn bad_input_is_an_error_with_the_reason() {
        let e = error("SELECT ST_GeomFromText('POINT(1)')").await;
        assert!(e.contains("st_geomfromtext: not WKT"), "{e}");
        let e = error("SELECT ST_Point('a', 1)").await;
        assert!(e.contains("must be a number"), "{e}");
        let e = error("SELECT ST_Area(1)").await;
        assert!(e.contains("must be a geometry"), "{e}");
    }
}
