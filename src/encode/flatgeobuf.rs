//! FlatGeobuf (<https://flatgeobuf.org>, spec 3.x) from Arrow record batches, written feature by
//! feature without a spatial index, so that it streams. Tables are built with the `flatbuffers`
//! builder against the format's schema (`header.fbs`, `feature.fbs`): the vtable slot of field
//! n is `4 + 2n`.
//!
//! Coordinates are written x = longitude/easting, y = latitude/northing (the format's and GDAL's
//! convention), in full double precision.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Schema};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use flatbuffers::{FlatBufferBuilder, WIPOffset};

use super::geojson::EncodeError;
use crate::geom::WkbColumn;
use crate::geom::wkb;
use crate::store::layout::GEOMETRY_COLUMN;
use ontsluit_geom::geozero::GeomProcessor;
use ontsluit_geom::geozero::error::Result as GzResult;

const MAGIC: [u8; 8] = [0x66, 0x67, 0x62, 0x03, 0x66, 0x67, 0x62, 0x00];

/// `ColumnType` of the schema.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(u8)]
enum ColumnType {
    Byte = 0,
    UByte = 1,
    Bool = 2,
    Short = 3,
    UShort = 4,
    Int = 5,
    UInt = 6,
    Long = 7,
    ULong = 8,
    Float = 9,
    Double = 10,
    String = 11,
    DateTime = 13,
    Binary = 14,
}

fn column_type(data_type: &DataType) -> ColumnType {
    match data_type {
        DataType::Int8 => ColumnType::Byte,
        DataType::UInt8 => ColumnType::UByte,
        DataType::Boolean => ColumnType::Bool,
        DataType::Int16 => ColumnType::Short,
        DataType::UInt16 => ColumnType::UShort,
        DataType::Int32 => ColumnType::Int,
        DataType::UInt32 => ColumnType::UInt,
        DataType::Int64 => ColumnType::Long,
        DataType::UInt64 => ColumnType::ULong,
        DataType::Float32 => ColumnType::Float,
        DataType::Float64 => ColumnType::Double,
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => ColumnType::DateTime,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => ColumnType::Binary,
        _ => ColumnType::String,
    }
}

/// `GeometryType` code of a GeoParquet/GeoJSON type name; 0 (Unknown) for anything else.
pub fn geometry_type_code(name: &str) -> u8 {
    match name {
        "Point" => 1,
        "LineString" => 2,
        "Polygon" => 3,
        "MultiPoint" => 4,
        "MultiLineString" => 5,
        "MultiPolygon" => 6,
        "GeometryCollection" => 7,
        _ => 0,
    }
}

/// `GeometryType` codes of the seven simple-feature kinds.
mod kind {
    pub const POINT: u8 = 1;
    pub const LINE_STRING: u8 = 2;
    pub const POLYGON: u8 = 3;
    pub const MULTI_POINT: u8 = 4;
    pub const MULTI_LINE_STRING: u8 = 5;
    pub const MULTI_POLYGON: u8 = 6;
    pub const GEOMETRY_COLLECTION: u8 = 7;
}

/// What the header says about the file.
pub struct FgbHeader<'a> {
    /// Layer name.
    pub name: &'a str,
    pub title: Option<&'a str>,
    /// The one geometry type of every feature, or 0 when they differ.
    pub geometry_type: u8,
    /// EPSG code of the coordinates.
    pub epsg: i32,
    /// Number of features that follow (0 = unknown).
    pub features_count: u64,
}

/// Writes FlatGeobuf for batches of one schema.
pub struct FgbEncoder {
    /// Property columns: batch index, name, type.
    columns: Vec<(usize, String, ColumnType)>,
    geometry: Option<usize>,
}

impl FgbEncoder {
    pub fn new(schema: &Schema) -> Self {
        let mut columns = Vec::new();
        let mut geometry = None;
        for (i, f) in schema.fields().iter().enumerate() {
            if f.name() == GEOMETRY_COLUMN && geometry.is_none() {
                geometry = Some(i);
            } else {
                columns.push((i, f.name().clone(), column_type(f.data_type())));
            }
        }
        Self { columns, geometry }
    }

    /// The magic bytes and the size-prefixed header.
    pub fn write_header(&self, header: &FgbHeader<'_>, out: &mut Vec<u8>) {
        let mut fbb = FlatBufferBuilder::new();
        let columns: Vec<_> = self
            .columns
            .iter()
            .map(|(_, name, kind)| {
                let name = fbb.create_string(name);
                let start = fbb.start_table();
                fbb.push_slot_always(4, name);
                fbb.push_slot(6, *kind as u8, 0);
                fbb.end_table(start)
            })
            .collect();
        let columns = fbb.create_vector(&columns);
        let org = fbb.create_string("EPSG");
        let crs = {
            let start = fbb.start_table();
            fbb.push_slot_always(4, org);
            fbb.push_slot(6, header.epsg, 0);
            fbb.end_table(start)
        };
        let name = fbb.create_string(header.name);
        let title = header.title.map(|t| fbb.create_string(t));
        let start = fbb.start_table();
        fbb.push_slot_always(4, name);
        fbb.push_slot(8, header.geometry_type, 0);
        fbb.push_slot_always(18, columns);
        fbb.push_slot(20, header.features_count, 0);
        // No index: features stream in query order.
        fbb.push_slot(22, 0u16, 16);
        fbb.push_slot_always(24, crs);
        if let Some(title) = title {
            fbb.push_slot_always(26, title);
        }
        let root = fbb.end_table(start);
        fbb.finish_size_prefixed(root, None);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(fbb.finished_data());
    }

    /// Appends `rows` features of `batch`, each a size-prefixed `Feature`.
    pub fn write_batch(
        &self,
        batch: &RecordBatch,
        rows: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        let options = FormatOptions::default();
        let formatters = self
            .columns
            .iter()
            .map(|(i, _, kind)| match kind {
                ColumnType::String | ColumnType::DateTime => {
                    ArrayFormatter::try_new(batch.column(*i).as_ref(), &options).map(Some)
                }
                _ => Ok(None),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let geometry = self
            .geometry
            .and_then(|i| WkbColumn::new(batch.column(i).as_ref()));
        let mut properties = Vec::new();
        let mut fbb = FlatBufferBuilder::new();
        for row in 0..rows {
            properties.clear();
            for (n, ((i, _, kind), formatter)) in self.columns.iter().zip(&formatters).enumerate() {
                let array = batch.column(*i);
                if array.is_valid(row) {
                    properties.extend_from_slice(&(n as u16).to_le_bytes());
                    write_value(
                        array.as_ref(),
                        *kind,
                        formatter.as_ref(),
                        row,
                        &mut properties,
                    );
                }
            }
            fbb.reset();
            let geometry = match geometry.as_ref().and_then(|g| g.get(row)) {
                Some(value) => {
                    let mut builder = Builder::default();
                    wkb::read(value, &mut builder).map_err(|source| EncodeError::Geometry {
                        id: format!("row {row}"),
                        source,
                    })?;
                    builder.done.map(|g| g.write(&mut fbb))
                }
                None => None,
            };
            let props = fbb.create_vector(&properties);
            let start = fbb.start_table();
            if let Some(g) = geometry {
                fbb.push_slot_always(4, g);
            }
            fbb.push_slot_always(6, props);
            let root = fbb.end_table(start);
            fbb.finish_size_prefixed(root, None);
            out.extend_from_slice(fbb.finished_data());
        }
        Ok(())
    }
}

fn write_value(
    array: &dyn Array,
    kind: ColumnType,
    formatter: Option<&ArrayFormatter<'_>>,
    row: usize,
    out: &mut Vec<u8>,
) {
    use arrow::datatypes::*;
    match kind {
        ColumnType::Byte => out.extend(array.as_primitive::<Int8Type>().value(row).to_le_bytes()),
        ColumnType::UByte => out.push(array.as_primitive::<UInt8Type>().value(row)),
        ColumnType::Bool => out.push(u8::from(array.as_boolean().value(row))),
        ColumnType::Short => out.extend(array.as_primitive::<Int16Type>().value(row).to_le_bytes()),
        ColumnType::UShort => {
            out.extend(array.as_primitive::<UInt16Type>().value(row).to_le_bytes())
        }
        ColumnType::Int => out.extend(array.as_primitive::<Int32Type>().value(row).to_le_bytes()),
        ColumnType::UInt => out.extend(array.as_primitive::<UInt32Type>().value(row).to_le_bytes()),
        ColumnType::Long => out.extend(array.as_primitive::<Int64Type>().value(row).to_le_bytes()),
        ColumnType::ULong => {
            out.extend(array.as_primitive::<UInt64Type>().value(row).to_le_bytes())
        }
        ColumnType::Float => {
            out.extend(array.as_primitive::<Float32Type>().value(row).to_le_bytes())
        }
        ColumnType::Double => {
            out.extend(array.as_primitive::<Float64Type>().value(row).to_le_bytes())
        }
        ColumnType::Binary => {
            let bytes = WkbColumn::new(array)
                .and_then(|c| c.get(row))
                .unwrap_or(&[]);
            out.extend((bytes.len() as u32).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        ColumnType::String | ColumnType::DateTime => {
            let text = formatter
                .map(|f| f.value(row).to_string())
                .unwrap_or_default();
            out.extend((text.len() as u32).to_le_bytes());
            out.extend_from_slice(text.as_bytes());
        }
    }
}

/// A `Geometry` table in the making: the format flattens Multi(Point|LineString) members into
/// their parent and nests MultiPolygon and collection members as `parts`.
struct Part {
    /// `GeometryType` code.
    kind: u8,
    xy: Vec<f64>,
    z: Vec<f64>,
    ends: Vec<u32>,
    parts: Vec<Part>,
}

impl Part {
    fn new(kind: u8) -> Self {
        Part {
            kind,
            xy: Vec::new(),
            z: Vec::new(),
            ends: Vec::new(),
            parts: Vec::new(),
        }
    }

    fn write<'a>(
        &self,
        fbb: &mut FlatBufferBuilder<'a>,
    ) -> WIPOffset<flatbuffers::TableFinishedWIPOffset> {
        let parts: Vec<_> = self.parts.iter().map(|p| p.write(fbb)).collect();
        let parts = (!parts.is_empty()).then(|| fbb.create_vector(&parts));
        let ends = (self.ends.len() > 1).then(|| fbb.create_vector(&self.ends));
        let xy = (!self.xy.is_empty()).then(|| fbb.create_vector(&self.xy));
        let z = (!self.z.is_empty()).then(|| fbb.create_vector(&self.z));
        let start = fbb.start_table();
        if let Some(ends) = ends {
            fbb.push_slot_always(4, ends);
        }
        if let Some(xy) = xy {
            fbb.push_slot_always(6, xy);
        }
        if let Some(z) = z {
            fbb.push_slot_always(8, z);
        }
        fbb.push_slot(16, self.kind, 0);
        if let Some(parts) = parts {
            fbb.push_slot_always(18, parts);
        }
        fbb.end_table(start)
    }
}

/// Builds the `Part` tree of one geometry from geozero's calls. Points of a MultiPoint and lines
/// of a MultiLineString arrive untagged and land in their parent; a polygon's rings end a run of
/// coordinates in `ends`.
#[derive(Default)]
struct Builder {
    stack: Vec<Part>,
    done: Option<Part>,
}

impl Builder {
    fn begin(&mut self, kind: u8) {
        self.stack.push(Part::new(kind));
    }

    fn end(&mut self) -> GzResult<()> {
        let part = self.stack.pop().ok_or_else(|| {
            ontsluit_geom::geozero::error::GeozeroError::Geometry("unbalanced geometry".into())
        })?;
        match self.stack.last_mut() {
            Some(parent) => parent.parts.push(part),
            None => self.done = Some(part),
        }
        Ok(())
    }

    fn top(&mut self) -> GzResult<&mut Part> {
        self.stack.last_mut().ok_or_else(|| {
            ontsluit_geom::geozero::error::GeozeroError::Geometry(
                "coordinates outside a geometry".into(),
            )
        })
    }
}

impl GeomProcessor for Builder {
    fn dimensions(&self) -> ontsluit_geom::geozero::CoordDimensions {
        // Z is written when the geometry has one; M is dropped.
        ontsluit_geom::geozero::CoordDimensions::xyz()
    }

    fn xy(&mut self, x: f64, y: f64, idx: usize) -> GzResult<()> {
        self.coordinate(x, y, None, None, None, None, idx)
    }

    fn coordinate(
        &mut self,
        x: f64,
        y: f64,
        z: Option<f64>,
        _m: Option<f64>,
        _t: Option<f64>,
        _tm: Option<u64>,
        _idx: usize,
    ) -> GzResult<()> {
        let top = self.top()?;
        top.xy.extend([x, y]);
        if let Some(z) = z {
            top.z.push(z);
        }
        Ok(())
    }

    fn empty_point(&mut self, idx: usize) -> GzResult<()> {
        // Written as NaN coordinates, as GDAL does.
        self.point_begin(idx)?;
        self.xy(f64::NAN, f64::NAN, 0)?;
        self.point_end(idx)
    }

    fn point_begin(&mut self, _idx: usize) -> GzResult<()> {
        self.begin(kind::POINT);
        Ok(())
    }

    fn point_end(&mut self, _idx: usize) -> GzResult<()> {
        self.end()
    }

    fn multipoint_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.begin(kind::MULTI_POINT);
        Ok(())
    }

    fn multipoint_end(&mut self, _idx: usize) -> GzResult<()> {
        self.end()
    }

    fn linestring_begin(&mut self, tagged: bool, _size: usize, _idx: usize) -> GzResult<()> {
        if tagged {
            self.begin(kind::LINE_STRING);
        }
        Ok(())
    }

    fn linestring_end(&mut self, tagged: bool, _idx: usize) -> GzResult<()> {
        if tagged {
            return self.end();
        }
        // A ring of a polygon or a line of a MultiLineString.
        let top = self.top()?;
        top.ends.push((top.xy.len() / 2) as u32);
        Ok(())
    }

    fn multilinestring_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.begin(kind::MULTI_LINE_STRING);
        Ok(())
    }

    fn multilinestring_end(&mut self, _idx: usize) -> GzResult<()> {
        self.end()
    }

    fn polygon_begin(&mut self, _tagged: bool, _size: usize, _idx: usize) -> GzResult<()> {
        // Alone or as a member of a MultiPolygon: a part of its own either way.
        self.begin(kind::POLYGON);
        Ok(())
    }

    fn polygon_end(&mut self, _tagged: bool, _idx: usize) -> GzResult<()> {
        self.end()
    }

    fn multipolygon_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.begin(kind::MULTI_POLYGON);
        Ok(())
    }

    fn multipolygon_end(&mut self, _idx: usize) -> GzResult<()> {
        self.end()
    }

    fn geometrycollection_begin(&mut self, _size: usize, _idx: usize) -> GzResult<()> {
        self.begin(kind::GEOMETRY_COLLECTION);
        Ok(())
    }

    fn geometrycollection_end(&mut self, _idx: usize) -> GzResult<()> {
        self.end()
    }
}
