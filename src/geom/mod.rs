//! Geometry helpers over WKB. Reading WKB (geozero's reader behind a guard) and writing GeoJSON,
//! WKT and `geo` geometries live in the `ontsluit-geom` crate (`crates/geom`, fuzzed without
//! DataFusion); this module re-exports them and adds what needs Arrow ([`WkbColumn`]).

pub use ontsluit_geom::{geojson, to_geo, wkb, wkt};

#[cfg(test)]
pub(crate) use ontsluit_geom::build as test_wkb;

/// A bounding box `[minx, miny, maxx, maxy]` in CRS84.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub minx: f64,
    pub miny: f64,
    pub maxx: f64,
    pub maxy: f64,
}

/// A column of WKB values in any of Arrow's binary layouts.
pub enum WkbColumn<'a> {
    Binary(&'a arrow::array::BinaryArray),
    Large(&'a arrow::array::LargeBinaryArray),
    View(&'a arrow::array::BinaryViewArray),
}

impl<'a> WkbColumn<'a> {
    /// Views `array` as WKB values; `None` when it is not a binary array.
    pub fn new(array: &'a dyn arrow::array::Array) -> Option<Self> {
        use arrow::array::AsArray;
        use arrow::datatypes::DataType;
        match array.data_type() {
            DataType::Binary => Some(WkbColumn::Binary(array.as_binary::<i32>())),
            DataType::LargeBinary => Some(WkbColumn::Large(array.as_binary::<i64>())),
            DataType::BinaryView => Some(WkbColumn::View(array.as_binary_view())),
            _ => None,
        }
    }

    pub fn len(&self) -> usize {
        use arrow::array::Array;
        match self {
            WkbColumn::Binary(a) => a.len(),
            WkbColumn::Large(a) => a.len(),
            WkbColumn::View(a) => a.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The WKB of row `i`, or `None` when it is null.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        use arrow::array::Array;
        match self {
            WkbColumn::Binary(a) => a.is_valid(i).then(|| a.value(i)),
            WkbColumn::Large(a) => a.is_valid(i).then(|| a.value(i)),
            WkbColumn::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}
