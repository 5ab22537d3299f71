//! Accounts, sessions and API tokens. The store keeps only hashes of secrets: passwords
//! hashed with argon2id here (the web server checks them at sign-in, the CLI sets them); the
//! web crate makes session and token secrets.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use serde::Serialize;
use sqlx::Row as _;

use crate::audit::{AuditEvent, Audited};
use crate::db::{Backend, Store};
use crate::error::StoreError;

/// An API token as listed (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Token id.
    pub id: String,
    /// Name given by its owner.
    pub name: String,
    /// When it was created.
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// What ending a person's sessions ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ended {
    /// Sessions ended.
    pub sessions: u64,
    /// API tokens revoked.
    pub tokens: u64,
}

async fn end_sessions(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    person: &str,
    now: &str,
) -> Result<Ended, StoreError> {
    let sessions = sqlx::query("DELETE FROM sessions WHERE person_id = $1")
        .bind(person)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    let tokens = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE person_id = $1 AND revoked_at IS NULL",
    )
    .bind(person)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(Ended { sessions, tokens })
}

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with default parameters")
        .to_string()
}

/// A fixed hash checked when the account does not exist, so that a sign-in for an unknown name
/// costs the same time as one for a known name.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone"))
}

/// Checks a password against a stored hash (or against nothing, in the same time).
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let hash = stored.unwrap_or_else(|| dummy_hash());
    let ok = PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false);
    ok && stored.is_some()
}

impl Store {
    /// Sets a person's password (hashed here) at `now`, ending their sessions and API tokens,
    /// audited as `actor`'s act in the same transaction.
    pub async fn set_password(
        &self,
        person: &str,
        password: &str,
        now: &str,
        actor: &str,
    ) -> Result<Ended, StoreError> {
        let entry = AuditEvent::new(
            actor,
            "admin",
            &format!("account:{person}"),
            "ok",
            "password set; sessions and API tokens ended",
        );
        self.set_password_hash(person, &hash_password(password), now, &entry)
            .await
    }

    /// Sets (or replaces) a person's password hash and ends every session and API token they
    /// have (whoever knew the old password may hold one), with the audit entry `entry`, in one
    /// transaction.
    pub async fn set_password_hash(
        &self,
        person: &str,
        hash: &str,
        now: &str,
        entry: &AuditEvent,
    ) -> Result<Ended, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM accounts WHERE person_id = $1")
            .bind(person)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO accounts (person_id, password_hash, updated_at) VALUES ($1, $2, $3)",
        )
        .bind(person)
        .bind(hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let ended = end_sessions(&mut tx, person, now).await?;
        let appended = self.append_audit(&mut tx, now, entry, None).await?;
        self.commit_audited(tx, appended).await?;
        Ok(ended)
    }

    /// Ends every session and API token of a person, with the audit entry `entry`, in one
    /// transaction (`pillar user revoke-sessions`).
    pub async fn revoke_sessions(
        &self,
        person: &str,
        now: &str,
        entry: &AuditEvent,
    ) -> Result<Ended, StoreError> {
        let mut tx = self.begin_write().await?;
        let ended = end_sessions(&mut tx, person, now).await?;
        let appended = self.append_audit(&mut tx, now, entry, None).await?;
        self.commit_audited(tx, appended).await?;
        Ok(ended)
    }

    /// A person's password hash, if they have an account.
    pub async fn password_hash(&self, person: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT password_hash FROM accounts WHERE person_id = $1")
                .bind(person)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Records a session, with the sign-in's audit entry in the same transaction.
    pub async fn create_session(
        &self,
        token_hash: &str,
        person: &str,
        csrf: &str,
        expires_at: &str,
        audit: &Audited<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO sessions (token_hash, person_id, csrf, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(person)
            .bind(csrf)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        self.commit_with(tx, Some(audit)).await
    }

    /// The person and CSRF token of a live session (`now` and `expires_at` are RFC 3339 UTC,
    /// which compare as text).
    pub async fn session(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT person_id, csrf FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    /// Ends a session, with the sign-out's audit entry in the same transaction.
    pub async fn delete_session(
        &self,
        token_hash: &str,
        audit: &Audited<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await?;
        self.commit_with(tx, Some(audit)).await
    }

    /// Records an API token, with its audit entry in the same transaction.
    pub async fn create_token(
        &self,
        id: &str,
        person: &str,
        name: &str,
        token_hash: &str,
        audit: &Audited<'_>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO api_tokens (id, person_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(person)
            .bind(name)
            .bind(token_hash)
            .bind(audit.at)
            .execute(&mut *tx)
            .await?;
        self.commit_with(tx, Some(audit)).await
    }

    /// A person's tokens.
    pub async fn tokens(&self, person: &str) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query("SELECT id, name, created_at, revoked_at FROM api_tokens WHERE person_id = $1 ORDER BY created_at, id")
            .bind(person)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| TokenInfo {
                id: r.get(0),
                name: r.get(1),
                created_at: r.get(2),
                revoked_at: r.get(3),
            })
            .collect())
    }

    /// Revokes one of a person's tokens, with its audit entry in the same transaction; false
    /// (and nothing written) when they have no such live token.
    pub async fn revoke_token(
        &self,
        person: &str,
        id: &str,
        audit: &Audited<'_>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND person_id = $3 AND revoked_at IS NULL")
            .bind(audit.at)
            .bind(id)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        self.commit_with(tx, Some(audit)).await?;
        Ok(true)
    }

    /// Counts a sign-in attempt against each of `keys` (an account, an address) *before* the
    /// password is checked, and says whether every key is still within `max` attempts of its
    /// window: counting first means that parallel guesses cannot all pass the check before the
    /// first failure is recorded. A key whose window opened at or before `expired` starts a new
    /// window at `now` (RFC 3339 UTC, which compares as text). The counts live in the database,
    /// so that every server process over it shares them. A success takes its attempt back
    /// ([`Store::login_succeeded`]).
    pub async fn count_login_attempt(
        &self,
        keys: &[&str],
        now: &str,
        expired: &str,
        max: i64,
    ) -> Result<bool, StoreError> {
        // Keys are taken in one order by every caller (no two attempts wait on each other).
        let mut keys = keys.to_vec();
        keys.sort_unstable();
        keys.dedup();
        let mut tx = self.begin_write().await?;
        let mut allowed = true;
        for key in keys {
            let attempts: i64 = sqlx::query_scalar(
                "INSERT INTO login_attempts (key, attempts, window_start) VALUES ($1, 1, $2) \
                 ON CONFLICT (key) DO UPDATE SET \
                 attempts = CASE WHEN login_attempts.window_start <= $3 THEN 1 ELSE login_attempts.attempts + 1 END, \
                 window_start = CASE WHEN login_attempts.window_start <= $3 THEN $2 ELSE login_attempts.window_start END \
                 RETURNING attempts",
            )
            .bind(key)
            .bind(now)
            .bind(expired)
            .fetch_one(&mut *tx)
            .await?;
            allowed &= attempts <= max;
        }
        tx.commit().await?;
        // Expired windows are forgotten, so that trying many names cannot grow the table
        // without bound. PostgreSQL skips rows another attempt holds rather than wait on them.
        let forget = match self.backend() {
            Backend::Sqlite => "DELETE FROM login_attempts WHERE window_start <= $1",
            Backend::Postgres => {
                "DELETE FROM login_attempts WHERE key IN \
                 (SELECT key FROM login_attempts WHERE window_start <= $1 FOR UPDATE SKIP LOCKED)"
            }
        };
        sqlx::query(forget)
            .bind(expired)
            .execute(&self.pool)
            .await?;
        Ok(allowed)
    }

    /// A sign-in succeeded: the account's attempts are forgotten, and the attempt counted
    /// against each of `others` (the address) is taken back — only that one, so that signing
    /// in to one account does not clear an address's failures against others.
    pub async fn login_succeeded(&self, account: &str, others: &[&str]) -> Result<(), StoreError> {
        // In the order attempts take them (see above).
        let mut keys: Vec<&str> = others.iter().copied().chain([account]).collect();
        keys.sort_unstable();
        keys.dedup();
        let mut tx = self.begin_write().await?;
        for key in keys {
            let sql = if key == account {
                "DELETE FROM login_attempts WHERE key = $1"
            } else {
                "UPDATE login_attempts SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0"
            };
            sqlx::query(sql).bind(key).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
