//! Writing an Atom feed with `quick-xml` (escaping is the writer's job, not ours).

use std::io;

use chrono::{DateTime, SecondsFormat, Utc};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use super::Entry;
use crate::catalog::{Dataset, Text};
use crate::downloads::download_links;
use crate::http::SharedState;
use crate::http::media::Format;
use crate::http::negotiate::Lang;
use crate::store::ChangeSummary;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const GEORSS_NS: &str = "http://www.georss.org/georss";
const INSPIRE_DLS_NS: &str = "http://inspire.ec.europa.eu/schemas/inspire_dls/1.0";

pub struct Feed<'a> {
    pub self_url: String,
    pub title: Text,
    /// The dataset of a per-dataset feed.
    pub dataset: Option<&'a Dataset>,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

fn link(
    w: &mut Writer<Vec<u8>>,
    rel: &str,
    href: &str,
    media_type: &str,
    title: Option<&str>,
    length: Option<u64>,
) -> io::Result<()> {
    let mut e = w
        .create_element("link")
        .with_attribute(("rel", rel))
        .with_attribute(("href", href))
        .with_attribute(("type", media_type));
    if let Some(t) = title {
        e = e.with_attribute(("title", t));
    }
    let length = length.map(|l| l.to_string());
    if let Some(l) = &length {
        e = e.with_attribute(("length", l.as_str()));
    }
    e.write_empty()?;
    Ok(())
}

/// "3 added, 5 removed, 6 changed since version 1" in the response language.
pub fn change_text(lang: Lang, c: Option<&ChangeSummary>, rows: u64) -> String {
    let Some(c) = c else {
        return match lang {
            Lang::Nl => format!("{rows} objecten; geen wijzigingsoverzicht vastgelegd."),
            Lang::En => format!("{rows} features; no change summary recorded."),
        };
    };
    match (lang, c.previous) {
        (Lang::Nl, None) => format!("Eerste versie: {} objecten.", c.added),
        (Lang::En, None) => format!("First version: {} features.", c.added),
        (Lang::Nl, Some(p)) => format!(
            "{} toegevoegd, {} verwijderd, {} gewijzigd, {} ongewijzigd ten opzichte van versie {p}.",
            c.added, c.removed, c.changed, c.unchanged
        ),
        (Lang::En, Some(p)) => format!(
            "{} added, {} removed, {} changed, {} unchanged since version {p}.",
            c.added, c.removed, c.changed, c.unchanged
        ),
    }
}

pub fn write(
    state: &SharedState,
    lang: Lang,
    feed: &Feed,
    entries: &[Entry],
) -> io::Result<String> {
    let base = &state.settings.public_url;
    let catalog = &state.catalog;
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    w.create_element("feed")
        .with_attribute(("xmlns", ATOM_NS))
        .with_attribute(("xmlns:georss", GEORSS_NS))
        .with_attribute(("xmlns:inspire_dls", INSPIRE_DLS_NS))
        .with_attribute(("xml:lang", lang.code()))
        .write_inner_content(|w| {
            text_element(w, "id", &feed.self_url)?;
            let title = match lang {
                Lang::Nl => format!("{}: nieuwe versies", lang.pick(&feed.title)),
                Lang::En => format!("{}: new versions", lang.pick(&feed.title)),
            };
            text_element(w, "title", &title)?;
            let subtitle = match (feed.dataset, lang) {
                (Some(ds), _) => lang.pick(&ds.description).to_owned(),
                (None, Lang::Nl) => {
                    "Elke nieuwe versie van elke dataset, met wat er veranderde en downloads."
                        .to_owned()
                }
                (None, Lang::En) => {
                    "Every new version of every dataset, with what changed and downloads."
                        .to_owned()
                }
            };
            text_element(w, "subtitle", &subtitle)?;
            link(
                w,
                "self",
                &feed.self_url,
                Format::Atom.content_type(),
                None,
                None,
            )?;
            match feed.dataset {
                Some(ds) => {
                    link(
                        w,
                        "alternate",
                        &format!("{base}/datasets/{}", ds.id),
                        "text/html",
                        None,
                        None,
                    )?;
                    link(
                        w,
                        "related",
                        &format!("{base}/datasets/{}/versions", ds.id),
                        "application/json",
                        Some("Versions"),
                        None,
                    )?;
                }
                None => link(
                    w,
                    "alternate",
                    &format!("{base}/catalog"),
                    "text/html",
                    None,
                    None,
                )?,
            }
            let updated = entries
                .iter()
                .map(|e| e.manifest.created)
                .max()
                .unwrap_or(DateTime::UNIX_EPOCH);
            text_element(w, "updated", &time(updated))?;
            w.create_element("author").write_inner_content(|w| {
                text_element(w, "name", &catalog.publisher.name)?;
                text_element(w, "uri", &catalog.publisher.uri)?;
                text_element(w, "email", &catalog.contact.email)
            })?;
            let rights = match feed.dataset {
                Some(ds) => format!(
                    "{} ({}), {}",
                    ds.licence.title, ds.licence.id, ds.attribution
                ),
                None => format!("{} ({})", catalog.licence.title, catalog.licence.id),
            };
            text_element(w, "rights", &rights)?;
            for e in entries {
                write_entry(w, base, lang, e)?;
            }
            Ok(())
        })?;
    String::from_utf8(w.into_inner()).map_err(io::Error::other)
}

fn write_entry(w: &mut Writer<Vec<u8>>, base: &str, lang: Lang, e: &Entry) -> io::Result<()> {
    let ds = e.dataset;
    let m = &e.manifest;
    let version_url = format!("{base}/datasets/{}/versions/{}", ds.id, m.version);
    w.create_element("entry").write_inner_content(|w| {
        text_element(w, "id", &version_url)?;
        let title = match lang {
            Lang::Nl => format!("{}, versie {}", lang.pick(&ds.title), m.version),
            Lang::En => format!("{}, version {}", lang.pick(&ds.title), m.version),
        };
        text_element(w, "title", &title)?;
        text_element(w, "updated", &time(m.created))?;
        text_element(w, "published", &time(m.created))?;
        text_element(
            w,
            "summary",
            &change_text(lang, m.changes.as_ref(), m.row_count),
        )?;
        // INSPIRE's dataset identifier: the id, in the namespace of this server's datasets.
        text_element(
            w,
            "inspire_dls:spatial_dataset_identifier_code",
            ds.id.as_str(),
        )?;
        text_element(
            w,
            "inspire_dls:spatial_dataset_identifier_namespace",
            &format!("{base}/datasets"),
        )?;
        w.create_element("category")
            .with_attribute(("term", ds.id.as_str()))
            .with_attribute(("label", lang.pick(&ds.title)))
            .write_empty()?;
        link(
            w,
            "describedby",
            &format!("{base}/datasets/{}", ds.id),
            "text/html",
            None,
            None,
        )?;
        link(
            w,
            "related",
            &version_url,
            "application/json",
            Some("Version"),
            None,
        )?;
        // INSPIRE download feeds: one `alternate` link per download format.
        for d in download_links(base, m, Some(m.version)) {
            link(
                w,
                "alternate",
                &d.href,
                d.media_type,
                Some(d.format),
                d.length,
            )?;
        }
        // The change extent (a first version: the dataset's extent), lat/lon as GeoRSS wants.
        if let Some([minx, miny, maxx, maxy]) = m.changes.as_ref().and_then(|c| c.extent) {
            let ring =
                format!("{miny} {minx} {maxy} {minx} {maxy} {maxx} {miny} {maxx} {miny} {minx}");
            text_element(w, "georss:polygon", &ring)?;
        }
        Ok(())
    })?;
    Ok(())
}
