//! Supply-chain resilience over multi-tier networks: systems need all the items of their bill
//! of materials (AND); an item is supplied by any of its sources (OR) in proportion to their
//! shares; sources are supplier sites in countries.
//!
//! Analyses: country exposure through tiers and its concentration (HHI), single points of
//! failure under the AND/OR semantics, independent sources, what-if disruptions with the path
//! of the loss, time-to-survive, and allied alternatives. Every formula is documented in
//! `docs/supply.md`. The crate is pure: bundles are parsed from bytes given to it.

mod analysis;
mod bundle;
mod generate;
mod model;

pub use analysis::{
    what_if, Alternative, Analysis, Disruption, EndItemReport, ExposureVector, Target, WhatIf,
    WhatIfItem,
};
pub use bundle::{demo_bundle, parse_bundle, write_bundle, BundleFiles};
pub use generate::{generate, GenerateOptions};
pub use model::{BuildError, ItemKind, Network, NetworkBuilder, Origin};
pub use pillar_core::InputError;

/// The countries of concern an analysis measures exposure to unless told otherwise.
pub const COUNTRIES_OF_CONCERN: [&str; 4] = ["CHN", "RUS", "PRK", "IRN"];

/// The partner nations whose sites count as allied alternatives unless told otherwise.
pub const PARTNERS: [&str; 7] = ["USA", "KOR", "AUS", "GBR", "JPN", "CAN", "NZL"];
