//! Spatial joins through an R-tree instead of a nested loop.
//!
//! [`IndexJoinRule`] replaces an inner [`NestedLoopJoinExec`] whose filter has, among its
//! `AND`ed terms, an exact spatial predicate between a left and a right geometry column —
//! `ST_Intersects`, `ST_Contains`, `ST_Within`, … (every relation that implies intersecting), or
//! `ST_DWithin(a, b, d)` with a constant `d` — by a [`SpatialJoinExec`]. That collects the left
//! (build) side as the nested loop did, puts each row's geometry box into an R-tree, and for
//! each right row looks up the left rows whose box meets its box (grown by `d`): only those
//! pairs are formed, and the join's whole filter is evaluated on them, so the answer is the
//! nested loop's (in another order). The pairs are grouped by the side with the larger
//! geometries, so that the predicate's prepared-geometry cache reads each polygon once per
//! batch.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, RecordBatchOptions, UInt32Array};
use arrow::compute::{concat_batches, filter_record_batch, take};
use arrow::datatypes::SchemaRef;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::common::{JoinSide, JoinType, ScalarValue, internal_err};
use datafusion::config::ConfigOptions;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::expressions::{Column, Literal};
use datafusion::physical_expr::{
    EquivalenceProperties, Partitioning, PhysicalExpr, ScalarFunctionExpr, split_conjunction,
};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::joins::NestedLoopJoinExec;
use datafusion::physical_plan::joins::utils::JoinFilter;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, Distribution, ExecutionPlan, ExecutionPlanProperties,
    PlanProperties, ReplaceChildrenOptions, collect,
};
use futures::{StreamExt, TryStreamExt};
use geo::BoundingRect;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use tokio::sync::OnceCell;

use crate::engine::spatial::Relation;
use crate::geom::WkbColumn;
use crate::geom::to_geo::to_geo;

/// Pairs evaluated per filter batch: bounds the memory of one step.
const PAIRS_PER_BATCH: usize = 8192;

#[derive(Debug, Default)]
pub struct IndexJoinRule;

/// The spatial term of a join filter: the geometry columns (left, right input indices) and the
/// distance the boxes are grown by.
#[derive(Debug, Clone, Copy)]
struct SpatialTerm {
    left: usize,
    right: usize,
    grow: f64,
}

fn spatial_term(filter: &JoinFilter) -> Option<SpatialTerm> {
    split_conjunction(filter.expression())
        .into_iter()
        .find_map(|term| {
            let f = term.downcast_ref::<ScalarFunctionExpr>()?;
            let name = f.name();
            let intersecting = Relation::ALL
                .iter()
                .any(|r| r.implies_intersection() && r.udf_name() == name);
            let grow = match (name, f.args()) {
                (_, [_, _]) if intersecting => 0.0,
                ("st_dwithin", [_, _, d]) => {
                    let d = d.downcast_ref::<Literal>()?.value();
                    match d.cast_to(&arrow::datatypes::DataType::Float64).ok()? {
                        ScalarValue::Float64(Some(d)) if d.is_finite() && d >= 0.0 => d,
                        _ => return None,
                    }
                }
                _ => return None,
            };
            let side = |e: &Arc<dyn PhysicalExpr>| {
                let c = e.downcast_ref::<Column>()?;
                let i = filter.column_indices().get(c.index())?;
                Some((i.side, i.index))
            };
            match (side(&f.args()[0])?, side(&f.args()[1])?) {
                ((JoinSide::Left, l), (JoinSide::Right, r))
                | ((JoinSide::Right, r), (JoinSide::Left, l)) => Some(SpatialTerm {
                    left: l,
                    right: r,
                    grow,
                }),
                _ => None,
            }
        })
}

impl PhysicalOptimizerRule for IndexJoinRule {
    fn name(&self) -> &str {
        "ontsluit_spatial_index_join"
    }

    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(nlj) = node.downcast_ref::<NestedLoopJoinExec>() else {
                return Ok(Transformed::no(node));
            };
            let (Some(filter), JoinType::Inner) = (nlj.filter(), nlj.join_type()) else {
                return Ok(Transformed::no(node));
            };
            let Some(term) = spatial_term(filter) else {
                return Ok(Transformed::no(node));
            };
            let exec = SpatialJoinExec::new(
                Arc::clone(nlj.left()),
                Arc::clone(nlj.right()),
                filter.clone(),
                term,
                nlj.projection().as_ref().map(|p| p.to_vec()),
                nlj.schema(),
            );
            Ok(Transformed::new(
                Arc::new(exec) as Arc<dyn ExecutionPlan>,
                true,
                TreeNodeRecursion::Continue,
            ))
        })
        .data()
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// An inner join on a spatial predicate, through an R-tree over the left side's boxes.
#[derive(Debug)]
pub struct SpatialJoinExec {
    left: Arc<dyn ExecutionPlan>,
    right: Arc<dyn ExecutionPlan>,
    filter: JoinFilter,
    term: SpatialTerm,
    /// Output columns as indices into left columns followed by right columns.
    projection: Option<Vec<usize>>,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
    build: Arc<OnceCell<Arc<Build>>>,
}

impl SpatialJoinExec {
    fn new(
        left: Arc<dyn ExecutionPlan>,
        right: Arc<dyn ExecutionPlan>,
        filter: JoinFilter,
        term: SpatialTerm,
        projection: Option<Vec<usize>>,
        schema: SchemaRef,
    ) -> SpatialJoinExec {
        let partitions = right.output_partitioning().partition_count();
        let properties = PlanProperties::new(
            EquivalenceProperties::new(Arc::clone(&schema)),
            Partitioning::UnknownPartitioning(partitions),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        SpatialJoinExec {
            left,
            right,
            filter,
            term,
            projection,
            schema,
            properties: Arc::new(properties),
            build: Arc::new(OnceCell::new()),
        }
    }
}

impl DisplayAs for SpatialJoinExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SpatialJoinExec: filter={}, grow={}",
            self.filter.expression(),
            self.term.grow
        )
    }
}

impl ExecutionPlan for SpatialJoinExec {
    fn name(&self) -> &str {
        "SpatialJoinExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn required_input_distribution(&self) -> Vec<Distribution> {
        vec![
            Distribution::SinglePartition,
            Distribution::UnspecifiedDistribution,
        ]
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![false, false]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.left, &self.right]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        f(self.filter.expression())
    }

    fn replace_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.len() != 2 {
            return internal_err!("SpatialJoinExec has two children, got {}", children.len());
        }
        let right = children.swap_remove(1);
        let left = children.swap_remove(0);
        Ok(Arc::new(SpatialJoinExec::new(
            left,
            right,
            self.filter.clone(),
            self.term,
            self.projection.clone(),
            Arc::clone(&self.schema),
        )))
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(
                datafusion::physical_plan::ChildrenPropertiesMode::Recompute,
            ),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let left = Arc::clone(&self.left);
        let once = Arc::clone(&self.build);
        let term = self.term;
        let build_context = Arc::clone(&context);
        let right = self.right.execute(partition, context)?;
        let probe = Probe {
            filter: self.filter.clone(),
            term: self.term,
            projection: self.projection.clone(),
            schema: Arc::clone(&self.schema),
        };
        // The left side is collected once, by whichever partition comes first.
        let joined = futures::stream::once(async move {
            let build = once
                .get_or_try_init(|| Build::collect(left, build_context, term))
                .await
                .cloned()?;
            Ok::<_, DataFusionError>(right.map(move |batch| probe.join(&build, &batch?)))
        })
        .try_flatten()
        .try_filter(|b| futures::future::ready(b.num_rows() > 0));
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            joined,
        )))
    }
}

/// A box's lower left and upper right corners.
type Corners = ([f64; 2], [f64; 2]);

/// A row's box and its row number on the left.
type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The collected left side: its rows as one batch, the R-tree over their boxes, and the
/// memory they are charged for.
#[derive(Debug)]
struct Build {
    batch: RecordBatch,
    tree: RTree<Entry>,
    /// Mean WKB length of the left geometries, to choose the side pairs are grouped by.
    mean_wkb: f64,
    _reservation: MemoryReservation,
}

impl Build {
    async fn collect(
        left: Arc<dyn ExecutionPlan>,
        context: Arc<TaskContext>,
        term: SpatialTerm,
    ) -> Result<Arc<Build>> {
        let reservation =
            MemoryConsumer::new("SpatialJoinExec[build]").register(context.memory_pool());
        let schema = left.schema();
        let batches = collect(left, context).await?;
        let batch = concat_batches(&schema, &batches)?;
        drop(batches);
        reservation.try_grow(batch.get_array_memory_size())?;
        let geometry = batch.column(term.left);
        let boxes = boxes(geometry, 0.0)?;
        let entries: Vec<Entry> = boxes
            .into_iter()
            .enumerate()
            .filter_map(|(i, b)| {
                b.map(|(a, b)| Entry::new(Rectangle::from_corners(a, b), i as u32))
            })
            .collect();
        reservation.try_grow(entries.len() * std::mem::size_of::<Entry>() * 6 / 5)?;
        let mean_wkb = mean_wkb(geometry);
        Ok(Arc::new(Build {
            batch,
            tree: RTree::bulk_load(entries),
            mean_wkb,
            _reservation: reservation,
        }))
    }
}

/// Each row's box (grown by `d`) as corners; `None` for null, empty or NaN geometries, which
/// meet nothing.
fn boxes(column: &ArrayRef, d: f64) -> Result<Vec<Option<Corners>>> {
    let Some(wkb) = WkbColumn::new(column.as_ref()) else {
        return internal_err!("SpatialJoinExec: the geometry is not WKB");
    };
    (0..column.len())
        .map(|i| {
            let Some(bytes) = wkb.get(i) else {
                return Ok(None);
            };
            let g = to_geo(bytes).map_err(|e| DataFusionError::Execution(e.to_string()))?;
            let Some(r) = g.and_then(|g| g.bounding_rect()) else {
                return Ok(None);
            };
            let (a, b) = (
                [r.min().x - d, r.min().y - d],
                [r.max().x + d, r.max().y + d],
            );
            Ok(a.iter().chain(&b).all(|v| !v.is_nan()).then_some((a, b)))
        })
        .collect()
}

fn mean_wkb(column: &ArrayRef) -> f64 {
    let bytes = match column.data_type() {
        arrow::datatypes::DataType::Binary => column.as_binary::<i32>().values().len(),
        arrow::datatypes::DataType::LargeBinary => column.as_binary::<i64>().values().len(),
        _ => column.get_array_memory_size(),
    };
    bytes as f64 / column.len().max(1) as f64
}

/// What each right batch is joined with.
struct Probe {
    filter: JoinFilter,
    term: SpatialTerm,
    projection: Option<Vec<usize>>,
    schema: SchemaRef,
}

impl Probe {
    /// The joined rows of one right batch.
    fn join(&self, build: &Build, right: &RecordBatch) -> Result<RecordBatch> {
        let geometry = right.column(self.term.right);
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (j, b) in boxes(geometry, self.term.grow)?.into_iter().enumerate() {
            let Some((a, b)) = b else { continue };
            let envelope = AABB::from_corners(a, b);
            pairs.extend(
                build
                    .tree
                    .locate_in_envelope_intersecting(&envelope)
                    .map(|e| (e.data, j as u32)),
            );
        }
        // Consecutive pairs share the larger geometry, which the predicate then reads once.
        if build.mean_wkb >= mean_wkb(geometry) {
            pairs.sort_unstable();
        } else {
            pairs.sort_unstable_by_key(|&(l, r)| (r, l));
        }
        let mut out = Vec::new();
        for chunk in pairs.chunks(PAIRS_PER_BATCH) {
            let left = UInt32Array::from_iter_values(chunk.iter().map(|p| p.0));
            let right_rows = UInt32Array::from_iter_values(chunk.iter().map(|p| p.1));
            let column = |side: JoinSide, index: usize| -> Result<ArrayRef> {
                Ok(match side {
                    JoinSide::Left => take(build.batch.column(index), &left, None)?,
                    _ => take(right.column(index), &right_rows, None)?,
                })
            };
            let options = RecordBatchOptions::new().with_row_count(Some(chunk.len()));
            let filter_columns = self
                .filter
                .column_indices()
                .iter()
                .map(|c| column(c.side, c.index))
                .collect::<Result<Vec<_>>>()?;
            let candidates = RecordBatch::try_new_with_options(
                Arc::clone(self.filter.schema()),
                filter_columns,
                &options,
            )?;
            let mask = self
                .filter
                .expression()
                .evaluate(&candidates)?
                .into_array(chunk.len())?;
            let left_width = build.batch.num_columns();
            let width = left_width + right.num_columns();
            let indices: Vec<usize> = match &self.projection {
                Some(p) => p.clone(),
                None => (0..width).collect(),
            };
            let columns = indices
                .iter()
                .map(|&i| {
                    if i < left_width {
                        column(JoinSide::Left, i)
                    } else {
                        column(JoinSide::Right, i - left_width)
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            let joined =
                RecordBatch::try_new_with_options(Arc::clone(&self.schema), columns, &options)?;
            // A null predicate is not a match, as in the nested loop.
            out.push(filter_record_batch(&joined, mask.as_boolean())?);
        }
        Ok(concat_batches(&self.schema, &out)?)
    }
}
