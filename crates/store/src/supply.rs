//! Supply networks stored as their bundle tables, each network under one label.

use pillar_label::Label;
use serde::Serialize;
use sqlx::Row as _;

use pillar_supply::{ItemKind, Network, NetworkBuilder, Origin as SourceAt};

use crate::db::Store;
use crate::error::{InputError, StoreError};
use crate::registry::intern_labels;
use crate::sql::{insert_rows, Val};

/// A source row: (item, site, share, capacity, lead time in days).
pub type SourceRow = (String, String, f64, Option<f64>, Option<f64>);

/// The tables of a supply network as plain rows (already checked by the supply engine).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SupplyRows {
    /// (id, name, kind)
    pub items: Vec<(String, String, String)>,
    /// (id, name, supplier, country)
    pub sites: Vec<(String, String, String, String)>,
    /// (parent, child, quantity, value share)
    pub bom: Vec<(String, String, f64, Option<f64>)>,
    /// (item, site, share, capacity, lead time in days)
    pub sources: Vec<SourceRow>,
    /// (item, days of supply, demand per day)
    pub stock: Vec<(String, Option<f64>, Option<f64>)>,
}

/// A stored network.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplyNetworkInfo {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Label.
    pub label: Label,
    /// When it was imported (RFC 3339).
    pub imported_at: String,
    /// Number of items.
    pub items: i64,
}

impl Store {
    /// Stores a network in one transaction; an existing id is refused.
    #[allow(clippy::too_many_arguments)]
    pub async fn import_supply(
        &self,
        id: &str,
        name: &str,
        label: &Label,
        rows: &SupplyRows,
        imported_at: &str,
        origin: &pillar_core::stewardship::Origin,
        audit: Option<&crate::audit::Audited<'_>>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM supply_networks WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if exists > 0 {
            return Err(InputError::new(
                "--id",
                None,
                None,
                format!("a supply network `{id}` already exists"),
            )
            .into());
        }
        let (labels, _) = intern_labels(&mut tx, std::iter::once(label)).await?;
        let net = || Val::T(id.to_string());
        insert_rows(
            &mut tx,
            "supply_networks",
            &[
                "id",
                "name",
                "label_id",
                "imported_at",
                crate::origins::COLUMNS[0],
                crate::origins::COLUMNS[1],
                crate::origins::COLUMNS[2],
            ],
            vec![[
                net(),
                Val::T(name.to_string()),
                Val::I(labels[label]),
                Val::T(imported_at.to_string()),
            ]
            .into_iter()
            .chain(crate::origins::vals(origin))
            .collect()],
        )
        .await?;
        insert_rows(
            &mut tx,
            "supply_items",
            &["network_id", "id", "name", "kind"],
            rows.items
                .iter()
                .map(|(i, n, k)| {
                    vec![
                        net(),
                        Val::T(i.clone()),
                        Val::T(n.clone()),
                        Val::T(k.clone()),
                    ]
                })
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            "supply_sites",
            &["network_id", "id", "name", "supplier", "country"],
            rows.sites
                .iter()
                .map(|(i, n, s, c)| {
                    vec![
                        net(),
                        Val::T(i.clone()),
                        Val::T(n.clone()),
                        Val::T(s.clone()),
                        Val::T(c.clone()),
                    ]
                })
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            "supply_bom",
            &["network_id", "parent", "child", "quantity", "value_share"],
            rows.bom
                .iter()
                .map(|(p, c, q, v)| {
                    vec![
                        net(),
                        Val::T(p.clone()),
                        Val::T(c.clone()),
                        Val::F(*q),
                        Val::NF(*v),
                    ]
                })
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            "supply_sources",
            &[
                "network_id",
                "item",
                "site",
                "share",
                "capacity",
                "lead_time_days",
            ],
            rows.sources
                .iter()
                .map(|(i, s, sh, c, l)| {
                    vec![
                        net(),
                        Val::T(i.clone()),
                        Val::T(s.clone()),
                        Val::F(*sh),
                        Val::NF(*c),
                        Val::NF(*l),
                    ]
                })
                .collect(),
        )
        .await?;
        insert_rows(
            &mut tx,
            "supply_stock",
            &["network_id", "item", "days_of_supply", "per_day"],
            rows.stock
                .iter()
                .map(|(i, d, p)| vec![net(), Val::T(i.clone()), Val::NF(*d), Val::NF(*p)])
                .collect(),
        )
        .await?;
        self.commit_touching(tx, audit, &[label]).await?;
        Ok(())
    }

    /// The stored networks `readable` may read (every one for the operator), by id.
    pub(crate) async fn supply_networks(
        &self,
        readable: Option<&crate::Entitlements>,
    ) -> Result<Vec<SupplyNetworkInfo>, StoreError> {
        self.supply_networks_where(readable, None).await
    }

    async fn supply_networks_where(
        &self,
        readable: Option<&crate::Entitlements>,
        id: Option<&str>,
    ) -> Result<Vec<SupplyNetworkInfo>, StoreError> {
        let one = if id.is_some() { " AND n.id = $1" } else { "" };
        let labelled = crate::visibility::Labelled::filtered(
            self.backend(),
            readable,
            &format!(
                "SELECT n.id, n.name, l.canonical, n.imported_at, \
                 (SELECT COUNT(*) FROM supply_items i WHERE i.network_id = n.id) \
                 FROM supply_networks n JOIN labels l ON l.id = n.label_id \
                 WHERE {{label:n.label_id}}{one} ORDER BY n.id"
            ),
        );
        let mut q = sqlx::query(labelled.sql());
        if let Some(id) = id {
            q = q.bind(id);
        }
        let rows = labelled.bind_rows(q).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let canonical: String = r.get(2);
                Ok(SupplyNetworkInfo {
                    id: r.get(0),
                    name: r.get(1),
                    label: Label::from_json(&canonical).map_err(|e| StoreError::Corrupt {
                        table: "labels",
                        reason: e.to_string(),
                    })?,
                    imported_at: r.get(3),
                    items: r.get(4),
                })
            })
            .collect()
    }

    /// A stored network's tables, when `readable` may read it (always for the operator).
    pub(crate) async fn load_supply(
        &self,
        id: &str,
        readable: Option<&crate::Entitlements>,
    ) -> Result<Option<(SupplyNetworkInfo, SupplyRows)>, StoreError> {
        let Some(info) = self.supply_networks_where(readable, Some(id)).await?.pop() else {
            return Ok(None);
        };
        let mut conn = self.pool.acquire().await?;
        let q = |sql: &'static str| sqlx::query(sql).bind(id.to_string());
        let mut rows = SupplyRows::default();
        for r in q("SELECT id, name, kind FROM supply_items WHERE network_id = $1 ORDER BY id")
            .fetch_all(&mut *conn)
            .await?
        {
            rows.items.push((r.get(0), r.get(1), r.get(2)));
        }
        for r in q("SELECT id, name, supplier, country FROM supply_sites WHERE network_id = $1 ORDER BY id").fetch_all(&mut *conn).await? {
            rows.sites.push((r.get(0), r.get(1), r.get(2), r.get(3)));
        }
        for r in q("SELECT parent, child, quantity, value_share FROM supply_bom WHERE network_id = $1 ORDER BY parent, child").fetch_all(&mut *conn).await? {
            rows.bom.push((r.get(0), r.get(1), r.get(2), r.get(3)));
        }
        for r in q("SELECT item, site, share, capacity, lead_time_days FROM supply_sources WHERE network_id = $1 ORDER BY item, site").fetch_all(&mut *conn).await? {
            rows.sources.push((r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)));
        }
        for r in q("SELECT item, days_of_supply, per_day FROM supply_stock WHERE network_id = $1 ORDER BY item").fetch_all(&mut *conn).await? {
            rows.stock.push((r.get(0), r.get(1), r.get(2)));
        }
        Ok(Some((info, rows)))
    }
}

/// A stored network's rows as the supply engine's network (checked again as it is built).
pub fn network_of(rows: &SupplyRows) -> Result<Network, String> {
    let at = SourceAt {
        file: "database".into(),
        line: 0,
    };
    let e = |e: pillar_supply::BuildError| e.reason;
    let mut b = NetworkBuilder::new();
    for (id, name, kind) in &rows.items {
        b.item(
            id,
            name,
            ItemKind::parse(kind).ok_or(format!("unknown kind {kind}"))?,
            &at,
        )
        .map_err(e)?;
    }
    for (id, name, supplier, country) in &rows.sites {
        b.site(id, name, supplier, country, &at).map_err(e)?;
    }
    for (p, c, q, v) in &rows.bom {
        b.bom(p, c, *q, *v, &at).map_err(e)?;
    }
    for (i, s, share, cap, lead) in &rows.sources {
        b.source(i, s, *share, *cap, *lead, &at).map_err(e)?;
    }
    for (i, d, p) in &rows.stock {
        if let Some(d) = d {
            b.inventory(i, *d, &at).map_err(e)?;
        }
        if let Some(p) = p {
            b.demand(i, *p, &at).map_err(e)?;
        }
    }
    b.build().map_err(e)
}

/// A network as the rows the store keeps.
pub fn rows_of(net: &Network) -> SupplyRows {
    let opt = |v: f64| (!v.is_nan()).then_some(v);
    let mut rows = SupplyRows::default();
    for i in 0..net.len() {
        rows.items.push((
            net.item_ids[i].clone(),
            net.item_names[i].clone(),
            net.item_kinds[i].as_str().to_string(),
        ));
        let inv = net.inventory_days[i];
        let dem = net.demand_per_day[i];
        if inv > 0.0 || !dem.is_nan() {
            rows.stock.push((
                net.item_ids[i].clone(),
                (inv > 0.0).then_some(inv),
                opt(dem),
            ));
        }
    }
    for s in 0..net.site_ids.len() {
        rows.sites.push((
            net.site_ids[s].clone(),
            net.site_names[s].clone(),
            net.supplier_ids[net.site_supplier[s] as usize].clone(),
            net.countries[net.site_country[s] as usize].clone(),
        ));
    }
    for i in 0..net.len() as u32 {
        for e in net.children(i) {
            rows.bom.push((
                net.item_ids[i as usize].clone(),
                net.item_ids[net.bom_child[e] as usize].clone(),
                net.bom_qty[e],
                opt(net.bom_value_share[e]),
            ));
        }
        for s in net.sources(i) {
            rows.sources.push((
                net.item_ids[i as usize].clone(),
                net.site_ids[net.src_site[s] as usize].clone(),
                net.src_share[s],
                opt(net.src_capacity[s]),
                opt(net.src_lead_time[s]),
            ));
        }
    }
    rows
}
