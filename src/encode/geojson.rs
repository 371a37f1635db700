//! GeoJSON features from Arrow record batches, written row by row into a buffer, so that a
//! FeatureCollection streams batch by batch and never sits whole in memory.
//!
//! Batches hold `id`, the published columns and (for spatial datasets) `geometry` as WKB.

use arrow::array::RecordBatch;
use arrow::datatypes::FieldRef;
use arrow::json::writer::{EncoderOptions, NullableEncoder, make_encoder};

use crate::geom::WkbColumn;
use crate::geom::geojson::write_geometry;
use crate::ingest::{GEOMETRY_COLUMN, ID_COLUMN};

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("encoding JSON: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("feature `{id}`: {source}")]
    Geometry {
        id: String,
        #[source]
        source: crate::geom::wkb::WkbError,
    },
}

/// Encodes the features of one batch.
pub struct FeatureEncoder<'a> {
    id: NullableEncoder<'a>,
    geometry: Option<WkbColumn<'a>>,
    /// JSON-quoted property names with their value encoders.
    properties: Vec<(String, NullableEncoder<'a>)>,
    decimals: u32,
}

impl<'a> FeatureEncoder<'a> {
    pub fn new(
        batch: &'a RecordBatch,
        fields: &'a [FieldRef],
        options: &'a EncoderOptions,
        decimals: u32,
    ) -> Result<Self, EncodeError> {
        let mut id = None;
        let mut geometry = None;
        let mut properties = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            let array = batch.column(i);
            match field.name().as_str() {
                ID_COLUMN if id.is_none() => {
                    id = Some(make_encoder(field, array.as_ref(), options)?)
                }
                GEOMETRY_COLUMN => {
                    geometry = Some(WkbColumn::new(array.as_ref()).ok_or_else(|| {
                        arrow::error::ArrowError::SchemaError(format!(
                            "the geometry column is {}, not binary",
                            array.data_type()
                        ))
                    })?)
                }
                name => {
                    let quoted = serde_json::to_string(name).expect("strings serialise");
                    properties.push((quoted, make_encoder(field, array.as_ref(), options)?));
                }
            }
        }
        Ok(Self {
            id: id.ok_or_else(|| arrow::error::ArrowError::SchemaError("no id column".into()))?,
            geometry,
            properties,
            decimals,
        })
    }

    /// Writes feature `row`. `extra` (e.g. `,"links":[…]`) goes just before the closing brace.
    pub fn write(
        &mut self,
        row: usize,
        extra: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        out.extend_from_slice(b"{\"type\":\"Feature\",\"id\":");
        let id_start = out.len();
        self.id.encode(row, out);
        let id_end = out.len();
        out.extend_from_slice(b",\"geometry\":");
        match self.geometry.as_ref().and_then(|g| g.get(row)) {
            Some(wkb) => {
                write_geometry(wkb, self.decimals, out).map_err(|source| {
                    EncodeError::Geometry {
                        id: String::from_utf8_lossy(&out[id_start..id_end]).into_owned(),
                        source,
                    }
                })?;
            }
            _ => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"properties\":{");
        for (i, (name, encoder)) in self.properties.iter_mut().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
            if encoder.is_null(row) {
                out.extend_from_slice(b"null");
            } else {
                encoder.encode(row, out);
            }
        }
        out.push(b'}');
        out.extend_from_slice(extra);
        out.push(b'}');
        Ok(())
    }
}

/// Options shared by every encoder: explicit nulls keep each feature's property set complete,
/// which clients such as GDAL use to infer the schema.
pub fn encoder_options() -> EncoderOptions {
    EncoderOptions::default().with_explicit_nulls(true)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, BinaryArray, Float64Array, Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    #[test]
    fn features_carry_id_geometry_and_every_property() {
        let point = {
            let mut w = vec![1u8, 1, 0, 0, 0];
            w.extend_from_slice(&5.1_f64.to_le_bytes());
            w.extend_from_slice(&52.09_f64.to_le_bytes());
            w
        };
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("naam", DataType::Utf8, true),
            Field::new("Demografie: 65+ (%)", DataType::Float64, true),
            Field::new("geometry", DataType::Binary, true),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![7, 8])),
            Arc::new(StringArray::from(vec![Some("Utrecht \"stad\""), None])),
            Arc::new(Float64Array::from(vec![Some(18.5), None])),
            Arc::new(BinaryArray::from(vec![Some(point.as_slice()), None])),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        let options = encoder_options();
        let fields = schema.fields().to_vec();
        let mut enc = FeatureEncoder::new(&batch, &fields, &options, 7).unwrap();
        let mut out = Vec::new();
        enc.write(0, b"", &mut out).unwrap();
        out.push(b'\n');
        enc.write(1, b",\"links\":[]", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"type":"Feature","id":7,"geometry":{"type":"Point","coordinates":[5.1,52.09]},"properties":{"naam":"Utrecht \"stad\"","Demografie: 65+ (%)":18.5}}"#
        );
        assert_eq!(
            lines[1],
            r#"{"type":"Feature","id":8,"geometry":null,"properties":{"naam":null,"Demografie: 65+ (%)":null},"links":[]}"#
        );
    }
}
