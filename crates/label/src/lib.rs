//! Confidentiality labels and clearances in the sense of NATO STANAG 4774 (ADatP-4774) — in its
//! XML, Pillar's JSON, spiffing's XML, the X.841 `ESSSecurityLabel` (BER/DER) and STANAG 5636
//! JSON — and
//! the security policies (XML-SPIF 2.0 / 2.1) they are read against: parsing and writing every
//! form, validity, the access decision (ACDF), display markings, translation between
//! equivalent policies and the dominant label (ADatP-4774.1 §4.4).
//!
//! This crate is pure: it never opens a file, a socket or a clock; it parses bytes it is given.
//! It also defines the canonical text form of a label, which the store uses to keep each
//! distinct label once.

pub mod ber;
pub mod demo;
mod engine;
mod forms;
pub mod spif;
mod stanag5636;
mod types;
mod xml;

pub use engine::{Decision, Dominance, PolicySet, ResolveError, Resolved, ResolvedClearance};
pub use forms::{
    parse_document, read_clearance, read_label, write_4774_clearance, write_4774_label,
    write_clearance, write_label, Document, Form, LabelDocument, OriginatorId, CLEARANCE_NS,
    LABEL_NS, LABEL_ROOTS, MAX_LABEL_BYTES, SPIFFY_NS,
};
pub use spif::{Location, Policy, SpifError, TagKind};
pub use types::{
    Category, CategoryType, CategoryValue, Clearance, Label, LabelError, PolicyId,
    COALITION_POLICY_NAME, COALITION_POLICY_URI, COALITION_UNCLASSIFIED,
};
