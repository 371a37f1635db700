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

/// The geozero version our processors are written against, for crates that add their own.
pub use geozero;

/// Appends `v` rounded to `scale` (10^decimals) in its shortest text form (`5.1`, not
/// `5.1000000`); returns `false`, writing nothing, when `v` is not finite.
pub fn write_rounded(out: &mut Vec<u8>, v: f64, scale: f64) -> bool {
    use std::io::Write;
    if !v.is_finite() {
        return false;
    }
    let scaled = v * scale;
    // Beyond about 1e300 the scaled value overflows; such a number has no decimals to round.
    let r = if scaled.is_finite() {
        scaled.round() / scale
    } else {
        v
    };
    // Display prints the shortest text that reads back as `r`: at most the chosen decimals.
    let _ = write!(out, "{}", if r == 0.0 { 0.0 } else { r });
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_finite_number_too_large_to_scale_is_written_as_it_is() {
        // Found by the wkb_read fuzz target: 1e308 * 10^7 overflows to infinity, which was
        // written as `inf` (not JSON, not WKT).
        for v in [1e308, -1.7e308, f64::MAX] {
            let mut out = Vec::new();
            assert!(super::write_rounded(&mut out, v, 1e7));
            let text = String::from_utf8(out).unwrap();
            assert_eq!(text.parse::<f64>().unwrap(), v, "{text}");
        }
    }
}
