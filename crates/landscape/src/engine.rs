//! Where the SQL runs: DataFusion in this process, or a Ballista cluster (`ballista://HOST:PORT`)
//! running the same plans over the same Parquet files.

use crate::indicators::Tables;
use crate::ingest::TABLES;
use crate::sql::Statements;
use crate::work::Work;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::ListingOptions;
use datafusion::prelude::SessionContext;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("{0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error("{0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error("{0}")]
    Usage(String),
}

/// Which engine runs the plans.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineSpec {
    Embedded,
    Ballista { url: String },
}

impl EngineSpec {
    /// `embedded` or `ballista://HOST:PORT`.
    pub fn parse(s: &str) -> Result<EngineSpec, EngineError> {
        if s == "embedded" {
            return Ok(EngineSpec::Embedded);
        }
        match s.strip_prefix("ballista://") {
            Some(rest) if rest.contains(':') && !rest.starts_with(':') => {
                Ok(EngineSpec::Ballista { url: s.to_string() })
            }
            _ => Err(EngineError::Usage(format!(
                "--engine `{s}`: expected `embedded` or `ballista://HOST:PORT`"
            ))),
        }
    }
}

pub struct Engine {
    ctx: SessionContext,
    /// A Ballista cluster: a table made by one statement is not seen by the next.
    remote: bool,
}

impl Engine {
    /// Opens the engine and registers the ingested tables of `data`.
    pub async fn open(spec: &EngineSpec, data: &Path) -> Result<Engine, EngineError> {
        let (ctx, remote) = match spec {
            EngineSpec::Embedded => (SessionContext::new(), false),
            EngineSpec::Ballista { url } => (ballista_context(url).await?, true),
        };
        let data = std::fs::canonicalize(data)
            .map_err(|e| EngineError::Usage(format!("--data {}: {e}", data.display())))?;
        for table in TABLES {
            let dir = data.join(table);
            if !dir.is_dir() {
                return Err(EngineError::Usage(format!(
                    "--data {}: no `{table}` table here; run `pillar landscape ingest` (again, for a directory ingested by an older Pillar: it rewrites every table)",
                    data.display()
                )));
            }
            let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                .with_file_extension(".parquet")
                .with_table_partition_cols(vec![("year".to_string(), DataType::Int32)]);
            ctx.register_listing_table(table, format!("{}/", dir.display()), options, None, None)
                .await?;
        }
        Ok(Engine { ctx, remote })
    }

    /// Runs one statement.
    pub async fn run(&self, sql: &str) -> Result<Vec<RecordBatch>, EngineError> {
        Ok(self.ctx.sql(sql).await?.collect().await?)
    }

    /// Runs one statement and reads its rows as `T` (by column name).
    pub async fn rows<T: DeserializeOwned>(&self, sql: &str) -> Result<Vec<T>, EngineError> {
        let batches = self.run(sql).await?;
        to_rows(&batches)
    }

    /// The statements this engine runs for a report, in order: embedded, the area works are
    /// computed once into a table the others read; on a cluster, each statement computes them.
    pub fn plan(&self, s: &Statements) -> Vec<(&'static str, String)> {
        if self.remote {
            s.inlined().into()
        } else {
            s.iter()
                .into_iter()
                .map(|(name, text)| (name, text.to_string()))
                .collect()
        }
    }

    /// Runs every statement of a report.
    pub async fn tables(&self, s: &Statements) -> Result<Tables, EngineError> {
        self.tables_of(self.plan(s)).await
    }

    /// Runs named statements in order, reading each result statement's rows into its table.
    pub async fn tables_of(
        &self,
        plan: Vec<(&'static str, String)>,
    ) -> Result<Tables, EngineError> {
        let mut tables = Tables::default();
        for (name, text) in plan {
            match name {
                "area_nation" => tables.area_nation = self.rows(&text).await?,
                "nation_totals" => tables.nation_totals = self.rows(&text).await?,
                "collaboration" => tables.collaboration = self.rows(&text).await?,
                "institutions" => tables.institutions = self.rows(&text).await?,
                _ => {
                    self.run(&text).await?;
                }
            }
        }
        Ok(tables)
    }

    /// Every ingested work, by id (for checks and exports; the whole table in memory).
    pub async fn works(&self) -> Result<Vec<Work>, EngineError> {
        self.rows("SELECT * FROM works ORDER BY id").await
    }

    /// The years present, first and last.
    pub async fn years(&self) -> Result<Option<(i32, i32)>, EngineError> {
        #[derive(serde::Deserialize)]
        struct Y {
            first: Option<i32>,
            last: Option<i32>,
        }
        let y: Vec<Y> = self
            .rows("SELECT min(year) AS first, max(year) AS last FROM works")
            .await?;
        Ok(y.first().and_then(|y| Some((y.first?, y.last?))))
    }
}

/// Record batches to rows through their JSON form (results are small: areas × nations).
pub fn to_rows<T: DeserializeOwned>(batches: &[RecordBatch]) -> Result<Vec<T>, EngineError> {
    let mut buf = Vec::new();
    {
        let mut w = datafusion::arrow::json::LineDelimitedWriter::new(&mut buf);
        for b in batches {
            w.write(b)?;
        }
        w.finish()?;
    }
    buf.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_slice(l)
                .map_err(|e| EngineError::Usage(format!("unexpected result row: {e}")))
        })
        .collect()
}

#[cfg(feature = "ballista")]
async fn ballista_context(url: &str) -> Result<SessionContext, EngineError> {
    use ballista::prelude::SessionContextExt;
    Ok(SessionContext::remote(url).await?)
}

#[cfg(not(feature = "ballista"))]
async fn ballista_context(url: &str) -> Result<SessionContext, EngineError> {
    Err(EngineError::Usage(format!(
        "--engine {url}: this pillar was built without Ballista; build it with `--features ballista`"
    )))
}
