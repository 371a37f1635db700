//! The memory the SQL endpoint holds right now, over all running queries.
//!
//! Each query has a pool of its own (its limit is per query); [`Counted`] wraps every one and
//! keeps a process-wide sum of their reservations, so that the server can say what SQL holds
//! at any moment (`GET /sql/v1/status`) and a benchmark can tell SQL memory from the rest.

use std::sync::atomic::{AtomicUsize, Ordering};

use datafusion::common::Result;
use datafusion::execution::memory_pool::{
    MemoryConsumer, MemoryLimit, MemoryPool, MemoryReservation,
};

/// Bytes reserved by all queries' pools together.
static RESERVED: AtomicUsize = AtomicUsize::new(0);

/// What the running SQL queries have reserved, in bytes.
pub fn reserved_bytes() -> usize {
    RESERVED.load(Ordering::Relaxed)
}

/// A pool that adds what it grants to, and subtracts what it gets back from, a total
/// ([`RESERVED`] for every query's pool).
#[derive(Debug)]
pub struct Counted<P> {
    pool: P,
    total: &'static AtomicUsize,
}

impl<P> Counted<P> {
    /// `pool`, counted into the SQL endpoint's total.
    pub fn new(pool: P) -> Self {
        Counted {
            pool,
            total: &RESERVED,
        }
    }
}

impl<P: std::fmt::Display> std::fmt::Display for Counted<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.pool.fmt(f)
    }
}

impl<P: MemoryPool> MemoryPool for Counted<P> {
    fn name(&self) -> &str {
        self.pool.name()
    }

    fn register(&self, consumer: &MemoryConsumer) {
        self.pool.register(consumer)
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        self.pool.unregister(consumer)
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        self.pool.grow(reservation, additional);
        self.total.fetch_add(additional, Ordering::Relaxed);
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        self.pool.shrink(reservation, shrink);
        self.total.fetch_sub(shrink, Ordering::Relaxed);
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        self.pool.try_grow(reservation, additional)?;
        self.total.fetch_add(additional, Ordering::Relaxed);
        Ok(())
    }

    fn reserved(&self) -> usize {
        self.pool.reserved()
    }

    fn memory_limit(&self) -> MemoryLimit {
        self.pool.memory_limit()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::execution::memory_pool::GreedyMemoryPool;

    use super::*;

    #[test]
    fn the_total_follows_every_pool_and_refusals_add_nothing() {
        static TOTAL: AtomicUsize = AtomicUsize::new(0);
        let counted = |limit| -> Arc<dyn MemoryPool> {
            Arc::new(Counted {
                pool: GreedyMemoryPool::new(limit),
                total: &TOTAL,
            })
        };
        let (a, b) = (counted(1000), counted(1000));
        let ra = MemoryConsumer::new("a").register(&a);
        let rb = MemoryConsumer::new("b").register(&b);
        ra.grow(300);
        rb.try_grow(500).unwrap();
        assert!(rb.try_grow(600).is_err(), "over b's limit");
        assert_eq!(TOTAL.load(Ordering::Relaxed), 800);
        ra.shrink(100);
        drop(rb);
        assert_eq!((a.reserved(), b.reserved()), (200, 0));
        assert_eq!(TOTAL.load(Ordering::Relaxed), 200);
        drop(ra);
        assert_eq!(TOTAL.load(Ordering::Relaxed), 0);
    }
}
