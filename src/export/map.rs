//! `map.svg`: the map of a run drawn by citybelt itself, without QGIS: the county density
//! choropleth (the classes and colours of the QGIS style), belt outlines, the cores, the
//! region outline, a legend, a scale bar, a north arrow, the title and the data attribution.
//!
//! The projection is equirectangular with the scale true along the central parallel
//! (`x = λ·cos φ₀`, `y = φ`), which keeps shapes right within a region a few hundred
//! kilometres across. Outlines are simplified to half a pixel (Ramer–Douglas–Peucker) before
//! drawing, which keeps the file small without a visible change.

use std::fmt::Write as _;

use geo::{Centroid, Coord, LineString, MultiPolygon, Rect, Simplify};

use super::Results;
use super::layers::{Geometry, Layer, LayerRole};
use super::style::{
    DENSITY_FIELD, DENSITY_UNIT, belt_colour, class_colours, class_label, hex, xml,
};
use crate::config::BeltKind;

/// Fonts asked for, in order: CJK fonts first so that Chinese renders, then any sans-serif.
pub const FONT_FAMILY: &str = "'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', 'Droid Sans Fallback', sans-serif";

/// Width of the map panel, in pixels.
const MAP_W: f64 = 1000.0;
/// Tallest map panel, in pixels.
const MAX_MAP_H: f64 = 1000.0;
/// Margins and panels.
const LEFT: f64 = 30.0;
const TOP: f64 = 96.0;
const LEGEND_W: f64 = 380.0;
const BOTTOM: f64 = 64.0;

/// Mean Earth radius, km (for the scale bar).
const EARTH_RADIUS_KM: f64 = 6371.0088;

struct Projection {
    min_lon: f64,
    max_lat: f64,
    k: f64,
    s: f64,
}

impl Projection {
    fn new(b: Rect<f64>) -> Self {
        let lat0 = ((b.min().y + b.max().y) / 2.0).to_radians();
        let k = lat0.cos();
        let w = (b.width() * k).max(1e-9);
        let h = b.height().max(1e-9);
        let s = (MAP_W / w).min(MAX_MAP_H / h);
        Projection {
            min_lon: b.min().x,
            max_lat: b.max().y,
            k,
            s,
        }
    }

    fn xy(&self, c: Coord<f64>) -> (f64, f64) {
        (
            LEFT + (c.x - self.min_lon) * self.k * self.s,
            TOP + (self.max_lat - c.y) * self.s,
        )
    }

    /// Kilometres per pixel along a meridian.
    fn km_per_px(&self) -> f64 {
        EARTH_RADIUS_KM * 1f64.to_radians() / self.s
    }
}

fn path(p: &Projection, mp: &MultiPolygon<f64>) -> String {
    let simple = mp.simplify(0.5 / p.s);
    let mut d = String::new();
    let mut ring = |r: &LineString<f64>| {
        for (i, c) in r.0.iter().enumerate() {
            let (x, y) = p.xy(*c);
            let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { "M" } else { "L" });
        }
        d.push('Z');
    };
    for poly in &simple.0 {
        ring(poly.exterior());
        for r in poly.interiors() {
            ring(r);
        }
    }
    d
}

fn areas(
    layer: &Layer,
) -> impl Iterator<
    Item = (
        &serde_json::Map<String, serde_json::Value>,
        &MultiPolygon<f64>,
    ),
> {
    layer.features.iter().filter_map(|f| match &f.geometry {
        Geometry::Area(mp) => Some((&f.properties, mp)),
        Geometry::Point(_) => None,
    })
}

/// A round length for the scale bar, about a quarter of `max_km`.
fn nice_km(max_km: f64) -> f64 {
    let target = max_km / 4.0;
    [
        1.0, 2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0, 2000.0,
    ]
    .into_iter()
    .rev()
    .find(|&v| v <= target)
    .unwrap_or(1.0)
}

/// Draws the map. `classes` are the density classes of the counties' style.
pub fn map_svg(r: Results<'_>, layers: &[Layer], classes: &[(f64, f64)]) -> String {
    let by_role = |role: LayerRole| layers.iter().find(|l| l.role == role);
    let counties = by_role(LayerRole::Counties);
    let bbox = by_role(LayerRole::Region)
        .and_then(Layer::bbox)
        .or_else(|| counties.and_then(Layer::bbox))
        .unwrap_or_else(|| Rect::new(Coord { x: 0.0, y: 0.0 }, Coord { x: 1.0, y: 1.0 }));
    let p = Projection::new(bbox);
    let map_w = bbox.width() * p.k * p.s;
    let map_h = bbox.height() * p.s;
    let width = LEFT + map_w + 30.0 + LEGEND_W;
    let height = (TOP + map_h + BOTTOM).max(TOP + 560.0 + BOTTOM);
    let colours = class_colours(classes.len());
    let reg = r.region;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="{font}">
<title>{title}</title>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="{LEFT}" y="40" font-size="28" font-weight="bold" fill="#222">{name_zh} 镇密度 · Town density by county</text>
<text x="{LEFT}" y="70" font-size="16" fill="#444">{name_en}: {kinds} per 10,000 km² (geodesic area, WGS 84)</text>
"##,
        font = xml(FONT_FAMILY),
        title = xml(&format!("{} — town density", reg.info.name_zh)),
        name_zh = xml(&reg.info.name_zh),
        name_en = xml(&reg.info.name_en),
        kinds = xml(&reg
            .density_kinds
            .iter()
            .map(|k| k.name_zh())
            .collect::<Vec<_>>()
            .join(" + ")),
    );

    // Counties, filled by class.
    svg += "<g id=\"counties\" stroke=\"#777\" stroke-width=\"0.4\" stroke-linejoin=\"round\" fill-rule=\"evenodd\">\n";
    if let Some(layer) = counties {
        for (props, mp) in areas(layer) {
            let v = props.get(DENSITY_FIELD).and_then(serde_json::Value::as_f64);
            let class = v.and_then(|v| classes.iter().position(|&(_, hi)| v <= hi));
            let fill = class.map_or_else(|| "#dddddd".to_owned(), |i| hex(colours[i]));
            let name = props.get("name").and_then(|n| n.as_str()).unwrap_or("");
            let _ = writeln!(
                svg,
                r#"<path fill="{fill}" d="{}"><title>{}: {}</title></path>"#,
                path(&p, mp),
                xml(name),
                v.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"))
            );
        }
    }
    svg += "</g>\n";

    // Cores: a dark outline around their counties.
    svg += "<g id=\"cores\" fill=\"none\" stroke=\"#111\" stroke-width=\"2.2\" stroke-linejoin=\"round\">\n";
    let mut core_labels = String::new();
    for c in reg.centres.iter().filter(|c| c.spec.level == "core") {
        let polys: Vec<_> = c
            .members
            .iter()
            .flat_map(|&i| r.boundaries.features[i].geometry.0.iter().cloned())
            .collect();
        let mp = MultiPolygon(polys);
        let _ = writeln!(svg, r#"<path d="{}"/>"#, path(&p, &mp));
        if let Some(centre) = mp.centroid() {
            let (x, y) = p.xy(centre.0);
            let _ = writeln!(
                core_labels,
                r##"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" font-size="20" font-weight="bold" fill="#111" stroke="#fff" stroke-width="4" paint-order="stroke">{}</text>"##,
                xml(&c.spec.name_zh)
            );
        }
    }
    svg += "</g>\n";

    // Belts: coloured outlines, axes dashed.
    svg += "<g id=\"belts\" fill=\"none\" stroke-width=\"2.6\" stroke-linejoin=\"round\" stroke-opacity=\"0.9\">\n";
    if let Some(layer) = by_role(LayerRole::Belts) {
        for (props, mp) in areas(layer) {
            let id = props.get("id").and_then(|v| v.as_str()).unwrap_or("");
            let Some(i) = reg.belts.iter().position(|b| b.spec.id == id) else {
                continue;
            };
            let dash = if reg.belts[i].spec.kind == BeltKind::Axis {
                r#" stroke-dasharray="10 6""#
            } else {
                ""
            };
            let _ = writeln!(
                svg,
                r#"<path stroke="{}"{dash} d="{}"/>"#,
                hex(belt_colour(i)),
                path(&p, mp)
            );
        }
    }
    svg += "</g>\n";

    // Region outline.
    if let Some(layer) = by_role(LayerRole::Region) {
        for (_, mp) in areas(layer) {
            let _ = writeln!(
                svg,
                r##"<path id="region" fill="none" stroke="#000" stroke-width="2" d="{}"/>"##,
                path(&p, mp)
            );
        }
    }
    svg += &core_labels;

    // North arrow, top right of the map.
    let (nx, ny) = (LEFT + map_w - 30.0, TOP + 20.0);
    let _ = writeln!(
        svg,
        r##"<g id="north-arrow"><path d="M{nx} {ny} l12 34 l-12 -9 l-12 9 Z" fill="#222"/><text x="{nx}" y="{ty}" text-anchor="middle" font-size="15" font-weight="bold" fill="#222">N 北</text></g>"##,
        ty = ny + 52.0
    );

    // Scale bar, bottom left of the map.
    let km = nice_km(map_w * p.km_per_px());
    let len = km / p.km_per_px();
    let (sx, sy) = (LEFT + 10.0, TOP + map_h - 20.0);
    let _ = writeln!(
        svg,
        r##"<g id="scale-bar" font-size="13" fill="#222"><rect x="{sx}" y="{sy}" width="{half:.1}" height="6" fill="#222"/><rect x="{mid:.1}" y="{sy}" width="{half:.1}" height="6" fill="#fff" stroke="#222"/><text x="{sx}" y="{ty}" text-anchor="middle">0</text><text x="{mid:.1}" y="{ty}" text-anchor="middle">{halfkm}</text><text x="{end:.1}" y="{ty}" text-anchor="middle">{km} km</text></g>"##,
        half = len / 2.0,
        mid = sx + len / 2.0,
        end = sx + len,
        ty = sy - 5.0,
        halfkm = km / 2.0,
    );

    // Legend.
    let lx = LEFT + map_w + 30.0;
    let mut y = TOP + 10.0;
    let _ = writeln!(
        svg,
        r##"<text x="{lx}" y="{y}" font-size="18" font-weight="bold" fill="#222">镇密度 Town density</text>"##
    );
    y += 22.0;
    let _ = writeln!(
        svg,
        r##"<text x="{lx}" y="{y}" font-size="13" fill="#444">{DENSITY_UNIT} (Jenks natural breaks)</text>"##
    );
    y += 14.0;
    for (&(lo, hi), colour) in classes.iter().zip(&colours) {
        let _ = writeln!(
            svg,
            r##"<rect x="{lx}" y="{y}" width="28" height="18" fill="{}" stroke="#777" stroke-width="0.6"/><text x="{tx}" y="{ty}" font-size="15" fill="#222">{}</text>"##,
            hex(colour),
            class_label(lo, hi),
            tx = lx + 38.0,
            ty = y + 14.0
        );
        y += 26.0;
    }
    y += 16.0;
    let _ = writeln!(
        svg,
        r##"<text x="{lx}" y="{y}" font-size="18" font-weight="bold" fill="#222">城市带 Belts and zones</text>"##
    );
    y += 12.0;
    for (i, b) in reg.belts.iter().enumerate() {
        let dash = if b.spec.kind == BeltKind::Axis {
            r#" stroke-dasharray="10 6""#
        } else {
            ""
        };
        let _ = writeln!(
            svg,
            r##"<line x1="{lx}" y1="{ly}" x2="{lx2}" y2="{ly}" stroke="{}" stroke-width="3"{dash}/><text x="{tx}" y="{ty}" font-size="15" fill="#222">{}{}</text>"##,
            hex(belt_colour(i)),
            xml(&b.spec.name_zh),
            if b.spec.verified { "" } else { " *" },
            ly = y + 9.0,
            lx2 = lx + 28.0,
            tx = lx + 38.0,
            ty = y + 14.0
        );
        y += 24.0;
    }
    if reg.belts.iter().any(|b| !b.spec.verified) {
        let _ = writeln!(
            svg,
            r##"<text x="{lx}" y="{ty}" font-size="12" fill="#555">* member list not verified against the plan text</text>"##,
            ty = y + 8.0
        );
        y += 20.0;
    }
    y += 14.0;
    let _ = writeln!(
        svg,
        r##"<rect x="{lx}" y="{y}" width="28" height="18" fill="none" stroke="#111" stroke-width="2.2"/><text x="{tx}" y="{ty}" font-size="15" fill="#222">核心 Core (centre level core)</text>"##,
        tx = lx + 38.0,
        ty = y + 14.0
    );
    y += 26.0;
    let _ = writeln!(
        svg,
        r##"<rect x="{lx}" y="{y}" width="28" height="18" fill="none" stroke="#000" stroke-width="2"/><text x="{tx}" y="{ty}" font-size="15" fill="#222">{} outline</text>"##,
        xml(&reg.info.name_zh),
        tx = lx + 38.0,
        ty = y + 14.0
    );

    // Attribution.
    let mut credit = String::from("Map: citybelt");
    if !reg.info.attribution.is_empty() {
        credit = format!("Data: {} · {credit}", reg.info.attribution);
    }
    let _ = write!(
        svg,
        r##"<text x="{LEFT}" y="{ty:.0}" font-size="13" fill="#555">{}</text>
</svg>
"##,
        xml(&credit),
        ty = height - 22.0
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bar_lengths_are_round() {
        assert_eq!(nice_km(900.0), 200.0);
        assert_eq!(nice_km(90.0), 20.0);
        assert_eq!(nice_km(3.0), 1.0);
    }

    #[test]
    fn projection_is_true_to_scale_on_the_central_parallel() {
        let b = Rect::new(Coord { x: 100.0, y: 29.0 }, Coord { x: 110.0, y: 31.0 });
        let p = Projection::new(b);
        let (x0, _) = p.xy(Coord { x: 100.0, y: 30.0 });
        let (x1, _) = p.xy(Coord { x: 101.0, y: 30.0 });
        let (_, y0) = p.xy(Coord { x: 100.0, y: 30.0 });
        let (_, y1) = p.xy(Coord { x: 100.0, y: 31.0 });
        let ratio = (x1 - x0) / (y0 - y1);
        assert!((ratio - 30f64.to_radians().cos()).abs() < 1e-9);
    }
}
