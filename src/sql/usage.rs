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

/// A pool that adds what it grants to, and subtracts what it gets back from, [`RESERVED`].
#[derive(Debug)]
pub struct Counted<P>(pub P);

impl<P: std::fmt::Display> std::fmt::Display for Counted<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<P: MemoryPool> MemoryPool for Counted<P> {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn register(&self, consumer: &MemoryConsumer) {
        self.0.register(consumer)
    }

    fn unregister(&self, consumer: &MemoryConsumer) {
        self.0.unregister(consumer)
    }

    fn grow(&self, reservation: &MemoryReservation, additional: usize) {
        self.0.grow(reservation, additional);
        RESERVED.fetch_add(additional, Ordering::Relaxed);
    }

    fn shrink(&self, reservation: &MemoryReservation, shrink: usize) {
        self.0.shrink(reservation, shrink);
        RESERVED.fetch_sub(shrink, Ordering::Relaxed);
    }

    fn try_grow(&self, reservation: &MemoryReservation, additional: usize) -> Result<()> {
        self.0.try_grow(reservation, additional)?;
        RESERVED.fetch_add(additional, Ordering::Relaxed);
        Ok(())
    }

    fn reserved(&self) -> usize {
        self.0.reserved()
    }

    fn memory_limit(&self) -> MemoryLimit {
        self.0.memory_limit()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::execution::memory_pool::GreedyMemoryPool;

    use super::*;

    #[test]
    fn the_sum_follows_every_pool_and_refusals_add_nothing() {
        let before = reserved_bytes();
        let a: Arc<dyn MemoryPool> = Arc::new(Counted(GreedyMemoryPool::new(1000)));
        let b: Arc<dyn MemoryPool> = Arc::new(Counted(GreedyMemoryPool::new(1000)));
        let mut ra = MemoryConsumer::new("a").register(&a);
        let mut rb = MemoryConsumer::new("b").register(&b);
        ra.grow(300);
        rb.try_grow(500).unwrap();
        assert!(rb.try_grow(600).is_err(), "over b's limit");
        // Other tests run queries at the same time: compare with a floor, not exactly.
        assert!(reserved_bytes() >= before + 800);
        ra.shrink(100);
        drop(rb);
        assert_eq!((a.reserved(), b.reserved()), (200, 0));
        drop(ra);
        assert_eq!(a.reserved(), 0);
    }
}
