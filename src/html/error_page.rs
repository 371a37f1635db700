//! Errors for people: a browser that asked for a page gets a helpful page in its language, with
//! the same status, instead of problem+json. API clients keep problem+json.

use askama::Template;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::{Chrome, respond_with};
use crate::http::SharedState;
use crate::http::media::{Format, negotiate};
use crate::http::negotiate::Lang;
use crate::http::params::LANG;

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub heading: &'static str,
    /// The problem's detail (written in English by the API).
    pub detail: String,
}

/// Whether the request prefers a page: `f=html`, or (without `f`) an `Accept` that ranks HTML
/// above JSON, as browsers send.
pub fn wants_html(query: Option<&str>, headers: &HeaderMap) -> bool {
    let f = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "f")
            .map(|(_, v)| v.into_owned())
    });
    match f {
        Some(f) => f.eq_ignore_ascii_case("html"),
        None => {
            headers.contains_key(header::ACCEPT)
                && matches!(
                    negotiate(None, headers, &[Format::Json, Format::Html]),
                    Ok(Format::Html)
                )
        }
    }
}

/// The language asked for, leniently (an error page must not fail on a bad `lang`).
fn lang_of(query: Option<&str>, headers: &HeaderMap) -> Lang {
    let param = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == LANG)
            .and_then(|(_, v)| Lang::from_code(&v))
    });
    Lang::choose(param, headers)
}

/// Middleware: turns a problem+json response into an error page when the request wants HTML.
/// What it needs of the request is kept cheaply (the URI and two headers) and read only when the
/// response is a problem.
pub async fn html_errors(
    axum::extract::State(state): axum::extract::State<SharedState>,
    request: Request,
    next: Next,
) -> Response {
    let uri = request.uri().clone();
    let mut asked = HeaderMap::new();
    for name in [header::ACCEPT, header::ACCEPT_LANGUAGE] {
        if let Some(v) = request.headers().get(&name) {
            asked.insert(name, v.clone());
        }
    }
    let response = next.run(request).await;
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !is_problem || !wants_html(uri.query(), &asked) {
        return response;
    }
    let query = uri.query();
    let path = uri.path();
    let lang = lang_of(query, &asked);
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let detail = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| v["detail"].as_str().map(str::to_owned))
        .unwrap_or_default();
    let status = parts.status;
    let chrome = Chrome::new(&state, lang, path, query, "");
    let heading = match status {
        StatusCode::NOT_FOUND => chrome.ui.error_not_found,
        s if s.is_client_error() => chrome.ui.error_bad_request,
        _ => chrome.ui.error_title,
    };
    let mut chrome = chrome;
    chrome.title = heading.to_owned();
    let page = ErrorPage {
        chrome,
        status: status.as_u16(),
        heading,
        detail,
    };
    match respond_with(status, lang, &page) {
        Ok(mut page) => {
            // Keep what the API said besides the body (Allow, Retry-After, API-Version…).
            for (name, value) in &parts.headers {
                if name != header::CONTENT_TYPE
                    && name != header::CONTENT_LENGTH
                    && !page.headers().contains_key(name)
                {
                    page.headers_mut().insert(name.clone(), value.clone());
                }
            }
            page
        }
        Err(_) => Response::from_parts(parts, Body::from(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, value.parse().unwrap());
        h
    }

    #[test]
    fn browsers_want_pages_and_clients_json() {
        let browser = accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        assert!(wants_html(None, &browser));
        assert!(!wants_html(None, &accept("*/*")));
        assert!(!wants_html(None, &accept("application/json")));
        assert!(!wants_html(None, &HeaderMap::new()));
        assert!(wants_html(Some("f=html"), &HeaderMap::new()));
        assert!(!wants_html(Some("f=json"), &browser));
    }
}
