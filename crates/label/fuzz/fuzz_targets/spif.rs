//! The SPIF reader must never panic, whatever the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = pillar_label::Policy::parse(data) {
        // A policy that parsed must be usable.
        if let Ok(set) = pillar_label::PolicySet::new(vec![p]) {
            for (i, c) in set.policy(0).classifications.iter().enumerate() {
                let r = pillar_label::Resolved { policy: 0, class: c.lacv, cats: vec![] };
                let _ = set.validate(&r);
                let _ = set.marking(&r, "fr-CA", pillar_label::Location::PageTop);
                let _ = i;
            }
        }
    }
});
