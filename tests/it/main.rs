//! The integration tests, in one binary (DataFusion is big: each test binary costs link time).

mod archive;
mod binary;
mod common;
mod crs;
mod dcat;
mod filter;
mod formats;
mod ingest;
mod ogc;
mod pruning;
mod sql;
mod sql_memory;
mod versions;
