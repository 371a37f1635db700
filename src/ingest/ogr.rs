//! Reading a source with GDAL/OGR into Arrow arrays, reprojected to CRS84.
//!
//! Every vector format GDAL reads works here (GeoJSON, GeoPackage, Shapefile, CSV with coordinates
//! or WKT, FlatGeobuf, …). Withheld columns are never read into memory. `check` ([`probe`]) and
//! `ingest` ([`read`]) judge the opened layer with the same function (`inspect`): named columns,
//! reserved names, and a CRS for any geometry.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Date32Builder, Float64Builder, Int32Builder,
    Int64Builder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow::datatypes::{DataType, Field, TimeUnit};
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{FieldValue, LayerAccess, OGRFieldType, OGRwkbGeometryType};
use gdal::{Dataset as GdalDataset, DatasetOptions, GdalOpenFlags};

use super::IngestError;
use crate::catalog::Dataset;

/// A source read into memory: attribute columns, geometries and their bounding boxes.
pub struct SourceTable {
    pub driver: String,
    pub layer: String,
    /// The CRS the features were read in, e.g. `EPSG:28992`.
    pub crs: Option<String>,
    /// Published-name fields and their arrays, in source order.
    pub fields: Vec<(Arc<Field>, ArrayRef)>,
    /// Source names of `fields`, in the same order.
    pub source_names: Vec<String>,
    /// `None` when the layer has no geometry column (a statistical table).
    pub geometry: Option<GeometryColumn>,
    pub rows: usize,
}

pub struct GeometryColumn {
    /// WKB in CRS84 (longitude, latitude); `None` for a feature without geometry.
    pub wkb: Vec<Option<Vec<u8>>>,
    /// `[minx, miny, maxx, maxy]` per feature; `None` with `wkb`.
    pub bbox: Vec<Option<[f64; 4]>>,
    /// GeoParquet geometry type names seen, e.g. `Point`, `MultiPolygon Z`.
    pub types: Vec<String>,
}

/// A summary of a source, for `ontsluit check`.
pub struct SourceSummary {
    pub driver: String,
    pub layer: String,
    pub feature_count: u64,
    pub crs: Option<String>,
    pub columns: Vec<String>,
}

/// GDAL needs `/vsigzip/` to read a gzipped file.
fn gdal_path(path: &Path) -> String {
    let p = path.to_string_lossy();
    if p.ends_with(".gz") && !p.starts_with("/vsi") {
        format!("/vsigzip/{p}")
    } else {
        p.into_owned()
    }
}

fn open(ds: &Dataset) -> Result<GdalDataset, IngestError> {
    let options: Vec<&str> = ds.source.open_options.iter().map(String::as_str).collect();
    GdalDataset::open_ex(
        gdal_path(&ds.source.path),
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            open_options: (!options.is_empty()).then_some(&options[..]),
            ..Default::default()
        },
    )
    .map_err(|e| {
        IngestError::source(
            ds,
            format!("GDAL cannot open {}: {e}", ds.source.path.display()),
        )
    })
}

fn layer<'a>(ds: &Dataset, gdal: &'a GdalDataset) -> Result<gdal::vector::Layer<'a>, IngestError> {
    match &ds.source.layer {
        Some(name) => gdal.layer_by_name(name).map_err(|_| {
            let names: Vec<String> = gdal.layers().map(|l| l.name()).collect();
            IngestError::source(
                ds,
                format!("no layer `{name}` (layers: {})", names.join(", ")),
            )
        }),
        None if gdal.layer_count() == 1 => gdal
            .layer(0)
            .map_err(|e| IngestError::source(ds, e.to_string())),
        None => {
            let names: Vec<String> = gdal.layers().map(|l| l.name()).collect();
            Err(IngestError::source(
                ds,
                format!(
                    "the source has {} layers ({}); set source.layer",
                    names.len(),
                    names.join(", ")
                ),
            ))
        }
    }
}

fn srs_label(srs: &SpatialRef) -> Option<String> {
    match (srs.auth_name(), srs.auth_code()) {
        (Some(name), Ok(code)) => Some(format!("{name}:{code}")),
        _ => srs.name(),
    }
}

fn source_srs(
    ds: &Dataset,
    layer: &gdal::vector::Layer,
) -> Result<Option<SpatialRef>, IngestError> {
    let mut srs = match &ds.source.crs_override {
        Some(def) => Some(SpatialRef::from_definition(def).map_err(|e| {
            ds.issue(
                ds.source.line,
                "source.crs",
                format!("`{def}` is not a CRS GDAL knows: {e}"),
            )
        })?),
        None => layer.spatial_ref(),
    };
    if let Some(s) = srs.as_mut() {
        // Sources store x/y (longitude/latitude, easting/northing) in that order.
        s.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    }
    Ok(srs)
}

/// What `check` and `ingest` both decide from the opened layer, in one place so that `check`
/// fails exactly where `ingest` would, with the same message.
struct LayerPlan {
    /// Every source column, in source order.
    columns: Vec<String>,
    /// `None` for a table (a layer without a geometry column), which needs no CRS.
    geometry: Option<GeometryPlan>,
}

struct GeometryPlan {
    /// The CRS the coordinates are in: `source.crs`, else the one the source declares.
    srs: SpatialRef,
    /// Into CRS84; `None` when the source already is in CRS84.
    to_crs84: Option<CoordTransform>,
}

impl LayerPlan {
    fn crs_label(&self) -> Option<String> {
        self.geometry.as_ref().and_then(|g| srs_label(&g.srs))
    }
}

/// Checks the opened layer against the catalog entry: every column it names exists, no published
/// name is reserved, and geometry comes with a CRS that transforms to CRS84.
fn inspect(ds: &Dataset, layer: &gdal::vector::Layer) -> Result<LayerPlan, IngestError> {
    let columns: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    check_columns_exist(ds, &columns)?;
    check_reserved_names(ds, &columns)?;
    if layer.defn().geom_fields().count() == 0 {
        return Ok(LayerPlan {
            columns,
            geometry: None,
        });
    }
    let Some(srs) = source_srs(ds, layer)? else {
        return Err(no_crs(ds, layer).into());
    };
    let mut crs84 =
        SpatialRef::from_epsg(4326).map_err(|e| IngestError::source(ds, e.to_string()))?;
    crs84.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let to_crs84 = if srs == crs84 {
        None
    } else {
        Some(CoordTransform::new(&srs, &crs84).map_err(|e| {
            IngestError::source(
                ds,
                format!("cannot transform from the source CRS to CRS84: {e}"),
            )
        })?)
    };
    Ok(LayerPlan {
        columns,
        geometry: Some(GeometryPlan { srs, to_crs84 }),
    })
}

/// The error for a layer with geometry but no CRS (a CSV with coordinate columns, a Shapefile
/// without `.prj`, GML without `srsName`), suggesting a CRS from the extent of its coordinates.
fn no_crs(ds: &Dataset, layer: &gdal::vector::Layer) -> crate::catalog::CatalogError {
    // Forced: a CSV knows its extent only after reading it, which is affordable on this path.
    let extent = layer
        .get_extent()
        .ok()
        .map(|e| [e.MinX, e.MinY, e.MaxX, e.MaxY]);
    ds.issue(
        ds.source.line,
        "source.crs",
        format!(
            "the source has geometry but declares no CRS; {}",
            crs_suggestion(extent)
        ),
    )
}

/// RD New's domain (EPSG:28992, metres): the Netherlands and its surroundings.
const RD_NEW_DOMAIN: [f64; 4] = [-7_000.0, 289_000.0, 300_000.0, 629_000.0];

/// What to tell whoever wrote the catalog when the source has no CRS, judged by the extent
/// `[minx, miny, maxx, maxy]` of its coordinates: longitude/latitude, RD New, or unknown.
fn crs_suggestion(extent: Option<[f64; 4]>) -> String {
    let Some([minx, miny, maxx, maxy]) =
        extent.filter(|e| e.iter().all(|v| v.is_finite()) && e[0] <= e[2] && e[1] <= e[3])
    else {
        return "add the CRS of its coordinates to the source, e.g. crs = \"EPSG:28992\" (RD New) \
                or crs = \"OGC:CRS84\" (longitude/latitude)"
            .into();
    };
    let within = |[x0, y0, x1, y1]: [f64; 4]| minx >= x0 && maxx <= x1 && miny >= y0 && maxy <= y1;
    let coordinates = format!("x {minx} to {maxx} and y {miny} to {maxy}");
    if within([-180.0, -90.0, 180.0, 90.0]) {
        format!(
            "add crs = \"OGC:CRS84\" to the source (its coordinates, {coordinates}, look like longitude/latitude)"
        )
    } else if within(RD_NEW_DOMAIN) {
        format!(
            "add crs = \"EPSG:28992\" to the source (its coordinates, {coordinates}, look like RD New)"
        )
    } else {
        format!(
            "add the CRS of its coordinates ({coordinates}, neither longitude/latitude nor RD New) \
             to the source, e.g. crs = \"EPSG:25831\" (ETRS89 / UTM 31N) or crs = \"EPSG:3857\" \
             (Web Mercator)"
        )
    }
}

/// Opens the source and describes it without reading features; fails where [`read`] would fail
/// before its first feature.
pub fn probe(ds: &Dataset) -> Result<SourceSummary, IngestError> {
    let gdal = open(ds)?;
    let layer = layer(ds, &gdal)?;
    let plan = inspect(ds, &layer)?;
    Ok(SourceSummary {
        driver: gdal.driver().short_name(),
        layer: layer.name(),
        feature_count: layer.feature_count(),
        crs: plan.crs_label(),
        columns: plan.columns,
    })
}

/// A source column published under a name ontsluit reserves (`geometry`, `bbox`) is an error.
fn check_reserved_names(ds: &Dataset, columns: &[String]) -> Result<(), IngestError> {
    let kept = columns.iter().filter(|c| !ds.withhold.contains(c));
    for name in kept {
        if crate::catalog::RESERVED_COLUMNS.contains(&ds.published_name(name)) {
            return Err(IngestError::source(
                ds,
                format!(
                    "the source column `{name}` has a name ontsluit reserves; rename it with [dataset.columns.{name}] name = \"…\""
                ),
            ));
        }
    }
    Ok(())
}

/// Every column the catalog names (key, temporal, withheld, described) must exist in the source.
fn check_columns_exist(ds: &Dataset, columns: &[String]) -> Result<(), IngestError> {
    let mut named: Vec<(&str, &str)> = Vec::new();
    if let crate::catalog::FeatureKey::Columns(cols) = &ds.key {
        named.extend(cols.iter().map(|c| ("key", c.as_str())));
    }
    match &ds.temporal {
        Some(crate::catalog::Temporal::Instant(f)) => named.push(("temporal", f)),
        Some(crate::catalog::Temporal::Interval { start, end }) => {
            named.push(("temporal", start));
            named.push(("temporal", end));
        }
        None => {}
    }
    named.extend(ds.withhold.iter().map(|c| ("withhold", c.as_str())));
    named.extend(ds.columns.keys().map(|c| ("columns", c.as_str())));
    let missing: Vec<String> = named
        .iter()
        .filter(|(_, c)| !columns.iter().any(|s| s == c))
        .map(|(field, c)| format!("{field}: no column `{c}` in the source"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(IngestError::source(
            ds,
            format!(
                "{} (the source has: {})",
                missing.join("; "),
                columns.join(", ")
            ),
        ))
    }
}

enum Builder {
    Bool(BooleanBuilder),
    I32(Int32Builder),
    I64(Int64Builder),
    F64(Float64Builder),
    Str(StringBuilder),
    Date(Date32Builder),
    Ts(TimestampMillisecondBuilder),
}

impl Builder {
    fn for_ogr(field_type: OGRFieldType::Type, boolean: bool) -> (Builder, DataType) {
        match field_type {
            OGRFieldType::OFTInteger if boolean => {
                (Builder::Bool(BooleanBuilder::new()), DataType::Boolean)
            }
            OGRFieldType::OFTInteger => (Builder::I32(Int32Builder::new()), DataType::Int32),
            OGRFieldType::OFTInteger64 => (Builder::I64(Int64Builder::new()), DataType::Int64),
            OGRFieldType::OFTReal => (Builder::F64(Float64Builder::new()), DataType::Float64),
            OGRFieldType::OFTDate => (Builder::Date(Date32Builder::new()), DataType::Date32),
            OGRFieldType::OFTDateTime => (
                Builder::Ts(TimestampMillisecondBuilder::new().with_timezone("UTC")),
                DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            ),
            // Strings, times, lists (as JSON) and anything else: text.
            _ => (Builder::Str(StringBuilder::new()), DataType::Utf8),
        }
    }

    fn append(&mut self, value: Option<FieldValue>, trim: bool) {
        match (self, value) {
            (Builder::Bool(b), Some(FieldValue::IntegerValue(v))) => b.append_value(v != 0),
            (Builder::I32(b), Some(FieldValue::IntegerValue(v))) => b.append_value(v),
            (Builder::I64(b), Some(FieldValue::Integer64Value(v))) => b.append_value(v),
            (Builder::I64(b), Some(FieldValue::IntegerValue(v))) => b.append_value(v.into()),
            (Builder::F64(b), Some(FieldValue::RealValue(v))) => b.append_value(v),
            (Builder::Date(b), Some(FieldValue::DateValue(d))) => {
                let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
                b.append_value((d - epoch).num_days() as i32)
            }
            (Builder::Ts(b), Some(FieldValue::DateTimeValue(t))) => {
                b.append_value(t.timestamp_millis())
            }
            (Builder::Str(b), Some(v)) => {
                let text = match v {
                    FieldValue::StringValue(s) => s,
                    FieldValue::StringListValue(l) => serde_json::to_string(&l).unwrap_or_default(),
                    FieldValue::IntegerListValue(l) => {
                        serde_json::to_string(&l).unwrap_or_default()
                    }
                    FieldValue::Integer64ListValue(l) => {
                        serde_json::to_string(&l).unwrap_or_default()
                    }
                    FieldValue::RealListValue(l) => serde_json::to_string(&l).unwrap_or_default(),
                    FieldValue::IntegerValue(i) => i.to_string(),
                    FieldValue::Integer64Value(i) => i.to_string(),
                    FieldValue::RealValue(r) => r.to_string(),
                    FieldValue::DateValue(d) => d.to_string(),
                    FieldValue::DateTimeValue(t) => t.to_rfc3339(),
                };
                if trim {
                    let t = text.trim();
                    if t.is_empty() {
                        b.append_null()
                    } else {
                        b.append_value(t)
                    }
                } else {
                    b.append_value(text)
                }
            }
            (b, _) => b.append_null(),
        }
    }

    fn append_null(&mut self) {
        match self {
            Builder::Bool(b) => b.append_null(),
            Builder::I32(b) => b.append_null(),
            Builder::I64(b) => b.append_null(),
            Builder::F64(b) => b.append_null(),
            Builder::Str(b) => b.append_null(),
            Builder::Date(b) => b.append_null(),
            Builder::Ts(b) => b.append_null(),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Builder::Bool(mut b) => Arc::new(b.finish()),
            Builder::I32(mut b) => Arc::new(b.finish()),
            Builder::I64(mut b) => Arc::new(b.finish()),
            Builder::F64(mut b) => Arc::new(b.finish()),
            Builder::Str(mut b) => Arc::new(b.finish()),
            Builder::Date(mut b) => Arc::new(b.finish()),
            Builder::Ts(mut b) => Arc::new(b.finish()),
        }
    }
}

/// GeoParquet's name for an OGR geometry type.
fn geometry_type_name(ty: OGRwkbGeometryType::Type) -> String {
    let flat = gdal::vector::geometry_type_flatten(ty);
    let base = match flat {
        OGRwkbGeometryType::wkbPoint => "Point",
        OGRwkbGeometryType::wkbLineString => "LineString",
        OGRwkbGeometryType::wkbPolygon => "Polygon",
        OGRwkbGeometryType::wkbMultiPoint => "MultiPoint",
        OGRwkbGeometryType::wkbMultiLineString => "MultiLineString",
        OGRwkbGeometryType::wkbMultiPolygon => "MultiPolygon",
        _ => "GeometryCollection",
    };
    // SAFETY: OGR_GT_HasZ is a pure function of an integer code: no pointers, no GDAL state, and
    // any value is accepted (an unknown code answers FALSE).
    let has_z = unsafe { gdal_sys::OGR_GT_HasZ(ty) } != 0;
    if has_z {
        format!("{base} Z")
    } else {
        base.to_owned()
    }
}

/// A DateTime field as milliseconds since the epoch, keeping fractional seconds (the gdal crate's
/// accessor truncates them). Times without a time zone are taken as UTC.
fn datetime_millis(feature: &gdal::vector::Feature, idx: usize) -> Option<i64> {
    let (mut y, mut mo, mut d, mut h, mut mi, mut tz) = (0, 0, 0, 0, 0, 0);
    let mut s = 0f32;
    // SAFETY: `c_feature()` is the live OGRFeatureH owned by `feature`, which is borrowed for the
    // whole block. `idx` is the index of a field of the layer's definition (callers take it from
    // enumerating that definition), so it is in range and non-negative, and fits an i32 because
    // GDAL counts fields in an int. The out-parameters point to the locals above, of the C types
    // GDAL expects (int, float); GDAL only writes them during the call and keeps no pointer. For a
    // field that is not a date or time GDAL returns FALSE instead of writing.
    let ok = unsafe {
        let f = feature.c_feature();
        gdal_sys::OGR_F_IsFieldSetAndNotNull(f, idx as i32) != 0
            && gdal_sys::OGR_F_GetFieldAsDateTimeEx(
                f, idx as i32, &mut y, &mut mo, &mut d, &mut h, &mut mi, &mut s, &mut tz,
            ) != 0
    };
    if !ok {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(y, mo as u32, d as u32)?;
    let millis = (f64::from(s) * 1000.0).round() as i64;
    let local = date
        .and_hms_opt(h as u32, mi as u32, 0)?
        .and_utc()
        .timestamp_millis()
        + millis;
    // TZ flag: 0 unknown, 1 local time, 100 UTC, 100 ± n: offset of n quarter hours.
    let offset_ms = if tz > 1 {
        i64::from(tz - 100) * 15 * 60 * 1000
    } else {
        0
    };
    Some(local - offset_ms)
}

/// Reads every feature of the source, handing it on in chunks of at most `chunk_rows` features
/// (at least one chunk, empty for an empty source), so that a large source is never held whole.
/// `progress` is called with (features read, total).
pub fn read(
    ds: &Dataset,
    chunk_rows: usize,
    progress: &dyn Fn(u64, u64),
    sink: &mut dyn FnMut(SourceTable) -> Result<(), IngestError>,
) -> Result<(), IngestError> {
    let gdal = open(ds)?;
    let mut layer = layer(ds, &gdal)?;
    let plan = inspect(ds, &layer)?;
    let has_geometry = plan.geometry.is_some();
    let transform = plan.geometry.as_ref().and_then(|g| g.to_crs84.as_ref());
    let driver = gdal.driver().short_name();
    let layer_name = layer.name();
    let crs = plan.crs_label();

    // Columns to publish: every source column that is not withheld, under its published name.
    // SAFETY: `c_layer()` is the live OGRLayerH of `layer`, which borrows the open dataset `gdal`
    // for the rest of this function. GDAL returns the layer's own feature definition (never NULL
    // for a valid layer), owned by the layer: we neither modify nor free it, and use it only in
    // the loop below, while `layer` is alive.
    let c_defn = unsafe { gdal_sys::OGR_L_GetLayerDefn(layer.c_layer()) };
    let mut kept: Vec<(usize, String, OGRFieldType::Type, bool)> = Vec::new();
    for (idx, field) in layer.defn().fields().enumerate() {
        let name = field.name();
        if ds.withhold.contains(&name) {
            continue;
        }
        // SAFETY: `c_defn` is the definition that `layer.defn().fields()` enumerates, so `idx` is
        // in range and OGR_FD_GetFieldDefn returns a non-NULL field definition owned by `c_defn`
        // (alive with `layer`); OGR_Fld_GetSubType only reads it.
        let boolean = unsafe {
            let fd = gdal_sys::OGR_FD_GetFieldDefn(c_defn, idx as i32);
            gdal_sys::OGR_Fld_GetSubType(fd) == gdal_sys::OGRFieldSubType::OFSTBoolean
        };
        kept.push((idx, name, field.field_type(), boolean));
    }
    let new_builders = || -> Vec<Builder> {
        kept.iter()
            .map(|(_, _, ty, boolean)| Builder::for_ogr(*ty, *boolean).0)
            .collect()
    };
    // One chunk's columns, handed on and started afresh every `chunk_rows` features.
    let mut builders = new_builders();
    let mut wkb = Vec::new();
    let mut bbox = Vec::new();
    let mut types: Vec<String> = Vec::new();
    let mut chunk = 0usize;
    let mut emitted = false;
    let mut emit = |builders: Vec<Builder>,
                    wkb: Vec<Option<Vec<u8>>>,
                    bbox: Vec<Option<[f64; 4]>>,
                    mut types: Vec<String>,
                    rows: usize|
     -> Result<(), IngestError> {
        let mut fields = Vec::with_capacity(kept.len());
        let mut source_names = Vec::with_capacity(kept.len());
        for ((_, name, ty, boolean), builder) in kept.iter().zip(builders) {
            let dt = Builder::for_ogr(*ty, *boolean).1;
            let published = ds.published_name(name).to_owned();
            fields.push((Arc::new(Field::new(published, dt, true)), builder.finish()));
            source_names.push(name.clone());
        }
        types.sort();
        sink(SourceTable {
            driver: driver.clone(),
            layer: layer_name.clone(),
            crs: crs.clone(),
            fields,
            source_names,
            geometry: has_geometry.then_some(GeometryColumn { wkb, bbox, types }),
            rows,
        })
    };

    let total = layer.feature_count();
    let mut rows = 0usize;
    for feature in layer.features() {
        for ((idx, name, _, _), builder) in kept.iter().zip(builders.iter_mut()) {
            // The gdal crate's `field()` reads an *unset* field (a key absent from a GeoJSON
            // feature, an empty CSV cell) as 0: check set-and-not-null first.
            // SAFETY: `c_feature()` is the live OGRFeatureH of `feature`, borrowed for this loop
            // iteration; `idx` was enumerated from the layer's definition, which every feature
            // of the layer shares, so it is in range and non-negative.
            let present = unsafe {
                gdal_sys::OGR_F_IsFieldSetAndNotNull(feature.c_feature(), *idx as i32) != 0
            };
            if !present {
                builder.append_null();
                continue;
            }
            if let Builder::Ts(b) = builder {
                b.append_option(datetime_millis(&feature, *idx));
                continue;
            }
            let value = feature.field(*idx).map_err(|e| {
                IngestError::source(ds, format!("feature {}: column `{name}`: {e}", rows + 1))
            })?;
            builder.append(value, ds.source.trim);
        }
        if has_geometry {
            match feature.geometry().filter(|g| !g.is_empty()) {
                Some(g) => {
                    let mut g = g.clone();
                    if let Some(t) = transform {
                        g.transform_inplace(t).map_err(|e| {
                            IngestError::source(
                                ds,
                                format!("feature {}: cannot reproject: {e}", rows + 1),
                            )
                        })?;
                    }
                    let name = geometry_type_name(g.geometry_type());
                    if !types.contains(&name) {
                        types.push(name);
                    }
                    let env = g.envelope();
                    bbox.push(Some([env.MinX, env.MinY, env.MaxX, env.MaxY]));
                    wkb.push(Some(g.wkb().map_err(|e| {
                        IngestError::source(
                            ds,
                            format!("feature {}: cannot encode geometry: {e}", rows + 1),
                        )
                    })?));
                }
                None => {
                    bbox.push(None);
                    wkb.push(None);
                }
            }
        }
        rows += 1;
        chunk += 1;
        if chunk == chunk_rows {
            emit(
                std::mem::replace(&mut builders, new_builders()),
                std::mem::take(&mut wkb),
                std::mem::take(&mut bbox),
                std::mem::take(&mut types),
                chunk,
            )?;
            emitted = true;
            chunk = 0;
        }
        if rows.is_multiple_of(512) {
            progress(rows as u64, total);
        }
    }
    progress(rows as u64, total);
    if chunk > 0 || !emitted {
        emit(builders, wkb, bbox, types, chunk)?;
    }
    Ok(())
}

/// Builds a binary array of WKB (used by the writer).
pub fn wkb_array(wkb: &[Option<Vec<u8>>]) -> ArrayRef {
    let mut b = BinaryBuilder::with_capacity(wkb.len(), wkb.iter().flatten().map(Vec::len).sum());
    for w in wkb {
        match w {
            Some(bytes) => b.append_value(bytes),
            None => b.append_null(),
        }
    }
    Arc::new(b.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_crs_is_suggested_from_the_extent() {
        assert_eq!(
            crs_suggestion(Some([5.1103, 52.0894, 5.1214, 52.0907])),
            "add crs = \"OGC:CRS84\" to the source (its coordinates, x 5.1103 to 5.1214 and y \
             52.0894 to 52.0907, look like longitude/latitude)"
        );
        // The whole world in longitude/latitude is still longitude/latitude.
        assert!(crs_suggestion(Some([-180.0, -90.0, 180.0, 90.0])).contains("OGC:CRS84"));
        assert_eq!(
            crs_suggestion(Some([136020.0, 455750.0, 136876.0, 455870.0])),
            "add crs = \"EPSG:28992\" to the source (its coordinates, x 136020 to 136876 and y \
             455750 to 455870, look like RD New)"
        );
        // UTM 31N around Utrecht: neither; no guess at one CRS, but the numbers and examples.
        let utm = crs_suggestion(Some([646000.0, 5773000.0, 647000.0, 5774000.0]));
        assert!(
            utm.starts_with(
                "add the CRS of its coordinates (x 646000 to 647000 and y 5773000 to 5774000, \
                 neither longitude/latitude nor RD New) to the source"
            ),
            "{utm}"
        );
        // No extent (an empty layer) or a meaningless one: both examples.
        for extent in [
            None,
            Some([f64::NAN, 0.0, 1.0, 1.0]),
            Some([1.0, 0.0, 0.0, 1.0]),
        ] {
            let s = crs_suggestion(extent);
            assert!(s.contains("EPSG:28992") && s.contains("OGC:CRS84"), "{s}");
        }
    }

    #[test]
    fn gzipped_sources_go_through_vsigzip() {
        assert_eq!(gdal_path(Path::new("/d/x.csv.gz")), "/vsigzip//d/x.csv.gz");
        assert_eq!(gdal_path(Path::new("/d/x.gpkg")), "/d/x.gpkg");
    }
}
