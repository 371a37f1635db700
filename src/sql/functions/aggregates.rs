//! Aggregates: `st_collect` (the inputs as one multi-geometry or collection, as PostGIS) and
//! `st_union_agg` (the point-set union of polygons, dissolving shared boundaries).
//!
//! Both keep the inputs' WKB; the partial state between aggregation phases is one WKB
//! GeometryCollection. `size()` reports the bytes held, so the query's memory pool bounds them.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use geo::{
    Geometry, GeometryCollection, MultiLineString, MultiPoint, MultiPolygon, Polygon, unary_union,
};

use super::{geometry, guarded};
use crate::engine::spatial::to_wkb;
use crate::geom::WkbColumn;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Combine {
    Collect,
    Union,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct GeoAggregate {
    combine: Combine,
    signature: Signature,
}

pub(super) fn udafs() -> Vec<AggregateUDF> {
    [Combine::Collect, Combine::Union]
        .into_iter()
        .map(|combine| {
            AggregateUDF::new_from_impl(GeoAggregate {
                combine,
                signature: Signature::user_defined(Volatility::Immutable),
            })
        })
        .collect()
}

impl AggregateUDFImpl for GeoAggregate {
    fn name(&self) -> &str {
        match self.combine {
            Combine::Collect => "st_collect",
            Combine::Union => "st_union_agg",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::Null] => {
                Ok(vec![DataType::Binary])
            }
            [t] => plan_err!("{} takes a geometry (WKB), not {t}", self.name()),
            _ => plan_err!("{} takes one geometry argument", self.name()),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }

    fn accumulator(&self, _acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(GeoAccumulator {
            combine: self.combine,
            name: self.name().to_owned(),
            members: Vec::new(),
            bytes: 0,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[members]", args.name),
            DataType::Binary,
            true,
        ))])
    }
}

#[derive(Debug)]
struct GeoAccumulator {
    combine: Combine,
    name: String,
    members: Vec<Vec<u8>>,
    bytes: usize,
}

impl GeoAccumulator {
    fn push(&mut self, wkb: &[u8]) {
        self.bytes += wkb.len();
        self.members.push(wkb.to_vec());
    }

    fn geometries(&self) -> Result<Vec<Geometry>> {
        let mut out = Vec::with_capacity(self.members.len());
        for m in &self.members {
            out.extend(geometry(&self.name, Some(m))?);
        }
        Ok(out)
    }
}

/// The inputs as PostGIS's ST_Collect returns them: a Multi* when all are of one kind.
fn collect(geoms: Vec<Geometry>) -> Geometry {
    let mut points = Vec::new();
    let mut lines = Vec::new();
    let mut polygons = Vec::new();
    let mut other = false;
    for g in &geoms {
        match g {
            Geometry::Point(p) => points.push(*p),
            Geometry::MultiPoint(m) => points.extend(m.0.iter().copied()),
            Geometry::LineString(l) => lines.push(l.clone()),
            Geometry::MultiLineString(m) => lines.extend(m.0.iter().cloned()),
            Geometry::Polygon(p) => polygons.push(p.clone()),
            Geometry::MultiPolygon(m) => polygons.extend(m.0.iter().cloned()),
            _ => other = true,
        }
    }
    let kinds = [!points.is_empty(), !lines.is_empty(), !polygons.is_empty()]
        .iter()
        .filter(|k| **k)
        .count();
    match (other, kinds) {
        (false, 1) if !points.is_empty() => MultiPoint(points).into(),
        (false, 1) if !lines.is_empty() => MultiLineString(lines).into(),
        (false, 1) => MultiPolygon(polygons).into(),
        _ => Geometry::GeometryCollection(GeometryCollection(geoms)),
    }
}

fn union(name: &str, geoms: Vec<Geometry>) -> Result<Geometry> {
    let mut polygons: Vec<Polygon> = Vec::new();
    for g in geoms {
        match g {
            Geometry::Polygon(p) => polygons.push(p),
            Geometry::MultiPolygon(m) => polygons.extend(m.0),
            Geometry::Rect(r) => polygons.push(r.to_polygon()),
            _ => {
                return exec_err!("{name} unites polygons; use st_collect for other geometries");
            }
        }
    }
    guarded(name, || Ok(unary_union(&polygons).into()))
}

impl Accumulator for GeoAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let Some(column) = WkbColumn::new(values[0].as_ref()) else {
            return exec_err!("{}: the argument must be a geometry", self.name);
        };
        for i in 0..column.len() {
            if let Some(wkb) = column.get(i) {
                self.push(wkb);
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let states = states[0].as_binary::<i32>();
        for state in states.iter().flatten() {
            if let Some(Geometry::GeometryCollection(c)) = geometry(&self.name, Some(state))? {
                for g in &c.0 {
                    self.push(&to_wkb(g));
                }
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let members = GeometryCollection(self.geometries()?);
        Ok(vec![ScalarValue::Binary(Some(to_wkb(
            &Geometry::GeometryCollection(members),
        )))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let geoms = self.geometries()?;
        if geoms.is_empty() {
            return Ok(ScalarValue::Binary(None));
        }
        let g = match self.combine {
            Combine::Collect => collect(geoms),
            Combine::Union => union(&self.name, geoms)?,
        };
        Ok(ScalarValue::Binary(Some(to_wkb(&g))))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.bytes + self.members.len() * 24
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{error, one};

    #[tokio::test]
    async fn collect_and_union() {
        let values =
            "(VALUES (ST_MakeEnvelope(0, 0, 1, 1)), (ST_MakeEnvelope(1, 0, 2, 1)), (NULL)) AS t(g)";
        assert_eq!(
            one(&format!(
                "SELECT ST_GeometryType(ST_Collect(g)) FROM {values}"
            ))
            .await,
            "ST_MultiPolygon"
        );
        assert_eq!(
            one(&format!("SELECT ST_Area(ST_Union_Agg(g)) FROM {values}")).await,
            "2.0"
        );
        // Two adjacent squares dissolve into one polygon of 4 corners (+ closing point).
        let text = one(&format!("SELECT ST_AsText(ST_Union_Agg(g)) FROM {values}")).await;
        assert!(
            text.starts_with("MULTIPOLYGON (((") && !text.contains(")), (("),
            "{text}"
        );
        assert_eq!(
            one("SELECT ST_AsText(ST_Collect(g)) FROM (VALUES (ST_Point(1, 2)), (ST_Point(3, 4))) AS t(g)").await,
            "MULTIPOINT ((1 2), (3 4))"
        );
        assert_eq!(
            one("SELECT ST_Collect(g) IS NULL FROM (VALUES (ST_Point(1, 2))) AS t(g) WHERE false")
                .await,
            "true"
        );
        let e = error("SELECT ST_Union_Agg(g) FROM (VALUES (ST_Point(1, 2))) AS t(g)").await;
        assert!(e.contains("unites polygons"), "{e}");
    }
}
