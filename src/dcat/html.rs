//! The catalog and dataset pages for people: plain, accessible HTML (WCAG 2.1 AA: language,
//! landmarks, one h1 and ordered headings, a skip link, captioned tables with header cells,
//! underlined links, text contrast above 7:1), in Dutch or English by `Accept-Language`.

use std::fmt::Write;

use super::format::CATALOG_FORMATS;
use super::graph::{Entry, Urls};
use super::vocab::{DOWNLOADS, data_theme_labels, frequency_labels};
use crate::catalog::Catalog;
use crate::http::media::Format;
use crate::http::negotiate::Lang;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Dutch or English, by the response language.
fn t(lang: Lang, nl: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Nl => nl,
        Lang::En => en,
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;\
background:#fff;max-width:60rem;margin:0 auto;padding:0 1rem}a{color:#0b4a8b;text-decoration:underline}\
a:focus{outline:3px solid #b35900;outline-offset:2px}.skip{position:absolute;left:-999px}\
.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #595959;padding:.25rem .5rem;text-align:left;vertical-align:top}\
caption{text-align:left;font-weight:bold}dt{font-weight:bold}dd{margin:0 0 .5rem 0}\
code{overflow-wrap:anywhere}";

fn page(lang: Lang, title: &str, nav: &str, main: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{code}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">{skip}</a>\n<header>\n<nav aria-label=\"{crumbs}\">{nav}</nav>\n</header>\n\
         <main id=\"main\">\n{main}</main>\n</body>\n</html>\n",
        code = lang.code(),
        title = esc(title),
        skip = t(lang, "Naar de inhoud", "Skip to content"),
        crumbs = t(lang, "Kruimelpad", "Breadcrumbs"),
    )
}

/// Links to the other representations of the resource at `url`.
fn alternates(lang: Lang, url: &str) -> String {
    let mut s = format!(
        "<section aria-labelledby=\"formats\">\n<h2 id=\"formats\">{}</h2>\n<ul>\n",
        t(lang, "Metadata in DCAT-AP-NL", "Metadata as DCAT-AP-NL")
    );
    for f in CATALOG_FORMATS.iter().filter(|f| **f != Format::Html) {
        let _ = writeln!(
            s,
            "<li><a href=\"{url}?f={p}\" type=\"{mt}\">{label}</a></li>",
            p = f.token(),
            mt = f.media_type(),
            label = f.title()
        );
    }
    s.push_str("</ul>\n</section>\n");
    s
}

fn dl(rows: &[(&str, String)]) -> String {
    let mut s = String::from("<dl>\n");
    for (k, v) in rows.iter().filter(|(_, v)| !v.is_empty()) {
        let _ = writeln!(s, "<dt>{}</dt><dd>{v}</dd>", esc(k));
    }
    s.push_str("</dl>\n");
    s
}

fn link(url: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", esc(url), esc(text))
}

pub fn catalog_page(catalog: &Catalog, urls: &Urls, entries: &[Entry], lang: Lang) -> String {
    let title = lang.pick(&catalog.title);
    let mut main = format!(
        "<h1>{}</h1>\n<p>{}</p>\n",
        esc(title),
        esc(lang.pick(&catalog.description))
    );
    main.push_str(&dl(&[
        (
            t(lang, "Uitgever", "Publisher"),
            link(&catalog.publisher.uri, &catalog.publisher.name),
        ),
        (t(lang, "Contact", "Contact"), contact(catalog)),
        (
            t(lang, "Licentie", "Licence"),
            link(catalog.licence.uri, catalog.licence.title),
        ),
        (
            t(lang, "Website", "Website"),
            link(&catalog.homepage, &catalog.homepage),
        ),
    ]));
    let _ = write!(
        main,
        "<section aria-labelledby=\"datasets\">\n<h2 id=\"datasets\">{}</h2>\n<table>\n\
         <caption>{} ({})</caption>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        t(lang, "Datasets", "Datasets"),
        t(lang, "Gepubliceerde datasets", "Published datasets"),
        entries.len(),
        t(lang, "Dataset", "Dataset"),
        t(lang, "Omschrijving", "Description"),
        t(lang, "Thema", "Theme"),
        t(lang, "Objecten", "Features"),
        t(lang, "Gewijzigd", "Modified"),
    );
    for e in entries {
        let d = e.dataset;
        let (nl, en) = data_theme_labels(d.theme.code());
        let mut name = link(
            &format!("{}?f=html", urls.dataset(d.id.as_str())),
            lang.pick(&d.title),
        );
        if !d.is_public() {
            let (rights_nl, rights_en) = d.dcat.access_rights.labels();
            let _ = write!(name, " ({})", t(lang, rights_nl, rights_en));
        }
        let _ = writeln!(
            main,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            name,
            esc(lang.pick(&d.description)),
            esc(match lang {
                Lang::Nl => nl,
                Lang::En => en,
            }),
            e.manifest.row_count,
            e.manifest.created.format("%Y-%m-%d"),
        );
    }
    main.push_str("</tbody>\n</table>\n</section>\n");
    let _ = write!(
        main,
        "<section aria-labelledby=\"services\">\n<h2 id=\"services\">{}</h2>\n<ul>\n\
         <li>{}</li>\n<li>{}</li>\n</ul>\n</section>\n",
        t(lang, "Diensten", "Services"),
        link(&urls.ogc_api(), "OGC API Features"),
        link(&urls.sql_api(), t(lang, "SQL-eindpunt", "SQL endpoint")),
    );
    main.push_str(&alternates(lang, &urls.catalog()));
    let nav = link(&format!("{}/", urls_base(urls)), t(lang, "Home", "Home"));
    page(lang, title, &nav, &main)
}

fn urls_base(urls: &Urls) -> String {
    urls.catalog().trim_end_matches("/catalog").to_owned()
}

fn contact(catalog: &Catalog) -> String {
    let c = &catalog.contact;
    let mut s = format!(
        "{}, <a href=\"mailto:{}\">{}</a>",
        esc(&c.name),
        esc(&c.email),
        esc(&c.email)
    );
    if let Some(url) = &c.url {
        let _ = write!(s, ", {}", link(url, url));
    }
    s
}

pub fn dataset_page(catalog: &Catalog, urls: &Urls, e: &Entry, lang: Lang) -> String {
    let d = e.dataset;
    let m = e.manifest;
    let id = d.id.as_str();
    let title = lang.pick(&d.title);
    let mut main = format!(
        "<h1>{}</h1>\n<p>{}</p>\n",
        esc(title),
        esc(lang.pick(&d.description))
    );
    let (theme_nl, theme_en) = data_theme_labels(d.theme.code());
    let (freq_nl, freq_en) = frequency_labels(d.update_frequency.code());
    let (rights_nl, rights_en) = d.dcat.access_rights.labels();
    let pick = |nl: &str, en: &str| {
        esc(match lang {
            Lang::Nl => nl,
            Lang::En => en,
        })
    };
    let mut themes = pick(theme_nl, theme_en);
    for p in &d.dcat.policy_themes {
        let _ = write!(themes, "; {}", link(&p.uri(), p.label));
    }
    let temporal = m
        .temporal
        .as_ref()
        .map(|t| {
            format!(
                "{} – {}",
                esc(t.interval[0].as_deref().unwrap_or("…")),
                esc(t.interval[1].as_deref().unwrap_or("…"))
            )
        })
        .unwrap_or_default();
    let extent = m
        .geometry
        .as_ref()
        .and_then(|g| g.bbox)
        .map(|[a, b, c, d]| format!("<code>{a}, {b}, {c}, {d}</code> (CRS84)"))
        .unwrap_or_default();
    let places = d
        .dcat
        .spatial
        .iter()
        .map(|p| link(p, p))
        .collect::<Vec<_>>()
        .join(", ");
    let creator = match &d.dcat.creator {
        Some(c) => match &c.uri {
            Some(uri) => link(uri, &c.name),
            None => esc(&c.name),
        },
        None => link(&catalog.publisher.uri, &catalog.publisher.name),
    };
    let issued = d
        .dcat
        .issued
        .map(|i| i.to_string())
        .or_else(|| e.first_version.map(|t| t.format("%Y-%m-%d").to_string()))
        .unwrap_or_default();
    main.push_str(&dl(&[
        (
            t(lang, "Identificatie", "Identifier"),
            format!("<code>{}</code>", esc(&urls.dataset(id))),
        ),
        (t(lang, "Thema", "Theme"), themes),
        (
            t(lang, "Trefwoorden", "Keywords"),
            esc(&d.keywords.join(", ")),
        ),
        (
            t(lang, "Uitgever", "Publisher"),
            link(&catalog.publisher.uri, &catalog.publisher.name),
        ),
        (t(lang, "Maker", "Creator"), creator),
        (t(lang, "Bron", "Source"), esc(&d.attribution)),
        (t(lang, "Contact", "Contact"), contact(catalog)),
        (
            t(lang, "Licentie", "Licence"),
            link(d.licence.uri, d.licence.title),
        ),
        (
            t(lang, "Toegang", "Access rights"),
            pick(rights_nl, rights_en),
        ),
        (
            t(lang, "Actualisatie", "Update frequency"),
            pick(freq_nl, freq_en),
        ),
        (t(lang, "Uitgegeven", "Issued"), esc(&issued)),
        (
            t(lang, "Gewijzigd", "Modified"),
            m.created.format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        (t(lang, "Versie", "Version"), m.version.to_string()),
        (
            t(lang, "Aantal objecten", "Number of features"),
            m.row_count.to_string(),
        ),
        (t(lang, "Periode", "Temporal coverage"), temporal),
        (t(lang, "Gebied", "Spatial extent"), extent),
        (t(lang, "Plaats", "Place"), places),
    ]));

    if d.is_public() {
        main.push_str(&distributions(urls, e, lang));
    } else {
        let _ = write!(
            main,
            "<section aria-labelledby=\"access\">\n<h2 id=\"access\">{}</h2>\n<p>{}</p>\n</section>\n",
            t(lang, "Toegang", "Access"),
            t(
                lang,
                "Deze dataset is niet openbaar: hij wordt hier beschreven, maar de gegevens zijn niet te downloaden of via de API's op te vragen. Neem contact op voor toegang.",
                "This dataset is not public: it is described here, but its data cannot be downloaded or queried through the APIs. Contact us for access."
            ),
        );
    }

    if !m.columns.is_empty() {
        let _ = write!(
            main,
            "<section aria-labelledby=\"columns\">\n<h2 id=\"columns\">{}</h2>\n<table>\n<caption>{}</caption>\n\
             <thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
            t(lang, "Kolommen", "Columns"),
            t(
                lang,
                "Eigenschappen van elk object",
                "Properties of each feature"
            ),
            t(lang, "Naam", "Name"),
            t(lang, "Omschrijving", "Description"),
            t(lang, "Type", "Type"),
        );
        for c in &m.columns {
            let meta = d.column_meta(&c.name);
            let mut about = meta
                .and_then(|m| m.title.as_ref())
                .map(|t| esc(lang.pick(t)))
                .unwrap_or_default();
            if let Some(desc) = meta.and_then(|m| m.description.as_ref()) {
                let _ = write!(about, " — {}", esc(lang.pick(desc)));
            }
            if let Some(unit) = meta.and_then(|m| m.unit.as_deref()) {
                let _ = write!(about, " ({})", esc(unit));
            }
            let _ = writeln!(
                main,
                "<tr><th scope=\"row\"><code>{}</code></th><td>{about}</td><td><code>{}</code></td></tr>",
                esc(&c.name),
                esc(&c.data_type)
            );
        }
        main.push_str("</tbody>\n</table>\n</section>\n");
    }
    main.push_str(&alternates(lang, &urls.dataset(id)));
    let nav = format!(
        "{} › {}",
        link(&format!("{}/", urls_base(urls)), t(lang, "Home", "Home")),
        link(
            &format!("{}?f=html", urls.catalog()),
            t(lang, "Catalogus", "Catalog")
        ),
    );
    page(lang, title, &nav, &main)
}

/// The downloads and APIs of a public dataset.
fn distributions(urls: &Urls, e: &Entry, lang: Lang) -> String {
    let (id, m) = (e.dataset.id.as_str(), e.manifest);
    let mut main = String::new();
    let _ = write!(
        main,
        "<section aria-labelledby=\"downloads\">\n<h2 id=\"downloads\">{}</h2>\n<table>\n<caption>{}</caption>\n\
         <thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        t(lang, "Downloads", "Downloads"),
        t(
            lang,
            "De hele dataset als bestand",
            "The whole dataset as a file"
        ),
        t(lang, "Formaat", "Format"),
        t(lang, "Mediatype", "Media type"),
        t(lang, "Grootte en controlegetal", "Size and checksum"),
    );
    for f in DOWNLOADS.iter().filter(|f| f.offered(m)) {
        let size = match f.stored(m) {
            Some((bytes, sha256)) => {
                format!("{bytes} bytes, SHA-256 <code>{}</code>", esc(&sha256))
            }
            None => "–".to_owned(),
        };
        let _ = writeln!(
            main,
            "<tr><th scope=\"row\">{}</th><td><code>{}</code></td><td>{size}</td></tr>",
            link(
                &urls.download(id, f.ext()),
                &format!("{} (.{})", f.name, f.ext())
            ),
            esc(f.media_type.unwrap_or("–")),
        );
    }
    main.push_str("</tbody>\n</table>\n</section>\n");

    let _ = write!(
        main,
        "<section aria-labelledby=\"apis\">\n<h2 id=\"apis\">{}</h2>\n<ul>\n<li>{}</li>\n<li>{}</li>\n</ul>\n</section>\n",
        t(lang, "API's", "APIs"),
        link(
            &urls.collection(id),
            t(
                lang,
                "OGC API Features-collectie",
                "OGC API Features collection"
            )
        ),
        link(
            &urls.sql_api(),
            &format!("{} {id}", t(lang, "SQL-tabel", "SQL table"))
        ),
    );
    main
}
