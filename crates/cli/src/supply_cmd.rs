//! `pillar supply …`: supply-chain analyses on a bundle directory (no database needed), and
//! import of a bundle into the store.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use pillar_supply::{
    generate, parse_bundle, what_if, write_bundle, Analysis, BundleFiles, Disruption,
    GenerateOptions, Network, Target,
};

use crate::config::Config;
use serde_json::json;

use crate::{print_json, BadInput};

#[derive(Subcommand)]
pub enum SupplyCommand {
    /// Analyse a bundle: exposure, HHI, single points of failure, independent sources, allied
    /// alternatives for every end item.
    Analyze {
        /// Bundle directory (items, bom, sites, sources, optional inventory, demand; .csv or
        /// .json) or a single JSON file holding those tables.
        #[arg(required_unless_present = "network")]
        dir: Option<PathBuf>,
        /// Analyse a network stored in the database instead (see `supply import`).
        #[arg(long, conflicts_with = "dir")]
        network: Option<String>,
        /// Countries of concern (comma-separated alpha-3 codes).
        #[arg(long, value_delimiter = ',', default_values = pillar_supply::COUNTRIES_OF_CONCERN)]
        concern: Vec<String>,
        /// Partner nations whose sites count as allied alternatives.
        #[arg(long, value_delimiter = ',', default_values = pillar_supply::PARTNERS)]
        partners: Vec<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
        /// With --json, also every item's exposure and the sites whose loss alone stops its own
        /// supply (used by the NetworkX comparison in bench/).
        #[arg(long, requires = "json")]
        all_items: bool,
        /// Print the time the analysis took to standard error.
        #[arg(long)]
        timings: bool,
    },
    /// What a disruption does to every end item: supply retained, time-to-survive, path of the loss.
    Whatif {
        /// Bundle directory or JSON file.
        #[arg(required_unless_present = "network")]
        dir: Option<PathBuf>,
        /// Use a network stored in the database instead.
        #[arg(long, conflicts_with = "dir")]
        network: Option<String>,
        /// What is disrupted: country:XXX, supplier:ID or site:ID; several are hit together
        /// (repeat the option, or separate them with commas: country:CHN,country:RUS).
        #[arg(long, required = true)]
        disrupt: Vec<String>,
        /// Fraction of the target's capacity that remains (0 = lost entirely).
        #[arg(long, default_value_t = 0.0)]
        capacity: f64,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Generate a synthetic network bundle.
    Generate(GenerateArgs),
    /// Check a bundle and store it in the database under a label, in one transaction.
    Import {
        /// Bundle directory or JSON file.
        dir: PathBuf,
        /// Id of the stored network.
        #[arg(long)]
        id: String,
        /// Name (default: the id).
        #[arg(long)]
        name: Option<String>,
        /// Label: the text itself or a file, in any label form (JSON, STANAG 4774 XML, STANAG
        /// 5636 JSON, BER); default: the coalition policy's UNCLASSIFIED.
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        origin: crate::OriginArgs,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// List the networks stored in the database.
    List {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

/// The network to work on: a bundle on disk or a stored one.
enum Source {
    Dir(PathBuf),
    Stored(String),
}

fn source(dir: Option<PathBuf>, network: Option<String>) -> Source {
    match (dir, network) {
        (_, Some(n)) => Source::Stored(n),
        (Some(d), None) => Source::Dir(d),
        (None, None) => unreachable!("clap requires one"),
    }
}

async fn load(config: &Config, src: Source) -> anyhow::Result<Network> {
    match src {
        Source::Dir(d) => Ok(read_bundle(&d)?),
        Source::Stored(id) => {
            let store = crate::open(config).await?;
            let (_, rows) =
                store.operator().load_supply(&id).await?.ok_or_else(|| {
                    BadInput(format!("--network: no stored supply network `{id}`"))
                })?;
            pillar_store::supply::network_of(&rows)
                .map_err(|e| anyhow::anyhow!("stored network `{id}` is inconsistent: {e}"))
        }
    }
}

#[derive(Args)]
pub struct GenerateArgs {
    /// Number of items.
    #[arg(long, default_value_t = 10_000)]
    nodes: usize,
    /// Average children per assembled item.
    #[arg(long, default_value_t = 5)]
    fan_out: usize,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory (created).
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn spinner(msg: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("template"));
    bar.set_message(msg.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Reads a bundle from a directory of tables or from one JSON file with a key per table.
pub fn read_bundle(path: &Path) -> Result<Network, BadInput> {
    let mut files = BundleFiles::default();
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            BadInput(format!(
                "{}:{}: not a JSON bundle: {e}",
                path.display(),
                e.line()
            ))
        })?;
        for (table, _) in BundleFiles::TABLES {
            if let Some(rows) = v.get(table) {
                files.set(
                    table,
                    format!("{}#{table}", path.display()),
                    serde_json::to_vec_pretty(rows).expect("json"),
                );
            }
        }
    } else {
        for (table, _) in BundleFiles::TABLES {
            for ext in ["csv", "json"] {
                let p = path.join(format!("{table}.{ext}"));
                if p.exists() {
                    let bytes =
                        std::fs::read(&p).map_err(|e| BadInput(format!("{}: {e}", p.display())))?;
                    files.set(table, p.display().to_string(), bytes);
                    break;
                }
            }
        }
    }
    parse_bundle(&files).map_err(|e| BadInput(e.to_string()))
}

/// Codes as given (`--concern CHN, RUS` with spaces too), without blanks.
fn list(codes: &[String]) -> Vec<String> {
    codes
        .iter()
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

pub async fn run(cmd: SupplyCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        SupplyCommand::Import {
            dir,
            id,
            name,
            label,
            origin,
            json,
        } => {
            let label = label.map(|t| crate::label_cmd::label_arg(&t)).transpose()?;
            let net = read_bundle(&dir)?;
            let label = match label {
                None => crate::default_label(),
                Some(l) => l.resolve(config).await?,
            };
            let store = crate::open(config).await?;
            let origin = origin.origin(&store).await?;
            let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let entry = crate::audit_cmd::event(
                "import",
                &format!("supply-network:{id}"),
                "ok",
                &format!("{} items", net.len()),
            );
            let audited = pillar_store::audit::Audited {
                at: &now,
                event: &entry,
            };
            store
                .import_supply(
                    &id,
                    name.as_deref().unwrap_or(&id),
                    &label,
                    &pillar_store::supply::rows_of(&net),
                    &now,
                    &origin,
                    Some(&audited),
                )
                .await
                .map_err(crate::classify)?;
            let summary = json!({"id": id, "items": net.len(), "edges": net.edge_count(), "sites": net.site_ids.len()});
            if json {
                return print_json(&summary);
            }
            println!(
                "stored supply network `{id}`: {} items, {} edges, {} sites",
                net.len(),
                net.edge_count(),
                net.site_ids.len()
            );
            Ok(())
        }
        SupplyCommand::List { json } => {
            let store = crate::open(config).await?;
            let list = store.operator().supply_networks().await?;
            if json {
                return print_json(&list);
            }
            for n in list {
                println!(
                    "{}  {}  {} items  imported {}",
                    n.id, n.name, n.items, n.imported_at
                );
            }
            Ok(())
        }
        SupplyCommand::Analyze {
            dir,
            network,
            concern,
            partners,
            json,
            all_items,
            timings,
        } => {
            let bar = spinner("reading the bundle");
            let net = load(config, source(dir, network)).await?;
            bar.set_message(format!(
                "analysing {} items, {} edges",
                net.len(),
                net.edge_count()
            ));
            let started = std::time::Instant::now();
            let analysis = Analysis::run(&net);
            let elapsed = started.elapsed();
            let report = analysis.report(&net, &list(&concern), &list(&partners));
            bar.finish_and_clear();
            if timings {
                eprintln!(
                    "analysis: {:.3} s for {} items, {} edges",
                    elapsed.as_secs_f64(),
                    net.len(),
                    net.edge_count()
                );
            }
            if json {
                if all_items {
                    let sites = net.site_ids.len() as u32;
                    let per_item: serde_json::Map<String, serde_json::Value> = (0..net.len())
                        .map(|i| {
                            let ex: serde_json::Map<String, serde_json::Value> = analysis.exposure
                                [i]
                                .iter()
                                .map(|&(c, s)| (net.countries[c as usize].clone(), json!(s)))
                                .collect();
                            let crit: Vec<&str> = analysis.own_critical[i]
                                .iter()
                                .filter(|&&r| r < sites)
                                .map(|&r| net.site_ids[r as usize].as_str())
                                .collect();
                            (
                                net.item_ids[i].clone(),
                                json!({"exposure": ex, "critical_sites": crit}),
                            )
                        })
                        .collect();
                    return print_json(
                        &json!({"items": report, "all_items": per_item, "seconds": elapsed.as_secs_f64()}),
                    );
                }
                return print_json(&json!({"items": report}));
            }
            for (id, r) in &report {
                let mut ex: Vec<_> = r.exposure.iter().collect();
                ex.sort_by(|a, b| b.1.partial_cmp(a.1).unwrap());
                let top: Vec<String> = ex
                    .iter()
                    .take(5)
                    .map(|(c, s)| format!("{c} {:.1}%", *s * 100.0))
                    .collect();
                println!(
                    "{id}: exposure {} | HHI {:.3} | concern {:.1}% | independent sources {}",
                    top.join(", "),
                    r.hhi,
                    r.concern_share * 100.0,
                    r.independent_sources
                );
                if !r.spof.is_empty() {
                    let shown: Vec<&str> = r.spof.iter().take(12).map(String::as_str).collect();
                    let more = r.spof.len().saturating_sub(shown.len());
                    let more = if more > 0 {
                        format!(" … and {more} more (--json lists all)")
                    } else {
                        String::new()
                    };
                    println!("  single points of failure: {}{more}", shown.join(", "));
                }
                for (spof, alts) in &r.alternatives {
                    for a in alts {
                        println!(
                            "  allied alternatives for {} ({spof}): {}",
                            a.item,
                            a.sites.join(", ")
                        );
                    }
                }
            }
            Ok(())
        }
        SupplyCommand::Whatif {
            dir,
            network,
            disrupt,
            capacity,
            json,
        } => {
            if !(0.0..=1.0).contains(&capacity) {
                return Err(BadInput(format!(
                    "--capacity {capacity}: give the remaining fraction, between 0 and 1"
                ))
                .into());
            }
            let mut targets = Vec::new();
            for d in &disrupt {
                targets.extend(
                    Target::parse_list(d).map_err(|e| BadInput(format!("--disrupt {d}: {e}")))?,
                );
            }
            let net = load(config, source(dir, network)).await?;
            let w = what_if(
                &net,
                &Disruption {
                    targets,
                    remaining: capacity,
                },
            )
            .map_err(|e| BadInput(format!("--disrupt: {e}")))?;
            if json {
                return print_json(&w);
            }
            for (id, r) in &w.items {
                let tts = r
                    .tts_days
                    .map(|d| format!("{d:.1} days"))
                    .unwrap_or_else(|| "no shortfall".into());
                println!(
                    "{id}: retains {:.1}% | time to survive {tts}",
                    r.retained * 100.0
                );
                if !r.path.is_empty() {
                    println!("  loss path: {}", r.path.join(" → "));
                }
            }
            Ok(())
        }
        SupplyCommand::Generate(a) => {
            let bar = spinner(&format!("generating {} items", a.nodes));
            let net = generate(&GenerateOptions {
                nodes: a.nodes,
                fan_out: a.fan_out,
                seed: a.seed,
            });
            std::fs::create_dir_all(&a.out)
                .map_err(|e| BadInput(format!("{}: {e}", a.out.display())))?;
            for (name, text) in write_bundle(&net) {
                let p = a.out.join(name);
                std::fs::write(&p, text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            }
            bar.finish_and_clear();
            println!(
                "{}: {} items, {} edges, {} sites",
                a.out.display(),
                net.len(),
                net.edge_count(),
                net.site_ids.len()
            );
            Ok(())
        }
    }
}
