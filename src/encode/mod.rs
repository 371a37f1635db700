//! Streaming writers from record batches to response formats. Encoders never query.

pub mod csv;
pub mod flatgeobuf;
pub mod geojson;
