//! The table the filter tests run on, shared by the tests of every concern.
//!
//! Each operator family runs real filters (parsed with `cql2::parse_text`/`parse_json`)
//! through DataFusion over an in-memory table and compares the ids with a brute-force
//! evaluation written directly over the same rows: `chrono` for calendar arithmetic,
//! explicit interval arithmetic for the temporal operators, `geo`'s relate on the raw
//! geometries for the spatial ones, and hand-written answers for accents.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, AsArray, BinaryArray, BooleanArray, Date32Array, Float64Array, Int32Array,
    Int64Array, RecordBatch, StringArray, StringViewArray, StructArray, TimestampMillisecondArray,
};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field, Fields, Int64Type, Schema, TimeUnit};
use chrono::{DateTime, NaiveDate};
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::prelude::SessionContext;
use geo::{BoundingRect, Geometry, LineString, MultiPoint, MultiPolygon, Point, Polygon};

use super::{Queryables, to_expr};
use crate::engine::spatial::to_wkb;

type B = Option<bool>;
type Oracle = Box<dyn Fn(&Row) -> B>;

pub(super) fn and3(a: B, b: B) -> B {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

pub(super) fn or3(a: B, b: B) -> B {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

// --- geometries, built directly with geo -------------------------------------------------

pub(super) fn pt(x: f64, y: f64) -> Geometry {
    Geometry::Point(Point::new(x, y))
}

fn ls(cs: &[(f64, f64)]) -> Geometry {
    Geometry::LineString(LineString::from(cs.to_vec()))
}

fn ring(cs: &[(f64, f64)]) -> LineString {
    LineString::from(cs.to_vec())
}

pub(super) fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon {
    Polygon::new(
        ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]),
        vec![],
    )
}

// --- rows --------------------------------------------------------------------------------

pub(super) struct Row {
    pub(super) id: i64,
    pub(super) name: Option<&'static str>,
    pub(super) label: Option<&'static str>,
    pub(super) count: Option<i32>,
    pub(super) big: Option<i64>,
    pub(super) ratio: Option<f64>,
    pub(super) flag: Option<bool>,
    pub(super) day: Option<&'static str>,
    pub(super) end_day: Option<&'static str>,
    pub(super) at: Option<&'static str>,
    pub(super) until: Option<&'static str>,
    pub(super) weird: Option<i64>,
    pub(super) geometry: Option<Geometry>,
}

pub(super) fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub(super) fn epoch_days(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
}

pub(super) fn ms(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
}

impl Row {
    pub(super) fn day(&self) -> Option<NaiveDate> {
        self.day.map(date)
    }
    pub(super) fn end_day(&self) -> Option<NaiveDate> {
        self.end_day.map(date)
    }
    pub(super) fn at(&self) -> Option<i64> {
        self.at.map(ms)
    }
    pub(super) fn until(&self) -> Option<i64> {
        self.until.map(ms)
    }
}

#[allow(clippy::too_many_arguments)]
fn row(
    id: i64,
    name: Option<&'static str>,
    label: Option<&'static str>,
    count: Option<i32>,
    big: Option<i64>,
    ratio: Option<f64>,
    flag: Option<bool>,
    day: Option<&'static str>,
    end_day: Option<&'static str>,
    at: Option<&'static str>,
    until: Option<&'static str>,
    weird: Option<i64>,
    geometry: Option<Geometry>,
) -> Row {
    Row {
        id,
        name,
        label,
        count,
        big,
        ratio,
        flag,
        day,
        end_day,
        at,
        until,
        weird,
        geometry,
    }
}

fn rows() -> Vec<Row> {
    let far = MultiPolygon(vec![sq(10.0, 10.0, 11.0, 11.0), sq(20.0, 20.0, 21.0, 21.0)]);
    // The square of row 3, from another corner: topologically equal.
    let rotated = Polygon::new(
        ring(&[(2.0, 2.0), (0.0, 2.0), (0.0, 0.0), (2.0, 0.0), (2.0, 2.0)]),
        vec![],
    );
    #[rustfmt::skip]
    let rows = vec![
        row(1, Some("Amsterdam"), Some("amsterdam"), Some(10), Some(5_000_000_000), Some(0.5), Some(true),
            Some("2024-01-01"), Some("2024-01-10"), Some("2024-01-01T00:00:00Z"), Some("2024-01-01T12:00:00Z"),
            Some(1), Some(pt(4.9, 52.37))),
        row(2, Some("Zoë"), Some("ZOE"), Some(3), Some(-7), Some(-2.25), Some(false),
            Some("2024-01-10"), Some("2024-01-10"), Some("2024-01-10T23:59:59.999Z"), Some("2024-01-11T00:00:00Z"),
            Some(2), Some(ls(&[(0.0, 0.0), (2.0, 2.0)]))),
        row(3, Some("Café"), Some("cafe"), Some(0), Some(0), Some(0.0), Some(true),
            Some("2024-01-05"), Some("2024-02-01"), Some("2024-01-05T12:00:00Z"), Some("2024-01-06T00:00:00Z"),
            Some(3), Some(Geometry::Polygon(sq(0.0, 0.0, 2.0, 2.0)))),
        row(4, Some("CAFÉ"), Some("Café"), Some(-5), Some(12), Some(3.75), None,
            Some("2023-12-31"), Some("2024-01-01"), Some("2023-12-31T23:59:59.999Z"), Some("2024-01-01T00:00:00Z"),
            Some(4), Some(Geometry::Polygon(sq(1.0, 1.0, 3.0, 3.0)))),
        row(5, Some("São Paulo"), Some("sao paulo"), Some(7), Some(100), None, Some(false),
            None, None, None, None, None, None),
        row(6, Some("100%_real"), Some("100% real"), None, Some(42), Some(0.001), Some(true),
            Some("2024-02-29"), Some("2024-03-01"), Some("2024-02-29T10:00:00.123Z"), None,
            Some(6), Some(pt(1.0, 1.0))),
        row(7, Some("a\\b"), Some("A\\B"), Some(25), Some(25), Some(25.0), Some(false),
            Some("2024-01-01"), Some("2024-01-01"), Some("2024-01-01T00:00:00.001Z"), Some("2024-01-01T00:00:00.001Z"),
            Some(7), Some(pt(2.0, 1.0))),
        row(8, None, Some(""), Some(1), Some(1), Some(1.5), None,
            Some("1969-12-31"), Some("1970-01-02"), Some("1969-12-31T23:00:00Z"), Some("1970-01-01T01:00:00Z"),
            Some(8), Some(ls(&[(-1.0, 1.0), (3.0, 1.0)]))),
        row(9, Some("naïve"), Some("Naive"), Some(2), Some(-1), Some(-0.5), Some(true),
            Some("2024-01-10"), Some("2024-01-09"), Some("2024-01-10T00:00:00Z"), Some("2024-01-09T00:00:00Z"),
            Some(9), Some(Geometry::MultiPolygon(far))),
        row(10, Some("Ångström"), Some("angstrom"), Some(1000), Some(9_000_000_000_000), Some(1e10), Some(false),
            Some("2024-01-02"), Some("2024-01-03"), Some("2024-01-02T00:00:00Z"), Some("2024-01-03T00:00:00Z"),
            Some(10), Some(pt(179.5, 0.0))),
        row(11, Some("amsterdam"), Some("Amsterdam"), Some(10), Some(10), Some(10.0), Some(true),
            Some("2024-01-01"), Some("2024-01-01"), Some("2024-01-01T23:59:59.999Z"), None,
            Some(11), Some(pt(-179.5, 0.0))),
        row(12, Some("Zoe"), Some("zoë"), Some(3), Some(3), Some(3.0), Some(false),
            Some("2024-01-31"), Some("2024-12-31"), Some("2024-06-15T12:00:00Z"), Some("2024-06-15T12:00:00Z"),
            Some(12), Some(Geometry::Polygon(rotated))),
        row(13, Some("Ærø"), Some("aero"), Some(-1), None, Some(-1.0), None,
            Some("2024-01-11"), Some("2024-01-11"), Some("2024-01-11T00:00:00Z"), Some("2024-01-12T00:00:00Z"),
            Some(13), Some(Geometry::Polygon(sq(0.5, 0.5, 1.0, 1.0)))),
        row(14, Some("x"), Some("y"), Some(4), Some(4), Some(4.0), Some(true),
            Some("2024-01-10"), Some("2024-01-20"), Some("2024-01-05T00:00:00Z"), Some("2024-01-10T00:00:00Z"),
            Some(14), Some(Geometry::Polygon(sq(2.0, 0.0, 3.0, 1.0)))),
        row(15, Some("Zürich"), Some("zurich"), Some(-10), Some(-100), Some(-10.5), Some(false),
            Some("2024-01-05"), Some("2024-01-10"), Some("2024-01-10T00:00:00Z"), Some("2024-01-10T23:59:59.999Z"),
            None, Some(ls(&[(2.0, 0.0), (2.0, 2.0)]))),
        row(16, Some("Łódź"), Some("lodz"), Some(4), Some(8), Some(2.0), Some(true),
            Some("2024-01-01"), Some("2024-01-05"), Some("2024-01-01T12:00:00Z"), Some("2024-01-05T12:00:00Z"),
            Some(16), Some(Geometry::MultiPoint(MultiPoint(vec![Point::new(1.0, 1.0), Point::new(5.0, 5.0)])))),
    ];
    rows
}

fn bbox_fields() -> Fields {
    ["xmin", "ymin", "xmax", "ymax"]
        .into_iter()
        .map(|n| Field::new(n, DataType::Float64, false))
        .collect()
}

pub(super) fn schema() -> Schema {
    let ts = DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()));
    Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("label", DataType::Utf8View, true),
        Field::new("count", DataType::Int32, true),
        Field::new("big", DataType::Int64, true),
        Field::new("ratio", DataType::Float64, true),
        Field::new("flag", DataType::Boolean, true),
        Field::new("day", DataType::Date32, true),
        Field::new("end day", DataType::Date32, true),
        Field::new("at", ts.clone(), true),
        Field::new("until", ts, true),
        Field::new("Weird:Name", DataType::Int64, true),
        Field::new("geometry", DataType::Binary, true),
        Field::new("bbox", DataType::Struct(bbox_fields()), true),
    ])
}

fn batch(rows: &[Row]) -> RecordBatch {
    let col = |f: &dyn Fn(&Row) -> Option<i64>| -> ArrayRef {
        Arc::new(Int64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let days = |f: &dyn Fn(&Row) -> Option<NaiveDate>| -> ArrayRef {
        Arc::new(Date32Array::from(
            rows.iter()
                .map(|r| f(r).map(|d| epoch_days(d) as i32))
                .collect::<Vec<_>>(),
        ))
    };
    let times = |f: &dyn Fn(&Row) -> Option<i64>| -> ArrayRef {
        Arc::new(
            TimestampMillisecondArray::from(rows.iter().map(f).collect::<Vec<_>>())
                .with_timezone("UTC"),
        )
    };
    let wkb: Vec<Option<Vec<u8>>> = rows
        .iter()
        .map(|r| r.geometry.as_ref().map(to_wkb))
        .collect();
    let rects: Vec<Option<geo::Rect>> = rows
        .iter()
        .map(|r| r.geometry.as_ref().and_then(|g| g.bounding_rect()))
        .collect();
    let side = |f: fn(&geo::Rect) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(
            rects.iter().map(|r| r.as_ref().map_or(0.0, f)),
        ))
    };
    let bbox = StructArray::try_new(
        bbox_fields(),
        vec![
            side(|r| r.min().x),
            side(|r| r.min().y),
            side(|r| r.max().x),
            side(|r| r.max().y),
        ],
        Some(NullBuffer::from(
            rects.iter().map(|r| r.is_some()).collect::<Vec<_>>(),
        )),
    )
    .unwrap();
    RecordBatch::try_new(
        Arc::new(schema()),
        vec![
            col(&|r| Some(r.id)),
            Arc::new(StringArray::from(
                rows.iter().map(|r| r.name).collect::<Vec<_>>(),
            )),
            Arc::new(StringViewArray::from(
                rows.iter().map(|r| r.label).collect::<Vec<_>>(),
            )),
            Arc::new(Int32Array::from(
                rows.iter().map(|r| r.count).collect::<Vec<_>>(),
            )),
            col(&|r| r.big),
            Arc::new(Float64Array::from(
                rows.iter().map(|r| r.ratio).collect::<Vec<_>>(),
            )),
            Arc::new(BooleanArray::from(
                rows.iter().map(|r| r.flag).collect::<Vec<_>>(),
            )),
            days(&|r| r.day()),
            days(&|r| r.end_day()),
            times(&|r| r.at()),
            times(&|r| r.until()),
            col(&|r| r.weird),
            Arc::new(BinaryArray::from(
                wkb.iter().map(|w| w.as_deref()).collect::<Vec<_>>(),
            )),
            Arc::new(bbox),
        ],
    )
    .unwrap()
}

pub(super) struct Fixture {
    ctx: SessionContext,
    table: Arc<dyn TableProvider>,
    pub(super) rows: Vec<Row>,
    pub(super) q: Queryables,
}

impl Fixture {
    pub(super) fn new() -> Fixture {
        let rows = rows();
        let schema = Arc::new(schema());
        let table = MemTable::try_new(schema.clone(), vec![vec![batch(&rows)]]).unwrap();
        Fixture {
            ctx: SessionContext::new(),
            table: Arc::new(table),
            rows,
            q: Queryables::from_schema(&schema),
        }
    }

    /// The ids a parsed filter selects, or why it could not run.
    pub(super) async fn ids(&self, filter: &cql2::Expr) -> Result<Vec<i64>, String> {
        let f = to_expr(filter, &self.q).map_err(|e| format!("to_expr: {e}"))?;
        let df = self
            .ctx
            .read_table(self.table.clone())
            .and_then(|df| df.filter(f.expr))
            .and_then(|df| df.select_columns(&["id"]))
            .map_err(|e| format!("plan: {e}"))?;
        let batches = df.collect().await.map_err(|e| format!("run: {e}"))?;
        let mut ids: Vec<i64> = batches
            .iter()
            .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    fn expected(&self, oracle: &dyn Fn(&Row) -> B) -> Vec<i64> {
        self.rows
            .iter()
            .filter(|r| oracle(r) == Some(true))
            .map(|r| r.id)
            .collect()
    }

    /// Runs every case (cql2-text, or cql2-json when it starts with `{`) and reports all
    /// mismatches at once. Returns how many cases selected some but not all rows, so that
    /// a family can insist on discriminating cases.
    pub(super) async fn run(&self, cases: Vec<(String, Oracle)>) -> usize {
        let mut failures = Vec::new();
        let mut discriminating = 0;
        for (text, oracle) in &cases {
            let parsed = if text.starts_with('{') {
                cql2::parse_json(text)
            } else {
                cql2::parse_text(text)
            };
            let parsed = match parsed {
                Ok(p) => p,
                Err(e) => {
                    failures.push(format!("{text}: does not parse: {e}"));
                    continue;
                }
            };
            let want = self.expected(oracle.as_ref());
            if !want.is_empty() && want.len() < self.rows.len() {
                discriminating += 1;
            }
            match self.ids(&parsed).await {
                Ok(got) if got == want => {}
                Ok(got) => failures.push(format!("{text}: got {got:?}, want {want:?}")),
                Err(e) => failures.push(format!("{text}: {e}")),
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases failed:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
        discriminating
    }
}

pub(super) fn case(
    text: impl Into<String>,
    oracle: impl Fn(&Row) -> B + 'static,
) -> (String, Oracle) {
    (text.into(), Box::new(oracle))
}

/// Spatial literals: the cql2 text and the same geometry built with `geo`.
pub(super) fn spatial_literals() -> Vec<(&'static str, Geometry)> {
    vec![
        (
            "POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))",
            Geometry::Polygon(sq(0.0, 0.0, 2.0, 2.0)),
        ),
        ("POINT(1 1)", pt(1.0, 1.0)),
        ("LINESTRING(-1 1, 3 1)", ls(&[(-1.0, 1.0), (3.0, 1.0)])),
        (
            "BBOX(0, 0, 2, 2)",
            Geometry::Polygon(sq(0.0, 0.0, 2.0, 2.0)),
        ),
        (
            "BBOX(179, -1, -179, 1)",
            Geometry::MultiPolygon(MultiPolygon(vec![
                sq(179.0, -1.0, 180.0, 1.0),
                sq(-180.0, -1.0, -179.0, 1.0),
            ])),
        ),
        (
            "MULTIPOINT((1 1), (10.5 10.5))",
            Geometry::MultiPoint(MultiPoint(vec![
                Point::new(1.0, 1.0),
                Point::new(10.5, 10.5),
            ])),
        ),
        (
            "POLYGON((-1 -1, 3 -1, 3 3, -1 3, -1 -1), (0.25 0.25, 0.75 0.25, 0.75 0.75, 0.25 0.75, 0.25 0.25))",
            Geometry::Polygon(Polygon::new(
                ring(&[
                    (-1.0, -1.0),
                    (3.0, -1.0),
                    (3.0, 3.0),
                    (-1.0, 3.0),
                    (-1.0, -1.0),
                ]),
                vec![ring(&[
                    (0.25, 0.25),
                    (0.75, 0.25),
                    (0.75, 0.75),
                    (0.25, 0.75),
                    (0.25, 0.25),
                ])],
            )),
        ),
        ("LINESTRING(2 0, 2 2)", ls(&[(2.0, 0.0), (2.0, 2.0)])),
        (
            "GEOMETRYCOLLECTION(POINT(4.9 52.37), POLYGON((10 10, 11 10, 11 11, 10 11, 10 10)))",
            Geometry::GeometryCollection(geo::GeometryCollection(vec![
                pt(4.9, 52.37),
                Geometry::Polygon(sq(10.0, 10.0, 11.0, 11.0)),
            ])),
        ),
    ]
}

pub(super) const SPATIAL_OPS: [&str; 8] = [
    "S_INTERSECTS",
    "S_DISJOINT",
    "S_EQUALS",
    "S_TOUCHES",
    "S_WITHIN",
    "S_OVERLAPS",
    "S_CROSSES",
    "S_CONTAINS",
];
