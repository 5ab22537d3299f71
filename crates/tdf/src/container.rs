//! A whole TDF: sealing a plaintext into an archive (payload, key access objects, policy,
//! signed handling assertions, manifest) and opening one — reading its manifest without a key,
//! checking everything that can be checked without one, and decrypting with the payload key.

use std::io::{Read, Seek, Write};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

use crate::archive::{Archive, ArchiveWriter, MANIFEST, PAYLOAD};
use crate::assertion::Assertion;
use crate::keys::{PrivateKey, PublicKey};
use crate::manifest::{
    EncryptionInformation, KeyAccess, Manifest, Method, Payload, PolicyBinding, PolicyObject,
    MAX_MANIFEST_BYTES, SCHEMA_VERSION,
};
use crate::{encrypt, policy_binding, PayloadKey, TdfError};

/// A key access server a TDF's key is wrapped for.
pub struct Recipient<'a> {
    /// Its URL, as the key access object names it.
    pub url: String,
    /// The id of its key.
    pub kid: String,
    /// Its public key.
    pub key: &'a PublicKey,
}

/// What to seal a plaintext with.
pub struct Seal<'a> {
    /// The policy (its UUID and body).
    pub policy: PolicyObject,
    /// Who can unwrap the key (one key access object each).
    pub recipients: Vec<Recipient<'a>>,
    /// The plaintext's media type.
    pub mime_type: String,
    /// The plaintext segment size.
    pub segment_size: u64,
    /// Assertions to bind (signed here by `signer`).
    pub assertions: Vec<Assertion>,
    /// The assertion signing key and its id.
    pub signer: Option<(&'a str, &'a PrivateKey)>,
}

/// The raw segment hashes in order (what assertions and the root signature cover).
fn aggregate_of(m: &Manifest) -> Result<Vec<u8>, TdfError> {
    let mut agg = Vec::new();
    for (i, s) in m
        .encryption_information
        .integrity_information
        .segments
        .iter()
        .enumerate()
    {
        let raw = B64.decode(&s.hash).map_err(|e| TdfError::Segment {
            index: i,
            reason: format!("hash is not base64: {e}"),
        })?;
        agg.extend_from_slice(&raw);
    }
    Ok(agg)
}

/// Seals `plain` into `out` as a TDF; returns its manifest and the archive's size. Holds one
/// segment in memory.
pub fn seal(
    s: Seal<'_>,
    plain: &mut impl Read,
    out: impl Write,
) -> Result<(Manifest, u64), TdfError> {
    if s.recipients.is_empty() {
        return Err(TdfError::Key(
            "no key access server to wrap the key for".into(),
        ));
    }
    let key = PayloadKey::random();
    let mut w = ArchiveWriter::new(out)?;
    let info = encrypt(&key, s.segment_size, plain, &mut w)?;
    let policy = s.policy.to_base64();
    let mut key_access = Vec::new();
    for r in &s.recipients {
        key_access.push(KeyAccess {
            kind: "wrapped".into(),
            url: r.url.clone(),
            protocol: "kas".into(),
            wrapped_key: B64.encode(r.key.wrap(key.bytes())?),
            policy_binding: PolicyBinding {
                alg: "HS256".into(),
                hash: policy_binding(&key, &policy),
            },
            encrypted_metadata: String::new(),
            kid: r.kid.clone(),
            split_id: String::new(),
            schema_version: "1.0".into(),
        });
    }
    let mut manifest = Manifest {
        payload: Payload {
            kind: "reference".into(),
            url: PAYLOAD.into(),
            protocol: "zip".into(),
            mime_type: s.mime_type,
            is_encrypted: true,
        },
        encryption_information: EncryptionInformation {
            kind: "split".into(),
            key_access,
            method: Method {
                algorithm: "AES-256-GCM".into(),
                iv: String::new(),
                is_streamable: true,
            },
            integrity_information: info,
            policy,
        },
        assertions: Vec::new(),
        schema_version: SCHEMA_VERSION.into(),
    };
    let aggregate = aggregate_of(&manifest)?;
    for mut a in s.assertions {
        if let Some((kid, signer)) = s.signer {
            a.sign(kid, signer, &aggregate);
        }
        manifest
            .assertions
            .push(serde_json::to_value(&a).expect("assertions serialise"));
    }
    let (_, size) = w.finish(&manifest.to_json())?;
    Ok((manifest, size))
}

/// An opened TDF: its archive's layout, manifest, policy and assertions, read without a key.
#[derive(Debug, Clone)]
pub struct Opened {
    /// Where its entries are.
    pub archive: Archive,
    /// The manifest, checked.
    pub manifest: Manifest,
    /// The policy object.
    pub policy: PolicyObject,
    /// The assertions, parsed (not yet verified: see [`Opened::verify_assertions`]).
    pub assertions: Vec<Assertion>,
}

/// Opens a TDF: its archive, manifest, policy and assertions; nothing is decrypted.
pub fn open(r: &mut (impl Read + Seek)) -> Result<Opened, TdfError> {
    let archive = Archive::open(r)?;
    let bytes = archive.read_manifest(r, MAX_MANIFEST_BYTES)?;
    let manifest = Manifest::from_json(&bytes)?;
    let policy = PolicyObject::from_base64(&manifest.encryption_information.policy)?;
    let mut assertions = Vec::new();
    for (i, v) in manifest.assertions.iter().enumerate() {
        let a: Assertion = serde_json::from_value(v.clone()).map_err(|e| TdfError::Assertion {
            index: i,
            reason: format!("not an assertion: {e}"),
        })?;
        assertions.push(a);
    }
    Ok(Opened {
        archive,
        manifest,
        policy,
        assertions,
    })
}

impl Opened {
    /// Verifies every assertion's binding (see [`Assertion::verify`]).
    pub fn verify_assertions(
        &self,
        keys: &dyn Fn(&str) -> Option<PublicKey>,
    ) -> Result<(), TdfError> {
        let aggregate = aggregate_of(&self.manifest)?;
        for (i, a) in self.assertions.iter().enumerate() {
            a.verify(i, keys, &aggregate)?;
        }
        Ok(())
    }

    /// Checks what needs no key: the payload is as long as its segments, each segment ends in
    /// its recorded hash (a GCM tag), and the payload matches its CRC-32. One segment in memory.
    pub fn check_payload(&self, r: &mut (impl Read + Seek)) -> Result<(), TdfError> {
        let info = &self.manifest.encryption_information.integrity_information;
        let legacy = self.manifest.legacy();
        let total: u64 = info.segments.iter().map(|s| crate::sizes(info, s).1).sum();
        if total != self.archive.payload.size {
            return Err(TdfError::Integrity(format!(
                "the segments add up to {total} bytes but `{PAYLOAD}` holds {}",
                self.archive.payload.size
            )));
        }
        let mut p = self.archive.payload_reader(r)?;
        let mut buf = Vec::new();
        for (i, s) in info.segments.iter().enumerate() {
            let len = crate::sizes(info, s).1 as usize;
            if len > crate::MAX_SEGMENT_SIZE as usize + crate::SEGMENT_OVERHEAD as usize {
                return Err(TdfError::Segment {
                    index: i,
                    reason: format!("{len} bytes is larger than any segment read"),
                });
            }
            buf.resize(len, 0);
            p.read_exact(&mut buf)?;
            let tag = crate::recorded_tag(i, &s.hash, legacy)?;
            if len < crate::SEGMENT_OVERHEAD as usize || !crate::same(&buf[len - 16..], &tag) {
                return Err(TdfError::Segment {
                    index: i,
                    reason: "its tag is not the recorded hash (altered or moved)".into(),
                });
            }
        }
        Ok(())
    }

    /// The payload key, unwrapped from the key access object `index` by `key` and checked
    /// against that object's policy binding.
    pub fn unwrap_key(&self, index: usize, key: &PrivateKey) -> Result<PayloadKey, TdfError> {
        let e = &self.manifest.encryption_information;
        let kao = e
            .key_access
            .get(index)
            .ok_or_else(|| TdfError::Key(format!("no key access object {index}")))?;
        let wrapped = B64
            .decode(&kao.wrapped_key)
            .map_err(|_| TdfError::Key(format!("keyAccess[{index}].wrappedKey is not base64")))?;
        let k = payload_key(&key.unwrap(&wrapped)?)?;
        if !crate::policy_binding_holds(&k, &e.policy, &kao.policy_binding.hash) {
            return Err(TdfError::Key(format!(
                "keyAccess[{index}].policyBinding does not bind the policy (altered)"
            )));
        }
        Ok(k)
    }

    /// Decrypts the payload into `out` with `key`, checking the root signature, every segment
    /// and the CRC-32; returns the plaintext's size.
    pub fn decrypt(
        &self,
        r: &mut (impl Read + Seek),
        key: &PayloadKey,
        out: &mut impl Write,
    ) -> Result<u64, TdfError> {
        let info = &self.manifest.encryption_information.integrity_information;
        let mut p = self.archive.payload_reader(r)?;
        crate::decrypt(key, info, self.manifest.legacy(), &mut p, out)
    }
}

/// A payload key from unwrapped bytes (32 of them).
pub fn payload_key(bytes: &[u8]) -> Result<PayloadKey, TdfError> {
    let k: [u8; 32] = bytes.try_into().map_err(|_| {
        TdfError::Key(format!(
            "the unwrapped key is {} bytes, not 32",
            bytes.len()
        ))
    })?;
    Ok(PayloadKey::from_bytes(k))
}

/// The names of the two entries (for messages).
pub const ENTRIES: [&str; 2] = [PAYLOAD, MANIFEST];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assertion::{FORMAT_5636, SCHEMA_5636};
    use crate::manifest::PolicyBody;
    use std::io::Cursor;

    fn sealed(plain: &[u8], kas: &PrivateKey, signer: &PrivateKey) -> Vec<u8> {
        let public = kas.public();
        let mut out = Vec::new();
        seal(
            Seal {
                policy: PolicyObject::new(PolicyBody::default()),
                recipients: vec![Recipient {
                    url: "http://localhost:8080/kas".into(),
                    kid: "r1".into(),
                    key: &public,
                }],
                mime_type: "text/plain".into(),
                segment_size: 1000,
                assertions: vec![Assertion::handling(
                    "label".into(),
                    FORMAT_5636,
                    SCHEMA_5636,
                    r#"{"ocl":{"cls":"SECRET"}}"#.into(),
                )],
                signer: Some(("s1", signer)),
            },
            &mut Cursor::new(plain),
            &mut out,
        )
        .unwrap();
        out
    }

    #[test]
    fn a_sealed_tdf_opens_verifies_and_decrypts() {
        let kas = PrivateKey::generate();
        let signer = PrivateKey::generate();
        let plain: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let tdf = sealed(&plain, &kas, &signer);
        let mut r = Cursor::new(&tdf);
        let o = open(&mut r).unwrap();
        assert_eq!(
            o.manifest
                .encryption_information
                .integrity_information
                .segments
                .len(),
            5
        );
        let sp = signer.public();
        o.verify_assertions(&|kid| (kid == "s1").then(|| sp.clone()))
            .unwrap();
        o.check_payload(&mut r).unwrap();
        let key = o.unwrap_key(0, &kas).unwrap();
        let mut out = Vec::new();
        assert_eq!(o.decrypt(&mut r, &key, &mut out).unwrap(), 5000);
        assert_eq!(out, plain);
        // Another key access server's key does not unwrap it.
        assert!(o.unwrap_key(0, &PrivateKey::generate()).is_err());
    }

    #[test]
    fn an_altered_policy_breaks_the_binding() {
        let kas = PrivateKey::generate();
        let signer = PrivateKey::generate();
        let tdf = sealed(b"hello", &kas, &signer);
        let mut r = Cursor::new(&tdf);
        let mut o = open(&mut r).unwrap();
        let mut p = o.policy.clone();
        p.body.dissem = vec!["someone-else".into()];
        o.manifest.encryption_information.policy = p.to_base64();
        let e = o.unwrap_key(0, &kas).unwrap_err().to_string();
        assert!(e.contains("policyBinding"), "{e}");
    }
}
