//! Records: named text fields from which domain values are built.

use std::sync::Arc;

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

/// A record: field name → text. Lists are written with `;` between items. Field names are
/// shared (`Arc<str>`) so that the rows of one file do not each copy the header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record(pub Vec<(Arc<str>, String)>);

impl Record {
    /// A field's text, trimmed; `None` when absent or empty.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| &**k == field)
            .map(|(_, v)| v.trim())
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
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| &**k == field) {
            Some((_, v)) => *v = value,
            None => self.0.push((Arc::from(field), value)),
        }
    }

    /// Adds a field whose name is already shared (no check for an existing one).
    pub fn push(&mut self, field: Arc<str>, value: String) {
        self.0.push((field, value));
    }
}

impl<K: AsRef<str>, V: Into<String>> FromIterator<(K, V)> for Record {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut r = Record::default();
        for (k, v) in iter {
            r.set(k.as_ref(), v);
        }
        r
    }
}
