//! The `pillar` command. Argument parsing and wiring only: every decision is made in the
//! engines, the store or the web crate.

mod audit_cmd;
mod committee_cmd;
mod config;
mod label_cmd;
mod landscape_cmd;
mod portfolio_cmd;
mod supply_cmd;
mod tdf_cmd;

/// mimalloc instead of the C library's allocator: the ingest of research records, the parsing of
/// imports and the server allocate many small strings; with glibc's `malloc`, a quarter of the
/// ingest's time went to allocating and freeing (measured in BENCHMARKS.md, issue #19).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pillar_core::RegistryKind;
use pillar_label::Label;
use pillar_store::{demo, files, Store, StoreError};

use config::{Config, ConfigArgs};

/// The password of every demo login (`serve --demo` only; listed in the README).
const DEMO_PASSWORD: &str = "pillar-demo";

/// Pillar: the coalition defence S&T committee's working platform.
#[derive(Parser)]
#[command(name = "pillar", version, about = "Pillar: the coalition defence S&T committee's working platform", long_about = None)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Database administration.
    #[command(subcommand)]
    Db(DbCommand),
    /// Import registry rows from a CSV or JSON file, in one transaction: all rows or none.
    Import(ImportArgs),
    /// Export registry rows as CSV or JSON.
    Export(ExportArgs),
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run the web server until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Labels, clearances and policies: validity, markings, access decisions, translation.
    #[command(subcommand)]
    Label(label_cmd::LabelCommand),
    /// Supply-chain resilience: exposure, single points of failure, what-if disruptions.
    #[command(subcommand)]
    Supply(supply_cmd::SupplyCommand),
    /// The audit chain: verify it, read it.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
    /// Joint R&D projects: import and export project files.
    #[command(subcommand)]
    Project(portfolio_cmd::ProjectCommand),
    /// The committee's records from files: committees, meetings, decisions, action items.
    #[command(subcommand)]
    Committee(committee_cmd::CommitteeCommand),
    /// Readiness calculators: SRL from TRLs and IRLs, TRL/MRL from a questionnaire.
    #[command(subcommand)]
    Readiness(portfolio_cmd::ReadinessCommand),
    /// Technology landscape from OpenAlex records: ingest, indicators, partners, synthetic corpus.
    #[command(subcommand)]
    Landscape(landscape_cmd::LandscapeCommand),
    /// Labelled files that leave Pillar: seal a file as a TDF, decrypt one, inspect one.
    #[command(subcommand)]
    Tdf(tdf_cmd::TdfCommand),
    /// The key access service's keys: rotate them, list them.
    #[command(subcommand)]
    Kas(tdf_cmd::KasCommand),
    /// Accounts: set a person's password (read from standard input).
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum DbCommand {
    /// Apply pending schema migrations.
    Migrate(JsonFlag),
    /// Load the shipped reference data (nations, groups, technology-area taxonomies) and, with
    /// `--demo-data` (or into the demo database, `--demo`), the fictional demo coalition. Kinds
    /// that already have rows are left alone.
    Seed {
        /// Also load the fictional demo coalition into the database in use.
        #[arg(long)]
        demo_data: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Reader indexes: full-text indexes of the documents under a set of labels, which the
    /// server builds for a group of readers after their broad searches.
    #[command(subcommand)]
    ReaderIndex(ReaderIndexCommand),
}

#[derive(Subcommand)]
enum ReaderIndexCommand {
    /// List them: how many labels and documents each holds.
    List(JsonFlag),
    /// Prepare the one a person's searches will use now (build it, or extend the closest one),
    /// rather than after their first broad search. Document writes wait while it is built.
    Prepare {
        /// The person (registry id) whose clearance it is for.
        person: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Set (or replace) the password of a registry person; the password is read from the first
    /// line of standard input.
    SetPassword {
        /// The person's registry id (also their login).
        person: String,
    },
    /// End every session and revoke every API token of a person (setting a password does
    /// this too).
    RevokeSessions {
        /// The person's registry id.
        person: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the configuration in effect and where each value came from.
    Show(JsonFlag),
}

#[derive(Args)]
struct JsonFlag {
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ImportArgs {
    /// What the file holds.
    #[arg(value_parser = parse_kind)]
    kind: RegistryKind,
    /// The file: CSV with a header row, or a JSON array of objects (by extension or content).
    file: PathBuf,
    /// Label for rows that carry none: the text itself or a file, in any label form (JSON,
    /// STANAG 4774 XML, STANAG 5636 JSON, BER). Default: the coalition policy's UNCLASSIFIED.
    #[arg(long)]
    label: Option<String>,
    #[command(flatten)]
    origin: OriginArgs,
    #[command(flatten)]
    json: JsonFlag,
}

/// Whose records an operator's import creates (`pillar_core::stewardship`): recorded on every
/// record, never changed by a later import.
#[derive(Args, Debug)]
pub(crate) struct OriginArgs {
    /// The nation (and organisation) the records come from, for an operator loading them for
    /// the committee: `NATION` or `NATION:ORGANISATION`, e.g. `KOR:kr-add`. They are the
    /// committee's own either way (its secretariat keeps them); releasing them is that nation's
    /// decision. Default: the committee as a whole, whose records only the operator releases.
    #[arg(long, value_name = "NATION[:ORG]")]
    origin: Option<String>,
}

impl OriginArgs {
    /// The origin named, checked against the registry (an organisation must exist there and
    /// belong to the nation).
    pub(crate) async fn origin(
        &self,
        store: &Store,
    ) -> anyhow::Result<pillar_core::stewardship::Origin> {
        use pillar_core::stewardship::Origin;
        let Some(spec) = &self.origin else {
            return Ok(Origin::committee(None, None));
        };
        let origin =
            Origin::parse_operator(spec).map_err(|e| BadInput(format!("--origin: {e}")))?;
        if let Some(org) = &origin.organisation {
            let nation = store
                .operator()
                .export(RegistryKind::Organisations)
                .await?
                .into_iter()
                .find_map(|r| match r {
                    pillar_store::RegistryRow::Organisation(o) if &o.id == org => Some(o.nation),
                    _ => None,
                });
            match nation {
                None => {
                    return Err(BadInput(format!(
                        "--origin: no organisation `{org}` in the registry (import organisations first)"
                    ))
                    .into())
                }
                Some(n) if n != origin.nation => {
                    return Err(BadInput(format!(
                        "--origin: organisation `{org}` belongs to {n}, not {}",
                        origin.nation
                    ))
                    .into())
                }
                Some(_) => {}
            }
        }
        Ok(origin)
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    Json,
}

#[derive(Args)]
struct ExportArgs {
    /// What to export.
    #[arg(value_parser = parse_kind)]
    kind: RegistryKind,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Export only what this person (a registry id) may read under their clearance.
    #[arg(long = "as")]
    as_person: Option<String>,
}

#[derive(Args)]
struct ServeArgs {}

fn parse_kind(s: &str) -> Result<RegistryKind, String> {
    s.parse()
}

/// An error the user caused with their input: exit status 2.
#[derive(Debug)]
pub(crate) struct BadInput(pub(crate) String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for BadInput {}

pub(crate) fn classify(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Input(i) => BadInput(i.to_string()).into(),
        other => other.into(),
    }
}

fn main() -> ExitCode {
    // Writing into a closed pipe (`pillar … | head`) ends the program quietly, as in other
    // command-line tools, instead of panicking.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PILLAR_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<BadInput>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

pub(crate) fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command {
        Command::Label(cmd) => return label_cmd::run(cmd),
        Command::Readiness(cmd) => return portfolio_cmd::readiness(cmd),
        other => other,
    };
    let config = Config::load(&cli.config).map_err(|e| BadInput(format!("{e:#}")))?;
    let command = match command {
        Command::Supply(cmd) => return supply_cmd::run(cmd, &config).await,
        Command::Audit(cmd) => return audit_cmd::run(cmd, &config).await,
        Command::Project(cmd) => return portfolio_cmd::project(cmd, &config).await,
        Command::Committee(cmd) => return committee_cmd::run(cmd, &config).await,
        Command::Landscape(cmd) => return landscape_cmd::run(cmd, &config).await,
        Command::Tdf(cmd) => return tdf_cmd::run(cmd, &config).await,
        Command::Kas(cmd) => return tdf_cmd::kas(cmd, &config).await,
        other => other,
    };
    match command {
        Command::Label(_)
        | Command::Supply(_)
        | Command::Audit(_)
        | Command::Project(_)
        | Command::Committee(_)
        | Command::Landscape(_)
        | Command::Tdf(_)
        | Command::Kas(_)
        | Command::Readiness(_) => {
            unreachable!("handled above")
        }
        Command::User(UserCommand::SetPassword { person }) => {
            let store = open(&config).await?;
            if !store
                .operator()
                .export(RegistryKind::People)
                .await
                .map_err(classify)?
                .iter()
                .any(|r| r.id() == person)
            {
                return Err(BadInput(format!("no person `{person}` in the registry")).into());
            }
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let password = line.trim_end_matches(['\n', '\r']);
            if password.chars().count() < 12 {
                return Err(BadInput("the password needs at least 12 characters".into()).into());
            }
            let ended = store
                .set_password(&person, password, &audit_cmd::now(), &audit_cmd::actor())
                .await?;
            println!(
                "password set for {person}; ended {} session(s) and {} API token(s)",
                ended.sessions, ended.tokens
            );
            Ok(())
        }
        Command::User(UserCommand::RevokeSessions { person, json }) => {
            let store = open_existing(&config).await?;
            if store.person(&person).await?.is_none() {
                return Err(BadInput(format!("no person `{person}` in the registry")).into());
            }
            let now = audit_cmd::now();
            let entry = audit_cmd::event(
                "admin",
                &format!("account:{person}"),
                "ok",
                "sessions and API tokens ended",
            );
            let ended = store.revoke_sessions(&person, &now, &entry).await?;
            if json.json {
                print_json(
                    &serde_json::json!({"person": person, "sessions": ended.sessions, "tokens": ended.tokens}),
                )?;
            } else {
                println!(
                    "{person}: ended {} session(s) and revoked {} API token(s)",
                    ended.sessions, ended.tokens
                );
            }
            Ok(())
        }
        Command::Config(ConfigCommand::Show(flag)) => {
            if flag.json {
                print_json(&config.show())?;
            } else {
                for (key, value, source) in config.show_rows() {
                    println!("{key:<15} = {value}    # {source}");
                }
            }
            Ok(())
        }
        Command::Db(DbCommand::Migrate(flag)) => {
            let target = config.db_target()?;
            let store = Store::open(&target).await.map_err(classify)?;
            let applied = store.migrate().await.map_err(classify)?;
            let moved = move_local_blobs(&config, &store, !flag.json).await?;
            if flag.json {
                print_json(
                    &serde_json::json!({"database": target.display(), "applied": applied, "blobs": moved}),
                )?;
            } else {
                println!("{}: {applied} migration(s) applied", target.display());
                if let Some(m) = moved {
                    println!(
                        "blobs: {} moved into {}, {} there already ({} bytes)",
                        m.moved,
                        blobs_of(&config, &store)?.describe(),
                        m.present,
                        m.bytes
                    );
                }
            }
            Ok(())
        }
        Command::Db(DbCommand::ReaderIndex(ReaderIndexCommand::List(flag))) => {
            let store = open(&config).await?;
            let list = store.reader_indexes().await.map_err(classify)?;
            if flag.json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("no reader indexes");
            } else {
                for ix in list {
                    println!(
                        "reader index {}: {} label(s), {} document(s), built {}",
                        ix.id, ix.labels, ix.documents, ix.created_at
                    );
                }
            }
            Ok(())
        }
        Command::Db(DbCommand::ReaderIndex(ReaderIndexCommand::Prepare { person, json })) => {
            let store = open(&config).await?;
            let (_, readable) = reader(&store, "PERSON", &person).await?;
            let started = std::time::Instant::now();
            let id = store
                .prepare_reader_index(&readable)
                .await
                .map_err(classify)?;
            audit_cmd::record(
                &store,
                "admin",
                &format!("reader-index:{person}"),
                "ok",
                &match id {
                    Some(id) => format!("reader index {id} prepared"),
                    None => "no reader index needed or possible".to_string(),
                },
            )
            .await?;
            if json.json {
                print_json(&serde_json::json!({"person": person, "reader_index": id}))?;
            } else {
                match id {
                    Some(id) => println!(
                        "{person}: reader index {id} ready ({:.1?})",
                        started.elapsed()
                    ),
                    None => println!(
                        "{person}: no reader index (they may read {} of {} labels: none is worth building, or {} exist and none is close)",
                        readable.label_ids.len(),
                        readable.examined,
                        pillar_store::MAX_READER_INDEXES
                    ),
                }
            }
            store.close().await;
            Ok(())
        }
        Command::Db(DbCommand::Seed { demo_data, json }) => {
            let with_demo = demo_data || config.demo;
            let store = open(&config).await?;
            let blobs = blobs_of(&config, &store)?;
            let reports = seed(&store, &blobs, with_demo).await?;
            if json.json {
                print_json(&reports)?;
            } else if reports.is_empty() {
                println!("nothing to seed: every kind already has rows");
            } else {
                for r in reports {
                    println!(
                        "{}: {} row(s), {} new label(s)",
                        r.kind, r.rows, r.new_labels
                    );
                }
            }
            Ok(())
        }
        Command::Import(args) => import(&config, args).await,
        Command::Export(args) => export(&config, args).await,
        Command::Serve(ServeArgs {}) => {
            let store = open(&config).await?;
            check_audit_start(&store).await?;
            if config.demo {
                let blobs = blobs_of(&config, &store)?;
                seed(&store, &blobs, true).await?;
            }
            if config.demo {
                // Demo logins: every persona, one clearly-demo password (see README).
                for row in store
                    .operator()
                    .export(RegistryKind::People)
                    .await
                    .map_err(classify)?
                {
                    if store.password_hash(row.id()).await?.is_none() {
                        store
                            .set_password(
                                row.id(),
                                DEMO_PASSWORD,
                                &audit_cmd::now(),
                                &audit_cmd::actor(),
                            )
                            .await?;
                    }
                }
            }
            if config.demo {
                tracing::info!(
                    "demo: sign in at http://{}/login as any persona of the README (e.g. kr-pm, jp-observer) with the password {DEMO_PASSWORD}",
                    config.listen
                );
            }
            let blobs = blobs_of(&config, &store)?;
            match blobs.sweep_temporary() {
                Ok(0) => {}
                Ok(n) => tracing::info!("removed {n} half-written upload(s) left by a crash"),
                Err(e) => tracing::warn!("cannot sweep {}: {e}", blobs.describe()),
            }
            let mut state = pillar_web::AppState::new(store, blobs)
                .with_trusted_proxies(config.trusted_proxies.clone())
                .with_concern_nations(config.concern_nations.clone());
            if let Some(kas) = tdf_cmd::kas_of(&config)? {
                state = state.with_kas(kas);
            }
            pillar_web::serve(state, config.listen, shutdown_signal()).await?;
            Ok(())
        }
    }
}

/// Where the document contents of the database in use are kept (see [`Config::blob_place`]).
pub(crate) fn blobs_of(
    config: &Config,
    store: &Store,
) -> anyhow::Result<pillar_store::blobs::Blobs> {
    Ok(match config.blob_place() {
        config::BlobPlace::Database => pillar_store::blobs::Blobs::in_database(store),
        config::BlobPlace::Directory(d) => pillar_store::blobs::Blobs::new(d),
        #[cfg(feature = "s3")]
        config::BlobPlace::ObjectStore(url) => pillar_store::blobs::Blobs::object_store(&url)
            .map_err(|e| BadInput(format!("blobs / PILLAR_BLOBS: {e}")))?,
        #[cfg(not(feature = "s3"))]
        config::BlobPlace::ObjectStore(url) => {
            return Err(BadInput(format!(
                "blobs / PILLAR_BLOBS: `{url}`: this build keeps contents in the database or a directory only; an S3-compatible object store needs a build with `--features s3`"
            ))
            .into())
        }
    })
}

/// Moves the blobs of the local blob directory into where contents are kept, when that is
/// elsewhere (the database, or another directory): each blob is copied, read back, checked
/// and then removed, so an interrupted move is resumed by running it again. `None` when there
/// is nothing to move.
async fn move_local_blobs(
    config: &Config,
    store: &Store,
    progress: bool,
) -> anyhow::Result<Option<pillar_store::blobs::Moved>> {
    let local = config.local_blob_dir();
    if config.blob_place() == config::BlobPlace::Directory(local.clone()) {
        return Ok(None);
    }
    let files = pillar_store::blobs::Blobs::stored_in(&local);
    if files.is_empty() {
        return Ok(None);
    }
    // Moving is an audited action: the store gets its trail (and so needs the key) only now.
    let store = &store
        .clone()
        .with_audit(audit_cmd::trail(config, &config.db_target()?)?);
    let into = blobs_of(config, store)?;
    let bar = if progress {
        indicatif::ProgressBar::new(files.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_message(format!("moving blobs into {}", into.describe()));
    let mut moved = pillar_store::blobs::Moved::default();
    let mut failed = None;
    for f in &files {
        if let Err(e) = into.move_from(f, &mut moved).await {
            failed = Some(e);
            break;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    // Recorded whether the move finished or stopped part-way (then the rest stays local).
    let done = moved.moved + moved.present;
    audit_cmd::record(
        store,
        "admin",
        "blobs",
        if failed.is_none() { "ok" } else { "fail" },
        &format!(
            "{done} of {} blob(s) moved from {} into {}",
            files.len(),
            local.display(),
            into.describe()
        ),
    )
    .await?;
    if let Some(e) = failed {
        anyhow::bail!(
            "{e} ({done} of {} blobs moved; run `pillar db migrate` again to go on)",
            files.len()
        );
    }
    Ok(Some(moved))
}

/// Before a server starts: the audit chain of its database must verify under its key and hold
/// its recorded head (see [`Store::audit_check_start`]), and still hold the head this host
/// recorded last (its witness); the witness then advances to the chain's newest entry.
async fn check_audit_start(store: &Store) -> anyhow::Result<()> {
    let trail = store
        .audit_trail()
        .expect("the CLI opens stores with their trail");
    let anchor = trail.anchor().expect("the CLI's trail is anchored");
    let witness = anchor.read().map_err(|e| BadInput(e.to_string()))?;
    let newest = store
        .audit_check_start(trail.key())
        .await
        .map_err(|e| anyhow::anyhow!("refusing to start: {e}"))?;
    if let Some((seq, hash)) = &witness {
        if !store.audit_holds(*seq, hash).await? {
            anyhow::bail!(
                "refusing to start: this host recorded entry {seq} of the audit chain, which the database no longer holds as it was written (the chain ends at {}): entries were removed or rewritten. If the database was restored or recreated on purpose, remove {} to accept its chain as it is.",
                newest.as_ref().map(|(s, _)| *s).unwrap_or(0),
                anchor.path().display()
            );
        }
    }
    if let Some((seq, hash)) = newest {
        anchor.advance(seq, &hash)?;
    }
    Ok(())
}

/// Opens (creating when missing) and migrates the database in use, with its audit trail.
pub(crate) async fn open(config: &Config) -> anyhow::Result<Store> {
    let target = config.db_target()?;
    let trail = audit_cmd::trail(config, &target)?;
    Ok(Store::open_migrated(&target)
        .await
        .map_err(classify)
        .with_context(|| format!("opening {}", target.display()))?
        .with_audit(trail))
}

/// As [`open`], for commands that only read what is there: a SQLite database that does not
/// exist is an error naming it (bad input, exit 2), never a new empty one.
pub(crate) async fn open_existing(config: &Config) -> anyhow::Result<Store> {
    if let pillar_store::DbTarget::Sqlite(path) = config.db_target()? {
        if !path.exists() {
            return Err(BadInput(format!(
                "no database at {}{}",
                path.display(),
                if config.demo {
                    " (the demo database is made by `pillar serve --demo` or `pillar --demo db seed`)"
                } else {
                    " (give --data-dir, --db, or --demo for the demo database)"
                }
            ))
            .into());
        }
    }
    open(config).await
}

/// Seeds the reference data, the shipped policies and, with `with_demo`, the demo coalition:
/// every transaction carries its own audit entry (no seeded data without its entry).
async fn seed(
    store: &Store,
    blobs: &pillar_store::blobs::Blobs,
    with_demo: bool,
) -> anyhow::Result<Vec<pillar_store::ImportReport>> {
    let label = default_label();
    let now = audit_cmd::now();
    let actor = audit_cmd::actor();
    let by = demo::Seeding {
        actor: &actor,
        at: &now,
    };
    // The shipped policies first, when none are loaded yet: the seeded rows' labels resolve
    // under them (and their audit entries carry their dominant label).
    if store.policy_set().await?.0.policies().is_empty() {
        use pillar_label::demo::{COALITION_SPIF, ROK_SPIF, US_SPIF};
        let spifs = [
            ("pillar-coalition.xml", COALITION_SPIF),
            ("pillar-us-demo.xml", US_SPIF),
            ("pillar-rok-demo.xml", ROK_SPIF),
        ]
        .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()));
        let entry = by.entry("policies:shipped", "3 policies");
        let audited = pillar_store::audit::Audited {
            at: &now,
            event: &entry,
        };
        store
            .load_policies(&spifs, Some(&audited))
            .await
            .map_err(classify)?;
    }
    let mut reports = demo::seed(store, demo::REFERENCE, &label, Some(&by))
        .await
        .map_err(classify)?;
    if with_demo {
        reports.extend(
            demo::seed(store, demo::DEMO, &label, Some(&by))
                .await
                .map_err(classify)?,
        );
        // The supply network first: projects name its end items.
        demo::seed_supply(store, &now, &label, Some(&by))
            .await
            .map_err(classify)?;
        demo::seed_projects(store, &now, Some(&by))
            .await
            .map_err(classify)?;
        demo::seed_committee(store, Some(&by))
            .await
            .map_err(classify)?;
        demo::seed_landscapes(store, &now, Some(&by))
            .await
            .map_err(classify)?;
        demo::seed_documents(store, blobs, &now)
            .await
            .map_err(classify)?;
    }
    Ok(reports)
}

pub(crate) fn default_label() -> Label {
    Label::new(
        Label::coalition_policy(),
        pillar_label::COALITION_UNCLASSIFIED,
    )
}

async fn import(config: &Config, args: ImportArgs) -> anyhow::Result<()> {
    let name = args.file.display().to_string();
    let bytes = std::fs::read(&args.file)
        .map_err(|e| BadInput(format!("{name}: cannot read the file: {e}")))?;
    let label = match &args.label {
        None => None,
        Some(arg) => Some(label_cmd::label_arg(arg)?),
    };
    let started = Instant::now();
    let rows = files::read_rows(&name, &bytes, args.kind).map_err(|e| BadInput(e.to_string()))?;
    let label = match label {
        None => default_label(),
        Some(l) => l.resolve(config).await?,
    };
    let store = open(config).await?;
    let origin = args.origin.origin(&store).await?;
    let bar = ProgressBar::with_draw_target(Some(rows.len() as u64), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows ({per_sec}, {eta})")
            .expect("template")
            .progress_chars("=> "),
    );
    bar.set_message(format!("importing {}", args.kind));
    let shown_after = Duration::from_secs(1);
    let mut progress = |done: u64, _total: u64| {
        if bar.is_hidden() && started.elapsed() > shown_after {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_position(done);
    };
    // The entry is written in the import's transaction: no import without it.
    let at = audit_cmd::now();
    let entry = audit_cmd::event(
        "import",
        &format!("{}:{}", args.kind.name(), name),
        "ok",
        &format!("{} rows", rows.len()),
    );
    let audited = pillar_store::audit::Audited {
        at: &at,
        event: &entry,
    };
    let report = store
        .import(
            args.kind,
            &name,
            &rows,
            &label,
            &origin,
            &mut progress,
            Some(&audited),
        )
        .await
        .map_err(classify)?;
    bar.finish_and_clear();
    if args.json.json {
        print_json(&report)?;
    } else {
        println!(
            "imported {} {} from {name} ({} new label(s)) in {:.2?}",
            report.rows,
            report.kind,
            report.new_labels,
            started.elapsed()
        );
    }
    store.close().await;
    Ok(())
}

/// A person named on the command line (`arg`: where, for messages — `--as` or `PERSON`), and
/// what their clearance may read.
pub(crate) async fn reader(
    store: &Store,
    arg: &str,
    person: &str,
) -> anyhow::Result<(pillar_core::Person, pillar_store::Entitlements)> {
    let viewer = store
        .person(person)
        .await
        .map_err(classify)?
        .ok_or_else(|| BadInput(format!("{arg}: no person `{person}` in the registry")))?;
    let clearance = viewer
        .clearance
        .clone()
        .ok_or_else(|| BadInput(format!("{arg}: `{person}` has no clearance")))?;
    let readable = store
        .entitlements(&pillar_store::EntitlementCache::default(), &clearance)
        .await
        .map_err(classify)?;
    Ok((viewer, readable))
}

async fn export(config: &Config, args: ExportArgs) -> anyhow::Result<()> {
    let store = open(config).await?;
    let rows = match &args.as_person {
        None => store.operator().export(args.kind).await.map_err(classify)?,
        Some(person) => {
            let (viewer, readable) = reader(&store, "--as", person).await?;
            // As in the API: clearances are shown to their holder and to administrators only.
            let admin = viewer.roles.contains(&pillar_core::Role::Administrator);
            store
                .reader(&readable)
                .export(args.kind)
                .await
                .map_err(classify)?
                .into_iter()
                .map(|r| match r {
                    pillar_store::RegistryRow::Person(mut p) if !admin && p.id != viewer.id => {
                        p.clearance = None;
                        pillar_store::RegistryRow::Person(p)
                    }
                    other => other,
                })
                .collect()
        }
    };
    let detail = format!(
        "{} rows{}",
        rows.len(),
        args.as_person
            .as_deref()
            .map(|p| format!(" as {p}"))
            .unwrap_or_default()
    );
    let labels: Vec<&pillar_label::Label> = rows.iter().map(|r| r.label()).collect();
    audit_cmd::record_export(&store, args.kind.name(), &detail, &labels).await?;
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format {
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        ExportFormat::Csv => {
            let columns = args.kind.columns();
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(columns)?;
            for row in &rows {
                let record = row.to_record();
                w.write_record(columns.iter().map(|c| {
                    pillar_core::spreadsheet_safe(record.get(c).unwrap_or("")).into_owned()
                }))?;
            }
            w.flush()?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
