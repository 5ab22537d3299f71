//! The analyses. Formulas and sources are in `docs/supply.md`; each function says which.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use smallvec::{smallvec, SmallVec};

use crate::model::Network;

/// A country share vector: (country index, share), sorted by country, shares summing to 1.
pub type ExposureVector = Vec<(u16, f64)>;

/// Results of the static analysis.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Country exposure of every item (empty when nothing below it has sources).
    pub exposure: Vec<ExposureVector>,
    /// For each end item (in the order of [`Network::end_items`]), the resources whose loss
    /// alone stops it (sorted resource numbers, see [`Analysis::resource_name`]).
    pub critical: Vec<Vec<u32>>,
    /// For each end item, the vertex-disjoint supply paths of its weakest needed item (None when
    /// nothing below it has sources).
    pub independent: Vec<Option<u32>>,
    /// Resources whose loss alone stops each item's *own* sources: ∩ over its sources of
    /// {site, supplier, country} (OR). Empty for items without sources.
    pub own_critical: Vec<Vec<u32>>,
    /// Independent sources of each sourced item (component or material): vertex-disjoint paths
    /// item → site → supplier → country through its own sources.
    pub item_independent: Vec<Option<u32>>,
}

/// One end item in the analysis report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EndItemReport {
    /// Country → share of the end item's supply value.
    pub exposure: BTreeMap<String, f64>,
    /// Herfindahl–Hirschman index of the exposure (0–1; 1 = one country).
    pub hhi: f64,
    /// Share of the exposure in the countries of concern.
    pub concern_share: f64,
    /// Single points of failure: `site:…`, `supplier:…`, `country:…`.
    pub spof: Vec<String>,
    /// Independent (vertex-disjoint) supply paths of the weakest needed item.
    pub independent_sources: u32,
    /// For each single point of failure, allied sites that already supply the affected items
    /// (by item name) elsewhere in the data.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub alternatives: BTreeMap<String, Vec<Alternative>>,
}

/// Allied sites for an item stopped by a single point of failure.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Alternative {
    /// The affected item.
    pub item: String,
    /// Sites in partner nations already supplying an item of that name: `site (COUNTRY)`.
    pub sites: Vec<String>,
}

/// Sparse mix: Σ w_j · e_j, normalised so the shares sum to 1.
fn mix<'a>(
    parts: impl Iterator<Item = (f64, &'a [(u16, f64)])>,
    scratch: &mut [f64],
    touched: &mut Vec<u16>,
) -> ExposureVector {
    let mut total = 0.0;
    for (w, e) in parts {
        if e.is_empty() || w <= 0.0 {
            continue;
        }
        total += w;
        for &(c, s) in e {
            if scratch[c as usize] == 0.0 {
                touched.push(c);
            }
            scratch[c as usize] += w * s;
        }
    }
    normalised(scratch, touched, total)
}

/// The accumulated shares as a sorted vector divided by `total`; clears the scratch space.
fn normalised(scratch: &mut [f64], touched: &mut Vec<u16>, total: f64) -> ExposureVector {
    touched.sort_unstable();
    let out = touched
        .iter()
        .map(|&c| {
            let v = scratch[c as usize] / total;
            scratch[c as usize] = 0.0;
            (c, v)
        })
        .collect();
    touched.clear();
    out
}

/// Maximum bipartite matching between suppliers and countries over the sites of one item:
/// the number of supply paths item → site → supplier → country that share no vertex. Items have
/// a handful of sources, so plain vectors beat hashing.
fn disjoint_paths(pairs: &[(u32, u16)]) -> u32 {
    let mut suppliers: SmallVec<[u32; 8]> = pairs.iter().map(|p| p.0).collect();
    suppliers.sort_unstable();
    suppliers.dedup();
    // (country, matched supplier)
    let mut matched: SmallVec<[(u16, u32); 8]> = SmallVec::new();
    fn augment(
        s: u32,
        pairs: &[(u32, u16)],
        seen: &mut SmallVec<[u16; 8]>,
        m: &mut SmallVec<[(u16, u32); 8]>,
    ) -> bool {
        for &(ps, c) in pairs {
            if ps != s || seen.contains(&c) {
                continue;
            }
            seen.push(c);
            let free = match m.iter().find(|x| x.0 == c).map(|x| x.1) {
                None => true,
                Some(other) => augment(other, pairs, seen, m),
            };
            if free {
                match m.iter_mut().find(|x| x.0 == c) {
                    Some(slot) => slot.1 = s,
                    None => m.push((c, s)),
                }
                return true;
            }
        }
        false
    }
    let mut n = 0;
    for s in suppliers {
        if augment(s, pairs, &mut SmallVec::new(), &mut matched) {
            n += 1;
        }
    }
    n
}

impl Analysis {
    /// Runs the static analyses: exposure for every item, children before parents; then, for
    /// every end item in parallel, the critical resources and independent sources of the items
    /// it needs. Because a parent needs all its children (AND), the resources that alone stop an
    /// end item are the union, over every item it needs, of the resources common to all of that
    /// item's sources (OR) — so one walk of each end item's bill of materials suffices.
    pub fn run(net: &Network) -> Analysis {
        let n = net.len();
        let sites = net.site_ids.len() as u32;
        let suppliers = net.supplier_ids.len() as u32;
        let mut exposure: Vec<ExposureVector> = vec![Vec::new(); n];
        let mut own_critical: Vec<Vec<u32>> = vec![Vec::new(); n];
        let mut item_independent: Vec<Option<u32>> = vec![None; n];
        let countries = net.countries.len().max(1);
        for level in &net.levels {
            use rayon::prelude::*;
            let done = &exposure;
            let results: Vec<(ExposureVector, Vec<u32>, Option<u32>)> = level
                .par_iter()
                .map_init(
                    || (vec![0.0f64; countries], Vec::new()),
                    |(scratch, touched), &i| {
                        let children = net.children(i);
                        let sources = net.sources(i);
                        // Exposure: the children's mix by value share, or the sources'
                        // countries by share.
                        let ex =
                            if !children.is_empty() {
                                let given: f64 = net.bom_value_share[children.clone()]
                                    .iter()
                                    .filter(|v| !v.is_nan())
                                    .sum();
                                let missing = net.bom_value_share[children.clone()]
                                    .iter()
                                    .filter(|v| v.is_nan())
                                    .count();
                                let fill =
                                    if missing > 0 {
                                        ((1.0 - given).max(0.0) / missing as f64)
                                            .max(if given == 0.0 { 1.0 } else { 0.0 })
                                    } else {
                                        0.0
                                    };
                                let parts = children.clone().map(|e| {
                                    let v = net.bom_value_share[e];
                                    (
                                        if v.is_nan() { fill } else { v },
                                        done[net.bom_child[e] as usize].as_slice(),
                                    )
                                });
                                mix(parts, scratch, touched)
                            } else {
                                let mut total = 0.0;
                                for s in sources.clone() {
                                    let c = net.site_country[net.src_site[s] as usize];
                                    if scratch[c as usize] == 0.0 {
                                        touched.push(c);
                                    }
                                    scratch[c as usize] += net.src_share[s];
                                    total += net.src_share[s];
                                }
                                normalised(scratch, touched, total)
                            };
                        let (mut crit, mut indep) = (Vec::new(), None);
                        if !sources.is_empty() {
                            let mut pairs: SmallVec<[(u32, u16); 8]> = SmallVec::new();
                            let mut inter: Option<SmallVec<[u32; 3]>> = None;
                            for s in sources.clone() {
                                let site = net.src_site[s];
                                let sup = net.site_supplier[site as usize];
                                let c = net.site_country[site as usize];
                                pairs.push((sup, c));
                                let set = [site, sites + sup, sites + suppliers + c as u32];
                                inter = Some(match inter {
                                    None => set.into_iter().collect(),
                                    Some(a) => a.into_iter().filter(|x| set.contains(x)).collect(),
                                });
                            }
                            crit = inter.map(|v| v.into_vec()).unwrap_or_default();
                            crit.sort_unstable();
                            indep = Some(disjoint_paths(&pairs));
                        }
                        (ex, crit, indep)
                    },
                )
                .collect();
            for (&i, (ex, crit, indep)) in level.iter().zip(results) {
                exposure[i as usize] = ex;
                own_critical[i as usize] = crit;
                item_independent[i as usize] = indep;
            }
        }
        let per_end: Vec<(Vec<u32>, Option<u32>)> = {
            use rayon::prelude::*;
            net.end_items
                .par_iter()
                .map_init(
                    || (vec![0u32; n], 0u32, Vec::new()),
                    |(stamp, generation, stack), &e| {
                        *generation += 1;
                        let g = *generation;
                        let mut crit: Vec<u32> = Vec::new();
                        let mut independent: Option<u32> = None;
                        stack.clear();
                        stack.push(e);
                        while let Some(i) = stack.pop() {
                            if stamp[i as usize] == g {
                                continue;
                            }
                            stamp[i as usize] = g;
                            crit.extend_from_slice(&own_critical[i as usize]);
                            if let Some(k) = item_independent[i as usize] {
                                independent = Some(independent.map_or(k, |x| x.min(k)));
                            }
                            for c in net.children(i) {
                                stack.push(net.bom_child[c]);
                            }
                        }
                        crit.sort_unstable();
                        crit.dedup();
                        (crit, independent)
                    },
                )
                .collect()
        };
        let (critical, independent) = per_end.into_iter().unzip();
        Analysis {
            exposure,
            critical,
            independent,
            own_critical,
            item_independent,
        }
    }

    /// The name of a resource number: `site:ID`, `supplier:ID` or `country:XXX`.
    pub fn resource_name(net: &Network, r: u32) -> String {
        let sites = net.site_ids.len() as u32;
        let suppliers = net.supplier_ids.len() as u32;
        if r < sites {
            format!("site:{}", net.site_ids[r as usize])
        } else if r < sites + suppliers {
            format!("supplier:{}", net.supplier_ids[(r - sites) as usize])
        } else {
            format!(
                "country:{}",
                net.countries[(r - sites - suppliers) as usize]
            )
        }
    }

    /// The report for every end item. `concern` lists the countries of concern; `partners`
    /// the nations whose sites count as allied alternatives (empty: no alternatives computed).
    pub fn report(
        &self,
        net: &Network,
        concern: &[String],
        partners: &[String],
    ) -> BTreeMap<String, EndItemReport> {
        let concern_idx: HashSet<u16> = net
            .countries
            .iter()
            .enumerate()
            .filter(|(_, c)| concern.contains(c))
            .map(|(i, _)| i as u16)
            .collect();
        let alt_index = if partners.is_empty() {
            None
        } else {
            Some(AlternativeIndex::new(net, partners))
        };
        net.end_items
            .iter()
            .enumerate()
            .map(|(k, &e)| {
                let ex = &self.exposure[e as usize];
                let crit = &self.critical[k];
                let mut alternatives = BTreeMap::new();
                if let Some(idx) = &alt_index {
                    if !crit.is_empty() {
                        for (item, rs) in self.affected(net, e, crit) {
                            for r in rs {
                                let sites = idx.for_item(net, item);
                                if !sites.is_empty() {
                                    alternatives
                                        .entry(Self::resource_name(net, r))
                                        .or_insert_with(Vec::new)
                                        .push(Alternative {
                                            item: net.item_ids[item as usize].clone(),
                                            sites,
                                        });
                                }
                            }
                        }
                    }
                }
                (
                    net.item_ids[e as usize].clone(),
                    EndItemReport {
                        exposure: ex
                            .iter()
                            .map(|&(c, s)| (net.countries[c as usize].clone(), s))
                            .collect(),
                        hhi: ex.iter().map(|(_, s)| s * s).sum(),
                        concern_share: ex
                            .iter()
                            .filter(|(c, _)| concern_idx.contains(c))
                            .map(|(_, s)| s)
                            .sum(),
                        spof: {
                            // Sites, then suppliers, then countries, each by name: stable
                            // whatever the order the network was read in.
                            let mut names: Vec<(u8, String)> = crit
                                .iter()
                                .map(|&r| {
                                    let name = Self::resource_name(net, r);
                                    let rank = match name.split(':').next() {
                                        Some("site") => 0,
                                        Some("supplier") => 1,
                                        _ => 2,
                                    };
                                    (rank, name)
                                })
                                .collect();
                            names.sort();
                            names.into_iter().map(|(_, n)| n).collect()
                        },
                        independent_sources: self.independent[k].unwrap_or(0),
                        alternatives,
                    },
                )
            })
            .collect()
    }

    /// Sourced items under `end` whose own supply is stopped by one of `crit`, with those
    /// resources.
    fn affected(&self, net: &Network, end: u32, crit: &[u32]) -> Vec<(u32, Vec<u32>)> {
        let mut seen = HashSet::new();
        let mut stack = vec![end];
        let mut out = Vec::new();
        while let Some(i) = stack.pop() {
            if !seen.insert(i) {
                continue;
            }
            let own: Vec<u32> = self.own_critical[i as usize]
                .iter()
                .copied()
                .filter(|r| crit.binary_search(r).is_ok())
                .collect();
            if !own.is_empty() {
                out.push((i, own));
            }
            for e in net.children(i) {
                stack.push(net.bom_child[e]);
            }
        }
        out.sort_by_key(|(i, _)| *i);
        out
    }
}

/// Sites in partner nations by normalised item name.
struct AlternativeIndex {
    by_name: HashMap<String, Vec<u32>>,
}

impl AlternativeIndex {
    fn new(net: &Network, partners: &[String]) -> Self {
        let mut by_name: HashMap<String, Vec<u32>> = HashMap::new();
        for i in 0..net.len() as u32 {
            for s in net.sources(i) {
                let site = net.src_site[s];
                let country = &net.countries[net.site_country[site as usize] as usize];
                if partners.contains(country) {
                    by_name
                        .entry(net.item_names[i as usize].trim().to_lowercase())
                        .or_default()
                        .push(site);
                }
            }
        }
        for v in by_name.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        AlternativeIndex { by_name }
    }

    fn for_item(&self, net: &Network, item: u32) -> Vec<String> {
        let own: HashSet<u32> = net.sources(item).map(|s| net.src_site[s]).collect();
        self.by_name
            .get(&net.item_names[item as usize].trim().to_lowercase())
            .map(|sites| {
                sites
                    .iter()
                    .filter(|s| !own.contains(s))
                    .map(|&s| {
                        format!(
                            "{} ({})",
                            net.site_ids[s as usize],
                            net.countries[net.site_country[s as usize] as usize]
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// What a disruption hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Every site in a country.
    Country(String),
    /// Every site of a supplier.
    Supplier(String),
    /// One site.
    Site(String),
}

impl std::str::FromStr for Target {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some(("country", c)) => Ok(Target::Country(c.to_string())),
            Some(("supplier", c)) => Ok(Target::Supplier(c.to_string())),
            Some(("site", c)) => Ok(Target::Site(c.to_string())),
            _ => Err(format!("`{s}`: use country:XXX, supplier:ID or site:ID")),
        }
    }
}

impl Target {
    /// Several targets written `country:CHN,country:RUS` (hit together).
    pub fn parse_list(s: &str) -> Result<Vec<Target>, String> {
        s.split(',').map(|t| t.trim().parse()).collect()
    }

    /// Which sites of `net` the target hits; an error names a target the network does not
    /// hold (a disruption of nothing would read as "no effect", a silent wrong answer).
    fn sites(&self, net: &Network) -> Result<Vec<bool>, String> {
        Ok(match self {
            Target::Country(c) => {
                let idx = net.countries.iter().position(|x| x == c).ok_or_else(|| {
                    format!(
                        "no site in country `{c}` in the network (its countries: {})",
                        net.countries.join(", ")
                    )
                })?;
                net.site_country
                    .iter()
                    .map(|&sc| sc as usize == idx)
                    .collect()
            }
            Target::Supplier(s) => {
                let idx = net
                    .supplier_ids
                    .iter()
                    .position(|x| x == s)
                    .ok_or_else(|| format!("no supplier `{s}` in the network"))?;
                net.site_supplier
                    .iter()
                    .map(|&x| x as usize == idx)
                    .collect()
            }
            Target::Site(s) => {
                let idx = net
                    .site(s)
                    .ok_or_else(|| format!("no site `{s}` in the network"))?
                    as usize;
                (0..net.site_ids.len()).map(|x| x == idx).collect()
            }
        })
    }
}

/// A disruption: the targets hit together and the fraction of their capacity that remains
/// (0 = lost entirely).
#[derive(Debug, Clone, PartialEq)]
pub struct Disruption {
    /// What is hit (at least one target).
    pub targets: Vec<Target>,
    /// Remaining fraction of capacity, 0–1.
    pub remaining: f64,
}

/// The effect of a disruption on one end item.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WhatIfItem {
    /// Fraction of supply retained, 0–1.
    pub retained: f64,
    /// Days of full supply before a shortfall (null: none ever).
    pub tts_days: Option<f64>,
    /// The path of the loss: end item down to the binding item, then the lost sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
}

/// The effect of a disruption on every end item.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WhatIf {
    /// End item id → effect.
    pub items: BTreeMap<String, WhatIfItem>,
}

/// A delivery rate over time as steps `(from_day, rate)`, rates non-increasing; `None` stands
/// for full supply forever. Most have one or two steps: kept inline, off the heap.
type Steps = SmallVec<[(f64, f64); 2]>;

const MAX_STEPS: usize = 64;

fn steps_min_many(inputs: &[&Steps]) -> Steps {
    let mut times: SmallVec<[f64; 16]> =
        inputs.iter().flat_map(|s| s.iter().map(|p| p.0)).collect();
    times.sort_by(|x, y| x.partial_cmp(y).unwrap());
    times.dedup();
    // Each input is sorted by time: walk them with one cursor each.
    let mut cursor: SmallVec<[usize; 16]> = smallvec![0usize; inputs.len()];
    let mut out: Steps = SmallVec::new();
    for t in times {
        let mut r = 1.0f64;
        for (k, s) in inputs.iter().enumerate() {
            while cursor[k] + 1 < s.len() && s[cursor[k] + 1].0 <= t {
                cursor[k] += 1;
            }
            if s[cursor[k]].0 <= t {
                r = r.min(s[cursor[k]].1);
            }
        }
        if out.last().is_none_or(|l| l.1 != r) {
            out.push((t, r));
        }
    }
    cap(out)
}

fn cap(mut s: Steps) -> Steps {
    if s.len() > MAX_STEPS {
        // Conservative: the tail steps start at the first dropped step's time.
        let tail_min = s[MAX_STEPS - 1..]
            .iter()
            .map(|p| p.1)
            .fold(f64::INFINITY, f64::min);
        s.truncate(MAX_STEPS - 1);
        let t = s.last().map_or(0.0, |p| p.0);
        s.push((t, tail_min));
    }
    s
}

/// Delivery of an item holding `inv` days of inventory fed at production rate `prod`: full
/// until the inventory drains at (1 − prod), then `prod`.
fn with_inventory(prod: &Steps, inv: f64) -> Steps {
    if prod.iter().all(|p| p.1 >= 1.0) {
        return smallvec![(0.0, 1.0)];
    }
    if inv <= 0.0 {
        return prod.clone();
    }
    let mut left = inv;
    for (k, &(t, r)) in prod.iter().enumerate() {
        let end = prod.get(k + 1).map_or(f64::INFINITY, |p| p.0);
        let drain = (1.0 - r).max(0.0);
        if drain == 0.0 {
            continue;
        }
        let lasts = left / drain;
        if t + lasts < end {
            let depleted = t + lasts;
            let mut out: Steps = smallvec![(0.0, 1.0), (depleted, r)];
            out.extend(prod[k + 1..].iter().copied());
            return cap(out);
        }
        left -= drain * (end - t);
    }
    smallvec![(0.0, 1.0)]
}

/// Applies a disruption: retained supply and time-to-survive of every end item, with the path
/// of the loss. Exact propagation (see `docs/supply.md` for why no LP is needed).
pub fn what_if(net: &Network, d: &Disruption) -> Result<WhatIf, String> {
    let remaining = d.remaining.clamp(0.0, 1.0);
    if d.targets.is_empty() {
        return Err("name at least one target to disrupt".into());
    }
    let mut hit = vec![false; net.site_ids.len()];
    for t in &d.targets {
        for (h, x) in hit.iter_mut().zip(t.sites(net)?) {
            *h |= x;
        }
    }
    let n = net.len();
    // Demand flows down the bill of materials: d_child = Σ d_parent · quantity. Only needed
    // when capacity data allows surge.
    let mut demand = Vec::new();
    if net.has_capacity {
        demand = net.demand_per_day.clone();
        for &i in net.topo.iter().rev() {
            let di = demand[i as usize];
            if di.is_nan() {
                continue;
            }
            for e in net.children(i) {
                let c = net.bom_child[e] as usize;
                let add = di * net.bom_qty[e];
                demand[c] = if demand[c].is_nan() {
                    add
                } else {
                    demand[c] + add
                };
            }
        }
    }
    // Per item: supply retained and the index of its delivery steps in `steps` (NONE: full
    // supply forever). One compact array keeps the random reads of children to one cache line.
    const NONE: u32 = u32::MAX;
    let mut state: Vec<(f64, u32)> = vec![(1.0, NONE); n];
    let mut steps: Vec<Steps> = Vec::new();
    // Binding child edge (usize::MAX: the item's own sources bind).
    let mut binding = vec![usize::MAX; n];
    for level in &net.levels {
        use rayon::prelude::*;
        let results: Vec<(f64, usize, Option<Steps>)> = level
            .par_iter()
            .map(|&i| {
                let iu = i as usize;
                let sources = net.sources(i);
                let mut r = 1.0f64;
                let mut bind = usize::MAX;
                let mut own: Option<Steps> = None;
                if sources.clone().any(|s| hit[net.src_site[s] as usize]) {
                    let mut sum = 0.0;
                    for s in sources {
                        let avail = if hit[net.src_site[s] as usize] {
                            remaining
                        } else {
                            1.0
                        };
                        let cap_s = net.src_capacity[s];
                        let di = if net.has_capacity {
                            demand[iu]
                        } else {
                            f64::NAN
                        };
                        sum += if !cap_s.is_nan() && di > 0.0 {
                            cap_s * avail / di
                        } else {
                            net.src_share[s] * avail
                        };
                    }
                    r = sum.min(1.0);
                    if r < 1.0 {
                        own = Some(smallvec![(0.0, r)]);
                    }
                }
                let mut inputs: SmallVec<[&Steps; 8]> = own.iter().collect();
                for e in net.children(i) {
                    let (rc, sc) = state[net.bom_child[e] as usize];
                    if rc < r {
                        r = rc;
                        bind = e;
                    }
                    if sc != NONE {
                        inputs.push(&steps[sc as usize]);
                    }
                }
                let prod = match inputs.len() {
                    0 => None,
                    1 => Some(with_inventory(inputs[0], net.inventory_days[iu])),
                    _ => Some(with_inventory(
                        &steps_min_many(&inputs),
                        net.inventory_days[iu],
                    )),
                };
                (r, bind, prod.filter(|s| s.iter().any(|p| p.1 < 1.0)))
            })
            .collect();
        for (&i, (r, b, d)) in level.iter().zip(results) {
            let idx = match d {
                Some(d) => {
                    steps.push(d);
                    (steps.len() - 1) as u32
                }
                None => NONE,
            };
            state[i as usize] = (r, idx);
            binding[i as usize] = b;
        }
    }
    let items = net
        .end_items
        .iter()
        .map(|&e| {
            let eu = e as usize;
            let (r_e, s_e) = state[eu];
            let tts = (s_e != NONE)
                .then(|| &steps[s_e as usize])
                .and_then(|s| s.iter().find(|p| p.1 < 1.0).map(|p| p.0));
            let mut path = Vec::new();
            if r_e < 1.0 {
                let mut i = e;
                loop {
                    path.push(net.item_ids[i as usize].clone());
                    let b = binding[i as usize];
                    if b == usize::MAX {
                        let lost: Vec<String> = net
                            .sources(i)
                            .map(|s| net.src_site[s] as usize)
                            .filter(|&site| hit[site])
                            .map(|site| {
                                format!(
                                    "site:{} ({})",
                                    net.site_ids[site],
                                    net.countries[net.site_country[site] as usize]
                                )
                            })
                            .collect();
                        path.push(lost.join(" + "));
                        break;
                    }
                    i = net.bom_child[b];
                }
            }
            (
                net.item_ids[eu].clone(),
                WhatIfItem {
                    retained: r_e,
                    tts_days: tts,
                    path,
                },
            )
        })
        .collect();
    Ok(WhatIf { items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{parse_bundle, BundleFiles};

    /// S needs A and B. A: 70 % from CHN site c1 (supplier P), 30 % from USA site u1 (supplier
    /// Q). B: only from CHN site c2 (supplier P).
    fn net(inventory: &str) -> Network {
        let mut f = BundleFiles::default();
        f.set("items", "items.csv".into(), b"id,name,kind\nS,Sys,system\nA,Gallium,material\nB,Germanium,material\nT,Other,system\nG2,Gallium,material\n".to_vec());
        f.set(
            "bom",
            "bom.csv".into(),
            b"parent,child,quantity,value_share\nS,A,1,0.25\nS,B,2,0.75\nT,G2,1,\n".to_vec(),
        );
        f.set(
            "sites",
            "sites.csv".into(),
            b"id,name,supplier,country\nc1,C1,P,CHN\nu1,U1,Q,USA\nc2,C2,P,CHN\nj1,J1,R,JPN\n"
                .to_vec(),
        );
        f.set(
            "sources",
            "sources.csv".into(),
            b"item,site,share\nA,c1,0.7\nA,u1,0.3\nB,c2,1\nG2,j1,1\n".to_vec(),
        );
        f.set(
            "inventory",
            "inventory.csv".into(),
            inventory.as_bytes().to_vec(),
        );
        parse_bundle(&f).unwrap()
    }

    #[test]
    fn exposure_hhi_and_spof() {
        let n = net("item,days_of_supply\n");
        let a = Analysis::run(&n);
        let r = a.report(&n, &["CHN".into()], &["JPN".into(), "USA".into()]);
        let s = &r["S"];
        // e_S = 0.25·(0.7 CHN, 0.3 USA) + 0.75·(1 CHN) = 0.925 CHN, 0.075 USA.
        assert!((s.exposure["CHN"] - 0.925).abs() < 1e-9);
        assert!((s.exposure["USA"] - 0.075).abs() < 1e-9);
        assert!((s.hhi - (0.925f64.powi(2) + 0.075f64.powi(2))).abs() < 1e-9);
        assert!((s.concern_share - 0.925).abs() < 1e-9);
        // B alone is single-sourced: its site, supplier and country stop S.
        assert_eq!(s.spof, vec!["site:c2", "supplier:P", "country:CHN"]);
        assert_eq!(s.independent_sources, 1);
        assert_eq!(r["T"].spof, vec!["site:j1", "supplier:R", "country:JPN"]);
        // No allied site supplies germanium: no alternative for B.
        assert!(s.alternatives.is_empty());
        // T's gallium is stopped by JPN; the USA site supplying gallium to S is its alternative.
        assert_eq!(r["T"].alternatives["site:j1"][0].sites, vec!["u1 (USA)"]);
    }

    #[test]
    fn what_if_retained_path_and_tts() {
        let n = net("item,days_of_supply\nA,10\nB,30\nS,5\n");
        let w = what_if(
            &n,
            &Disruption {
                targets: vec![Target::Country("CHN".into())],
                remaining: 0.0,
            },
        )
        .unwrap();
        let s = &w.items["S"];
        assert_eq!(s.retained, 0.0);
        assert_eq!(s.path, vec!["S", "B", "site:c2 (CHN)"]);
        // A retains 0.3: 10 days / 0.7 ≈ 14.29 days; B 30 days; S's production drops to 0.3 at
        // 14.29, its own 5 days then last 5/0.7 ≈ 7.14 more: 21.43.
        let tts = s.tts_days.unwrap();
        assert!((tts - (10.0 / 0.7 + 5.0 / 0.7)).abs() < 1e-9, "{tts}");
        assert_eq!(w.items["T"].retained, 1.0);
        assert_eq!(w.items["T"].tts_days, None);
        let w = what_if(
            &n,
            &Disruption {
                targets: vec![Target::Site("c1".into())],
                remaining: 0.5,
            },
        )
        .unwrap();
        assert!((w.items["S"].retained - 0.65).abs() < 1e-9);
        let lose = |targets: &str| {
            what_if(
                &n,
                &Disruption {
                    targets: Target::parse_list(targets)?,
                    remaining: 0.0,
                },
            )
        };
        assert!(lose("supplier:nobody").is_err());
        // A country the network does not hold is an error, not "no effect".
        let e = lose("country:XYZ").unwrap_err();
        assert!(e.contains("`XYZ`") && e.contains("CHN"), "{e}");
        assert!(lose("country:CHN,country:XYZ").is_err());
        assert!(lose("country:").is_err());
        // Two countries lost together: what each alone leaves, both take.
        let chn = lose("country:CHN").unwrap();
        let jpn = lose("country:JPN").unwrap();
        let both = lose("country:CHN, country:JPN").unwrap();
        assert_eq!(both.items["T"].retained, jpn.items["T"].retained);
        assert_eq!(both.items["S"].retained, chn.items["S"].retained);
        for (id, r) in &both.items {
            assert!(r.retained <= chn.items[id].retained.min(jpn.items[id].retained));
        }
        assert!(Target::parse_list("country:CHN,nonsense").is_err());
    }

    #[test]
    fn disjoint_paths_need_distinct_suppliers_and_countries() {
        assert_eq!(disjoint_paths(&[(0, 0), (1, 0)]), 1);
        assert_eq!(disjoint_paths(&[(0, 0), (1, 1)]), 2);
        assert_eq!(disjoint_paths(&[(0, 0), (0, 1), (1, 0)]), 2);
    }
}
