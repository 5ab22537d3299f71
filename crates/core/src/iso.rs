//! ISO 3166-1 alpha-3 country codes.

use std::collections::HashMap;
use std::sync::OnceLock;

/// One country of ISO 3166-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IsoCountry {
    /// Alpha-3 code, e.g. `KOR`.
    pub alpha3: &'static str,
    /// Numeric code, e.g. `410`.
    pub numeric: u16,
    /// Short name in English.
    pub name: &'static str,
}

const TABLE: &str = include_str!("../data/iso3166-alpha3.tsv");

fn index() -> &'static HashMap<&'static str, IsoCountry> {
    static INDEX: OnceLock<HashMap<&'static str, IsoCountry>> = OnceLock::new();
    INDEX.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| {
                let mut parts = l.split('\t');
                let alpha3 = parts.next().expect("code column");
                let numeric = parts
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("numeric column");
                let name = parts.next().expect("name column");
                (
                    alpha3,
                    IsoCountry {
                        alpha3,
                        numeric,
                        name,
                    },
                )
            })
            .collect()
    })
}

/// Looks up an alpha-3 code (upper case).
pub fn iso_alpha3(code: &str) -> Option<IsoCountry> {
    index().get(code).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_coalition() {
        for c in ["USA", "KOR", "AUS", "GBR", "JPN", "CAN", "NZL"] {
            assert!(iso_alpha3(c).is_some(), "{c}");
        }
        assert_eq!(iso_alpha3("KOR").unwrap().numeric, 410);
        assert!(iso_alpha3("XXX").is_none());
        assert!(iso_alpha3("kor").is_none());
    }
}
