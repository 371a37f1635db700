//! The DCAT fields of a dataset entry and the profile warnings of `ontsluit check`.

use std::path::Path;

use super::*;

const HEAD: &str = r#"[catalog]
title = { nl = "Open data", en = "Open data" }
description = { nl = "Data over de provincie", en = "Data about the province" }
publisher = { name = "Provincie Utrecht", uri = "https://www.provincie-utrecht.nl" }
contact = { name = "Team Data", email = "data@example.org" }
homepage = "https://www.provincie-utrecht.nl"
licence = "CC-BY-4.0"
"#;

fn entry(extra: &str) -> String {
    format!(
        r#"
[[dataset]]
id = "laadpunten"
title = {{ nl = "Laadpunten", en = "Charging points" }}
description = {{ nl = "Publieke laadpunten", en = "Public charging points" }}
keywords = ["laadpalen"]
theme = "TRAN"
licence = "CC0-1.0"
attribution = "NDW"
update_frequency = "monthly"
source = {{ path = "laadpunten.geojson" }}
{extra}
"#
    )
}

fn parse(text: &str) -> Result<Catalog, CatalogError> {
    Catalog::parse(Path::new("/data/catalog.toml"), text)
}

#[test]
fn dcat_fields_default_when_absent() {
    let cat = parse(&format!("{HEAD}{}", entry(""))).unwrap();
    let d = &cat.datasets[0].dcat;
    assert_eq!(d.access_rights, AccessRights::Public);
    assert!(d.policy_themes.is_empty() && d.spatial.is_empty() && d.conforms_to.is_empty());
    assert_eq!((d.issued, d.creator.clone()), (None, None));
}

#[test]
fn dcat_fields_are_typed() {
    let extra = r#"access_rights = "non-public"
policy_theme = ["Verkeer_(thema)", "http://standaarden.overheid.nl/owms/terms/Energie"]
spatial = ["http://standaarden.overheid.nl/owms/terms/Utrecht_(provincie)"]
issued = "2024-03-01"
creator = { name = "NDW" }
conforms_to = ["https://docs.ogc.org/is/19-008r4/19-008r4.html"]"#;
    let cat = parse(&format!("{HEAD}{}", entry(extra))).unwrap();
    let d = &cat.datasets[0].dcat;
    assert_eq!(
        d.access_rights.uri(),
        "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
    );
    let themes: Vec<String> = d.policy_themes.iter().map(|t| t.uri()).collect();
    assert_eq!(
        themes,
        [
            "http://standaarden.overheid.nl/owms/terms/Verkeer_(thema)",
            "http://standaarden.overheid.nl/owms/terms/Energie"
        ]
    );
    assert_eq!(d.policy_themes[0].label, "Verkeer");
    assert_eq!(d.issued.unwrap().to_string(), "2024-03-01");
    assert_eq!(d.creator.as_ref().unwrap().name, "NDW");
    assert_eq!(d.conforms_to.len(), 1);
}

#[test]
fn bad_dcat_values_name_line_and_field() {
    let extra = r#"access_rights = "secret"
policy_theme = ["Laadpalen"]
spatial = ["Utrecht"]
issued = "1 maart 2024"
creator = { name = "NDW", uri = "ndw" }"#;
    let err = parse(&format!("{HEAD}{}", entry(extra))).unwrap_err();
    let msgs = err.to_string();
    assert_eq!(err.issues.len(), 5, "{msgs}");
    for needle in [
        ":19: dataset `laadpunten`: access_rights: `secret` is not an access right",
        ":20: dataset `laadpunten`: policy_theme: `Laadpalen` is not a TaxonomieBeleidsagenda concept",
        ":21: dataset `laadpunten`: spatial: `Utrecht` is not an http(s) URI of a place",
        ":22: dataset `laadpunten`: issued: `1 maart 2024` is not a date",
        ":23: dataset `laadpunten`: creator.uri: `ndw` is not an http(s) URI",
    ] {
        assert!(msgs.contains(needle), "`{needle}` missing in:\n{msgs}");
    }
}

#[test]
fn profile_warnings_point_at_weak_descriptions() {
    let text = format!(
        "{HEAD}{}",
        entry("spatial = [\"https://example.org/plaats/utrecht\"]")
            .replace("CC0-1.0", "ODbL-1.0")
            .replace("keywords = [\"laadpalen\"]\n", "")
    );
    let cat = parse(&text).unwrap();
    let warnings: Vec<String> = cat
        .profile_warnings()
        .iter()
        .map(|w| {
            format!(
                "{}:{}:{}",
                w.line,
                w.dataset.as_deref().unwrap_or("-"),
                w.field
            )
        })
        .collect();
    assert_eq!(
        warnings,
        [
            "1:-:catalog.publisher.uri",
            "1:-:catalog.title",
            "10:laadpunten:keywords",
            "10:laadpunten:policy_theme",
            "10:laadpunten:licence",
            "10:laadpunten:spatial",
        ]
    );
}

#[test]
fn the_repo_catalog_has_no_profile_warnings() {
    let cat = Catalog::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog.toml")).unwrap();
    let warnings = cat.profile_warnings();
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert!(
        cat.datasets
            .iter()
            .all(|d| !d.dcat.policy_themes.is_empty())
    );
}
