//! Hilbert curve index, used to order rows so that features near each other share row groups and
//! the row groups' bbox statistics prune spatial queries.

/// Index of cell (x, y) on a Hilbert curve filling a 2^16 × 2^16 grid.
pub fn index(mut x: u32, mut y: u32) -> u64 {
    const N: u32 = 1 << 16;
    let mut d: u64 = 0;
    let mut s = N / 2;
    while s > 0 {
        let rx = u32::from(x & s > 0);
        let ry = u32::from(y & s > 0);
        d += u64::from(s) * u64::from(s) * u64::from((3 * rx) ^ ry);
        // Rotate the quadrant so the curve stays continuous.
        if ry == 0 {
            if rx == 1 {
                x = N - 1 - x;
                y = N - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

/// Hilbert index of a point within `extent` (`[minx, miny, maxx, maxy]`).
pub fn index_in(extent: [f64; 4], px: f64, py: f64) -> u64 {
    let scale = |v: f64, lo: f64, hi: f64| -> u32 {
        if hi > lo {
            (((v - lo) / (hi - lo)) * 65535.0).clamp(0.0, 65535.0) as u32
        } else {
            0
        }
    };
    index(
        scale(px, extent[0], extent[2]),
        scale(py, extent[1], extent[3]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curve_visits_the_first_order_cells_in_hilbert_order() {
        // At the coarsest level the curve goes (0,0) → (0,1) → (1,1) → (1,0).
        let h = |x: u32, y: u32| index(x << 15, y << 15);
        assert!(h(0, 0) < h(0, 1));
        assert!(h(0, 1) < h(1, 1));
        assert!(h(1, 1) < h(1, 0));
    }

    #[test]
    fn every_cell_of_a_small_grid_gets_a_distinct_index_and_neighbours_stay_adjacent() {
        // On a 4x4 sub-grid of the top-level curve, consecutive indices are neighbouring cells.
        let mut cells: Vec<(u64, u32, u32)> = Vec::new();
        for x in 0..4u32 {
            for y in 0..4u32 {
                cells.push((index(x << 14, y << 14), x, y));
            }
        }
        cells.sort();
        cells.dedup_by_key(|c| c.0);
        assert_eq!(cells.len(), 16);
        for w in cells.windows(2) {
            let dist = w[0].1.abs_diff(w[1].1) + w[0].2.abs_diff(w[1].2);
            assert_eq!(dist, 1, "{w:?}");
        }
    }
}
