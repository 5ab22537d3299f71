//! Small helpers to write the same SQL for both backends.

use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, Arguments};

/// A value bound to a statement.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    /// Text.
    T(String),
    /// Text or NULL.
    N(Option<String>),
    /// Integer.
    I(i64),
    /// Real number.
    F(f64),
    /// Real number or NULL.
    NF(Option<f64>),
}

/// SQLite's default limit on bound parameters is 32 766; PostgreSQL's is 65 535.
const MAX_PARAMS: usize = 30_000;
const MAX_ROWS: usize = 1_000;

/// Placeholders for `n` parameters starting after `offset`: `$1, $2, …` for PostgreSQL, and
/// anonymous `?` for SQLite, whose lookup of numbered parameters by name is linear in their
/// number (quadratic over a large multi-row insert).
pub(crate) fn placeholders(conn: &AnyConnection, offset: usize, n: usize) -> String {
    if conn.backend_name() == "SQLite" {
        return vec!["?"; n].join(", ");
    }
    (offset + 1..=offset + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts `rows` into `table` with multi-row `INSERT` statements.
pub(crate) async fn insert_rows(
    conn: &mut AnyConnection,
    table: &str,
    cols: &[&str],
    rows: Vec<Vec<Val>>,
) -> Result<(), sqlx::Error> {
    let per = (MAX_PARAMS / cols.len()).clamp(1, MAX_ROWS);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(per).collect();
        let mut sql = format!("INSERT INTO {table} ({}) VALUES ", cols.join(", "));
        let mut args = AnyArguments::default();
        for (i, row) in chunk.into_iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            sql.push_str(&placeholders(conn, i * cols.len(), cols.len()));
            sql.push(')');
            for v in row {
                let r = match v {
                    Val::T(s) => args.add(s),
                    Val::N(s) => args.add(s),
                    Val::I(n) => args.add(n),
                    Val::F(x) => args.add(x),
                    Val::NF(x) => args.add(x),
                };
                r.map_err(sqlx::Error::Encode)?;
            }
        }
        sqlx::query_with(&sql, args).execute(&mut *conn).await?;
    }
    Ok(())
}
