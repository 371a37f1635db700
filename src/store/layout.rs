//! The stored layout of a dataset version: the names of its columns and files, and how its rows
//! are grouped. Owned here, next to the code that keeps versions; ingest writes by these
//! constants and the engine, encoders, OGC API and SQL read by them.

use arrow::datatypes::{DataType, Field, Fields};

/// The feature id column: Int64 for a single integer key, else Utf8.
pub const ID_COLUMN: &str = "id";
/// The geometry column of a spatial dataset: ISO WKB in OGC:CRS84.
pub const GEOMETRY_COLUMN: &str = "geometry";
/// The bbox covering column (GeoParquet 1.1): a struct of xmin, ymin, xmax, ymax.
pub const BBOX_COLUMN: &str = "bbox";
/// The members of the bbox covering struct, in order.
pub const BBOX_MEMBERS: [&str; 4] = ["xmin", "ymin", "xmax", "ymax"];

/// The fields of the bbox covering struct.
pub fn bbox_fields() -> Fields {
    Fields::from(
        BBOX_MEMBERS
            .map(|n| Field::new(n, DataType::Float64, false))
            .to_vec(),
    )
}

/// A version's data: GeoParquet 1.1 (plain Parquet for tables).
pub const DATA_FILE: &str = "data.parquet";
/// A version's id index: id hash → (row group, row), sorted (see `store::id_index`).
pub const ID_INDEX_FILE: &str = "ids.idx";
/// A version's sort index on the column at `root` of its data file (see `store::sort_index`).
pub fn sort_index_file(root: usize) -> String {
    format!("sort-{root}.idx")
}
/// A version's manifest.
pub const MANIFEST_FILE: &str = "manifest.json";
/// A dataset's pointer to its current version.
pub const CURRENT_FILE: &str = "current";
/// The GeoPackage download written at ingest.
pub const GEOPACKAGE_FILE: &str = "data.gpkg";
/// The FlatGeobuf download written at ingest (spatial datasets without empty geometries).
pub const FLATGEOBUF_FILE: &str = "data.fgb";

/// Part of every ingest checksum: bumped when the stored layout changes, so that every dataset
/// re-ingests.
pub const FORMAT_VERSION: &str = "ontsluit-geoparquet-7";

/// Row groups hold about this many bytes of geometry, and between these bounds of rows: small
/// enough that a bbox query skips most of a dataset, large enough to compress well.
pub const TARGET_GROUP_BYTES: usize = 1 << 20;
pub const MIN_GROUP_ROWS: usize = 64;
pub const MAX_GROUP_ROWS: usize = 4096;

/// Rows per data page at most. With the page index written beside them, a small page (a bbox
/// on a street, one feature by id) decodes and decompresses only the pages holding its rows,
/// not the whole column chunk of a row group (one page per chunk by parquet-rs' defaults).
pub const PAGE_ROWS: usize = 512;

/// Bytes of a column chunk's dictionary at most; beyond it the writer falls back to plain
/// pages, so that reading one page never means reading a dictionary of the whole chunk.
pub const DICTIONARY_PAGE_BYTES: usize = 16 << 10;

/// Rows per row group for rows of `average_row_bytes` (geometry and a share of the rest).
pub fn rows_per_group(average_row_bytes: usize) -> usize {
    (TARGET_GROUP_BYTES / average_row_bytes.max(1)).clamp(MIN_GROUP_ROWS, MAX_GROUP_ROWS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_groups_stay_within_their_bounds() {
        assert_eq!(rows_per_group(0), MAX_GROUP_ROWS);
        assert_eq!(rows_per_group(128), MAX_GROUP_ROWS);
        assert_eq!(rows_per_group(1024), 1024);
        assert_eq!(rows_per_group(10 << 20), MIN_GROUP_ROWS);
    }
}
