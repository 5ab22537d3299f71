//! Any bytes as a manifest: read and checked, then its integrity information checked under a
//! key and its policy read, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pillar_tdf::manifest::{Manifest, PolicyObject};
use pillar_tdf::{check, PayloadKey};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Manifest::from_json(data) {
        let key = PayloadKey::from_bytes([7; 32]);
        let _ = check(&key, &m.encryption_information.integrity_information, m.legacy());
        let _ = PolicyObject::from_base64(&m.encryption_information.policy);
        let again = Manifest::from_json(&m.to_json()).expect("what we write, we read");
        assert_eq!(again, m);
    }
});
