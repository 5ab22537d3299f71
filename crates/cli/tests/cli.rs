//! Black-box tests of the `pillar` binary, driven as a user would drive it.

mod common;

use common::{bad, ok, pillar};
use std::path::Path;
use std::process::Command;

/// A seeded data directory.
fn seeded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(&pillar(dir.path(), &["db", "seed", "--demo-data"]));
    dir
}

/// Every kind exported as JSON: the whole registry, to compare before and after.
fn snapshot(dir: &Path) -> String {
    [
        "nations",
        "organisations",
        "people",
        "tech-areas",
        "agreements",
    ]
    .iter()
    .map(|k| ok(&pillar(dir, &["export", k, "--format", "json"])))
    .collect()
}

/// Imports `content` as `kind` and expects exit status 2, an error naming file, line and
/// field, and an unchanged database.
fn rejects(kind: &str, file_name: &str, content: &[u8], line: usize, field: &str) {
    let dir = seeded();
    let before = snapshot(dir.path());
    let file = dir.path().join(file_name);
    std::fs::write(&file, content).unwrap();
    let out = pillar(dir.path(), &["import", kind, file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    let expected = format!("{}:{line}: field `{field}`", file.display());
    assert!(
        stderr.contains(&expected),
        "expected `{expected}` in: {stderr}"
    );
    assert_eq!(snapshot(dir.path()), before, "the database changed");
}

const ORG_HEADER: &str = "id,name,kind,nation,parent\n";

#[test]
fn wrong_column_count() {
    let text = format!("{ORG_HEADER}o1,One,company,USA,\no2,Two,company,USA,,extra\n");
    let dir = seeded();
    let file = dir.path().join("orgs.csv");
    std::fs::write(&file, text).unwrap();
    let out = pillar(
        dir.path(),
        &["import", "organisations", file.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("orgs.csv:3:"), "{stderr}");
    assert!(stderr.contains("6 fields but the header has 5"), "{stderr}");
}

#[test]
fn bad_quoting() {
    let text = format!("{ORG_HEADER}o1,One,company,USA,\no2,\"Two,company,USA,\n");
    let dir = seeded();
    let before = snapshot(dir.path());
    let file = dir.path().join("orgs.csv");
    std::fs::write(&file, text).unwrap();
    let out = pillar(
        dir.path(),
        &["import", "organisations", file.to_str().unwrap()],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("orgs.csv:3:"), "{stderr}");
    assert!(stderr.contains("never closed"), "{stderr}");
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn unknown_nation_code() {
    rejects(
        "organisations",
        "orgs.csv",
        format!("{ORG_HEADER}o1,One,company,USA,\no2,Two,company,ZZZ,\n").as_bytes(),
        3,
        "nation",
    );
}

#[test]
fn nation_code_not_in_registry() {
    // A real ISO code, but not a nation of the registry.
    rejects(
        "people",
        "people.csv",
        b"id,name,nationality\np1,A,USA\np2,B,FRA\n",
        3,
        "nationality",
    );
}

#[test]
fn dangling_organisation_reference() {
    rejects(
        "people",
        "people.csv",
        b"id,name,nationality,organisation\np1,A,USA,us-darpa\np2,B,KOR,kr-nowhere\n",
        3,
        "organisation",
    );
}

#[test]
fn duplicate_ids() {
    rejects(
        "organisations",
        "orgs.csv",
        format!("{ORG_HEADER}o1,One,company,USA,\no1,Again,company,USA,\n").as_bytes(),
        3,
        "id",
    );
    // Already in the database.
    rejects(
        "organisations",
        "orgs.csv",
        format!("{ORG_HEADER}o1,One,company,USA,\nus-darpa,Again,agency,USA,\n").as_bytes(),
        3,
        "id",
    );
}

#[test]
fn date_in_the_wrong_format() {
    rejects(
        "agreements",
        "agreements.csv",
        b"id,title,kind,parties,areas,valid_from,valid_to,status\n\
          a1,T,mou,USA;KOR,p2-quantum,2026-01-01,,in-force\n\
          a2,T,mou,USA;KOR,p2-quantum,2026-01-01,31/12/2030,in-force\n",
        3,
        "valid_to",
    );
}

#[test]
fn not_utf8() {
    rejects(
        "organisations",
        "orgs.csv",
        b"id,name,kind,nation,parent\no1,One,company,USA,\no2,Caf\xe9,company,USA,\n",
        3,
        "name",
    );
}

#[test]
fn bad_json() {
    rejects(
        "organisations",
        "orgs.json",
        b"[\n {\"id\": \"o1\", \"name\": \"One\", \"kind\": \"company\", \"nation\": \"USA\"},\n {\"id\": \"o2\", \"name\": \"Two\", \"kind\": \"shop\", \"nation\": \"USA\"}\n]\n",
        3,
        "kind",
    );
}

#[test]
fn missing_file_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = pillar(dir.path(), &["import", "nations", "/nonexistent/n.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/n.csv"));
}

#[test]
fn an_import_names_whose_records_they_are_or_changes_nothing() {
    let dir = seeded();
    let before = snapshot(dir.path());
    let file = dir.path().join("orgs.csv");
    std::fs::write(
        &file,
        format!("{ORG_HEADER}kr-new-lab,New laboratory,laboratory,KOR,\n"),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    for (origin, says) in [
        ("kor:kr-add", "--origin: `kor` is not a nation code"),
        ("XYZ", "--origin: `XYZ` is not an ISO 3166-1 alpha-3 code"),
        (
            "KOR:kr-nowhere",
            "--origin: no organisation `kr-nowhere` in the registry",
        ),
        (
            "USA:kr-add",
            "--origin: organisation `kr-add` belongs to KOR, not USA",
        ),
    ] {
        let out = pillar(
            dir.path(),
            &["import", "organisations", f, "--origin", origin],
        );
        assert!(bad(&out).contains(says), "{origin}: {}", bad(&out));
        assert_eq!(
            snapshot(dir.path()),
            before,
            "{origin}: the database changed"
        );
    }
    ok(&pillar(
        dir.path(),
        &["import", "organisations", f, "--origin", "KOR:kr-add"],
    ));
    assert_ne!(snapshot(dir.path()), before);
}

#[test]
fn import_export_round_trip_through_csv() {
    let src = seeded();
    let dst = tempfile::tempdir().unwrap();
    ok(&pillar(dst.path(), &["db", "migrate"]));
    for kind in [
        "nations",
        "tech-areas",
        "organisations",
        "people",
        "agreements",
    ] {
        let file = src.path().join(format!("{kind}.csv"));
        ok(&pillar(
            src.path(),
            &["export", kind, "--out", file.to_str().unwrap()],
        ));
        let report = ok(&pillar(
            dst.path(),
            &["import", kind, file.to_str().unwrap(), "--json"],
        ));
        let report: serde_json::Value = serde_json::from_str(&report).unwrap();
        assert!(report["rows"].as_u64().unwrap() > 0, "{kind}");
    }
    assert_eq!(snapshot(src.path()), snapshot(dst.path()));
}

#[test]
fn config_show_reports_sources() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&pillar(dir.path(), &["config", "show", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["data_dir"]["value"], dir.path().display().to_string());
    assert_eq!(v["data_dir"]["source"], "flag or environment");
    assert_eq!(v["listen"]["value"], "127.0.0.1:8080");
    let cfg = dir.path().join("pillar.toml");
    std::fs::write(&cfg, "listen = \"127.0.0.1:9999\"\nbogus = 1\n").unwrap();
    let out = pillar(
        dir.path(),
        &["--config", cfg.to_str().unwrap(), "config", "show"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bogus"));
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["db", "--help"],
        vec!["db", "migrate", "--help"],
        vec!["db", "seed", "--help"],
        vec!["import", "--help"],
        vec!["export", "--help"],
        vec!["config", "show", "--help"],
        vec!["serve", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "new-key", "--help"],
        vec!["audit", "log", "--help"],
    ] {
        let out = ok(&pillar(dir.path(), &args));
        assert!(out.contains("Usage:"), "{args:?}");
    }
}

#[cfg(unix)]
#[test]
fn serve_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (child, listen) = serve_demo(dir.path());
    let body = http(
        &listen,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(body.contains("\"ok\""), "{body}");
    // The demo database was seeded.
    assert!(dir.path().join("demo").join("pillar.db").exists());
    stop(child);
    // The demo database holds the policies, the registry and the demo supply network; every
    // command reaches it with --demo.
    let list = ok(&pillar(dir.path(), &["--demo", "supply", "list", "--json"]));
    assert!(list.contains("demo-materials"), "{list}");
    let jp = ok(&pillar(
        dir.path(),
        &["--demo", "export", "agreements", "--as", "jp-observer"],
    ));
    assert_eq!(jp.lines().count(), 5, "{jp}");
}

#[test]
fn audit_verify_reports_tampering_and_exits_1() {
    let dir = seeded();
    ok(&pillar(dir.path(), &["export", "nations"]));
    ok(&pillar(dir.path(), &["export", "people"]));
    let out = ok(&pillar(dir.path(), &["audit", "verify", "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ok"], true);
    // One entry per seeding step (policies, 2 reference files, 3 demo registry files,
    // projects, committee, 2 landscape analyses, the supply network), one per demo document
    // (12, each created as an upload is) and one per export.
    assert_eq!(v["entries"], 11 + 12 + 2);
    // Tamper with the database directly, as someone with SQL access could.
    sql(
        &dir.path().join("pillar.db"),
        &["UPDATE audit SET actor = 'someone-else' WHERE seq = 2"],
    );
    let out = pillar(dir.path(), &["audit", "verify", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["first_bad"]["seq"], 2);
    assert!(v["first_bad"]["reason"]
        .as_str()
        .unwrap()
        .contains("modified"));
}

#[test]
fn export_as_a_person_shows_only_what_they_may_read() {
    let dir = seeded();
    let all = ok(&pillar(
        dir.path(),
        &["export", "agreements", "--format", "json"],
    ));
    let all: serde_json::Value = serde_json::from_str(&all).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 7);
    let jp = ok(&pillar(
        dir.path(),
        &[
            "export",
            "agreements",
            "--format",
            "json",
            "--as",
            "jp-observer",
        ],
    ));
    let jp: serde_json::Value = serde_json::from_str(&jp).unwrap();
    let ids: Vec<&str> = jp
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "gsa-demo",
            "mou-cyber-expired",
            "mou-us-kor-dst",
            "pa-hypersonic-draft"
        ]
    );
    let out = pillar(dir.path(), &["export", "agreements", "--as", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn reader_indexes_are_listed_and_prepared_for_a_person() {
    let dir = tempfile::tempdir().unwrap();
    ok(&pillar(dir.path(), &["db", "seed", "--demo-data"]));
    let list = |dir: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&ok(&pillar(dir, &["db", "reader-index", "list", "--json"]))).unwrap()
    };
    assert_eq!(list(dir.path()), serde_json::json!([]));
    assert!(ok(&pillar(dir.path(), &["db", "reader-index", "list"])).contains("no reader indexes"));
    // The Japanese observer may read part of the labels: an index is built for them, once.
    let prepare = |person: &str| -> serde_json::Value {
        serde_json::from_str(&ok(&pillar(
            dir.path(),
            &["db", "reader-index", "prepare", person, "--json"],
        )))
        .unwrap()
    };
    let first = prepare("jp-observer");
    assert_eq!(first["person"], "jp-observer");
    let id = first["reader_index"]
        .as_i64()
        .expect("an index for a partial reader");
    assert_eq!(prepare("jp-observer")["reader_index"], id);
    let listed = list(dir.path());
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], id);
    assert!(listed[0]["labels"].as_u64().unwrap() > 0, "{listed}");
    // The demo documents jp-observer may read (CONFIDENTIAL at most, released to Japan): the
    // four UNCLASSIFIED ones, the CUI materials summary and the Japanese note.
    assert_eq!(listed[0]["documents"], 6);
    let text = ok(&pillar(dir.path(), &["db", "reader-index", "list"]));
    assert!(text.contains(&format!("reader index {id}:")), "{text}");
    // An unknown person is bad input, named.
    let err = bad(&pillar(
        dir.path(),
        &["db", "reader-index", "prepare", "nobody"],
    ));
    assert!(err.contains("PERSON: no person `nobody`"), "{err}");
    for args in [
        vec!["db", "reader-index", "--help"],
        vec!["db", "reader-index", "list", "--help"],
        vec!["db", "reader-index", "prepare", "--help"],
    ] {
        assert!(
            ok(&pillar(dir.path(), &args)).contains("Usage:"),
            "{args:?}"
        );
    }
}

/// One HTTP/1.1 request on a fresh connection; the whole response as text.
#[cfg(unix)]
fn http(listen: &str, request: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(listen).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text
}

/// Starts `pillar serve --demo` on a free port; returns the child and its address once it
/// answers.
#[cfg(unix)]
fn serve_demo(dir: &Path) -> (std::process::Child, String) {
    use std::time::{Duration, Instant};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_pillar"))
        .args(["serve", "--demo", "--listen", &listen])
        .env("PILLAR_DATA_DIR", dir)
        .env_remove("PILLAR_DB")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, listen)
}

/// Stops a server with SIGTERM, as an operator would; it must exit cleanly within 30 s.
#[cfg(unix)]
fn stop(mut child: std::process::Child) {
    use std::time::{Duration, Instant};
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
}

/// Runs SQL on the SQLite database at `db`, as someone with SQL access alone could.
fn sql(db: &Path, statements: &[&str]) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        for s in statements {
            sqlx::query(s).execute(&mut c).await.unwrap();
        }
    });
}

#[cfg(unix)]
#[test]
fn cutting_the_chain_is_noticed_after_web_and_after_mixed_activity() {
    let dir = tempfile::tempdir().unwrap();
    let (child, listen) = serve_demo(dir.path());
    // Web activity: a sign-in (the form's CSRF cookie first), a page read.
    let form = http(
        &listen,
        "GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let csrf = form
        .split("pillar_login_csrf=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body = format!("csrf={csrf}&user=kr-pm&password=pillar-demo");
    let signed = http(
        &listen,
        &format!(
            "POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: pillar_login_csrf={csrf}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    let session = signed
        .split("pillar_session=")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = http(
        &listen,
        &format!("GET /agreements/mou-us-kor-dst HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: pillar_session={session}\r\n\r\n"),
    );
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    stop(child);

    // Only the database named is verified: the default one does not exist here.
    let out = pillar(dir.path(), &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no database at"));
    assert!(!dir.path().join("pillar.db").exists());

    let verify = |expect: i32| {
        let out = pillar(dir.path(), &["--demo", "audit", "verify", "--json"]);
        assert_eq!(
            out.status.code(),
            Some(expect),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let web_only = verify(0);
    let n = web_only["entries"].as_i64().unwrap();
    assert_eq!(
        web_only["anchored"], n,
        "the server anchored its last entry"
    );
    let db = dir.path().join("demo").join("pillar.db");
    // Cut the server's newest entries: noticed. Put them back: intact again.
    sql(
        &db,
        &[
            &format!(
                "CREATE TABLE cut AS SELECT * FROM audit WHERE seq > {}",
                n - 2
            ),
            &format!("DELETE FROM audit WHERE seq > {}", n - 2),
        ],
    );
    let v = verify(1);
    assert_eq!(v["first_bad"]["seq"], n - 1, "{v}");
    assert!(v["first_bad"]["reason"]
        .as_str()
        .unwrap()
        .contains("removed from the end"));
    sql(
        &db,
        &["INSERT INTO audit SELECT * FROM cut", "DROP TABLE cut"],
    );
    verify(0);

    // Mixed: the command line appends (an export) after the server; cut again, noticed again.
    ok(&pillar(
        dir.path(),
        &["--demo", "export", "agreements", "--as", "kr-pm"],
    ));
    let mixed = verify(0);
    let m = mixed["entries"].as_i64().unwrap();
    assert_eq!(m, n + 1);
    sql(&db, &[&format!("DELETE FROM audit WHERE seq = {m}")]);
    assert_eq!(verify(1)["first_bad"]["seq"], m);
}

#[test]
fn csv_exports_neutralise_formulas_and_import_back_unchanged() {
    let dir = seeded();
    let file = dir.path().join("orgs.csv");
    std::fs::write(
        &file,
        "id,name,kind,nation,parent\nformula-org,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",company,USA,\nat-org,@SUM(A1),company,KOR,\n",
    )
    .unwrap();
    ok(&pillar(
        dir.path(),
        &["import", "organisations", file.to_str().unwrap()],
    ));
    let csv = ok(&pillar(dir.path(), &["export", "organisations"]));
    let line = csv.lines().find(|l| l.starts_with("formula-org")).unwrap();
    assert!(line.contains("\"'=HYPERLINK("), "{line}");
    let line = csv.lines().find(|l| l.starts_with("at-org")).unwrap();
    assert!(line.contains(",'@SUM(A1),"), "{line}");
    // The exported file imports back to the same names.
    let again = dir.path().join("again.csv");
    std::fs::write(&again, &csv).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    ok(&pillar(fresh.path(), &["db", "seed"]));
    ok(&pillar(
        fresh.path(),
        &["import", "organisations", again.to_str().unwrap()],
    ));
    let json = ok(&pillar(
        fresh.path(),
        &["export", "organisations", "--format", "json"],
    ));
    assert!(json.contains(r#""name": "@SUM(A1)""#), "{json}");
}

#[test]
fn revoke_sessions_needs_a_known_person() {
    let dir = seeded();
    let out = pillar(dir.path(), &["user", "revoke-sessions", "nobody"]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_str(&ok(&pillar(
        dir.path(),
        &["user", "revoke-sessions", "kr-pm", "--json"],
    )))
    .unwrap();
    assert_eq!(v["sessions"], 0);
    assert_eq!(v["tokens"], 0);
}

#[test]
fn the_audit_key_comes_from_configuration_and_a_server_refuses_a_chain_it_cannot_verify() {
    let dir = tempfile::tempdir().unwrap();
    // SQLite: the key and the blobs default to the data directory.
    let v: serde_json::Value =
        serde_json::from_str(&ok(&pillar(dir.path(), &["config", "show", "--json"]))).unwrap();
    assert_eq!(
        v["audit_key_file"]["value"],
        dir.path().join("audit.key").display().to_string()
    );
    assert_eq!(
        v["blobs"]["value"],
        dir.path().join("blobs").display().to_string()
    );
    // PostgreSQL: never a key made by one server alone; contents in the database.
    let pg = ["--db", "postgres://pillar@127.0.0.1:1/pillar"];
    let v: serde_json::Value = serde_json::from_str(&ok(&pillar(
        dir.path(),
        &[&pg[..], &["config", "show", "--json"]].concat(),
    )))
    .unwrap();
    assert_eq!(v["audit_key_file"]["source"], "missing");
    assert_eq!(v["blobs"]["value"], "database");
    let err = bad(&pillar(
        dir.path(),
        &[&pg[..], &["audit", "verify"]].concat(),
    ));
    assert!(err.contains("PILLAR_AUDIT_KEY_FILE"), "{err}");
    assert!(!dir.path().join("audit.key").exists());
    // A key file for a deployment: owner-only, never overwritten.
    let key = dir.path().join("secrets/audit.key");
    ok(&pillar(
        dir.path(),
        &["audit", "new-key", key.to_str().unwrap()],
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let before = std::fs::read(&key).unwrap();
    let err = bad(&pillar(
        dir.path(),
        &["audit", "new-key", key.to_str().unwrap()],
    ));
    assert!(err.contains("exists already"), "{err}");
    assert_eq!(std::fs::read(&key).unwrap(), before);
    let v: serde_json::Value = serde_json::from_str(&ok(&pillar(
        dir.path(),
        &[
            &pg[..],
            &[
                "--audit-key-file",
                key.to_str().unwrap(),
                "config",
                "show",
                "--json",
            ],
        ]
        .concat(),
    )))
    .unwrap();
    assert_eq!(v["audit_key_file"]["value"], key.display().to_string());
    assert_eq!(v["audit_key_file"]["source"], "flag or environment");
    // A database whose chain was written under the data directory's key: a server given
    // another key refuses to start, and says why.
    ok(&pillar(dir.path(), &["db", "seed"]));
    let out = pillar(
        dir.path(),
        &[
            "--audit-key-file",
            key.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "serve",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing to start") && err.contains("same key file"),
        "{err}"
    );
    // With its own key it verifies.
    ok(&pillar(dir.path(), &["audit", "verify"]));
    // The database replaced by another (recreated): its chain no longer holds the head this
    // host recorded, so the server refuses, and says how to accept it if that was meant.
    std::fs::remove_file(dir.path().join("pillar.db")).unwrap();
    ok(&pillar(dir.path(), &["db", "seed"]));
    let out = pillar(dir.path(), &["--listen", "127.0.0.1:0", "serve"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no longer holds") && err.contains("audit-anchors"),
        "{err}"
    );
}

/// `blobs = "s3://…"`: refused with its reason by a build without the `s3` feature; with it,
/// the demo's documents go to the object store, and `db migrate` moves local contents there.
#[test]
fn document_contents_in_an_object_store() {
    let dir = tempfile::tempdir().unwrap();
    if cfg!(not(feature = "s3")) {
        let err = bad(&pillar(
            dir.path(),
            &["--blobs", "s3://pillar-test/x", "db", "seed", "--demo-data"],
        ));
        assert!(err.contains("--features s3"), "{err}");
        return;
    }
    let Ok(url) = std::env::var("PILLAR_TEST_S3_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "PILLAR_TEST_S3_URL is not set and CI is"
        );
        return;
    };
    let blobs = format!("{url}/cli{}", std::process::id());
    // A local blob from before, to move.
    let local = dir.path().join("blobs");
    let sha = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"; // SHA-256 of "a"
    std::fs::create_dir_all(local.join(&sha[..2])).unwrap();
    std::fs::write(local.join(&sha[..2]).join(sha), b"a").unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(&pillar(
        dir.path(),
        &["--blobs", &blobs, "db", "migrate", "--json"],
    )))
    .unwrap();
    assert_eq!(v["blobs"]["moved"], 1, "{v}");
    assert!(!local.join(&sha[..2]).join(sha).exists());
    // A local file that is not what its name says stops the move, stays, and is named; the
    // move is recorded as stopped.
    let bad_sha = "3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"; // SHA-256 of "b"
    std::fs::create_dir_all(local.join(&bad_sha[..2])).unwrap();
    std::fs::write(local.join(&bad_sha[..2]).join(bad_sha), b"not b").unwrap();
    let out = pillar(dir.path(), &["--blobs", &blobs, "db", "migrate"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not match its name") && err.contains("run `pillar db migrate` again"),
        "{err}"
    );
    assert!(local.join(&bad_sha[..2]).join(bad_sha).exists());
    let log = ok(&pillar(dir.path(), &["audit", "log", "--json"]));
    assert!(log.contains("0 of 1 blob(s) moved"), "{log}");
    std::fs::remove_file(local.join(&bad_sha[..2]).join(bad_sha)).unwrap();
    let out = ok(&pillar(
        dir.path(),
        &["--blobs", &blobs, "db", "seed", "--demo-data", "--json"],
    ));
    assert!(out.contains("people"), "{out}");
    assert!(
        std::fs::read_dir(&local).unwrap().all(|d| d
            .unwrap()
            .path()
            .read_dir()
            .unwrap()
            .next()
            .is_none()),
        "nothing stored locally"
    );
    let v: serde_json::Value = serde_json::from_str(&ok(&pillar(
        dir.path(),
        &["--blobs", &blobs, "config", "show", "--json"],
    )))
    .unwrap();
    assert_eq!(v["blobs"]["value"], blobs.as_str());
}
