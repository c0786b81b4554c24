//! Runs the citybelt pipeline stage by stage on the small grid fixture and prints each
//! county's town density.
//!
//! ```text
//! cargo run --example density_from_files [REGION.toml]
//! ```

use citybelt::analyse::analyse;
use citybelt::config::RegionConfig;
use citybelt::index::CountyIndex;
use citybelt::load::{load_boundaries, load_towns};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/grid_region.toml"
        )
        .into()
    });
    let config = RegionConfig::from_path(&path)?;
    let counties = load_boundaries(&config.boundary_input())?;
    let region = config.resolve(&counties, None)?;
    let towns = load_towns(&config.town_input())?;
    let index = CountyIndex::new(&counties);
    let result = analyse(&region, &counties, &towns, &index);
    println!(
        "{:<8} {:<12} {:>12} {:>8} {:>18}",
        "id", "name", "area_km2", "towns", "towns_per_10k_km2"
    );
    for c in &result.counties {
        let b = &counties.features[c.boundary];
        println!(
            "{:<8} {:<12} {:>12.1} {:>8} {:>18.2}",
            b.id, b.name, c.stats.area_km2, c.stats.density_towns, c.stats.towns_per_10k_km2
        );
    }
    Ok(())
}
