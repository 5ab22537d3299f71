//! One research output as Pillar keeps it, and its reading from an OpenAlex Works record.
//!
//! OpenAlex (<https://docs.openalex.org/api-entities/works/work-object>) gives identifiers as
//! URLs, countries as ISO 3166-1 alpha-2 codes and the abstract as an inverted index. Pillar keeps
//! short identifiers (`W…`, `I…`, `T…`), the alpha-3 codes used everywhere else in Pillar
//! (`KOR`, `USA`) and the abstract as text.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A research output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Work {
    pub id: String,
    pub title: String,
    pub year: i32,
    pub cited_by_count: i64,
    #[serde(rename = "type")]
    pub work_type: String,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    pub primary_topic: Option<String>,
    pub topics: Vec<Topic>,
    pub authorships: Vec<Authorship>,
    /// OpenAlex cut the author list (`is_authors_truncated`: it keeps the first 100): the
    /// fractional counts split the work among the authorships it kept, which over-weights the
    /// nations of the first authors.
    #[serde(default)]
    pub authors_truncated: bool,
}

/// Something a valid record lacks that an indicator needs: the record is kept, and ingest
/// counts it by reason (so that a bias is visible, never a silent drop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gap {
    /// No authorships at all (grants, some datasets): no nation, no institution.
    NoAuthorships,
    /// Authorships but no country on any: counted in no nation's output.
    NoCountry,
    /// No institution with an id: in no institution's ranking.
    NoInstitution,
    /// A truncated author list (see [`Work::authors_truncated`]).
    TruncatedAuthors,
    /// No abstract: area queries match the title (and topics) only.
    NoAbstract,
    /// No title: area queries match the abstract (and topics) only.
    NoTitle,
}

impl Gap {
    /// The reason as reports print it after a count ("412 works without any country").
    pub fn reason(self) -> &'static str {
        match self {
            Gap::NoAuthorships => "without authorships",
            Gap::NoCountry => "without any country",
            Gap::NoInstitution => "without any institution",
            Gap::TruncatedAuthors => "with a truncated author list",
            Gap::NoAbstract => "without an abstract",
            Gap::NoTitle => "without a title",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    pub id: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authorship {
    pub institutions: Vec<Institution>,
    /// Alpha-3 codes of the countries of this authorship.
    pub countries: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Institution {
    pub id: String,
    pub name: String,
    /// Alpha-3 code, empty when OpenAlex gives none.
    pub country: String,
}

impl Work {
    /// Each nation's fractional weight in this work: the work weighs 1, split equally among its
    /// authorships, and each authorship's part split equally among its countries. An authorship
    /// without a country keeps its part unassigned. Sorted by nation.
    pub fn nation_shares(&self) -> Vec<(String, f64)> {
        let mut shares: BTreeMap<&str, f64> = BTreeMap::new();
        let n = self.authorships.len() as f64;
        for a in &self.authorships {
            let k = a.countries.len() as f64;
            for c in &a.countries {
                *shares.entry(c.as_str()).or_default() += 1.0 / n / k;
            }
        }
        shares
            .into_iter()
            .map(|(c, w)| (c.to_string(), w))
            .collect()
    }

    /// What this work lacks that an indicator needs.
    pub fn gaps(&self) -> Vec<Gap> {
        let mut out = Vec::new();
        if self.authorships.is_empty() {
            out.push(Gap::NoAuthorships);
        }
        if self.authorships.iter().all(|a| a.countries.is_empty()) {
            out.push(Gap::NoCountry);
        }
        if self.authorships.iter().all(|a| a.institutions.is_empty()) {
            out.push(Gap::NoInstitution);
        }
        if self.authors_truncated {
            out.push(Gap::TruncatedAuthors);
        }
        if self.abstract_text.trim().is_empty() {
            out.push(Gap::NoAbstract);
        }
        if self.title.trim().is_empty() {
            out.push(Gap::NoTitle);
        }
        out
    }

    /// Distinct institutions of the work, in first-seen order.
    pub fn distinct_institutions(&self) -> Vec<&Institution> {
        let mut seen = std::collections::HashSet::new();
        self.authorships
            .iter()
            .flat_map(|a| &a.institutions)
            .filter(|i| seen.insert(i.id.as_str()))
            .collect()
    }
}

/// Why a line is not a usable Works record.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RecordError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("field `{0}` is missing")]
    Missing(&'static str),
    #[error("field `{field}`: {reason}")]
    Field { field: String, reason: String },
}

#[derive(Deserialize)]
struct RawWork {
    id: Option<String>,
    display_name: Option<String>,
    title: Option<String>,
    publication_year: Option<serde_json::Value>,
    cited_by_count: Option<serde_json::Value>,
    #[serde(rename = "type")]
    work_type: Option<String>,
    #[serde(default)]
    authorships: Option<Vec<RawAuthorship>>,
    primary_topic: Option<RawTopic>,
    #[serde(default)]
    topics: Option<Vec<RawTopic>>,
    /// The API's word → positions map, the snapshot's `{"IndexLength", "InvertedIndex"}`
    /// object, or either serialised into a string (all three occur in real files).
    abstract_inverted_index: Option<AbstractIndex>,
    is_authors_truncated: Option<bool>,
}

#[derive(Deserialize)]
struct RawAuthorship {
    #[serde(default)]
    institutions: Option<Vec<RawInstitution>>,
    #[serde(default)]
    countries: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawInstitution {
    id: Option<String>,
    display_name: Option<String>,
    country_code: Option<String>,
}

#[derive(Deserialize)]
struct RawTopic {
    id: Option<String>,
    score: Option<f64>,
}

/// The short form of an OpenAlex identifier: `https://openalex.org/W123` → `W123`.
pub fn short_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// ISO 3166-1 alpha-2 → alpha-3 (`KR` → `KOR`). Alpha-3 codes pass through.
pub fn alpha3(code: &str) -> Option<String> {
    alpha3_static(code).map(str::to_string)
}

/// [`alpha3`] without an allocation: every country code of a record passes here.
fn alpha3_static(code: &str) -> Option<&'static str> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static CODES: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    let codes = CODES.get_or_init(|| {
        isocountry::CountryCode::iter()
            .flat_map(|c| [(c.alpha2(), c.alpha3()), (c.alpha3(), c.alpha3())])
            .collect()
    });
    let code = code.trim();
    if code.bytes().all(|b| b.is_ascii_uppercase()) {
        return codes.get(code).copied();
    }
    codes.get(code.to_ascii_uppercase().as_str()).copied()
}

/// The country's English name for an alpha-3 code, the code itself when unknown.
pub fn country_name(alpha3: &str) -> String {
    isocountry::CountryCode::for_alpha3(alpha3)
        .map(|c| c.name().to_string())
        .unwrap_or_else(|_| alpha3.to_string())
}

/// A country code of the record: mapped to alpha-3 when ISO 3166-1 knows it; a code of two or
/// three letters that it does not know (OpenAlex uses `XK` for Kosovo) is kept as written.
fn country(field: impl FnOnce() -> String, code: &str) -> Result<String, RecordError> {
    if let Some(c) = alpha3_static(code) {
        return Ok(c.to_string());
    }
    let c = code.trim();
    if (2..=3).contains(&c.len()) && c.chars().all(|ch| ch.is_ascii_alphabetic()) {
        return Ok(c.to_ascii_uppercase());
    }
    Err(RecordError::Field {
        field: field(),
        reason: format!("`{code}` is not a country code"),
    })
}

/// An `abstract_inverted_index` as read from a record, in any of the forms real files hold: the
/// word → positions map, the snapshot's `{"IndexLength": n, "InvertedIndex": {…}}`, or either of
/// them serialised into a JSON string. Null or empty is no abstract. Read straight from the
/// record's text (no intermediate JSON tree: the index is most of a record); what is not an
/// index is kept as the reason, so that the record's error names the field.
#[derive(Debug, Default)]
pub struct AbstractIndex {
    /// Each word once, and each position with the word placed there (an index into `words`).
    words: Vec<String>,
    placed: Vec<(u64, u32)>,
    /// The index serialised into a string, to be read again.
    text: Option<String>,
    /// The first thing found that is not part of an index: (field, reason).
    bad: Option<(String, String)>,
    /// The snapshot's wrapper was seen (`InvertedIndex`): its index is the one that counts.
    wrapped: Option<Box<AbstractIndex>>,
}

const ABSTRACT: &str = "abstract_inverted_index";

impl AbstractIndex {
    /// The abstract as text, its words placed at their positions.
    pub fn text(self) -> Result<String, RecordError> {
        self.text_in(true)
    }

    fn text_in(self, may_be_text: bool) -> Result<String, RecordError> {
        if let Some(inner) = self.wrapped {
            return inner.text_in(false);
        }
        if let Some((field, reason)) = self.bad {
            return Err(RecordError::Field { field, reason });
        }
        if let Some(s) = self.text {
            if s.trim().is_empty() {
                return Ok(String::new());
            }
            if !may_be_text {
                return Err(RecordError::Field {
                    field: ABSTRACT.into(),
                    reason: "a string is not an inverted index".into(),
                });
            }
            let inner: AbstractIndex =
                serde_json::from_str(&s).map_err(|e| RecordError::Field {
                    field: ABSTRACT.into(),
                    reason: format!("a string that is not an inverted index: {e}"),
                })?;
            return inner.text_in(false);
        }
        let mut placed = self.placed;
        placed.sort_unstable();
        let mut out = String::with_capacity(placed.len() * 8);
        for (i, (_, w)) in placed.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&self.words[*w as usize]);
        }
        Ok(out)
    }

    fn not_an_index(what: &str) -> AbstractIndex {
        AbstractIndex {
            bad: Some((ABSTRACT.into(), format!("{what} is not an inverted index"))),
            ..AbstractIndex::default()
        }
    }
}

impl<'de> Deserialize<'de> for AbstractIndex {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IndexVisitor)
    }
}

struct IndexVisitor;

impl<'de> serde::de::Visitor<'de> for IndexVisitor {
    type Value = AbstractIndex;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an inverted index")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<AbstractIndex, E> {
        Ok(AbstractIndex::default())
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<AbstractIndex, E> {
        Ok(AbstractIndex::default())
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<AbstractIndex, E> {
        self.visit_string(s.to_string())
    }
    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<AbstractIndex, E> {
        Ok(AbstractIndex {
            text: Some(s),
            ..AbstractIndex::default()
        })
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<AbstractIndex, E> {
        Ok(AbstractIndex::not_an_index("a boolean"))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<AbstractIndex, E> {
        Ok(AbstractIndex::not_an_index("a number"))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<AbstractIndex, E> {
        Ok(AbstractIndex::not_an_index("a number"))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<AbstractIndex, E> {
        Ok(AbstractIndex::not_an_index("a number"))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<AbstractIndex, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(AbstractIndex::not_an_index("a list"))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<AbstractIndex, A::Error> {
        let mut index = AbstractIndex::default();
        let mut length = None;
        while let Some(word) = map.next_key::<String>()? {
            if word == "InvertedIndex" {
                index.wrapped = Some(Box::new(map.next_value()?));
                continue;
            }
            let slot = index.words.len() as u32;
            match map.next_value::<Positions>()? {
                Positions::At(at) => {
                    index.placed.extend(at.into_iter().map(|p| (p, slot)));
                    index.words.push(word);
                }
                // The snapshot's `IndexLength` beside `InvertedIndex` is not a word.
                Positions::Number(n) if word == "IndexLength" => length = Some(n),
                Positions::Number(n) => {
                    index.bad.get_or_insert_with(|| {
                        (
                            format!("{ABSTRACT}.{word}"),
                            format!("{n} is not a list of positions"),
                        )
                    });
                }
                Positions::Not(what) => {
                    index.bad.get_or_insert_with(|| {
                        (
                            format!("{ABSTRACT}.{word}"),
                            format!("{what} is not a list of positions"),
                        )
                    });
                }
                Positions::BadPosition(p) => {
                    index.bad.get_or_insert_with(|| {
                        (
                            format!("{ABSTRACT}.{word}"),
                            format!("position {p} is not a non-negative integer"),
                        )
                    });
                }
            }
        }
        // Without `InvertedIndex`, a number under `IndexLength` is a word without positions.
        if let (None, Some(n)) = (&index.wrapped, length) {
            index.bad.get_or_insert_with(|| {
                (
                    format!("{ABSTRACT}.IndexLength"),
                    format!("{n} is not a list of positions"),
                )
            });
        }
        Ok(index)
    }
}

/// The value of one word of an inverted index.
enum Positions {
    At(Vec<u64>),
    /// A number where a list was expected (also the snapshot's `IndexLength`).
    Number(serde_json::Number),
    /// Something else where a list was expected: what it is.
    Not(&'static str),
    /// A list holding something that is not a position.
    BadPosition(serde_json::Value),
}

impl<'de> Deserialize<'de> for Positions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Positions;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of positions")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Positions, A::Error> {
                let mut at = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                let mut bad = None;
                while let Some(v) = seq.next_element::<serde_json::Value>()? {
                    match v.as_u64() {
                        Some(p) => at.push(p),
                        None => {
                            bad.get_or_insert(v);
                        }
                    }
                }
                Ok(bad.map_or(Positions::At(at), Positions::BadPosition))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Positions, E> {
                Ok(Positions::Number(n.into()))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Positions, E> {
                Ok(Positions::Number(n.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Positions, E> {
                Ok(serde_json::Number::from_f64(n)
                    .map_or(Positions::Not("a number"), Positions::Number))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Positions, E> {
                Ok(Positions::Not("a boolean"))
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Positions, E> {
                Ok(Positions::Not("a string"))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Positions, E> {
                Ok(Positions::Not("null"))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Positions, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Positions::Not("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

fn integer(field: &'static str, v: Option<serde_json::Value>) -> Result<Option<i64>, RecordError> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| RecordError::Field {
            field: field.to_string(),
            reason: format!("{v} is not an integer"),
        }),
    }
}

/// Reads one OpenAlex Works record (one line of a snapshot file).
pub fn parse_openalex(line: &str) -> Result<Work, RecordError> {
    let raw: RawWork = serde_json::from_str(line).map_err(|e| RecordError::Json(e.to_string()))?;
    let id = short_id(raw.id.as_deref().ok_or(RecordError::Missing("id"))?).to_string();
    if id.is_empty() {
        return Err(RecordError::Missing("id"));
    }
    let year = integer("publication_year", raw.publication_year)?
        .ok_or(RecordError::Missing("publication_year"))?;
    if !(1000..=2999).contains(&year) {
        return Err(RecordError::Field {
            field: "publication_year".into(),
            reason: format!("{year} is not a plausible year"),
        });
    }
    let cited = integer("cited_by_count", raw.cited_by_count)?.unwrap_or(0);
    if cited < 0 {
        return Err(RecordError::Field {
            field: "cited_by_count".into(),
            reason: format!("{cited} is negative"),
        });
    }
    let mut authorships = Vec::new();
    for (i, a) in raw.authorships.unwrap_or_default().into_iter().enumerate() {
        let mut institutions = Vec::new();
        for (j, inst) in a.institutions.unwrap_or_default().into_iter().enumerate() {
            let Some(iid) = inst.id.filter(|s| !s.is_empty()) else {
                continue; // OpenAlex lists unresolved affiliations without an id
            };
            let country = match inst.country_code.as_deref() {
                Some(c) if !c.is_empty() => self::country(
                    || format!("authorships[{i}].institutions[{j}].country_code"),
                    c,
                )?,
                _ => String::new(),
            };
            institutions.push(Institution {
                id: short_id(&iid).to_string(),
                name: inst.display_name.unwrap_or_default(),
                country,
            });
        }
        let mut countries = Vec::new();
        match a.countries {
            Some(listed) => {
                for (j, c) in listed.iter().enumerate() {
                    let c = country(|| format!("authorships[{i}].countries[{j}]"), c)?;
                    if !countries.contains(&c) {
                        countries.push(c);
                    }
                }
            }
            // Older records have no `countries`: the institutions' countries are the
            // authorship's.
            None => {
                for inst in &institutions {
                    if !inst.country.is_empty() && !countries.contains(&inst.country) {
                        countries.push(inst.country.clone());
                    }
                }
            }
        }
        authorships.push(Authorship {
            institutions,
            countries,
        });
    }
    let topic = |t: RawTopic| {
        t.id.map(|id| Topic {
            id: short_id(&id).to_string(),
            score: t.score.unwrap_or(0.0),
        })
    };
    Ok(Work {
        id,
        title: raw.title.or(raw.display_name).unwrap_or_default(),
        year: year as i32,
        cited_by_count: cited,
        work_type: raw.work_type.unwrap_or_default(),
        abstract_text: match raw.abstract_inverted_index {
            Some(index) => index.text()?,
            None => String::new(),
        },
        primary_topic: raw.primary_topic.and_then(topic).map(|t| t.id),
        topics: raw
            .topics
            .unwrap_or_default()
            .into_iter()
            .filter_map(topic)
            .collect(),
        authorships,
        authors_truncated: raw.is_authors_truncated.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"id":"https://openalex.org/W1","display_name":"Quantum sensing","title":"Quantum sensing","publication_year":2021,"cited_by_count":7,"type":"article",
      "authorships":[{"institutions":[{"id":"https://openalex.org/I1","display_name":"KAIST","country_code":"KR"}],"countries":["KR"]},
                     {"institutions":[{"id":"https://openalex.org/I2","display_name":"MIT","country_code":"US"},{"id":"https://openalex.org/I1","display_name":"KAIST","country_code":"KR"}],"countries":["US","KR"]},
                     {"institutions":[],"countries":[]}],
      "primary_topic":{"id":"https://openalex.org/T10682","score":0.99},
      "topics":[{"id":"https://openalex.org/T10682","score":0.99},{"id":"https://openalex.org/T1","score":0.5}],
      "abstract_inverted_index":{"We":[0],"sense":[1,3],"and":[2]}}"#;

    #[test]
    fn reads_the_openalex_shape() {
        let w = parse_openalex(&RECORD.replace('\n', "")).unwrap();
        assert_eq!(w.id, "W1");
        assert_eq!(w.abstract_text, "We sense and sense");
        assert_eq!(w.primary_topic.as_deref(), Some("T10682"));
        assert_eq!(w.authorships[1].countries, vec!["USA", "KOR"]);
        assert_eq!(w.distinct_institutions().len(), 2);
        // 1/3 per authorship; the second is split between two countries; the third has none.
        let shares = w.nation_shares();
        assert_eq!(shares[0].0, "KOR");
        assert!((shares[0].1 - (1.0 / 3.0 + 1.0 / 6.0)).abs() < 1e-12);
        assert!((shares[1].1 - 1.0 / 6.0).abs() < 1e-12);
    }

    /// A record with `extra` fields merged in.
    fn with(extra: &str) -> String {
        format!(r#"{{"id":"W9","publication_year":2022,{extra}}}"#)
    }

    #[test]
    fn reads_every_abstract_form_real_files_hold() {
        let api = r#""abstract_inverted_index":{"Hello":[0],"world":[1]}"#;
        let snapshot = r#""abstract_inverted_index":{"IndexLength":2,"InvertedIndex":{"Hello":[0],"world":[1]}}"#;
        let as_text = r#""abstract_inverted_index":"{\"IndexLength\":2,\"InvertedIndex\":{\"Hello\":[0],\"world\":[1]}}""#;
        for form in [api, snapshot, as_text] {
            assert_eq!(
                parse_openalex(&with(form)).unwrap().abstract_text,
                "Hello world",
                "{form}"
            );
        }
        let none = parse_openalex(&with(r#""abstract_inverted_index":null"#)).unwrap();
        assert_eq!(none.abstract_text, "");
        assert!(none.gaps().contains(&Gap::NoAbstract));
        let e = parse_openalex(&with(r#""abstract_inverted_index":{"Hello":3}"#)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `abstract_inverted_index.Hello`: 3 is not a list of positions"
        );
        for (form, error) in [
            (
                r#"{"IndexLength":2}"#,
                "field `abstract_inverted_index.IndexLength`: 2 is not a list of positions",
            ),
            (
                r#"{"Hello":[0,-1]}"#,
                "field `abstract_inverted_index.Hello`: position -1 is not a non-negative integer",
            ),
            (
                "true",
                "field `abstract_inverted_index`: a boolean is not an inverted index",
            ),
            (
                r#""\"text\"""#,
                "field `abstract_inverted_index`: a string is not an inverted index",
            ),
        ] {
            let e = parse_openalex(&with(&format!(r#""abstract_inverted_index":{form}"#)));
            assert_eq!(e.unwrap_err().to_string(), error, "{form}");
        }
        // Words placed at their positions whatever the order of the keys; empty is no abstract.
        let w = parse_openalex(&with(
            r#""abstract_inverted_index":{"world":[1,3],"Hello":[0],"again":[2]}"#,
        ))
        .unwrap();
        assert_eq!(w.abstract_text, "Hello world again world");
        let empty = parse_openalex(&with(r#""abstract_inverted_index":"  ""#)).unwrap();
        assert_eq!(empty.abstract_text, "");
        let e = parse_openalex(&with(r#""abstract_inverted_index":"nonsense""#)).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("field `abstract_inverted_index`: a string that is not"),
            "{e}"
        );
    }

    #[test]
    fn valid_records_that_lack_what_an_indicator_needs_are_kept_and_say_what() {
        // A grant: no authorships, no title (null), a host_venue instead of primary_location.
        let grant = parse_openalex(&with(
            r#""type":"grant","title":null,"display_name":null,"authorships":[],"host_venue":{"display_name":"X"}"#,
        ))
        .unwrap();
        assert_eq!(grant.title, "");
        assert_eq!(
            grant.gaps(),
            vec![
                Gap::NoAuthorships,
                Gap::NoCountry,
                Gap::NoInstitution,
                Gap::NoAbstract,
                Gap::NoTitle
            ]
        );
        // Countries on an authorship without institutions count for the nation.
        let w = parse_openalex(&with(
            r#""title":"T","authorships":[{"institutions":[],"countries":["KR"]}]"#,
        ))
        .unwrap();
        assert_eq!(w.nation_shares(), vec![("KOR".to_string(), 1.0)]);
        assert!(w.gaps().contains(&Gap::NoInstitution) && !w.gaps().contains(&Gap::NoCountry));
        // An older record without `countries`: its institutions' countries.
        let old = parse_openalex(&with(
            r#""title":"T","authorships":[{"institutions":[{"id":"I1","display_name":"KAIST","country_code":"KR"}]}]"#,
        ))
        .unwrap();
        assert_eq!(old.authorships[0].countries, vec!["KOR"]);
        // A truncated author list is flagged.
        let cut = parse_openalex(&with(
            r#""title":"T","is_authors_truncated":true,"authorships":[]"#,
        ))
        .unwrap();
        assert!(cut.authors_truncated && cut.gaps().contains(&Gap::TruncatedAuthors));
    }

    #[test]
    fn names_the_bad_field() {
        assert_eq!(
            parse_openalex(r#"{"id":"W1"}"#),
            Err(RecordError::Missing("publication_year"))
        );
        let e = parse_openalex(r#"{"id":"W1","publication_year":"x"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `publication_year`: \"x\" is not an integer"
        );
        let e = parse_openalex(
            r#"{"id":"W1","publication_year":2020,"authorships":[{"countries":["K1"]}]}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "field `authorships[0].countries[0]`: `K1` is not a country code"
        );
        assert!(matches!(parse_openalex("{"), Err(RecordError::Json(_))));
    }
}
