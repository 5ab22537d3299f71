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
use serde_json::json;

use crate::{print_json, BadInput};

/// The default countries of concern.
const CONCERN: &str = "CHN,RUS,PRK,IRN";
/// The default partner nations for allied alternatives.
const PARTNERS: &str = "USA,KOR,AUS,GBR,JPN,CAN,NZL";

#[derive(Subcommand)]
pub enum SupplyCommand {
    /// Analyse a bundle: exposure, HHI, single points of failure, independent sources, allied
    /// alternatives for every end item.
    Analyze {
        /// Bundle directory (items, bom, sites, sources, optional inventory, demand; .csv or
        /// .json) or a single JSON file holding those tables.
        dir: PathBuf,
        /// Countries of concern (comma-separated alpha-3 codes).
        #[arg(long, default_value = CONCERN)]
        concern: String,
        /// Partner nations whose sites count as allied alternatives.
        #[arg(long, default_value = PARTNERS)]
        partners: String,
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
        dir: PathBuf,
        /// What is disrupted: country:XXX, supplier:ID or site:ID.
        #[arg(long)]
        disrupt: Target,
        /// Fraction of the target's capacity that remains (0 = lost entirely).
        #[arg(long, default_value_t = 0.0)]
        capacity: f64,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Generate a synthetic network bundle.
    Generate(GenerateArgs),
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

fn spinner(msg: &str) -> ProgressBar {
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

fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

pub fn run(cmd: SupplyCommand) -> anyhow::Result<()> {
    match cmd {
        SupplyCommand::Analyze {
            dir,
            concern,
            partners,
            json,
            all_items,
            timings,
        } => {
            let bar = spinner("reading the bundle");
            let net = read_bundle(&dir)?;
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
            let net = read_bundle(&dir)?;
            let w = what_if(
                &net,
                &Disruption {
                    target: disrupt,
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
