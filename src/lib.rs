//! ontsluit: publishes GIS and statistical datasets as GeoParquet, served with DataFusion as
//! OGC API Features.
//!
//! Data flows one way: [`catalog`] → [`ingest`] → [`store`] → [`engine`] → [`encode`] → [`http`].
//! The HTTP layer never reads source files; ingest never serves.

pub mod catalog;
pub mod crs;
pub mod dcat;
pub mod downloads;
pub mod encode;
pub mod engine;
pub mod feeds;
pub mod geom;
pub mod http;
pub mod ingest;
pub mod ogcapi;
pub mod sql;
pub mod store;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

pub use http::{AppState, Settings, SharedState};

/// The application's router over the given state (tests build the real router with this).
pub fn app(state: SharedState) -> axum::Router {
    http::router(state)
}

/// How often the server looks for versions switched in by `ontsluit ingest`.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// Serves `state` on `listener` until the process is stopped, picking up new versions as
/// ingest writes them.
pub async fn serve(listener: tokio::net::TcpListener, state: SharedState) -> std::io::Result<()> {
    let watcher = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH_INTERVAL);
        loop {
            tick.tick().await;
            watcher.engine.refresh().await;
        }
    });
    // Pages stream in several body chunks: without TCP_NODELAY, Nagle's algorithm and delayed
    // ACKs stall each keep-alive request by tens of milliseconds (GDAL pages at 27 ms instead of 2).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// Reads and validates a catalog file, with the rule that needs SQL besides: a public view may
/// not read a dataset that is not public ([`ingest::view_access_issues`]). `check`, `ingest` and
/// `serve` all load the catalog through this.
pub fn load_catalog(path: &std::path::Path) -> Result<catalog::Catalog, catalog::CatalogError> {
    let catalog = catalog::Catalog::load(path)?;
    let issues = ingest::view_access_issues(&catalog);
    if issues.is_empty() {
        Ok(catalog)
    } else {
        Err(catalog::CatalogError {
            file: catalog.file.clone(),
            issues,
        })
    }
}

/// Builds the state: the catalog, the engine over the data dir, the settings.
pub async fn state(
    catalog: catalog::Catalog,
    data_dir: &std::path::Path,
    settings: Settings,
) -> Result<SharedState, engine::EngineError> {
    let engine = engine::Engine::open(store::Store::new(data_dir), &catalog).await?;
    Ok(Arc::new(AppState {
        catalog,
        engine,
        sql: sql::SqlService::new(settings.sql.clone()),
        settings,
    }))
}
