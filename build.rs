//! Link settings for the optional `gdal` feature.
//!
//! rusqlite links its bundled SQLite statically, while libgdal links the system's SQLite.
//! When both are in one executable, the linker exports the bundled copy's `sqlite3_*`
//! symbols (libgdal references them), so GDAL ends up calling a mix of the two libraries and
//! crashes on its first GeoPackage. `--exclude-libs,ALL` keeps the symbols of static
//! libraries out of the dynamic symbol table: each side then uses its own SQLite.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let gdal = std::env::var_os("CARGO_FEATURE_GDAL").is_some();
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if gdal && linux {
        println!("cargo:rustc-link-arg=-Wl,--exclude-libs,ALL");
    }
}
