//! Property tests of the payload: any content and segment size round-trips, and any single
//! altered byte of the encrypted payload is refused.

use pillar_tdf::{decrypt, encrypt, PayloadKey};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn round_trip(plain in prop::collection::vec(any::<u8>(), 0..3000), seg in 1u64..700) {
        let key = PayloadKey::random();
        let mut enc = Vec::new();
        let info = encrypt(&key, seg, &mut plain.as_slice(), &mut enc).unwrap();
        let mut out = Vec::new();
        decrypt(&key, &info, false, &mut enc.as_slice(), &mut out).unwrap();
        prop_assert_eq!(out, plain);
    }

    #[test]
    fn any_altered_byte_is_refused(
        plain in prop::collection::vec(any::<u8>(), 0..2000),
        seg in 1u64..500,
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let key = PayloadKey::random();
        let mut enc = Vec::new();
        let info = encrypt(&key, seg, &mut plain.as_slice(), &mut enc).unwrap();
        let i = at.index(enc.len());
        enc[i] ^= flip;
        prop_assert!(decrypt(&key, &info, false, &mut enc.as_slice(), &mut Vec::new()).is_err());
    }
}
