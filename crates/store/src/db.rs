//! Opening a database and migrating it.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Connection as _, Executor};

use crate::error::StoreError;

/// A pooled connection idle longer than this is pinged before it is used again.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(10);

/// Which SQL dialect a store speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// Where the database is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    /// A SQLite file (created when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host:port/db`).
    Postgres(String),
}

impl DbTarget {
    /// Chooses the database: a `postgres://` URL when given, otherwise `pillar.db` in the data
    /// directory. A `sqlite:` URL names a file explicitly.
    pub fn resolve(db: Option<&str>, data_dir: &Path) -> Result<DbTarget, StoreError> {
        match db {
            None => Ok(DbTarget::Sqlite(data_dir.join("pillar.db"))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(DbTarget::Postgres(url.to_string()))
            }
            Some(url) if url.starts_with("sqlite:") => {
                let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
                Ok(DbTarget::Sqlite(PathBuf::from(path)))
            }
            Some(other) => Err(StoreError::Location(format!(
                "database `{other}` is neither a postgres:// URL nor a sqlite: path"
            ))),
        }
    }

    /// A description safe to print: the password of a URL is hidden.
    pub fn display(&self) -> String {
        match self {
            DbTarget::Sqlite(p) => format!("sqlite:{}", p.display()),
            DbTarget::Postgres(url) => redact(url),
        }
    }
}

fn redact(url: &str) -> String {
    // postgres://user:secret@host/db → postgres://user:***@host/db
    if let Some((scheme, rest)) = url.split_once("://") {
        if let Some((auth, host)) = rest.split_once('@') {
            if let Some((user, _)) = auth.split_once(':') {
                return format!("{scheme}://{user}:***@{host}");
            }
        }
    }
    url.to_string()
}

/// The parsed policies with the version they were read at, shared by a store's clones.
pub(crate) type PolicyCache =
    std::sync::Arc<std::sync::Mutex<Option<(i64, std::sync::Arc<pillar_label::PolicySet>)>>>;

/// A handle on Pillar's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    /// Where write transactions start ([`Store::begin_write`]): on SQLite a pool of one
    /// connection, so that this process's writers queue for it in order instead of each
    /// taking a connection and sleeping in SQLite's busy handler until the write lock is free
    /// (its sleeps grow to 100 ms); on PostgreSQL the same pool.
    writer: AnyPool,
    backend: Backend,
    /// The reader indexes known to this handle (see [`crate::readers`]).
    pub(crate) readers: std::sync::Arc<crate::readers::Known>,
    /// Where audited writes append their entries (see [`Store::with_audit`]).
    pub(crate) audit: Option<std::sync::Arc<crate::audit::AuditTrail>>,
    /// The parsed policies and their version (see [`Store::policies`]).
    pub(crate) policies: PolicyCache,
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "registry",
        include_str!("../migrations/sqlite/0001_registry.sql"),
    ),
    (
        2,
        "supply",
        include_str!("../migrations/sqlite/0002_supply.sql"),
    ),
    (
        3,
        "platform",
        include_str!("../migrations/sqlite/0003_platform.sql"),
    ),
    (
        4,
        "accounts",
        include_str!("../migrations/sqlite/0004_accounts.sql"),
    ),
    (
        5,
        "documents",
        include_str!("../migrations/sqlite/0005_documents.sql"),
    ),
    (
        6,
        "document text",
        include_str!("../migrations/sqlite/0006_document_text.sql"),
    ),
    (
        7,
        "portfolio",
        include_str!("../migrations/sqlite/0007_portfolio.sql"),
    ),
    (
        8,
        "committee",
        include_str!("../migrations/sqlite/0008_committee.sql"),
    ),
    (
        9,
        "covering indexes",
        include_str!("../migrations/sqlite/0009_covering_indexes.sql"),
    ),
    (
        10,
        "assessment answers",
        include_str!("../migrations/sqlite/0010_assessment_answers.sql"),
    ),
    (
        11,
        "committee labels",
        include_str!("../migrations/sqlite/0011_committee_labels.sql"),
    ),
    (
        12,
        "landscapes",
        include_str!("../migrations/sqlite/0012_landscapes.sql"),
    ),
    (
        13,
        "landscape facts",
        include_str!("../migrations/sqlite/0013_landscape_facts.sql"),
    ),
    (
        14,
        "login attempts",
        include_str!("../migrations/sqlite/0014_login_attempts.sql"),
    ),
    (
        15,
        "reader indexes",
        include_str!("../migrations/sqlite/0015_reader_indexes.sql"),
    ),
    (
        16,
        "stewardship",
        include_str!("../migrations/sqlite/0016_stewardship.sql"),
    ),
    (
        17,
        "origins",
        include_str!("../migrations/sqlite/0017_origins.sql"),
    ),
    (
        18,
        "withdrawal",
        include_str!("../migrations/sqlite/0018_withdrawal.sql"),
    ),
    (
        19,
        "area_names",
        include_str!("../migrations/sqlite/0019_area_names.sql"),
    ),
    (
        20,
        "version_text",
        include_str!("../migrations/sqlite/0020_version_text.sql"),
    ),
    (
        21,
        "shared",
        include_str!("../migrations/sqlite/0021_shared.sql"),
    ),
    (
        22,
        "tdfs",
        include_str!("../migrations/sqlite/0022_tdfs.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "registry",
        include_str!("../migrations/postgres/0001_registry.sql"),
    ),
    (
        2,
        "supply",
        include_str!("../migrations/postgres/0002_supply.sql"),
    ),
    (
        3,
        "platform",
        include_str!("../migrations/postgres/0003_platform.sql"),
    ),
    (
        4,
        "accounts",
        include_str!("../migrations/postgres/0004_accounts.sql"),
    ),
    (
        5,
        "documents",
        include_str!("../migrations/postgres/0005_documents.sql"),
    ),
    (
        6,
        "document text",
        include_str!("../migrations/postgres/0006_document_text.sql"),
    ),
    (
        7,
        "portfolio",
        include_str!("../migrations/postgres/0007_portfolio.sql"),
    ),
    (
        8,
        "committee",
        include_str!("../migrations/postgres/0008_committee.sql"),
    ),
    (
        9,
        "assessment answers",
        include_str!("../migrations/postgres/0009_assessment_answers.sql"),
    ),
    (
        10,
        "document terms",
        include_str!("../migrations/postgres/0010_document_terms.sql"),
    ),
    (
        11,
        "committee labels",
        include_str!("../migrations/postgres/0011_committee_labels.sql"),
    ),
    (
        12,
        "landscapes",
        include_str!("../migrations/postgres/0012_landscapes.sql"),
    ),
    (
        13,
        "landscape facts",
        include_str!("../migrations/postgres/0013_landscape_facts.sql"),
    ),
    (
        14,
        "login attempts",
        include_str!("../migrations/postgres/0014_login_attempts.sql"),
    ),
    (
        15,
        "reader indexes",
        include_str!("../migrations/postgres/0015_reader_indexes.sql"),
    ),
    (
        16,
        "stewardship",
        include_str!("../migrations/postgres/0016_stewardship.sql"),
    ),
    (
        17,
        "origins",
        include_str!("../migrations/postgres/0017_origins.sql"),
    ),
    (
        18,
        "withdrawal",
        include_str!("../migrations/postgres/0018_withdrawal.sql"),
    ),
    (
        19,
        "area_names",
        include_str!("../migrations/postgres/0019_area_names.sql"),
    ),
    (
        20,
        "version_text",
        include_str!("../migrations/postgres/0020_version_text.sql"),
    ),
    (
        21,
        "shared",
        include_str!("../migrations/postgres/0021_shared.sql"),
    ),
    (
        22,
        "tdfs",
        include_str!("../migrations/postgres/0022_tdfs.sql"),
    ),
];

fn migrator(backend: Backend) -> Migrator {
    let list = match backend {
        Backend::Sqlite => SQLITE_MIGRATIONS,
        Backend::Postgres => POSTGRES_MIGRATIONS,
    };
    Migrator {
        migrations: Cow::Owned(
            list.iter()
                .map(|(v, d, sql)| {
                    Migration::new(
                        *v,
                        Cow::Borrowed(*d),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect(),
        ),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    }
}

/// The pool options of either backend, at most `max` connections.
fn pool_options(backend: Backend, max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        // sqlx pings a connection every time it leaves the pool — one more round trip
        // to the database (or, for SQLite, to its connection's thread) for every
        // statement. A connection used moments ago is alive; only one idle for a while is
        // pinged (a dead one is then replaced, as before).
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_WHEN_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; \
                             PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
}

impl Store {
    /// Opens (and for SQLite creates) the database. Does not migrate: see [`Store::migrate`].
    pub async fn open(target: &DbTarget) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, backend) = match target {
            DbTarget::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Location(format!(
                            "cannot create data directory {}: {e}",
                            dir.display()
                        ))
                    })?;
                }
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Backend::Sqlite,
                )
            }
            DbTarget::Postgres(url) => (url.clone(), Backend::Postgres),
        };
        let options: AnyConnectOptions = url
            .parse()
            .map_err(|e| StoreError::Location(format!("bad database location: {e}")))?;
        let pool = pool_options(backend, if backend == Backend::Sqlite { 4 } else { 16 })
            .connect_with(options.clone())
            .await?;
        let writer = match backend {
            // Connected at the first write: a command that only reads opens none.
            Backend::Sqlite => pool_options(backend, 1).connect_lazy_with(options),
            Backend::Postgres => pool.clone(),
        };
        Ok(Store {
            pool,
            writer,
            backend,
            readers: Default::default(),
            audit: None,
            policies: Default::default(),
        })
    }

    /// This store, writing its audit entries to `trail`. Every change the store makes for a
    /// person is appended to the trail in the change's own transaction, so a store without one
    /// refuses those changes.
    pub fn with_audit(mut self, trail: crate::audit::AuditTrail) -> Store {
        self.audit = Some(std::sync::Arc::new(trail));
        self
    }

    /// The audit trail this store writes to, if any.
    pub fn audit_trail(&self) -> Option<&crate::audit::AuditTrail> {
        self.audit.as_deref()
    }

    /// Opens and migrates.
    pub async fn open_migrated(target: &DbTarget) -> Result<Store, StoreError> {
        let store = Store::open(target).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies every migration not yet applied; returns how many were applied.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let before = self.applied_migrations().await.unwrap_or(0);
        migrator(self.backend).run(&self.pool).await?;
        Ok(self.applied_migrations().await? - before)
    }

    async fn applied_migrations(&self) -> Result<usize, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as usize)
    }

    /// A transaction that will write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), on the one writing connection: this process's writers queue for that
    /// connection, and other processes' on the busy timeout, where a deferred transaction that
    /// read first would fail when it tried to upgrade its by then stale snapshot.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.writer.begin().await,
        }
    }

    /// The connection pool, for tests that must reach the database directly (to tamper with
    /// it as an attacker would). Not for application code: it bypasses every check.
    #[doc(hidden)]
    pub fn pool_for_tests(&self) -> AnyPool {
        self.pool.clone()
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// The dialect in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Refreshes the query planner's statistics (SQLite `ANALYZE`, PostgreSQL `ANALYZE`), so
    /// that label-filtered lists pick the right index as tables grow. Run after bulk loads; the
    /// server also runs it when it starts and stops.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (waits for them to be returned), refreshing statistics first.
    pub async fn close(&self) {
        if let Err(e) = self.analyze().await {
            tracing::warn!("ANALYZE before closing failed: {e}");
        }
        self.writer.close().await;
        self.pool.close().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_targets() {
        let d = Path::new("/data");
        assert_eq!(
            DbTarget::resolve(None, d).unwrap(),
            DbTarget::Sqlite("/data/pillar.db".into())
        );
        assert!(matches!(
            DbTarget::resolve(Some("postgres://u:p@h/db"), d).unwrap(),
            DbTarget::Postgres(_)
        ));
        assert!(DbTarget::resolve(Some("mysql://x"), d).is_err());
        assert_eq!(
            DbTarget::Postgres("postgres://u:p@h/db".into()).display(),
            "postgres://u:***@h/db"
        );
    }
}
