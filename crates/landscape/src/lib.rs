//! Technology landscape: who leads which technology, from research-output records.
//!
//! OpenAlex Works records are ingested to Parquet ([`ingest`]); technology areas are queries over
//! titles and abstracts ([`query`], [`areas`]); the indicators (output, PP(top 10 %), RCA,
//! collaboration, leading institutions, monopoly risk, partner complementarity) are computed by
//! SQL on DataFusion or Ballista ([`sql`], [`engine`]) and finished by pure arithmetic
//! ([`indicators`]). [`generate`] makes a synthetic corpus in OpenAlex shape. Nothing here knows
//! of HTTP or of Pillar's store.

pub mod areas;
#[cfg(feature = "engine")]
pub mod engine;
pub mod generate;
pub mod indicators;
#[cfg(feature = "engine")]
pub mod ingest;
pub mod query;
pub mod sql;
pub mod work;

pub use areas::{Area, AreaSet};
#[cfg(feature = "engine")]
pub use engine::{Engine, EngineError, EngineSpec};
pub use indicators::{Partners, Report, Tables};
pub use sql::Period;
