//! Black-box tests of `pillar supply …`.

mod common;

use common::pillar;
use std::path::Path;

fn demo_dir() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../supply/data/demo").to_string()
}

/// A copy of the demo bundle with one file replaced.
fn bundle_with(dir: &Path, file: &str, text: &str) -> String {
    let b = dir.join("bundle");
    std::fs::create_dir_all(&b).unwrap();
    for f in [
        "items.csv",
        "bom.csv",
        "sites.csv",
        "sources.csv",
        "inventory.csv",
        "demand.csv",
    ] {
        std::fs::copy(Path::new(&demo_dir()).join(f), b.join(f)).unwrap();
    }
    std::fs::write(b.join(file), text).unwrap();
    b.display().to_string()
}

#[test]
fn analyze_and_whatif_json() {
    let tmp = tempfile::tempdir().unwrap();
    let out = pillar(tmp.path(), &["supply", "analyze", &demo_dir(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mav = &v["items"]["MAV"];
    // Worked by hand from the demo bundle (docs/supply.md §1; an item with children takes their
    // mix, not its own sources):
    //   propulsion 0.30 ← NdFeB ← refined ← mined REO: CHN .69 USA .12 MMR .08 AUS .04 NGA .04 THA .03
    //   battery    0.35 ← cells ← cobalt: COD .76 IDN .10 AUS .07 RUS .07
    //   sonar      0.20 ← PZT from an Australian site: AUS 1
    //   navigation 0.15 ← GaN (← gallium: CHN .98 JPN .01 KOR .01) and FPGA (USA 1), equal weights
    // CHN = .30·.69 + .15·.5·.98 = .2805; the other shares likewise, and HHI = Σ share².
    let expected: [(&str, f64); 11] = [
        ("CHN", 0.30 * 0.69 + 0.15 * 0.5 * 0.98),
        ("USA", 0.30 * 0.12 + 0.15 * 0.5),
        ("MMR", 0.30 * 0.08),
        ("AUS", 0.30 * 0.04 + 0.35 * 0.07 + 0.20),
        ("NGA", 0.30 * 0.04),
        ("THA", 0.30 * 0.03),
        ("COD", 0.35 * 0.76),
        ("IDN", 0.35 * 0.10),
        ("RUS", 0.35 * 0.07),
        ("JPN", 0.15 * 0.5 * 0.01),
        ("KOR", 0.15 * 0.5 * 0.01),
    ];
    let exposure = mav["exposure"].as_object().unwrap();
    assert_eq!(exposure.len(), expected.len(), "{exposure:?}");
    for (c, share) in expected {
        let got = exposure[c].as_f64().unwrap();
        assert!((got - share).abs() < 1e-12, "{c}: {got} != {share}");
    }
    let hhi: f64 = expected.iter().map(|(_, s)| s * s).sum();
    assert!((mav["hhi"].as_f64().unwrap() - hhi).abs() < 1e-12);
    assert!((hhi - 0.220316875).abs() < 1e-9);
    assert!(mav["spof"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "country:KOR"));
    assert_eq!(mav["independent_sources"], 1);
    let out = pillar(
        tmp.path(),
        &[
            "supply",
            "whatif",
            &demo_dir(),
            "--disrupt",
            "country:CHN",
            "--json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let q = &v["items"]["QINU"];
    // Gallium keeps its Japanese and Korean sources (0.01 + 0.01): QINU retains 0.02. Its laser
    // diodes need gallium and hold no stock; gallium's 45 days of stock drain at 1 − 0.02 a day,
    // so QINU's delivery drops after 45 / 0.98 days (its control electronics last longer on the
    // GaN transistors' own 30 days).
    assert!((q["retained"].as_f64().unwrap() - 0.02).abs() < 1e-12);
    let tts = q["tts_days"].as_f64().unwrap();
    assert!((tts - 45.0 / 0.98).abs() < 1e-9, "{tts}");
    // Nations lost together (the option repeated, or a comma list): without China, Japan and
    // Korea no gallium is left, and QINU retains nothing.
    let demo_dir_s = demo_dir();
    let whatif = |disrupt: &[&str]| {
        let mut args = vec!["supply", "whatif", &demo_dir_s, "--json"];
        for d in disrupt {
            args.extend(["--disrupt", d]);
        }
        pillar(tmp.path(), &args)
    };
    let out = whatif(&["country:CHN", "country:JPN,country:KOR"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["items"]["QINU"]["retained"].as_f64().unwrap(), 0.0);
    // A country the network does not hold is refused (exit 2), not answered "no shortfall".
    for bad in [
        "country:XYZ",
        "country:CHN,country:XYZ",
        "country:CHN,nonsense",
    ] {
        let out = whatif(&[bad]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("--disrupt"), "{bad}: {err}");
        assert!(out.stdout.is_empty(), "{bad}");
    }
}

#[test]
fn bad_bundles_exit_2_naming_file_line_field() {
    let cases = [
        (
            "bom.csv",
            "parent,child,quantity\nMAV,MAV-PROP,1\nMAV-PROP,NDFEB,1\nNDFEB,MAV-PROP,1\n",
            "bom.csv",
            "cycle",
        ),
        (
            "sources.csv",
            "item,site,share\nGALLIUM,cn-gallium,0.5\nGALLIUM,jp-gallium,0.3\n",
            "sources.csv:3: field `share`",
            "sum to",
        ),
        (
            "bom.csv",
            "parent,child,quantity\nMAV,NOPE,1\n",
            "bom.csv:2: field `child`",
            "unknown item",
        ),
        (
            "bom.csv",
            "parent,child,quantity\nMAV,MAV-PROP,-2\n",
            "bom.csv:2: field `quantity`",
            "positive",
        ),
        (
            "sites.csv",
            "id,name,supplier,country\nx,X,s,ZZZ\n",
            "sites.csv:2: field `country`",
            "ISO",
        ),
    ];
    for (file, text, place, reason) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = bundle_with(tmp.path(), file, text);
        let out = pillar(tmp.path(), &["supply", "analyze", &dir]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(place) && err.contains(reason),
            "expected `{place}` … `{reason}` in: {err}"
        );
        // Nothing is stored from a bad bundle.
        let out = pillar(tmp.path(), &["supply", "import", &dir, "--id", "x"]);
        assert_eq!(out.status.code(), Some(2));
        let out = pillar(tmp.path(), &["supply", "list", "--json"]);
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    }
}

#[test]
fn generate_import_and_analyze_from_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("gen");
    let out = pillar(
        tmp.path(),
        &[
            "supply",
            "generate",
            "--nodes",
            "2000",
            "--seed",
            "5",
            "--out",
            out_dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success());
    let from_dir = pillar(
        tmp.path(),
        &["supply", "analyze", out_dir.to_str().unwrap(), "--json"],
    );
    let out = pillar(
        tmp.path(),
        &["supply", "import", out_dir.to_str().unwrap(), "--id", "g"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_store = pillar(
        tmp.path(),
        &["supply", "analyze", "--network", "g", "--json"],
    );
    assert!(from_store.status.success());
    let a: serde_json::Value = serde_json::from_slice(&from_dir.stdout).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&from_store.stdout).unwrap();
    let (a, b) = (
        a["items"].as_object().unwrap(),
        b["items"].as_object().unwrap(),
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (id, x) in a {
        let y = &b[id];
        assert_eq!(x["spof"], y["spof"], "{id}");
        assert_eq!(x["independent_sources"], y["independent_sources"], "{id}");
        // Shares are summed in another order when read back from the store.
        for (c, v) in x["exposure"].as_object().unwrap() {
            assert!(
                (v.as_f64().unwrap() - y["exposure"][c].as_f64().unwrap()).abs() < 1e-12,
                "{id} {c}"
            );
        }
    }
}
