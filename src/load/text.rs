//! Text encodings of attribute data: naming them, and telling UTF-8 from GBK when a file does
//! not say.
//!
//! Chinese data comes in UTF-8 or in GBK (code page 936, what Chinese Windows calls "ANSI").
//! A Shapefile says which in its `.cpg`, or in the language driver byte of its `.dbf`; a CSV
//! says nothing. When nothing says, the bytes are tested: text that is valid UTF-8 is taken as
//! UTF-8 (GBK text with Chinese characters is almost never valid UTF-8), anything else as GBK;
//! the loaders report the guess as a warning.

use std::fmt;
use std::str::FromStr;

use encoding_rs::Encoding;

/// A text encoding, by any of its usual names or Windows code page numbers: `utf-8`, `gbk`,
/// `gb2312`, `gb18030`, `cp936`, `936`, `big5`, `950`, `latin1`, `1252`, …
///
/// GBK and GB2312 are decoded as GB18030, their superset.
///
/// # Examples
/// ```
/// use citybelt::load::TextEncoding;
/// assert_eq!("CP936".parse::<TextEncoding>().unwrap().name(), "GBK");
/// assert_eq!("65001".parse::<TextEncoding>().unwrap().name(), "UTF-8");
/// assert!("klingon".parse::<TextEncoding>().is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TextEncoding(&'static Encoding);

impl TextEncoding {
    /// UTF-8.
    pub const UTF_8: TextEncoding = TextEncoding(encoding_rs::UTF_8);
    /// GBK (code page 936).
    pub const GBK: TextEncoding = TextEncoding(encoding_rs::GBK);

    /// The encoding's name (`UTF-8`, `GBK`, `Big5`, `windows-1252`, …).
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The `encoding_rs` encoding.
    pub fn encoding(self) -> &'static Encoding {
        self.0
    }

    /// Whether this is UTF-8.
    pub fn is_utf8(self) -> bool {
        self.0 == encoding_rs::UTF_8
    }

    /// The encoding of a dBase language driver id (byte 29 of a `.dbf` header), when it names
    /// one unambiguously. `0x57` ("ANSI", the writer's Windows code page, which is GBK on a
    /// Chinese system) and `0` (none) name none.
    pub fn from_dbf_language_driver(ldid: u8) -> Option<TextEncoding> {
        let code_page = match ldid {
            0x4D | 0x7A => 936,
            0x4F | 0x78 => 950,
            0x4E | 0x79 => 949,
            0x13 | 0x7B => 932,
            0x03 | 0x58 | 0x59 => 1252,
            0xC8 => 1250,
            0xC9 => 1251,
            0xCA => 1254,
            0xCB => 1253,
            _ => return None,
        };
        codepage::to_encoding(code_page).map(TextEncoding)
    }
}

impl fmt::Debug for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TextEncoding({})", self.name())
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TextEncoding {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let label = s.trim().trim_start_matches('\u{feff}').trim();
        let lower = label.to_ascii_lowercase();
        // Windows code pages, as `936`, `cp936`, `ansi 936`, `windows-936`.
        let digits = lower
            .trim_start_matches("ansi")
            .trim_start_matches("windows-")
            .trim_start_matches("cp")
            .trim();
        if let Ok(code_page) = digits.parse::<u16>()
            && let Some(enc) = codepage::to_encoding(code_page)
        {
            return Ok(TextEncoding(enc));
        }
        let lower = match lower.as_str() {
            "utf8" => "utf-8",
            "latin1" | "iso8859-1" | "iso-8859-1" => "windows-1252",
            other => other,
        };
        Encoding::for_label(lower.as_bytes())
            .filter(|e| *e != encoding_rs::REPLACEMENT && *e != encoding_rs::UTF_16LE && *e != encoding_rs::UTF_16BE)
            .map(TextEncoding)
            .ok_or_else(|| {
                format!("unknown text encoding `{label}` (expected e.g. utf-8, gbk, gb18030, big5, cp936)")
            })
    }
}

/// The guess for bytes whose encoding nobody stated: UTF-8 if they are valid UTF-8 (a
/// sequence cut at the end of a sample is allowed), else GBK. Also says whether the bytes
/// contain anything but ASCII, that is, whether the guess mattered.
pub(crate) fn guess(bytes: &[u8], complete: bool) -> (TextEncoding, bool) {
    let non_ascii = !bytes.is_ascii();
    let utf8 = match std::str::from_utf8(bytes) {
        Ok(_) => true,
        // At the end of a sample a character may be cut in two.
        Err(e) => !complete && e.error_len().is_none(),
    };
    let enc = if utf8 {
        TextEncoding::UTF_8
    } else {
        TextEncoding::GBK
    };
    (enc, non_ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_code_pages() {
        for (label, name) in [
            ("UTF-8", "UTF-8"),
            ("utf8", "UTF-8"),
            ("65001", "UTF-8"),
            ("GBK", "GBK"),
            ("gb2312", "GBK"),
            ("CP936", "GBK"),
            ("936", "GBK"),
            ("ANSI 936", "GBK"),
            ("GB18030", "gb18030"),
            ("big5", "Big5"),
            ("950", "Big5"),
            ("1252", "windows-1252"),
            ("ISO-8859-1", "windows-1252"),
        ] {
            assert_eq!(
                label.parse::<TextEncoding>().unwrap().name(),
                name,
                "{label}"
            );
        }
    }

    #[test]
    fn guess_tells_gbk_from_utf8() {
        let text = "德阳市旌阳区";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(guess(text.as_bytes(), true), (TextEncoding::UTF_8, true));
        assert_eq!(guess(&gbk, true), (TextEncoding::GBK, true));
        assert_eq!(guess(b"plain ascii", true), (TextEncoding::UTF_8, false));
        // A sample cut inside a character is still UTF-8.
        assert_eq!(guess(&text.as_bytes()[..4], false).0, TextEncoding::UTF_8);
    }
}
