use std::path::Path;

use super::*;

const HEAD: &str = r#"[catalog]
title = { nl = "Provincie Utrecht open data", en = "Province of Utrecht open data" }
description = { nl = "Data", en = "Data" }
publisher = { name = "Provincie Utrecht", uri = "https://www.provincie-utrecht.nl" }
contact = { name = "Team Data", email = "data@example.org" }
homepage = "https://www.provincie-utrecht.nl"
licence = "CC-BY-4.0"
"#;

fn dataset(id: &str, extra: &str) -> String {
    format!(
        r#"
[[dataset]]
id = "{id}"
title = {{ nl = "Gemeenten", en = "Municipalities" }}
description = {{ nl = "Grenzen", en = "Boundaries" }}
theme = "REGI"
licence = "CC-BY-4.0"
attribution = "CBS / PDOK"
update_frequency = "annual"
source = {{ path = "gemeenten.geojson" }}
{extra}
"#
    )
}

fn parse(text: &str) -> Result<Catalog, CatalogError> {
    Catalog::parse(Path::new("/data/catalog.toml"), text)
}

#[test]
fn valid_catalog_is_typed() {
    let text = format!(
        "{HEAD}{}",
        dataset(
            "gemeenten",
            "key = [\"statcode\"]\nwithhold = [\"rubriek\"]\n[dataset.columns.id]\nname = \"cbs_id\"\n"
        )
    );
    let cat = parse(&text).unwrap();
    let ds = &cat.datasets[0];
    assert_eq!(ds.id.as_str(), "gemeenten");
    assert_eq!(ds.key, FeatureKey::Columns(vec!["statcode".into()]));
    assert_eq!(ds.licence.id, "CC-BY-4.0");
    assert_eq!(ds.update_frequency.code(), "ANNUAL");
    assert_eq!(ds.source.path, Path::new("/data/gemeenten.geojson"));
    assert_eq!(ds.published_name("id"), "cbs_id");
    assert_eq!(ds.withhold, vec!["rubriek".to_string()]);
    assert_eq!(ds.line, 10);
}

#[test]
fn unknown_key_names_line_and_key() {
    let text = format!("{HEAD}{}", dataset("gemeenten", "colour = \"red\""));
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.starts_with("/data/catalog.toml:18: syntax:"), "{err}");
    assert!(err.contains("unknown field `colour`"), "{err}");
}

#[test]
fn missing_required_field_is_named() {
    let text = format!("{HEAD}{}", dataset("gemeenten", "")).replace("theme = \"REGI\"\n", "");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.contains("missing field `theme`"), "{err}");
}

#[test]
fn every_problem_is_reported_with_line_dataset_and_field() {
    let text = format!(
        "{HEAD}{}{}{}",
        dataset("gemeenten", ""),
        dataset("gemeenten", "").replace("CC-BY-4.0", "cc-by"),
        dataset("Bad.Id", "")
    );
    let err = parse(&text).unwrap_err();
    let msgs: Vec<String> = err.to_string().lines().map(str::to_owned).collect();
    assert_eq!(err.issues.len(), 3, "{msgs:#?}");
    assert!(
        msgs[0].contains(":21: dataset `gemeenten`: id: duplicate dataset id `gemeenten`"),
        "{msgs:#?}"
    );
    assert!(
        msgs[1].contains(
            ":25: dataset `gemeenten`: licence: `cc-by` is not a known licence (one of `CC0-1.0`"
        ),
        "{msgs:#?}"
    );
    assert!(
        msgs[2].contains(":32: id: `Bad.Id` is not a valid dataset id"),
        "{msgs:#?}"
    );
}

#[test]
fn withholding_the_key_or_reserved_names_is_refused() {
    let text = format!(
        "{HEAD}{}",
        dataset(
            "gemeenten",
            "key = [\"statcode\"]\nwithhold = [\"statcode\"]\n[dataset.columns.naam]\nname = \"geometry\"\n"
        )
    );
    let err = parse(&text).unwrap_err().to_string();
    assert!(
        err.contains("withhold: `statcode` is part of the key"),
        "{err}"
    );
    assert!(
        err.contains("columns.naam.name: `geometry` is reserved"),
        "{err}"
    );
}

#[test]
fn missing_source_says_where_it_was_expected() {
    let text = format!("{HEAD}{}", dataset("gemeenten", ""));
    let cat = parse(&text).unwrap();
    let err = cat.check_sources_exist().unwrap_err().to_string();
    assert_eq!(
        err,
        "/data/catalog.toml:10: dataset `gemeenten`: source.path: file not found: \
         `gemeenten.geojson` was expected at /data/gemeenten.geojson"
    );
}

#[test]
fn dataset_ids_follow_the_identity_rule() {
    for ok in ["gemeenten", "a", "laadpunten_2026"] {
        assert!(DatasetId::parse(ok).is_some(), "{ok}");
    }
    for bad in ["", "Gemeenten", "2026", "a-b", "a.b", "_a", "é"] {
        assert!(DatasetId::parse(bad).is_none(), "{bad}");
    }
}
