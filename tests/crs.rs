//! GCJ-02 and BD-09 on real data: the shipped towns make the round trip to within a
//! centimetre, and citybelt's forward conversions agree with the converter the shipped data
//! was made with (`shared/data/tools/gcj02.py`, whose output is in
//! `tests/fixtures/formats/towns_gcj02.csv`) and with the published BD-09 formula
//! (`towns_bd09.csv`).

mod common;

use citybelt::config::TownInput;
use citybelt::crs::china::{bd09_from_gcj02, bd09_from_wgs84, gcj02_from_wgs84};
use citybelt::crs::{Crs, Datum, ToWgs84};
use citybelt::load::load_towns;
use geo::{Distance, Haversine, Point};

/// The bound for a round trip.
///
/// # Units
/// metres
const ROUND_TRIP_MAX_M: f64 = 0.01;

fn shipped_towns() -> Vec<Point<f64>> {
    let mut input = TownInput::with_path(common::asset("towns.csv"));
    input.crs = Some(Crs::Wgs84);
    load_towns(&input)
        .unwrap()
        .towns
        .into_iter()
        .map(|t| t.position)
        .collect()
}

#[test]
fn shipped_towns_survive_the_gcj02_and_bd09_round_trips() {
    let towns = shipped_towns();
    assert_eq!(towns.len(), 5_633);
    for (datum, forward) in [
        (Datum::Gcj02, gcj02_from_wgs84 as fn(f64, f64) -> (f64, f64)),
        (Datum::Bd09, bd09_from_wgs84),
    ] {
        let back = ToWgs84::new(&Crs::Wgs84, datum).unwrap();
        let mut worst = 0.0f64;
        let mut least_offset = f64::INFINITY;
        for p in &towns {
            let (x, y) = forward(p.x(), p.y());
            least_offset = least_offset.min(Haversine.distance(*p, Point::new(x, y)));
            let q = back.apply(x, y).unwrap();
            worst = worst.max(Haversine.distance(*p, Point::from(q)));
        }
        assert!(
            worst < ROUND_TRIP_MAX_M,
            "{datum}: a town moved {worst} m after the round trip"
        );
        // The offset itself is hundreds of metres everywhere in Sichuan and Chongqing.
        assert!(
            least_offset > 100.0,
            "{datum}: smallest offset {least_offset} m"
        );
    }
}

fn fixture_positions(name: &str) -> Vec<(f64, f64)> {
    let mut input = TownInput::with_path(common::fixture(&format!("formats/{name}")));
    input.crs = Some(Crs::Wgs84);
    input.status = None;
    input.name = "name_zh".into();
    load_towns(&input)
        .unwrap()
        .towns
        .into_iter()
        .map(|t| (t.position.x(), t.position.y()))
        .collect()
}

#[test]
fn forward_conversions_match_the_tools_that_made_the_fixtures() {
    let wgs = fixture_positions("towns.csv");
    let gcj = fixture_positions("towns_gcj02.csv");
    let bd = fixture_positions("towns_bd09.csv");
    assert_eq!((wgs.len(), gcj.len(), bd.len()), (10, 10, 10));
    // The fixtures hold 10 decimals, so agreement is to their rounding (5e-11°).
    for ((w, g), b) in wgs.iter().zip(&gcj).zip(&bd) {
        let ours = gcj02_from_wgs84(w.0, w.1);
        assert!(
            (ours.0 - g.0).abs() < 1e-10 && (ours.1 - g.1).abs() < 1e-10,
            "{ours:?} vs gcj02.py {g:?}"
        );
        let ours = bd09_from_gcj02(g.0, g.1);
        assert!(
            (ours.0 - b.0).abs() < 1e-10 && (ours.1 - b.1).abs() < 1e-10,
            "{ours:?} vs {b:?}"
        );
    }
}
