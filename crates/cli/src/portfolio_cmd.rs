//! `pillar project …` and `pillar readiness …`: the portfolio's files in and out of the store,
//! and the readiness calculators on files (no database needed).

use std::path::PathBuf;

use clap::Subcommand;
use pillar_readiness::{srl, trl, Scale};

use crate::config::Config;
use crate::{audit_cmd, classify, open, print_json, BadInput};

/// Projects.
#[derive(Subcommand)]
pub(crate) enum ProjectCommand {
    /// Import projects from a JSON file (`{"projects": [...]}`, see docs/portfolio.md): every
    /// project is checked first, then all are saved in one transaction, or none.
    Import {
        /// The file.
        file: PathBuf,
        /// Who is importing (a person id; recorded in each project's history).
        #[arg(long, default_value = "operator")]
        by: String,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export projects as a project file (every project, or those a person may read).
    Export {
        /// Only what this person's clearance may read.
        #[arg(long = "as")]
        as_person: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

/// Readiness calculators.
#[derive(Subcommand)]
pub(crate) enum ReadinessCommand {
    /// System readiness level (Sauser et al.) from component TRLs and integration IRLs.
    Srl {
        /// `{"components": [{"id", "trl"}], "integrations": [{"a", "b", "irl"}]}` or with
        /// `"irl_matrix"` instead of integrations.
        #[arg(long)]
        input: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The level a filled-in questionnaire reaches (format: docs/portfolio.md).
    Trl {
        /// `{"scale": "TRL", "variant": "hardware", "thresholds": {...}, "answers": [...]}`.
        #[arg(long)]
        answers: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print a shipped question set, to fill in.
    Questions {
        /// TRL or MRL.
        #[arg(long, default_value = "TRL")]
        scale: String,
        /// hardware, software (TRL) or manufacturing (MRL).
        #[arg(long, default_value = "hardware")]
        variant: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("{}: cannot read: {e}", path.display())).into())
}

fn json_input<T: serde::de::DeserializeOwned>(path: &PathBuf) -> anyhow::Result<T> {
    let text = read(path)?;
    serde_json::from_str(&text).map_err(|e| {
        BadInput(format!(
            "{}:{}:{}: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
        .into()
    })
}

pub(crate) fn readiness(cmd: ReadinessCommand) -> anyhow::Result<()> {
    match cmd {
        ReadinessCommand::Srl { input, json } => {
            let parsed: srl::SrlInput = json_input(&input)?;
            let r = srl::srl(&parsed).map_err(|e| BadInput(format!("{}: {e}", input.display())))?;
            if json {
                print_json(&serde_json::json!({
                    "components": r.components.iter().map(|c| serde_json::json!({"id": c.id, "srl": c.srl})).collect::<Vec<_>>(),
                    "composite": r.composite,
                    "band": r.band,
                }))
            } else {
                for c in &r.components {
                    println!("{:<24} SRL {:.2}", c.id, c.srl);
                }
                println!("composite SRL {:.2} ({})", r.composite, r.band);
                Ok(())
            }
        }
        ReadinessCommand::Trl { answers, json } => {
            let parsed: trl::Answers = json_input(&answers)?;
            let r = trl::calculate(&parsed)
                .map_err(|e| BadInput(format!("{}: {e}", answers.display())))?;
            if json {
                let key = r.scale.name().to_ascii_lowercase();
                print_json(&serde_json::json!({
                    key: r.level,
                    "scale": r.scale,
                    "variant": r.variant,
                    "levels": r.levels.iter().map(|l| serde_json::json!({"level": l.level, "score": l.score, "status": l.status})).collect::<Vec<_>>(),
                }))
            } else {
                for l in &r.levels {
                    println!(
                        "{} {:>2}  {:>5.1} %  {:?}",
                        r.scale.name(),
                        l.level,
                        l.score * 100.0,
                        l.status
                    );
                }
                println!("achieved: {} {}", r.scale.name(), r.level);
                Ok(())
            }
        }
        ReadinessCommand::Questions {
            scale,
            variant,
            json,
        } => {
            let s = Scale::parse(&scale)
                .filter(|s| *s != Scale::Irl)
                .ok_or_else(|| BadInput(format!("--scale: `{scale}` is not TRL or MRL")))?;
            let set = trl::question_set(s, &variant).ok_or_else(|| {
                BadInput(format!(
                    "--variant: no {} question set `{variant}`",
                    s.name()
                ))
            })?;
            if json {
                return print_json(set);
            }
            println!("{} — {}", set.title, set.source);
            for l in &set.levels {
                println!(
                    "\n{} {}: {}",
                    s.name(),
                    l.level,
                    s.definition(l.level).unwrap_or("")
                );
                for q in &l.questions {
                    println!("  {:<5} {}", q.id, q.text);
                }
            }
            Ok(())
        }
    }
}

pub(crate) async fn project(cmd: ProjectCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        ProjectCommand::Import { file, by, json } => {
            let text = read(&file)?;
            let name = file.display().to_string();
            let projects = pillar_core::project::read_projects(&name, &text)
                .map_err(|e| BadInput(e.to_string()))?;
            let store = open(config).await?;
            let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            // Written in the import's transaction, carrying the dominant label of the projects.
            let entry = audit_cmd::event(
                "import",
                "projects",
                "ok",
                &format!("{} projects from {name}", projects.len()),
            );
            let audited = pillar_store::audit::Audited {
                at: &at,
                event: &entry,
            };
            let report = store
                .import_projects(&name, &projects, &by, &at, Some(&audited))
                .await
                .map_err(classify)?;
            if json {
                print_json(&report)
            } else {
                println!(
                    "{name}: {} project(s) created, {} changed, {} unchanged; {} assessment(s) added",
                    report.created, report.changed, report.unchanged, report.assessments
                );
                Ok(())
            }
        }
        ProjectCommand::Export { as_person, out } => {
            let store = open(config).await?;
            let projects = match &as_person {
                None => store.operator().projects().await.map_err(classify)?,
                Some(person) => {
                    let (_, readable) = crate::reader(&store, "--as", person).await?;
                    store.reader(&readable).projects().await.map_err(classify)?
                }
            };
            let detail = format!(
                "{} projects{}",
                projects.len(),
                as_person
                    .as_deref()
                    .map(|p| format!(" as {p}"))
                    .unwrap_or_default()
            );
            let labels: Vec<&pillar_label::Label> = projects.iter().map(|p| &p.label).collect();
            audit_cmd::record_export(&store, "projects", &detail, &labels).await?;
            let file = pillar_core::project::ProjectFile { projects };
            let text = serde_json::to_string_pretty(&file)? + "\n";
            match out {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display())),
                None => {
                    use std::io::Write as _;
                    std::io::stdout().lock().write_all(text.as_bytes())?;
                    Ok(())
                }
            }
        }
    }
}
