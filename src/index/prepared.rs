//! Prepared polygons: point-in-polygon tests that look only at the edges near the point.
//!
//! The polygon's height is cut into horizontal bands and each band keeps the edges whose
//! y-range overlaps it. A horizontal ray from a point only meets edges spanning the point's
//! y, all of which are in the point's band, so the winding number needs only that band's
//! edges: a few dozen instead of every vertex of the county.
//!
//! The answer is, bit for bit, that of [`geo::CoordinatePosition`] for the same
//! `MultiPolygon`: the same winding rules with the same robust orientation predicate, the same
//! treatment of holes and the same "mod 2" boundary rule across parts. The index tests check
//! it against geo on seeded and border points.

use geo::coordinate_position::CoordPos;
use geo::kernels::{Kernel, Orientation, RobustKernel};
use geo::{Coord, MultiPolygon};

/// Edges per band aimed at when choosing the number of bands.
const EDGES_PER_BAND: usize = 8;
/// Upper bound on the number of bands of one polygon.
const MAX_BANDS: usize = 1 << 14;

#[derive(Debug, Clone, Copy)]
struct Edge {
    ring: u32,
    start: Coord<f64>,
    end: Coord<f64>,
}

#[derive(Debug, Clone, Copy)]
struct Ring {
    polygon: u32,
    exterior: bool,
}

/// A `MultiPolygon` prepared for repeated point location.
#[derive(Debug, Clone)]
pub struct PreparedPolygon {
    min_y: f64,
    max_y: f64,
    min_x: f64,
    max_x: f64,
    inv_band: f64,
    bands: usize,
    /// `band_start[b]..band_start[b + 1]` are band `b`'s edges in `edges`, sorted by ring.
    band_start: Vec<u32>,
    edges: Vec<Edge>,
    rings: Vec<Ring>,
}

impl PreparedPolygon {
    /// Prepares `mp` (`O(n)` memory for `n` edges, a little more where edges span bands).
    pub fn new(mp: &MultiPolygon<f64>) -> Self {
        let mut rings = Vec::new();
        let mut all: Vec<Edge> = Vec::new();
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (pi, poly) in mp.0.iter().enumerate() {
            for (k, ring) in std::iter::once(poly.exterior())
                .chain(poly.interiors())
                .enumerate()
            {
                let ri = rings.len() as u32;
                rings.push(Ring {
                    polygon: pi as u32,
                    exterior: k == 0,
                });
                for line in ring.lines() {
                    for c in [line.start, line.end] {
                        min_x = min_x.min(c.x);
                        max_x = max_x.max(c.x);
                        min_y = min_y.min(c.y);
                        max_y = max_y.max(c.y);
                    }
                    all.push(Edge {
                        ring: ri,
                        start: line.start,
                        end: line.end,
                    });
                }
            }
        }
        let bands = (all.len() / EDGES_PER_BAND).clamp(1, MAX_BANDS);
        let height = max_y - min_y;
        let inv_band = if height > 0.0 {
            bands as f64 / height
        } else {
            0.0
        };
        let mut prepared = PreparedPolygon {
            min_y,
            max_y,
            min_x,
            max_x,
            inv_band,
            bands,
            band_start: Vec::new(),
            edges: Vec::new(),
            rings,
        };
        // Bucket the edges by band: count, offsets, fill. Edges stay in ring order within a
        // band because they are visited in ring order.
        let range = |e: &Edge, p: &PreparedPolygon| {
            (
                p.band(e.start.y.min(e.end.y)),
                p.band(e.start.y.max(e.end.y)),
            )
        };
        let mut counts = vec![0u32; bands + 1];
        for e in &all {
            let (lo, hi) = range(e, &prepared);
            for b in lo..=hi {
                counts[b + 1] += 1;
            }
        }
        for b in 0..bands {
            counts[b + 1] += counts[b];
        }
        let mut fill = counts.clone();
        let mut edges = vec![
            all.first().copied().unwrap_or(Edge {
                ring: 0,
                start: Coord::zero(),
                end: Coord::zero()
            });
            counts[bands] as usize
        ];
        for e in &all {
            let (lo, hi) = range(e, &prepared);
            for b in lo..=hi {
                edges[fill[b] as usize] = *e;
                fill[b] += 1;
            }
        }
        prepared.band_start = counts;
        prepared.edges = edges;
        prepared
    }

    /// The band of a y inside `[min_y, max_y]`. Monotonic in `y`, so an edge spanning `y`
    /// is always in `y`'s band.
    fn band(&self, y: f64) -> usize {
        (((y - self.min_y) * self.inv_band) as usize).min(self.bands - 1)
    }

    /// Whether `c` lies in the polygon's bounding box (boundary included).
    pub fn bbox_contains(&self, c: Coord<f64>) -> bool {
        c.x >= self.min_x && c.x <= self.max_x && c.y >= self.min_y && c.y <= self.max_y
    }

    /// Position of `c` relative to the polygon, as [`geo::CoordinatePosition`] answers it.
    pub fn position(&self, c: Coord<f64>) -> CoordPos {
        if !self.bbox_contains(c) {
            return CoordPos::Outside;
        }
        let b = self.band(c.y);
        let edges = &self.edges[self.band_start[b] as usize..self.band_start[b + 1] as usize];

        let mut is_inside = false;
        let mut boundary_count = 0usize;
        // The polygon being evaluated and whether its holes still decide (its exterior held
        // the point).
        let mut current: Option<u32> = None;
        let mut pending = false;

        let mut i = 0;
        while i < edges.len() {
            let ring = edges[i].ring;
            let mut j = i;
            while j < edges.len() && edges[j].ring == ring {
                j += 1;
            }
            let pos = ring_position(c, &edges[i..j]);
            let info = self.rings[ring as usize];
            if info.exterior {
                is_inside |= pending;
                current = Some(info.polygon);
                pending = false;
                match pos {
                    CoordPos::Inside => pending = true,
                    CoordPos::OnBoundary => boundary_count += 1,
                    CoordPos::Outside => {}
                }
            } else if current == Some(info.polygon) && pending {
                match pos {
                    CoordPos::Outside => {}
                    CoordPos::OnBoundary => {
                        boundary_count += 1;
                        pending = false;
                    }
                    CoordPos::Inside => pending = false,
                }
            }
            i = j;
        }
        is_inside |= pending;
        if boundary_count % 2 == 1 {
            CoordPos::OnBoundary
        } else if is_inside {
            CoordPos::Inside
        } else {
            CoordPos::Outside
        }
    }
}

/// Winding-number position of `c` against the edges of one ring that span its y (the same
/// rules as geo's `coord_pos_relative_to_ring`).
fn ring_position(c: Coord<f64>, edges: &[Edge]) -> CoordPos {
    let mut winding = 0i32;
    for e in edges {
        let (s, t) = (e.start, e.end);
        if s.y <= c.y {
            if t.y >= c.y {
                let o = RobustKernel::orient2d(s, t, c);
                if o == Orientation::CounterClockwise && t.y != c.y {
                    winding += 1;
                } else if o == Orientation::Collinear && between(c.x, s.x, t.x) {
                    return CoordPos::OnBoundary;
                }
            }
        } else if t.y <= c.y {
            let o = RobustKernel::orient2d(s, t, c);
            if o == Orientation::Clockwise {
                winding -= 1;
            } else if o == Orientation::Collinear && between(c.x, s.x, t.x) {
                return CoordPos::OnBoundary;
            }
        }
    }
    if winding == 0 {
        CoordPos::Outside
    } else {
        CoordPos::Inside
    }
}

fn between(x: f64, a: f64, b: f64) -> bool {
    (a <= x && x <= b) || (b <= x && x <= a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{CoordinatePosition, polygon};

    fn splitmix(state: &mut u64) -> f64 {
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Compares with geo on random points, every vertex and every edge midpoint, and points
    /// on a fine lattice that hits vertices, edges and horizontal edges exactly.
    fn agrees_with_geo(mp: &MultiPolygon<f64>) {
        let prepared = PreparedPolygon::new(mp);
        let mut pts: Vec<Coord<f64>> = Vec::new();
        let mut state = 0xABCD_EF01;
        for _ in 0..20_000 {
            pts.push(Coord {
                x: -1.0 + 8.0 * splitmix(&mut state),
                y: -1.0 + 8.0 * splitmix(&mut state),
            });
        }
        for x in 0..=48 {
            for y in 0..=48 {
                pts.push(Coord {
                    x: -1.0 + f64::from(x) / 6.0,
                    y: -1.0 + f64::from(y) / 6.0,
                });
            }
        }
        for poly in &mp.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                for line in ring.lines() {
                    pts.push(line.start);
                    pts.push(Coord {
                        x: (line.start.x + line.end.x) / 2.0,
                        y: (line.start.y + line.end.y) / 2.0,
                    });
                }
            }
        }
        for c in pts {
            assert_eq!(prepared.position(c), mp.coordinate_position(&c), "at {c:?}");
        }
    }

    #[test]
    fn polygon_with_hole_and_slanted_edges() {
        let p = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 6.0, y: 0.0), (x: 6.0, y: 2.0), (x: 4.0, y: 3.0), (x: 6.0, y: 6.0), (x: 0.0, y: 6.0), (x: 0.0, y: 0.0)],
            interiors: [[(x: 1.0, y: 1.0), (x: 1.0, y: 3.0), (x: 3.0, y: 3.0), (x: 3.0, y: 1.0), (x: 1.0, y: 1.0)]],
        );
        agrees_with_geo(&MultiPolygon(vec![p]));
    }

    #[test]
    fn parts_sharing_an_edge_follow_the_mod_two_rule() {
        // Two parts of one MultiPolygon touching along x = 3: geo counts that edge as two
        // boundaries, so points on it are not on the boundary (nor inside); keep that answer.
        let a = polygon![(x: 0.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 3.0), (x: 0.0, y: 3.0), (x: 0.0, y: 0.0)];
        let b = polygon![(x: 3.0, y: 0.0), (x: 6.0, y: 0.0), (x: 6.0, y: 3.0), (x: 3.0, y: 3.0), (x: 3.0, y: 0.0)];
        let island = polygon![(x: 4.0, y: 4.0), (x: 5.0, y: 4.0), (x: 5.0, y: 5.0), (x: 4.0, y: 5.0), (x: 4.0, y: 4.0)];
        agrees_with_geo(&MultiPolygon(vec![a, b, island]));
    }

    #[test]
    fn a_single_band_polygon() {
        let tiny = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 0.5, y: 1.0), (x: 0.0, y: 0.0)];
        agrees_with_geo(&MultiPolygon(vec![tiny]));
    }
}
