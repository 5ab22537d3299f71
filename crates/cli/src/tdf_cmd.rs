//! `pillar tdf …` (labelled files that leave Pillar: encrypt, decrypt, inspect) and
//! `pillar kas …` (the key access service's keys), and the key directory itself: per
//! generation `<kid>.wrap.pem` (RSA-2048, wraps payload keys) and `<kid>.sign.pem` (signs
//! handling assertions), PKCS #8, owner-only, in a directory only its owner may enter.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use pillar_store::tdfs::IssuedTdf;
use pillar_tdf::container::{open, seal, Opened, Recipient, Seal};
use pillar_tdf::keys::{Keyring, PrivateKey};
use pillar_tdf::labelled;
use pillar_tdf::manifest::PolicyObject;
use pillar_web::kas::Kas;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::{audit_cmd, print_json, BadInput};

#[derive(Subcommand)]
pub enum KasCommand {
    /// Make a new key generation (wrapping and signing keys); new TDFs use it, the older ones
    /// are kept to unwrap and verify TDFs already issued.
    Rotate {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// List the key generations, the one in use last.
    Keys {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum TdfCommand {
    /// Seal a file as a TDF under a label, for this server's key access service (recorded, so
    /// that the service decides on Pillar's record of it).
    Encrypt {
        /// The file.
        file: PathBuf,
        /// The label: any form `pillar label translate` reads, the text itself or a file.
        #[arg(long)]
        label: String,
        /// Where to write the TDF (default: FILE.tdf); written whole or not at all.
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Decrypt a TDF: through a Pillar server's key access service (`--server`, with your API
    /// token; its decision, audited there), or with this server's own keys (an operator holding
    /// them). Every segment, the root signature and every assertion are checked first; written
    /// whole or not at all. Exit 1 when the key access service refuses.
    Decrypt {
        /// The TDF.
        file: PathBuf,
        /// Where to write the plaintext.
        #[arg(short, long)]
        output: PathBuf,
        /// The Pillar server whose key access service to ask (its origin, e.g.
        /// `https://pillar.example`).
        #[arg(long)]
        server: Option<String>,
        /// Your API token for `--server` (better given in the environment than on the command
        /// line).
        #[arg(long, env = "PILLAR_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Show a TDF without decrypting it: manifest, label marking (English and Korean),
    /// integrity verdict. Exit 2 when the TDF is malformed or altered.
    Inspect {
        /// The TDF.
        file: PathBuf,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[cfg(unix)]
fn owner_only(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn owner_only(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// The key generations in `dir`, oldest first: (wrapping, signing).
pub(crate) fn load_keys(dir: &Path) -> anyhow::Result<(Keyring, Keyring)> {
    let mut kids: Vec<String> = Vec::new();
    if dir.exists() {
        for e in std::fs::read_dir(dir)? {
            let name = e?.file_name().to_string_lossy().into_owned();
            if let Some(kid) = name.strip_suffix(".wrap.pem") {
                kids.push(kid.to_string());
            }
        }
    }
    kids.sort();
    let mut wrap = Vec::new();
    let mut sign = Vec::new();
    for kid in kids {
        let read = |suffix: &str| -> anyhow::Result<PrivateKey> {
            let p = dir.join(format!("{kid}.{suffix}.pem"));
            let text = std::fs::read_to_string(&p)
                .map_err(|e| BadInput(format!("{}: {e}", p.display())))?;
            PrivateKey::from_pem(&text)
                .map_err(|e| BadInput(format!("{}: {e}", p.display())).into())
        };
        wrap.push((kid.clone(), read("wrap")?));
        sign.push((kid.clone(), read("sign")?));
    }
    Ok((Keyring::new(wrap), Keyring::new(sign)))
}

/// Makes the next key generation in `dir`; returns its id. Each file is written owner-only
/// under a temporary name and renamed, the wrapping key last (it is what marks a generation).
pub(crate) fn rotate(dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir)?;
    owner_only(dir, 0o700)?;
    let (wrap, _) = load_keys(dir)?;
    let next = wrap
        .kids()
        .last()
        .and_then(|k| k.strip_prefix('k'))
        .and_then(|n| n.parse::<u32>().ok())
        .map_or(1, |n| n + 1);
    let kid = format!("k{next:04}");
    for suffix in ["sign", "wrap"] {
        let key = PrivateKey::generate();
        let tmp = dir.join(format!(".{kid}.{suffix}.tmp"));
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        owner_only(&tmp, 0o600)?;
        f.write_all(key.to_pem().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join(format!("{kid}.{suffix}.pem")))?;
    }
    Ok(kid)
}

/// The key access service for `serve`: its keys (the first generation made when there is none
/// and the database is SQLite; with PostgreSQL the operator makes and shares them), names from
/// the configuration. `None` (with a warning) when there are no keys.
pub(crate) fn kas_of(config: &Config) -> anyhow::Result<Option<Kas>> {
    let (mut wrapping, mut signing) = load_keys(&config.kas_dir)?;
    if wrapping.current().is_none() {
        if config.is_postgres() {
            tracing::warn!(
                "no key access service keys in {}: TDFs are off until `pillar kas rotate` makes them (every server must read the same directory: kas_dir)",
                config.kas_dir.display()
            );
            return Ok(None);
        }
        rotate(&config.kas_dir)?;
        (wrapping, signing) = load_keys(&config.kas_dir)?;
    }
    Ok(Some(Kas {
        wrapping,
        signing,
        public_url: config.public_url.clone(),
        authority: config.attribute_authority.clone(),
    }))
}

/// Writes through a temporary file beside `path`, renamed into place only when `write`
/// succeeds: nothing half-written is left behind.
fn write_whole(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.part", std::process::id()));
    let result = (|| {
        let mut w = BufWriter::new(File::create(&tmp)?);
        write(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn open_tdf(path: &Path) -> anyhow::Result<(BufReader<File>, Opened)> {
    let f = File::open(path).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    let mut r = BufReader::new(f);
    let o = open(&mut r).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    Ok((r, o))
}

/// Decrypts the payload of `o` (read from `file` through `r`) into `output`, written whole or
/// not at all; how many bytes.
fn decrypt_to(
    o: &Opened,
    r: &mut BufReader<File>,
    key: &pillar_tdf::PayloadKey,
    output: &Path,
    file: &Path,
) -> anyhow::Result<u64> {
    let mut n = 0;
    write_whole(output, |w| {
        n = o
            .decrypt(r, key, w)
            .map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
        Ok(())
    })?;
    Ok(n)
}

/// A key access service's refusal (exit 1).
#[derive(Debug)]
pub(crate) struct Refused(pub(crate) String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// The payload key of `o` from the key access service of `server`, for the holder of `token`:
/// the server's assertion keys (its discovery document) verify the TDF's assertions first; a
/// new client key pair receives the key; the key must open the policy binding.
async fn remote_key(
    o: &Opened,
    server: &str,
    token: &str,
    file: &Path,
) -> anyhow::Result<pillar_tdf::PayloadKey> {
    use base64::Engine as _;
    let server = server.trim_end_matches('/');
    let unreachable = |e: reqwest::Error| BadInput(format!("--server {server}: {e}"));
    let http = reqwest::Client::new();
    let conf: serde_json::Value = http
        .get(format!("{server}/.well-known/opentdf-configuration"))
        .send()
        .await
        .map_err(unreachable)?
        .error_for_status()
        .map_err(|e| {
            BadInput(format!(
                "--server {server}: no key access service there ({e})"
            ))
        })?
        .json()
        .await
        .map_err(unreachable)?;
    let keys = &conf["configuration"]["assertion_keys"];
    o.verify_assertions(&|kid| {
        keys[kid]
            .as_str()
            .and_then(|pem| pillar_tdf::keys::PublicKey::from_pem(pem).ok())
    })
    .map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
    let e = &o.manifest.encryption_information;
    let kao = e
        .key_access
        .iter()
        .find(|k| {
            k.url == server
                || k.url
                    .strip_prefix(server)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .ok_or_else(|| {
            BadInput(format!(
                "{}: no key access object names {server}",
                file.display()
            ))
        })?;
    let client = PrivateKey::generate();
    let body = json!({
        "clientPublicKey": client.public().to_pem(),
        "requests": [{"keyAccessObjects": [{"keyAccessObjectId": "kao-0", "keyAccessObject": kao}],
                      "policy": {"id": o.policy.uuid, "body": e.policy}}],
    });
    let now = chrono::Utc::now().timestamp();
    let srt = client.sign_jws(
        "client",
        &json!({"requestBody": body.to_string(), "iat": now, "exp": now + 300}),
    );
    let res = http
        .post(format!("{server}/kas.AccessService/Rewrap"))
        .bearer_auth(token)
        .json(&json!({"signedRequestToken": srt}))
        .send()
        .await
        .map_err(unreachable)?;
    let status = res.status();
    let answer: serde_json::Value = res.json().await.unwrap_or_default();
    let result = &answer["responses"][0]["results"][0];
    if !status.is_success() || result["status"] != "permit" {
        let why = answer["message"]
            .as_str()
            .or(result["error"].as_str())
            .unwrap_or(status.as_str());
        return Err(Refused(format!("{server} refused: {why}")).into());
    }
    let wrapped = base64::engine::general_purpose::STANDARD
        .decode(result["kasWrappedKey"].as_str().unwrap_or_default())
        .map_err(|_| BadInput(format!("{server}: the key it sent is not base64")))?;
    let key = pillar_tdf::container::payload_key(&client.unwrap(&wrapped)?)?;
    if !pillar_tdf::policy_binding_holds(&key, &e.policy, &kao.policy_binding.hash) {
        return Err(BadInput(format!(
            "{}: the key does not open the policy binding (altered)",
            file.display()
        ))
        .into());
    }
    Ok(key)
}

pub async fn kas(cmd: KasCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        KasCommand::Rotate { json } => {
            let kid = rotate(&config.kas_dir)?;
            if let Ok(store) = crate::open_existing(config).await {
                audit_cmd::record(
                    &store,
                    "admin",
                    &format!("kas:{kid}"),
                    "ok",
                    "key generation made",
                )
                .await?;
            }
            if json {
                print_json(&json!({"kid": kid, "dir": config.kas_dir}))?;
            } else {
                println!(
                    "{kid}: new key generation in {} (in use from the next start)",
                    config.kas_dir.display()
                );
            }
        }
        KasCommand::Keys { json } => {
            let (wrap, _) = load_keys(&config.kas_dir)?;
            let kids = wrap.kids();
            if json {
                print_json(&json!({"dir": config.kas_dir, "kids": kids, "current": kids.last()}))?;
            } else if kids.is_empty() {
                println!("no keys in {}", config.kas_dir.display());
            } else {
                for (i, k) in kids.iter().enumerate() {
                    println!(
                        "{k}{}",
                        if i + 1 == kids.len() {
                            "  (in use)"
                        } else {
                            ""
                        }
                    );
                }
            }
        }
    }
    Ok(())
}

pub async fn run(cmd: TdfCommand, config: &Config) -> anyhow::Result<()> {
    match cmd {
        TdfCommand::Encrypt {
            file,
            label,
            output,
            json,
        } => {
            let arg = crate::label_cmd::label_arg(&label)?;
            let label = arg.resolve(config).await?;
            let store = crate::open_existing(config).await?;
            let set = store.policies().await?;
            let r = set
                .resolve(&label)
                .map_err(|e| BadInput(format!("--label: {e}")))?;
            let invalid = set.validate(&r);
            if !invalid.is_empty() {
                return Err(BadInput(format!("--label: not valid: {}", invalid.join("; "))).into());
            }
            let kas = kas_of(config)?.ok_or_else(|| {
                BadInput("no key access service keys: run `pillar kas rotate`".into())
            })?;
            let input =
                File::open(&file).map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
            let output = output.unwrap_or_else(|| {
                let mut o = file.clone().into_os_string();
                o.push(".tdf");
                o.into()
            });
            let at = audit_cmd::now();
            let policy = PolicyObject::new(labelled::policy_body(&set, &r, &kas.authority));
            let assertion = labelled::handling_assertion(&set, &r, &at);
            let uuid = policy.uuid.clone();
            let issued = IssuedTdf {
                policy_uuid: uuid.clone(),
                document_id: None,
                label: set.to_label(&r),
                policy_sha256: hex::encode(Sha256::digest(policy.to_base64().as_bytes())),
                issued_to: audit_cmd::actor(),
                issued_at: at,
            };
            let (kid, key) = kas.wrapping.current().expect("a key");
            let public = key.public();
            let mut size = 0;
            write_whole(&output, |w| {
                let (_, n) = seal(
                    Seal {
                        policy,
                        recipients: vec![Recipient {
                            url: kas.url(),
                            kid: kid.to_string(),
                            key: &public,
                        }],
                        mime_type: "application/octet-stream".into(),
                        segment_size: pillar_tdf::DEFAULT_SEGMENT_SIZE,
                        assertions: vec![assertion],
                        signer: kas.signing.current(),
                    },
                    &mut BufReader::new(input),
                    w,
                )?;
                size = n;
                Ok(())
            })?;
            store
                .record_tdf(
                    &issued,
                    &audit_cmd::event(
                        "tdf.encrypt",
                        &format!("tdf:{uuid}"),
                        "allow",
                        &file.display().to_string(),
                    ),
                )
                .await?;
            if json {
                print_json(&json!({"output": output, "policy": uuid, "bytes": size, "kid": kid}))?;
            } else {
                println!(
                    "{}: {size} bytes, policy {uuid}, key {kid}",
                    output.display()
                );
            }
        }
        TdfCommand::Decrypt {
            file,
            output,
            server: Some(server),
            token,
            json,
        } => {
            let token =
                token.ok_or_else(|| BadInput("--server needs --token (or PILLAR_TOKEN)".into()))?;
            let (mut r, o) = open_tdf(&file)?;
            let key = remote_key(&o, &server, &token, &file).await?;
            let n = decrypt_to(&o, &mut r, &key, &output, &file)?;
            if json {
                print_json(
                    &json!({"output": output, "bytes": n, "policy": o.policy.uuid, "server": server}),
                )?;
            } else {
                println!("{}: {n} bytes (key from {server})", output.display());
            }
        }
        TdfCommand::Decrypt {
            file,
            output,
            server: None,
            json,
            ..
        } => {
            let (mut r, o) = open_tdf(&file)?;
            let kas = kas_of(config)?
                .ok_or_else(|| BadInput("no key access service keys here".into()))?;
            o.verify_assertions(&|kid| kas.signing.public(kid))
                .map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
            let Some((i, private)) = o
                .manifest
                .encryption_information
                .key_access
                .iter()
                .enumerate()
                .find_map(|(i, k)| kas.wrapping.get(&k.kid).map(|p| (i, p)))
            else {
                return Err(BadInput(format!(
                    "{}: no key access object is for a key of this server (unknown kid)",
                    file.display()
                ))
                .into());
            };
            let key = o
                .unwrap_key(i, private)
                .map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
            let n = decrypt_to(&o, &mut r, &key, &output, &file)?;
            if let Ok(store) = crate::open_existing(config).await {
                audit_cmd::record(
                    &store,
                    "tdf.decrypt",
                    &format!("tdf:{}", o.policy.uuid),
                    "allow",
                    "operator, local keys",
                )
                .await?;
            }
            if json {
                print_json(&json!({"output": output, "bytes": n, "policy": o.policy.uuid}))?;
            } else {
                println!("{}: {n} bytes", output.display());
            }
        }
        TdfCommand::Inspect { file, json } => {
            let (mut r, o) = open_tdf(&file)?;
            let (_, signing) = load_keys(&config.kas_dir).unwrap_or_default();
            let assertions = if signing.kids().is_empty() {
                "not checked (no signing keys here)".to_string()
            } else {
                match o.verify_assertions(&|kid| signing.public(kid)) {
                    Ok(()) => format!("{} verified", o.assertions.len()),
                    Err(e) => format!("FAILED: {e}"),
                }
            };
            let payload = match o.check_payload(&mut r) {
                Ok(()) => "intact".to_string(),
                Err(e) => format!("FAILED: {e}"),
            };
            let store = crate::open_existing(config).await.ok();
            let set = match &store {
                Some(s) => Some(s.policies().await?),
                None => None,
            };
            let mut label = json!(null);
            let mut marking = (String::new(), String::new());
            if let Some(set) = &set {
                let from_assertion = labelled::label_of_assertions(set, &o.assertions);
                let attrs: Vec<String> = o
                    .policy
                    .body
                    .data_attributes
                    .iter()
                    .map(|a| a.attribute.clone())
                    .collect();
                let resolved = match from_assertion {
                    Some(r) => r.ok(),
                    None => {
                        labelled::label_from_attributes(set, &attrs, &config.attribute_authority)
                            .ok()
                            .flatten()
                            .and_then(|l| set.resolve(&l).ok())
                    }
                };
                if let Some(r) = resolved {
                    marking = (set.banner(&r, "en"), set.banner(&r, "ko"));
                    label = serde_json::to_value(set.to_label(&r))?;
                }
            }
            let m = &o.manifest;
            let e = &m.encryption_information;
            let intact = payload == "intact" && !assertions.starts_with("FAILED");
            if json {
                print_json(&json!({
                    "schemaVersion": m.schema_version,
                    "policy": {"uuid": o.policy.uuid, "dataAttributes": o.policy.body.data_attributes.iter().map(|a| &a.attribute).collect::<Vec<_>>(), "dissem": o.policy.body.dissem},
                    "keyAccess": e.key_access.iter().map(|k| json!({"url": k.url, "kid": k.kid, "type": k.kind})).collect::<Vec<_>>(),
                    "segments": e.integrity_information.segments.len(),
                    "payloadBytes": o.archive.payload.size,
                    "mimeType": m.payload.mime_type,
                    "label": label,
                    "marking": {"en": marking.0, "ko": marking.1},
                    "assertions": assertions,
                    "payload": payload,
                    "intact": intact,
                }))?;
            } else {
                println!("TDF          {}", file.display());
                println!("schema       {}", m.schema_version);
                println!("policy       {}", o.policy.uuid);
                for a in &o.policy.body.data_attributes {
                    println!("  attribute  {}", a.attribute);
                }
                if !o.policy.body.dissem.is_empty() {
                    println!("  dissem     {}", o.policy.body.dissem.join(", "));
                }
                for k in &e.key_access {
                    println!("key access   {} (kid {})", k.url, k.kid);
                }
                println!(
                    "segments     {} ({} bytes)",
                    e.integrity_information.segments.len(),
                    o.archive.payload.size
                );
                if !marking.0.is_empty() {
                    println!("marking      {}", marking.0);
                    println!("표시          {}", marking.1);
                }
                println!("assertions   {assertions}");
                println!("payload      {payload}");
            }
            if !intact {
                return Err(BadInput(format!("{}: not intact", file.display())).into());
            }
        }
    }
    Ok(())
}
