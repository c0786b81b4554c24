//! QGIS layer styles (QML) and the class breaks and colours they share with `map.svg`.
//!
//! - `counties`: graduated choropleth of `towns_per_10k_km2` in up to five classes chosen by
//!   **Jenks natural breaks** ([`jenks_breaks`], Fisher's exact optimisation: the classes
//!   minimise the sum of squared deviations from the class means), YlOrRd colours, legend
//!   labels in towns per 10,000 km²; labels: county names, the cores in bold.
//! - `belts` and one layer per belt: outlines categorised by belt id, no fill (axes dashed),
//!   labelled with the Chinese name.
//! - `towns`: points categorised by kind.
//! - `region`: the outline.
//!
//! The QML is written for QGIS 3.22 (Debian 12) and read by every later version. Field names
//! go through a mapping so that the Shapefile styles use the cut dBase names.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::Results;
use super::layers::{Layer, LayerRole};
use crate::config::BeltKind;
use crate::model::TownKind;

/// The QGIS version the styles and project are written for.
pub const QGIS_VERSION: &str = "3.22.16-Białowieża";

/// The field the choropleth classifies.
pub const DENSITY_FIELD: &str = "towns_per_10k_km2";

/// Unit of the density, for legends.
pub const DENSITY_UNIT: &str = "towns per 10,000 km²";

/// Font for labels: Noto Sans CJK SC (Debian `fonts-noto-cjk`); Qt falls back to any font
/// with the glyphs when it is missing.
pub const LABEL_FONT: &str = "Noto Sans CJK SC";

/// YlOrRd, light to dark, for up to five classes.
const DENSITY_COLOURS: [&str; 5] = [
    "255,255,178",
    "254,204,92",
    "253,141,60",
    "240,59,32",
    "189,0,38",
];

/// Outline colours of belts, in configuration order (ColorBrewer Dark2).
const BELT_COLOURS: [&str; 8] = [
    "27,158,119",
    "217,95,2",
    "117,112,179",
    "231,41,138",
    "102,166,30",
    "230,171,2",
    "166,118,29",
    "102,102,102",
];

/// An `r,g,b` triple as `#rrggbb`.
pub fn hex(rgb: &str) -> String {
    let mut s = String::from("#");
    for part in rgb.split(',') {
        let v: u8 = part.trim().parse().unwrap_or(0);
        let _ = write!(s, "{v:02x}");
    }
    s
}

/// Colour of the `i`-th belt (`r,g,b`).
pub fn belt_colour(i: usize) -> &'static str {
    BELT_COLOURS[i % BELT_COLOURS.len()]
}

/// The colours of `k` density classes (`r,g,b`), spread over the YlOrRd ramp.
pub fn class_colours(k: usize) -> Vec<&'static str> {
    match k {
        0 => Vec::new(),
        1 => vec![DENSITY_COLOURS[2]],
        2 => vec![DENSITY_COLOURS[1], DENSITY_COLOURS[4]],
        3 => vec![DENSITY_COLOURS[0], DENSITY_COLOURS[2], DENSITY_COLOURS[4]],
        4 => vec![
            DENSITY_COLOURS[0],
            DENSITY_COLOURS[1],
            DENSITY_COLOURS[3],
            DENSITY_COLOURS[4],
        ],
        _ => DENSITY_COLOURS.to_vec(),
    }
}

/// Upper bounds of `k` classes by Jenks natural breaks (Fisher 1958): the partition of the
/// sorted values into `k` runs that minimises the total within-class sum of squared
/// deviations. Returns fewer classes when there are fewer distinct values; the last bound is
/// the maximum. Non-finite values are ignored.
///
/// # Runtime
/// `O(k · n²)` for `n` values (a few milliseconds for thousands of counties).
///
/// # Examples
/// ```
/// use citybelt::export::jenks_breaks;
/// let b = jenks_breaks(&[1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 30.0], 3);
/// assert_eq!(b, [3.0, 12.0, 30.0]);
/// ```
pub fn jenks_breaks(values: &[f64], k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    let mut distinct = v.clone();
    distinct.dedup();
    let k = k.min(distinct.len());
    if k == 0 {
        return Vec::new();
    }
    if k == distinct.len() {
        return distinct;
    }
    let n = v.len();
    // Prefix sums for O(1) sums of squared deviations of v[i..j].
    let mut s1 = vec![0.0; n + 1];
    let mut s2 = vec![0.0; n + 1];
    for (i, x) in v.iter().enumerate() {
        s1[i + 1] = s1[i] + x;
        s2[i + 1] = s2[i] + x * x;
    }
    let ssd = |i: usize, j: usize| {
        let m = (j - i) as f64;
        let s = s1[j] - s1[i];
        (s2[j] - s2[i]) - s * s / m
    };
    // cost[c][j]: best cost of the first j values in c + 1 classes; cut[c][j]: start of the
    // last class.
    let mut cost = vec![vec![f64::INFINITY; n + 1]; k];
    let mut cut = vec![vec![0usize; n + 1]; k];
    for (j, c) in cost[0].iter_mut().enumerate().skip(1) {
        *c = ssd(0, j);
    }
    for c in 1..k {
        for j in (c + 1)..=n {
            for i in c..j {
                let total = cost[c - 1][i] + ssd(i, j);
                if total < cost[c][j] {
                    cost[c][j] = total;
                    cut[c][j] = i;
                }
            }
        }
    }
    let mut bounds = vec![0.0; k];
    let mut j = n;
    for c in (0..k).rev() {
        bounds[c] = v[j - 1];
        j = cut[c][j];
    }
    bounds.dedup();
    bounds
}

/// The density classes of the counties: `(lower, upper)` bounds, each class holding the
/// values `lower < v ≤ upper` (the first also its lower bound, the minimum).
pub fn density_classes(counties: &Layer) -> Vec<(f64, f64)> {
    let values = counties.numbers(DENSITY_FIELD);
    let bounds = jenks_breaks(&values, 5);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mut lower = min;
    bounds
        .into_iter()
        .map(|upper| {
            let class = (lower, upper);
            lower = upper;
            class
        })
        .collect()
}

/// A legend label for a class: `lower – upper`, one decimal.
pub fn class_label(lower: f64, upper: f64) -> String {
    format!("{lower:.1} – {upper:.1}")
}

/// Escapes text for XML attributes and content.
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Names of the layer's properties in the file being styled (identity except for the cut
/// Shapefile names).
pub type FieldMap = HashMap<String, String>;

fn field<'a>(map: &'a FieldMap, name: &'a str) -> &'a str {
    map.get(name).map_or(name, String::as_str)
}

/// A fill symbol: `fill` colour (`None` for no fill), outline colour and width in mm.
fn fill_symbol(name: &str, fill: Option<&str>, outline: &str, width: f64, dash: bool) -> String {
    format!(
        r#"<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleFill" enabled="1" locked="0" pass="0"><prop k="border_width_map_unit_scale" v="3x:0,0,0,0,0,0"/><prop k="color" v="{color},255"/><prop k="joinstyle" v="round"/><prop k="offset" v="0,0"/><prop k="offset_unit" v="MM"/><prop k="outline_color" v="{outline},255"/><prop k="outline_style" v="{ostyle}"/><prop k="outline_width" v="{width}"/><prop k="outline_width_unit" v="MM"/><prop k="style" v="{style}"/></layer></symbol>"#,
        color = fill.unwrap_or("255,255,255"),
        style = if fill.is_some() { "solid" } else { "no" },
        ostyle = if dash { "dash" } else { "solid" },
    )
}

/// A circle marker of `size` mm.
fn marker_symbol(name: &str, color: &str, size: f64) -> String {
    format!(
        r#"<symbol type="marker" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0"><layer class="SimpleMarker" enabled="1" locked="0" pass="0"><prop k="angle" v="0"/><prop k="color" v="{color},255"/><prop k="joinstyle" v="bevel"/><prop k="name" v="circle"/><prop k="offset" v="0,0"/><prop k="offset_unit" v="MM"/><prop k="outline_color" v="60,60,60,255"/><prop k="outline_style" v="solid"/><prop k="outline_width" v="0.1"/><prop k="outline_width_unit" v="MM"/><prop k="scale_method" v="diameter"/><prop k="size" v="{size}"/><prop k="size_unit" v="MM"/></layer></symbol>"#
    )
}

/// Text settings of a label: `expression` (a field name unless `is_expression`), size in
/// points, bold or not, colour, and placement (QGIS's enum: 0 around point, 1 over point).
fn label_settings(
    expression: &str,
    is_expression: bool,
    size: f64,
    bold: bool,
    color: &str,
    placement: u8,
) -> String {
    format!(
        r#"<settings calloutType="simple"><text-style fieldName="{field}" isExpression="{expr}" fontFamily="{font}" namedStyle="{style}" fontWeight="{weight}" fontItalic="0" fontSize="{size}" fontSizeUnit="Point" textColor="{color},255" textOpacity="1" multilineHeight="1" allowHtml="0" capitalization="0" blendMode="0" previewBkgrdColor="255,255,255,255"><text-buffer bufferDraw="1" bufferSize="0.7" bufferSizeUnits="MM" bufferColor="255,255,255,255" bufferOpacity="0.85" bufferNoFill="1" bufferJoinStyle="128" bufferBlendMode="0"/></text-style><text-format wrapChar="" multilineAlign="3" autoWrapLength="0" reverseDirectionSymbol="0" placeDirectionSymbol="0" addDirectionSymbol="0" plussign="0" formatNumbers="0" decimals="3" useMaxLineLengthForAutoWrap="1"/><placement placement="{placement}" centroidInside="1" centroidWhole="0" fitInPolygonOnly="0" dist="0" offsetType="0" quadOffset="4" priority="5" overrunDistance="0"/><rendering obstacle="1" obstacleType="1" displayAll="0" upsidedownLabels="0" labelPerPart="0" mergeLines="0" limitNumLabels="0" maxNumLabels="2000" minFeatureSize="0" scaleVisibility="0" drawLabels="1" fontLimitPixelSize="0" zIndex="0"/></settings>"#,
        field = xml(expression),
        expr = u8::from(is_expression),
        font = LABEL_FONT,
        style = if bold { "Bold" } else { "Regular" },
        weight = if bold { 75 } else { 50 },
    )
}

fn categories(attr: &str, cats: &[(String, String, String)]) -> String {
    let mut c = String::new();
    let mut s = String::new();
    for (i, (value, label, symbol)) in cats.iter().enumerate() {
        let _ = write!(
            c,
            r#"<category value="{}" symbol="{i}" label="{}" render="true"/>"#,
            xml(value),
            xml(label)
        );
        s += &symbol.replacen("name=\"0\"", &format!("name=\"{i}\""), 1);
    }
    format!(
        r#"<renderer-v2 type="categorizedSymbol" attr="{}" symbollevels="0" enableorderby="0" forceraster="0"><categories>{c}</categories><symbols>{s}</symbols><rotation/><sizescale/></renderer-v2>"#,
        xml(attr)
    )
}

/// The renderer and labels of a layer (the content shared by its `.qml`, its `layer_styles`
/// row and its project entry).
pub fn style_body(
    layer: &Layer,
    r: Results<'_>,
    classes: &[(f64, f64)],
    fields: &FieldMap,
) -> String {
    let (renderer, labeling) = match layer.role {
        LayerRole::Counties => {
            let colours = class_colours(classes.len());
            let mut ranges = String::new();
            let mut symbols = String::new();
            for (i, ((lo, hi), colour)) in classes.iter().zip(colours).enumerate() {
                let _ = write!(
                    ranges,
                    r#"<range lower="{lo}" upper="{hi}" symbol="{i}" label="{}" render="true"/>"#,
                    class_label(*lo, *hi)
                );
                symbols += &fill_symbol(&i.to_string(), Some(colour), "110,110,110", 0.15, false);
            }
            let renderer = format!(
                r#"<renderer-v2 type="graduatedSymbol" attr="{attr}" graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="0" forceraster="0"><ranges>{ranges}</ranges><symbols>{symbols}</symbols><source-symbol>{source}</source-symbol><colorramp type="gradient" name="[source]"><prop k="color1" v="255,255,178,255"/><prop k="color2" v="189,0,38,255"/><prop k="discrete" v="0"/><prop k="rampType" v="gradient"/><prop k="stops" v="0.25;254,204,92,255:0.5;253,141,60,255:0.75;240,59,32,255"/></colorramp><classificationMethod id="Jenks"><symmetricMode enabled="0" symmetrypoint="0" astride="0"/><labelFormat format="%1 – %2" labelprecision="1" trimtrailingzeroes="0"/><parameters><Option/></parameters><extraInformation/></classificationMethod><rotation/><sizescale/></renderer-v2>"#,
                attr = xml(field(fields, DENSITY_FIELD)),
                source = fill_symbol("0", Some(DENSITY_COLOURS[2]), "110,110,110", 0.15, false),
            );
            let level = field(fields, "centre_level");
            let name = field(fields, "name");
            let core = cores_filter(fields);
            let labeling = format!(
                r#"<labeling type="rule-based"><rules key="{{root}}"><rule key="{{cores}}" description="cores" filter="{}">{}</rule><rule key="{{others}}" description="other counties" filter="{}">{}</rule></rules></labeling>"#,
                xml(&core),
                label_settings(name, false, 10.0, true, "20,20,20", 1),
                xml(&format!("coalesce(\"{level}\", '') <> 'core'")),
                label_settings(name, false, 6.5, false, "70,70,70", 1),
            );
            (renderer, labeling)
        }
        LayerRole::Belts | LayerRole::Belt(_) => {
            let cats: Vec<_> = r
                .region
                .belts
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let dash = b.spec.kind == BeltKind::Axis;
                    (
                        b.spec.id.clone(),
                        format!("{} {}", b.spec.name_zh, b.spec.name_en),
                        fill_symbol("0", None, belt_colour(i), 0.9, dash),
                    )
                })
                .collect();
            let labeling = format!(
                r#"<labeling type="simple">{}</labeling>"#,
                label_settings(field(fields, "name_zh"), false, 9.0, true, "40,40,40", 1)
            );
            (categories(field(fields, "id"), &cats), labeling)
        }
        LayerRole::Towns => {
            let style = |k: TownKind| match k {
                TownKind::CountySeat => ("200,0,0", 1.6),
                TownKind::Town => ("120,60,10", 0.8),
                TownKind::Township => ("90,150,60", 0.6),
                TownKind::Street => ("50,100,200", 0.6),
                TownKind::Unknown => ("160,160,160", 0.5),
            };
            let cats: Vec<_> = TownKind::ALL
                .iter()
                .map(|&k| {
                    let (c, size) = style(k);
                    (
                        k.as_str().to_owned(),
                        format!("{} {}", k.name_zh(), k.as_str().replace('_', " ")),
                        marker_symbol("0", c, size),
                    )
                })
                .collect();
            (categories(field(fields, "kind"), &cats), String::new())
        }
        LayerRole::Region => (
            format!(
                r#"<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>{}</symbols><rotation/><sizescale/></renderer-v2>"#,
                fill_symbol("0", None, "0,0,0", 1.2, false)
            ),
            String::new(),
        ),
    };
    format!(
        "{renderer}{labeling}<blendMode>0</blendMode><featureBlendMode>0</featureBlendMode><layerOpacity>1</layerOpacity>"
    )
}

/// The style of the project's cores layer (the counties whose `centre_level` is `core`): a
/// heavy dark outline over the choropleth, no fill; the counties' labels already name them.
pub fn cores_style_body() -> String {
    format!(
        r#"<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0"><symbols>{}</symbols><rotation/><sizescale/></renderer-v2><blendMode>0</blendMode><featureBlendMode>0</featureBlendMode><layerOpacity>1</layerOpacity>"#,
        fill_symbol("0", None, "20,20,20", 0.9, false)
    )
}

/// The subset filter selecting the cores among the counties.
pub fn cores_filter(fields: &FieldMap) -> String {
    format!("\"{}\" = 'core'", field(fields, "centre_level"))
}

/// Whether a layer's style draws labels.
pub fn has_labels(layer: &Layer) -> bool {
    !matches!(layer.role, LayerRole::Towns | LayerRole::Region)
}

/// A complete `.qml` document around a style body.
pub fn qml_document(layer: &Layer, body: &str) -> String {
    format!(
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n<qgis version=\"{QGIS_VERSION}\" styleCategories=\"Symbology|Labeling|Rendering\" labelsEnabled=\"{}\">\n{body}\n</qgis>\n",
        u8::from(has_labels(layer))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jenks_finds_the_obvious_gaps() {
        let v = [1.0, 1.5, 2.0, 20.0, 21.0, 22.0, 50.0, 52.0];
        assert_eq!(jenks_breaks(&v, 3), [2.0, 22.0, 52.0]);
    }

    #[test]
    fn jenks_with_few_distinct_values_returns_them() {
        assert_eq!(jenks_breaks(&[3.0, 1.0, 3.0], 5), [1.0, 3.0]);
        assert!(jenks_breaks(&[], 5).is_empty());
        assert_eq!(jenks_breaks(&[f64::NAN, 2.0], 5), [2.0]);
    }

    #[test]
    fn jenks_is_optimal_against_brute_force() {
        // Every split of 8 values into 3 runs; the best total squared deviation must match.
        let v = [2.0, 3.0, 7.0, 8.0, 9.0, 15.0, 16.0, 40.0];
        let ssd = |s: &[f64]| {
            let m = s.iter().sum::<f64>() / s.len() as f64;
            s.iter().map(|x| (x - m) * (x - m)).sum::<f64>()
        };
        let mut best = (f64::INFINITY, vec![]);
        for a in 1..v.len() - 1 {
            for b in a + 1..v.len() {
                let c = ssd(&v[..a]) + ssd(&v[a..b]) + ssd(&v[b..]);
                if c < best.0 {
                    best = (c, vec![v[a - 1], v[b - 1], v[7]]);
                }
            }
        }
        assert_eq!(jenks_breaks(&v, 3), best.1);
    }

    #[test]
    fn hex_colours() {
        assert_eq!(hex("255,0,16"), "#ff0010");
    }
}
