//! "What is here": the features of a version that contain a point, and the point features
//! nearest to it with their geodesic distance. Both ask the ordinary items query for a small box
//! around the point, so the bbox columns and the row group statistics skip nearly everything;
//! only the few candidates left are read and tested exactly.

use arrow::array::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::common::ScalarValue;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{col, lit};
use futures::TryStreamExt;
use geo::{Distance, Geodesic, Point};

use super::spatial::{Relation, SpatialPredicate, to_wkb};
use super::{DatasetVersion, Engine, EngineError, ItemsQuery};
use crate::geom::to_geo::to_geo;
use crate::geom::{Bbox, WkbColumn};
use crate::store::layout::{GEOMETRY_COLUMN, ID_COLUMN};

/// A feature found at or near the point.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub id: String,
    /// The value of the label column, if one was asked for and is not null.
    pub label: Option<String>,
    /// Geodesic distance from the point in metres (0 for a feature that contains it).
    pub metres: f64,
}

/// Metres per degree of latitude (a little more than the mean, so that boxes are never small).
const METRES_PER_DEGREE: f64 = 110_000.0;

impl Engine {
    /// Up to `limit` features of `v` whose geometry contains the point (boundaries included).
    pub async fn containing(
        &self,
        v: &DatasetVersion,
        lon: f64,
        lat: f64,
        label: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Found>, EngineError> {
        let point = to_wkb(&geo::Geometry::Point(Point::new(lon, lat)));
        let query = ItemsQuery {
            bbox: Some(Bbox {
                minx: lon,
                miny: lat,
                maxx: lon,
                maxy: lat,
            }),
            filter: Some(SpatialPredicate::udf(Relation::Intersects).call(vec![
                col(GEOMETRY_COLUMN),
                lit(ScalarValue::Binary(Some(point))),
            ])),
            properties: Some(label.into_iter().map(str::to_owned).collect()),
            skip_geometry: true,
            limit,
            ..ItemsQuery::default()
        };
        let batches: Vec<RecordBatch> = self.items(v, &query).await?.stream.try_collect().await?;
        let mut found = Vec::new();
        for b in &batches {
            let ids = strings(b, ID_COLUMN)?;
            let labels = label.map(|l| strings(b, l)).transpose()?;
            for (i, id) in ids.into_iter().enumerate() {
                found.push(Found {
                    id: id.unwrap_or_default(),
                    label: labels.as_ref().and_then(|l| l[i].clone()),
                    metres: 0.0,
                });
            }
        }
        Ok(found)
    }

    /// The `n` features of `v` nearest to the point within `radius` metres, nearest first; the
    /// distance is to the nearest vertex (exact for points, which is what this is for).
    pub async fn nearest(
        &self,
        v: &DatasetVersion,
        lon: f64,
        lat: f64,
        radius: f64,
        label: Option<&str>,
        n: usize,
    ) -> Result<Vec<Found>, EngineError> {
        let dlat = radius / METRES_PER_DEGREE;
        let dlon = dlat / lat.to_radians().cos().max(0.01);
        let query = ItemsQuery {
            bbox: Some(Bbox {
                minx: (lon - dlon).max(-180.0),
                miny: (lat - dlat).max(-90.0),
                maxx: (lon + dlon).min(180.0),
                maxy: (lat + dlat).min(90.0),
            }),
            properties: Some(label.into_iter().map(str::to_owned).collect()),
            limit: 100_000,
            ..ItemsQuery::default()
        };
        let here = Point::new(lon, lat);
        let batches: Vec<RecordBatch> = self.items(v, &query).await?.stream.try_collect().await?;
        // Candidates by a flat-earth distance, which is within a fraction of a per cent of the
        // geodesic one over a few kilometres and a hundred times cheaper; only the nearest few
        // are measured on the ellipsoid.
        let flat = FlatDistance::at(lat);
        let mut candidates: Vec<(f64, &RecordBatch, usize, geo::Geometry)> = Vec::new();
        for b in &batches {
            let Some(geometries) = b
                .column_by_name(GEOMETRY_COLUMN)
                .and_then(|c| WkbColumn::new(c.as_ref()))
            else {
                continue;
            };
            for i in 0..b.num_rows() {
                let Some(Ok(Some(g))) = geometries.get(i).map(to_geo) else {
                    continue;
                };
                let approx = geo::CoordsIter::coords_iter(&g)
                    .map(|c| flat.metres(lon, lat, c.x, c.y))
                    .fold(f64::INFINITY, f64::min);
                if approx <= radius * 1.01 {
                    candidates.push((approx, b, i, g));
                }
            }
        }
        candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
        candidates.truncate(n.saturating_mul(4).max(8));
        let mut found = Vec::new();
        for (_, b, i, g) in candidates {
            let metres = geo::CoordsIter::coords_iter(&g)
                .map(|c| Geodesic.distance(here, Point::from(c)))
                .fold(f64::INFINITY, f64::min);
            if metres <= radius {
                found.push(Found {
                    id: string_at(b, ID_COLUMN, i)?.unwrap_or_default(),
                    label: label.map(|l| string_at(b, l, i)).transpose()?.flatten(),
                    metres,
                });
            }
        }
        found.sort_by(|a, b| a.metres.total_cmp(&b.metres));
        found.truncate(n);
        Ok(found)
    }
}

/// Distances on a plane tangent at a latitude (equirectangular): good to a fraction of a per
/// cent over the few kilometres "nearest" looks at.
struct FlatDistance {
    metres_per_degree_lon: f64,
}

impl FlatDistance {
    fn at(lat: f64) -> FlatDistance {
        FlatDistance {
            metres_per_degree_lon: 111_320.0 * lat.to_radians().cos(),
        }
    }

    fn metres(&self, lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
        let dx = (lon2 - lon1) * self.metres_per_degree_lon;
        let dy = (lat2 - lat1) * 110_574.0;
        dx.hypot(dy)
    }
}

/// One value of a column as text (`None` for a null or a missing column).
fn string_at(batch: &RecordBatch, name: &str, row: usize) -> Result<Option<String>, EngineError> {
    use arrow::array::Array;
    let Some(column) = batch.column_by_name(name) else {
        return Ok(None);
    };
    if column.is_null(row) {
        return Ok(None);
    }
    let formatter = ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())
        .map_err(|e| EngineError::DataFusion(DataFusionError::ArrowError(Box::new(e), None)))?;
    Ok(Some(formatter.value(row).to_string()))
}

/// A column's values as text (`None` for nulls).
fn strings(batch: &RecordBatch, name: &str) -> Result<Vec<Option<String>>, EngineError> {
    let Some(column) = batch.column_by_name(name) else {
        return Ok(vec![None; batch.num_rows()]);
    };
    let formatter = ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())
        .map_err(|e| EngineError::DataFusion(DataFusionError::ArrowError(Box::new(e), None)))?;
    Ok((0..batch.num_rows())
        .map(|i| {
            use arrow::array::Array;
            column.is_valid(i).then(|| formatter.value(i).to_string())
        })
        .collect())
}
