//! `map.png`: `map.svg` rasterised with resvg (pure Rust), using the system's fonts.
//!
//! The map's text is Chinese, so a CJK font must be installed (on Debian and Ubuntu:
//! `fonts-noto-cjk`); without one the picture would show empty boxes, so it is not written
//! and the run says why.

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

/// Families that cover Simplified Chinese, in order of preference.
pub const CJK_FAMILIES: [&str; 8] = [
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
    "Droid Sans Fallback",
];

/// The first family of [`CJK_FAMILIES`] that `db` holds.
pub fn find_cjk_font(db: &fontdb::Database) -> Option<&'static str> {
    CJK_FAMILIES.into_iter().find(|want| {
        db.faces()
            .any(|f| f.families.iter().any(|(name, _)| name == want))
    })
}

/// Renders `svg` to PNG bytes with the system fonts.
///
/// # Errors
/// A sentence saying why no PNG was made: no CJK font, or the SVG could not be rendered.
pub fn render_png(svg: &str) -> Result<Vec<u8>, String> {
    let mut opt = usvg::Options::default();
    let db = opt.fontdb_mut();
    db.load_system_fonts();
    let family = find_cjk_font(db).ok_or_else(|| {
        format!(
            "no CJK font found among the system fonts (looked for {}; on Debian: apt-get install fonts-noto-cjk)",
            CJK_FAMILIES.join(", ")
        )
    })?;
    db.set_sans_serif_family(family);
    opt.font_family = family.to_owned();
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| format!("cannot read map.svg: {e}"))?;
    let size = tree.size().to_int_size();
    let mut pixmap =
        Pixmap::new(size.width(), size.height()).ok_or_else(|| "the map has no size".to_owned())?;
    resvg::render(&tree, Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| format!("cannot encode map.png: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_cjk_font_in_an_empty_database() {
        assert_eq!(find_cjk_font(&fontdb::Database::new()), None);
    }
}
