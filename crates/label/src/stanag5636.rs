//! The STANAG 5636 JSON form of a label, as OpenTDF's handling assertions carry it
//! (statement format `json+stanag5636`, schema `urn:nato:stanag:5636:A:1:elements:json`):
//!
//! ```json
//! {"ocl": {"pol": "<policy>", "cls": "<classification>", "pm": "<privacy mark>",
//!          "catl": [{"type": "P", "name": "<tag set>", "vals": ["<category>", …]}],
//!          "dcr": "<creation time>"},
//!  "context": {"@base": "urn:nato:stanag:5636:A:1:elements:json"}}
//! ```
//!
//! `ocl` is the originator confidentiality label; `type` is `R` (restrictive), `P` (permissive)
//! or `I` (informative); a value is a category's name (a string) or its LACV (a number). `pol`
//! is written as the policy's OID (`urn:oid:…`) and read as a name, an OID or a `urn:oid:` URI.
//! The field names `ocl`, `pol`, `cls`, `catl`, `type`, `name`, `vals`, `dcr` and `context` are
//! those OpenTDF's SDK tests carry; `pm` (the privacy mark) is Pillar's reading of the same
//! abbreviation scheme, written only when a label has one.

use serde_json::{json, Map, Value};

use crate::forms::LabelDocument;
use crate::types::{Category, CategoryType, CategoryValue, Label, LabelError, PolicyId};

/// The `@base` of the form's context.
pub const CONTEXT_BASE: &str = "urn:nato:stanag:5636:A:1:elements:json";

fn field_err(field: &'static str, reason: impl Into<String>) -> LabelError {
    LabelError::Field {
        field,
        reason: reason.into(),
    }
}

fn text(o: &Map<String, Value>, key: &'static str) -> Result<Option<String>, LabelError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(field_err(key, "empty")),
        Some(other) => Err(field_err(
            key,
            format!("a string was expected, not {other}"),
        )),
    }
}

/// Reads the 5636 JSON form (already parsed as JSON).
pub fn from_json(v: &Value) -> Result<LabelDocument, LabelError> {
    let ocl = v
        .get("ocl")
        .and_then(Value::as_object)
        .ok_or_else(|| field_err("ocl", "an object was expected"))?;
    if let Some(ctx) = v.get("context") {
        let base = ctx.get("@base").and_then(Value::as_str);
        if base.is_some_and(|b| b != CONTEXT_BASE) {
            return Err(field_err(
                "context.@base",
                format!("`{}` is not {CONTEXT_BASE}", base.unwrap_or_default()),
            ));
        }
    }
    let pol = text(ocl, "pol")?.ok_or_else(|| field_err("pol", "missing"))?;
    let policy =
        if pol.starts_with("urn:oid:") || pol.chars().all(|c| c.is_ascii_digit() || c == '.') {
            PolicyId {
                name: pol.clone(),
                uri: Some(if pol.starts_with("urn:oid:") {
                    pol.clone()
                } else {
                    format!("urn:oid:{pol}")
                }),
            }
        } else {
            PolicyId {
                name: pol,
                uri: None,
            }
        };
    let classification = text(ocl, "cls")?.ok_or_else(|| field_err("cls", "missing"))?;
    let mut categories = Vec::new();
    match ocl.get("catl") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for c in list {
                let c = c
                    .as_object()
                    .ok_or_else(|| field_err("catl", "each category is an object"))?;
                let kind = match text(c, "type")?.as_deref() {
                    Some("R") => CategoryType::Restrictive,
                    Some("P") => CategoryType::Permissive,
                    Some("I") => CategoryType::Informative,
                    Some(other) => {
                        return Err(field_err("type", format!("`{other}` is not R, P or I")))
                    }
                    None => return Err(field_err("type", "missing")),
                };
                let tag_name = text(c, "name")?.ok_or_else(|| field_err("name", "missing"))?;
                let values = match c.get("vals") {
                    Some(Value::Array(vals)) if !vals.is_empty() => vals
                        .iter()
                        .map(|v| match v {
                            Value::String(s) => Ok(CategoryValue::Generic(s.clone())),
                            Value::Number(n) => n
                                .as_i64()
                                .map(CategoryValue::Integer)
                                .ok_or_else(|| field_err("vals", format!("{n} is not an integer"))),
                            other => Err(field_err(
                                "vals",
                                format!("a name or a LACV was expected, not {other}"),
                            )),
                        })
                        .collect::<Result<_, _>>()?,
                    _ => return Err(field_err("vals", "a non-empty array was expected")),
                };
                categories.push(Category {
                    kind,
                    tag_name,
                    uri: None,
                    values,
                });
            }
        }
        Some(other) => {
            return Err(field_err(
                "catl",
                format!("an array was expected, not {other}"),
            ))
        }
    }
    let mut doc = LabelDocument::new(Label {
        policy,
        classification,
        privacy_mark: text(ocl, "pm")?,
        categories,
    });
    doc.creation_date_time = text(ocl, "dcr")?;
    Ok(doc)
}

/// Writes the 5636 JSON form (compact, as a statement value carries it).
pub fn to_json(doc: &LabelDocument) -> String {
    let l = &doc.label;
    let mut ocl = Map::new();
    ocl.insert(
        "pol".into(),
        Value::String(
            l.policy
                .uri
                .clone()
                .unwrap_or_else(|| l.policy.name.clone()),
        ),
    );
    ocl.insert("cls".into(), Value::String(l.classification.clone()));
    if let Some(pm) = &l.privacy_mark {
        ocl.insert("pm".into(), Value::String(pm.clone()));
    }
    if !l.categories.is_empty() {
        let catl: Vec<Value> = l
            .categories
            .iter()
            .map(|c| {
                let vals: Vec<Value> = c
                    .values
                    .iter()
                    .map(|v| match v {
                        CategoryValue::Generic(s) | CategoryValue::BitString(s) => {
                            Value::String(s.clone())
                        }
                        CategoryValue::Integer(i) => json!(i),
                    })
                    .collect();
                json!({
                    "type": match c.kind {
                        CategoryType::Restrictive => "R",
                        CategoryType::Permissive => "P",
                        CategoryType::Informative => "I",
                    },
                    "name": c.tag_name,
                    "vals": vals,
                })
            })
            .collect();
        ocl.insert("catl".into(), Value::Array(catl));
    }
    if let Some(d) = &doc.creation_date_time {
        ocl.insert("dcr".into(), Value::String(d.clone()));
    }
    json!({"ocl": ocl, "context": {"@base": CONTEXT_BASE}}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opentdf_s_example_reads() {
        // The statement value of OpenTDF's SDK tests.
        let v: Value = serde_json::from_str(r#"{"ocl":{"pol":"62c76c68-d73d-4628-8ccc-4c1e18118c22","cls":"SECRET","catl":[{"type":"P","name":"Releasable To","vals":["usa"]}],"dcr":"2024-10-21T20:47:36Z"},"context":{"@base":"urn:nato:stanag:5636:A:1:elements:json"}}"#).unwrap();
        let doc = from_json(&v).unwrap();
        assert_eq!(doc.label.classification, "SECRET");
        assert_eq!(
            doc.label.policy.name,
            "62c76c68-d73d-4628-8ccc-4c1e18118c22"
        );
        assert_eq!(doc.label.categories[0].kind, CategoryType::Permissive);
        assert_eq!(
            doc.label.categories[0].values,
            [CategoryValue::Generic("usa".into())]
        );
        assert_eq!(
            doc.creation_date_time.as_deref(),
            Some("2024-10-21T20:47:36Z")
        );
        let again = from_json(&serde_json::from_str(&to_json(&doc)).unwrap()).unwrap();
        assert_eq!(again.label, doc.label);
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = |s: &str| {
            from_json(&serde_json::from_str(s).unwrap())
                .unwrap_err()
                .to_string()
        };
        assert!(bad(r#"{"ocl":{"cls":"S"}}"#).contains("`pol`"));
        assert!(bad(r#"{"ocl":{"pol":"P","cls":7}}"#).contains("`cls`"));
        assert!(bad(
            r#"{"ocl":{"pol":"P","cls":"S","catl":[{"type":"X","name":"T","vals":["a"]}]}}"#
        )
        .contains("not R, P or I"));
        assert!(
            bad(r#"{"ocl":{"pol":"P","cls":"S","catl":[{"type":"P","name":"T","vals":[]}]}}"#)
                .contains("`vals`")
        );
        assert!(
            bad(r#"{"ocl":{"pol":"P","cls":"S"},"context":{"@base":"urn:x"}}"#).contains("context")
        );
    }
}
