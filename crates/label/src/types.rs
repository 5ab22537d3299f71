//! Label and clearance values, mirroring the fields of STANAG 4774 one to one.

use serde::{Deserialize, Serialize};

/// Name of Pillar's demo coalition policy.
pub const COALITION_POLICY_NAME: &str = "PILLAR COALITION";
/// Object identifier of the demo coalition policy. It lies under the `2.25` arc, in which an
/// OID is formed from a UUID without registration (ITU-T X.667).
pub const COALITION_POLICY_URI: &str = "urn:oid:2.25.279417330856402165463431867420263093914";

/// The name of the lowest classification of the demo coalition policy.
pub const COALITION_UNCLASSIFIED: &str = "UNCLASSIFIED";

/// Errors in label values given as text.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum LabelError {
    /// The JSON form could not be read.
    #[error("not a label in JSON form: {0}")]
    Json(String),
    /// The JSON form could not be read as a clearance.
    #[error("not a clearance in JSON form: {0}")]
    ClearanceJson(String),
    /// The XML could not be read.
    #[error("line {line}: {reason}")]
    Xml {
        /// Line.
        line: usize,
        /// Reason.
        reason: String,
    },
    /// The document is not a label or clearance in a known form.
    #[error("{0}")]
    Form(String),
    /// The label names something its policy does not define.
    #[error(transparent)]
    Resolve(#[from] crate::engine::ResolveError),
    /// A field holds a value the 4774 syntax does not allow.
    #[error("field `{field}`: {reason}")]
    Field {
        /// The offending field.
        field: &'static str,
        /// Why it is wrong.
        reason: String,
    },
}

/// The `PolicyIdentifier` of a label or clearance: a policy name and an optional URI
/// (for instance `urn:oid:1.3.26.1.3.1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PolicyId {
    /// The policy name, as text of the `PolicyIdentifier` element.
    pub name: String,
    /// The `URI` attribute, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// The `Type` attribute of a 4774 `Category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CategoryType {
    /// The holder must have every value.
    Restrictive,
    /// The holder must have at least one value of the tag.
    Permissive,
    /// No effect on access.
    Informative,
}

impl CategoryType {
    /// The text used in the 4774 XML `Type` attribute.
    pub fn as_4774(self) -> &'static str {
        match self {
            CategoryType::Restrictive => "RESTRICTIVE",
            CategoryType::Permissive => "PERMISSIVE",
            CategoryType::Informative => "INFORMATIVE",
        }
    }
}

/// One value of a category: `GenericValue`, `IntegerValue` or `BitStringValue`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryValue {
    /// `GenericValue`: the category's name as text.
    Generic(String),
    /// `IntegerValue`: the category's lacv.
    Integer(i64),
    /// `BitStringValue`: the text content as written (for example `"0100"`).
    BitString(String),
}

/// A `Category` of a label or clearance: a tag and the values held in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Category {
    /// `Type` attribute.
    #[serde(rename = "type")]
    pub kind: CategoryType,
    /// `TagName` attribute.
    pub tag_name: String,
    /// `URI` attribute (the tag set's OID), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// The values, in document order.
    pub values: Vec<CategoryValue>,
}

/// A confidentiality label: the `ConfidentialityInformation` of STANAG 4774.
///
/// Envelope fields of the XML form (originator, creation time) are not part of the value: two
/// documents labelled alike carry equal `Label`s.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Label {
    /// `PolicyIdentifier`.
    pub policy: PolicyId,
    /// `Classification`: the classification's name, as STANAG 4774 writes it.
    pub classification: String,
    /// `PrivacyMark`, when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_mark: Option<String>,
    /// `Category` elements, in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Category>,
}

impl Label {
    /// A label with a policy and classification and nothing else.
    pub fn new(policy: PolicyId, classification: &str) -> Self {
        Label {
            policy,
            classification: classification.to_string(),
            privacy_mark: None,
            categories: Vec::new(),
        }
    }

    /// The demo coalition policy's identifier.
    pub fn coalition_policy() -> PolicyId {
        PolicyId {
            name: COALITION_POLICY_NAME.to_string(),
            uri: Some(COALITION_POLICY_URI.to_string()),
        }
    }

    /// Reads the JSON form.
    pub fn from_json(text: &str) -> Result<Self, LabelError> {
        serde_json::from_str(text).map_err(|e| LabelError::Json(e.to_string()))
    }

    /// The JSON form, as written by [`Label::from_json`]'s counterpart.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("labels always serialise")
    }

    /// The canonical form: equal for labels that mean the same, whatever the order in which
    /// categories and values were written. Categories with the same type, tag and URI are
    /// merged; values are sorted and deduplicated; tags left without values are dropped.
    pub fn canonical(&self) -> String {
        let mut cats: Vec<Category> = Vec::with_capacity(self.categories.len());
        let mut sorted = self.categories.clone();
        sorted.sort_by(|a, b| (a.kind, &a.tag_name, &a.uri).cmp(&(b.kind, &b.tag_name, &b.uri)));
        for c in sorted {
            match cats.last_mut() {
                Some(last)
                    if last.kind == c.kind && last.tag_name == c.tag_name && last.uri == c.uri =>
                {
                    last.values.extend(c.values)
                }
                _ => cats.push(c),
            }
        }
        for c in &mut cats {
            c.values.sort();
            c.values.dedup();
        }
        cats.retain(|c| !c.values.is_empty());
        Label {
            policy: self.policy.clone(),
            classification: self.classification.clone(),
            privacy_mark: self.privacy_mark.clone(),
            categories: cats,
        }
        .to_json()
    }
}

/// A confidentiality clearance: the classifications a person holds, listed explicitly, and the
/// category values they are cleared for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Clearance {
    /// `PolicyIdentifier`.
    pub policy: PolicyId,
    /// `ClassificationList`: the names of the classifications held.
    pub classifications: Vec<String>,
    /// `Category` elements: the values held.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Category>,
}

impl Clearance {
    /// Reads the JSON form.
    pub fn from_json(text: &str) -> Result<Self, LabelError> {
        let c: Clearance =
            serde_json::from_str(text).map_err(|e| LabelError::ClearanceJson(e.to_string()))?;
        if c.classifications.is_empty() {
            return Err(LabelError::Field {
                field: "classifications",
                reason: "a clearance holds at least one classification".into(),
            });
        }
        Ok(c)
    }

    /// The JSON form.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("clearances always serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(values: &[&str]) -> Category {
        Category {
            kind: CategoryType::Permissive,
            tag_name: "Releasable To".into(),
            uri: None,
            values: values
                .iter()
                .map(|v| CategoryValue::Generic(v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn canonical_ignores_order_and_duplicates() {
        let mut a = Label::new(Label::coalition_policy(), "SECRET");
        a.categories = vec![rel(&["USA", "KOR"])];
        let mut b = Label::new(Label::coalition_policy(), "SECRET");
        b.categories = vec![rel(&["KOR"]), rel(&["USA", "KOR"])];
        assert_eq!(a.canonical(), b.canonical());
        let mut c = a.clone();
        c.categories = vec![rel(&["USA"])];
        assert_ne!(a.canonical(), c.canonical());
    }

    #[test]
    fn json_round_trip() {
        let mut a = Label::new(Label::coalition_policy(), "SECRET");
        a.categories = vec![rel(&["USA", "KOR"])];
        a.privacy_mark = Some("STAFF".into());
        assert_eq!(Label::from_json(&a.to_json()).unwrap(), a);
    }

    #[test]
    fn clearance_needs_a_classification() {
        let text = r#"{"policy":{"name":"X"},"classifications":[]}"#;
        assert!(Clearance::from_json(text).is_err());
    }
}
