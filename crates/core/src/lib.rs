//! The domain vocabulary of Pillar, shared by every other crate: nations and their groups,
//! organisations, people, technology areas and agreements, and the joint R&D projects, each
//! carrying a confidentiality label. Values of these types are checked when built, so a `Nation` always has a valid code
//! and an `Agreement` never ends before it starts.
//!
//! The types are built from *records* — a set of named text fields, as found in a CSV row or a
//! JSON object — so that every input path checks the same rules and reports the same errors.

pub mod committee;
mod iso;
pub mod project;
mod read;
mod record;
mod registry;
pub mod stewardship;

pub use iso::{iso_alpha3, IsoCountry};
pub use read::{read_records, spreadsheet_safe, Columns, InputError, Row};
pub use record::{FieldError, Record};
pub use registry::{
    Agreement, AgreementKind, AgreementStatus, Nation, NationCode, OrgKind, Organisation, Person,
    RegistryKind, Role, TechArea,
};
