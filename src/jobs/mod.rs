//! Jobs: work over a whole catalog that uses several modules at once. Today one job, the ingest
//! run ([`ingest_catalog`]): every dataset's source through [`crate::ingest`], then every
//! `[[view]]` computed by SQL ([`view`]: [`crate::sql`] over [`crate::engine`]) and stored through
//! the same ingest, then retention ([`Store::prune`]).
//!
//! This is the one place where ingest and the query engine meet: `ingest` takes record batches
//! and never runs a query, the engine never writes a version. Views run after the datasets, in
//! catalog order, which is their dependency order: a view reads datasets and earlier views.
//!
//! The run reports as it goes ([`Report`]), so the CLI draws its progress bars and lines without
//! knowing the order of the work.

mod view;

pub use view::{ingest_view, view_access_issues};

use crate::catalog::{Catalog, Dataset};
use crate::ingest::{self, IngestError, Outcome};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// A view that cannot be computed: its query, what it reads, or its runtime.
    #[error("dataset `{dataset}`: {message}")]
    View { dataset: String, message: String },
    #[error("{catalog}: no dataset `{id}` in the catalog")]
    UnknownDataset { catalog: String, id: String },
    #[error("cannot create the data dir {path}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl JobError {
    fn view(ds: &Dataset, message: String) -> Self {
        JobError::View {
            dataset: ds.id.to_string(),
            message,
        }
    }
}

/// What an ingest run does besides ingesting.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Re-ingest even when the source (or a view's inputs) and catalog entry are unchanged.
    pub force: bool,
    /// Retention: keep this many versions of each dataset ingested (the newest; the current one
    /// is never removed). `None` keeps every version.
    pub keep_versions: Option<usize>,
    /// Dataset ids to ingest; all when empty.
    pub only: Vec<String>,
}

/// What an ingest run tells its caller as it goes. Every method has a default that ignores it.
pub trait Report {
    /// The ingest of `ds` starts.
    fn started(&mut self, _ds: &Dataset) {}
    /// Features of `ds`'s source read so far, of a total (sources only, not views).
    fn progress(&self, _ds: &Dataset, _done: u64, _total: u64) {}
    /// The ingest of `ds` ended (a failure leaves its previous version current).
    fn finished(&mut self, _ds: &Dataset, _outcome: &Result<Outcome, JobError>) {}
    /// Retention ran for `ds` after its ingest: the versions it removed.
    fn pruned(&mut self, _ds: &Dataset, _removed: &Result<Vec<u64>, StoreError>) {}
}

/// Ingests the catalog's datasets (those in `options.only`, or all) into the store at
/// `data_dir`: sources first, then views, each in catalog order; retention after each one that
/// succeeded. A dataset that fails does not stop the run: the failures are returned, in order.
/// Fails before ingesting anything if `only` names an unknown dataset or the data dir cannot be
/// made.
pub fn ingest_catalog(
    catalog: &Catalog,
    data_dir: &std::path::Path,
    options: &IngestOptions,
    report: &mut dyn Report,
) -> Result<Vec<JobError>, JobError> {
    for id in &options.only {
        if catalog.dataset(id).is_none() {
            return Err(JobError::UnknownDataset {
                catalog: catalog.file.display().to_string(),
                id: id.clone(),
            });
        }
    }
    std::fs::create_dir_all(data_dir).map_err(|source| JobError::DataDir {
        path: data_dir.display().to_string(),
        source,
    })?;
    let store = Store::new(data_dir);
    let chosen =
        |d: &&Dataset| options.only.is_empty() || options.only.iter().any(|o| o == d.id.as_str());
    let sources = catalog.datasets.iter().filter(|d| d.view_sql.is_none());
    let views = catalog.datasets.iter().filter(|d| d.view_sql.is_some());
    let mut failures = Vec::new();
    for ds in sources.chain(views).filter(chosen) {
        report.started(ds);
        let outcome = {
            let report = &*report;
            ingest_dataset(catalog, ds, &store, options.force, &|done, total| {
                report.progress(ds, done, total)
            })
        };
        report.finished(ds, &outcome);
        if let Err(e) = outcome {
            failures.push(e);
            continue;
        }
        if let Some(keep) = options.keep_versions {
            report.pruned(ds, &store.prune(&ds.id, keep));
        }
    }
    Ok(failures)
}

/// Ingests one catalog entry: a source through [`ingest::ingest`], a view through
/// [`ingest_view`]. `progress` receives (features read, total) for sources.
pub fn ingest_dataset(
    catalog: &Catalog,
    ds: &Dataset,
    store: &Store,
    force: bool,
    progress: &dyn Fn(u64, u64),
) -> Result<Outcome, JobError> {
    if ds.view_sql.is_some() {
        ingest_view(catalog, ds, store, force)
    } else {
        Ok(ingest::ingest(ds, store, force, progress)?)
    }
}
