//! The SQL that computes the landscape: plain SQL over the four ingested tables (`works`,
//! `shares`, `institutions`, `pairs`), written to run unchanged on DataFusion (embedded or Ballista) and
//! on DuckDB, so that the engines can be compared on the same statements.
//!
//! Every statement returns rows that [`crate::indicators`] turns into indicators; no statement
//! returns more rows than areas × nations (or pairs of nations, or ten institutions per area).

use crate::areas::AreaSet;

/// The years a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Period {
    pub from: i32,
    pub to: i32,
}

/// The named statements of one report.
///
/// The area works and their top-10 % weights are computed once, into the table
/// [`AREA_WORKS`] (`area, id, year, top`), which the three statements per area then join: the
/// text matching (about 190 `LIKE` patterns over every title and abstract) and the windows per
/// area and year run once per report, not once per statement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Statements {
    /// `CREATE OR REPLACE TABLE area_works AS …`: per area, its works in the period with their
    /// top-10 % weight: `area, id, year, top` (a work in two areas is two rows).
    pub area_works: String,
    /// Per area and nation: `area, nation, output, output_fractional, top10_fractional`; the row
    /// with nation `''` is the area's world: every work of the area counted once.
    pub area_nation: String,
    /// Per nation: `nation, output, output_fractional` over all works of the period; nation `''`
    /// is the world (every work once).
    pub nation_totals: String,
    /// Per area (and `''` for all works of the period) and pair of nations a < b:
    /// `area, nation_a, nation_b, works` — works with authorships in both.
    pub collaboration: String,
    /// Per area, its ten institutions with the most top-10 % works:
    /// `area, institution_id, name, nation, works, top10, place`.
    pub institutions: String,
}

/// The table the first statement writes and the others read.
pub const AREA_WORKS: &str = "area_works";

impl Statements {
    /// Every statement in the order they run; the first writes [`AREA_WORKS`].
    pub fn iter(&self) -> [(&'static str, &str); 5] {
        [
            ("area_works", &self.area_works),
            ("area_nation", &self.area_nation),
            ("nation_totals", &self.nation_totals),
            ("collaboration", &self.collaboration),
            ("institutions", &self.institutions),
        ]
    }

    /// The four result statements, each standing alone: [`AREA_WORKS`] as a common table
    /// expression of each that reads it (for an engine where a table made by one statement is
    /// not seen by the next, as a Ballista cluster).
    pub fn inlined(&self) -> [(&'static str, String); 4] {
        let query = self
            .area_works
            .split_once(" AS ")
            .map(|(_, q)| q)
            .unwrap_or_default();
        let inline = |s: &str| match s.strip_prefix("WITH ") {
            Some(rest) if s.contains(AREA_WORKS) => {
                format!("WITH {AREA_WORKS} AS ({query}), {rest}")
            }
            _ => s.to_string(),
        };
        [
            ("area_nation", inline(&self.area_nation)),
            ("nation_totals", inline(&self.nation_totals)),
            ("collaboration", inline(&self.collaboration)),
            ("institutions", inline(&self.institutions)),
        ]
    }
}

/// How many leading institutions each area lists (and monopoly risk counts).
pub const TOP_INSTITUTIONS: usize = 10;

/// The works of each area in the period: `id, year, cited, area` (a work in two areas is two rows).
fn membership(areas: &AreaSet, p: Period) -> String {
    let cases: Vec<String> = areas
        .areas
        .iter()
        .map(|a| {
            format!(
                "CASE WHEN {} THEN '{}' END",
                a.to_sql("search_text", "topic_text"),
                a.id
            )
        })
        .collect();
    format!(
        "SELECT id, year, cited, area FROM (\
         SELECT id, year, cited_by_count AS cited, unnest([{}]) AS area \
         FROM works WHERE year BETWEEN {} AND {}) member WHERE area IS NOT NULL",
        cases.join(", "),
        p.from,
        p.to
    )
}

/// Each area work's weight in the area's top 10 % of its year: 1 above the citation threshold,
/// 0 below, and for the works tied at the threshold the fraction that makes the weights add up to
/// exactly a tenth of the works (Waltman & Schreiber 2013). With n works in the (area, year),
/// `gt` of them cited more than this one and `ge` at least as much, the weight is
/// `clamp((n − 10·gt) / (10·(ge − gt)), 0, 1)`.
fn top_weights(areas: &AreaSet, p: Period) -> String {
    format!(
        "WITH m AS ({}), \
         r AS (SELECT area, id, year, \
           CAST(count(*) OVER (PARTITION BY area, year) AS DOUBLE) AS n, \
           CAST(rank() OVER (PARTITION BY area, year ORDER BY cited DESC) - 1 AS DOUBLE) AS gt, \
           CAST(count(*) OVER (PARTITION BY area, year ORDER BY cited DESC) AS DOUBLE) AS ge FROM m) \
         SELECT area, id, year, GREATEST(0.0, LEAST(1.0, (n - 10.0 * gt) / (10.0 * (ge - gt)))) AS top FROM r",
        membership(areas, p)
    )
}

pub fn statements(areas: &AreaSet, p: Period) -> Statements {
    let (from, to) = (p.from, p.to);
    let area_works = format!(
        "CREATE OR REPLACE TABLE {AREA_WORKS} AS {}",
        top_weights(areas, p)
    );
    let area_nation = format!(
        "WITH s AS (SELECT work_id, nation, frac, year FROM shares WHERE year BETWEEN {from} AND {to} \
               UNION ALL SELECT id AS work_id, '' AS nation, 1.0 AS frac, year FROM works WHERE year BETWEEN {from} AND {to}) \
         SELECT t.area, s.nation, count(*) AS output, sum(s.frac) AS output_fractional, \
                sum(s.frac * t.top) AS top10_fractional \
         FROM {AREA_WORKS} t JOIN s ON s.work_id = t.id AND s.year = t.year \
         GROUP BY t.area, s.nation"
    );
    // One GROUP BY over a union (a union of a grouped and an ungrouped aggregate never finishes
    // on Ballista 55).
    let nation_totals = format!(
        "SELECT nation, count(*) AS output, sum(frac) AS output_fractional FROM (\
         SELECT nation, frac FROM shares WHERE year BETWEEN {from} AND {to} \
         UNION ALL SELECT '' AS nation, 1.0 AS frac FROM works WHERE year BETWEEN {from} AND {to}) u \
         GROUP BY nation"
    );
    // The pairs of nations of each work were written at ingest (`pairs`, a < b): one join of
    // the area works with them, growing with the corpus, instead of a join of each work's
    // shares with themselves. The all-works row ('') takes every pair of the period; one GROUP
    // BY over the union, as for the nation totals (Ballista).
    let collaboration = format!(
        "WITH q AS (SELECT work_id, nation_a, nation_b, year FROM pairs WHERE year BETWEEN {from} AND {to}) \
         SELECT area, nation_a, nation_b, count(*) AS works FROM (\
         SELECT t.area, q.nation_a, q.nation_b FROM {AREA_WORKS} t JOIN q ON q.work_id = t.id AND q.year = t.year \
         UNION ALL SELECT '' AS area, nation_a, nation_b FROM q) u \
         GROUP BY area, nation_a, nation_b"
    );
    let institutions = format!(
        "WITH g AS (SELECT t.area, i.institution_id, min(i.name) AS name, min(i.nation) AS nation, \
                      count(*) AS works, sum(t.top) AS top10 \
               FROM {AREA_WORKS} t JOIN institutions i ON i.work_id = t.id AND i.year = t.year \
               WHERE i.year BETWEEN {from} AND {to} \
               GROUP BY t.area, i.institution_id), \
         k AS (SELECT area, institution_id, name, nation, works, top10, \
                      row_number() OVER (PARTITION BY area ORDER BY top10 DESC, works DESC, institution_id) AS place FROM g) \
         SELECT area, institution_id, name, nation, works, top10, place FROM k WHERE place <= {TOP_INSTITUTIONS}"
    );
    Statements {
        area_works,
        area_nation,
        nation_totals,
        collaboration,
        institutions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inlined_statements_carry_the_area_works_they_read() {
        let s = statements(
            &AreaSet::shipped(),
            Period {
                from: 2019,
                to: 2021,
            },
        );
        assert!(s
            .area_works
            .starts_with("CREATE OR REPLACE TABLE area_works AS WITH m AS ("));
        let inlined = s.inlined();
        for (name, text) in &inlined[..] {
            if *name == "nation_totals" {
                assert_eq!(text, &s.nation_totals);
                continue;
            }
            assert!(
                text.starts_with("WITH area_works AS (WITH m AS ("),
                "{name}: {text}"
            );
            assert!(!text.contains("CREATE"), "{name}");
        }
    }
}
