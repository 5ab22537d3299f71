//! The area query language: words and quoted phrases, matched case-insensitively as whole
//! words, combined with AND, OR, NOT and parentheses. Two terms side by side mean AND, so
//! `quantum NOT biology` is `quantum AND NOT biology`. A word ending in `*` matches every word
//! it begins (`hypersonic*`).
//!
//! Text is compared in one normal form, [`normalise`]: lower case, words are the runs of letters
//! and digits, one space between words and one at each end. A term then matches when its own
//! normal form (with the spaces around it) occurs in the text's — which is what the SQL of
//! [`Query::to_sql`] asks the engine, so the engine and [`Query::matches`] agree by construction.

use std::fmt;

/// The normal form of a text: ` word word … ` (lower case, letters and digits only).
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    normalise_into(&mut out, text);
    out
}

/// [`normalise`] appended to `out`, which ends in a space.
pub fn normalise_into(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut in_word = false;
    let mut i = 0;
    while i < bytes.len() {
        // ASCII, most of most titles and abstracts, byte by byte; other characters whole.
        let (alphanumeric, len) = if bytes[i].is_ascii() {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                out.push(b.to_ascii_lowercase() as char);
            }
            (b.is_ascii_alphanumeric(), 1)
        } else {
            let ch = text[i..].chars().next().expect("a character starts here");
            if ch.is_alphanumeric() {
                out.extend(ch.to_lowercase());
            }
            (ch.is_alphanumeric(), ch.len_utf8())
        };
        if alphanumeric {
            in_word = true;
        } else if in_word {
            out.push(' ');
            in_word = false;
        }
        i += len;
    }
    if in_word {
        out.push(' ');
    }
}

/// A parsed area query.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Words in sequence; `prefix` when the last ends in `*`.
    Term {
        words: Vec<String>,
        prefix: bool,
    },
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
}

/// Where and why a query does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("at character {at}: {reason}")]
pub struct ParseError {
    pub at: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Phrase(String),
    And,
    Or,
    Not,
    Open,
    Close,
}

fn tokens(q: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = q.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, ch) = chars[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '(' || ch == ')' {
            out.push((at, if ch == '(' { Token::Open } else { Token::Close }));
            i += 1;
        } else if ch == '"' {
            let start = i + 1;
            let end = (start..chars.len())
                .find(|&k| chars[k].1 == '"')
                .ok_or_else(|| ParseError {
                    at,
                    reason: "the quote is not closed".into(),
                })?;
            let text: String = chars[start..end].iter().map(|c| c.1).collect();
            out.push((at, Token::Phrase(text)));
            i = end + 1;
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].1.is_whitespace()
                && !matches!(chars[i].1, '(' | ')' | '"')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().map(|c| c.1).collect();
            out.push((
                at,
                match word.as_str() {
                    "AND" => Token::And,
                    "OR" => Token::Or,
                    "NOT" => Token::Not,
                    _ => Token::Word(word),
                },
            ));
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|t| &t.1)
    }
    fn at(&self) -> usize {
        self.tokens.get(self.pos).map(|t| t.0).unwrap_or(self.len)
    }
    fn error<T>(&self, reason: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            at: self.at(),
            reason: reason.into(),
        })
    }

    fn or(&mut self) -> Result<Query, ParseError> {
        let mut parts = vec![self.and()?];
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().unwrap()
        } else {
            Query::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Query, ParseError> {
        let mut parts = vec![self.not()?];
        loop {
            match self.peek() {
                Some(Token::And) => {
                    self.pos += 1;
                    parts.push(self.not()?);
                }
                Some(Token::Word(_) | Token::Phrase(_) | Token::Not | Token::Open) => {
                    parts.push(self.not()?)
                }
                _ => break,
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().unwrap()
        } else {
            Query::And(parts)
        })
    }

    fn not(&mut self) -> Result<Query, ParseError> {
        if self.peek() == Some(&Token::Not) {
            self.pos += 1;
            return Ok(Query::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Query, ParseError> {
        match self.peek().cloned() {
            Some(Token::Open) => {
                self.pos += 1;
                let q = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return self.error("a closing parenthesis is expected here");
                }
                self.pos += 1;
                Ok(q)
            }
            Some(Token::Word(w)) | Some(Token::Phrase(w)) => {
                let prefix = w.ends_with('*');
                let words: Vec<String> = normalise(w.trim_end_matches('*'))
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                if words.is_empty() {
                    return self.error(format!("`{w}` has no letters or digits"));
                }
                if w.trim_end_matches('*').contains('*') {
                    return self.error(format!("`{w}`: `*` is allowed only at the end of a word"));
                }
                self.pos += 1;
                Ok(Query::Term { words, prefix })
            }
            Some(t) => self.error(format!(
                "a word, a phrase, NOT or `(` is expected, not {t:?}"
            )),
            None => self.error("the query ends where a word, a phrase or `(` is expected"),
        }
    }
}

impl Query {
    pub fn parse(q: &str) -> Result<Query, ParseError> {
        let tokens = tokens(q)?;
        let mut p = Parser {
            tokens,
            pos: 0,
            len: q.len(),
        };
        let query = p.or()?;
        if p.pos < p.tokens.len() {
            return p.error("unexpected text after the end of the query (an unmatched `)`?)");
        }
        Ok(query)
    }

    /// The term's pattern in the normal form: ` error correction ` (` hypersonic` for a prefix).
    fn pattern(words: &[String], prefix: bool) -> String {
        format!(" {}{}", words.join(" "), if prefix { "" } else { " " })
    }

    /// Whether a text already in [`normalise`]d form matches.
    pub fn matches(&self, normalised: &str) -> bool {
        match self {
            Query::Term { words, prefix } => normalised.contains(&Self::pattern(words, *prefix)),
            Query::And(qs) => qs.iter().all(|q| q.matches(normalised)),
            Query::Or(qs) => qs.iter().any(|q| q.matches(normalised)),
            Query::Not(q) => !q.matches(normalised),
        }
    }

    /// The query as a SQL condition on a column holding the normal form. Patterns hold only
    /// letters, digits and spaces, so they need no quoting and no LIKE escapes.
    pub fn to_sql(&self, column: &str) -> String {
        match self {
            Query::Term { words, prefix } => {
                format!("{column} LIKE '%{}%'", Self::pattern(words, *prefix))
            }
            Query::And(qs) => format!(
                "({})",
                qs.iter()
                    .map(|q| q.to_sql(column))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            ),
            Query::Or(qs) => format!(
                "({})",
                qs.iter()
                    .map(|q| q.to_sql(column))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            ),
            Query::Not(q) => format!("(NOT {})", q.to_sql(column)),
        }
    }
}

impl fmt::Display for Query {
    /// The query written back in the language, fully parenthesised.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Query::Term { words, prefix } => {
                let star = if *prefix { "*" } else { "" };
                if words.len() == 1 {
                    write!(f, "{}{star}", words[0])
                } else {
                    write!(f, "\"{}{star}\"", words.join(" "))
                }
            }
            Query::And(qs) | Query::Or(qs) => {
                let op = if matches!(self, Query::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                write!(f, "(")?;
                for (i, q) in qs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(op)?;
                    }
                    write!(f, "{q}")?;
                }
                write!(f, ")")
            }
            Query::Not(q) => write!(f, "NOT {q}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(q: &str, text: &str) -> bool {
        Query::parse(q).unwrap().matches(&normalise(text))
    }

    #[test]
    fn normal_form() {
        assert_eq!(
            normalise("Quantum Error-Correction, 2024!"),
            " quantum error correction 2024 "
        );
        assert_eq!(normalise(""), " ");
        assert_eq!(normalise("양자 센싱"), " 양자 센싱 ");
        // ASCII and other letters mixed within and between words; no letter at the end.
        assert_eq!(
            normalise("Über-Café 2024 ΑΒΓ—x²…"),
            " über café 2024 αβγ x² "
        );
        assert_eq!(normalise("İ"), " i\u{307} ");
    }

    #[test]
    fn the_issue_example() {
        let q = "quantum AND (sensing OR \"error correction\") NOT biology";
        assert!(m(q, "Quantum sensing with NV centres"));
        assert!(m(q, "Surface codes for quantum error-correction"));
        assert!(!m(q, "Quantum error in correction"));
        assert!(!m(q, "Quantum sensing in biology"));
        assert!(!m(q, "Quantumsensing")); // whole words only
        assert_eq!(
            Query::parse(q).unwrap().to_string(),
            "(quantum AND (sensing OR \"error correction\") AND NOT biology)"
        );
    }

    #[test]
    fn precedence_and_prefix() {
        // AND binds tighter than OR.
        assert!(m("a OR b AND c", "a"));
        assert!(!m("(a OR b) AND c", "a"));
        assert!(m("hypersonic*", "Hypersonics research"));
        assert!(!m("hypersonic", "Hypersonics research"));
        assert!(m("NOT NOT a", "a"));
    }

    #[test]
    fn sql_form() {
        let q = Query::parse("quantum NOT \"error correction\"").unwrap();
        assert_eq!(
            q.to_sql("t"),
            "(t LIKE '% quantum %' AND (NOT t LIKE '% error correction %'))"
        );
    }

    #[test]
    fn errors_say_where() {
        let e = |q: &str| Query::parse(q).unwrap_err();
        assert_eq!(e("quantum AND").at, 11);
        assert_eq!(
            e("(quantum").reason,
            "a closing parenthesis is expected here"
        );
        assert_eq!(e("quantum)").at, 7);
        assert_eq!(e("\"open").reason, "the quote is not closed");
        assert_eq!(e("a OR --").reason, "`--` has no letters or digits");
        assert_eq!(
            e("qu*ant").reason,
            "`qu*ant`: `*` is allowed only at the end of a word"
        );
    }
}
