//! A WKB column in CRS84 → the same geometries in another CRS, as a new WKB column. All
//! coordinates of a batch go to PROJ in one call: the WKB is rewritten (little-endian ISO)
//! with the old coordinates, their byte offsets remembered, then patched with the results.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BinaryArray};
use arrow::buffer::{Buffer, OffsetBuffer};

use super::{Crs, CrsError, transform};
use crate::geom::WkbColumn;
use crate::geom::wkb::{self, Kind, Sink};

/// Rewrites WKB into `out`, collecting coordinates and where they were written.
struct Rewriter<'a> {
    out: &'a mut Vec<u8>,
    xs: &'a mut Vec<f64>,
    ys: &'a mut Vec<f64>,
    /// Byte offset in `out` of each collected x (y follows it).
    at: &'a mut Vec<usize>,
    /// Offsets of the type codes of the open geometries, and whether each is marked Z yet.
    open: Vec<(usize, bool)>,
    /// Whether the innermost open geometry is a point (no count before its coordinate).
    point: Vec<bool>,
}

fn code(kind: Kind) -> u32 {
    match kind {
        Kind::Point => 1,
        Kind::LineString => 2,
        Kind::Polygon => 3,
        Kind::MultiPoint => 4,
        Kind::MultiLineString => 5,
        Kind::MultiPolygon => 6,
        Kind::GeometryCollection => 7,
    }
}

impl Sink for Rewriter<'_> {
    fn begin_geometry(&mut self, kind: Kind) {
        self.out.push(1);
        self.open.push((self.out.len(), false));
        self.out.extend_from_slice(&code(kind).to_le_bytes());
        self.point.push(kind == Kind::Point);
    }

    fn end_geometry(&mut self, _kind: Kind) {
        self.open.pop();
        self.point.pop();
    }

    fn begin_coords(&mut self, count: usize) {
        if !self.point.last().copied().unwrap_or(false) {
            self.out.extend_from_slice(&(count as u32).to_le_bytes());
        }
    }

    fn end_coords(&mut self) {}

    fn begin_parts(&mut self, count: usize) {
        self.out.extend_from_slice(&(count as u32).to_le_bytes());
    }

    fn end_parts(&mut self) {}

    fn coord(&mut self, x: f64, y: f64, z: Option<f64>) {
        if z.is_some() {
            // ISO WKB: the Z variant of each enclosing type is its code + 1000.
            for (offset, marked) in self.open.iter_mut().filter(|(_, m)| !*m) {
                *marked = true;
                let c = u32::from_le_bytes(
                    self.out[*offset..*offset + 4]
                        .try_into()
                        .expect("a 4-byte range is a [u8; 4]"),
                );
                self.out[*offset..*offset + 4].copy_from_slice(&(c + 1000).to_le_bytes());
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
                point: Vec::new(),
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

    use crate::geom::test_wkb::point;

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
