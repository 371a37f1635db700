//! The dataset store: versions of each dataset on disk and the pointer to the current one.
//!
//! Layout under the data dir:
//! ```text
//! {dataset}/current              the current version number (replaced atomically)
//! {dataset}/v000007/data.parquet GeoParquet 1.1 (or plain Parquet for tables)
//! {dataset}/v000007/manifest.json
//! {dataset}/v000007/ids.idx      feature id → row group and row (`id_index`)
//! {dataset}/v000007/sort-3.idx   stored rows in the order of column 3 (`sort_index`)
//! {dataset}/.staging-*/          a version being written; never read
//! ```
//! Invariants: a version directory is complete before it gets its final name (rename is atomic),
//! and `current` only ever names a complete version; a failed or killed ingest leaves the previous
//! version serving. Versions are immutable once written.

pub mod id_index;
pub mod layout;
mod manifest;
pub mod sort_index;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use manifest::{
    ChangeSummary, ColumnInfo, GeometryInfo, Manifest, SourceInfo, StoredFile, TemporalInfo,
};

use crate::catalog::DatasetId;

use layout::{CURRENT_FILE, DATA_FILE, MANIFEST_FILE};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: invalid manifest: {source}")]
    Manifest {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: invalid version pointer `{content}`")]
    Pointer { path: PathBuf, content: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The store rooted at a data directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// A version directory being written; becomes a version on [`Staging::commit`].
pub struct Staging {
    dir: PathBuf,
    dataset_dir: PathBuf,
    version: u64,
}

impl Store {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dataset_dir(&self, id: &DatasetId) -> PathBuf {
        self.root.join(id.as_str())
    }

    /// Directory of one version.
    pub fn version_dir(&self, id: &DatasetId, version: u64) -> PathBuf {
        self.dataset_dir(id).join(format!("v{version:06}"))
    }

    /// Path of a version's data file.
    pub fn data_path(&self, id: &DatasetId, version: u64) -> PathBuf {
        self.version_dir(id, version).join(DATA_FILE)
    }

    /// The current version number, if the dataset has been ingested.
    pub fn current_version(&self, id: &DatasetId) -> Result<Option<u64>, StoreError> {
        let path = self.dataset_dir(id).join(CURRENT_FILE);
        let content = match fs::read_to_string(&path) {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&path)(e)),
        };
        content
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Pointer { path, content })
    }

    /// Reads a version's manifest.
    pub fn manifest(&self, id: &DatasetId, version: u64) -> Result<Manifest, StoreError> {
        let path = self.version_dir(id, version).join(MANIFEST_FILE);
        let bytes = fs::read(&path).map_err(io(&path))?;
        serde_json::from_slice(&bytes).map_err(|source| StoreError::Manifest { path, source })
    }

    /// The current version's manifest, if any.
    pub fn current_manifest(&self, id: &DatasetId) -> Result<Option<Manifest>, StoreError> {
        match self.current_version(id)? {
            Some(v) => self.manifest(id, v).map(Some),
            None => Ok(None),
        }
    }

    /// Version numbers present on disk, oldest first.
    pub fn versions(&self, id: &DatasetId) -> Result<Vec<u64>, StoreError> {
        let dir = self.dataset_dir(id);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&dir)(e)),
        };
        let mut versions: Vec<u64> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str()?.strip_prefix('v')?.parse().ok())
            .collect();
        versions.sort_unstable();
        Ok(versions)
    }

    /// Path of a file inside a version directory (e.g. a stored download).
    pub fn file_path(&self, id: &DatasetId, version: u64, name: &str) -> PathBuf {
        self.version_dir(id, version).join(name)
    }

    /// Removes an old version: renamed out of sight first (atomic), then deleted. The current
    /// version is never removed.
    pub fn remove_version(&self, id: &DatasetId, version: u64) -> Result<bool, StoreError> {
        if self.current_version(id)? == Some(version) {
            return Ok(false);
        }
        let dir = self.version_dir(id, version);
        if !dir.exists() {
            return Ok(false);
        }
        let doomed = self
            .dataset_dir(id)
            .join(format!(".removed-v{version:06}-{}", std::process::id()));
        fs::rename(&dir, &doomed).map_err(io(&dir))?;
        sync_dir(&self.dataset_dir(id))?;
        fs::remove_dir_all(&doomed).map_err(io(&doomed))?;
        Ok(true)
    }

    /// Retention: keeps the newest `keep` versions (at least one) and the current one, removes
    /// the others. Returns the removed version numbers.
    pub fn prune(&self, id: &DatasetId, keep: usize) -> Result<Vec<u64>, StoreError> {
        let versions = self.versions(id)?;
        let current = self.current_version(id)?;
        let cut = versions.len().saturating_sub(keep.max(1));
        let mut removed = Vec::new();
        for &v in &versions[..cut] {
            if Some(v) != current && self.remove_version(id, v)? {
                removed.push(v);
            }
        }
        Ok(removed)
    }

    /// Starts writing the next version of a dataset in a staging directory.
    pub fn stage(&self, id: &DatasetId) -> Result<Staging, StoreError> {
        let dataset_dir = self.dataset_dir(id);
        fs::create_dir_all(&dataset_dir).map_err(io(&dataset_dir))?;
        let latest = self.versions(id)?.last().copied().unwrap_or(0);
        let current = self.current_version(id)?.unwrap_or(0);
        let version = latest.max(current) + 1;
        let dir = dataset_dir.join(format!(".staging-v{version:06}-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        Ok(Staging {
            dir,
            dataset_dir,
            version,
        })
    }
}

impl Staging {
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The staging directory (also for temporary files, removed with it).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the data file is to be written.
    pub fn data_path(&self) -> PathBuf {
        self.dir.join(DATA_FILE)
    }

    /// Where another file of the version (a stored download) is to be written.
    pub fn file_path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes the manifest, makes the version durable and switches `current` to it.
    pub fn commit(self, manifest: &Manifest) -> Result<u64, StoreError> {
        let manifest_path = self.dir.join(MANIFEST_FILE);
        let json = serde_json::to_vec_pretty(manifest).map_err(|source| StoreError::Manifest {
            path: manifest_path.clone(),
            source,
        })?;
        write_durably(&manifest_path, &json)?;
        // Every file of the version (data, stored downloads) is durable before the rename.
        let entries = fs::read_dir(&self.dir).map_err(io(&self.dir))?;
        for entry in entries {
            let path = entry.map_err(io(&self.dir))?.path();
            if path.is_file() {
                sync_file(&path)?;
            }
        }
        sync_dir(&self.dir)?;

        let final_dir = self.dataset_dir.join(format!("v{:06}", self.version));
        fs::rename(&self.dir, &final_dir).map_err(io(&final_dir))?;
        sync_dir(&self.dataset_dir)?;

        let tmp = self.dataset_dir.join(format!(".{CURRENT_FILE}.tmp"));
        write_durably(&tmp, format!("{}\n", self.version).as_bytes())?;
        let current = self.dataset_dir.join(CURRENT_FILE);
        fs::rename(&tmp, &current).map_err(io(&current))?;
        sync_dir(&self.dataset_dir)?;
        Ok(self.version)
    }

    /// Removes the staging directory (the previous version stays current).
    pub fn abandon(self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut f = fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))
}

fn sync_dir(path: &Path) -> Result<(), StoreError> {
    fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(version: u64) -> Manifest {
        Manifest {
            dataset: "gemeenten".into(),
            version,
            created: chrono::Utc::now(),
            checksum: "sha256:00".into(),
            source: SourceInfo {
                path: "x.geojson".into(),
                layer: "x".into(),
                driver: "GeoJSON".into(),
                crs: Some("EPSG:4326".into()),
            },
            row_count: 0,
            data_bytes: 0,
            data_sha256: String::new(),
            id_column: "id".into(),
            id_type: "string".into(),
            geometry: None,
            temporal: None,
            columns: vec![],
            changes: None,
            files: vec![],
        }
    }

    #[test]
    fn commit_switches_current_and_abandon_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        let id = DatasetId::parse("gemeenten").unwrap();
        assert_eq!(store.current_version(&id).unwrap(), None);

        let s = store.stage(&id).unwrap();
        fs::write(s.data_path(), b"one").unwrap();
        assert_eq!(s.commit(&manifest(1)).unwrap(), 1);
        assert_eq!(store.current_version(&id).unwrap(), Some(1));

        let s = store.stage(&id).unwrap();
        assert_eq!(s.version(), 2);
        fs::write(s.data_path(), b"two").unwrap();
        s.abandon();
        assert_eq!(store.current_version(&id).unwrap(), Some(1));
        assert_eq!(fs::read(store.data_path(&id, 1)).unwrap(), b"one");
        assert_eq!(store.versions(&id).unwrap(), vec![1]);

        let s = store.stage(&id).unwrap();
        fs::write(s.data_path(), b"two").unwrap();
        s.commit(&manifest(2)).unwrap();
        assert_eq!(store.current_version(&id).unwrap(), Some(2));
        assert_eq!(store.versions(&id).unwrap(), vec![1, 2]);
        assert_eq!(store.manifest(&id, 2).unwrap().version, 2);

        // Retention keeps the newest versions and never the current one away.
        for v in 3..=4 {
            let s = store.stage(&id).unwrap();
            fs::write(s.data_path(), b"more").unwrap();
            s.commit(&manifest(v)).unwrap();
        }
        assert!(!store.remove_version(&id, 4).unwrap(), "current is kept");
        assert_eq!(store.prune(&id, 2).unwrap(), vec![1, 2]);
        assert_eq!(store.versions(&id).unwrap(), vec![3, 4]);
        assert_eq!(store.prune(&id, 0).unwrap(), vec![3]);
        assert_eq!(store.versions(&id).unwrap(), vec![4]);
        assert_eq!(store.current_version(&id).unwrap(), Some(4));
        // Numbers are never reused after pruning.
        assert_eq!(store.stage(&id).unwrap().version(), 5);
    }
}
