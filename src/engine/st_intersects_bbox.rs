//! `st_intersects_bbox(geometry, xmin, ymin, xmax, ymax)`: whether a WKB geometry intersects an
//! axis-aligned box. The exact test after the `bbox` covering-column prefilter.

use std::sync::Arc;

use arrow::array::BooleanBuilder;
use arrow::datatypes::DataType;
use datafusion::common::{ScalarValue, exec_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use geo::{Intersects, Rect, coord};

use crate::geom::WkbColumn;
use crate::geom::to_geo::to_geo;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct StIntersectsBbox {
    signature: Signature,
}

impl StIntersectsBbox {
    pub const NAME: &'static str = "st_intersects_bbox";

    pub fn udf() -> ScalarUDF {
        ScalarUDF::new_from_impl(StIntersectsBbox {
            signature: Signature::one_of(
                [
                    DataType::Binary,
                    DataType::LargeBinary,
                    DataType::BinaryView,
                ]
                .into_iter()
                .map(|g| {
                    TypeSignature::Exact(vec![
                        g,
                        DataType::Float64,
                        DataType::Float64,
                        DataType::Float64,
                        DataType::Float64,
                    ])
                })
                .collect(),
                Volatility::Immutable,
            ),
        })
    }
}

fn scalar_f64(v: &ColumnarValue) -> Result<f64> {
    match v {
        ColumnarValue::Scalar(ScalarValue::Float64(Some(f))) => Ok(*f),
        _ => exec_err!("st_intersects_bbox: the box bounds must be constant numbers"),
    }
}

impl ScalarUDFImpl for StIntersectsBbox {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [geometry, xmin, ymin, xmax, ymax] = &args.args[..] else {
            return exec_err!("st_intersects_bbox takes 5 arguments");
        };
        let rect = Rect::new(
            coord! { x: scalar_f64(xmin)?, y: scalar_f64(ymin)? },
            coord! { x: scalar_f64(xmax)?, y: scalar_f64(ymax)? },
        );
        let array = geometry.to_array(args.number_rows)?;
        let Some(geometries) = WkbColumn::new(array.as_ref()) else {
            return exec_err!(
                "st_intersects_bbox: the geometry must be WKB, not {}",
                array.data_type()
            );
        };
        let mut out = BooleanBuilder::with_capacity(geometries.len());
        for i in 0..geometries.len() {
            let Some(wkb) = geometries.get(i) else {
                out.append_null();
                continue;
            };
            match to_geo(wkb) {
                Ok(Some(g)) => out.append_value(g.intersects(&rect)),
                Ok(None) => out.append_value(false),
                Err(e) => return exec_err!("st_intersects_bbox: {e}"),
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}
