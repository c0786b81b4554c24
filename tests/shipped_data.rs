//! The default region on the shipped data (`assets/chengyu/`): conservation of towns, areas
//! against an independent computation, belt outlines, and the index against brute force on
//! real shared borders.

mod common;

use approx::assert_relative_eq;
use citybelt::analyse::{OUTLINE_TOLERANCE, Placement};
use citybelt::config::{BoundaryInput, PartialPolicy};
use citybelt::index::{CountyIndex, Location};
use citybelt::load::load_boundaries;
use citybelt::model::TownKind;
use citybelt::pipeline::{Outcome, RunOptions, run};
use common::asset;
use geo::{Contains, CoordsIter, Point};

// Geodesic areas of counties_lite.geojson computed independently with pyproj 3.7
// (`Geod(ellps="WGS84").geometry_area_perimeter` over shapely geometries):
/// The 140 full members.
const FULL_KM2: f64 = 181_574.336858;
/// 开州区 + 云阳县, the partial members.
const PARTIAL_KM2: f64 = 7_598.383036;
/// 万州区 alone.
const WANZHOU_KM2: f64 = 3_452.331632;

fn shipped(policy: PartialPolicy) -> Outcome {
    run(&RunOptions {
        config: asset("region.toml"),
        partial: Some(policy),
        ..RunOptions::default()
    })
    .expect("the shipped region runs")
}

#[test]
fn scope_has_the_plans_members_and_area() {
    let inc = shipped(PartialPolicy::Include);
    let ex = shipped(PartialPolicy::Exclude);
    assert_eq!(
        inc.analysis.counties.len(),
        142,
        "27 + 2 partial Chongqing units, 113 Sichuan units"
    );
    assert_eq!(ex.analysis.counties.len(), 140);
    assert_relative_eq!(
        inc.analysis.region.stats.area_km2,
        FULL_KM2 + PARTIAL_KM2,
        max_relative = 1e-8
    );
    assert_relative_eq!(
        ex.analysis.region.stats.area_km2,
        FULL_KM2,
        max_relative = 1e-8
    );
    let wanzhou = inc.boundaries.position("500101").unwrap();
    assert_relative_eq!(
        inc.analysis.county_of(wanzhou).unwrap().stats.area_km2,
        WANZHOU_KM2,
        max_relative = 1e-8
    );
    for out in ["510726", "510727", "511781", "511825", "511827"] {
        let b = inc.boundaries.position(out).unwrap();
        assert!(
            inc.analysis.county_of(b).is_none(),
            "{out} is excluded by the plan"
        );
    }
}

#[test]
fn every_town_row_is_counted_exactly_once() {
    for policy in [PartialPolicy::Include, PartialPolicy::Exclude] {
        let o = shipped(policy);
        let rows = o.towns.towns.len();
        assert_eq!(rows, 5_633, "towns.csv rows");
        // Each row has exactly one location, so per-county tallies plus outside add up.
        let mut per_county = vec![0usize; o.boundaries.features.len()];
        let mut outside = 0;
        for r in &o.analysis.towns {
            match r.location {
                Location::In { boundary, .. } => per_county[boundary] += 1,
                Location::Outside => outside += 1,
            }
        }
        assert_eq!(per_county.iter().sum::<usize>() + outside, rows);
        let t = o.analysis.totals;
        assert_eq!(
            t.member + t.partial_excluded + t.non_member + t.outside,
            t.rows
        );
        // The member counties' counts are exactly the counted towns placed in members.
        let counted_in_members = o
            .analysis
            .towns
            .iter()
            .filter(|r| r.placement == Placement::Member && r.counted)
            .count() as u64;
        let county_sum: u64 = o
            .analysis
            .counties
            .iter()
            .map(|c| c.stats.counts.total())
            .sum();
        assert_eq!(county_sum, counted_in_members);
        assert_eq!(o.analysis.region.stats.counts.total(), counted_in_members);
        // Prefectures partition the region.
        let pref_sum: u64 = o
            .analysis
            .prefectures
            .iter()
            .map(|p| p.stats.density_towns)
            .sum();
        assert_eq!(pref_sum, o.analysis.region.stats.density_towns);
    }
}

#[test]
fn county_seats_fall_in_their_own_county() {
    let o = shipped(PartialPolicy::Include);
    let mut seats = 0;
    for (t, r) in o.towns.towns.iter().zip(&o.analysis.towns) {
        if t.kind == TownKind::CountySeat {
            seats += 1;
            let got = r
                .location
                .boundary()
                .map(|b| o.boundaries.features[b].id.as_str());
            assert_eq!(got, Some(t.id.as_str()), "seat {} {}", t.id, t.name);
        }
    }
    assert_eq!(seats, 221);
}

#[test]
fn belt_outlines_keep_their_members_area() {
    let o = shipped(PartialPolicy::Include);
    assert_eq!(
        o.analysis.belts.len(),
        6,
        "five belts and zones plus the axis"
    );
    for b in &o.analysis.belts {
        let rel = (b.outline_area_km2 - b.stats.area_km2).abs() / b.stats.area_km2;
        assert!(
            rel <= OUTLINE_TOLERANCE,
            "{}: {rel}",
            o.region.belts[b.belt].spec.id
        );
    }
    let region = &o.analysis.region;
    assert!(
        (region.outline_area_km2 - region.stats.area_km2).abs() / region.stats.area_km2
            <= OUTLINE_TOLERANCE
    );
    assert!(
        !o.analysis
            .warnings
            .iter()
            .any(|w| w.code == "outline_area_mismatch")
    );
    // 黔江 touches no other member: its seat lies in an outline part of its own.
    let qianjiang = o
        .towns
        .towns
        .iter()
        .find(|t| t.id == "500114")
        .unwrap()
        .position;
    let part = region
        .outline
        .0
        .iter()
        .find(|p| p.contains(&qianjiang))
        .expect("黔江 is in the outline");
    let chengdu = o
        .towns
        .towns
        .iter()
        .find(|t| t.id == "510104")
        .unwrap()
        .position;
    assert!(
        !part.contains(&chengdu),
        "黔江 is an exclave, apart from the main body"
    );
    // Many-to-many: 泸州's districts are in both 沿江 and 川南.
    let luzhou = o
        .analysis
        .county_of(o.boundaries.position("510502").unwrap())
        .unwrap();
    let ids: Vec<&str> = luzhou
        .belts
        .iter()
        .map(|&i| o.region.belts[i].spec.id.as_str())
        .collect();
    assert!(
        ids.contains(&"yanjiang") && ids.contains(&"chuannan"),
        "{ids:?}"
    );
}

#[test]
fn density_is_far_above_both_references() {
    let o = shipped(PartialPolicy::Include);
    for c in &o.analysis.region.references {
        assert!(
            c.ratio > 2.0,
            "{}: {}",
            o.region.references[c.reference].id,
            c.ratio
        );
    }
}

/// Deterministic SplitMix64.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn index_matches_brute_force_on_real_shared_vertices_and_edges() {
    let counties =
        load_boundaries(&BoundaryInput::with_path(asset("counties_lite.geojson"))).unwrap();
    let index = CountyIndex::new(&counties);
    let coords: Vec<_> = counties
        .features
        .iter()
        .flat_map(|b| b.geometry.coords_iter())
        .collect();
    let mut state = 0xC17B_E175;
    let mut on_border = 0;
    for _ in 0..600 {
        let i = (splitmix(&mut state) % (coords.len() as u64 - 1)) as usize;
        let (a, b) = (coords[i], coords[i + 1]);
        // A vertex (shared by the neighbours that meet there), the midpoint of an edge, and a
        // random point in the box of the layer.
        let r = |s: &mut u64| (splitmix(s) >> 11) as f64 / (1u64 << 53) as f64;
        let random = Point::new(97.3 + 12.9 * r(&mut state), 26.0 + 8.3 * r(&mut state));
        for p in [
            Point::from(a),
            Point::new((a.x + b.x) / 2.0, (a.y + b.y) / 2.0),
            random,
        ] {
            let got = index.locate(p);
            assert_eq!(
                got,
                CountyIndex::locate_brute_force(&counties, p),
                "at {p:?}"
            );
            on_border += usize::from(matches!(
                got,
                Location::In {
                    on_border: true,
                    ..
                }
            ));
        }
    }
    assert!(
        on_border >= 600,
        "vertices were tested on borders: {on_border}"
    );
}
