//! The questionnaire calculator, in the manner of the AFRL TRL calculator: a question set per
//! level (shipped as data files in `data/`: TRL hardware, TRL software, MRL), each question
//! answered with a percentage complete and its evidence. A level's score is the mean completion
//! of its questions (an unanswered question counts 0 %); the level is green at or above the
//! green threshold, yellow at or above the yellow one, red below. The achieved level is the
//! highest level whose questions, and all lower levels', are green (0 when level 1 is not).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::scales::Scale;

/// A shipped question set.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct QuestionSet {
    /// TRL or MRL.
    pub scale: Scale,
    /// `hardware`, `software`, `manufacturing`.
    pub variant: String,
    /// Human title.
    pub title: String,
    /// Where the questions come from.
    pub source: String,
    /// Questions per level, levels ascending from 1.
    pub levels: Vec<LevelQuestions>,
}

/// The questions of one level.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LevelQuestions {
    /// Level.
    pub level: u8,
    /// Questions.
    pub questions: Vec<Question>,
}

/// One question.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Question {
    /// Id, `level.n`.
    pub id: String,
    /// Text.
    pub text: String,
}

const SHIPPED: [&str; 3] = [
    include_str!("../data/trl-hardware.json"),
    include_str!("../data/trl-software.json"),
    include_str!("../data/mrl.json"),
];

/// Every shipped question set.
pub fn question_sets() -> &'static [QuestionSet] {
    static SETS: OnceLock<Vec<QuestionSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        SHIPPED
            .iter()
            .map(|s| serde_json::from_str(s).expect("shipped question sets parse"))
            .collect()
    })
}

/// The question set of a scale and variant.
pub fn question_set(scale: Scale, variant: &str) -> Option<&'static QuestionSet> {
    question_sets()
        .iter()
        .find(|s| s.scale == scale && s.variant == variant)
}

/// Green and yellow thresholds, as fractions 0–1.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// A level at or above this score is green.
    pub green: f64,
    /// At or above this (and below green) it is yellow.
    pub yellow: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            green: 0.8,
            yellow: 0.5,
        }
    }
}

/// One answer.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Question id.
    pub question: String,
    /// Percentage complete, 0–100.
    pub complete: f64,
    /// What shows it (report, test, review).
    #[serde(default)]
    pub evidence: String,
}

/// A filled-in questionnaire, as read from a file (`pillar readiness trl --answers FILE`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Answers {
    /// TRL (default) or MRL.
    #[serde(default = "trl")]
    pub scale: Scale,
    /// `hardware` (default), `software`, `manufacturing`.
    #[serde(default = "hardware")]
    pub variant: String,
    /// Thresholds (default green 0.8, yellow 0.5).
    #[serde(default)]
    pub thresholds: Thresholds,
    /// The answers.
    pub answers: Vec<Answer>,
}

fn trl() -> Scale {
    Scale::Trl
}

fn hardware() -> String {
    "hardware".into()
}

/// A level's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// At or above the green threshold.
    Green,
    /// At or above yellow.
    Yellow,
    /// Below yellow.
    Red,
}

/// A level's score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelScore {
    /// Level.
    pub level: u8,
    /// Mean completion, 0–1.
    pub score: f64,
    /// Colour.
    pub status: Status,
}

/// The outcome of a questionnaire.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calculated {
    /// TRL or MRL.
    pub scale: Scale,
    /// Question set variant.
    pub variant: String,
    /// The achieved level (0: level 1 is not green).
    pub level: u8,
    /// Every level's score.
    pub levels: Vec<LevelScore>,
}

/// What is wrong with a questionnaire and where (`answers[3].complete`, `thresholds`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerError {
    /// Where.
    pub at: String,
    /// What.
    pub reason: String,
}

impl std::fmt::Display for AnswerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.reason)
    }
}

impl std::error::Error for AnswerError {}

fn err(at: impl Into<String>, reason: impl Into<String>) -> AnswerError {
    AnswerError {
        at: at.into(),
        reason: reason.into(),
    }
}

/// Scores a questionnaire against its shipped question set.
pub fn calculate(answers: &Answers) -> Result<Calculated, AnswerError> {
    let set = question_set(answers.scale, &answers.variant).ok_or_else(|| {
        let known: Vec<String> = question_sets()
            .iter()
            .map(|s| format!("{} {}", s.scale.name(), s.variant))
            .collect();
        err(
            "variant",
            format!(
                "no {} question set `{}` (there are: {})",
                answers.scale.name(),
                answers.variant,
                known.join(", ")
            ),
        )
    })?;
    let t = answers.thresholds;
    if !(0.0..=1.0).contains(&t.green) || !(0.0..=1.0).contains(&t.yellow) || t.yellow > t.green {
        return Err(err(
            "thresholds",
            format!(
                "need 0 ≤ yellow ≤ green ≤ 1 (fractions), got green {} yellow {}",
                t.green, t.yellow
            ),
        ));
    }
    let known: HashMap<&str, ()> = set
        .levels
        .iter()
        .flat_map(|l| l.questions.iter().map(|q| (q.id.as_str(), ())))
        .collect();
    let mut given: HashMap<&str, f64> = HashMap::new();
    for (i, a) in answers.answers.iter().enumerate() {
        if !known.contains_key(a.question.as_str()) {
            return Err(err(
                format!("answers[{i}].question"),
                format!(
                    "no question `{}` in the {} {} set",
                    a.question,
                    set.scale.name(),
                    set.variant
                ),
            ));
        }
        if !(0.0..=100.0).contains(&a.complete) {
            return Err(err(
                format!("answers[{i}].complete"),
                format!("{} is not a percentage 0–100", a.complete),
            ));
        }
        if given.insert(a.question.as_str(), a.complete).is_some() {
            return Err(err(
                format!("answers[{i}].question"),
                format!("`{}` is answered twice", a.question),
            ));
        }
    }
    let levels: Vec<LevelScore> = set
        .levels
        .iter()
        .map(|l| {
            let total: f64 = l
                .questions
                .iter()
                .map(|q| given.get(q.id.as_str()).copied().unwrap_or(0.0) / 100.0)
                .sum();
            let score = total / l.questions.len().max(1) as f64;
            // Scores are means of percentages: compare with a tolerance, so that 80 % of
            // three questions (2.4 / 3 in binary floating point) is green at 0.8.
            const EPS: f64 = 1e-9;
            let status = if score + EPS >= t.green {
                Status::Green
            } else if score + EPS >= t.yellow {
                Status::Yellow
            } else {
                Status::Red
            };
            LevelScore {
                level: l.level,
                score,
                status,
            }
        })
        .collect();
    let level = levels
        .iter()
        .take_while(|l| l.status == Status::Green)
        .last()
        .map_or(0, |l| l.level);
    Ok(Calculated {
        scale: set.scale,
        variant: set.variant.clone(),
        level,
        levels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(json: &str) -> Answers {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn shipped_sets_cover_every_level_in_order() {
        for set in question_sets() {
            let levels: Vec<u8> = set.levels.iter().map(|l| l.level).collect();
            let expected: Vec<u8> = (1..=set.scale.max()).collect();
            assert_eq!(levels, expected, "{} {}", set.scale.name(), set.variant);
            for l in &set.levels {
                assert!(!l.questions.is_empty());
                for q in &l.questions {
                    assert!(q.id.starts_with(&format!("{}.", l.level)), "{}", q.id);
                }
            }
        }
        assert!(question_set(Scale::Trl, "hardware").is_some());
        assert!(question_set(Scale::Trl, "software").is_some());
        assert!(question_set(Scale::Mrl, "manufacturing").is_some());
    }

    /// Levels 1–3 fully done, level 4 at (100 + 100 + 40)/3 = 80 % (green at 0.8), level 5 at
    /// (100 + 50 + 0)/3 = 50 % (yellow), level 6 at 100/3 ≈ 33 % (red): TRL 4. With green at
    /// 0.9 level 4 turns yellow: TRL 3. A green level above a yellow one does not count.
    #[test]
    fn the_achieved_level_is_the_top_of_the_unbroken_green_run() {
        let mut list = Vec::new();
        for l in 1..=3 {
            for q in 1..=3 {
                list.push(format!(r#"{{"question": "{l}.{q}", "complete": 100}}"#));
            }
        }
        list.push(r#"{"question": "4.1", "complete": 100, "evidence": "lab report LR-12"}"#.into());
        list.push(r#"{"question": "4.2", "complete": 100}"#.into());
        list.push(r#"{"question": "4.3", "complete": 40}"#.into());
        list.push(r#"{"question": "5.1", "complete": 100}"#.into());
        list.push(r#"{"question": "5.2", "complete": 50}"#.into());
        for q in 1..=3 {
            list.push(format!(r#"{{"question": "7.{q}", "complete": 100}}"#));
        }
        let json = format!(r#"{{"answers": [{}]}}"#, list.join(","));
        let r = calculate(&answers(&json)).unwrap();
        assert_eq!(r.level, 4);
        assert!((r.levels[3].score - 0.8).abs() < 1e-12);
        assert_eq!(r.levels[3].status, Status::Green);
        assert!((r.levels[4].score - 0.5).abs() < 1e-12);
        assert_eq!(r.levels[4].status, Status::Yellow);
        assert_eq!(r.levels[5].status, Status::Red);
        assert_eq!(r.levels[6].status, Status::Green);
        let strict = json.replacen('{', r#"{"thresholds": {"green": 0.9, "yellow": 0.5}, "#, 1);
        assert_eq!(calculate(&answers(&strict)).unwrap().level, 3);
        let none = calculate(&answers(r#"{"answers": []}"#)).unwrap();
        assert_eq!(none.level, 0);
        assert_eq!(none.levels.len(), 9);
    }

    #[test]
    fn bad_answers_name_their_place() {
        let cases = [
            (
                r#"{"answers": [{"question": "1.9", "complete": 10}]}"#,
                "answers[0].question",
            ),
            (
                r#"{"answers": [{"question": "1.1", "complete": 110}]}"#,
                "answers[0].complete",
            ),
            (
                r#"{"answers": [{"question": "1.1", "complete": 10}, {"question": "1.1", "complete": 20}]}"#,
                "answers[1].question",
            ),
            (
                r#"{"thresholds": {"green": 0.4, "yellow": 0.6}, "answers": []}"#,
                "thresholds",
            ),
            (r#"{"variant": "wetware", "answers": []}"#, "variant"),
        ];
        for (json, at) in cases {
            assert_eq!(calculate(&answers(json)).unwrap_err().at, at, "{json}");
        }
    }
}
