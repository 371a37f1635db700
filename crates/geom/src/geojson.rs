//! WKB → GeoJSON geometry text, written straight into an output buffer with a fixed number of
//! decimals (7 in degrees is about 1 cm).
//!
//! A geozero [`GeomProcessor`] driven by [`crate::wkb::read`]. geozero's own `GeoJsonWriter`
//! writes every coordinate in full precision (no decimals option) through a `format!` per
//! coordinate, so it is not used (see docs/architecture.md, "Geometry libraries").

use geozero::error::Result as GzResult;
use geozero::{CoordDimensions, GeomProcessor};

use crate::wkb::{self, WkbError};

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    scale: f64,
    /// Inside a MultiPoint, whose members arrive as bare coordinates.
    multipoint: bool,
}

impl Writer<'_> {
    #[inline]
    fn number(&mut self, v: f64) {
        if !crate::write_rounded(self.out, v, self.scale) {
            self.out.extend_from_slice(b"null");
        }
    }

    #[inline]
    fn comma(&mut self, idx: usize) {
        if idx > 0 {
            self.out.push(b',');
        }
    }

    /// `{"type":"…","coordinates":` (or `"geometries":`).
    fn open(&mut self, idx: usize, name: &[u8], member: &[u8]) {
        self.comma(idx);
        self.out.extend_from_slice(b"{\"type\":\"");
        self.out.extend_from_slice(name);
        self.out.extend_from_slice(b"\",\"");
        self.out.extend_from_slice(member);
        self.out.extend_from_slice(b"\":");
    }
}

impl GeomProcessor for Writer<'_> {
    fn dimensions(&self) -> CoordDimensions {
        // Z is written when the geometry has one; M is dropped.
        CoordDimensions::xyz()
    }

    fn xy(&mut self, x: f64, y: f64, idx: usize) -> GzResult<()> {
        self.coordinate(x, y, None, None, None, None, idx)
    }

    #[inline]
    fn coordinate(
        &mut self,
        x: f64,
        y: f64,
        z: Option<f64>,
        _m: Option<f64>,
        _t: Option<f64>,
        _tm: Option<u64>,
        idx: usize,
    ) -> GzResult<()> {
        self.comma(idx);
        if self.multipoint && x.is_nan() && y.is_nan() {
            // POINT EMPTY as a member of a MultiPoint.
            self.out.extend_from_slice(b"[]");
            return Ok(());
        }
        self.out.push(b'[');
        self.number(x);
        self.out.push(b',');
        self.number(y);
        if let Some(z) = z {
            self.out.push(b',');
            self.number(z);
        }
        self.out.push(b']');
        Ok(())
    }

    fn empty_point(&mut self, idx: usize) -> GzResult<()> {
        self.open(idx, b"Point", b"coordinates");
        self.out.extend_from_slice(b"[]}");
        Ok(())
    }

    fn point_begin(&mut self, idx: usize) -> GzResult<()> {
        self.open(idx, b"Point", b"coordinates");
        Ok(())
    }

    fn point_end(&mut self, _idx: usize) -> GzResult<()> {
        self.out.push(b'}');
        Ok(())
    }

    fn multipoint_begin(&mut self, _size: usize, idx: usize) -> GzResult<()> {
        self.open(idx, b"MultiPoint", b"coordinates");
        self.out.push(b'[');
        self.multipoint = true;
        Ok(())
    }

    fn multipoint_end(&mut self, _idx: usize) -> GzResult<()> {
        self.multipoint = false;
        self.out.extend_from_slice(b"]}");
        Ok(())
    }

    fn linestring_begin(&mut self, tagged: bool, _size: usize, idx: usize) -> GzResult<()> {
        if tagged {
            self.open(idx, b"LineString", b"coordinates");
        } else {
            self.comma(idx);
        }
        self.out.push(b'[');
        Ok(())
    }

    fn linestring_end(&mut self, tagged: bool, _idx: usize) -> GzResult<()> {
        self.out
            .extend_from_slice(if tagged { b"]}".as_slice() } else { b"]" });
        Ok(())
    }

    fn multilinestring_begin(&mut self, _size: usize, idx: usize) -> GzResult<()> {
        self.open(idx, b"MultiLineString", b"coordinates");
        self.out.push(b'[');
        Ok(())
    }

    fn multilinestring_end(&mut self, _idx: usize) -> GzResult<()> {
        self.out.extend_from_slice(b"]}");
        Ok(())
    }

    fn polygon_begin(&mut self, tagged: bool, _size: usize, idx: usize) -> GzResult<()> {
        if tagged {
            self.open(idx, b"Polygon", b"coordinates");
        } else {
            self.comma(idx);
        }
        self.out.push(b'[');
        Ok(())
    }

    fn polygon_end(&mut self, tagged: bool, idx: usize) -> GzResult<()> {
        self.linestring_end(tagged, idx)
    }

    fn multipolygon_begin(&mut self, _size: usize, idx: usize) -> GzResult<()> {
        self.open(idx, b"MultiPolygon", b"coordinates");
        self.out.push(b'[');
        Ok(())
    }

    fn multipolygon_end(&mut self, _idx: usize) -> GzResult<()> {
        self.out.extend_from_slice(b"]}");
        Ok(())
    }

    fn geometrycollection_begin(&mut self, _size: usize, idx: usize) -> GzResult<()> {
        self.open(idx, b"GeometryCollection", b"geometries");
        self.out.push(b'[');
        Ok(())
    }

    fn geometrycollection_end(&mut self, _idx: usize) -> GzResult<()> {
        self.out.extend_from_slice(b"]}");
        Ok(())
    }
}

/// Appends the GeoJSON geometry object for `wkb` to `out`, with `decimals` decimals; on error
/// `out` is unchanged.
pub fn write_geometry(wkb: &[u8], decimals: u32, out: &mut Vec<u8>) -> Result<(), WkbError> {
    let start = out.len();
    let mut w = Writer {
        out,
        scale: 10f64.powi(decimals as i32),
        multipoint: false,
    };
    let result = wkb::read(wkb, &mut w);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::build::W;

    fn json(wkb: &[u8]) -> String {
        let mut out = Vec::new();
        write_geometry(wkb, 7, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn point_rounds_to_seven_decimals() {
        let p = W::new(1).xy(&[(5.387203512345, 52.155172301)]);
        assert_eq!(
            json(&p.0),
            r#"{"type":"Point","coordinates":[5.3872035,52.1551723]}"#
        );
    }

    #[test]
    fn polygon_with_hole() {
        let ring = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 0.0)];
        let hole = [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 1.0)];
        let p = W::new(3).n(2).n(4).xy(&ring).n(4).xy(&hole);
        assert_eq!(
            json(&p.0),
            r#"{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}"#
        );
    }

    #[test]
    fn multipolygon_and_multipoint_members_are_bare() {
        let ring = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)];
        let poly = || W::new(3).n(1).n(4).xy(&ring);
        let mp = W::new(6).n(2).raw(poly()).raw(poly());
        assert_eq!(
            json(&mp.0),
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[0,0],[1,0],[1,1],[0,0]]]]}"#
        );
        let mpt = W::new(4)
            .n(2)
            .raw(W::new(1).xy(&[(1.5, 2.0)]))
            .raw(W::new(1).xy(&[(3.0, 4.25)]));
        assert_eq!(
            json(&mpt.0),
            r#"{"type":"MultiPoint","coordinates":[[1.5,2],[3,4.25]]}"#
        );
    }

    #[test]
    fn collection_members_keep_their_type_and_z_is_written() {
        let pz = W::new(1001).xy(&[(1.0, 2.0)]).z(3.0);
        let line = W::new(2).n(2).xy(&[(0.0, 0.0), (1.0, 1.0)]);
        let gc = W::new(7).n(2).raw(pz).raw(line);
        assert_eq!(
            json(&gc.0),
            r#"{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[1,2,3]},{"type":"LineString","coordinates":[[0,0],[1,1]]}]}"#
        );
    }

    #[test]
    fn corrupt_wkb_is_an_error_and_writes_nothing() {
        let mut out = b"prefix".to_vec();
        let truncated = W::new(2).n(1000).xy(&[(0.0, 0.0)]);
        assert!(write_geometry(&truncated.0, 7, &mut out).is_err());
        assert_eq!(out, b"prefix");
        assert!(write_geometry(&[1, 99, 0, 0, 0], 7, &mut out).is_err());
        let trailing = W::new(1).xy(&[(0.0, 0.0)]).n(0);
        assert!(write_geometry(&trailing.0, 7, &mut out).is_err());
    }
}
