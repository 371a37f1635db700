//! What the direct reader has read of a version's file: row groups opened, bytes fetched and
//! pages read through a sort index.
//!
//! Counted on the file itself (a `ChunkReader` around it), so the figures are what left the disk
//! cache, not what the reader meant to read: the tests prove with them that a small box reads a
//! few pages of a few row groups, and operators can see how much a version costs to serve.

use std::fs::File;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use parquet::file::reader::{ChunkReader, Length};

/// Running totals for one version (clones share them).
#[derive(Debug, Default, Clone)]
pub struct ReadCounts {
    groups: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
    indexed: Arc<AtomicU64>,
}

/// A snapshot of [`ReadCounts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reads {
    pub row_groups: u64,
    pub bytes: u64,
    /// Sorted pages read through a sort index (`engine::indexed`).
    pub indexed_pages: u64,
}

impl ReadCounts {
    pub fn get(&self) -> Reads {
        Reads {
            row_groups: self.groups.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            indexed_pages: self.indexed.load(Ordering::Relaxed),
        }
    }

    /// Notes a sorted page read through a sort index.
    pub fn indexed_page(&self) {
        self.indexed.fetch_add(1, Ordering::Relaxed);
    }

    /// Notes `n` row groups opened.
    pub fn opened(&self, n: usize) {
        self.groups.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// `file`, with every byte read from it counted here.
    pub fn counted(&self, file: File) -> CountedFile {
        CountedFile {
            file,
            bytes: self.bytes.clone(),
        }
    }
}

/// A file whose reads are counted.
pub struct CountedFile {
    file: File,
    bytes: Arc<AtomicU64>,
}

impl CountedFile {
    pub fn try_clone(&self) -> std::io::Result<CountedFile> {
        Ok(CountedFile {
            file: self.file.try_clone()?,
            bytes: self.bytes.clone(),
        })
    }
}

impl Length for CountedFile {
    fn len(&self) -> u64 {
        self.file.len()
    }
}

impl ChunkReader for CountedFile {
    type T = CountedRead<<File as ChunkReader>::T>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(CountedRead {
            inner: self.file.get_read(start)?,
            bytes: self.bytes.clone(),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.bytes.fetch_add(length as u64, Ordering::Relaxed);
        self.file.get_bytes(start, length)
    }
}

pub struct CountedRead<R> {
    inner: R,
    bytes: Arc<AtomicU64>,
}

impl<R: Read> Read for CountedRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}
