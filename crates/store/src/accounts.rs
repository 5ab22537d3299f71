//! Accounts, sessions and API tokens. The store keeps only hashes of secrets; hashing the
//! passwords (argon2id) and making tokens is the web crate's business.

use serde::Serialize;
use sqlx::Row as _;

use crate::db::Store;
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

impl Store {
    /// Sets (or replaces) a person's password hash.
    pub async fn set_password_hash(
        &self,
        person: &str,
        hash: &str,
        now: &str,
    ) -> Result<(), StoreError> {
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
        tx.commit().await?;
        Ok(())
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

    /// Records a session.
    pub async fn create_session(
        &self,
        token_hash: &str,
        person: &str,
        csrf: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sessions (token_hash, person_id, csrf, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(token_hash)
            .bind(person)
            .bind(csrf)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
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

    /// Ends a session.
    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records an API token.
    pub async fn create_token(
        &self,
        id: &str,
        person: &str,
        name: &str,
        token_hash: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO api_tokens (id, person_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(person)
            .bind(name)
            .bind(token_hash)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
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

    /// Revokes one of a person's tokens; false when they have no such live token.
    pub async fn revoke_token(
        &self,
        person: &str,
        id: &str,
        now: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND person_id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .bind(person)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The person a live token belongs to.
    pub async fn token_person(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT person_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
    }
}
