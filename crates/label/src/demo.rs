//! Pillar's demo policies, written by us: a US national policy, a ROK national policy (names in
//! Korean, English and Korean markings) and the combined coalition policy, with the
//! equivalences stated in their headers. They are a demo assumption, not any nation's policy.

use crate::engine::PolicySet;
use crate::spif::Policy;

/// The coalition policy's SPIF.
pub const COALITION_SPIF: &str = include_str!("../spifs/pillar-coalition.xml");
/// The US demo policy's SPIF.
pub const US_SPIF: &str = include_str!("../spifs/pillar-us-demo.xml");
/// The ROK demo policy's SPIF.
pub const ROK_SPIF: &str = include_str!("../spifs/pillar-rok-demo.xml");

/// The three demo policies: coalition, US, ROK (in that order).
pub fn demo_policies() -> PolicySet {
    let parse = |text: &str| Policy::parse(text.as_bytes()).expect("shipped SPIFs are valid");
    PolicySet::new(vec![parse(COALITION_SPIF), parse(US_SPIF), parse(ROK_SPIF)])
        .expect("shipped SPIFs are distinct")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_label, Dominance, Location};

    fn label(
        set: &PolicySet,
        policy: &str,
        class: &str,
        rel: &[&str],
        extra: &str,
    ) -> crate::Resolved {
        let values: Vec<String> = rel
            .iter()
            .map(|v| format!(r#"{{"generic":"{v}"}}"#))
            .collect();
        let mut cats = Vec::new();
        if !rel.is_empty() {
            cats.push(format!(
                r#"{{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{}]}}"#,
                values.join(",")
            ));
        }
        if !extra.is_empty() {
            cats.push(extra.to_string());
        }
        let json = format!(
            r#"{{"policy":{{"name":"{policy}"}},"classification":"{class}","categories":[{}]}}"#,
            cats.join(",")
        );
        read_label(json.as_bytes(), set).unwrap().0
    }

    #[test]
    fn banners_and_portions() {
        let set = demo_policies();
        let l = label(
            &set,
            "PILLAR COALITION",
            "SECRET",
            &["KOR", "USA", "AUS", "GBR"],
            "",
        );
        assert!(set.is_valid(&l), "{:?}", set.validate(&l));
        assert_eq!(set.banner(&l, "en"), "SECRET//REL TO USA, AUS, GBR, KOR");
        assert_eq!(set.portion(&l, "en"), "(S//REL TO USA, AUS, GBR, KOR)");
        let l = label(
            &set,
            "PILLAR COALITION",
            "SECRET",
            &["FVEY", "KOR", "USA", "CFCK"],
            "",
        );
        assert_eq!(set.banner(&l, "en"), "SECRET//REL TO USA, KOR, CFCK, FVEY");
        assert_eq!(
            set.banner(&l, "ko"),
            "Ⅱ급비밀//열람 허용 USA, KOR, CFCK, FVEY"
        );
        let nf =
            r#"{"type":"RESTRICTIVE","tag_name":"Dissemination","values":[{"generic":"NOFORN"}]}"#;
        let l = label(&set, "PILLAR COALITION", "TOP SECRET", &[], nf);
        assert_eq!(set.banner(&l, "en"), "TOP SECRET//NOFORN");
        assert_eq!(set.portion(&l, "en"), "(TS//NF)");
        let l = label(&set, "PILLAR COALITION", "UNCLASSIFIED", &[], "");
        assert_eq!(set.banner(&l, "en"), "UNCLASSIFIED");
        assert_eq!(set.marking(&l, "ko", Location::PageBottom), "평문");
    }

    #[test]
    fn classified_labels_need_releasability_or_noforn() {
        let set = demo_policies();
        let l = label(&set, "PILLAR COALITION", "SECRET", &[], "");
        assert!(!set.is_valid(&l));
    }

    #[test]
    fn rok_and_us_translate_both_ways() {
        let set = demo_policies();
        let rok = set.find("PILLAR ROK DEMO").unwrap();
        let us = set.find("PILLAR US DEMO").unwrap();
        let l = label(&set, "PILLAR ROK DEMO", "Ⅱ급비밀", &["USA", "KOR"], "");
        assert_eq!(set.banner(&l, "en"), "ROK CLASS II SECRET//REL TO USA, KOR");
        assert_eq!(set.banner(&l, "ko"), "Ⅱ급비밀//열람 허용 USA, KOR");
        let u = set.translate(&l, us).unwrap();
        assert_eq!(set.banner(&u, "en"), "SECRET//REL TO USA, KOR");
        assert_eq!(set.translate(&u, rok).unwrap(), l);
        // A programme access has no ROK equivalent: the translation fails, naming it.
        let sap = r#"{"type":"RESTRICTIVE","tag_name":"Programme Access","values":[{"generic":"HAWKEYE"}]}"#;
        let l = label(&set, "PILLAR US DEMO", "SECRET", &["USA", "KOR"], sap);
        let e = set.translate(&l, rok).unwrap_err();
        assert!(e.contains("HAWKEYE"), "{e}");
        assert_eq!(set.banner(&l, "en"), "SECRET//SAR-HAWKEYE//REL TO USA, KOR");
    }

    #[test]
    fn lowering_is_a_lower_class_a_removed_restriction_or_a_wider_release() {
        let set = demo_policies();
        let s_usa = label(&set, "PILLAR COALITION", "SECRET", &["USA"], "");
        let s_usa_kor = label(&set, "PILLAR COALITION", "SECRET", &["USA", "KOR"], "");
        let c_usa = label(&set, "PILLAR COALITION", "CONFIDENTIAL", &["USA"], "");
        let ts_usa = label(&set, "PILLAR COALITION", "TOP SECRET", &["USA"], "");
        let sap = r#"{"type":"RESTRICTIVE","tag_name":"Programme Access","values":[{"generic":"HAWKEYE"}]}"#;
        let s_usa_sap = label(&set, "PILLAR COALITION", "SECRET", &["USA"], sap);
        assert!(set.is_lowering(&s_usa, &c_usa).unwrap());
        assert!(set.is_lowering(&s_usa, &s_usa_kor).unwrap());
        assert!(set.is_lowering(&s_usa_sap, &s_usa).unwrap());
        assert!(!set.is_lowering(&s_usa, &ts_usa).unwrap());
        assert!(!set.is_lowering(&s_usa_kor, &s_usa).unwrap());
        assert!(!set.is_lowering(&s_usa, &s_usa_sap).unwrap());
        assert!(!set.is_lowering(&s_usa, &s_usa).unwrap());
        // Across policies: ROK Ⅱ급비밀 REL USA is the same as coalition SECRET REL USA.
        let rok = label(&set, "PILLAR ROK DEMO", "Ⅱ급비밀", &["USA"], "");
        assert!(!set.is_lowering(&s_usa, &rok).unwrap());
    }

    #[test]
    fn dominant_across_policies() {
        let set = demo_policies();
        let a = label(
            &set,
            "PILLAR COALITION",
            "CONFIDENTIAL",
            &["USA", "KOR", "AUS"],
            "",
        );
        let b = label(&set, "PILLAR ROK DEMO", "Ⅱ급비밀", &["USA", "KOR"], "");
        match set.dominant(&[a, b], None) {
            Dominance::Ok(d) => assert_eq!(set.banner(&d, "en"), "SECRET//REL TO USA, KOR"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn choices_offer_what_the_clearance_may_write() {
        let set = demo_policies();
        let coalition = set.find("PILLAR COALITION").unwrap();
        let clearance = |classes: &str, cats: &str| {
            let json = format!(
                r#"{{"policy":{{"name":"PILLAR COALITION"}},"classifications":[{classes}],"categories":[{cats}]}}"#
            );
            set.resolve_clearance(&crate::Clearance::from_json(&json).unwrap())
                .unwrap()
        };
        let rel =
            r#"{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"KOR"}]}"#;
        let c = clearance(r#""UNCLASSIFIED","CUI","CONFIDENTIAL","SECRET""#, rel);
        let p = set.policy(coalition);
        let (classes, cats) = set.choices(coalition, &c);
        let names: Vec<&str> = classes
            .iter()
            .map(|l| p.classification(*l).unwrap().name.as_str())
            .collect();
        assert!(
            names.contains(&"SECRET") && !names.contains(&"TOP SECRET"),
            "{names:?}"
        );
        let cat_names: Vec<&str> = cats
            .iter()
            .map(|o| p.categories[*o as usize].name.as_str())
            .collect();
        // Every nation to release to; no programme the clearance is not read into.
        assert!(
            cat_names.contains(&"USA") && cat_names.contains(&"AUKUS"),
            "{cat_names:?}"
        );
        assert!(!cat_names.contains(&"HAWKEYE"), "{cat_names:?}");
        let sap = r#"{"type":"RESTRICTIVE","tag_name":"Programme Access","values":[{"generic":"HAWKEYE"}]}"#;
        let read_in = clearance(r#""UNCLASSIFIED","SECRET""#, &format!("{rel},{sap}"));
        let (_, cats) = set.choices(coalition, &read_in);
        assert!(cats
            .iter()
            .any(|o| p.categories[*o as usize].name == "HAWKEYE"));
    }

    #[test]
    fn most_restrictive_keeps_the_caveat_the_dominant_rule_drops() {
        let set = demo_policies();
        let u = label(&set, "PILLAR COALITION", "UNCLASSIFIED", &[], "");
        let s = label(&set, "PILLAR COALITION", "SECRET", &["USA", "KOR"], "");
        let s2 = label(
            &set,
            "PILLAR COALITION",
            "SECRET",
            &["USA", "KOR", "AUS"],
            "",
        );
        // The dominant rule omits a permissive tag absent from any label: SECRET alone, invalid.
        assert!(matches!(
            set.dominant(&[u.clone(), s.clone()], None),
            Dominance::PolicyDecisionRequired { .. }
        ));
        let groups = std::collections::BTreeMap::from([(
            "AUKUS".to_string(),
            vec!["AUS".to_string(), "GBR".to_string(), "USA".to_string()],
        )]);
        let m = set
            .most_restrictive(&[u, s.clone(), s2], None, &groups)
            .unwrap();
        assert_eq!(set.banner(&m, "en"), "SECRET//REL TO USA, KOR");
        // Where the dominant label is valid, both readings agree.
        let c = label(
            &set,
            "PILLAR COALITION",
            "CONFIDENTIAL",
            &["USA", "KOR", "AUS"],
            "",
        );
        match set.dominant(&[c.clone(), s.clone()], None) {
            Dominance::Ok(d) => {
                assert_eq!(
                    set.most_restrictive(&[c, s.clone()], None, &groups),
                    Some(d)
                )
            }
            other => panic!("{other:?}"),
        }
        // Groups count as their members where the labels differ, and stay named where not.
        let aukus = label(&set, "PILLAR COALITION", "SECRET", &["AUKUS"], "");
        let c = label(
            &set,
            "PILLAR COALITION",
            "CONFIDENTIAL",
            &["USA", "AUS", "KOR"],
            "",
        );
        let m = set
            .most_restrictive(&[aukus.clone(), c], None, &groups)
            .unwrap();
        assert_eq!(set.banner(&m, "en"), "SECRET//REL TO USA, AUS");
        let m = set
            .most_restrictive(&[aukus.clone(), aukus], None, &groups)
            .unwrap();
        assert_eq!(set.banner(&m, "en"), "SECRET//REL TO AUKUS");
        // Nothing to read: no reading.
        assert_eq!(set.most_restrictive(&[], None, &groups), None);
    }
}

#[cfg(test)]
mod form_tests {
    use super::*;
    use crate::{read_label, write_label, Form, LABEL_ROOTS};

    #[test]
    fn emitted_4774_labels_carry_the_required_elements() {
        let set = demo_policies();
        let (r, _, _) = read_label(
            br#"{"policy":{"name":"PILLAR COALITION"},"classification":"CUI"}"#,
            &set,
        )
        .unwrap();
        let text = write_label(&set, &r, Form::Nato4774, None, "2026-11-28T00:00:00Z").unwrap();
        let root = crate::xml::parse(&text, 1 << 20).unwrap();
        assert_eq!(root.name, LABEL_ROOTS[0]);
        assert_eq!(root.ns.as_deref(), Some(crate::LABEL_NS));
        let info = root.child("ConfidentialityInformation").unwrap();
        assert!(info
            .child("PolicyIdentifier")
            .unwrap()
            .attr("URI")
            .is_some());
        assert_eq!(info.child("Classification").unwrap().text, "CUI");
        assert_eq!(
            root.child("CreationDateTime").unwrap().text,
            "2026-11-28T00:00:00Z"
        );
    }

    #[test]
    fn unknown_names_are_errors_naming_them() {
        let set = demo_policies();
        for (json, word) in [
            (
                r#"{"policy":{"name":"NOPE"},"classification":"SECRET"}"#,
                "NOPE",
            ),
            (
                r#"{"policy":{"name":"PILLAR COALITION"},"classification":"ULTRA"}"#,
                "ULTRA",
            ),
            (
                r#"{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"generic":"MARS"}]}]}"#,
                "MARS",
            ),
            (
                r#"{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"PERMISSIVE","tag_name":"Releasable To","values":[{"integer":9999}]}]}"#,
                "9999",
            ),
            (
                r#"{"policy":{"name":"PILLAR COALITION"},"classification":"SECRET","categories":[{"type":"RESTRICTIVE","tag_name":"Nowhere","values":[{"generic":"X"}]}]}"#,
                "Nowhere",
            ),
        ] {
            let e = read_label(json.as_bytes(), &set).unwrap_err().to_string();
            assert!(e.contains(word), "{e}");
        }
    }
}
