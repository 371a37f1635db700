//! Serving lanes (`http::lanes`) over real sockets: connections are dealt to the lanes in turn
//! and stay on theirs; shutdown lets a request in flight finish, then `serve` returns.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The name of the thread that ran the handler.
async fn thread_name() -> String {
    std::thread::current().name().unwrap_or("?").to_owned()
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(400)).await;
    "done"
}

fn router() -> Router {
    Router::new()
        .route("/thread", get(thread_name))
        .route("/slow", get(slow))
}

/// One keep-alive HTTP/1.1 request on `conn`; the body of a `Content-Length` response.
async fn request(conn: &mut TcpStream, path: &str) -> String {
    let head = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    conn.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    loop {
        let mut chunk = [0u8; 1024];
        let n = conn.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "connection closed early: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .expect("a content length")
                .trim()
                .parse()
                .unwrap();
            if buf.len() >= end + 4 + length {
                assert!(text.starts_with("HTTP/1.1 200"), "{text}");
                return text[end + 4..end + 4 + length].to_owned();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_dealt_to_lanes_in_turn_and_stay_there() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ontsluit::http::lanes::serve(listener, router(), 3, async {
        let _ = stopped.await;
    }));
    let mut conns = Vec::new();
    for _ in 0..6 {
        let mut conn = TcpStream::connect(addr).await.unwrap();
        // Served before the next connection is made, so the accept order is the connect order.
        let first = request(&mut conn, "/thread").await;
        conns.push((conn, first));
    }
    let lanes: Vec<&str> = conns.iter().map(|(_, lane)| lane.as_str()).collect();
    assert_eq!(
        lanes,
        [
            "ontsluit-lane-0",
            "ontsluit-lane-1",
            "ontsluit-lane-2",
            "ontsluit-lane-0",
            "ontsluit-lane-1",
            "ontsluit-lane-2"
        ]
    );
    for (conn, lane) in &mut conns {
        for _ in 0..3 {
            assert_eq!(&request(conn, "/thread").await, lane);
        }
    }
    drop(conns);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("serve returns after shutdown")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_request_in_flight_and_closes_idle_connections() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ontsluit::http::lanes::serve(listener, router(), 2, async {
        let _ = stopped.await;
    }));
    let mut idle = TcpStream::connect(addr).await.unwrap();
    request(&mut idle, "/thread").await;
    let mut busy = TcpStream::connect(addr).await.unwrap();
    let in_flight = tokio::spawn(async move { request(&mut busy, "/slow").await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.send(()).unwrap();
    assert_eq!(in_flight.await.unwrap(), "done");
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("serve returns once the connections are done")
        .unwrap()
        .unwrap();
    // The idle keep-alive connection was closed by the server: a read sees its end.
    let mut rest = Vec::new();
    let n = tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut rest))
        .await
        .expect("the idle connection is closed")
        .unwrap();
    assert_eq!(n, 0);
    // No new connections are served.
    assert!(TcpStream::connect(addr).await.is_err());
}
