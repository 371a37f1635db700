//! Geometry helpers over WKB: reading ([`wkb`]), writing GeoJSON ([`geojson`]) and WKT ([`wkt`]), converting to
//! `geo` types for exact spatial tests ([`to_geo`]).

pub mod geojson;
pub mod to_geo;
pub mod wkb;
pub mod wkt;

#[cfg(test)]
pub(crate) mod test_wkb;

/// Appends `v` rounded to `scale` (10^decimals) in its shortest text form (`5.1`, not
/// `5.1000000`); returns `false`, writing nothing, when `v` is not finite.
pub(crate) fn write_rounded(out: &mut Vec<u8>, v: f64, scale: f64) -> bool {
    use std::io::Write;
    if !v.is_finite() {
        return false;
    }
    let r = (v * scale).round() / scale;
    // Display prints the shortest text that reads back as `r`: at most the chosen decimals.
    let _ = write!(out, "{}", if r == 0.0 { 0.0 } else { r });
    true
}

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
