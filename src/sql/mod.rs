//! The read-only SQL service behind `/sql/v1` ([`crate::sqlapi`]) and the catalog's views: every
//! dataset and view as a table, ST_ functions, and limits that keep one query from hurting the
//! others. No HTTP here.
//!
//! Invariants:
//! - read-only by construction: statements are planned with DataFusion's [`SQLOptions`] with DDL,
//!   DML and statements off (no `CREATE`, `COPY`, `INSERT`, `SET`, …); the per-query session
//!   has no URL tables, no file-reading table functions, and no disk manager (nothing spills);
//! - each query plans on the shared session state of the versions current when it starts
//!   ([`snapshot`]: tables, functions and rules registered once per set of versions; a new
//!   version never tears a result) and runs with its own memory pool, which every input an operator
//!   holds whole is charged to, per batch as well as per array byte ([`held`]), so a query's
//!   memory stays within its limit; what a query freed is returned to the system once its pool
//!   is empty ([`trim`]);
//! - a query past its time limit is cancelled: its stream is dropped, which stops DataFusion's
//!   tasks; at most `max_concurrent` queries run at once, beyond that 503 + `Retry-After`;
//! - parameters are bound as values (`$1`, `$2`, …), never spliced into the text.

mod bbox_join;
mod cooperative;
pub mod functions;
mod held;
mod index_join;
mod indexed_table;
mod plan_cache;
mod snapshot;
mod spatial_index;
pub mod trim;
pub mod usage;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::common::ScalarValue;
use datafusion::error::DataFusionError;
use datafusion::execution::TaskContext;
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use datafusion::physical_plan::execution_plan::reset_plan_states;
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion::prelude::{SQLOptions, SessionContext};
use futures::StreamExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::engine::Engine;
use plan_cache::Plans;
use snapshot::Snapshot;

/// The limits of the SQL endpoint, read once at start-up.
#[derive(Debug, Clone)]
pub struct SqlLimits {
    /// Longest query text, in bytes.
    pub max_query_bytes: usize,
    /// Rows a result may have; more are cut off and the response says so.
    pub max_rows: usize,
    /// Memory one query may use (DataFusion's operators and the result read ahead).
    pub memory_bytes: usize,
    /// Time one query may take before it is cancelled.
    pub timeout: Duration,
    /// Queries that may run at once; more get 503 + `Retry-After`.
    pub max_concurrent: usize,
    /// Queries whose tables hold at most this many rows together are planned for one
    /// partition (see [`snapshot::Snapshot::state_for`]).
    pub serial_rows: u64,
}

impl Default for SqlLimits {
    fn default() -> Self {
        SqlLimits {
            max_query_bytes: 64 * 1024,
            max_rows: 100_000,
            memory_bytes: 512 * 1024 * 1024,
            timeout: Duration::from_secs(30),
            max_concurrent: 4,
            serial_rows: 1_000_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The query text is longer than the limit.
    #[error("the query is {len} bytes long; the limit is {max} bytes")]
    TooLarge { len: usize, max: usize },
    /// Every query slot is taken.
    #[error("{0} SQL queries are already running; try again shortly")]
    Busy(usize),
    /// Parsing, planning or executing failed because of the query (or its parameters).
    #[error("{0}")]
    Query(String),
    /// The query needed more memory or time than it may use.
    #[error("{0}")]
    Limit(String),
    /// Something failed on our side.
    #[error("{0}")]
    Internal(String),
}

impl SqlError {
    /// Sorts DataFusion's errors into the query's fault, a limit, or ours.
    fn from_datafusion(e: DataFusionError, limits: &SqlLimits) -> SqlError {
        let root = e.find_root();
        match root {
            DataFusionError::ResourcesExhausted(m) => SqlError::Limit(memory_detail(m, limits)),
            DataFusionError::SQL(..)
            | DataFusionError::Plan(_)
            | DataFusionError::SchemaError(..)
            | DataFusionError::NotImplemented(_)
            | DataFusionError::Execution(_)
            | DataFusionError::ArrowError(..)
            | DataFusionError::Configuration(_) => SqlError::Query(root.to_string()),
            _ => SqlError::Internal(e.to_string()),
        }
    }
}

/// The detail of a query that ran out of memory: which operator did, and what to do instead.
/// DataFusion's own message lists the pool's consumers over several lines; the first names the
/// consumer that failed ("… failed for batches held by CrossJoinExec[0] with …").
fn memory_detail(message: &str, limits: &SqlLimits) -> String {
    let first = message.lines().next().unwrap_or(message);
    let consumer = first
        .split_once(" for ")
        .and_then(|(_, rest)| rest.split_once(" with "))
        .map(|(consumer, _)| consumer);
    let hint = match consumer {
        Some(c) if c.contains("CrossJoinExec") => {
            "a cross join keeps its whole left side in memory: join on a condition, \
             or filter the tables first"
        }
        Some(c) if c.contains("Join") => "a join keeps one side in memory: filter that side first",
        _ => "select fewer rows or columns, or aggregate",
    };
    let what = consumer.map_or_else(|| first.to_owned(), |c| format!("{c} ran out"));
    format!(
        "the query needs more than its memory limit of {} MiB ({what}); {hint}",
        limits.memory_bytes / (1024 * 1024)
    )
}

/// One request: the query text and its positional parameters (`$1`, `$2`, …).
#[derive(Debug, Clone, Default)]
pub struct SqlRequest {
    pub query: String,
    pub params: Vec<ScalarValue>,
}

/// A finished query: its rows (at most the row limit), and whether more were cut off. The
/// permit is held until the response has been sent.
pub struct SqlResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub rows: usize,
    pub truncated: bool,
    pub permit: OwnedSemaphorePermit,
}

/// What [`SqlService::status`] reports.
#[derive(Debug, Clone, Copy)]
pub struct SqlStatus {
    /// Queries holding a slot: planning, running, or sending their result.
    pub running: usize,
    /// Bytes reserved in the memory pools of those queries (each within its own limit).
    pub memory_reserved_bytes: usize,
}

/// The endpoint's limits, its gate on concurrent queries, and the session state of the
/// versions last queried.
pub struct SqlService {
    pub limits: SqlLimits,
    gate: Arc<Semaphore>,
    snapshot: ArcSwapOption<Snapshot>,
    /// The multi-threaded runtime the service was made on, where parallel plans run.
    parallel_runtime: Option<tokio::runtime::Handle>,
}

impl SqlService {
    pub fn new(limits: SqlLimits) -> Self {
        let parallel_runtime = tokio::runtime::Handle::try_current()
            .ok()
            .filter(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        SqlService {
            gate: Arc::new(Semaphore::new(limits.max_concurrent)),
            limits,
            snapshot: ArcSwapOption::empty(),
            parallel_runtime,
        }
    }

    /// What the endpoint is doing now: queries running, and the memory they have reserved.
    pub fn status(&self) -> SqlStatus {
        SqlStatus {
            running: self.limits.max_concurrent - self.gate.available_permits(),
            memory_reserved_bytes: usage::reserved_bytes(),
        }
    }

    /// The shared state over the engine's current versions, built anew when any changed.
    fn snapshot(&self, engine: &Engine) -> Result<Arc<Snapshot>, DataFusionError> {
        let versions = snapshot::current_versions(engine);
        let previous = self.snapshot.load_full();
        if let Some(s) = previous.as_ref().filter(|s| s.is_over(&versions)) {
            return Ok(Arc::clone(s));
        }
        let fresh = Arc::new(Snapshot::build(
            engine,
            versions,
            &self.limits,
            previous.as_deref(),
        )?);
        self.snapshot.store(Some(Arc::clone(&fresh)));
        Ok(fresh)
    }

    /// Plans and runs a query under the limits.
    pub async fn run(&self, engine: &Engine, request: SqlRequest) -> Result<SqlResult, SqlError> {
        let limits = &self.limits;
        if request.query.len() > limits.max_query_bytes {
            return Err(SqlError::TooLarge {
                len: request.query.len(),
                max: limits.max_query_bytes,
            });
        }
        let permit = self
            .gate
            .clone()
            .try_acquire_owned()
            .map_err(|_| SqlError::Busy(limits.max_concurrent))?;
        let snapshot = self
            .snapshot(engine)
            .map_err(|e| SqlError::from_datafusion(e, limits))?;
        let runtime = snapshot.runtime(limits);
        // Dropping this future on timeout drops the record-batch stream, which cancels the query.
        let run = read_ahead(
            &snapshot,
            Arc::clone(&runtime),
            request,
            limits,
            self.parallel_runtime.as_ref(),
        );
        let outcome = tokio::time::timeout(limits.timeout, run).await;
        // Finished, failed or cancelled: what the query freed goes back to the system.
        trim::after_query(Arc::clone(&runtime.memory_pool));
        let (schema, batches, rows, truncated) = outcome
            .map_err(|_| {
                SqlError::Limit(format!(
                    "the query took longer than its time limit of {} s and was cancelled",
                    limits.timeout.as_secs_f64()
                ))
            })?
            .map_err(|e| SqlError::from_datafusion(e, limits))?;
        Ok(SqlResult {
            schema,
            batches,
            rows,
            truncated,
            permit,
        })
    }
}

/// DDL, DML and statements off: only queries (and `EXPLAIN`) plan.
pub fn read_only() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false)
}

/// Runs the query and reads its result up to one row past the limit, so that the response
/// headers can say exactly whether rows were cut off. The rows read are charged to the query's
/// memory pool.
async fn read_ahead(
    snapshot: &Snapshot,
    runtime: Arc<RuntimeEnv>,
    request: SqlRequest,
    limits: &SqlLimits,
    parallel_runtime: Option<&tokio::runtime::Handle>,
) -> Result<(SchemaRef, Vec<RecordBatch>, usize, bool), DataFusionError> {
    let state = &snapshot.state;
    // A text planned before on this snapshot skips parsing, analysis and optimisation.
    let cached = if request.params.is_empty() {
        snapshot.plans.get(&request.query)
    } else {
        None
    };
    let (schema, physical, state) = match cached {
        Some(Plans {
            logical: optimized,
            physical,
        }) => {
            let schema: SchemaRef = Arc::new(optimized.schema().as_arrow().clone());
            let state = snapshot.state_for(&optimized, limits.serial_rows);
            let physical = match physical {
                Some(kept) => reset_plan_states(kept)?,
                None => plan_physical(snapshot, state, &request.query, &optimized).await?,
            };
            (schema, physical, state)
        }
        None => {
            // What `SessionContext::sql_with_options` does, on the shared state.
            let mut plan = state.create_logical_plan(&request.query).await?;
            read_only().verify_plan(&plan)?;
            let with_params = !request.params.is_empty();
            if with_params {
                plan = plan.with_param_values(request.params)?;
            }
            // A limit lets DataFusion stop early (TopK, no full scan); EXPLAIN must stay the
            // plan's root.
            let explain = matches!(plan, LogicalPlan::Explain(_) | LogicalPlan::Analyze(_));
            if !explain {
                plan = LogicalPlanBuilder::from(plan)
                    .limit(0, Some(limits.max_rows + 1))?
                    .build()?;
            }
            let schema: SchemaRef = Arc::new(plan.schema().as_arrow().clone());
            let state = snapshot.state_for(&plan, limits.serial_rows);
            let physical = if !explain && !with_params && plan_cache::cacheable(&plan) {
                let optimized = state.optimize(&plan)?;
                snapshot.plans.insert(&request.query, optimized.clone());
                plan_physical(snapshot, state, &request.query, &optimized).await?
            } else {
                state.create_physical_plan(&plan).await?
            };
            (schema, physical, state)
        }
    };
    let collect = collect(physical, task_context(state, runtime), limits.max_rows);
    // A plan for several partitions runs them as parallel tasks: on the multi-threaded runtime,
    // not on the serving lane's single thread ([`crate::http::lanes`]). Small, serial queries
    // stay on the lane, where they are answered without a hand-over between threads.
    let (batches, rows, truncated) = match parallel_runtime {
        Some(main) if !std::ptr::eq(state, &snapshot.serial_state) => {
            AbortOnDrop(main.spawn(collect))
                .await
                .map_err(|e| DataFusionError::External(Box::new(e)))??
        }
        _ => collect.await?,
    };
    Ok((schema, batches, rows, truncated))
}

/// Executes `physical` and reads its result up to one row past `max_rows`, charging the rows
/// read to the query's memory pool.
async fn collect(
    physical: Arc<dyn ExecutionPlan>,
    context: Arc<TaskContext>,
    max_rows: usize,
) -> Result<(Vec<RecordBatch>, usize, bool), DataFusionError> {
    let pool = Arc::clone(context.memory_pool());
    let mut stream = execute_stream(physical, context)?;
    let reservation = MemoryConsumer::new("sql result").register(&pool);
    let mut batches = Vec::new();
    let mut rows = 0;
    let mut truncated = false;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        reservation.try_grow(batch.get_array_memory_size())?;
        let room = max_rows - rows;
        if batch.num_rows() > room {
            truncated = true;
            if room > 0 {
                batches.push(batch.slice(0, room));
            }
            rows += room;
            break;
        }
        rows += batch.num_rows();
        batches.push(batch);
    }
    // The rest of the stream (past the row limit) is dropped here, which stops the query.
    drop(stream);
    Ok((batches, rows, truncated))
}

/// A task that is cancelled when its handle is dropped (a query past its time limit, or whose
/// client went away), as the future it replaces would have been.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> std::future::Future for AbortOnDrop<T> {
    type Output = Result<T, tokio::task::JoinError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

/// The physical plan of a kept logical plan; one planned for one partition is kept too, and a
/// reset copy of it runs.
async fn plan_physical(
    snapshot: &Snapshot,
    state: &SessionState,
    query: &str,
    optimized: &LogicalPlan,
) -> Result<Arc<dyn ExecutionPlan>, DataFusionError> {
    let physical = state
        .query_planner()
        .create_physical_plan(optimized, state)
        .await?;
    if !std::ptr::eq(state, &snapshot.serial_state) {
        return Ok(physical);
    }
    snapshot.plans.insert_physical(query, Arc::clone(&physical));
    reset_plan_states(physical)
}

/// The context a query's plan runs in: the session's configuration and the query's runtime.
/// Without the session's function registries: execution finds its functions in the plan, and
/// `TaskContext::from(&SessionState)` copies every registry (hundreds of named functions) for
/// each query, which profiling showed among the top costs of a small query.
fn task_context(state: &SessionState, runtime: Arc<RuntimeEnv>) -> Arc<TaskContext> {
    Arc::new(TaskContext::new(
        None,
        state.session_id().to_owned(),
        state.config().clone(),
        Default::default(),
        Default::default(),
        Default::default(),
        Default::default(),
        runtime,
    ))
}

/// A session for one query (a view's, at ingest): every served dataset (its current version)
/// as a table, the ST_ functions, `information_schema`, the spatial rules, and a memory pool
/// of its own.
pub fn session(engine: &Engine, limits: &SqlLimits) -> Result<SessionContext, DataFusionError> {
    let versions = snapshot::current_versions(engine);
    Ok(Snapshot::build(engine, versions, limits, None)?.session(limits))
}
