//! Matching a WKT coordinate system description (a Shapefile's `.prj`, a GeoPackage's
//! `definition`) to an EPSG code.
//!
//! Two ways, in order:
//!
//! 1. an authority on the top-level node: `AUTHORITY["EPSG","4523"]` (WKT1) or
//!    `ID["EPSG",4523]` (WKT2);
//! 2. its name, compared with the names of the EPSG definitions after normalising both:
//!    lower case, punctuation to `_`, and Esri's spellings mapped to EPSG's (`GCS_` prefix
//!    dropped, `WGS_1984` → `wgs_84`, `Gauss_Kruger` → `gk`, `3_Degree` → `3_degree`), so that
//!    `CGCS2000_3_Degree_GK_Zone_35` (Esri) matches `CGCS2000 / 3-degree Gauss-Kruger zone 35`
//!    (EPSG:4523).
//!
//! Parameters are never used to guess: a `.prj` that matches neither way is refused, and the
//! user is told to name the CRS with `--crs`.

/// One node of a WKT tree: `KEYWORD[child, child, …]`, children being quoted strings, numbers
/// or nodes.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Node(String, Vec<Item>),
    Text(String),
    Number(String),
}

/// Parses WKT text into its top-level node; `None` when it is not WKT.
fn parse(text: &str) -> Option<(String, Vec<Item>)> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    match p.item()? {
        Item::Node(k, c) => Some((k, c)),
        _ => None,
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn item(&mut self) -> Option<Item> {
        self.skip_ws();
        let c = *self.s.get(self.i)?;
        if c == b'"' {
            let start = self.i + 1;
            let mut j = start;
            let mut out = Vec::new();
            loop {
                match self.s.get(j)? {
                    b'"' if self.s.get(j + 1) == Some(&b'"') => {
                        out.push(b'"');
                        j += 2;
                    }
                    b'"' => break,
                    &b => {
                        out.push(b);
                        j += 1;
                    }
                }
            }
            self.i = j + 1;
            return Some(Item::Text(String::from_utf8_lossy(&out).into_owned()));
        }
        let start = self.i;
        while self.i < self.s.len() && !matches!(self.s[self.i], b'[' | b'(' | b']' | b')' | b',') {
            self.i += 1;
        }
        let word = std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .trim()
            .to_owned();
        self.skip_ws();
        if matches!(self.s.get(self.i), Some(b'[' | b'(')) {
            self.i += 1;
            let mut children = Vec::new();
            loop {
                self.skip_ws();
                if matches!(self.s.get(self.i), Some(b']' | b')')) {
                    self.i += 1;
                    break;
                }
                children.push(self.item()?);
                self.skip_ws();
                match self.s.get(self.i)? {
                    b',' => self.i += 1,
                    b']' | b')' => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
            Some(Item::Node(word.to_ascii_uppercase(), children))
        } else if word.is_empty() {
            None
        } else {
            Some(Item::Number(word))
        }
    }
}

/// The name of a WKT CRS (its first quoted string), for messages.
pub(crate) fn crs_name(text: &str) -> Option<String> {
    let (_, children) = parse(text)?;
    match children.first()? {
        Item::Text(t) => Some(t.clone()),
        _ => None,
    }
}

/// The EPSG code a WKT CRS stands for, by its authority or its name.
pub(crate) fn match_epsg(text: &str) -> Option<u16> {
    let (keyword, children) = parse(text)?;
    // A BOUNDCRS or COMPD_CS wraps the horizontal CRS we want.
    if matches!(keyword.as_str(), "BOUNDCRS" | "COMPD_CS" | "COMPOUNDCRS") {
        let inner = children.iter().find_map(|c| match c {
            Item::Node(k, cc) if k == "SOURCECRS" => cc.first().cloned(),
            Item::Node(k, _) if is_crs_keyword(k) => Some(c.clone()),
            _ => None,
        })?;
        if let Item::Node(k, c) = inner {
            return match_node(&k, &c);
        }
        return None;
    }
    match_node(&keyword, &children)
}

fn is_crs_keyword(k: &str) -> bool {
    matches!(
        k,
        "GEOGCS" | "PROJCS" | "GEOGCRS" | "GEODCRS" | "PROJCRS" | "GEOGRAPHICCRS" | "PROJECTEDCRS"
    )
}

fn match_node(keyword: &str, children: &[Item]) -> Option<u16> {
    if !is_crs_keyword(keyword) {
        return None;
    }
    let authority = children.iter().rev().find_map(|c| match c {
        Item::Node(k, a) if k == "AUTHORITY" || k == "ID" => match (a.first(), a.get(1)) {
            (Some(Item::Text(org)), Some(Item::Text(code) | Item::Number(code)))
                if org.eq_ignore_ascii_case("EPSG") =>
            {
                code.trim().parse::<u16>().ok()
            }
            _ => None,
        },
        _ => None,
    });
    if let Some(code) = authority.filter(|&c| crate::crs::epsg_proj4(c).is_some()) {
        return Some(code);
    }
    let Some(Item::Text(name)) = children.first() else {
        return None;
    };
    match_name(name, keyword.starts_with("PROJ"))
}

/// Normalises a CRS name so that Esri's and EPSG's spellings of the same CRS compare equal.
pub(crate) fn normalise(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_alphanumeric() {
            s.extend(c.to_lowercase());
        } else if !s.ends_with('_') {
            s.push('_');
        }
    }
    let mut s = s.trim_matches('_').to_owned();
    if let Some(rest) = s.strip_prefix("gcs_") {
        s = rest.to_owned();
    }
    for (from, to) in [
        ("gauss_kruger", "gk"),
        ("wgs_1984", "wgs_84"),
        ("wgs84", "wgs_84"),
    ] {
        s = s.replace(from, to);
    }
    s
}

fn match_name(name: &str, projected: bool) -> Option<u16> {
    let n = normalise(name);
    // Esri names with no EPSG counterpart by name.
    let special = match n.as_str() {
        "wgs_84_web_mercator_auxiliary_sphere" | "wgs_84_pseudo_mercator" | "web_mercator" => {
            Some(3857)
        }
        "cgcs2000" | "cgcs_2000" => Some(4490),
        _ => None,
    };
    if special.is_some() {
        return special;
    }
    let candidates = crs_definitions_names();
    candidates
        .iter()
        .find(|(code, cand, is_proj)| *is_proj == projected && *cand == n && *code != 0)
        .map(|(code, _, _)| *code)
}

/// `(code, normalised name, projected?)` of every EPSG definition, built once.
fn crs_definitions_names() -> &'static [(u16, String, bool)] {
    static NAMES: std::sync::OnceLock<Vec<(u16, String, bool)>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        (1024..=u16::MAX)
            .filter_map(crs_definitions::from_code)
            .filter_map(|d| {
                let (keyword, children) = parse(d.wkt)?;
                let Some(Item::Text(name)) = children.first() else {
                    return None;
                };
                let projected = match keyword.as_str() {
                    "PROJCS" => true,
                    "GEOGCS" => false,
                    _ => return None,
                };
                Some((d.code, normalise(name), projected))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_wins() {
        let wkt = r#"PROJCS["whatever",GEOGCS["GCS",DATUM["D",SPHEROID["S",6378137,298.257222101]]],PROJECTION["Transverse_Mercator"],AUTHORITY["EPSG","4523"]]"#;
        assert_eq!(match_epsg(wkt), Some(4523));
        let wkt2 = r#"PROJCRS["CGCS2000 / 3-degree Gauss-Kruger zone 35",BASEGEOGCRS["China Geodetic Coordinate System 2000",DATUM["China 2000",ELLIPSOID["CGCS2000",6378137,298.257222101]]],ID["EPSG",4523]]"#;
        assert_eq!(match_epsg(wkt2), Some(4523));
    }

    #[test]
    fn esri_names_match_epsg_names() {
        for (wkt, code) in [
            (
                r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
                4326,
            ),
            (
                r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#,
                4490,
            ),
            (
                r#"PROJCS["CGCS2000_3_Degree_GK_Zone_35",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",35500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#,
                4523,
            ),
            (
                r#"PROJCS["CGCS2000_3_Degree_GK_CM_105E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]]],PROJECTION["Gauss_Kruger"],UNIT["Meter",1.0]]"#,
                4544,
            ),
            (
                r#"PROJCS["WGS_1984_UTM_Zone_48N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Transverse_Mercator"],UNIT["Meter",1.0]]"#,
                32648,
            ),
            (
                r#"PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Mercator_Auxiliary_Sphere"],UNIT["Meter",1.0]]"#,
                3857,
            ),
            (
                r#"GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]]]"#,
                4214,
            ),
        ] {
            assert_eq!(match_epsg(wkt), Some(code), "{wkt}");
        }
    }

    #[test]
    fn unknown_names_do_not_match() {
        let wkt = r#"PROJCS["My_Local_Grid",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]]],PROJECTION["Transverse_Mercator"],UNIT["Meter",1.0]]"#;
        assert_eq!(match_epsg(wkt), None);
        assert_eq!(crs_name(wkt).as_deref(), Some("My_Local_Grid"));
        assert_eq!(match_epsg("not wkt at all"), None);
    }
}
