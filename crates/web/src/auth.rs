//! Passwords (argon2id), session and API-token secrets, CSRF tokens and login throttling.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// Failed logins per key (an account or an address) within a window.
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

/// Failures allowed per window before logins are refused.
pub const MAX_FAILURES: u32 = 5;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys tracked at most (accounts and addresses together).
pub const MAX_TRACKED: usize = 100_000;

impl Throttle {
    /// True when `key` may try again.
    pub fn allowed(&self, key: &str) -> bool {
        let map = self.failures.lock().expect("throttle lock");
        match map.get(key) {
            Some((n, since)) if since.elapsed() < WINDOW => *n < MAX_FAILURES,
            _ => true,
        }
    }

    /// Records a failure. Expired entries are dropped when the table grows, so that trying
    /// many names cannot grow it without bound.
    pub fn fail(&self, key: &str) {
        let mut map = self.failures.lock().expect("throttle lock");
        if map.len() >= MAX_TRACKED {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        if map.len() >= MAX_TRACKED {
            // Still full of live entries: forget the oldest rather than grow.
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, (_, since))| *since)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        let e = map.entry(key.to_string()).or_insert((0, Instant::now()));
        if e.1.elapsed() >= WINDOW {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }

    /// Forgets the failures of a key after a success.
    pub fn clear(&self, key: &str) {
        self.failures.lock().expect("throttle lock").remove(key);
    }
}

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
    fn throttling() {
        let t = Throttle::default();
        for _ in 0..MAX_FAILURES {
            assert!(t.allowed("a"));
            t.fail("a");
        }
        assert!(!t.allowed("a"));
        assert!(t.allowed("b"));
        t.clear("a");
        assert!(t.allowed("a"));
    }

    #[test]
    fn the_table_stays_bounded() {
        let t = Throttle::default();
        for i in 0..MAX_TRACKED + 10 {
            t.fail(&format!("k{i}"));
        }
        assert!(t.failures.lock().unwrap().len() <= MAX_TRACKED);
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
