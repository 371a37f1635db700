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
        if !crate::write_rounded(self.out, v, self.scale) {
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
