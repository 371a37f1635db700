//! Page-level boxes: the union of the features' bboxes in each data page of a version's file,
//! from the page index (the column index of the `bbox` covering columns), kept once per version.
//!
//! Row groups narrow a bbox query to a few thousand rows; pages (`store::layout::PAGE_ROWS`)
//! narrow it to the few hundred that may match, so that a small box decodes and decompresses
//! only those pages of each column, and a page wholly inside the box counts its rows without
//! reading them. The column index itself is dropped after this (its string minima and maxima
//! would cost memory per page); the offset index stays with the footer, for the reader to seek.

use parquet::arrow::arrow_reader::{RowSelection, RowSelector};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::page_index::column_index::ColumnIndexMetaData;

use crate::geom::Bbox;
use crate::store::layout::BBOX_COLUMN;

/// One data page of the `bbox` columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageBox {
    /// Index within the row group of the page's first row.
    pub first_row: usize,
    pub rows: usize,
    /// Union of its features' bboxes; `None` when every feature in it has no geometry.
    pub bbox: Option<Bbox>,
    /// Whether some feature in it has no geometry.
    pub has_empty: bool,
}

/// Whether a page's rows may intersect a set of constraints, and whether all of them do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageMatch {
    None,
    Some,
    All,
}

/// The pages of every row group; a row group without a page index has none listed.
#[derive(Debug, Default)]
pub struct PageBoxes {
    groups: Vec<Vec<PageBox>>,
}

impl PageBoxes {
    /// From a footer read with its page index; empty when the file has none.
    pub fn from_metadata(meta: &ParquetMetaData) -> PageBoxes {
        let (Some(columns), Some(offsets)) = (meta.column_index(), meta.offset_index()) else {
            return PageBoxes::default();
        };
        let leaf = |member: &str| {
            let path = format!("{BBOX_COLUMN}.{member}");
            meta.file_metadata()
                .schema_descr()
                .columns()
                .iter()
                .position(|c| c.path().string() == path)
        };
        let (Some(x0), Some(y0), Some(x1), Some(y1)) =
            (leaf("xmin"), leaf("ymin"), leaf("xmax"), leaf("ymax"))
        else {
            return PageBoxes::default();
        };
        let groups = meta
            .row_groups()
            .iter()
            .enumerate()
            .map(|(g, rg)| {
                let (Some(index), Some(offset)) = (columns.get(g), offsets.get(g)) else {
                    return Vec::new();
                };
                let doubles = |leaf: usize| match index.get(leaf) {
                    Some(ColumnIndexMetaData::DOUBLE(d)) => Some(d),
                    _ => None,
                };
                let (Some(ix0), Some(iy0), Some(ix1), Some(iy1)) =
                    (doubles(x0), doubles(y0), doubles(x1), doubles(y1))
                else {
                    return Vec::new();
                };
                let Some(locations) = offset.get(x0).map(|o| o.page_locations()) else {
                    return Vec::new();
                };
                // The four columns are written with the same page boundaries (a row count
                // limit); a file where they differ gets no page boxes.
                let same_pages = [y0, x1, y1].iter().all(|&l| {
                    offset.get(l).is_some_and(|o| {
                        o.page_locations()
                            .iter()
                            .map(|p| p.first_row_index)
                            .eq(locations.iter().map(|p| p.first_row_index))
                    })
                });
                if !same_pages || ix0.min_values().len() != locations.len() {
                    return Vec::new();
                }
                let total = rg.num_rows() as usize;
                (0..locations.len())
                    .map(|p| {
                        let first_row = locations[p].first_row_index as usize;
                        let end = locations
                            .get(p + 1)
                            .map_or(total, |n| n.first_row_index as usize);
                        let bbox = match (
                            ix0.min_value(p),
                            iy0.min_value(p),
                            ix1.max_value(p),
                            iy1.max_value(p),
                        ) {
                            (Some(&minx), Some(&miny), Some(&maxx), Some(&maxy)) => Some(Bbox {
                                minx,
                                miny,
                                maxx,
                                maxy,
                            }),
                            _ => None,
                        };
                        // Without null counts a page may hold features without geometry.
                        let has_empty = ix0.null_count(p).is_none_or(|n| n > 0);
                        PageBox {
                            first_row,
                            rows: end - first_row,
                            bbox,
                            has_empty,
                        }
                    })
                    .collect()
            })
            .collect();
        PageBoxes { groups }
    }

    /// Pages listed in all.
    pub fn count(&self) -> usize {
        self.groups.iter().map(Vec::len).sum()
    }

    /// The pages of row group `group` (empty when unknown).
    pub fn of(&self, group: usize) -> &[PageBox] {
        self.groups.get(group).map_or(&[], Vec::as_slice)
    }

    /// The rows of `group` in pages that may meet every constraint (each a set of boxes, any of
    /// which a feature must intersect); `None` when the pages of `group` are unknown.
    pub fn selection(&self, group: usize, constraints: &[Vec<Bbox>]) -> Option<RowSelection> {
        self.rows_where(group, constraints, |m| m != PageMatch::None)
    }

    /// For counting matches in `group`: the rows of pages that match whole, and the rows of
    /// the pages on the constraints' edges, which must be read; `None` when the pages of
    /// `group` are unknown.
    pub fn whole_and_edge(
        &self,
        group: usize,
        constraints: &[Vec<Bbox>],
    ) -> Option<(usize, RowSelection)> {
        let edge = self.rows_where(group, constraints, |m| m == PageMatch::Some)?;
        let whole = self
            .of(group)
            .iter()
            .filter(|p| page_match(p, constraints) == PageMatch::All)
            .map(|p| p.rows)
            .sum();
        Some((whole, edge))
    }

    /// The rows of `group` in pages whose match `keep` accepts (runs merged).
    fn rows_where(
        &self,
        group: usize,
        constraints: &[Vec<Bbox>],
        keep: impl Fn(PageMatch) -> bool,
    ) -> Option<RowSelection> {
        let pages = self.of(group);
        if pages.is_empty() {
            return None;
        }
        Some(RowSelection::from_iter(pages.iter().map(|page| {
            if keep(page_match(page, constraints)) {
                RowSelector::select(page.rows)
            } else {
                RowSelector::skip(page.rows)
            }
        })))
    }
}

/// How `page` meets every constraint.
pub fn page_match(page: &PageBox, constraints: &[Vec<Bbox>]) -> PageMatch {
    let Some(b) = page.bbox else {
        return PageMatch::None;
    };
    let mut all = !page.has_empty;
    for boxes in constraints {
        if !boxes.iter().any(|q| intersects(&b, q)) {
            return PageMatch::None;
        }
        // Every feature's bbox lies within the page's, so a page within one box all matches.
        all &= boxes.iter().any(|q| contains(q, &b));
    }
    if all { PageMatch::All } else { PageMatch::Some }
}

fn intersects(a: &Bbox, b: &Bbox) -> bool {
    a.maxx >= b.minx && a.minx <= b.maxx && a.maxy >= b.miny && a.miny <= b.maxy
}

fn contains(outer: &Bbox, inner: &Bbox) -> bool {
    outer.minx <= inner.minx
        && outer.miny <= inner.miny
        && outer.maxx >= inner.maxx
        && outer.maxy >= inner.maxy
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(first_row: usize, rows: usize, bbox: Option<(f64, f64, f64, f64)>) -> PageBox {
        PageBox {
            first_row,
            rows,
            bbox: bbox.map(|(minx, miny, maxx, maxy)| Bbox {
                minx,
                miny,
                maxx,
                maxy,
            }),
            has_empty: false,
        }
    }

    fn bbox(minx: f64, miny: f64, maxx: f64, maxy: f64) -> Bbox {
        Bbox {
            minx,
            miny,
            maxx,
            maxy,
        }
    }

    #[test]
    fn a_page_matches_none_some_or_all_of_a_box() {
        let p = page(0, 10, Some((1.0, 1.0, 2.0, 2.0)));
        assert_eq!(
            page_match(&p, &[vec![bbox(3.0, 3.0, 4.0, 4.0)]]),
            PageMatch::None
        );
        assert_eq!(
            page_match(&p, &[vec![bbox(1.5, 0.0, 4.0, 4.0)]]),
            PageMatch::Some
        );
        assert_eq!(
            page_match(&p, &[vec![bbox(0.0, 0.0, 4.0, 4.0)]]),
            PageMatch::All
        );
        // Each constraint must hold: inside the first box but outside the second.
        let both = [
            vec![bbox(0.0, 0.0, 4.0, 4.0)],
            vec![bbox(5.0, 5.0, 6.0, 6.0)],
        ];
        assert_eq!(page_match(&p, &both), PageMatch::None);
        // A feature without geometry in the page: it may match, not all of it.
        let mut empty = p;
        empty.has_empty = true;
        assert_eq!(
            page_match(&empty, &[vec![bbox(0.0, 0.0, 4.0, 4.0)]]),
            PageMatch::Some
        );
        assert_eq!(page_match(&page(0, 3, None), &[]), PageMatch::None);
    }

    #[test]
    fn the_selection_keeps_runs_of_matching_pages() {
        let boxes = PageBoxes {
            groups: vec![vec![
                page(0, 4, Some((0.0, 0.0, 1.0, 1.0))),
                page(4, 4, Some((5.0, 5.0, 6.0, 6.0))),
                page(8, 4, Some((5.5, 5.5, 6.0, 6.0))),
                page(12, 2, Some((0.0, 0.0, 1.0, 1.0))),
            ]],
        };
        let selection = boxes
            .selection(0, &[vec![bbox(4.0, 4.0, 7.0, 7.0)]])
            .expect("pages are known");
        let selectors: Vec<RowSelector> = selection.into();
        assert_eq!(
            selectors,
            vec![
                RowSelector::skip(4),
                RowSelector::select(8),
                RowSelector::skip(2)
            ]
        );
        assert!(boxes.selection(1, &[]).is_none());
    }
}
