//! The clearance readers must never panic; what they accept must survive a round trip.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use pillar_label::{demo::demo_policies, read_clearance, write_clearance, Form, PolicySet};

fn set() -> &'static PolicySet {
    static SET: OnceLock<PolicySet> = OnceLock::new();
    SET.get_or_init(demo_policies)
}

fuzz_target!(|data: &[u8]| {
    let set = set();
    if let Ok((c, _)) = read_clearance(data, set) {
        let _ = set.clearance_marking(&c, "en");
        for form in [Form::Nato4774, Form::Spiffy, Form::Json] {
            let text = write_clearance(set, &c, form);
            let (back, _) = read_clearance(text.as_bytes(), set).expect("what we write, we read");
            assert_eq!(back, c);
        }
    }
});
