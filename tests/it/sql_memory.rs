//! The SQL memory limit against the real server's memory: the binary serves, queries that would
//! take gigabytes run several at once, and its resident memory (from `/proc`) is watched.

use std::time::{Duration, Instant};

use crate::common::{Server, ingest_with_binary};

/// The resident memory of a process, in MiB.
fn rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024
}

async fn post(client: &reqwest::Client, base: &str, q: &str) -> (u16, String, Duration) {
    let started = Instant::now();
    let r = client
        .post(format!("{base}/sql/v1"))
        .header("content-type", "text/plain")
        .body(q.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.text().await.unwrap(), started.elapsed())
}

/// Nine municipalities tables crossed, no column used: the left side of the top cross join is a
/// product of 26^8 rows in batches without columns, which DataFusion charges nothing; before
/// the fix each such query took gigabytes until its time limit, and kept most of it.
fn exploding_cross_join() -> String {
    let tables: Vec<String> = (0..9).map(|i| format!("gemeenten t{i}")).collect();
    format!("SELECT max(random()) FROM {}", tables.join(", "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_joins_at_once_stay_within_their_memory_limits_and_give_the_memory_back() {
    const LIMIT_MIB: u64 = 192;
    const QUERIES: u64 = 3;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let catalog = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("catalog.toml");
    ingest_with_binary(&catalog, &data, &["gemeenten"]);
    let limit = LIMIT_MIB.to_string();
    let server = Server::start(
        &catalog,
        &data,
        &["--sql-memory-mib", &limit, "--sql-timeout", "120"],
    );
    let (pid, base) = (server.pid(), server.base.clone());
    let client = reqwest::Client::new();

    // Idle: after a first query, which sets up what every query shares.
    let (status, body, _) = post(&client, &base, "SELECT count(*) FROM gemeenten").await;
    assert_eq!(status, 200, "{body}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss_mib(pid);

    let bound = idle + QUERIES * LIMIT_MIB + 100;
    let queries: Vec<_> = (0..QUERIES)
        .map(|_| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move { post(&client, &base, &exploding_cross_join()).await })
        })
        .collect();
    let mut peak = idle;
    while !queries.iter().all(|q| q.is_finished()) {
        peak = peak.max(rss_mib(pid));
        assert!(
            peak < bound,
            "{peak} MiB resident with {QUERIES} queries of {LIMIT_MIB} MiB running, idle {idle} MiB"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for q in queries {
        let (status, body, took) = q.await.unwrap();
        assert_eq!(status, 422, "{body}");
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("memory limit of {LIMIT_MIB} MiB"))
                && detail.contains("cross join"),
            "{detail}"
        );
        // Refused by the memory limit, not cancelled by the (here two-minute) time limit.
        assert!(took < Duration::from_secs(60), "{took:?}");
    }

    // What the queries freed goes back to the system.
    let started = Instant::now();
    let mut after = rss_mib(pid);
    while after > idle + 150 && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        after = rss_mib(pid);
    }
    assert!(
        after <= idle + 150,
        "{after} MiB resident after the queries, idle {idle} MiB (peak {peak} MiB)"
    );
    let (status, body, _) = post(&client, &base, "SELECT count(*) FROM gemeenten").await;
    assert_eq!(status, 200, "{body}");
}
