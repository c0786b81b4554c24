//! Polygon validity: finding rings that cross themselves or each other, and repairing them.
//!
//! Real county files have self-intersecting rings (a digitising slip, a simplification that
//! folded a narrow neck). Geodesic areas and unions are wrong on such rings, so the loaders
//! find them and repair them with `geo`'s [`MakeValid`] (Ledoux et al. 2014, odd-even rule),
//! or refuse them under `strict`.
//!
//! The test looks for segments that **cross** (meet at a point inside both) or **overlap**
//! (collinear with a common stretch). Rings that merely touch at a vertex pass, as in the
//! OGC model. A west-to-east sweep compares each segment only with the few that overlap it,
//! so the 221 full-resolution counties of Sichuan and Chongqing are checked in well under a
//! second (`geo`'s own `Validation` compares every pair of segments of a ring: 6 s for them).

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Coord, Line, MakeValid, MultiPolygon, Polygon};

/// A crossing found in a polygon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Crossing {
    /// Index of the polygon in the MultiPolygon.
    pub polygon: usize,
    /// Where the rings cross.
    pub at: Coord<f64>,
}

/// The first crossing of the rings of `mp`, if any.
pub(crate) fn first_crossing(mp: &MultiPolygon<f64>) -> Option<Crossing> {
    mp.0.iter()
        .enumerate()
        .find_map(|(i, p)| polygon_crossing(p).map(|at| Crossing { polygon: i, at }))
}

/// A sweep from west to east: segments sorted by their western end, each compared with those
/// still open (whose eastern end is not yet passed) whose latitude span overlaps. Polygon
/// edges are short and a meridian meets a ring a few times, so few are open at once.
fn polygon_crossing(p: &Polygon<f64>) -> Option<Coord<f64>> {
    let mut segments: Vec<Line<f64>> = std::iter::once(p.exterior())
        .chain(p.interiors())
        .flat_map(|r| r.lines())
        .filter(|l| l.start != l.end)
        .collect();
    segments.sort_by(|a, b| a.start.x.min(a.end.x).total_cmp(&b.start.x.min(b.end.x)));
    let mut open: Vec<usize> = Vec::new();
    for (i, a) in segments.iter().enumerate() {
        let (west, (south, north)) = (a.start.x.min(a.end.x), span(a.start.y, a.end.y));
        open.retain(|&j| segments[j].start.x.max(segments[j].end.x) >= west);
        for &j in &open {
            let b = segments[j];
            let (s, n) = span(b.start.y, b.end.y);
            if s > north || n < south {
                continue;
            }
            match line_intersection(*a, b) {
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
        open.push(i);
    }
    None
}

fn span(a: f64, b: f64) -> (f64, f64) {
    (a.min(b), a.max(b))
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
