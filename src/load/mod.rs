//! Loaders: county boundaries from GeoJSON, town points from CSV.
//!
//! Loaders return WGS84 lon/lat data or a typed error naming the file and the feature or line.
//! Polygon rings are re-oriented on load (exteriors counter-clockwise, holes clockwise):
//! geodesic area and union give wrong answers on mixed winding.

mod csv;
#[cfg(feature = "gdal")]
pub mod gdal;
mod geojson;

pub use self::csv::{TownReader, load_towns};
pub use self::geojson::load_boundaries;
