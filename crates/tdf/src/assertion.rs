//! Assertions: statements bound to a TDF. The hash is SHA-256 (hex) of the assertion without
//! its binding in the JSON Canonicalization Scheme (RFC 8785); the binding is a compact JWS
//! whose claims are that hash, `assertionSig` = base64(segment hashes ‖ raw assertion hash)
//! and `assertionSchema`, as OpenTDF's SDKs write them. Pillar signs with its own RS256 key —
//! not with the payload key the SDKs default to, with which anyone able to decrypt could
//! re-sign a different label.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};

use crate::keys::{jws_kid, PrivateKey, PublicKey};
use crate::TdfError;

/// The format of a handling assertion carrying a STANAG 5636 label.
pub const FORMAT_5636: &str = "json+stanag5636";
/// Its schema.
pub const SCHEMA_5636: &str = "urn:nato:stanag:5636:A:1:elements:json";

/// `statement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Statement {
    /// e.g. `json+stanag5636`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub format: String,
    /// e.g. `urn:nato:stanag:5636:A:1:elements:json`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub schema: String,
    /// The value, a string (an object written by an older SDK is read as its compact JSON).
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "string_or_json"
    )]
    pub value: String,
}

fn string_or_json<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// `binding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Binding {
    /// `jws`.
    #[serde(default)]
    pub method: String,
    /// The compact JWS.
    #[serde(default)]
    pub signature: String,
}

/// One entry of the manifest's `assertions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assertion {
    /// Its id.
    pub id: String,
    /// `handling` (or `other`, `metadata`).
    #[serde(rename = "type")]
    pub kind: String,
    /// `tdo` or `payload`.
    pub scope: String,
    /// `encrypted` or `unencrypted`.
    #[serde(
        default,
        skip_serializing_if = "String::is_empty",
        deserialize_with = "string_or_null"
    )]
    pub applies_to_state: String,
    /// What it states.
    pub statement: Statement,
    /// Its binding.
    #[serde(default)]
    pub binding: Binding,
}

fn string_or_null<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A JSON value with every object's keys sorted (RFC 8785 for values without numbers).
fn canonical(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let sorted: BTreeMap<String, serde_json::Value> =
                m.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            serde_json::to_value(sorted).expect("values serialise")
        }
        serde_json::Value::Array(a) => a.into_iter().map(canonical).collect(),
        other => other,
    }
}

fn bad(index: usize, reason: impl Into<String>) -> TdfError {
    TdfError::Assertion {
        index,
        reason: reason.into(),
    }
}

impl Assertion {
    /// A handling assertion over the whole object, stating `value` in `format` and `schema`.
    pub fn handling(id: String, format: &str, schema: &str, value: String) -> Self {
        Assertion {
            id,
            kind: "handling".into(),
            scope: "tdo".into(),
            applies_to_state: "encrypted".into(),
            statement: Statement {
                format: format.into(),
                schema: schema.into(),
                value,
            },
            binding: Binding::default(),
        }
    }

    /// The hex SHA-256 of its canonical JSON (RFC 8785) without the binding, the value a
    /// string (as the current SDKs hash it). The fields are strings, whose canonical form is
    /// serde_json's compact form with keys sorted.
    pub fn hash(&self) -> String {
        self.hash_with(serde_json::Value::String(self.statement.value.clone()))
    }

    /// The hash as older SDKs computed it, the value embedded as the JSON it holds (their
    /// statement value was raw JSON); `None` when the value is not JSON. The known answers of
    /// `sdk/assertion_test.go` in opentdf/platform are of this form.
    pub fn hash_of_json_value(&self) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(&self.statement.value).ok()?;
        v.is_object().then(|| self.hash_with(canonical(v)))
    }

    fn hash_with(&self, value: serde_json::Value) -> String {
        let mut statement = BTreeMap::new();
        for (k, v) in [
            ("format", &self.statement.format),
            ("schema", &self.statement.schema),
        ] {
            if !v.is_empty() {
                statement.insert(k, serde_json::Value::String(v.clone()));
            }
        }
        if value != serde_json::Value::String(String::new()) {
            statement.insert("value", value);
        }
        let mut all: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
        all.insert("id", self.id.clone().into());
        all.insert("type", self.kind.clone().into());
        all.insert("scope", self.scope.clone().into());
        if !self.applies_to_state.is_empty() {
            all.insert("appliesToState", self.applies_to_state.clone().into());
        }
        all.insert(
            "statement",
            serde_json::to_value(&statement).expect("strings serialise"),
        );
        let canonical = serde_json::to_string(&all).expect("strings serialise");
        hex::encode(Sha256::digest(canonical.as_bytes()))
    }

    /// `assertionSig`: base64 of the segment hashes (`aggregate`) followed by the raw `hash`.
    fn binding_sig(hash: &str, aggregate: &[u8]) -> String {
        let mut b = aggregate.to_vec();
        b.extend_from_slice(&hex::decode(hash).expect("the hash is hex"));
        B64.encode(b)
    }

    /// Binds it to the TDF whose segment hashes are `aggregate`, signed by `key` (named `kid`).
    pub fn sign(&mut self, kid: &str, key: &PrivateKey, aggregate: &[u8]) {
        let claims = serde_json::json!({
            "assertionHash": self.hash(),
            "assertionSig": Self::binding_sig(&self.hash(), aggregate),
            "assertionSchema": self.statement.schema,
        });
        self.binding = Binding {
            method: "jws".into(),
            signature: key.sign_jws(kid, &claims),
        };
    }

    /// Checks its binding: a JWS under the key `keys` gives for its `kid`, whose claims are
    /// this assertion's hash, this TDF's segment hashes, and its schema. `index` names it in
    /// errors.
    pub fn verify(
        &self,
        index: usize,
        keys: &dyn Fn(&str) -> Option<PublicKey>,
        aggregate: &[u8],
    ) -> Result<(), TdfError> {
        if self.binding.method != "jws" {
            return Err(bad(
                index,
                format!("binding.method `{}` is not jws", self.binding.method),
            ));
        }
        let kid = jws_kid(&self.binding.signature).unwrap_or_default();
        let Some(key) = keys(&kid) else {
            return Err(bad(index, format!("signed by an unknown key `{kid}`")));
        };
        let Some(payload) = key.verify_jws(&self.binding.signature) else {
            return Err(bad(
                index,
                format!("its signature does not verify under key `{kid}`"),
            ));
        };
        let claims: serde_json::Value = serde_json::from_slice(&payload)
            .map_err(|_| bad(index, "its signed claims are not JSON"))?;
        let claim = |name: &str| claims.get(name).and_then(|v| v.as_str());
        let signed = claim("assertionHash").unwrap_or_default();
        let hash = [Some(self.hash()), self.hash_of_json_value()]
            .into_iter()
            .flatten()
            .find(|h| h == signed);
        let Some(hash) = hash else {
            return Err(bad(
                index,
                "its statement was altered (the hash it signs differs)",
            ));
        };
        if claim("assertionSig") != Some(Self::binding_sig(&hash, aggregate).as_str()) {
            return Err(bad(index, "it is bound to another TDF's payload"));
        }
        if let Some(s) = claim("assertionSchema") {
            if s != self.statement.schema {
                return Err(bad(index, "its schema was altered"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The known answers of `sdk/assertion_test.go` (TestTDFWithAssertion,
    /// TestTDFWithAssertionJsonObject) in opentdf/platform; and the current SDKs' string form,
    /// computed apart with Python's json (sorted keys, compact): 4a447a13….
    #[test]
    fn the_hash_is_the_sdks() {
        let a = Assertion::handling(
            "424ff3a3-50ca-4f01-a2ae-ef851cd3cac0".into(),
            FORMAT_5636,
            SCHEMA_5636,
            r#"{"ocl":{"pol":"62c76c68-d73d-4628-8ccc-4c1e18118c22","cls":"SECRET","catl":[{"type":"P","name":"Releasable To","vals":["usa"]}],"dcr":"2024-10-21T20:47:36Z"},"context":{"@base":"urn:nato:stanag:5636:A:1:elements:json"}}"#.into(),
        );
        assert_eq!(
            a.hash_of_json_value().unwrap(),
            "cf73d5df901bc81fc697594c4af0e528b859674ffcd34df4ba385f13a3579650"
        );
        assert_eq!(
            a.hash(),
            "4a447a13c5a32730d20bdf7feecb9ffe16649bc731914b574d80035a3927f860"
        );
        // The test's second vector: scope payload, no appliesToState, no schema, the value
        // as written (whitespace and all).
        let value = "{\n\t\t\"ocl\": {\n\t\t\t\"pol\": \"2ccf11cb-6c9a-4e49-9746-a7f0a295945d\",\n\t\t\t\"cls\": \"SECRET\",\n\t\t\t\"catl\": [\n\t\t\t\t{\n\t\t\t\t\t\"type\": \"P\",\n\t\t\t\t\t\"name\": \"Releasable To\",\n\t\t\t\t\t\"vals\": [\"usa\"]\n\t\t\t\t}\n\t\t\t],\n\t\t\t\"dcr\": \"2024-12-17T13:00:52Z\"\n\t\t},\n\t\t\"context\": {\n\t\t\t\"@base\": \"urn:nato:stanag:5636:A:1:elements:json\"\n\t\t}\n\t}";
        let mut b = Assertion::handling(
            "ab43266781e64b51a4c52ffc44d6152c".into(),
            "json-structured",
            "",
            value.into(),
        );
        b.scope = "payload".into();
        b.applies_to_state.clear();
        assert_eq!(
            b.hash_of_json_value().unwrap(),
            "eef5daaa17ec25312f2f254d5471fbc1866fabbf52fbc07d4941cb1bc1f1f373"
        );
    }

    #[test]
    fn a_signed_assertion_verifies_and_tampering_is_named() {
        let key = PrivateKey::generate();
        let public = key.public();
        let keys = |kid: &str| (kid == "a1").then(|| public.clone());
        let mut a = Assertion::handling("x".into(), FORMAT_5636, SCHEMA_5636, "{}".into());
        a.sign("a1", &key, b"0123456789abcdef");
        a.verify(0, &keys, b"0123456789abcdef").unwrap();
        let err = |a: &Assertion, agg: &[u8]| a.verify(3, &keys, agg).unwrap_err().to_string();
        assert!(err(&a, b"fedcba9876543210").contains("another TDF"));
        let mut changed = a.clone();
        changed.statement.value = r#"{"ocl":{}}"#.into();
        assert!(err(&changed, b"0123456789abcdef").contains("altered"));
        assert!(err(&changed, b"0123456789abcdef").starts_with("assertions[3]"));
        // Re-signed by someone else (the payload key's holder, say): an unknown key.
        let mut resigned = changed.clone();
        resigned.sign("a1", &PrivateKey::generate(), b"0123456789abcdef");
        assert!(err(&resigned, b"0123456789abcdef").contains("does not verify"));
        resigned.sign("mine", &PrivateKey::generate(), b"0123456789abcdef");
        assert!(err(&resigned, b"0123456789abcdef").contains("unknown key"));
        // An object value, as older SDKs wrote it, reads as its JSON.
        let read: Assertion = serde_json::from_str(
            r#"{"id":"i","type":"handling","scope":"tdo","appliesToState":null,"statement":{"format":"f","value":{"b":1,"a":2}}}"#,
        )
        .unwrap();
        assert_eq!(read.statement.value, r#"{"a":2,"b":1}"#);
    }
}
