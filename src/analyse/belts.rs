//! Outlines of belts and of the region.

use geo::{MultiPolygon, unary_union};

/// Largest relative difference allowed between an outline's area and the sum of its members'
/// areas before a warning is raised: 0.01 %.
pub const OUTLINE_TOLERANCE: f64 = 1.0e-4;

/// The union of county outlines: shared borders dissolve, exclaves stay separate polygons.
///
/// Inputs must be oriented (as loaders leave them).
pub fn dissolve<'a>(parts: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> MultiPolygon<f64> {
    unary_union(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse::area_km2;
    use approx::assert_relative_eq;
    use geo::polygon;

    #[test]
    fn neighbours_dissolve_and_exclaves_stay_apart() {
        let sq = |x: f64| {
            MultiPolygon(vec![polygon![
                (x: x, y: 30.0), (x: x + 1.0, y: 30.0), (x: x + 1.0, y: 31.0), (x: x, y: 31.0), (x: x, y: 30.0)
            ]])
        };
        let (a, b, far) = (sq(100.0), sq(101.0), sq(105.0));
        let out = dissolve([&a, &b, &far]);
        assert_eq!(out.0.len(), 2, "two touching squares merge, the far one stays apart");
        assert_relative_eq!(area_km2(&out), area_km2(&a) + area_km2(&b) + area_km2(&far), max_relative = 1e-9);
    }
}
