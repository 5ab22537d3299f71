//! OpenAlex snapshot files (JSON Lines, plain or gzip) to Parquet, partitioned by year.
//!
//! The output directory holds three tables, each `TABLE/year=YYYY/part-KEY.parquet`:
//! `works` (the records, with their text in normal form for the area queries), `shares` (one row
//! per work and nation with the nation's fractional weight) and `institutions` (one row per
//! work and distinct institution). `KEY` names the input file the part came from.
//!
//! Each input file is all-or-nothing: its parts are written as `.tmp`, renamed when the file is
//! done, and the file is then recorded in `ingest.json`. Run again, ingest skips recorded files
//! (unchanged since) and discards whatever an interrupted run left of the others.

use crate::work::{parse_openalex, Authorship, Topic, Work};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use datafusion::arrow::json::ReaderBuilder;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

pub const MANIFEST: &str = "ingest.json";
/// The ingested tables. `pairs` holds each work's pairs of nations (a < b), written at ingest so
/// that the collaboration statement joins each matched work once instead of joining its nation
/// shares with themselves.
pub const TABLES: [&str; 4] = ["works", "shares", "institutions", "pairs"];

/// Why ingest stopped. Nothing of the file being read is left behind.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{file}:{line}: {reason}")]
    Record {
        file: String,
        line: u64,
        reason: String,
    },
    /// The file itself is damaged at this line (bad gzip, not UTF-8): `--skip-bad` cannot help.
    #[error("{file}:{line}: cannot read the line: {reason}")]
    Unreadable {
        file: String,
        line: u64,
        reason: String,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IngestError + '_ {
    move |source| IngestError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn other(e: impl std::fmt::Display) -> IngestError {
    IngestError::Other(e.to_string())
}

/// The layout of the ingested tables; a directory written with another is ingested again
/// whole (2: the `pairs` table).
pub const FORMAT: u32 = 2;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// The [`FORMAT`] the parts were written in (absent: 1).
    #[serde(default = "first_format")]
    pub format: u32,
    pub inputs: Vec<InputRecord>,
}

fn first_format() -> u32 {
    1
}

/// One input file that has been ingested whole.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputRecord {
    pub path: String,
    pub key: String,
    pub size: u64,
    pub modified: u64,
    pub works: u64,
    pub bad: u64,
    /// Valid works lacking what an indicator needs, by reason ("without any country").
    #[serde(default)]
    pub incomplete: BTreeMap<String, u64>,
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub files: usize,
    pub files_skipped: usize,
    pub works: u64,
    pub bad_lines: u64,
    /// The first bad lines met with `--skip-bad` (file:line: reason), at most 20.
    pub bad_examples: Vec<String>,
    /// Valid works kept that lack what an indicator needs, by reason (a work may count under
    /// several): the files ingested in this run.
    pub incomplete: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Count and report malformed lines instead of stopping at the first.
    pub skip_bad: bool,
    /// Threads that parse lines and build rows; 0 means one per core.
    pub threads: usize,
}

impl Options {
    fn threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }
}

fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(item, true)))
}

pub fn works_schema() -> SchemaRef {
    let utf8 = |name: &str| Field::new(name, DataType::Utf8, false);
    let topic = DataType::Struct(Fields::from(vec![
        utf8("id"),
        Field::new("score", DataType::Float64, false),
    ]));
    let institution = DataType::Struct(Fields::from(vec![
        utf8("id"),
        utf8("name"),
        utf8("country"),
    ]));
    let authorship = DataType::Struct(Fields::from(vec![
        Field::new("institutions", list_of(institution), false),
        Field::new("countries", list_of(DataType::Utf8), false),
    ]));
    Arc::new(Schema::new(vec![
        utf8("id"),
        utf8("title"),
        Field::new("cited_by_count", DataType::Int64, false),
        utf8("type"),
        utf8("abstract"),
        Field::new("primary_topic", DataType::Utf8, true),
        Field::new("topics", list_of(topic), false),
        Field::new("authorships", list_of(authorship), false),
        utf8("search_text"),
        utf8("topic_text"),
    ]))
}

fn shares_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("work_id", DataType::Utf8, false),
        Field::new("nation", DataType::Utf8, false),
        Field::new("frac", DataType::Float64, false),
    ]))
}

fn institutions_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("work_id", DataType::Utf8, false),
        Field::new("institution_id", DataType::Utf8, false),
        Field::new("name", DataType::Utf8, false),
        Field::new("nation", DataType::Utf8, false),
    ]))
}

fn pairs_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("work_id", DataType::Utf8, false),
        Field::new("nation_a", DataType::Utf8, false),
        Field::new("nation_b", DataType::Utf8, false),
    ]))
}

#[derive(Serialize)]
struct PairRow<'a> {
    work_id: &'a str,
    nation_a: &'a str,
    nation_b: &'a str,
}

#[derive(Serialize)]
struct WorkRow<'a> {
    id: &'a str,
    title: &'a str,
    cited_by_count: i64,
    #[serde(rename = "type")]
    work_type: &'a str,
    #[serde(rename = "abstract")]
    abstract_text: &'a str,
    primary_topic: Option<&'a str>,
    topics: &'a [Topic],
    authorships: &'a [Authorship],
    search_text: String,
    topic_text: String,
}

#[derive(Serialize)]
struct ShareRow<'a> {
    work_id: &'a str,
    nation: &'a str,
    frac: f64,
}

#[derive(Serialize)]
struct InstitutionRow<'a> {
    work_id: &'a str,
    institution_id: &'a str,
    name: &'a str,
    nation: &'a str,
}

/// The work's topic ids in normal form, ` T1 T2 `, for `LIKE '% T1 %'`.
pub fn topic_text(w: &Work) -> String {
    let mut ids: Vec<&str> = w.topics.iter().map(|t| t.id.as_str()).collect();
    if let Some(p) = &w.primary_topic {
        if !ids.contains(&p.as_str()) {
            ids.push(p);
        }
    }
    format!(" {} ", ids.join(" "))
}

/// The text the area queries read: title and abstract in normal form.
pub fn search_text(w: &Work) -> String {
    let mut out = String::with_capacity(w.title.len() + w.abstract_text.len() + 3);
    out.push(' ');
    crate::query::normalise_into(&mut out, &w.title);
    crate::query::normalise_into(&mut out, &w.abstract_text);
    out
}

fn serialize<T: Serialize>(schema: &SchemaRef, rows: &[T]) -> Result<RecordBatch, IngestError> {
    let mut decoder = ReaderBuilder::new(schema.clone())
        .with_batch_size(rows.len().max(1))
        .build_decoder()
        .map_err(other)?;
    decoder.serialize(rows).map_err(other)?;
    Ok(decoder
        .flush()
        .map_err(other)?
        .unwrap_or_else(|| RecordBatch::new_empty(schema.clone())))
}

/// The Parquet parts (one per table) of each year for one input file.
struct Parts<'a> {
    out: &'a Path,
    key: String,
    years: BTreeMap<i32, Vec<(PathBuf, ArrowWriter<File>)>>,
    schemas: [SchemaRef; 4],
}

impl Parts<'_> {
    fn write(&mut self, year: i32, batches: [RecordBatch; 4]) -> Result<(), IngestError> {
        if !self.years.contains_key(&year) {
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .build();
            let mut writers = Vec::new();
            for (table, schema) in TABLES.iter().zip(&self.schemas) {
                let dir = self.out.join(table).join(format!("year={year}"));
                fs::create_dir_all(&dir).map_err(io(&dir))?;
                let path = dir.join(format!("part-{}.parquet.tmp", self.key));
                let file = File::create(&path).map_err(io(&path))?;
                writers.push((
                    path,
                    ArrowWriter::try_new(file, schema.clone(), Some(props.clone()))
                        .map_err(other)?,
                ));
            }
            self.years.insert(year, writers);
        }
        let writers = self.years.get_mut(&year).expect("inserted above");
        for ((_, writer), batch) in writers.iter_mut().zip(batches) {
            writer.write(&batch).map_err(other)?;
        }
        Ok(())
    }

    /// Closes every part and renames it into place.
    fn finish(self) -> Result<(), IngestError> {
        for (_, writers) in self.years {
            for (path, writer) in writers {
                writer.close().map_err(other)?;
                let done = path.with_extension("");
                fs::rename(&path, &done).map_err(io(&path))?;
            }
        }
        Ok(())
    }
}

/// Every table's rows for some works (all of one year).
fn batches_of(works: &[Work], schemas: &[SchemaRef; 4]) -> Result<[RecordBatch; 4], IngestError> {
    let rows: Vec<WorkRow> = works
        .iter()
        .map(|w| WorkRow {
            id: &w.id,
            title: &w.title,
            cited_by_count: w.cited_by_count,
            work_type: &w.work_type,
            abstract_text: &w.abstract_text,
            primary_topic: w.primary_topic.as_deref(),
            topics: &w.topics,
            authorships: &w.authorships,
            search_text: search_text(w),
            topic_text: topic_text(w),
        })
        .collect();
    let nation_shares: Vec<Vec<(String, f64)>> = works.iter().map(|w| w.nation_shares()).collect();
    let shares: Vec<ShareRow> = works
        .iter()
        .zip(&nation_shares)
        .flat_map(|(w, shares)| {
            shares.iter().map(|(nation, frac)| ShareRow {
                work_id: &w.id,
                nation,
                frac: *frac,
            })
        })
        .collect();
    let institutions: Vec<InstitutionRow> = works
        .iter()
        .flat_map(|w| {
            w.distinct_institutions()
                .into_iter()
                .map(|i| InstitutionRow {
                    work_id: &w.id,
                    institution_id: &i.id,
                    name: &i.name,
                    nation: &i.country,
                })
        })
        .collect();
    // Each work's pairs of distinct nations, a < b (the shares are sorted by nation).
    let mut pairs: Vec<PairRow> = Vec::new();
    for (w, shares) in works.iter().zip(&nation_shares) {
        for (i, (a, _)) in shares.iter().enumerate() {
            for (b, _) in &shares[i + 1..] {
                pairs.push(PairRow {
                    work_id: &w.id,
                    nation_a: a,
                    nation_b: b,
                });
            }
        }
    }
    Ok([
        serialize(&schemas[0], &rows)?,
        serialize(&schemas[1], &shares)?,
        serialize(&schemas[2], &institutions)?,
        serialize(&schemas[3], &pairs)?,
    ])
}

/// Lines of one input file, read in order and handed to the parsing threads.
struct Chunk {
    seq: u64,
    /// Line number of `lines[0]` (1-based).
    first_line: u64,
    lines: Vec<String>,
    /// Reading stopped after `lines` (bad gzip, not UTF-8 …).
    error: Option<IngestError>,
}

/// A chunk parsed: its rows by year, ready for the Parquet writers.
struct Parsed {
    seq: u64,
    works: u64,
    /// Bad lines (line number, reason); without `--skip-bad` parsing stops at the first.
    bad: Vec<(u64, String)>,
    /// Valid works lacking what an indicator needs, by reason.
    incomplete: BTreeMap<&'static str, u64>,
    batches: Result<Vec<(i32, [RecordBatch; 4])>, IngestError>,
    error: Option<IngestError>,
}

/// Lines per chunk: large enough that each year's rows make a reasonable Arrow batch, small
/// enough that a few chunks per thread in flight stay within tens of megabytes.
const CHUNK_LINES: usize = 8192;

fn read_chunks(reader: Box<dyn BufRead + Send>, display: &str, tx: SyncSender<Chunk>) {
    let mut chunk = Chunk {
        seq: 0,
        first_line: 1,
        lines: Vec::with_capacity(CHUNK_LINES),
        error: None,
    };
    let mut line_no = 0u64;
    for line in reader.lines() {
        line_no += 1;
        match line {
            Ok(line) => chunk.lines.push(line),
            Err(e) => {
                chunk.error = Some(IngestError::Unreadable {
                    file: display.to_string(),
                    line: line_no,
                    reason: e.to_string(),
                });
                let _ = tx.send(chunk);
                return;
            }
        }
        if chunk.lines.len() == CHUNK_LINES {
            let next = Chunk {
                seq: chunk.seq + 1,
                first_line: line_no + 1,
                lines: Vec::with_capacity(CHUNK_LINES),
                error: None,
            };
            if tx.send(std::mem::replace(&mut chunk, next)).is_err() {
                return; // the file was abandoned
            }
        }
    }
    if !chunk.lines.is_empty() {
        let _ = tx.send(chunk);
    }
}

fn parse_chunk(chunk: Chunk, schemas: &[SchemaRef; 4], skip_bad: bool) -> Parsed {
    let mut by_year: BTreeMap<i32, Vec<Work>> = BTreeMap::new();
    let (mut works, mut bad) = (0u64, Vec::new());
    let mut incomplete: BTreeMap<&'static str, u64> = BTreeMap::new();
    for (i, line) in chunk.lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match parse_openalex(line) {
            Ok(w) => {
                for gap in w.gaps() {
                    *incomplete.entry(gap.reason()).or_default() += 1;
                }
                by_year.entry(w.year).or_default().push(w);
                works += 1;
            }
            Err(e) => {
                bad.push((chunk.first_line + i as u64, e.to_string()));
                if !skip_bad {
                    break;
                }
            }
        }
    }
    let batches = if !skip_bad && !bad.is_empty() {
        Ok(Vec::new())
    } else {
        by_year
            .into_iter()
            .map(|(year, ws)| Ok((year, batches_of(&ws, schemas)?)))
            .collect()
    };
    Parsed {
        seq: chunk.seq,
        works,
        bad,
        incomplete,
        batches,
        error: chunk.error,
    }
}

/// What one input file gave.
#[derive(Default)]
struct FileResult {
    works: u64,
    bad: u64,
    bad_examples: Vec<String>,
    incomplete: BTreeMap<String, u64>,
}

/// Reads one input file on one thread, parses and builds its rows on `threads` threads, and
/// writes the Parquet parts on this one, in the order of the file (so the output does not
/// depend on the number of threads, and the first bad line reported is the first in the file).
fn ingest_file(
    reader: Box<dyn BufRead + Send>,
    display: &str,
    parts: &mut Parts,
    options: &Options,
    progress: &mut dyn FnMut(),
) -> Result<FileResult, IngestError> {
    let threads = options.threads();
    let (chunk_tx, chunk_rx) = mpsc::sync_channel::<Chunk>(threads * 2);
    let chunk_rx = Arc::new(Mutex::new(chunk_rx));
    let (parsed_tx, parsed_rx) = mpsc::sync_channel::<Parsed>(threads * 2);
    let schemas = parts.schemas.clone();
    std::thread::scope(|scope| {
        scope.spawn(move || read_chunks(reader, display, chunk_tx));
        for _ in 0..threads {
            let (rx, tx, schemas) = (chunk_rx.clone(), parsed_tx.clone(), &schemas);
            scope.spawn(move || loop {
                let next = rx.lock().expect("no thread panicked").recv();
                let Ok(chunk) = next else { break };
                if tx
                    .send(parse_chunk(chunk, schemas, options.skip_bad))
                    .is_err()
                {
                    break; // the file was abandoned
                }
            });
        }
        // Only the threads hold the channels now: when this side stops early (bad line), its
        // receiver is dropped, the parsing threads stop, and with them the reader.
        drop((chunk_rx, parsed_tx));
        write_in_order(parsed_rx, display, parts, options, progress)
    })
}

fn write_in_order(
    parsed: Receiver<Parsed>,
    display: &str,
    parts: &mut Parts,
    options: &Options,
    progress: &mut dyn FnMut(),
) -> Result<FileResult, IngestError> {
    let mut result = FileResult::default();
    let mut waiting = BTreeMap::new();
    let mut next = 0u64;
    for p in parsed {
        waiting.insert(p.seq, p);
        while let Some(p) = waiting.remove(&next) {
            next += 1;
            if let (false, Some((line, reason))) = (options.skip_bad, p.bad.first()) {
                return Err(IngestError::Record {
                    file: display.to_string(),
                    line: *line,
                    reason: reason.clone(),
                });
            }
            result.bad += p.bad.len() as u64;
            for (line, reason) in p.bad {
                if result.bad_examples.len() < 20 {
                    result
                        .bad_examples
                        .push(format!("{display}:{line}: {reason}"));
                }
            }
            for (year, batches) in p.batches? {
                parts.write(year, batches)?;
            }
            result.works += p.works;
            for (reason, n) in p.incomplete {
                *result.incomplete.entry(reason.to_string()).or_default() += n;
            }
            if let Some(e) = p.error {
                return Err(e);
            }
            progress();
        }
    }
    Ok(result)
}

/// A stable name for an input file's parts (FNV-1a of its path).
fn key_of(path: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Removes every part of the input `key` (finished or not) from the output.
fn discard(out: &Path, key: &str) -> Result<(), IngestError> {
    for table in TABLES {
        let dir = out.join(table);
        let Ok(years) = fs::read_dir(&dir) else {
            continue;
        };
        for year in years.flatten() {
            for name in [
                format!("part-{key}.parquet"),
                format!("part-{key}.parquet.tmp"),
            ] {
                let p = year.path().join(name);
                if p.exists() {
                    fs::remove_file(&p).map_err(io(&p))?;
                }
            }
        }
    }
    Ok(())
}

pub fn read_manifest(out: &Path) -> Result<Manifest, IngestError> {
    let path = out.join(MANIFEST);
    match fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| IngestError::Other(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
        Err(e) => Err(io(&path)(e)),
    }
}

fn write_manifest(out: &Path, m: &Manifest) -> Result<(), IngestError> {
    let path = out.join(MANIFEST);
    let tmp = out.join(format!("{MANIFEST}.tmp"));
    fs::write(&tmp, serde_json::to_vec_pretty(m).map_err(other)?).map_err(io(&tmp))?;
    fs::rename(&tmp, &path).map_err(io(&path))
}

/// Counts the bytes read from the file, for progress.
struct Counting<R> {
    inner: R,
    count: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// Ingests `inputs` into `out`. `progress` is called with the bytes read so far (of all inputs,
/// compressed size for gzip files).
pub fn ingest(
    inputs: &[PathBuf],
    out: &Path,
    options: &Options,
    progress: &mut dyn FnMut(u64),
) -> Result<Summary, IngestError> {
    fs::create_dir_all(out).map_err(io(out))?;
    let mut manifest = read_manifest(out)?;
    // Parts of another layout are not reused: every input is read again.
    if manifest.format != FORMAT {
        for r in std::mem::take(&mut manifest.inputs) {
            discard(out, &r.key)?;
        }
        manifest.format = FORMAT;
    }
    let mut summary = Summary::default();
    let schemas = [
        works_schema(),
        shares_schema(),
        institutions_schema(),
        pairs_schema(),
    ];
    let mut done_bytes = 0u64;
    for input in inputs {
        let meta = fs::metadata(input).map_err(io(input))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        let canonical = fs::canonicalize(input)
            .map_err(io(input))?
            .display()
            .to_string();
        let key = key_of(&canonical);
        let display = input.display().to_string();
        if manifest
            .inputs
            .iter()
            .any(|r| r.key == key && r.size == meta.len() && r.modified == modified)
        {
            summary.files_skipped += 1;
            done_bytes += meta.len();
            progress(done_bytes);
            continue;
        }
        manifest.inputs.retain(|r| r.key != key);
        discard(out, &key)?;

        let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let file = Counting {
            inner: File::open(input).map_err(io(input))?,
            count: count.clone(),
        };
        let gz = display.ends_with(".gz");
        let reader: Box<dyn BufRead + Send> = if gz {
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::read::MultiGzDecoder::new(BufReader::new(file)),
            ))
        } else {
            Box::new(BufReader::with_capacity(1 << 20, file))
        };
        let mut parts = Parts {
            out,
            key: key.clone(),
            years: BTreeMap::new(),
            schemas: schemas.clone(),
        };
        let result = ingest_file(reader, &display, &mut parts, options, &mut || {
            progress(done_bytes + count.load(std::sync::atomic::Ordering::Relaxed))
        })
        .and_then(|r| parts.finish().map(|()| r));
        let FileResult {
            works,
            bad,
            bad_examples,
            incomplete,
        } = match result {
            Ok(r) => r,
            Err(e) => {
                discard(out, &key)?;
                return Err(e);
            }
        };
        let room = 20usize.saturating_sub(summary.bad_examples.len());
        summary
            .bad_examples
            .extend(bad_examples.into_iter().take(room));
        manifest.inputs.push(InputRecord {
            path: canonical,
            key,
            size: meta.len(),
            modified,
            works,
            bad,
            incomplete: incomplete.clone(),
        });
        write_manifest(out, &manifest)?;
        for (reason, n) in incomplete {
            *summary.incomplete.entry(reason).or_default() += n;
        }
        summary.files += 1;
        summary.works += works;
        summary.bad_lines += bad;
        done_bytes += meta.len();
        progress(done_bytes);
    }
    Ok(summary)
}
