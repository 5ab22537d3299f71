//! Errors of the store.

use std::fmt;

/// An error in input data: names the file, the line (or record), the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file (or source) being read.
    pub file: String,
    /// The line on which the record starts (1-based), when known.
    pub line: Option<usize>,
    /// The field, when one is at fault.
    pub field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl InputError {
    /// An error at `file:line` in `field`.
    pub fn new(
        file: &str,
        line: Option<usize>,
        field: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        InputError {
            file: file.to_string(),
            line,
            field: field.map(str::to_string),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for InputError {}

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Bad input data; nothing was written.
    #[error("{0}")]
    Input(#[from] InputError),
    /// The database refused or failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database location is unusable.
    #[error("{0}")]
    Location(String),
    /// The database holds a value this version cannot read.
    #[error("corrupt row in {table}: {reason}")]
    Corrupt {
        /// Table.
        table: &'static str,
        /// What was wrong.
        reason: String,
    },
}
