//! The SQL endpoint through the real router (and on a socket): results and formats, parameters,
//! errors with positions, the attack list, the limits, concurrency, and catalog views.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use ontsluit::catalog::Catalog;
use ontsluit::ingest::{self, Outcome};
use ontsluit::jobs;
use ontsluit::sql::SqlLimits;
use ontsluit::store::Store;
use ontsluit::{Settings, SharedState};

use crate::common::*;

const SPATIAL: &[&str] = &[
    "gemeenten",
    "kerncijfers_gemeenten",
    "laadpunten",
    "kerncijfers_gemeenten_kaart",
    "laadpunten_per_gemeente",
];

async fn sql_state(dir: &Path, only: &[&str], limits: SqlLimits) -> SharedState {
    let catalog = repo_catalog();
    ingest_all(&catalog, dir, only);
    let mut settings = Settings::new(PUBLIC_URL);
    settings.sql = limits;
    ontsluit::state(catalog, dir, settings).await.unwrap()
}

fn query_uri(q: &str, extra: &[(&str, &str)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("q", q);
    for (k, v) in extra {
        s.append_pair(k, v);
    }
    format!("/sql/v1?{}", s.finish())
}

async fn sql(state: &SharedState, q: &str) -> Reply {
    get(state, &query_uri(q, &[])).await
}

async fn post(state: &SharedState, uri: &str, content_type: &str, body: Vec<u8>) -> Reply {
    let req = Request::post(uri)
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap();
    send(state, req).await
}

fn ok_json(r: &Reply) -> serde_json::Value {
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

fn header<'a>(r: &'a Reply, name: &str) -> &'a str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn json_results_carry_columns_with_types_rows_and_the_truncation_marker() {
    let dir = tempfile::tempdir().unwrap();
    let state = sql_state(dir.path(), &["gemeenten"], SqlLimits::default()).await;
    let r = sql(
        &state,
        "SELECT statcode, statnaam, ST_Area(geometry) > 0 AS has_area, geometry \
         FROM gemeenten ORDER BY statcode",
    )
    .await;
    let doc = ok_json(&r);
    assert_eq!(header(&r, "API-Version"), "1.0.0");
    assert_eq!(header(&r, "SQL-Truncated"), "false");
    assert_eq!(header(&r, "SQL-Row-Limit"), "100000");
    assert_eq!(r.content_type(), "application/json");
    let types: Vec<_> = doc["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["type"].as_str().unwrap()))
        .collect();
    assert_eq!(types[0].0, "statcode");
    assert!(types[0].1.starts_with("Utf8"), "{types:?}");
    assert_eq!(types[2], ("has_area", "Boolean"));
    assert_eq!(types[3], ("geometry", "geometry"));
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 26);
    assert_eq!(doc["numberOfRows"], 26);
    assert_eq!(doc["truncated"], false);
    let utrecht = rows.iter().find(|r| r[0] == "GM0344").unwrap();
    assert_eq!(utrecht[1], "Utrecht");
    assert_eq!(utrecht[2], true);
    assert!(
        ["Polygon", "MultiPolygon"].contains(&utrecht[3]["type"].as_str().unwrap()),
        "{}",
        utrecht[3]
    );
    // Sorted as asked.
    let codes: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
}

#[tokio::test]
async fn the_row_limit_cuts_results_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let limits = SqlLimits {
        max_rows: 100,
        ..SqlLimits::default()
    };
    let state = sql_state(dir.path(), &["laadpunten"], limits).await;
    let r = sql(&state, "SELECT id, name FROM laadpunten").await;
    let doc = ok_json(&r);
    assert_eq!(header(&r, "SQL-Truncated"), "true");
    assert_eq!(header(&r, "SQL-Row-Limit"), "100");
    assert_eq!(doc["rows"].as_array().unwrap().len(), 100);
    assert_eq!(doc["truncated"], true);
    // Exactly the limit is not truncated.
    let r = sql(&state, "SELECT id FROM laadpunten LIMIT 100").await;
    assert_eq!(ok_json(&r)["truncated"], false);
    assert_eq!(header(&r, "SQL-Truncated"), "false");
    // GeoJSON says it too.
    let r = get(
        &state,
        &query_uri("SELECT id, geometry FROM laadpunten", &[("f", "geojson")]),
    )
    .await;
    let fc = ok_json(&r);
    assert_eq!(fc["features"].as_array().unwrap().len(), 100);
    assert_eq!(fc["truncated"], true);
    assert_eq!(header(&r, "SQL-Truncated"), "true");
}

#[tokio::test]
async fn positional_parameters_are_bound_as_values() {
    let dir = tempfile::tempdir().unwrap();
    let state = sql_state(dir.path(), &["gemeenten"], SqlLimits::default()).await;
    let r = get(
        &state,
        &query_uri(
            "SELECT statnaam FROM gemeenten WHERE statcode = $1",
            &[("params", r#"["GM0344"]"#)],
        ),
    )
    .await;
    assert_eq!(ok_json(&r)["rows"], serde_json::json!([["Utrecht"]]));
    // An injection attempt is only a value that matches nothing.
    let r = get(
        &state,
        &query_uri(
            "SELECT statnaam FROM gemeenten WHERE statcode = $1",
            &[("params", r#"["x' OR '1'='1"]"#)],
        ),
    )
    .await;
    assert_eq!(ok_json(&r)["rows"], serde_json::json!([]));
    let body = serde_json::json!({
        "query": "SELECT statnaam FROM gemeenten WHERE ST_Intersects(geometry, ST_Point($1, $2))",
        "params": [5.1214, 52.0907],
    });
    let r = post(
        &state,
        "/sql/v1",
        "application/json",
        body.to_string().into_bytes(),
    )
    .await;
    assert_eq!(ok_json(&r)["rows"], serde_json::json!([["Utrecht"]]));
    let r = post(
        &state,
        "/sql/v1?f=csv",
        "text/plain",
        b"SELECT count(*) AS n FROM gemeenten".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(String::from_utf8_lossy(&r.body), "n\r\n26\r\n");
    let r = get(
        &state,
        &query_uri("SELECT $1", &[("params", r#"[{"a": 1}]"#)]),
    )
    .await;
    assert_problem(&r, 400, "params: parameter $1");
}

#[tokio::test]
async fn results_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let state = sql_state(dir.path(), &["gemeenten"], SqlLimits::default()).await;
    let q = "SELECT statcode, statnaam, geometry FROM gemeenten ORDER BY statcode";

    let csv = get(&state, &query_uri(q, &[("f", "csv")])).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.content_type(), "text/csv; charset=utf-8");
    let text = String::from_utf8(csv.body.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "statcode,statnaam,geometry");
    assert_eq!(lines.len(), 27);
    assert!(lines[1].contains(",\"MULTIPOLYGON (((") || lines[1].contains(",\"POLYGON (("));
    // ST_ results are geometries too: WKT.
    let centroids = get(
        &state,
        &query_uri(
            "SELECT statcode, ST_Centroid(geometry) AS c FROM gemeenten ORDER BY statcode",
            &[("f", "csv")],
        ),
    )
    .await;
    let text = String::from_utf8(centroids.body).unwrap();
    assert!(
        text.lines().nth(1).unwrap().contains(",POINT (5."),
        "{text}"
    );
    // The same by Accept.
    let by_accept = get_with(&state, &query_uri(q, &[]), &[("accept", "text/csv")]).await;
    assert_eq!(by_accept.body, csv.body);

    let gj = get_with(
        &state,
        &query_uri(q, &[]),
        &[("accept", "application/geo+json")],
    )
    .await;
    assert_eq!(gj.content_type(), "application/geo+json");
    let fc = ok_json(&gj);
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 26);
    assert_eq!(features[0]["properties"]["statcode"], lines[1][..6]);
    assert!(features[0]["properties"].get("geometry").is_none());

    let arrow = get(&state, &query_uri(q, &[("f", "arrow")])).await;
    assert_eq!(arrow.content_type(), "application/vnd.apache.arrow.stream");
    let reader =
        arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(arrow.body), None).unwrap();
    let schema = reader.schema();
    assert_eq!(schema.field(2).name(), "geometry");
    let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 26);

    let pq = get(&state, &query_uri(q, &[("f", "parquet")])).await;
    assert_eq!(pq.content_type(), "application/vnd.apache.parquet");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        bytes::Bytes::from(pq.body),
    )
    .unwrap()
    .build()
    .unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 26);
    let first = arrow::util::display::array_value_to_string(batches[0].column(0), 0).unwrap();
    assert_eq!(first, &lines[1][..6]);

    let no_geometry = get(&state, &query_uri("SELECT 1 AS one", &[("f", "geojson")])).await;
    assert_problem(&no_geometry, 400, "no geometry column");
    assert_problem(
        &get(&state, &query_uri("SELECT 1", &[("f", "xlsx")])).await,
        400,
        "not a format of this resource (available: json, csv, geojson, arrow, parquet)",
    );
    let r = get_with(
        &state,
        &query_uri("SELECT 1", &[]),
        &[("accept", "image/png")],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn errors_carry_the_parsers_position_and_explain_works() {
    let dir = tempfile::tempdir().unwrap();
    let state = sql_state(
        dir.path(),
        &["gemeenten", "laadpunten"],
        SqlLimits::default(),
    )
    .await;
    assert_problem(
        &sql(&state, "SELECT statnaam FROM gemeenten WHER statcode = 1").await,
        400,
        "found: statcode at Line: 1, Column: 37",
    );
    assert_problem(
        &sql(&state, "SELECT nope FROM gemeenten").await,
        400,
        "No field named nope",
    );
    assert_problem(&sql(&state, "SELECT * FROM nergens").await, 400, "nergens");
    assert_problem(
        &get(&state, "/sql/v1?query=SELECT+1").await,
        400,
        "not a parameter",
    );
    assert_problem(
        &get(&state, "/sql/v1").await,
        400,
        "q: the query is missing",
    );
    // EXPLAIN shows the plan, with the bbox guard in front of the exact spatial join predicate.
    let doc = ok_json(
        &sql(
            &state,
            "EXPLAIN SELECT count(*) FROM gemeenten g JOIN laadpunten l \
             ON ST_Intersects(g.geometry, l.geometry)",
        )
        .await,
    );
    let plan = doc["rows"].to_string();
    // The join runs through the R-tree (src/sql/index_join.rs), with the guard in its filter.
    assert!(plan.contains("SpatialJoinExec"), "{plan}");
    assert!(plan.contains("get_field(bbox"), "{plan}");
    assert!(plan.contains("st_intersects(geometry"), "{plan}");
}

/// Every file under `dir`, with its length.
fn files(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.push((e.path(), m.len()));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn the_attack_list_is_refused_and_nothing_is_read_or_written() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let state = sql_state(&data, &["gemeenten"], SqlLimits::default()).await;
    let before = files(&data);
    let target = dir.path().join("stolen.csv");
    let target = target.display();
    let attacks = [
        ("CREATE TABLE t AS SELECT 1", "DDL not supported"),
        (
            "CREATE EXTERNAL TABLE pw (line VARCHAR) STORED AS CSV LOCATION '/etc/passwd'",
            "DDL not supported",
        ),
        (
            "CREATE VIEW v AS SELECT * FROM gemeenten",
            "DDL not supported",
        ),
        ("DROP TABLE gemeenten", "DDL not supported"),
        (
            "INSERT INTO gemeenten SELECT * FROM gemeenten",
            "DML not supported",
        ),
        ("DELETE FROM gemeenten", "not supported"),
        ("UPDATE gemeenten SET statnaam = 'x'", "not supported"),
        (
            &format!("COPY gemeenten TO '{target}' STORED AS CSV"),
            "DML not supported",
        ),
        (
            &format!("COPY (SELECT * FROM gemeenten) TO '{target}'"),
            "DML not supported",
        ),
        ("SELECT * FROM '/etc/passwd'", "not found"),
        (
            "SELECT * FROM read_csv('/etc/passwd')",
            "table function 'read_csv' not found",
        ),
        ("SELECT * FROM read_parquet('/etc/passwd')", "not found"),
        (
            "SET datafusion.execution.batch_size = 1",
            "Statement not supported",
        ),
        ("SET TIME ZONE = 'UTC'", "not supported"),
        ("SELECT 1; DROP TABLE gemeenten", "single SQL statement"),
        ("SELECT 1; SELECT 2", "single SQL statement"),
        ("PREPARE p AS SELECT 1", "not supported"),
    ];
    for (attack, needle) in attacks {
        let r = sql(&state, attack).await;
        assert!(
            r.status.is_client_error(),
            "{attack}: {} {}",
            r.status,
            String::from_utf8_lossy(&r.body)
        );
        let detail = r.json()["detail"].as_str().unwrap().to_owned();
        assert!(detail.contains(needle), "{attack}: {detail}");
    }
    // A 10 MB query, and one just over the 64 KiB limit (URLs cannot be that long).
    let huge = format!("SELECT 1 /* {} */", "x".repeat(10 << 20));
    let r = post(&state, "/sql/v1", "text/plain", huge.into_bytes()).await;
    assert_problem(&r, 413, "larger than the query limit");
    let long = format!("SELECT 1 /* {} */", "x".repeat(70_000));
    let r = post(&state, "/sql/v1", "application/sql", long.into_bytes()).await;
    assert_problem(&r, 413, "the limit is 65536 bytes");

    assert!(!dir.path().join("stolen.csv").exists());
    assert_eq!(files(&data), before, "the data dir changed");
    // The tables are all still there and unchanged.
    let doc = ok_json(&sql(&state, "SELECT count(*) FROM gemeenten").await);
    assert_eq!(doc["rows"], serde_json::json!([[26]]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exploding_cross_join_hits_the_memory_or_time_limit_and_the_server_serves_on() {
    let dir = tempfile::tempdir().unwrap();
    let limits = SqlLimits {
        memory_bytes: 32 << 20,
        timeout: Duration::from_secs(3),
        ..SqlLimits::default()
    };
    let state = sql_state(dir.path(), &["laadpunten"], limits).await;
    // 47 million groups: more than 32 MiB, and nothing may spill to disk.
    let r = sql(
        &state,
        "SELECT count(*) FROM (SELECT a.name, b.name FROM laadpunten a, laadpunten b \
         GROUP BY a.name, b.name)",
    )
    .await;
    assert_problem(&r, 422, "memory limit of 32 MiB");
    // 319 billion rows to sum up: the time limit cancels it.
    let started = Instant::now();
    let r = sql(&state, SLOW).await;
    assert_problem(&r, 422, "time limit of 3 s");
    assert!(started.elapsed() < Duration::from_secs(10));
    let doc = ok_json(&sql(&state, "SELECT count(*) FROM laadpunten").await);
    let rows = state
        .engine
        .current(&ontsluit::catalog::DatasetId::parse("laadpunten").unwrap())
        .unwrap()
        .manifest
        .row_count;
    assert_eq!(doc["rows"][0][0], rows);
}

async fn serve_on_socket(state: SharedState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(ontsluit::serve(listener, state));
    format!("http://{addr}")
}

async fn http_sql(client: &reqwest::Client, base: &str, q: &str) -> reqwest::Response {
    client
        .get(format!("{base}{}", query_uri(q, &[])))
        .send()
        .await
        .unwrap()
}

/// 319 billion rows to sum: never finishes (a bare count(*) would be answered from statistics).
const SLOW: &str = "SELECT sum(length(a.name) + length(b.name) + length(c.name)) \
                    FROM laadpunten a, laadpunten b, laadpunten c";
const GROUPED: &str = "SELECT \"operatorName\", count(*) AS n FROM laadpunten \
                       GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_queries_at_once_while_a_slow_one_is_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let limits = SqlLimits {
        timeout: Duration::from_secs(4),
        max_concurrent: 32,
        ..SqlLimits::default()
    };
    let state = sql_state(dir.path(), &["laadpunten"], limits).await;
    let base = serve_on_socket(state).await;
    let client = reqwest::Client::new();
    let expected = http_sql(&client, &base, GROUPED)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(expected["rows"].as_array().unwrap().len(), 3);

    let slow = {
        let (client, base) = (client.clone(), base.clone());
        tokio::spawn(async move {
            let r = http_sql(&client, &base, SLOW).await;
            (r.status(), r.text().await.unwrap())
        })
    };
    let many: Vec<_> = (0..20)
        .map(|_| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                let r = http_sql(&client, &base, GROUPED).await;
                (r.status(), r.json::<serde_json::Value>().await.unwrap())
            })
        })
        .collect();
    for task in many {
        let (status, doc) = task.await.unwrap();
        assert_eq!(status, reqwest::StatusCode::OK, "{doc}");
        assert_eq!(doc["rows"], expected["rows"]);
    }
    let (status, text) = slow.await.unwrap();
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("cancelled"), "{text}");
    // Healthy afterwards: the OGC API and SQL answer.
    let landing = client.get(format!("{base}/ogc/v1")).send().await.unwrap();
    assert_eq!(landing.status(), reqwest::StatusCode::OK);
    let again = http_sql(&client, &base, GROUPED).await;
    assert_eq!(again.status(), reqwest::StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_concurrency_cap_is_503_and_a_dropped_client_frees_its_slot() {
    let dir = tempfile::tempdir().unwrap();
    let limits = SqlLimits {
        timeout: Duration::from_secs(120),
        max_concurrent: 1,
        ..SqlLimits::default()
    };
    let state = sql_state(dir.path(), &["laadpunten"], limits).await;
    let base = serve_on_socket(state).await;
    let client = reqwest::Client::new();
    let slow = {
        let (client, base) = (client.clone(), base.clone());
        tokio::spawn(async move { http_sql(&client, &base, SLOW).await.status() })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The status says why: the one slot is taken, by a query holding its cross join's input.
    let status = client
        .get(format!("{base}/sql/v1/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(status.headers()["cache-control"], "no-store");
    let status: serde_json::Value = status.json().await.unwrap();
    assert_eq!(
        (status["running"].as_u64(), status["maxConcurrent"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(
        status["memoryReservedBytes"].as_u64().unwrap() > 0,
        "{status}"
    );
    assert_eq!(status["memoryLimitBytesPerQuery"], 512 * 1024 * 1024);
    let r = http_sql(&client, &base, "SELECT 1").await;
    assert_eq!(r.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // The client gives up: the server drops the query (not just the answer), freeing the slot
    // long before the 120 s time limit.
    slow.abort();
    let started = Instant::now();
    loop {
        let r = http_sql(&client, &base, "SELECT 1").await;
        if r.status() == reqwest::StatusCode::OK {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the slot was not freed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status: serde_json::Value = client
        .get(format!("{base}/sql/v1/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["running"], 0, "{status}");
}

#[tokio::test]
async fn spatial_joins_use_the_boxes_and_views_are_collections_and_tables() {
    let dir = tempfile::tempdir().unwrap();
    let state = sql_state(dir.path(), SPATIAL, SqlLimits::default()).await;
    // Charging locations per municipality, live.
    let live = ok_json(
        &sql(
            &state,
            "SELECT g.statcode, count(*) AS n FROM gemeenten g \
             JOIN laadpunten l ON ST_Intersects(g.geometry, l.geometry) \
             GROUP BY g.statcode ORDER BY g.statcode",
        )
        .await,
    );
    let live = live["rows"].as_array().unwrap().clone();
    assert!(live.len() > 20, "{live:?}");
    // Every location lies in at most one municipality (boundaries aside).
    let total: i64 = live.iter().map(|r| r[1].as_i64().unwrap()).sum();
    assert!(total > 6000 && total <= 6834, "{total}");
    // The materialised view holds the same counts (0 for municipalities without a location).
    let view = ok_json(
        &sql(
            &state,
            "SELECT statcode, laadlocaties FROM laadpunten_per_gemeente \
             WHERE laadlocaties > 0 ORDER BY statcode",
        )
        .await,
    );
    assert_eq!(view["rows"].as_array().unwrap(), &live);
    // The view is an OGC API collection too, with geometry.
    let items = get(
        &state,
        "/ogc/v1/collections/laadpunten_per_gemeente/items?statcode=GM0344",
    )
    .await;
    let fc = ok_json(&items);
    let utrecht = &fc["features"][0];
    assert_eq!(utrecht["id"], "GM0344");
    assert_eq!(utrecht["properties"]["statnaam"], "Utrecht");
    let n = live.iter().find(|r| r[0] == "GM0344").unwrap()[1].clone();
    assert_eq!(utrecht["properties"]["laadlocaties"], n);
    assert!(utrecht["geometry"]["type"].is_string());
    // And listed as a table.
    let tables = ok_json(&get(&state, "/sql/v1/tables").await);
    let t = tables["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "kerncijfers_gemeenten_kaart")
        .unwrap()
        .clone();
    assert_eq!(t["kind"], "view");
    assert_eq!(t["rows"], 26);
    let columns: Vec<&str> = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        [
            "id",
            "statcode",
            "statnaam",
            "inwoners",
            "gemiddeld_inkomen",
            "gemiddelde_woz_waarde",
            "werkloosheid_pct",
            "geometry",
            "bbox"
        ]
    );
}

#[tokio::test]
async fn an_unchanged_view_is_skipped_and_a_changed_input_recomputes_it() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = repo_catalog();
    ingest_all(&catalog, dir.path(), SPATIAL);
    let store = Store::new(dir.path());
    let view = catalog.dataset("kerncijfers_gemeenten_kaart").unwrap();
    assert!(matches!(
        jobs::ingest_view(&catalog, view, &store, false).unwrap(),
        Outcome::Unchanged { version: 1 }
    ));
    // A new version of an input (forced) with the same data keeps the view: same data checksum.
    let gemeenten = catalog.dataset("gemeenten").unwrap();
    ingest::ingest(gemeenten, &store, true, &|_, _| {}).unwrap();
    assert!(matches!(
        jobs::ingest_view(&catalog, view, &store, false).unwrap(),
        Outcome::Unchanged { .. }
    ));
    // A changed query is a new version.
    let text = std::fs::read_to_string(&catalog.file)
        .unwrap()
        .replace(
            "sources_dir = \"../shared/data\"",
            &format!("sources_dir = {:?}", shared_data().to_string_lossy()),
        )
        .replace(
            "k._unemp_pct AS werkloosheid_pct",
            "k._unemp_pct * 1 AS werkloosheid_pct",
        );
    let changed = Catalog::parse(&dir.path().join("catalog.toml"), &text).unwrap();
    let view = changed.dataset("kerncijfers_gemeenten_kaart").unwrap();
    assert!(matches!(
        jobs::ingest_view(&changed, view, &store, false).unwrap(),
        Outcome::Written {
            version: 2,
            rows: 26,
            ..
        }
    ));
    // A view is not ingested as a source.
    let e = ingest::ingest(view, &store, false, &|_, _| {}).unwrap_err();
    assert!(e.to_string().contains("is a [[view]]"), "{e}");
}

#[test]
fn catalog_views_are_validated_with_file_line_and_field() {
    let view = |rest: &str| dataset_entry("v", rest).replace("[[dataset]]", "[[view]]");
    let cases = [
        (
            view("sql = \"SELECT 1 AS a\"\nsource = { path = \"x.geojson\" }"),
            "source: a `[[view]]` is computed by its `sql`",
        ),
        (view(""), "sql: a view needs its `sql` query"),
        (view("sql = \" \""), "sql: must not be empty"),
        (
            dataset_entry("d", "sql = \"SELECT 1\"\nsource = { path = \"x.geojson\" }"),
            "sql: only a `[[view]]` has `sql`",
        ),
        (dataset_entry("d", ""), "source: a dataset needs a `source`"),
    ];
    for (entry, needle) in cases {
        let text = format!(
            "{CATALOG_HEAD}{}{entry}",
            dataset_entry("base", "source = { path = \"b.geojson\" }")
        );
        let e = Catalog::parse(Path::new("catalog.toml"), &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains(needle), "{needle}: {e}");
        assert!(e.starts_with("catalog.toml:"), "{e}");
    }
}

#[tokio::test]
async fn the_bbox_guard_changes_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let state = sql_state(
        dir.path(),
        &["gemeenten", "laadpunten", "rustpunten"],
        SqlLimits::default(),
    )
    .await;
    // Wrapping a geometry in ST_GeomFromWKB hides its bbox column from the rewrite: the same
    // join without the guard must give the same answer.
    let pairs = [
        (
            "SELECT g.statcode, count(*) FROM gemeenten g JOIN laadpunten l \
             ON ST_Within(l.geometry, g.geometry) GROUP BY 1 ORDER BY 1",
            "SELECT g.statcode, count(*) FROM gemeenten g JOIN laadpunten l \
             ON ST_Within(ST_GeomFromWKB(l.geometry), g.geometry) GROUP BY 1 ORDER BY 1",
        ),
        (
            "SELECT r.id, count(l.id) FROM rustpunten r LEFT JOIN laadpunten l \
             ON ST_DWithin(r.geometry, l.geometry, 0.02) GROUP BY 1 ORDER BY 1",
            "SELECT r.id, count(l.id) FROM rustpunten r LEFT JOIN laadpunten l \
             ON ST_DWithin(ST_GeomFromWKB(r.geometry), l.geometry, 0.02) GROUP BY 1 ORDER BY 1",
        ),
    ];
    for (guarded, plain) in pairs {
        let plan = ok_json(&sql(&state, &format!("EXPLAIN {guarded}")).await).to_string();
        assert!(plan.contains("get_field(bbox"), "{plan}");
        let plan = ok_json(&sql(&state, &format!("EXPLAIN {plain}")).await).to_string();
        assert!(!plan.contains("get_field(bbox"), "{plan}");
        let a = ok_json(&sql(&state, guarded).await)["rows"].clone();
        let b = ok_json(&sql(&state, plain).await)["rows"].clone();
        assert_eq!(a, b, "{guarded}");
        let total: i64 = a
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[1].as_i64().unwrap())
            .sum();
        assert!(total > 100, "{guarded}: {a}");
    }
}

/// Queries over small tables plan for one partition: no repartitioning and no merge of
/// partitions, which cost more than they gain on a few thousand rows. Past `serial_rows` the
/// same query plans in parallel. The answers are the same either way.
#[tokio::test]
async fn small_queries_plan_for_one_partition_and_large_ones_in_parallel() {
    let q = "SELECT gemeente, count(*) AS n FROM laadpunten GROUP BY gemeente ORDER BY gemeente";
    let mut answers = Vec::new();
    for (serial_rows, parallel) in [(1_000_000, false), (0, true)] {
        let dir = tempfile::tempdir().unwrap();
        let limits = SqlLimits {
            serial_rows,
            ..SqlLimits::default()
        };
        let state = sql_state(dir.path(), &["laadpunten"], limits).await;
        let plan = ok_json(&sql(&state, &format!("EXPLAIN {q}")).await)["rows"].to_string();
        let repartitions = plan.contains("RepartitionExec");
        assert_eq!(repartitions, parallel, "serial_rows {serial_rows}: {plan}");
        // Twice: the second run plans from the cached logical plan.
        for _ in 0..2 {
            answers.push(ok_json(&sql(&state, q).await)["rows"].clone());
        }
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
    assert!(answers[0].as_array().is_some_and(|rows| rows.len() > 1));
}

/// A query over small tables keeps its physical plan and runs a reset copy of it each time:
/// repeated runs of joins, a spatial index join, a top-k, an aggregate and an index scan give
/// the answer of the first run, and the answers equal those planned in parallel (nothing
/// kept).
#[tokio::test]
async fn kept_physical_plans_run_again_with_the_same_answers() {
    let queries = [
        "SELECT gemeente, count(*) AS n, max(\"maxPowerKw\") AS m FROM laadpunten \
         GROUP BY gemeente ORDER BY n DESC, gemeente LIMIT 5",
        "SELECT g.statcode, count(*) AS n FROM gemeenten g JOIN laadpunten l \
         ON l.gemeente = g.statnaam GROUP BY g.statcode ORDER BY g.statcode",
        "SELECT g.statcode, count(*) AS n FROM gemeenten g JOIN laadpunten l \
         ON ST_Intersects(g.geometry, l.geometry) GROUP BY g.statcode ORDER BY g.statcode",
        "SELECT statcode FROM gemeenten WHERE ST_Contains(geometry, ST_Point(5.1214, 52.0907))",
        "SELECT \"name\" FROM laadpunten ORDER BY \"name\" DESC LIMIT 3",
    ];
    let mut answers: Vec<Vec<serde_json::Value>> = vec![Vec::new(); queries.len()];
    for serial_rows in [1_000_000, 0] {
        let dir = tempfile::tempdir().unwrap();
        let limits = SqlLimits {
            serial_rows,
            ..SqlLimits::default()
        };
        let state = sql_state(dir.path(), &["gemeenten", "laadpunten"], limits).await;
        for (q, seen) in queries.iter().zip(&mut answers) {
            for _ in 0..3 {
                seen.push(ok_json(&sql(&state, q).await)["rows"].clone());
            }
        }
    }
    for (q, seen) in queries.iter().zip(&answers) {
        assert!(seen.windows(2).all(|w| w[0] == w[1]), "{q}: {seen:?}");
        assert!(
            seen[0].as_array().is_some_and(|rows| !rows.is_empty()),
            "{q}: {:?}",
            seen[0]
        );
    }
}
