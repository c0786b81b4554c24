//! # citybelt
//!
//! Spatial analysis of urban agglomerations (城市群) from county boundaries and town points:
//! geodesic areas, town density per 10,000 km² by county, prefecture, belt and region, belt
//! membership, and GIS layers.
//!
//! The pipeline is the module tree:
//!
//! 1. [`config`]: read the region file (scope, belts, centres, density kinds, references);
//! 2. [`load`]: read boundaries and towns (GeoJSON, Shapefile, GeoPackage, CSV) and convert
//!    them to WGS84 lon/lat from their CRS ([`crs`], including the GCJ-02 and BD-09 offsets of
//!    Chinese web maps), with soft problems returned as warnings;
//! 3. [`config::RegionConfig::resolve`]: check the region against the boundaries;
//! 4. [`index`]: an R-tree places every town in exactly one county (or none, reported);
//! 5. [`analyse`]: areas, counts, densities, belt outlines, reference comparisons;
//! 6. [`export`]: the layers as GeoJSON, GeoPackage, Shapefile and FlatGeobuf, QGIS styles
//!    and project, a map picture and summary tables, all or nothing.
//!
//! [`pipeline::run`] does all of it and [`pipeline::count`] counts millions of points into
//! any polygons; each stage can also be called on its own.
//! The library never prints and never exits: every failure is an [`Error`] naming the file
//! and the feature, line or key.
//!
//! ```
//! use citybelt::{analyse, config::RegionConfig, index::CountyIndex, load};
//!
//! let config = RegionConfig::from_path("tests/fixtures/grid_region.toml")?;
//! let counties = load::load_boundaries(&config.boundary_input())?;
//! let region = config.resolve(&counties, None)?;
//! let towns = load::load_towns(&config.town_input())?;
//! let index = CountyIndex::new(&counties);
//! let result = analyse::analyse(&region, &counties, &towns, &index);
//! // Every town row is either in a county or reported as outside.
//! let t = result.totals;
//! assert_eq!(t.member + t.partial_excluded + t.non_member + t.outside, t.rows);
//! # Ok::<(), citybelt::Error>(())
//! ```

pub mod analyse;
pub mod config;
pub mod crs;
pub mod error;
pub mod export;
pub mod index;
pub mod load;
pub mod model;
pub mod pipeline;

pub use error::{Error, Result};

/// The README's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
