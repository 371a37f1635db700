//! Geometry over ISO WKB, with no DataFusion or Arrow inside (so it can be fuzzed, like `cql2`):
//! reading ([`wkb`]: geozero's reader behind a guard), writing GeoJSON ([`geojson`]) and WKT
//! ([`wkt`]) with fixed decimals, converting to `geo` types for exact spatial tests
//! ([`to_geo`]).
//!
//! Invariant: corrupt WKB is an error, never a panic, a stack overflow or an allocation sized by
//! a header.

pub mod geojson;
pub mod to_geo;
pub mod wkb;
pub mod wkt;

#[doc(hidden)]
pub mod build;
#[doc(hidden)]
pub mod legacy;

/// The geozero version our processors are written against, for crates that add their own.
pub use geozero;

/// Appends `v` rounded to `scale` (10^decimals) in its shortest text form (`5.1`, not
/// `5.1000000`); returns `false`, writing nothing, when `v` is not finite.
pub fn write_rounded(out: &mut Vec<u8>, v: f64, scale: f64) -> bool {
    use std::io::Write;
    if !v.is_finite() {
        return false;
    }
    let r = (v * scale).round() / scale;
    // Display prints the shortest text that reads back as `r`: at most the chosen decimals.
    let _ = write!(out, "{}", if r == 0.0 { 0.0 } else { r });
    true
}

#[cfg(test)]
mod differential {
    //! The geozero-driven writers against the hand-written ones they replaced, on every kind.
    use crate::build::W;

    fn cases() -> Vec<Vec<u8>> {
        let ring = [(0.0, 0.0), (4.123456789, 0.0), (4.0, 4.0), (0.0, 0.0)];
        let hole = [(1.0, 1.0), (2.0, 1.0), (2.0, 2.0), (1.0, 1.0)];
        let poly = || W::new(3).n(2).n(4).xy(&ring).n(4).xy(&hole);
        let line = || W::new(2).n(2).xy(&[(0.0, 0.0), (1.5, -2.25)]);
        let nan = || W::new(1).xy(&[(f64::NAN, f64::NAN)]);
        vec![
            W::new(1).xy(&[(5.387203512345, 52.155172301)]).0,
            nan().0,
            W::new(1001).xy(&[(1.0, 2.0)]).z(3.5).0,
            line().0,
            W::new(2).n(0).0,
            W::new(1002)
                .n(2)
                .xy(&[(1.0, 2.0)])
                .z(3.0)
                .xy(&[(4.0, 5.0)])
                .z(6.0)
                .0,
            poly().0,
            W::new(3).n(0).0,
            W::new(4)
                .n(3)
                .raw(nan())
                .raw(W::new(1).xy(&[(3.0, 4.25)]))
                .raw(W::new(1).xy(&[(f64::INFINITY, 1.0)]))
                .0,
            W::new(4).n(0).0,
            W::new(5).n(2).raw(line()).raw(W::new(2).n(0)).0,
            W::new(6).n(2).raw(poly()).raw(W::new(3).n(0)).0,
            W::new(6).n(0).0,
            W::new(7)
                .n(4)
                .raw(poly())
                .raw(nan())
                .raw(W::new(7).n(1).raw(line()))
                .raw(W::new(7).n(0))
                .0,
            W::new(7).n(0).0,
        ]
    }

    #[test]
    fn geojson_wkt_and_geo_match_the_hand_written_reader() {
        for wkb in cases() {
            for decimals in [0, 2, 7] {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                crate::geojson::write_geometry(&wkb, decimals, &mut a).unwrap();
                crate::legacy::geojson::write_geometry(&wkb, decimals, &mut b).unwrap();
                assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
                let (mut a, mut b) = (Vec::new(), Vec::new());
                crate::wkt::write_wkt(&wkb, decimals, &mut a).unwrap();
                crate::legacy::wkt::write_wkt(&wkb, decimals, &mut b).unwrap();
                assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
            }
            let a = format!("{:?}", crate::to_geo::to_geo(&wkb).unwrap());
            let b = format!("{:?}", crate::legacy::to_geo::to_geo(&wkb).unwrap());
            assert_eq!(a, b);
        }
    }
}
