//! The readiness scales and their definitions.
//!
//! - TRL: DoD Technology Readiness Assessment Guidebook (OUSD(R&E), 2023), table of TRL
//!   definitions (the nine levels unchanged since the 2011 TRA Deskbook).
//! - MRL: DoD Manufacturing Readiness Level Deskbook (OSD Manufacturing Technology Program,
//!   2022), the ten MRL definitions.
//! - IRL: Sauser, Gove, Forbes and Ramirez-Marquez, "Integration maturity metrics: Development of
//!   an integration readiness level", Information Knowledge Systems Management 9 (2010) 17–46.

use serde::{Deserialize, Serialize};

/// A readiness scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "UPPERCASE")]
pub enum Scale {
    /// Technology readiness level, 1–9.
    Trl,
    /// Manufacturing readiness level, 1–10.
    Mrl,
    /// Integration readiness level between two components, 1–9.
    Irl,
}

const TRL: [&str; 9] = [
    "Basic principles observed and reported",
    "Technology concept and/or application formulated",
    "Analytical and experimental critical function and/or characteristic proof of concept",
    "Component and/or breadboard validation in a laboratory environment",
    "Component and/or breadboard validation in a relevant environment",
    "System/subsystem model or prototype demonstration in a relevant environment",
    "System prototype demonstration in an operational environment",
    "Actual system completed and qualified through test and demonstration",
    "Actual system proven through successful mission operations",
];

const MRL: [&str; 10] = [
    "Basic manufacturing implications identified",
    "Manufacturing concepts identified",
    "Manufacturing proof of concept developed",
    "Capability to produce the technology in a laboratory environment",
    "Capability to produce prototype components in a production relevant environment",
    "Capability to produce a prototype system or subsystem in a production relevant environment",
    "Capability to produce systems, subsystems or components in a production representative environment",
    "Pilot line capability demonstrated; ready to begin low-rate initial production",
    "Low-rate production demonstrated; capability in place to begin full-rate production",
    "Full-rate production demonstrated and lean production practices in place",
];

const IRL: [&str; 9] = [
    "An interface between technologies has been identified in enough detail to characterise the relationship",
    "Some specificity characterises the interaction between the technologies through their interface",
    "The technologies are compatible (a common language) and can integrate and interact in order",
    "There is enough detail on the quality and assurance of the integration",
    "There is enough control between the technologies to establish, manage and end the integration",
    "The integrating technologies can accept, translate and structure information for the intended application",
    "The integration has been verified and validated in enough detail to be actionable",
    "Integration completed and mission-qualified through test and demonstration in the system environment",
    "Integration mission-proven through successful mission operations",
];

impl Scale {
    /// The highest level of the scale (the lowest is 1).
    pub fn max(self) -> u8 {
        match self {
            Scale::Trl | Scale::Irl => 9,
            Scale::Mrl => 10,
        }
    }

    /// Short name (`TRL`, `MRL`, `IRL`).
    pub fn name(self) -> &'static str {
        match self {
            Scale::Trl => "TRL",
            Scale::Mrl => "MRL",
            Scale::Irl => "IRL",
        }
    }

    /// Parses `TRL`, `MRL` or `IRL` (any case).
    pub fn parse(s: &str) -> Option<Scale> {
        match s.to_ascii_uppercase().as_str() {
            "TRL" => Some(Scale::Trl),
            "MRL" => Some(Scale::Mrl),
            "IRL" => Some(Scale::Irl),
            _ => None,
        }
    }

    /// The definition of a level, or `None` outside the scale.
    pub fn definition(self, level: u8) -> Option<&'static str> {
        let table: &[&str] = match self {
            Scale::Trl => &TRL,
            Scale::Mrl => &MRL,
            Scale::Irl => &IRL,
        };
        table.get(usize::from(level).checked_sub(1)?).copied()
    }

    /// Checks a level: `Err` says what is wrong.
    pub fn check(self, level: i64) -> Result<u8, String> {
        if (1..=i64::from(self.max())).contains(&level) {
            Ok(level as u8)
        } else {
            Err(format!(
                "{} {level} is outside {}–{}",
                self.name(),
                1,
                self.max()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_level_has_a_definition_and_no_other() {
        for scale in [Scale::Trl, Scale::Mrl, Scale::Irl] {
            for level in 1..=scale.max() {
                assert!(scale.definition(level).is_some());
            }
            assert!(scale.definition(0).is_none());
            assert!(scale.definition(scale.max() + 1).is_none());
        }
        assert!(Scale::Trl.check(10).unwrap_err().contains("TRL 10"));
        assert_eq!(Scale::Mrl.check(10), Ok(10));
        assert!(Scale::Irl.check(0).is_err());
    }
}
