//! A synthetic corpus in the shape of OpenAlex Works records, the same for the same seed.
//!
//! Distributions chosen to look like real research output, not to reproduce any real figure:
//! nations' shares of output follow a fixed mix led by China and the United States; each nation
//! leans towards some technologies (a factor drawn once per nation and theme); about a fifth of
//! works are international; citations are log-normal, growing with the work's age and varying
//! with the nation, so many works tie at low counts; output grows 5 % a year.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// (ISO alpha-2, share of output in per mille, citation tilt).
const NATIONS: &[(&str, u32, f64)] = &[
    ("CN", 260, -0.10),
    ("US", 180, 0.25),
    ("IN", 60, -0.30),
    ("GB", 45, 0.25),
    ("DE", 45, 0.15),
    ("JP", 35, 0.00),
    ("KR", 35, 0.05),
    ("IT", 30, 0.05),
    ("FR", 30, 0.10),
    ("CA", 30, 0.15),
    ("AU", 30, 0.15),
    ("ES", 25, 0.00),
    ("BR", 25, -0.20),
    ("IR", 20, -0.25),
    ("RU", 20, -0.35),
    ("TR", 15, -0.25),
    ("TW", 15, 0.00),
    ("NL", 15, 0.25),
    ("PL", 12, -0.10),
    ("CH", 12, 0.30),
    ("SE", 10, 0.20),
    ("SG", 8, 0.30),
    ("IL", 7, 0.20),
    ("NZ", 5, 0.10),
];

/// Themes with phrases that the shipped areas' queries look for.
const THEMES: &[&[&str]] = &[
    &[
        "quantum sensing",
        "quantum computing",
        "qubit",
        "entanglement",
        "quantum error correction",
        "quantum key distribution",
        "atomic clock",
    ],
    &[
        "underwater acoustic communication",
        "autonomous underwater vehicle",
        "sonar",
        "undersea",
        "subsea",
    ],
    &[
        "deep learning",
        "autonomous vehicle",
        "reinforcement learning",
        "drone swarm",
        "perception",
        "planning",
    ],
    &[
        "cyber security",
        "malware",
        "intrusion detection",
        "zero trust",
        "ransomware",
    ],
    &[
        "hypersonic",
        "scramjet",
        "boost glide",
        "thermal protection system",
    ],
    &[
        "electronic warfare",
        "jamming",
        "anti jamming",
        "electronic attack",
    ],
    &[
        "synthetic biology",
        "genome editing",
        "biosensor",
        "biomanufacturing",
    ],
    &["6g", "millimeter wave", "massive mimo", "terahertz"],
    &[
        "metamaterial",
        "high entropy alloy",
        "graphene",
        "additive manufacturing",
    ],
    &[
        "semiconductor",
        "transistor",
        "lithography",
        "silicon carbide",
    ],
    &["satellite", "cubesat", "low earth orbit", "spacecraft"],
    &["battery", "energy storage", "solar cell", "fuel cell"],
    &[
        "high performance computing",
        "edge computing",
        "neuromorphic",
        "compiler",
    ],
    &[
        "brain computer interface",
        "augmented reality",
        "exoskeleton",
        "haptic",
    ],
    &[
        "high energy laser",
        "high power microwave",
        "directed energy",
    ],
    &[
        "command and control",
        "tactical network",
        "mesh network",
        "interoperability",
    ],
    &["radar", "lidar", "sensor fusion", "infrared", "network"],
];

const FILLER: &[&str] = &[
    "analysis",
    "method",
    "model",
    "results",
    "study",
    "performance",
    "novel",
    "approach",
    "system",
    "data",
    "framework",
    "evaluation",
    "experimental",
    "design",
    "based",
    "using",
    "improved",
    "efficient",
    "application",
    "towards",
    "robust",
    "optimal",
    "control",
    "measurement",
    "theory",
    "simulation",
    "characterization",
    "low",
    "cost",
    "scalable",
    "survey",
    "field",
    "biology",
    "materials",
    "structure",
    "dynamic",
    "signal",
    "processing",
    "estimation",
    "large",
    "scale",
];

const TYPES: &[(&str, u32)] = &[
    ("article", 85),
    ("review", 5),
    ("preprint", 5),
    ("book-chapter", 5),
];

/// Years of the corpus.
pub const FIRST_YEAR: i32 = 2015;
pub const LAST_YEAR: i32 = 2024;

/// Makes works one at a time; the n-th work depends only on the seed and n.
pub struct Generator {
    seed: u64,
    /// Per nation, per theme: how much the nation leans towards the theme.
    lean: Vec<Vec<f64>>,
    nation_total: u32,
}

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn normal(rng: &mut StdRng) -> f64 {
    // Box–Muller.
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

impl Generator {
    pub fn new(seed: u64) -> Generator {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_1a4d_5ca9_e000);
        let lean = NATIONS
            .iter()
            .map(|_| {
                THEMES
                    .iter()
                    .map(|_| (0.7 * normal(&mut rng)).exp())
                    .collect()
            })
            .collect();
        Generator {
            seed,
            lean,
            nation_total: NATIONS.iter().map(|n| n.1).sum(),
        }
    }

    fn nation(&self, rng: &mut StdRng) -> usize {
        let mut x = rng.gen_range(0..self.nation_total);
        for (i, n) in NATIONS.iter().enumerate() {
            if x < n.1 {
                return i;
            }
            x -= n.1;
        }
        0
    }

    fn institution(&self, rng: &mut StdRng, nation: usize) -> Value {
        let (code, share, _) = NATIONS[nation];
        let pool = 10 + share as usize;
        // Few large institutions, many small: the square of a uniform draw.
        let u: f64 = rng.gen();
        let k = ((u * u) * pool as f64) as usize + 1;
        json!({
            "id": format!("https://openalex.org/I{}", (nation + 1) * 10_000 + k),
            "display_name": format!("{} University {k}", crate::work::alpha3(code).unwrap_or_default()),
            "country_code": code,
            "type": "education",
        })
    }

    /// The n-th work (counting from 0) as an OpenAlex Works record.
    pub fn work(&self, n: u64) -> Value {
        let mut rng = StdRng::seed_from_u64(self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n);
        let lead = self.nation(&mut rng);
        // Years grow 5 % a year.
        let weights: Vec<f64> = (FIRST_YEAR..=LAST_YEAR)
            .map(|y| 1.05f64.powi(y - FIRST_YEAR))
            .collect();
        let mut x = rng.gen::<f64>() * weights.iter().sum::<f64>();
        let mut year = LAST_YEAR;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                year = FIRST_YEAR + i as i32;
                break;
            }
            x -= w;
        }
        // A third of works are about one of the themes, chosen by the lead nation's leaning.
        let theme = if rng.gen_bool(0.35) {
            let lean = &self.lean[lead];
            let mut x = rng.gen::<f64>() * lean.iter().sum::<f64>();
            let mut t = 0;
            for (i, w) in lean.iter().enumerate() {
                if x < *w {
                    t = i;
                    break;
                }
                x -= w;
            }
            Some(t)
        } else {
            None
        };
        let words = |count: usize, rng: &mut StdRng| -> Vec<String> {
            (0..count)
                .map(|_| match theme {
                    Some(t) if rng.gen_bool(0.25) => pick(rng, THEMES[t]).to_string(),
                    _ => pick(rng, FILLER).to_string(),
                })
                .collect()
        };
        let mut title = words(rng.gen_range(5..12), &mut rng);
        if let Some(t) = theme {
            title.insert(
                rng.gen_range(0..title.len()),
                pick(&mut rng, THEMES[t]).to_string(),
            );
        }
        let abstract_words: Vec<String> = words(rng.gen_range(25..60), &mut rng)
            .join(" ")
            .split(' ')
            .map(str::to_string)
            .collect();
        let mut inverted: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, w) in abstract_words.iter().enumerate() {
            inverted.entry(w).or_default().push(i);
        }

        // Authorships: one to twelve, geometric; a fifth of works bring in one or two partners.
        let mut nations = vec![lead];
        if rng.gen_bool(0.22) {
            for _ in 0..rng.gen_range(1..=2) {
                let p = self.nation(&mut rng);
                if !nations.contains(&p) {
                    nations.push(p);
                }
            }
        }
        let mut count = 1;
        while count < 12 && rng.gen_bool(0.7) {
            count += 1;
        }
        count = count.max(nations.len());
        let authorships: Vec<Value> = (0..count)
            .map(|i| {
                if rng.gen_bool(0.03) {
                    return json!({"author_position": "middle", "institutions": [], "countries": []});
                }
                let home = if i < nations.len() { nations[i] } else { *pick(&mut rng, &nations) };
                let mut institutions = vec![self.institution(&mut rng, home)];
                if rng.gen_bool(0.08) {
                    let other = if rng.gen_bool(0.5) { home } else { *pick(&mut rng, &nations) };
                    institutions.push(self.institution(&mut rng, other));
                }
                let mut countries: Vec<&str> = Vec::new();
                for inst in &institutions {
                    let c = inst["country_code"].as_str().unwrap_or_default();
                    if !countries.contains(&c) {
                        countries.push(c);
                    }
                }
                let countries: Vec<String> = countries.into_iter().map(str::to_string).collect();
                json!({"author_position": if i == 0 { "first" } else { "middle" },
                       "institutions": institutions, "countries": countries})
            })
            .collect();

        // Citations: log-normal; older works have had longer to be cited.
        let age = (LAST_YEAR + 1 - year) as f64;
        let tilt: f64 = nations.iter().map(|&i| NATIONS[i].2).sum::<f64>() / nations.len() as f64;
        let mu = 0.3 + 0.35 * age + tilt + if nations.len() > 1 { 0.3 } else { 0.0 };
        let cited = ((mu + 1.1 * normal(&mut rng)).exp() - 1.0).floor().max(0.0) as i64;

        let topic = |id: String, score: f64| json!({"id": format!("https://openalex.org/{id}"), "display_name": id, "score": score});
        let primary = match theme {
            Some(t) => format!("T9{:04}", t + 1),
            None => format!("T8{:04}", rng.gen_range(1..=100)),
        };
        let primary_score = 0.9 + 0.1 * rng.gen::<f64>();
        let second = format!("T8{:04}", rng.gen_range(1..=100));
        let mut t = rng.gen_range(0..100);
        let work_type = TYPES
            .iter()
            .find(|(_, w)| {
                let hit = t < *w;
                t = t.saturating_sub(*w);
                hit
            })
            .map_or("article", |(name, _)| name);
        let title = title.join(" ");
        let mut title_case = title.clone();
        if let Some(first) = title_case.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        json!({
            "id": format!("https://openalex.org/W{}", 4_000_000_000u64 + n),
            "doi": null,
            "title": title_case,
            "display_name": title_case,
            "publication_year": year,
            "publication_date": format!("{year}-{:02}-{:02}", rng.gen_range(1..=12), rng.gen_range(1..=28)),
            "type": work_type,
            "cited_by_count": cited,
            "authorships": authorships,
            "primary_topic": topic(primary.clone(), primary_score),
            "topics": [topic(primary, primary_score), topic(second, 0.5 * primary_score)],
            "abstract_inverted_index": inverted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_corpus() {
        let a = Generator::new(7);
        let b = Generator::new(7);
        let c = Generator::new(8);
        for n in 0..50 {
            assert_eq!(a.work(n), b.work(n));
        }
        assert!((0..50).any(|n| a.work(n) != c.work(n)));
    }

    #[test]
    fn records_read_back_as_works() {
        let g = Generator::new(1);
        let mut international = 0;
        for n in 0..500 {
            let w = crate::work::parse_openalex(&g.work(n).to_string()).unwrap();
            assert!((FIRST_YEAR..=LAST_YEAR).contains(&w.year));
            assert!(!w.authorships.is_empty());
            if w.nation_shares().len() > 1 {
                international += 1;
            }
        }
        assert!(
            (50..200).contains(&international),
            "{international} international works of 500"
        );
    }
}
