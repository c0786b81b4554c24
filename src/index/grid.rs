//! A raster over the boundaries' extent whose cells either lie wholly in one county's interior
//! (or wholly outside every county), answered with one array read, or are crossed by an edge
//! and left to the exact test.
//!
//! A cell is *mixed* if the bounding box of any edge touches it. No edge passes through any
//! point of a pure cell, so every point of the cell has the same position relative to every
//! polygon, and the cell's answer is its centre's. Along a row, neighbouring pure cells are
//! joined by a segment that crosses no edge, so a run of pure cells shares one answer and the
//! exact test runs once per run.

use geo::{Coord, Point};

use super::{CountyIndex, Location};

const MIXED: u32 = 0;
const OUTSIDE: u32 = 1;

/// The raster of [`CountyIndex::with_grid`].
#[derive(Debug, Clone)]
pub struct CellGrid {
    min_x: f64,
    min_y: f64,
    inv_cell: f64,
    cols: usize,
    rows: usize,
    /// `MIXED`, `OUTSIDE`, or `2 + boundary index` for a cell inside that county.
    cells: Vec<u32>,
}

impl CellGrid {
    /// Builds a grid of about `target_cells` square cells. `None` when there is nothing to
    /// cover.
    pub(crate) fn new(index: &CountyIndex<'_>, target_cells: usize) -> Option<Self> {
        let boundaries = index.boundaries();
        // The R-tree's root envelope is the extent of every county.
        if index.tree.size() == 0 {
            return None;
        }
        let extent = index.tree.root().envelope();
        let ([min_x, min_y], [max_x, max_y]) = (extent.lower(), extent.upper());
        let (w, h) = (max_x - min_x, max_y - min_y);
        if !(w > 0.0 && h > 0.0) || target_cells == 0 {
            return None;
        }
        let cell = (w * h / target_cells as f64).sqrt();
        let inv_cell = 1.0 / cell;
        let cols = (w * inv_cell) as usize + 1;
        let rows = (h * inv_cell) as usize + 1;
        let mut grid = CellGrid {
            min_x,
            min_y,
            inv_cell,
            cols,
            rows,
            cells: vec![OUTSIDE; cols * rows],
        };

        // Mark every cell an edge's bounding box touches.
        for b in &boundaries.features {
            for poly in &b.geometry.0 {
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    for line in ring.lines() {
                        let (c0, r0) = grid.cell_of(Coord {
                            x: line.start.x.min(line.end.x),
                            y: line.start.y.min(line.end.y),
                        });
                        let (c1, r1) = grid.cell_of(Coord {
                            x: line.start.x.max(line.end.x),
                            y: line.start.y.max(line.end.y),
                        });
                        for r in r0..=r1 {
                            grid.cells[r * cols + c0..=r * cols + c1].fill(MIXED);
                        }
                    }
                }
            }
        }

        // Resolve each run of pure cells with one exact test at its first cell's centre.
        for r in 0..rows {
            let mut c = 0;
            while c < cols {
                if grid.cells[r * cols + c] == MIXED {
                    c += 1;
                    continue;
                }
                let centre = Point::new(
                    min_x + (c as f64 + 0.5) * cell,
                    min_y + (r as f64 + 0.5) * cell,
                );
                let code = match index.locate_exact(centre) {
                    Location::In {
                        boundary,
                        on_border: false,
                    } => 2 + boundary as u32,
                    // A pure cell's centre is on no edge; be safe and leave it to the exact test.
                    Location::In { .. } => MIXED,
                    Location::Outside => OUTSIDE,
                };
                while c < cols && grid.cells[r * cols + c] != MIXED {
                    grid.cells[r * cols + c] = code;
                    c += 1;
                }
            }
        }
        Some(grid)
    }

    /// The (column, row) of a coordinate, clamped to the grid. Monotonic in x and y.
    fn cell_of(&self, c: Coord<f64>) -> (usize, usize) {
        let col = ((c.x - self.min_x) * self.inv_cell).max(0.0) as usize;
        let row = ((c.y - self.min_y) * self.inv_cell).max(0.0) as usize;
        (col.min(self.cols - 1), row.min(self.rows - 1))
    }

    /// The answer for a pure cell, `None` for a mixed cell or a point off the grid.
    pub(crate) fn lookup(&self, c: Coord<f64>) -> Option<Location> {
        let x = (c.x - self.min_x) * self.inv_cell;
        let y = (c.y - self.min_y) * self.inv_cell;
        if !(x >= 0.0 && y >= 0.0 && x < self.cols as f64 && y < self.rows as f64) {
            return None;
        }
        match self.cells[y as usize * self.cols + x as usize] {
            MIXED => None,
            OUTSIDE => Some(Location::Outside),
            code => Some(Location::In {
                boundary: (code - 2) as usize,
                on_border: false,
            }),
        }
    }

    /// Share of cells that are answered without a polygon test.
    pub fn pure_share(&self) -> f64 {
        self.cells.iter().filter(|&&c| c != MIXED).count() as f64 / self.cells.len() as f64
    }
}
