//! Geometry operations: `st_centroid`, `st_envelope`, `st_buffer` (distance in the units of the
//! coordinates, round joins and caps).

use arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::ScalarUDF;
use geo::{BoundingRect, Buffer, Centroid, Geometry};

use super::{Arg, GeoFn, Kind, box_polygon, geometry, geometry_value};

pub(super) fn udfs() -> Vec<ScalarUDF> {
    use Kind::*;
    vec![
        GeoFn::udf("st_centroid", vec![vec![Geom]], DataType::Binary, centroid),
        GeoFn::udf("st_envelope", vec![vec![Geom]], DataType::Binary, envelope),
        GeoFn::udf(
            "st_buffer",
            vec![vec![Geom, Float]],
            DataType::Binary,
            buffer,
        ),
    ]
}

fn one(name: &str, args: &[Arg]) -> Result<Option<Geometry>> {
    match args[0] {
        Arg::Geom(wkb) => geometry(name, wkb),
        _ => Ok(None),
    }
}

fn centroid(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    Ok(one(name, args)?
        .and_then(|g| g.centroid())
        .and_then(|p| geometry_value(&p.into())))
}

/// The bounding box as a polygon; a point (or a degenerate box) stays a point, as in PostGIS.
fn envelope(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let Some(rect) = one(name, args)?.and_then(|g| g.bounding_rect()) else {
        return Ok(None);
    };
    let g: Geometry = if rect.min() == rect.max() {
        geo::Point(rect.min()).into()
    } else {
        box_polygon(rect.min().x, rect.min().y, rect.max().x, rect.max().y)
    };
    Ok(geometry_value(&g))
}

/// Buffers beyond this many vertices in the result are refused (a huge distance on a detailed
/// polygon can otherwise take the time limit's worth of CPU for nothing).
const MAX_BUFFER_INPUT_COORDS: usize = 1_000_000;

fn buffer(name: &str, args: &[Arg]) -> Result<Option<ScalarValue>> {
    let Arg::Float(Some(d)) = args[1] else {
        return Ok(None);
    };
    if !d.is_finite() {
        return exec_err!("{name}: the distance must be a finite number");
    }
    let Some(g) = one(name, args)? else {
        return Ok(None);
    };
    if geo::CoordsIter::coords_count(&g) > MAX_BUFFER_INPUT_COORDS {
        return exec_err!("{name}: the geometry has too many vertices to buffer");
    }
    Ok(geometry_value(&g.buffer(d).into()))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::one;

    #[tokio::test]
    async fn operations() {
        assert_eq!(
            one("SELECT ST_AsText(ST_Centroid(ST_MakeEnvelope(0, 0, 2, 4)))").await,
            "POINT (1 2)"
        );
        assert_eq!(
            one("SELECT ST_AsText(ST_Envelope(ST_GeomFromText('LINESTRING(0 0, 2 1)')))").await,
            "POLYGON ((0 0, 0 1, 2 1, 2 0, 0 0))"
        );
        assert_eq!(
            one("SELECT ST_AsText(ST_Envelope(ST_Point(1, 2)))").await,
            "POINT (1 2)"
        );
        // A buffered point is a 32-gon, as PostGIS's default of 8 segments per quarter circle:
        // PostGIS gives ST_Area(ST_Buffer('POINT(0 0)', 10)) = 312.144515225805.
        let area: f64 = one("SELECT ST_Area(ST_Buffer(ST_Point(0, 0), 10))")
            .await
            .parse()
            .unwrap();
        assert!((area - 312.144515225805).abs() < 1e-6, "{area}");
        assert_eq!(
            one("SELECT ST_Contains(ST_Buffer(ST_Point(0, 0), 1), ST_Point(0.5, 0.5))").await,
            "true"
        );
    }
}
