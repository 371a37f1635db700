//! Inputs an operator holds whole are charged to the query's memory pool, batch by batch.
//!
//! DataFusion's operators charge what they keep by the size of its Arrow arrays
//! (`get_array_memory_size`). That misses what each kept batch costs besides its arrays: the
//! `RecordBatch` in the operator's `Vec`, the `Arc`'d schema a join makes for every batch it
//! builds, the headers of the arrays and their buffers. For most batches that is a few per cent,
//! but a batch without columns has no arrays at all, so it is charged nothing. A cross join of
//! tables of which no column is used (`SELECT max(random()) FROM gemeenten t0, …, gemeenten t8`)
//! is exactly that: `CrossJoinExec` collects its left input, the product of eight tables, as
//! billions of such batches, none of them charged, and the memory limit never fires (4 GB per
//! query, until the time limit).
//!
//! [`ChargeHeldInputs`] therefore wraps each input that its parent holds entirely before it
//! produces anything (the build side of every join, the input of a full sort or of a window
//! over unbounded frames) in a [`HeldInputExec`], which charges every batch passing through a
//! fixed cost per batch and per column, and keeps the charge until the parent drops the input's
//! stream, i.e. for as long as the parent holds those batches (or longer: a sort keeps the
//! stream while it sorts). The array bytes themselves are
//! still charged by the parent, so nothing is counted twice; and a query whose held input
//! outgrows the limit fails with "resources exhausted" (422) as soon as it does, instead of
//! taking the machine's memory.

use std::mem::size_of;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::config::ConfigOptions;
use datafusion::error::Result;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{RecordBatchStream, SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::execution_plan::CardinalityEffect;
use datafusion::physical_plan::joins::{CrossJoinExec, HashJoinExec, NestedLoopJoinExec};
use datafusion::physical_plan::sorts::sort::SortExec;
use datafusion::physical_plan::windows::WindowAggExec;
use datafusion::physical_plan::{
    ChildStats, ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan,
    PlanProperties, ReplaceChildrenOptions, Statistics, StatisticsArgs,
};
use futures::{Stream, StreamExt};

/// What a kept batch costs besides its arrays: its slot in the holder's `Vec` (with the slack
/// of a growing `Vec`), and the `Arc<Schema>` that `CrossJoinExec` allocates for every batch.
/// Measured: a zero-column cross-join batch held by `CrossJoinExec` takes about 140 bytes.
pub const BATCH_OVERHEAD: usize = 2 * size_of::<RecordBatch>() + 2 * size_of::<Schema>() + 64;

/// What each column of a kept batch costs besides what `get_array_memory_size` counts: the
/// `ArrayRef` in the batch, the `Arc` header of the array, and the shared headers of up to three
/// buffers (validity, offsets, values), with the allocator's own overhead.
pub const COLUMN_OVERHEAD: usize = size_of::<ArrayRef>() + 3 * 64;

/// The bytes a batch costs beyond what its holder charges for its arrays.
pub fn overhead(batch: &RecordBatch) -> usize {
    BATCH_OVERHEAD + batch.num_columns() * COLUMN_OVERHEAD
}

/// The physical optimizer rule: wraps every input that its parent holds whole.
#[derive(Debug, Default)]
pub struct ChargeHeldInputs;

/// The children of `plan` that it collects entirely before producing output, by index.
fn held_children(plan: &dyn ExecutionPlan) -> &'static [usize] {
    let held = plan.is::<CrossJoinExec>()
        || plan.is::<NestedLoopJoinExec>()
        || plan.is::<HashJoinExec>()
        || plan.is::<WindowAggExec>()
        || plan.is::<super::index_join::SpatialJoinExec>()
        || plan
            .downcast_ref::<SortExec>()
            .is_some_and(|s| s.fetch().is_none());
    if held { &[0] } else { &[] }
}

impl PhysicalOptimizerRule for ChargeHeldInputs {
    fn name(&self) -> &str {
        "ontsluit_charge_held_inputs"
    }

    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let held = held_children(node.as_ref());
            if held.is_empty() {
                return Ok(Transformed::no(node));
            }
            let holder = node.name().to_owned();
            let children = node
                .children()
                .into_iter()
                .enumerate()
                .map(|(i, child)| {
                    if held.contains(&i) && !child.is::<HeldInputExec>() {
                        Arc::new(HeldInputExec::new(Arc::clone(child), holder.clone()))
                            as Arc<dyn ExecutionPlan>
                    } else {
                        Arc::clone(child)
                    }
                })
                .collect();
            // The wrapper has its input's properties: the parent's need not be recomputed.
            let node = node.replace_children(
                children,
                ReplaceChildrenOptions::new(ChildrenPropertiesMode::Keep),
            )?;
            Ok(Transformed::new(node, true, TreeNodeRecursion::Continue))
        })
        .data()
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Passes its input through, charging each batch's [`overhead`] to the query's memory pool
/// until the input ends or the stream is dropped.
#[derive(Debug)]
pub struct HeldInputExec {
    input: Arc<dyn ExecutionPlan>,
    /// The operator that holds this input, for the memory consumer's name.
    holder: String,
    properties: Arc<PlanProperties>,
}

impl HeldInputExec {
    pub fn new(input: Arc<dyn ExecutionPlan>, holder: String) -> Self {
        let properties = Arc::clone(input.properties());
        HeldInputExec {
            input,
            holder,
            properties,
        }
    }
}

impl DisplayAs for HeldInputExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HeldInputExec: held by {}", self.holder)
    }
}

impl ExecutionPlan for HeldInputExec {
    fn name(&self) -> &str {
        "HeldInputExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn replace_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
        _options: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if children.len() != 1 {
            return datafusion::common::internal_err!(
                "HeldInputExec has one child, got {}",
                children.len()
            );
        }
        Ok(Arc::new(HeldInputExec::new(
            children.swap_remove(0),
            self.holder.clone(),
        )))
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let reservation =
            MemoryConsumer::new(format!("batches held by {}[{partition}]", self.holder))
                .register(context.memory_pool());
        let input = self.input.execute(partition, context)?;
        Ok(Box::pin(HeldStream {
            schema: input.schema(),
            input,
            reservation,
        }))
    }

    fn child_stats_requests(&self, partition: Option<usize>) -> Vec<ChildStats> {
        vec![ChildStats::At(partition)]
    }

    fn statistics_from_inputs(
        &self,
        input_stats: &[Arc<Statistics>],
        _args: &StatisticsArgs,
    ) -> Result<Arc<Statistics>> {
        Ok(Arc::clone(&input_stats[0]))
    }

    fn cardinality_effect(&self) -> CardinalityEffect {
        CardinalityEffect::Equal
    }
}

/// The charge is a `MemoryReservation`, freed when the stream is dropped: the holders above
/// drop their input's stream once they have consumed it and built what they keep from it.
struct HeldStream {
    schema: SchemaRef,
    input: SendableRecordBatchStream,
    reservation: MemoryReservation,
}

impl Stream for HeldStream {
    type Item = Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = std::task::ready!(self.input.poll_next_unpin(cx));
        Poll::Ready(next.map(|batch| {
            let batch = batch?;
            self.reservation.try_grow(overhead(&batch))?;
            Ok(batch)
        }))
    }
}

impl RecordBatchStream for HeldStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int64Array;
    use arrow::datatypes::{DataType, Field};
    use datafusion::datasource::MemTable;
    use datafusion::error::DataFusionError;
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
    use datafusion::prelude::{SessionConfig, SessionContext};

    /// A session with a memory pool of `limit` bytes, with or without the rule, a table `t` of
    /// `batches` one-row batches, and a table `one` of one row.
    fn context(limit: usize, charge: bool, batches: usize) -> SessionContext {
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_limit(limit, 1.0)
            .build_arc()
            .unwrap();
        let mut rules = PhysicalOptimizer::new().rules;
        if charge {
            rules.push(Arc::new(ChargeHeldInputs));
        }
        let state = SessionStateBuilder::new()
            .with_config(SessionConfig::new().with_target_partitions(1))
            .with_runtime_env(runtime)
            .with_default_features()
            .with_physical_optimizer_rules(rules)
            .build();
        let ctx = SessionContext::new_with_state(state);
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
        let batch = |i: usize| {
            let column = Arc::new(Int64Array::from(vec![i as i64])) as ArrayRef;
            RecordBatch::try_new(Arc::clone(&schema), vec![column]).unwrap()
        };
        let t = MemTable::try_new(Arc::clone(&schema), vec![(0..batches).map(batch).collect()]);
        ctx.register_table("t", Arc::new(t.unwrap())).unwrap();
        let one = MemTable::try_new(Arc::clone(&schema), vec![vec![batch(0)]]);
        ctx.register_table("one", Arc::new(one.unwrap())).unwrap();
        ctx
    }

    /// No column of either side is used: every batch the cross join collects (`t`'s) has no
    /// arrays.
    const ZERO_WIDTH: &str = "SELECT max(random()) FROM t, one";

    async fn run(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
        ctx.sql(sql).await?.collect().await
    }

    #[tokio::test]
    async fn a_cross_join_collecting_batches_without_columns_is_charged_for_them() {
        // 4000 batches held, about 1 MB of overhead: within 8 MiB, beyond 512 KiB.
        let limit = 512 * 1024;
        assert!(4000 * BATCH_OVERHEAD > limit && 4000 * BATCH_OVERHEAD < 8 << 20);
        // DataFusion alone charges them nothing, so the small limit never fires.
        let uncharged = run(&context(limit, false, 4000), ZERO_WIDTH).await;
        assert!(uncharged.is_ok(), "{uncharged:?}");

        let err = run(&context(limit, true, 4000), ZERO_WIDTH)
            .await
            .unwrap_err();
        let DataFusionError::ResourcesExhausted(message) = err.find_root() else {
            panic!("{err}");
        };
        assert!(
            message.contains("batches held by CrossJoinExec"),
            "{message}"
        );
        let charged = run(&context(8 << 20, true, 4000), ZERO_WIDTH).await;
        assert!(charged.is_ok(), "{charged:?}");
    }

    #[tokio::test]
    async fn the_rule_wraps_what_is_held_whole_and_nothing_streamed() {
        let ctx = context(64 << 20, true, 10);
        let plan = |sql: &'static str| {
            let ctx = ctx.clone();
            async move {
                let df = ctx.sql(sql).await.unwrap();
                let plan = df.create_physical_plan().await.unwrap();
                datafusion::physical_plan::displayable(plan.as_ref())
                    .indent(false)
                    .to_string()
            }
        };
        let cross = plan("SELECT a.x, b.x FROM t a, t b").await;
        assert!(
            cross.contains("CrossJoinExec\n  HeldInputExec: held by CrossJoinExec"),
            "{cross}"
        );
        let hash = plan("SELECT a.x FROM t a JOIN t b ON a.x = b.x").await;
        assert!(
            hash.contains("HeldInputExec: held by HashJoinExec"),
            "{hash}"
        );
        let sort = plan("SELECT x FROM t ORDER BY x").await;
        assert!(sort.contains("HeldInputExec: held by SortExec"), "{sort}");
        // A top-k sort keeps k rows, a filter or projection nothing: not wrapped.
        let topk = plan("SELECT x FROM t WHERE x > 2 ORDER BY x LIMIT 3").await;
        assert!(!topk.contains("HeldInputExec"), "{topk}");
        // Each held input once, also when the rule runs again.
        let again = ChargeHeldInputs
            .optimize(
                ctx.sql("SELECT a.x, b.x FROM t a, t b")
                    .await
                    .unwrap()
                    .create_physical_plan()
                    .await
                    .unwrap(),
                &ConfigOptions::default(),
            )
            .unwrap();
        let again = datafusion::physical_plan::displayable(again.as_ref())
            .indent(false)
            .to_string();
        assert_eq!(again.matches("HeldInputExec").count(), 1, "{again}");
    }
}
