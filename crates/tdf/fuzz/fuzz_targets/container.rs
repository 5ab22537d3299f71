//! Any bytes as a TDF: the archive, manifest, policy and assertions read; the payload checked
//! without a key; assertions verified, the key unwrapped and the payload decrypted under fixed
//! keys — never a panic, and memory bounded by the readers' limits.
#![no_main]
use std::io::Cursor;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pillar_tdf::container::open;
use pillar_tdf::keys::PrivateKey;

/// The fixed keys (PEM in the environment when seeding a corpus with them, else new).
fn keys() -> &'static (PrivateKey, PrivateKey) {
    static KEYS: OnceLock<(PrivateKey, PrivateKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let read = |var: &str| {
            std::env::var(var)
                .ok()
                .and_then(|p| std::fs::read_to_string(p).ok())
                .and_then(|t| PrivateKey::from_pem(&t).ok())
                .unwrap_or_else(PrivateKey::generate)
        };
        (read("TDF_FUZZ_KAS_KEY"), read("TDF_FUZZ_SIGN_KEY"))
    })
}

fuzz_target!(|data: &[u8]| {
    let mut r = Cursor::new(data);
    let Ok(o) = open(&mut r) else { return };
    let _ = o.check_payload(&mut r);
    let (kas, sign) = keys();
    let public = sign.public();
    let _ = o.verify_assertions(&|_| Some(public.clone()));
    if let Ok(key) = o.unwrap_key(0, kas) {
        let _ = o.decrypt(&mut r, &key, &mut std::io::sink());
    }
});
