//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A file under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A file under `assets/chengyu/`.
pub fn asset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/chengyu")
        .join(name)
}

/// Reads a GeoJSON file written by citybelt.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The features of a FeatureCollection.
pub fn features(doc: &serde_json::Value) -> &Vec<serde_json::Value> {
    doc["features"].as_array().expect("a features array")
}

/// The feature whose property `key` equals `value`.
pub fn feature_by<'a>(doc: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    features(doc)
        .iter()
        .find(|f| f["properties"][key] == value)
        .unwrap_or_else(|| panic!("no feature with {key} = {value}"))
}
