//! ontsluit: publishes GIS and statistical datasets as GeoParquet, served with DataFusion as
//! OGC API Features.
//!
//! Data flows one way: [`catalog`] → [`ingest`] → [`store`] → [`engine`] → [`encode`] → the
//! handlers ([`ogcapi`], [`sqlapi`], [`dcat`], [`downloads`], [`feeds`], [`web`]), which use the
//! request edge ([`http`]). The router that mounts the handlers is here, at the top. The HTTP
//! layer never reads source files; ingest never serves and never queries. [`jobs`] runs an
//! ingest over the whole catalog, computing `[[view]]`s with [`sql`] and storing their results
//! through [`ingest`].

pub mod catalog;
pub mod crs;
pub mod dcat;
pub mod downloads;
pub mod encode;
pub mod engine;
pub mod feeds;
pub mod geom;
pub mod html;
pub mod http;
pub mod ingest;
pub mod jobs;
pub mod ogcapi;
pub mod sql;
pub mod sqlapi;
pub mod store;
pub mod web;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use tower_http::cors::{Any, CorsLayer};

pub use http::{AppState, Settings, SharedState};

/// The application's router over the given state (tests build the real router with this): every
/// handler module's routes, the `API-Version` header on the JSON APIs, CORS, and a 404 for the rest.
pub fn app(state: SharedState) -> Router {
    let api = ogcapi::routes()
        .merge(sqlapi::routes())
        .layer(axum::middleware::map_response(api_version_header));
    let mut router = Router::new()
        .merge(web::routes())
        .merge(dcat::routes())
        .merge(api)
        .merge(downloads::routes())
        .merge(feeds::routes())
        .fallback(not_found)
        // The same URL answers JSON, HTML or RDF, in Dutch or English, by these headers.
        .layer(axum::middleware::map_response(vary_on_negotiation));
    if let Some(dir) = &state.settings.assets_dir {
        router = router.nest_service(html::ASSETS_PATH, assets(dir));
    }
    router
        // A browser that asked for a page gets an error page, not problem+json.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            html::error_page::html_errors,
        ))
        .with_state(state)
        // Open data: any web page may read it (Leaflet, OpenLayers, notebooks).
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods([Method::GET, Method::HEAD, Method::OPTIONS, Method::POST])
                .allow_headers(Any)
                .expose_headers(Any),
        )
}

/// The built web assets: file names are stable, so they are cached for an hour, not forever.
fn assets(
    dir: &std::path::Path,
) -> tower_http::set_header::SetResponseHeader<tower_http::services::ServeDir, HeaderValue> {
    tower_http::set_header::SetResponseHeader::overriding(
        tower_http::services::ServeDir::new(dir),
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    )
}

async fn vary_on_negotiation(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let varies = headers.get_all(axum::http::header::VARY).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-language"))
    });
    if !varies {
        headers.append(
            axum::http::header::VARY,
            HeaderValue::from_static("Accept, Accept-Language"),
        );
    }
    response
}

async fn api_version_header(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("API-Version", HeaderValue::from_static(http::API_VERSION));
    response
}

/// Unknown paths: a path with a trailing slash is redirected to the path without it (permanent,
/// method-preserving); anything else is a problem+json 404.
async fn not_found(uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if path.len() > 1 && path.ends_with('/') {
        let mut target = path.trim_end_matches('/').to_owned();
        if let Some(q) = uri.query() {
            target.push('?');
            target.push_str(q);
        }
        return axum::response::Redirect::permanent(&target).into_response();
    }
    http::error::ApiError::NotFound(format!(
        "there is no resource at `{path}`; the API starts at /ogc/v1"
    ))
    .into_response()
}

/// How often the server looks for versions switched in by `ontsluit ingest`.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// Serves `state` on `listener` until the process is stopped, in a lane per core
/// ([`http::lanes`]), picking up new versions as ingest writes them.
pub async fn serve(listener: tokio::net::TcpListener, state: SharedState) -> std::io::Result<()> {
    let watcher = state.clone();
    // Opening a version (its footer, id index and page boxes) frees more than it keeps: about
    // 130 MB for 10 million points, which glibc would hold until an SQL query trims.
    sql::trim::after_read();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH_INTERVAL);
        loop {
            tick.tick().await;
            if !watcher.engine.refresh().await.is_empty() {
                sql::trim::after_read();
            }
        }
    });
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    // As many lanes as the runtime has workers (`TOKIO_WORKER_THREADS`, else one per core).
    let lanes = tokio::runtime::Handle::current().metrics().num_workers();
    http::lanes::serve(listener, app(state), lanes, shutdown).await
}

/// Reads and validates a catalog file, with the rule that needs SQL besides: a public view may
/// not read a dataset that is not public ([`jobs::view_access_issues`]). `check`, `ingest` and
/// `serve` all load the catalog through this.
pub fn load_catalog(path: &std::path::Path) -> Result<catalog::Catalog, catalog::CatalogError> {
    let catalog = catalog::Catalog::load(path)?;
    let issues = jobs::view_access_issues(&catalog);
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
        documents: http::cache::DocumentCache::default(),
    }))
}
