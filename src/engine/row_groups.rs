//! Row-group selection: per-row-group bounding boxes (from the `bbox` covering column's
//! statistics) and a feature-id → row-group index, opened once per version, and a table wrapper
//! that makes a scan read only the chosen row groups.
//!
//! The id index stays on disk (`store::id_index`: the version's `ids.idx`, a fence of well under
//! a byte per feature in memory); versions written before it existed get it built in memory from
//! their id column (16 bytes per feature).
//!
//! DataFusion's own pruning does not see through `get_field(bbox, 'xmin')`, so without this the
//! Hilbert order would buy nothing: a bbox query would decode every row group.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::Array;
use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::datasource::physical_plan::parquet::{ParquetAccessPlan, RowGroupAccess};
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig, FileScanConfigBuilder};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::Result;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder, RowSelection,
    RowSelector,
};
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataBuilder};
use parquet::file::statistics::Statistics;

use super::pages::PageBoxes;
use crate::geom::Bbox;
use crate::store::id_index::{self, IdIndex};
use crate::store::layout::{BBOX_COLUMN, ID_COLUMN, ID_INDEX_FILE};

/// What is known about each row group of a version's file.
#[derive(Debug, Default)]
pub struct RowGroupIndex {
    /// Union of the features' bboxes per row group; `None` when the statistics are missing.
    pub bboxes: Vec<Option<Bbox>>,
    /// Number of rows of each row group.
    pub rows: Vec<usize>,
    /// The stored row each row group starts at (sums of `rows`), for [`Self::position`].
    starts: Vec<u64>,
    /// Row group and row within it of each feature id (ids as text).
    ids: IdIndex,
    /// The file's parsed footer with its offset index (where data pages start), kept so that
    /// reading one feature needs no footer read and skips the pages before it.
    pub reader_metadata: Option<ArrowReaderMetadata>,
    /// The bbox of each data page.
    pub pages: PageBoxes,
}

fn double(stats: Option<&Statistics>, max: bool) -> Option<f64> {
    match stats? {
        Statistics::Double(s) => if max { s.max_opt() } else { s.min_opt() }.copied(),
        _ => None,
    }
}

impl RowGroupIndex {
    /// Reads the footer statistics and the id column of a stored version.
    pub fn read(path: &Path) -> std::result::Result<RowGroupIndex, parquet::errors::ParquetError> {
        let file = File::open(path)?;
        let with_index = ArrowReaderMetadata::load(
            &file,
            ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional),
        )?;
        let pages = PageBoxes::from_metadata(with_index.metadata());
        // The column index has served: only the offset index stays in memory.
        let meta = Arc::new(
            ParquetMetaDataBuilder::new_from_metadata(with_index.metadata().as_ref().clone())
                .set_column_index(None)
                .build(),
        );
        let reader_metadata =
            ArrowReaderMetadata::try_new(meta.clone(), ArrowReaderOptions::new())?;
        let builder =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, reader_metadata.clone());
        let bboxes = meta
            .row_groups()
            .iter()
            .map(|rg| {
                let stat = |field: &str, max: bool| {
                    let path = format!("{BBOX_COLUMN}.{field}");
                    let col = rg
                        .columns()
                        .iter()
                        .find(|c| c.column_path().string() == path)?;
                    double(col.statistics(), max)
                };
                Some(Bbox {
                    minx: stat("xmin", false)?,
                    miny: stat("ymin", false)?,
                    maxx: stat("xmax", true)?,
                    maxy: stat("ymax", true)?,
                })
            })
            .collect();

        let index_path = path.with_file_name(ID_INDEX_FILE);
        let ids = if index_path.exists() {
            IdIndex::open(&index_path)?
        } else {
            Self::build_ids(builder)?
        };
        let rows: Vec<usize> = meta
            .row_groups()
            .iter()
            .map(|rg| rg.num_rows() as usize)
            .collect();
        let starts = rows
            .iter()
            .scan(0u64, |start, n| {
                let this = *start;
                *start += *n as u64;
                Some(this)
            })
            .collect();
        Ok(RowGroupIndex {
            bboxes,
            rows,
            starts,
            ids,
            reader_metadata: Some(reader_metadata),
            pages,
        })
    }

    /// The id index of a version without an index file, from its id column.
    fn build_ids(
        builder: ParquetRecordBatchReaderBuilder<File>,
    ) -> std::result::Result<IdIndex, parquet::errors::ParquetError> {
        let Some(leaf) = builder
            .parquet_schema()
            .columns()
            .iter()
            .position(|c| c.path().string() == ID_COLUMN)
        else {
            return Ok(IdIndex::default());
        };
        let group_rows: Vec<usize> = builder
            .metadata()
            .row_groups()
            .iter()
            .map(|rg| rg.num_rows() as usize)
            .collect();
        let mask = ProjectionMask::leaves(builder.parquet_schema(), [leaf]);
        let mut entries = Vec::with_capacity(group_rows.iter().sum());
        let (mut group, mut row) = (0usize, 0usize);
        for batch in builder.with_projection(mask).build()? {
            let batch = batch?;
            let formatter = arrow::util::display::ArrayFormatter::try_new(
                batch.column(0).as_ref(),
                &Default::default(),
            )?;
            for i in 0..batch.num_rows() {
                while group < group_rows.len() && row == group_rows[group] {
                    group += 1;
                    row = 0;
                }
                if batch.column(0).is_valid(i) {
                    let h = id_index::id_hash(&formatter.value(i).to_string());
                    entries.push((h, group as u32, row as u32));
                }
                row += 1;
            }
        }
        Ok(IdIndex::in_memory(entries))
    }

    /// Number of ids in the id index.
    pub fn id_count(&self) -> usize {
        self.ids.len()
    }

    /// Bytes of memory the id index holds.
    pub fn id_index_bytes(&self) -> usize {
        self.ids.memory_bytes()
    }

    /// The feature with this id, read from the file at `path` (see [`Self::read_row`]), or
    /// `None`. The index names candidate rows; the one whose id is `id` is the feature.
    pub fn read_feature(
        &self,
        path: &Path,
        id: &str,
    ) -> std::result::Result<Option<arrow::array::RecordBatch>, parquet::errors::ParquetError> {
        for (group, row) in self.ids.candidates(id)? {
            let Some(batch) = self.read_row(path, group, row)? else {
                continue;
            };
            let matches = match batch.column_by_name(ID_COLUMN) {
                Some(column) if batch.num_rows() == 1 && column.is_valid(0) => {
                    let f = arrow::util::display::ArrayFormatter::try_new(
                        column.as_ref(),
                        &Default::default(),
                    )?;
                    f.value(0).to_string() == id
                }
                _ => false,
            };
            if matches {
                return Ok(Some(batch));
            }
        }
        Ok(None)
    }

    /// Reads one row (`group`, `row` within it) of the file at `path`, every column but
    /// `bbox`, straight from Parquet: no query planning, no footer read, one row group's
    /// column chunks decoded only up to the row.
    pub fn read_row(
        &self,
        path: &Path,
        group: usize,
        row: usize,
    ) -> std::result::Result<Option<arrow::array::RecordBatch>, parquet::errors::ParquetError> {
        let Some(metadata) = self.reader_metadata.clone() else {
            return Ok(None);
        };
        let schema = metadata.parquet_schema();
        let roots: Vec<usize> = metadata
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name() != BBOX_COLUMN)
            .map(|(i, _)| i)
            .collect();
        let mask = ProjectionMask::roots(schema, roots);
        let selection = RowSelection::from(vec![RowSelector::skip(row), RowSelector::select(1)]);
        let mut reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(File::open(path)?, metadata)
                .with_row_groups(vec![group])
                .with_row_selection(selection)
                .with_projection(mask)
                .with_batch_size(1)
                .build()?;
        reader.next().transpose().map_err(Into::into)
    }

    /// Where the `n`th stored row (from 0) is; `None` past the last row.
    pub fn position(&self, n: u64) -> Option<RowPosition> {
        let group = self
            .starts
            .partition_point(|&start| start <= n)
            .checked_sub(1)?;
        let row = (n - self.starts[group]) as usize;
        (row < self.rows[group]).then_some(RowPosition { group, row })
    }

    /// Which row groups may hold features intersecting any of `boxes`.
    pub fn groups_intersecting(&self, boxes: &[Bbox]) -> Vec<bool> {
        self.bboxes
            .iter()
            .map(|rg| match rg {
                None => true,
                Some(g) => boxes.iter().any(|b| {
                    g.maxx >= b.minx && g.minx <= b.maxx && g.maxy >= b.miny && g.miny <= b.maxy
                }),
            })
            .collect()
    }
}

/// A row in stored order: its row group, and its row within that group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowPosition {
    pub group: usize,
    pub row: usize,
}

/// The rows of a group of `rows` rows from `row` on.
pub fn from_row(row: usize, rows: usize) -> RowSelection {
    RowSelection::from(vec![
        RowSelector::skip(row.min(rows)),
        RowSelector::select(rows.saturating_sub(row)),
    ])
}

/// A table that scans only the row groups marked in `keep`, and from a given row on.
#[derive(Debug)]
pub struct RowGroupSubset {
    inner: Arc<dyn TableProvider>,
    access: ParquetAccessPlan,
}

impl RowGroupSubset {
    /// `inner` itself when every row group is kept.
    pub fn wrap(inner: Arc<dyn TableProvider>, keep: Vec<bool>) -> Arc<dyn TableProvider> {
        Self::wrap_from(inner, keep, None, &[])
    }

    /// Only the kept row groups, and of them only the rows from `start` on (a keyset cursor's
    /// position in stored order); `group_rows` are the row groups' lengths.
    pub fn wrap_from(
        inner: Arc<dyn TableProvider>,
        keep: Vec<bool>,
        start: Option<RowPosition>,
        group_rows: &[usize],
    ) -> Arc<dyn TableProvider> {
        if keep.iter().all(|k| *k) && start.is_none() {
            return inner;
        }
        let mut access: Vec<RowGroupAccess> = keep
            .iter()
            .map(|k| match k {
                true => RowGroupAccess::Scan,
                false => RowGroupAccess::Skip,
            })
            .collect();
        if let Some(RowPosition { group, row }) = start {
            for a in access.iter_mut().take(group) {
                *a = RowGroupAccess::Skip;
            }
            if let Some(a @ RowGroupAccess::Scan) = access.get_mut(group) {
                *a = RowGroupAccess::Selection(from_row(row, group_rows[group]));
            }
        }
        Arc::new(RowGroupSubset {
            inner,
            access: ParquetAccessPlan::new(access),
        })
    }
}

#[async_trait]
impl TableProvider for RowGroupSubset {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let plan = self.inner.scan(state, projection, filters, limit).await?;
        with_access_plan(plan, self.access.clone())
    }
}

/// The Parquet scans in `plan`, reading only what `access` names (row groups, rows).
pub fn with_access_plan(
    plan: Arc<dyn ExecutionPlan>,
    access: ParquetAccessPlan,
) -> Result<Arc<dyn ExecutionPlan>> {
    plan.transform_down(|node| {
        let Some(exec) = node.downcast_ref::<DataSourceExec>() else {
            return Ok(Transformed::no(node));
        };
        let Some(config) = exec.data_source().downcast_ref::<FileScanConfig>() else {
            return Ok(Transformed::no(node));
        };
        let groups: Vec<FileGroup> = config
            .file_groups
            .iter()
            .map(|g| {
                FileGroup::new(
                    g.iter()
                        .map(|f| f.clone().with_extension(access.clone()))
                        .collect(),
                )
            })
            .collect();
        let config = FileScanConfigBuilder::from(config.clone())
            .with_file_groups(groups)
            .build();
        Ok(Transformed::yes(
            DataSourceExec::from_data_source(config) as Arc<dyn ExecutionPlan>
        ))
    })
    .data()
}
