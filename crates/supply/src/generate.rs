//! Synthetic networks for benchmarks and demos: tiers of systems, subsystems, components and
//! materials, suppliers with sites in a handful of countries, seeded and reproducible.

use rand::{Rng, SeedableRng};

use crate::model::{ItemKind, Network, NetworkBuilder, Origin};

/// Shape of a generated network.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Number of items.
    pub nodes: usize,
    /// Average children per assembled item.
    pub fan_out: usize,
    /// Seed.
    pub seed: u64,
}

const COUNTRIES: [&str; 12] = [
    "USA", "KOR", "AUS", "GBR", "JPN", "CAN", "NZL", "CHN", "DEU", "TWN", "COD", "RUS",
];

/// Generates a network: 0.1 % systems, 2 % subsystems, 48 % components, the rest materials;
/// each assembled item needs `fan_out` items of the next tiers; each component or material has
/// one to three sources; country weights lean on a few producers, as real markets do.
pub fn generate(o: &GenerateOptions) -> Network {
    let mut rng = rand::rngs::StdRng::seed_from_u64(o.seed);
    let at = Origin {
        file: "generated".into(),
        line: 0,
    };
    let n = o.nodes.max(4);
    let systems = (n / 1000).max(1);
    let subsystems = (n / 50).max(1);
    let components = (n * 48 / 100).max(1);
    let materials = n - systems - subsystems - components;
    let mut b = NetworkBuilder::new();
    let mut tiers: Vec<std::ops::Range<usize>> = Vec::new();
    let mut next = 0;
    for (count, kind, prefix) in [
        (systems, ItemKind::System, "SYS"),
        (subsystems, ItemKind::Subsystem, "SUB"),
        (components, ItemKind::Component, "CMP"),
        (materials, ItemKind::Material, "MAT"),
    ] {
        for k in 0..count {
            let id = format!("{prefix}{k}");
            b.item(&id, &id, kind, &at).expect("unique ids");
        }
        tiers.push(next..next + count);
        next += count;
    }
    let id = |i: usize| -> String {
        let (t, k) = tiers
            .iter()
            .enumerate()
            .find_map(|(t, r)| r.contains(&i).then(|| (t, i - r.start)))
            .unwrap();
        format!("{}{k}", ["SYS", "SUB", "CMP", "MAT"][t])
    };
    // Bill of materials: each item of tier t needs fan_out items from tiers t+1 (and t+2).
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for t in 0..3 {
        for i in tiers[t].clone() {
            let mut chosen = std::collections::HashSet::new();
            let want = rng.gen_range(o.fan_out.max(2) / 2..=o.fan_out.max(2) * 3 / 2);
            for _ in 0..want {
                let tier = if t < 2 && rng.gen_bool(0.2) {
                    t + 2
                } else {
                    t + 1
                };
                let r = tiers[tier].clone();
                chosen.insert(rng.gen_range(r));
            }
            let mut chosen: Vec<usize> = chosen.into_iter().collect();
            chosen.sort_unstable();
            edges.extend(chosen.into_iter().map(|c| (i, c)));
        }
    }
    // Every item below the systems is needed by something: orphans join a random parent of
    // the tier above.
    let mut has_parent = vec![false; n];
    for &(_, c) in &edges {
        has_parent[c] = true;
    }
    for t in 1..4 {
        for i in tiers[t].clone() {
            if !has_parent[i] {
                let p = rng.gen_range(tiers[t - 1].clone());
                edges.push((p, i));
                has_parent[i] = true;
            }
        }
    }
    for (p, c) in edges {
        b.bom(&id(p), &id(c), rng.gen_range(1..5) as f64, None, &at)
            .expect("valid edge");
    }
    // Sites: about one per 20 sourced items, suppliers owning 1–4 sites.
    let sourced = components + materials;
    let n_sites = (sourced / 20).max(COUNTRIES.len());
    let weights = [10, 6, 3, 3, 6, 2, 1, 14, 4, 5, 2, 2];
    let total: u32 = weights.iter().sum();
    let mut supplier = 0;
    for s in 0..n_sites {
        if s % 3 == 0 {
            supplier += 1;
        }
        let mut x = rng.gen_range(0..total);
        let mut c = 0;
        while x >= weights[c] {
            x -= weights[c];
            c += 1;
        }
        b.site(
            &format!("site{s}"),
            &format!("Site {s}"),
            &format!("sup{supplier}"),
            COUNTRIES[c],
            &at,
        )
        .expect("unique");
    }
    for i in tiers[2].start..tiers[3].end {
        let k = rng.gen_range(1..=3usize);
        let mut sites: Vec<usize> = (0..k).map(|_| rng.gen_range(0..n_sites)).collect();
        sites.sort_unstable();
        sites.dedup();
        let share = 1.0 / sites.len() as f64;
        for s in &sites {
            b.source(
                &id(i),
                &format!("site{s}"),
                share,
                None,
                Some(rng.gen_range(5..90) as f64),
                &at,
            )
            .expect("valid");
        }
        if rng.gen_bool(0.3) {
            b.inventory(&id(i), rng.gen_range(0..60) as f64, &at)
                .expect("valid");
        }
    }
    b.build().expect("generated networks are valid")
}
