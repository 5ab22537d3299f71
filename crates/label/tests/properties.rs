//! Property tests of the label lattice: the ACDF against a small reference model on random
//! policies, labels and clearances; the dominant label's laws; every written form read back.

use pillar_label::{read_label, write_label, Dominance, Form, Policy, PolicySet, Resolved};
use proptest::prelude::*;

/// A random policy: classifications 1..=n_classes and tags of random kinds.
#[derive(Debug, Clone)]
struct Spec {
    n_classes: i64,
    /// (kind, number of categories)
    tags: Vec<(usize, usize)>,
}

const KINDS: [&str; 5] = [
    r#"tagType="restrictive""#,
    r#"tagType="permissive""#,
    r#"tagType="enumerated" enumType="restrictive""#,
    r#"tagType="enumerated" enumType="permissive""#,
    r#"tagType="tagType7" tag7Encoding="bitSetAttributes""#,
];

fn spif(spec: &Spec) -> String {
    let mut s = String::from(
        r#"<SPIF xmlns="http://www.xmlspif.org/spif" schemaVersion="2.1"><securityPolicyId name="P" id="1.2.3"/><securityClassifications>"#,
    );
    for c in 1..=spec.n_classes {
        s.push_str(&format!(
            r#"<securityClassification name="C{c}" lacv="{c}" hierarchy="{c}"/>"#
        ));
    }
    s.push_str("</securityClassifications><securityCategoryTagSets>");
    for (t, (kind, n)) in spec.tags.iter().enumerate() {
        s.push_str(&format!(r#"<securityCategoryTagSet name="T{t}" id="1.2.3.{t}"><securityCategoryTag name="T{t}" {}>"#, KINDS[*kind]));
        for v in 0..*n {
            s.push_str(&format!(r#"<tagCategory name="V{v}" lacv="{v}"/>"#));
        }
        s.push_str("</securityCategoryTag></securityCategoryTagSet>");
    }
    s.push_str("</securityCategoryTagSets></SPIF>");
    s
}

fn spec() -> impl Strategy<Value = Spec> {
    (1i64..5, prop::collection::vec((0usize..5, 1usize..5), 0..5))
        .prop_map(|(n_classes, tags)| Spec { n_classes, tags })
}

/// (class, categories as (tag, value)) — a label or one classification of a clearance.
type Pick = (i64, Vec<(usize, usize)>);

fn pick(spec: &Spec) -> impl Strategy<Value = Pick> {
    let cats: Vec<(usize, usize)> = spec
        .tags
        .iter()
        .enumerate()
        .flat_map(|(t, (_, n))| (0..*n).map(move |v| (t, v)))
        .collect();
    (
        1..=spec.n_classes,
        prop::sample::subsequence(cats.clone(), 0..=cats.len()),
    )
}

fn to_ordinals(spec: &Spec, cats: &[(usize, usize)]) -> Vec<u32> {
    let mut out: Vec<u32> = cats
        .iter()
        .map(|(t, v)| (spec.tags[..*t].iter().map(|(_, n)| n).sum::<usize>() + v) as u32)
        .collect();
    out.sort_unstable();
    out
}

/// The obviously-correct model of LABELS.md's ACDF.
fn reference(spec: &Spec, label: &Pick, classes: &[i64], held: &[(usize, usize)]) -> bool {
    if !classes.contains(&label.0) {
        return false;
    }
    for (t, (kind, _)) in spec.tags.iter().enumerate() {
        let in_label: Vec<_> = label.1.iter().filter(|(lt, _)| *lt == t).collect();
        match kind {
            0 | 2 if in_label.iter().any(|c| !held.contains(c)) => return false,
            1 | 3 if !in_label.is_empty() && !in_label.iter().any(|c| held.contains(c)) => {
                return false
            }
            _ => {}
        }
    }
    true
}

fn case() -> impl Strategy<Value = (Spec, Pick, Vec<i64>, Vec<(usize, usize)>)> {
    spec().prop_flat_map(|s| {
        let n = s.n_classes;
        (
            Just(s.clone()),
            pick(&s),
            prop::collection::vec(1..=n, 0..4),
            pick(&s).prop_map(|p| p.1),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn acdf_matches_the_reference_model((spec, label, classes, held) in case()) {
        let set = PolicySet::new(vec![Policy::parse(spif(&spec).as_bytes()).unwrap()]).unwrap();
        let r = Resolved { policy: 0, class: label.0, cats: to_ordinals(&spec, &label.1) };
        let c = set.clearance_from_parts(0, classes.clone(), to_ordinals(&spec, &held));
        let expected = reference(&spec, &label, &classes, &held);
        prop_assert_eq!(set.acdf(&r, &c), expected);
        prop_assert_eq!(set.decide(&r, &c).access, expected);
    }

    #[test]
    fn every_form_reads_back_and_round_trips_exactly_through_4774(
        (spec, label, mark) in spec().prop_flat_map(|s| (Just(s.clone()), pick(&s), prop::option::of("[A-Za-z가-힣 ]{1,20}")))
    ) {
        const NOW: &str = "2026-12-06T00:00:00Z";
        let set = PolicySet::new(vec![Policy::parse(spif(&spec).as_bytes()).unwrap()]).unwrap();
        let r = Resolved { policy: 0, class: label.0, cats: to_ordinals(&spec, &label.1) };
        let mut envelope = pillar_label::LabelDocument::new(set.to_label(&r));
        // (The XML forms trim a mark's surrounding spaces.)
        envelope.label.privacy_mark = mark.map(|m| m.trim().to_string()).filter(|m| !m.is_empty());
        for form in [Form::Nato4774, Form::Json, Form::Spiffy, Form::Ber, Form::Stanag5636] {
            let bytes = write_label(&set, &r, form, Some(&envelope), NOW).unwrap();
            let (back, found, doc) = read_label(&bytes, &set).unwrap();
            prop_assert_eq!(&back, &r, "{:?}", form);
            prop_assert_eq!(found, form);
            if form != Form::Spiffy {
                prop_assert_eq!(
                    doc.as_ref().and_then(|d| d.label.privacy_mark.clone()),
                    envelope.label.privacy_mark.clone(),
                    "{:?} keeps the privacy mark", form
                );
            }
            // Through the 4774 XML and back: the same bytes.
            let xml = write_label(&set, &back, Form::Nato4774, doc.as_ref(), NOW).unwrap();
            let (r2, _, doc2) = read_label(&xml, &set).unwrap();
            let again = write_label(&set, &r2, form, doc2.as_ref(), NOW).unwrap();
            prop_assert_eq!(again, bytes, "{:?}", form);
        }
    }

    #[test]
    fn dominance_laws((spec, a, b, c) in spec().prop_flat_map(|s| (Just(s.clone()), pick(&s), pick(&s), pick(&s)))) {
        let set = PolicySet::new(vec![Policy::parse(spif(&spec).as_bytes()).unwrap()]).unwrap();
        let r = |p: &Pick| Resolved { policy: 0, class: p.0, cats: to_ordinals(&spec, &p.1) };
        let (a, b, c) = (r(&a), r(&b), r(&c));
        let dom = |x: &[Resolved]| match set.dominant(x, None) {
            Dominance::Ok(d) => d,
            other => panic!("policy without constraints gave {other:?}"),
        };
        // Idempotent, commutative, associative.
        prop_assert_eq!(dom(&[a.clone(), a.clone()]), a.clone());
        let ab = dom(&[a.clone(), b.clone()]);
        prop_assert_eq!(&ab, &dom(&[b.clone(), a.clone()]));
        prop_assert_eq!(dom(&[ab.clone(), c.clone()]), dom(&[a.clone(), dom(&[b.clone(), c.clone()])]));
        // Never visible to anyone who could not see every input: for clearances that hold every
        // classification up to a level, whenever no permissive tag was dropped for being absent
        // from an input or emptied by the intersection (ADatP-4774.1 omits such a tag, which
        // widens the result unless the policy requires the tag; see LABELS.md).
        let perm_tags = |x: &Resolved| -> Vec<usize> {
            spec.tags.iter().enumerate().filter(|(t, (k, _))| (*k == 1 || *k == 3) && x.cats.iter().any(|o| tag_of(&spec, *o) == *t)).map(|(t, _)| t).collect()
        };
        if perm_tags(&a) == perm_tags(&b) && perm_tags(&ab) == perm_tags(&a) {
            for level in 1..=spec.n_classes {
                let classes: Vec<i64> = (1..=level).collect();
                for held in [vec![], ab.cats.clone(), a.cats.clone(), b.cats.clone()] {
                    let cl = set.clearance_from_parts(0, classes.clone(), held);
                    if set.acdf(&ab, &cl) {
                        prop_assert!(set.acdf(&a, &cl) && set.acdf(&b, &cl));
                    }
                }
            }
        }
    }
}

fn tag_of(spec: &Spec, o: u32) -> usize {
    let mut acc = 0;
    for (t, (_, n)) in spec.tags.iter().enumerate() {
        acc += n;
        if (o as usize) < acc {
            return t;
        }
    }
    unreachable!()
}
