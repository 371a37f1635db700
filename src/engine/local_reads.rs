//! How DataFusion's Parquet scans (SQL) read a version's file: straight from the local file,
//! with the footer parsed once per version.
//!
//! DataFusion's own reader goes through `object_store`, whose local file system hands every
//! read to tokio's blocking pool, and converts the footer's schema for every scan. For the
//! small tables of most queries, the thread wake-ups and the conversion were a large share of
//! a query (`perf` on the release server under load). Here a read of at most [`INLINE_BYTES`]
//! runs on the calling task (a `pread` from the page cache), larger ones on the blocking pool,
//! and the footer is the one the engine parsed when it opened the version, with the offset
//! index (where pages start) and without the column index (pages' minima and maxima). Scans
//! prune row groups by their statistics, not pages: rows groups hold at most 4 096 rows, and
//! a second copy of the footer with its column index took 65 MB for 10 million points, kept
//! as long as the version was served (`enable_page_index` is off in the SQL session, so that
//! DataFusion does not read the index again for each scan).

use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::parquet::ParquetFileReaderFactory;
use datafusion::datasource::physical_plan::{FileScanConfig, FileScanConfigBuilder, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::Result;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::metrics::{Count, ExecutionPlanMetricsSet};
use futures::FutureExt;
use futures::future::BoxFuture;
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::errors::ParquetError;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader};

/// Reads up to this many bytes run on the calling task.
const INLINE_BYTES: u64 = 1 << 20;

/// The reader factory of one version's file.
#[derive(Debug)]
pub struct LocalReads {
    path: PathBuf,
    /// The footer the engine parsed when it opened the version, if it did.
    footer: Option<Arc<ParquetMetaData>>,
    opened: OnceLock<(Arc<File>, Arc<ParquetMetaData>)>,
}

impl LocalReads {
    pub fn new(path: PathBuf, footer: Option<Arc<ParquetMetaData>>) -> LocalReads {
        LocalReads {
            path,
            footer,
            opened: OnceLock::new(),
        }
    }

    fn opened(&self) -> Result<(Arc<File>, Arc<ParquetMetaData>)> {
        if let Some(o) = self.opened.get() {
            return Ok(o.clone());
        }
        let file = File::open(&self.path)?;
        let metadata = match &self.footer {
            Some(footer) => Arc::clone(footer),
            None => Arc::new(
                ParquetMetaDataReader::new()
                    .with_page_index_policy(PageIndexPolicy::Skip)
                    .parse_and_finish(&file)?,
            ),
        };
        Ok(self
            .opened
            .get_or_init(|| (Arc::new(file), metadata))
            .clone())
    }

    /// `plan` with every Parquet scan of this version's file reading through `self`.
    pub fn apply(self: &Arc<Self>, plan: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_down(|node| {
            let Some(exec) = node.downcast_ref::<DataSourceExec>() else {
                return Ok(Transformed::no(node));
            };
            let Some(config) = exec.data_source().downcast_ref::<FileScanConfig>() else {
                return Ok(Transformed::no(node));
            };
            let Some(source) = config.file_source().downcast_ref::<ParquetSource>() else {
                return Ok(Transformed::no(node));
            };
            let source = source
                .clone()
                .with_parquet_file_reader_factory(Arc::clone(self) as _);
            let config = FileScanConfigBuilder::from(config.clone())
                .with_source(Arc::new(source))
                .build();
            Ok(Transformed::yes(
                DataSourceExec::from_data_source(config) as Arc<dyn ExecutionPlan>
            ))
        })
        .data()
    }
}

impl ParquetFileReaderFactory for LocalReads {
    fn create_reader(
        &self,
        partition_index: usize,
        file: PartitionedFile,
        _metadata_size_hint: Option<usize>,
        metrics: &ExecutionPlanMetricsSet,
    ) -> Result<Box<dyn AsyncFileReader + Send>> {
        let (handle, metadata) = self.opened()?;
        let name = file.object_meta.location.to_string();
        let bytes_scanned =
            datafusion::datasource::physical_plan::parquet::ParquetFileMetrics::new(
                partition_index,
                &name,
                metrics,
            )
            .bytes_scanned;
        Ok(Box::new(LocalReader {
            file: handle,
            metadata,
            bytes_scanned,
        }))
    }
}

struct LocalReader {
    file: Arc<File>,
    metadata: Arc<ParquetMetaData>,
    bytes_scanned: Count,
}

fn read(file: &File, range: Range<u64>) -> parquet::errors::Result<Bytes> {
    let mut buf = vec![0; (range.end - range.start) as usize];
    file.read_exact_at(&mut buf, range.start)
        .map_err(|e| ParquetError::External(Box::new(e)))?;
    Ok(Bytes::from(buf))
}

fn read_all(file: &File, ranges: &[Range<u64>]) -> parquet::errors::Result<Vec<Bytes>> {
    ranges.iter().map(|r| read(file, r.clone())).collect()
}

impl AsyncFileReader for LocalReader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        self.get_byte_ranges(vec![range])
            .map(|r| r.map(|mut v| v.pop().unwrap_or_default()))
            .boxed()
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        let total: u64 = ranges.iter().map(|r| r.end - r.start).sum();
        self.bytes_scanned.add(total as usize);
        if total <= INLINE_BYTES {
            return futures::future::ready(read_all(&self.file, &ranges)).boxed();
        }
        let file = Arc::clone(&self.file);
        async move {
            tokio::task::spawn_blocking(move || read_all(&file, &ranges))
                .await
                .map_err(|e| ParquetError::External(Box::new(e)))?
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        _options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        futures::future::ready(Ok(Arc::clone(&self.metadata))).boxed()
    }
}
