//! The integration tests, in one binary (DataFusion is big: each test binary costs link time).

#![allow(
    clippy::unwrap_used,
    reason = "test helpers: a failure is a test failure"
)]

mod access;
mod archive;
mod binary;
mod common;
mod crs;
mod dcat;
mod direct;
mod document_cache;
mod filter;
mod formats;
mod ingest;
mod ingest_scale;
mod lanes;
mod ogc;
mod pages;
mod pruning;
mod snapshots;
mod sorted;
mod source_crs;
mod sql;
mod sql_memory;
mod sql_spatial;
mod versions;
