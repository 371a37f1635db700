//! WKB → WKT text (2D: Z and M are dropped), with the shortest decimals that read back exactly.

use std::fmt::Write;

use super::wkb::{self, Kind, Sink, WkbError};

struct Frame {
    kind: Kind,
    /// A member of a Multi*: written without its keyword.
    bare: bool,
    first_part: bool,
    first_coord: bool,
    empty: bool,
}

struct Writer<'a> {
    out: &'a mut String,
    stack: Vec<Frame>,
}

fn keyword(kind: Kind) -> &'static str {
    match kind {
        Kind::Point => "POINT",
        Kind::LineString => "LINESTRING",
        Kind::Polygon => "POLYGON",
        Kind::MultiPoint => "MULTIPOINT",
        Kind::MultiLineString => "MULTILINESTRING",
        Kind::MultiPolygon => "MULTIPOLYGON",
        Kind::GeometryCollection => "GEOMETRYCOLLECTION",
    }
}

impl Writer<'_> {
    fn separate_part(&mut self) {
        if let Some(f) = self.stack.last_mut() {
            if !f.first_part {
                self.out.push(',');
            }
            f.first_part = false;
        }
    }
}

impl Sink for Writer<'_> {
    fn begin_geometry(&mut self, kind: Kind) {
        let parent = self.stack.last().map(|f| f.kind);
        self.separate_part();
        let bare = matches!(
            parent,
            Some(Kind::MultiPoint | Kind::MultiLineString | Kind::MultiPolygon)
        );
        if !bare {
            self.out.push_str(keyword(kind));
        }
        self.stack.push(Frame {
            kind,
            bare,
            first_part: true,
            first_coord: true,
            empty: false,
        });
    }

    fn end_geometry(&mut self, _kind: Kind) {
        self.stack.pop();
    }

    fn begin_coords(&mut self, count: usize) {
        let top = self.stack.len();
        let (kind, bare) = match self.stack.last() {
            Some(f) => (f.kind, f.bare),
            None => return,
        };
        if kind == Kind::Polygon {
            self.separate_part();
        }
        if let Some(f) = self.stack.get_mut(top - 1) {
            f.first_coord = true;
            f.empty = count == 0;
        }
        if count == 0 && kind != Kind::Polygon {
            self.out.push_str(if bare { "EMPTY" } else { " EMPTY" });
        } else {
            self.out.push('(');
        }
    }

    fn end_coords(&mut self) {
        if let Some(f) = self.stack.last()
            && !(f.empty && f.kind != Kind::Polygon)
        {
            self.out.push(')');
        }
    }

    fn begin_parts(&mut self, count: usize) {
        if count == 0 {
            self.out.push_str(" EMPTY");
            if let Some(f) = self.stack.last_mut() {
                f.empty = true;
            }
        } else {
            self.out.push('(');
        }
    }

    fn end_parts(&mut self) {
        if let Some(f) = self.stack.last_mut() {
            if f.empty {
                f.empty = false;
            } else {
                self.out.push(')');
            }
        }
    }

    fn coord(&mut self, x: f64, y: f64, _z: Option<f64>) {
        let Some(f) = self.stack.last_mut() else {
            return;
        };
        if f.kind == Kind::Point && x.is_nan() && y.is_nan() {
            // POINT EMPTY in WKB: replace the `(` just written.
            self.out.pop();
            self.out.push_str(" EMPTY");
            f.empty = true;
            return;
        }
        if !f.first_coord {
            self.out.push(',');
        }
        f.first_coord = false;
        let _ = write!(self.out, "{x} {y}");
    }
}

/// Appends the WKT of `wkb` to `out`.
pub fn write_wkt(wkb: &[u8], out: &mut String) -> Result<(), WkbError> {
    let mut w = Writer {
        out,
        stack: Vec::new(),
    };
    wkb::read(wkb, &mut w)
}

/// The WKT of `wkb`.
pub fn to_wkt(wkb: &[u8]) -> Result<String, WkbError> {
    let mut s = String::new();
    write_wkt(wkb, &mut s)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::spatial::to_wkb;
    use geo::{Geometry, LineString, MultiPoint, MultiPolygon, Point, Polygon};

    fn wkt(g: Geometry) -> String {
        to_wkt(&to_wkb(&g)).unwrap()
    }

    #[test]
    fn writes_every_kind() {
        assert_eq!(wkt(Point::new(5.12, 52.5).into()), "POINT(5.12 52.5)");
        let line = LineString::from(vec![(0.0, 0.0), (1.5, 2.0)]);
        assert_eq!(wkt(line.clone().into()), "LINESTRING(0 0,1.5 2)");
        let square = Polygon::new(
            LineString::from(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]),
            vec![],
        );
        assert_eq!(wkt(square.clone().into()), "POLYGON((0 0,1 0,1 1,0 0))");
        assert_eq!(
            wkt(MultiPoint::from(vec![(1.0, 2.0), (3.0, 4.0)]).into()),
            "MULTIPOINT((1 2),(3 4))"
        );
        assert_eq!(
            wkt(MultiPolygon(vec![square.clone(), square]).into()),
            "MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((0 0,1 0,1 1,0 0)))"
        );
        assert_eq!(
            wkt(Geometry::GeometryCollection(geo::GeometryCollection(vec![
                Point::new(1.0, 2.0).into(),
                line.into()
            ]))),
            "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1.5 2))"
        );
        assert_eq!(
            wkt(MultiPolygon::<f64>(vec![]).into()),
            "MULTIPOLYGON EMPTY"
        );
    }

    #[test]
    fn round_trips_through_the_wkt_parser() {
        let text =
            "MULTIPOLYGON(((0 0,10 0,10 10,0 0),(1 1,2 1,2 2,1 1)),((20 20,30 20,30 30,20 20)))";
        let g = crate::engine::filter::to_geo(&cql2::parse_wkt(text).unwrap());
        assert_eq!(wkt(g), text);
    }

    #[test]
    fn corrupt_wkb_is_an_error() {
        assert!(to_wkt(&[1, 1, 0, 0]).is_err());
    }
}
