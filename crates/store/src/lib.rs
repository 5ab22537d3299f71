//! Persistence for Pillar: the schema and its migrations for SQLite (embedded, the default) and
//! PostgreSQL (for many users), and repositories over them. This is the only crate that speaks
//! SQL. The same SQL text runs on both backends (positional `$n` parameters, which SQLite also
//! understands); where the dialects differ, the migrations differ.
//!
//! Every stored row carries a label id; the `labels` table holds each distinct label once, in the
//! canonical form defined by `pillar-label`.

mod db;
pub mod demo;
mod error;
pub mod files;
mod registry;
mod sql;

pub use db::{Backend, DbTarget, Store};
pub use error::{InputError, StoreError};
pub use registry::{ImportReport, RegistryRow};
