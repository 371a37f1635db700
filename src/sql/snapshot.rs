//! The session state shared by every query over one set of dataset versions: the tables, the
//! ST_ functions, the rules and DataFusion's built-ins, registered once instead of per query.
//!
//! A [`Snapshot`] names the exact versions it was built over (the `Arc`s, not the numbers), so a
//! query that plans and runs on one snapshot sees one consistent set of versions however many
//! tables it reads. When the engine serves a new version of any dataset, the next query builds
//! a new snapshot; the tables of the unchanged versions (and their spatial indexes) carry over.
//! What must stay per query is made per query ([`Snapshot::runtime`]): the memory pool with the
//! query's limit. The file caches (parsed Parquet footers) are shared: they belong to the
//! versions, which are immutable.

use std::sync::Arc;

use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::source_as_provider;
use datafusion::error::DataFusionError;
use datafusion::execution::cache::cache_manager::CacheManager;
use datafusion::execution::disk_manager::{DiskManager, DiskManagerBuilder, DiskManagerMode};
use datafusion::execution::memory_pool::{GreedyMemoryPool, TrackConsumersPool};
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::prelude::{SessionConfig, SessionContext};

use super::plan_cache::PlanCache;
use super::{SqlLimits, bbox_join, cooperative, functions, held, index_join, indexed_table, usage};
use crate::engine::{DatasetVersion, Engine};
use indexed_table::IndexedTable;

/// The versions of the served datasets, in the engine's id order (`None`: not ingested).
pub(crate) type Versions = Vec<Option<Arc<DatasetVersion>>>;

/// The current versions of every served dataset, read once.
pub(crate) fn current_versions(engine: &Engine) -> Versions {
    engine.dataset_ids().map(|id| engine.current(id)).collect()
}

/// A planning state over one set of versions.
pub(crate) struct Snapshot {
    versions: Versions,
    tables: Vec<Option<Arc<IndexedTable>>>,
    pub state: SessionState,
    /// The same state planning for one partition: for queries over small tables, where the
    /// repartitioning, extra tasks and merges of a parallel plan cost more than they gain
    /// (and a server under load has no idle core to gain from anyway).
    pub serial_state: SessionState,
    /// Optimised plans of the query texts run on this snapshot.
    pub plans: PlanCache,
    disk_manager: Arc<DiskManager>,
    cache_manager: Arc<CacheManager>,
    object_stores: Arc<dyn ObjectStoreRegistry>,
}

impl Snapshot {
    /// Whether this snapshot is over exactly these versions.
    pub fn is_over(&self, versions: &Versions) -> bool {
        self.versions.len() == versions.len()
            && self
                .versions
                .iter()
                .zip(versions)
                .all(|(a, b)| match (a, b) {
                    (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                    (None, None) => true,
                    _ => false,
                })
    }

    /// A state over `versions`: every served dataset as a table, the ST_ functions,
    /// `information_schema`, the bbox join analyzer rule and the physical rules. The tables of
    /// versions `previous` already had are taken over with their spatial indexes.
    pub fn build(
        engine: &Engine,
        versions: Versions,
        limits: &SqlLimits,
        previous: Option<&Snapshot>,
    ) -> Result<Snapshot, DataFusionError> {
        let runtime = runtime_builder(limits).build_arc()?;
        let mut config = SessionConfig::new()
            .with_information_schema(true)
            .with_target_partitions(2);
        // Scans read the engine's footer, which has no column index (`engine::local_reads`);
        // with this on, DataFusion would read the page index again for every filtered scan.
        config.options_mut().execution.parquet.enable_page_index = false;
        let mut physical_rules = PhysicalOptimizer::new().rules;
        // Before the wrappers below: the index join replaces a nested loop join they would wrap.
        physical_rules.push(Arc::new(index_join::IndexJoinRule));
        physical_rules.push(Arc::new(cooperative::CooperativeEverywhere));
        // After the cooperative rule: a wrapper takes its (now cooperative) input's properties.
        physical_rules.push(Arc::new(held::ChargeHeldInputs));
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(Arc::clone(&runtime))
            .with_default_features()
            .with_physical_optimizer_rules(physical_rules)
            .build();
        let ctx = SessionContext::new_with_state(state);
        ctx.add_analyzer_rule(Arc::new(bbox_join::BboxJoin));
        for f in functions::scalar_udfs() {
            ctx.register_udf(f);
        }
        for f in functions::aggregate_udfs() {
            ctx.register_udaf(f);
        }
        let mut tables = Vec::with_capacity(versions.len());
        for (id, version) in engine.dataset_ids().zip(&versions) {
            let Some(version) = version else {
                tables.push(None);
                continue;
            };
            let carried = previous.and_then(|p| {
                p.versions
                    .iter()
                    .zip(&p.tables)
                    .find(|(v, _)| v.as_ref().is_some_and(|v| Arc::ptr_eq(v, version)))
                    .and_then(|(_, t)| t.clone())
            });
            let table = carried.unwrap_or_else(|| Arc::new(IndexedTable::new(Arc::clone(version))));
            ctx.register_table(id.as_str(), table.clone())?;
            tables.push(Some(table));
        }
        let state = ctx.state();
        // The catalog is the state's own (shared): building must not register a fresh one.
        let mut serial_config = state
            .config()
            .clone()
            .with_target_partitions(1)
            .with_create_default_catalog_and_schema(false);
        // Its physical plans are kept and run again (`plan_cache`): no dynamic filters, which
        // a reset would not renew. Small tables gain little from them.
        let optimizer = &mut serial_config.options_mut().optimizer;
        optimizer.enable_dynamic_filter_pushdown = false;
        optimizer.enable_topk_dynamic_filter_pushdown = false;
        optimizer.enable_join_dynamic_filter_pushdown = false;
        optimizer.enable_aggregate_dynamic_filter_pushdown = false;
        let serial_state = SessionStateBuilder::new_from_existing(state.clone())
            .with_config(serial_config)
            .build();
        Ok(Snapshot {
            versions,
            tables,
            state,
            serial_state,
            plans: PlanCache::default(),
            disk_manager: Arc::clone(&runtime.disk_manager),
            cache_manager: Arc::clone(&runtime.cache_manager),
            object_stores: Arc::clone(&runtime.object_store_registry),
        })
    }

    /// The state to plan `plan` physically with: the serial one when the tables it scans hold
    /// at most `serial_rows` rows together.
    pub fn state_for(&self, plan: &LogicalPlan, serial_rows: u64) -> &SessionState {
        let mut rows = 0u64;
        let mut known = true;
        let _ = plan.apply_with_subqueries(|node| {
            if let LogicalPlan::TableScan(scan) = node {
                let table = source_as_provider(&scan.source)
                    .ok()
                    .and_then(|p| p.downcast_ref::<IndexedTable>().map(|t| t.rows()));
                match table {
                    Some(n) => rows += n,
                    None => known = false,
                }
            }
            Ok(TreeNodeRecursion::Continue)
        });
        if known && rows <= serial_rows {
            &self.serial_state
        } else {
            &self.state
        }
    }

    /// The runtime of one query: a memory pool of its own with the query's limit, no disk
    /// (nothing spills), and the snapshot's file caches and object stores.
    pub fn runtime(&self, limits: &SqlLimits) -> Arc<RuntimeEnv> {
        Arc::new(RuntimeEnv {
            memory_pool: memory_pool(limits),
            disk_manager: Arc::clone(&self.disk_manager),
            cache_manager: Arc::clone(&self.cache_manager),
            object_store_registry: Arc::clone(&self.object_stores),
        })
    }

    /// A whole session over this snapshot with a runtime of its own (for a view's query).
    pub fn session(&self, limits: &SqlLimits) -> SessionContext {
        let state = SessionStateBuilder::new_from_existing(self.state.clone())
            .with_runtime_env(self.runtime(limits))
            .build();
        SessionContext::new_with_state(state)
    }
}

/// The pool `RuntimeEnvBuilder::with_memory_limit` makes: greedy, with the five largest
/// consumers named in the error; counted into the SQL endpoint's total ([`usage`]).
fn memory_pool(limits: &SqlLimits) -> Arc<usage::Counted<TrackConsumersPool<GreedyMemoryPool>>> {
    Arc::new(usage::Counted::new(TrackConsumersPool::new(
        GreedyMemoryPool::new(limits.memory_bytes),
        std::num::NonZeroUsize::new(5).expect("5 is not zero"),
    )))
}

fn runtime_builder(limits: &SqlLimits) -> RuntimeEnvBuilder {
    RuntimeEnvBuilder::new()
        .with_memory_pool(memory_pool(limits))
        .with_disk_manager_builder(
            DiskManagerBuilder::default().with_mode(DiskManagerMode::Disabled),
        )
}
