//! Areas and town density.

use geo::{GeodesicArea, MultiPolygon};

use crate::model::{KindCounts, TownKind};

/// Square metres in a square kilometre.
const M2_PER_KM2: f64 = 1.0e6;

/// Geodesic area of a lon/lat (Multi)Polygon on the WGS84 ellipsoid (Karney 2013, via
/// [`geo::GeodesicArea`]), holes subtracted.
///
/// # Units
/// - `geometry`: WGS84 lon/lat degrees
/// - return value: km²
pub fn area_km2(geometry: &MultiPolygon<f64>) -> f64 {
    geometry.geodesic_area_unsigned() / M2_PER_KM2
}

/// Towns per 10,000 km²: `count / area_km2 × 10,000`. Zero area gives `NaN`, which the
/// exporters write as `null`.
///
/// # Units
/// - `area_km2`: km²
/// - return value: towns per 10,000 km²
pub fn per_10k_km2(count: u64, area_km2: f64) -> f64 {
    if area_km2 > 0.0 {
        count as f64 / area_km2 * 10_000.0
    } else {
        f64::NAN
    }
}

/// Counts and density of one area (a county, prefecture, belt or the region).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AreaStats {
    /// Sum of the member counties' geodesic areas.
    ///
    /// # Units
    /// km²
    pub area_km2: f64,
    /// Counted towns (those not excluded by status) by kind.
    pub counts: KindCounts,
    /// County seats counted once with a town of another counted kind (see
    /// [`crate::config::DensitySpec::seat_merge_m`]).
    pub seats_merged: u64,
    /// Towns of the density kinds, merged seats counted once: the density's numerator.
    pub density_towns: u64,
    /// `density_towns` per 10,000 km².
    ///
    /// # Units
    /// towns per 10,000 km²
    pub towns_per_10k_km2: f64,
}

impl AreaStats {
    /// Stats for an area from its counts, computing the density for `kinds`.
    pub fn new(area_km2: f64, counts: KindCounts, seats_merged: u64, kinds: &[TownKind]) -> Self {
        let density_towns = counts.sum_of(kinds).saturating_sub(seats_merged);
        AreaStats {
            area_km2,
            counts,
            seats_merged,
            density_towns,
            towns_per_10k_km2: per_10k_km2(density_towns, area_km2),
        }
    }

    /// Stats of a union of disjoint areas: areas and counts add up.
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a AreaStats>, kinds: &[TownKind]) -> Self {
        let mut area = 0.0;
        let mut counts = KindCounts::default();
        let mut merged = 0;
        for p in parts {
            area += p.area_km2;
            counts.merge(&p.counts);
            merged += p.seats_merged;
        }
        AreaStats::new(area, counts, merged, kinds)
    }

    /// Density of this area for other kinds (e.g. a reference's), merged seats counted once
    /// when both seats and another kind are included.
    ///
    /// # Units
    /// towns per 10,000 km²
    pub fn towns_per_10k_km2_for(&self, kinds: &[TownKind]) -> f64 {
        let merged = if kinds.contains(&TownKind::CountySeat) && kinds.len() > 1 {
            self.seats_merged
        } else {
            0
        };
        per_10k_km2(
            self.counts.sum_of(kinds).saturating_sub(merged),
            self.area_km2,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;
    use geo::polygon;

    #[test]
    fn one_degree_cell_at_the_equator() {
        // Area of the cell 0–1°E, 0–1°N on the WGS84 ellipsoid: 12,308.778 km²
        // (GeographicLib Planimeter; pyproj Geod(ellps="WGS84").polygon_area_perimeter gives
        // 12308778361.47 m²).
        let cell = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0), (x: 0.0, y: 0.0)
        ]]);
        assert_relative_eq!(area_km2(&cell), 12_308.778_361, max_relative = 1e-9);
    }

    #[test]
    fn density_is_per_ten_thousand_square_kilometres() {
        assert_relative_eq!(per_10k_km2(25, 5_000.0), 50.0);
        assert!(per_10k_km2(3, 0.0).is_nan());
    }

    #[test]
    fn merged_seats_count_once() {
        let mut c = KindCounts::default();
        c.add(TownKind::CountySeat);
        c.add(TownKind::Town);
        c.add(TownKind::Town);
        c.add(TownKind::Township);
        let kinds = [TownKind::CountySeat, TownKind::Town];
        let s = AreaStats::new(10_000.0, c, 1, &kinds);
        assert_eq!(s.density_towns, 2);
        assert_relative_eq!(s.towns_per_10k_km2, 2.0);
        // Towns alone are not reduced by merged seats.
        assert_relative_eq!(s.towns_per_10k_km2_for(&[TownKind::Town]), 2.0);
        assert_relative_eq!(s.towns_per_10k_km2_for(&TownKind::ALL), 3.0);
    }
}
