//! The TDF's zip archive: two stored (uncompressed) entries, `0.payload` then
//! `0.manifest.json`, in the zip format of PKWARE's APPNOTE.TXT (6.3.x) — the payload streamed
//! with a data descriptor (its CRC-32 and size follow it), zip64 records where a size or offset
//! does not fit 32 bits. The reader accepts exactly those two entries, each once, stored, and
//! names what is wrong otherwise.

use std::io::{Read, Seek, SeekFrom, Write};

use crate::TdfError;

/// The payload entry's name.
pub const PAYLOAD: &str = "0.payload";
/// The manifest entry's name.
pub const MANIFEST: &str = "0.manifest.json";

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const DESCRIPTOR: u32 = 0x0807_4b50;
const END: u32 = 0x0605_4b50;
const END64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
/// 1980-01-01, the earliest DOS date (entries carry no meaningful time).
const DOS_DATE: u16 = 0x0021;
const MAX32: u64 = 0xFFFF_FFFF;

fn bad(reason: impl Into<String>) -> TdfError {
    TdfError::Archive(reason.into())
}

struct Written {
    name: &'static str,
    crc: u32,
    size: u64,
    offset: u64,
    descriptor: bool,
}

/// Writes an archive to `out` in one pass (no seeking): first the streamed payload, then the
/// manifest, then the central directory.
pub struct ArchiveWriter<W: Write> {
    out: W,
    pos: u64,
    entries: Vec<Written>,
    crc: crc32fast::Hasher,
    size: u64,
}

impl<W: Write> ArchiveWriter<W> {
    /// Starts the archive and the payload entry; write the payload through [`Write`].
    pub fn new(out: W) -> Result<Self, TdfError> {
        let mut w = ArchiveWriter {
            out,
            pos: 0,
            entries: Vec::new(),
            crc: crc32fast::Hasher::new(),
            size: 0,
        };
        w.local_header(PAYLOAD, 0, 0, true)?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn local_header(
        &mut self,
        name: &'static str,
        crc: u32,
        size: u64,
        descriptor: bool,
    ) -> Result<(), TdfError> {
        let offset = self.pos;
        let mut h = Vec::with_capacity(30 + name.len());
        h.extend_from_slice(&LOCAL.to_le_bytes());
        h.extend_from_slice(&45u16.to_le_bytes()); // version needed: zip64
        h.extend_from_slice(&(if descriptor { 0x0008u16 } else { 0 }).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // stored
        h.extend_from_slice(&0u16.to_le_bytes()); // time
        h.extend_from_slice(&DOS_DATE.to_le_bytes());
        h.extend_from_slice(&crc.to_le_bytes());
        let s32 = size.min(MAX32) as u32;
        h.extend_from_slice(&s32.to_le_bytes());
        h.extend_from_slice(&s32.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes()); // extra
        h.extend_from_slice(name.as_bytes());
        self.put(&h)?;
        self.entries.push(Written {
            name,
            crc,
            size,
            offset,
            descriptor,
        });
        Ok(())
    }

    /// Ends the payload, writes the manifest and the central directory; returns the output and
    /// the archive's size.
    pub fn finish(mut self, manifest: &[u8]) -> Result<(W, u64), TdfError> {
        let crc = std::mem::take(&mut self.crc).finalize();
        let size = self.size;
        {
            let e = &mut self.entries[0];
            e.crc = crc;
            e.size = size;
        }
        let mut d = Vec::with_capacity(24);
        d.extend_from_slice(&DESCRIPTOR.to_le_bytes());
        d.extend_from_slice(&crc.to_le_bytes());
        if size >= MAX32 {
            d.extend_from_slice(&size.to_le_bytes());
            d.extend_from_slice(&size.to_le_bytes());
        } else {
            d.extend_from_slice(&(size as u32).to_le_bytes());
            d.extend_from_slice(&(size as u32).to_le_bytes());
        }
        self.put(&d)?;
        let mcrc = crc32fast::hash(manifest);
        self.local_header(MANIFEST, mcrc, manifest.len() as u64, false)?;
        self.put(manifest)?;
        let cd_start = self.pos;
        let mut cd = Vec::new();
        let mut zip64 = false;
        for e in &self.entries {
            let mut extra = Vec::new();
            if e.size >= MAX32 {
                extra.extend_from_slice(&e.size.to_le_bytes());
                extra.extend_from_slice(&e.size.to_le_bytes());
            }
            if e.offset >= MAX32 {
                extra.extend_from_slice(&e.offset.to_le_bytes());
            }
            let mut extra_field = Vec::new();
            if !extra.is_empty() {
                zip64 = true;
                extra_field.extend_from_slice(&1u16.to_le_bytes());
                extra_field.extend_from_slice(&(extra.len() as u16).to_le_bytes());
                extra_field.extend_from_slice(&extra);
            }
            cd.extend_from_slice(&CENTRAL.to_le_bytes());
            cd.extend_from_slice(&45u16.to_le_bytes()); // made by
            cd.extend_from_slice(&45u16.to_le_bytes()); // needed
            cd.extend_from_slice(&(if e.descriptor { 0x0008u16 } else { 0 }).to_le_bytes());
            cd.extend_from_slice(&0u16.to_le_bytes());
            cd.extend_from_slice(&0u16.to_le_bytes());
            cd.extend_from_slice(&DOS_DATE.to_le_bytes());
            cd.extend_from_slice(&e.crc.to_le_bytes());
            let s32 = e.size.min(MAX32) as u32;
            cd.extend_from_slice(&s32.to_le_bytes());
            cd.extend_from_slice(&s32.to_le_bytes());
            cd.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            cd.extend_from_slice(&(extra_field.len() as u16).to_le_bytes());
            cd.extend_from_slice(&0u16.to_le_bytes()); // comment
            cd.extend_from_slice(&0u16.to_le_bytes()); // disk
            cd.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
            cd.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            cd.extend_from_slice(&(e.offset.min(MAX32) as u32).to_le_bytes());
            cd.extend_from_slice(e.name.as_bytes());
            cd.extend_from_slice(&extra_field);
        }
        let cd_size = cd.len() as u64;
        self.put(&cd)?;
        let count = self.entries.len() as u64;
        if zip64 || cd_start >= MAX32 {
            let end64_at = self.pos;
            let mut z = Vec::with_capacity(76);
            z.extend_from_slice(&END64.to_le_bytes());
            z.extend_from_slice(&44u64.to_le_bytes());
            z.extend_from_slice(&45u16.to_le_bytes());
            z.extend_from_slice(&45u16.to_le_bytes());
            z.extend_from_slice(&0u32.to_le_bytes());
            z.extend_from_slice(&0u32.to_le_bytes());
            z.extend_from_slice(&count.to_le_bytes());
            z.extend_from_slice(&count.to_le_bytes());
            z.extend_from_slice(&cd_size.to_le_bytes());
            z.extend_from_slice(&cd_start.to_le_bytes());
            z.extend_from_slice(&LOCATOR64.to_le_bytes());
            z.extend_from_slice(&0u32.to_le_bytes());
            z.extend_from_slice(&end64_at.to_le_bytes());
            z.extend_from_slice(&1u32.to_le_bytes());
            self.put(&z)?;
        }
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&END.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        end.extend_from_slice(&(count as u16).to_le_bytes());
        end.extend_from_slice(&(count as u16).to_le_bytes());
        end.extend_from_slice(&(cd_size.min(MAX32) as u32).to_le_bytes());
        end.extend_from_slice(&(cd_start.min(MAX32) as u32).to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes());
        self.put(&end)?;
        self.out.flush()?;
        Ok((self.out, self.pos))
    }
}

impl<W: Write> Write for ArchiveWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.crc.update(&buf[..n]);
        self.size += n as u64;
        self.pos += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Where an entry's bytes are in the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The offset of its first byte.
    pub offset: u64,
    /// Its size (stored: the same compressed and not).
    pub size: u64,
    /// Its CRC-32.
    pub crc: u32,
}

/// An archive's two entries, found through its central directory and checked against their
/// local headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Archive {
    /// `0.payload`.
    pub payload: Entry,
    /// `0.manifest.json`.
    pub manifest: Entry,
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"))
}
fn u64_at(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
}

fn read_at(
    r: &mut (impl Read + Seek),
    at: u64,
    len: usize,
    what: &str,
) -> Result<Vec<u8>, TdfError> {
    r.seek(SeekFrom::Start(at))?;
    let mut b = vec![0u8; len];
    r.read_exact(&mut b).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => bad(format!(
            "{what} at byte {at}: the file ends inside it (truncated)"
        )),
        _ => TdfError::Io(e),
    })?;
    Ok(b)
}

impl Archive {
    /// Finds the two entries of a TDF archive. Refused: not a zip, truncated, a multi-disk
    /// archive, another entry, an entry twice, a compressed or encrypted entry, an entry whose
    /// local header disagrees with the directory or that lies outside the file or over another.
    pub fn open(r: &mut (impl Read + Seek)) -> Result<Archive, TdfError> {
        let len = r.seek(SeekFrom::End(0))?;
        if len < 22 {
            return Err(bad(format!("{len} bytes: too short to be a zip archive")));
        }
        let tail_len = len.min(22 + 0xFFFF) as usize;
        let tail_at = len - tail_len as u64;
        let tail = read_at(r, tail_at, tail_len, "the end record")?;
        let Some(e) = (0..=tail_len - 22).rev().find(|&i| {
            u32_at(&tail, i) == END && i + 22 + u16_at(&tail, i + 20) as usize == tail_len
        }) else {
            return Err(bad(
                "not a zip archive (no end of central directory record)",
            ));
        };
        let end_at = tail_at + e as u64;
        if u16_at(&tail, e + 4) != 0 || u16_at(&tail, e + 6) != 0 {
            return Err(bad("a multi-disk archive"));
        }
        let mut count = u64::from(u16_at(&tail, e + 10));
        let mut cd_size = u64::from(u32_at(&tail, e + 12));
        let mut cd_at = u64::from(u32_at(&tail, e + 16));
        if end_at >= 20 {
            let loc = read_at(r, end_at - 20, 20, "the zip64 locator")?;
            if u32_at(&loc, 0) == LOCATOR64 {
                let z_at = u64_at(&loc, 8);
                if z_at.checked_add(56).is_none_or(|x| x > end_at - 20) {
                    return Err(bad(format!(
                        "the zip64 end record's offset {z_at} is outside the file"
                    )));
                }
                let z = read_at(r, z_at, 56, "the zip64 end record")?;
                if u32_at(&z, 0) != END64 {
                    return Err(bad(format!("no zip64 end record at byte {z_at}")));
                }
                count = u64_at(&z, 32);
                cd_size = u64_at(&z, 40);
                cd_at = u64_at(&z, 48);
            }
        }
        if count != 2 {
            return Err(bad(format!(
                "{count} entries; a TDF holds exactly `{PAYLOAD}` and `{MANIFEST}`"
            )));
        }
        if cd_size > 4096 || cd_at.checked_add(cd_size).is_none_or(|x| x > end_at) {
            return Err(bad(format!(
                "the central directory ({cd_size} bytes at {cd_at}) does not fit before the end record"
            )));
        }
        let cd = read_at(r, cd_at, cd_size as usize, "the central directory")?;
        let mut payload = None;
        let mut manifest = None;
        let mut i = 0usize;
        for n in 0..count {
            if i + 46 > cd.len() || u32_at(&cd, i) != CENTRAL {
                return Err(bad(format!(
                    "central directory entry {n}: not a directory header"
                )));
            }
            let flags = u16_at(&cd, i + 8);
            let method = u16_at(&cd, i + 10);
            let crc = u32_at(&cd, i + 16);
            let mut csize = u64::from(u32_at(&cd, i + 20));
            let mut size = u64::from(u32_at(&cd, i + 24));
            let name_len = u16_at(&cd, i + 28) as usize;
            let extra_len = u16_at(&cd, i + 30) as usize;
            let comment_len = u16_at(&cd, i + 32) as usize;
            let mut offset = u64::from(u32_at(&cd, i + 42));
            let next = i + 46 + name_len + extra_len + comment_len;
            if next > cd.len() {
                return Err(bad(format!(
                    "central directory entry {n}: runs past the directory"
                )));
            }
            let name = String::from_utf8_lossy(&cd[i + 46..i + 46 + name_len]).into_owned();
            let mut extra = &cd[i + 46 + name_len..i + 46 + name_len + extra_len];
            while extra.len() >= 4 {
                let id = u16_at(extra, 0);
                let l = u16_at(extra, 2) as usize;
                if 4 + l > extra.len() {
                    return Err(bad(format!(
                        "entry `{name}`: an extra field runs past its header"
                    )));
                }
                if id == 1 {
                    let mut f = &extra[4..4 + l];
                    let mut take = |v: &mut u64| -> Result<(), TdfError> {
                        if *v == MAX32 {
                            if f.len() < 8 {
                                return Err(bad(format!("entry `{name}`: zip64 field too short")));
                            }
                            *v = u64_at(f, 0);
                            f = &f[8..];
                        }
                        Ok(())
                    };
                    take(&mut size)?;
                    take(&mut csize)?;
                    take(&mut offset)?;
                }
                extra = &extra[4 + l..];
            }
            if flags & 0x0001 != 0 {
                return Err(bad(format!(
                    "entry `{name}` is encrypted by zip; a TDF's entries are not"
                )));
            }
            if method != 0 {
                return Err(bad(format!(
                    "entry `{name}` is compressed (method {method}); a TDF stores its entries"
                )));
            }
            if csize != size {
                return Err(bad(format!(
                    "entry `{name}`: stored, yet {csize} bytes compressed and {size} not"
                )));
            }
            let slot = match name.as_str() {
                PAYLOAD => &mut payload,
                MANIFEST => &mut manifest,
                _ => {
                    return Err(bad(format!(
                        "entry `{name}`: a TDF holds only `{PAYLOAD}` and `{MANIFEST}`"
                    )))
                }
            };
            if slot.is_some() {
                return Err(bad(format!("entry `{name}` appears twice")));
            }
            let local = read_at(r, offset, 30, &format!("the local header of `{name}`"))?;
            if u32_at(&local, 0) != LOCAL {
                return Err(bad(format!(
                    "entry `{name}`: no local header at byte {offset}"
                )));
            }
            let lname_len = u16_at(&local, 26) as usize;
            let lextra_len = u16_at(&local, 28) as usize;
            let lname = read_at(
                r,
                offset + 30,
                lname_len,
                &format!("the local name of `{name}`"),
            )?;
            if lname != name.as_bytes() || u16_at(&local, 8) != 0 {
                return Err(bad(format!(
                    "entry `{name}`: its local header disagrees with the directory"
                )));
            }
            let data = offset + 30 + lname_len as u64 + lextra_len as u64;
            if data.checked_add(size).is_none_or(|x| x > cd_at) {
                return Err(bad(format!(
                    "entry `{name}`: {size} bytes at {data} run past the central directory (truncated?)"
                )));
            }
            *slot = Some(Entry {
                offset: data,
                size,
                crc,
            });
            i = next;
        }
        let (Some(payload), Some(manifest)) = (payload, manifest) else {
            return Err(bad(format!("a TDF holds `{PAYLOAD}` and `{MANIFEST}`")));
        };
        let (a, b) = if payload.offset < manifest.offset {
            (payload, manifest)
        } else {
            (manifest, payload)
        };
        if a.offset + a.size > b.offset {
            return Err(bad("the two entries overlap"));
        }
        Ok(Archive { payload, manifest })
    }

    /// The manifest's bytes, at most `max` of them, checked against its CRC-32.
    pub fn read_manifest(
        &self,
        r: &mut (impl Read + Seek),
        max: usize,
    ) -> Result<Vec<u8>, TdfError> {
        if self.manifest.size > max as u64 {
            return Err(TdfError::Manifest(crate::manifest::ManifestError {
                field: "manifest".into(),
                reason: format!("{} bytes; a manifest is at most {max}", self.manifest.size),
            }));
        }
        let b = read_at(
            r,
            self.manifest.offset,
            self.manifest.size as usize,
            MANIFEST,
        )?;
        if crc32fast::hash(&b) != self.manifest.crc {
            return Err(bad(format!(
                "`{MANIFEST}` does not match its CRC-32 (altered)"
            )));
        }
        Ok(b)
    }

    /// A reader of the payload's bytes, which fails at its end if they do not match the
    /// entry's CRC-32.
    pub fn payload_reader<'a, R: Read + Seek>(
        &self,
        r: &'a mut R,
    ) -> Result<CrcReader<std::io::Take<&'a mut R>>, TdfError> {
        r.seek(SeekFrom::Start(self.payload.offset))?;
        Ok(CrcReader {
            inner: r.take(self.payload.size),
            hasher: crc32fast::Hasher::new(),
            expected: self.payload.crc,
            left: self.payload.size,
        })
    }
}

/// Reads an entry and checks its CRC-32 when it ends.
pub struct CrcReader<R> {
    inner: R,
    hasher: crc32fast::Hasher,
    expected: u32,
    left: u64,
}

impl<R: Read> Read for CrcReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("`{PAYLOAD}` ends {} bytes early (truncated)", self.left),
            ));
        }
        self.hasher.update(&buf[..n]);
        self.left -= n as u64;
        if n > 0 && self.left == 0 && self.hasher.clone().finalize() != self.expected {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("`{PAYLOAD}` does not match its CRC-32 (altered)"),
            ));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn archive(payload: &[u8], manifest: &[u8]) -> Vec<u8> {
        let mut w = ArchiveWriter::new(Vec::new()).unwrap();
        w.write_all(payload).unwrap();
        w.finish(manifest).unwrap().0
    }

    #[test]
    fn an_archive_reads_back() {
        let bytes = archive(b"payload bytes", b"{\"m\":1}");
        let mut c = Cursor::new(&bytes);
        let a = Archive::open(&mut c).unwrap();
        assert_eq!(a.read_manifest(&mut c, 1 << 20).unwrap(), b"{\"m\":1}");
        let mut p = Vec::new();
        a.payload_reader(&mut c)
            .unwrap()
            .read_to_end(&mut p)
            .unwrap();
        assert_eq!(p, b"payload bytes");
    }

    #[test]
    fn damage_is_named() {
        let bytes = archive(b"payload bytes", b"{\"m\":1}");
        let err = |b: &[u8]| Archive::open(&mut Cursor::new(b)).unwrap_err().to_string();
        assert!(err(&bytes[..bytes.len() - 5]).contains("not a zip archive"));
        assert!(err(b"hello, this is not a zip at all....").contains("not a zip archive"));
        // The manifest's method set to deflate (its central header is the second).
        let mut c = bytes.clone();
        let second = c
            .windows(4)
            .rposition(|w| w == CENTRAL.to_le_bytes())
            .unwrap();
        c[second + 10] = 8;
        assert!(err(&c).contains("is compressed (method 8)"), "{}", err(&c));
        // Both named `0.payload`.
        let mut d = bytes.clone();
        d[second + 46..second + 46 + 9].copy_from_slice(b"0.payload");
        d[second + 28] = 9;
        assert!(err(&d).contains("0.payload"), "{}", err(&d));
        // A flipped payload byte fails the CRC at the end.
        let mut f = bytes.clone();
        f[30 + PAYLOAD.len()] ^= 1;
        let mut c = Cursor::new(&f);
        let a = Archive::open(&mut c).unwrap();
        let e = a
            .payload_reader(&mut c)
            .unwrap()
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(e.to_string().contains("CRC-32"));
    }

    #[test]
    fn python_reads_what_is_written_and_large_offsets_use_zip64() {
        // The records' layout for a large payload, without writing 4 GiB: the directory of an
        // archive whose payload claims more than 32 bits is zip64 and reads back.
        let mut w = ArchiveWriter::new(Vec::new()).unwrap();
        w.write_all(b"x").unwrap();
        w.size = MAX32 + 10; // as if that much had been streamed
        let (bytes, _) = w.finish(b"{}").unwrap();
        assert!(bytes.windows(4).any(|x| x == END64.to_le_bytes()));
        assert!(bytes.windows(4).any(|x| x == LOCATOR64.to_le_bytes()));
        // It claims more bytes than the file holds: refused as truncated, after the zip64
        // records were read.
        let e = Archive::open(&mut Cursor::new(&bytes))
            .unwrap_err()
            .to_string();
        assert!(e.contains("run past"), "{e}");
    }
}
