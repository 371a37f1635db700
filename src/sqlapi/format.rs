//! Result formats of the SQL endpoint, chosen by `f=` or `Accept`: JSON (columns with types,
//! then rows), CSV, GeoJSON, Arrow IPC stream and Parquet. Each encoder turns one record batch
//! into one body chunk, so a response is written batch by batch.
//!
//! Binary columns hold WKB geometry (stored geometry, ST_ results): JSON and GeoJSON write them
//! as GeoJSON geometry objects, CSV as WKT; a binary value that is not WKB is written as hex.

use std::sync::Arc;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use bytes::Bytes;

use crate::encode::csv::CsvEncoder;
use crate::geom::WkbColumn;
use crate::http::media::Format;

/// Decimals of coordinates in JSON and GeoJSON results (about 1 mm in degrees).
const DECIMALS: u32 = 8;

/// The result formats, in order of preference when the client has none.
pub const RESULT_FORMATS: &[Format] = &[
    Format::Json,
    Format::Csv,
    Format::GeoJson,
    Format::Arrow,
    Format::Parquet,
];

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error(
        "the result has no geometry column, so it cannot be GeoJSON; select one, e.g. `geometry` or ST_Point(x, y)"
    )]
    NoGeometry,
    #[error("encoding the result: {0}")]
    Encode(String),
}

/// Writes one result, chunk by chunk.
pub trait Encoder: Send {
    fn begin(&mut self) -> Result<Bytes, FormatError>;
    fn batch(&mut self, batch: &RecordBatch) -> Result<Bytes, FormatError>;
    fn end(&mut self, rows: usize, truncated: bool) -> Result<Bytes, FormatError>;
}

/// The encoder of `format` for results of `schema`.
pub fn encoder(format: Format, schema: Arc<Schema>) -> Result<Box<dyn Encoder>, FormatError> {
    Ok(match format {
        Format::Json => Box::new(Json {
            schema,
            first: true,
        }),
        Format::Csv => Box::new(Csv {
            encoder: CsvEncoder::new(&tag_geometries(&schema), DECIMALS),
        }),
        Format::GeoJson => {
            let geometry = geometry_column(&schema).ok_or(FormatError::NoGeometry)?;
            Box::new(GeoJson {
                schema,
                geometry,
                first: true,
            })
        }
        Format::Arrow => Box::new(ArrowStream::new(schema)?),
        Format::Parquet => Box::new(ParquetFile::new(schema)?),
        other => {
            return Err(FormatError::Encode(format!(
                "{} is not a result format",
                other.title()
            )));
        }
    })
}

fn is_binary(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView
    )
}

/// The geometry of a GeoJSON feature: the binary column named `geometry`, else the first one.
fn geometry_column(schema: &Schema) -> Option<usize> {
    let binary = |i: &usize| is_binary(schema.field(*i).data_type());
    (0..schema.fields().len())
        .filter(binary)
        .find(|&i| schema.field(i).name() == "geometry")
        .or_else(|| (0..schema.fields().len()).find(binary))
}

/// The schema with every binary column tagged as WKB geometry (GeoArrow's extension name),
/// which is how the shared CSV encoder recognises geometries besides `geometry` (ST_ results).
fn tag_geometries(schema: &Schema) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let f = f.as_ref().clone();
            if is_binary(f.data_type()) {
                let mut metadata = f.metadata().clone();
                metadata.insert("ARROW:extension:name".into(), "geoarrow.wkb".into());
                f.with_metadata(metadata)
            } else {
                f
            }
        })
        .collect();
    Schema::new(fields)
}

/// The type a JSON result reports for a column.
fn type_name(t: &DataType) -> String {
    if is_binary(t) {
        "geometry".into()
    } else {
        t.to_string()
    }
}

fn json_string(s: &str, out: &mut Vec<u8>) {
    // serde_json escapes exactly as JSON requires.
    out.extend_from_slice(
        serde_json::to_string(s)
            .expect("a string serialises")
            .as_bytes(),
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends the JSON value of `array[row]`.
fn json_value(array: &dyn Array, row: usize, out: &mut Vec<u8>) -> Result<(), FormatError> {
    use std::io::Write;
    if array.is_null(row) {
        out.extend_from_slice(b"null");
        return Ok(());
    }
    macro_rules! number {
        ($t:ty) => {{
            let _ = write!(out, "{}", array.as_primitive::<$t>().value(row));
        }};
    }
    use arrow::datatypes as t;
    match array.data_type() {
        DataType::Boolean => {
            let v = array.as_boolean().value(row);
            out.extend_from_slice(if v { b"true" } else { b"false" });
        }
        DataType::Int8 => number!(t::Int8Type),
        DataType::Int16 => number!(t::Int16Type),
        DataType::Int32 => number!(t::Int32Type),
        DataType::Int64 => number!(t::Int64Type),
        DataType::UInt8 => number!(t::UInt8Type),
        DataType::UInt16 => number!(t::UInt16Type),
        DataType::UInt32 => number!(t::UInt32Type),
        DataType::UInt64 => number!(t::UInt64Type),
        DataType::Float32 | DataType::Float64 => {
            let v = match array.data_type() {
                DataType::Float32 => array.as_primitive::<t::Float32Type>().value(row) as f64,
                _ => array.as_primitive::<t::Float64Type>().value(row),
            };
            if v.is_finite() {
                let _ = write!(out, "{v}");
            } else {
                out.extend_from_slice(b"null");
            }
        }
        DataType::Utf8 => json_string(array.as_string::<i32>().value(row), out),
        DataType::LargeUtf8 => json_string(array.as_string::<i64>().value(row), out),
        DataType::Utf8View => json_string(array.as_string_view().value(row), out),
        t if is_binary(t) => {
            let wkb = WkbColumn::new(array)
                .and_then(|c| c.get(row))
                .unwrap_or_default();
            let mark = out.len();
            if crate::geom::geojson::write_geometry(wkb, DECIMALS, out).is_err() {
                out.truncate(mark);
                json_string(&hex(wkb), out);
            }
        }
        _ => {
            let f = ArrayFormatter::try_new(array, &FormatOptions::default())
                .map_err(|e| FormatError::Encode(e.to_string()))?;
            json_string(&f.value(row).to_string(), out);
        }
    }
    Ok(())
}

struct Json {
    schema: Arc<Schema>,
    first: bool,
}

impl Encoder for Json {
    fn begin(&mut self) -> Result<Bytes, FormatError> {
        let columns: Vec<serde_json::Value> = self
            .schema
            .fields()
            .iter()
            .map(|f| serde_json::json!({"name": f.name(), "type": type_name(f.data_type())}))
            .collect();
        let head = serde_json::to_string(&columns).expect("JSON values serialise");
        Ok(Bytes::from(format!("{{\"columns\":{head},\"rows\":[")))
    }

    fn batch(&mut self, batch: &RecordBatch) -> Result<Bytes, FormatError> {
        let mut out = Vec::new();
        for row in 0..batch.num_rows() {
            if !self.first {
                out.push(b',');
            }
            self.first = false;
            out.push(b'[');
            for (i, col) in batch.columns().iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_value(col.as_ref(), row, &mut out)?;
            }
            out.push(b']');
        }
        Ok(Bytes::from(out))
    }

    fn end(&mut self, rows: usize, truncated: bool) -> Result<Bytes, FormatError> {
        Ok(Bytes::from(format!(
            "],\"numberOfRows\":{rows},\"truncated\":{truncated}}}"
        )))
    }
}

struct GeoJson {
    schema: Arc<Schema>,
    geometry: usize,
    first: bool,
}

impl Encoder for GeoJson {
    fn begin(&mut self) -> Result<Bytes, FormatError> {
        Ok(Bytes::from_static(
            b"{\"type\":\"FeatureCollection\",\"features\":[",
        ))
    }

    fn batch(&mut self, batch: &RecordBatch) -> Result<Bytes, FormatError> {
        let mut out = Vec::new();
        for row in 0..batch.num_rows() {
            if !self.first {
                out.push(b',');
            }
            self.first = false;
            out.extend_from_slice(b"{\"type\":\"Feature\",\"geometry\":");
            json_value(batch.column(self.geometry).as_ref(), row, &mut out)?;
            out.extend_from_slice(b",\"properties\":{");
            let mut first = true;
            for (i, col) in batch.columns().iter().enumerate() {
                if i == self.geometry {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                json_string(self.schema.field(i).name(), &mut out);
                out.push(b':');
                json_value(col.as_ref(), row, &mut out)?;
            }
            out.extend_from_slice(b"}}");
        }
        Ok(Bytes::from(out))
    }

    fn end(&mut self, rows: usize, truncated: bool) -> Result<Bytes, FormatError> {
        Ok(Bytes::from(format!(
            "],\"numberReturned\":{rows},\"truncated\":{truncated}}}"
        )))
    }
}

/// CSV by the shared encoder, every binary column (stored geometry, ST_ results) as WKT.
struct Csv {
    encoder: CsvEncoder,
}

impl Encoder for Csv {
    fn begin(&mut self) -> Result<Bytes, FormatError> {
        let mut out = Vec::new();
        self.encoder.write_header(&mut out);
        Ok(Bytes::from(out))
    }

    fn batch(&mut self, batch: &RecordBatch) -> Result<Bytes, FormatError> {
        let mut out = Vec::new();
        self.encoder
            .write_batch(batch, &mut out)
            .map_err(encode_err)?;
        Ok(Bytes::from(out))
    }

    fn end(&mut self, _rows: usize, _truncated: bool) -> Result<Bytes, FormatError> {
        Ok(Bytes::new())
    }
}

fn encode_err(e: impl std::fmt::Display) -> FormatError {
    FormatError::Encode(e.to_string())
}

struct ArrowStream {
    writer: arrow::ipc::writer::StreamWriter<Vec<u8>>,
}

impl ArrowStream {
    fn new(schema: Arc<Schema>) -> Result<Self, FormatError> {
        Ok(ArrowStream {
            writer: arrow::ipc::writer::StreamWriter::try_new(Vec::new(), &schema)
                .map_err(encode_err)?,
        })
    }

    fn take(&mut self) -> Bytes {
        Bytes::from(std::mem::take(self.writer.get_mut()))
    }
}

impl Encoder for ArrowStream {
    fn begin(&mut self) -> Result<Bytes, FormatError> {
        Ok(self.take())
    }

    fn batch(&mut self, batch: &RecordBatch) -> Result<Bytes, FormatError> {
        self.writer.write(batch).map_err(encode_err)?;
        Ok(self.take())
    }

    fn end(&mut self, _rows: usize, _truncated: bool) -> Result<Bytes, FormatError> {
        self.writer.finish().map_err(encode_err)?;
        Ok(self.take())
    }
}

struct ParquetFile {
    writer: Option<parquet::arrow::ArrowWriter<Vec<u8>>>,
}

impl ParquetFile {
    fn new(schema: Arc<Schema>) -> Result<Self, FormatError> {
        let mut props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY);
        // A WKB `geometry` column makes the file GeoParquet (CRS84 when no `crs` is given), so
        // GeoPandas, QGIS and DuckDB read it as geometry.
        if let Some(g) = geometry_column(&schema).filter(|&i| schema.field(i).name() == "geometry")
        {
            let geo = serde_json::json!({
                "version": "1.1.0",
                "primary_column": schema.field(g).name(),
                "columns": { schema.field(g).name(): { "encoding": "WKB", "geometry_types": [] } },
            });
            props =
                props.set_key_value_metadata(Some(vec![parquet::file::metadata::KeyValue::new(
                    "geo".to_owned(),
                    geo.to_string(),
                )]));
        }
        let props = props.build();
        Ok(ParquetFile {
            writer: Some(
                parquet::arrow::ArrowWriter::try_new(Vec::new(), schema, Some(props))
                    .map_err(encode_err)?,
            ),
        })
    }
}

impl Encoder for ParquetFile {
    fn begin(&mut self) -> Result<Bytes, FormatError> {
        Ok(Bytes::new())
    }

    /// Each batch becomes a row group, sent as soon as it is written.
    fn batch(&mut self, batch: &RecordBatch) -> Result<Bytes, FormatError> {
        let w = self.writer.as_mut().ok_or_else(|| encode_err("closed"))?;
        w.write(batch).map_err(encode_err)?;
        w.flush().map_err(encode_err)?;
        Ok(Bytes::from(std::mem::take(w.inner_mut())))
    }

    fn end(&mut self, _rows: usize, _truncated: bool) -> Result<Bytes, FormatError> {
        let w = self.writer.take().ok_or_else(|| encode_err("closed"))?;
        Ok(Bytes::from(w.into_inner().map_err(encode_err)?))
    }
}
