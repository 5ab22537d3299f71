//! A hand-made corpus of 45 works whose indicators are worked out by hand below, run through the
//! real path: OpenAlex JSON Lines → ingest → Parquet → SQL on DataFusion → indicators.
//!
//! Nations KOR, USA, GBR, AUS; one institution per nation (I1 KOR, I2 USA, I3 GBR, I4 AUS) and a
//! second Australian one (I5). Years 2020 and 2021.
#![cfg(feature = "engine")]
//!
//! quantum ("quantum NOT biology"), 15 works:
//!   2020  Q1 50 cites [KOR][USA]   Q2 40 [KOR]   Q3 30 [KOR][KOR][GBR]   Q4 30 [USA]
//!         Q5 30 [USA+KOR][USA]     Q6 20 [AUS]   Q7 10 [AUS][GBR]   Q8 5 [KOR]   Q9 0 [USA]
//!         Q10 0 [no country][KOR]
//!   2021  Q11 9 [KOR][USA][USA][GBR]   Q12 9 [AUS]   Q13 3 [KOR]   Q14 1 [USA]   Q15 0 [GBR]
//! undersea ("sonar OR undersea", topic T99), 20 works, 2020:
//!   U1 100 [AUS][USA]  U2 100 [AUS]  U3 100 [GBR]  U4–U8 5 [AUS]  U9–U12 5 [USA]
//!   U13–U15 5 [GBR]  U16 5 [KOR] (topic T99 only)  U17–U20 5 [AUS][GBR]
//! hypersonic ("hypersonic*"), 3 works, 2021: H1 10 [AUS I4]  H2 3 [AUS I5]  H3 2 [AUS I4+I5]
//! no area: G1 "Quantum biology" 2020 [KOR], G2 2020 [KOR], G3 2021 [KOR][USA], G4 2021 [USA],
//!   G5 2020 [GBR], G6 2021 [AUS], G7 2020 no authorships.

use pillar_landscape::areas::{AreaSet, MonopolyThresholds, Threshold};
use pillar_landscape::indicators::{self, Report};
use pillar_landscape::ingest::{self, Options};
use pillar_landscape::work::parse_openalex;
use pillar_landscape::{sql, Engine, EngineSpec, Period};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

const AREAS: &str = r#"{"areas": [
  {"id": "quantum", "name": "Quantum", "query": "quantum NOT biology"},
  {"id": "undersea", "name": "Undersea", "query": "sonar OR undersea", "topics": ["T99"]},
  {"id": "hypersonic", "name": "Hypersonics", "query": "hypersonic*"}]}"#;

fn inst(id: &str) -> Value {
    let (name, cc) = match id {
        "I1" => ("KAIST", "KR"),
        "I2" => ("MIT", "US"),
        "I3" => ("Imperial College London", "GB"),
        "I4" => ("UNSW Sydney", "AU"),
        _ => ("Australian National University", "AU"),
    };
    json!({"id": format!("https://openalex.org/{id}"), "display_name": name, "country_code": cc})
}

/// An authorship with one institution per code (`KOR` → I1 …); `I5` names ANU.
fn authorship(codes: &[&str]) -> Value {
    let insts: Vec<Value> = codes
        .iter()
        .map(|c| match *c {
            "KOR" => inst("I1"),
            "USA" => inst("I2"),
            "GBR" => inst("I3"),
            "AUS" => inst("I4"),
            other => inst(other),
        })
        .collect();
    let mut countries: Vec<String> = insts
        .iter()
        .map(|i| i["country_code"].as_str().unwrap().to_string())
        .collect();
    countries.dedup();
    json!({"author_position": "middle", "institutions": insts, "countries": countries})
}

fn work(id: &str, title: &str, year: i32, cites: i64, authorships: &[&[&str]]) -> Value {
    json!({
        "id": format!("https://openalex.org/{id}"), "title": title, "display_name": title,
        "publication_year": year, "cited_by_count": cites, "type": "article",
        "authorships": authorships.iter().map(|a| if a.is_empty() {
            json!({"institutions": [], "countries": []})
        } else { authorship(a) }).collect::<Vec<_>>(),
        "primary_topic": null, "topics": [], "abstract_inverted_index": null,
    })
}

fn corpus() -> Vec<Value> {
    let q = |n: u32, y, c, a: &[&[&str]]| {
        work(
            &format!("W1{n:02}"),
            &format!("Quantum sensing study {n}"),
            y,
            c,
            a,
        )
    };
    let mut w = vec![
        q(1, 2020, 50, &[&["KOR"], &["USA"]]),
        q(2, 2020, 40, &[&["KOR"]]),
        q(3, 2020, 30, &[&["KOR"], &["KOR"], &["GBR"]]),
        q(4, 2020, 30, &[&["USA"]]),
        q(5, 2020, 30, &[&["USA", "KOR"], &["USA"]]),
        q(6, 2020, 20, &[&["AUS"]]),
        q(7, 2020, 10, &[&["AUS"], &["GBR"]]),
        q(8, 2020, 5, &[&["KOR"]]),
        q(9, 2020, 0, &[&["USA"]]),
        q(10, 2020, 0, &[&[], &["KOR"]]),
        q(11, 2021, 9, &[&["KOR"], &["USA"], &["USA"], &["GBR"]]),
        q(12, 2021, 9, &[&["AUS"]]),
        q(13, 2021, 3, &[&["KOR"]]),
        q(14, 2021, 1, &[&["USA"]]),
        q(15, 2021, 0, &[&["GBR"]]),
    ];
    let u = |n: u32, c, a: &[&[&str]]| {
        work(
            &format!("W2{n:02}"),
            &format!("Undersea acoustics {n}"),
            2020,
            c,
            a,
        )
    };
    w.push(u(1, 100, &[&["AUS"], &["USA"]]));
    w.push(u(2, 100, &[&["AUS"]]));
    w.push(u(3, 100, &[&["GBR"]]));
    for n in 4..=8 {
        w.push(u(n, 5, &[&["AUS"]]));
    }
    for n in 9..=12 {
        w.push(u(n, 5, &[&["USA"]]));
    }
    for n in 13..=15 {
        w.push(u(n, 5, &[&["GBR"]]));
    }
    // Matched by its topic only.
    let mut u16 = work(
        "W216",
        "Acoustic mapping of the seabed",
        2020,
        5,
        &[&["KOR"]],
    );
    u16["primary_topic"] = json!({"id": "https://openalex.org/T99", "score": 0.9});
    w.push(u16);
    for n in 17..=20 {
        w.push(u(n, 5, &[&["AUS"], &["GBR"]]));
    }
    // Matched through the abstract, and a hyphenated word is two words.
    w[23]["title"] = json!("Ocean acoustics");
    w[23]["display_name"] = json!("Ocean acoustics");
    w[23]["abstract_inverted_index"] = json!({"We": [0], "use": [1], "sonar": [2]});
    w[20]["title"] = json!("Sonar-based mapping");
    w.push(work(
        "W301",
        "Hypersonics flight tests",
        2021,
        10,
        &[&["AUS"]],
    ));
    w.push(work("W302", "Hypersonic inlets", 2021, 3, &[&["I5"]]));
    w.push(work(
        "W303",
        "Hypersonic materials",
        2021,
        2,
        &[&["AUS", "I5"]],
    ));
    w.push(work(
        "W401",
        "Quantum biology of birds",
        2020,
        3,
        &[&["KOR"]],
    ));
    w.push(work(
        "W402",
        "Quantumness is not a word here",
        2020,
        3,
        &[&["KOR"]],
    ));
    w.push(work(
        "W403",
        "Battery chemistry",
        2021,
        3,
        &[&["KOR"], &["USA"]],
    ));
    w.push(work("W404", "Radar", 2021, 3, &[&["USA"]]));
    w.push(work("W405", "Soil", 2020, 3, &[&["GBR"]]));
    w.push(work("W406", "Coral reefs", 2021, 3, &[&["AUS"]]));
    w.push(work("W407", "Anonymous", 2020, 3, &[]));
    w
}

fn write_jsonl(path: &Path, works: &[Value], gz: bool) {
    let file = std::fs::File::create(path).unwrap();
    let mut out: Box<dyn Write> = if gz {
        Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(file)
    };
    for w in works {
        writeln!(out, "{w}").unwrap();
    }
}

fn ingested(dir: &Path) -> std::path::PathBuf {
    let works = corpus();
    let (a, b) = works.split_at(20);
    write_jsonl(&dir.join("part1.jsonl"), a, false);
    write_jsonl(&dir.join("part2.jsonl.gz"), b, true);
    let out = dir.join("data");
    let inputs = [dir.join("part1.jsonl"), dir.join("part2.jsonl.gz")];
    let summary = ingest::ingest(&inputs, &out, &Options::default(), &mut |_| {}).unwrap();
    assert_eq!(
        (summary.files, summary.works, summary.bad_lines),
        (2, 45, 0)
    );
    out
}

fn close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() < 1e-9,
        "{what}: {actual} ≠ {expected}"
    );
}

async fn report(data: &Path, thresholds: &MonopolyThresholds) -> Report {
    let areas = AreaSet::parse(AREAS).unwrap();
    let period = Period {
        from: 2020,
        to: 2021,
    };
    let engine = Engine::open(&EngineSpec::Embedded, data).await.unwrap();
    let tables = engine
        .tables(&sql::statements(&areas, period))
        .await
        .unwrap();
    indicators::report(&areas, period, &tables, None, thresholds)
}

#[tokio::test]
async fn indicators_match_the_hand_worked_values() {
    let dir = tempfile::tempdir().unwrap();
    let data = ingested(dir.path());
    let r = report(&data, &MonopolyThresholds::default()).await;
    assert_eq!(r.works, 45);

    let q = &r.areas["quantum"];
    assert_eq!(
        q.works, 15,
        "Q1–Q15; not G1 (biology), not G2 (quantumness)"
    );
    // Top 10 %: 2020 has 10 works, so one: Q1. 2021 has 5, so half a work, shared by Q11
    // and Q12 tied at 9 citations: 1/4 each.
    close(q.top10_works, 1.5, "quantum top-10 % works");
    let n = |a: &str, k: &str| {
        q.nations
            .get(k)
            .unwrap_or_else(|| panic!("{a} {k}"))
            .clone()
    };
    let (kor, usa, gbr, aus) = (n("q", "KOR"), n("q", "USA"), n("q", "GBR"), n("q", "AUS"));
    assert_eq!(
        (kor.output, usa.output, gbr.output, aus.output),
        (8, 6, 4, 3)
    );
    // KOR: Q1 1/2 + Q2 1 + Q3 2/3 + Q5 1/4 + Q8 1 + Q10 1/2 + Q11 1/4 + Q13 1 = 31/6.
    close(kor.output_fractional, 31.0 / 6.0, "KOR fractional");
    // USA: Q1 1/2 + Q4 1 + Q5 (1/2·1/2 + 1/2) + Q9 1 + Q11 1/2 + Q14 1 = 19/4.
    close(usa.output_fractional, 19.0 / 4.0, "USA fractional");
    close(gbr.output_fractional, 25.0 / 12.0, "GBR fractional");
    close(aus.output_fractional, 2.5, "AUS fractional");
    // Top 10 % fractional: KOR Q1 1/2·1 + Q11 1/4·1/4 = 9/16; USA 1/2 + 1/2·1/4 = 5/8.
    close(kor.top10_fractional, 9.0 / 16.0, "KOR top 10 %");
    close(usa.top10_fractional, 5.0 / 8.0, "USA top 10 %");
    close(gbr.top10_fractional, 1.0 / 16.0, "GBR top 10 %");
    close(aus.top10_fractional, 0.25, "AUS top 10 %");
    close(
        kor.pp_top10,
        (9.0 / 16.0) / (31.0 / 6.0),
        "KOR PP(top 10 %)",
    );
    close(gbr.pp_top10, 0.03, "GBR PP(top 10 %)");
    close(aus.pp_top10, 0.1, "AUS PP(top 10 %)");
    // RCA: nation totals (fractional) KOR 26/3, USA 43/4, GBR 109/12, AUS 15; world 45 works;
    // quantum 15 works. KOR (31/6 ÷ 26/3) ÷ (15/45) = 93/52.
    close(kor.rca, 93.0 / 52.0, "KOR RCA");
    close(kor.rsca, 41.0 / 145.0, "KOR RSCA");
    close(usa.rca, 57.0 / 43.0, "USA RCA");
    close(gbr.rca, 75.0 / 109.0, "GBR RCA");
    close(aus.rca, 0.5, "AUS RCA");
    close(aus.rsca, -1.0 / 3.0, "AUS RSCA");
    assert_eq!(q.ranking, vec!["USA", "KOR", "AUS", "GBR"]);
    // Institutions by top-10 % works, then works: KAIST and MIT 1.25 (8 and 6 works).
    let names: Vec<&str> = q.institutions.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(names, vec!["I1", "I2", "I3", "I4"]);
    close(q.institutions[0].top10, 1.25, "KAIST top 10 %");
    // Collaboration: KOR–USA in Q1, Q5, Q11; KOR 8 and USA 6 quantum works.
    let p = q
        .collaboration
        .iter()
        .find(|p| p.nation_a == "KOR" && p.nation_b == "USA")
        .unwrap();
    assert_eq!(p.works, 3);
    close(p.salton, 3.0 / 48f64.sqrt(), "KOR–USA Salton");
    close(
        p.association_strength,
        3.0 * 15.0 / 48.0,
        "KOR–USA association strength",
    );
    assert_eq!(
        q.collaboration.len(),
        4,
        "KOR–USA, GBR–KOR, AUS–GBR, GBR–USA"
    );
    // USA leads KOR by 10/9: low.
    assert_eq!(q.monopoly_risk, "low");

    let u = &r.areas["undersea"];
    assert_eq!(u.works, 20, "with U16 by topic and U9 by abstract");
    // 20 works → 2 in the top 10 %; U1–U3 tie at 100: 2/3 each.
    close(u.top10_works, 2.0, "undersea top 10 %");
    close(
        u.nations["AUS"].top10_fractional,
        1.0,
        "AUS undersea top 10 %",
    );
    close(
        u.nations["GBR"].top10_fractional,
        2.0 / 3.0,
        "GBR undersea top 10 %",
    );
    close(
        u.nations["USA"].top10_fractional,
        1.0 / 3.0,
        "USA undersea top 10 %",
    );
    close(
        u.nations["KOR"].top10_fractional,
        0.0,
        "KOR undersea top 10 %",
    );
    close(u.nations["AUS"].rca, 51.0 / 40.0, "AUS undersea RCA");
    close(u.nations["KOR"].rca, 27.0 / 104.0, "KOR undersea RCA");
    // AUS leads GBR 1.5 to 1 and has 1 of the 4 institutions: low by default.
    assert_eq!(u.monopoly.lead.as_deref(), Some("AUS"));
    close(u.monopoly.ratio.unwrap(), 1.5, "undersea lead ratio");
    close(
        u.monopoly.lead_institutions,
        0.25,
        "undersea lead institutions",
    );
    assert_eq!(u.monopoly_risk, "low");

    let h = &r.areas["hypersonic"];
    // Three works → 0.3 of a work in the top 10 %: H1's 0.3. All Australian: no runner-up,
    // both institutions Australian → high.
    close(h.top10_works, 0.3, "hypersonic top 10 %");
    close(h.nations["AUS"].rca, 3.0, "AUS hypersonic RCA");
    assert_eq!(h.monopoly.runner_up, None);
    assert_eq!(h.monopoly_risk, "high");
    assert_eq!(h.institutions.len(), 2);

    // Thresholds are configurable: undersea becomes medium at 1.5× and a quarter.
    let lenient = MonopolyThresholds {
        high: Threshold {
            ratio: 3.0,
            institutions: 0.8,
        },
        medium: Threshold {
            ratio: 1.5,
            institutions: 0.25,
        },
    };
    assert_eq!(
        report(&data, &lenient).await.areas["undersea"].monopoly_risk,
        "medium"
    );

    // Over all works: KOR–USA in Q1, Q5, Q11, G3 → 4; full totals KOR 12, USA 13.
    let all = r
        .collaboration
        .iter()
        .find(|p| p.nation_a == "KOR" && p.nation_b == "USA")
        .unwrap();
    assert_eq!(all.works, 4);
    close(all.salton, 4.0 / 156f64.sqrt(), "overall KOR–USA Salton");
}

#[tokio::test]
async fn partners_for_korea() {
    let dir = tempfile::tempdir().unwrap();
    let data = ingested(dir.path());
    let areas = AreaSet::parse(AREAS).unwrap();
    let period = Period {
        from: 2020,
        to: 2021,
    };
    let engine = Engine::open(&EngineSpec::Embedded, &data).await.unwrap();
    let tables = engine
        .tables(&sql::statements(&areas, period))
        .await
        .unwrap();
    let p = indicators::partners(&areas, period, &tables, "KOR", None);
    // KOR is weak in undersea (RSCA −77/131) and hypersonic (−1).
    // GBR: strong in undersea (RSCA 53/271), not in hypersonic: C = (77/131·53/271)/(208/131);
    //   Salton KOR–GBR 2/√156 is half of KOR–USA's 4/√156 → weight 1/2.
    // AUS: C = (77/131·11/91 + 1·1/2)/(208/131), but no co-authorship with KOR → score 0.
    // USA: weak in both → C = 0.
    let order: Vec<&str> = p.partners.iter().map(|x| x.nation.as_str()).collect();
    assert_eq!(order, vec!["GBR", "AUS", "USA"]);
    let gbr = &p.partners[0];
    let c_gbr = (77.0 / 131.0 * 53.0 / 271.0) / (208.0 / 131.0);
    close(gbr.complementarity, c_gbr, "GBR complementarity");
    close(gbr.weight, 0.5, "GBR weight");
    close(gbr.score, c_gbr / 2.0, "GBR score");
    assert_eq!(gbr.gaps.len(), 1);
    assert_eq!(gbr.gaps[0].area, "undersea");
    let aus = &p.partners[1];
    close(
        aus.complementarity,
        (77.0 / 131.0 * 11.0 / 91.0 + 0.5) / (208.0 / 131.0),
        "AUS complementarity",
    );
    close(aus.score, 0.0, "AUS score");
    assert_eq!(
        aus.gaps.iter().map(|g| g.area.as_str()).collect::<Vec<_>>(),
        vec!["hypersonic", "undersea"]
    );
}

#[tokio::test]
async fn ingest_round_trip_and_resume() {
    let dir = tempfile::tempdir().unwrap();
    let data = ingested(dir.path());
    // JSONL → Parquet → the same records.
    let engine = Engine::open(&EngineSpec::Embedded, &data).await.unwrap();
    let mut expected: Vec<_> = corpus()
        .iter()
        .map(|w| parse_openalex(&w.to_string()).unwrap())
        .collect();
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(engine.works().await.unwrap(), expected);
    assert_eq!(engine.years().await.unwrap(), Some((2020, 2021)));

    // Run again with a third file: the first two are skipped.
    write_jsonl(
        &dir.path().join("part3.jsonl"),
        &[work("W900", "Quantum later", 2022, 1, &[&["KOR"]])],
        false,
    );
    let inputs = ["part1.jsonl", "part2.jsonl.gz", "part3.jsonl"].map(|f| dir.path().join(f));
    let s = ingest::ingest(&inputs, &data, &Options::default(), &mut |_| {}).unwrap();
    assert_eq!((s.files, s.files_skipped, s.works), (1, 2, 1));
    let engine = Engine::open(&EngineSpec::Embedded, &data).await.unwrap();
    assert_eq!(engine.works().await.unwrap().len(), 46);

    // A bad line aborts the file: named with its line, nothing of the file is kept, and what
    // an interrupted run left (a .tmp part) is cleared.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        format!(
            "{}\n{{\"id\": \"W2\"}}\n",
            work("W901", "Fine", 2022, 1, &[&["KOR"]])
        ),
    )
    .unwrap();
    let e = ingest::ingest(
        std::slice::from_ref(&bad),
        &data,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}:2: field `publication_year` is missing", bad.display())
    );
    let leftovers = walk(&data)
        .into_iter()
        .filter(|p| p.ends_with(".tmp"))
        .count();
    assert_eq!(leftovers, 0);
    let engine = Engine::open(&EngineSpec::Embedded, &data).await.unwrap();
    assert_eq!(engine.works().await.unwrap().len(), 46, "W901 was not kept");

    // With --skip-bad it is counted and reported.
    let s = ingest::ingest(
        std::slice::from_ref(&bad),
        &data,
        &Options {
            skip_bad: true,
            threads: 0,
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((s.works, s.bad_lines), (1, 1));
    assert_eq!(
        s.bad_examples,
        vec![format!(
            "{}:2: field `publication_year` is missing",
            bad.display()
        )]
    );
    let manifest = ingest::read_manifest(&data).unwrap();
    assert_eq!(manifest.inputs.len(), 4);
}

/// Lines are parsed on several threads and written in file order: the Parquet files are the
/// same byte for byte whatever the number of threads, and the bad line reported is the first in
/// the file even when a later chunk is parsed first.
#[test]
fn a_directory_of_an_older_layout_is_ingested_again_whole() {
    let dir = tempfile::tempdir().unwrap();
    let g = pillar_landscape::generate::Generator::new(5);
    let lines: Vec<String> = (0..2_000).map(|n| g.work(n).to_string()).collect();
    let input = dir.path().join("w.jsonl");
    std::fs::write(&input, lines.join("\n")).unwrap();
    let out = dir.path().join("data");
    let options = Options::default();
    ingest::ingest(std::slice::from_ref(&input), &out, &options, &mut |_| {}).unwrap();
    let pairs = walk(&out.join("pairs")).len();
    assert!(pairs > 0);
    // As an older Pillar left it: no `pairs` table, no format in the manifest.
    std::fs::remove_dir_all(out.join("pairs")).unwrap();
    let manifest = out.join(ingest::MANIFEST);
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("format");
    std::fs::write(&manifest, m.to_string()).unwrap();
    // The same command again reads the file again (it would skip it in the current layout).
    let s = ingest::ingest(std::slice::from_ref(&input), &out, &options, &mut |_| {}).unwrap();
    assert_eq!((s.files, s.files_skipped, s.works), (1, 0, 2_000));
    assert_eq!(walk(&out.join("pairs")).len(), pairs);
    let again = ingest::ingest(std::slice::from_ref(&input), &out, &options, &mut |_| {}).unwrap();
    assert_eq!((again.files, again.files_skipped), (0, 1));
}

#[test]
fn ingest_is_the_same_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let g = pillar_landscape::generate::Generator::new(3);
    let lines: Vec<String> = (0..20_000).map(|n| g.work(n).to_string()).collect();
    let good = dir.path().join("good.jsonl");
    std::fs::write(&good, lines.join("\n")).unwrap();
    let files = |threads: usize| {
        let out = dir.path().join(format!("threads-{threads}"));
        let options = Options {
            skip_bad: false,
            threads,
        };
        let s = ingest::ingest(std::slice::from_ref(&good), &out, &options, &mut |_| {}).unwrap();
        assert_eq!(s.works, 20_000);
        let mut parts: Vec<(String, Vec<u8>)> = walk(&out)
            .into_iter()
            .filter(|p| p.ends_with(".parquet"))
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap();
                (
                    p.strip_prefix(out.to_str().unwrap()).unwrap().to_string(),
                    bytes,
                )
            })
            .collect();
        parts.sort();
        parts
    };
    let one = files(1);
    assert_eq!(one.len(), 40, "four tables × ten years");
    assert!(one == files(3), "the same parts byte for byte");

    // Bad lines at 10 000 (second chunk) and 17 000 (third).
    let mut bad_lines = lines.clone();
    bad_lines[9_999] = r#"{"id": "W2"}"#.to_string();
    bad_lines[16_999] = "not json".to_string();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, bad_lines.join("\n")).unwrap();
    let out = dir.path().join("bad");
    for _ in 0..3 {
        let e = ingest::ingest(
            std::slice::from_ref(&bad),
            &out,
            &Options {
                skip_bad: false,
                threads: 3,
            },
            &mut |_| {},
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{}:10000: field `publication_year` is missing",
                bad.display()
            )
        );
        assert!(
            walk(&out).iter().all(|p| !p.contains("part-")),
            "nothing kept"
        );
    }
    let s = ingest::ingest(
        std::slice::from_ref(&bad),
        &out,
        &Options {
            skip_bad: true,
            threads: 3,
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((s.works, s.bad_lines), (19_998, 2));
    assert_eq!(s.bad_examples.len(), 2);
    assert_eq!(
        s.bad_examples[0],
        format!(
            "{}:10000: field `publication_year` is missing",
            bad.display()
        )
    );
    assert!(s.bad_examples[1].starts_with(&format!("{}:17000: ", bad.display())));
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path().display().to_string());
        }
    }
    out
}

/// Rows sorted, so two engines' answers compare whatever order their plans produce.
fn sorted(mut t: indicators::Tables) -> indicators::Tables {
    t.area_nation
        .sort_by(|a, b| (&a.area, &a.nation).cmp(&(&b.area, &b.nation)));
    t.nation_totals.sort_by(|a, b| a.nation.cmp(&b.nation));
    t.collaboration.sort_by(|a, b| {
        (&a.area, &a.nation_a, &a.nation_b).cmp(&(&b.area, &b.nation_a, &b.nation_b))
    });
    t.institutions
        .sort_by(|a, b| (&a.area, a.place).cmp(&(&b.area, b.place)));
    t
}

/// Equal, with sums of fractions allowed to differ in the last bits (summation order).
fn same_tables(a: &indicators::Tables, b: &indicators::Tables) {
    let json = |t: &indicators::Tables| serde_json::to_value(t).unwrap();
    fn same(a: &Value, b: &Value, at: &str) {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{at}: {x} ≠ {y}");
            }
            (Value::Array(x), Value::Array(y)) => {
                assert_eq!(x.len(), y.len(), "{at}: lengths");
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    same(x, y, &format!("{at}[{i}]"));
                }
            }
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    same(v, &y[k], &format!("{at}.{k}"));
                }
            }
            _ => assert_eq!(a, b, "{at}"),
        }
    }
    same(&json(a), &json(b), "tables");
}

/// The statements as a cluster runs them — each computing the area works itself — give the rows
/// of the statements that read the table computed once (on an engine where that table was never
/// made, so that a statement reading it would fail).
#[tokio::test]
async fn the_statements_standing_alone_give_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = ingested(dir.path());
    let s = sql::statements(
        &AreaSet::parse(AREAS).unwrap(),
        Period {
            from: 2020,
            to: 2021,
        },
    );
    let once = Engine::open(&EngineSpec::Embedded, &data)
        .await
        .unwrap()
        .tables(&s)
        .await
        .unwrap();
    let fresh = Engine::open(&EngineSpec::Embedded, &data).await.unwrap();
    assert!(
        fresh.run(&s.area_nation).await.is_err(),
        "no area_works yet"
    );
    let alone = fresh.tables_of(s.inlined().into()).await.unwrap();
    assert!(!once.area_nation.is_empty() && !once.collaboration.is_empty());
    assert!(!once.institutions.is_empty() && !once.nation_totals.is_empty());
    same_tables(&sorted(once), &sorted(alone));
}

/// The same statements on a Ballista scheduler and executor started here, reached through
/// `ballista://localhost:PORT` as a user would, give the embedded engine's results.
#[cfg(feature = "ballista")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ballista_gives_the_embedded_results() {
    use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
    let dir = tempfile::tempdir().unwrap();
    let data = ingested(dir.path());
    // A synthetic corpus too, with the shipped areas, in a second directory.
    let g = pillar_landscape::generate::Generator::new(3);
    let synthetic: Vec<Value> = (0..3000).map(|n| g.work(n)).collect();
    write_jsonl(&dir.path().join("synthetic.jsonl"), &synthetic, false);
    let data2 = dir.path().join("data2");
    ingest::ingest(
        &[dir.path().join("synthetic.jsonl")],
        &data2,
        &Options::default(),
        &mut |_| {},
    )
    .unwrap();

    let addr = ballista_scheduler::standalone::new_standalone_scheduler()
        .await
        .unwrap();
    let url = format!("http://localhost:{}", addr.port());
    // The scheduler may take a moment to listen: a bounded wait that fails with a message.
    let mut tries = 0;
    let scheduler = loop {
        match SchedulerGrpcClient::connect(url.clone()).await {
            Ok(s) => break s,
            Err(e) => {
                tries += 1;
                assert!(
                    tries < 600,
                    "the Ballista scheduler at {url} never answered: {e}"
                );
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
        }
    };
    ballista_executor::new_standalone_executor(scheduler, 2, Default::default())
        .await
        .unwrap();
    let cluster = EngineSpec::parse(&format!("ballista://localhost:{}", addr.port())).unwrap();

    for (data, areas, period) in [
        (
            &data,
            AreaSet::parse(AREAS).unwrap(),
            Period {
                from: 2020,
                to: 2021,
            },
        ),
        (
            &data2,
            AreaSet::shipped(),
            Period {
                from: 2015,
                to: 2024,
            },
        ),
    ] {
        let statements = sql::statements(&areas, period);
        let embedded = Engine::open(&EngineSpec::Embedded, data).await.unwrap();
        let remote = Engine::open(&cluster, data).await.unwrap();
        let a = sorted(embedded.tables(&statements).await.unwrap());
        let b = sorted(remote.tables(&statements).await.unwrap());
        assert!(
            !a.area_nation.is_empty() && !a.collaboration.is_empty() && !a.institutions.is_empty()
        );
        same_tables(&a, &b);
    }
}
