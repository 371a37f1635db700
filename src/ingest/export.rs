//! Stored downloads besides GeoParquet: GeoPackage and FlatGeobuf, written once per version with
//! GDAL from the stored GeoParquet, read back with the Rust `parquet` crate a batch at a time
//! (Debian's GDAL reads no Parquet).
//!
//! Coordinates are CRS84 (EPSG:4326 with longitude first, as both formats store them). Columns
//! keep their published names; the feature id is the `id` column. GDAL's FlatGeobuf writer drops
//! features without geometry, so tables and datasets with such features get no FlatGeobuf.

use std::path::Path;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{Feature, FieldDefn, Geometry, LayerAccess, LayerOptions, OGRFieldType};
use gdal::{Dataset as GdalDataset, DriverManager};
use gdal_sys::OGRwkbGeometryType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::store::layout::{BBOX_COLUMN, GEOMETRY_COLUMN};

/// A download format GDAL writes at ingest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GdalFormat {
    GeoPackage,
    FlatGeobuf,
}

impl GdalFormat {
    pub fn token(self) -> &'static str {
        match self {
            GdalFormat::GeoPackage => "gpkg",
            GdalFormat::FlatGeobuf => "fgb",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            GdalFormat::GeoPackage => crate::store::layout::GEOPACKAGE_FILE,
            GdalFormat::FlatGeobuf => crate::store::layout::FLATGEOBUF_FILE,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            GdalFormat::GeoPackage => "application/geopackage+sqlite3",
            GdalFormat::FlatGeobuf => "application/flatgeobuf",
        }
    }

    fn driver(self) -> &'static str {
        match self {
            GdalFormat::GeoPackage => "GPKG",
            GdalFormat::FlatGeobuf => "FlatGeobuf",
        }
    }
}

/// What the downloads are made from: a version's data file, read a batch at a time (so that a
/// large version is never held whole), and what its manifest says of the geometry.
pub struct ExportSource<'a> {
    pub layer: &'a str,
    /// The stored GeoParquet file.
    pub data: &'a Path,
    /// GeoParquet geometry type names, e.g. `["MultiPolygon"]`; unused for tables.
    pub types: &'a [String],
    pub spatial: bool,
}

/// Writes the rows of `source` to `path` in `format`.
pub fn write(format: GdalFormat, source: &ExportSource, path: &Path) -> Result<(), ExportError> {
    let driver = DriverManager::get_driver_by_name(format.driver())?;
    let mut dataset = driver.create_vector_only(path)?;
    match format {
        // One transaction: GeoPackage commits per feature otherwise (orders of magnitude slower).
        GdalFormat::GeoPackage => {
            let mut txn = dataset.start_transaction()?;
            write_layer(&mut txn, source)?;
            txn.commit()?;
        }
        GdalFormat::FlatGeobuf => write_layer(&mut dataset, source)?,
    }
    Ok(dataset.close()?)
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Gdal(#[from] gdal::errors::GdalError),
    #[error("reading the stored data: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("reading the stored data: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

fn write_layer(dataset: &mut GdalDataset, source: &ExportSource) -> Result<(), ExportError> {
    let mut srs = SpatialRef::from_epsg(4326)?;
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let spatial = source.spatial;
    let layer = dataset.create_layer(LayerOptions {
        name: source.layer,
        srs: spatial.then_some(&srs),
        ty: if spatial {
            geometry_type(source.types)
        } else {
            OGRwkbGeometryType::wkbNone
        },
        options: None,
    })?;
    // Every stored column but the bbox covering; the geometry last.
    let builder = ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(source.data)
            .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?,
    )?;
    let schema = builder.schema().clone();
    let roots: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.name() != BBOX_COLUMN)
        .map(|(i, _)| i)
        .collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(8192)
        .build()?;
    let columns: Vec<(usize, &str)> = schema
        .fields()
        .iter()
        .filter(|f| f.name() != BBOX_COLUMN && f.name() != GEOMETRY_COLUMN)
        .enumerate()
        .map(|(i, f)| (i, f.name().as_str()))
        .collect();
    let names = field_names(&columns.iter().map(|(_, n)| *n).collect::<Vec<_>>());
    let mut defined = false;
    let defn = layer.defn();
    for batch in reader {
        let batch = batch?;
        let mut writers = Vec::with_capacity(columns.len());
        for ((_, name), published) in columns.iter().zip(&names) {
            let array = batch.column_by_name(name).expect("projected").as_ref();
            let (ty, writer) = FieldWriter::for_array(array);
            if !defined {
                FieldDefn::new(published, ty)?.add_to_layer(&layer)?;
            }
            writers.push(writer);
        }
        defined = true;
        let wkb = batch
            .column_by_name(GEOMETRY_COLUMN)
            .and_then(|a| a.as_binary_opt::<i32>());
        for row in 0..batch.num_rows() {
            let mut feature = Feature::new(defn)?;
            for (i, w) in writers.iter().enumerate() {
                w.set(&mut feature, i, row)?;
            }
            if let Some(wkb) = wkb
                && wkb.is_valid(row)
            {
                feature.set_geometry(Geometry::from_wkb(wkb.value(row))?)?;
            }
            feature.create(&layer)?;
        }
    }
    if !defined {
        // No rows: the columns still, from the schema.
        for (f, published) in schema
            .fields()
            .iter()
            .filter(|f| f.name() != BBOX_COLUMN && f.name() != GEOMETRY_COLUMN)
            .zip(&names)
        {
            let empty = arrow::array::new_empty_array(f.data_type());
            let (ty, _) = FieldWriter::for_array(empty.as_ref());
            FieldDefn::new(published, ty)?.add_to_layer(&layer)?;
        }
    }
    Ok(())
}

/// Field names as GDAL gets them: GeoPackage (SQLite) compares column names without case and
/// reserves `fid` and `geom`, so a name that clashes (e.g. a source column `ID` beside our `id`)
/// gets a numeric suffix (`ID_2`).
fn field_names(names: &[&str]) -> Vec<String> {
    let mut taken: std::collections::HashSet<String> =
        ["fid", "geom"].into_iter().map(String::from).collect();
    names
        .iter()
        .map(|name| {
            let mut candidate = (*name).to_owned();
            let mut n = 1;
            while !taken.insert(candidate.to_lowercase()) {
                n += 1;
                candidate = format!("{name}_{n}");
            }
            candidate
        })
        .collect()
}

/// The layer geometry type: the one type all features share, else any.
fn geometry_type(types: &[String]) -> OGRwkbGeometryType::Type {
    let [only] = types else {
        return OGRwkbGeometryType::wkbUnknown;
    };
    let (base, z) = match only.strip_suffix(" Z") {
        Some(b) => (b, true),
        None => (only.as_str(), false),
    };
    let (flat, with_z) = match base {
        "Point" => (
            OGRwkbGeometryType::wkbPoint,
            OGRwkbGeometryType::wkbPoint25D,
        ),
        "LineString" => (
            OGRwkbGeometryType::wkbLineString,
            OGRwkbGeometryType::wkbLineString25D,
        ),
        "Polygon" => (
            OGRwkbGeometryType::wkbPolygon,
            OGRwkbGeometryType::wkbPolygon25D,
        ),
        "MultiPoint" => (
            OGRwkbGeometryType::wkbMultiPoint,
            OGRwkbGeometryType::wkbMultiPoint25D,
        ),
        "MultiLineString" => (
            OGRwkbGeometryType::wkbMultiLineString,
            OGRwkbGeometryType::wkbMultiLineString25D,
        ),
        "MultiPolygon" => (
            OGRwkbGeometryType::wkbMultiPolygon,
            OGRwkbGeometryType::wkbMultiPolygon25D,
        ),
        _ => return OGRwkbGeometryType::wkbUnknown,
    };
    if z { with_z } else { flat }
}

/// Sets one column's value on a feature, typed where OGR has the type, else as text (dates and
/// times as ISO 8601 text, which OGR parses into its Date/DateTime fields).
enum FieldWriter<'a> {
    Int32(&'a arrow::array::Int32Array),
    Int64(&'a arrow::array::Int64Array),
    Float64(&'a arrow::array::Float64Array),
    Boolean(&'a arrow::array::BooleanArray),
    Text(&'a dyn Array, ArrayFormatter<'a>),
}

impl<'a> FieldWriter<'a> {
    fn for_array(array: &'a dyn Array) -> (OGRFieldType::Type, FieldWriter<'a>) {
        match array.data_type() {
            DataType::Int32 => (
                OGRFieldType::OFTInteger,
                FieldWriter::Int32(array.as_primitive::<Int32Type>()),
            ),
            DataType::Int64 => (
                OGRFieldType::OFTInteger64,
                FieldWriter::Int64(array.as_primitive::<Int64Type>()),
            ),
            DataType::Float64 => (
                OGRFieldType::OFTReal,
                FieldWriter::Float64(array.as_primitive::<Float64Type>()),
            ),
            DataType::Boolean => (
                OGRFieldType::OFTInteger,
                FieldWriter::Boolean(array.as_boolean()),
            ),
            other => {
                let ty = match other {
                    DataType::Date32 => OGRFieldType::OFTDate,
                    DataType::Timestamp(_, _) => OGRFieldType::OFTDateTime,
                    _ => OGRFieldType::OFTString,
                };
                let formatter = ArrayFormatter::try_new(array, &FormatOptions::default())
                    .expect("every stored type formats");
                (ty, FieldWriter::Text(array, formatter))
            }
        }
    }

    fn set(&self, f: &mut Feature, i: usize, row: usize) -> gdal::errors::Result<()> {
        let valid = match self {
            FieldWriter::Int32(a) => a.is_valid(row),
            FieldWriter::Int64(a) => a.is_valid(row),
            FieldWriter::Float64(a) => a.is_valid(row),
            FieldWriter::Boolean(a) => a.is_valid(row),
            FieldWriter::Text(a, _) => a.is_valid(row),
        };
        if !valid {
            return f.set_field_null(i);
        }
        match self {
            FieldWriter::Int32(a) => f.set_field_integer(i, a.value(row)),
            FieldWriter::Int64(a) => f.set_field_integer64(i, a.value(row)),
            FieldWriter::Float64(a) => f.set_field_double(i, a.value(row)),
            FieldWriter::Boolean(a) => f.set_field_integer(i, a.value(row) as i32),
            FieldWriter::Text(_, fmt) => f.set_field_string(i, &fmt.value(row).to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clashing_names_get_a_suffix() {
        assert_eq!(
            field_names(&["id", "ID", "naam", "FID", "Id_2", "geom"]),
            ["id", "ID_2", "naam", "FID_2", "Id_2_2", "geom_2"]
        );
    }
}
