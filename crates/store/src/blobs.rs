//! Document contents, content-addressed by SHA-256 and deduplicated: in a directory (SQLite's
//! default: `dir/ab/abcdef…`), in the database in chunks (PostgreSQL's default, so that every
//! server over one database finds what any of them stored), or (feature `s3`) in an
//! S3-compatible object store, `prefix/ab/abcdef…`. Whatever the place, a blob is read back
//! checked against its hash, and a blob is either whole or absent: a directory's is written
//! aside and renamed, a database's chunks and its row commit in one transaction, an object
//! store's PUT is atomic.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use sqlx::Row as _;

use crate::db::{Backend, Store};
use crate::error::StoreError;

/// The size of a chunk in the database.
pub const CHUNK: usize = 1 << 20;

/// Where document contents are kept.
#[derive(Debug, Clone)]
pub struct Blobs {
    place: Place,
}

#[derive(Debug, Clone)]
enum Place {
    Directory(PathBuf),
    Database(AnyPool, Backend),
    #[cfg(feature = "s3")]
    Objects(std::sync::Arc<dyn object_store::ObjectStore>, String),
}

/// What [`Blobs::move_from`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Moved {
    /// Blobs copied into the database and removed from the directory.
    pub moved: usize,
    /// Blobs the database held already (removed from the directory).
    pub present: usize,
    /// Their bytes.
    pub bytes: u64,
}

fn not_a_sha(sha: &str) -> Option<StoreError> {
    (sha.len() != 64 || !sha.bytes().all(|c| c.is_ascii_hexdigit()))
        .then(|| StoreError::Location(format!("`{sha}` is not a SHA-256")))
}

fn corrupt(sha: &str, why: &str) -> StoreError {
    StoreError::Corrupt {
        table: "blobs",
        reason: format!("blob {sha}: {why}"),
    }
}

impl Blobs {
    /// Blobs under the directory `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Blobs {
            place: Place::Directory(dir.into()),
        }
    }

    /// Blobs in `store`'s database (tables `blobs` and `blob_chunks`).
    pub fn in_database(store: &Store) -> Self {
        Blobs {
            place: Place::Database(store.pool.clone(), store.backend()),
        }
    }

    /// Blobs in the S3-compatible object store at `url` (`s3://bucket/prefix`), with the
    /// endpoint, region and credentials of the `AWS_*` environment variables
    /// (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_ALLOW_HTTP` for a plain-HTTP endpoint on a private network).
    #[cfg(feature = "s3")]
    pub fn object_store(url: &str) -> Result<Self, StoreError> {
        let bad = |why: String| StoreError::Location(format!("blobs `{url}`: {why}"));
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| bad("an object store is given as s3://bucket/prefix".into()))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket".into()));
        }
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| bad(e.to_string()))?;
        Ok(Blobs {
            place: Place::Objects(
                std::sync::Arc::new(store),
                prefix.trim_matches('/').to_string(),
            ),
        })
    }

    #[cfg(feature = "s3")]
    fn key(prefix: &str, sha: &str) -> object_store::path::Path {
        let key = format!("{}/{sha}", &sha[..2]);
        object_store::path::Path::from(if prefix.is_empty() {
            key
        } else {
            format!("{prefix}/{key}")
        })
    }

    /// Where they are, for `config show` and messages.
    pub fn describe(&self) -> String {
        match &self.place {
            Place::Directory(d) => d.display().to_string(),
            Place::Database(_, Backend::Postgres) => {
                "database (PostgreSQL, table blob_chunks)".into()
            }
            Place::Database(_, Backend::Sqlite) => "database (SQLite, table blob_chunks)".into(),
            #[cfg(feature = "s3")]
            Place::Objects(store, prefix) => format!("{store}/{prefix}"),
        }
    }

    fn path(dir: &Path, sha: &str) -> PathBuf {
        dir.join(&sha[..2]).join(sha)
    }

    /// Stores bytes unless stored already; returns their SHA-256.
    pub async fn put(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let sha = hex::encode(Sha256::digest(bytes));
        match &self.place {
            Place::Directory(dir) => {
                let path = Self::path(dir, &sha);
                if !path.exists() {
                    let io = |e: std::io::Error| {
                        StoreError::Location(format!("{}: cannot store: {e}", path.display()))
                    };
                    std::fs::create_dir_all(path.parent().expect("blob paths have a parent"))
                        .map_err(io)?;
                    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
                    std::fs::write(&tmp, bytes).map_err(io)?;
                    std::fs::rename(&tmp, &path).map_err(io)?;
                }
            }
            Place::Database(pool, backend) => put_rows(pool, *backend, &sha, bytes).await?,
            #[cfg(feature = "s3")]
            Place::Objects(store, prefix) => {
                use object_store::ObjectStoreExt as _;
                if !self.contains(&sha).await? {
                    // One PUT: the object store shows the whole object or none.
                    store
                        .put(
                            &Self::key(prefix, &sha),
                            object_store::PutPayload::from(bytes.to_vec()),
                        )
                        .await
                        .map_err(|e| StoreError::Location(format!("blob {sha}: {e}")))?;
                }
            }
        }
        Ok(sha)
    }

    /// Whether the blob `sha` is stored (whole).
    pub async fn contains(&self, sha: &str) -> Result<bool, StoreError> {
        if let Some(e) = not_a_sha(sha) {
            return Err(e);
        }
        match &self.place {
            Place::Directory(dir) => Ok(Self::path(dir, sha).exists()),
            Place::Database(pool, _) => Ok(sqlx::query("SELECT 1 FROM blobs WHERE sha256 = $1")
                .bind(sha)
                .fetch_optional(pool)
                .await?
                .is_some()),
            #[cfg(feature = "s3")]
            Place::Objects(store, prefix) => {
                use object_store::ObjectStoreExt as _;
                match store.head(&Self::key(prefix, sha)).await {
                    Ok(_) => Ok(true),
                    Err(object_store::Error::NotFound { .. }) => Ok(false),
                    Err(e) => Err(StoreError::Location(format!("blob {sha}: {e}"))),
                }
            }
        }
    }

    /// Reads a blob back whole, checking its hash.
    pub async fn get(&self, sha: &str) -> Result<Vec<u8>, StoreError> {
        let mut reader = self.open(sha).await?;
        let mut out = Vec::with_capacity(reader.size() as usize);
        while let Some(chunk) = reader.next().await? {
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Opens a blob for reading chunk by chunk (a download streams it without holding it
    /// whole). The last chunk is given only once the hash of them all has been checked: a blob
    /// that is not what it was stored as ends in an error instead.
    pub async fn open(&self, sha: &str) -> Result<BlobReader, StoreError> {
        if let Some(e) = not_a_sha(sha) {
            return Err(e);
        }
        match &self.place {
            Place::Directory(dir) => {
                let path = Self::path(dir, sha);
                let bytes = std::fs::read(&path).map_err(|e| {
                    StoreError::Location(format!("{}: cannot read: {e}", path.display()))
                })?;
                Ok(BlobReader {
                    sha: sha.to_string(),
                    size: bytes.len() as u64,
                    source: Source::Whole(Some(bytes)),
                    hasher: Sha256::new(),
                })
            }
            Place::Database(pool, _) => {
                let row = sqlx::query("SELECT size, chunks FROM blobs WHERE sha256 = $1")
                    .bind(sha)
                    .fetch_optional(pool)
                    .await?
                    .ok_or_else(|| StoreError::Location(format!("no blob {sha} is stored")))?;
                Ok(BlobReader {
                    sha: sha.to_string(),
                    size: row.get::<i64, _>(0) as u64,
                    source: Source::Rows {
                        pool: pool.clone(),
                        next: 0,
                        chunks: row.get::<i32, _>(1),
                        read: 0,
                    },
                    hasher: Sha256::new(),
                })
            }
            #[cfg(feature = "s3")]
            Place::Objects(store, prefix) => {
                use object_store::ObjectStoreExt as _;
                let got = store
                    .get(&Self::key(prefix, sha))
                    .await
                    .map_err(|e| match e {
                        object_store::Error::NotFound { .. } => {
                            StoreError::Location(format!("no blob {sha} is stored"))
                        }
                        e => StoreError::Location(format!("blob {sha}: {e}")),
                    })?;
                Ok(BlobReader {
                    sha: sha.to_string(),
                    size: got.meta.size,
                    source: Source::Stream {
                        stream: got.into_stream(),
                        read: 0,
                    },
                    hasher: Sha256::new(),
                })
            }
        }
    }

    /// Removes the half-written files a process killed in the middle of [`Blobs::put`] left
    /// behind in a directory (`<sha>.tmp<pid>`, never renamed into place, so no document refers
    /// to them), of processes no longer running (on Linux, where `/proc` tells) or older than a
    /// day. Returns how many were removed. (In the database an interrupted write leaves
    /// nothing: its transaction never committed.)
    pub fn sweep_temporary(&self) -> std::io::Result<usize> {
        let Place::Directory(dir) = &self.place else {
            return Ok(0);
        };
        let mut removed = 0;
        for f in files_in(dir) {
            let name = f.file_name().to_string_lossy().into_owned();
            let Some((_, pid)) = name.rsplit_once(".tmp") else {
                continue;
            };
            let dead = Path::new("/proc").is_dir()
                && pid.parse::<u32>().is_ok()
                && !Path::new("/proc").join(pid).exists();
            let old = f
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 86_400);
            if dead || old {
                std::fs::remove_file(f.path())?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The blobs of the directory `dir` (their paths, sorted), for [`Blobs::move_from`].
    pub fn stored_in(dir: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = files_in(dir)
            .filter(|f| not_a_sha(&f.file_name().to_string_lossy()).is_none())
            .map(|f| f.path())
            .collect();
        out.sort();
        out
    }

    /// Moves the blob file `path` (named by its SHA-256) into these blobs: copied, read back
    /// and checked, then removed from its directory. Each blob is its own transaction, so an
    /// interrupted move is resumed by running it again. A file whose content does not match its
    /// name is an error naming it, and stays where it is.
    pub async fn move_from(&self, path: &Path, moved: &mut Moved) -> Result<(), StoreError> {
        let sha = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(path)
            .map_err(|e| StoreError::Location(format!("{}: cannot read: {e}", path.display())))?;
        if hex::encode(Sha256::digest(&bytes)) != sha {
            return Err(StoreError::Location(format!(
                "{}: its content does not match its name (SHA-256); left in place",
                path.display()
            )));
        }
        if self.contains(&sha).await? {
            moved.present += 1;
        } else {
            self.put(&bytes).await?;
            self.get(&sha).await?;
            moved.moved += 1;
        }
        moved.bytes += bytes.len() as u64;
        std::fs::remove_file(path)
            .map_err(|e| StoreError::Location(format!("{}: cannot remove: {e}", path.display())))?;
        Ok(())
    }
}

/// The files of a blob directory's two-character subdirectories (none when it does not exist).
fn files_in(dir: &Path) -> impl Iterator<Item = std::fs::DirEntry> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|d| std::fs::read_dir(d.path()).ok())
        .flatten()
        .flatten()
}

async fn put_rows(
    pool: &AnyPool,
    backend: Backend,
    sha: &str,
    bytes: &[u8],
) -> Result<(), StoreError> {
    if sqlx::query("SELECT 1 FROM blobs WHERE sha256 = $1")
        .bind(sha)
        .fetch_optional(pool)
        .await?
        .is_some()
    {
        return Ok(());
    }
    // Chunks first, the blob's row last, in one transaction: a writer killed half-way leaves
    // nothing, and two servers storing the same content at once wait on each other's keys and
    // keep one copy.
    let mut tx = match backend {
        // The write lock at once: two writers queue instead of failing to upgrade.
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    };
    let chunks: Vec<&[u8]> = if bytes.is_empty() {
        vec![&[]]
    } else {
        bytes.chunks(CHUNK).collect()
    };
    for (n, chunk) in chunks.iter().enumerate() {
        sqlx::query(
            "INSERT INTO blob_chunks (sha256, n, bytes) VALUES ($1, $2, $3) \
             ON CONFLICT (sha256, n) DO NOTHING",
        )
        .bind(sha)
        .bind(n as i32)
        .bind(chunk.to_vec())
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "INSERT INTO blobs (sha256, size, chunks) VALUES ($1, $2, $3) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha)
    .bind(bytes.len() as i64)
    .bind(chunks.len() as i32)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(feature = "s3")]
impl Blobs {
    /// Overwrites the object of blob `sha` with `bytes`, as someone with write access to the
    /// bucket could: for tests that check reads catch it. Not for application code.
    #[doc(hidden)]
    pub async fn overwrite_for_tests(&self, sha: &str, bytes: Vec<u8>) {
        use object_store::ObjectStoreExt as _;
        let Place::Objects(store, prefix) = &self.place else {
            panic!("not an object store")
        };
        store
            .put(&Self::key(prefix, sha), bytes.into())
            .await
            .expect("overwrite");
    }
}

/// A blob being read (see [`Blobs::open`]).
pub struct BlobReader {
    sha: String,
    size: u64,
    source: Source,
    hasher: Sha256,
}

enum Source {
    Whole(Option<Vec<u8>>),
    #[cfg(feature = "s3")]
    Stream {
        stream: futures_util::stream::BoxStream<'static, object_store::Result<bytes::Bytes>>,
        read: u64,
    },
    Rows {
        pool: AnyPool,
        next: i32,
        chunks: i32,
        read: u64,
    },
}

impl BlobReader {
    /// Its size in bytes, as stored.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The next chunk; `None` after the last. An error when the blob is not what was stored
    /// (a chunk missing, a size or hash that does not match).
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>, StoreError> {
        let (chunk, last) = match &mut self.source {
            Source::Whole(bytes) => match bytes.take() {
                Some(b) => (b, true),
                None => return Ok(None),
            },
            Source::Rows {
                pool,
                next,
                chunks,
                read,
            } => {
                if *next >= *chunks {
                    return Ok(None);
                }
                let bytes: Vec<u8> = sqlx::query_scalar(
                    "SELECT bytes FROM blob_chunks WHERE sha256 = $1 AND n = $2",
                )
                .bind(&self.sha)
                .bind(*next)
                .fetch_optional(&*pool)
                .await?
                .ok_or_else(|| corrupt(&self.sha, &format!("chunk {next} is missing")))?;
                *next += 1;
                *read += bytes.len() as u64;
                if *read > self.size || (*next == *chunks && *read != self.size) {
                    return Err(corrupt(&self.sha, "its chunks do not add up to its size"));
                }
                (bytes, *next == *chunks)
            }
            #[cfg(feature = "s3")]
            Source::Stream { stream, read } => {
                use futures_util::StreamExt as _;
                match stream.next().await {
                    Some(Ok(b)) => {
                        *read += b.len() as u64;
                        if *read > self.size {
                            return Err(corrupt(&self.sha, "longer than its size"));
                        }
                        (b.to_vec(), *read == self.size)
                    }
                    Some(Err(e)) => {
                        return Err(StoreError::Location(format!("blob {}: {e}", self.sha)))
                    }
                    None if *read == self.size && self.size > 0 => return Ok(None),
                    None if *read == 0 && self.size == 0 => {
                        // The empty blob: one empty chunk, checked.
                        *read = u64::MAX;
                        (Vec::new(), true)
                    }
                    None if *read == u64::MAX => return Ok(None),
                    None => return Err(corrupt(&self.sha, "shorter than its size")),
                }
            }
        };
        self.hasher.update(&chunk);
        if last && hex::encode(self.hasher.finalize_reset()) != self.sha {
            return Err(corrupt(&self.sha, "its content does not match its SHA-256"));
        }
        Ok(Some(chunk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_directory_blob_is_content_addressed_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = Blobs::new(dir.path());
        let sha = blobs.put(b"minutes").await.unwrap();
        assert_eq!(blobs.put(b"minutes").await.unwrap(), sha, "deduplicated");
        assert_eq!(blobs.get(&sha).await.unwrap(), b"minutes");
        assert!(blobs.contains(&sha).await.unwrap());
        std::fs::write(Blobs::path(dir.path(), &sha), b"altered").unwrap();
        let e = blobs.get(&sha).await.unwrap_err().to_string();
        assert!(e.contains("does not match its SHA-256"), "{e}");
        assert!(blobs.get("../../etc/passwd").await.is_err());
    }
}
