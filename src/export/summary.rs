//! Summary tables: every figure of the report as CSV (one row per area) and JSON.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::Results;
use super::geojson::{num, put_stats};
use crate::analyse::AreaStats;
use crate::model::TownKind;

/// The summary as JSON: inputs and settings, the region, references, belts, prefectures,
/// counties, town totals and warnings. This is also what `citybelt run --json` prints.
pub fn summary_json(r: Results<'_>) -> Value {
    let reg = r.region;
    let an = r.analysis;
    let feats = &r.boundaries.features;
    let stats = |s: &AreaStats| {
        let mut m = Map::new();
        put_stats(&mut m, s);
        m
    };
    let mut region = Map::new();
    region.insert("id".into(), json!(reg.info.id));
    region.insert("name_zh".into(), json!(reg.info.name_zh));
    region.insert("name_en".into(), json!(reg.info.name_en));
    region.insert("source".into(), json!(reg.info.source));
    region.insert("scope_source".into(), json!(reg.scope_source));
    region.insert("scope_verified".into(), json!(reg.scope_verified));
    region.insert("partial_policy".into(), json!(reg.partial_policy.as_str()));
    region.insert("n_members".into(), json!(an.counties.len()));
    region.insert(
        "partial_members".into(),
        json!(
            an.counties
                .iter()
                .filter(|c| c.membership == crate::config::Membership::Partial)
                .map(|c| &feats[c.boundary].id)
                .collect::<Vec<_>>()
        ),
    );
    region.insert(
        "excluded_partial".into(),
        json!(
            reg.excluded_partial
                .iter()
                .map(|&b| &feats[b].id)
                .collect::<Vec<_>>()
        ),
    );
    region.insert(
        "density_kinds".into(),
        json!(
            reg.density_kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
        ),
    );
    region.insert("seat_merge_m".into(), json!(reg.seat_merge_m));
    region.insert("exclude_status".into(), json!(reg.exclude_status));
    region.extend(stats(&an.region.stats));
    region.insert(
        "outline_area_km2".into(),
        num(an.region.outline_area_km2, 3),
    );
    region.insert("outline_parts".into(), json!(an.region.outline.0.len()));

    let references: Vec<Value> = an
        .region
        .references
        .iter()
        .map(|c| {
            let rf = &reg.references[c.reference];
            json!({
                "id": rf.id, "name_zh": rf.name_zh, "name_en": rf.name_en,
                "kinds": rf.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
                "towns": rf.towns, "area_km2": rf.area_km2, "year": rf.year, "source": rf.source,
                "towns_per_10k_km2": num(c.reference_towns_per_10k_km2, 3),
                "region_towns_per_10k_km2": num(c.region_towns_per_10k_km2, 3),
                "ratio": num(c.ratio, 3),
            })
        })
        .collect();

    let belts: Vec<Value> = an
        .belts
        .iter()
        .map(|b| {
            let belt = &reg.belts[b.belt];
            let s = &belt.spec;
            let mut m = Map::new();
            m.insert("id".into(), json!(s.id));
            m.insert("name_zh".into(), json!(s.name_zh));
            m.insert("name_en".into(), json!(s.name_en));
            m.insert("kind".into(), json!(s.kind.as_str()));
            m.insert("verified".into(), json!(s.verified));
            m.insert("source".into(), json!(s.source));
            m.insert(
                "members".into(),
                json!(
                    belt.members
                        .iter()
                        .map(|&i| &feats[i].id)
                        .collect::<Vec<_>>()
                ),
            );
            m.extend(stats(&b.stats));
            m.insert("outline_area_km2".into(), num(b.outline_area_km2, 3));
            Value::Object(m)
        })
        .collect();

    let prefectures: Vec<Value> = an
        .prefectures
        .iter()
        .map(|p| {
            let mut m = Map::new();
            m.insert("id".into(), json!(p.id));
            m.insert("name".into(), json!(p.name));
            m.insert("n_members".into(), json!(p.counties.len()));
            m.extend(stats(&p.stats));
            Value::Object(m)
        })
        .collect();

    let counties: Vec<Value> = an
        .counties
        .iter()
        .map(|c| {
            let b = &feats[c.boundary];
            let mut m = Map::new();
            m.insert("id".into(), json!(b.id));
            m.insert("name".into(), json!(b.name));
            m.insert("prefecture_id".into(), json!(b.prefecture_id));
            m.insert("membership".into(), json!(c.membership.as_str()));
            m.insert(
                "belts".into(),
                json!(
                    c.belts
                        .iter()
                        .map(|&i| &reg.belts[i].spec.id)
                        .collect::<Vec<_>>()
                ),
            );
            m.extend(stats(&c.stats));
            Value::Object(m)
        })
        .collect();

    let t = &an.totals;
    json!({
        "generator": format!("citybelt {}", env!("CARGO_PKG_VERSION")),
        "inputs": {
            "config": reg.path.display().to_string(),
            "boundaries": r.boundaries.path.display().to_string(),
            "towns": r.towns.path.display().to_string(),
            "n_boundaries": feats.len(),
            "crs": "EPSG:4326 (WGS84 lon/lat)",
            "area_method": "geodesic on the WGS84 ellipsoid (Karney 2013)",
            "border_rule": "interior first, then boundary; ties go to the smallest county id",
        },
        "region": Value::Object(region),
        "references": references,
        "belts": belts,
        "prefectures": prefectures,
        "counties": counties,
        "towns": {
            "rows": t.rows, "member": t.member, "partial_excluded": t.partial_excluded,
            "non_member": t.non_member, "outside": t.outside, "on_border": t.on_border,
            "excluded_by_status": t.excluded_by_status,
        },
        "warnings": an.warnings.iter().map(|w| json!({"code": w.code, "count": w.count, "message": w.message})).collect::<Vec<_>>(),
    })
}

/// The summary as CSV, one row per area: `level` is `region`, `reference`, `belt`,
/// `prefecture` or `county`. Reference rows carry the official count in `density_towns` and,
/// in `region_ratio`, the region's density (counted with the reference's kinds) divided by it.
pub fn summary_csv(w: &mut dyn Write, r: Results<'_>) -> io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let mut header = vec![
        "level",
        "id",
        "name",
        "kind",
        "membership",
        "n_members",
        "area_km2",
    ];
    let kind_cols: Vec<String> = TownKind::ALL.iter().map(|k| format!("n_{k}")).collect();
    header.extend(kind_cols.iter().map(String::as_str));
    header.extend([
        "seats_merged",
        "density_towns",
        "towns_per_10k_km2",
        "region_ratio",
    ]);
    let kind_density: Vec<String> = TownKind::ALL
        .iter()
        .map(|k| format!("{k}_per_10k_km2"))
        .collect();
    header.extend(kind_density.iter().map(String::as_str));
    out.write_record(&header)?;

    let reg = r.region;
    let an = r.analysis;
    let fmt = |v: f64, places: usize| {
        if v.is_finite() {
            format!("{v:.places$}")
        } else {
            String::new()
        }
    };
    let row = |level: &str,
               id: &str,
               name: &str,
               kind: &str,
               membership: &str,
               n: usize,
               s: &AreaStats| {
        let mut rec = vec![
            level.to_owned(),
            id.to_owned(),
            name.to_owned(),
            kind.to_owned(),
            membership.to_owned(),
            n.to_string(),
            fmt(s.area_km2, 3),
        ];
        rec.extend(TownKind::ALL.iter().map(|&k| s.counts.get(k).to_string()));
        rec.extend([
            s.seats_merged.to_string(),
            s.density_towns.to_string(),
            fmt(s.towns_per_10k_km2, 3),
            String::new(),
        ]);
        rec.extend(
            TownKind::ALL
                .iter()
                .map(|&k| fmt(crate::analyse::per_10k_km2(s.counts.get(k), s.area_km2), 3)),
        );
        rec
    };
    out.write_record(row(
        "region",
        &reg.info.id,
        &reg.info.name_zh,
        "region",
        reg.partial_policy.as_str(),
        an.counties.len(),
        &an.region.stats,
    ))?;
    for c in &an.region.references {
        let rf = &reg.references[c.reference];
        let mut rec = vec![
            "reference".to_owned(),
            rf.id.clone(),
            rf.name_zh.clone(),
            rf.kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join("+"),
            String::new(),
            String::new(),
            fmt(rf.area_km2, 3),
        ];
        rec.extend(TownKind::ALL.iter().map(|_| String::new()));
        rec.extend([
            String::new(),
            rf.towns.to_string(),
            fmt(c.reference_towns_per_10k_km2, 3),
            fmt(c.ratio, 3),
        ]);
        rec.extend(TownKind::ALL.iter().map(|_| String::new()));
        out.write_record(rec)?;
    }
    for b in &an.belts {
        let belt = &reg.belts[b.belt];
        out.write_record(row(
            "belt",
            &belt.spec.id,
            &belt.spec.name_zh,
            belt.spec.kind.as_str(),
            "",
            belt.members.len(),
            &b.stats,
        ))?;
    }
    for p in &an.prefectures {
        out.write_record(row(
            "prefecture",
            &p.id,
            &p.name,
            "prefecture",
            "",
            p.counties.len(),
            &p.stats,
        ))?;
    }
    for c in &an.counties {
        let b = &r.boundaries.features[c.boundary];
        out.write_record(row(
            "county",
            &b.id,
            &b.name,
            "county",
            c.membership.as_str(),
            1,
            &c.stats,
        ))?;
    }
    out.flush()
}
