//! Reading ISO WKB (2D, Z, M, ZM; either byte order) into a geozero [`GeomProcessor`].
//!
//! The reader is geozero's (`geozero::wkb::Wkb`); [`read`] puts a guard between it and the
//! processor, because WKB reaches us from SQL (`ST_GeomFromWKB`) as well as from our own files,
//! and geozero's reader on its own
//! - recurses once per nested GeometryCollection with no limit (a 900 kB value of nested
//!   collections overflows the stack and aborts the process),
//! - hands the processor counts straight from the header (a processor that reserves them, as
//!   geozero's own `geo_types` writer does, aborts on a count of 2^31),
//! - accepts curves, triangles, TINs and polyhedral surfaces, and trailing bytes.
//!
//! The guard refuses nesting deeper than [`MAX_DEPTH`], every type outside the seven simple-feature
//! kinds, and trailing bytes. The reader itself never allocates by a count: a count larger than the
//! data ends in an "unexpected end" error after at most as many steps as there are bytes. Our
//! processors never reserve more than the input can hold ([`capacity`]).

use std::fmt;

use geozero::error::{GeozeroError, Result as GzResult};
use geozero::{CoordDimensions, GeomProcessor};

/// Deepest nesting of geometry collections accepted.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WkbError(pub String);

impl fmt::Display for WkbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid WKB: {}", self.0)
    }
}

impl std::error::Error for WkbError {}

impl From<GeozeroError> for WkbError {
    fn from(e: GeozeroError) -> Self {
        WkbError(match e {
            GeozeroError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                "truncated".into()
            }
            GeozeroError::GeometryFormat => "unsupported geometry type".into(),
            GeozeroError::Geometry(message) => message,
            other => other.to_string(),
        })
    }
}

/// Reads one WKB geometry into `processor`. Trailing bytes are an error. On error the processor
/// may have seen part of the geometry: writers undo their output (see [`crate::geojson`]).
pub fn read<P: GeomProcessor>(wkb: &[u8], processor: &mut P) -> Result<(), WkbError> {
    let mut rest = wkb;
    let mut guard = Guard {
        inner: processor,
        depth: 0,
    };
    geozero::wkb::process_wkb_geom(&mut rest, &mut guard)?;
    if !rest.is_empty() {
        return Err(WkbError(format!("{} trailing bytes", rest.len())));
    }
    Ok(())
}

/// How many items of `item_bytes` each a count may reserve: never more than `wkb` could hold,
/// whatever its header claims.
pub fn capacity(count: usize, wkb_len: usize, item_bytes: usize) -> usize {
    count.min(wkb_len / item_bytes)
}

/// Passes the simple-feature calls through; refuses deep nesting and every other type.
struct Guard<'a, P> {
    inner: &'a mut P,
    depth: usize,
}

fn unsupported(kind: &str) -> GzResult<()> {
    Err(GeozeroError::Geometry(format!(
        "unsupported geometry type {kind}"
    )))
}

impl<P: GeomProcessor> GeomProcessor for Guard<'_, P> {
    #[inline]
    fn dimensions(&self) -> CoordDimensions {
        self.inner.dimensions()
    }
    #[inline]
    fn multi_dim(&self) -> bool {
        self.inner.multi_dim()
    }
    #[inline]
    fn srid(&mut self, srid: Option<i32>) -> GzResult<()> {
        self.inner.srid(srid)
    }
    #[inline]
    fn xy(&mut self, x: f64, y: f64, idx: usize) -> GzResult<()> {
        self.inner.xy(x, y, idx)
    }
    #[inline]
    fn coordinate(
        &mut self,
        x: f64,
        y: f64,
        z: Option<f64>,
        m: Option<f64>,
        t: Option<f64>,
        tm: Option<u64>,
        idx: usize,
    ) -> GzResult<()> {
        self.inner.coordinate(x, y, z, m, t, tm, idx)
    }
    #[inline]
    fn empty_point(&mut self, idx: usize) -> GzResult<()> {
        self.inner.empty_point(idx)
    }
    #[inline]
    fn point_begin(&mut self, idx: usize) -> GzResult<()> {
        self.inner.point_begin(idx)
    }
    #[inline]
    fn point_end(&mut self, idx: usize) -> GzResult<()> {
        self.inner.point_end(idx)
    }
    #[inline]
    fn multipoint_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        self.inner.multipoint_begin(size, idx)
    }
    #[inline]
    fn multipoint_end(&mut self, idx: usize) -> GzResult<()> {
        self.inner.multipoint_end(idx)
    }
    #[inline]
    fn linestring_begin(&mut self, tagged: bool, size: usize, idx: usize) -> GzResult<()> {
        self.inner.linestring_begin(tagged, size, idx)
    }
    #[inline]
    fn linestring_end(&mut self, tagged: bool, idx: usize) -> GzResult<()> {
        self.inner.linestring_end(tagged, idx)
    }
    #[inline]
    fn multilinestring_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        self.inner.multilinestring_begin(size, idx)
    }
    #[inline]
    fn multilinestring_end(&mut self, idx: usize) -> GzResult<()> {
        self.inner.multilinestring_end(idx)
    }
    #[inline]
    fn polygon_begin(&mut self, tagged: bool, size: usize, idx: usize) -> GzResult<()> {
        self.inner.polygon_begin(tagged, size, idx)
    }
    #[inline]
    fn polygon_end(&mut self, tagged: bool, idx: usize) -> GzResult<()> {
        self.inner.polygon_end(tagged, idx)
    }
    #[inline]
    fn multipolygon_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        self.inner.multipolygon_begin(size, idx)
    }
    #[inline]
    fn multipolygon_end(&mut self, idx: usize) -> GzResult<()> {
        self.inner.multipolygon_end(idx)
    }
    fn geometrycollection_begin(&mut self, size: usize, idx: usize) -> GzResult<()> {
        // Refused before geozero recurses into the members.
        if self.depth >= MAX_DEPTH {
            return Err(GeozeroError::Geometry(
                "geometry collections nested too deeply".into(),
            ));
        }
        self.depth += 1;
        self.inner.geometrycollection_begin(size, idx)
    }
    fn geometrycollection_end(&mut self, idx: usize) -> GzResult<()> {
        self.depth -= 1;
        self.inner.geometrycollection_end(idx)
    }
    fn circularstring_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        unsupported("CircularString")
    }
    fn compoundcurve_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        unsupported("CompoundCurve")
    }
    fn curvepolygon_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        unsupported("CurvePolygon")
    }
    fn multicurve_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        unsupported("MultiCurve")
    }
    fn multisurface_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        unsupported("MultiSurface")
    }
    fn triangle_begin(&mut self, _tagged: bool, _size: usize, _idx: usize) -> GzResult<()> {
        unsupported("Triangle")
    }
    fn polyhedralsurface_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        unsupported("PolyhedralSurface")
    }
    fn tin_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        unsupported("Tin")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::W;

    /// Counts coordinates, reserving nothing.
    #[derive(Default)]
    struct Count(usize);

    impl GeomProcessor for Count {
        fn xy(&mut self, _x: f64, _y: f64, _idx: usize) -> GzResult<()> {
            self.0 += 1;
            Ok(())
        }
    }

    #[test]
    fn a_count_of_two_to_the_31_points_is_an_error_after_the_data() {
        let w = W::new(2).n(1 << 31).xy(&[(1.0, 2.0)]);
        let mut c = Count::default();
        let e = read(&w.0, &mut c).unwrap_err();
        assert_eq!(e.to_string(), "invalid WKB: truncated");
        assert_eq!(c.0, 1);
    }

    #[test]
    fn nesting_beyond_the_limit_is_an_error_not_a_stack_overflow() {
        // 100 000 nested collections (900 kB) overflow the stack of an unguarded reader.
        let mut w = W(Vec::new());
        for _ in 0..100_000 {
            w = w.raw(W::new(7).n(1));
        }
        let w = w.raw(W::new(1).xy(&[(1.0, 2.0)]));
        let e = read(&w.0, &mut Count::default()).unwrap_err();
        assert!(e.0.contains("nested too deeply"), "{e}");
        let mut ok = W(Vec::new());
        for _ in 0..MAX_DEPTH {
            ok = ok.raw(W::new(7).n(1));
        }
        let ok = ok.raw(W::new(1).xy(&[(1.0, 2.0)]));
        read(&ok.0, &mut Count::default()).unwrap();
    }

    #[test]
    fn curves_surfaces_and_trailing_bytes_are_refused() {
        for code in [8, 9, 10, 11, 12, 15, 16, 17] {
            let w = W::new(code).n(0);
            assert!(read(&w.0, &mut Count::default()).is_err(), "type {code}");
        }
        let w = W::new(1).xy(&[(1.0, 2.0)]).n(0);
        let e = read(&w.0, &mut Count::default()).unwrap_err();
        assert_eq!(e.to_string(), "invalid WKB: 4 trailing bytes");
        assert!(read(&[1, 99, 0, 0, 0], &mut Count::default()).is_err());
        assert!(read(&[], &mut Count::default()).is_err());
    }

    #[test]
    fn capacity_is_bounded_by_the_input() {
        assert_eq!(capacity(1 << 31, 100, 16), 6);
        assert_eq!(capacity(3, 100, 16), 3);
    }
}

#[cfg(test)]
mod mutations {
    //! A cheap, deterministic cousin of the `wkb_read` fuzz target, run with every test run:
    //! valid values of every kind with bytes flipped and cut, through all three readers.
    use crate::build::W;
    use crate::{geojson, to_geo, wkt};

    #[test]
    fn mutated_values_are_errors_or_agree_never_panics() {
        let ring = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)];
        let poly = || W::new(3).n(1).n(4).xy(&ring);
        let line = || W::new(2).n(2).xy(&[(0.0, 0.0), (1.5, -2.0)]);
        let seeds = [
            W::new(1001).xy(&[(1.0, 2.0)]).z(3.0).0,
            W::new(4)
                .n(2)
                .raw(W::new(1).xy(&[(3.0, 4.0)]))
                .raw(W::new(1).xy(&[(5.0, 6.0)]))
                .0,
            W::new(5).n(2).raw(line()).raw(line()).0,
            W::new(6).n(2).raw(poly()).raw(poly()).0,
            W::new(7)
                .n(3)
                .raw(poly())
                .raw(W::new(7).n(1).raw(line()))
                .raw(line())
                .0,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut accepted = 0;
        for _ in 0..20_000 {
            let seed = &seeds[next() as usize % seeds.len()];
            let mut value = seed.clone();
            for _ in 0..1 + next() % 3 {
                let at = next() as usize % value.len();
                value[at] = next() as u8;
            }
            value.truncate(value.len() - next() as usize % 4);
            let mut json = b"[".to_vec();
            let a = geojson::write_geometry(&value, 7, &mut json);
            let mut text = b"x".to_vec();
            let b = wkt::write_wkt(&value, 2, &mut text);
            let c = to_geo::to_geo(&value);
            assert_eq!(a.is_ok(), b.is_ok(), "{value:?}");
            assert_eq!(a.is_ok(), c.is_ok(), "{value:?}");
            if a.is_ok() {
                accepted += 1;
            } else {
                assert_eq!((json.as_slice(), text.as_slice()), (&b"["[..], &b"x"[..]));
            }
        }
        // Flipped coordinate bytes leave many values valid: both paths are exercised.
        assert!(accepted > 1000 && accepted < 19_000, "{accepted} accepted");
    }
}
