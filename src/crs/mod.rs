//! Coordinate reference systems of the API (OGC API Features Part 2): which ones are offered, how
//! clients name them, and coordinate transformation between them and the stored CRS84.
//!
//! Data is stored in OGC:CRS84 (longitude, latitude); every other CRS is produced on the way out
//! (and bbox/filter geometries converted on the way in) by PROJ through GDAL's OSR, the same
//! library and transformation choice as PROJ's `cs2cs`. Axis order follows each CRS's
//! definition: EPSG:4326 and EPSG:4258 are latitude first.

mod wkb_transform;

use std::cell::RefCell;
use std::collections::HashMap;

use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};

pub use wkb_transform::transform_wkb_array;

use crate::geom::Bbox;

/// A CRS the API offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Crs {
    /// WGS 84 longitude, latitude: the storage CRS and the default.
    Crs84,
    /// EPSG:4326, WGS 84 latitude, longitude.
    Epsg4326,
    /// EPSG:28992, Amersfoort / RD New, easting and northing in metres.
    Epsg28992,
    /// EPSG:4258, ETRS89 latitude, longitude.
    Epsg4258,
    /// EPSG:3857, WGS 84 / Pseudo-Mercator, metres.
    Epsg3857,
}

#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    #[error("transforming coordinates from {from} to {to}: {message}")]
    Transform {
        from: &'static str,
        to: &'static str,
        message: String,
    },
    #[error("invalid geometry: {0}")]
    Geometry(#[from] crate::geom::wkb::WkbError),
}

impl Crs {
    /// Every offered CRS, the storage CRS first.
    pub const ALL: [Crs; 5] = [
        Crs::Crs84,
        Crs::Epsg4326,
        Crs::Epsg28992,
        Crs::Epsg4258,
        Crs::Epsg3857,
    ];

    /// The OGC URI that names it in requests, responses and `Content-Crs`.
    pub fn uri(self) -> &'static str {
        match self {
            Crs::Crs84 => "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
            Crs::Epsg4326 => "http://www.opengis.net/def/crs/EPSG/0/4326",
            Crs::Epsg28992 => "http://www.opengis.net/def/crs/EPSG/0/28992",
            Crs::Epsg4258 => "http://www.opengis.net/def/crs/EPSG/0/4258",
            Crs::Epsg3857 => "http://www.opengis.net/def/crs/EPSG/0/3857",
        }
    }

    /// Short name, e.g. `EPSG:28992`.
    pub fn code(self) -> &'static str {
        match self {
            Crs::Crs84 => "OGC:CRS84",
            Crs::Epsg4326 => "EPSG:4326",
            Crs::Epsg28992 => "EPSG:28992",
            Crs::Epsg4258 => "EPSG:4258",
            Crs::Epsg3857 => "EPSG:3857",
        }
    }

    /// Parses a CRS as clients write it: the OGC URI (http or https), a safe CURIE
    /// `[EPSG:28992]`, or `EPSG:28992` / `OGC:CRS84`.
    pub fn parse(text: &str) -> Option<Crs> {
        let t = text.trim();
        let t = t
            .strip_prefix('[')
            .and_then(|t| t.strip_suffix(']'))
            .unwrap_or(t);
        let t = t
            .strip_prefix("https://")
            .map(|rest| format!("http://{rest}"))
            .unwrap_or_else(|| t.to_owned());
        Crs::ALL
            .into_iter()
            .find(|c| c.uri() == t || c.code().eq_ignore_ascii_case(&t))
    }

    /// The offered CRSs, for error messages.
    pub fn listing() -> String {
        Crs::ALL.map(Crs::uri).join(", ")
    }

    /// Projected (metres) rather than geographic (degrees).
    pub fn is_projected(self) -> bool {
        matches!(self, Crs::Epsg28992 | Crs::Epsg3857)
    }

    /// Latitude before longitude, as EPSG defines 4326 and 4258.
    pub fn is_lat_lon(self) -> bool {
        matches!(self, Crs::Epsg4326 | Crs::Epsg4258)
    }

    /// Decimals that keep about 1 cm: `degrees` (7) for geographic CRSs, `metres` (2) otherwise.
    pub fn decimals(self, degrees: u32, metres: u32) -> u32 {
        if self.is_projected() { metres } else { degrees }
    }

    /// The EPSG code PROJ transforms through (CRS84 is EPSG:4326 in longitude, latitude order).
    pub fn epsg(self) -> u32 {
        match self {
            Crs::Crs84 | Crs::Epsg4326 => 4326,
            Crs::Epsg28992 => 28992,
            Crs::Epsg4258 => 4258,
            Crs::Epsg3857 => 3857,
        }
    }
}

thread_local! {
    /// OSR transformations are costly to create and not `Send`: one set per thread.
    static TRANSFORMS: RefCell<HashMap<(u32, u32), CoordTransform>> = RefCell::new(HashMap::new());
}

fn spatial_ref(epsg: u32) -> Result<SpatialRef, gdal::errors::GdalError> {
    let mut srs = SpatialRef::from_epsg(epsg)?;
    // x = longitude/easting, y = latitude/northing throughout; lat-lon order is applied after.
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    Ok(srs)
}

/// Transforms coordinates in place from `from` to `to`, each in its own axis order. Positions
/// with NaN (empty points) stay NaN.
pub fn transform(from: Crs, to: Crs, xs: &mut [f64], ys: &mut [f64]) -> Result<(), CrsError> {
    if from == to {
        return Ok(());
    }
    if from.is_lat_lon() {
        swap_slices(xs, ys);
    }
    let (a, b) = (from.epsg(), to.epsg());
    if a != b {
        let error = |message: String| CrsError::Transform {
            from: from.code(),
            to: to.code(),
            message,
        };
        TRANSFORMS.with(|cache| {
            let mut cache = cache.borrow_mut();
            let t = match cache.entry((a, b)) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => e.insert(
                    spatial_ref(a)
                        .and_then(|s| spatial_ref(b).and_then(|t| CoordTransform::new(&s, &t)))
                        .map_err(|e| error(e.to_string()))?,
                ),
            };
            t.transform_coords(xs, ys, &mut [])
                .map_err(|e| error(e.to_string()))
        })?;
    }
    if to.is_lat_lon() {
        swap_slices(xs, ys);
    }
    Ok(())
}

/// Swaps the contents of two equally long slices (x ↔ y).
fn swap_slices(xs: &mut [f64], ys: &mut [f64]) {
    xs.swap_with_slice(ys);
}

/// One position from `from` into `to`.
pub fn transform_point(from: Crs, to: Crs, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
    let (mut xs, mut ys) = ([x], [y]);
    transform(from, to, &mut xs, &mut ys)?;
    Ok((xs[0], ys[0]))
}

/// Points along the edges of a box given in `crs` (`[x1, y1, x2, y2]` in its axis order), as a
/// closed CRS84 ring: a straight edge in one CRS is a curve in another, so each edge is
/// densified. Also returns the ring's envelope.
pub fn box_to_crs84(crs: Crs, b: [f64; 4]) -> Result<(Vec<(f64, f64)>, Bbox), CrsError> {
    const STEPS: usize = 32;
    let [x1, y1, x2, y2] = b;
    let corners = [(x1, y1), (x2, y1), (x2, y2), (x1, y2), (x1, y1)];
    let mut xs = Vec::with_capacity(4 * STEPS + 1);
    let mut ys = Vec::with_capacity(4 * STEPS + 1);
    for edge in corners.windows(2) {
        let ((ax, ay), (bx, by)) = (edge[0], edge[1]);
        for i in 0..STEPS {
            let t = i as f64 / STEPS as f64;
            xs.push(ax + (bx - ax) * t);
            ys.push(ay + (by - ay) * t);
        }
    }
    xs.push(x1);
    ys.push(y1);
    transform(crs, Crs::Crs84, &mut xs, &mut ys)?;
    let fold = |v: &[f64], f: fn(f64, f64) -> f64, init: f64| v.iter().copied().fold(init, f);
    let envelope = Bbox {
        minx: fold(&xs, f64::min, f64::INFINITY),
        miny: fold(&ys, f64::min, f64::INFINITY),
        maxx: fold(&xs, f64::max, f64::NEG_INFINITY),
        maxy: fold(&ys, f64::max, f64::NEG_INFINITY),
    };
    Ok((xs.into_iter().zip(ys).collect(), envelope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_in_every_common_spelling() {
        for crs in Crs::ALL {
            assert_eq!(Crs::parse(crs.uri()), Some(crs));
            assert_eq!(Crs::parse(crs.code()), Some(crs));
            assert_eq!(Crs::parse(&format!("[{}]", crs.code())), Some(crs));
        }
        assert_eq!(
            Crs::parse("https://www.opengis.net/def/crs/EPSG/0/28992"),
            Some(Crs::Epsg28992)
        );
        assert_eq!(
            Crs::parse("http://www.opengis.net/def/crs/EPSG/0/2154"),
            None
        );
        assert_eq!(Crs::parse(""), None);
    }

    #[test]
    fn rd_origin_matches_cs2cs() {
        // `echo 155000 463000 | cs2cs -f %.9f EPSG:28992 EPSG:4326` → 52.155172301 5.387203508
        let (lat, lon) =
            transform_point(Crs::Epsg28992, Crs::Epsg4326, 155000.0, 463000.0).unwrap();
        assert!((lat - 52.155172301).abs() < 1e-8, "{lat}");
        assert!((lon - 5.387203508).abs() < 1e-8, "{lon}");
        let (x, y) = transform_point(Crs::Crs84, Crs::Epsg28992, lon, lat).unwrap();
        assert!((x - 155000.0).abs() < 1e-3 && (y - 463000.0).abs() < 1e-3);
    }

    #[test]
    fn lat_lon_crss_swap_axes() {
        let (a, b) = transform_point(Crs::Crs84, Crs::Epsg4326, 5.1, 52.1).unwrap();
        assert_eq!((a, b), (52.1, 5.1));
        let (x, y) = transform_point(Crs::Epsg4326, Crs::Crs84, 52.1, 5.1).unwrap();
        assert_eq!((x, y), (5.1, 52.1));
        let (x, y) = transform_point(Crs::Crs84, Crs::Epsg3857, 0.0, 0.0).unwrap();
        assert!(x.abs() < 1e-6 && y.abs() < 1e-6);
    }

    #[test]
    fn rd_box_becomes_a_densified_crs84_ring() {
        let (ring, env) =
            box_to_crs84(Crs::Epsg28992, [130000.0, 440000.0, 150000.0, 460000.0]).unwrap();
        assert_eq!(ring.len(), 4 * 32 + 1);
        assert_eq!(ring.first(), ring.last());
        assert!(env.minx > 4.9 && env.maxx < 5.4 && env.miny > 51.9 && env.maxy < 52.2);
    }
}
