//! Confidentiality labels and clearances in the sense of NATO STANAG 4774 (ADatP-4774), and
//! the security policies (XML-SPIF) they are read against.
//!
//! This crate is pure: it never opens a file or a socket. It defines the data types every other
//! crate uses for labels and clearances, and their one canonical text form, which the store uses
//! to keep each distinct label once.

mod types;

pub use types::{
    Category, CategoryType, CategoryValue, Clearance, Label, LabelError, PolicyId,
    COALITION_POLICY_NAME, COALITION_POLICY_URI, COALITION_UNCLASSIFIED,
};
