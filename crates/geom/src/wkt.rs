//! WKB → WKT (ISO 13249 / OGC Simple Features text), written straight into an output buffer with a
//! fixed number of decimals, for CSV output and SQL's `ST_AsText`.
//!
//! A geozero [`GeomProcessor`] driven by [`crate::wkb::read`]. geozero's own `WktWriter` writes
//! full precision (no decimals option), no `Z` tag and no space after the type name
//! (`POINT(1 2)`), so it is not used (see docs/architecture.md, "Geometry libraries").

use geozero::error::Result as GzResult;
use geozero::{CoordDimensions, GeomProcessor};

use crate::wkb::{self, WkbError};

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    scale: f64,
    /// Per open typed geometry (not the bare members of a Multi*): where ` Z` goes if its
    /// coordinates turn out to have a z (just after the type name), and whether it is there.
    tags: Vec<(usize, bool)>,
    /// Per open coordinate or part list: whether it is empty (written `EMPTY`, no parentheses).
    empty: Vec<bool>,
    /// Inside a MultiPoint, whose members arrive as bare coordinates.
    multipoint: bool,
    /// Inside a Point, whose single coordinate brings its own parentheses.
    point: bool,
}

impl Writer<'_> {
    #[inline]
    fn number(&mut self, v: f64) {
        if !crate::write_rounded(self.out, v, self.scale) {
            self.out.extend_from_slice(b"NaN");
        }
    }

    #[inline]
    fn comma(&mut self, idx: usize) {
        if idx > 0 {
            self.out.extend_from_slice(b", ");
        }
    }

    /// `NAME ` (where ` Z` may go after the name), then `EMPTY` or `(`.
    fn open(&mut self, idx: usize, tagged: Option<&[u8]>, size: usize) {
        self.comma(idx);
        if let Some(name) = tagged {
            self.out.extend_from_slice(name);
            self.tags.push((self.out.len(), false));
            self.out.push(b' ');
        }
        self.list(size);
    }

    /// `EMPTY` or `(`.
    fn list(&mut self, size: usize) {
        self.empty.push(size == 0);
        self.out
            .extend_from_slice(if size == 0 { b"EMPTY" } else { b"(" });
    }

    fn close(&mut self, tagged: bool) {
        if !self.empty.pop().unwrap_or(true) {
            self.out.push(b')');
        }
        if tagged {
            self.tags.pop();
        }
    }

    /// Marks the nearest typed geometry as 3D (`POINT Z (…)`), once.
    fn tag_z(&mut self) {
        if let Some((at, tagged)) = self.tags.last_mut()
            && !*tagged
        {
            *tagged = true;
            let at = *at;
            self.out.splice(at..at, b" Z".iter().copied());
        }
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
            self.out.extend_from_slice(b"EMPTY");
            return Ok(());
        }
        if z.is_some() {
            self.tag_z();
        }
        // A point's coordinate, alone or in a MultiPoint, has its own parentheses.
        let parens = self.multipoint || self.point;
        if parens {
            self.out.push(b'(');
        }
        self.number(x);
        self.out.push(b' ');
        self.number(y);
        if let Some(z) = z {
            self.out.push(b' ');
            self.number(z);
        }
        if parens {
            self.out.push(b')');
        }
        Ok(())
    }

    fn empty_point(&mut self, idx: usize) -> GzResult<()> {
        self.comma(idx);
        self.out.extend_from_slice(b"POINT EMPTY");
        Ok(())
    }

    fn point_begin(&mut self, idx: usize) -> GzResult<()> {
        self.comma(idx);
        self.out.extend_from_slice(b"POINT");
        self.tags.push((self.out.len(), false));
        self.out.push(b' ');
        self.point = true;
        Ok(())
    }

    fn point_end(&mut self, _idx: usize) -> GzResult<()> {
        self.point = false;
        self.tags.pop();
        Ok(())
    }

    fn multipoint_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        self.open(idx, Some(b"MULTIPOINT"), size);
        self.multipoint = true;
        Ok(())
    }

    fn multipoint_end(&mut self, _idx: usize) -> GzResult<()> {
        self.multipoint = false;
        self.close(true);
        Ok(())
    }

    fn linestring_begin(&mut self, tagged: bool, size: usize, idx: usize) -> GzResult<()> {
        self.open(idx, tagged.then_some(b"LINESTRING".as_slice()), size);
        Ok(())
    }

    fn linestring_end(&mut self, tagged: bool, _idx: usize) -> GzResult<()> {
        self.close(tagged);
        Ok(())
    }

    fn multilinestring_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        self.open(idx, Some(b"MULTILINESTRING"), size);
        Ok(())
    }

    fn multilinestring_end(&mut self, _idx: usize) -> GzResult<()> {
        self.close(true);
        Ok(())
    }

    fn polygon_begin(&mut self, tagged: bool, size: usize, idx: usize) -> GzResult<()> {
        self.open(idx, tagged.then_some(b"POLYGON".as_slice()), size);
        Ok(())
    }

    fn polygon_end(&mut self, tagged: bool, _idx: usize) -> GzResult<()> {
        self.close(tagged);
        Ok(())
    }

    fn multipolygon_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        self.open(idx, Some(b"MULTIPOLYGON"), size);
        Ok(())
    }

    fn multipolygon_end(&mut self, _idx: usize) -> GzResult<()> {
        self.close(true);
        Ok(())
    }

    fn geometrycollection_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        self.open(idx, Some(b"GEOMETRYCOLLECTION"), size);
        Ok(())
    }

    fn geometrycollection_end(&mut self, _idx: usize) -> GzResult<()> {
        self.close(true);
        Ok(())
    }
}

/// Appends the WKT of `wkb` to `out`, with `decimals` decimals; on error `out` is unchanged.
pub fn write_wkt(wkb: &[u8], decimals: u32, out: &mut Vec<u8>) -> Result<(), WkbError> {
    let start = out.len();
    let mut w = Writer {
        out,
        scale: 10f64.powi(decimals as i32),
        tags: Vec::new(),
        empty: Vec::new(),
        multipoint: false,
        point: false,
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

    fn wkt(wkb: &[u8]) -> String {
        let mut out = Vec::new();
        write_wkt(wkb, 7, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn simple_geometries() {
        assert_eq!(
            wkt(&W::new(1).xy(&[(5.387203512345, 52.155172301)]).0),
            "POINT (5.3872035 52.1551723)"
        );
        assert_eq!(
            wkt(&W::new(2).n(2).xy(&[(0.0, 0.0), (1.5, -2.0)]).0),
            "LINESTRING (0 0, 1.5 -2)"
        );
        let ring = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 0.0)];
        let hole = [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 1.0)];
        assert_eq!(
            wkt(&W::new(3).n(2).n(4).xy(&ring).n(4).xy(&hole).0),
            "POLYGON ((0 0, 4 0, 4 4, 0 0), (1 1, 2 1, 2 2, 1 1))"
        );
    }

    #[test]
    fn multis_collections_z_and_empty() {
        let ring = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)];
        let poly = || W::new(3).n(1).n(4).xy(&ring);
        assert_eq!(
            wkt(&W::new(6).n(2).raw(poly()).raw(poly()).0),
            "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((0 0, 1 0, 1 1, 0 0)))"
        );
        let mpt = W::new(4)
            .n(2)
            .raw(W::new(1).xy(&[(1.5, 2.0)]))
            .raw(W::new(1).xy(&[(3.0, 4.25)]));
        assert_eq!(wkt(&mpt.0), "MULTIPOINT ((1.5 2), (3 4.25))");
        let pz = W::new(1001).xy(&[(1.0, 2.0)]).z(3.0);
        let line = W::new(2).n(2).xy(&[(0.0, 0.0), (1.0, 1.0)]);
        assert_eq!(
            wkt(&W::new(7).n(2).raw(pz).raw(line).0),
            "GEOMETRYCOLLECTION (POINT Z (1 2 3), LINESTRING (0 0, 1 1))"
        );
        assert_eq!(wkt(&W::new(1).xy(&[(f64::NAN, f64::NAN)]).0), "POINT EMPTY");
        assert_eq!(wkt(&W::new(2).n(0).0), "LINESTRING EMPTY");
        assert_eq!(wkt(&W::new(6).n(0).0), "MULTIPOLYGON EMPTY");
    }

    #[test]
    fn corrupt_wkb_writes_nothing() {
        let mut out = b"x".to_vec();
        assert!(write_wkt(&W::new(2).n(1000).0, 7, &mut out).is_err());
        assert_eq!(out, b"x");
    }
}
