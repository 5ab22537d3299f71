//! The X.841 / RFC 2634 `ESSSecurityLabel` in ASN.1: read from BER (definite or indefinite
//! lengths, components in any order), written in DER. Its security categories use the common
//! syntaxes of ACP 145 / SDN.801 (`id-commonSecurityCategoriesSyntaxes`, 2.16.840.1.101.2.1.8.3):
//!
//! ```text
//! ESSSecurityLabel ::= SET {
//!   security-policy-identifier OBJECT IDENTIFIER OPTIONAL,
//!   security-classification    INTEGER OPTIONAL,
//!   privacy-mark               CHOICE { PrintableString, UTF8String } OPTIONAL,
//!   security-categories        SET OF SecurityCategory OPTIONAL }
//! SecurityCategory ::= SEQUENCE { type [0] IMPLICIT OBJECT IDENTIFIER, value [1] EXPLICIT ANY }
//! .0 restrictive bit map, .2 permissive bit map:  SEQUENCE { tagName OID, attributeFlags BIT STRING }
//! .1 enumerated permissive, .4 enumerated restrictive: SEQUENCE { tagName OID, SET OF INTEGER }
//! .3 informative: SEQUENCE { tagName OID, CHOICE { BIT STRING, SET OF INTEGER } }
//! ```
//!
//! Values are what the SPIF numbers: the policy's OID, the classification's and categories'
//! LACVs, the tag sets' OIDs. Names are the SPIF's business (`forms`). Pure: bytes in, bytes out.

use crate::spif::TagKind;

/// The arc of the common security category syntaxes.
const SYNTAX_ARC: &str = "2.16.840.1.101.2.1.8.3";

/// Largest nesting accepted (a label is four levels deep).
const MAX_DEPTH: usize = 8;

/// An `ESSSecurityLabel`, in the SPIF's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EssLabel {
    /// The policy's OID, dotted.
    pub policy: Option<String>,
    /// The classification's LACV.
    pub classification: Option<i64>,
    /// The privacy mark.
    pub privacy_mark: Option<String>,
    /// Security categories: the tag's kind, its tag set's OID (dotted) and the LACVs held.
    pub categories: Vec<(TagKind, String, Vec<i64>)>,
}

/// Why bytes are not an `ESSSecurityLabel`: where (byte offset) and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("BER byte {offset}: {field}: {reason}")]
pub struct BerError {
    /// Offset of the element at fault.
    pub offset: usize,
    /// The field being read.
    pub field: &'static str,
    /// What is wrong.
    pub reason: String,
}

fn err<T>(offset: usize, field: &'static str, reason: impl Into<String>) -> Result<T, BerError> {
    Err(BerError {
        offset,
        field,
        reason: reason.into(),
    })
}

/// One element: its tag byte, where it starts, and its contents.
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    tag: u8,
    offset: usize,
    contents: &'a [u8],
    /// Its contents are elements with indefinite-length framing (ending in 00 00).
    indefinite: bool,
    /// Where its contents start in the whole input.
    at: usize,
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn new(input: &'a [u8]) -> Self {
        Reader {
            input,
            pos: 0,
            end: input.len(),
        }
    }

    fn inside(input: &'a [u8], t: &Tlv<'a>) -> Self {
        Reader {
            input,
            pos: t.at,
            end: t.at + t.contents.len(),
        }
    }

    fn done(&mut self, indefinite: bool) -> bool {
        if indefinite && self.input[self.pos..self.end].starts_with(&[0, 0]) {
            self.pos += 2;
            return true;
        }
        self.pos >= self.end
    }

    /// The next element; `field` names it in errors.
    fn next(&mut self, field: &'static str, depth: usize) -> Result<Tlv<'a>, BerError> {
        if depth > MAX_DEPTH {
            return err(self.pos, field, "nested too deeply");
        }
        let start = self.pos;
        let byte = |r: &mut Self| -> Result<u8, BerError> {
            if r.pos >= r.end {
                return err(start, field, "the data ends inside an element");
            }
            r.pos += 1;
            Ok(r.input[r.pos - 1])
        };
        let tag = byte(self)?;
        if tag & 0x1f == 0x1f {
            return err(
                start,
                field,
                "a high tag number, which no field of a label has",
            );
        }
        let first = byte(self)?;
        let len = if first < 0x80 {
            Some(first as usize)
        } else if first == 0x80 {
            None
        } else {
            let n = (first & 0x7f) as usize;
            if n > 4 {
                return err(start, field, "a length of more than four bytes");
            }
            let mut len = 0usize;
            for _ in 0..n {
                len = (len << 8) | byte(self)? as usize;
            }
            Some(len)
        };
        let at = self.pos;
        match len {
            Some(len) => {
                if len > self.end - self.pos {
                    return err(
                        start,
                        field,
                        format!(
                            "the length says {len} bytes, {} remain",
                            self.end - self.pos
                        ),
                    );
                }
                self.pos += len;
                Ok(Tlv {
                    tag,
                    offset: start,
                    contents: &self.input[at..at + len],
                    indefinite: false,
                    at,
                })
            }
            None => {
                if tag & 0x20 == 0 {
                    return err(start, field, "an indefinite length on a primitive element");
                }
                // Walk the elements inside to find the end-of-contents octets.
                let mut inner = Reader {
                    input: self.input,
                    pos: at,
                    end: self.end,
                };
                loop {
                    if inner.input[inner.pos..inner.end].starts_with(&[0, 0]) {
                        break;
                    }
                    if inner.pos >= inner.end {
                        return err(start, field, "no end-of-contents for an indefinite length");
                    }
                    inner.next(field, depth + 1)?;
                }
                self.pos = inner.pos + 2;
                Ok(Tlv {
                    tag,
                    offset: start,
                    contents: &self.input[at..inner.pos + 2],
                    indefinite: true,
                    at,
                })
            }
        }
    }
}

fn oid(t: &Tlv, field: &'static str) -> Result<String, BerError> {
    let c = t.contents;
    if c.is_empty() || c.last().is_some_and(|b| b & 0x80 != 0) {
        return err(t.offset, field, "not an object identifier");
    }
    let mut arcs: Vec<u128> = Vec::new();
    let mut v: u128 = 0;
    for &b in c {
        if v == 0 && b == 0x80 {
            return err(
                t.offset,
                field,
                "an object identifier arc with a leading 0x80",
            );
        }
        // Arcs of up to 128 bits (a UUID under 2.25, X.667).
        if v >> 121 != 0 {
            return err(
                t.offset,
                field,
                "an object identifier arc of more than 128 bits",
            );
        }
        v = (v << 7) | (b & 0x7f) as u128;
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let (a, b) = match v {
                    0..=39 => (0, v),
                    40..=79 => (1, v - 40),
                    _ => (2, v - 80),
                };
                arcs.push(a);
                arcs.push(b);
            } else {
                arcs.push(v);
            }
            v = 0;
        }
    }
    Ok(arcs
        .iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join("."))
}

fn integer(t: &Tlv, field: &'static str) -> Result<i64, BerError> {
    let c = t.contents;
    if c.is_empty() || c.len() > 8 {
        return err(t.offset, field, "not an integer of at most 64 bits");
    }
    let mut v: i64 = if c[0] & 0x80 != 0 { -1 } else { 0 };
    for &b in c {
        v = (v << 8) | b as i64;
    }
    Ok(v)
}

fn bits(t: &Tlv, field: &'static str) -> Result<Vec<i64>, BerError> {
    let c = t.contents;
    let Some((&unused, bytes)) = c.split_first() else {
        return err(t.offset, field, "an empty bit string");
    };
    if unused > 7 || (bytes.is_empty() && unused != 0) {
        return err(t.offset, field, "a bit string with a bad unused-bit count");
    }
    let total = bytes.len() * 8 - unused as usize;
    Ok((0..total)
        .filter(|&i| bytes[i / 8] & (0x80 >> (i % 8)) != 0)
        .map(|i| i as i64)
        .collect())
}

fn children<'a>(
    input: &'a [u8],
    t: &Tlv<'a>,
    field: &'static str,
    depth: usize,
) -> Result<Vec<Tlv<'a>>, BerError> {
    if t.tag & 0x20 == 0 {
        return err(
            t.offset,
            field,
            "a primitive element where a constructed one belongs",
        );
    }
    let mut r = Reader::inside(input, t);
    let mut out = Vec::new();
    while !r.done(t.indefinite) {
        out.push(r.next(field, depth)?);
    }
    Ok(out)
}

/// Reads an `ESSSecurityLabel` from BER (DER is BER).
pub fn decode(input: &[u8]) -> Result<EssLabel, BerError> {
    let mut r = Reader::new(input);
    if input.is_empty() {
        return err(0, "ESSSecurityLabel", "no data");
    }
    let set = r.next("ESSSecurityLabel", 0)?;
    if set.tag != 0x31 {
        return err(
            0,
            "ESSSecurityLabel",
            format!("tag {:#04x}, not a SET", set.tag),
        );
    }
    if r.pos != input.len() {
        return err(r.pos, "ESSSecurityLabel", "bytes after the label");
    }
    let mut label = EssLabel {
        policy: None,
        classification: None,
        privacy_mark: None,
        categories: Vec::new(),
    };
    let mut seen = [false; 4];
    let once = |seen: &mut [bool; 4], i: usize, t: &Tlv, field| {
        if std::mem::replace(&mut seen[i], true) {
            return err(t.offset, field, "given twice");
        }
        Ok(())
    };
    for t in children(input, &set, "ESSSecurityLabel", 1)? {
        match t.tag {
            0x06 => {
                once(&mut seen, 0, &t, "security-policy-identifier")?;
                label.policy = Some(oid(&t, "security-policy-identifier")?);
            }
            0x02 => {
                once(&mut seen, 1, &t, "security-classification")?;
                let c = integer(&t, "security-classification")?;
                if !(0..=256).contains(&c) {
                    return err(
                        t.offset,
                        "security-classification",
                        format!("{c} is outside 0..256"),
                    );
                }
                label.classification = Some(c);
            }
            0x13 | 0x0c => {
                once(&mut seen, 2, &t, "privacy-mark")?;
                let text = std::str::from_utf8(t.contents)
                    .map_err(|_| BerError {
                        offset: t.offset,
                        field: "privacy-mark",
                        reason: "not UTF-8".into(),
                    })?
                    .to_string();
                if text.is_empty() {
                    return err(t.offset, "privacy-mark", "empty");
                }
                label.privacy_mark = Some(text);
            }
            0x31 => {
                once(&mut seen, 3, &t, "security-categories")?;
                for c in children(input, &t, "security-categories", 2)? {
                    label.categories.push(category(input, &c)?);
                }
            }
            0x33 | 0x2c => {
                return err(
                    t.offset,
                    "privacy-mark",
                    "a constructed string, which Pillar does not read",
                )
            }
            other => {
                return err(
                    t.offset,
                    "ESSSecurityLabel",
                    format!("unexpected tag {other:#04x}"),
                )
            }
        }
    }
    Ok(label)
}

fn category(input: &[u8], c: &Tlv) -> Result<(TagKind, String, Vec<i64>), BerError> {
    const F: &str = "SecurityCategory";
    if c.tag != 0x30 {
        return err(c.offset, F, format!("tag {:#04x}, not a SEQUENCE", c.tag));
    }
    let parts = children(input, c, F, 3)?;
    let [ty, value] = parts.as_slice() else {
        return err(
            c.offset,
            F,
            format!("{} elements, not type and value", parts.len()),
        );
    };
    if ty.tag != 0x80 {
        return err(
            ty.offset,
            "SecurityCategory.type",
            "not [0] IMPLICIT OBJECT IDENTIFIER",
        );
    }
    let syntax = oid(ty, "SecurityCategory.type")?;
    let kind = match syntax
        .strip_prefix(SYNTAX_ARC)
        .and_then(|s| s.strip_prefix('.'))
    {
        Some("0") => TagKind::Restrictive,
        Some("1") => TagKind::EnumeratedPermissive,
        Some("2") => TagKind::Permissive,
        Some("3") => TagKind::Informative,
        Some("4") => TagKind::EnumeratedRestrictive,
        _ => {
            return err(
                ty.offset,
                "SecurityCategory.type",
                format!(
                "{syntax} is not one of the common security category syntaxes ({SYNTAX_ARC}.0–4)"
            ),
            )
        }
    };
    if value.tag != 0xa1 {
        return err(value.offset, "SecurityCategory.value", "not [1] EXPLICIT");
    }
    let inner = children(input, value, "SecurityCategory.value", 4)?;
    let [tag] = inner.as_slice() else {
        return err(value.offset, "SecurityCategory.value", "not one element");
    };
    if tag.tag != 0x30 {
        return err(tag.offset, "SecurityCategory.value", "not a SEQUENCE");
    }
    let fields = children(input, tag, "SecurityCategory.value", 5)?;
    let [name, attrs] = fields.as_slice() else {
        return err(
            tag.offset,
            "SecurityCategory.value",
            "not tagName and attributes",
        );
    };
    if name.tag != 0x06 {
        return err(name.offset, "tagName", "not an OBJECT IDENTIFIER");
    }
    let tag_set = oid(name, "tagName")?;
    let enumerated = |t: &Tlv| -> Result<Vec<i64>, BerError> {
        children(input, t, "attributeList", 6)?
            .iter()
            .map(|a| {
                if a.tag != 0x02 {
                    return err(a.offset, "attributeList", "not an INTEGER");
                }
                let v = integer(a, "attributeList")?;
                if v < 0 {
                    return err(a.offset, "attributeList", "a negative attribute");
                }
                Ok(v)
            })
            .collect()
    };
    let lacvs = match (kind, attrs.tag) {
        (TagKind::Restrictive | TagKind::Permissive, 0x03) => bits(attrs, "attributeFlags")?,
        (TagKind::EnumeratedPermissive | TagKind::EnumeratedRestrictive, 0x31) => {
            enumerated(attrs)?
        }
        (TagKind::Informative, 0x03) => bits(attrs, "field")?,
        (TagKind::Informative, 0x31) => enumerated(attrs)?,
        _ => {
            return err(
                attrs.offset,
                "attributes",
                format!(
                    "tag {:#04x} does not fit the {} syntax",
                    attrs.tag,
                    kind.spiffy_name()
                ),
            )
        }
    };
    Ok((kind, tag_set, lacvs))
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    push_len(&mut out, contents.len());
    out.extend_from_slice(contents);
    out
}

fn oid_contents(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u128> = dotted
        .split('.')
        .map(|a| a.parse().ok())
        .collect::<Option<_>>()?;
    if arcs.len() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
        return None;
    }
    let mut out = Vec::new();
    let first = arcs[0].checked_mul(40)?.checked_add(arcs[1])?;
    for a in std::iter::once(first).chain(arcs[2..].iter().copied()) {
        let mut groups = vec![(a & 0x7f) as u8];
        let mut rest = a >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    Some(out)
}

fn int_contents(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut i = 0;
    while i < 7
        && ((bytes[i] == 0 && bytes[i + 1] & 0x80 == 0)
            || (bytes[i] == 0xff && bytes[i + 1] & 0x80 != 0))
    {
        i += 1;
    }
    bytes[i..].to_vec()
}

/// DER BIT STRING contents for the bits `set` (no trailing zero bits).
fn bit_contents(set: &[i64]) -> Vec<u8> {
    let Some(&last) = set.iter().max() else {
        return vec![0];
    };
    let len = last as usize / 8 + 1;
    let mut bytes = vec![0u8; len];
    for &b in set {
        bytes[b as usize / 8] |= 0x80 >> (b as usize % 8);
    }
    let unused = 7 - (last as usize % 8) as u8;
    let mut out = vec![unused];
    out.extend(bytes);
    out
}

/// DER `SET OF`: the encodings of the elements, sorted.
fn set_of(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    tlv(0x31, &elements.concat())
}

/// Why a label cannot be written in DER.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct EncodeError(pub String);

/// Writes an `ESSSecurityLabel` in DER. Fails when an identifier is not a dotted OID, a LACV is
/// negative, or a bit map would be unreasonably large (a LACV above 65 535).
pub fn encode(label: &EssLabel) -> Result<Vec<u8>, EncodeError> {
    let bad = |what: String| EncodeError(what);
    let mut parts: Vec<Vec<u8>> = Vec::new();
    if let Some(c) = label.classification {
        parts.push(tlv(0x02, &int_contents(c)));
    }
    if let Some(p) = &label.policy {
        let c = oid_contents(p)
            .ok_or_else(|| bad(format!("policy `{p}`: not an object identifier")))?;
        parts.push(tlv(0x06, &c));
    }
    if let Some(pm) = &label.privacy_mark {
        parts.push(tlv(0x0c, pm.as_bytes()));
    }
    if !label.categories.is_empty() {
        let mut cats = Vec::new();
        for (kind, tag_set, lacvs) in &label.categories {
            if let Some(l) = lacvs.iter().find(|l| **l < 0 || **l > 65_535) {
                return Err(bad(format!(
                    "tag set {tag_set}: LACV {l} cannot be written"
                )));
            }
            let syntax = match kind {
                TagKind::Restrictive => 0,
                TagKind::EnumeratedPermissive => 1,
                TagKind::Permissive => 2,
                TagKind::Informative => 3,
                TagKind::EnumeratedRestrictive => 4,
            };
            let name = oid_contents(tag_set)
                .ok_or_else(|| bad(format!("tag set `{tag_set}`: not an object identifier")))?;
            let attrs = match kind {
                TagKind::Restrictive | TagKind::Permissive => tlv(0x03, &bit_contents(lacvs)),
                _ => set_of(lacvs.iter().map(|l| tlv(0x02, &int_contents(*l))).collect()),
            };
            let value = tlv(0x30, &[tlv(0x06, &name), attrs].concat());
            let ty = tlv(
                0x80,
                &oid_contents(&format!("{SYNTAX_ARC}.{syntax}")).expect("a valid OID"),
            );
            cats.push(tlv(0x30, &[ty, tlv(0xa1, &value)].concat()));
        }
        parts.push(set_of(cats));
    }
    // DER orders a SET's components by tag: INTEGER, OID, UTF8String, SET — as pushed.
    Ok(tlv(0x31, &parts.concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spiffing_files_read() {
        // stupid-label.ber of spiffing's suite: classification 51, policy 1.1, a UTF8 mark.
        let stupid = [
            0x31, 0x16, 0x02, 0x01, 0x33, 0x06, 0x01, 0x29, 0x0c, 0x0e, b'V', b'A', b'G', b'U',
            b'E', b'L', b'Y', b' ', b'S', b'E', b'C', b'R', b'E', b'T',
        ];
        let l = decode(&stupid).unwrap();
        assert_eq!(l.policy.as_deref(), Some("1.1"));
        assert_eq!(l.classification, Some(51));
        assert_eq!(l.privacy_mark.as_deref(), Some("VAGUELY SECRET"));
        assert_eq!(
            encode(&l).unwrap(),
            stupid,
            "DER written back byte for byte"
        );
        // Components in another order (BER): policy first.
        let l = decode(&[0x31, 0x06, 0x06, 0x01, 0x29, 0x02, 0x01, 0x03]).unwrap();
        assert_eq!(
            (l.policy.as_deref(), l.classification),
            (Some("1.1"), Some(3))
        );
        // Indefinite length.
        let l = decode(&[0x31, 0x80, 0x02, 0x01, 0x04, 0x06, 0x01, 0x29, 0x00, 0x00]).unwrap();
        assert_eq!(l.classification, Some(4));
    }

    #[test]
    fn categories_round_trip_in_der() {
        let l = EssLabel {
            policy: Some("1.3.26.1.3.1".into()),
            classification: Some(5),
            privacy_mark: Some("주의 — handle with care".into()),
            categories: vec![
                (TagKind::Restrictive, "1.3.26.1.3.1.1".into(), vec![0, 3, 9]),
                (TagKind::Permissive, "1.3.26.1.3.1.2".into(), vec![1]),
                (
                    TagKind::EnumeratedPermissive,
                    "1.3.26.1.3.1.3".into(),
                    vec![2, 300, 1],
                ),
                (
                    TagKind::EnumeratedRestrictive,
                    "1.3.26.1.3.1.4".into(),
                    vec![7],
                ),
                (TagKind::Informative, "1.3.26.1.3.1.5".into(), vec![4, 2]),
            ],
        };
        let der = encode(&l).unwrap();
        let back = decode(&der).unwrap();
        assert_eq!(back.policy, l.policy);
        assert_eq!(back.classification, l.classification);
        assert_eq!(back.privacy_mark, l.privacy_mark);
        let mut want: Vec<_> = l
            .categories
            .iter()
            .map(|(k, t, v)| {
                let mut v = v.clone();
                v.sort();
                (*k, t.clone(), v)
            })
            .collect();
        let mut got = back.categories.clone();
        want.sort_by(|a, b| a.1.cmp(&b.1));
        got.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(got, want);
        assert_eq!(encode(&back).unwrap(), der, "DER is canonical");
    }

    #[test]
    fn uuid_arcs_of_128_bits() {
        let l = EssLabel {
            policy: Some("2.25.279417330856402165463431867420263093914".into()),
            classification: Some(1),
            privacy_mark: None,
            categories: vec![],
        };
        assert_eq!(decode(&encode(&l).unwrap()).unwrap(), l);
        let too_big = format!("2.25.{}", u128::MAX);
        let l = EssLabel {
            policy: Some(too_big),
            ..l
        };
        assert_eq!(decode(&encode(&l).unwrap()).unwrap(), l);
    }

    #[test]
    fn bad_input_names_the_byte_and_field() {
        assert_eq!(decode(&[]).unwrap_err().reason, "no data");
        let e = decode(&[0x31, 0x05, 0x02, 0x01]).unwrap_err();
        assert!(
            e.reason.contains("the length says 5 bytes, 2 remain"),
            "{e}"
        );
        let e = decode(&[0x31, 0x03, 0x02, 0x01, 0x01, 0x00]).unwrap_err();
        assert_eq!(e.reason, "bytes after the label");
        let e = decode(&[0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02]).unwrap_err();
        assert_eq!(
            (e.field, e.reason.as_str()),
            ("security-classification", "given twice")
        );
        let e = decode(&[0x30, 0x00]).unwrap_err();
        assert!(e.reason.contains("not a SET"), "{e}");
        let e = decode(&[0x31, 0x80, 0x02, 0x01, 0x04]).unwrap_err();
        assert!(e.to_string().contains("BER byte"), "{e}");
    }
}
