//! Summary tables: every figure of the report as CSV (one row per area) and JSON.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::Results;
use super::geojson::{num, put_stats};
use super::layers::{Column, FieldType};
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

/// The summary as a table, one row per area: `level` is `region`, `reference`, `belt`,
/// `prefecture` or `county`. Reference rows carry the official count in `density_towns` and,
/// in `region_ratio`, the region's density (counted with the reference's kinds) divided by it.
///
/// This is what `summary.csv` and the GeoPackage's `summary` table hold. Real numbers are
/// unrounded here; writers round them to 3 decimals. Cells that do not apply are `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryTable {
    /// Column names and types.
    pub columns: Vec<Column>,
    /// One row per area, one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// Builds the [`SummaryTable`].
pub fn summary_table(r: Results<'_>) -> SummaryTable {
    let text = |name: &str| Column {
        name: name.to_owned(),
        field_type: FieldType::Text,
    };
    let typed = |name: String, field_type| Column { name, field_type };
    let mut columns: Vec<Column> = ["level", "id", "name", "kind", "membership"]
        .into_iter()
        .map(text)
        .collect();
    columns.push(typed("n_members".into(), FieldType::Integer));
    columns.push(typed("area_km2".into(), FieldType::Real));
    for k in TownKind::ALL {
        columns.push(typed(format!("n_{k}"), FieldType::Integer));
    }
    columns.push(typed("seats_merged".into(), FieldType::Integer));
    columns.push(typed("density_towns".into(), FieldType::Integer));
    columns.push(typed("towns_per_10k_km2".into(), FieldType::Real));
    columns.push(typed("region_ratio".into(), FieldType::Real));
    for k in TownKind::ALL {
        columns.push(typed(format!("{k}_per_10k_km2"), FieldType::Real));
    }

    let reg = r.region;
    let an = r.analysis;
    let real = |v: f64| serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number);
    let row = |level: &str,
               id: &str,
               name: &str,
               kind: &str,
               membership: &str,
               n: usize,
               s: &AreaStats| {
        let mut rec = vec![
            json!(level),
            json!(id),
            json!(name),
            json!(kind),
            json!(membership),
            json!(n),
            real(s.area_km2),
        ];
        rec.extend(TownKind::ALL.iter().map(|&k| json!(s.counts.get(k))));
        rec.extend([
            json!(s.seats_merged),
            json!(s.density_towns),
            real(s.towns_per_10k_km2),
            Value::Null,
        ]);
        rec.extend(
            TownKind::ALL
                .iter()
                .map(|&k| real(crate::analyse::per_10k_km2(s.counts.get(k), s.area_km2))),
        );
        rec
    };
    let mut rows = vec![row(
        "region",
        &reg.info.id,
        &reg.info.name_zh,
        "region",
        reg.partial_policy.as_str(),
        an.counties.len(),
        &an.region.stats,
    )];
    for c in &an.region.references {
        let rf = &reg.references[c.reference];
        let mut rec = vec![
            json!("reference"),
            json!(rf.id),
            json!(rf.name_zh),
            json!(
                rf.kinds
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join("+")
            ),
            json!(""),
            Value::Null,
            real(rf.area_km2),
        ];
        rec.extend(TownKind::ALL.iter().map(|_| Value::Null));
        rec.extend([
            Value::Null,
            json!(rf.towns),
            real(c.reference_towns_per_10k_km2),
            real(c.ratio),
        ]);
        rec.extend(TownKind::ALL.iter().map(|_| Value::Null));
        rows.push(rec);
    }
    for b in &an.belts {
        let belt = &reg.belts[b.belt];
        rows.push(row(
            "belt",
            &belt.spec.id,
            &belt.spec.name_zh,
            belt.spec.kind.as_str(),
            "",
            belt.members.len(),
            &b.stats,
        ));
    }
    for p in &an.prefectures {
        rows.push(row(
            "prefecture",
            &p.id,
            &p.name,
            "prefecture",
            "",
            p.counties.len(),
            &p.stats,
        ));
    }
    for c in &an.counties {
        let b = &r.boundaries.features[c.boundary];
        rows.push(row(
            "county",
            &b.id,
            &b.name,
            "county",
            c.membership.as_str(),
            1,
            &c.stats,
        ));
    }
    SummaryTable { columns, rows }
}

/// The summary as CSV: the [`SummaryTable`] with real numbers written to 3 decimals and
/// `null` as an empty cell.
pub fn summary_csv(w: &mut dyn Write, r: Results<'_>) -> io::Result<()> {
    let table = summary_table(r);
    let mut out = csv::Writer::from_writer(w);
    out.write_record(table.columns.iter().map(|c| c.name.as_str()))?;
    for row in &table.rows {
        out.write_record(row.iter().map(|v| match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Number(n) if n.is_f64() => format!("{:.3}", n.as_f64().unwrap_or(f64::NAN)),
            other => other.to_string(),
        }))?;
    }
    out.flush()
}
