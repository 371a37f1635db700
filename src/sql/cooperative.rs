//! Queries that can be cancelled: every operator's output consumes tokio's cooperative budget.
//!
//! DataFusion makes the leaves of a plan cooperative, but an operator that makes many batches
//! from in-memory data (a cross join's product, a nested loop join) never returns `Pending`, and
//! an aggregate above it then loops inside one `poll` for as long as the product lasts: the time
//! limit could not fire, and a dropped query would keep a core busy. Wrapping each such operator
//! in a `CooperativeExec` makes it yield every budget's worth of batches, so timers fire and
//! dropping the stream stops the work.

use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::config::ConfigOptions;
use datafusion::error::Result;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::coop::CooperativeExec;
use datafusion::physical_plan::execution_plan::SchedulingType;

#[derive(Debug, Default)]
pub struct CooperativeEverywhere;

impl PhysicalOptimizerRule for CooperativeEverywhere {
    fn name(&self) -> &str {
        "ontsluit_cooperative_everywhere"
    }

    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let cooperative = node.properties().scheduling_type == SchedulingType::Cooperative;
            if cooperative || node.children().is_empty() {
                // Leaves are made cooperative by DataFusion's own rule.
                Ok(Transformed::no(node))
            } else {
                Ok(Transformed::yes(
                    Arc::new(CooperativeExec::new(node)) as Arc<dyn ExecutionPlan>
                ))
            }
        })
        .data()
    }

    fn schema_check(&self) -> bool {
        true
    }
}
