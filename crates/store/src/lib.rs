//! Persistence for Pillar: the schema and its migrations for SQLite (embedded, the default) and
//! PostgreSQL (for many users), and repositories over them. This is the only crate that speaks
//! SQL. The same SQL text runs on both backends (positional `$n` parameters, which SQLite also
//! understands); where the dialects differ, the migrations differ.
//!
//! Every stored row carries a label id; the `labels` table holds each distinct label once, in the
//! canonical form defined by `pillar-label`.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod blobs;
pub mod committee;
mod db;
pub mod demo;
pub mod documents;
mod error;
pub mod landscapes;
pub mod origins;
pub mod projects;
mod reader;
mod readers;
mod registry;
mod sql;
pub mod supply;
pub mod tdfs;
mod visibility;

pub use db::{Backend, DbTarget, Store};
pub use error::{InputError, StoreError};
pub use origins::Kept;
pub use reader::{Operator, Reader};
pub use readers::{ReaderIndexBuild, ReaderIndexInfo, MAX_READER_INDEXES, READER_INDEX_LOCK};
pub use registry::{ImportReport, RegistryRow};
pub use supply::{SupplyNetworkInfo, SupplyRows};
pub use visibility::{EntitlementCache, Entitlements, Labelled};

/// Reading registry files (CSV or JSON) of one kind.
pub mod files {
    use pillar_core::{read_records, InputError, RegistryKind, Row};

    /// Reads the rows of a registry file of `kind`; `name` is used in error messages.
    pub fn read_rows(name: &str, bytes: &[u8], kind: RegistryKind) -> Result<Vec<Row>, InputError> {
        read_records(name, bytes, kind.record_columns())
    }
}
