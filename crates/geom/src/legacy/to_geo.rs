//! WKB → `geo` geometry, for the exact spatial tests that follow the bbox prefilter.

use geo::{
    Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon,
    Point, Polygon,
};

use super::wkb::{self, Kind, Sink, WkbError};

struct Partial {
    kind: Kind,
    rings: Vec<Vec<Coord>>,
    children: Vec<Geometry>,
}

#[derive(Default)]
struct Builder {
    stack: Vec<Partial>,
    result: Option<Geometry>,
}

impl Sink for Builder {
    fn begin_geometry(&mut self, kind: Kind) {
        self.stack.push(Partial {
            kind,
            rings: Vec::new(),
            children: Vec::new(),
        });
    }

    fn end_geometry(&mut self, _kind: Kind) {
        let Some(p) = self.stack.pop() else { return };
        let mut rings = p.rings.into_iter();
        let geometry = match p.kind {
            Kind::Point => rings
                .next()
                .and_then(|r| r.first().copied())
                .filter(|c| !c.x.is_nan())
                .map(|c| Geometry::Point(Point(c))),
            Kind::LineString => Some(Geometry::LineString(LineString(
                rings.next().unwrap_or_default(),
            ))),
            Kind::Polygon => {
                let exterior = LineString(rings.next().unwrap_or_default());
                Some(Geometry::Polygon(Polygon::new(
                    exterior,
                    rings.map(LineString).collect(),
                )))
            }
            Kind::MultiPoint => Some(Geometry::MultiPoint(MultiPoint(
                p.children
                    .into_iter()
                    .filter_map(|g| Point::try_from(g).ok())
                    .collect(),
            ))),
            Kind::MultiLineString => Some(Geometry::MultiLineString(MultiLineString(
                p.children
                    .into_iter()
                    .filter_map(|g| LineString::try_from(g).ok())
                    .collect(),
            ))),
            Kind::MultiPolygon => Some(Geometry::MultiPolygon(MultiPolygon(
                p.children
                    .into_iter()
                    .filter_map(|g| Polygon::try_from(g).ok())
                    .collect(),
            ))),
            Kind::GeometryCollection => {
                Some(Geometry::GeometryCollection(GeometryCollection(p.children)))
            }
        };
        match (self.stack.last_mut(), geometry) {
            (Some(parent), Some(g)) => parent.children.push(g),
            (None, g) => self.result = g,
            (Some(_), None) => {}
        }
    }

    fn begin_coords(&mut self, count: usize) {
        if let Some(p) = self.stack.last_mut() {
            p.rings.push(Vec::with_capacity(count));
        }
    }

    fn end_coords(&mut self) {}

    fn begin_parts(&mut self, _count: usize) {}

    fn end_parts(&mut self) {}

    fn coord(&mut self, x: f64, y: f64, _z: Option<f64>) {
        if let Some(ring) = self.stack.last_mut().and_then(|p| p.rings.last_mut()) {
            ring.push(Coord { x, y });
        }
    }
}

/// Reads WKB into a `geo` geometry (2D; Z and M are dropped). `None` for an empty point.
pub fn to_geo(wkb: &[u8]) -> Result<Option<Geometry>, WkbError> {
    let mut b = Builder::default();
    wkb::read(wkb, &mut b)?;
    Ok(b.result)
}
