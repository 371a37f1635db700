//! GeoJSON features from Arrow record batches, written row by row into a buffer, so that a
//! FeatureCollection streams batch by batch and never sits whole in memory.
//!
//! Batches hold `id`, the published columns and (for spatial datasets) `geometry` as WKB.

use arrow::array::RecordBatch;
use arrow::datatypes::FieldRef;
use arrow::json::writer::{EncoderOptions, NullableEncoder, make_encoder};

use crate::geom::WkbColumn;
use crate::geom::geojson::write_geometry;
use crate::store::layout::{GEOMETRY_COLUMN, ID_COLUMN};

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

/// Column of a batch holding the geometry in the requested CRS for JSON-FG's `place`.
pub const PLACE_COLUMN: &str = "__ontsluit_place";

/// JSON-FG (OGC Features and Geometries JSON) members of each feature.
pub struct JsonFgOptions<'a> {
    /// The collection id, for `featureType`.
    pub feature_type: &'a str,
    /// Published names of the temporal start (or instant) and end columns, for `time`.
    pub time: Option<(&'a str, Option<&'a str>)>,
    /// Decimals of `place` coordinates (those of the requested CRS).
    pub place_decimals: u32,
}

struct JsonFg {
    feature_type: String,
    /// Indexes into `properties` of the time columns.
    time: Option<(usize, Option<usize>)>,
    place_decimals: u32,
}

/// Encodes the features of one batch.
pub struct FeatureEncoder<'a> {
    id: NullableEncoder<'a>,
    geometry: Option<WkbColumn<'a>>,
    /// JSON-quoted property names with their value encoders.
    properties: Vec<(String, NullableEncoder<'a>)>,
    decimals: u32,
    /// The geometry in the requested CRS, when it is not CRS84 (JSON-FG `place`).
    place: Option<WkbColumn<'a>>,
    json_fg: Option<JsonFg>,
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
        let mut place = None;
        let mut properties = Vec::new();
        let wkb = |array: &'a arrow::array::ArrayRef| {
            WkbColumn::new(array.as_ref()).ok_or_else(|| {
                arrow::error::ArrowError::SchemaError(format!(
                    "the geometry column is {}, not binary",
                    array.data_type()
                ))
            })
        };
        for (i, field) in fields.iter().enumerate() {
            let array = batch.column(i);
            match field.name().as_str() {
                ID_COLUMN if id.is_none() => {
                    id = Some(make_encoder(field, array.as_ref(), options)?)
                }
                GEOMETRY_COLUMN => geometry = Some(wkb(array)?),
                PLACE_COLUMN => place = Some(wkb(array)?),
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
            place,
            json_fg: None,
        })
    }

    /// Writes JSON-FG features: `featureType`, `time` and `place` beside the GeoJSON members.
    pub fn json_fg(mut self, options: &JsonFgOptions<'_>) -> Self {
        let position = |name: &str| {
            let quoted = serde_json::to_string(name).expect("strings serialise");
            self.properties.iter().position(|(n, _)| *n == quoted)
        };
        let time = options
            .time
            .and_then(|(start, end)| position(start).map(|s| (s, end.and_then(position))));
        self.json_fg = Some(JsonFg {
            feature_type: serde_json::to_string(options.feature_type).expect("strings serialise"),
            time,
            place_decimals: options.place_decimals,
        });
        self
    }

    fn geometry_member(
        column: Option<&WkbColumn<'_>>,
        row: usize,
        decimals: u32,
        id: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        match column.and_then(|g| g.get(row)) {
            Some(wkb) => {
                write_geometry(wkb, decimals, out).map_err(|source| EncodeError::Geometry {
                    id: String::from_utf8_lossy(id).into_owned(),
                    source,
                })
            }
            None => {
                out.extend_from_slice(b"null");
                Ok(())
            }
        }
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
        let id = out[id_start..id_end].to_vec();
        if let Some(fg) = &self.json_fg {
            out.extend_from_slice(b",\"featureType\":");
            out.extend_from_slice(fg.feature_type.as_bytes());
            out.extend_from_slice(b",\"time\":");
            let instant =
                matches!(fg.time, Some((start, None)) if !self.properties[start].1.is_null(row));
            let mut value = |i: usize, out: &mut Vec<u8>| {
                let encoder = &mut self.properties[i].1;
                if encoder.is_null(row) {
                    out.extend_from_slice(b"\"..\"");
                } else {
                    encoder.encode(row, out);
                }
            };
            match fg.time {
                Some((start, None)) if instant => {
                    out.extend_from_slice(b"{\"instant\":");
                    value(start, out);
                    out.push(b'}');
                }
                Some((start, Some(end))) => {
                    out.extend_from_slice(b"{\"interval\":[");
                    value(start, out);
                    out.push(b',');
                    value(end, out);
                    out.extend_from_slice(b"]}");
                }
                _ => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"place\":");
            Self::geometry_member(self.place.as_ref(), row, fg.place_decimals, &id, out)?;
        }
        out.extend_from_slice(b",\"geometry\":");
        Self::geometry_member(self.geometry.as_ref(), row, self.decimals, &id, out)?;
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
        let point = crate::geom::test_wkb::point(5.1, 52.09);
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
