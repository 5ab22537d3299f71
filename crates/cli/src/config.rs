//! The one typed configuration: defaults, then a TOML file, then environment variables, then
//! command-line flags (each later source wins).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use pillar_store::DbTarget;
use serde::{Deserialize, Serialize};

/// Flags (and their environment variables) shared by every command.
#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// Directory holding the SQLite database and stored files.
    #[arg(long, global = true, env = "PILLAR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Database: a postgres:// URL for PostgreSQL; default is SQLite in the data directory.
    #[arg(long, global = true, env = "PILLAR_DB")]
    db: Option<String>,
    /// Address the web server listens on.
    #[arg(long, global = true, env = "PILLAR_LISTEN")]
    listen: Option<SocketAddr>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (sign-in throttling then counts the
    /// client's address, not the proxy's): addresses, comma-separated. Off by default.
    #[arg(
        long,
        global = true,
        env = "PILLAR_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Option<Vec<std::net::IpAddr>>,
    /// Nations of concern, flagged wherever a country outside the coalition is shown (partner
    /// suggestions): ISO 3166-1 alpha-3 codes, comma-separated. Default: the covered nations of
    /// 10 U.S.C. § 4872 (PRK, CHN, RUS, IRN).
    #[arg(
        long,
        global = true,
        env = "PILLAR_CONCERN_NATIONS",
        value_delimiter = ','
    )]
    concern_nations: Option<Vec<String>>,
    /// The audit chain's key file (hex, at least 32 bytes; `pillar audit new-key FILE` makes
    /// one). Every server over one PostgreSQL database must read the same file (e.g. a
    /// mounted secret), and with PostgreSQL it is never made on its own. Default with SQLite:
    /// `<data dir>/audit.key`, made on first use.
    #[arg(long, global = true, env = "PILLAR_AUDIT_KEY_FILE")]
    audit_key_file: Option<PathBuf>,
    /// Where document contents are kept: `database` (in the database, chunked; the default
    /// with PostgreSQL, so that every server finds them), a directory (the default with
    /// SQLite: `<data dir>/blobs`; with several servers, one they all mount), or an
    /// S3-compatible object store, `s3://bucket/prefix` (builds with the `s3` feature;
    /// endpoint and credentials from the `AWS_*` environment variables).
    #[arg(long, global = true, env = "PILLAR_BLOBS")]
    blobs: Option<String>,
    /// The origin clients reach this server at (`https://pillar.example`): the key access
    /// service's URL in the TDFs it issues is `<public_url>/kas`. Default: `http://<listen>`
    /// (`localhost` for an unspecified address).
    #[arg(long, global = true, env = "PILLAR_PUBLIC_URL")]
    public_url: Option<String>,
    /// The attribute authority under which labels are stated as TDF data attributes
    /// (`<authority>/attr/…`). Default: the public URL.
    #[arg(long, global = true, env = "PILLAR_ATTRIBUTE_AUTHORITY")]
    attribute_authority: Option<String>,
    /// The key access service's key pairs (PEM files, owner-only). Every server of a deployment
    /// must read the same directory. Default: `<data dir>/kas`, made on first use with SQLite.
    #[arg(long, global = true, env = "PILLAR_KAS_DIR")]
    kas_dir: Option<PathBuf>,
    /// Configuration file (TOML with keys data_dir, db, listen, trusted_proxies,
    /// concern_nations, audit_key_file, blobs, public_url, attribute_authority, kas_dir).
    #[arg(long, global = true, env = "PILLAR_CONFIG")]
    config: Option<PathBuf>,
    /// Use the demo database (`<data dir>/demo/`, SQLite, seeded with the fictional demo
    /// coalition by `serve --demo` or `--demo db seed`) instead of the default one: every
    /// command takes it, e.g. `pillar --demo audit verify`.
    #[arg(long, global = true, env = "PILLAR_DEMO")]
    demo: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    db: Option<String>,
    listen: Option<SocketAddr>,
    trusted_proxies: Option<Vec<std::net::IpAddr>>,
    concern_nations: Option<Vec<String>>,
    audit_key_file: Option<PathBuf>,
    blobs: Option<String>,
    public_url: Option<String>,
    attribute_authority: Option<String>,
    kas_dir: Option<PathBuf>,
}

/// Where a value came from.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Built-in default.
    Default,
    /// The configuration file.
    File,
    /// A flag or its environment variable.
    FlagOrEnv,
}

impl Source {
    fn text(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::File => "config file",
            Source::FlagOrEnv => "flag or environment",
        }
    }
}

/// The configuration in effect.
#[derive(Debug)]
pub struct Config {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL, when not the default SQLite file.
    pub db: Option<String>,
    /// Web server address.
    pub listen: SocketAddr,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
    /// The demo database instead of the default one (`--demo`).
    pub demo: bool,
    /// Nations of concern (alpha-3), flagged where a country outside the coalition is shown.
    pub concern_nations: Vec<String>,
    /// The audit key file, when configured.
    pub audit_key_file: Option<PathBuf>,
    /// Where document contents are kept, when configured (`database` or a directory).
    pub blobs: Option<String>,
    /// The origin clients reach this server at, without a trailing slash.
    pub public_url: String,
    /// The attribute authority of TDF data attributes.
    pub attribute_authority: String,
    /// The key access service's key directory.
    pub kas_dir: PathBuf,
    sources: [Source; 10],
}

/// Where document contents are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobPlace {
    /// In the database.
    Database,
    /// In a directory.
    Directory(PathBuf),
    /// In an S3-compatible object store (`s3://bucket/prefix`).
    ObjectStore(String),
}

/// Where the audit key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFile {
    /// A file the configuration names: read, never made.
    Configured(PathBuf),
    /// `<data dir>/audit.key`, made on first use (SQLite only).
    DataDir(PathBuf),
}

fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("org", "Pillar", "pillar")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".pillar"))
}

fn default_config_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("org", "Pillar", "pillar")
        .map(|d| d.config_dir().join("pillar.toml"))
        .filter(|p| p.exists())
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the configuration file", path.display()))?;
    toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))
}

impl Config {
    /// Merges defaults, file, environment and flags.
    pub fn load(args: &ConfigArgs) -> anyhow::Result<Config> {
        let file_path = args.config.clone().or_else(default_config_file);
        let file = match &file_path {
            Some(p) => read_file(p)?,
            None => FileConfig::default(),
        };
        let pick = |flag: bool, file: bool| {
            if flag {
                Source::FlagOrEnv
            } else if file {
                Source::File
            } else {
                Source::Default
            }
        };
        let sources = [
            pick(args.data_dir.is_some(), file.data_dir.is_some()),
            pick(args.db.is_some(), file.db.is_some()),
            pick(args.listen.is_some(), file.listen.is_some()),
            pick(
                args.trusted_proxies.is_some(),
                file.trusted_proxies.is_some(),
            ),
            pick(
                args.concern_nations.is_some(),
                file.concern_nations.is_some(),
            ),
            pick(args.audit_key_file.is_some(), file.audit_key_file.is_some()),
            pick(args.blobs.is_some(), file.blobs.is_some()),
            pick(args.public_url.is_some(), file.public_url.is_some()),
            pick(
                args.attribute_authority.is_some(),
                file.attribute_authority.is_some(),
            ),
            pick(args.kas_dir.is_some(), file.kas_dir.is_some()),
        ];
        let listen = args
            .listen
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".parse().expect("address"));
        let public_url = args
            .public_url
            .clone()
            .or(file.public_url)
            .unwrap_or_else(|| {
                if listen.ip().is_unspecified() {
                    format!("http://localhost:{}", listen.port())
                } else {
                    format!("http://{listen}")
                }
            })
            .trim_end_matches('/')
            .to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            bail!("public_url / PILLAR_PUBLIC_URL: `{public_url}` is not an http(s) URL");
        }
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(default_data_dir);
        let config = Config {
            kas_dir: args
                .kas_dir
                .clone()
                .or(file.kas_dir)
                .unwrap_or_else(|| data_dir.join("kas")),
            data_dir,
            db: args.db.clone().or(file.db).filter(|d| !d.is_empty()),
            listen,
            attribute_authority: args
                .attribute_authority
                .clone()
                .or(file.attribute_authority)
                .map(|a| a.trim_end_matches('/').to_string())
                .unwrap_or_else(|| public_url.clone()),
            public_url,
            trusted_proxies: args
                .trusted_proxies
                .clone()
                .or(file.trusted_proxies)
                .unwrap_or_default(),
            file: file_path,
            demo: args.demo,
            concern_nations: args
                .concern_nations
                .clone()
                .or(file.concern_nations)
                .unwrap_or_else(|| {
                    pillar_landscape::indicators::DEFAULT_CONCERN
                        .map(String::from)
                        .to_vec()
                }),
            audit_key_file: args.audit_key_file.clone().or(file.audit_key_file),
            blobs: args.blobs.clone().or(file.blobs).filter(|b| !b.is_empty()),
            sources,
        };
        for code in &config.concern_nations {
            pillar_core::NationCode::parse(code).map_err(|e| {
                anyhow::anyhow!("concern_nations / PILLAR_CONCERN_NATIONS: `{code}`: {e}")
            })?;
        }
        // Reject a bad database location early, with the flag's name.
        DbTarget::resolve(config.db.as_deref(), &config.data_dir)
            .map_err(|e| anyhow::anyhow!("--db / PILLAR_DB: {e}"))?;
        if config.demo && config.db.is_some() {
            bail!("--demo uses the demo database in the data directory; it cannot be combined with --db / PILLAR_DB");
        }
        Ok(config)
    }

    /// The directory of the database in use and its files: the data directory, or its `demo`
    /// directory with `--demo`.
    fn home(&self) -> PathBuf {
        if self.demo {
            self.data_dir.join("demo")
        } else {
            self.data_dir.clone()
        }
    }

    /// The database to use: `--db` when given, else SQLite in the data directory (its `demo`
    /// directory with `--demo`).
    pub fn db_target(&self) -> anyhow::Result<DbTarget> {
        match DbTarget::resolve(self.db.as_deref(), &self.home()) {
            Ok(t) => Ok(t),
            Err(e) => bail!("{e}"),
        }
    }

    /// The local blob directory of the database in use (`<data dir>/blobs`, or the demo's):
    /// where contents are kept by default with SQLite, and where `pillar db migrate` moves
    /// them from when they are kept elsewhere.
    pub fn local_blob_dir(&self) -> PathBuf {
        self.home().join("blobs")
    }

    /// Where document contents are kept: as configured, else in the database with PostgreSQL
    /// and in the local blob directory with SQLite.
    pub fn blob_place(&self) -> BlobPlace {
        match self.blobs.as_deref() {
            Some("database") => BlobPlace::Database,
            Some(url) if url.contains("://") => BlobPlace::ObjectStore(url.to_string()),
            Some(dir) => BlobPlace::Directory(PathBuf::from(dir)),
            None if self.is_postgres() => BlobPlace::Database,
            None => BlobPlace::Directory(self.local_blob_dir()),
        }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self.db_target(), Ok(DbTarget::Postgres(_)))
    }

    /// Where the audit key comes from: the configured file, else `<data dir>/audit.key` —
    /// with PostgreSQL only if it exists already (a key made by one server alone would split
    /// the chain of a shared database), with an error saying what to configure.
    pub fn audit_key_file(&self) -> anyhow::Result<KeyFile> {
        if let Some(p) = &self.audit_key_file {
            return Ok(KeyFile::Configured(p.clone()));
        }
        let local = self.data_dir.join("audit.key");
        if self.is_postgres() && !local.exists() {
            bail!(
                "audit_key_file / PILLAR_AUDIT_KEY_FILE is not set: with a PostgreSQL database, which several servers may share, every server must read the same audit key file (e.g. a mounted secret); make one with `pillar audit new-key FILE`"
            );
        }
        Ok(KeyFile::DataDir(local))
    }

    /// `(key, value, source)` rows for `config show`.
    pub fn show_rows(&self) -> Vec<(&'static str, String, &'static str)> {
        let db = self
            .db_target()
            .map(|t| t.display())
            .unwrap_or_else(|e| e.to_string());
        vec![
            (
                "data_dir",
                self.data_dir.display().to_string(),
                self.sources[0].text(),
            ),
            ("db", db, self.sources[1].text()),
            ("listen", self.listen.to_string(), self.sources[2].text()),
            (
                "trusted_proxies",
                self.trusted_proxies
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                self.sources[3].text(),
            ),
            (
                "concern_nations",
                self.concern_nations.join(","),
                self.sources[4].text(),
            ),
            (
                "audit_key_file",
                match self.audit_key_file() {
                    Ok(KeyFile::Configured(p)) => p.display().to_string(),
                    Ok(KeyFile::DataDir(p)) => p.display().to_string(),
                    Err(e) => format!("(none: {e})"),
                },
                match self.audit_key_file() {
                    Ok(KeyFile::Configured(_)) => self.sources[5].text(),
                    Ok(KeyFile::DataDir(_)) if self.is_postgres() => {
                        "data directory (made earlier; configure a shared one for several servers)"
                    }
                    Ok(KeyFile::DataDir(_)) => "data directory (made on first use)",
                    Err(_) => "missing",
                },
            ),
            (
                "blobs",
                match self.blob_place() {
                    BlobPlace::Database => "database".to_string(),
                    BlobPlace::Directory(d) => d.display().to_string(),
                    BlobPlace::ObjectStore(url) => url,
                },
                match (self.sources[6], self.blobs.is_some()) {
                    (s, true) => s.text(),
                    _ if self.is_postgres() => "default (PostgreSQL: in the database)",
                    _ => "default (SQLite: the data directory)",
                },
            ),
            (
                "public_url",
                self.public_url.clone(),
                self.sources[7].text(),
            ),
            (
                "attribute_authority",
                self.attribute_authority.clone(),
                self.sources[8].text(),
            ),
            (
                "kas_dir",
                self.kas_dir.display().to_string(),
                self.sources[9].text(),
            ),
            (
                "config",
                self.file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "(none)".into()),
                if self.file.is_some() {
                    "read"
                } else {
                    "no file found"
                },
            ),
        ]
    }

    /// The JSON form of `config show`.
    pub fn show(&self) -> serde_json::Value {
        let rows = self.show_rows();
        let mut map = serde_json::Map::new();
        for (k, v, s) in rows {
            map.insert(k.into(), serde_json::json!({"value": v, "source": s}));
        }
        serde_json::Value::Object(map)
    }
}
