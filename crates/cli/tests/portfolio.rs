//! Black-box tests of `pillar readiness …`, `pillar project …` and `pillar committee …`.

mod common;

use common::{bad, ok, pillar};

#[test]
fn srl_from_a_file_matches_the_hand_worked_chain() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("srl.json");
    std::fs::write(
        &input,
        r#"{"components": [{"id": "A", "trl": 6}, {"id": "B", "trl": 8}, {"id": "C", "trl": 4}],
            "integrations": [{"a": "A", "b": "B", "irl": 7}, {"a": "B", "b": "C", "irl": 5}]}"#,
    )
    .unwrap();
    let out = ok(&pillar(
        dir.path(),
        &[
            "readiness",
            "srl",
            "--input",
            input.to_str().unwrap(),
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // 110/162, 134/243, 76/162 and their mean, in full precision (JSON is for scripts; only
    // the text output rounds).
    let near = |x: &serde_json::Value, want: f64| {
        let got = x.as_f64().unwrap();
        assert!((got - want).abs() < 1e-12, "{got} != {want}");
        // More than two decimals survive.
        assert_ne!(got, (got * 100.0).round() / 100.0, "{got} was rounded");
    };
    assert_eq!(v["components"][0]["id"], "A");
    near(&v["components"][0]["srl"], 110.0 / 162.0);
    near(&v["components"][1]["srl"], 134.0 / 243.0);
    near(&v["components"][2]["srl"], 76.0 / 162.0);
    near(
        &v["composite"],
        (110.0 / 162.0 + 134.0 / 243.0 + 76.0 / 162.0) / 3.0,
    );
    // Not symmetric: exit 2, the file and the place named.
    std::fs::write(
        &input,
        r#"{"components": [{"id": "A", "trl": 6}, {"id": "B", "trl": 8}],
            "irl_matrix": [[9, 7], [5, 9]]}"#,
    )
    .unwrap();
    let err = bad(&pillar(
        dir.path(),
        &["readiness", "srl", "--input", input.to_str().unwrap()],
    ));
    assert!(
        err.contains("srl.json") && err.contains("irl_matrix[0][1]") && err.contains("symmetric"),
        "{err}"
    );
    std::fs::write(&input, r#"{"components": [{"id": "A", "trl": 10}]}"#).unwrap();
    let err = bad(&pillar(
        dir.path(),
        &["readiness", "srl", "--input", input.to_str().unwrap()],
    ));
    assert!(err.contains("components[0].trl"), "{err}");
}

#[test]
fn trl_from_answers() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.json");
    let mut list = Vec::new();
    for l in 1..=5 {
        for q in 1..=3 {
            let complete = if l == 5 { 60 } else { 100 };
            list.push(format!(
                r#"{{"question": "{l}.{q}", "complete": {complete}, "evidence": "report {l}.{q}"}}"#
            ));
        }
    }
    std::fs::write(
        &answers,
        format!(
            r#"{{"scale": "TRL", "variant": "software", "answers": [{}]}}"#,
            list.join(",")
        ),
    )
    .unwrap();
    let out = ok(&pillar(
        dir.path(),
        &[
            "readiness",
            "trl",
            "--answers",
            answers.to_str().unwrap(),
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["trl"], 4, "{out}");
    assert_eq!(v["levels"][0]["status"], "green");
    assert!((v["levels"][4]["score"].as_f64().unwrap() - 0.6).abs() < 1e-12);
    assert_eq!(v["levels"][4]["status"], "yellow");
    assert_eq!(v["levels"][5]["status"], "red");
    std::fs::write(
        &answers,
        r#"{"answers": [{"question": "2.1", "complete": 150}]}"#,
    )
    .unwrap();
    let err = bad(&pillar(
        dir.path(),
        &["readiness", "trl", "--answers", answers.to_str().unwrap()],
    ));
    assert!(err.contains("answers[0].complete"), "{err}");
    let q = ok(&pillar(
        dir.path(),
        &[
            "readiness",
            "questions",
            "--scale",
            "MRL",
            "--variant",
            "manufacturing",
        ],
    ));
    assert!(q.contains("MRL 10"), "{q}");
}

#[test]
fn project_import_is_all_or_nothing_and_export_follows_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    ok(&pillar(dir.path(), &["db", "seed", "--demo-data"]));
    let all = ok(&pillar(dir.path(), &["project", "export"]));
    let file: serde_json::Value = serde_json::from_str(&all).unwrap();
    let total = file["projects"].as_array().unwrap().len();
    assert!(total >= 50);
    let jp = ok(&pillar(
        dir.path(),
        &["project", "export", "--as", "jp-observer"],
    ));
    let jp: serde_json::Value = serde_json::from_str(&jp).unwrap();
    let seen = jp["projects"].as_array().unwrap().len();
    assert!(seen > 0 && seen < total, "{seen} of {total}");

    // A new project whose cost shares do not add up, after a good one: nothing is saved.
    let mut good = file["projects"][0].clone();
    good["id"] = "new-good".into();
    let mut wrong = good.clone();
    wrong["id"] = "new-wrong".into();
    wrong["participants"][0]["financial"] = 99.into();
    let path = dir.path().join("p.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&serde_json::json!({"projects": [good, wrong]})).unwrap(),
    )
    .unwrap();
    let err = bad(&pillar(
        dir.path(),
        &["project", "import", path.to_str().unwrap()],
    ));
    assert!(
        err.contains("p.json:") && err.contains("new-wrong") && err.contains("100 %"),
        "{err}"
    );
    let after = ok(&pillar(dir.path(), &["project", "export"]));
    assert_eq!(after, all, "a failed import changed the portfolio");

    // A date before the start is refused too; the good one alone goes in.
    let mut early = file["projects"][0].clone();
    early["milestones"][0]["planned"] = "1999-01-01".into();
    std::fs::write(
        &path,
        serde_json::to_string(&serde_json::json!({"projects": [early]})).unwrap(),
    )
    .unwrap();
    let err = bad(&pillar(
        dir.path(),
        &["project", "import", path.to_str().unwrap()],
    ));
    assert!(err.contains("milestones[0].planned"), "{err}");
    // An end item the supply networks do not hold, or one that is not a system: named.
    for (item, says) in [
        (
            "NO-SUCH",
            "no item `NO-SUCH` in supply network `demo-materials`",
        ),
        ("QINU-LASER", "is a subsystem; an end item is a system"),
    ] {
        let mut linked = good.clone();
        linked["end_items"] = serde_json::json!([{"network": "demo-materials", "item": item}]);
        std::fs::write(
            &path,
            serde_json::to_string(&serde_json::json!({"projects": [linked]})).unwrap(),
        )
        .unwrap();
        let err = bad(&pillar(
            dir.path(),
            &["project", "import", path.to_str().unwrap()],
        ));
        assert!(err.contains("end_items[0]") && err.contains(says), "{err}");
    }
    std::fs::write(
        &path,
        serde_json::to_string(&serde_json::json!({"projects": [good]})).unwrap(),
    )
    .unwrap();
    let out = ok(&pillar(
        dir.path(),
        &["project", "import", path.to_str().unwrap(), "--json"],
    ));
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["created"], 1);
}

#[test]
fn a_project_import_by_a_person_is_held_to_stewardship() {
    let dir = tempfile::tempdir().unwrap();
    ok(&pillar(dir.path(), &["db", "seed", "--demo-data"]));
    let all: serde_json::Value =
        serde_json::from_str(&ok(&pillar(dir.path(), &["project", "export"]))).unwrap();
    // quantum-008 is led by ADD (kr-add), Korea.
    let mut p = all["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "quantum-008")
        .unwrap()
        .clone();
    assert_eq!(p["lead_organisation"], "kr-add");
    p["title"] = "Renamed by an import".into();
    let file = dir.path().join("p.json");
    std::fs::write(&file, serde_json::json!({ "projects": [p] }).to_string()).unwrap();
    let import = |by: &str| {
        pillar(
            dir.path(),
            &["project", "import", file.to_str().unwrap(), "--by", by],
        )
    };
    let title = || -> String {
        let all: serde_json::Value =
            serde_json::from_str(&ok(&pillar(dir.path(), &["project", "export"]))).unwrap();
        all["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == "quantum-008")
            .unwrap()["title"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let before = title();
    // A Japanese observer may not change a Korean-led project: refused (exit 1), nothing written.
    let out = import("jp-observer");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("kept by kr-add (KOR)"), "{err}");
    assert_eq!(title(), before);
    // Someone not in the registry: bad input.
    assert_eq!(import("nobody").status.code(), Some(2));
    // The Korean programme manager of ADD may.
    ok(&import("kr-pm"));
    assert_eq!(title(), "Renamed by an import");
}

#[test]
fn committee_files_import_all_or_nothing_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    ok(&pillar(dir.path(), &["db", "seed", "--demo-data"]));
    let file = dir.path().join("board.json");
    let meeting = |owner: &str| {
        format!(
            r#"{{"committees": [{{"id": "board", "name": "Quantum programme board"}}],
                "meetings": [
                  {{"id": "board-1", "committee": "board", "title": "First board", "date": "2026-12-01",
                    "attendees": ["kr-pm"], "label": {{"policy": {{"name": "PILLAR COALITION"}}, "classification": "UNCLASSIFIED"}},
                    "actions": [{{"text": "Circulate the charter", "owner": "kr-pm", "due": "2026-12-15"}}]}},
                  {{"id": "board-2", "committee": "board", "title": "Second board", "date": "2026-12-20",
                    "label": {{"policy": {{"name": "PILLAR COALITION"}}, "classification": "UNCLASSIFIED"}},
                    "actions": [{{"text": "Report", "owner": "{owner}", "due": "2027-01-15"}}]}}]}}"#
        )
    };
    // An owner nobody knows, in the second meeting: exit 2, the field named, nothing written.
    std::fs::write(&file, meeting("nobody")).unwrap();
    let err = bad(&pillar(
        dir.path(),
        &["committee", "import", file.to_str().unwrap()],
    ));
    assert!(
        err.contains("board.json") && err.contains("owner") && err.contains("nobody"),
        "{err}"
    );
    assert_eq!(
        board_meetings(dir.path()),
        0,
        "nothing of the bad file was written"
    );
    // Malformed JSON: line and column.
    std::fs::write(&file, "{\"meetings\": [\n  {\"id\": }\n]}").unwrap();
    let err = bad(&pillar(
        dir.path(),
        &["committee", "import", file.to_str().unwrap()],
    ));
    assert!(err.contains("board.json:2:"), "{err}");
    // An unknown originator is bad input too.
    std::fs::write(&file, meeting("kr-pm")).unwrap();
    let err = bad(&pillar(
        dir.path(),
        &[
            "committee",
            "import",
            file.to_str().unwrap(),
            "--by",
            "ghost",
        ],
    ));
    assert!(err.contains("--by") && err.contains("ghost"), "{err}");
    // The good file: both meetings, with their actions numbered and open.
    let out = ok(&pillar(
        dir.path(),
        &[
            "committee",
            "import",
            file.to_str().unwrap(),
            "--by",
            "kr-pm",
            "--json",
        ],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["committees"].as_u64(), v["meetings"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(board_meetings(dir.path()), 2);
    let log = ok(&pillar(dir.path(), &["audit", "log", "--json"]));
    assert!(log.contains("1 committee(s), 2 meeting(s) from"), "{log}");
    ok(&pillar(dir.path(), &["audit", "verify"]));
    assert!(ok(&pillar(dir.path(), &["committee", "--help"])).contains("import"));
}

/// The meetings of the `board` committee in the data directory's database.
fn board_meetings(dir: &std::path::Path) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", dir.join("pillar.db").display());
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM meetings WHERE committee_id = 'board'")
            .fetch_one(&mut c)
            .await
            .unwrap()
    })
}
