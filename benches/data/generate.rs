//! Large benchmark datasets made from the shared real data, deterministically (same seed, same
//! bytes): address points distributed like the BAG and address samples, and polygons shaped like
//! the municipal and neighbourhood boundaries, written as FlatGeobuf (GDAL, no spatial index, so
//! the writer streams) for the normal ingest path.
//!
//! `cargo run --release --example bench_data -- OUT_DIR [POINTS] [POLYGONS] [SEED]`
//! (`make bench-scale` runs it with 10 million points and 1 million polygons).
//!
//! Points: half cluster around the real sample addresses (σ 250 m, their street, town and
//! postcode area), half around the Dutch GeoNames places (σ 900 m, a sample street, the place
//! as town). Attributes as the BAG has them: a unique 16-digit `nummer_id` (the key), street,
//! house number, letter, addition, postcode, town, type, status, start and (rarely) end date.
//! Polygons: a real neighbourhood or municipality outline, scaled (lognormal, about 300 m to
//! 3 km), rotated and moved to a cluster centre, with a code, name, municipality, area and date.

#![allow(
    clippy::unwrap_used,
    reason = "a generator run by hand or make: a failure is a message and an exit"
)]

use std::path::{Path, PathBuf};

use gdal::spatial_ref::{AxisMappingStrategy, SpatialRef};
use gdal::vector::{
    Feature, FieldDefn, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType,
};
use gdal::{Dataset, DriverManager};

/// The shared real data, relative to the repository.
fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

/// splitmix64: small, fast and the same everywhere, so a seed names one dataset.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// A standard normal deviate (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = self.unit().max(1e-300);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// A real address: where it is and what it is called.
struct Seed {
    x: f64,
    y: f64,
    street: String,
    town: String,
    /// The postcode's four digits.
    area: String,
}

/// A Dutch place from GeoNames.
struct Place {
    x: f64,
    y: f64,
    name: String,
}

fn text(f: &Feature, name: &str) -> Option<String> {
    f.field_as_string(f.field_index(name).ok()?).ok().flatten()
}

fn read_seeds() -> Vec<Seed> {
    let mut seeds = Vec::new();
    let files = [
        ("other/bag_sample_gokoala_wgs84.gpkg", "woonplaats"),
        ("other/dutch_addresses_pygeoapi_wgs84.gpkg", "woonplaats"),
    ];
    for (file, town) in files {
        let ds = Dataset::open(shared().join(file)).unwrap();
        for mut layer in ds.layers() {
            for f in layer.features() {
                let Some(g) = f.geometry() else { continue };
                let (x, y, _) = g.get_point(0);
                let (Some(street), Some(town), Some(postcode)) =
                    (text(&f, "straatnaam"), text(&f, town), text(&f, "postcode"))
                else {
                    continue;
                };
                seeds.push(Seed {
                    x,
                    y,
                    street,
                    town,
                    area: postcode.chars().take(4).collect(),
                });
            }
        }
    }
    assert!(!seeds.is_empty(), "no sample addresses read");
    seeds
}

fn read_places() -> Vec<Place> {
    let path = shared().join("large/geonames_cities_world.csv.gz");
    let ds = Dataset::open_ex(
        format!("/vsigzip/{}", path.display()),
        gdal::DatasetOptions {
            open_options: Some(&["X_POSSIBLE_NAMES=lng", "Y_POSSIBLE_NAMES=lat"]),
            ..Default::default()
        },
    )
    .unwrap();
    let mut layer = ds.layer(0).unwrap();
    layer.set_attribute_filter("country = 'NL'").unwrap();
    let mut places: Vec<Place> = layer
        .features()
        .filter_map(|f| {
            let (x, y, _) = f.geometry()?.get_point(0);
            Some(Place {
                x,
                y,
                name: text(&f, "name")?,
            })
        })
        .collect();
    // The file's order is the order of this list: fixed, so the seed alone decides the output.
    places.sort_by(|a, b| a.name.cmp(&b.name).then(a.x.total_cmp(&b.x)));
    places
}

/// Outline templates: exterior rings centred on (0, 0) in metres, scaled to a 1 m diagonal.
fn read_outlines() -> Vec<Vec<(f64, f64)>> {
    let mut outlines = Vec::new();
    for file in [
        "boundaries/utrecht_stad_buurt_2015_wgs84.geojson",
        "boundaries/utrecht_stad_wijk_2015_wgs84.geojson",
        "boundaries/nl_gemeenten_2022_gegeneraliseerd_wgs84.geojson",
    ] {
        let ds = Dataset::open(shared().join(file)).unwrap();
        let mut layer = ds.layer(0).unwrap();
        for f in layer.features() {
            let Some(g) = f.geometry() else { continue };
            // The largest part's exterior ring.
            let mut rings: Vec<Vec<(f64, f64)>> = Vec::new();
            let mut collect = |poly: &gdal::vector::GeometryRef| {
                if let Some(ring) = (poly.geometry_count() > 0).then(|| poly.get_geometry(0)) {
                    let mut points = Vec::new();
                    ring.get_points(&mut points);
                    rings.push(points.iter().map(|p| (p.0, p.1)).collect());
                }
            };
            if g.geometry_count() > 0 && g.get_geometry(0).geometry_count() > 0 {
                for i in 0..g.geometry_count() {
                    collect(&g.get_geometry(i));
                }
            } else {
                collect(&g.get_geometry(0));
            }
            let Some(ring) = rings.into_iter().max_by_key(|r| r.len()) else {
                continue;
            };
            if ring.len() < 4 {
                continue;
            }
            let n = ring.len() as f64;
            let (cx, cy) = ring
                .iter()
                .fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
            let k = (cy.to_radians()).cos();
            let local: Vec<(f64, f64)> = ring
                .iter()
                .map(|p| ((p.0 - cx) * 111_320.0 * k, (p.1 - cy) * 111_320.0))
                .collect();
            let (x0, x1, y0, y1) = local
                .iter()
                .fold((f64::MAX, f64::MIN, f64::MAX, f64::MIN), |a, p| {
                    (a.0.min(p.0), a.1.max(p.0), a.2.min(p.1), a.3.max(p.1))
                });
            let diagonal = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt().max(1e-9);
            outlines.push(
                local
                    .iter()
                    .map(|p| (p.0 / diagonal, p.1 / diagonal))
                    .collect(),
            );
        }
    }
    assert!(!outlines.is_empty(), "no outlines read");
    outlines
}

const STATUSES: [(&str, u64); 4] = [
    ("Verblijfsobject in gebruik", 90),
    ("Verblijfsobject in gebruik (niet ingemeten)", 4),
    ("Verbouwing verblijfsobject", 3),
    ("Verblijfsobject buiten gebruik", 3),
];
const TYPES: [(&str, u64); 3] = [
    ("Verblijfsobject", 96),
    ("Ligplaats", 2),
    ("Standplaats", 2),
];

fn weighted<'a>(rng: &mut Rng, table: &[(&'a str, u64)]) -> &'a str {
    let total: u64 = table.iter().map(|t| t.1).sum();
    let mut r = rng.next() % total;
    for (v, w) in table {
        if r < *w {
            return v;
        }
        r -= w;
    }
    table[0].0
}

/// Metres east/north of (x, y) in degrees.
fn offset(x: f64, y: f64, east: f64, north: f64) -> (f64, f64) {
    (
        x + east / (111_320.0 * y.to_radians().cos()),
        y + north / 111_320.0,
    )
}

fn point_wkb(x: f64, y: f64) -> Vec<u8> {
    let mut w = Vec::with_capacity(21);
    w.extend_from_slice(&[1, 1, 0, 0, 0]);
    w.extend_from_slice(&x.to_le_bytes());
    w.extend_from_slice(&y.to_le_bytes());
    w
}

fn polygon_wkb(ring: &[(f64, f64)]) -> Vec<u8> {
    let mut w = Vec::with_capacity(13 + ring.len() * 16);
    w.extend_from_slice(&[1, 3, 0, 0, 0, 1, 0, 0, 0]);
    w.extend_from_slice(&(ring.len() as u32).to_le_bytes());
    for (x, y) in ring {
        w.extend_from_slice(&x.to_le_bytes());
        w.extend_from_slice(&y.to_le_bytes());
    }
    w
}

/// An ISO date between 1900 and 2025.
fn date(rng: &mut Rng) -> String {
    let days = rng.below(126 * 365);
    let d = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Days::new(days as u64);
    d.format("%Y-%m-%d").to_string()
}

fn create(path: &Path, ty: OGRwkbGeometryType::Type, fields: &[(&str, u32)]) -> Dataset {
    let _ = std::fs::remove_file(path);
    let driver = DriverManager::get_driver_by_name("FlatGeobuf").unwrap();
    let mut ds = driver.create_vector_only(path).unwrap();
    let mut srs = SpatialRef::from_epsg(4326).unwrap();
    srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let name = path.file_stem().unwrap().to_string_lossy().into_owned();
    let layer = ds
        .create_layer(LayerOptions {
            name: &name,
            srs: Some(&srs),
            ty,
            options: Some(&["SPATIAL_INDEX=NO"]),
        })
        .unwrap();
    for (name, ty) in fields {
        FieldDefn::new(name, *ty)
            .unwrap()
            .add_to_layer(&layer)
            .unwrap();
    }
    ds
}

/// Writes `count` address points to `path`.
pub fn addresses(path: &Path, count: u64, seed: u64, progress: bool) {
    let seeds = read_seeds();
    let places = read_places();
    let mut rng = Rng(seed);
    use OGRFieldType::*;
    let ds = create(
        path,
        OGRwkbGeometryType::wkbPoint,
        &[
            ("nummer_id", OFTString),
            ("straatnaam", OFTString),
            ("huisnummer", OFTInteger),
            ("huisletter", OFTString),
            ("toevoeging", OFTString),
            ("postcode", OFTString),
            ("woonplaats", OFTString),
            ("type", OFTString),
            ("status", OFTString),
            ("datum_strt", OFTDate),
            ("datum_eind", OFTDate),
        ],
    );
    let layer = ds.layer(0).unwrap();
    let defn = layer.defn();
    for n in 0..count {
        let (x, y, street, town, area);
        if rng.next() & 1 == 0 {
            let s = &seeds[rng.below(seeds.len())];
            (x, y) = offset(s.x, s.y, rng.normal() * 250.0, rng.normal() * 250.0);
            (street, town, area) = (s.street.as_str(), s.town.as_str(), s.area.clone());
        } else {
            let p = &places[rng.below(places.len())];
            (x, y) = offset(p.x, p.y, rng.normal() * 900.0, rng.normal() * 900.0);
            street = seeds[rng.below(seeds.len())].street.as_str();
            town = p.name.as_str();
            area = format!("{}", 1000 + rng.below(9000));
        }
        let letters = b"ABCDEFGHJKLMNPRSTVWXZ";
        let postcode = format!(
            "{area}{}{}",
            letters[rng.below(letters.len())] as char,
            letters[rng.below(letters.len())] as char
        );
        let mut f = Feature::new(defn).unwrap();
        // Municipality code, object kind 20, then a sequence: unique, like BAG ids.
        let gemeente = 300 + (n % 1700);
        f.set_field_string(0, &format!("{gemeente:04}20{n:010}"))
            .unwrap();
        f.set_field_string(1, street).unwrap();
        f.set_field_integer(2, 1 + (rng.normal().abs() * 60.0) as i32)
            .unwrap();
        if rng.below(10) == 0 {
            f.set_field_string(3, &((b'A' + rng.below(4) as u8) as char).to_string())
                .unwrap();
        }
        if rng.below(8) == 0 {
            let t = ["1", "2", "3", "H", "BIS", "A"][rng.below(6)];
            f.set_field_string(4, t).unwrap();
        }
        f.set_field_string(5, &postcode).unwrap();
        f.set_field_string(6, town).unwrap();
        f.set_field_string(7, weighted(&mut rng, &TYPES)).unwrap();
        f.set_field_string(8, weighted(&mut rng, &STATUSES))
            .unwrap();
        f.set_field_string(9, &date(&mut rng)).unwrap();
        if rng.below(20) == 0 {
            f.set_field_string(10, &date(&mut rng)).unwrap();
        }
        f.set_geometry(Geometry::from_wkb(&point_wkb(x, y)).unwrap())
            .unwrap();
        f.create(&layer).unwrap();
        if progress && (n + 1) % 1_000_000 == 0 {
            eprintln!("addresses: {} of {count}", n + 1);
        }
    }
    ds.close().unwrap();
}

/// Writes `count` polygons to `path`.
pub fn areas(path: &Path, count: u64, seed: u64, progress: bool) {
    let outlines = read_outlines();
    let seeds = read_seeds();
    let places = read_places();
    let mut rng = Rng(seed ^ 0xA5EA_5A5E);
    use OGRFieldType::*;
    let ds = create(
        path,
        OGRwkbGeometryType::wkbPolygon,
        &[
            ("code", OFTString),
            ("naam", OFTString),
            ("gemeente", OFTString),
            ("oppervlakte_ha", OFTReal),
            ("geldig_vanaf", OFTDate),
        ],
    );
    let layer = ds.layer(0).unwrap();
    let defn = layer.defn();
    for n in 0..count {
        let (cx, cy, town) = if rng.next() & 1 == 0 {
            let s = &seeds[rng.below(seeds.len())];
            (s.x, s.y, s.town.as_str())
        } else {
            let p = &places[rng.below(places.len())];
            (p.x, p.y, p.name.as_str())
        };
        let (cx, cy) = offset(cx, cy, rng.normal() * 1500.0, rng.normal() * 1500.0);
        let outline = &outlines[rng.below(outlines.len())];
        let size = (6.9 + rng.normal() * 0.6).exp(); // metres of diagonal, ~1 km
        let (sin, cos) = (rng.unit() * std::f64::consts::TAU).sin_cos();
        let ring: Vec<(f64, f64)> = outline
            .iter()
            .map(|&(x, y)| {
                let (e, nn) = ((x * cos - y * sin) * size, (x * sin + y * cos) * size);
                offset(cx, cy, e, nn)
            })
            .collect();
        let area_m2: f64 = outline
            .windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum::<f64>()
            .abs()
            / 2.0
            * size
            * size;
        let mut f = Feature::new(defn).unwrap();
        f.set_field_string(0, &format!("BU{n:08}")).unwrap();
        let street = &seeds[rng.below(seeds.len())].street;
        f.set_field_string(1, &format!("{street} e.o.")).unwrap();
        f.set_field_string(2, town).unwrap();
        f.set_field_double(3, (area_m2 / 100.0).round() / 100.0)
            .unwrap();
        f.set_field_string(4, &date(&mut rng)).unwrap();
        f.set_geometry(Geometry::from_wkb(&polygon_wkb(&ring)).unwrap())
            .unwrap();
        f.create(&layer).unwrap();
        if progress && (n + 1) % 100_000 == 0 {
            eprintln!("areas: {} of {count}", n + 1);
        }
    }
    ds.close().unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: bench_data OUT_DIR [POINTS=10000000] [POLYGONS=1000000] [SEED=1]");
        std::process::exit(2);
    };
    let number = |i: usize, default: u64| args.get(i).map_or(default, |s| s.parse().unwrap());
    let (points, polygons, seed) = (number(1, 10_000_000), number(2, 1_000_000), number(3, 1));
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out).unwrap();
    let started = std::time::Instant::now();
    addresses(&out.join("addresses.fgb"), points, seed, true);
    eprintln!(
        "{points} addresses in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = std::time::Instant::now();
    areas(&out.join("areas.fgb"), polygons, seed, true);
    eprintln!(
        "{polygons} areas in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_bytes_and_another_seed_other_bytes() {
        let dir = tempfile::tempdir().unwrap();
        // The layer is named after the file: each run writes the same names in its own dir.
        let run = |name: &str, seed: u64| {
            let out = dir.path().join(name);
            std::fs::create_dir(&out).unwrap();
            addresses(&out.join("addresses.fgb"), 2000, seed, false);
            areas(&out.join("areas.fgb"), 300, seed, false);
            let read = |f: &str| std::fs::read(out.join(f)).unwrap();
            (read("addresses.fgb"), read("areas.fgb"))
        };
        let first = run("a", 7);
        assert!(first == run("b", 7), "same seed, other bytes");
        let other = run("c", 8);
        assert!(
            first.0 != other.0 && first.1 != other.1,
            "another seed, same bytes"
        );
        // Readable by GDAL, with every feature and the clusters inside the Netherlands.
        let ds = Dataset::open(dir.path().join("a/addresses.fgb")).unwrap();
        let layer = ds.layer(0).unwrap();
        assert_eq!(layer.feature_count(), 2000);
        let e = layer.get_extent().unwrap();
        assert!(
            e.MinX > 3.0 && e.MaxX < 7.6 && e.MinY > 50.6 && e.MaxY < 53.7,
            "{e:?}"
        );
        let ds = Dataset::open(dir.path().join("a/areas.fgb")).unwrap();
        assert_eq!(ds.layer(0).unwrap().feature_count(), 300);
    }
}
