//! Optimised logical plans by query text, per [`super::snapshot::Snapshot`] (so per set of
//! versions, and dropped with it): a repeated query skips parsing, analysis and the logical
//! optimiser, and only plans physically (where the spatial index picks its rows).
//!
//! A query over small tables (planned for one partition, see `Snapshot::state_for`) keeps its
//! physical plan too. Each run executes a copy with every operator's state reset
//! (`reset_plan_states`, DataFusion's way to run a plan again). The serial state plans without
//! dynamic filters, the one kind of state that a reset does not renew (a filter is shared by
//! the operator that fills it and the scan that reads it).
//!
//! Only plans that the optimiser cannot make time-dependent are kept: no function that is not
//! immutable (`now()` and the like are folded into constants by the optimiser), no parameters,
//! no `EXPLAIN`. Bounded: texts of at most [`MAX_TEXT`] bytes, at most [`MAX_PLANS`] plans;
//! when full, the cache starts over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{Expr, LogicalPlan, Volatility};
use datafusion::physical_plan::ExecutionPlan;

/// Longest query text kept.
pub const MAX_TEXT: usize = 4096;
/// Plans kept per snapshot.
pub const MAX_PLANS: usize = 256;

#[derive(Default)]
pub struct PlanCache {
    plans: Mutex<HashMap<String, Plans>>,
}

/// What is kept of one query text.
#[derive(Clone)]
pub struct Plans {
    pub logical: LogicalPlan,
    /// For a query planned for one partition: its physical plan, never executed itself.
    pub physical: Option<Arc<dyn ExecutionPlan>>,
}

impl PlanCache {
    pub fn get(&self, query: &str) -> Option<Plans> {
        self.plans.lock().ok()?.get(query).cloned()
    }

    pub fn insert(&self, query: &str, plan: LogicalPlan) {
        if query.len() > MAX_TEXT {
            return;
        }
        if let Ok(mut plans) = self.plans.lock() {
            if plans.len() >= MAX_PLANS {
                plans.clear();
            }
            plans.insert(
                query.to_owned(),
                Plans {
                    logical: plan,
                    physical: None,
                },
            );
        }
    }

    /// Keeps the physical plan of a text whose logical plan is kept.
    pub fn insert_physical(&self, query: &str, plan: Arc<dyn ExecutionPlan>) {
        if let Ok(mut plans) = self.plans.lock()
            && let Some(kept) = plans.get_mut(query)
        {
            kept.physical = Some(plan);
        }
    }
}

/// Whether the optimised form of `plan` answers the same at any later time: every function in
/// it (subqueries included) is immutable.
pub fn cacheable(plan: &LogicalPlan) -> bool {
    let mut immutable = true;
    let _ = plan.apply_with_subqueries(|node| {
        node.apply_expressions(|e| {
            e.apply(|e| {
                let volatility = match e {
                    Expr::ScalarFunction(f) => Some(f.func.signature().volatility),
                    Expr::AggregateFunction(f) => Some(f.func.signature().volatility),
                    Expr::WindowFunction(_) => None,
                    _ => None,
                };
                if volatility.is_some_and(|v| v != Volatility::Immutable) {
                    immutable = false;
                    return Ok(TreeNodeRecursion::Stop);
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })
    });
    immutable
}
