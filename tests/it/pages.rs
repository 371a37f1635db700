//! The pages for people: HTML by `f=html` or a browser's `Accept` (API clients keep JSON), the
//! language by `lang`, `Accept-Language` or Dutch, error pages for browsers, catalog search,
//! dataset pages with indicators, "what is here", the SQL console, the sitemap.

use serde_json::Value;

use crate::common::*;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

fn html(reply: &Reply) -> String {
    String::from_utf8(reply.body.clone()).unwrap()
}

#[tokio::test]
async fn browsers_get_pages_and_clients_keep_json() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten", "rustpunten"]).await;
    for path in [
        "/ogc/v1",
        "/ogc/v1/conformance",
        "/ogc/v1/collections",
        "/ogc/v1/collections/gemeenten",
        "/ogc/v1/collections/gemeenten/items",
        "/ogc/v1/collections/gemeenten/items/GM0344",
        "/ogc/v1/api",
        "/catalog",
        "/datasets/gemeenten",
    ] {
        let page = get_with(&state, path, &[("accept", BROWSER)]).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.content_type(), "text/html; charset=utf-8", "{path}");
        assert_eq!(page.headers["content-language"], "nl", "{path}");
        let body = html(&page);
        assert!(body.starts_with("<!doctype html>"), "{path}");
        assert!(body.contains("<html lang=\"nl\">"), "{path}");
        assert!(body.contains("<main id=\"main\""), "{path}");
        assert!(body.contains("hreflang=\"en\""), "{path}");
        // `*/*` alone and no `Accept` at all: JSON, as before.
        for accept in [Some("*/*"), None] {
            let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
            let reply = get_with(&state, path, &headers).await;
            assert!(
                !reply.content_type().starts_with("text/html"),
                "{path} {accept:?}"
            );
        }
        // Caches keep the representations apart.
        let vary: Vec<&str> = page
            .headers
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert!(
            vary.iter().any(|v| v.contains("Accept-Language")),
            "{path}: {vary:?}"
        );
        let with_f = format!("{path}?f=html");
        assert_eq!(
            get(&state, &with_f).await.content_type(),
            "text/html; charset=utf-8"
        );
    }
    let conformance = get(&state, "/ogc/v1/conformance").await.json();
    assert!(
        conformance["conformsTo"]
            .as_array()
            .unwrap()
            .contains(&Value::from(
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"
            ))
    );
    // Every JSON document links to its HTML page.
    let landing = get(&state, "/ogc/v1").await.json();
    assert!(
        landing["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "alternate" && l["type"] == "text/html")
    );
}

#[tokio::test]
async fn items_pages_have_a_map_a_table_and_a_pager() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten"]).await;
    let page = html(&get(&state, "/ogc/v1/collections/gemeenten/items?f=html&limit=5").await);
    assert_eq!(
        page.matches("<tr class=\"utrecht-table__row\">").count(),
        1 + 5
    );
    assert!(page.contains("getoond 1–5 van 26"), "{page}");
    // The map loads this page as GeoJSON from the API; no features are inlined.
    assert!(page.contains(
        "data-features=\"http://test.invalid/ogc/v1/collections/gemeenten/items?limit=5&#38;f=json\""
    ));
    assert!(!page.contains("\"coordinates\""));
    assert!(page.contains("rel=\"next\""));
    assert!(!page.contains("rel=\"prev\""));
    // The table is titled from the catalog and links each feature's page.
    assert!(page.contains("Gemeentenaam <span class=\"ontsluit-column-name\">statnaam</span>"));
    assert!(page.contains("/ogc/v1/collections/gemeenten/items/GM"));
    // The next page keeps the format and has a way back.
    let next = page.split("rel=\"next\" href=\"").nth(1).unwrap();
    let next = next.split('"').next().unwrap().replace("&#38;", "&");
    let next = next.strip_prefix(PUBLIC_URL).unwrap();
    let second = html(&get(&state, next).await);
    assert!(second.contains("getoond 6–10 van 26"), "{second}");
    assert!(second.contains("rel=\"prev\""));
}

#[tokio::test]
async fn the_language_follows_lang_then_accept_language() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten"]).await;
    let en = get(&state, "/ogc/v1/collections/gemeenten?f=html&lang=en").await;
    assert_eq!(en.headers["content-language"], "en");
    let body = html(&en);
    assert!(body.contains("<html lang=\"en\">"));
    assert!(body.contains("Municipal boundaries, province of Utrecht, 2022</h1>"));
    // The switch leads to the Dutch page, marked as Dutch.
    assert!(body.contains("hreflang=\"nl\" lang=\"nl\""));
    assert!(body.contains("gemeenten?f=html&#38;lang=nl"));
    // Links on the page keep the language.
    assert!(body.contains("/catalog?lang=en"));
    let by_header = get_with(&state, "/", &[("accept-language", "en-GB,en;q=0.9")]).await;
    assert_eq!(by_header.headers["content-language"], "en");
    let both = get_with(&state, "/?lang=nl", &[("accept-language", "en")]).await;
    assert_eq!(both.headers["content-language"], "nl");
    // JSON documents take `lang` too.
    let json = get(&state, "/ogc/v1/collections/gemeenten?lang=en")
        .await
        .json();
    assert_eq!(
        json["title"],
        "Municipal boundaries, province of Utrecht, 2022"
    );
    assert_problem(&get(&state, "/ogc/v1?lang=fr").await, 400, "nl, en");
}

#[tokio::test]
async fn browsers_get_error_pages_and_clients_problem_details() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten"]).await;
    for (path, status) in [
        ("/ogc/v1/collections/nope", 404),
        ("/ogc/v1/collections/gemeenten/items?limit=0", 400),
        ("/no/such/page", 404),
        ("/datasets/gemeenten?indicator=x", 400),
    ] {
        let page = get_with(
            &state,
            path,
            &[("accept", BROWSER), ("accept-language", "en")],
        )
        .await;
        assert_eq!(page.status, status, "{path}");
        assert_eq!(page.content_type(), "text/html; charset=utf-8", "{path}");
        let body = html(&page);
        assert!(body.contains("<html lang=\"en\">"), "{path}");
        // The API's message is shown, marked as English.
        assert!(
            body.contains("<p class=\"utrecht-paragraph\" lang=\"en\">"),
            "{path}"
        );
        let api = get(&state, path).await;
        assert_eq!(api.status, status);
        assert_eq!(api.content_type(), "application/problem+json", "{path}");
    }
    let nl = html(&get(&state, "/ogc/v1/collections/nope?f=html").await);
    assert!(nl.contains("Pagina niet gevonden"));
}

#[tokio::test]
async fn catalog_search_narrows_by_words_and_facets_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(
        dir.path(),
        &[
            "gemeenten",
            "kerncijfers_gemeenten",
            "laadpunten",
            "natura2000",
        ],
    )
    .await;
    let all = html(&get(&state, "/catalog?f=html").await);
    assert!(all.contains(">4 datasets gevonden<"), "{all}");
    // Words match both languages, ignoring case and accents.
    let found = html(&get(&state, "/catalog?f=html&q=CHARGING").await);
    assert!(found.contains(">1 datasets gevonden<"));
    assert!(found.contains("/datasets/laadpunten"));
    let none = html(&get(&state, "/catalog?f=html&q=zzzz").await);
    assert!(none.contains(">0 datasets gevonden<"));
    // A facet narrows; its counts say what each value would give.
    let tables = html(&get(&state, "/catalog?f=html&kind=table").await);
    assert!(tables.contains(">1 datasets gevonden<"));
    assert!(tables.contains("/datasets/kerncijfers_gemeenten"));
    assert!(tables.contains(
        "<span>Met kaart (geografisch)</span> <span class=\"ontsluit-count\">(3)</span>"
    ));
    assert!(tables.contains("value=\"table\" checked"));
    // The RDF describes what the search finds.
    let rdf = get(&state, "/catalog?f=jsonld&q=natura").await;
    assert_eq!(rdf.status, 200);
    let text = html(&rdf);
    assert!(text.contains("natura2000") && !text.contains("datasets/laadpunten\""));
}

#[tokio::test]
async fn dataset_pages_show_indicators_downloads_and_schema_org() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(
        dir.path(),
        &[
            "gemeenten",
            "kerncijfers_gemeenten",
            "kerncijfers_gemeenten_kaart",
        ],
    )
    .await;
    let page = html(
        &get(
            &state,
            "/datasets/kerncijfers_gemeenten?f=html&lang=en&indicator=inwoners",
        )
        .await,
    );
    // The chart and its table twin: 26 municipalities, largest first.
    let table = page.split("id=\"indicators-heading\"").nth(1).unwrap();
    let rows: Vec<&str> = table
        .split("<tr class=\"utrecht-table__row\"><th class=\"utrecht-table__header-cell\" scope=\"row\">")
        .skip(1)
        .map(|r| r.split('<').next().unwrap())
        .collect();
    assert_eq!(rows.len(), 26);
    assert_eq!(rows[0], "Utrecht");
    assert_eq!(
        table.matches("class=\"ontsluit-barchart__bar\"").count(),
        26
    );
    // The choropleth is drawn from the view that maps the indicators.
    assert!(page.contains("data-choropleth=\"inwoners\""));
    assert!(page.contains("collections/kerncijfers_gemeenten_kaart/items?f=json"));
    // Dutch values on the English page are marked as Dutch (WCAG 3.1.2).
    assert!(page.contains("<dd lang=\"nl\">kerncijfers, statistiek, CBS, Staat van Utrecht</dd>"));
    // Another indicator by the form.
    let income = html(
        &get(
            &state,
            "/datasets/kerncijfers_gemeenten?f=html&indicator=gemiddeld_inkomen",
        )
        .await,
    );
    assert!(income.contains("data-choropleth=\"gemiddeld_inkomen\""));
    assert!(income.contains("<option value=\"gemiddeld_inkomen\" selected>"));
    // Downloads with sizes, versions, examples, feed.
    let gemeenten = html(&get(&state, "/datasets/gemeenten?f=html").await);
    assert!(gemeenten.contains("/datasets/gemeenten/download.gpkg"));
    assert!(gemeenten.contains(" kB<") || gemeenten.contains(" MB<"));
    assert!(gemeenten.contains("eerste versie"));
    assert!(gemeenten.contains("/datasets/gemeenten/feed.atom"));
    assert!(gemeenten.contains(
        "curl &#39;http://test.invalid/ogc/v1/collections/gemeenten/items?limit=10&#39;"
    ));
    // schema.org Dataset JSON-LD for dataset search engines.
    let json_ld = gemeenten
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .unwrap()
        .split("</script>")
        .next()
        .unwrap();
    let ld: Value = serde_json::from_str(json_ld).unwrap();
    assert_eq!(ld["@type"], "Dataset");
    assert_eq!(ld["name"], "Gemeentegrenzen provincie Utrecht 2022");
    assert!(
        ld["license"]
            .as_str()
            .unwrap()
            .contains("creativecommons.org/licenses/by/4.0")
    );
    // schema.org boxes are "south west north east".
    assert!(
        ld["spatialCoverage"]["geo"]["box"]
            .as_str()
            .unwrap()
            .starts_with("51.85")
    );
    assert!(ld["distribution"].as_array().unwrap().len() >= 3);
}

#[tokio::test]
async fn what_is_here_by_position_rd_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten", "treinstations"]).await;
    // Utrecht Centraal's forecourt.
    let here = get(&state, "/locate?lon=5.1105&lat=52.0894").await.json();
    assert_eq!(here["within"][0]["collection"], "gemeenten");
    assert_eq!(here["within"][0]["features"][0]["label"], "Utrecht");
    let stations = &here["nearby"][0];
    assert_eq!(stations["collection"], "treinstations");
    assert_eq!(stations["features"][0]["label"], "Utrecht Centraal");
    let d = stations["features"][0]["distanceMetres"].as_u64().unwrap();
    assert!(d < 300, "{d}");
    // The same spot in RD New.
    let rd = get(&state, "/locate?x=136100&y=455800").await.json();
    assert_eq!(rd["within"][0]["features"][0]["label"], "Utrecht");
    // By name: exact first, accents and case ignored.
    let places = get(&state, "/locate?q=UTRECHT").await.json();
    assert_eq!(places["places"][0]["name"], "Utrecht");
    assert_eq!(places["places"][0]["collection"], "gemeenten");
    assert_eq!(places["within"][0]["features"][0]["label"], "Utrecht");
    // The map's GeoJSON of the same answer: the area once, the stations, each linking its page.
    let geojson = get(&state, "/locate?lon=5.1105&lat=52.0894&f=geojson").await;
    assert_eq!(geojson.content_type(), "application/geo+json");
    let fc = geojson.json();
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features[0]["id"], "gemeenten/GM0344");
    assert_eq!(features[0]["geometry"]["type"], "MultiPolygon");
    assert!(
        features[1..]
            .iter()
            .all(|f| f["geometry"]["type"] == "Point")
    );
    assert_eq!(features[0]["links"][0]["type"], "text/html");
    // Outside every area: nothing within, nothing near.
    let sea = get(&state, "/locate?lon=3.0&lat=53.5").await.json();
    assert_eq!(sea["within"], Value::Array(vec![]));
    assert_eq!(sea["nearby"], Value::Array(vec![]));
    // The page: a map to click, the areas, a table of what is near, a feed to follow.
    let page = html(&get(&state, "/locate?lon=5.1105&lat=52.0894&f=html").await);
    assert!(page.contains("data-marker=\"5.110500,52.089400\""));
    assert!(page.contains("Utrecht Centraal"));
    assert!(page.contains("/feeds/datasets.atom?bbox="));
    for bad in [
        "/locate?lon=5",
        "/locate?lon=x&lat=52",
        "/locate?lon=500&lat=52",
        "/locate?x=1&y=2",
    ] {
        assert_eq!(get(&state, bad).await.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn the_sql_console_runs_queries_as_a_plain_form() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten"]).await;
    let empty = html(&get(&state, "/sql").await);
    assert!(empty.contains("<textarea"));
    assert!(empty.contains("<span class=\"ontsluit-column-name\">statnaam</span>"));
    let q = url_encode("SELECT statnaam, geometry FROM gemeenten ORDER BY statnaam LIMIT 3");
    let page = html(&get(&state, &format!("/sql?q={q}")).await);
    assert!(page.contains("Resultaat: 3 rijen"), "{page}");
    assert!(page.contains(">Amersfoort<"));
    assert!(page.contains("data-features=\"http://test.invalid/sql/v1?q="));
    assert!(page.contains("f=geojson"));
    // Values from the data are escaped.
    let q = url_encode("SELECT '<script>alert(1)</script>' AS x");
    let page = html(&get(&state, &format!("/sql?q={q}")).await);
    assert!(!page.contains("<script>alert(1)"));
    assert!(page.contains("&#60;script&#62;alert(1)"));
    // Errors are shown at the query, with the query's status.
    let bad = get(&state, &format!("/sql?q={}", url_encode("SELEC 1"))).await;
    assert_eq!(bad.status, 400);
    let page = html(&bad);
    assert!(page.contains("role=\"alert\""));
    assert!(page.contains("aria-invalid=\"true\""));
}

#[tokio::test]
async fn sitemap_and_about_pages() {
    let dir = tempfile::tempdir().unwrap();
    let state = repo_state(dir.path(), &["gemeenten"]).await;
    let sitemap = get(&state, "/sitemap.xml").await;
    assert_eq!(sitemap.content_type(), "application/xml; charset=utf-8");
    let xml = html(&sitemap);
    assert!(xml.contains("<loc>http://test.invalid/datasets/gemeenten?lang=en</loc>"));
    assert!(
        xml.contains("hreflang=\"nl\" href=\"http://test.invalid/datasets/gemeenten?lang=nl\"")
    );
    for path in ["/toegankelijkheid", "/privacy", "/colofon"] {
        for lang in ["nl", "en"] {
            let page = get(&state, &format!("{path}?lang={lang}")).await;
            assert_eq!(page.status, 200);
            assert!(html(&page).contains(&format!("<html lang=\"{lang}\">")));
        }
    }
    assert!(html(&get(&state, "/toegankelijkheid").await).contains("voldoet gedeeltelijk"));
    assert!(html(&get(&state, "/privacy?lang=en").await).contains("no cookies"));
}
