//! The label readers (STANAG 4774 XML, spiffy XML, JSON) must never panic; what they accept
//! must survive every decision and a round trip.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pillar_label::{demo::demo_policies, read_label, write_label, Form, Location, PolicySet};

fn set() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(demo_policies)
}

fuzz_target!(|data: &[u8]| {
    let set = set();
    if let Ok((r, _, doc)) = read_label(data, set) {
        let _ = set.validate(&r);
        let _ = set.marking(&r, "ko", Location::PageBottom);
        let _ = set.banner(&r, "en");
        for target in 0..set.policies().len() {
            let _ = set.translate(&r, target);
        }
        let _ = set.dominant(&[r.clone(), r.clone()], None);
        for form in [Form::Nato4774, Form::Spiffy, Form::Json, Form::Ber, Form::Stanag5636] {
            let Ok(bytes) = write_label(set, &r, form, doc.as_ref(), "2026-01-01T00:00:00Z") else {
                continue; // BER of a policy whose identifiers are not OIDs
            };
            let (back, _, _) = read_label(&bytes, set).expect("what we write, we read");
            assert_eq!(back, r);
        }
    }
});
