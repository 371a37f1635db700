//! WKB → `geo` geometry, for the exact spatial tests that follow the bbox prefilter.
//!
//! A geozero [`GeomProcessor`] driven by [`crate::wkb::read`]. geozero's own `geo_types` writer
//! reserves every count the header claims (`Vec::with_capacity`), so a corrupt count of 2^31
//! points aborts the process ("memory allocation of 34359738368 bytes failed"); this builder
//! reserves at most what the input can hold.

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};
use geozero::GeomProcessor;
use geozero::error::Result as GzResult;

use crate::wkb::{self, WkbError, capacity};

/// Bytes of one 2D WKB coordinate: no count can ask for more coordinates than `len / 16`.
const COORD_BYTES: usize = 16;

struct Builder {
    /// Length of the input, which bounds every reservation.
    len: usize,
    /// The coordinates of the current point, linestring or ring, or of a MultiPoint's points.
    coords: Vec<Coord>,
    /// The rings of the current polygon, or the lines of a MultiLineString.
    lines: Vec<LineString>,
    /// The polygons of the current MultiPolygon.
    polygons: Vec<Polygon>,
    /// Members of the open geometry collections, innermost last.
    collections: Vec<Vec<Geometry>>,
    result: Option<Geometry>,
}

impl Builder {
    fn finish(&mut self, g: Geometry) {
        match self.collections.last_mut() {
            Some(members) => members.push(g),
            None => self.result = Some(g),
        }
    }
}

impl GeomProcessor for Builder {
    #[inline]
    fn xy(&mut self, x: f64, y: f64, _idx: usize) -> GzResult<()> {
        self.coords.push(Coord { x, y });
        Ok(())
    }

    fn empty_point(&mut self, _idx: usize) -> GzResult<()> {
        // No geometry: dropped from a collection, `None` alone.
        Ok(())
    }

    fn point_begin(&mut self, _idx: usize) -> GzResult<()> {
        self.coords.clear();
        Ok(())
    }

    fn point_end(&mut self, _idx: usize) -> GzResult<()> {
        if let Some(c) = self.coords.pop() {
            self.finish(Geometry::Point(Point(c)));
        }
        Ok(())
    }

    fn multipoint_begin(&mut self, size: usize, _idx: usize) -> GzResult<()> {
        self.coords = Vec::with_capacity(capacity(size, self.len, COORD_BYTES));
        Ok(())
    }

    fn multipoint_end(&mut self, _idx: usize) -> GzResult<()> {
        let points = std::mem::take(&mut self.coords)
            .into_iter()
            // An empty member point is dropped.
            .filter(|c| !c.x.is_nan())
            .map(Point)
            .collect();
        self.finish(Geometry::MultiPoint(MultiPoint(points)));
        Ok(())
    }

    fn linestring_begin(&mut self, _tagged: bool, size: usize, _idx: usize) -> GzResult<()> {
        self.coords = Vec::with_capacity(capacity(size, self.len, COORD_BYTES));
        Ok(())
    }

    fn linestring_end(&mut self, tagged: bool, _idx: usize) -> GzResult<()> {
        let line = LineString(std::mem::take(&mut self.coords));
        if tagged {
            self.finish(Geometry::LineString(line));
        } else {
            self.lines.push(line);
        }
        Ok(())
    }

    fn multilinestring_begin(&mut self, size: usize, _idx: usize) -> GzResult<()> {
        // A line needs at least its header and count.
        self.lines = Vec::with_capacity(capacity(size, self.len, 9));
        Ok(())
    }

    fn multilinestring_end(&mut self, _idx: usize) -> GzResult<()> {
        let lines = std::mem::take(&mut self.lines);
        self.finish(Geometry::MultiLineString(MultiLineString(lines)));
        Ok(())
    }

    fn polygon_begin(&mut self, _tagged: bool, size: usize, _idx: usize) -> GzResult<()> {
        // A ring needs at least its count.
        self.lines = Vec::with_capacity(capacity(size, self.len, 4));
        Ok(())
    }

    fn polygon_end(&mut self, tagged: bool, _idx: usize) -> GzResult<()> {
        let mut rings = std::mem::take(&mut self.lines).into_iter();
        let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
        let polygon = Polygon::new(exterior, rings.collect());
        if tagged {
            self.finish(Geometry::Polygon(polygon));
        } else {
            self.polygons.push(polygon);
        }
        Ok(())
    }

    fn multipolygon_begin(&mut self, size: usize, _idx: usize) -> GzResult<()> {
        // A polygon needs at least its header and count.
        self.polygons = Vec::with_capacity(capacity(size, self.len, 9));
        Ok(())
    }

    fn multipolygon_end(&mut self, _idx: usize) -> GzResult<()> {
        let polygons = std::mem::take(&mut self.polygons);
        self.finish(Geometry::MultiPolygon(MultiPolygon(polygons)));
        Ok(())
    }

    fn geometrycollection_begin(&mut self, size: usize, _idx: usize) -> GzResult<()> {
        // A member needs at least its header.
        self.collections
            .push(Vec::with_capacity(capacity(size, self.len, 5)));
        Ok(())
    }

    fn geometrycollection_end(&mut self, _idx: usize) -> GzResult<()> {
        let members = self.collections.pop().unwrap_or_default();
        self.finish(Geometry::GeometryCollection(GeometryCollection(members)));
        Ok(())
    }
}

/// Reads WKB into a `geo` geometry (2D; Z and M are dropped). `None` for an empty point.
pub fn to_geo(wkb: &[u8]) -> Result<Option<Geometry>, WkbError> {
    let mut b = Builder {
        len: wkb.len(),
        coords: Vec::new(),
        lines: Vec::new(),
        polygons: Vec::new(),
        collections: Vec::new(),
        result: None,
    };
    wkb::read(wkb, &mut b)?;
    Ok(b.result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::W;

    #[test]
    fn every_kind_reads_into_geo() {
        let ring = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)];
        let poly = || W::new(3).n(1).n(4).xy(&ring);
        let line = || W::new(2).n(2).xy(&[(0.0, 0.0), (1.0, 1.0)]);
        let g = W::new(7)
            .n(5)
            .raw(W::new(1001).xy(&[(1.0, 2.0)]).z(3.0))
            .raw(
                W::new(4)
                    .n(2)
                    .raw(W::new(1).xy(&[(f64::NAN, f64::NAN)]))
                    .raw(W::new(1).xy(&[(3.0, 4.0)])),
            )
            .raw(W::new(5).n(2).raw(line()).raw(line()))
            .raw(W::new(6).n(2).raw(poly()).raw(poly()))
            .raw(W::new(1).xy(&[(f64::NAN, f64::NAN)]));
        let Some(Geometry::GeometryCollection(gc)) = to_geo(&g.0).unwrap() else {
            panic!("a collection");
        };
        let square = Polygon::new(LineString::from(ring.to_vec()), vec![]);
        let line = LineString::from(vec![(0.0, 0.0), (1.0, 1.0)]);
        assert_eq!(
            gc.0,
            vec![
                Geometry::Point(Point::new(1.0, 2.0)),
                Geometry::MultiPoint(MultiPoint(vec![Point::new(3.0, 4.0)])),
                Geometry::MultiLineString(MultiLineString(vec![line.clone(), line])),
                Geometry::MultiPolygon(MultiPolygon(vec![square.clone(), square])),
            ]
        );
        assert_eq!(to_geo(&W::new(1).xy(&[(f64::NAN, f64::NAN)]).0), Ok(None));
    }

    #[test]
    fn a_huge_count_reserves_no_more_than_the_input() {
        // geozero's geo_types writer aborts the process on this value.
        let w = W::new(2).n(1 << 31).xy(&[(1.0, 2.0)]);
        assert!(to_geo(&w.0).is_err());
        let w = W::new(6).n(u32::MAX);
        assert!(to_geo(&w.0).is_err());
    }
}
