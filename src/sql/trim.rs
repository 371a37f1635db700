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

use std::sync::Arc;
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
        for settle in SETTLE {
            tokio::time::sleep(settle).await;
            let _ = tokio::task::spawn_blocking(trim).await;
        }
    });
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
        tracing::debug!(elapsed = ?started.elapsed(), "malloc_trim after an SQL query");
    }
}
