//! Pages for people. For now one plain, accessible home page that links to the API.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use axum::routing::get;

use crate::http::SharedState;
use crate::http::negotiate::Lang;

pub fn routes() -> Router<SharedState> {
    Router::new().route("/", get(home))
}

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn home(State(state): State<SharedState>, headers: HeaderMap) -> Html<String> {
    let lang = Lang::from_headers(&headers);
    let base = &state.settings.public_url;
    let items: String = state
        .served_datasets()
        .filter(|d| state.engine.current(&d.id).is_some())
        .map(|d| {
            format!(
                "<li><a href=\"{base}/ogc/v1/collections/{id}\">{title}</a></li>\n",
                id = d.id,
                title = esc(lang.pick(&d.title))
            )
        })
        .collect();
    let (api, collections) = match lang {
        Lang::Nl => (
            "OGC API Features (voor GIS-programma's en ontwikkelaars)",
            "Collecties",
        ),
        Lang::En => (
            "OGC API Features (for GIS tools and developers)",
            "Collections",
        ),
    };
    let catalog = match lang {
        Lang::Nl => "Catalogus: alle datasets met downloads en metadata (DCAT-AP-NL)",
        Lang::En => "Catalog: every dataset with downloads and metadata (DCAT-AP-NL)",
    };
    Html(format!(
        "<!doctype html>\n<html lang=\"{code}\">\n<head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head>\n<body>\n<main>\n<h1>{title}</h1>\n<p>{description}</p>\n\
         <p><a href=\"{base}/ogc/v1\">{api}</a></p>\n<p><a href=\"{base}/catalog?f=html\">{catalog}</a></p>\n<h2>{collections}</h2>\n<ul>\n{items}</ul>\n</main>\n</body>\n</html>\n",
        code = lang.code(),
        title = esc(lang.pick(&state.catalog.title)),
        description = esc(lang.pick(&state.catalog.description)),
    ))
}
