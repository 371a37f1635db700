//! Ingest from record batches that something else produced (a view's SQL result, today): the
//! batches and a description of them ([`BatchSource`]: schema, geometry column, checksum) become
//! a new version by the same steps as a source read with GDAL (ids from the catalog entry's key,
//! duplicates, Hilbert order, GeoParquet, downloads, manifest, atomic switch).
//!
//! Ingest does not care what made the batches. It checks the description against the catalog
//! entry before it reads a batch (duplicate names, columns the catalog names, the geometry
//! type), then takes the batches one by one: text and binary columns in their plain layouts,
//! the geometry parsed and boxed. The Hilbert order needs every row, so the columns are
//! gathered until the stream ends; only then is anything written.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{ArrayRef, RecordBatch, new_empty_array};
use arrow::compute::{cast, concat};
use arrow::datatypes::{DataType, Field, SchemaRef};
use geo::{BoundingRect, Geometry};

use super::ogr::{GeometryColumn, SourceTable};
use super::{IngestError, Limits, Outcome, store_stream};
use crate::catalog::{Dataset, FeatureKey, Temporal};
use crate::geom::WkbColumn;
use crate::geom::to_geo::to_geo;
use crate::store::Store;
use crate::store::layout::{BBOX_COLUMN, ID_COLUMN};

/// What a stream of record batches holds, for [`ingest_batches`].
#[derive(Debug, Clone)]
pub struct BatchSource {
    /// The schema of every batch. Columns are published under their names (renamed as the
    /// catalog says); a column named `bbox` is left out, since ingest computes the covering.
    pub schema: SchemaRef,
    /// The column that holds the geometry, as WKB in CRS84 (stored as `geometry`); `None` for a
    /// table without geometry.
    pub geometry: Option<String>,
    /// Recorded in the manifest: the next run compares its checksum with this one to skip an
    /// unchanged dataset.
    pub checksum: String,
    /// The manifest's `source.driver` and `source.layer` (e.g. `SQL view`, the dataset id).
    pub driver: String,
    pub layer: String,
    /// What produced the batches, as error messages name it (e.g. "the view's query").
    pub origin: String,
}

/// Stores the batches as a new version of `ds`: feature ids from the entry's key (or a content
/// hash), duplicates resolved or reported, Hilbert order, GeoParquet, manifest, atomic switch.
/// Always writes: whether the checksum is unchanged is the caller's question, asked before it
/// produces the batches. An error from `batches` fails the ingest with its own text (the
/// producer says what failed); any failure leaves the previous version current.
pub fn ingest_batches<E: Display>(
    ds: &Dataset,
    store: &Store,
    source: BatchSource,
    batches: impl IntoIterator<Item = Result<RecordBatch, E>>,
) -> Result<Outcome, IngestError> {
    let started = Instant::now();
    let mut table = Gathered::new(ds, &source)?;
    for batch in batches {
        let batch = batch.map_err(|e| IngestError::source(ds, e.to_string()))?;
        table.push(ds, &batch)?;
    }
    let (table, checksum) = table.finish(ds, source)?;
    // A view's result is small: gathered whole, then stored as one chunk.
    let mut table = Some(table);
    store_stream(
        ds,
        store,
        checksum,
        started,
        Limits::default(),
        &mut |sink| sink(table.take().expect("fed once")),
    )
}

/// Where one column of the batches goes.
enum Slot {
    /// A published field: index into `Gathered::fields`.
    Field(usize),
    Geometry,
    /// The `bbox` column: ingest makes its own.
    Skip,
}

/// The columns read so far, in their stored layouts.
struct Gathered {
    slots: Vec<Slot>,
    /// Published field, and the chunks of its array (one per batch).
    fields: Vec<(Arc<Field>, Vec<ArrayRef>)>,
    source_names: Vec<String>,
    geometry: Option<GeometryColumn>,
    types: BTreeSet<&'static str>,
    rows: usize,
}

impl Gathered {
    /// Checks the described columns against the catalog entry, before any row is read.
    fn new(ds: &Dataset, source: &BatchSource) -> Result<Self, IngestError> {
        let fail = |m: String| IngestError::source(ds, m);
        let mut slots = Vec::new();
        let mut fields = Vec::new();
        let mut source_names: Vec<String> = Vec::new();
        let mut geometry = None;
        for field in source.schema.fields() {
            let name = field.name().as_str();
            let data_type = plain_type(field.data_type());
            if source.geometry.as_deref() == Some(name) {
                if WkbColumn::new(new_empty_array(&data_type).as_ref()).is_none() {
                    return Err(fail(format!(
                        "the `{name}` column must be WKB geometry, not {data_type}"
                    )));
                }
                slots.push(Slot::Geometry);
                geometry = Some(GeometryColumn {
                    wkb: Vec::new(),
                    bbox: Vec::new(),
                    types: Vec::new(),
                });
                continue;
            }
            if name == BBOX_COLUMN {
                slots.push(Slot::Skip);
                continue;
            }
            if source_names.iter().any(|n| n == name) {
                return Err(fail(format!(
                    "{} returns two columns named `{name}`; give them distinct names",
                    source.origin
                )));
            }
            let published = ds.published_name(name);
            slots.push(Slot::Field(fields.len()));
            fields.push((Arc::new(Field::new(published, data_type, true)), Vec::new()));
            source_names.push(name.to_owned());
        }
        // The catalog's key, temporal and column names must be columns of the batches.
        let mut named: Vec<&str> = match &ds.key {
            FeatureKey::Columns(cols) => cols.iter().map(String::as_str).collect(),
            FeatureKey::ContentHash => Vec::new(),
        };
        match &ds.temporal {
            Some(Temporal::Instant(f)) => named.push(f),
            Some(Temporal::Interval { start, end }) => named.extend([start.as_str(), end.as_str()]),
            None => {}
        }
        named.extend(ds.columns.keys().map(String::as_str));
        for n in named {
            if n != ID_COLUMN && !source_names.iter().any(|s| s == n) {
                return Err(fail(format!(
                    "the catalog names column `{n}`, which {} does not return (it returns {})",
                    source.origin,
                    source_names.join(", ")
                )));
            }
        }
        Ok(Gathered {
            slots,
            fields,
            source_names,
            geometry,
            types: BTreeSet::new(),
            rows: 0,
        })
    }

    /// Takes one batch: its columns in their stored layouts, its geometries parsed and boxed.
    fn push(&mut self, ds: &Dataset, batch: &RecordBatch) -> Result<(), IngestError> {
        let fail = |m: String| IngestError::source(ds, m);
        if batch.num_columns() != self.slots.len() {
            return Err(fail(format!(
                "a batch has {} columns where its schema has {}",
                batch.num_columns(),
                self.slots.len()
            )));
        }
        let schema = batch.schema();
        for ((slot, field), array) in self.slots.iter().zip(schema.fields()).zip(batch.columns()) {
            let name = field.name();
            let array = plain(array).map_err(|e| fail(format!("column `{name}`: {e}")))?;
            match slot {
                Slot::Skip => {}
                Slot::Field(i) => {
                    let (stored, chunks) = &mut self.fields[*i];
                    if array.data_type() != stored.data_type() {
                        return Err(fail(format!(
                            "column `{name}` is {} in a batch, {} in the schema",
                            array.data_type(),
                            stored.data_type()
                        )));
                    }
                    chunks.push(array);
                }
                Slot::Geometry => {
                    let g = self
                        .geometry
                        .as_mut()
                        .expect("a geometry slot has a column");
                    add_geometries(ds, &array, self.rows, g, &mut self.types)?;
                }
            }
        }
        self.rows += batch.num_rows();
        Ok(())
    }

    /// The gathered columns as one table, and the checksum to record.
    fn finish(
        self,
        ds: &Dataset,
        source: BatchSource,
    ) -> Result<(SourceTable, String), IngestError> {
        let mut fields = Vec::with_capacity(self.fields.len());
        for (field, chunks) in self.fields {
            let array = if chunks.is_empty() {
                new_empty_array(field.data_type())
            } else {
                let parts: Vec<&dyn arrow::array::Array> =
                    chunks.iter().map(|c| c.as_ref()).collect();
                concat(&parts).map_err(|e| {
                    IngestError::source(ds, format!("column `{}`: {e}", field.name()))
                })?
            };
            fields.push((field, array));
        }
        let geometry = self.geometry.map(|mut g| {
            g.types = self.types.iter().map(|t| (*t).to_owned()).collect();
            g
        });
        let table = SourceTable {
            driver: source.driver,
            layer: source.layer,
            crs: geometry.as_ref().map(|_| "OGC:CRS84".to_owned()),
            fields,
            source_names: self.source_names,
            geometry,
            rows: self.rows,
        };
        Ok((table, source.checksum))
    }
}

/// The stored type for a column type: text and binary in their plain layouts, as ingest writes
/// them from sources; a dictionary as its values.
fn plain_type(t: &DataType) -> DataType {
    match t {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::BinaryView | DataType::LargeBinary => DataType::Binary,
        DataType::Dictionary(_, v) => v.as_ref().clone(),
        t => t.clone(),
    }
}

/// An array in the layout of [`plain_type`].
fn plain(a: &ArrayRef) -> Result<ArrayRef, arrow::error::ArrowError> {
    let t = plain_type(a.data_type());
    if &t == a.data_type() {
        Ok(a.clone())
    } else {
        cast(a, &t)
    }
}

fn type_name(g: &Geometry) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) | Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) | Geometry::Rect(_) | Geometry::Triangle(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// Appends a batch's geometries (rows numbered from `first_row`): WKB and box per row; an
/// empty geometry (one without a box) is stored as none.
fn add_geometries(
    ds: &Dataset,
    array: &ArrayRef,
    first_row: usize,
    out: &mut GeometryColumn,
    types: &mut BTreeSet<&'static str>,
) -> Result<(), IngestError> {
    let Some(column) = WkbColumn::new(array.as_ref()) else {
        return Err(IngestError::source(
            ds,
            format!(
                "the geometry column must be WKB geometry, not {}",
                array.data_type()
            ),
        ));
    };
    out.wkb.reserve(column.len());
    out.bbox.reserve(column.len());
    for i in 0..column.len() {
        let parsed = match column.get(i) {
            Some(bytes) => to_geo(bytes)
                .map_err(|e| IngestError::source(ds, format!("row {}: {e}", first_row + i + 1)))?
                .map(|g| (bytes, g)),
            None => None,
        };
        match parsed {
            Some((bytes, g)) => {
                types.insert(type_name(&g));
                let r = g.bounding_rect();
                out.bbox
                    .push(r.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]));
                out.wkb.push(r.map(|_| bytes.to_vec()));
            }
            None => {
                out.wkb.push(None);
                out.bbox.push(None);
            }
        }
    }
    Ok(())
}
