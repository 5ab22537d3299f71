//! A payload encrypted under a fixed key, then altered by the fuzzer's bytes (XORed in from the
//! start, extra bytes appended): decryption gives the plaintext back exactly when nothing was
//! altered, and an error otherwise — never a panic, never other bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pillar_tdf::{decrypt, encrypt, PayloadKey};

fuzz_target!(|data: &[u8]| {
    let key = PayloadKey::from_bytes([9; 32]);
    let plain: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
    let mut enc = Vec::new();
    let info = encrypt(&key, 64, &mut plain.as_slice(), &mut enc).unwrap();
    let original = enc.clone();
    for (i, b) in data.iter().enumerate() {
        if i < enc.len() {
            enc[i] ^= b;
        } else {
            enc.push(*b);
        }
    }
    let mut out = Vec::new();
    match decrypt(&key, &info, false, &mut enc.as_slice(), &mut out) {
        Ok(_) => {
            assert_eq!(enc, original, "an altered payload decrypted");
            assert_eq!(out, plain);
        }
        Err(_) => assert_ne!(enc, original, "an intact payload was refused"),
    }
});
