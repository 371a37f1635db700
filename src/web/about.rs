//! The pages every Dutch government site has: the accessibility statement (in the form of the
//! national model, claiming "partially compliant" until a manual audit), the privacy statement
//! and the colophon with licences; and `sitemap.xml` for search engines.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::html::{self, Chrome};
use crate::http::SharedState;
use crate::http::error::ApiError;
use crate::http::negotiate::Lang;
use crate::http::params::QueryParams;

/// Which of the three pages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum About {
    Accessibility,
    Privacy,
    Colophon,
}

#[derive(Template)]
#[template(path = "web/about.html")]
struct AboutPage {
    chrome: Chrome,
    page: About,
    contact_email: String,
    contact_name: String,
    background: Option<String>,
    licence_title: String,
    licence_uri: String,
    publisher: String,
}

impl AboutPage {
    fn is(&self, page: About) -> bool {
        self.page == page
    }

    fn nl(&self) -> bool {
        self.chrome.lang == Lang::Nl
    }
}

async fn page(
    state: SharedState,
    headers: HeaderMap,
    raw: Option<String>,
    which: About,
    path: &str,
) -> Result<Response, ApiError> {
    let lang = QueryParams::parse(raw.as_deref(), &[])?.lang(&headers);
    let ui = html::ui::for_lang(lang);
    let title = match which {
        About::Accessibility => ui.accessibility_title,
        About::Privacy => ui.privacy_title,
        About::Colophon => ui.colophon_title,
    };
    let chrome = Chrome::new(&state, lang, path, raw.as_deref(), title).crumb(title, None);
    let c = &state.catalog;
    html::respond(
        lang,
        &AboutPage {
            chrome,
            page: which,
            contact_email: c.contact.email.clone(),
            contact_name: c.contact.name.clone(),
            background: state.settings.background_map.clone(),
            licence_title: c.licence.title.to_owned(),
            licence_uri: c.licence.uri.to_owned(),
            publisher: c.publisher.name.clone(),
        },
    )
}

pub async fn accessibility(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    page(
        state,
        headers,
        raw,
        About::Accessibility,
        "/toegankelijkheid",
    )
    .await
}

pub async fn privacy(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    page(state, headers, raw, About::Privacy, "/privacy").await
}

pub async fn colophon(
    State(state): State<SharedState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    page(state, headers, raw, About::Colophon, "/colofon").await
}

/// `sitemap.xml`: every page in both languages, linked to each other (`xhtml:link hreflang`).
pub async fn sitemap(
    State(state): State<SharedState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    QueryParams::parse(raw.as_deref(), &[])?;
    let mut paths: Vec<(String, Option<String>)> = [
        "/",
        "/catalog",
        "/locate",
        "/sql",
        "/ogc/v1",
        "/ogc/v1/collections",
    ]
    .iter()
    .map(|p| ((*p).to_owned(), None))
    .collect();
    for ds in state.catalog.datasets.iter() {
        let Some(v) = state
            .engine
            .current(&ds.id)
            .filter(|_| state.engine.serves(&ds.id))
        else {
            continue;
        };
        let modified = Some(v.manifest.created.format("%Y-%m-%d").to_string());
        paths.push((format!("/datasets/{}", ds.id), modified.clone()));
        paths.push((format!("/ogc/v1/collections/{}", ds.id), modified));
    }
    paths.extend(
        ["/toegankelijkheid", "/privacy", "/colofon"]
            .iter()
            .map(|p| ((*p).to_owned(), None)),
    );
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for (path, modified) in &paths {
        let query = path.starts_with("/ogc/").then_some("f=html");
        let url = state.url(path);
        let nl = xml_escape(&html::with_lang(&url, query, Lang::Nl));
        let en = xml_escape(&html::with_lang(&url, query, Lang::En));
        for loc in [&nl, &en] {
            xml.push_str(&format!("<url><loc>{loc}</loc>"));
            if let Some(m) = modified {
                xml.push_str(&format!("<lastmod>{m}</lastmod>"));
            }
            xml.push_str(&format!(
                "<xhtml:link rel=\"alternate\" hreflang=\"nl\" href=\"{nl}\"/><xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"{en}\"/></url>\n"
            ));
        }
    }
    xml.push_str("</urlset>\n");
    let mut response = xml.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=utf-8"),
    );
    Ok(response)
}

/// `robots.txt`: everything may be indexed; the sitemap says what there is.
pub async fn robots(State(state): State<SharedState>) -> Response {
    let mut response = format!(
        "User-agent: *\nAllow: /\nSitemap: {}\n",
        state.url("/sitemap.xml")
    )
    .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}
