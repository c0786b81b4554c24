//! GCJ-02 and BD-09, the offset coordinate systems of Chinese web maps.
//!
//! GCJ-02 (国测局坐标, "Mars coordinates") adds a smooth, position-dependent offset of a few
//! hundred metres to WGS84 lon/lat inside mainland China; BD-09 (Baidu) adds a second one on
//! top of GCJ-02. The forward functions follow the published algorithm (the constants of
//! Krasovsky's ellipsoid, `a = 6378245 m`, `e² = 0.00669342162296594323`, and the
//! `out_of_china` box), as used by the widely copied `coordtransform` implementations.
//! The algorithm defines **no offset outside its box** (lon 72.004–137.8347°E,
//! lat 0.8293–55.8271°N), so points there pass through unchanged.
//!
//! The inverses have no closed form; they are solved by fixed-point iteration on the forward
//! function until the round trip agrees to better than [`INVERSE_TOLERANCE_DEG`].
//!
//! # Units
//! - every argument and result: degrees of longitude and latitude
//!
//! # Examples
//! ```
//! use citybelt::crs::china::{gcj02_from_wgs84, wgs84_from_gcj02};
//! let (glon, glat) = gcj02_from_wgs84(116.404, 39.915);
//! assert!((glon - 116.41024449916938).abs() < 1e-12 && (glat - 39.91640428150164).abs() < 1e-12);
//! let (lon, lat) = wgs84_from_gcj02(glon, glat);
//! assert!((lon - 116.404).abs() < 1e-9 && (lat - 39.915).abs() < 1e-9);
//! ```

use std::f64::consts::PI;

/// Semi-major axis of Krasovsky 1940, used by GCJ-02.
///
/// # Units
/// metres
const A: f64 = 6_378_245.0;
/// First eccentricity squared of Krasovsky 1940, written as the published algorithm writes it
/// (more digits than an f64 holds).
#[allow(clippy::excessive_precision)]
const EE: f64 = 0.006_693_421_622_965_943_23;
/// The BD-09 rotation constant `π × 3000 / 180`.
const X_PI: f64 = PI * 3000.0 / 180.0;

/// The inverses stop once a forward step reproduces the input to within this.
///
/// # Units
/// degrees (1e-9° is about 0.1 mm)
pub const INVERSE_TOLERANCE_DEG: f64 = 1e-10;

/// Iterations after which an inverse gives up improving (it converges in 3–6).
const MAX_ITERATIONS: usize = 30;

/// Whether the published algorithm leaves this point unchanged (outside its China box).
pub fn out_of_china(lon: f64, lat: f64) -> bool {
    !((72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat))
}

fn d_lat(x: f64, y: f64) -> f64 {
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn d_lon(x: f64, y: f64) -> f64 {
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 → GCJ-02 (the published forward formula).
pub fn gcj02_from_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    let (x, y) = (lon - 105.0, lat - 35.0);
    let rad_lat = lat / 180.0 * PI;
    let s = rad_lat.sin();
    let magic = 1.0 - EE * s * s;
    let sq = magic.sqrt();
    let dlat = (d_lat(x, y) * 180.0) / ((A * (1.0 - EE)) / (magic * sq) * PI);
    let dlon = (d_lon(x, y) * 180.0) / (A / sq * rad_lat.cos() * PI);
    (lon + dlon, lat + dlat)
}

/// GCJ-02 → BD-09 (the published forward formula).
pub fn bd09_from_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let z = (lon * lon + lat * lat).sqrt() + 0.00002 * (lat * X_PI).sin();
    let theta = lat.atan2(lon) + 0.000003 * (lon * X_PI).cos();
    (z * theta.cos() + 0.0065, z * theta.sin() + 0.006)
}

/// WGS84 → BD-09: GCJ-02 first, then BD-09.
pub fn bd09_from_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    let (glon, glat) = gcj02_from_wgs84(lon, lat);
    bd09_from_gcj02(glon, glat)
}

/// Inverts `forward` near `(lon, lat)` by fixed-point iteration: `p ← p + (target − f(p))`.
///
/// Both offsets change by less than 1e-5 per degree, so each step shrinks the error by five
/// orders of magnitude.
fn invert(lon: f64, lat: f64, forward: impl Fn(f64, f64) -> (f64, f64)) -> (f64, f64) {
    let (mut x, mut y) = (lon, lat);
    for _ in 0..MAX_ITERATIONS {
        let (fx, fy) = forward(x, y);
        let (dx, dy) = (lon - fx, lat - fy);
        x += dx;
        y += dy;
        if dx.abs() < INVERSE_TOLERANCE_DEG && dy.abs() < INVERSE_TOLERANCE_DEG {
            break;
        }
    }
    (x, y)
}

/// GCJ-02 → WGS84, solved iteratively (round trip better than 1e-9°).
pub fn wgs84_from_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    if out_of_china(lon, lat) {
        return (lon, lat);
    }
    invert(lon, lat, gcj02_from_wgs84)
}

/// BD-09 → GCJ-02, solved iteratively (round trip better than 1e-9°).
pub fn gcj02_from_bd09(lon: f64, lat: f64) -> (f64, f64) {
    invert(lon, lat, bd09_from_gcj02)
}

/// BD-09 → WGS84, solved iteratively in one step over the composed forward function.
pub fn wgs84_from_bd09(lon: f64, lat: f64) -> (f64, f64) {
    invert(lon, lat, bd09_from_wgs84)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: (f64, f64), b: (f64, f64), tol: f64) -> bool {
        (a.0 - b.0).abs() <= tol && (a.1 - b.1).abs() <= tol
    }

    /// The example pairs printed in the README of wandergis/coordtransform (the most
    /// copied implementation of the published formulas) for the point 116.404, 39.915.
    #[test]
    fn published_pairs() {
        let p = (116.404, 39.915);
        assert!(close(
            gcj02_from_wgs84(p.0, p.1),
            (116.41024449916938, 39.91640428150164),
            1e-12
        ));
        assert!(close(
            bd09_from_gcj02(p.0, p.1),
            (116.41036949371029, 39.92133699351021),
            1e-12
        ));
        // coordtransform's bd09togcj02 is the closed-form approximation; ours is exact, and
        // the two agree to its accuracy (≈ 1e-6°).
        assert!(close(
            gcj02_from_bd09(p.0, p.1),
            (116.39762729119315, 39.90865673957631),
            2e-6
        ));
        // Beijing railway station, GCJ-02 (39.90245, 116.42703) ↔ BD-09 (39.90851, 116.43351),
        // as printed (5 decimals) in the documentation of R's `cst::bd2gcj`.
        assert!(close(
            bd09_from_gcj02(116.42703, 39.90245),
            (116.43351, 39.90851),
            1e-5
        ));
    }

    #[test]
    fn inverses_round_trip_to_better_than_1e_9_degrees() {
        for lon in (0..=60).map(|i| 73.0 + f64::from(i)) {
            for lat in (0..=50).map(|i| 4.0 + f64::from(i)) {
                let g = gcj02_from_wgs84(lon, lat);
                assert!(
                    close(wgs84_from_gcj02(g.0, g.1), (lon, lat), 1e-9),
                    "{lon} {lat}"
                );
                let b = bd09_from_gcj02(lon, lat);
                assert!(
                    close(gcj02_from_bd09(b.0, b.1), (lon, lat), 1e-9),
                    "{lon} {lat}"
                );
                let b = bd09_from_wgs84(lon, lat);
                assert!(
                    close(wgs84_from_bd09(b.0, b.1), (lon, lat), 1e-9),
                    "{lon} {lat}"
                );
            }
        }
    }

    #[test]
    fn offset_is_hundreds_of_metres_in_china_and_zero_outside() {
        let (glon, glat) = gcj02_from_wgs84(104.0657, 30.6595);
        let moved = (glon - 104.0657).abs() + (glat - 30.6595).abs();
        assert!(moved > 1e-3 && moved < 1e-2, "{moved}");
        for p in [(2.35, 48.85), (-74.0, 40.7), (139.7, 35.7), (100.0, 0.5)] {
            assert_eq!(gcj02_from_wgs84(p.0, p.1), p);
            assert_eq!(wgs84_from_gcj02(p.0, p.1), p);
        }
    }
}
