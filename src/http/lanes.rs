//! Serving connections in lanes: a thread per core, each with a single-threaded runtime that
//! owns the connections it is given, the way nginx and actix-web serve.
//!
//! On Tokio's work-stealing runtime a keep-alive request of a cached document (50–80 µs in all)
//! spent most of its time in the kernel (62 % of the landing page's time under `perf`): the
//! workers wake each other to share out ready tasks, a futex wake-up and a context switch or
//! two per request. A lane never hands a connection's work to another thread: `epoll_wait`, the
//! read, the handler and the write happen on one thread (the landing page went from about 24 000
//! to 40 000 requests a second; docs/architecture.md has the figures).
//!
//! The accept loop deals connections to the lanes in turn. A lane's handlers run on its one
//! thread; blocking reads go to its blocking pool as before. Work that should use every core, an
//! SQL plan over several partitions, is handed by the SQL service to the process's
//! multi-threaded runtime (`sql::SqlService`); OGC reads plan for one partition anyway.

use std::future::Future;

use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

/// Serves `service` on `listener` in `lanes` threads until `shutdown` completes, then lets open
/// connections finish their current request.
pub async fn serve(
    listener: TcpListener,
    service: Router,
    lanes: usize,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut senders = Vec::new();
    let mut threads = Vec::new();
    for lane in 0..lanes.max(1) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (service, stop) = (service.clone(), stop_rx.clone());
        let thread = std::thread::Builder::new()
            .name(format!("ontsluit-lane-{lane}"))
            .spawn(move || run_lane(rx, service, stop))?;
        senders.push(tx);
        threads.push(thread);
    }
    let mut shutdown = std::pin::pin!(shutdown);
    let mut next = 0;
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => tcp,
            // Out of file descriptors and the like: wait, as axum::serve does, not spin.
            Err(e) => {
                tracing::warn!(error = %e, "accepting a connection");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        // Pages stream in several body chunks: without TCP_NODELAY, Nagle's algorithm and
        // delayed ACKs stall each keep-alive request by tens of milliseconds.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!(error = %e, "cannot set TCP_NODELAY");
        }
        let tcp = match tcp.into_std() {
            Ok(tcp) => tcp,
            Err(e) => {
                tracing::warn!(error = %e, "handing a connection to a lane");
                continue;
            }
        };
        if senders[next].send(tcp).is_err() {
            return Err(std::io::Error::other("a serving lane stopped"));
        }
        next = (next + 1) % senders.len();
    }
    let _ = stop_tx.send(true);
    drop(senders);
    tokio::task::spawn_blocking(move || {
        for thread in threads {
            let _ = thread.join();
        }
    })
    .await
    .map_err(std::io::Error::other)
}

/// One lane: serves the connections it receives until it is told to stop and they are done.
fn run_lane(
    mut incoming: mpsc::UnboundedReceiver<std::net::TcpStream>,
    service: Router,
    stop: watch::Receiver<bool>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "cannot start a serving lane");
            return;
        }
    };
    runtime.block_on(async move {
        // Each connection holds a clone; `recv` returns `None` once all are dropped.
        let (open_tx, mut open_rx) = mpsc::channel::<()>(1);
        while let Some(tcp) = incoming.recv().await {
            let tcp = match tokio::net::TcpStream::from_std(tcp) {
                Ok(t) => t,
                Err(e) => {
                    tracing::warn!(error = %e, "registering a connection");
                    continue;
                }
            };
            tokio::spawn(connection(
                tcp,
                service.clone(),
                stop.clone(),
                open_tx.clone(),
            ));
        }
        drop(open_tx);
        let _ = open_rx.recv().await;
    });
}

async fn connection(
    tcp: tokio::net::TcpStream,
    service: Router,
    mut stop: watch::Receiver<bool>,
    _open: mpsc::Sender<()>,
) {
    let conn = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tcp), TowerToHyperService::new(service));
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::trace!(error = %e, "connection ended");
            }
            return;
        }
        // Told to stop, or the server is gone: either way, close after the current request.
        _ = stop.changed() => {}
    }
    conn.as_mut().graceful_shutdown();
    let _ = conn.as_mut().await;
}
