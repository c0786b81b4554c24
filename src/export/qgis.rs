//! The QGIS project `citybelt.qgs`: every layer of the run with its style, in drawing order
//! (towns on top, then the cores, the belts, the per-belt group, the region outline and the
//! county choropleth at the bottom), the summary table, WGS 84 as project CRS and relative
//! paths (`./…`), so that the output folder can be moved or zipped as a whole.

use std::fmt::Write as _;

use geo::Rect;

use super::layers::{GeometryKind, Layer};
use super::style::{QGIS_VERSION, has_labels, xml};

/// EPSG:4326 as QGIS writes it in projects.
const WGS84_SRS: &str = r#"<spatialrefsys nativeFormat="Wkt"><wkt>GEOGCRS["WGS 84",DATUM["World Geodetic System 1984",ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]],CS[ellipsoidal,2],AXIS["geodetic latitude (Lat)",north,ORDER[1],ANGLEUNIT["degree",0.0174532925199433]],AXIS["geodetic longitude (Lon)",east,ORDER[2],ANGLEUNIT["degree",0.0174532925199433]],USAGE[SCOPE["Horizontal component of 3D system."],AREA["World."],BBOX[-90,-180,90,180]],ID["EPSG",4326]]</wkt><proj4>+proj=longlat +datum=WGS84 +no_defs</proj4><srsid>3452</srsid><srid>4326</srid><authid>EPSG:4326</authid><description>WGS 84</description><projectionacronym>longlat</projectionacronym><ellipsoidacronym>EPSG:7030</ellipsoidacronym><geographicflag>true</geographicflag></spatialrefsys>"#;

/// One layer of the project.
#[derive(Debug, Clone)]
pub struct ProjectLayer<'a> {
    /// Unique layer id.
    pub id: String,
    /// Name shown in the layer tree and legend.
    pub name: String,
    /// Data source relative to the project, e.g. `./citybelt.gpkg|layername=counties`.
    pub source: String,
    /// The layer (for its geometry type and extent); `None` for the non-spatial summary.
    pub layer: Option<&'a Layer>,
    /// The style body (renderer, labels), empty for the summary.
    pub style: String,
    /// Whether it is switched on.
    pub visible: bool,
    /// Whether it sits in the collapsed group of per-belt layers.
    pub in_belt_group: bool,
}

fn extent(r: Option<Rect<f64>>) -> String {
    r.map_or_else(String::new, |r| {
        format!(
            "<extent><xmin>{}</xmin><ymin>{}</ymin><xmax>{}</xmax><ymax>{}</ymax></extent>",
            r.min().x,
            r.min().y,
            r.max().x,
            r.max().y
        )
    })
}

fn tree_layer(l: &ProjectLayer<'_>) -> String {
    format!(
        r#"<layer-tree-layer id="{}" name="{}" source="{}" providerKey="ogr" checked="{}" expanded="{}" legend_exp="" patch_size="-1,-1" legend_split_behavior="0"><customproperties/></layer-tree-layer>"#,
        xml(&l.id),
        xml(&l.name),
        xml(&l.source),
        if l.visible {
            "Qt::Checked"
        } else {
            "Qt::Unchecked"
        },
        u8::from(l.visible && !l.in_belt_group),
    )
}

fn map_layer(l: &ProjectLayer<'_>) -> String {
    let (geometry, wkb, labels) = match l.layer {
        Some(layer) => match layer.geometry_kind {
            GeometryKind::Point => ("Point", "Point", has_labels(layer)),
            GeometryKind::MultiPolygon => ("Polygon", "MultiPolygon", has_labels(layer)),
        },
        None => ("No geometry", "NoGeometry", false),
    };
    let preview = l
        .layer
        .and_then(|layer| {
            ["name", "name_zh", "id"]
                .into_iter()
                .find(|n| layer.columns.iter().any(|c| c.name == *n))
        })
        .unwrap_or("name");
    format!(
        r#"<maplayer type="vector" geometry="{geometry}" wkbType="{wkb}" labelsEnabled="{labels}" autoRefreshEnabled="0" autoRefreshTime="0" refreshOnNotifyEnabled="0" refreshOnNotifyMessage="" readOnly="0" hasScaleBasedVisibilityFlag="0" maxScale="0" minScale="100000000" simplifyAlgorithm="0" simplifyDrawingHints="1" simplifyDrawingTol="1" simplifyLocal="1" simplifyMaxScale="1" styleCategories="AllStyleCategories">{extent}<id>{id}</id><datasource>{source}</datasource><keywordList><value></value></keywordList><layername>{name}</layername><srs>{WGS84_SRS}</srs><provider encoding="UTF-8">ogr</provider><vectorjoins/><layerDependencies/><dataDependencies/><expressionfields/><map-layer-style-manager current="default"><map-layer-style name="default"/></map-layer-style-manager><auxiliaryLayer/><flags><Identifiable>1</Identifiable><Removable>1</Removable><Searchable>1</Searchable><Private>0</Private></flags>{style}<previewExpression>"{preview}"</previewExpression></maplayer>"#,
        labels = u8::from(labels),
        extent = extent(l.layer.and_then(Layer::bbox)),
        id = xml(&l.id),
        source = xml(&l.source),
        name = xml(&l.name),
        style = l.style,
        preview = xml(preview),
    )
}

/// The project document. `layers` are in layer-tree order, top (drawn last) first; `view`
/// is the initial map extent.
pub fn project(
    title: &str,
    belt_group: &str,
    layers: &[ProjectLayer<'_>],
    view: Option<Rect<f64>>,
) -> String {
    let mut tree = String::new();
    let mut group_done = false;
    for l in layers {
        if l.in_belt_group {
            if !group_done {
                group_done = true;
                let members: String = layers
                    .iter()
                    .filter(|l| l.in_belt_group)
                    .map(tree_layer)
                    .collect();
                let _ = write!(
                    tree,
                    r#"<layer-tree-group name="{}" checked="Qt::Unchecked" expanded="0"><customproperties/>{members}</layer-tree-group>"#,
                    xml(belt_group)
                );
            }
        } else {
            tree += &tree_layer(l);
        }
    }
    let order: String = layers
        .iter()
        .map(|l| format!("<item>{}</item>", xml(&l.id)))
        .collect();
    let map_layers: String = layers.iter().map(map_layer).collect();
    let layer_order: String = layers
        .iter()
        .map(|l| format!(r#"<layer id="{}"/>"#, xml(&l.id)))
        .collect();
    let view = view.map(|r| {
        // 5 % margin around the region.
        let (dx, dy) = (r.width() * 0.05, r.height() * 0.05);
        Rect::new(
            geo::coord! { x: r.min().x - dx, y: r.min().y - dy },
            geo::coord! { x: r.max().x + dx, y: r.max().y + dy },
        )
    });
    format!(
        r#"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis projectname="{title}" version="{QGIS_VERSION}">
<homePath path=""/>
<title>{title}</title>
<transaction mode="Disabled"/>
<projectFlags set=""/>
<projectCrs>{WGS84_SRS}</projectCrs>
<layer-tree-group><customproperties/>{tree}<custom-order enabled="0">{order}</custom-order></layer-tree-group>
<relations/>
<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>degrees</units>{extent}<rotation>0</rotation><destinationsrs>{WGS84_SRS}</destinationsrs><rendermaptile>0</rendermaptile><expressionContextScope/></mapcanvas>
<projectlayers>{map_layers}</projectlayers>
<layerorder>{layer_order}</layerorder>
<properties><Paths><Absolute type="bool">false</Absolute></Paths><Measure><Ellipsoid type="QString">EPSG:7030</Ellipsoid></Measure><Measurement><DistanceUnits type="QString">km</DistanceUnits><AreaUnits type="QString">km2</AreaUnits></Measurement></properties>
</qgis>
"#,
        title = xml(title),
        extent = extent(view),
    )
}
