//! Giving the memory a query freed back to the operating system.
//!
//! glibc's malloc keeps freed memory for reuse, and returns it only from the top of a heap. A
//! query that makes millions of small allocations (a join's held batches, each with its own
//! `Arc<Schema>`) leaves its heaps fragmented by the few allocations that outlive it, so almost
//! nothing is returned: a cross join cancelled at its memory limit left 1.3 GB resident in a
//! 150 MB server, more after each repeat, although every byte of it had been freed.
//! `malloc_trim(0)` walks glibc's arenas and returns every whole free page, also in the middle
//! of a heap, which brings the server back to within a few tens of MB of idle.
//!
//! The trim runs once the query's memory pool is empty, i.e. once every reservation has been
//! dropped: a cancelled query's tasks are dropped by tokio a moment after its stream. What a
//! reservation covered can be freed a little after it (a join drops its input's stream, and so
//! our charge, before the `Vec` of batches it collected), so a second trim follows a moment
//! later; measured with three cancelled queries, the first alone left 60-85 MB above idle. The
//! trims run on the blocking pool, off the request's path, one at a time. Elsewhere than on
//! glibc this does nothing.
//!
//! Trims are shared: queries that end while a round of trims is pending are served by it (or
//! by the next round, which starts when any ended during the round). Under load that is two
//! trims every second or so, not two per query: a trim per query kept a core busy walking
//! the arenas and unmapping pages that the next query faulted back in (the top costs in a
//! profile of small queries at 600 a second).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use datafusion::execution::memory_pool::MemoryPool;

/// How long to wait for a query's pool to empty before trimming anyway.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);
const DRAIN_POLL: Duration = Duration::from_millis(20);
/// After the pool is empty: until the first trim, and from it to the second.
const SETTLE: [Duration; 2] = [Duration::from_millis(100), Duration::from_secs(1)];

/// Trims the allocator's free memory once `pool` (the finished query's) is empty.
pub fn after_query(pool: Arc<dyn MemoryPool>) {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        return;
    }
    tokio::spawn(async move {
        let waited = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while pool.reserved() > 0 {
                tokio::time::sleep(DRAIN_POLL).await;
            }
        })
        .await;
        drop(pool);
        if waited.is_err() {
            tracing::warn!("an SQL query's memory pool did not empty within 10 s; trimming anyway");
        }
        ENDED.fetch_add(1, Ordering::SeqCst);
        trim_rounds().await;
    });
}

/// Queries whose memory has been released (counted, so that a round knows whether more ended).
static ENDED: AtomicU64 = AtomicU64::new(0);
/// Trims after a large read that is not an SQL query (a sorted page over millions of rows, a
/// page of thousands of features, versions opened), sharing rounds with the queries: what such
/// a read freed would otherwise stay resident until the next SQL query trims.
pub fn after_read() {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        return;
    }
    ENDED.fetch_add(1, Ordering::SeqCst);
    tokio::spawn(trim_rounds());
}

/// Whether a round of trims is under way.
static ROUNDS: AtomicBool = AtomicBool::new(false);

/// Runs rounds of trims until a round ends with no query ended during it; returns at once if
/// rounds are already under way (they will see this query).
async fn trim_rounds() {
    if ROUNDS.swap(true, Ordering::SeqCst) {
        return;
    }
    loop {
        let seen = ENDED.load(Ordering::SeqCst);
        for settle in SETTLE {
            tokio::time::sleep(settle).await;
            let _ = tokio::task::spawn_blocking(trim).await;
        }
        if ENDED.load(Ordering::SeqCst) != seen {
            continue;
        }
        ROUNDS.store(false, Ordering::SeqCst);
        // A query that ended after the check, while rounds still seemed under way, is taken
        // by a new round (unless another task already started one).
        if ENDED.load(Ordering::SeqCst) == seen || ROUNDS.swap(true, Ordering::SeqCst) {
            return;
        }
    }
}

/// Returns the allocator's whole free pages to the operating system.
fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// One at a time: two trims at once would only contend for the arenas' locks.
        static TRIMMING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = TRIMMING.lock();
        let started = std::time::Instant::now();
        // SAFETY: malloc_trim takes no pointers; it only walks glibc's own free lists, under
        // the arenas' locks.
        unsafe {
            libc::malloc_trim(0);
        }
        tracing::debug!(elapsed = ?started.elapsed(), "malloc_trim after a large read");
    }
}
