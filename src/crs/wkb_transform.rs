//! A WKB column in CRS84 → the same geometries in another CRS, as a new WKB column. All
//! coordinates of a batch go to PROJ in one call: the WKB is rewritten (little-endian ISO)
//! with the old coordinates, their byte offsets remembered, then patched with the results.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BinaryArray};
use arrow::buffer::{Buffer, OffsetBuffer};

use ontsluit_geom::geozero::error::{GeozeroError, Result as GzResult};
use ontsluit_geom::geozero::{CoordDimensions, GeomProcessor};

use super::{Crs, CrsError, transform};
use crate::geom::WkbColumn;
use crate::geom::wkb;

/// ISO WKB type codes.
const POINT: u32 = 1;
const LINE_STRING: u32 = 2;
const POLYGON: u32 = 3;
const MULTI_POINT: u32 = 4;
const MULTI_LINE_STRING: u32 = 5;
const MULTI_POLYGON: u32 = 6;
const GEOMETRY_COLLECTION: u32 = 7;

/// Rewrites WKB into `out`, collecting coordinates and where they were written.
struct Rewriter<'a> {
    out: &'a mut Vec<u8>,
    xs: &'a mut Vec<f64>,
    ys: &'a mut Vec<f64>,
    /// Byte offset in `out` of each collected x (y follows it).
    at: &'a mut Vec<usize>,
    /// The open geometries: offset of the type code, the code, and whether it is marked Z yet.
    open: Vec<(usize, u32, bool)>,
    /// Inside a MultiPoint, whose members arrive as bare coordinates.
    multipoint: bool,
}

impl Rewriter<'_> {
    fn header(&mut self, code: u32) {
        self.out.push(1);
        self.open.push((self.out.len(), code, false));
        self.out.extend_from_slice(&code.to_le_bytes());
    }

    fn count(&mut self, n: usize) {
        // Counts come from a WKB header: they fit in a u32.
        self.out.extend_from_slice(&(n as u32).to_le_bytes());
    }

    fn close(&mut self) -> GzResult<()> {
        self.open
            .pop()
            .map(|_| ())
            .ok_or_else(|| GeozeroError::Geometry("unbalanced geometry".into()))
    }

    fn write(&mut self, x: f64, y: f64, z: Option<f64>) {
        if z.is_some() {
            // ISO WKB: the Z variant of each enclosing type is its code + 1000.
            for (offset, code, marked) in self.open.iter_mut().filter(|(_, _, m)| !*m) {
                *marked = true;
                self.out[*offset..*offset + 4].copy_from_slice(&(*code + 1000).to_le_bytes());
            }
        }
        if !(x.is_nan() && y.is_nan()) {
            self.at.push(self.out.len());
            self.xs.push(x);
            self.ys.push(y);
        }
        self.out.extend_from_slice(&x.to_le_bytes());
        self.out.extend_from_slice(&y.to_le_bytes());
        if let Some(z) = z {
            self.out.extend_from_slice(&z.to_le_bytes());
        }
    }
}

impl GeomProcessor for Rewriter<'_> {
    fn dimensions(&self) -> CoordDimensions {
        // Z is kept; M is dropped.
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
        _idx: usize,
    ) -> GzResult<()> {
        if self.multipoint {
            // Each point of a MultiPoint is a WKB point of its own.
            self.header(POINT);
            self.write(x, y, z);
            return self.close();
        }
        self.write(x, y, z);
        Ok(())
    }

    fn empty_point(&mut self, _idx: usize) -> GzResult<()> {
        self.header(POINT);
        self.write(f64::NAN, f64::NAN, None);
        self.close()
    }

    fn point_begin(&mut self, _idx: usize) -> GzResult<()> {
        self.header(POINT);
        Ok(())
    }

    fn point_end(&mut self, _idx: usize) -> GzResult<()> {
        self.close()
    }

    fn multipoint_begin(&mut self, size: usize, _idx: usize) -> GzResult<()> {
        self.header(MULTI_POINT);
        self.count(size);
        self.multipoint = true;
        Ok(())
    }

    fn multipoint_end(&mut self, _idx: usize) -> GzResult<()> {
        self.multipoint = false;
        self.close()
    }

    fn linestring_begin(&mut self, _tagged: bool, size: usize, _idx: usize) -> GzResult<()> {
        // A polygon's ring has no header of its own; every other line has.
        if !self.in_polygon() {
            self.header(LINE_STRING);
        }
        self.count(size);
        Ok(())
    }

    fn linestring_end(&mut self, _tagged: bool, _idx: usize) -> GzResult<()> {
        if self.in_polygon() {
            return Ok(());
        }
        self.close()
    }

    fn multilinestring_begin(&mut self, size: usize, _idx: usize) -> GzResult<()> {
        self.header(MULTI_LINE_STRING);
        self.count(size);
        Ok(())
    }

    fn multilinestring_end(&mut self, _idx: usize) -> GzResult<()> {
        self.close()
    }

    fn polygon_begin(&mut self, _tagged: bool, size: usize, _idx: usize) -> GzResult<()> {
        self.header(POLYGON);
        self.count(size);
        Ok(())
    }

    fn polygon_end(&mut self, _tagged: bool, _idx: usize) -> GzResult<()> {
        self.close()
    }

    fn multipolygon_begin(&mut self, size: usize, _idx: usize) -> GzResult<()> {
        self.header(MULTI_POLYGON);
        self.count(size);
        Ok(())
    }

    fn multipolygon_end(&mut self, _idx: usize) -> GzResult<()> {
        self.close()
    }

    fn geometrycollection_begin(&mut self, size: usize, _idx: usize) -> GzResult<()> {
        self.header(GEOMETRY_COLLECTION);
        self.count(size);
        Ok(())
    }

    fn geometrycollection_end(&mut self, _idx: usize) -> GzResult<()> {
        self.close()
    }
}

impl Rewriter<'_> {
    fn in_polygon(&self) -> bool {
        self.open
            .last()
            .is_some_and(|(_, code, _)| *code == POLYGON)
    }
}

/// The geometries of `array` (WKB in CRS84) in `to`, with the same nulls. `gis_order` keeps
/// longitude first even for latitude-first CRSs (the convention of binary formats).
pub fn transform_wkb_array(
    array: &dyn Array,
    to: Crs,
    gis_order: bool,
) -> Result<ArrayRef, CrsError> {
    let column = WkbColumn::new(array)
        .ok_or_else(|| crate::geom::wkb::WkbError("the geometry column is not binary".into()))?;
    let mut out = Vec::new();
    let mut offsets = Vec::with_capacity(column.len() + 1);
    offsets.push(0i32);
    let (mut xs, mut ys, mut at) = (Vec::new(), Vec::new(), Vec::new());
    for row in 0..column.len() {
        if let Some(value) = column.get(row) {
            let mut rewriter = Rewriter {
                out: &mut out,
                xs: &mut xs,
                ys: &mut ys,
                at: &mut at,
                open: Vec::new(),
                multipoint: false,
            };
            wkb::read(value, &mut rewriter)?;
        }
        let end = i32::try_from(out.len())
            .map_err(|_| crate::geom::wkb::WkbError("a batch of geometries over 2 GiB".into()))?;
        offsets.push(end);
    }
    transform(Crs::Crs84, to, &mut xs, &mut ys)?;
    if gis_order && to.is_lat_lon() {
        xs.swap_with_slice(&mut ys);
    }
    for ((offset, x), y) in at.into_iter().zip(xs).zip(ys) {
        out[offset..offset + 8].copy_from_slice(&x.to_le_bytes());
        out[offset + 8..offset + 16].copy_from_slice(&y.to_le_bytes());
    }
    let array = BinaryArray::try_new(
        OffsetBuffer::new(offsets.into()),
        Buffer::from_vec(out),
        array.logical_nulls(),
    )
    .map_err(|e| crate::geom::wkb::WkbError(e.to_string()))?;
    Ok(Arc::new(array))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geom::geojson::write_geometry;

    use crate::geom::test_wkb::{W, point};

    /// Rewrites one value without moving its coordinates.
    fn rewrite(value: &[u8]) -> Vec<u8> {
        let (mut out, mut xs, mut ys, mut at) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut rewriter = Rewriter {
            out: &mut out,
            xs: &mut xs,
            ys: &mut ys,
            at: &mut at,
            open: Vec::new(),
            multipoint: false,
        };
        wkb::read(value, &mut rewriter).unwrap();
        out
    }

    #[test]
    fn rewriting_keeps_every_kind_byte_for_byte() {
        let ring = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 0.0)];
        let poly = || W::new(3).n(2).n(4).xy(&ring).n(4).xy(&ring);
        let line = || W::new(2).n(2).xy(&[(0.0, 0.0), (1.5, -2.25)]);
        let nan = || W::new(1).xy(&[(f64::NAN, f64::NAN)]);
        for w in [
            W::new(1).xy(&[(5.1, 52.1)]),
            nan(),
            W::new(1001).xy(&[(1.0, 2.0)]).z(3.5),
            line(),
            W::new(3).n(0),
            poly(),
            W::new(4).n(2).raw(nan()).raw(W::new(1).xy(&[(3.0, 4.25)])),
            W::new(1004)
                .n(1)
                .raw(W::new(1001).xy(&[(3.0, 4.25)]).z(1.0)),
            W::new(5).n(2).raw(line()).raw(W::new(2).n(0)),
            W::new(6).n(2).raw(poly()).raw(W::new(3).n(0)),
            W::new(7)
                .n(3)
                .raw(poly())
                .raw(W::new(7).n(1).raw(line()))
                .raw(nan()),
        ] {
            assert_eq!(rewrite(&w.0), w.0);
        }
    }

    #[test]
    fn keeps_structure_and_nulls_and_moves_every_coordinate() {
        let mut line = vec![1u8, 2, 0, 0, 0, 2, 0, 0, 0];
        for v in [5.0, 52.0, 5.1, 52.1] {
            line.extend_from_slice(&f64::to_le_bytes(v));
        }
        let input = BinaryArray::from(vec![
            Some(point(5.387203508, 52.155172301).as_slice()),
            None,
            Some(line.as_slice()),
        ]);
        let out = transform_wkb_array(&input, Crs::Epsg28992, false).unwrap();
        let out = WkbColumn::new(out.as_ref()).unwrap();
        assert!(out.get(1).is_none());
        let mut json = Vec::new();
        write_geometry(out.get(0).unwrap(), 2, &mut json).unwrap();
        assert_eq!(
            String::from_utf8(json).unwrap(),
            r#"{"type":"Point","coordinates":[155000,463000]}"#
        );
        let mut json = Vec::new();
        write_geometry(out.get(2).unwrap(), 0, &mut json).unwrap();
        assert!(
            String::from_utf8(json)
                .unwrap()
                .starts_with(r#"{"type":"LineString","coordinates":[[12"#)
        );
        let swapped = transform_wkb_array(&input, Crs::Epsg4326, false).unwrap();
        let swapped = WkbColumn::new(swapped.as_ref()).unwrap();
        assert_eq!(
            swapped.get(0).unwrap(),
            point(52.155172301, 5.387203508).as_slice()
        );
    }
}
