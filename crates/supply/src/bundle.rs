//! Reading a network bundle: `items.csv`, `bom.csv`, `sites.csv`, `sources.csv` and optional
//! `inventory.csv`, `demand.csv` (or the same tables as `.json` arrays). Bytes in, network out;
//! the caller reads the files.

use pillar_core::{iso_alpha3, read_records, Columns, InputError, Record, Row};

use crate::model::{BuildError, ItemKind, Network, NetworkBuilder, Origin};

/// The tables of a bundle: (file name, bytes) for each present file.
#[derive(Debug, Default, Clone)]
pub struct BundleFiles {
    /// `items` table.
    pub items: Option<(String, Vec<u8>)>,
    /// `bom` table.
    pub bom: Option<(String, Vec<u8>)>,
    /// `sites` table.
    pub sites: Option<(String, Vec<u8>)>,
    /// `sources` table.
    pub sources: Option<(String, Vec<u8>)>,
    /// `inventory` table.
    pub inventory: Option<(String, Vec<u8>)>,
    /// `demand` table.
    pub demand: Option<(String, Vec<u8>)>,
}

impl BundleFiles {
    /// The table names, in reading order, with their columns.
    pub const TABLES: [(&'static str, Columns<'static>); 6] = [
        (
            "items",
            Columns {
                what: "items.csv",
                allowed: &["id", "name", "kind", "label", "note"],
                required: &["id", "name", "kind"],
            },
        ),
        (
            "sites",
            Columns {
                what: "sites.csv",
                allowed: &["id", "name", "supplier", "country", "note"],
                required: &["id", "supplier", "country"],
            },
        ),
        (
            "bom",
            Columns {
                what: "bom.csv",
                allowed: &["parent", "child", "quantity", "value_share", "note"],
                required: &["parent", "child", "quantity"],
            },
        ),
        (
            "sources",
            Columns {
                what: "sources.csv",
                allowed: &[
                    "item",
                    "site",
                    "share",
                    "capacity",
                    "lead_time_days",
                    "note",
                ],
                required: &["item", "site", "share"],
            },
        ),
        (
            "inventory",
            Columns {
                what: "inventory.csv",
                allowed: &["item", "days_of_supply", "note"],
                required: &["item", "days_of_supply"],
            },
        ),
        (
            "demand",
            Columns {
                what: "demand.csv",
                allowed: &["item", "per_day", "note"],
                required: &["item", "per_day"],
            },
        ),
    ];

    /// Stores a table's bytes by table name.
    pub fn set(&mut self, table: &str, name: String, bytes: Vec<u8>) {
        let slot = match table {
            "items" => &mut self.items,
            "bom" => &mut self.bom,
            "sites" => &mut self.sites,
            "sources" => &mut self.sources,
            "inventory" => &mut self.inventory,
            _ => &mut self.demand,
        };
        *slot = Some((name, bytes));
    }

    fn get(&self, table: &str) -> Option<&(String, Vec<u8>)> {
        match table {
            "items" => self.items.as_ref(),
            "bom" => self.bom.as_ref(),
            "sites" => self.sites.as_ref(),
            "sources" => self.sources.as_ref(),
            "inventory" => self.inventory.as_ref(),
            _ => self.demand.as_ref(),
        }
    }
}

fn number(file: &str, line: usize, r: &Record, field: &str) -> Result<Option<f64>, InputError> {
    match r.get(field) {
        None => Ok(None),
        Some(t) => t
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| {
                InputError::new(
                    file,
                    Some(line),
                    Some(field),
                    format!("`{t}` is not a number"),
                )
            }),
    }
}

fn required<'a>(
    file: &str,
    line: usize,
    r: &'a Record,
    field: &str,
) -> Result<&'a str, InputError> {
    r.get(field).ok_or_else(|| {
        InputError::new(
            file,
            Some(line),
            Some(field),
            "is required but empty or missing",
        )
    })
}

fn from_build(e: BuildError) -> InputError {
    InputError {
        file: e
            .origin
            .as_ref()
            .map(|o| o.file.clone())
            .unwrap_or_else(|| "bundle".into()),
        line: e.origin.map(|o| o.line),
        field: e.field,
        reason: e.reason,
    }
}

/// Parses a bundle into a checked network. Every error names file, line and field; nothing is
/// half-built.
pub fn parse_bundle(files: &BundleFiles) -> Result<Network, InputError> {
    let mut b = NetworkBuilder::new();
    for (table, columns) in BundleFiles::TABLES {
        let Some((name, bytes)) = files.get(table) else {
            if matches!(table, "items" | "sites" | "sources") {
                return Err(InputError::new(
                    &format!("{table}.csv"),
                    None,
                    None,
                    "the bundle has no such file (items, sites and sources are required)",
                ));
            }
            continue;
        };
        let rows: Vec<Row> = read_records(name, bytes, columns)?;
        for (line, r) in &rows {
            let line = *line;
            let at = Origin {
                file: name.clone(),
                line,
            };
            let f = name.as_str();
            match table {
                "items" => {
                    let kind_text = required(f, line, r, "kind")?;
                    let kind = ItemKind::parse(kind_text).ok_or_else(|| {
                        InputError::new(f, Some(line), Some("kind"), format!("`{kind_text}` is not one of system, subsystem, component, material"))
                    })?;
                    b.item(
                        required(f, line, r, "id")?,
                        required(f, line, r, "name")?,
                        kind,
                        &at,
                    )
                    .map_err(from_build)?;
                }
                "sites" => {
                    let country = required(f, line, r, "country")?;
                    if country.len() != 3 || iso_alpha3(country).is_none() {
                        return Err(InputError::new(
                            f,
                            Some(line),
                            Some("country"),
                            format!("`{country}` is not an ISO 3166-1 alpha-3 code"),
                        ));
                    }
                    let id = required(f, line, r, "id")?;
                    b.site(
                        id,
                        r.get("name").unwrap_or(id),
                        required(f, line, r, "supplier")?,
                        country,
                        &at,
                    )
                    .map_err(from_build)?;
                }
                "bom" => {
                    let q = number(f, line, r, "quantity")?.ok_or_else(|| {
                        InputError::new(f, Some(line), Some("quantity"), "is required")
                    })?;
                    b.bom(
                        required(f, line, r, "parent")?,
                        required(f, line, r, "child")?,
                        q,
                        number(f, line, r, "value_share")?,
                        &at,
                    )
                    .map_err(from_build)?;
                }
                "sources" => {
                    let share = number(f, line, r, "share")?.ok_or_else(|| {
                        InputError::new(f, Some(line), Some("share"), "is required")
                    })?;
                    b.source(
                        required(f, line, r, "item")?,
                        required(f, line, r, "site")?,
                        share,
                        number(f, line, r, "capacity")?,
                        number(f, line, r, "lead_time_days")?,
                        &at,
                    )
                    .map_err(from_build)?;
                }
                "inventory" => {
                    let d = number(f, line, r, "days_of_supply")?.unwrap_or(0.0);
                    b.inventory(required(f, line, r, "item")?, d, &at)
                        .map_err(from_build)?;
                }
                _ => {
                    let d = number(f, line, r, "per_day")?.unwrap_or(0.0);
                    b.demand(required(f, line, r, "item")?, d, &at)
                        .map_err(from_build)?;
                }
            }
        }
    }
    b.build().map_err(from_build)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(items: &str, bom: &str, sites: &str, sources: &str) -> BundleFiles {
        let mut f = BundleFiles::default();
        f.set("items", "items.csv".into(), items.as_bytes().to_vec());
        f.set("bom", "bom.csv".into(), bom.as_bytes().to_vec());
        f.set("sites", "sites.csv".into(), sites.as_bytes().to_vec());
        f.set("sources", "sources.csv".into(), sources.as_bytes().to_vec());
        f
    }

    const ITEMS: &str = "id,name,kind\nS,System,system\nA,Part A,component\nB,Part B,component\n";
    const SITES: &str = "id,name,supplier,country\nx,X,sx,USA\ny,Y,sy,CHN\n";

    #[test]
    fn reads_a_bundle() {
        let net = parse_bundle(&bundle(
            ITEMS,
            "parent,child,quantity\nS,A,1\nS,B,2\n",
            SITES,
            "item,site,share\nA,x,1\nB,x,0.5\nB,y,0.5\n",
        ))
        .unwrap();
        assert_eq!(net.len(), 3);
        assert_eq!(net.end_items, vec![0]);
    }

    #[test]
    fn rejects_a_cycle_showing_it() {
        let e = parse_bundle(&bundle(
            ITEMS,
            "parent,child,quantity\nS,A,1\nA,B,1\nB,A,1\n",
            SITES,
            "item,site,share\nA,x,1\n",
        ))
        .unwrap_err();
        assert!(e.reason.contains("A → B → A"), "{e}");
        assert_eq!(e.file, "bom.csv");
    }

    #[test]
    fn rejects_bad_shares_references_and_quantities() {
        let e = parse_bundle(&bundle(
            ITEMS,
            "parent,child,quantity\nS,A,1\n",
            SITES,
            "item,site,share\nA,x,0.6\nA,y,0.3\n",
        ))
        .unwrap_err();
        assert!(e.reason.contains("sum to 0.9"), "{e}");
        assert_eq!(
            (e.file.as_str(), e.field.as_deref()),
            ("sources.csv", Some("share"))
        );
        let e = parse_bundle(&bundle(
            ITEMS,
            "parent,child,quantity\nS,Z,1\n",
            SITES,
            "item,site,share\n",
        ))
        .unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (Some(2), Some("child")));
        let e = parse_bundle(&bundle(
            ITEMS,
            "parent,child,quantity\nS,A,-1\n",
            SITES,
            "item,site,share\n",
        ))
        .unwrap_err();
        assert_eq!(e.field.as_deref(), Some("quantity"));
        let e = parse_bundle(&bundle(
            ITEMS,
            "parent,child,quantity\n",
            "id,name,supplier,country\nx,X,sx,XXX\n",
            "item,site,share\n",
        ))
        .unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.field.as_deref()),
            ("sites.csv", Some("country"))
        );
    }
}

fn csv_line(fields: &[&str]) -> String {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(fields).expect("in-memory write");
    String::from_utf8(w.into_inner().expect("flush")).expect("utf-8")
}

fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

/// Writes a network as the CSV tables of a bundle: (file name, text).
pub fn write_bundle(net: &Network) -> Vec<(&'static str, String)> {
    let mut items = csv_line(&["id", "name", "kind"]);
    for i in 0..net.len() {
        items.push_str(&csv_line(&[
            &net.item_ids[i],
            &net.item_names[i],
            net.item_kinds[i].as_str(),
        ]));
    }
    let mut bom = csv_line(&["parent", "child", "quantity", "value_share"]);
    let mut sources = csv_line(&["item", "site", "share", "capacity", "lead_time_days"]);
    let mut inventory = csv_line(&["item", "days_of_supply"]);
    let mut demand = csv_line(&["item", "per_day"]);
    for i in 0..net.len() as u32 {
        let id = &net.item_ids[i as usize];
        for e in net.children(i) {
            bom.push_str(&csv_line(&[
                id,
                &net.item_ids[net.bom_child[e] as usize],
                &num(net.bom_qty[e]),
                &num(net.bom_value_share[e]),
            ]));
        }
        for s in net.sources(i) {
            sources.push_str(&csv_line(&[
                id,
                &net.site_ids[net.src_site[s] as usize],
                &num(net.src_share[s]),
                &num(net.src_capacity[s]),
                &num(net.src_lead_time[s]),
            ]));
        }
        if net.inventory_days[i as usize] > 0.0 {
            inventory.push_str(&csv_line(&[id, &num(net.inventory_days[i as usize])]));
        }
        if !net.demand_per_day[i as usize].is_nan() {
            demand.push_str(&csv_line(&[id, &num(net.demand_per_day[i as usize])]));
        }
    }
    let mut sites = csv_line(&["id", "name", "supplier", "country"]);
    for s in 0..net.site_ids.len() {
        sites.push_str(&csv_line(&[
            &net.site_ids[s],
            &net.site_names[s],
            &net.supplier_ids[net.site_supplier[s] as usize],
            &net.countries[net.site_country[s] as usize],
        ]));
    }
    vec![
        ("items.csv", items),
        ("bom.csv", bom),
        ("sites.csv", sites),
        ("sources.csv", sources),
        ("inventory.csv", inventory),
        ("demand.csv", demand),
    ]
}

#[cfg(test)]
mod round_trip {
    use super::*;
    use crate::generate::{generate, GenerateOptions};

    #[test]
    fn a_written_bundle_reads_back_the_same() {
        let net = generate(&GenerateOptions {
            nodes: 2000,
            fan_out: 4,
            seed: 3,
        });
        let mut files = BundleFiles::default();
        for (name, text) in write_bundle(&net) {
            files.set(
                name.trim_end_matches(".csv"),
                name.to_string(),
                text.into_bytes(),
            );
        }
        let back = parse_bundle(&files).unwrap();
        assert_eq!(back.item_ids, net.item_ids);
        assert_eq!(back.bom_child, net.bom_child);
        assert_eq!(back.src_site, net.src_site);
        assert_eq!(back.src_share, net.src_share);
        assert_eq!(back.inventory_days, net.inventory_days);
    }
}

/// The demo bundle shipped with Pillar: three fictional systems on materials with published
/// country shares (see `data/demo/README.md` for the sources).
pub fn demo_bundle() -> BundleFiles {
    let mut f = BundleFiles::default();
    for (table, bytes) in [
        ("items", &include_bytes!("../data/demo/items.csv")[..]),
        ("bom", &include_bytes!("../data/demo/bom.csv")[..]),
        ("sites", &include_bytes!("../data/demo/sites.csv")[..]),
        ("sources", &include_bytes!("../data/demo/sources.csv")[..]),
        (
            "inventory",
            &include_bytes!("../data/demo/inventory.csv")[..],
        ),
        ("demand", &include_bytes!("../data/demo/demand.csv")[..]),
    ] {
        f.set(table, format!("demo/{table}.csv"), bytes.to_vec());
    }
    f
}

#[cfg(test)]
mod demo_tests {
    use super::*;

    #[test]
    fn the_demo_bundle_is_valid() {
        let net = parse_bundle(&demo_bundle()).unwrap();
        assert_eq!(net.end_items.len(), 3);
    }
}
