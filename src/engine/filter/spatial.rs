//! Geometry literals (WKT, GeoJSON and `BBOX`) and the spatial (S_*) operators.
//!
//! - **Spatial operators** are the DE-9IM predicates of OGC Simple Features, planar on CRS84
//!   coordinates (Z ignored), evaluated by the `st_*` UDFs of the `engine::spatial` module after
//!   a prefilter on the `bbox` covering column for every relation that implies intersection. A
//!   `BBOX` whose west edge is east of its east edge crosses the antimeridian: it is the two
//!   boxes on either side. Literal geometries are taken to be in CRS84 (a `filter-crs` other
//!   than CRS84 must be transformed before translation).

use datafusion::common::ScalarValue;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{Expr, lit};

use cql2::SpatialOp;

use super::compare::constant;
use super::value::{Value, column, needs, short};
use super::{FilterError, Translator};
use crate::engine::spatial::{Relation, SpatialPredicate, to_wkb};
use crate::geom::Bbox;
use crate::store::layout::{BBOX_COLUMN, GEOMETRY_COLUMN};

/// A geometry operand.
pub(super) enum Geo {
    /// The feature geometry.
    Column,
    Literal(GeoLiteral),
}

pub(super) struct GeoLiteral {
    geometry: geo::Geometry,
    /// Its bounding boxes (two for a `BBOX` across the antimeridian, none when empty).
    pub(super) boxes: Vec<Bbox>,
}

pub(super) fn relation(op: SpatialOp) -> Relation {
    match op {
        SpatialOp::Intersects => Relation::Intersects,
        SpatialOp::Equals => Relation::Equals,
        SpatialOp::Disjoint => Relation::Disjoint,
        SpatialOp::Touches => Relation::Touches,
        SpatialOp::Within => Relation::Within,
        SpatialOp::Overlaps => Relation::Overlaps,
        SpatialOp::Crosses => Relation::Crosses,
        SpatialOp::Contains => Relation::Contains,
    }
}

fn finite(values: &[f64], source: &cql2::Expr) -> Result<(), FilterError> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(FilterError::Invalid(format!(
            "{} has a coordinate that is not a finite number",
            short(source)
        )))
    }
}

fn coord(p: &cql2::Position) -> geo::Coord {
    geo::Coord { x: p.x, y: p.y }
}

fn line(ps: &[cql2::Position]) -> geo::LineString {
    geo::LineString(ps.iter().map(coord).collect())
}

fn polygon(rings: &[Vec<cql2::Position>]) -> geo::Polygon {
    let mut rings = rings.iter();
    let exterior = rings
        .next()
        .map_or_else(|| geo::LineString(Vec::new()), |r| line(r));
    geo::Polygon::new(exterior, rings.map(|r| line(r)).collect())
}

/// A CQL2 (WKT or GeoJSON) geometry as a `geo` geometry (2D).
pub(crate) fn to_geo(g: &cql2::Geometry) -> geo::Geometry {
    use cql2::Geometry as G;
    match g {
        G::Point(p) => geo::Geometry::Point(geo::Point(coord(p))),
        G::LineString(ps) => geo::Geometry::LineString(line(ps)),
        G::Polygon(rings) => geo::Geometry::Polygon(polygon(rings)),
        G::MultiPoint(ps) => geo::Geometry::MultiPoint(geo::MultiPoint(
            ps.iter().map(|p| geo::Point(coord(p))).collect(),
        )),
        G::MultiLineString(ls) => geo::Geometry::MultiLineString(geo::MultiLineString(
            ls.iter().map(|l| line(l)).collect(),
        )),
        G::MultiPolygon(ps) => {
            geo::Geometry::MultiPolygon(geo::MultiPolygon(ps.iter().map(|p| polygon(p)).collect()))
        }
        G::GeometryCollection(gs) => geo::Geometry::GeometryCollection(geo::GeometryCollection(
            gs.iter().map(to_geo).collect(),
        )),
    }
}

fn rect(minx: f64, miny: f64, maxx: f64, maxy: f64) -> geo::Polygon {
    geo::Rect::new(
        geo::Coord { x: minx, y: miny },
        geo::Coord { x: maxx, y: maxy },
    )
    .to_polygon()
}

/// A geometry literal, in CRS84.
pub(super) fn geometry_literal(
    g: &cql2::Geometry,
    source: &cql2::Expr,
) -> Result<GeoLiteral, FilterError> {
    let mut values = Vec::new();
    g.for_each_position(&mut |p| values.extend([p.x, p.y]));
    finite(&values, source)?;
    let geometry = to_geo(g);
    let boxes = geo::BoundingRect::bounding_rect(&geometry)
        .map(|r| Bbox {
            minx: r.min().x,
            miny: r.min().y,
            maxx: r.max().x,
            maxy: r.max().y,
        })
        .into_iter()
        .collect();
    Ok(GeoLiteral { geometry, boxes })
}

/// A `BBOX` literal, in CRS84 (heights are ignored).
pub(super) fn bbox_literal(b: &cql2::BBox, source: &cql2::Expr) -> Result<GeoLiteral, FilterError> {
    finite(&[b.west, b.south, b.east, b.north], source)?;
    if b.south > b.north {
        return Err(FilterError::Invalid(format!(
            "{}: the south edge {} is north of the north edge {}",
            short(source),
            b.south,
            b.north
        )));
    }
    let boxes = if b.west <= b.east {
        vec![Bbox {
            minx: b.west,
            miny: b.south,
            maxx: b.east,
            maxy: b.north,
        }]
    } else {
        // Across the antimeridian: the parts east of `west` and west of `east`.
        vec![
            Bbox {
                minx: b.west,
                miny: b.south,
                maxx: 180.0,
                maxy: b.north,
            },
            Bbox {
                minx: -180.0,
                miny: b.south,
                maxx: b.east,
                maxy: b.north,
            },
        ]
    };
    let mut polygons: Vec<geo::Polygon> = boxes
        .iter()
        .map(|b| rect(b.minx, b.miny, b.maxx, b.maxy))
        .collect();
    let geometry = if polygons.len() == 1 {
        geo::Geometry::Polygon(polygons.remove(0))
    } else {
        geo::Geometry::MultiPolygon(geo::MultiPolygon(polygons))
    };
    Ok(GeoLiteral { geometry, boxes })
}

/// Features whose bbox overlaps one of `boxes` (the covering-column prefilter).
fn bbox_overlaps(boxes: &[Bbox]) -> Expr {
    boxes
        .iter()
        .map(|b| {
            let field = |f: &str| get_field(column(BBOX_COLUMN), f);
            field("xmax")
                .gt_eq(lit(b.minx))
                .and(field("xmin").lt_eq(lit(b.maxx)))
                .and(field("ymax").gt_eq(lit(b.miny)))
                .and(field("ymin").lt_eq(lit(b.maxy)))
        })
        .reduce(Expr::or)
        // An empty literal: nothing intersects it.
        .unwrap_or_else(|| constant(false, &[&column(GEOMETRY_COLUMN)]))
}

impl Translator<'_> {
    fn geometry(&self, op: SpatialOp, e: &cql2::Expr, d: usize) -> Result<Geo, FilterError> {
        match self.value(e, d)? {
            Value::Geometry(g) => Ok(g),
            other => Err(needs(
                op.text_name(),
                "the geometry property and a geometry literal",
                e,
                &other,
            )),
        }
    }

    pub(super) fn spatial(
        &self,
        op: SpatialOp,
        left: &cql2::Expr,
        right: &cql2::Expr,
        d: usize,
    ) -> Result<Expr, FilterError> {
        let relation = relation(op);
        let a = self.geometry(op, left, d)?;
        let b = self.geometry(op, right, d)?;
        let call = |relation: Relation, literal: &GeoLiteral| {
            let exact = SpatialPredicate::udf(relation).call(vec![
                column(GEOMETRY_COLUMN),
                lit(ScalarValue::Binary(Some(to_wkb(&literal.geometry)))),
            ]);
            if relation.implies_intersection() {
                bbox_overlaps(&literal.boxes).and(exact)
            } else {
                exact
            }
        };
        Ok(match (a, b) {
            (Geo::Column, Geo::Literal(l)) => call(relation, &l),
            (Geo::Literal(l), Geo::Column) => call(relation.converse(), &l),
            (Geo::Literal(x), Geo::Literal(y)) => lit(relation.holds(&x.geometry, &y.geometry)),
            (Geo::Column, Geo::Column) => SpatialPredicate::udf(relation)
                .call(vec![column(GEOMETRY_COLUMN), column(GEOMETRY_COLUMN)]),
        })
    }
}

#[cfg(test)]
mod tests {
    use geo::Geometry;

    use super::super::fixture::{Fixture, SPATIAL_OPS, and3, case, pt, spatial_literals, sq};

    /// The oracle: `geo`'s DE-9IM matrix on the raw geometries (no WKB, no UDF, no prefilter).
    fn de9im(op: &str, a: &Geometry, b: &Geometry) -> bool {
        use geo::Relate;
        let m = a.relate(b);
        match op {
            "S_INTERSECTS" => m.is_intersects(),
            "S_DISJOINT" => m.is_disjoint(),
            "S_EQUALS" => m.is_equal_topo(),
            "S_TOUCHES" => m.is_touches(),
            "S_WITHIN" => m.is_within(),
            "S_OVERLAPS" => m.is_overlaps(),
            "S_CROSSES" => m.is_crosses(),
            "S_CONTAINS" => m.is_contains(),
            other => panic!("{other}"),
        }
    }

    #[tokio::test]
    async fn spatial_operators_against_de9im() {
        let fx = Fixture::new();
        let mut cases = Vec::new();
        for op in SPATIAL_OPS {
            for (text, g) in spatial_literals() {
                let lit_geometry = g.clone();
                cases.push(case(format!("{op}(geometry, {text})"), move |r| {
                    r.geometry.as_ref().map(|f| de9im(op, f, &lit_geometry))
                }));
                cases.push(case(format!("{op}({text}, geometry)"), move |r| {
                    r.geometry.as_ref().map(|f| de9im(op, &g, f))
                }));
            }
            cases.push(case(format!("{op}(geometry, geometry)"), move |r| {
                r.geometry.as_ref().map(|f| de9im(op, f, f))
            }));
        }
        let square = Geometry::Polygon(sq(0.0, 0.0, 2.0, 2.0));
        let s = square.clone();
        cases.extend([
            case("NOT S_INTERSECTS(geometry, BBOX(0, 0, 2, 2))", move |r| {
                r.geometry.as_ref().map(|f| !de9im("S_INTERSECTS", f, &s))
            }),
            case("S_WITHIN(POINT(1 1), BBOX(0, 0, 2, 2))", |_| Some(true)),
            case("S_DISJOINT(POINT(1 1), BBOX(0, 0, 2, 2))", |_| Some(false)),
            case("S_INTERSECTS(geometry, POINT(1 1 5))", move |r| {
                r.geometry.as_ref().map(|f| de9im("S_INTERSECTS", f, &pt(1.0, 1.0)))
            }),
            case(
                r#"{"op": "s_within", "args": [{"property": "geometry"}, {"bbox": [0, 0, 2, 2]}]}"#,
                {
                    let s = square.clone();
                    move |r| r.geometry.as_ref().map(|f| de9im("S_WITHIN", f, &s))
                },
            ),
            case(
                r#"{"op": "s_touches", "args": [{"property": "geometry"},
                    {"type": "Polygon", "coordinates": [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]]}]}"#,
                {
                    let s = square.clone();
                    move |r| r.geometry.as_ref().map(|f| de9im("S_TOUCHES", f, &s))
                },
            ),
            case(
                r#"{"op": "s_intersects", "args": [{"property": "geometry"}, {"bbox": [179, -1, -179, 1]}]}"#,
                |r| Some(r.id == 10 || r.id == 11),
            ),
            case("S_INTERSECTS(geometry, BBOX(0, 0, 2, 2)) AND count > 3", move |r| {
                and3(
                    r.geometry.as_ref().map(|f| de9im("S_INTERSECTS", f, &square)),
                    r.count.map(|c| c > 3),
                )
            }),
        ]);
        let n = cases.len();
        // Many relations hold for few rows; still most cases must tell rows apart.
        assert!(fx.run(cases).await > n / 3);
    }
}
