//! Pages for people that are not a representation of an API resource: the home page, "what is
//! here", the SQL console, the sitemap and the pages every Dutch government site has
//! (accessibility statement, privacy, colophon). The catalog and dataset pages are the HTML
//! representations of `/catalog` and `/datasets/{id}` ([`crate::dcat`]); the OGC API's pages
//! are its own ([`crate::ogcapi`]).

mod about;
mod home;
mod locate;
mod sql_console;

use axum::Router;
use axum::routing::get;

use crate::http::SharedState;

pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/", get(home::home))
        .route("/locate", get(locate::locate))
        .route("/sql", get(sql_console::console))
        .route("/toegankelijkheid", get(about::accessibility))
        .route("/privacy", get(about::privacy))
        .route("/colofon", get(about::colophon))
        .route("/sitemap.xml", get(about::sitemap))
        .route("/robots.txt", get(about::robots))
}
