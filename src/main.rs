//! The `ontsluit` command line: `check`, `ingest` and `serve`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use ontsluit::Settings;
use ontsluit::catalog::{Catalog, Dataset};
use ontsluit::ingest::{self, Outcome};
use ontsluit::jobs;
use ontsluit::store::StoreError;

#[derive(Parser)]
#[command(
    name = "ontsluit",
    version,
    about = "Publish open (geo)data: ingest to GeoParquet, serve as OGC API Features"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Common {
    /// The catalog file.
    #[arg(long, default_value = "catalog.toml", env = "ONTSLUIT_CATALOG")]
    catalog: PathBuf,
    /// Where dataset versions are stored.
    #[arg(long, default_value = "datasets", env = "ONTSLUIT_DATA_DIR")]
    data_dir: PathBuf,
}

/// Limits of the SQL endpoint (`/sql/v1`).
#[derive(Args, Clone)]
struct SqlArgs {
    /// Seconds a SQL query may run before it is cancelled.
    #[arg(long, default_value_t = 30, env = "ONTSLUIT_SQL_TIMEOUT")]
    sql_timeout: u64,
    /// MiB of memory one SQL query may use.
    #[arg(long, default_value_t = 512, env = "ONTSLUIT_SQL_MEMORY_MIB")]
    sql_memory_mib: usize,
    /// Rows a SQL result may have (more are cut off, and the response says so).
    #[arg(long, default_value_t = 100_000, env = "ONTSLUIT_SQL_MAX_ROWS")]
    sql_max_rows: usize,
    /// SQL queries that may run at once (more are answered 503 + Retry-After).
    #[arg(long, default_value_t = 4, env = "ONTSLUIT_SQL_MAX_CONCURRENT")]
    sql_max_concurrent: usize,
}

impl SqlArgs {
    fn limits(&self) -> ontsluit::sql::SqlLimits {
        ontsluit::sql::SqlLimits {
            timeout: std::time::Duration::from_secs(self.sql_timeout.max(1)),
            memory_bytes: self.sql_memory_mib.max(1) * 1024 * 1024,
            max_rows: self.sql_max_rows.max(1),
            max_concurrent: self.sql_max_concurrent.max(1),
            ..Default::default()
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Validate the catalog and check that every source can be opened.
    Check {
        #[command(flatten)]
        common: Common,
    },
    /// Ingest datasets (all when none are named) into new versions.
    Ingest {
        #[command(flatten)]
        common: Common,
        /// Re-ingest even when the source and catalog entry are unchanged.
        #[arg(long)]
        force: bool,
        /// Retention: keep this many versions of each dataset (the newest; the current one is
        /// never removed). Default: keep every version.
        #[arg(long, env = "ONTSLUIT_KEEP_VERSIONS", value_parser = clap::value_parser!(u64).range(1..))]
        keep_versions: Option<u64>,
        /// Dataset ids to ingest.
        datasets: Vec<String>,
    },
    /// Serve the ingested datasets over HTTP.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "ONTSLUIT_BIND")]
        bind: std::net::SocketAddr,
        /// Base of every absolute link (default: http:// + the bind address).
        #[arg(long, env = "ONTSLUIT_PUBLIC_URL")]
        public_url: Option<String>,
        /// Largest page size a client may ask for.
        #[arg(long, default_value_t = 10_000)]
        max_limit: usize,
        /// Decimals of coordinates in degrees (7 ≈ 1 cm).
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..=15))]
        degree_decimals: u32,
        /// Decimals of coordinates in metres, e.g. RD (2 = 1 cm).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=9))]
        metre_decimals: u32,
        #[command(flatten)]
        sql: SqlArgs,
        #[command(flatten)]
        pages: PageArgs,
    },
}

/// The web pages' settings.
#[derive(Args, Debug)]
struct PageArgs {
    /// The built web assets (`make assets` writes `web/dist`): the pages' CSS and map script.
    #[arg(long, default_value = "web/dist", env = "ONTSLUIT_ASSETS_DIR")]
    assets_dir: std::path::PathBuf,
    /// A background map for the pages' maps: an XYZ tile URL template, e.g. PDOK's
    /// https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png
    /// (off by default: pages then call no outside service; the privacy page names it when set).
    #[arg(long, env = "ONTSLUIT_BACKGROUND_MAP")]
    background_map: Option<String>,
    /// How far "what is here" looks for the nearest point features, in metres.
    #[arg(long, default_value_t = 2000.0, env = "ONTSLUIT_NEARBY_METRES")]
    nearby_metres: f64,
}

impl PageArgs {
    fn apply(self, settings: &mut Settings) {
        if !self.assets_dir.join("ontsluit.css").is_file() {
            tracing::warn!(
                dir = %self.assets_dir.display(),
                "the web assets are not built (run `make assets`); pages are served unstyled and without maps"
            );
        }
        settings.assets_dir = Some(self.assets_dir);
        settings.background_map = self.background_map;
        settings.nearby_metres = self.nearby_metres;
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { common } => check(&common),
        Command::Ingest {
            common,
            force,
            keep_versions,
            datasets,
        } => {
            ontsluit::ingest::keep_large_allocations();
            run_ingest(&common, force, keep_versions, &datasets)
        }
        Command::Serve {
            common,
            bind,
            public_url,
            max_limit,
            degree_decimals,
            metre_decimals,
            sql,
            pages,
        } => {
            let public_url = public_url.unwrap_or_else(|| format!("http://{bind}"));
            let mut settings = Settings::new(&public_url);
            settings.max_limit = max_limit;
            settings.coordinate_decimals = degree_decimals;
            settings.metre_decimals = metre_decimals;
            settings.sql = sql.limits();
            pages.apply(&mut settings);
            serve(&common, bind, settings)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_catalog(common: &Common) -> anyhow::Result<Catalog> {
    ontsluit::load_catalog(&common.catalog).map_err(|e| anyhow::anyhow!("{e}"))
}

fn check(common: &Common) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(common)?;
    let mut failed = 0;
    // Valid, but would publish a weaker DCAT-AP-NL / DCAT-AP-DONL description: warn, don't fail.
    let warnings = catalog.profile_warnings();
    let warning_count = warnings.len();
    if !warnings.is_empty() {
        let report = ontsluit::catalog::CatalogError {
            file: catalog.file.clone(),
            issues: warnings,
        };
        for line in report.to_string().lines() {
            println!("warn  {line}");
        }
    }
    if let Err(e) = catalog.check_sources_exist() {
        eprintln!("{e}");
    }
    for ds in &catalog.datasets {
        // Said where it is easy to miss: such a dataset is ingested, but its data is not served.
        let closed = if ds.is_public() {
            String::new()
        } else {
            format!(
                "; {}: described in DCAT only, its data not served",
                ds.dcat.access_rights.labels().1
            )
        };
        if ds.view_sql.is_some() {
            println!("view  {:<28} computed by SQL at ingest{closed}", ds.id);
            continue;
        }
        match ingest::probe(ds) {
            Ok(s) => println!(
                "ok    {:<28} {} layer `{}`, {} features, CRS {}, {} columns{closed}",
                ds.id,
                s.driver,
                s.layer,
                s.feature_count,
                s.crs.as_deref().unwrap_or("none (table)"),
                s.columns.len()
            ),
            Err(e) => {
                failed += 1;
                println!("FAIL  {e}");
            }
        }
    }
    println!(
        "{}: {} datasets, {} failed, {warning_count} profile warnings",
        common.catalog.display(),
        catalog.datasets.len(),
        failed
    );
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn run_ingest(
    common: &Common,
    force: bool,
    keep_versions: Option<u64>,
    only: &[String],
) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(common)?;
    let options = jobs::IngestOptions {
        force,
        keep_versions: keep_versions.map(|k| k as usize),
        only: only.to_vec(),
    };
    let mut report = Lines::new();
    let failures = jobs::ingest_catalog(&catalog, &common.data_dir, &options, &mut report)?;
    for e in &failures {
        eprintln!("error: {e}");
    }
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "{} of the datasets failed; their previous versions stay current",
            failures.len()
        );
        ExitCode::FAILURE
    })
}

/// The ingest run on a terminal: a progress bar while a dataset ingests, then one line for it.
struct Lines {
    bars: MultiProgress,
    style: ProgressStyle,
    bar: Option<ProgressBar>,
}

impl Lines {
    fn new() -> Self {
        Lines {
            bars: MultiProgress::new(),
            style: ProgressStyle::with_template("{prefix:<28} {bar:30} {pos:>7}/{len:7} {msg}")
                .expect("valid template"),
            bar: None,
        }
    }
}

impl jobs::Report for Lines {
    fn started(&mut self, ds: &Dataset) {
        self.bar = Some(
            self.bars.add(
                ProgressBar::new(0)
                    .with_style(self.style.clone())
                    .with_prefix(ds.id.to_string()),
            ),
        );
    }

    fn progress(&self, _ds: &Dataset, done: u64, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total.max(done));
            bar.set_position(done);
        }
    }

    fn finished(&mut self, ds: &Dataset, outcome: &Result<Outcome, jobs::JobError>) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        match outcome {
            Ok(Outcome::Unchanged { version }) => {
                println!("{:<28} unchanged (version {version})", ds.id);
            }
            Ok(Outcome::Written {
                version,
                rows,
                bytes,
                row_groups,
                dropped_duplicates,
                seconds,
                changes,
            }) => {
                let dropped = if *dropped_duplicates > 0 {
                    format!(", {dropped_duplicates} identical duplicates dropped")
                } else {
                    String::new()
                };
                let compared = match changes.previous {
                    Some(p) => format!(
                        "; since version {p}: {} added, {} removed, {} changed",
                        changes.added, changes.removed, changes.changed
                    ),
                    None => String::new(),
                };
                println!(
                    "{:<28} version {version}: {rows} rows, {} KiB, {row_groups} row groups, {seconds:.2} s{dropped}{compared}",
                    ds.id,
                    bytes / 1024
                );
            }
            Err(_) => println!("{:<28} FAILED (see below)", ds.id),
        }
    }

    fn pruned(&mut self, ds: &Dataset, removed: &Result<Vec<u64>, StoreError>) {
        match removed {
            Ok(removed) if !removed.is_empty() => {
                println!("{:<28} retention: removed versions {removed:?}", ds.id)
            }
            Ok(_) => {}
            Err(e) => eprintln!("warning: {}: retention: {e}", ds.id),
        }
    }
}

fn serve(
    common: &Common,
    bind: std::net::SocketAddr,
    settings: Settings,
) -> anyhow::Result<ExitCode> {
    let catalog = load_catalog(common)?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let state = ontsluit::state(catalog, &common.data_dir, settings.clone()).await?;
        let served = state
            .engine
            .dataset_ids()
            .filter(|id| state.engine.current(id).is_some())
            .count();
        let total = state.engine.dataset_ids().count();
        let closed = state.catalog.datasets.len() - total;
        if closed > 0 {
            tracing::info!(
                "{closed} datasets are not public: described in the catalog, their data not served"
            );
        }
        if served < total {
            tracing::warn!(
                "{} of {total} datasets have not been ingested yet (run `ontsluit ingest`)",
                total - served
            );
        }
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("cannot listen on {bind}"))?;
        println!(
            "serving {served} datasets on {}/ (OGC API Features: {}/ogc/v1)",
            settings.public_url, settings.public_url
        );
        ontsluit::serve(listener, state)
            .await
            .context("server failed")?;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}
