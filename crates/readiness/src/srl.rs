//! System readiness level after Sauser, Ramirez-Marquez, Magnaye and Tan, "A Systems Approach to
//! Expanding the Technology Readiness Level within Defense Acquisition", International Journal
//! of Defense Acquisition Management 1 (2008) 39–58.
//!
//! TRL and IRL are normalised to 0–1 (level / 9). For component i, with m_i the number of
//! components it is integrated with *including itself* (a component's integration with itself
//! counts as IRL 9), SRL_i = Σ_j IRL_ij · TRL_j / m_i over those components; the composite SRL is
//! the mean of the SRL_i. Pairs not listed are not integrated. The bands are the paper's mapping
//! of the composite SRL onto the acquisition life-cycle phases.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::scales::Scale;

/// The input of an SRL computation: component TRLs and their integrations, either as a list of
/// pairs or as a full IRL matrix (rows in the order of `components`, 0 = not integrated).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SrlInput {
    /// Components with their TRL.
    pub components: Vec<ComponentTrl>,
    /// Integrations (symmetric: a–b is b–a).
    #[serde(default)]
    pub integrations: Vec<Integration>,
    /// Alternatively, the square, symmetric IRL matrix.
    #[serde(default)]
    pub irl_matrix: Option<Vec<Vec<i64>>>,
}

/// A component and its TRL.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentTrl {
    /// Component id.
    pub id: String,
    /// TRL 1–9.
    pub trl: i64,
}

/// An integration between two components.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    /// One component.
    pub a: String,
    /// The other.
    pub b: String,
    /// IRL 1–9.
    pub irl: i64,
}

/// A component's SRL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentSrl {
    /// Component id.
    pub id: String,
    /// SRL_i, 0–1.
    pub srl: f64,
}

/// The result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Srl {
    /// Per component, in input order.
    pub components: Vec<ComponentSrl>,
    /// Mean of the component SRLs.
    pub composite: f64,
    /// The life-cycle phase the composite falls in.
    pub band: &'static str,
}

/// What is wrong with an input, and where (`components[2].trl`, `integrations[0]`, `irl_matrix`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrlError {
    /// Where in the input.
    pub at: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for SrlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.reason)
    }
}

impl std::error::Error for SrlError {}

fn err(at: impl Into<String>, reason: impl Into<String>) -> SrlError {
    SrlError {
        at: at.into(),
        reason: reason.into(),
    }
}

/// The SRL band (life-cycle phase) of a composite SRL, after Sauser et al. (2008).
pub fn band(composite: f64) -> &'static str {
    match composite {
        x if x >= 0.90 => "Operations & Support",
        x if x >= 0.80 => "Production & Deployment",
        x if x >= 0.60 => "System Development & Demonstration",
        x if x >= 0.40 => "Technology Development",
        _ => "Concept Refinement",
    }
}

/// Computes component and composite SRL; every input error names its place.
pub fn srl(input: &SrlInput) -> Result<Srl, SrlError> {
    let n = input.components.len();
    if n == 0 {
        return Err(err("components", "at least one component is needed"));
    }
    let mut index = HashMap::new();
    let mut trl = Vec::with_capacity(n);
    for (i, c) in input.components.iter().enumerate() {
        if c.id.trim().is_empty() {
            return Err(err(format!("components[{i}].id"), "empty id"));
        }
        if index.insert(c.id.as_str(), i).is_some() {
            return Err(err(
                format!("components[{i}].id"),
                format!("`{}` appears twice", c.id),
            ));
        }
        let level = Scale::Trl
            .check(c.trl)
            .map_err(|e| err(format!("components[{i}].trl"), e))?;
        trl.push(f64::from(level) / 9.0);
    }
    // irl[i][j]: None = not integrated.
    let mut irl: Vec<Vec<Option<u8>>> = vec![vec![None; n]; n];
    for (i, row) in irl.iter_mut().enumerate() {
        row[i] = Some(9);
    }
    match &input.irl_matrix {
        Some(m) => {
            if !input.integrations.is_empty() {
                return Err(err(
                    "irl_matrix",
                    "give either integrations or irl_matrix, not both",
                ));
            }
            if m.len() != n {
                return Err(err(
                    "irl_matrix",
                    format!(
                        "the matrix has {} rows for {n} components: it must be square, one row and one column per component",
                        m.len()
                    ),
                ));
            }
            if let Some((i, row)) = m.iter().enumerate().find(|(_, row)| row.len() != n) {
                return Err(err(
                    format!("irl_matrix[{i}]"),
                    format!(
                        "row has {} columns for {n} components: the matrix must be square",
                        row.len()
                    ),
                ));
            }
            for (i, row) in m.iter().enumerate() {
                for (j, &v) in row.iter().enumerate() {
                    let at = format!("irl_matrix[{i}][{j}]");
                    if i == j {
                        if v != 9 && v != 0 {
                            return Err(err(
                                at,
                                format!("a component's integration with itself is IRL 9, not {v}"),
                            ));
                        }
                        continue;
                    }
                    if v != m[j][i] {
                        return Err(err(
                            at,
                            format!(
                                "IRL {v} but irl_matrix[{j}][{i}] is {}: the matrix must be symmetric",
                                m[j][i]
                            ),
                        ));
                    }
                    if v != 0 {
                        irl[i][j] = Some(Scale::Irl.check(v).map_err(|e| err(at, e))?);
                    }
                }
            }
        }
        None => {
            for (k, g) in input.integrations.iter().enumerate() {
                let at = format!("integrations[{k}]");
                let a = *index
                    .get(g.a.as_str())
                    .ok_or_else(|| err(format!("{at}.a"), format!("no component `{}`", g.a)))?;
                let b = *index
                    .get(g.b.as_str())
                    .ok_or_else(|| err(format!("{at}.b"), format!("no component `{}`", g.b)))?;
                let level = Scale::Irl
                    .check(g.irl)
                    .map_err(|e| err(format!("{at}.irl"), e))?;
                if a == b {
                    if level != 9 {
                        return Err(err(
                            format!("{at}.irl"),
                            format!("a component's integration with itself is IRL 9, not {level}"),
                        ));
                    }
                    continue;
                }
                if let Some(before) = irl[a][b] {
                    if before != level {
                        return Err(err(
                            format!("{at}.irl"),
                            format!(
                                "{}–{} is listed with IRL {before} and IRL {level}: integrations are symmetric",
                                g.a, g.b
                            ),
                        ));
                    }
                }
                irl[a][b] = Some(level);
                irl[b][a] = Some(level);
            }
        }
    }
    let components: Vec<ComponentSrl> = input
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (sum, m) = irl[i]
                .iter()
                .enumerate()
                .filter_map(|(j, v)| v.map(|v| f64::from(v) / 9.0 * trl[j]))
                .fold((0.0, 0usize), |(s, m), x| (s + x, m + 1));
            ComponentSrl {
                id: c.id.clone(),
                srl: sum / m as f64,
            }
        })
        .collect();
    let composite = components.iter().map(|c| c.srl).sum::<f64>() / n as f64;
    Ok(Srl {
        components,
        composite,
        band: band(composite),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> SrlInput {
        serde_json::from_str(json).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// A chain A–B–C worked by hand in ninths: TRL 6, 8, 4; IRL A–B 7, B–C 5.
    /// SRL_A = (9·6 + 7·8)/81/2 = 110/162; SRL_B = (7·6 + 9·8 + 5·4)/81/3 = 134/243;
    /// SRL_C = (5·8 + 9·4)/81/2 = 76/162; composite = their mean = 0.566529…
    #[test]
    fn a_chain_worked_by_hand() {
        let r = srl(&input(
            r#"{"components": [{"id": "A", "trl": 6}, {"id": "B", "trl": 8}, {"id": "C", "trl": 4}],
                "integrations": [{"a": "A", "b": "B", "irl": 7}, {"a": "C", "b": "B", "irl": 5}]}"#,
        ))
        .unwrap();
        assert!(close(r.components[0].srl, 110.0 / 162.0));
        assert!(close(r.components[1].srl, 134.0 / 243.0));
        assert!(close(r.components[2].srl, 76.0 / 162.0));
        let mean = (110.0 / 162.0 + 134.0 / 243.0 + 76.0 / 162.0) / 3.0;
        assert!(close(r.composite, mean));
        assert!((r.composite - 0.566529).abs() < 1e-6);
        assert_eq!(r.band, "Technology Development");
    }

    #[test]
    fn the_matrix_form_gives_the_same_answer() {
        let list = srl(&input(
            r#"{"components": [{"id": "A", "trl": 6}, {"id": "B", "trl": 8}, {"id": "C", "trl": 4}],
                "integrations": [{"a": "A", "b": "B", "irl": 7}, {"a": "B", "b": "C", "irl": 5}]}"#,
        ))
        .unwrap();
        let matrix = srl(&input(
            r#"{"components": [{"id": "A", "trl": 6}, {"id": "B", "trl": 8}, {"id": "C", "trl": 4}],
                "irl_matrix": [[9, 7, 0], [7, 9, 5], [0, 5, 9]]}"#,
        ))
        .unwrap();
        assert_eq!(list, matrix);
    }

    #[test]
    fn a_lone_component_is_its_own_trl_and_a_mature_system_is_one() {
        let r = srl(&input(r#"{"components": [{"id": "A", "trl": 9}]}"#)).unwrap();
        assert!(close(r.composite, 1.0));
        assert_eq!(r.band, "Operations & Support");
        let r = srl(&input(
            r#"{"components": [{"id": "A", "trl": 9}, {"id": "B", "trl": 9}],
                "integrations": [{"a": "A", "b": "B", "irl": 9}, {"a": "A", "b": "A", "irl": 9}]}"#,
        ))
        .unwrap();
        assert!(close(r.composite, 1.0));
        // An unintegrated component counts only itself.
        let r = srl(&input(
            r#"{"components": [{"id": "A", "trl": 3}, {"id": "B", "trl": 9}]}"#,
        ))
        .unwrap();
        assert!(close(r.components[0].srl, 3.0 / 9.0));
        assert_eq!(band(0.05), "Concept Refinement");
    }

    #[test]
    fn bad_inputs_name_their_place() {
        let cases = [
            (
                r#"{"components": [{"id": "A", "trl": 10}]}"#,
                "components[0].trl",
            ),
            (
                r#"{"components": [{"id": "A", "trl": 0}]}"#,
                "components[0].trl",
            ),
            (r#"{"components": []}"#, "components"),
            (
                r#"{"components": [{"id": "A", "trl": 3}, {"id": "A", "trl": 4}]}"#,
                "components[1].id",
            ),
            (
                r#"{"components": [{"id": "A", "trl": 3}], "integrations": [{"a": "A", "b": "Z", "irl": 4}]}"#,
                "integrations[0].b",
            ),
            (
                r#"{"components": [{"id": "A", "trl": 3}, {"id": "B", "trl": 3}], "integrations": [{"a": "A", "b": "B", "irl": 12}]}"#,
                "integrations[0].irl",
            ),
            (
                r#"{"components": [{"id": "A", "trl": 3}, {"id": "B", "trl": 3}], "integrations": [{"a": "A", "b": "B", "irl": 4}, {"a": "B", "b": "A", "irl": 5}]}"#,
                "integrations[1].irl",
            ),
            (
                r#"{"components": [{"id": "A", "trl": 3}], "integrations": [{"a": "A", "b": "A", "irl": 5}]}"#,
                "integrations[0].irl",
            ),
            (
                r#"{"components": [{"id": "A", "trl": 3}, {"id": "B", "trl": 3}], "irl_matrix": [[9, 4]]}"#,
                "irl_matrix",
            ),
            (
                r#"{"components": [{"id": "A", "trl": 3}, {"id": "B", "trl": 3}], "irl_matrix": [[9, 4], [9]]}"#,
                "irl_matrix[1]",
            ),
            (
                r#"{"components": [{"id": "A", "trl": 3}, {"id": "B", "trl": 3}], "irl_matrix": [[9, 4], [5, 9]]}"#,
                "irl_matrix[0][1]",
            ),
        ];
        for (json, at) in cases {
            let e = srl(&input(json)).unwrap_err();
            assert_eq!(e.at, at, "{json}: {e}");
        }
        let e = srl(&input(
            r#"{"components": [{"id": "A", "trl": 3}, {"id": "B", "trl": 3}], "irl_matrix": [[9, 4], [5, 9]]}"#,
        ))
        .unwrap_err();
        assert!(e.reason.contains("symmetric"), "{e}");
    }
}
