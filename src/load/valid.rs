//! Polygon validity: finding rings that cross themselves or each other, and repairing them.
//!
//! Real county files have self-intersecting rings (a digitising slip, a simplification that
//! folded a narrow neck). Geodesic areas and unions are wrong on such rings, so the loaders
//! find them and repair them with `geo`'s [`MakeValid`] (Ledoux et al. 2014, odd-even rule),
//! or refuse them under `strict`.
//!
//! The test looks for segments that **cross** (meet at a point inside both) or **overlap**
//! (collinear with a common stretch). Rings that merely touch at a vertex pass, as in the
//! OGC model. Segments are bulk-loaded into an R-tree, so a county of 100,000 vertices is
//! checked in milliseconds (`geo`'s own `Validation` compares every pair of segments).

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Coord, Line, MakeValid, MultiPolygon, Polygon};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

/// A crossing found in a polygon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Crossing {
    /// Index of the polygon in the MultiPolygon.
    pub polygon: usize,
    /// Where the rings cross.
    pub at: Coord<f64>,
}

type Segment = GeomWithData<rstar::primitives::Line<[f64; 2]>, (usize, usize)>; // (ring, index)

/// The first crossing of the rings of `mp`, if any.
pub(crate) fn first_crossing(mp: &MultiPolygon<f64>) -> Option<Crossing> {
    mp.0.iter()
        .enumerate()
        .find_map(|(i, p)| polygon_crossing(p).map(|at| Crossing { polygon: i, at }))
}

fn polygon_crossing(p: &Polygon<f64>) -> Option<Coord<f64>> {
    let rings: Vec<&[Coord<f64>]> = std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| r.0.as_slice())
        .collect();
    let mut segments = Vec::new();
    for (r, ring) in rings.iter().enumerate() {
        for (k, w) in ring.windows(2).enumerate() {
            if w[0] != w[1] {
                segments.push(Segment::new(
                    rstar::primitives::Line::new([w[0].x, w[0].y], [w[1].x, w[1].y]),
                    (r, k),
                ));
            }
        }
    }
    let tree = RTree::bulk_load(segments);
    for seg in tree.iter() {
        let (r, k) = seg.data;
        let a = Line::new(seg.geom().from, seg.geom().to);
        let env = AABB::from_corners(seg.geom().from, seg.geom().to);
        for other in tree.locate_in_envelope_intersecting(&env) {
            let (r2, k2) = other.data;
            // Each pair once, and never a segment with itself.
            if (r2, k2) <= (r, k) {
                continue;
            }
            let b = Line::new(other.geom().from, other.geom().to);
            match line_intersection(a, b) {
                Some(LineIntersection::SinglePoint {
                    intersection,
                    is_proper: true,
                }) => return Some(intersection),
                Some(LineIntersection::Collinear { intersection })
                    if intersection.start != intersection.end =>
                {
                    return Some(intersection.start);
                }
                _ => {}
            }
        }
    }
    None
}

/// Repairs `mp` with `MakeValid` (odd-even rule); `None` if the repair fails (non-finite
/// coordinates).
pub(crate) fn repair(mp: &MultiPolygon<f64>) -> Option<MultiPolygon<f64>> {
    mp.make_valid().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, wkt};

    #[test]
    fn finds_a_bowtie_and_repairs_it() {
        let bowtie: MultiPolygon<f64> =
            wkt!(MULTIPOLYGON(((0. 0., 0. 10., 10. 0., 10. 10., 0. 0.))));
        let c = first_crossing(&bowtie).unwrap();
        assert_eq!((c.polygon, c.at), (0, Coord { x: 5.0, y: 5.0 }));
        let fixed = repair(&bowtie).unwrap();
        assert_eq!(fixed.0.len(), 2);
        assert!(first_crossing(&fixed).is_none());
    }

    #[test]
    fn valid_shapes_pass() {
        let square = polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.), (x: 0., y: 0.)];
        assert!(first_crossing(&MultiPolygon(vec![square])).is_none());
        // A hole touching the exterior at one vertex is valid.
        let touching: MultiPolygon<f64> =
            wkt!(MULTIPOLYGON(((0. 0., 4. 0., 4. 4., 0. 4., 0. 0.), (0. 0., 2. 1., 1. 2., 0. 0.))));
        assert!(first_crossing(&touching).is_none());
        // Repeated vertices are not crossings.
        let repeated: MultiPolygon<f64> =
            wkt!(MULTIPOLYGON(((0. 0., 1. 0., 1. 0., 1. 1., 0. 1., 0. 0.))));
        assert!(first_crossing(&repeated).is_none());
    }

    #[test]
    fn overlapping_edges_are_crossings() {
        // The ring runs out along y = 0 and back over itself.
        let spike: MultiPolygon<f64> =
            wkt!(MULTIPOLYGON(((0. 0., 3. 0., 1. 0., 1. 1., 0. 1., 0. 0.))));
        assert!(first_crossing(&spike).is_some());
    }
}
