//! WKB → WKT (ISO 13249 / OGC Simple Features text), written straight into an output buffer with a
//! fixed number of decimals, for CSV output and SQL's `ST_AsText`.

use super::wkb::{self, Kind, Sink, WkbError};

struct Frame {
    kind: Kind,
    /// Where ` Z` goes if the coordinates turn out to have a z (just after the type name);
    /// `None` for members of a Multi*, which carry no type name.
    tag_at: Option<usize>,
    z_tagged: bool,
    first_part: bool,
    first_coord: bool,
    /// Whether the current coordinate or part list is empty (written as `EMPTY`).
    empty: Vec<bool>,
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    scale: f64,
    stack: Vec<Frame>,
}

fn wkt_name(kind: Kind) -> &'static [u8] {
    match kind {
        Kind::Point => b"POINT",
        Kind::LineString => b"LINESTRING",
        Kind::Polygon => b"POLYGON",
        Kind::MultiPoint => b"MULTIPOINT",
        Kind::MultiLineString => b"MULTILINESTRING",
        Kind::MultiPolygon => b"MULTIPOLYGON",
        Kind::GeometryCollection => b"GEOMETRYCOLLECTION",
    }
}

impl Writer<'_> {
    fn number(&mut self, v: f64) {
        if !crate::write_rounded(self.out, v, self.scale) {
            self.out.extend_from_slice(b"NaN");
        }
    }

    fn frame(&mut self) -> &mut Frame {
        self.stack
            .last_mut()
            .expect("coordinates belong to a geometry")
    }

    /// Marks the nearest typed geometry as 3D (`POINT Z (…)`), once.
    fn tag_z(&mut self) {
        if let Some(frame) = self.stack.iter_mut().rev().find(|f| f.tag_at.is_some())
            && !frame.z_tagged
        {
            frame.z_tagged = true;
            let at = frame.tag_at.expect("found by tag_at");
            self.out.splice(at..at, b" Z".iter().copied());
        }
    }
}

impl Sink for Writer<'_> {
    fn begin_geometry(&mut self, kind: Kind) {
        let mut bare = false;
        if let Some(parent) = self.stack.last_mut() {
            if !parent.first_part {
                self.out.extend_from_slice(b", ");
            }
            parent.first_part = false;
            bare = parent.kind != Kind::GeometryCollection;
        }
        let tag_at = (!bare).then(|| {
            self.out.extend_from_slice(wkt_name(kind));
            let at = self.out.len();
            self.out.push(b' ');
            at
        });
        self.stack.push(Frame {
            kind,
            tag_at,
            z_tagged: false,
            first_part: true,
            first_coord: true,
            empty: Vec::new(),
        });
    }

    fn end_geometry(&mut self, _kind: Kind) {
        self.stack.pop();
    }

    fn begin_coords(&mut self, count: usize) {
        let frame = self.frame();
        frame.first_coord = true;
        let is_point = frame.kind == Kind::Point;
        let ring_sep = frame.kind == Kind::Polygon && !frame.first_part;
        if frame.kind == Kind::Polygon {
            frame.first_part = false;
        }
        frame.empty.push(count == 0);
        if ring_sep {
            self.out.extend_from_slice(b", ");
        }
        // A point writes its parentheses (or EMPTY) when its coordinate arrives.
        if !is_point {
            self.out
                .extend_from_slice(if count == 0 { b"EMPTY" } else { b"(" });
        }
    }

    fn end_coords(&mut self) {
        let frame = self.frame();
        let empty = frame.empty.pop().unwrap_or(true);
        if frame.kind != Kind::Point && !empty {
            self.out.push(b')');
        }
    }

    fn begin_parts(&mut self, count: usize) {
        self.frame().empty.push(count == 0);
        self.out
            .extend_from_slice(if count == 0 { b"EMPTY" } else { b"(" });
    }

    fn end_parts(&mut self) {
        if !self.frame().empty.pop().unwrap_or(true) {
            self.out.push(b')');
        }
    }

    fn coord(&mut self, x: f64, y: f64, z: Option<f64>) {
        let frame = self.frame();
        let is_point = frame.kind == Kind::Point;
        if is_point && x.is_nan() && y.is_nan() {
            self.out.extend_from_slice(b"EMPTY");
            return;
        }
        let first = std::mem::replace(&mut frame.first_coord, false);
        if z.is_some() {
            self.tag_z();
        }
        if is_point {
            self.out.push(b'(');
        } else if !first {
            self.out.extend_from_slice(b", ");
        }
        self.number(x);
        self.out.push(b' ');
        self.number(y);
        if let Some(z) = z {
            self.out.push(b' ');
            self.number(z);
        }
        if is_point {
            self.out.push(b')');
        }
    }
}

/// Appends the WKT of `wkb` to `out`, with `decimals` decimals; on error `out` is unchanged.
pub fn write_wkt(wkb: &[u8], decimals: u32, out: &mut Vec<u8>) -> Result<(), WkbError> {
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
