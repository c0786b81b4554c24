//! Point location: which county a town lies in.
//!
//! County envelopes go into an [`rstar`] R-tree (bulk-loaded); a query takes the counties whose
//! envelope holds the point, then tests each exactly against a [`PreparedPolygon`], which
//! gives [`geo::CoordinatePosition`]'s answer while reading only the edges near the point.
//! For millions of points, [`CountyIndex::with_grid`] adds a raster of cells that lie wholly
//! inside one county (or outside all), answered without any polygon test.
//!
//! # The border rule
//!
//! Every point goes to at most one county, deterministically:
//!
//! 1. a county whose interior holds the point wins;
//! 2. otherwise, a county whose boundary the point lies on (a shared edge or vertex, or the
//!    outer edge of the layer);
//! 3. if several qualify at the same step (two counties share the edge; or overlapping
//!    polygons in bad data), the one with the **smallest id** (string order; for 6-digit
//!    adcodes, numeric order) wins, and the assignment is flagged `on_border`;
//! 4. a point in no county is [`Location::Outside`]: it is kept and reported, never dropped.
//!
//! Polygons are closed sets, so a point on the outer edge of the layer belongs to the county
//! whose edge it is.

mod grid;
mod prepared;

use geo::coordinate_position::CoordPos;
use geo::{BoundingRect, Coord, CoordinatePosition, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

pub use self::grid::CellGrid;
pub use self::prepared::PreparedPolygon;
use crate::model::Boundaries;

/// Where a point lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// In the county at this index of [`Boundaries::features`]. `on_border` is true when the
    /// point lies on its boundary, not in its interior.
    In {
        /// Index into [`Boundaries::features`].
        boundary: usize,
        /// Whether the point is on the boundary rather than inside.
        on_border: bool,
    },
    /// In no county.
    Outside,
}

impl Location {
    /// The county index, if any.
    pub fn boundary(self) -> Option<usize> {
        match self {
            Location::In { boundary, .. } => Some(boundary),
            Location::Outside => None,
        }
    }
}

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// An R-tree over county envelopes that answers [`CountyIndex::locate`].
pub struct CountyIndex<'a> {
    boundaries: &'a Boundaries,
    tree: RTree<Entry>,
    prepared: Vec<PreparedPolygon>,
    grid: Option<CellGrid>,
}

impl<'a> CountyIndex<'a> {
    /// Builds the index (bulk load, `O(n log n)`).
    pub fn new(boundaries: &'a Boundaries) -> Self {
        let entries = boundaries
            .features
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let r = b.geometry.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        CountyIndex {
            boundaries,
            tree: RTree::bulk_load(entries),
            prepared: boundaries
                .features
                .iter()
                .map(|b| PreparedPolygon::new(&b.geometry))
                .collect(),
            grid: None,
        }
    }

    /// Builds the index with a [`CellGrid`] of about `cells` cells over the boundaries'
    /// extent: worth it from about a million points on (building it costs about as much as
    /// locating a few hundred thousand points). Answers are identical to [`CountyIndex::new`]'s.
    pub fn with_grid(boundaries: &'a Boundaries, cells: usize) -> Self {
        let mut index = Self::new(boundaries);
        index.grid = CellGrid::new(&index, cells);
        index
    }

    /// The boundaries this index was built on.
    pub fn boundaries(&self) -> &'a Boundaries {
        self.boundaries
    }

    /// Locates a WGS84 lon/lat point by the border rule of the module docs.
    pub fn locate(&self, p: Point<f64>) -> Location {
        if let Some(known) = self.grid.as_ref().and_then(|g| g.lookup(p.0)) {
            return known;
        }
        self.locate_exact(p)
    }

    /// Locates with the R-tree and the prepared polygons, ignoring the grid.
    pub(crate) fn locate_exact(&self, p: Point<f64>) -> Location {
        let envelope = AABB::from_point([p.x(), p.y()]);
        let candidates = self
            .tree
            .locate_in_envelope_intersecting(&envelope)
            .map(|e| e.data);
        decide(self.boundaries, p.0, candidates, |i, c| {
            self.prepared[i].position(c)
        })
    }

    /// Locates by testing every county with geo's own [`CoordinatePosition`], without the
    /// R-tree, the prepared polygons or the grid. Gives the same answer as
    /// [`CountyIndex::locate`], only slower; kept as the independent oracle for tests.
    pub fn locate_brute_force(boundaries: &Boundaries, p: Point<f64>) -> Location {
        decide(boundaries, p.0, 0..boundaries.features.len(), |i, c| {
            boundaries.features[i].geometry.coordinate_position(&c)
        })
    }
}

/// Applies the border rule to the candidate counties.
fn decide(
    boundaries: &Boundaries,
    c: Coord<f64>,
    candidates: impl Iterator<Item = usize>,
    position: impl Fn(usize, Coord<f64>) -> CoordPos,
) -> Location {
    // (is_interior, index); better = interior first, then smaller id.
    let mut best: Option<(bool, usize)> = None;
    for i in candidates {
        let interior = match position(i, c) {
            CoordPos::Inside => true,
            CoordPos::OnBoundary => false,
            CoordPos::Outside => continue,
        };
        let better = match best {
            None => true,
            Some((best_interior, j)) => {
                (interior && !best_interior)
                    || (interior == best_interior
                        && boundaries.features[i].id < boundaries.features[j].id)
            }
        };
        if better {
            best = Some((interior, i));
        }
    }
    match best {
        Some((interior, boundary)) => Location::In {
            boundary,
            on_border: !interior,
        },
        None => Location::Outside,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Boundary;
    use geo::{MultiPolygon, polygon};

    /// A 2 × 2 grid of unit squares with ids chosen so that id order differs from position.
    fn grid() -> Boundaries {
        let sq = |x: f64, y: f64| {
            MultiPolygon(vec![polygon![
                (x: x, y: y), (x: x + 1.0, y: y), (x: x + 1.0, y: y + 1.0), (x: x, y: y + 1.0), (x: x, y: y)
            ]])
        };
        let b = |id: &str, g| Boundary {
            id: id.into(),
            name: id.into(),
            prefecture_id: "p".into(),
            prefecture_name: "p".into(),
            geometry: g,
        };
        Boundaries::new(
            "grid",
            vec![
                b("d", sq(100.0, 30.0)),
                b("b", sq(101.0, 30.0)),
                b("c", sq(100.0, 31.0)),
                b("a", sq(101.0, 31.0)),
            ],
        )
    }

    /// Deterministic SplitMix64, so the test needs no random-number crate.
    struct SplitMix(u64);
    impl SplitMix {
        fn next(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn interior_points_go_to_their_square() {
        let g = grid();
        let idx = CountyIndex::new(&g);
        let loc = idx.locate(Point::new(100.5, 30.5));
        assert_eq!(
            loc,
            Location::In {
                boundary: 0,
                on_border: false
            }
        );
    }

    #[test]
    fn shared_edge_goes_to_smallest_id() {
        let g = grid();
        let idx = CountyIndex::new(&g);
        // Edge x = 101 between "d" (index 0) and "b" (index 1): "b" < "d".
        assert_eq!(
            idx.locate(Point::new(101.0, 30.5)),
            Location::In {
                boundary: 1,
                on_border: true
            }
        );
        // The centre vertex is shared by all four: "a" (index 3) wins.
        assert_eq!(
            idx.locate(Point::new(101.0, 31.0)),
            Location::In {
                boundary: 3,
                on_border: true
            }
        );
    }

    #[test]
    fn outer_edge_belongs_to_its_county_and_beyond_is_outside() {
        let g = grid();
        let idx = CountyIndex::new(&g);
        assert_eq!(
            idx.locate(Point::new(100.0, 30.2)),
            Location::In {
                boundary: 0,
                on_border: true
            }
        );
        assert_eq!(idx.locate(Point::new(99.999, 30.2)), Location::Outside);
        assert_eq!(idx.locate(Point::new(105.0, 35.0)), Location::Outside);
    }

    #[test]
    fn index_matches_brute_force_on_seeded_points_including_borders() {
        let g = grid();
        let idx = CountyIndex::new(&g);
        let mut rng = SplitMix(0x5EED_C17B);
        let mut points = Vec::new();
        for _ in 0..5_000 {
            // Random points over the grid and a margin around it.
            points.push(Point::new(99.5 + 3.0 * rng.next(), 29.5 + 3.0 * rng.next()));
        }
        for _ in 0..1_000 {
            // On the shared vertical and horizontal edges and the outer edges.
            let t = rng.next() * 2.0;
            let edge = [100.0, 101.0, 102.0][(rng.next() * 3.0) as usize];
            points.push(Point::new(edge, 30.0 + t));
            points.push(Point::new(
                100.0 + t,
                [30.0, 31.0, 32.0][(rng.next() * 3.0) as usize],
            ));
        }
        for x in [100.0, 101.0, 102.0] {
            for y in [30.0, 31.0, 32.0] {
                points.push(Point::new(x, y)); // every vertex
            }
        }
        let mut on_border = 0;
        for p in &points {
            let fast = idx.locate(*p);
            assert_eq!(fast, CountyIndex::locate_brute_force(&g, *p), "at {p:?}");
            if let Location::In {
                boundary,
                on_border: b,
            } = fast
            {
                // The chosen county really holds the point, and no county with a smaller id
                // holds it at the same step of the rule.
                let pos = g.features[boundary].geometry.coordinate_position(&p.0);
                assert_ne!(pos, CoordPos::Outside);
                assert_eq!(b, pos == CoordPos::OnBoundary);
                on_border += usize::from(b);
            } else {
                assert!(
                    g.features
                        .iter()
                        .all(|f| f.geometry.coordinate_position(&p.0) == CoordPos::Outside)
                );
            }
        }
        assert!(
            on_border >= 2_000,
            "the border cases were exercised: {on_border}"
        );
    }
}
