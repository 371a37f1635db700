//! WKB → GeoJSON geometry text, written straight into an output buffer with a fixed number of
//! decimals (7 in degrees is about 1 cm).

use super::wkb::{self, Kind, Sink, WkbError};

struct Frame {
    kind: Kind,
    /// A member of a Multi*: only its coordinates are written, without `{"type":…}`.
    bare: bool,
    first_part: bool,
    first_coord: bool,
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    scale: f64,
    stack: Vec<Frame>,
}

impl Writer<'_> {
    fn number(&mut self, v: f64) {
        if !super::write_rounded(self.out, v, self.scale) {
            self.out.extend_from_slice(b"null");
        }
    }
}

impl Sink for Writer<'_> {
    fn begin_geometry(&mut self, kind: Kind) {
        let mut bare = false;
        if let Some(parent) = self.stack.last_mut() {
            if !parent.first_part {
                self.out.push(b',');
            }
            parent.first_part = false;
            bare = parent.kind != Kind::GeometryCollection;
        }
        if !bare {
            self.out.extend_from_slice(b"{\"type\":\"");
            self.out.extend_from_slice(kind.geojson_name().as_bytes());
            if kind == Kind::GeometryCollection {
                self.out.extend_from_slice(b"\",\"geometries\":");
            } else {
                self.out.extend_from_slice(b"\",\"coordinates\":");
            }
        }
        self.stack.push(Frame {
            kind,
            bare,
            first_part: true,
            first_coord: true,
        });
    }

    fn end_geometry(&mut self, _kind: Kind) {
        if let Some(frame) = self.stack.pop()
            && !frame.bare
        {
            self.out.push(b'}');
        }
    }

    fn begin_coords(&mut self, _count: usize) {
        let frame = self
            .stack
            .last_mut()
            .expect("coordinates belong to a geometry");
        frame.first_coord = true;
        if frame.kind == Kind::Polygon {
            if !frame.first_part {
                self.out.push(b',');
            }
            frame.first_part = false;
        }
        if frame.kind != Kind::Point {
            self.out.push(b'[');
        }
    }

    fn end_coords(&mut self) {
        if self.stack.last().is_some_and(|f| f.kind != Kind::Point) {
            self.out.push(b']');
        }
    }

    fn begin_parts(&mut self, _count: usize) {
        self.out.push(b'[');
    }

    fn end_parts(&mut self) {
        self.out.push(b']');
    }

    fn coord(&mut self, x: f64, y: f64, z: Option<f64>) {
        let frame = self
            .stack
            .last_mut()
            .expect("coordinates belong to a geometry");
        if frame.kind == Kind::Point && x.is_nan() && y.is_nan() {
            // POINT EMPTY
            self.out.extend_from_slice(b"[]");
            return;
        }
        if !frame.first_coord {
            self.out.push(b',');
        }
        frame.first_coord = false;
        self.out.push(b'[');
        self.number(x);
        self.out.push(b',');
        self.number(y);
        if let Some(z) = z {
            self.out.push(b',');
            self.number(z);
        }
        self.out.push(b']');
    }
}

/// Appends the GeoJSON geometry object for `wkb` to `out`, with `decimals` decimals.
pub fn write_geometry(wkb: &[u8], decimals: u32, out: &mut Vec<u8>) -> Result<(), WkbError> {
    let start = out.len();
    let mut w = Writer {
        out,
        scale: 10f64.powi(decimals as i32),
        stack: Vec::new(),
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

    use crate::geom::test_wkb::W;

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
