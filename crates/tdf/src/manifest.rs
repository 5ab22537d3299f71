//! The TDF manifest (`0.manifest.json`, schema version 4.3.0) and its policy object: the field
//! names OpenTDF's SDKs write and read, read with limits and with errors that name the field.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::IntegrityInformation;

/// The manifest schema version written.
pub const SCHEMA_VERSION: &str = "4.3.0";
/// The largest manifest read (OpenTDF's readers cap theirs too; a manifest of a 4 GiB payload
/// in 2 MiB segments is about 150 KiB).
pub const MAX_MANIFEST_BYTES: usize = 16 << 20;

/// `payload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    /// `reference`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `0.payload`.
    pub url: String,
    /// `zip`.
    pub protocol: String,
    /// The plaintext's media type.
    #[serde(default)]
    pub mime_type: String,
    /// `true`.
    pub is_encrypted: bool,
}

/// `policyBinding` of a key access object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyBinding {
    /// `HS256`.
    pub alg: String,
    /// See [`crate::policy_binding`].
    pub hash: String,
}

/// A key access object: where the key is, wrapped for that key access server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyAccess {
    /// `wrapped` (RSA) or `ec-wrapped`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The key access server's URL.
    pub url: String,
    /// `kas`.
    pub protocol: String,
    /// Base64 of the wrapped key.
    pub wrapped_key: String,
    /// The binding of the policy to this key (older manifests give the hash alone, a string).
    #[serde(deserialize_with = "binding_or_hash")]
    pub policy_binding: PolicyBinding,
    /// Encrypted metadata, when any.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub encrypted_metadata: String,
    /// The key access server's key id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kid: String,
    /// The split id.
    #[serde(default, rename = "sid", skip_serializing_if = "String::is_empty")]
    pub split_id: String,
    /// The key access object's schema version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub schema_version: String,
}

fn binding_or_hash<'de, D: serde::Deserializer<'de>>(d: D) -> Result<PolicyBinding, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Binding(PolicyBinding),
        Hash(String),
    }
    Ok(match Either::deserialize(d)? {
        Either::Binding(b) => b,
        Either::Hash(hash) => PolicyBinding {
            alg: "HS256".into(),
            hash,
        },
    })
}

/// `encryptionInformation.method`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    /// `AES-256-GCM`.
    pub algorithm: String,
    /// Unused with segments (each carries its nonce): empty.
    #[serde(default)]
    pub iv: String,
    /// `true`: segmented.
    pub is_streamable: bool,
}

/// `encryptionInformation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncryptionInformation {
    /// `split`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The key access objects.
    pub key_access: Vec<KeyAccess>,
    /// The cipher.
    pub method: Method,
    /// The segments and root signature.
    pub integrity_information: IntegrityInformation,
    /// Base64 of the policy object's JSON.
    pub policy: String,
}

/// The manifest. Assertions are kept as JSON here; their binding is checked where they are
/// read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Where the payload is.
    pub payload: Payload,
    /// How it is encrypted and checked.
    pub encryption_information: EncryptionInformation,
    /// Assertions (handling, other).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assertions: Vec<serde_json::Value>,
    /// `4.3.0`; absent in legacy manifests (whose hashes are hex).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub schema_version: String,
}

/// A string that may be written as `null` (as OpenTDF's Python SDK writes empty fields).
fn null_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A list that may be written as `null`.
fn null_list<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A flag that may be written as `null`.
fn null_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or_default())
}

/// One `dataAttributes` entry of a policy: an attribute value's URI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AttributeObject {
    /// The attribute value's URI, e.g. `https://pillar.example/attr/classification/value/secret`.
    pub attribute: String,
    /// Display name, when given.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_string"
    )]
    pub display_name: String,
    /// Whether it is a default attribute.
    #[serde(default, deserialize_with = "null_bool")]
    pub is_default: bool,
    /// A public key, when given.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_string"
    )]
    pub pub_key: String,
    /// A key access server, when given.
    #[serde(
        default,
        rename = "kasURL",
        alias = "kasUrl",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_string"
    )]
    pub kas_url: String,
}

/// `body` of a policy object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PolicyBody {
    /// The data attributes.
    #[serde(default, deserialize_with = "null_list")]
    pub data_attributes: Vec<AttributeObject>,
    /// Those the data may be disseminated to.
    #[serde(default, deserialize_with = "null_list")]
    pub dissem: Vec<String>,
}

/// A policy object: its UUID and body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyObject {
    /// The policy's UUID (a real, random one: RFC 9562 version 4).
    pub uuid: String,
    /// What it says.
    pub body: PolicyBody,
}

/// What is wrong with a manifest or a policy object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ManifestError {
    /// The field (a JSON path, or `manifest`).
    pub field: String,
    /// Why.
    pub reason: String,
}

fn bad<T>(field: &str, reason: impl Into<String>) -> Result<T, ManifestError> {
    Err(ManifestError {
        field: field.into(),
        reason: reason.into(),
    })
}

impl PolicyObject {
    /// A policy with a new random UUID.
    pub fn new(body: PolicyBody) -> Self {
        let mut b: [u8; 16] = rand::random();
        b[6] = (b[6] & 0x0f) | 0x40; // version 4
        b[8] = (b[8] & 0x3f) | 0x80; // variant RFC 9562
        let h = hex::encode(b);
        PolicyObject {
            uuid: format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            ),
            body,
        }
    }

    /// The base64 of its JSON, as `encryptionInformation.policy` carries it.
    pub fn to_base64(&self) -> String {
        B64.encode(serde_json::to_vec(self).expect("policies serialise"))
    }

    /// Reads `encryptionInformation.policy`.
    pub fn from_base64(text: &str) -> Result<Self, ManifestError> {
        const F: &str = "encryptionInformation.policy";
        let json = B64.decode(text).or_else(|_| bad(F, "not base64"))?;
        let p: PolicyObject = serde_json::from_slice(&json)
            .or_else(|e| bad(F, format!("not a policy object: {e}")))?;
        let u = p.uuid.as_bytes();
        let uuid_ok = u.len() == 36
            && u.iter().enumerate().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => *c == b'-',
                _ => c.is_ascii_hexdigit(),
            });
        if !uuid_ok {
            return bad(F, format!("uuid `{}` is not a UUID", p.uuid));
        }
        Ok(p)
    }
}

impl Manifest {
    /// Reads and checks a manifest: the JSON, then that it describes what this reader knows —
    /// a zip-referenced encrypted payload, a split of wrapped keys over AES-256-GCM segments.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ManifestError> {
        if bytes.len() > MAX_MANIFEST_BYTES {
            return bad(
                "manifest",
                format!(
                    "{} bytes; a manifest is at most {MAX_MANIFEST_BYTES}",
                    bytes.len()
                ),
            );
        }
        let m: Manifest = serde_json::from_slice(bytes).or_else(|e| {
            bad(
                "manifest",
                format!("line {} column {}: {e}", e.line(), e.column()),
            )
        })?;
        if !m.schema_version.is_empty() && !m.schema_version.starts_with("4.") {
            return bad(
                "schemaVersion",
                format!("`{}` is not a 4.x manifest", m.schema_version),
            );
        }
        if m.payload.kind != "reference" || m.payload.protocol != "zip" {
            return bad(
                "payload",
                format!(
                    "type `{}` protocol `{}`: only a zip-referenced payload is read",
                    m.payload.kind, m.payload.protocol
                ),
            );
        }
        if !m.payload.is_encrypted {
            return bad(
                "payload.isEncrypted",
                "false: Pillar reads encrypted payloads only",
            );
        }
        let e = &m.encryption_information;
        if e.kind != "split" {
            return bad(
                "encryptionInformation.type",
                format!("`{}` is not split", e.kind),
            );
        }
        if !e.method.algorithm.eq_ignore_ascii_case("AES-256-GCM") {
            return bad(
                "encryptionInformation.method.algorithm",
                format!("`{}` is not AES-256-GCM", e.method.algorithm),
            );
        }
        if !e.method.is_streamable {
            return bad(
                "encryptionInformation.method.isStreamable",
                "false: only segmented payloads are read",
            );
        }
        if e.key_access.is_empty() {
            return bad("encryptionInformation.keyAccess", "empty");
        }
        for (i, k) in e.key_access.iter().enumerate() {
            if k.kind != "wrapped" {
                return bad(
                    &format!("encryptionInformation.keyAccess[{i}].type"),
                    format!("`{}` is not wrapped", k.kind),
                );
            }
            if !k.policy_binding.alg.eq_ignore_ascii_case("HS256") {
                return bad(
                    &format!("encryptionInformation.keyAccess[{i}].policyBinding.alg"),
                    format!("`{}` is not HS256", k.policy_binding.alg),
                );
            }
        }
        PolicyObject::from_base64(&e.policy)?;
        Ok(m)
    }

    /// Whether its hashes are hex (a manifest without a schema version).
    pub fn legacy(&self) -> bool {
        self.schema_version.is_empty()
    }

    /// Its JSON.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("manifests serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encrypt, policy_binding, PayloadKey};

    fn sample() -> (Manifest, PayloadKey) {
        let key = PayloadKey::random();
        let info = encrypt(&key, 100, &mut &b"minutes"[..], &mut Vec::new()).unwrap();
        let policy = PolicyObject::new(PolicyBody {
            data_attributes: vec![AttributeObject {
                attribute: "https://pillar.example/attr/classification/value/secret".into(),
                display_name: String::new(),
                is_default: false,
                pub_key: String::new(),
                kas_url: String::new(),
            }],
            dissem: vec!["kr-pm@pillar".into()],
        });
        let p64 = policy.to_base64();
        let m = Manifest {
            payload: Payload {
                kind: "reference".into(),
                url: "0.payload".into(),
                protocol: "zip".into(),
                mime_type: "text/plain".into(),
                is_encrypted: true,
            },
            encryption_information: EncryptionInformation {
                kind: "split".into(),
                key_access: vec![KeyAccess {
                    kind: "wrapped".into(),
                    url: "https://pillar.example".into(),
                    protocol: "kas".into(),
                    wrapped_key: "AAAA".into(),
                    policy_binding: PolicyBinding {
                        alg: "HS256".into(),
                        hash: policy_binding(&key, &p64),
                    },
                    encrypted_metadata: String::new(),
                    kid: "r1".into(),
                    split_id: String::new(),
                    schema_version: "1.0".into(),
                }],
                method: Method {
                    algorithm: "AES-256-GCM".into(),
                    iv: String::new(),
                    is_streamable: true,
                },
                integrity_information: info,
                policy: p64,
            },
            assertions: vec![],
            schema_version: SCHEMA_VERSION.into(),
        };
        (m, key)
    }

    #[test]
    fn a_manifest_round_trips_with_opentdf_s_names() {
        let (m, _) = sample();
        let json = m.to_json();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["schemaVersion"], "4.3.0");
        assert_eq!(v["payload"]["isEncrypted"], true);
        assert_eq!(
            v["encryptionInformation"]["keyAccess"][0]["wrappedKey"],
            "AAAA"
        );
        assert_eq!(
            v["encryptionInformation"]["keyAccess"][0]["policyBinding"]["alg"],
            "HS256"
        );
        assert_eq!(v["encryptionInformation"]["method"]["isStreamable"], true);
        assert!(
            v["encryptionInformation"]["integrityInformation"]["rootSignature"]["sig"].is_string()
        );
        assert_eq!(Manifest::from_json(&json).unwrap(), m);
        let p = PolicyObject::from_base64(&m.encryption_information.policy).unwrap();
        assert_eq!(p.uuid.len(), 36);
        assert_eq!(&p.uuid[14..15], "4", "a version 4 UUID");
        let pv: serde_json::Value =
            serde_json::from_slice(&B64.decode(&m.encryption_information.policy).unwrap()).unwrap();
        assert!(pv["body"]["dataAttributes"][0]["attribute"].is_string());
        assert_eq!(pv["body"]["dissem"][0], "kr-pm@pillar");
    }

    #[test]
    fn bad_manifests_name_the_field() {
        let (m, _) = sample();
        let v: serde_json::Value = serde_json::from_slice(&m.to_json()).unwrap();
        let with = |path: &[&str], value: serde_json::Value| {
            let mut v = v.clone();
            let mut at = &mut v;
            for p in &path[..path.len() - 1] {
                at = match p.parse::<usize>() {
                    Ok(i) => &mut at[i],
                    Err(_) => &mut at[*p],
                };
            }
            at[path[path.len() - 1]] = value;
            Manifest::from_json(&serde_json::to_vec(&v).unwrap())
                .unwrap_err()
                .field
        };
        use serde_json::json;
        assert_eq!(with(&["payload", "protocol"], json!("file")), "payload");
        assert_eq!(
            with(&["payload", "isEncrypted"], json!(false)),
            "payload.isEncrypted"
        );
        assert_eq!(
            with(
                &["encryptionInformation", "method", "algorithm"],
                json!("AES-128-CBC")
            ),
            "encryptionInformation.method.algorithm"
        );
        assert_eq!(
            with(
                &["encryptionInformation", "keyAccess", "0", "type"],
                json!("remote")
            ),
            "encryptionInformation.keyAccess[0].type"
        );
        assert_eq!(
            with(&["encryptionInformation", "policy"], json!("not base64!")),
            "encryptionInformation.policy"
        );
        assert_eq!(with(&["schemaVersion"], json!("9.0.0")), "schemaVersion");
        // An older manifest's binding, the hash alone, is read.
        let mut old = v.clone();
        let hash = old["encryptionInformation"]["keyAccess"][0]["policyBinding"]["hash"].clone();
        old["encryptionInformation"]["keyAccess"][0]["policyBinding"] = hash.clone();
        let m = Manifest::from_json(&serde_json::to_vec(&old).unwrap()).unwrap();
        assert_eq!(
            m.encryption_information.key_access[0].policy_binding.hash,
            hash.as_str().unwrap()
        );
        let e = Manifest::from_json(b"{\"payload\": 3}").unwrap_err();
        assert_eq!(e.field, "manifest");
        assert!(e.reason.contains("line 1"), "{e}");
        let e = Manifest::from_json(&vec![b' '; MAX_MANIFEST_BYTES + 1]).unwrap_err();
        assert!(e.reason.contains("at most"), "{e}");
        let uuid = B64.encode(br#"{"uuid":"not-a-uuid","body":{"dataAttributes":[],"dissem":[]}}"#);
        assert!(PolicyObject::from_base64(&uuid)
            .unwrap_err()
            .reason
            .contains("not a UUID"));
    }
}
