//! CSV (RFC 4180) from Arrow record batches, batch by batch, with WKB geometry columns written as
//! WKT. Used for feature pages, downloads and SQL results, so it knows nothing about features.
//!
//! Conventions: a header row; CRLF line ends; a null is an empty field and an empty string is
//! `""`, so the two stay distinguishable; other values in Arrow's display form (RFC 3339 times).

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Schema};
use arrow::util::display::{ArrayFormatter, FormatOptions};

use super::geojson::EncodeError;
use crate::geom::WkbColumn;
use crate::geom::wkt::write_wkt;
use crate::store::layout::GEOMETRY_COLUMN;

/// The header GDAL's CSV driver and QGIS read as a WKT geometry without options.
pub const WKT_HEADER: &str = "WKT";

/// Writes CSV for batches of one schema.
pub struct CsvEncoder {
    /// Per column: the header, and whether it holds WKB to write as WKT.
    columns: Vec<(String, bool)>,
    decimals: u32,
}

fn is_binary(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
    )
}

impl CsvEncoder {
    /// For any result: binary columns named `geometry` or tagged `geoarrow.wkb` are geometries.
    pub fn new(schema: &Schema, decimals: u32) -> Self {
        let columns = schema
            .fields()
            .iter()
            .map(|f| {
                let wkb = is_binary(f.data_type())
                    && (f.name() == GEOMETRY_COLUMN
                        || f.metadata().get("ARROW:extension:name").map(String::as_str)
                            == Some("geoarrow.wkb"));
                (f.name().clone(), wkb)
            })
            .collect();
        Self { columns, decimals }
    }

    /// For features: as [`CsvEncoder::new`], with the feature geometry's header `WKT`.
    pub fn for_features(schema: &Schema, decimals: u32) -> Self {
        let mut encoder = Self::new(schema, decimals);
        for (name, wkb) in &mut encoder.columns {
            if *wkb && name == GEOMETRY_COLUMN {
                *name = WKT_HEADER.to_owned();
            }
        }
        encoder
    }

    /// Appends the header row.
    pub fn write_header(&self, out: &mut Vec<u8>) {
        for (i, (name, _)) in self.columns.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_field(name.as_bytes(), out);
        }
        out.extend_from_slice(b"\r\n");
    }

    /// Appends one row per row of `batch` (which must have the encoder's schema).
    pub fn write_batch(&self, batch: &RecordBatch, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let options = FormatOptions::default().with_null("");
        enum Cell<'a> {
            Wkt(WkbColumn<'a>),
            Text(ArrayFormatter<'a>),
        }
        let cells = self
            .columns
            .iter()
            .zip(batch.columns())
            .map(|((_, wkb), array)| {
                Ok(match (wkb, WkbColumn::new(array.as_ref())) {
                    (true, Some(column)) => Cell::Wkt(column),
                    _ => Cell::Text(ArrayFormatter::try_new(array.as_ref(), &options)?),
                })
            })
            .collect::<Result<Vec<_>, arrow::error::ArrowError>>()?;
        let mut text = String::new();
        let mut wkt = Vec::new();
        for row in 0..batch.num_rows() {
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match cell {
                    Cell::Wkt(column) => {
                        if let Some(wkb) = column.get(row) {
                            wkt.clear();
                            write_wkt(wkb, self.decimals, &mut wkt).map_err(|source| {
                                EncodeError::Geometry {
                                    id: format!("row {row}"),
                                    source,
                                }
                            })?;
                            write_field(&wkt, out);
                        }
                    }
                    Cell::Text(formatter) => {
                        if batch.column(i).is_valid(row) {
                            use std::fmt::Write;
                            text.clear();
                            let _ = write!(text, "{}", formatter.value(row));
                            if text.is_empty() {
                                out.extend_from_slice(b"\"\"");
                            } else {
                                write_field(text.as_bytes(), out);
                            }
                        }
                    }
                }
            }
            out.extend_from_slice(b"\r\n");
        }
        Ok(())
    }
}

/// Writes one field, quoted when it holds a separator, quote or line break.
fn write_field(value: &[u8], out: &mut Vec<u8>) {
    if value
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.push(b'"');
        for &b in value {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(value);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, BinaryArray, Float64Array, Int64Array, StringArray};
    use arrow::datatypes::Field;

    use super::*;

    #[test]
    fn rows_with_wkt_quoting_and_nulls() {
        let point = crate::geom::test_wkb::point(5.1, 52.09);
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("naam", DataType::Utf8, true),
            Field::new("Demografie: 65+ (%)", DataType::Float64, true),
            Field::new("geometry", DataType::Binary, true),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![7, 8, 9])),
            Arc::new(StringArray::from(vec![
                Some("Utrecht, \"stad\""),
                None,
                Some(""),
            ])),
            Arc::new(Float64Array::from(vec![Some(18.5), None, Some(-0.25)])),
            Arc::new(BinaryArray::from(vec![Some(point.as_slice()), None, None])),
        ];
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        let mut out = Vec::new();
        let encoder = CsvEncoder::for_features(&schema, 7);
        encoder.write_header(&mut out);
        encoder.write_batch(&batch, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,naam,Demografie: 65+ (%),WKT\r\n\
             7,\"Utrecht, \"\"stad\"\"\",18.5,POINT (5.1 52.09)\r\n\
             8,,,\r\n\
             9,\"\",-0.25,\r\n"
        );
        let mut generic = Vec::new();
        CsvEncoder::new(&schema, 7).write_header(&mut generic);
        assert!(generic.ends_with(b",geometry\r\n"));
    }
}
