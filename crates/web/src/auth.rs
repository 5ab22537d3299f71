//! Passwords (argon2id), session and API-token secrets, CSRF tokens and login throttling.

use std::time::Duration;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sha2::{Digest, Sha256};

/// Hashes a password with argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing with default parameters")
        .to_string()
}

/// A fixed hash checked when the account does not exist, so that a login for an unknown name
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
