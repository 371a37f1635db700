//! The sort indexes of a version (`sort-{column}.idx` beside `data.parquet`, one per sortable
//! column): the stored rows in the order a `sortby` on that column pages through, so that an
//! unfiltered sorted page is read from its position with one small read, however deep it is.
//!
//! Format: the magic `ONSORT01`, the row count n (u64), then n stored row numbers (u32, counted
//! from the file's first row) in ascending order of the key with nulls last, equal keys by
//! ascending id; then a bitmap of ⌈n/64⌉ words (u64) with bit i set where entry i starts a run
//! of equal keys. All little-endian.
//!
//! A descending page wants the keys descending with nulls first but equal keys still by
//! ascending id: it is the ascending order read backwards run by run, each run forwards, and the
//! bitmap says where the runs start. The keys are not stored: the caller reads them with the
//! page's rows.

use std::cmp::Ordering;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use arrow::array::{Array, make_comparator};
use arrow::compute::{SortOptions, sort_to_indices};
use arrow::datatypes::DataType;
use arrow::error::ArrowError;

use super::layout::{BBOX_COLUMN, GEOMETRY_COLUMN};

const MAGIC: &[u8; 8] = b"ONSORT01";
const HEADER: u64 = 16;
/// Bitmap words read at a time while looking for the ends of a run.
const WORDS_PER_READ: usize = 512;

/// The order of every sortable column: ascending, nulls last (as `sortby=column` pages).
const ASCENDING: SortOptions = SortOptions {
    descending: false,
    nulls_first: false,
};

/// Whether `sortby` accepts a stored column (values with an order: not the geometry, its box
/// or other binary and nested values), and so whether it has a sort index.
pub fn sortable(name: &str, data_type: &DataType) -> bool {
    name != GEOMETRY_COLUMN
        && name != BBOX_COLUMN
        && !matches!(
            data_type,
            DataType::Binary
                | DataType::BinaryView
                | DataType::LargeBinary
                | DataType::FixedSizeBinary(_)
                | DataType::Struct(_)
                | DataType::List(_)
                | DataType::LargeList(_)
                | DataType::Map(_, _)
        )
}

/// Each row's place in the ascending order of the (unique) ids: ties of a key are broken by it.
pub fn id_ranks(ids: &dyn Array) -> Result<Vec<u32>, ArrowError> {
    let order = sort_to_indices(ids, Some(ASCENDING), None)?;
    let mut ranks = vec![0u32; ids.len()];
    for (rank, row) in order.values().iter().enumerate() {
        ranks[*row as usize] = rank as u32;
    }
    Ok(ranks)
}

/// The rows of `key` (a whole column, in stored order) in page order, and the bitmap of where
/// the runs of equal keys start.
pub fn order(key: &dyn Array, id_ranks: &[u32]) -> Result<(Vec<u32>, Vec<u64>), ArrowError> {
    let n = key.len();
    let mut rows = sort_to_indices(key, Some(ASCENDING), None)?
        .values()
        .to_vec();
    let same = make_comparator(key, key, ASCENDING)?;
    let mut starts = vec![0u64; n.div_ceil(64)];
    let mut run = 0;
    for i in 0..=n {
        let new_run =
            i == n || i == 0 || same(rows[i - 1] as usize, rows[i] as usize) != Ordering::Equal;
        if !new_run {
            continue;
        }
        if i - run > 1 {
            rows[run..i].sort_unstable_by_key(|r| id_ranks[*r as usize]);
        }
        if i < n {
            starts[i / 64] |= 1 << (i % 64);
        }
        run = i;
    }
    Ok((rows, starts))
}

/// Writes an index file from [`order`]'s result.
pub fn write(path: &Path, rows: &[u32], starts: &[u64]) -> std::io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    w.write_all(MAGIC)?;
    w.write_all(&(rows.len() as u64).to_le_bytes())?;
    for r in rows {
        w.write_all(&r.to_le_bytes())?;
    }
    for s in starts {
        w.write_all(&s.to_le_bytes())?;
    }
    w.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// An open sort index.
#[derive(Debug)]
pub struct SortIndex {
    file: File,
    rows: usize,
}

fn invalid(path: &Path, why: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("{}: {why}", path.display()),
    )
}

impl SortIndex {
    /// Opens the index at `path` of a version of `rows` rows; `None` when there is none
    /// (versions written before sort indexes, columns without one).
    pub fn open(path: &Path, rows: usize) -> std::io::Result<Option<SortIndex>> {
        let file = match File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut header = [0u8; HEADER as usize];
        file.read_exact_at(&mut header, 0)?;
        if &header[..8] != MAGIC {
            return Err(invalid(path, "not an ontsluit sort index"));
        }
        let count = u64::from_le_bytes(header[8..].try_into().expect("8 bytes")) as usize;
        let expected = HEADER + 4 * count as u64 + 8 * count.div_ceil(64) as u64;
        if count != rows || file.metadata()?.len() != expected {
            return Err(invalid(path, "sort index does not match its version"));
        }
        Ok(Some(SortIndex { file, rows }))
    }

    /// The stored rows at positions `from..from + count` of the ascending or descending order
    /// (fewer at the end).
    pub fn rows(&self, from: usize, count: usize, ascending: bool) -> std::io::Result<Vec<u32>> {
        let end = from.saturating_add(count).min(self.rows);
        if from >= end {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(end - from);
        if ascending {
            self.read_rows(from, end - from, &mut out)?;
            return Ok(out);
        }
        // Descending position p mirrors ascending position n-1-p; the run [s, e) holding it
        // takes descending positions n-e..n-s, in ascending order within.
        let n = self.rows;
        let mut bits = Bits::new(&self.file, n);
        let mut p = from;
        while p < end {
            let (s, e) = bits.run_of(n - 1 - p)?;
            let first = s + (p - (n - e));
            let take = (e - first).min(end - p);
            self.read_rows(first, take, &mut out)?;
            p += take;
        }
        Ok(out)
    }

    fn read_rows(&self, from: usize, count: usize, out: &mut Vec<u32>) -> std::io::Result<()> {
        let mut bytes = vec![0u8; count * 4];
        self.file
            .read_exact_at(&mut bytes, HEADER + 4 * from as u64)?;
        out.extend(
            bytes
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes"))),
        );
        Ok(())
    }
}

/// The run-start bitmap of an index, read in blocks as a run's ends are looked for.
struct Bits<'a> {
    file: &'a File,
    rows: usize,
    words: usize,
    /// The block last read: (its first word, its words).
    block: Option<(usize, Vec<u64>)>,
}

impl<'a> Bits<'a> {
    fn new(file: &'a File, rows: usize) -> Bits<'a> {
        Bits {
            file,
            rows,
            words: rows.div_ceil(64),
            block: None,
        }
    }

    fn word(&mut self, w: usize) -> std::io::Result<u64> {
        if let Some((first, words)) = &self.block
            && (*first..*first + words.len()).contains(&w)
        {
            return Ok(words[w - first]);
        }
        let first = w - w % WORDS_PER_READ;
        let len = WORDS_PER_READ.min(self.words - first);
        let mut bytes = vec![0u8; len * 8];
        let at = HEADER + 4 * self.rows as u64 + 8 * first as u64;
        self.file.read_exact_at(&mut bytes, at)?;
        let words: Vec<u64> = bytes
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        let word = words[w - first];
        self.block = Some((first, words));
        Ok(word)
    }

    /// The run of equal keys holding ascending position `q`: [its start, its end).
    fn run_of(&mut self, q: usize) -> std::io::Result<(usize, usize)> {
        let (w, bit) = (q / 64, q % 64);
        let up_to = u64::MAX >> (63 - bit);
        // The last start at or before q (entry 0 always starts a run).
        let mut i = w;
        let mut word = self.word(i)? & up_to;
        while word == 0 {
            i -= 1;
            word = self.word(i)?;
        }
        let start = i * 64 + 63 - word.leading_zeros() as usize;
        // The first start after q, or the end.
        let mut i = w;
        let mut word = self.word(i)? & !up_to;
        while word == 0 {
            i += 1;
            if i == self.words {
                return Ok((start, self.rows));
            }
            word = self.word(i)?;
        }
        Ok((start, i * 64 + word.trailing_zeros() as usize))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array, StringArray};

    use super::*;

    /// Rows in page order by sorting (key, id) pairs the obvious way.
    fn expected(keys: &[Option<&str>], ids: &[i64], ascending: bool) -> Vec<u32> {
        let mut rows: Vec<u32> = (0..keys.len() as u32).collect();
        rows.sort_by(|a, b| {
            let (ka, kb) = (keys[*a as usize], keys[*b as usize]);
            let by_key = match (ka, kb) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => x.cmp(y),
            };
            let by_key = if ascending { by_key } else { by_key.reverse() };
            by_key.then(ids[*a as usize].cmp(&ids[*b as usize]))
        });
        rows
    }

    #[test]
    fn pages_follow_the_key_then_the_id_both_ways_from_any_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sort-1.idx");
        // Long runs (more than a bitmap block), single keys, nulls, and ids out of row order.
        let n = 70_000;
        let keys: Vec<Option<&str>> = (0..n)
            .map(|i| match i % 7 {
                0 => None,
                1..=3 => Some("woonplaats"),
                _ if i % 1000 == 5 => Some("a"),
                _ => Some(["b", "c", "d", "e", "f"][(i * 31 % 97) % 5]),
            })
            .collect();
        let ids: Vec<i64> = (0..n as i64).map(|i| (i * 7919) % n as i64).collect();
        let key: ArrayRef = Arc::new(StringArray::from(keys.clone()));
        let ranks = id_ranks(&Int64Array::from(ids.clone())).unwrap();
        let (rows, starts) = order(key.as_ref(), &ranks).unwrap();
        write(&path, &rows, &starts).unwrap();
        let index = SortIndex::open(&path, n).unwrap().unwrap();
        for ascending in [true, false] {
            let all = expected(&keys, &ids, ascending);
            assert_eq!(index.rows(0, n, ascending).unwrap(), all);
            for (from, count) in [(0, 10), (9_999, 101), (39_990, 1000), (69_995, 100), (n, 5)] {
                let end = (from + count).min(n);
                assert_eq!(
                    index.rows(from, count, ascending).unwrap(),
                    all[from..end],
                    "ascending {ascending}, from {from}"
                );
            }
        }
    }

    #[test]
    fn an_index_of_another_version_or_none_at_all_is_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sort-1.idx");
        assert!(SortIndex::open(&path, 3).unwrap().is_none());
        let key = StringArray::from(vec!["b", "a", "b"]);
        let (rows, starts) = order(&key, &[0, 1, 2]).unwrap();
        assert_eq!(rows, [1, 0, 2]);
        assert_eq!(starts, [0b011]);
        write(&path, &rows, &starts).unwrap();
        assert!(SortIndex::open(&path, 3).unwrap().is_some());
        assert!(SortIndex::open(&path, 4).is_err());
        std::fs::write(&path, b"ONSIDX01\x03\0\0\0\0\0\0\0").unwrap();
        assert!(SortIndex::open(&path, 3).is_err());
    }
}
