//! The id index of a version (`ids.idx` beside `data.parquet`): where each feature id is stored,
//! kept on disk so that a served version holds no per-feature state in memory.
//!
//! Format: the magic `ONSIDX01`, the entry count (u64), then one 16-byte entry per feature,
//! sorted: the id's [`id_hash`] (u64), its row group (u32) and row within it (u32), all
//! little-endian. A reader keeps every [`BLOCK`]th hash in memory (a fence: well under a byte per
//! feature) and reads the one block an id can be in with a single positioned read. Hashes may
//! collide: a lookup yields candidates, and the caller checks the id of the row it reads.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

const MAGIC: &[u8; 8] = b"ONSIDX01";
const HEADER: u64 = 16;
const ENTRY: usize = 16;
/// Entries per block: one 4 KiB read finds an id.
pub const BLOCK: usize = 256;

/// A stable 64-bit hash of an id's text (FNV-1a with a final avalanche): fixed here, not taken
/// from the standard library, whose hasher may change between Rust releases.
pub fn id_hash(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // splitmix64's finaliser: FNV's low bits are weak for short keys.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// One feature's place: (id hash, row group, row within the group).
pub type Entry = (u64, u32, u32);

/// Sorts `entries` and writes them as an index file.
pub fn write(path: &Path, entries: &mut [Entry]) -> std::io::Result<()> {
    entries.sort_unstable();
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    w.write_all(MAGIC)?;
    w.write_all(&(entries.len() as u64).to_le_bytes())?;
    for (h, g, r) in entries.iter() {
        w.write_all(&h.to_le_bytes())?;
        w.write_all(&g.to_le_bytes())?;
        w.write_all(&r.to_le_bytes())?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// Where the entries are: the file, or (for versions written before the file existed) memory.
#[derive(Debug)]
enum Entries {
    File {
        file: File,
        count: usize,
        fence: Vec<u64>,
    },
    Memory(Vec<Entry>),
}

/// A version's id → (row group, row) lookup.
#[derive(Debug)]
pub struct IdIndex(Entries);

impl Default for IdIndex {
    fn default() -> Self {
        IdIndex(Entries::Memory(Vec::new()))
    }
}

fn invalid(path: &Path, why: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("{}: {why}", path.display()),
    )
}

fn decode(bytes: &[u8]) -> Entry {
    let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    (u64_at(0), u32_at(8), u32_at(12))
}

impl IdIndex {
    /// Opens an index file, reading only its fence.
    pub fn open(path: &Path) -> std::io::Result<IdIndex> {
        let file = File::open(path)?;
        let mut header = [0u8; HEADER as usize];
        file.read_exact_at(&mut header, 0)?;
        if &header[..8] != MAGIC {
            return Err(invalid(path, "not an ontsluit id index"));
        }
        let count = u64::from_le_bytes(header[8..].try_into().expect("8 bytes")) as usize;
        let expected = HEADER + (count * ENTRY) as u64;
        if file.metadata()?.len() != expected {
            return Err(invalid(path, "truncated id index"));
        }
        let mut fence = Vec::with_capacity(count.div_ceil(BLOCK));
        let mut buf = [0u8; 8];
        for i in (0..count).step_by(BLOCK) {
            file.read_exact_at(&mut buf, HEADER + (i * ENTRY) as u64)?;
            fence.push(u64::from_le_bytes(buf));
        }
        Ok(IdIndex(Entries::File { file, count, fence }))
    }

    /// An index held in memory, for a version without an index file.
    pub fn in_memory(mut entries: Vec<Entry>) -> IdIndex {
        entries.sort_unstable();
        entries.shrink_to_fit();
        IdIndex(Entries::Memory(entries))
    }

    /// The places whose id hashes like `id`: the feature's, if it exists, and rarely others.
    pub fn candidates(&self, id: &str) -> std::io::Result<Vec<(usize, usize)>> {
        let h = id_hash(id);
        let place = |e: &Entry| (e.1 as usize, e.2 as usize);
        match &self.0 {
            Entries::Memory(entries) => {
                let start = entries.partition_point(|e| e.0 < h);
                Ok(entries[start..]
                    .iter()
                    .take_while(|e| e.0 == h)
                    .map(place)
                    .collect())
            }
            Entries::File { file, count, fence } => {
                // Blocks whose first hash is < h may end with h; those after the last ≤ h cannot.
                let first = fence.partition_point(|&f| f < h).saturating_sub(1);
                let last = fence.partition_point(|&f| f <= h);
                let (start, end) = (first * BLOCK, (last * BLOCK).min(*count));
                if start >= end {
                    return Ok(Vec::new());
                }
                let mut bytes = vec![0u8; (end - start) * ENTRY];
                file.read_exact_at(&mut bytes, HEADER + (start * ENTRY) as u64)?;
                Ok(bytes
                    .chunks_exact(ENTRY)
                    .map(decode)
                    .filter(|e| e.0 == h)
                    .map(|e| place(&e))
                    .collect())
            }
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        match &self.0 {
            Entries::File { count, .. } => *count,
            Entries::Memory(e) => e.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of memory the index holds (for tests of the idle footprint).
    pub fn memory_bytes(&self) -> usize {
        match &self.0 {
            Entries::File { fence, .. } => fence.capacity() * 8,
            Entries::Memory(e) => e.capacity() * std::mem::size_of::<Entry>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_found_on_disk_and_in_memory_and_others_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.idx");
        // More than a few blocks, and a forced collision: two ids sharing one hash.
        let ids: Vec<String> = (0..3000).map(|i| format!("feature.{i}")).collect();
        let mut entries: Vec<Entry> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id_hash(id), (i / 100) as u32, (i % 100) as u32))
            .collect();
        let shared = id_hash("feature.7");
        entries.push((shared, 99, 1));
        let memory = IdIndex::in_memory(entries.clone());
        write(&path, &mut entries).unwrap();
        let disk = IdIndex::open(&path).unwrap();
        assert!(disk.memory_bytes() <= 3001usize.div_ceil(BLOCK) * 8);
        for index in [&disk, &memory] {
            for (i, id) in ids.iter().enumerate() {
                let found = index.candidates(id).unwrap();
                assert!(found.contains(&(i / 100, i % 100)), "{id}: {found:?}");
            }
            assert_eq!(index.candidates("feature.7").unwrap(), [(0, 7), (99, 1)]);
            assert_eq!(index.candidates("feature.3000").unwrap(), []);
            assert_eq!(index.candidates("").unwrap(), []);
        }
        std::fs::write(&path, b"ONSIDX01\x05\0\0\0\0\0\0\0").unwrap();
        assert!(
            IdIndex::open(&path).is_err(),
            "a truncated index is refused"
        );
    }
}
