//! `pillar label …`: the label engine on files.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use pillar_label::{
    read_clearance, read_label, write_label, Dominance, Form, LabelDocument, LabelError, Location,
    Policy, PolicySet, Resolved, ResolvedClearance,
};
use serde_json::json;

use crate::{print_json, BadInput};

#[derive(Subcommand)]
pub enum LabelCommand {
    /// Is a label valid under its policy? Exit 0 when valid, 1 when invalid, 2 on bad input.
    Validate {
        #[command(flatten)]
        spifs: Spifs,
        /// The label (STANAG 4774 XML, spiffy XML, JSON, STANAG 5636 JSON or BER): a file, or the text itself.
        #[arg(long)]
        label: String,
        #[command(flatten)]
        out: Output,
    },
    /// The display marking of a label or a clearance.
    Marking {
        #[command(flatten)]
        spifs: Spifs,
        /// The label.
        #[arg(
            long,
            required_unless_present = "clearance",
            conflicts_with = "clearance"
        )]
        label: Option<String>,
        /// The clearance (STANAG 4774 XML, spiffy XML, JSON, STANAG 5636 JSON or BER): a file, or the text itself.
        #[arg(long)]
        clearance: Option<String>,
        /// Language tag (`en`, `ko`, `fr-CA` …); falls back to the language, then the default.
        #[arg(long, default_value = "")]
        lang: String,
        /// Marking location: pageTop, pageBottom, documentStart, documentEnd.
        #[arg(long, default_value = "pageBottom", value_parser = parse_location)]
        location: Location,
        #[command(flatten)]
        out: Output,
    },
    /// The access decision (ACDF) of a clearance on a label, with reasons; a label under
    /// another policy is translated into the clearance's first, as the server does. Exit 0 when
    /// access is granted, 1 when refused, 2 on bad input.
    Check {
        #[command(flatten)]
        spifs: Spifs,
        /// The label: a file, or the text itself (JSON or XML).
        #[arg(long)]
        label: String,
        /// The clearance: a file, or the text itself (JSON or XML).
        #[arg(long)]
        clearance: String,
        #[command(flatten)]
        out: Output,
    },
    /// Translate a label into an equivalent policy.
    Translate {
        #[command(flatten)]
        spifs: Spifs,
        /// The label: a file, or the text itself (JSON or XML).
        #[arg(long)]
        label: String,
        /// Target policy: its name or OID.
        #[arg(long)]
        to: String,
        /// Output form: 4774 (XML), json, spiffy, 5636 (STANAG 5636 JSON) or ber (the X.841
        /// ESSSecurityLabel in DER, binary: redirect it to a file).
        #[arg(long, default_value = "4774", value_parser = parse_form)]
        format: Form,
    },
    /// The dominant label of several labels (ADatP-4774.1 §4.4).
    Dominant {
        #[command(flatten)]
        spifs: Spifs,
        /// The labels: files, or the texts themselves (JSON or XML).
        #[arg(required = true, num_args = 2..)]
        labels: Vec<String>,
        /// Governing policy (name or OID); default: the first label's.
        #[arg(long)]
        governing: Option<String>,
        /// Language of the marking.
        #[arg(long, default_value = "")]
        lang: String,
        #[command(flatten)]
        out: Output,
    },
    /// The US-style banner (or, with --portion, portion) marking of a label.
    Banner {
        #[command(flatten)]
        spifs: Spifs,
        /// The label: a file, or the text itself (JSON or XML).
        #[arg(long)]
        label: String,
        /// Print the portion marking, e.g. `(S//REL TO USA, KOR)`.
        #[arg(long)]
        portion: bool,
        /// Language.
        #[arg(long, default_value = "en")]
        lang: String,
        #[command(flatten)]
        out: Output,
    },
}

#[derive(Args)]
pub struct Spifs {
    /// A SPIF (XML-SPIF 2.0 or 2.1); repeat for several. Default: Pillar's demo policies.
    #[arg(long = "spif")]
    spif: Vec<PathBuf>,
}

#[derive(Args)]
pub struct Output {
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

fn parse_location(s: &str) -> Result<Location, String> {
    Location::parse(s).ok_or_else(|| {
        format!("unknown location `{s}`: use pageTop, pageBottom, documentStart or documentEnd")
    })
}

fn parse_form(s: &str) -> Result<Form, String> {
    s.parse()
}

fn read(path: &Path) -> Result<Vec<u8>, BadInput> {
    std::fs::read(path).map_err(|e| BadInput(format!("{}: cannot read: {e}", path.display())))
}

/// A `--label` or `--clearance` value: the JSON or XML text itself when it starts like one,
/// else a file to read. Returns the name to use in messages and the bytes.
fn source(arg: &str) -> Result<(String, Vec<u8>), BadInput> {
    let t = arg.trim_start();
    if t.starts_with('{') || t.starts_with('<') {
        Ok(("the text given".into(), arg.as_bytes().to_vec()))
    } else {
        let path = Path::new(arg);
        Ok((path.display().to_string(), read(path)?))
    }
}

/// The `--label` of a command that stores records (import, supply import, landscape
/// publish), in any form: read at once; a form written in the policy's numbers (BER, spiffy)
/// is named against the database's policies by [`LabelArg::resolve`].
pub(crate) enum LabelArg {
    /// A label in a form that names its values (4774 XML, JSON, 5636 JSON).
    Named(pillar_label::Label),
    /// A label in the policy's numbers, with the name to use in messages.
    Numbered(String, Vec<u8>),
}

/// Reads a `--label` argument (the text itself, or a file); bad input is refused here, before
/// any database is opened.
pub(crate) fn label_arg(arg: &str) -> Result<LabelArg, BadInput> {
    let (name, bytes) = source(arg)?;
    match pillar_label::parse_document(&bytes) {
        Ok(pillar_label::Document::Label(doc, _)) => Ok(LabelArg::Named(doc.label)),
        Ok(pillar_label::Document::BerLabel(_) | pillar_label::Document::SpiffyLabel(..)) => {
            Ok(LabelArg::Numbered(name, bytes))
        }
        Ok(_) => Err(BadInput(format!(
            "--label: {name}: this is a clearance, not a label"
        ))),
        Err(e) => Err(BadInput(format!("--label: {name}: {e}"))),
    }
}

impl LabelArg {
    /// The label, named against the policies of the database in use when it was given in
    /// numbers.
    pub(crate) async fn resolve(
        self,
        config: &crate::config::Config,
    ) -> anyhow::Result<pillar_label::Label> {
        match self {
            LabelArg::Named(l) => Ok(l),
            LabelArg::Numbered(name, bytes) => {
                let store = crate::open_existing(config).await?;
                let (set, _) = store.policy_set().await?;
                let (r, _, doc) = read_label(&bytes, &set)
                    .map_err(|e| BadInput(format!("--label: {name}: {e}")))?;
                Ok(doc.map(|d| d.label).unwrap_or_else(|| set.to_label(&r)))
            }
        }
    }
}

fn policies(spifs: &Spifs) -> Result<PolicySet, BadInput> {
    if spifs.spif.is_empty() {
        return Ok(pillar_label::demo::demo_policies());
    }
    let mut list = Vec::new();
    for p in &spifs.spif {
        list.push(Policy::parse(&read(p)?).map_err(|e| BadInput(format!("{}: {e}", p.display())))?);
    }
    PolicySet::new(list).map_err(BadInput)
}

fn label(set: &PolicySet, arg: &str) -> Result<(Resolved, Form, Option<LabelDocument>), BadInput> {
    let (name, bytes) = source(arg)?;
    read_label(&bytes, set).map_err(|e| BadInput(format!("{name}: {e}")))
}

fn clearance(set: &PolicySet, arg: &str) -> Result<ResolvedClearance, BadInput> {
    let (name, bytes) = source(arg)?;
    read_clearance(&bytes, set)
        .map(|(c, _)| c)
        .map_err(|e| BadInput(format!("{name}: {e}")))
}

fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn emit(json_out: bool, value: serde_json::Value, text: &str) -> anyhow::Result<()> {
    if json_out {
        print_json(&value)
    } else {
        println!("{text}");
        Ok(())
    }
}

pub fn run(cmd: LabelCommand) -> anyhow::Result<()> {
    match cmd {
        LabelCommand::Validate {
            spifs,
            label: path,
            out,
        } => {
            let set = policies(&spifs)?;
            let (name, bytes) = source(&path)?;
            // A label naming something its policy does not define is invalid, not unreadable.
            let errors = match read_label(&bytes, &set) {
                Ok((r, _, _)) => set.validate(&r),
                Err(LabelError::Resolve(e)) => vec![e.to_string()],
                Err(e) => return Err(BadInput(format!("{name}: {e}")).into()),
            };
            let valid = errors.is_empty();
            let text = if valid {
                "valid".to_string()
            } else {
                format!("invalid: {}", errors.join("; "))
            };
            emit(out.json, json!({"valid": valid, "errors": errors}), &text)?;
            if !valid {
                std::process::exit(1);
            }
            Ok(())
        }
        LabelCommand::Marking {
            spifs,
            label: l,
            clearance: c,
            lang,
            location,
            out,
        } => {
            let set = policies(&spifs)?;
            let marking = match (l, c) {
                (Some(l), _) => set.marking(&label(&set, &l)?.0, &lang, location),
                (None, Some(c)) => set.clearance_marking(&clearance(&set, &c)?, &lang),
                (None, None) => unreachable!("clap requires one"),
            };
            emit(out.json, json!({"marking": marking}), &marking)
        }
        LabelCommand::Check {
            spifs,
            label: l,
            clearance: c,
            out,
        } => {
            let set = policies(&spifs)?;
            let d = set.decide_translated(&label(&set, &l)?.0, &clearance(&set, &c)?);
            let text = format!(
                "{}\n  {}",
                if d.access {
                    "access granted"
                } else {
                    "access denied"
                },
                d.reasons.join("\n  ")
            );
            emit(
                out.json,
                json!({"access": d.access, "reasons": d.reasons}),
                &text,
            )?;
            if !d.access {
                std::process::exit(1);
            }
            Ok(())
        }
        LabelCommand::Translate {
            spifs,
            label: l,
            to,
            format,
        } => {
            let set = policies(&spifs)?;
            let (r, _, doc) = label(&set, &l)?;
            let target = set.find(&to).ok_or_else(|| {
                BadInput(format!(
                    "--to: no loaded policy is named `{to}` or has that OID"
                ))
            })?;
            match set.translate(&r, target) {
                Ok(t) => {
                    let bytes = write_label(&set, &t, format, doc.as_ref(), &now())
                        .map_err(|e| BadInput(format!("{l}: {e}")))?;
                    let mut out = std::io::stdout().lock();
                    out.write_all(&bytes)?;
                    if matches!(format, Form::Json | Form::Stanag5636) {
                        writeln!(out)?;
                    }
                    Ok(())
                }
                Err(e) => Err(BadInput(format!("{l}: cannot translate to `{to}`: {e}")).into()),
            }
        }
        LabelCommand::Dominant {
            spifs,
            labels,
            governing,
            lang,
            out,
        } => {
            let set = policies(&spifs)?;
            let resolved = labels
                .iter()
                .map(|p| label(&set, p).map(|(r, _, _)| r))
                .collect::<Result<Vec<_>, _>>()?;
            let gov = match &governing {
                Some(g) => Some(
                    set.find(g)
                        .ok_or_else(|| BadInput(format!("--governing: unknown policy `{g}`")))?,
                ),
                None => None,
            };
            let (status, computed, reasons) = match set.dominant(&resolved, gov) {
                Dominance::Ok(r) => ("ok", Some(r), Vec::new()),
                Dominance::PolicyDecisionRequired { computed, reasons } => {
                    ("policy_decision_required", computed, reasons)
                }
            };
            let marking = computed
                .as_ref()
                .map(|r| set.marking(r, &lang, Location::PageBottom));
            let label_json = computed
                .as_ref()
                .map(|r| serde_json::to_value(set.to_label(r)).expect("json"));
            let text = match (&marking, status) {
                (Some(m), "ok") => m.clone(),
                (m, _) => format!(
                    "policy decision required{}\n  {}",
                    m.as_ref()
                        .map(|m| format!(" (computed: {m})"))
                        .unwrap_or_default(),
                    reasons.join("\n  ")
                ),
            };
            emit(
                out.json,
                json!({"status": status, "label": label_json, "marking": marking, "reasons": reasons}),
                &text,
            )
        }
        LabelCommand::Banner {
            spifs,
            label: l,
            portion,
            lang,
            out,
        } => {
            let set = policies(&spifs)?;
            let r = label(&set, &l)?.0;
            let text = if portion {
                set.portion(&r, &lang)
            } else {
                set.banner(&r, &lang)
            };
            emit(out.json, json!({"marking": text}), &text)
        }
    }
}
