//! The hand-written WKB reader and writers that geozero's reader replaced, kept only for the
//! comparison bench and the differential test (removed in the next commit).
#![allow(dead_code)]
pub mod geojson;
pub mod to_geo;
pub mod wkb;
pub mod wkt;
