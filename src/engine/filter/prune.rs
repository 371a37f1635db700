//! Row group pruning: CRS84 boxes that every feature a filter matches intersects, derived from
//! the spatial predicates that imply intersection with a literal ([`Filter::prune_boxes`]), so
//! that a query can skip row groups whose bbox statistics meet none of them.
//!
//! [`Filter::prune_boxes`]: super::Filter::prune_boxes

use super::spatial::{bbox_literal, geometry_literal, relation};
use super::{Translator, deeper};
use crate::geom::Bbox;
use crate::store::layout::GEOMETRY_COLUMN;

fn total_area(boxes: &[Bbox]) -> f64 {
    boxes
        .iter()
        .map(|b| (b.maxx - b.minx) * (b.maxy - b.miny))
        .sum()
}

impl Translator<'_> {
    /// Boxes every match intersects (see [`Filter::prune_boxes`]).
    pub(super) fn prune_boxes(&self, e: &cql2::Expr, depth: usize) -> Option<Vec<Bbox>> {
        use cql2::Expr as C;
        let d = deeper(depth).ok()?;
        match e {
            C::And(items) => items
                .iter()
                .filter_map(|x| self.prune_boxes(x, d))
                .min_by(|a, b| total_area(a).total_cmp(&total_area(b))),
            C::Or(items) if !items.is_empty() => {
                let mut all = Vec::new();
                for x in items {
                    all.extend(self.prune_boxes(x, d)?);
                }
                Some(all)
            }
            C::Spatial { op, left, right } if relation(*op).implies_intersection() => {
                let literal = match (left.as_ref(), right.as_ref()) {
                    (C::Property(p), lit) | (lit, C::Property(p)) if p == GEOMETRY_COLUMN => lit,
                    _ => return None,
                };
                match literal {
                    C::Geometry(g) => geometry_literal(g, literal).ok().map(|g| g.boxes),
                    C::BBox(b) => bbox_literal(b, literal).ok().map(|g| g.boxes),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use arrow::datatypes::DataType;
    use geo::BoundingRect;

    use super::super::fixture::{Fixture, SPATIAL_OPS, spatial_literals};
    use super::super::{Queryables, to_expr};
    use super::*;

    /// Every row a spatial filter matches has a bbox that meets a prune box.
    #[tokio::test]
    async fn prune_boxes_never_exclude_a_match() {
        let fx = Fixture::new();
        let meets = |r: &geo::Rect, b: &Bbox| {
            r.max().x >= b.minx && r.min().x <= b.maxx && r.max().y >= b.miny && r.min().y <= b.maxy
        };
        let mut derived = 0;
        for op in SPATIAL_OPS {
            for (text, _) in spatial_literals() {
                for filter in [
                    format!("{op}(geometry, {text})"),
                    format!("{op}({text}, geometry)"),
                    format!("count > -100 AND {op}(geometry, {text})"),
                ] {
                    let parsed = cql2::parse_text(&filter).unwrap();
                    let f = to_expr(&parsed, &fx.q).unwrap();
                    let Some(boxes) = f.prune_boxes else {
                        assert_eq!(op, "S_DISJOINT", "{filter}: no prune boxes");
                        continue;
                    };
                    assert_ne!(op, "S_DISJOINT", "{filter}");
                    derived += 1;
                    for id in fx.ids(&parsed).await.unwrap() {
                        let r = fx.rows.iter().find(|r| r.id == id).unwrap();
                        let rect = r.geometry.as_ref().unwrap().bounding_rect().unwrap();
                        assert!(
                            boxes.iter().any(|b| meets(&rect, b)),
                            "{filter}: row {id} matches outside {boxes:?}"
                        );
                    }
                }
            }
        }
        assert!(derived > 100);
    }

    #[test]
    fn prune_boxes_follow_and_or() {
        let q = Fixture::new().q;
        let boxes = |text: &str| {
            to_expr(&cql2::parse_text(text).unwrap(), &q)
                .unwrap()
                .prune_boxes
        };
        let b = |minx, miny, maxx, maxy| Bbox {
            minx,
            miny,
            maxx,
            maxy,
        };
        assert_eq!(
            boxes("S_INTERSECTS(geometry, BBOX(0, 0, 2, 3))"),
            Some(vec![b(0.0, 0.0, 2.0, 3.0)])
        );
        assert_eq!(
            boxes("S_CONTAINS(LINESTRING(1 5, 3 2), geometry)"),
            Some(vec![b(1.0, 2.0, 3.0, 5.0)])
        );
        assert_eq!(
            boxes("S_WITHIN(geometry, BBOX(170, 0, -170, 1))"),
            Some(vec![b(170.0, 0.0, 180.0, 1.0), b(-180.0, 0.0, -170.0, 1.0)])
        );
        // The smaller of two conjuncts.
        assert_eq!(
            boxes(
                "S_INTERSECTS(geometry, BBOX(0, 0, 10, 10)) AND flag AND S_WITHIN(geometry, BBOX(1, 1, 2, 2))"
            ),
            Some(vec![b(1.0, 1.0, 2.0, 2.0)])
        );
        // Every branch of an OR.
        assert_eq!(
            boxes("S_INTERSECTS(geometry, POINT(1 2)) OR S_TOUCHES(geometry, BBOX(5, 5, 6, 6))"),
            Some(vec![b(1.0, 2.0, 1.0, 2.0), b(5.0, 5.0, 6.0, 6.0)])
        );
        for none in [
            "S_INTERSECTS(geometry, POINT(1 2)) OR count > 1",
            "NOT S_INTERSECTS(geometry, POINT(1 2))",
            "S_DISJOINT(geometry, POINT(1 2))",
            "S_INTERSECTS(geometry, geometry)",
            "S_INTERSECTS(POINT(0 0), POINT(1 2))",
            "count > 1",
        ] {
            assert_eq!(boxes(none), None, "{none}");
        }
        // Without geometry there is nothing to prune on.
        let no_geometry = Queryables {
            columns: vec![("count".into(), DataType::Int32)],
            geometry: false,
        };
        let f = to_expr(&cql2::parse_text("count > 1").unwrap(), &no_geometry).unwrap();
        assert_eq!(f.prune_boxes, None);
    }
}
