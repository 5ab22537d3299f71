//! The payload of a Trusted Data Format container (OpenTDF's TDF, manifest schema 4.3.0 — the
//! "ZTDF" of coalition data-centric security), encrypted and checked: the payload split into
//! segments, each AES-256-GCM `nonce ‖ ciphertext ‖ tag` under the payload key; each segment's
//! hash is its GCM tag (`GMAC`); the root signature is HMAC-SHA-256 under the payload key over
//! the segment hashes in order (`HS256`); a key access object's policy binding is HMAC-SHA-256
//! of the base64 policy under its key. Pure: bytes in, bytes out, over `Read` and `Write`, one
//! segment in memory at a time.
//!
//! [`manifest`] holds the manifest's objects, [`archive`] the zip around them, [`keys`] the RSA
//! keys that wrap payload keys and sign assertions, [`assertion`] the handling assertions,
//! [`labelled`] the mapping between Pillar's labels and a TDF's policy, and [`container`] a
//! whole TDF sealed and opened. AES-GCM and RSA are OpenSSL's.

pub mod archive;
pub mod assertion;
pub mod container;
pub mod keys;
pub mod labelled;
pub mod manifest;

use std::io::{Read, Write};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use openssl::symm::{Cipher, Crypter, Mode};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The default plaintext segment size (2 MiB, as OpenTDF's SDKs write).
pub const DEFAULT_SEGMENT_SIZE: u64 = 2 << 20;
/// The largest segment size read or written (a segment is held in memory whole).
pub const MAX_SEGMENT_SIZE: u64 = 64 << 20;
const NONCE: usize = 12;
const TAG: usize = 16;
/// What encryption adds to each segment: the nonce and the tag.
pub const SEGMENT_OVERHEAD: u64 = (NONCE + TAG) as u64;

/// A payload key (AES-256).
#[derive(Clone)]
pub struct PayloadKey([u8; 32]);

impl PayloadKey {
    /// A new random key.
    pub fn random() -> Self {
        PayloadKey(rand::random())
    }

    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        PayloadKey(bytes)
    }

    /// Its bytes (to wrap for a key access server).
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn hmac(&self, data: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key");
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for PayloadKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PayloadKey(…)")
    }
}

/// `integrityInformation.rootSignature`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootSignature {
    /// `HS256`.
    pub alg: String,
    /// Base64 of the HMAC.
    pub sig: String,
}

/// One `integrityInformation.segments` entry. A size left out (or 0) is the default's, as
/// OpenTDF's readers resolve it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Segment {
    /// Base64 of the segment's GCM tag.
    pub hash: String,
    /// Plaintext size.
    #[serde(default)]
    pub segment_size: u64,
    /// Encrypted size (plaintext + nonce + tag).
    #[serde(default)]
    pub encrypted_segment_size: u64,
}

/// `encryptionInformation.integrityInformation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityInformation {
    /// The root signature.
    pub root_signature: RootSignature,
    /// `GMAC`.
    pub segment_hash_alg: String,
    /// The plaintext size of every segment but the last.
    pub segment_size_default: u64,
    /// `segmentSizeDefault` + 28.
    pub encrypted_segment_size_default: u64,
    /// The segments, in payload order.
    pub segments: Vec<Segment>,
}

/// What is wrong with a payload or its integrity information. Every variant names where.
#[derive(Debug, thiserror::Error)]
pub enum TdfError {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The integrity information cannot describe a payload.
    #[error("integrityInformation: {0}")]
    Integrity(String),
    /// A segment does not decrypt under the key with its recorded hash (altered, moved, or
    /// another key).
    #[error("segment {index}: {reason}")]
    Segment {
        /// Its position, from 0.
        index: usize,
        /// Why.
        reason: String,
    },
    /// The root signature does not match the segments (altered, or another key).
    #[error(
        "integrityInformation.rootSignature: does not match the segments' hashes under this key"
    )]
    RootSignature,
    /// The zip archive is not a TDF's.
    #[error("archive: {0}")]
    Archive(String),
    /// The manifest is wrong.
    #[error("{0}")]
    Manifest(#[from] manifest::ManifestError),
    /// A key is wrong, or does not unwrap.
    #[error("key: {0}")]
    Key(String),
    /// An assertion is malformed or does not verify.
    #[error("assertions[{index}]: {reason}")]
    Assertion {
        /// Its position, from 0.
        index: usize,
        /// Why.
        reason: String,
    },
}

fn segment_err(index: usize, reason: impl Into<String>) -> TdfError {
    TdfError::Segment {
        index,
        reason: reason.into(),
    }
}

/// Reads until `buf` is full or the input ends; how many bytes were read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// AES-256-GCM of one segment into `out` (at least `input.len()` + 16 bytes), without
/// allocating: encrypting returns the tag; decrypting checks `tag` and fails if it does not match.
fn gcm(
    mode: Mode,
    key: &PayloadKey,
    nonce: &[u8],
    input: &[u8],
    out: &mut [u8],
    tag: Option<&[u8]>,
) -> Result<[u8; TAG], openssl::error::ErrorStack> {
    let mut c = Crypter::new(Cipher::aes_256_gcm(), mode, &key.0, Some(nonce))?;
    let n = c.update(input, out)?;
    if let Some(tag) = tag {
        c.set_tag(tag)?;
    }
    c.finalize(&mut out[n..])?;
    let mut t = [0u8; TAG];
    if tag.is_none() {
        c.get_tag(&mut t)?;
    }
    Ok(t)
}

/// One segment in flight: its bytes as read, what the cipher made of them, and the outcome.
struct Job {
    input: Vec<u8>,
    output: Vec<u8>,
    /// How many bytes of `input` were read.
    len: usize,
    /// Its position in the payload, from 0.
    index: usize,
    /// Encrypting: the tag made. Decrypting: unused.
    tag: [u8; TAG],
    /// Whether the cipher accepted it.
    ok: bool,
}

/// How many segments [`pipeline`] holds at most.
const IN_FLIGHT: usize = 3;

/// Runs `work` (the cipher) on a second thread while this one loads the next segment and drains
/// the one before: three segments in flight (two would stall on every jitter), drained in
/// payload order, so that reading, writing and the CRC overlap the cipher and memory stays at
/// three segments. `load` says whether it loaded one and whether that was the last; an error
/// from `load` or `drain` stops it all.
fn pipeline(
    input: usize,
    output: usize,
    mut load: impl FnMut(&mut Job) -> Result<Option<bool>, TdfError>,
    work: impl Fn(&mut Job) + Send,
    mut drain: impl FnMut(&Job) -> Result<(), TdfError>,
) -> Result<(), TdfError> {
    std::thread::scope(|s| {
        let (to_worker, jobs) = std::sync::mpsc::sync_channel::<Job>(IN_FLIGHT);
        let (to_main, done) = std::sync::mpsc::sync_channel::<Job>(IN_FLIGHT);
        s.spawn(move || {
            for mut job in jobs {
                work(&mut job);
                if to_main.send(job).is_err() {
                    break;
                }
            }
        });
        let job = || Job {
            input: vec![0; input],
            output: vec![0; output],
            len: 0,
            index: 0,
            tag: [0; TAG],
            ok: false,
        };
        // Made as needed: a payload of one segment holds one.
        let (mut free, mut made) = (Vec::with_capacity(IN_FLIGHT), 0);
        let (mut in_flight, mut more, mut index) = (0, true, 0);
        loop {
            if more && (!free.is_empty() || made < IN_FLIGHT) {
                let mut job = free.pop().unwrap_or_else(|| {
                    made += 1;
                    job()
                });
                job.index = index;
                match load(&mut job)? {
                    None => {
                        more = false;
                        free.push(job);
                    }
                    Some(last) => {
                        more = !last;
                        index += 1;
                        in_flight += 1;
                        to_worker.send(job).expect("the cipher thread runs");
                    }
                }
            } else if in_flight > 0 {
                let job = done.recv().expect("the cipher thread runs");
                in_flight -= 1;
                drain(&job)?;
                free.push(job);
            } else {
                return Ok(());
            }
        }
    })
}

/// Encrypts `plain` into `out` in segments of `segment_size`; returns the integrity
/// information. An empty payload is one empty segment (as the SDKs write). Holds three
/// segments, the cipher on a second thread.
pub fn encrypt(
    key: &PayloadKey,
    segment_size: u64,
    plain: &mut impl Read,
    out: &mut impl Write,
) -> Result<IntegrityInformation, TdfError> {
    if segment_size == 0 || segment_size > MAX_SEGMENT_SIZE {
        return Err(TdfError::Integrity(format!(
            "segment size {segment_size} is outside 1..={MAX_SEGMENT_SIZE}"
        )));
    }
    let size = segment_size as usize;
    let mut segments = Vec::new();
    let mut aggregate = Vec::new();
    pipeline(
        size,
        // nonce ‖ ciphertext ‖ tag, with room for the cipher's block
        size + SEGMENT_OVERHEAD as usize + 16,
        |job| {
            let n = fill(plain, &mut job.input)?;
            if n == 0 && job.index > 0 {
                return Ok(None);
            }
            job.len = n;
            Ok(Some(n < size))
        },
        |job| {
            let nonce: [u8; NONCE] = rand::random();
            let n = job.len;
            job.output[..NONCE].copy_from_slice(&nonce);
            job.tag = gcm(
                Mode::Encrypt,
                key,
                &nonce,
                &job.input[..n],
                &mut job.output[NONCE..],
                None,
            )
            .expect("AES-GCM encrypts any segment");
            job.output[NONCE + n..NONCE + n + TAG].copy_from_slice(&job.tag);
        },
        |job| {
            let n = job.len;
            out.write_all(&job.output[..NONCE + n + TAG])?;
            aggregate.extend_from_slice(&job.tag);
            segments.push(Segment {
                hash: B64.encode(job.tag),
                segment_size: n as u64,
                encrypted_segment_size: (n + NONCE + TAG) as u64,
            });
            Ok(())
        },
    )?;
    Ok(IntegrityInformation {
        root_signature: RootSignature {
            alg: "HS256".into(),
            sig: B64.encode(key.hmac(&aggregate)),
        },
        segment_hash_alg: "GMAC".into(),
        segment_size_default: segment_size,
        encrypted_segment_size_default: segment_size + SEGMENT_OVERHEAD,
        segments,
    })
}

/// A segment hash as recorded: base64 of the raw tag (schema 4.3.0) or, in a manifest without a
/// schema version (`legacy`), of its hex.
pub(crate) fn recorded_tag(index: usize, hash: &str, legacy: bool) -> Result<Vec<u8>, TdfError> {
    let raw = B64
        .decode(hash)
        .map_err(|e| segment_err(index, format!("hash is not base64: {e}")))?;
    let tag = if legacy {
        hex::decode(&raw).map_err(|_| segment_err(index, "hash is not hex (legacy manifest)"))?
    } else {
        raw
    };
    if tag.len() != TAG {
        return Err(segment_err(
            index,
            format!("hash is {} bytes, a GMAC is {TAG}", tag.len()),
        ));
    }
    Ok(tag)
}

/// Checks the integrity information before any segment is read: the algorithms are the ones
/// this reader knows, the sizes agree, and the root signature matches the segments' hashes
/// under `key`. `legacy`: the manifest has no `schemaVersion` (hashes written as hex).
pub fn check(key: &PayloadKey, info: &IntegrityInformation, legacy: bool) -> Result<(), TdfError> {
    let bad = |s: String| Err(TdfError::Integrity(s));
    if !info.segment_hash_alg.eq_ignore_ascii_case("GMAC") {
        return bad(format!(
            "segmentHashAlg `{}` is not GMAC",
            info.segment_hash_alg
        ));
    }
    if !info.root_signature.alg.eq_ignore_ascii_case("HS256") {
        return bad(format!(
            "rootSignature.alg `{}` is not HS256",
            info.root_signature.alg
        ));
    }
    if info.segment_size_default == 0 || info.segment_size_default > MAX_SEGMENT_SIZE {
        return bad(format!(
            "segmentSizeDefault {} is outside 1..={MAX_SEGMENT_SIZE}",
            info.segment_size_default
        ));
    }
    if info.encrypted_segment_size_default != info.segment_size_default + SEGMENT_OVERHEAD {
        return bad(format!(
            "encryptedSegmentSizeDefault {} is not segmentSizeDefault {} + {SEGMENT_OVERHEAD}",
            info.encrypted_segment_size_default, info.segment_size_default
        ));
    }
    if info.segments.is_empty() {
        return bad("no segments".into());
    }
    let last = info.segments.len() - 1;
    let mut aggregate = Vec::with_capacity(info.segments.len() * TAG);
    for (i, s) in info.segments.iter().enumerate() {
        let (size, encrypted) = sizes(info, s);
        if encrypted != size + SEGMENT_OVERHEAD {
            return Err(segment_err(
                i,
                format!(
                    "encryptedSegmentSize {encrypted} is not segmentSize {size} + {SEGMENT_OVERHEAD}"
                ),
            ));
        }
        if size > info.segment_size_default || (i < last && size != info.segment_size_default) {
            return Err(segment_err(
                i,
                format!(
                    "segmentSize {size} does not fit segmentSizeDefault {}",
                    info.segment_size_default
                ),
            ));
        }
        let tag = recorded_tag(i, &s.hash, legacy)?;
        if legacy {
            aggregate.extend_from_slice(hex::encode(&tag).as_bytes());
        } else {
            aggregate.extend_from_slice(&tag);
        }
    }
    let expected = key.hmac(&aggregate);
    let recorded = B64
        .decode(&info.root_signature.sig)
        .map_err(|e| TdfError::Integrity(format!("rootSignature.sig is not base64: {e}")))?;
    let recorded = if legacy {
        hex::decode(&recorded).map_err(|_| TdfError::RootSignature)?
    } else {
        recorded
    };
    if !same(&recorded, &expected) {
        return Err(TdfError::RootSignature);
    }
    Ok(())
}

/// A segment's (plaintext, encrypted) sizes, the defaults standing in for sizes left out.
pub(crate) fn sizes(info: &IntegrityInformation, s: &Segment) -> (u64, u64) {
    let encrypted = match s.encrypted_segment_size {
        0 => info.encrypted_segment_size_default,
        e => e,
    };
    let size = match s.segment_size {
        0 if encrypted == info.encrypted_segment_size_default => info.segment_size_default,
        n => n,
    };
    (size, encrypted)
}

/// Compares in time independent of where they differ.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Decrypts a payload into `out`, after [`check`]ing its integrity information: each segment
/// must be where the information says, decrypt under `key`, and carry its recorded tag; the
/// payload must end after the last. Plaintext is written segment by segment, each only once it
/// has been authenticated, in order, the cipher on a second thread; an error mid-way may leave
/// segments before it written (a caller that must not keep them writes to a temporary file).
pub fn decrypt(
    key: &PayloadKey,
    info: &IntegrityInformation,
    legacy: bool,
    payload: &mut impl Read,
    out: &mut impl Write,
) -> Result<u64, TdfError> {
    check(key, info, legacy)?;
    let mut written = 0;
    let last = info.segments.len() - 1;
    pipeline(
        info.encrypted_segment_size_default as usize,
        info.segment_size_default as usize + 16,
        |job| {
            let i = job.index;
            let Some(s) = info.segments.get(i) else {
                return Ok(None);
            };
            let len = sizes(info, s).1 as usize;
            let n = fill(payload, &mut job.input[..len])?;
            if n != len {
                return Err(segment_err(
                    i,
                    format!("the payload ends after {n} of its {len} bytes"),
                ));
            }
            let tag = recorded_tag(i, &s.hash, legacy)?;
            if !same(&job.input[len - TAG..len], &tag) {
                return Err(segment_err(
                    i,
                    "its tag is not the recorded hash (altered or moved)",
                ));
            }
            job.len = len;
            Ok(Some(i == last))
        },
        |job| {
            let (nonce, rest) = job.input[..job.len].split_at(NONCE);
            let (sealed, tag) = rest.split_at(rest.len() - TAG);
            job.ok = gcm(
                Mode::Decrypt,
                key,
                nonce,
                sealed,
                &mut job.output,
                Some(tag),
            )
            .is_ok();
        },
        |job| {
            if !job.ok {
                return Err(segment_err(
                    job.index,
                    "does not decrypt under this key (altered)",
                ));
            }
            let plain = &job.output[..job.len - NONCE - TAG];
            out.write_all(plain)?;
            written += plain.len() as u64;
            Ok(())
        },
    )?;
    let mut extra = [0u8; 1];
    if fill(payload, &mut extra)? != 0 {
        return Err(TdfError::Integrity(
            "the payload holds bytes after its last segment".into(),
        ));
    }
    Ok(written)
}

/// A key access object's `policyBinding.hash`: base64 of the hex of HMAC-SHA-256 of the
/// base64 policy under `key` (the form OpenTDF's SDKs write and its KAS checks).
pub fn policy_binding(key: &PayloadKey, policy_base64: &str) -> String {
    B64.encode(hex::encode(key.hmac(policy_base64.as_bytes())))
}

/// Whether `binding` binds `policy_base64` under `key` (hex or raw HMAC, base64-encoded).
pub fn policy_binding_holds(key: &PayloadKey, policy_base64: &str, binding: &str) -> bool {
    let Ok(decoded) = B64.decode(binding) else {
        return false;
    };
    let mac = key.hmac(policy_base64.as_bytes());
    match hex::decode(&decoded) {
        Ok(raw) if raw.len() == 32 => same(&raw, &mac),
        _ => same(&decoded, &mac),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(len: usize, seg: u64) -> (Vec<u8>, Vec<u8>, IntegrityInformation, PayloadKey) {
        let key = PayloadKey::random();
        let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        let mut enc = Vec::new();
        let info = encrypt(&key, seg, &mut plain.as_slice(), &mut enc).unwrap();
        (plain, enc, info, key)
    }

    #[test]
    fn every_size_round_trips() {
        for len in [0, 1, 99, 100, 101, 250, 1000] {
            let (plain, enc, info, key) = round(len, 100);
            let segments = len.div_ceil(100).max(1);
            assert_eq!(info.segments.len(), segments, "{len}");
            assert_eq!(enc.len(), len + segments * 28);
            let mut out = Vec::new();
            let n = decrypt(&key, &info, false, &mut enc.as_slice(), &mut out).unwrap();
            assert_eq!((n as usize, out), (len, plain), "{len}");
        }
    }

    #[test]
    fn the_manifest_fields_are_named_as_opentdf_writes_them() {
        let (_, _, info, _) = round(10, 100);
        let v = serde_json::to_value(&info).unwrap();
        for k in [
            "rootSignature",
            "segmentHashAlg",
            "segmentSizeDefault",
            "encryptedSegmentSizeDefault",
            "segments",
        ] {
            assert!(v.get(k).is_some(), "{k}");
        }
        assert_eq!(v["segments"][0]["encryptedSegmentSize"], 38);
        assert_eq!(v["segmentHashAlg"], "GMAC");
        assert_eq!(v["rootSignature"]["alg"], "HS256");
    }

    #[test]
    fn tampering_is_named() {
        let (_, enc, info, key) = round(250, 100);
        let mut out = Vec::new();
        // A flipped ciphertext byte in segment 1.
        let mut bad = enc.clone();
        bad[128 + 20] ^= 1;
        let e = decrypt(&key, &info, false, &mut bad.as_slice(), &mut out).unwrap_err();
        assert!(
            e.to_string().starts_with("segment 1: does not decrypt"),
            "{e}"
        );
        // Segments swapped.
        let mut swapped = enc[128..256].to_vec();
        swapped.extend_from_slice(&enc[..128]);
        swapped.extend_from_slice(&enc[256..]);
        let e = decrypt(&key, &info, false, &mut swapped.as_slice(), &mut out).unwrap_err();
        assert!(e.to_string().starts_with("segment 0: its tag"), "{e}");
        // Truncated, and extended.
        let e = decrypt(&key, &info, false, &mut &enc[..enc.len() - 1], &mut out).unwrap_err();
        assert!(e.to_string().contains("segment 2: the payload ends"), "{e}");
        let mut longer = enc.clone();
        longer.push(0);
        let e = decrypt(&key, &info, false, &mut longer.as_slice(), &mut out).unwrap_err();
        assert!(e.to_string().contains("after its last segment"), "{e}");
        // A segment dropped from the manifest: the root signature no longer matches.
        let mut fewer = info.clone();
        fewer.segments.pop();
        assert!(matches!(
            check(&key, &fewer, false),
            Err(TdfError::RootSignature)
        ));
        // Another key.
        assert!(matches!(
            check(&PayloadKey::random(), &info, false),
            Err(TdfError::RootSignature)
        ));
        // Sizes that do not agree.
        let mut sizes = info.clone();
        sizes.segments[0].segment_size = 99;
        let e = check(&key, &sizes, false).unwrap_err();
        assert!(
            e.to_string().starts_with("segment 0: encryptedSegmentSize"),
            "{e}"
        );
        let mut alg = info.clone();
        alg.segment_hash_alg = "SHA1".into();
        assert!(check(&key, &alg, false).is_err());
    }

    #[test]
    fn sizes_left_out_are_the_defaults() {
        let (plain, enc, mut info, key) = round(250, 100);
        info.segments[0].segment_size = 0;
        info.segments[1].encrypted_segment_size = 0;
        let v = serde_json::to_value(&info).unwrap();
        let mut v2 = v.clone();
        v2["segments"][0]
            .as_object_mut()
            .unwrap()
            .remove("segmentSize");
        let info: IntegrityInformation = serde_json::from_value(v2).unwrap();
        let mut out = Vec::new();
        decrypt(&key, &info, false, &mut enc.as_slice(), &mut out).unwrap();
        assert_eq!(out, plain);
    }

    #[test]
    fn legacy_hex_hashes_are_read() {
        let (plain, enc, mut info, key) = round(150, 100);
        let mut aggregate = Vec::new();
        for s in &mut info.segments {
            let tag = B64.decode(&s.hash).unwrap();
            let h = hex::encode(tag);
            aggregate.extend_from_slice(h.as_bytes());
            s.hash = B64.encode(h);
        }
        info.root_signature.sig = B64.encode(hex::encode(key.hmac(&aggregate)));
        let mut out = Vec::new();
        decrypt(&key, &info, true, &mut enc.as_slice(), &mut out).unwrap();
        assert_eq!(out, plain);
        assert!(decrypt(&key, &info, false, &mut enc.as_slice(), &mut Vec::new()).is_err());
    }

    #[test]
    fn the_policy_binding_is_the_sdks() {
        // HMAC-SHA-256 under 32 bytes of 0x0b of "e30=" (base64 of `{}`), computed apart with
        // Python's hmac module, then base64 of its hex text.
        let key = PayloadKey::from_bytes([0x0b; 32]);
        let mac = key.hmac(b"e30=");
        assert_eq!(
            hex::encode(mac),
            "bf2d3d42d4c2c3023c431232217bfa96a15a578493dbda28ae8aee45b52ce3ff"
        );
        let binding = policy_binding(&key, "e30=");
        assert_eq!(
            binding,
            "YmYyZDNkNDJkNGMyYzMwMjNjNDMxMjMyMjE3YmZhOTZhMTVhNTc4NDkzZGJkYTI4YWU4YWVlNDViNTJjZTNmZg=="
        );
        assert!(policy_binding_holds(&key, "e30=", &binding));
        assert!(policy_binding_holds(&key, "e30=", &B64.encode(mac)));
        assert!(!policy_binding_holds(&key, "e30K", &binding));
        assert!(!policy_binding_holds(
            &PayloadKey::random(),
            "e30=",
            &binding
        ));
    }
}
