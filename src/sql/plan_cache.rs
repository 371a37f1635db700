//! Optimised logical plans by query text, per [`super::snapshot::Snapshot`] (so per set of
//! versions, and dropped with it): a repeated query skips parsing, analysis and the logical
//! optimiser, and only plans physically (where the spatial index picks its rows).
//!
//! Only plans that the optimiser cannot make time-dependent are kept: no function that is not
//! immutable (`now()` and the like are folded into constants by the optimiser), no parameters,
//! no `EXPLAIN`. Bounded: texts of at most [`MAX_TEXT`] bytes, at most [`MAX_PLANS`] plans;
//! when full, the cache starts over.

use std::collections::HashMap;
use std::sync::Mutex;

use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::logical_expr::{Expr, LogicalPlan, Volatility};

/// Longest query text kept.
pub const MAX_TEXT: usize = 4096;
/// Plans kept per snapshot.
pub const MAX_PLANS: usize = 256;

#[derive(Default)]
pub struct PlanCache {
    plans: Mutex<HashMap<String, LogicalPlan>>,
}

impl PlanCache {
    pub fn get(&self, query: &str) -> Option<LogicalPlan> {
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
            plans.insert(query.to_owned(), plan);
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
