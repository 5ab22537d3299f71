//! Errors of the store.

pub use pillar_core::InputError;

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
    /// The person named may not make this change (`pillar_core::stewardship`); nothing was
    /// written.
    #[error("{0}")]
    Refused(String),
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
