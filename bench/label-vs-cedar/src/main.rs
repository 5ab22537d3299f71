//! Pillar's ACDF and Cedar, side by side, on the same releasability policy: first both must
//! agree on every one of 100 000 random requests, then the time per decision of each is printed
//! with the ratio.
//!
//! Run: `bench/label-vs-cedar.sh` (or `cargo run --release` in this folder).

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Instant;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, PolicySet as CedarPolicies, Request,
};
use pillar_label::demo::demo_policies;
use pillar_label::{PolicySet, Resolved, ResolvedClearance};
use rand::{Rng, SeedableRng};
use serde_json::json;

/// The coalition releasability policy in Cedar: the classification must be held, every
/// restrictive category held, and, when the label carries Releasable To values, at least one of
/// them held. (The coalition SPIF has exactly one permissive tag, Releasable To.)
const CEDAR_POLICY: &str = r#"
permit (principal, action == Action::"read", resource)
when {
    principal.classes.contains(resource.class) &&
    principal.restrictive.containsAll(resource.restrictive) &&
    (resource.rel.isEmpty() || principal.rel.containsAny(resource.rel))
};
"#;

fn by_kind(set: &PolicySet, pred: impl Fn(&str) -> bool) -> Vec<u32> {
    let p = set.policy(0);
    p.categories
        .iter()
        .enumerate()
        .filter(|(_, c)| pred(&p.tags[c.tag].name))
        .map(|(i, _)| i as u32)
        .collect()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let set = demo_policies();
    let p = set.policy(0);
    let rel = by_kind(&set, |t| t == "Releasable To");
    let restrictive = by_kind(&set, |t| t == "Programme Access" || t == "Dissemination");
    let informative = by_kind(&set, |t| t == "Export Control");
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let pick = |list: &[u32], prob: f64, rng: &mut rand::rngs::StdRng| -> Vec<u32> {
        list.iter()
            .copied()
            .filter(|_| rng.gen_bool(prob))
            .collect()
    };
    // Random labels and clearances (labels may be any combination: the ACDF does not need
    // them valid, and neither does Cedar).
    let mut requests: Vec<(Resolved, &ResolvedClearance)> = Vec::with_capacity(n);
    let clearances: Vec<ResolvedClearance> = (0..64)
        .map(|_| {
            let top = rng.gen_range(1..=5);
            let classes: Vec<i64> = (1..=top).collect();
            let mut cats = pick(&rel, 0.35, &mut rng);
            cats.extend(pick(&restrictive, 0.3, &mut rng));
            set.clearance_from_parts(0, classes, cats)
        })
        .collect();
    for _ in 0..n {
        let mut cats = pick(&rel, 0.25, &mut rng);
        cats.extend(pick(&restrictive, 0.1, &mut rng));
        cats.extend(pick(&informative, 0.2, &mut rng));
        cats.sort_unstable();
        let label = Resolved {
            policy: 0,
            class: rng.gen_range(1..=5),
            cats,
        };
        // A person's clearance is resolved once and shared by all their requests.
        let c = &clearances[rng.gen_range(0..clearances.len())];
        requests.push((label, c));
    }

    // The same requests as Cedar entities.
    let name = |o: &u32| p.categories[*o as usize].name.clone();
    let policies = CedarPolicies::from_str(CEDAR_POLICY).expect("cedar policy");
    let authorizer = Authorizer::new();
    let action = EntityUid::from_str(r#"Action::"read""#).unwrap();
    let principal = EntityUid::from_str(r#"User::"u""#).unwrap();
    let resource = EntityUid::from_str(r#"Document::"d""#).unwrap();
    let cedar_inputs: Vec<(Request, Entities)> = requests
        .iter()
        .map(|(l, c)| {
            let kind = |o: &u32| p.tags[p.categories[*o as usize].tag].name.clone();
            let l_rel: Vec<String> = l
                .cats
                .iter()
                .filter(|o| kind(o) == "Releasable To")
                .map(name)
                .collect();
            let l_res: Vec<String> = l
                .cats
                .iter()
                .filter(|o| restrictive.contains(o))
                .map(name)
                .collect();
            let c_rel: Vec<String> = c
                .cats
                .iter()
                .filter(|o| kind(o) == "Releasable To")
                .map(name)
                .collect();
            let c_res: Vec<String> = c
                .cats
                .iter()
                .filter(|o| restrictive.contains(o))
                .map(name)
                .collect();
            let entities = json!([
                {"uid": {"type": "User", "id": "u"}, "parents": [],
                 "attrs": {"classes": c.classes, "restrictive": c_res, "rel": c_rel}},
                {"uid": {"type": "Document", "id": "d"}, "parents": [],
                 "attrs": {"class": l.class, "restrictive": l_res, "rel": l_rel}}
            ]);
            let entities = Entities::from_json_value(entities, None).expect("entities");
            let req = Request::new(
                principal.clone(),
                action.clone(),
                resource.clone(),
                Context::empty(),
                None,
            )
            .expect("request");
            (req, entities)
        })
        .collect();

    // 1. Identical decisions.
    let ours: Vec<bool> = requests.iter().map(|(l, c)| set.acdf(l, c)).collect();
    let theirs: Vec<bool> = cedar_inputs
        .iter()
        .map(|(r, e)| authorizer.is_authorized(r, &policies, e).decision() == Decision::Allow)
        .collect();
    let disagreements = ours.iter().zip(&theirs).filter(|(a, b)| a != b).count();
    let granted = ours.iter().filter(|a| **a).count();
    println!("requests: {n}; granted by both: {granted}; disagreements: {disagreements}");
    assert_eq!(disagreements, 0, "Pillar and Cedar disagree");
    let distinct: HashSet<&Resolved> = requests.iter().map(|(l, _)| l).collect();
    println!("distinct labels: {}", distinct.len());

    // 2. Speed (best of 5 passes each).
    let time = |f: &mut dyn FnMut() -> usize| {
        (0..5)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_nanos() as f64 / n as f64
            })
            .fold(f64::INFINITY, f64::min)
    };
    let pillar_ns = time(&mut || requests.iter().filter(|(l, c)| set.acdf(l, c)).count());
    let cedar_ns = time(&mut || {
        cedar_inputs
            .iter()
            .filter(|(r, e)| {
                authorizer.is_authorized(r, &policies, e).decision() == Decision::Allow
            })
            .count()
    });
    println!("pillar-label ACDF: {pillar_ns:.1} ns/decision");
    println!("cedar-policy is_authorized: {cedar_ns:.1} ns/decision");
    println!("ratio (cedar / pillar): {:.0}x", cedar_ns / pillar_ns);
}
