//! GeoPackage geometry blobs: a small header (`GP`, version, flags, `srs_id`, an optional
//! envelope) followed by standard WKB (OGC 06-103r4), with ISO and EWKB Z/M type codes.
//! Only what towns and boundaries need is kept: points and polygons.

use geo::{Coord, LineString, MultiPolygon, Polygon};

use super::build::RawGeom as Geom;

/// Parses a GeoPackage blob.
pub(crate) fn parse_gpkg(blob: &[u8]) -> Result<Geom, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("not a GeoPackage geometry blob (no `GP` header)".into());
    }
    let flags = blob[3];
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => return Err(format!("invalid envelope code {other} in the blob header")),
    };
    let empty = flags & 0b1_0000 != 0;
    let start = 8 + envelope;
    let wkb = blob.get(start..).ok_or("the blob is cut short")?;
    if wkb.is_empty() && empty {
        return Ok(Geom::Missing);
    }
    let mut r = Reader {
        b: wkb,
        i: 0,
        le: true,
    };
    r.geometry()
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
    le: bool,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let s = self
            .b
            .get(self.i..self.i + N)
            .ok_or("the WKB is cut short")?;
        self.i += N;
        Ok(s.try_into().expect("slice of length N"))
    }

    fn u32(&mut self) -> Result<u32, String> {
        let a = self.take::<4>()?;
        Ok(if self.le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        })
    }

    fn f64(&mut self) -> Result<f64, String> {
        let a = self.take::<8>()?;
        Ok(if self.le {
            f64::from_le_bytes(a)
        } else {
            f64::from_be_bytes(a)
        })
    }

    fn coord(&mut self, dims: usize) -> Result<Coord<f64>, String> {
        let x = self.f64()?;
        let y = self.f64()?;
        for _ in 2..dims {
            self.f64()?;
        }
        Ok(Coord { x, y })
    }

    /// Byte order, base type (1–7) and number of dimensions of the next geometry.
    fn header(&mut self) -> Result<(u32, usize), String> {
        self.le = match self.take::<1>()?[0] {
            0 => false,
            1 => true,
            b => return Err(format!("invalid WKB byte order {b}")),
        };
        let code = self.u32()?;
        // EWKB flags.
        let (mut z, mut m) = (code & 0x8000_0000 != 0, code & 0x4000_0000 != 0);
        if code & 0x2000_0000 != 0 {
            self.u32()?; // embedded SRID
        }
        let iso = code & 0x0FFF_FFFF;
        let base = iso % 1000;
        match iso / 1000 {
            0 => {}
            1 => z = true,
            2 => m = true,
            3 => (z, m) = (true, true),
            _ => return Err(format!("unknown WKB geometry type {code}")),
        }
        Ok((base, 2 + usize::from(z) + usize::from(m)))
    }

    fn ring(&mut self, dims: usize) -> Result<LineString<f64>, String> {
        let n = self.u32()? as usize;
        let mut pts = Vec::with_capacity(n.min(self.b.len() / 16));
        for _ in 0..n {
            pts.push(self.coord(dims)?);
        }
        Ok(LineString::new(pts))
    }

    fn polygon(&mut self, dims: usize) -> Result<Polygon<f64>, String> {
        let n = self.u32()?;
        let mut rings = Vec::new();
        for _ in 0..n {
            rings.push(self.ring(dims)?);
        }
        let mut rings = rings.into_iter();
        let exterior = rings.next().unwrap_or_else(|| LineString::new(vec![]));
        Ok(Polygon::new(exterior, rings.collect()))
    }

    fn geometry(&mut self) -> Result<Geom, String> {
        let (base, dims) = self.header()?;
        Ok(match base {
            1 => {
                let c = self.coord(dims)?;
                // An empty point is stored with NaN coordinates.
                Geom::Point((!c.x.is_nan() || !c.y.is_nan()).then_some((c.x, c.y)))
            }
            3 => Geom::Polygons(MultiPolygon(vec![self.polygon(dims)?])),
            4 => {
                let n = self.u32()?;
                let mut first = None;
                for _ in 0..n {
                    if let Geom::Point(p) = self.geometry()? {
                        first = first.or(Some(p));
                    }
                }
                match (n, first) {
                    (1, Some(p)) => Geom::Point(p),
                    (0, _) => Geom::Point(None),
                    _ => Geom::Other("MultiPoint".into()),
                }
            }
            6 => {
                let n = self.u32()?;
                let mut polys = Vec::new();
                for _ in 0..n {
                    let (b, d) = self.header()?;
                    if b != 3 {
                        return Err(format!("a MultiPolygon holds a geometry of type {b}"));
                    }
                    polys.push(self.polygon(d)?);
                }
                Geom::Polygons(MultiPolygon(polys))
            }
            2 => Geom::Other("LineString".into()),
            5 => Geom::Other("MultiLineString".into()),
            7 => Geom::Other("GeometryCollection".into()),
            other => return Err(format!("unknown WKB geometry type {other}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(wkb: &[u8]) -> Vec<u8> {
        let mut b = vec![b'G', b'P', 0, 0b0000_0001];
        b.extend_from_slice(&4326i32.to_le_bytes());
        b.extend_from_slice(wkb);
        b
    }

    #[test]
    fn point_little_and_big_endian_with_z() {
        let mut le = vec![1];
        le.extend_from_slice(&1001u32.to_le_bytes());
        for v in [104.5f64, 30.25, 500.0] {
            le.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(
            parse_gpkg(&blob(&le)),
            Ok(Geom::Point(Some((104.5, 30.25))))
        );
        let mut be = vec![0];
        be.extend_from_slice(&1u32.to_be_bytes());
        for v in [104.5f64, 30.25] {
            be.extend_from_slice(&v.to_be_bytes());
        }
        assert_eq!(
            parse_gpkg(&blob(&be)),
            Ok(Geom::Point(Some((104.5, 30.25))))
        );
    }

    #[test]
    fn polygon_and_envelope() {
        let mut wkb = vec![1];
        wkb.extend_from_slice(&3u32.to_le_bytes());
        wkb.extend_from_slice(&1u32.to_le_bytes());
        wkb.extend_from_slice(&4u32.to_le_bytes());
        for v in [0.0f64, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0] {
            wkb.extend_from_slice(&v.to_le_bytes());
        }
        let mut b = vec![b'G', b'P', 0, 0b0000_0011];
        b.extend_from_slice(&4326i32.to_le_bytes());
        b.extend_from_slice(&[0u8; 32]);
        b.extend_from_slice(&wkb);
        match parse_gpkg(&b) {
            Ok(Geom::Polygons(mp)) => assert_eq!(mp.0[0].exterior().0.len(), 4),
            other => panic!("{other:?}"),
        }
        assert!(parse_gpkg(b"XX").is_err());
        assert!(parse_gpkg(&b[..20]).is_err());
    }
}
