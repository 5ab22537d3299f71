//! `pillar committee …`: the committee's records in and out of the store from files — the
//! operator's way to set up committees and to load minutes written elsewhere.

use std::path::PathBuf;

use clap::Subcommand;
use pillar_core::committee::CommitteeFile;
use pillar_core::stewardship::Origin;

use crate::config::Config;
use crate::{audit_cmd, classify, open, print_json, BadInput};

/// Committees, meetings, decisions and action items.
#[derive(Subcommand)]
pub(crate) enum CommitteeCommand {
    /// Import committees and meetings from a committee file (`{"committees": [...],
    /// "meetings": [...]}`, see docs/portfolio.md): everything is checked first, then written in
    /// one transaction, or nothing. A meeting whose id exists is replaced (the operator's
    /// view: every meeting, whatever its label).
    Import {
        /// The file.
        file: PathBuf,
        /// The person the records originate with (their nation and organisation keep them);
        /// without it, the committee itself (its secretariat keeps them).
        #[arg(long)]
        by: Option<String>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub(crate) async fn run(cmd: CommitteeCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        CommitteeCommand::Import { file, by, json } => {
            let name = file.display().to_string();
            let bytes =
                std::fs::read(&file).map_err(|e| BadInput(format!("{name}: cannot read: {e}")))?;
            let data: CommitteeFile = serde_json::from_slice(&bytes)
                .map_err(|e| BadInput(format!("{name}:{}:{}: {e}", e.line(), e.column())))?;
            let store = open(config).await?;
            let origin = match &by {
                None => Origin::committee(None, None),
                Some(person) => match store.person(person).await.map_err(classify)? {
                    Some(p) => Origin::of(&p, Vec::new()),
                    None => return Err(BadInput(format!("--by: no person `{person}`")).into()),
                },
            };
            let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let entry = audit_cmd::event(
                "import",
                "committee",
                "ok",
                &format!(
                    "{} committee(s), {} meeting(s) from {name}",
                    data.committees.len(),
                    data.meetings.len()
                ),
            );
            let audited = pillar_store::audit::Audited {
                at: &at,
                event: &entry,
            };
            let (committees, meetings) = store
                .import_committee(&name, &data, &origin, Some(&audited))
                .await
                .map_err(classify)?;
            if json {
                print_json(&serde_json::json!({
                    "file": name,
                    "committees": committees,
                    "meetings": meetings,
                }))
            } else {
                println!("{name}: {committees} committee(s), {meetings} meeting(s) imported");
                Ok(())
            }
        }
    }
}
