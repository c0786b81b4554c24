//! The layers of a run as format-neutral tables: features (properties + geometry) and one
//! column schema that every writer follows, so that GeoJSON, GeoPackage, Shapefile and
//! FlatGeobuf carry the same names, types and values.

use geo::{BoundingRect, Coord, LineString, MultiPolygon, Point, Polygon, Rect};
use serde_json::{Map, Value};

use super::Results;
use super::geojson::{belt_features, county_features, region_feature, town_features};

/// A geometry to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// A point.
    Point(Point<f64>),
    /// A MultiPolygon, written as one even when it has one part, so that every layer has a
    /// single geometry type (GDAL and QGIS report a mixed layer as `Unknown`).
    Area(MultiPolygon<f64>),
}

impl Geometry {
    /// The geometry with every coordinate rounded to `precision` decimals, as written.
    pub fn rounded(&self, precision: u8) -> Geometry {
        let scale = 10f64.powi(i32::from(precision));
        let c = |c: Coord<f64>| Coord {
            x: round(c.x, scale),
            y: round(c.y, scale),
        };
        let ring = |r: &LineString<f64>| LineString::new(r.0.iter().map(|&p| c(p)).collect());
        match self {
            Geometry::Point(p) => Geometry::Point(Point(c(p.0))),
            Geometry::Area(mp) => Geometry::Area(MultiPolygon(
                mp.0.iter()
                    .map(|p| {
                        Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect())
                    })
                    .collect(),
            )),
        }
    }

    /// The bounding box, `None` for an empty MultiPolygon.
    pub fn bbox(&self) -> Option<Rect<f64>> {
        match self {
            Geometry::Point(p) => Some(Rect::new(p.0, p.0)),
            Geometry::Area(mp) => mp.bounding_rect(),
        }
    }
}

/// `v` rounded to the grid `1 / scale`.
pub(crate) fn round(v: f64, scale: f64) -> f64 {
    (v * scale).round() / scale
}

/// One feature: its properties (in column order) and its geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Property name → value; numbers, strings, booleans or `null`.
    pub properties: Map<String, Value>,
    /// The geometry, already rounded to the output precision.
    pub geometry: Geometry,
}

/// The type of a column, inferred from its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// `true` / `false`.
    Bool,
    /// A whole number (64-bit).
    Integer,
    /// A floating-point number.
    Real,
    /// UTF-8 text.
    Text,
}

impl FieldType {
    /// The type of one value, `None` for `null`.
    fn of(v: &Value) -> Option<FieldType> {
        match v {
            Value::Null => None,
            Value::Bool(_) => Some(FieldType::Bool),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(FieldType::Integer),
            Value::Number(_) => Some(FieldType::Real),
            _ => Some(FieldType::Text),
        }
    }

    /// The narrowest type holding values of both types: integers widen to reals, anything
    /// else mixed becomes text.
    fn widen(self, other: FieldType) -> FieldType {
        match (self, other) {
            (a, b) if a == b => a,
            (FieldType::Integer, FieldType::Real) | (FieldType::Real, FieldType::Integer) => {
                FieldType::Real
            }
            _ => FieldType::Text,
        }
    }
}

/// A column of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The property name.
    pub name: String,
    /// Its type; a column whose values are all `null` is [`FieldType::Text`].
    pub field_type: FieldType,
}

/// What a layer holds, which decides its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerRole {
    /// The member counties (choropleth of town density).
    Counties,
    /// Every town point (categorised by kind).
    Towns,
    /// All belts, zones and axes (outlined categories).
    Belts,
    /// One belt, zone or axis, by its index in [`crate::config::Region::belts`].
    Belt(usize),
    /// The region outline.
    Region,
}

/// Whether a layer holds points or areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    /// Every feature is a [`Geometry::Point`].
    Point,
    /// Every feature is a [`Geometry::Area`] (MultiPolygon).
    MultiPolygon,
}

/// One output layer.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Layer name: the GeoPackage table and FlatGeobuf dataset name (`counties`, `towns`,
    /// `belts`, `belt_<id>`, `region`).
    pub name: String,
    /// Path of its files inside the output folder, without extension (`counties`,
    /// `belts/<id>`).
    pub stem: String,
    /// A short title for maps and QGIS (Chinese with the English word).
    pub title: String,
    /// What it holds.
    pub role: LayerRole,
    /// Points or MultiPolygons.
    pub geometry_kind: GeometryKind,
    /// The columns, in the order of the first feature's properties, then any property that
    /// appears only later.
    pub columns: Vec<Column>,
    /// The features, in output order.
    pub features: Vec<Feature>,
}

impl Layer {
    /// Builds a layer from features, inferring the columns.
    fn new(
        name: String,
        stem: String,
        title: String,
        role: LayerRole,
        geometry_kind: GeometryKind,
        features: Vec<Feature>,
    ) -> Self {
        let mut columns: Vec<Column> = Vec::new();
        let mut seen: Vec<Option<FieldType>> = Vec::new();
        for f in &features {
            for (k, v) in &f.properties {
                let t = FieldType::of(v);
                match columns.iter().position(|c| &c.name == k) {
                    Some(i) => {
                        seen[i] = match (seen[i], t) {
                            (Some(a), Some(b)) => Some(a.widen(b)),
                            (a, b) => a.or(b),
                        }
                    }
                    None => {
                        columns.push(Column {
                            name: k.clone(),
                            field_type: FieldType::Text,
                        });
                        seen.push(t);
                    }
                }
            }
        }
        for (c, t) in columns.iter_mut().zip(seen) {
            c.field_type = t.unwrap_or(FieldType::Text);
        }
        Layer {
            name,
            stem,
            title,
            role,
            geometry_kind,
            columns,
            features,
        }
    }

    /// The bounding box of all features, `None` when the layer is empty.
    pub fn bbox(&self) -> Option<Rect<f64>> {
        self.features
            .iter()
            .filter_map(|f| f.geometry.bbox())
            .reduce(|a, b| {
                Rect::new(
                    Coord {
                        x: a.min().x.min(b.min().x),
                        y: a.min().y.min(b.min().y),
                    },
                    Coord {
                        x: a.max().x.max(b.max().x),
                        y: a.max().y.max(b.max().y),
                    },
                )
            })
    }

    /// The values of a numeric column, skipping `null`s.
    pub fn numbers(&self, column: &str) -> Vec<f64> {
        self.features
            .iter()
            .filter_map(|f| f.properties.get(column).and_then(Value::as_f64))
            .collect()
    }
}

/// Every layer of a run, in drawing order from bottom to top: counties, region, belts, one
/// layer per belt, towns. Coordinates are rounded to `precision` decimals.
pub fn layers(r: Results<'_>, precision: u8) -> Vec<Layer> {
    let collect = |it: &mut dyn Iterator<Item = (Map<String, Value>, Geometry)>| {
        it.map(|(properties, g)| Feature {
            properties,
            geometry: g.rounded(precision),
        })
        .collect::<Vec<_>>()
    };
    let area = GeometryKind::MultiPolygon;
    let mut out = vec![
        Layer::new(
            "counties".into(),
            "counties".into(),
            "区县镇密度 towns per 10,000 km²".into(),
            LayerRole::Counties,
            area,
            collect(&mut county_features(r)),
        ),
        Layer::new(
            "region".into(),
            "region".into(),
            format!("{} region", r.region.info.name_zh),
            LayerRole::Region,
            area,
            collect(&mut std::iter::once(region_feature(r))),
        ),
        Layer::new(
            "belts".into(),
            "belts".into(),
            "城市带与城镇密集区 belts".into(),
            LayerRole::Belts,
            area,
            collect(&mut belt_features(r, None)),
        ),
    ];
    for (i, belt) in r.region.belts.iter().enumerate() {
        let id = &belt.spec.id;
        out.push(Layer::new(
            format!("belt_{id}"),
            format!("belts/{id}"),
            format!("{} {id}", belt.spec.name_zh),
            LayerRole::Belt(i),
            area,
            collect(&mut belt_features(r, Some(i))),
        ));
    }
    out.push(Layer::new(
        "towns".into(),
        "towns".into(),
        "乡镇 towns".into(),
        LayerRole::Towns,
        GeometryKind::Point,
        collect(&mut town_features(r)),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn feature(props: Value) -> Feature {
        Feature {
            properties: props.as_object().unwrap().clone(),
            geometry: Geometry::Point(Point::new(1.0, 2.0)),
        }
    }

    #[test]
    fn columns_are_inferred_in_order_and_widened() {
        let l = Layer::new(
            "t".into(),
            "t".into(),
            "t".into(),
            LayerRole::Towns,
            GeometryKind::Point,
            vec![
                feature(json!({"a": 1, "b": null, "c": true, "d": "x"})),
                feature(json!({"a": 1.5, "b": null, "c": false, "d": 3, "e": 2})),
            ],
        );
        let cols: Vec<_> = l
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.field_type))
            .collect();
        assert_eq!(
            cols,
            [
                ("a", FieldType::Real),
                ("b", FieldType::Text),
                ("c", FieldType::Bool),
                ("d", FieldType::Text),
                ("e", FieldType::Integer),
            ]
        );
    }

    #[test]
    fn rounding_is_idempotent() {
        let g = Geometry::Point(Point::new(104.123_456_789, 30.987_654_321));
        let once = g.rounded(6);
        assert_eq!(once, Geometry::Point(Point::new(104.123_457, 30.987_654)));
        assert_eq!(once.rounded(6), once);
    }
}
