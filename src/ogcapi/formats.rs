//! The encodings of features (`f=` or `Accept`): GeoJSON, JSON-FG, CSV and FlatGeobuf, and the
//! per-batch work that the requested CRS adds (reprojected geometry, or JSON-FG's `place`).

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{Field, Schema};

use crate::crs::{Crs, CrsError, transform_wkb_array};
use crate::encode::csv::CsvEncoder;
use crate::encode::geojson::{
    EncodeError, FeatureEncoder, JsonFgOptions, PLACE_COLUMN, encoder_options,
};
use crate::http::media::Format;
use crate::store::layout::GEOMETRY_COLUMN;

/// The encodings of features, in order of preference when the client has none.
pub const FEATURE_FORMATS: &[Format] = &[
    Format::GeoJson,
    Format::JsonFg,
    Format::Csv,
    Format::FlatGeobuf,
    Format::Html,
];

/// JSON-FG conformance declared in each document (version 0.2, as PDOK serves).
pub const JSONFG_CORE: &str = "http://www.opengis.net/spec/json-fg-1/0.2/conf/core";

/// How geometries of a batch are to be written.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub format: Format,
    pub crs: Crs,
    /// Decimals in degrees and in metres (settings).
    pub degree_decimals: u32,
    pub metre_decimals: u32,
}

impl Output {
    /// Decimals of the main geometry: CRS84 for JSON-FG's `geometry`, else the requested CRS.
    pub fn geometry_decimals(&self) -> u32 {
        if self.format == Format::JsonFg {
            self.degree_decimals
        } else {
            self.crs.decimals(self.degree_decimals, self.metre_decimals)
        }
    }

    pub fn place_decimals(&self) -> u32 {
        self.crs.decimals(self.degree_decimals, self.metre_decimals)
    }

    /// The batch as the encoders want it: the geometry in the requested CRS, or for JSON-FG
    /// in CRS84 with a `place` column in the requested CRS (when that is not CRS84).
    pub fn prepare(&self, batch: RecordBatch) -> Result<RecordBatch, CrsError> {
        // Binary formats keep longitude first: EPSG:4326 is then CRS84 as it is stored.
        let unchanged = self.crs == Crs::Crs84
            || (self.format == Format::FlatGeobuf && self.crs == Crs::Epsg4326);
        if unchanged {
            return Ok(batch);
        }
        let Ok(index) = batch.schema().index_of(GEOMETRY_COLUMN) else {
            return Ok(batch);
        };
        let gis_order = self.format == Format::FlatGeobuf;
        let moved = transform_wkb_array(batch.column(index).as_ref(), self.crs, gis_order)?;
        let schema = batch.schema();
        let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
        let mut columns = batch.columns().to_vec();
        if self.format == Format::JsonFg {
            fields.push(Arc::new(Field::new(
                PLACE_COLUMN,
                moved.data_type().clone(),
                true,
            )));
            columns.push(moved);
        } else {
            fields[index] = Arc::new(Field::new(GEOMETRY_COLUMN, moved.data_type().clone(), true));
            columns[index] = moved;
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .map_err(|e| crate::geom::wkb::WkbError(e.to_string()).into())
    }
}

/// Features of a JSON document: what JSON-FG adds to each feature.
pub struct JsonFeatures<'a> {
    pub output: Output,
    pub collection: &'a str,
    pub time: Option<(&'a str, Option<&'a str>)>,
}

impl JsonFeatures<'_> {
    /// Writes `rows` features of a prepared batch, each preceded by a comma unless `first`;
    /// `extra` goes into each feature (e.g. its links).
    pub fn write(
        &self,
        batch: &RecordBatch,
        rows: usize,
        first: bool,
        extra: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let options = encoder_options();
        let fields = batch.schema().fields().to_vec();
        let mut encoder =
            FeatureEncoder::new(batch, &fields, &options, self.output.geometry_decimals())?;
        if self.output.format == Format::JsonFg {
            encoder = encoder.json_fg(&JsonFgOptions {
                feature_type: self.collection,
                time: self.time,
                place_decimals: self.output.place_decimals(),
            });
        }
        for row in 0..rows {
            if row > 0 || !first {
                out.push(b',');
            }
            encoder.write(row, extra, out)?;
        }
        Ok(())
    }
}

/// A CSV encoder for prepared batches of `schema`.
pub fn csv_encoder(schema: &Schema, output: &Output) -> CsvEncoder {
    CsvEncoder::for_features(schema, output.geometry_decimals())
}
