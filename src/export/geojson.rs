//! GeoJSON layers per RFC 7946: lon/lat WGS84, counter-clockwise exteriors, no `crs` member,
//! UTF-8 with Chinese text unescaped, one feature per line.

use std::io::{self, Write};

use geo::Coord;
use serde_json::{Map, Value, json};

use super::Results;
use super::layers::{Feature, Geometry, round};
use crate::analyse::AreaStats;
use crate::index::Location;
use crate::model::TownKind;

/// Writes a FeatureCollection with a `name` member (QGIS and GDAL use it as the layer name).
pub fn write_collection(
    w: &mut dyn Write,
    name: &str,
    features: &[Feature],
    precision: u8,
) -> io::Result<()> {
    write!(
        w,
        "{{\"type\":\"FeatureCollection\",\"name\":{},\"features\":[",
        Value::from(name)
    )?;
    let mut line = Vec::new();
    for (i, f) in features.iter().enumerate() {
        line.clear();
        line.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        line.extend_from_slice(b"{\"type\":\"Feature\",\"properties\":");
        serde_json::to_writer(&mut line, &f.properties)?;
        line.extend_from_slice(b",\"geometry\":");
        f.geometry.write_json(&mut line, precision);
        line.push(b'}');
        w.write_all(&line)?;
    }
    w.write_all(b"\n]}\n")
}

impl Geometry {
    /// Appends the RFC 7946 geometry object, coordinates rounded to `precision` decimals and
    /// written in the shortest form that reads back to the same number (no JSON tree is
    /// built: the full-resolution counties have 353k vertices).
    pub(crate) fn write_json(&self, out: &mut Vec<u8>, precision: u8) {
        let scale = 10f64.powi(i32::from(precision));
        let mut buf = ryu::Buffer::new();
        let mut pos = |out: &mut Vec<u8>, c: Coord<f64>| {
            out.push(b'[');
            out.extend_from_slice(buf.format_finite(round(c.x, scale)).as_bytes());
            out.push(b',');
            out.extend_from_slice(buf.format_finite(round(c.y, scale)).as_bytes());
            out.push(b']');
        };
        match self {
            Geometry::Point(p) => {
                out.extend_from_slice(b"{\"type\":\"Point\",\"coordinates\":");
                pos(out, p.0);
            }
            Geometry::Area(mp) => {
                out.extend_from_slice(b"{\"type\":\"MultiPolygon\",\"coordinates\":[");
                for (i, poly) in mp.0.iter().enumerate() {
                    out.extend_from_slice(if i == 0 { b"[" } else { b",[" });
                    let rings = std::iter::once(poly.exterior()).chain(poly.interiors());
                    for (j, ring) in rings.enumerate() {
                        out.extend_from_slice(if j == 0 { b"[" } else { b",[" });
                        for (k, &c) in ring.0.iter().enumerate() {
                            if k > 0 {
                                out.push(b',');
                            }
                            pos(out, c);
                        }
                        out.push(b']');
                    }
                    out.push(b']');
                }
                out.push(b']');
            }
        }
        out.push(b'}');
    }
}

/// Multi-valued properties are written as `;`-separated text, which every format and GDAL
/// version reads the same way (GDAL 3.6 types a JSON array property by its first value and
/// turns an empty first list into JSON text).
pub(crate) fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(";")
}

/// A number rounded to `places` decimals, `null` when not finite.
pub(crate) fn num(v: f64, places: i32) -> Value {
    if v.is_finite() {
        let s = 10f64.powi(places);
        json!((v * s).round() / s)
    } else {
        Value::Null
    }
}

/// Inserts an area's figures: `area_km2`, `n_<kind>` for every kind, `seats_merged`,
/// `density_towns`, `towns_per_10k_km2` (the indicator, for the configured kinds) and
/// `<kind>_per_10k_km2` for every kind.
pub(crate) fn put_stats(m: &mut Map<String, Value>, s: &AreaStats) {
    m.insert("area_km2".into(), num(s.area_km2, 3));
    for k in TownKind::ALL {
        m.insert(format!("n_{k}"), json!(s.counts.get(k)));
    }
    m.insert("seats_merged".into(), json!(s.seats_merged));
    m.insert("density_towns".into(), json!(s.density_towns));
    m.insert("towns_per_10k_km2".into(), num(s.towns_per_10k_km2, 3));
    for k in TownKind::ALL {
        let density = crate::analyse::per_10k_km2(s.counts.get(k), s.area_km2);
        m.insert(format!("{k}_per_10k_km2"), num(density, 3));
    }
}

/// One feature per member county: ids, names, membership, area, counts, density, its belts
/// (as `;`-separated ids and names, and one boolean `in_<belt id>` per belt), its centre and
/// warnings.
pub fn county_features(
    r: Results<'_>,
) -> impl Iterator<Item = (Map<String, Value>, Geometry)> + '_ {
    r.analysis.counties.iter().map(move |c| {
        let b = &r.boundaries.features[c.boundary];
        let mut m = Map::new();
        m.insert("adcode".into(), json!(b.id));
        m.insert("name".into(), json!(b.name));
        m.insert("prefecture_adcode".into(), json!(b.prefecture_id));
        m.insert("prefecture".into(), json!(b.prefecture_name));
        m.insert("membership".into(), json!(c.membership.as_str()));
        put_stats(&mut m, &c.stats);
        let belts: Vec<_> = c.belts.iter().map(|&i| &r.region.belts[i].spec).collect();
        m.insert(
            "belts".into(),
            json!(join(belts.iter().map(|s| s.id.as_str()))),
        );
        m.insert(
            "belt_names".into(),
            json!(join(belts.iter().map(|s| s.name_zh.as_str()))),
        );
        for (i, belt) in r.region.belts.iter().enumerate() {
            m.insert(format!("in_{}", belt.spec.id), json!(c.belts.contains(&i)));
        }
        let centres: Vec<_> = c
            .centres
            .iter()
            .map(|&i| &r.region.centres[i].spec)
            .collect();
        m.insert(
            "centre".into(),
            centres.first().map_or(Value::Null, |_| {
                json!(join(centres.iter().map(|s| s.id.as_str())))
            }),
        );
        m.insert(
            "centre_level".into(),
            centres.first().map_or(Value::Null, |s| json!(s.level)),
        );
        m.insert("warnings".into(), json!(c.warnings.join("; ")));
        (m, Geometry::Area(b.geometry.clone()))
    })
}

/// One feature per input town, in input order: id, name, kind, status, whether counted, its
/// county (or none), placement, whether it lay on a border, its belts and the source's other
/// columns.
pub fn town_features(r: Results<'_>) -> impl Iterator<Item = (Map<String, Value>, Geometry)> + '_ {
    r.towns
        .towns
        .iter()
        .zip(&r.analysis.towns)
        .map(move |(t, res)| {
            let mut m = Map::new();
            m.insert("id".into(), json!(t.id));
            m.insert("name".into(), json!(t.name));
            m.insert("kind".into(), json!(t.kind.as_str()));
            if let Some(s) = &t.status {
                m.insert("status".into(), json!(s));
            }
            m.insert("counted".into(), json!(res.counted));
            m.insert("merged_seat".into(), json!(res.merged_seat));
            let county = res.location.boundary().map(|b| &r.boundaries.features[b]);
            m.insert(
                "county_adcode".into(),
                county.map_or(Value::Null, |c| json!(c.id)),
            );
            m.insert(
                "county_name".into(),
                county.map_or(Value::Null, |c| json!(c.name)),
            );
            m.insert("placement".into(), json!(res.placement.as_str()));
            m.insert(
                "on_border".into(),
                json!(matches!(
                    res.location,
                    Location::In {
                        on_border: true,
                        ..
                    }
                )),
            );
            let belts = res
                .location
                .boundary()
                .and_then(|b| r.analysis.county_of(b))
                .map(|c| join(c.belts.iter().map(|&i| r.region.belts[i].spec.id.as_str())))
                .unwrap_or_default();
            m.insert("belts".into(), json!(belts));
            for (col, v) in r.towns.extra_columns.iter().zip(&t.extra) {
                let key = if m.contains_key(col) {
                    format!("src_{col}")
                } else {
                    col.clone()
                };
                m.insert(key, json!(v));
            }
            (m, Geometry::Point(t.position))
        })
}

/// The dissolved belts: all of them (`only = None`) or one.
pub fn belt_features(
    r: Results<'_>,
    only: Option<usize>,
) -> impl Iterator<Item = (Map<String, Value>, Geometry)> + '_ {
    r.analysis
        .belts
        .iter()
        .filter(move |b| only.is_none_or(|i| b.belt == i))
        .map(move |b| {
            let belt = &r.region.belts[b.belt];
            let s = &belt.spec;
            let mut m = Map::new();
            m.insert("id".into(), json!(s.id));
            m.insert("name_zh".into(), json!(s.name_zh));
            m.insert("name_en".into(), json!(s.name_en));
            m.insert("kind".into(), json!(s.kind.as_str()));
            m.insert("verified".into(), json!(s.verified));
            m.insert("source".into(), json!(s.source));
            m.insert("note".into(), json!(s.note));
            let members = belt.members.iter().map(|&i| &r.boundaries.features[i]);
            m.insert("n_members".into(), json!(belt.members.len()));
            m.insert(
                "members".into(),
                json!(join(members.clone().map(|c| c.id.as_str()))),
            );
            m.insert(
                "member_names".into(),
                json!(join(members.map(|c| c.name.as_str()))),
            );
            let dropped = belt
                .dropped_partial
                .iter()
                .map(|&i| r.boundaries.features[i].id.as_str());
            m.insert("dropped_partial".into(), json!(join(dropped)));
            put_stats(&mut m, &b.stats);
            m.insert("outline_area_km2".into(), num(b.outline_area_km2, 3));
            (m, Geometry::Area(b.outline.clone()))
        })
}

/// The region outline with its totals and the reference densities side by side.
pub fn region_feature(r: Results<'_>) -> (Map<String, Value>, Geometry) {
    let reg = r.region;
    let a = &r.analysis.region;
    let mut m = Map::new();
    m.insert("id".into(), json!(reg.info.id));
    m.insert("name_zh".into(), json!(reg.info.name_zh));
    m.insert("name_en".into(), json!(reg.info.name_en));
    m.insert("source".into(), json!(reg.info.source));
    m.insert("partial_policy".into(), json!(reg.partial_policy.as_str()));
    m.insert("n_members".into(), json!(reg.members.len()));
    m.insert(
        "n_partial".into(),
        json!(
            r.analysis
                .counties
                .iter()
                .filter(|c| c.membership == crate::config::Membership::Partial)
                .count()
        ),
    );
    m.insert(
        "density_kinds".into(),
        json!(join(reg.density_kinds.iter().map(|k| k.as_str()))),
    );
    put_stats(&mut m, &a.stats);
    m.insert("outline_area_km2".into(), num(a.outline_area_km2, 3));
    for cmp in &a.references {
        let id = &reg.references[cmp.reference].id;
        m.insert(
            format!("{id}_towns_per_10k_km2"),
            num(cmp.reference_towns_per_10k_km2, 3),
        );
        m.insert(
            format!("region_vs_{id}_towns_per_10k_km2"),
            num(cmp.region_towns_per_10k_km2, 3),
        );
        m.insert(format!("ratio_to_{id}"), num(cmp.ratio, 3));
    }
    (m, Geometry::Area(a.outline.clone()))
}

/// One feature per boundary with its point count, area and density (the `count` job).
pub fn count_features(
    boundaries: &crate::model::Boundaries,
    input: &crate::config::BoundaryInput,
    counts: &crate::analyse::PointCounts,
    areas_km2: &[f64],
) -> Vec<Feature> {
    boundaries
        .features
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let mut m = Map::new();
            m.insert(input.id.clone(), json!(b.id));
            if !input.name.is_empty() {
                m.insert(input.name.clone(), json!(b.name));
            }
            if !input.prefecture_id.is_empty() {
                m.insert(input.prefecture_id.clone(), json!(b.prefecture_id));
            }
            let n = counts.per_boundary[i];
            m.insert("count".into(), json!(n));
            m.insert("area_km2".into(), num(areas_km2[i], 3));
            let density = crate::analyse::per_10k_km2(n, areas_km2[i]);
            m.insert("points_per_10k_km2".into(), num(density, 3));
            Feature {
                properties: m,
                geometry: Geometry::Area(b.geometry.clone()),
            }
        })
        .collect()
}
