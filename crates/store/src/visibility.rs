//! Label enforcement in the store: policies are kept in the database; the set of label ids a
//! person may read is computed over the *distinct* labels (not per object), cached per policy
//! version, and every filtered query takes it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pillar_core::RegistryKind;
use pillar_label::{Clearance, Policy, PolicySet};
use sqlx::Row as _;

use crate::db::{Backend, Store};
use crate::error::{InputError, StoreError};
use crate::registry::RegistryRow;

/// The label ids one clearance may read, for one policy version and one state of the labels
/// table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entitlements {
    /// Policy version the set was computed under.
    pub version: i64,
    /// Readable label ids, ascending.
    pub label_ids: Arc<Vec<i64>>,
    /// The examined label ids that are not readable, ascending.
    pub unreadable: Arc<Vec<i64>>,
    /// Number of distinct labels examined.
    pub examined: usize,
    /// The newest label id examined: labels added later are not readable until the set is
    /// computed again.
    pub newest: i64,
}

impl Entitlements {
    /// True when the label id is readable.
    pub fn allows(&self, label_id: i64) -> bool {
        self.label_ids.binary_search(&label_id).is_ok()
    }

    /// True when the reader may see few of the labels: their label ids, sent as a list, can
    /// lead a query through a label index (see [`Entitlements::sql_filter`]).
    pub fn few(&self) -> bool {
        self.label_ids.len() <= FEW_LABELS || self.label_ids.len() * 20 < self.examined
    }

    /// The condition every query puts on a label-id `column` to keep readable rows, and the
    /// bytes to bind at `$param`.
    ///
    /// For a reader of [`few`](Entitlements::few) labels, and on PostgreSQL always, the readable
    /// ids as a list (PostgreSQL: or the unreadable ones, when fewer). An index on the column
    /// can use it (SQLite gets a JSON array bound as text). PostgreSQL, given a constant array
    /// written into the SQL, hashes it once and estimates from the column's statistics how many
    /// rows pass, which its plans for joins and full-text queries depend on: given the opaque
    /// bitmap test instead (estimated to pass 0.5 % of rows), its searches ran 10–60 times
    /// slower. The estimate costs it 0.8–1.7 ms of planning for a few thousand ids.
    ///
    /// Otherwise (SQLite) a bitmap: see [`Entitlements::sql_filter_walk`].
    fn sql_filter(&self, backend: Backend, column: &str, param: usize) -> (String, Vec<u8>) {
        self.filter(backend, column, param, false)
    }

    /// [`Entitlements::sql_filter`] for a query that walks one index in order and stops after
    /// a few rows (the newest documents), whose plan no estimate changes: for a reader of more
    /// than [`few`](Entitlements::few) labels, a bitmap of the label ids up to the newest
    /// examined, tested per row in constant time — SQLite one byte per label (`substr` of a
    /// blob indexes bytes), PostgreSQL one bit (`get_bit`). Sending it costs a copy of a few
    /// kilobytes, where a list of thousands of ids costs parsing it into a temporary index
    /// (SQLite) or estimating each element (PostgreSQL) on every query. Labels added after the
    /// set was computed are beyond the bitmap's end, hence not readable until it is computed
    /// again.
    fn sql_filter_walk(&self, backend: Backend, column: &str, param: usize) -> (String, Vec<u8>) {
        self.filter(backend, column, param, true)
    }

    fn filter(
        &self,
        backend: Backend,
        column: &str,
        param: usize,
        walk: bool,
    ) -> (String, Vec<u8>) {
        let bare = column.trim_start_matches('+');
        let list =
            self.few() || self.newest > MAX_BITMAP || (backend == Backend::Postgres && !walk);
        if list {
            return match backend {
                Backend::Sqlite => (
                    format!("{column} IN (SELECT value FROM json_each(CAST(${param} AS TEXT)))"),
                    serde_json::to_vec(&*self.label_ids).expect("ids serialise"),
                ),
                // A leading `+` (SQLite's way of keeping the planner off an index) would hide
                // the column's statistics from PostgreSQL's planner. The shorter list is
                // written: the readable ids, or the unreadable ones up to the newest label
                // examined (a reader of nearly everything costs a short exclusion list). The
                // exclusion is safe because label ids become visible in the order they are
                // numbered — a transaction adding labels holds a lock on the labels table
                // until it ends (`intern_labels`) — so no id at or below `newest` can appear
                // unexamined later.
                Backend::Postgres => {
                    let exclude = self.unreadable.len() < self.label_ids.len();
                    let ids = if exclude {
                        &self.unreadable
                    } else {
                        &self.label_ids
                    };
                    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                    let array = format!("'{{{}}}'::bigint[]", ids.join(","));
                    let sql = if exclude {
                        format!(
                            "({bare} <= {} AND NOT ({bare} = ANY({array})))",
                            self.newest
                        )
                    } else {
                        format!("{bare} = ANY({array})")
                    };
                    (sql, Vec::new())
                }
            };
        }
        let newest = self.newest.max(0);
        let len = usize::try_from(newest).expect("label ids are positive") + 1;
        // The readable ids the bitmap can hold (all of them: the set holds examined ids only).
        let examined = self
            .label_ids
            .iter()
            .filter_map(|&id| usize::try_from(id).ok().filter(|&i| i < len));
        match backend {
            Backend::Sqlite => {
                let mut bytes = vec![0u8; len];
                for id in examined {
                    bytes[id] = 1;
                }
                (
                    format!("({column} <= {newest} AND substr(${param}, {bare} + 1, 1) = x'01')"),
                    bytes,
                )
            }
            Backend::Postgres => {
                let mut bits = vec![0u8; len.div_ceil(8)];
                for id in examined {
                    bits[id / 8] |= 1 << (id % 8);
                }
                (
                    format!("({bare} <= {newest} AND get_bit(${param}::bytea, {bare}::int) = 1)"),
                    bits,
                )
            }
        }
    }
}

/// The condition and bound bytes of a query that filters nothing on `$param` (operator views
/// and the benchmarks' unfiltered measurements).
fn no_filter(param: usize) -> (String, Vec<u8>) {
    (format!("length(${param}) >= 0"), Vec::new())
}

/// A query over labelled rows: the one place a reader's label filter is written into SQL.
///
/// Its SQL marks each label column to filter as `{label:COLUMN}` (a list of the readable
/// label ids, or a bitmap of them), or `{label_walk:COLUMN}` in a query that walks one index in
/// order and stops after a few rows (a bitmap tested per row, whose plan no estimate changes);
/// a leading `+` on the column keeps SQLite's planner off that column's index. The caller numbers its own parameters `$1…$n` and binds them; the
/// helper numbers the filter's parameter(s) after them, writes each condition, and binds the
/// label bytes after the caller's values ([`Labelled::bind`]). With no reader (the operator's
/// views, the benchmarks' unfiltered measurements) every condition is true.
#[derive(Debug, Clone)]
pub struct Labelled {
    sql: String,
    /// The bytes of the list form, then of the walking form, each when used.
    bytes: Vec<Vec<u8>>,
}

impl Labelled {
    /// The query `template` for `readable` on `backend`.
    pub fn new(backend: Backend, readable: &Entitlements, template: &str) -> Labelled {
        Labelled::filtered(backend, Some(readable), template)
    }

    /// The query `template` filtered for `readable`, or for no one (every condition true: the
    /// operator's views) — inside the store only.
    pub(crate) fn filtered(
        backend: Backend,
        readable: Option<&Entitlements>,
        template: &str,
    ) -> Labelled {
        // The caller's parameters: the highest `$n` written.
        let b = template.as_bytes();
        let mut highest = 0usize;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'$' {
                let digits: String = template[i + 1..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if let Ok(n) = digits.parse::<usize>() {
                    highest = highest.max(n);
                }
                i += 1 + digits.len();
            } else {
                i += 1;
            }
        }
        let mut out = String::with_capacity(template.len() + 64);
        let mut bytes: Vec<Vec<u8>> = Vec::new();
        // Parameter numbers given to each form, once used: (walk, number).
        let mut given: Vec<(bool, usize)> = Vec::new();
        let mut rest = template;
        while let Some(start) = rest.find("{label") {
            out.push_str(&rest[..start]);
            let after = &rest[start..];
            let end = after.find('}').expect("a `{label…}` marker is closed");
            let marker = &after[1..end];
            let (walk, column) = match marker.split_once(':') {
                Some(("label", c)) => (false, c),
                Some(("label_walk", c)) => (true, c),
                _ => panic!("unknown marker `{{{marker}}}`"),
            };
            let known = given.iter().find(|(w, _)| *w == walk).map(|(_, n)| *n);
            let param = known.unwrap_or(highest + given.len() + 1);
            let (condition, bound) = match readable {
                Some(r) if walk => r.sql_filter_walk(backend, column, param),
                Some(r) => r.sql_filter(backend, column, param),
                None => no_filter(param),
            };
            if known.is_none() {
                given.push((walk, param));
                bytes.push(bound);
            }
            out.push_str(&condition);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Labelled { sql: out, bytes }
    }

    /// The SQL, with every condition written.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// Binds the label bytes after the caller's values (bind those first).
    pub fn bind<'q, O>(
        &'q self,
        mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        for b in &self.bytes {
            q = q.bind(b.as_slice());
        }
        q
    }

    /// [`Labelled::bind`] for a query of rows.
    pub fn bind_rows<'q>(
        &'q self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for b in &self.bytes {
            q = q.bind(b.as_slice());
        }
        q
    }

    /// [`Labelled::bind`] for a query of one value per row.
    pub fn bind_scalar<'q, O>(
        &'q self,
        mut q: sqlx::query::QueryScalar<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::QueryScalar<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
        for b in &self.bytes {
            q = q.bind(b.as_slice());
        }
        q
    }
}

/// A reader of at most this many labels gets them as a list (see [`Entitlements::few`]).
const FEW_LABELS: usize = 64;

/// Label ids beyond this are sent as a list rather than as a bitmap of that many bytes.
const MAX_BITMAP: i64 = 1 << 24;

/// A cached set with the policy version and the newest label id it was computed at.
type Cached = (i64, i64, Entitlements);

/// Cache of entitlement sets: clearance (canonical JSON) → (version, newest label id, set).
#[derive(Debug, Default, Clone)]
pub struct EntitlementCache(Arc<Mutex<HashMap<String, Cached>>>);

/// Parses the SPIFs of `SELECT spif FROM policies` rows.
fn parse_stored(rows: &[sqlx::any::AnyRow]) -> Result<Vec<Policy>, StoreError> {
    rows.iter()
        .map(|r| {
            let text: String = r.get(0);
            Policy::parse(text.as_bytes()).map_err(|e| StoreError::Corrupt {
                table: "policies",
                reason: e.to_string(),
            })
        })
        .collect()
}

impl Store {
    /// The ids of the rows of `table` (a labelled table with an `id` column) that `readable`
    /// allows: for naming only what a reader may see where one record links another.
    pub(crate) async fn readable_ids(
        &self,
        table: &'static str,
        readable: &Entitlements,
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let q = Labelled::filtered(
            self.backend(),
            Some(readable),
            &format!("SELECT id FROM {table} WHERE {{label:label_id}}"),
        );
        Ok(q.bind_scalar(sqlx::query_scalar::<_, String>(q.sql()))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .collect())
    }

    /// Stores (or replaces) SPIFs and bumps the policy version. Every SPIF is parsed and the set
    /// checked first; nothing is written if one is bad.
    pub async fn load_policies(
        &self,
        spifs: &[(String, Vec<u8>)],
        audit: Option<&crate::audit::Audited<'_>>,
    ) -> Result<i64, StoreError> {
        let mut parsed = Vec::new();
        for (name, bytes) in spifs {
            let p = Policy::parse(bytes)
                .map_err(|e| InputError::new(name, Some(e.line), None, e.reason))?;
            let text = String::from_utf8(bytes.clone())
                .map_err(|_| InputError::new(name, None, None, "not UTF-8"))?;
            parsed.push((p, text));
        }
        let mut tx = self.begin_write().await?;
        for (p, text) in &parsed {
            sqlx::query("DELETE FROM policies WHERE id = $1 OR name = $2")
                .bind(&p.id)
                .bind(&p.name)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO policies (id, name, spif, loaded_at) VALUES ($1, $2, $3, $4)")
                .bind(&p.id)
                .bind(&p.name)
                .bind(text)
                .bind("now")
                .execute(&mut *tx)
                .await?;
        }
        // The whole set must still be consistent.
        let all = sqlx::query("SELECT spif FROM policies ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        PolicySet::new(parse_stored(&all)?)
            .map_err(|e| InputError::new("policies", None, None, e))?;
        sqlx::query("UPDATE policy_version SET version = version + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let v: i64 = sqlx::query_scalar("SELECT version FROM policy_version WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        self.commit_with(tx, audit).await?;
        Ok(v)
    }

    /// The policy version: bumped by every [`Store::load_policies`].
    pub async fn policy_version(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT version FROM policy_version WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The stored policies and their version.
    pub async fn policy_set(&self) -> Result<(PolicySet, i64), StoreError> {
        let rows = sqlx::query("SELECT spif FROM policies ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        let list = parse_stored(&rows)?;
        let v = self.policy_version().await?;
        let set = PolicySet::new(list).map_err(|e| StoreError::Corrupt {
            table: "policies",
            reason: e,
        })?;
        Ok((set, v))
    }

    /// The label ids `clearance` may read: the access decision over every distinct label,
    /// translating a label into the clearance's policy when they differ (a label that cannot be
    /// translated, resolved or validated is not readable). Cached until the policies or the set
    /// of labels change.
    pub async fn entitlements(
        &self,
        cache: &EntitlementCache,
        clearance: &Clearance,
    ) -> Result<Entitlements, StoreError> {
        // Both freshness marks in one statement: this runs on every request.
        let marks = sqlx::query(
            "SELECT (SELECT version FROM policy_version WHERE id = 1), \
                    (SELECT COALESCE(MAX(id), 0) FROM labels)",
        )
        .fetch_one(&self.pool)
        .await?;
        let (version, labels_now): (i64, i64) = (marks.try_get(0)?, marks.try_get(1)?);
        let key = clearance.to_json();
        if let Some((v, n, e)) = cache.0.lock().expect("cache lock").get(&key) {
            if *v == version && *n == labels_now {
                return Ok(e.clone());
            }
        }
        let (set, version) = self.policy_set().await?;
        let mut ids = Vec::new();
        let mut unreadable = Vec::new();
        let rows = sqlx::query("SELECT id, canonical FROM labels ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        if let Ok(c) = set.resolve_clearance(clearance) {
            for r in &rows {
                let canonical: String = r.get(1);
                let readable = pillar_label::Label::from_json(&canonical)
                    .ok()
                    .and_then(|label| set.resolve(&label).ok())
                    .is_some_and(|resolved| set.permits(&resolved, &c));
                if readable {
                    ids.push(r.get::<i64, _>(0));
                } else {
                    unreadable.push(r.get::<i64, _>(0));
                }
            }
        } else {
            unreadable.extend(rows.iter().map(|r| r.get::<i64, _>(0)));
        }
        let e = Entitlements {
            version,
            label_ids: Arc::new(ids),
            unreadable: Arc::new(unreadable),
            examined: rows.len(),
            newest: labels_now,
        };
        cache
            .0
            .lock()
            .expect("cache lock")
            .insert(key, (version, labels_now, e.clone()));
        Ok(e)
    }

    /// The rows of `kind` whose label the entitlements allow — the filter is inside the query.
    pub(crate) async fn export_visible(
        &self,
        kind: RegistryKind,
        readable: &Entitlements,
    ) -> Result<Vec<RegistryRow>, StoreError> {
        self.export_filtered(kind, Some(readable)).await
    }
}

/// Why a label may not be stored under `set`: it does not resolve, or is not valid under its
/// policy. `None` when it may.
pub(crate) fn label_problem(set: &PolicySet, label: &pillar_label::Label) -> Option<String> {
    match set.resolve(label) {
        Ok(r) if set.is_valid(&r) => None,
        Ok(_) => Some("the label is not valid under its policy".into()),
        Err(e) => Some(e.to_string()),
    }
}
