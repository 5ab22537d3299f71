//! Acquisition vocabulary and the rules that flag a project: critical technology below TRL 6 at
//! or after Milestone B, and a project stalled in the "valley of death" (TRL 4–6 for longer
//! than a configurable period).
//!
//! Sources: DoD Instruction 5000.02, *Operation of the Adaptive Acquisition Framework* (2022) for
//! the pathways; DoD Instruction 5000.85, *Major Capability Acquisition* (2021) for the
//! milestones; 10 U.S.C. § 4252 (certification at Milestone B that the technology has been
//! demonstrated in a relevant environment — TRL 6 in the TRA Guidebook); DoD Financial
//! Management Regulation 7000.14-R, vol. 2B, ch. 5 for the RDT&E budget activities.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Major capability acquisition milestones, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Milestone {
    /// Materiel development decision.
    #[serde(rename = "MDD")]
    Mdd,
    /// Milestone A: technology maturation and risk reduction.
    A,
    /// Milestone B: engineering and manufacturing development.
    B,
    /// Milestone C: production and deployment.
    C,
}

impl Milestone {
    /// Every milestone, in order.
    pub const ALL: [Milestone; 4] = [Milestone::Mdd, Milestone::A, Milestone::B, Milestone::C];

    /// `MDD`, `A`, `B`, `C`.
    pub fn code(self) -> &'static str {
        match self {
            Milestone::Mdd => "MDD",
            Milestone::A => "A",
            Milestone::B => "B",
            Milestone::C => "C",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Option<Milestone> {
        Milestone::ALL
            .into_iter()
            .find(|m| m.code().eq_ignore_ascii_case(s.trim()))
    }
}

/// Adaptive Acquisition Framework pathways.
pub const PATHWAYS: [(&str, &str); 6] = [
    ("urgent", "Urgent capability acquisition"),
    ("middle-tier", "Middle tier of acquisition"),
    ("major-capability", "Major capability acquisition"),
    ("software", "Software acquisition"),
    ("business-systems", "Defense business systems"),
    ("services", "Acquisition of services"),
];

/// RDT&E budget activities.
pub const BUDGET_ACTIVITIES: [(&str, &str); 8] = [
    ("6.1", "Basic research"),
    ("6.2", "Applied research"),
    ("6.3", "Advanced technology development"),
    ("6.4", "Advanced component development and prototypes"),
    ("6.5", "System development and demonstration"),
    ("6.6", "RDT&E management support"),
    ("6.7", "Operational system development"),
    ("6.8", "Software and digital technology pilot programs"),
];

/// The TRL a critical technology needs at Milestone B.
pub const MILESTONE_B_TRL: u8 = 6;

/// The critical technologies (name, current TRL) below TRL 6 when the project is at or past
/// Milestone B; empty before Milestone B.
pub fn milestone_b_flags(
    milestone: Option<Milestone>,
    critical: &[(String, u8)],
) -> Vec<&(String, u8)> {
    if milestone < Some(Milestone::B) {
        return Vec::new();
    }
    critical
        .iter()
        .filter(|(_, trl)| *trl < MILESTONE_B_TRL)
        .collect()
}

/// The "valley of death" band.
pub const STALL_BAND: std::ops::RangeInclusive<u8> = 4..=6;

/// When a project whose TRL history is `history` (assessment date, level; any order) has been
/// in TRL 4–6 without leaving since, if that is longer than `period_days` before `today`.
/// `None` when the latest level is outside the band or the stay is not long enough yet.
pub fn stalled_since(
    history: &[(NaiveDate, u8)],
    today: NaiveDate,
    period_days: i64,
) -> Option<NaiveDate> {
    let mut sorted: Vec<&(NaiveDate, u8)> = history.iter().filter(|(d, _)| *d <= today).collect();
    sorted.sort();
    let entered = sorted
        .iter()
        .rev()
        .take_while(|(_, level)| STALL_BAND.contains(level))
        .last()
        .map(|(d, _)| *d)?;
    ((today - entered).num_days() > period_days).then_some(entered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn milestone_b_flags_immature_critical_technology_only_from_b_on() {
        let techs = vec![("seeker".to_string(), 5), ("airframe".to_string(), 7)];
        assert!(milestone_b_flags(Some(Milestone::A), &techs).is_empty());
        assert!(milestone_b_flags(None, &techs).is_empty());
        let flagged = milestone_b_flags(Some(Milestone::B), &techs);
        assert_eq!(flagged.len(), 1);
        assert_eq!(flagged[0].0, "seeker");
        assert_eq!(milestone_b_flags(Some(Milestone::C), &techs).len(), 1);
        assert_eq!(Milestone::parse("mdd"), Some(Milestone::Mdd));
        assert_eq!(Milestone::parse("D"), None);
    }

    #[test]
    fn stalled_counts_the_unbroken_stay_in_the_band() {
        let history = [
            (d("2021-03-01"), 3),
            (d("2022-01-10"), 4),
            (d("2023-06-01"), 5),
            (d("2024-09-01"), 5),
        ];
        // In the band since 2022-01-10.
        assert_eq!(
            stalled_since(&history, d("2026-11-28"), 730),
            Some(d("2022-01-10"))
        );
        // Not yet two years.
        assert_eq!(stalled_since(&history, d("2023-12-01"), 730), None);
        // Left the band: not stalled.
        let mut out = history.to_vec();
        out.push((d("2025-02-01"), 7));
        assert_eq!(stalled_since(&out, d("2026-11-28"), 730), None);
        // Dropping back into the band restarts the clock.
        out.push((d("2026-01-01"), 6));
        assert_eq!(stalled_since(&out, d("2026-11-28"), 730), None);
        assert_eq!(
            stalled_since(&out, d("2028-06-01"), 730),
            Some(d("2026-01-01"))
        );
        assert_eq!(stalled_since(&[], d("2026-11-28"), 730), None);
    }
}
