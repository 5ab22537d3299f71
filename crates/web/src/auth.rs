//! Session and API-token secrets, CSRF tokens and sign-in throttling (passwords are hashed and
//! checked by `pillar_store::accounts`).

use std::time::Duration;

use sha2::{Digest, Sha256};

pub use pillar_store::accounts::{hash_password, verify_password};

/// A new random secret (256 bits, hex).
pub fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// The SHA-256 of a secret, as stored (secrets themselves are never stored).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Sign-in attempts allowed per account and per address within [`WINDOW`]; the counts are
/// kept by the store (`Store::count_login_attempt`), shared by every server process.
pub const MAX_FAILURES: i64 = 5;
/// The window, from an account's or an address's first counted attempt.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Reads one cookie from a `Cookie` header.
pub fn cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Compares two secrets in time independent of where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords() {
        let h = hash_password("correct horse");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", Some(&h)));
        assert!(!verify_password("wrong", Some(&h)));
        assert!(!verify_password("correct horse", None));
    }

    #[test]
    fn cookies_and_secrets() {
        assert_eq!(
            cookie(Some("a=1; pillar_session=xyz"), "pillar_session"),
            Some("xyz")
        );
        assert_eq!(cookie(None, "x"), None);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("a", "ab"));
        assert_ne!(new_secret(), new_secret());
        assert_eq!(secret_hash("x").len(), 64);
    }
}
