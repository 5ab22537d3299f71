//! Seals and opens files with the container alone, for benchmarks and fuzz seeds:
//!
//!   tdf keys DIR                  write kas.pem and sign.pem (RSA-2048) into DIR
//!   tdf seal DIR IN OUT           seal IN for DIR's key
//!   tdf open DIR IN OUT           verify and decrypt IN with DIR's keys
//!
//! Three segments in memory at a time (2 MiB each): peak memory does not grow with the file.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use pillar_tdf::assertion::Assertion;
use pillar_tdf::container::{open, seal, Recipient, Seal};
use pillar_tdf::keys::PrivateKey;
use pillar_tdf::manifest::{PolicyBody, PolicyObject};

fn key(dir: &Path, name: &str) -> PrivateKey {
    PrivateKey::from_pem(&std::fs::read_to_string(dir.join(name)).expect("key file")).expect("PEM")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(&args[2]);
    match args[1].as_str() {
        "keys" => {
            std::fs::create_dir_all(dir).unwrap();
            std::fs::write(dir.join("kas.pem"), PrivateKey::generate().to_pem()).unwrap();
            std::fs::write(dir.join("sign.pem"), PrivateKey::generate().to_pem()).unwrap();
        }
        "seal" => {
            let kas = key(dir, "kas.pem").public();
            let sign = key(dir, "sign.pem");
            let mut input = BufReader::with_capacity(1 << 21, File::open(&args[3]).unwrap());
            let out = BufWriter::with_capacity(1 << 21, File::create(&args[4]).unwrap());
            seal(
                Seal {
                    policy: PolicyObject::new(PolicyBody::default()),
                    recipients: vec![Recipient {
                        url: "http://localhost:8080/kas".into(),
                        kid: "k0001".into(),
                        key: &kas,
                    }],
                    mime_type: "application/octet-stream".into(),
                    segment_size: pillar_tdf::DEFAULT_SEGMENT_SIZE,
                    assertions: vec![Assertion::handling(
                        "label".into(),
                        pillar_tdf::assertion::FORMAT_5636,
                        pillar_tdf::assertion::SCHEMA_5636,
                        r#"{"ocl":{"pol":"urn:oid:2.25.1","cls":"SECRET"}}"#.into(),
                    )],
                    signer: Some(("k0001", &sign)),
                },
                &mut input,
                out,
            )
            .unwrap();
        }
        "open" => {
            let kas = key(dir, "kas.pem");
            let sign = key(dir, "sign.pem").public();
            let mut r = BufReader::with_capacity(1 << 21, File::open(&args[3]).unwrap());
            let o = open(&mut r).unwrap();
            o.verify_assertions(&|_| Some(sign.clone())).unwrap();
            let k = o.unwrap_key(0, &kas).unwrap();
            let mut out = BufWriter::with_capacity(1 << 21, File::create(&args[4]).unwrap());
            o.decrypt(&mut r, &k, &mut out).unwrap();
        }
        other => panic!("unknown command {other}"),
    }
}
