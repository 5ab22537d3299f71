//! Black-box tests of `pillar label …` on the demo policies and, when
//! `PILLAR_CONFORMANCE_DIR` is set, on spiffing's files.

use std::path::PathBuf;
use std::process::{Command, Output};

fn pillar(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pillar"))
        .args(args)
        .env("PILLAR_LOG", "warn")
        .output()
        .expect("run pillar")
}

/// The JSON printed by a run that exited 0 (valid, granted, done).
fn json(out: &Output) -> serde_json::Value {
    json_exit(out, 0)
}

/// The JSON printed by a run that exited with `code` (1: invalid, refused).
fn json_exit(out: &Output, code: i32) -> serde_json::Value {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn coalition_label(class: &str, rel: &[&str]) -> String {
    let values: Vec<String> = rel
        .iter()
        .map(|v| format!(r#"{{"generic":"{v}"}}"#))
        .collect();
    format!(
        r#"{{"policy":{{"name":"PILLAR COALITION"}},"classification":"{class}","categories":[{{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{}]}}]}}"#,
        values.join(",")
    )
}

#[test]
fn demo_policy_round() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        &dir,
        "a.json",
        &coalition_label("SECRET", &["KOR", "USA", "AUS"]),
    );
    let b = write(
        &dir,
        "b.json",
        &coalition_label("CONFIDENTIAL", &["USA", "KOR"]),
    );
    let v = json(&pillar(&["label", "validate", "--label", &a, "--json"]));
    assert_eq!(v["valid"], true);
    let v = json(&pillar(&["label", "banner", "--label", &a, "--json"]));
    assert_eq!(v["marking"], "SECRET//REL TO USA, AUS, KOR");
    let out = pillar(&["label", "banner", "--label", &a, "--portion"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "(S//REL TO USA, AUS, KOR)"
    );
    let v = json(&pillar(&["label", "dominant", &a, &b, "--json"]));
    assert_eq!(v["status"], "ok");
    assert_eq!(v["label"]["classification"], "SECRET");
    // The dominant label in 4774 form names the policy and carries a creation time.
    let out = pillar(&[
        "label",
        "translate",
        "--label",
        &a,
        "--to",
        "PILLAR ROK DEMO",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("<Classification>Ⅱ급비밀</Classification>"),
        "{text}"
    );
    assert!(text.contains("<CreationDateTime>"), "{text}");
    let rok = write(&dir, "rok.xml", &text);
    let v = json(&pillar(&[
        "label",
        "marking",
        "--label",
        &rok,
        "--lang",
        "ko",
        "--location",
        "pageTop",
        "--json",
    ]));
    assert_eq!(v["marking"], "Ⅱ급비밀//열람 허용 USA, AUS, KOR");
    // Access: a Japanese observer's clearance does not reach it.
    let jp = write(
        &dir,
        "jp.json",
        r#"{"policy":{"name":"PILLAR COALITION"},"classifications":["UNCLASSIFIED","CUI","CONFIDENTIAL"],"categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"JPN"}]}]}"#,
    );
    let v = json_exit(
        &pillar(&[
            "label",
            "check",
            "--label",
            &b,
            "--clearance",
            &jp,
            "--json",
        ]),
        1,
    );
    assert_eq!(v["access"], false);
    assert!(
        v["reasons"][0].as_str().unwrap().contains("Releasable To"),
        "{v}"
    );
}

#[test]
fn bad_input_exits_2_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = write(&dir, "t.xml", "<originatorConfidentialityLabel xmlns=\"urn:nato:stanag:4774:confidentialitymetadatalabel:1:0\">\n<ConfidentialityInformation>");
    let out = pillar(&["label", "validate", "--label", &truncated]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("t.xml") && err.contains("line 2"), "{err}");
    let wrong_ns = write(
        &dir,
        "n.xml",
        "<originatorConfidentialityLabel xmlns=\"urn:wrong\"/>",
    );
    let out = pillar(&["label", "marking", "--label", &wrong_ns]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("urn:wrong"));
    let big = write(&dir, "big.json", &" ".repeat(50 << 20));
    let out = pillar(&["label", "validate", "--label", &big]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bytes"));
    // Unknown classification: validate answers (invalid), marking cannot.
    let odd = write(&dir, "odd.json", &coalition_label("ULTRA", &["USA"]));
    let v = json_exit(
        &pillar(&["label", "validate", "--label", &odd, "--json"]),
        1,
    );
    assert_eq!(v["valid"], false);
    assert!(v["errors"][0].as_str().unwrap().contains("ULTRA"));
    let out = pillar(&["label", "marking", "--label", &odd]);
    assert_eq!(out.status.code(), Some(2));
    let out = pillar(&[
        "label",
        "validate",
        "--spif",
        "/nonexistent.xml",
        "--label",
        &odd,
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn spiffing_files_through_the_cli() {
    let Ok(dir) = std::env::var("PILLAR_CONFORMANCE_DIR") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "PILLAR_CONFORMANCE_DIR is not set and CI is: this test must run"
        );
        eprintln!("PILLAR_CONFORMANCE_DIR is not set: skipped");
        return;
    };
    let d = PathBuf::from(dir).join("spiffing");
    let f = |n: &str| d.join(n).display().to_string();
    let v = json(&pillar(&[
        "label",
        "marking",
        "--spif",
        &f("nato-4774-policy.xml"),
        "--label",
        &f("nato-4774-17-6.nato"),
        "--json",
    ]));
    assert_eq!(
        v["marking"],
        "NATO/KFOR CONFIDENTIAL Ireland, Sweden, Ukraine, NATO ONLY"
    );
    let v = json(&pillar(&[
        "label",
        "check",
        "--spif",
        &f("food-policy.xml"),
        "--label",
        &f("food-label-milk-chocolate.xml"),
        "--clearance",
        &f("food-clearance-all-okay.xml"),
        "--json",
    ]));
    assert_eq!(v["access"], true);
    let out = pillar(&[
        "label",
        "validate",
        "--spif",
        &f("food-policy-borked.xml"),
        "--label",
        &f("food-label-bacon.xml"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Duplicate excluded classification"));
    // tests.xml case 11: a TLPX label and a UK clearance; the label is translated into the
    // clearance's policy (equivalent policies) and access is granted (acdf-result 1).
    let v = json(&pillar(&[
        "label",
        "check",
        "--spif",
        &f("tlp-plus.xml"),
        "--spif",
        &f("tlp.xml"),
        "--spif",
        &f("uk-demo.xml"),
        "--label",
        &f("tlpx-amber-eu.xml"),
        "--clearance",
        &f("uk-demo-secret-uk.xml"),
        "--json",
    ]));
    assert_eq!(v["access"], true, "{v}");
}

#[test]
fn labels_and_clearances_given_inline_and_decided_across_policies() {
    // Inline JSON, no file: a US secretariat clearance (coalition policy) on a label under the
    // ROK policy is decided after translating the label, as the server decides.
    let rok_label = r#"{"policy":{"name":"PILLAR ROK DEMO"},"classification":"대외비","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"},{"generic":"KOR"}]}]}"#;
    let us = r#"{"policy":{"name":"PILLAR COALITION"},"classifications":["UNCLASSIFIED","CUI","CONFIDENTIAL","SECRET"],"categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"}]}]}"#;
    let v = json(&pillar(&[
        "label",
        "check",
        "--label",
        rok_label,
        "--clearance",
        us,
        "--json",
    ]));
    assert_eq!(v["access"], true, "{v}");
    assert!(
        v["reasons"][0].as_str().unwrap().contains("translated"),
        "{v}"
    );
    // A policy name and identifier that disagree: invalid (exit 1), and the reason says so.
    let mismatch = r#"{"policy":{"name":"PILLAR COALITION","uri":"urn:oid:1.2.3"},"classification":"UNCLASSIFIED"}"#;
    let v = json_exit(
        &pillar(&["label", "validate", "--label", mismatch, "--json"]),
        1,
    );
    assert_eq!(v["valid"], false);
    assert!(v["errors"][0].as_str().unwrap().contains("1.2.3"), "{v}");
    // A missing file is bad input (exit 2), not a refusal.
    let out = pillar(&[
        "label",
        "check",
        "--label",
        "/nonexistent/label.json",
        "--clearance",
        us,
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn ber_and_5636_forms_in_and_out() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        &dir,
        "a.json",
        &coalition_label("SECRET", &["KOR", "USA", "AUS"]),
    );
    // Out as DER (binary on standard output), in again as a file.
    let out = pillar(&[
        "label",
        "translate",
        "--label",
        &a,
        "--to",
        "PILLAR COALITION",
        "--format",
        "ber",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout[0], 0x31, "an ESSSecurityLabel is a SET");
    let ber = dir.path().join("a.ber");
    std::fs::write(&ber, &out.stdout).unwrap();
    let v = json(&pillar(&[
        "label",
        "banner",
        "--label",
        ber.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(v["marking"], "SECRET//REL TO USA, AUS, KOR");
    // 5636 JSON, given as the text itself.
    let out = pillar(&[
        "label",
        "translate",
        "--label",
        ber.to_str().unwrap(),
        "--to",
        "PILLAR COALITION",
        "--format",
        "5636",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(r#"{"context":"#) || text.starts_with(r#"{"ocl":"#),
        "{text}"
    );
    assert!(text.contains(r#""type":"P""#), "{text}");
    let v = json(&pillar(&[
        "label",
        "banner",
        "--label",
        text.trim(),
        "--json",
    ]));
    assert_eq!(v["marking"], "SECRET//REL TO USA, AUS, KOR");
    // Bad BER: exit 2, the byte and the field named.
    std::fs::write(&ber, [0x31, 0x06, 0x02, 0x01, 0x04, 0x02, 0x01, 0x05]).unwrap();
    let out = pillar(&["label", "validate", "--label", ber.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("BER byte 5: security-classification: given twice"),
        "{err}"
    );
}
