//! Outlines of belts and of the region.

use geo::orient::{Direction, Orient};
use geo::{Coord, CoordsIter, LineString, MultiPolygon, Polygon, unary_union};
use rstar::{AABB, RTree};

/// Largest relative difference allowed between an outline's area and the sum of its members'
/// areas before a warning is raised: 0.01 %.
pub const OUTLINE_TOLERANCE: f64 = 1.0e-4;

/// How far (in degrees, about 0.1 mm) an input vertex may lie from an outline edge and still
/// be put back on it. The union snaps coordinates to a grid of about 2e-10°.
const ON_EDGE_DEG: f64 = 1.0e-9;

/// The union of county outlines: shared borders dissolve, exclaves stay separate polygons.
///
/// The union merges edges that are collinear in degrees, e.g. two counties' southern edges
/// along one parallel. In lon/lat that changes the shape: an edge is a geodesic, and one long
/// geodesic between two points on a parallel bows towards the pole, where the two short ones
/// did not. So every input vertex that lies on an outline edge is put back, and the outline
/// keeps exactly the members' edges (and their geodesic area).
///
/// Inputs must be oriented (as loaders leave them).
pub fn dissolve<'a>(
    parts: impl IntoIterator<Item = &'a MultiPolygon<f64>> + Clone,
) -> MultiPolygon<f64> {
    let union = unary_union(parts.clone());
    let vertices: Vec<[f64; 2]> = parts
        .into_iter()
        .flat_map(|mp| mp.coords_iter().map(|c| [c.x, c.y]))
        .collect();
    let tree = RTree::bulk_load(vertices);
    let polygons = union
        .0
        .iter()
        .map(|p| {
            Polygon::new(
                restore_ring(p.exterior(), &tree),
                p.interiors()
                    .iter()
                    .map(|r| restore_ring(r, &tree))
                    .collect(),
            )
        })
        .collect();
    // The union does not promise ring orientation (a sliver hole left between a repaired
    // polygon and its neighbours came out counter-clockwise), and geodesic area needs it.
    MultiPolygon(polygons).orient(Direction::Default)
}

/// Re-inserts the input vertices lying on each edge of `ring`, in order along the edge.
fn restore_ring(ring: &LineString<f64>, tree: &RTree<[f64; 2]>) -> LineString<f64> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.0.len());
    for edge in ring.lines() {
        let (a, b) = (edge.start, edge.end);
        out.push(a);
        let d = b - a;
        let len2 = d.x * d.x + d.y * d.y;
        if len2 == 0.0 {
            continue;
        }
        let envelope = AABB::from_corners(
            [a.x.min(b.x) - ON_EDGE_DEG, a.y.min(b.y) - ON_EDGE_DEG],
            [a.x.max(b.x) + ON_EDGE_DEG, a.y.max(b.y) + ON_EDGE_DEG],
        );
        let mut on_edge: Vec<(f64, Coord<f64>)> = tree
            .locate_in_envelope(&envelope)
            .filter_map(|v| {
                let c = Coord { x: v[0], y: v[1] };
                let t = ((c.x - a.x) * d.x + (c.y - a.y) * d.y) / len2;
                let off = ((c.x - a.x) * d.y - (c.y - a.y) * d.x).abs() / len2.sqrt();
                let end_gap = ON_EDGE_DEG / len2.sqrt();
                (t > end_gap && t < 1.0 - end_gap && off <= ON_EDGE_DEG).then_some((t, c))
            })
            .collect();
        on_edge.sort_by(|x, y| x.0.total_cmp(&y.0));
        on_edge.dedup_by(|x, y| {
            (x.1.x - y.1.x).abs() <= ON_EDGE_DEG && (x.1.y - y.1.y).abs() <= ON_EDGE_DEG
        });
        out.extend(on_edge.into_iter().map(|(_, c)| c));
    }
    if let Some(&first) = out.first() {
        out.push(first);
    }
    LineString::new(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::area_km2;
    use approx::assert_relative_eq;
    use geo::polygon;

    fn cell(x: f64, y: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: x, y: y), (x: x + 1.0, y: y), (x: x + 1.0, y: y + 1.0), (x: x, y: y + 1.0), (x: x, y: y)
        ]])
    }

    #[test]
    fn neighbours_dissolve_and_exclaves_stay_apart() {
        let (a, b, far) = (cell(100.0, 30.0), cell(101.0, 30.0), cell(105.0, 30.0));
        let out = dissolve([&a, &b, &far]);
        assert_eq!(
            out.0.len(),
            2,
            "two touching squares merge, the far one stays apart"
        );
        assert_relative_eq!(
            area_km2(&out),
            area_km2(&a) + area_km2(&b) + area_km2(&far),
            max_relative = 1e-9
        );
    }

    #[test]
    fn vertices_on_merged_parallel_edges_are_kept() {
        // Without the middle vertices the 2°-long edges along 30°N and 31°N would be single
        // geodesics, and the outline's area would be off by about 0.06 %.
        let (a, b) = (cell(100.0, 30.0), cell(101.0, 30.0));
        let out = dissolve([&a, &b]);
        let ring = &out.0[0].exterior().0;
        assert!(
            ring.contains(&Coord { x: 101.0, y: 30.0 })
                && ring.contains(&Coord { x: 101.0, y: 31.0 })
        );
        assert_relative_eq!(
            area_km2(&out),
            area_km2(&a) + area_km2(&b),
            max_relative = 1e-9
        );
    }
}
