//! The SQL memory limit against the real server's memory: the binary serves, queries that would
//! take gigabytes run several at once, and its resident memory (from `/proc`) is watched.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ontsluit");

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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
    let status = Command::new(BIN)
        .args(["ingest", "--catalog"])
        .arg(&catalog)
        .arg("--data-dir")
        .arg(&data)
        .arg("gemeenten")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(BIN)
        .args(["serve", "--catalog"])
        .arg(&catalog)
        .arg("--data-dir")
        .arg(&data)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(["--sql-memory-mib", &LIMIT_MIB.to_string()])
        .args(["--sql-timeout", "120"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let pid = child.id();
    let _server = Server(child);
    BufReader::new(stdout)
        .read_line(&mut String::new())
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
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
