//! Black-box tests of `pillar tdf …` and `pillar kas …`: seal, inspect, decrypt, rotate; bad
//! input refused with exit 2, naming what is wrong, leaving nothing behind.

mod common;

use common::{bad, ok, pillar};

const LABEL: &str = r#"{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"USA"},{"generic":"KOR"}]}]}"#;

#[test]
fn a_file_sealed_under_a_label_inspects_and_decrypts_and_damage_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(&pillar(d, &["db", "seed", "--demo-data"]));
    let plain: Vec<u8> = (0..5_000_000u32).map(|i| (i % 253) as u8).collect();
    let file = d.join("annex.bin");
    std::fs::write(&file, &plain).unwrap();
    let f = file.to_str().unwrap();
    let out = ok(&pillar(
        d,
        &["tdf", "encrypt", f, "--label", LABEL, "--json"],
    ));
    let made: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(made["kid"], "k0001");
    let tdf = format!("{f}.tdf");
    // The key directory is its owner's only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let kas = d.join("kas");
        assert_eq!(
            std::fs::metadata(&kas).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let key = kas.join("k0001.wrap.pem");
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let info: serde_json::Value =
        serde_json::from_str(&ok(&pillar(d, &["tdf", "inspect", &tdf, "--json"]))).unwrap();
    assert_eq!(info["intact"], true, "{info}");
    assert_eq!(info["segments"], 3);
    assert_eq!(info["marking"]["en"], "SECRET//REL TO USA, KOR", "{info}");
    assert!(!info["marking"]["ko"].as_str().unwrap().is_empty());
    assert_eq!(info["policy"]["dissem"], serde_json::json!(["USA", "KOR"]));
    let text = ok(&pillar(d, &["tdf", "inspect", &tdf]));
    assert!(text.contains("assertions   1 verified"), "{text}");
    // A new key generation: the TDF made under the old one still decrypts.
    let keys: serde_json::Value =
        serde_json::from_str(&ok(&pillar(d, &["kas", "rotate", "--json"]))).unwrap();
    assert_eq!(keys["kid"], "k0002");
    let listed: serde_json::Value =
        serde_json::from_str(&ok(&pillar(d, &["kas", "keys", "--json"]))).unwrap();
    assert_eq!(listed["kids"], serde_json::json!(["k0001", "k0002"]));
    let back = d.join("back.bin");
    ok(&pillar(
        d,
        &["tdf", "decrypt", &tdf, "-o", back.to_str().unwrap()],
    ));
    assert_eq!(std::fs::read(&back).unwrap(), plain);

    // Damage: each refused with exit 2, naming what failed; no output left behind.
    let bytes = std::fs::read(&tdf).unwrap();
    let damaged = |name: &str, b: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, b).unwrap();
        p.display().to_string()
    };
    let out_path = d.join("never.bin");
    let o = out_path.to_str().unwrap();
    let truncated = damaged("truncated.tdf", &bytes[..bytes.len() / 2]);
    assert!(bad(&pillar(d, &["tdf", "decrypt", &truncated, "-o", o])).contains("not a zip archive"));
    let not_zip = damaged("not.tdf", b"this is plain text, not a TDF at all");
    assert!(bad(&pillar(d, &["tdf", "inspect", &not_zip])).contains("not a zip archive"));
    // A byte of the second segment flipped: the CRC, and with the key the segment, fail.
    let mut flipped = bytes.clone();
    flipped[2_200_000] ^= 0x40;
    let flipped = damaged("flipped.tdf", &flipped);
    let e = bad(&pillar(d, &["tdf", "decrypt", &flipped, "-o", o]));
    assert!(e.contains("segment 1") || e.contains("CRC-32"), "{e}");
    assert!(!out_path.exists(), "a decrypt that failed left its output");
    assert!(
        std::fs::read_dir(d).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".part")),
        "a temporary file was left"
    );
    let e = bad(&pillar(d, &["tdf", "inspect", &flipped]));
    assert!(e.contains("not intact"), "{e}");
    // The manifest stored compressed (method 8 in its directory entry).
    let mut compressed = bytes.clone();
    let central = compressed
        .windows(4)
        .rposition(|w| w == [0x50, 0x4b, 0x01, 0x02])
        .unwrap();
    compressed[central + 10] = 8;
    let compressed = damaged("deflated.tdf", &compressed);
    assert!(bad(&pillar(d, &["tdf", "inspect", &compressed])).contains("compressed (method 8)"));
    // A label that is not valid, a file that is not there.
    let e = bad(&pillar(
        d,
        &[
            "tdf",
            "encrypt",
            f,
            "--label",
            r#"{"policy":{"name":"PILLAR COALITION"},"classification":"ULTRA"}"#,
        ],
    ));
    assert!(e.contains("--label"), "{e}");
    let e = bad(&pillar(
        d,
        &["tdf", "encrypt", "/no/such/file", "--label", LABEL],
    ));
    assert!(e.contains("/no/such/file"), "{e}");
}
