//! The page kit: what every HTML page shares. The frame of a page ([`Chrome`]: language, title,
//! breadcrumbs, links to the same resource in the other language and in other formats), the
//! interface texts in both languages ([`ui`]), the map placeholder that the served script turns
//! into a map ([`MapView`]), and the response with its `Content-Language`. Templates live in
//! `templates/` and are compiled with askama, which escapes every value unless told otherwise.
//!
//! It sits beside the request edge ([`crate::http`]) and below the handlers: handlers build a
//! page struct and hand it to [`respond`]; nothing here knows a handler.

pub mod error_page;
pub mod table;
pub mod ui;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::media::Format;
use crate::http::negotiate::Lang;
use crate::http::params::LANG;
pub use ui::Ui;

/// Where the server serves the built web assets (`web/dist`).
pub const ASSETS_PATH: &str = "/assets";

/// One step of the breadcrumb trail.
pub struct Crumb {
    pub label: String,
    /// `None` for the current page (the last crumb).
    pub href: Option<String>,
}

/// The same resource in another format ("also available as").
pub struct Alternate {
    pub label: &'static str,
    pub media_type: &'static str,
    pub href: String,
}

/// The frame of a page: everything the layout needs besides the page's own content.
pub struct Chrome {
    pub lang: Lang,
    pub ui: &'static Ui,
    /// The site's name (the catalog's title).
    pub site: String,
    pub title: String,
    /// A one-line description for search engines.
    pub description: String,
    /// The public URL, without a trailing slash.
    pub base: String,
    /// This page in Dutch and in English (absolute; for the switch, `hreflang` and canonical).
    pub url_nl: String,
    pub url_en: String,
    pub crumbs: Vec<Crumb>,
    pub alternates: Vec<Alternate>,
    /// schema.org JSON-LD for the page, if any (already serialised; written unescaped inside a
    /// `<script type="application/ld+json">`, with `<` escaped by [`json_for_script`]).
    pub json_ld: Option<String>,
}

impl Chrome {
    /// The frame of the page at `path` (with its query string `query`, whose `lang` is
    /// replaced), in `lang`, titled `title`. The trail starts at the home page.
    pub fn new(state: &AppState, lang: Lang, path: &str, query: Option<&str>, title: &str) -> Self {
        let base = state.settings.public_url.clone();
        let url = format!("{base}{path}");
        let ui = ui::for_lang(lang);
        Chrome {
            lang,
            ui,
            site: lang.pick(&state.catalog.title).to_owned(),
            title: title.to_owned(),
            description: lang.pick(&state.catalog.description).to_owned(),
            url_nl: with_lang(&url, query, Lang::Nl),
            url_en: with_lang(&url, query, Lang::En),
            crumbs: vec![Crumb {
                label: ui.home.to_owned(),
                href: Some(with_lang(&format!("{base}/"), None, lang)),
            }],
            alternates: Vec::new(),
            json_ld: None,
            base,
        }
    }

    /// Adds a step to the trail (`href` is a path below the public URL; `None` for this page).
    pub fn crumb(mut self, label: impl Into<String>, path: Option<&str>) -> Self {
        let href = path.map(|p| self.href(p));
        self.crumbs.push(Crumb {
            label: label.into(),
            href,
        });
        self
    }

    /// Adds a link to this resource in another format.
    pub fn alternate(mut self, format: Format, href: String) -> Self {
        self.alternates.push(Alternate {
            label: format.title(),
            media_type: format.media_type(),
            href,
        });
        self
    }

    pub fn description(mut self, text: &str) -> Self {
        text.clone_into(&mut self.description);
        self
    }

    /// The absolute URL of a page at `path` (which may hold a query) in this page's language.
    pub fn href(&self, path: &str) -> String {
        let (path, query) = path
            .split_once('?')
            .map_or((path, None), |(p, q)| (p, Some(q)));
        with_lang(&format!("{}{path}", self.base), query, self.lang)
    }

    /// The canonical URL: this page in its language.
    pub fn canonical(&self) -> &str {
        match self.lang {
            Lang::Nl => &self.url_nl,
            Lang::En => &self.url_en,
        }
    }

    /// This page in the other language (the language switch).
    pub fn other_language_url(&self) -> &str {
        match self.lang {
            Lang::Nl => &self.url_en,
            Lang::En => &self.url_nl,
        }
    }

    pub fn other_lang(&self) -> &'static str {
        self.lang.other().code()
    }

    /// The URL of a built asset (`ontsluit.css`, `ontsluit.js`).
    pub fn asset(&self, name: &str) -> String {
        format!("{}{ASSETS_PATH}/{name}", self.base)
    }
}

/// `url` with `query` (if any) and `lang` set to `lang`.
pub fn with_lang(url: &str, query: Option<&str>, lang: Lang) -> String {
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .filter(|(k, _)| k != LANG)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    pairs.push((LANG.to_owned(), lang.code().to_owned()));
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{url}?{query}")
}

/// JSON to be written inside a `<script>` element: `<` is escaped so that no `</script>` in a
/// value can end the element.
pub fn json_for_script(value: &serde_json::Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// A map placeholder: the served script draws the features of `features` (an API URL that
/// answers GeoJSON) into it; without the script, `label` and the page's table stand in.
pub struct MapView {
    pub features: String,
    pub label: String,
    pub attribution: String,
    /// Interface texts for the script, as JSON.
    pub i18n: String,
    /// `minlon,minlat,maxlon,maxlat` to show before the features arrive.
    pub extent: Option<String>,
    /// Prefix of "what is here" links for a click on the map.
    pub locate: Option<String>,
    /// A numeric property to colour polygons by (a choropleth).
    pub choropleth: Option<String>,
    /// Small (a card's map) or full size.
    pub small: bool,
    pub max_features: usize,
    /// Draw the features of this one response only (a page of items), not its `next` pages.
    pub single_page: bool,
    /// The background map's URL template, if the operator configured one.
    pub background: Option<String>,
    /// A spot to mark (`lon,lat`), e.g. the one "what is here" answers for.
    pub marker: Option<String>,
    /// Features drawn faintly underneath for orientation (the catalog's `context_map`).
    pub context: Option<String>,
}

impl MapView {
    pub fn new(state: &AppState, chrome: &Chrome, features: String, label: String) -> Self {
        let ui = chrome.ui;
        let i18n = serde_json::json!({
            "loading": ui.map_loading,
            "loaded": ui.map_loaded,
            "error": ui.map_error,
            "close": ui.close,
            "zoomIn": ui.zoom_in,
            "zoomOut": ui.zoom_out,
            "noValue": ui.no_value,
            "details": ui.details,
            "locate": ui.locate,
            "legend": ui.legend,
            "loadedOne": ui.map_loaded_one,
            "truncated": ui.map_truncated,
            "map": ui.map,
        });
        MapView {
            features,
            label,
            attribution: String::new(),
            i18n: i18n.to_string(),
            extent: None,
            locate: Some(chrome.href("/locate")),
            choropleth: None,
            small: false,
            max_features: 2000,
            single_page: false,
            background: state.settings.background_map.clone(),
            marker: None,
            context: state
                .catalog
                .context_map
                .as_ref()
                .filter(|id| state.engine.serves(id))
                .map(|id| state.url(&format!("/ogc/v1/collections/{id}/items?f=json&limit=1000"))),
        }
    }

    pub fn attribution(mut self, text: &str) -> Self {
        text.clone_into(&mut self.attribution);
        self
    }

    pub fn extent(mut self, bbox: Option<[f64; 4]>) -> Self {
        self.extent = bbox.map(|[a, b, c, d]| format!("{a},{b},{c},{d}"));
        self
    }

    pub fn small(mut self) -> Self {
        self.small = true;
        self.locate = None;
        self
    }
}

/// A rendered page with its status, type and language.
pub fn respond_with(
    status: StatusCode,
    lang: Lang,
    page: &impl Template,
) -> Result<Response, ApiError> {
    let body = page
        .render()
        .map_err(|e| ApiError::Internal(format!("rendering a page: {e}")))?;
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(Format::Html.content_type()),
    );
    headers.insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    Ok(response)
}

/// A rendered page, 200.
pub fn respond(lang: Lang, page: &impl Template) -> Result<Response, ApiError> {
    respond_with(StatusCode::OK, lang, page)
}

/// "3 added, 1 removed, 2 changed", or "first version".
pub fn change_text(c: &crate::store::ChangeSummary, lang: Lang) -> String {
    if c.previous.is_none() {
        return lang.text("eerste versie", "first version").to_owned();
    }
    let (added, removed, changed) = match lang {
        Lang::Nl => ("toegevoegd", "verwijderd", "gewijzigd"),
        Lang::En => ("added", "removed", "changed"),
    };
    format!(
        "{} {added}, {} {removed}, {} {changed}",
        c.added, c.removed, c.changed
    )
}

/// A label and its value on a page (a `<dt>`/`<dd>` pair).
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    /// The value's language when it differs from the page's (WCAG 3.1.2).
    pub lang: Option<&'static str>,
}

impl Fact {
    pub fn new(label: &'static str, value: impl Into<String>) -> Fact {
        Fact {
            label,
            value: value.into(),
            lang: None,
        }
    }

    /// A value written in Dutch (keywords, attributions), marked as such on an English page.
    pub fn dutch(label: &'static str, value: impl Into<String>, page: Lang) -> Fact {
        Fact {
            lang: (page != Lang::Nl).then_some("nl"),
            ..Fact::new(label, value)
        }
    }
}

/// A temporal extent for people: `start – end`, `…` for an open end.
pub fn format_interval(t: &crate::store::TemporalInfo) -> String {
    format!(
        "{} – {}",
        t.interval[0].as_deref().unwrap_or("…"),
        t.interval[1].as_deref().unwrap_or("…")
    )
}

/// A number for people: whole numbers with thousands separators, others with up to two
/// decimals, in the language's style.
pub fn number(value: f64, lang: Lang) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let text = thousands(value.abs() as u64, lang);
        return if value < 0.0 {
            format!("-{text}")
        } else {
            text
        };
    }
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match lang {
        Lang::Nl => text.replace('.', ","),
        Lang::En => text.to_owned(),
    }
}

/// A CRS84 box for people.
pub fn format_bbox([a, b, c, d]: [f64; 4]) -> String {
    format!("{a:.4}, {b:.4} – {c:.4}, {d:.4} (lon/lat, CRS84)")
}

/// A number with thousands separators in the language's style (1.234.567 / 1,234,567).
pub fn thousands(n: u64, lang: Lang) -> String {
    let digits = n.to_string();
    let sep = match lang {
        Lang::Nl => '.',
        Lang::En => ',',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A byte count for people (kB, MB; decimal units, the language's decimal sign).
pub fn byte_size(bytes: u64, lang: Lang) -> String {
    let (value, unit) = match bytes {
        b if b >= 1_000_000_000 => (b as f64 / 1e9, "GB"),
        b if b >= 1_000_000 => (b as f64 / 1e6, "MB"),
        b if b >= 1_000 => (b as f64 / 1e3, "kB"),
        b => return format!("{b} B"),
    };
    // One decimal: 1.5 MB.
    format!("{} {unit}", number((value * 10.0).round() / 10.0, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_their_query_and_get_the_language() {
        assert_eq!(
            with_lang("http://x/a", Some("f=html&lang=en&q=a%20b"), Lang::Nl),
            "http://x/a?f=html&q=a+b&lang=nl"
        );
        assert_eq!(with_lang("http://x/", None, Lang::En), "http://x/?lang=en");
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(1234567, Lang::Nl), "1.234.567");
        assert_eq!(thousands(123, Lang::En), "123");
        assert_eq!(thousands(1000, Lang::En), "1,000");
        assert_eq!(byte_size(1_500_000, Lang::Nl), "1,5 MB");
        assert_eq!(byte_size(999, Lang::En), "999 B");
        assert_eq!(byte_size(2_000_000, Lang::En), "2 MB");
        assert_eq!(number(361924.0, Lang::Nl), "361.924");
        assert_eq!(number(3.5, Lang::Nl), "3,5");
        assert_eq!(number(3.456, Lang::En), "3.46");
    }

    #[test]
    fn json_in_a_script_cannot_end_it() {
        let v = serde_json::json!({"name": "</script><script>alert(1)</script>"});
        assert!(!json_for_script(&v).contains("</script>"));
    }
}
