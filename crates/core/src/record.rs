//! Records: named text fields from which domain values are built.

use std::collections::HashMap;

/// An error in one field of a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}`: {reason}")]
pub struct FieldError {
    /// The field's name, as in the file's header.
    pub field: String,
    /// What is wrong and, where it helps, how to fix it.
    pub reason: String,
}

impl FieldError {
    /// An error in `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A record: field name → text. Lists are written with `;` between items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record(pub HashMap<String, String>);

impl Record {
    /// A field's text, trimmed; `None` when absent or empty.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .get(field)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A field that must be present and non-empty.
    pub fn required(&self, field: &str) -> Result<&str, FieldError> {
        self.get(field)
            .ok_or_else(|| FieldError::new(field, "is required but empty or missing"))
    }

    /// A `;`-separated list (empty when absent).
    pub fn list(&self, field: &str) -> Vec<&str> {
        self.get(field)
            .map(|v| {
                v.split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sets a field.
    pub fn set(&mut self, field: &str, value: impl Into<String>) {
        self.0.insert(field.to_string(), value.into());
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Record {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        Record(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}
