//! ontsluit: publishes GIS and statistical datasets as GeoParquet, served with DataFusion as
//! OGC API Features.
//!
//! Data flows one way: [`catalog`] → [`ingest`] → [`store`] → [`engine`] → [`encode`] → [`http`].
//! The HTTP layer never reads source files; ingest never serves.

pub mod catalog;
pub mod ingest;
pub mod store;
