//! `pillar audit …` and the audit key and head files kept in the data directory, outside the
//! database: the key makes the chain's hashes unforgeable with SQL access alone; the head file
//! records the newest entry so that entries removed from the end are caught too.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use pillar_store::audit::{AuditEvent, AuditKey};
use pillar_store::Store;
use serde_json::json;

use crate::config::Config;
use crate::{print_json, BadInput};

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the whole chain; exit 1 and name the first bad entry if it was tampered with.
    Verify {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
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

fn key_path(config: &Config) -> PathBuf {
    config.data_dir.join("audit.key")
}

fn head_path(config: &Config) -> PathBuf {
    config.data_dir.join("audit.head")
}

/// Reads the audit key, creating it (32 random bytes, owner-only) on first use.
pub fn key(config: &Config) -> anyhow::Result<AuditKey> {
    let path = key_path(config);
    if !path.exists() {
        std::fs::create_dir_all(&config.data_dir)?;
        let bytes: [u8; 32] = rand::random();
        write_private(&path, &hex::encode(bytes))?;
    }
    let text =
        std::fs::read_to_string(&path).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    let bytes = hex::decode(text.trim())
        .map_err(|e| BadInput(format!("{}: not a hex key: {e}", path.display())))?;
    AuditKey::new(bytes).map_err(|e| BadInput(format!("{}: {e}", path.display())).into())
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

fn head(config: &Config) -> Option<(i64, String)> {
    let text = std::fs::read_to_string(head_path(config)).ok()?;
    let (seq, hash) = text.trim().split_once(' ')?;
    Some((seq.parse().ok()?, hash.to_string()))
}

/// Appends an entry for a command-line action and records the new head.
pub async fn record(
    config: &Config,
    store: &Store,
    action: &str,
    object: &str,
    decision: &str,
    detail: &str,
) -> anyhow::Result<()> {
    let key = key(config)?;
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "unknown".into())
    );
    let at = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    let event = AuditEvent {
        actor,
        action: action.into(),
        object: object.into(),
        label_id: None,
        decision: decision.into(),
        detail: detail.into(),
    };
    let seq = store.audit(&key, &at, &event).await?;
    let hash = store
        .audit_entries(1)
        .await?
        .first()
        .map(|e| e.hash.clone())
        .unwrap_or_default();
    write_private(&head_path(config), &format!("{seq} {hash}\n"))?;
    Ok(())
}

pub async fn run(cmd: AuditCommand, config: &Config) -> anyhow::Result<()> {
    let store = crate::open(config, false).await?;
    match cmd {
        AuditCommand::Verify { json } => {
            let key = key(config)?;
            let head = head(config);
            let v = store
                .audit_verify(&key, head.as_ref().map(|(s, h)| (*s, h.as_str())))
                .await?;
            if json {
                print_json(&json!({"entries": v.entries, "ok": v.first_bad.is_none(),
                    "first_bad": v.first_bad.as_ref().map(|(s, why)| json!({"seq": s, "reason": why}))}))?;
            } else {
                match &v.first_bad {
                    None => println!("audit chain intact: {} entries", v.entries),
                    Some((seq, why)) => println!("audit chain broken at entry {seq}: {why}"),
                }
            }
            if v.first_bad.is_some() {
                std::process::exit(1);
            }
            Ok(())
        }
        AuditCommand::Log { limit, json } => {
            let entries = store.audit_entries(limit).await?;
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
