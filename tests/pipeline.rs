//! The whole pipeline on the hand-made grid fixture, whose figures are worked out by hand in
//! `tests/fixtures/README.md`.

mod common;

use approx::assert_relative_eq;
use citybelt::analyse::Placement;
use citybelt::config::{Membership, PartialPolicy};
use citybelt::model::TownKind;
use citybelt::pipeline::{Outcome, RunOptions, run};
use common::{feature_by, features, fixture, read_json};

// Geodesic areas from pyproj (see the fixtures README).
const A_110101: f64 = 2667.304588;
const A_110121: f64 = 2667.304588;
const A_120101: f64 = 2547.743751;
const A_120121: f64 = 2653.899930;

fn grid(partial: Option<PartialPolicy>, out: Option<std::path::PathBuf>) -> Outcome {
    run(&RunOptions {
        config: fixture("grid_region.toml"),
        partial,
        out,
        ..RunOptions::default()
    })
    .expect("the grid fixture runs")
}

fn county<'a>(o: &'a Outcome, id: &str) -> &'a citybelt::analyse::CountyResult {
    let b = o.boundaries.position(id).expect("boundary exists");
    o.analysis.county_of(b).expect("member county")
}

#[test]
fn areas_match_an_independent_geodesic_computation() {
    let o = grid(None, None);
    assert_relative_eq!(
        county(&o, "110101").stats.area_km2,
        A_110101,
        max_relative = 1e-8
    );
    // 乙县 is written clockwise: re-orientation on load keeps its area positive and right.
    assert_relative_eq!(
        county(&o, "110121").stats.area_km2,
        A_110121,
        max_relative = 1e-8
    );
    // 丙区's hole is subtracted.
    assert_relative_eq!(
        county(&o, "120101").stats.area_km2,
        A_120101,
        max_relative = 1e-8
    );
    assert_relative_eq!(
        o.analysis.region.stats.area_km2,
        A_110101 + A_110121 + A_120101,
        max_relative = 1e-8
    );
}

#[test]
fn counts_follow_the_hand_count() {
    let o = grid(None, None);
    let jia = &county(&o, "110101").stats;
    assert_eq!(jia.counts.get(TownKind::CountySeat), 1);
    assert_eq!(
        jia.counts.get(TownKind::Town),
        2,
        "its own town and the one on the shared edge"
    );
    assert_eq!(jia.counts.get(TownKind::Township), 1);
    assert_eq!(
        jia.counts.get(TownKind::Street),
        1,
        "the street on the four-county vertex"
    );
    assert_eq!(jia.seats_merged, 1);
    assert_eq!(jia.density_towns, 2);
    assert_relative_eq!(
        jia.towns_per_10k_km2,
        2.0 / A_110101 * 1e4,
        max_relative = 1e-8
    );

    let yi = &county(&o, "110121").stats;
    assert_eq!(
        (yi.counts.get(TownKind::Town), yi.density_towns),
        (1, 2),
        "the abolished town is not counted"
    );
    assert_eq!(
        county(&o, "120101").stats.density_towns,
        1,
        "the point in the hole is not in 丙区"
    );

    let region = &o.analysis.region.stats;
    assert_eq!(region.density_towns, 5);
    assert_relative_eq!(
        region.towns_per_10k_km2,
        5.0 / (A_110101 + A_110121 + A_120101) * 1e4,
        max_relative = 1e-8
    );
    let t = o.analysis.totals;
    assert_eq!(
        (
            t.rows,
            t.member,
            t.partial_excluded,
            t.non_member,
            t.outside
        ),
        (14, 9, 2, 1, 2)
    );
    assert_eq!((t.on_border, t.excluded_by_status), (2, 1));
}

#[test]
fn every_town_is_placed_once_or_reported_outside() {
    let o = grid(None, None);
    let placement = |id: &str| {
        let i = o.towns.towns.iter().position(|t| t.id == id).unwrap();
        (
            o.analysis.towns[i].placement,
            o.analysis.towns[i]
                .location
                .boundary()
                .map(|b| o.boundaries.features[b].id.as_str()),
        )
    };
    assert_eq!(
        placement("T04"),
        (Placement::Member, Some("110101")),
        "edge → smallest id"
    );
    assert_eq!(
        placement("T08"),
        (Placement::Member, Some("110101")),
        "vertex → smallest id"
    );
    assert_eq!(placement("T10"), (Placement::Outside, None), "in the hole");
    assert_eq!(
        placement("T12"),
        (Placement::PartialExcluded, Some("120121"))
    );
    assert_eq!(placement("T13"), (Placement::NonMember, Some("130101")));
    assert_eq!(placement("T14"), (Placement::Outside, None));
    let warned = o
        .analysis
        .warnings
        .iter()
        .find(|w| w.code == "towns_outside")
        .unwrap();
    assert_eq!(warned.count, 2);
}

#[test]
fn partial_policy_include_counts_partial_members_whole_and_flags_them() {
    let ex = grid(Some(PartialPolicy::Exclude), None);
    let inc = grid(Some(PartialPolicy::Include), None);
    assert_eq!(ex.analysis.counties.len(), 3);
    assert_eq!(inc.analysis.counties.len(), 4);
    assert_eq!(county(&inc, "120121").membership, Membership::Partial);
    assert_relative_eq!(
        inc.analysis.region.stats.area_km2 - ex.analysis.region.stats.area_km2,
        A_120121,
        max_relative = 1e-8
    );
    assert_eq!(inc.analysis.region.stats.density_towns, 7);
    assert!(
        inc.analysis
            .warnings
            .iter()
            .any(|w| w.code == "partial_included")
    );
    assert!(
        ex.analysis
            .warnings
            .iter()
            .any(|w| w.code == "partial_excluded")
    );
    // The zone takes 丁县 only under `include`.
    let zone = |o: &Outcome| o.analysis.belts[1].stats.area_km2;
    assert_relative_eq!(zone(&ex), A_110101 + A_120101, max_relative = 1e-8);
    assert_relative_eq!(
        zone(&inc),
        A_110101 + A_120101 + A_120121,
        max_relative = 1e-8
    );
}

#[test]
fn belts_are_many_to_many_and_outlines_keep_the_area() {
    let o = grid(None, None);
    let jia = county(&o, "110101");
    assert_eq!(jia.belts, vec![0, 1], "甲区 is in both belts");
    assert_eq!(
        county(&o, "110121").belts,
        vec![0],
        "乙县 is a county, not a district"
    );
    for b in &o.analysis.belts {
        assert_relative_eq!(b.outline_area_km2, b.stats.area_km2, max_relative = 1e-4);
    }
    assert_eq!(
        o.analysis.belts[0].outline.0.len(),
        1,
        "two neighbours dissolve into one polygon"
    );
    assert!(
        !o.analysis
            .warnings
            .iter()
            .any(|w| w.code == "outline_area_mismatch")
    );
}

#[test]
fn reference_comparison_uses_the_reference_kinds() {
    let o = grid(None, None);
    let c = &o.analysis.region.references[0];
    assert_relative_eq!(c.reference_towns_per_10k_km2, 50.0);
    assert_relative_eq!(c.ratio, c.region_towns_per_10k_km2 / 50.0);
}

#[test]
fn layers_carry_the_figures_and_the_crs_conventions() {
    let dir = tempfile::tempdir().unwrap();
    let o = grid(None, Some(dir.path().to_owned()));
    let names: Vec<_> = o
        .written
        .iter()
        .map(|p| {
            p.strip_prefix(dir.path())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for expected in [
        "counties.geojson",
        "towns.geojson",
        "belts.geojson",
        "belts/b_all.geojson",
        "belts/z_districts.geojson",
        "region.geojson",
        "summary.csv",
        "summary.json",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} written: {names:?}"
        );
    }
    let counties = read_json(&dir.path().join("counties.geojson"));
    assert!(counties.get("crs").is_none(), "RFC 7946: no crs member");
    let jia = feature_by(&counties, "adcode", "110101");
    assert_eq!(jia["properties"]["name"], "甲区");
    assert_eq!(jia["properties"]["membership"], "full");
    assert_eq!(jia["properties"]["density_towns"], 2);
    // Density by kind: 2 designated towns over 2,667.304588 km².
    assert_eq!(jia["properties"]["town_per_10k_km2"], 7.498);
    assert_eq!(jia["properties"]["street_per_10k_km2"], 3.749);
    assert_eq!(jia["properties"]["belts"], "b_all;z_districts");
    assert_eq!(jia["properties"]["in_b_all"], true);
    assert_eq!(jia["properties"]["centre"], "core");
    assert_eq!(jia["geometry"]["type"], "MultiPolygon");
    // 乙县 was clockwise in the input; the output exterior is counter-clockwise.
    let yi = feature_by(&counties, "adcode", "110121");
    let ring = yi["geometry"]["coordinates"][0][0].as_array().unwrap();
    let signed: f64 = ring
        .windows(2)
        .map(|w| {
            w[0][0].as_f64().unwrap() * w[1][1].as_f64().unwrap()
                - w[1][0].as_f64().unwrap() * w[0][1].as_f64().unwrap()
        })
        .sum();
    assert!(signed > 0.0, "exterior ring is counter-clockwise");

    let towns = read_json(&dir.path().join("towns.geojson"));
    assert_eq!(
        features(&towns).len(),
        14,
        "every input row is in the towns layer"
    );
    let hole = feature_by(&towns, "id", "T10");
    assert_eq!(hole["properties"]["placement"], "outside");
    assert!(hole["properties"]["county_adcode"].is_null());
    let edge = feature_by(&towns, "id", "T04");
    assert_eq!(edge["properties"]["on_border"], true);
    assert_eq!(
        edge["properties"]["note"],
        "on the edge 甲区|乙县: goes to 110101"
    );

    let text = std::fs::read_to_string(dir.path().join("counties.geojson")).unwrap();
    assert!(
        text.contains("甲区") && !text.contains("\\u"),
        "Chinese written unescaped"
    );

    let summary = read_json(&dir.path().join("summary.json"));
    assert_eq!(summary["region"]["density_towns"], 5);
    assert_eq!(summary["towns"]["outside"], 2);
    let csv = std::fs::read_to_string(dir.path().join("summary.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .starts_with("level,id,name,kind,membership,n_members,area_km2")
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("county,110101,甲区,county,full,1,2667.305,1,2,1,1,0,1,2,"))
    );
}

#[test]
fn precision_rounds_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    run(&RunOptions {
        config: fixture("grid_region.toml"),
        out: Some(dir.path().to_owned()),
        precision: Some(1),
        ..RunOptions::default()
    })
    .unwrap();
    let towns = read_json(&dir.path().join("towns.geojson"));
    assert_eq!(
        feature_by(&towns, "id", "T02")["geometry"]["coordinates"],
        serde_json::json!([104.3, 30.3])
    );
}
