//! Reading tabular input: CSV with a header row, or a JSON array of objects, from bytes. Every
//! error names the file, the line on which the record starts and the field.

use std::fmt;

use crate::record::Record;

/// An error in input data: names the file, the line (or record), the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file (or source) being read.
    pub file: String,
    /// The line on which the record starts (1-based), when known.
    pub line: Option<usize>,
    /// The field, when one is at fault.
    pub field: Option<String>,
    /// What is wrong.
    pub reason: String,
}

impl InputError {
    /// An error at `file:line` in `field`.
    pub fn new(
        file: &str,
        line: Option<usize>,
        field: Option<&str>,
        reason: impl Into<String>,
    ) -> Self {
        InputError {
            file: file.to_string(),
            line,
            field: field.map(str::to_string),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for InputError {}

/// The columns a file may have, and the one it must have.
#[derive(Debug, Clone, Copy)]
pub struct Columns<'a> {
    /// What the rows are, for messages (`organisations`, `sources.csv` …).
    pub what: &'a str,
    /// Every column allowed.
    pub allowed: &'a [&'a str],
    /// Columns that must be present in the header.
    pub required: &'a [&'a str],
}

/// The format of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
    /// A JSON array of objects.
    Json,
}

impl Format {
    /// Guesses the format from the file name, then from the first non-blank byte.
    pub fn detect(name: &str, bytes: &[u8]) -> Format {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            return Format::Json;
        }
        if lower.ends_with(".csv") {
            return Format::Csv;
        }
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => Format::Json,
            _ => Format::Csv,
        }
    }
}

/// Turns byte offsets, asked in increasing order, into line numbers without rescanning.
struct LineCounter<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            at: 0,
            line: 1,
        }
    }

    fn line(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.bytes.len());
        if offset < self.at {
            return line_of(self.bytes, offset);
        }
        self.line += self.bytes[self.at..offset]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.at = offset;
        self.line
    }
}

/// One record with the line on which it starts.
pub type Row = (usize, Record);

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Reads the rows of a file with the given columns. `name` is used in error messages.
pub fn read_records(name: &str, bytes: &[u8], kind: Columns) -> Result<Vec<Row>, InputError> {
    let format = Format::detect(name, bytes);
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => return Err(not_utf8(name, bytes, e.valid_up_to(), format)),
    };
    match format {
        Format::Csv => read_csv(name, text, kind),
        Format::Json => read_json(name, text, kind),
    }
}

fn not_utf8(name: &str, bytes: &[u8], at: usize, format: Format) -> InputError {
    let line = line_of(bytes, at);
    // Find the field holding the bad byte: read the same line lossily and look for the
    // replacement character.
    let mut field = None;
    if format == Format::Csv {
        let lossy = String::from_utf8_lossy(bytes);
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(lossy.as_bytes());
        let headers = rdr.headers().cloned().unwrap_or_default();
        if line == 1 {
            field = headers
                .iter()
                .position(|h| h.contains('\u{FFFD}'))
                .map(|i| format!("column {}", i + 1));
        }
        for rec in rdr.records().flatten() {
            if let Some(i) = rec.iter().position(|f| f.contains('\u{FFFD}')) {
                field = Some(
                    headers
                        .get(i)
                        .map(str::to_string)
                        .unwrap_or_else(|| format!("column {}", i + 1)),
                );
                break;
            }
        }
    }
    InputError {
        file: name.to_string(),
        line: Some(line),
        field,
        reason: format!(
            "the file is not UTF-8 text (invalid byte at offset {at}); save it as UTF-8"
        ),
    }
}

/// Checks RFC 4180 quoting, which the CSV reader itself accepts too leniently: a quote may only
/// open a field, close it, or be doubled inside a quoted field; a quoted field must be closed.
fn check_quoting(name: &str, text: &str) -> Result<(), InputError> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut line = 1;
    let mut field_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        if field_start && b == b'"' {
            let open_line = line;
            i += 1;
            loop {
                match bytes.get(i) {
                    None => {
                        return Err(InputError::new(
                            name,
                            Some(open_line),
                            None,
                            "a quoted field is never closed (missing `\"`)",
                        ))
                    }
                    Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\n') => {
                        line += 1;
                        i += 1
                    }
                    Some(_) => i += 1,
                }
            }
            match bytes.get(i) {
                None | Some(b',') | Some(b'\n') | Some(b'\r') => {}
                Some(_) => {
                    return Err(InputError::new(
                        name,
                        Some(line),
                        None,
                        "text after a closing quote: a quote inside a quoted field must be doubled (`\"\"`)",
                    ))
                }
            }
            field_start = false;
            continue;
        }
        match b {
            b',' => field_start = true,
            b'\n' => {
                line += 1;
                field_start = true
            }
            b'"' => {
                return Err(InputError::new(
                    name,
                    Some(line),
                    None,
                    "a quote inside an unquoted field: quote the whole field and double the quote",
                ))
            }
            _ => field_start = false,
        }
        i += 1;
    }
    Ok(())
}

fn read_csv(name: &str, text: &str, kind: Columns) -> Result<Vec<Row>, InputError> {
    check_quoting(name, text)?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes());
    let headers: Vec<std::sync::Arc<str>> = rdr
        .headers()
        .map_err(|e| InputError::new(name, Some(1), None, format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| std::sync::Arc::from(h.trim()))
        .collect();
    check_columns(name, Some(1), headers.iter().map(|h| &**h), kind)?;
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(text.as_bytes());
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec
                    .position()
                    .map(|p| record_line(&mut lines, p.byte() as usize))
                    .unwrap_or(0);
                if rec.len() == 1 && rec[0].trim().is_empty() {
                    continue; // blank line
                }
                let mut record = Record(Vec::with_capacity(headers.len()));
                for (h, v) in headers.iter().zip(rec.iter()) {
                    record.push(h.clone(), from_spreadsheet(v).to_string());
                }
                rows.push((line, record));
            }
            Err(e) => {
                let line = e
                    .position()
                    .map(|p| line_of(text.as_bytes(), p.byte() as usize));
                let reason = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!(
                        "the row has {len} fields but the header has {expected_len} (check commas and quoting)"
                    ),
                    _ => e.to_string(),
                };
                return Err(InputError::new(name, line, None, reason));
            }
        }
    }
    Ok(rows)
}

/// The line on which a record starting at `byte` begins (blank lines before it skipped).
fn record_line(lines: &mut LineCounter, byte: usize) -> usize {
    let skip = lines.bytes[byte.min(lines.bytes.len())..]
        .iter()
        .take_while(|b| matches!(b, b'\n' | b'\r'))
        .count();
    lines.line(byte + skip)
}

fn check_columns<'a>(
    name: &str,
    line: Option<usize>,
    fields: impl Iterator<Item = &'a str>,
    kind: Columns,
) -> Result<(), InputError> {
    let mut seen = Vec::new();
    for f in fields {
        if !kind.allowed.contains(&f) {
            return Err(InputError::new(
                name,
                line,
                Some(f),
                format!(
                    "unknown field for {}; expected: {}",
                    kind.what,
                    kind.allowed.join(", ")
                ),
            ));
        }
        if seen.contains(&f) {
            return Err(InputError::new(
                name,
                line,
                Some(f),
                "the field appears twice",
            ));
        }
        seen.push(f);
    }
    for id in kind.required {
        if !seen.contains(id) {
            return Err(InputError::new(
                name,
                line,
                Some(id),
                format!("the `{id}` field is missing"),
            ));
        }
    }
    Ok(())
}

fn read_json(name: &str, text: &str, kind: Columns) -> Result<Vec<Row>, InputError> {
    let items: Vec<&serde_json::value::RawValue> = serde_json::from_str(text).map_err(|e| {
        InputError::new(
            name,
            Some(e.line()),
            None,
            format!("not a JSON array of objects: {e}"),
        )
    })?;
    let mut rows = Vec::with_capacity(items.len());
    let mut lines = LineCounter::new(text.as_bytes());
    for raw in items {
        let offset = raw.get().as_ptr() as usize - text.as_ptr() as usize;
        let line = lines.line(offset);
        let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(raw.get())
            .map_err(|_| {
                InputError::new(name, Some(line), None, "the item is not a JSON object")
            })?;
        check_columns(name, Some(line), obj.keys().map(String::as_str), kind)?;
        let mut record = Record::default();
        for (k, v) in obj {
            let text = match v {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s,
                serde_json::Value::Array(items) => {
                    let mut parts = Vec::with_capacity(items.len());
                    for item in items {
                        match item {
                            serde_json::Value::String(s) => parts.push(s),
                            other => {
                                return Err(InputError::new(
                                    name,
                                    Some(line),
                                    Some(&k),
                                    format!("list items must be strings, found {other}"),
                                ))
                            }
                        }
                    }
                    parts.join(";")
                }
                other @ serde_json::Value::Object(_) => other.to_string(),
                other => other.to_string(),
            };
            record.set(&k, text);
        }
        rows.push((line, record));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: Columns = Columns {
        what: "nations",
        allowed: &["code", "name", "members", "label"],
        required: &["code"],
    };

    #[test]
    fn reads_csv_with_lines() {
        let rows = read_records(
            "n.csv",
            b"code,name\nUSA,United States\n\nKOR,\"Korea, Republic of\"\n",
            K,
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 4);
        assert_eq!(rows[1].1.get("name"), Some("Korea, Republic of"));
    }

    #[test]
    fn wrong_column_count() {
        let e = read_records("n.csv", b"code,name\nUSA,United States,extra\n", K).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.reason.contains("3 fields"), "{e}");
    }

    #[test]
    fn bad_quoting() {
        let e =
            read_records("n.csv", b"code,name\nUSA,\"United States\nKOR,Korea\n", K).unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = read_records("n.csv", b"code,name\nUSA,Uni\"ted\n", K).unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = read_records("n.csv", b"code,name\nUSA,\"Uni\"ted\n", K).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(read_records("n.csv", b"code,name\nUSA,\"Uni\"\"ted\"\n", K).is_ok());
    }

    #[test]
    fn not_utf8_names_line_and_field() {
        let e = read_records("n.csv", b"code,name\nUSA,US\nKOR,Kor\xFFea\n", K).unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.field.as_deref(), Some("name"));
    }

    #[test]
    fn unknown_header() {
        let e = read_records("n.csv", b"code,nmae\n", K).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nmae"));
    }

    #[test]
    fn json_lines_and_lists() {
        let text = b"[\n {\"code\": \"FVEY\", \"name\": \"Five Eyes\",\n  \"members\": [\"USA\", \"GBR\"]},\n {\"code\": \"KOR\", \"name\": \"Korea\"}\n]";
        let rows = read_records("n.json", text, K).unwrap();
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[1].0, 4);
        assert_eq!(rows[0].1.get("members"), Some("USA;GBR"));
        let e = read_records("n.json", b"[{\"code\": 1,}]", K).unwrap_err();
        assert_eq!(e.line, Some(1));
    }
}

/// A cell as written to a CSV file meant for spreadsheets: text starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return would be run as a formula (CSV injection, OWASP), so it gets
/// a leading `'`, which spreadsheets show as text. Numbers (`-3.5`) are left as they are.
/// [`read_records`] takes the `'` off again, so an exported file imports unchanged.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// The cell [`spreadsheet_safe`] was given.
fn from_spreadsheet(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if spreadsheet_safe(rest).starts_with('\'') => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod spreadsheet_tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_read_back() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+cmd", "'+1+cmd"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("-3.5", "-3.5"),
            ("plain", "plain"),
            ("'quoted", "'quoted"),
        ] {
            assert_eq!(spreadsheet_safe(cell), written);
            assert_eq!(from_spreadsheet(&spreadsheet_safe(cell)), cell);
        }
    }
}
