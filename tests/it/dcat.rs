//! The DCAT-AP-NL catalog through the real router: mandatory properties per dataset, the three RDF
//! serialisations carrying one graph, negotiation, and problem details for bad requests.

use oxrdf::vocab::rdf;
use oxrdf::{Graph, Literal, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, TermRef};
use sha2::{Digest, Sha256};

use crate::common::*;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const SPDX: &str = "http://spdx.org/rdf/terms#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";

/// Small datasets: polygons, points with a declared place, and a table without geometry.
const INGESTED: &[&str] = &["gemeenten", "rustpunten", "kerncijfers_gemeenten"];

fn n(ns: &str, local: &str) -> NamedNode {
    NamedNode::new(format!("{ns}{local}")).unwrap()
}

fn parse_turtle(body: &[u8]) -> Graph {
    let mut g = Graph::new();
    for t in oxttl::TurtleParser::new().for_slice(body) {
        g.insert(&t.expect("valid Turtle"));
    }
    g
}

fn parse_rdfxml(body: &[u8]) -> Graph {
    let mut g = Graph::new();
    for t in oxrdfxml::RdfXmlParser::new().for_slice(body) {
        g.insert(&t.expect("valid RDF/XML"));
    }
    g
}

fn parse_jsonld(body: &[u8]) -> Graph {
    let mut g = Graph::new();
    for q in oxjsonld::JsonLdParser::new().for_slice(body) {
        let q = q.expect("valid JSON-LD");
        g.insert(&oxrdf::Triple::new(q.subject, q.predicate, q.object));
    }
    g
}

fn objects<'a>(g: &'a Graph, s: &'a NamedNode, p: &NamedNode) -> Vec<TermRef<'a>> {
    let p = NamedNodeRef::new_unchecked(p.as_str());
    g.objects_for_subject_predicate(s, p).collect()
}

fn langs(g: &Graph, s: &NamedNode, p: &NamedNode) -> Vec<String> {
    let mut tags: Vec<String> = objects(g, s, p)
        .into_iter()
        .filter_map(|o| match o {
            TermRef::Literal(l) => l.language().map(str::to_owned),
            _ => None,
        })
        .collect();
    tags.sort();
    tags
}

fn of_type(g: &Graph, class: &NamedNode) -> Vec<NamedNode> {
    g.subjects_for_predicate_object(rdf::TYPE, class)
        .filter_map(|s| match s {
            NamedOrBlankNodeRef::NamedNode(n) => Some(n.into_owned()),
            NamedOrBlankNodeRef::BlankNode(_) => None,
        })
        .collect()
}

#[tokio::test]
async fn every_dataset_carries_the_mandatory_properties() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), INGESTED).await;
    let reply = get(&state, "/catalog?f=ttl").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type(), "text/turtle; charset=utf-8");
    let g = parse_turtle(&reply.body);

    let catalogs = of_type(&g, &n(DCAT, "Catalog"));
    assert_eq!(catalogs.len(), 1);
    let cat = &catalogs[0];
    assert_eq!(cat.as_str(), format!("{PUBLIC_URL}/catalog"));
    assert_eq!(objects(&g, cat, &n(DCAT, "contactPoint")).len(), 1);
    assert_eq!(langs(&g, cat, &n(DCT, "title")), ["en", "nl"]);
    // Only ingested datasets are published: the others have nothing to download yet.
    let mut listed: Vec<String> = objects(&g, cat, &n(DCAT, "dataset"))
        .iter()
        .map(|o| o.to_string())
        .collect();
    listed.sort();
    let mut expected: Vec<String> = INGESTED
        .iter()
        .map(|id| format!("<{PUBLIC_URL}/datasets/{id}>"))
        .collect();
    expected.sort();
    assert_eq!(listed, expected);

    for id in INGESTED {
        let ds = n(&format!("{PUBLIC_URL}/datasets/"), id);
        for p in [
            n(DCT, "identifier"),
            n(DCT, "publisher"),
            n(DCT, "creator"),
            n(DCAT, "contactPoint"),
            n(DCT, "accessRights"),
            n(DCT, "accrualPeriodicity"),
            n(DCT, "issued"),
            n(DCT, "modified"),
            n(DCAT, "landingPage"),
        ] {
            assert_eq!(objects(&g, &ds, &p).len(), 1, "{id}: {p}");
        }
        for p in [n(DCT, "title"), n(DCT, "description")] {
            assert_eq!(langs(&g, &ds, &p), ["en", "nl"], "{id}: {p}");
        }
        let themes: Vec<String> = objects(&g, &ds, &n(DCAT, "theme"))
            .iter()
            .map(|t| t.to_string())
            .collect();
        assert!(
            themes
                .iter()
                .any(|t| t.contains("publications.europa.eu/resource/authority/data-theme/")),
            "{id}: {themes:?}"
        );
        assert!(
            themes
                .iter()
                .any(|t| t.contains("standaarden.overheid.nl/owms/terms/")),
            "{id}: no TaxonomieBeleidsagenda theme in {themes:?}"
        );
        for t in objects(&g, &ds, &n(DCAT, "theme")) {
            let TermRef::NamedNode(t) = t else {
                panic!("theme is not an IRI")
            };
            let t = t.into_owned();
            assert_eq!(objects(&g, &t, &n(SKOS, "inScheme")).len(), 1, "{t}");
            assert!(!objects(&g, &t, &n(SKOS, "prefLabel")).is_empty(), "{t}");
        }

        let distributions = objects(&g, &ds, &n(DCAT, "distribution"));
        let spatial = *id != "kerncijfers_gemeenten";
        // Five downloads (four for a table) and the two APIs.
        assert_eq!(distributions.len(), if spatial { 7 } else { 6 }, "{id}");
        for d in &distributions {
            let TermRef::NamedNode(d) = d else {
                panic!("distribution is not an IRI")
            };
            let d = d.into_owned();
            assert_eq!(objects(&g, &d, &n(DCT, "license")).len(), 1, "{d}");
            assert_eq!(objects(&g, &d, &n(DCAT, "accessURL")).len(), 1, "{d}");
        }
        // The extent as geometry (spatial datasets) and every declared place URI.
        let declared = state.catalog.dataset(id).unwrap().dcat.spatial.len();
        assert!(declared > 0, "{id}: the repo catalog declares a place");
        assert_eq!(
            objects(&g, &ds, &n(DCT, "spatial")).len(),
            declared + usize::from(spatial),
            "{id}"
        );
    }
}

#[tokio::test]
async fn the_geoparquet_distribution_has_the_stored_file_size_and_checksum() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["rustpunten"]).await;
    let g = parse_turtle(&get(&state, "/datasets/rustpunten?f=ttl").await.body);
    let dist = n(&format!("{PUBLIC_URL}/datasets/"), "rustpunten#parquet");
    assert_eq!(
        objects(&g, &dist, &n(DCAT, "downloadURL"))[0].to_string(),
        format!("<{PUBLIC_URL}/datasets/rustpunten/download.parquet>")
    );
    // Computed here from the file on disk, not taken from the manifest.
    let file = dir.path().join("rustpunten/v000001/data.parquet");
    let bytes = std::fs::read(&file).unwrap();
    let size = Literal::new_typed_literal(
        bytes.len().to_string(),
        n("http://www.w3.org/2001/XMLSchema#", "nonNegativeInteger"),
    );
    let sizes: Vec<String> = objects(&g, &dist, &n(DCAT, "byteSize"))
        .iter()
        .map(|t| t.to_string())
        .collect();
    assert_eq!(sizes, [size.to_string()]);
    let sum = objects(&g, &dist, &n(SPDX, "checksum"));
    let TermRef::NamedNode(sum) = sum[0] else {
        panic!("checksum node")
    };
    let sum = sum.into_owned();
    let value = objects(&g, &sum, &n(SPDX, "checksumValue"));
    let hex: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match value[0] {
        TermRef::Literal(l) => assert_eq!(l.value(), hex),
        other => panic!("checksum value {other}"),
    }
}

#[tokio::test]
async fn json_ld_turtle_and_rdf_xml_carry_the_same_graph() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), INGESTED).await;
    for path in [
        "/catalog",
        "/datasets/gemeenten",
        "/datasets/kerncijfers_gemeenten",
    ] {
        let ttl = parse_turtle(&get(&state, &format!("{path}?f=ttl")).await.body);
        let xml = parse_rdfxml(&get(&state, &format!("{path}?f=rdf")).await.body);
        let json = parse_jsonld(&get(&state, &format!("{path}?f=jsonld")).await.body);
        assert!(ttl.len() > 100, "{path}: {} triples", ttl.len());
        // No blank nodes anywhere: graph equality is isomorphism.
        assert_eq!(ttl, xml, "{path}: Turtle and RDF/XML differ");
        assert_eq!(ttl, json, "{path}: Turtle and JSON-LD differ");
    }
}

#[tokio::test]
async fn formats_follow_accept_and_f() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["rustpunten"]).await;
    for (accept, expected) in [
        ("application/ld+json", "application/ld+json"),
        ("text/turtle", "text/turtle; charset=utf-8"),
        ("application/rdf+xml", "application/rdf+xml; charset=utf-8"),
        (
            "text/html,application/xhtml+xml,*/*;q=0.8",
            "text/html; charset=utf-8",
        ),
        ("*/*", "application/ld+json"),
    ] {
        for path in ["/catalog", "/datasets/rustpunten"] {
            let reply = get_with(&state, path, &[("accept", accept)]).await;
            assert_eq!(reply.status, 200, "{path} {accept}");
            assert_eq!(reply.content_type(), expected, "{path} {accept}");
            assert_eq!(reply.headers["vary"], "Accept, Accept-Language");
        }
    }
    let reply = get_with(&state, "/catalog?f=ttl", &[("accept", "text/html")]).await;
    assert_eq!(reply.content_type(), "text/turtle; charset=utf-8");
    let link = reply.headers["link"].to_str().unwrap();
    assert!(
        link.contains(&format!(
            "<{PUBLIC_URL}/catalog?f=rdf>; rel=\"alternate\"; type=\"application/rdf+xml\""
        )),
        "{link}"
    );

    let en = get_with(
        &state,
        "/datasets/rustpunten?f=html",
        &[("accept-language", "en")],
    )
    .await;
    let html = String::from_utf8(en.body).unwrap();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(
        html.contains(">Rest points, province of Utrecht</h1>"),
        "{html}"
    );
    assert_eq!(en.headers["content-language"], "en");
    let nl = get(&state, "/datasets/rustpunten?f=html").await;
    let html = String::from_utf8(nl.body).unwrap();
    assert!(html.contains("<html lang=\"nl\">"));
    assert!(html.contains(">Rustpunten provincie Utrecht</h1>"));
    assert!(html.contains(&format!("{PUBLIC_URL}/datasets/rustpunten/download.gpkg")));
    let home = String::from_utf8(get(&state, "/").await.body).unwrap();
    assert!(
        home.contains(&format!("href=\"{PUBLIC_URL}/catalog?lang=nl\"")),
        "{home}"
    );
}

#[tokio::test]
async fn bad_requests_get_problem_details() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["rustpunten"]).await;
    assert_problem(
        &get(&state, "/datasets/bestaat_niet").await,
        404,
        "no dataset `bestaat_niet`",
    );
    assert_problem(
        &get(&state, "/datasets/Bad.Id?f=ttl").await,
        404,
        "no dataset",
    );
    // In the catalog but not ingested: nothing to describe yet.
    assert_problem(
        &get(&state, "/datasets/gemeenten").await,
        404,
        "has no data yet",
    );
    // An unknown `f` is a bad parameter (400) and unknown parameters are refused, as on every
    // route; an `Accept` nothing satisfies is 406.
    assert_problem(
        &get(&state, "/catalog?f=csv").await,
        400,
        "f `csv` is not a format of this resource (available: jsonld, ttl, rdf, html)",
    );
    assert_problem(
        &get(&state, "/datasets/rustpunten?f=pdf").await,
        400,
        "f `pdf`",
    );
    assert_problem(
        &get(&state, "/catalog?page=2").await,
        400,
        "unknown parameter `page`",
    );
    assert_problem(
        &get(&state, "/datasets/rustpunten?f=ttl&f=rdf").await,
        400,
        "more than once",
    );
    assert_problem(
        &get_with(&state, "/catalog", &[("accept", "text/csv")]).await,
        406,
        "accepts only `text/csv`",
    );
    assert_problem(
        &get_with(
            &state,
            "/datasets/rustpunten",
            &[("accept", "application/geo+json")],
        )
        .await,
        406,
        "text/turtle",
    );
}

#[test]
fn check_warns_about_weak_descriptions_without_failing() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = write_catalog(
        dir.path(),
        &[dataset_entry(
            "rustpunten",
            "source = { path = \"other/provincie_utrecht_rustpunten_wgs84.geojson\", crs = \"OGC:CRS84\" }",
        )],
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ontsluit"))
        .args(["check", "--catalog"])
        .arg(&catalog.file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let file = catalog.file.display();
    for needle in [
        format!(
            "warn  {file}:1: catalog.publisher.uri: `https://www.provincie-utrecht.nl` is not an OWMS organisation URI"
        ),
        format!(
            "warn  {file}:11: dataset `rustpunten`: title: the English text equals the Dutch one"
        ),
        format!(
            "warn  {file}:11: dataset `rustpunten`: policy_theme: no TaxonomieBeleidsagenda theme"
        ),
        format!("warn  {file}:11: dataset `rustpunten`: keywords: no keywords"),
        "1 datasets, 0 failed, 5 profile warnings".to_owned(),
    ] {
        assert!(stdout.contains(&needle), "`{needle}` missing in:\n{stdout}");
    }
}
