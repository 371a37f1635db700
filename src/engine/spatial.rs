//! The exact spatial predicates of CQL2 as scalar UDFs: `st_intersects`, `st_disjoint`,
//! `st_equals`, `st_touches`, `st_within`, `st_overlaps`, `st_crosses` and `st_contains`, each
//! `(geometry WKB, geometry WKB) → Boolean` with the DE-9IM semantics of OGC Simple Features
//! (computed with `geo`'s `Relate`).
//!
//! The first argument is the feature column, the second usually a WKB literal: a constant is read
//! and prepared (indexed) once per batch, not once per row. Both arguments may be columns.
//! A null geometry gives null; a geometry with a NaN coordinate gives null (DE-9IM is undefined
//! there); corrupt WKB is an execution error. Evaluation is planar on the stored coordinates
//! (CRS84 longitude/latitude); Z and M are ignored.
//!
//! Where one side is a point, `intersects`, `disjoint`, `contains` and `within` are answered by
//! `geo`'s direct point tests ([`Relation::quick`]), which give the same answers as the
//! intersection matrix without building a geometry graph: in a join of street lights with
//! neighbourhoods, the matrix and the preparation of every point were most of the query.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use arrow::array::BooleanBuilder;
use arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use geo::{
    BoundingRect, Contains, CoordsIter, Geometry, Intersects, PreparedGeometry, Rect, Relate,
};

use crate::geom::WkbColumn;
use crate::geom::to_geo::to_geo;

/// A DE-9IM relation between two geometries `a` and `b`, as CQL2 names them (`S_…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// They share at least one point.
    Intersects,
    /// They share no point.
    Disjoint,
    /// Topologically equal: the same point set.
    Equals,
    /// They share a point, but their interiors do not meet.
    Touches,
    /// `a` lies in `b` and their interiors meet.
    Within,
    /// Same dimension, interiors meet, and neither covers the other.
    Overlaps,
    /// Interiors meet in a lower dimension than the higher of the two.
    Crosses,
    /// `b` lies in `a` and their interiors meet.
    Contains,
}

impl Relation {
    /// Every relation.
    pub const ALL: [Relation; 8] = [
        Relation::Intersects,
        Relation::Disjoint,
        Relation::Equals,
        Relation::Touches,
        Relation::Within,
        Relation::Overlaps,
        Relation::Crosses,
        Relation::Contains,
    ];

    /// The UDF name, e.g. `st_intersects`.
    pub fn udf_name(self) -> &'static str {
        match self {
            Relation::Intersects => "st_intersects",
            Relation::Disjoint => "st_disjoint",
            Relation::Equals => "st_equals",
            Relation::Touches => "st_touches",
            Relation::Within => "st_within",
            Relation::Overlaps => "st_overlaps",
            Relation::Crosses => "st_crosses",
            Relation::Contains => "st_contains",
        }
    }

    /// The relation with the operands swapped: `a within b` is `b contains a`; the others are
    /// symmetric.
    pub fn converse(self) -> Relation {
        match self {
            Relation::Within => Relation::Contains,
            Relation::Contains => Relation::Within,
            other => other,
        }
    }

    /// Whether `a R b` implies that `a` and `b` intersect (so their boxes overlap): all but
    /// `Disjoint`.
    pub fn implies_intersection(self) -> bool {
        self != Relation::Disjoint
    }

    /// Whether the relation holds between `a` and `b`.
    pub fn holds(self, a: &impl Relate<f64>, b: &impl Relate<f64>) -> bool {
        let m = a.relate(b);
        match self {
            Relation::Intersects => m.is_intersects(),
            Relation::Disjoint => m.is_disjoint(),
            Relation::Equals => m.is_equal_topo(),
            Relation::Touches => m.is_touches(),
            Relation::Within => m.is_within(),
            Relation::Overlaps => m.is_overlaps(),
            Relation::Crosses => m.is_crosses(),
            Relation::Contains => m.is_contains(),
        }
    }

    /// The relation by `geo`'s direct tests where one side is a point; `None` where it needs
    /// the intersection matrix. A point intersects what it lies in or on; a geometry contains
    /// a point in its interior (not on its boundary), as DE-9IM has it.
    pub fn quick(self, a: &Geometry, b: &Geometry) -> Option<bool> {
        let point = |g: &Geometry| matches!(g, Geometry::Point(_));
        if !point(a) && !point(b) {
            return None;
        }
        match (self, a, b) {
            (Relation::Intersects, _, _) => Some(a.intersects(b)),
            (Relation::Disjoint, _, _) => Some(!a.intersects(b)),
            (Relation::Contains, _, Geometry::Point(p)) => Some(a.contains(p)),
            (Relation::Within, Geometry::Point(p), _) => Some(b.contains(p)),
            _ => None,
        }
    }

    /// The answer when the two geometries' boxes do not meet (or one is empty): only `Disjoint`
    /// holds then.
    fn when_apart(self) -> bool {
        self == Relation::Disjoint
    }
}

/// `st_<relation>(a, b)`: one UDF per [`Relation`].
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SpatialPredicate {
    relation: Relation,
    signature: Signature,
}

impl SpatialPredicate {
    /// The UDF for one relation.
    pub fn udf(relation: Relation) -> ScalarUDF {
        let binary = [
            DataType::Binary,
            DataType::LargeBinary,
            DataType::BinaryView,
        ];
        let signatures = binary
            .iter()
            .flat_map(|a| {
                binary
                    .iter()
                    .map(|b| TypeSignature::Exact(vec![a.clone(), b.clone()]))
            })
            .collect();
        ScalarUDF::new_from_impl(SpatialPredicate {
            relation,
            signature: Signature::one_of(signatures, Volatility::Immutable),
        })
    }

    /// The UDFs of all relations (to register them with a `SessionContext`).
    pub fn all_udfs() -> Vec<ScalarUDF> {
        Relation::ALL
            .into_iter()
            .map(SpatialPredicate::udf)
            .collect()
    }
}

/// A geometry read from WKB, ready for relate: `None` when it is empty.
struct Shape {
    geometry: Option<Geometry>,
    rect: Option<Rect>,
}

impl Shape {
    /// Reads WKB; `Ok(None)` when a coordinate is NaN (the relation is unknown there).
    fn read(name: &str, wkb: &[u8]) -> Result<Option<Shape>> {
        let geometry = match to_geo(wkb) {
            Ok(g) => g,
            Err(e) => return exec_err!("{name}: {e}"),
        };
        if let Some(g) = &geometry
            && g.coords_iter().any(|c| c.x.is_nan() || c.y.is_nan())
        {
            return Ok(None);
        }
        let rect = geometry.as_ref().and_then(|g| g.bounding_rect());
        Ok(Some(Shape { geometry, rect }))
    }
}

/// Whether two boxes share a point (boundaries included). Empty geometries have no box.
fn rects_meet(a: Option<Rect>, b: Option<Rect>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.intersects(&b),
        _ => false,
    }
}

/// One side of the call: a constant (read once) or a column.
enum Side<'a> {
    Constant(Option<Shape>),
    Column(WkbColumn<'a>),
}

impl SpatialPredicate {
    fn label(&self) -> &'static str {
        self.relation.udf_name()
    }

    /// `relation(a, b)`, guarding against a panic inside `geo` so that a pathological
    /// geometry fails the query instead of the server task.
    fn evaluate(&self, a: &impl Relate<f64>, b: &impl Relate<f64>) -> Result<bool> {
        match catch_unwind(AssertUnwindSafe(|| self.relation.holds(a, b))) {
            Ok(v) => Ok(v),
            Err(_) => exec_err!("{}: cannot relate these geometries", self.label()),
        }
    }

    /// The relation between two read geometries, with the box test first.
    fn relate_shapes(&self, a: &Shape, b: &Shape) -> Result<bool> {
        match (&a.geometry, &b.geometry) {
            (Some(ga), Some(gb)) if rects_meet(a.rect, b.rect) => match self.quick(ga, gb)? {
                Some(v) => Ok(v),
                None => self.evaluate(ga, gb),
            },
            _ => Ok(self.relation.when_apart()),
        }
    }

    /// [`Relation::quick`], guarded like [`Self::evaluate`].
    fn quick(&self, a: &Geometry, b: &Geometry) -> Result<Option<bool>> {
        match catch_unwind(AssertUnwindSafe(|| self.relation.quick(a, b))) {
            Ok(v) => Ok(v),
            Err(_) => exec_err!("{}: cannot relate these geometries", self.label()),
        }
    }

    fn side<'a>(&self, value: &'a ColumnarValue) -> Result<Side<'a>> {
        match value {
            ColumnarValue::Scalar(s) => {
                let bytes = match s {
                    ScalarValue::Binary(b)
                    | ScalarValue::LargeBinary(b)
                    | ScalarValue::BinaryView(b) => b.as_deref(),
                    other => {
                        return exec_err!(
                            "{}: a geometry must be WKB, not {}",
                            self.label(),
                            other.data_type()
                        );
                    }
                };
                Ok(Side::Constant(match bytes {
                    Some(wkb) => Shape::read(self.label(), wkb)?,
                    None => None,
                }))
            }
            ColumnarValue::Array(a) => match WkbColumn::new(a.as_ref()) {
                Some(c) => Ok(Side::Column(c)),
                None => exec_err!(
                    "{}: a geometry must be WKB, not {}",
                    self.label(),
                    a.data_type()
                ),
            },
        }
    }
}

impl ScalarUDFImpl for SpatialPredicate {
    fn name(&self) -> &str {
        self.relation.udf_name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [a, b] = &args.args[..] else {
            return exec_err!("{} takes 2 arguments", self.label());
        };
        let (a, b) = (self.side(a)?, self.side(b)?);
        let rows = args.number_rows;
        let mut out = BooleanBuilder::with_capacity(rows);
        match (&a, &b) {
            (Side::Constant(a), Side::Constant(b)) => {
                let v = match (a, b) {
                    (Some(a), Some(b)) => Some(self.relate_shapes(a, b)?),
                    _ => None,
                };
                return Ok(ColumnarValue::Scalar(ScalarValue::Boolean(v)));
            }
            (Side::Column(column), Side::Constant(constant)) => {
                // The usual case: the literal is read and indexed once for the whole batch.
                let Some(constant) = constant else {
                    out.append_nulls(rows);
                    return Ok(ColumnarValue::Array(Arc::new(out.finish())));
                };
                let shape = prepare(constant.geometry.clone(), constant.rect);
                for i in 0..column.len() {
                    let Some(row) = read_row(self.label(), column, i)? else {
                        out.append_null();
                        continue;
                    };
                    let v = match (&row.geometry, &shape.geometry) {
                        (Some(g), Some(c)) if rects_meet(row.rect, constant.rect) => {
                            match self.quick(g, c)? {
                                Some(v) => v,
                                None => match shape.prepared() {
                                    Some(p) => self.evaluate(g, p)?,
                                    None => self.relation.when_apart(),
                                },
                            }
                        }
                        _ => self.relation.when_apart(),
                    };
                    out.append_value(v);
                }
            }
            _ => {
                // In a join one side repeats the same geometry over many consecutive rows:
                // each side keeps its last geometry prepared, so it is read and indexed once.
                let (mut last_a, mut last_b) = (Repeat::default(), Repeat::default());
                for i in 0..rows {
                    let sa = last_a.shape(self.label(), &a, i)?;
                    let sb = last_b.shape(self.label(), &b, i)?;
                    match (sa, sb) {
                        (Some(sa), Some(sb)) => out.append_value(self.relate_prepared(sa, sb)?),
                        _ => out.append_null(),
                    }
                }
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// A geometry read, and prepared (indexed) for relate when first needed: a point answered by
/// [`Relation::quick`] never is. `geometry` is `None` when it is empty.
struct PreparedShape {
    geometry: Option<Geometry>,
    prepared: std::cell::OnceCell<Option<PreparedGeometry<'static, Geometry>>>,
    rect: Option<Rect>,
}

impl PreparedShape {
    fn prepared(&self) -> Option<&PreparedGeometry<'static, Geometry>> {
        self.prepared
            .get_or_init(|| self.geometry.clone().map(PreparedGeometry::from))
            .as_ref()
    }
}

/// The last row read from one side, kept while the next rows carry the same WKB.
#[derive(Default)]
struct Repeat<'a> {
    read: bool,
    wkb: Option<&'a [u8]>,
    shape: Option<PreparedShape>,
}

impl<'a> Repeat<'a> {
    /// Row `i` of `side`: `None` when null or when a coordinate is NaN.
    fn shape(&mut self, name: &str, side: &Side<'a>, i: usize) -> Result<Option<&PreparedShape>> {
        let wkb = match side {
            Side::Constant(_) => None,
            Side::Column(c) => c.get(i),
        };
        let repeated = match side {
            // A constant is the same on every row.
            Side::Constant(_) => self.read,
            Side::Column(_) => self.read && wkb.is_some() && self.wkb == wkb,
        };
        self.read = true;
        if !repeated {
            self.wkb = wkb;
            self.shape = match (side, wkb) {
                (Side::Constant(Some(s)), _) => Some(prepare(s.geometry.clone(), s.rect)),
                (Side::Column(_), Some(bytes)) => {
                    Shape::read(name, bytes)?.map(|s| prepare(s.geometry, s.rect))
                }
                _ => None,
            };
        }
        Ok(self.shape.as_ref())
    }
}

fn prepare(geometry: Option<Geometry>, rect: Option<Rect>) -> PreparedShape {
    PreparedShape {
        geometry,
        prepared: std::cell::OnceCell::new(),
        rect,
    }
}

impl SpatialPredicate {
    fn relate_prepared(&self, a: &PreparedShape, b: &PreparedShape) -> Result<bool> {
        match (&a.geometry, &b.geometry) {
            (Some(ga), Some(gb)) if rects_meet(a.rect, b.rect) => {
                if let Some(v) = self.quick(ga, gb)? {
                    return Ok(v);
                }
                match (a.prepared(), b.prepared()) {
                    (Some(pa), Some(pb)) => self.evaluate(pa, pb),
                    _ => Ok(self.relation.when_apart()),
                }
            }
            _ => Ok(self.relation.when_apart()),
        }
    }
}

/// Row `i` of a WKB column: `None` when null or when a coordinate is NaN.
fn read_row(name: &str, column: &WkbColumn<'_>, i: usize) -> Result<Option<Shape>> {
    match column.get(i) {
        Some(wkb) => Shape::read(name, wkb),
        None => Ok(None),
    }
}

/// ISO WKB (little endian, 2D) of a `geo` geometry: how literals reach the UDFs. `Line`,
/// `Rect` and `Triangle` are written as a line string and polygons.
pub fn to_wkb(g: &Geometry) -> Vec<u8> {
    let mut out = Vec::new();
    write_geometry(&mut out, g);
    out
}

fn header(out: &mut Vec<u8>, code: u32) {
    out.push(1);
    out.extend_from_slice(&code.to_le_bytes());
}

fn count(out: &mut Vec<u8>, n: usize) {
    // Geometries beyond 2^32 parts cannot be written in WKB; literals are far smaller.
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn coords(out: &mut Vec<u8>, cs: impl ExactSizeIterator<Item = geo::Coord>) {
    count(out, cs.len());
    for c in cs {
        out.extend_from_slice(&c.x.to_le_bytes());
        out.extend_from_slice(&c.y.to_le_bytes());
    }
}

fn polygon(out: &mut Vec<u8>, p: &geo::Polygon) {
    header(out, 3);
    if p.exterior().0.is_empty() {
        count(out, 0);
        return;
    }
    count(out, 1 + p.interiors().len());
    for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
        coords(out, ring.0.iter().copied());
    }
}

fn write_geometry(out: &mut Vec<u8>, g: &Geometry) {
    match g {
        Geometry::Point(p) => {
            header(out, 1);
            out.extend_from_slice(&p.x().to_le_bytes());
            out.extend_from_slice(&p.y().to_le_bytes());
        }
        Geometry::Line(l) => {
            header(out, 2);
            coords(out, [l.start, l.end].into_iter());
        }
        Geometry::LineString(ls) => {
            header(out, 2);
            coords(out, ls.0.iter().copied());
        }
        Geometry::Polygon(p) => polygon(out, p),
        Geometry::Rect(r) => polygon(out, &r.to_polygon()),
        Geometry::Triangle(t) => polygon(out, &t.to_polygon()),
        Geometry::MultiPoint(mp) => {
            header(out, 4);
            count(out, mp.0.len());
            for p in &mp.0 {
                write_geometry(out, &Geometry::Point(*p));
            }
        }
        Geometry::MultiLineString(ml) => {
            header(out, 5);
            count(out, ml.0.len());
            for l in &ml.0 {
                header(out, 2);
                coords(out, l.0.iter().copied());
            }
        }
        Geometry::MultiPolygon(mp) => {
            header(out, 6);
            count(out, mp.0.len());
            for p in &mp.0 {
                polygon(out, p);
            }
        }
        Geometry::GeometryCollection(gc) => {
            header(out, 7);
            count(out, gc.0.len());
            for member in &gc.0 {
                write_geometry(out, member);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        Array, ArrayRef, BinaryArray, BinaryViewArray, BooleanArray, LargeBinaryArray,
    };
    use arrow::datatypes::Field;
    use datafusion::config::ConfigOptions;
    use geo::{LineString, MultiPolygon, Point, Polygon, line_string, point, polygon};

    fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry {
        Geometry::Polygon(polygon![
            (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1), (x: x0, y: y0)
        ])
    }

    /// Calls a UDF directly with the given argument values.
    fn invoke(
        relation: Relation,
        a: ColumnarValue,
        b: ColumnarValue,
        rows: usize,
    ) -> ColumnarValue {
        let udf = SpatialPredicate::udf(relation);
        let fields = [&a, &b]
            .iter()
            .map(|v| Arc::new(Field::new("g", v.data_type(), true)))
            .collect();
        udf.invoke_with_args(ScalarFunctionArgs {
            args: vec![a, b],
            arg_fields: fields,
            number_rows: rows,
            return_field: Arc::new(Field::new("r", DataType::Boolean, true)),
            config_options: Arc::new(ConfigOptions::default()),
        })
        .unwrap()
    }

    fn bools(v: ColumnarValue) -> Vec<Option<bool>> {
        let ColumnarValue::Array(a) = v else {
            panic!("expected an array")
        };
        let a = a.as_any().downcast_ref::<BooleanArray>().unwrap();
        (0..a.len())
            .map(|i| a.is_valid(i).then(|| a.value(i)))
            .collect()
    }

    fn binary_scalar(g: &Geometry) -> ColumnarValue {
        ColumnarValue::Scalar(ScalarValue::Binary(Some(to_wkb(g))))
    }

    #[test]
    fn wkb_bytes_of_a_point_and_a_line() {
        let wkb = to_wkb(&Geometry::Point(point!(x: 1.0, y: 2.0)));
        let mut expected = vec![1, 1, 0, 0, 0];
        expected.extend_from_slice(&1.0f64.to_le_bytes());
        expected.extend_from_slice(&2.0f64.to_le_bytes());
        assert_eq!(wkb, expected);
        let line = to_wkb(&Geometry::LineString(
            line_string![(x: 0.0, y: 0.0), (x: 3.0, y: 4.0)],
        ));
        assert_eq!(&line[..9], &[1, 2, 0, 0, 0, 2, 0, 0, 0]);
        assert_eq!(line.len(), 9 + 32);
    }

    #[test]
    fn wkb_round_trips_through_the_reader() {
        let geometries = [
            Geometry::Point(point!(x: 1.5, y: -2.0)),
            Geometry::LineString(
                line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 2.0, y: 0.0)],
            ),
            Geometry::Polygon(Polygon::new(
                LineString::from(vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 0.0)]),
                vec![LineString::from(vec![
                    (1.0, 1.0),
                    (2.0, 1.0),
                    (2.0, 2.0),
                    (1.0, 1.0),
                ])],
            )),
            Geometry::MultiPoint(vec![point!(x: 1.0, y: 1.0), point!(x: 2.0, y: 3.0)].into()),
            Geometry::MultiLineString(geo::MultiLineString(vec![
                line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)],
                line_string![(x: 5.0, y: 5.0), (x: 6.0, y: 5.0)],
            ])),
            Geometry::MultiPolygon(MultiPolygon(vec![
                polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)],
                polygon![(x: 5.0, y: 5.0), (x: 6.0, y: 5.0), (x: 6.0, y: 6.0), (x: 5.0, y: 5.0)],
            ])),
            Geometry::GeometryCollection(geo::GeometryCollection(vec![
                Geometry::Point(point!(x: 9.0, y: 9.0)),
                square(0.0, 0.0, 1.0, 1.0),
            ])),
        ];
        for g in geometries {
            assert_eq!(to_geo(&to_wkb(&g)).unwrap(), Some(g.clone()), "{g:?}");
        }
        // Rects and triangles come back as polygons.
        let r = Geometry::Rect(Rect::new((0.0, 0.0), (2.0, 1.0)));
        let Some(Geometry::Polygon(p)) = to_geo(&to_wkb(&r)).unwrap() else {
            panic!("a rect is written as a polygon")
        };
        assert_eq!(p.exterior().0.len(), 5);
    }

    /// Each relation against a 2x2 square, on features chosen to separate them; the expected
    /// answers are the OGC Simple Features definitions worked out by hand.
    #[test]
    fn relations_follow_de9im() {
        let lit = square(0.0, 0.0, 2.0, 2.0);
        let features = [
            square(0.0, 0.0, 2.0, 2.0), // 0 equal
            square(0.5, 0.5, 1.0, 1.0), // 1 inside
            square(1.0, 1.0, 3.0, 3.0), // 2 overlapping
            square(2.0, 0.0, 3.0, 1.0), // 3 touching edge
            square(5.0, 5.0, 6.0, 6.0), // 4 far away
            Geometry::LineString(line_string![(x: -1.0, y: 1.0), (x: 3.0, y: 1.0)]), // 5 crossing line
            Geometry::Point(point!(x: 2.0, y: 1.0)), // 6 point on boundary
            Geometry::Point(point!(x: 1.0, y: 1.0)), // 7 point inside
            square(-1.0, -1.0, 3.0, 3.0),            // 8 containing
        ];
        let expected: [(Relation, [bool; 9]); 8] = [
            (
                Relation::Intersects,
                [true, true, true, true, false, true, true, true, true],
            ),
            (
                Relation::Disjoint,
                [false, false, false, false, true, false, false, false, false],
            ),
            (
                Relation::Equals,
                [true, false, false, false, false, false, false, false, false],
            ),
            (
                Relation::Touches,
                [false, false, false, true, false, false, true, false, false],
            ),
            (
                Relation::Within,
                [true, true, false, false, false, false, false, true, false],
            ),
            (
                Relation::Overlaps,
                [false, false, true, false, false, false, false, false, false],
            ),
            (
                Relation::Crosses,
                [false, false, false, false, false, true, false, false, false],
            ),
            (
                Relation::Contains,
                [true, false, false, false, false, false, false, false, true],
            ),
        ];
        let column = BinaryArray::from_iter(features.iter().map(|g| Some(to_wkb(g))));
        for (relation, want) in expected {
            let got = bools(invoke(
                relation,
                ColumnarValue::Array(Arc::new(column.clone())),
                binary_scalar(&lit),
                features.len(),
            ));
            let want: Vec<_> = want.iter().map(|&b| Some(b)).collect();
            assert_eq!(got, want, "{relation:?}");
        }
    }

    #[test]
    fn nulls_empties_and_nan_coordinates() {
        let lit = square(0.0, 0.0, 2.0, 2.0);
        let mut nan_line = to_wkb(&Geometry::LineString(
            line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)],
        ));
        let n = nan_line.len();
        nan_line[n - 8..].copy_from_slice(&f64::NAN.to_le_bytes());
        let empty_point = {
            let mut w = vec![1, 1, 0, 0, 0];
            w.extend_from_slice(&f64::NAN.to_le_bytes());
            w.extend_from_slice(&f64::NAN.to_le_bytes());
            w
        };
        let empty_line = vec![1, 2, 0, 0, 0, 0, 0, 0, 0];
        let column = BinaryArray::from(vec![
            None,
            Some(nan_line.as_slice()),
            Some(empty_point.as_slice()),
            Some(empty_line.as_slice()),
        ]);
        for (relation, empty) in [(Relation::Intersects, false), (Relation::Disjoint, true)] {
            let got = bools(invoke(
                relation,
                ColumnarValue::Array(Arc::new(column.clone())),
                binary_scalar(&lit),
                4,
            ));
            assert_eq!(got, [None, None, Some(empty), Some(empty)], "{relation:?}");
        }
        // A null literal gives nulls.
        let got = bools(invoke(
            Relation::Intersects,
            ColumnarValue::Array(Arc::new(column.clone())),
            ColumnarValue::Scalar(ScalarValue::Binary(None)),
            4,
        ));
        assert_eq!(got, [None; 4]);
    }

    #[test]
    fn corrupt_wkb_is_an_error_not_a_panic() {
        let udf = SpatialPredicate::udf(Relation::Intersects);
        let column = BinaryArray::from(vec![Some(&[1u8, 2, 0, 0, 0, 9, 9][..])]);
        let result = udf.invoke_with_args(ScalarFunctionArgs {
            args: vec![
                ColumnarValue::Array(Arc::new(column)),
                binary_scalar(&square(0.0, 0.0, 1.0, 1.0)),
            ],
            arg_fields: vec![
                Arc::new(Field::new("a", DataType::Binary, true)),
                Arc::new(Field::new("b", DataType::Binary, true)),
            ],
            number_rows: 1,
            return_field: Arc::new(Field::new("r", DataType::Boolean, true)),
            config_options: Arc::new(ConfigOptions::default()),
        });
        let e = result.unwrap_err().to_string();
        assert!(
            e.contains("st_intersects") && e.contains("invalid WKB"),
            "{e}"
        );
    }

    #[test]
    fn every_binary_layout_and_two_columns() {
        let a = [square(0.0, 0.0, 1.0, 1.0), square(5.0, 5.0, 6.0, 6.0)];
        let b = [square(0.5, 0.5, 2.0, 2.0), square(0.0, 0.0, 1.0, 1.0)];
        let wkb = |gs: &[Geometry]| gs.iter().map(to_wkb).collect::<Vec<_>>();
        let (wa, wb) = (wkb(&a), wkb(&b));
        let layouts: [ArrayRef; 3] = [
            Arc::new(BinaryArray::from_iter_values(wa.iter())),
            Arc::new(LargeBinaryArray::from_iter_values(wa.iter())),
            Arc::new(BinaryViewArray::from_iter_values(wa.iter())),
        ];
        for column in layouts {
            let other =
                ColumnarValue::Array(Arc::new(BinaryViewArray::from_iter_values(wb.iter())));
            let got = bools(invoke(
                Relation::Intersects,
                ColumnarValue::Array(column),
                other,
                2,
            ));
            assert_eq!(got, [Some(true), Some(false)]);
        }
        // A constant on the left, a column on the right: `b contains a`, row by row.
        let got = bools(invoke(
            Relation::Contains,
            ColumnarValue::Scalar(ScalarValue::LargeBinary(Some(to_wkb(&square(
                -1.0, -1.0, 3.0, 3.0,
            ))))),
            ColumnarValue::Array(Arc::new(BinaryArray::from_iter_values(wb.iter()))),
            2,
        ));
        assert_eq!(got, [Some(true), Some(true)]);
        // Two constants give a constant.
        let ColumnarValue::Scalar(v) = invoke(
            Relation::Within,
            binary_scalar(&Geometry::Point(Point::new(0.5, 0.5))),
            binary_scalar(&a[0]),
            1,
        ) else {
            panic!("two constants give a constant")
        };
        assert_eq!(v, ScalarValue::Boolean(Some(true)));
    }

    #[test]
    fn converse_and_names() {
        for r in Relation::ALL {
            assert_eq!(r.converse().converse(), r);
            assert!(r.udf_name().starts_with("st_"));
            assert_eq!(SpatialPredicate::udf(r).name(), r.udf_name());
        }
        let (a, b) = (square(0.0, 0.0, 1.0, 1.0), square(-1.0, -1.0, 2.0, 2.0));
        for r in Relation::ALL {
            assert_eq!(r.holds(&a, &b), r.converse().holds(&b, &a), "{r:?}");
        }
    }

    /// The direct point tests answer as the intersection matrix does: points inside, outside,
    /// on an edge, on a vertex and in a hole of a polygon, on a line and at its ends, on
    /// another point, both ways round.
    #[test]
    fn quick_point_tests_agree_with_relate() {
        let holed = Geometry::Polygon(polygon!(
            exterior: [(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.), (x: 0., y: 0.)],
            interiors: [[(x: 1., y: 1.), (x: 2., y: 1.), (x: 2., y: 2.), (x: 1., y: 2.), (x: 1., y: 1.)]],
        ));
        let others = [
            holed,
            square(5., 5., 6., 6.),
            Geometry::MultiPolygon(MultiPolygon(vec![
                polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 0., y: 1.), (x: 0., y: 0.)],
                polygon![(x: 3., y: 3.), (x: 4., y: 3.), (x: 4., y: 4.), (x: 3., y: 3.)],
            ])),
            Geometry::LineString(line_string![(x: 0., y: 0.), (x: 2., y: 2.), (x: 4., y: 0.)]),
            Geometry::Point(point!(x: 3., y: 3.)),
        ];
        let points = [
            (3., 3.),
            (0.5, 0.5),
            (1.5, 1.5),
            (1., 1.5),
            (0., 2.),
            (4., 4.),
            (2., 2.),
            (0., 0.),
            (4., 0.),
            (1., 1.),
            (9., 9.),
            (5.5, 5.),
            (3.5, 3.2),
        ];
        let mut checked = 0;
        for other in &others {
            for (x, y) in points {
                let p = Geometry::Point(point!(x: x, y: y));
                for (a, b) in [(&p, other), (other, &p)] {
                    for r in Relation::ALL {
                        if let Some(quick) = r.quick(a, b) {
                            assert_eq!(quick, r.holds(a, b), "{r:?} {a:?} {b:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 200, "{checked} answers checked");
        assert_eq!(Relation::Touches.quick(&others[0], &others[4]), None);
        assert_eq!(Relation::Intersects.quick(&others[0], &others[1]), None);
    }
}
