//! A small, allocation-free reader of ISO WKB (2D, Z, M, ZM; either byte order), driving a
//! [`Sink`]. The GeoJSON encoder and the spatial predicates both read geometry through it.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WkbError(pub String);

impl fmt::Display for WkbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid WKB: {}", self.0)
    }
}

impl std::error::Error for WkbError {}

/// The seven simple-feature geometry kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Point,
    LineString,
    Polygon,
    MultiPoint,
    MultiLineString,
    MultiPolygon,
    GeometryCollection,
}

impl Kind {
    pub fn geojson_name(self) -> &'static str {
        match self {
            Kind::Point => "Point",
            Kind::LineString => "LineString",
            Kind::Polygon => "Polygon",
            Kind::MultiPoint => "MultiPoint",
            Kind::MultiLineString => "MultiLineString",
            Kind::MultiPolygon => "MultiPolygon",
            Kind::GeometryCollection => "GeometryCollection",
        }
    }
}

/// Receives the structure of a geometry as it is read.
pub trait Sink {
    /// A geometry (top level or inside a multi/collection) begins.
    fn begin_geometry(&mut self, kind: Kind);
    fn end_geometry(&mut self, kind: Kind);
    /// A sequence of coordinates (a linestring or a ring; a point's single coordinate) begins.
    fn begin_coords(&mut self, count: usize);
    fn end_coords(&mut self);
    /// A list of parts (a polygon's rings, a multi's members) begins.
    fn begin_parts(&mut self, count: usize);
    fn end_parts(&mut self);
    /// One coordinate; `z` when the geometry has one.
    fn coord(&mut self, x: f64, y: f64, z: Option<f64>);
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], WkbError> {
        let end = self.pos + N;
        let bytes = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| WkbError(format!("truncated at byte {}", self.pos)))?;
        self.pos = end;
        Ok(bytes.try_into().expect("length checked"))
    }

    fn u32(&mut self, le: bool) -> Result<u32, WkbError> {
        let b = self.take::<4>()?;
        Ok(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, le: bool) -> Result<f64, WkbError> {
        let b = self.take::<8>()?;
        Ok(if le {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    /// A count, bounded by the bytes left so that a corrupt count cannot allocate or loop long.
    fn count(&mut self, le: bool, min_item_bytes: usize) -> Result<usize, WkbError> {
        let n = self.u32(le)? as usize;
        if n.saturating_mul(min_item_bytes) > self.buf.len() - self.pos {
            return Err(WkbError(format!(
                "count {n} exceeds the data at byte {}",
                self.pos
            )));
        }
        Ok(n)
    }

    fn geometry(&mut self, sink: &mut dyn Sink, depth: usize) -> Result<(), WkbError> {
        if depth > 32 {
            return Err(WkbError("geometry nested too deeply".into()));
        }
        let le = match self.take::<1>()?[0] {
            0 => false,
            1 => true,
            b => return Err(WkbError(format!("bad byte order {b}"))),
        };
        let code = self.u32(le)?;
        // ISO codes (1000s for Z, 2000s for M, 3000s for ZM), or the old high-bit Z/M flags.
        if code & 0x2000_0000 != 0 {
            return Err(WkbError("EWKB with an SRID is not supported".into()));
        }
        let mut has_z = code & 0x8000_0000 != 0;
        let mut has_m = code & 0x4000_0000 != 0;
        let iso = code & 0x0fff_ffff;
        match iso / 1000 {
            0 => {}
            1 => has_z = true,
            2 => has_m = true,
            3 => (has_z, has_m) = (true, true),
            _ => return Err(WkbError(format!("unsupported geometry type {code}"))),
        }
        let base = iso % 1000;
        let dims = 2 + usize::from(has_z) + usize::from(has_m);
        let kind = match base {
            1 => Kind::Point,
            2 => Kind::LineString,
            3 => Kind::Polygon,
            4 => Kind::MultiPoint,
            5 => Kind::MultiLineString,
            6 => Kind::MultiPolygon,
            7 => Kind::GeometryCollection,
            other => return Err(WkbError(format!("unsupported geometry type {other}"))),
        };
        sink.begin_geometry(kind);
        match kind {
            Kind::Point => {
                sink.begin_coords(1);
                self.coords(sink, le, 1, has_z, has_m)?;
                sink.end_coords();
            }
            Kind::LineString => {
                let n = self.count(le, dims * 8)?;
                sink.begin_coords(n);
                self.coords(sink, le, n, has_z, has_m)?;
                sink.end_coords();
            }
            Kind::Polygon => {
                let rings = self.count(le, 4)?;
                sink.begin_parts(rings);
                for _ in 0..rings {
                    let n = self.count(le, dims * 8)?;
                    sink.begin_coords(n);
                    self.coords(sink, le, n, has_z, has_m)?;
                    sink.end_coords();
                }
                sink.end_parts();
            }
            _ => {
                let parts = self.count(le, 5)?;
                sink.begin_parts(parts);
                for _ in 0..parts {
                    self.geometry(sink, depth + 1)?;
                }
                sink.end_parts();
            }
        }
        sink.end_geometry(kind);
        Ok(())
    }

    fn coords(
        &mut self,
        sink: &mut dyn Sink,
        le: bool,
        n: usize,
        has_z: bool,
        has_m: bool,
    ) -> Result<(), WkbError> {
        for _ in 0..n {
            let x = self.f64(le)?;
            let y = self.f64(le)?;
            let z = if has_z { Some(self.f64(le)?) } else { None };
            if has_m {
                self.f64(le)?;
            }
            sink.coord(x, y, z);
        }
        Ok(())
    }
}

/// Reads one WKB geometry into `sink`. Trailing bytes are an error.
pub fn read(wkb: &[u8], sink: &mut dyn Sink) -> Result<(), WkbError> {
    let mut r = Reader { buf: wkb, pos: 0 };
    r.geometry(sink, 0)?;
    if r.pos != wkb.len() {
        return Err(WkbError(format!("{} trailing bytes", wkb.len() - r.pos)));
    }
    Ok(())
}
