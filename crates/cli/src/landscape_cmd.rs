//! `pillar landscape …`: technology landscape from OpenAlex Works records (no database needed).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use pillar_landscape::areas::AreaSet;
use pillar_landscape::engine::EngineError;
use pillar_landscape::ingest::{self, IngestError, Options};
use pillar_landscape::{generate::Generator, indicators, sql, Engine, EngineSpec, Period};

use crate::config::Config;
use crate::supply_cmd::spinner;
use crate::{print_json, BadInput};

#[derive(Subcommand)]
pub enum LandscapeCommand {
    /// Read OpenAlex Works snapshot files (JSON Lines, plain or .gz) into Parquet partitioned by
    /// year. Resumable: files already ingested (and unchanged) are skipped.
    Ingest {
        /// Input files.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Count and report malformed lines instead of stopping at the first.
        #[arg(long)]
        skip_bad: bool,
        /// Threads that parse lines and build rows (0: one per core). The output does not
        /// depend on it.
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Indicators per technology area and nation: output, PP(top 10 %), RCA, leading
    /// institutions, collaboration, monopoly risk.
    Report {
        #[command(flatten)]
        common: Common,
        /// Only this area.
        #[arg(long)]
        area: Option<String>,
        /// Nations to show (comma-separated alpha-3 codes); figures are still against the world.
        #[arg(long)]
        nations: Option<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Partners for a nation: strong where it is weak, weighted by existing collaboration.
    Partners {
        #[command(flatten)]
        common: Common,
        /// The nation (alpha-3).
        #[arg(long)]
        nation: String,
        /// Consider only these partners (comma-separated alpha-3 codes).
        #[arg(long)]
        among: Option<String>,
        /// Also suggest nations outside the coalition (the registry's nations), flagged, the
        /// nations of concern (configuration `concern_nations`) marked. Without it, and without
        /// --among, only the coalition's nations are suggested.
        #[arg(long)]
        outside: bool,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Show the technology areas and their queries (the shipped ones, or those of --areas).
    Areas {
        /// Areas file instead of the shipped areas.
        #[arg(long)]
        areas: Option<PathBuf>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Write a synthetic corpus in OpenAlex shape (the same for the same seed).
    Generate {
        /// Number of works.
        #[arg(long)]
        works: u64,
        /// Random seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (.jsonl or .jsonl.gz).
        #[arg(long)]
        out: PathBuf,
    },
    /// Compute an analysis (report over every nation, partner suggestions) and publish it in the
    /// database under a label, for the web pages; with --dry-run print the record instead.
    Publish {
        #[command(flatten)]
        common: Common,
        /// Identifier of the analysis (letters, digits, - and _); publishing again replaces it.
        #[arg(long)]
        id: String,
        /// Name shown to readers.
        #[arg(long)]
        name: String,
        /// Its label: the text itself or a file, in any label form (JSON as in project files,
        /// STANAG 4774 XML, STANAG 5636 JSON, BER).
        #[arg(long)]
        label: String,
        /// Nations to suggest partners for.
        #[arg(long, default_value = "USA,KOR,AUS,GBR,JPN,CAN,NZL")]
        partners_for: String,
        #[command(flatten)]
        origin: crate::OriginArgs,
        /// Print the record (JSON) instead of storing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Print the SQL of a report (plain SQL over the tables `works`, `shares`, `institutions`);
    /// with --run, run it and print each statement's rows and time (for engine comparisons).
    Sql {
        #[command(flatten)]
        common: Common,
        /// Run the statements and print their rows and times as JSON.
        #[arg(long)]
        run: bool,
    },
}

#[derive(Args)]
pub struct Common {
    /// Directory written by `pillar landscape ingest`.
    #[arg(long)]
    data: PathBuf,
    /// Areas file (JSON) instead of the shipped areas; see `pillar landscape areas`.
    #[arg(long)]
    areas: Option<PathBuf>,
    /// First year (default: the first year in the data).
    #[arg(long)]
    from: Option<i32>,
    /// Last year (default: the last year in the data).
    #[arg(long)]
    to: Option<i32>,
    /// `embedded` (DataFusion in this process) or `ballista://HOST:PORT`.
    #[arg(long, default_value = "embedded")]
    engine: String,
}

fn load_areas(path: Option<&Path>) -> Result<AreaSet, BadInput> {
    match path {
        None => Ok(AreaSet::shipped()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| BadInput(format!("{}: {e}", p.display())))?;
            AreaSet::parse(&text).map_err(|e| BadInput(format!("{}: {e}", p.display())))
        }
    }
}

fn engine_error(e: EngineError) -> anyhow::Error {
    match e {
        EngineError::Usage(msg) => BadInput(msg).into(),
        other => anyhow::anyhow!(other),
    }
}

const GENERATE_CHUNK: u64 = 10_000;

/// Works `range` of the synthetic corpus as JSON Lines, gzip-compressed when `gz` (a member of
/// a multi-member gzip file, which gzip readers concatenate).
fn generated(g: &Generator, range: std::ops::Range<u64>, gz: bool) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    for n in range {
        serde_json::to_writer(&mut buf, &g.work(n))?;
        buf.push(b'\n');
    }
    if !gz {
        return Ok(buf);
    }
    let mut e = flate2::write::GzEncoder::new(
        Vec::with_capacity(buf.len() / 4),
        flate2::Compression::fast(),
    );
    e.write_all(&buf)?;
    e.finish()
}

fn codes(list: &str, flag: &str) -> Result<Vec<String>, BadInput> {
    list.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|c| {
            pillar_landscape::work::alpha3(c)
                .ok_or_else(|| BadInput(format!("{flag}: `{c}` is not an ISO 3166-1 country code")))
        })
        .collect()
}

struct Prepared {
    engine: Engine,
    areas: AreaSet,
    period: Period,
}

impl Prepared {
    /// Runs the report's statements, with a spinner.
    async fn tables(&self) -> anyhow::Result<indicators::Tables> {
        let bar = spinner("computing indicators");
        let tables = self
            .engine
            .tables(&sql::statements(&self.areas, self.period))
            .await
            .map_err(engine_error);
        bar.finish_and_clear();
        tables
    }
}

async fn prepare(common: &Common, only: Option<&str>) -> anyhow::Result<Prepared> {
    let mut areas = load_areas(common.areas.as_deref())?;
    if let Some(id) = only {
        let known: Vec<String> = areas.areas.iter().map(|a| a.id.clone()).collect();
        areas = areas.only(id).ok_or_else(|| {
            BadInput(format!(
                "--area {id}: no such area (there are: {})",
                known.join(", ")
            ))
        })?;
    }
    let spec = EngineSpec::parse(&common.engine).map_err(engine_error)?;
    let engine = Engine::open(&spec, &common.data)
        .await
        .map_err(engine_error)?;
    let (first, last) = engine
        .years()
        .await
        .map_err(engine_error)?
        .ok_or_else(|| BadInput(format!("--data {}: no works", common.data.display())))?;
    let period = Period {
        from: common.from.unwrap_or(first),
        to: common.to.unwrap_or(last),
    };
    if period.from > period.to {
        return Err(BadInput(format!(
            "--from {} is after --to {}",
            period.from, period.to
        ))
        .into());
    }
    Ok(Prepared {
        engine,
        areas,
        period,
    })
}

pub async fn run(cmd: LandscapeCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        LandscapeCommand::Ingest {
            paths,
            out,
            skip_bad,
            threads,
            json,
        } => {
            let total: u64 = paths
                .iter()
                .filter_map(|p| std::fs::metadata(p).ok())
                .map(|m| m.len())
                .sum();
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("template"),
            );
            let started = Instant::now();
            let result = tokio::task::block_in_place(|| {
                ingest::ingest(&paths, &out, &Options { skip_bad, threads }, &mut |done| {
                    bar.set_position(done)
                })
            });
            bar.finish_and_clear();
            let summary = result.map_err(|e| match e {
                IngestError::Record { .. } => anyhow::Error::new(BadInput(format!(
                    "{e} (nothing of this file was kept; --skip-bad counts such lines instead)"
                ))),
                IngestError::Unreadable { .. } => {
                    BadInput(format!("{e} (nothing of this file was kept)")).into()
                }
                IngestError::Io { .. } => BadInput(e.to_string()).into(),
                IngestError::Other(_) => anyhow::anyhow!(e),
            })?;
            let seconds = started.elapsed().as_secs_f64();
            if json {
                let mut v = serde_json::to_value(&summary)?;
                v["seconds"] = serde_json::json!(seconds);
                v["works_per_second"] = serde_json::json!(summary.works as f64 / seconds.max(1e-9));
                print_json(&v)?;
            } else {
                println!(
                    "{} works from {} file(s) in {seconds:.1} s ({:.0} works/s); {} file(s) already ingested; {} bad line(s)",
                    summary.works,
                    summary.files,
                    summary.works as f64 / seconds.max(1e-9),
                    summary.files_skipped,
                    summary.bad_lines
                );
                for b in &summary.bad_examples {
                    println!("  skipped {b}");
                }
                // Kept, but without what some indicator needs: said, so that no bias is silent.
                for (reason, n) in &summary.incomplete {
                    println!("  {n} work(s) {reason}");
                }
            }
            Ok(())
        }
        LandscapeCommand::Report {
            common,
            area,
            nations,
            json,
        } => {
            let nations = nations
                .as_deref()
                .map(|n| codes(n, "--nations"))
                .transpose()?;
            let p = prepare(&common, area.as_deref()).await?;
            let tables = p.tables().await?;
            let report = indicators::report(
                &p.areas,
                p.period,
                &tables,
                nations.as_deref(),
                &p.areas.monopoly,
            );
            if json {
                return print_json(&report);
            }
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{} works, {}–{}",
                report.works, report.period.from, report.period.to
            )?;
            for (id, a) in &report.areas {
                writeln!(
                    out,
                    "\n{id} — {} ({} works; monopoly risk {})",
                    a.name, a.works, a.monopoly_risk
                )?;
                writeln!(
                    out,
                    "  {:<6} {:>8} {:>10} {:>9} {:>7} {:>7}",
                    "nation", "output", "fractional", "PP(top10)", "RCA", "RSCA"
                )?;
                for n in a.ranking.iter().take(15) {
                    let i = &a.nations[n];
                    writeln!(
                        out,
                        "  {n:<6} {:>8} {:>10.1} {:>9.3} {:>7.2} {:>7.2}",
                        i.output, i.output_fractional, i.pp_top10, i.rca, i.rsca
                    )?;
                }
                let inst: Vec<String> = a
                    .institutions
                    .iter()
                    .take(5)
                    .map(|i| format!("{} ({})", i.name, i.nation))
                    .collect();
                if !inst.is_empty() {
                    writeln!(out, "  leading institutions: {}", inst.join(", "))?;
                }
            }
            Ok(())
        }
        LandscapeCommand::Partners {
            common,
            nation,
            among,
            outside,
            json,
        } => {
            let nation = codes(&nation, "--nation")?
                .pop()
                .ok_or_else(|| BadInput("--nation is empty".into()))?;
            let among = among.as_deref().map(|n| codes(n, "--among")).transpose()?;
            let p = prepare(&common, None).await?;
            let tables = p.tables().await?;
            if !tables.nation_totals.iter().any(|t| t.nation == nation) {
                return Err(BadInput(format!(
                    "--nation {nation}: no works of this nation in {}–{}",
                    p.period.from, p.period.to
                ))
                .into());
            }
            let all = indicators::partners(&p.areas, p.period, &tables, &nation, among.as_deref());
            // Outsiders and nations of concern are flagged always; they are left out unless
            // asked for (--outside) or named (--among). With no registry to say who the
            // coalition is, every candidate stays, and stderr says so.
            let partners = match coalition(config).await? {
                Some(members) => indicators::scoped(
                    &all,
                    &members,
                    &config.concern_nations,
                    outside || among.is_some(),
                ),
                None => {
                    eprintln!(
                        "note: no nations in the registry (seed it with `pillar db seed`): every nation is a candidate"
                    );
                    // No one is known to be outside; the nations of concern are still marked.
                    let everyone: Vec<String> =
                        all.partners.iter().map(|x| x.nation.clone()).collect();
                    indicators::scoped(&all, &everyone, &config.concern_nations, true)
                }
            };
            if json {
                return print_json(&partners);
            }
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "Partners for {nation}, {}–{}",
                p.period.from, p.period.to
            )?;
            writeln!(
                out,
                "  {:<6} {:>7} {:>15} {:>13}  {:<18} fills gaps in",
                "nation", "score", "complementarity", "collaboration", "flag"
            )?;
            for x in partners.partners.iter().take(15) {
                let gaps: Vec<&str> = x.gaps.iter().take(4).map(|g| g.area.as_str()).collect();
                let flag = match (x.outside, x.concern) {
                    (_, true) => "nation of concern",
                    (true, false) => "outside coalition",
                    _ => "",
                };
                writeln!(
                    out,
                    "  {:<6} {:>7.3} {:>15.3} {:>13.3}  {:<18} {}",
                    x.nation,
                    x.score,
                    x.complementarity,
                    x.collaboration,
                    flag,
                    gaps.join(", ")
                )?;
            }
            Ok(())
        }
        LandscapeCommand::Areas { areas, json } => {
            let set = load_areas(areas.as_deref())?;
            if json {
                return print_json(&set);
            }
            for a in &set.areas {
                println!("{} — {} [{}]\n  {}", a.id, a.name, a.set, a.query);
                if !a.topics.is_empty() {
                    println!("  or topic {}", a.topics.join(", "));
                }
            }
            Ok(())
        }
        LandscapeCommand::Generate { works, seed, out } => {
            let gz = out.extension().is_some_and(|e| e == "gz");
            let file = std::fs::File::create(&out)
                .map_err(|e| BadInput(format!("{}: {e}", out.display())))?;
            let mut w = std::io::BufWriter::new(file);
            let bar = ProgressBar::new(works);
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} works, eta {eta}")
                    .expect("template"),
            );
            // Chunks of works are generated (and compressed, each as one gzip member) on every
            // core and written in order: the file is the same for any number of cores.
            let g = Generator::new(seed);
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
            let chunks = works.div_ceil(GENERATE_CHUNK);
            let mut next = 0;
            while next < chunks {
                let round = next..chunks.min(next + threads);
                let parts: Vec<std::io::Result<Vec<u8>>> = std::thread::scope(|s| {
                    let g = &g;
                    let handles: Vec<_> = round
                        .clone()
                        .map(|c| {
                            let first = c * GENERATE_CHUNK;
                            let range = first..(first + GENERATE_CHUNK).min(works);
                            s.spawn(move || generated(g, range, gz))
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().expect("a generating thread panicked"))
                        .collect()
                });
                for part in parts {
                    w.write_all(&part?)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
                }
                next = round.end;
                bar.set_position((next * GENERATE_CHUNK).min(works));
            }
            w.flush()
                .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
            drop(w);
            bar.finish_and_clear();
            println!("{works} works written to {}", out.display());
            Ok(())
        }
        LandscapeCommand::Publish {
            common,
            id,
            name,
            label,
            partners_for,
            origin,
            dry_run,
        } => {
            let label = crate::label_cmd::label_arg(&label)?;
            let partners_for = codes(&partners_for, "--partners-for")?;
            let label = label.resolve(config).await?;
            let p = prepare(&common, None).await?;
            let tables = p.tables().await?;
            let analysis = indicators::snapshot(&p.areas, p.period, &tables, &partners_for);
            let record = pillar_store::landscapes::LandscapeRecord {
                id: id.clone(),
                name,
                label,
                analysis: serde_json::to_value(&analysis)?,
            };
            if dry_run {
                return print_json(&record);
            }
            let store = crate::open(config).await?;
            let origin = origin.origin(&store).await?;
            let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let entry = crate::audit_cmd::event("publish", &format!("landscape:{id}"), "ok", "");
            let audited = pillar_store::audit::Audited {
                at: &at,
                event: &entry,
            };
            store
                .publish_landscape(
                    &record.id,
                    &record.name,
                    &record.label,
                    &record.analysis,
                    "cli",
                    &origin,
                    &at,
                    Some(&audited),
                )
                .await
                .map_err(crate::classify)?;
            println!(
                "published landscape {id} ({}–{})",
                p.period.from, p.period.to
            );
            Ok(())
        }
        LandscapeCommand::Sql { common, run } => {
            let p = prepare(&common, None).await?;
            let statements = sql::statements(&p.areas, p.period);
            if !run {
                return print_json(&statements);
            }
            let mut results = serde_json::Map::new();
            for (name, text) in p.engine.plan(&statements) {
                let started = Instant::now();
                let batches = p.engine.run(&text).await.map_err(engine_error)?;
                let seconds = started.elapsed().as_secs_f64();
                let rows: Vec<serde_json::Value> =
                    pillar_landscape::engine::to_rows(&batches).map_err(engine_error)?;
                results.insert(
                    name.to_string(),
                    serde_json::json!({"seconds": seconds, "rows": rows}),
                );
            }
            print_json(&results)
        }
    }
}

/// The coalition's nations: the registry's nations (not its groups), or `None` when the
/// database in use does not exist yet or holds none (a SQLite file is never created here).
async fn coalition(config: &Config) -> anyhow::Result<Option<Vec<String>>> {
    if let pillar_store::DbTarget::Sqlite(path) = config.db_target()? {
        if !path.exists() {
            return Ok(None);
        }
    }
    let store = crate::open(config).await?;
    let nations: Vec<String> = store
        .operator()
        .export(pillar_core::RegistryKind::Nations)
        .await
        .map_err(crate::classify)?
        .into_iter()
        .filter_map(|r| match r {
            pillar_store::RegistryRow::Nation(n) if n.members.is_empty() => {
                Some(n.code.to_string())
            }
            _ => None,
        })
        .collect();
    store.close().await;
    Ok((!nations.is_empty()).then_some(nations))
}
