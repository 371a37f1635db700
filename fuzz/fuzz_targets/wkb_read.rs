//! Feeds arbitrary bytes, as WKB, to every reader of `ontsluit-geom` (the bytes can come from
//! SQL's `ST_GeomFromWKB`) and checks that
//! - none panics, overflows the stack or allocates by a header's count (libFuzzer reports all
//!   three; run with `-malloc_limit_mb` well under the RSS limit);
//! - the GeoJSON, WKT and `geo` readers agree on whether the value is valid, since all three
//!   go through the same guarded reader;
//! - a rejected value leaves the output buffer as it was, and an accepted one is JSON to
//!   serde_json.
//!
//! Run from the repository root (`make fuzz-wkb`):
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run wkb_read -- -max_total_time=300 -malloc_limit_mb=64`

#![no_main]

use libfuzzer_sys::fuzz_target;
use ontsluit_geom::{geojson, to_geo, wkt};

fuzz_target!(|data: &[u8]| {
    let mut json = b"[".to_vec();
    let as_json = geojson::write_geometry(data, 7, &mut json);
    let mut text = b"x".to_vec();
    let as_wkt = wkt::write_wkt(data, 2, &mut text);
    let as_geo = to_geo::to_geo(data);
    assert_eq!(
        as_json.is_ok(),
        as_wkt.is_ok(),
        "GeoJSON {as_json:?}, WKT {as_wkt:?}"
    );
    assert_eq!(
        as_json.is_ok(),
        as_geo.is_ok(),
        "GeoJSON {as_json:?}, geo {as_geo:?}"
    );
    match as_json {
        Ok(()) => {
            json.push(b']');
            match serde_json::from_slice::<serde_json::Value>(&json) {
                Ok(_) => {}
                // serde_json refuses some valid numbers near f64::MAX written without an
                // exponent (`-1797…0000`, 309 digits): valid JSON, a limit of the oracle.
                Err(e) if e.to_string().starts_with("number out of range") => {}
                Err(e) => panic!("not JSON ({e}): {}", String::from_utf8_lossy(&json)),
            }
        }
        Err(_) => {
            assert_eq!(json, b"[");
            assert_eq!(text, b"x");
        }
    }
});
