//! Technology areas: a name and a query per area, the shipped set and a user's own file.

use crate::query::{ParseError, Query};
use serde::{Deserialize, Serialize};

/// The areas shipped with Pillar (AUKUS Pillar 2 workstreams, DoD critical technology areas).
pub const SHIPPED: &str = include_str!("../data/areas.json");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Area {
    pub id: String,
    pub name: String,
    /// The group the area belongs to, for display ("AUKUS Pillar 2").
    #[serde(default)]
    pub set: String,
    pub query: String,
    /// OpenAlex topic ids (`T10682`); a work with one of them matches whatever its text.
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(skip)]
    pub parsed: Option<Query>,
}

/// When an area's research is too concentrated in one nation (after ASPI's Critical Technology
/// Tracker: a lead of several times the runner-up's output and most of the leading institutions).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct MonopolyThresholds {
    pub high: Threshold,
    pub medium: Threshold,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Threshold {
    /// The lead nation's top-10 % output over the runner-up's, at least.
    pub ratio: f64,
    /// The lead nation's share of the area's ten leading institutions, at least.
    pub institutions: f64,
}

impl Default for MonopolyThresholds {
    fn default() -> Self {
        MonopolyThresholds {
            high: Threshold {
                ratio: 3.0,
                institutions: 0.8,
            },
            medium: Threshold {
                ratio: 2.0,
                institutions: 0.5,
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AreaSet {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub about: String,
    pub areas: Vec<Area>,
    #[serde(default)]
    pub monopoly: MonopolyThresholds,
}

/// What is wrong with an areas file, naming the area and field.
#[derive(Debug, thiserror::Error)]
pub enum AreasError {
    #[error("not an areas file: {0}")]
    Json(String),
    #[error("areas[{index}] ({id}): field `query`: {error}")]
    Query {
        index: usize,
        id: String,
        error: ParseError,
    },
    #[error("areas[{index}]: field `{field}`: {reason}")]
    Field {
        index: usize,
        field: &'static str,
        reason: String,
    },
    #[error("field `monopoly`: {0}")]
    Monopoly(String),
}

impl AreaSet {
    pub fn shipped() -> AreaSet {
        AreaSet::parse(SHIPPED).expect("the shipped areas parse")
    }

    /// Reads and checks an areas file: ids unique and made of `a-z`, `0-9`, `-`; names not empty;
    /// queries parse; topic ids are OpenAlex's (`T` and digits, or their URL).
    pub fn parse(text: &str) -> Result<AreaSet, AreasError> {
        let mut set: AreaSet =
            serde_json::from_str(text).map_err(|e| AreasError::Json(e.to_string()))?;
        if set.areas.is_empty() {
            return Err(AreasError::Json("`areas` is empty".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for (index, area) in set.areas.iter_mut().enumerate() {
            let field = |field, reason: String| AreasError::Field {
                index,
                field,
                reason,
            };
            if area.id.is_empty()
                || !area
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(field(
                    "id",
                    format!("`{}` must be made of a-z, 0-9 and -", area.id),
                ));
            }
            if !seen.insert(area.id.clone()) {
                return Err(field("id", format!("`{}` is used twice", area.id)));
            }
            if area.name.trim().is_empty() {
                return Err(field("name", "is empty".into()));
            }
            for t in area.topics.iter_mut() {
                let short = crate::work::short_id(t).to_string();
                if short.len() < 2
                    || !short.starts_with('T')
                    || !short[1..].chars().all(|c| c.is_ascii_digit())
                {
                    return Err(field(
                        "topics",
                        format!("`{t}` is not an OpenAlex topic id"),
                    ));
                }
                *t = short;
            }
            let parsed = Query::parse(&area.query).map_err(|error| AreasError::Query {
                index,
                id: area.id.clone(),
                error,
            })?;
            area.parsed = Some(parsed);
        }
        let m = &set.monopoly;
        for (name, t) in [("high", m.high), ("medium", m.medium)] {
            if !(t.ratio >= 1.0 && (0.0..=1.0).contains(&t.institutions)) {
                return Err(AreasError::Monopoly(format!(
                    "{name}: ratio must be at least 1 and institutions between 0 and 1"
                )));
            }
        }
        if m.medium.ratio > m.high.ratio || m.medium.institutions > m.high.institutions {
            return Err(AreasError::Monopoly(
                "medium must not be stricter than high".into(),
            ));
        }
        Ok(set)
    }

    pub fn get(&self, id: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.id == id)
    }

    /// Keeps only the named area (`--area ID`).
    pub fn only(mut self, id: &str) -> Option<AreaSet> {
        self.areas.retain(|a| a.id == id);
        (!self.areas.is_empty()).then_some(self)
    }
}

impl Area {
    pub fn query(&self) -> &Query {
        self.parsed.as_ref().expect("areas are parsed when read")
    }

    /// Whether a work matches, given its normalised text and its topic ids.
    pub fn matches(&self, normalised_text: &str, topics: &[&str]) -> bool {
        topics.iter().any(|t| self.topics.iter().any(|a| a == t))
            || self.query().matches(normalised_text)
    }

    /// The area as a SQL condition over the normalised text and the topic list columns.
    pub fn to_sql(&self, text_column: &str, topic_column: &str) -> String {
        let mut sql = self.query().to_sql(text_column);
        for t in &self.topics {
            sql = format!("{sql} OR {topic_column} LIKE '% {t} %'");
        }
        format!("({sql})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_areas_parse() {
        let set = AreaSet::shipped();
        assert_eq!(set.areas.len(), 20);
        assert_eq!(set.monopoly, MonopolyThresholds::default());
        let q = set.get("p2-quantum").unwrap();
        assert!(q.matches(
            &crate::query::normalise("Quantum sensing for navigation"),
            &[]
        ));
    }

    #[test]
    fn a_user_file_with_topics() {
        let set = AreaSet::parse(
            r#"{"areas": [{"id": "quantum", "name": "Quantum technologies", "query": "quantum AND (sensing OR \"error correction\") NOT biology", "topics": ["https://openalex.org/T10682"]}]}"#,
        )
        .unwrap();
        let a = &set.areas[0];
        assert_eq!(a.topics, vec!["T10682"]);
        assert!(a.matches(" nothing relevant ", &["T10682"]));
        assert!(a.to_sql("t", "k").ends_with(" OR k LIKE '% T10682 %')"));
    }

    #[test]
    fn errors_name_the_area_and_field() {
        let e = |s: &str| AreaSet::parse(s).unwrap_err().to_string();
        assert_eq!(
            e(r#"{"areas": [{"id": "q", "name": "Q", "query": "quantum AND"}]}"#),
            "areas[0] (q): field `query`: at character 11: the query ends where a word, a phrase or `(` is expected"
        );
        assert_eq!(
            e(
                r#"{"areas": [{"id": "q", "name": "Q", "query": "a"}, {"id": "q", "name": "R", "query": "b"}]}"#
            ),
            "areas[1]: field `id`: `q` is used twice"
        );
        assert_eq!(
            e(r#"{"areas": [{"id": "Q!", "name": "Q", "query": "a"}]}"#),
            "areas[0]: field `id`: `Q!` must be made of a-z, 0-9 and -"
        );
        assert!(
            e(r#"{"areas": [{"id": "q", "name": "Q", "query": "a", "topics": ["quantum"]}]}"#)
                .contains("is not an OpenAlex topic id")
        );
    }
}
