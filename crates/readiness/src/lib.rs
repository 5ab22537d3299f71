//! Readiness of the joint R&D portfolio, as pure functions over plain data: the DoD readiness
//! scales (TRL, MRL, IRL) and the questionnaire calculator, Sauser's system readiness level,
//! the acquisition rules that flag immature technology (Milestone B) and stalled projects, and
//! which agreements in force cover releasing an item to some nations.

pub mod coverage;
pub mod portfolio;
pub mod rules;
pub mod scales;
pub mod srl;
pub mod trl;

pub use coverage::{coverage, Coverage, CoveredPair};
pub use scales::Scale;
