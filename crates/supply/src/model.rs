//! The network: items, bill of materials, sites, sources, inventories, demand. Compact
//! (indices and CSR adjacency) so that a million items fit comfortably in memory.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    /// An end system.
    System,
    /// A subsystem.
    Subsystem,
    /// A component.
    Component,
    /// A raw or processed material.
    Material,
}

impl ItemKind {
    /// Parses `system`, `subsystem`, `component`, `material` (any case).
    pub fn parse(s: &str) -> Option<ItemKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "system" => ItemKind::System,
            "subsystem" => ItemKind::Subsystem,
            "component" => ItemKind::Component,
            "material" => ItemKind::Material,
            _ => return None,
        })
    }

    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::System => "system",
            ItemKind::Subsystem => "subsystem",
            ItemKind::Component => "component",
            ItemKind::Material => "material",
        }
    }
}

/// A built, checked network. Items, sites, suppliers and countries are numbered from 0.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Item ids.
    pub item_ids: Vec<String>,
    /// Item names.
    pub item_names: Vec<String>,
    /// Item kinds.
    pub item_kinds: Vec<ItemKind>,
    /// Bill of materials, CSR: children of item `i` are `bom_child[bom_start[i]..bom_start[i+1]]`.
    pub bom_start: Vec<u32>,
    /// Child item of each BOM edge.
    pub bom_child: Vec<u32>,
    /// Quantity of each BOM edge.
    pub bom_qty: Vec<f64>,
    /// Value share of each BOM edge (NaN when not given).
    pub bom_value_share: Vec<f64>,
    /// Sources, CSR: sources of item `i` are `src_*[src_start[i]..src_start[i+1]]`.
    pub src_start: Vec<u32>,
    /// Site of each source.
    pub src_site: Vec<u32>,
    /// Share of each source (the shares of an item sum to 1).
    pub src_share: Vec<f64>,
    /// Capacity of each source in units per day (NaN when not given).
    pub src_capacity: Vec<f64>,
    /// Lead time of each source in days (NaN when not given).
    pub src_lead_time: Vec<f64>,
    /// Site ids.
    pub site_ids: Vec<String>,
    /// Site names.
    pub site_names: Vec<String>,
    /// Supplier of each site.
    pub site_supplier: Vec<u32>,
    /// Country of each site.
    pub site_country: Vec<u16>,
    /// Supplier ids.
    pub supplier_ids: Vec<String>,
    /// Country codes (ISO 3166-1 alpha-3).
    pub countries: Vec<String>,
    /// Days of supply held for each item (0 when not given).
    pub inventory_days: Vec<f64>,
    /// Demand per day for each item (NaN when not given).
    pub demand_per_day: Vec<f64>,
    /// Items in an order where every child comes before its parents.
    pub topo: Vec<u32>,
    /// Items no other item needs: the end items.
    pub end_items: Vec<u32>,
    /// Items grouped by height (0: items without children; a parent is one above its highest
    /// child). Items of one level depend only on lower levels, so a level can be computed in
    /// parallel.
    pub levels: Vec<Vec<u32>>,
    /// True when some source has capacity data (demand then matters for surge).
    pub has_capacity: bool,
    index: HashMap<String, u32>,
    site_index: HashMap<String, u32>,
}

impl Network {
    /// Number of items.
    pub fn len(&self) -> usize {
        self.item_ids.len()
    }

    /// True when there are no items.
    pub fn is_empty(&self) -> bool {
        self.item_ids.is_empty()
    }

    /// An item's index by id.
    pub fn item(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// A site's index by id.
    pub fn site(&self, id: &str) -> Option<u32> {
        self.site_index.get(id).copied()
    }

    /// Children of an item.
    pub fn children(&self, i: u32) -> std::ops::Range<usize> {
        self.bom_start[i as usize] as usize..self.bom_start[i as usize + 1] as usize
    }

    /// Sources of an item.
    pub fn sources(&self, i: u32) -> std::ops::Range<usize> {
        self.src_start[i as usize] as usize..self.src_start[i as usize + 1] as usize
    }

    /// Number of BOM edges plus sources.
    pub fn edge_count(&self) -> usize {
        self.bom_child.len() + self.src_site.len()
    }
}

/// Where a fact came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// File.
    pub file: String,
    /// Line.
    pub line: usize,
}

/// A problem found while building a network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// Where, when known.
    pub origin: Option<Origin>,
    /// Field.
    pub field: Option<String>,
    /// Reason.
    pub reason: String,
}

/// Collects the facts of a network and checks them in [`NetworkBuilder::build`].
#[derive(Debug, Default)]
pub struct NetworkBuilder {
    net: Network,
    bom: Vec<(u32, u32, f64, f64, Origin)>,
    sources: Vec<(u32, u32, f64, f64, f64, Origin)>,
    supplier_index: HashMap<String, u32>,
    country_index: HashMap<String, u16>,
}

fn err(origin: &Origin, field: &str, reason: impl Into<String>) -> BuildError {
    BuildError {
        origin: Some(origin.clone()),
        field: Some(field.to_string()),
        reason: reason.into(),
    }
}

impl NetworkBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an item.
    pub fn item(
        &mut self,
        id: &str,
        name: &str,
        kind: ItemKind,
        at: &Origin,
    ) -> Result<u32, BuildError> {
        let n = self.net.item_ids.len() as u32;
        if self.net.index.insert(id.to_string(), n).is_some() {
            return Err(err(at, "id", format!("duplicate item id `{id}`")));
        }
        self.net.item_ids.push(id.to_string());
        self.net.item_names.push(name.to_string());
        self.net.item_kinds.push(kind);
        self.net.inventory_days.push(0.0);
        self.net.demand_per_day.push(f64::NAN);
        Ok(n)
    }

    fn item_ref(&self, id: &str, field: &str, at: &Origin) -> Result<u32, BuildError> {
        self.net
            .index
            .get(id)
            .copied()
            .ok_or_else(|| err(at, field, format!("unknown item `{id}`")))
    }

    /// Adds a site of a supplier in a country (ISO alpha-3, checked by the caller).
    pub fn site(
        &mut self,
        id: &str,
        name: &str,
        supplier: &str,
        country: &str,
        at: &Origin,
    ) -> Result<u32, BuildError> {
        let n = self.net.site_ids.len() as u32;
        if self.net.site_index.insert(id.to_string(), n).is_some() {
            return Err(err(at, "id", format!("duplicate site id `{id}`")));
        }
        let next_supplier = self.supplier_index.len() as u32;
        let s = *self
            .supplier_index
            .entry(supplier.to_string())
            .or_insert_with(|| {
                self.net.supplier_ids.push(supplier.to_string());
                next_supplier
            });
        let next_country = self.country_index.len() as u16;
        let c = *self
            .country_index
            .entry(country.to_string())
            .or_insert_with(|| {
                self.net.countries.push(country.to_string());
                next_country
            });
        self.net.site_ids.push(id.to_string());
        self.net.site_names.push(name.to_string());
        self.net.site_supplier.push(s);
        self.net.site_country.push(c);
        Ok(n)
    }

    /// Adds a bill-of-materials edge.
    pub fn bom(
        &mut self,
        parent: &str,
        child: &str,
        quantity: f64,
        value_share: Option<f64>,
        at: &Origin,
    ) -> Result<(), BuildError> {
        let p = self.item_ref(parent, "parent", at)?;
        let c = self.item_ref(child, "child", at)?;
        if p == c {
            return Err(err(at, "child", format!("`{parent}` cannot need itself")));
        }
        if !(quantity > 0.0 && quantity.is_finite()) {
            return Err(err(
                at,
                "quantity",
                format!("quantity {quantity} must be a positive number"),
            ));
        }
        if let Some(v) = value_share {
            if !(0.0..=1.0).contains(&v) {
                return Err(err(
                    at,
                    "value_share",
                    format!("value_share {v} must lie between 0 and 1"),
                ));
            }
        }
        self.bom
            .push((p, c, quantity, value_share.unwrap_or(f64::NAN), at.clone()));
        Ok(())
    }

    /// Adds a source: `item` is supplied from `site` with `share`.
    pub fn source(
        &mut self,
        item: &str,
        site: &str,
        share: f64,
        capacity: Option<f64>,
        lead_time: Option<f64>,
        at: &Origin,
    ) -> Result<(), BuildError> {
        let i = self.item_ref(item, "item", at)?;
        let s = self
            .net
            .site_index
            .get(site)
            .copied()
            .ok_or_else(|| err(at, "site", format!("unknown site `{site}`")))?;
        if !(share > 0.0 && share <= 1.0) {
            return Err(err(
                at,
                "share",
                format!("share {share} must lie in (0, 1]"),
            ));
        }
        for (name, v) in [("capacity", capacity), ("lead_time_days", lead_time)] {
            if let Some(v) = v {
                if !(v >= 0.0 && v.is_finite()) {
                    return Err(err(at, name, format!("{name} {v} must be zero or more")));
                }
            }
        }
        self.sources.push((
            i,
            s,
            share,
            capacity.unwrap_or(f64::NAN),
            lead_time.unwrap_or(f64::NAN),
            at.clone(),
        ));
        Ok(())
    }

    /// Sets an item's inventory in days of supply.
    pub fn inventory(&mut self, item: &str, days: f64, at: &Origin) -> Result<(), BuildError> {
        let i = self.item_ref(item, "item", at)?;
        if !(days >= 0.0 && days.is_finite()) {
            return Err(err(
                at,
                "days_of_supply",
                format!("{days} must be zero or more"),
            ));
        }
        self.net.inventory_days[i as usize] = days;
        Ok(())
    }

    /// Sets an item's demand per day.
    pub fn demand(&mut self, item: &str, per_day: f64, at: &Origin) -> Result<(), BuildError> {
        let i = self.item_ref(item, "item", at)?;
        if !(per_day >= 0.0 && per_day.is_finite()) {
            return Err(err(
                at,
                "per_day",
                format!("{per_day} must be zero or more"),
            ));
        }
        self.net.demand_per_day[i as usize] = per_day;
        Ok(())
    }

    /// Checks everything and builds the network: shares of each sourced item sum to 1 ± 0.01,
    /// no duplicate edges, and no cycle in the bill of materials (the error shows the cycle).
    pub fn build(mut self) -> Result<Network, BuildError> {
        let n = self.net.item_ids.len();
        // BOM in CSR, duplicate edges rejected.
        self.bom.sort_by_key(|e| (e.0, e.1));
        for w in self.bom.windows(2) {
            if w[0].0 == w[1].0 && w[0].1 == w[1].1 {
                return Err(err(
                    &w[1].4,
                    "child",
                    format!(
                        "`{}` is listed twice as a child of `{}` (first on line {})",
                        self.net.item_ids[w[1].1 as usize],
                        self.net.item_ids[w[1].0 as usize],
                        w[0].4.line
                    ),
                ));
            }
        }
        let mut start = vec![0u32; n + 1];
        for e in &self.bom {
            start[e.0 as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        self.net.bom_start = start;
        self.net.bom_child = self.bom.iter().map(|e| e.1).collect();
        self.net.bom_qty = self.bom.iter().map(|e| e.2).collect();
        self.net.bom_value_share = self.bom.iter().map(|e| e.3).collect();

        // Sources in CSR; shares checked.
        self.sources.sort_by_key(|s| (s.0, s.1));
        for w in self.sources.windows(2) {
            if w[0].0 == w[1].0 && w[0].1 == w[1].1 {
                return Err(err(
                    &w[1].5,
                    "site",
                    format!(
                        "site `{}` is listed twice for item `{}`",
                        self.net.site_ids[w[1].1 as usize], self.net.item_ids[w[1].0 as usize]
                    ),
                ));
            }
        }
        let mut start = vec![0u32; n + 1];
        for s in &self.sources {
            start[s.0 as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        for i in 0..n {
            let range = start[i] as usize..start[i + 1] as usize;
            if range.is_empty() {
                continue;
            }
            let sum: f64 = self.sources[range.clone()].iter().map(|s| s.2).sum();
            if (sum - 1.0).abs() > 0.01 {
                let last = &self.sources[range.end - 1].5;
                return Err(err(
                    last,
                    "share",
                    format!(
                        "the shares of item `{}` sum to {sum:.4}, not 1 ± 0.01",
                        self.net.item_ids[i]
                    ),
                ));
            }
        }
        self.net.src_start = start;
        self.net.src_site = self.sources.iter().map(|s| s.1).collect();
        self.net.src_share = self.sources.iter().map(|s| s.2).collect();
        self.net.src_capacity = self.sources.iter().map(|s| s.3).collect();
        self.net.src_lead_time = self.sources.iter().map(|s| s.4).collect();

        // Topological order (children first) by iterative DFS; a back edge is a cycle.
        let net = &self.net;
        let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
        let mut topo = Vec::with_capacity(n);
        let mut stack: Vec<(u32, usize)> = Vec::new();
        for root in 0..n as u32 {
            if state[root as usize] != 0 {
                continue;
            }
            stack.push((root, net.children(root).start));
            state[root as usize] = 1;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let end = net.children(node).end;
                if *next < end {
                    let child = net.bom_child[*next];
                    *next += 1;
                    match state[child as usize] {
                        0 => {
                            state[child as usize] = 1;
                            stack.push((child, net.children(child).start));
                        }
                        1 => {
                            let from = stack.iter().position(|(x, _)| *x == child).unwrap_or(0);
                            let mut cycle: Vec<&str> = stack[from..]
                                .iter()
                                .map(|(x, _)| net.item_ids[*x as usize].as_str())
                                .collect();
                            cycle.push(&net.item_ids[child as usize]);
                            let edge = self
                                .bom
                                .iter()
                                .find(|e| e.0 == node && e.1 == child)
                                .map(|e| e.4.clone());
                            return Err(BuildError {
                                origin: edge,
                                field: Some("child".into()),
                                reason: format!(
                                    "the bill of materials has a cycle: {}",
                                    cycle.join(" → ")
                                ),
                            });
                        }
                        _ => {}
                    }
                } else {
                    state[node as usize] = 2;
                    topo.push(node);
                    stack.pop();
                }
            }
        }
        let mut has_parent = vec![false; n];
        for &c in &self.net.bom_child {
            has_parent[c as usize] = true;
        }
        self.net.end_items = (0..n as u32).filter(|&i| !has_parent[i as usize]).collect();
        let mut height = vec![0u32; n];
        for &i in &topo {
            let h = self
                .net
                .children(i)
                .map(|e| height[self.net.bom_child[e] as usize] + 1)
                .max()
                .unwrap_or(0);
            height[i as usize] = h;
        }
        let top = height.iter().copied().max().unwrap_or(0) as usize;
        let mut levels = vec![Vec::new(); if n == 0 { 0 } else { top + 1 }];
        for &i in &topo {
            levels[height[i as usize] as usize].push(i);
        }
        self.net.levels = levels;
        self.net.has_capacity = self.net.src_capacity.iter().any(|c| !c.is_nan());
        self.net.topo = topo;
        Ok(self.net)
    }
}
