//! `pillar audit …` and the audit key and anchors kept in the data directory, outside the
//! database: the key makes the chain's hashes unforgeable with SQL access alone; each database's
//! anchor records its newest entry (advanced by the server and the CLI after every append) so
//! that entries removed from the end are caught too.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use pillar_store::audit::{Anchor, AuditEvent, AuditKey, AuditTrail};
use pillar_store::{DbTarget, Store};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::{Config, KeyFile};
use crate::{print_json, BadInput};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the whole chain; exit 1 and name the first bad entry if it was tampered with.
    Verify {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Write a new audit key file (32 random bytes, hex, readable by its owner only) for the
    /// servers of a deployment to share (`audit_key_file`); an existing file is never
    /// overwritten.
    NewKey {
        /// Where to write it.
        file: PathBuf,
    },
    /// Show the newest entries.
    Log {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

/// The anchor of the database `target`: one file per database under `<data dir>/audit-anchors`,
/// named by a digest of the database's description and naming it inside, so that two databases
/// (the demo's and the default, two PostgreSQL databases) never share one.
pub fn anchor(config: &Config, target: &DbTarget) -> Anchor {
    let database = match target {
        // The absolute path: the same file reached through two spellings has one anchor.
        DbTarget::Sqlite(p) => {
            let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
            format!("sqlite:{}", abs.display())
        }
        DbTarget::Postgres(_) => target.display(),
    };
    let digest = hex::encode(&Sha256::digest(database.as_bytes())[..8]);
    Anchor::new(
        config
            .data_dir
            .join("audit-anchors")
            .join(format!("{digest}.anchor")),
        database,
    )
}

/// Writes a new audit key (32 random bytes, hex, owner-only) to `path`, which must not exist.
fn new_key(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| BadInput(format!("{}: {e}", dir.display())))?;
    }
    let bytes: [u8; 32] = rand::random();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path).map_err(|e| {
        BadInput(match e.kind() {
            std::io::ErrorKind::AlreadyExists => format!(
                "{}: exists already (a key in use is never overwritten: the chain it keys would no longer verify)",
                path.display()
            ),
            _ => format!("{}: {e}", path.display()),
        })
    })?;
    use std::io::Write;
    f.write_all(format!("{}\n", hex::encode(bytes)).as_bytes())?;
    f.sync_all()?;
    Ok(())
}

/// Reads the audit key: the configured file, or `<data dir>/audit.key`, made on first use
/// with SQLite only (see [`Config::audit_key_file`]).
pub fn key(config: &Config) -> anyhow::Result<AuditKey> {
    let path = match config
        .audit_key_file()
        .map_err(|e| BadInput(e.to_string()))?
    {
        KeyFile::Configured(p) => p,
        KeyFile::DataDir(p) => {
            if !p.exists() {
                new_key(&p)?;
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| BadInput(format!("audit key file {}: {e}", path.display())))?;
    let bytes = hex::decode(text.trim())
        .map_err(|e| BadInput(format!("{}: not a hex key: {e}", path.display())))?;
    AuditKey::new(bytes).map_err(|e| BadInput(format!("{}: {e}", path.display())).into())
}

/// The audit trail of the database `target`: the key and the database's anchor.
pub fn trail(config: &Config, target: &DbTarget) -> anyhow::Result<AuditTrail> {
    Ok(AuditTrail::new(key(config)?, Some(anchor(config, target))))
}

/// Who acts from the command line: `cli:` and the operating-system user.
pub fn actor() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    )
}

/// The time now, as audit entries carry it.
pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// An entry for a command-line action, to be written in the action's own transaction.
pub fn event(action: &str, object: &str, decision: &str, detail: &str) -> AuditEvent {
    AuditEvent::new(&actor(), action, object, decision, detail)
}

/// Appends an entry for a command-line action (the store anchors it).
pub async fn record(
    store: &Store,
    action: &str,
    object: &str,
    decision: &str,
    detail: &str,
) -> anyhow::Result<()> {
    store
        .audit(&now(), &event(action, object, decision, detail))
        .await?;
    Ok(())
}

/// As [`record`], the entry carrying `label` (what the action touched): the audit page shows it
/// only to administrators cleared for that label.
pub async fn record_labelled(
    store: &Store,
    action: &str,
    object: &str,
    decision: &str,
    detail: &str,
    label: &pillar_label::Label,
) -> anyhow::Result<()> {
    store
        .audit_labelled(&now(), &event(action, object, decision, detail), label)
        .await?;
    Ok(())
}

/// Records an export: the entry carries the dominant label of what was exported, since its
/// detail (how many rows, as whom) says something of them that an administrator cleared lower
/// may not learn. Rows under labels with no common dominant label leave the count out.
pub async fn record_export(
    store: &Store,
    object: &str,
    detail: &str,
    labels: &[&pillar_label::Label],
) -> anyhow::Result<()> {
    if labels.is_empty() {
        return record(store, "export", object, "ok", detail).await;
    }
    match store.dominant_label(labels).await? {
        Some(l) => record_labelled(store, "export", object, "ok", detail, &l).await,
        None => {
            record(
                store,
                "export",
                object,
                "ok",
                "rows under labels with no common dominant label",
            )
            .await
        }
    }
}

pub async fn run(cmd: AuditCommand, config: &Config) -> anyhow::Result<()> {
    if let AuditCommand::NewKey { file } = &cmd {
        new_key(file)?;
        println!("{}: new audit key written (owner-only)", file.display());
        return Ok(());
    }
    // Verifying or listing never creates a database: a mistyped location is an error, not an
    // empty chain called intact.
    let store = crate::open_existing(config).await?;
    match cmd {
        AuditCommand::Verify { json } => {
            let trail = store
                .audit_trail()
                .expect("the CLI opens stores with their trail");
            let anchor = trail.anchor().expect("the CLI's trail is anchored");
            let head = anchor.read().map_err(|e| BadInput(e.to_string()))?;
            let v = store
                .audit_verify(trail.key(), head.as_ref().map(|(s, h)| (*s, h.as_str())))
                .await?;
            // The database's record of the head (every server's appends): once the chain is
            // found intact up to it, this host's record advances to it, so that a later
            // truncation of entries other servers wrote is caught here too.
            let recorded = store.audit_head(trail.key()).await.ok().flatten();
            if v.first_bad.is_none() {
                if let Some((seq, hash)) = &recorded {
                    anchor.advance(*seq, hash)?;
                }
            }
            let head = if recorded.is_some() { recorded } else { head };
            let database = config.db_target()?.display();
            if json {
                print_json(
                    &json!({"database": database, "entries": v.entries, "ok": v.first_bad.is_none(),
                    "anchored": head.as_ref().map(|(s, _)| s),
                    "first_bad": v.first_bad.as_ref().map(|(s, why)| json!({"seq": s, "reason": why}))}),
                )?;
            } else {
                match &v.first_bad {
                    None if head.is_none() && v.entries > 0 => println!(
                        "audit chain of {database} intact: {} entries (no anchor recorded for this database yet, so entries cut from the end could not be checked)",
                        v.entries
                    ),
                    None => println!("audit chain of {database} intact: {} entries", v.entries),
                    Some((seq, why)) => {
                        println!("audit chain of {database} broken at entry {seq}: {why}")
                    }
                }
            }
            if v.first_bad.is_some() {
                std::process::exit(1);
            }
            Ok(())
        }
        AuditCommand::NewKey { .. } => unreachable!("handled above"),
        AuditCommand::Log { limit, json } => {
            let entries = store.operator().audit_entries(limit).await?;
            if json {
                return print_json(&entries);
            }
            for e in entries {
                println!(
                    "{:>6} {} {} {} {} {} {}",
                    e.seq,
                    e.at,
                    e.event.actor,
                    e.event.action,
                    e.event.object,
                    e.event.decision,
                    e.event.detail
                );
            }
            Ok(())
        }
    }
}
