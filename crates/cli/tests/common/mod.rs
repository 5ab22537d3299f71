//! What every black-box test of the `pillar` binary needs: run it against a data directory of
//! its own (no database URL or config file from the environment), and read its outcome.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

pub fn pillar(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pillar"))
        .args(args)
        .env("PILLAR_DATA_DIR", data_dir)
        .env_remove("PILLAR_DB")
        .env_remove("PILLAR_CONFIG")
        .env("PILLAR_LOG", "warn")
        .output()
        .expect("run pillar")
}

/// Standard output of a run that must succeed.
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "pillar failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Standard error of a run that must fail as bad input (exit status 2).
pub fn bad(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}
