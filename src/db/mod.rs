//! Getting a migrated connection pool: from `DATABASE_URL`, or from the private cluster.

pub mod cluster;
mod warm;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

pub use cluster::PrivateCluster;
pub use warm::{Db, Warm};

/// The database a private cluster holds Leitstand's data in.
pub const PRIVATE_DATABASE: &str = "leitstand";

/// All schema changes, embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Where the data is: an existing server, or our own cluster (kept so it can be stopped).
pub struct Database {
    pub options: PgConnectOptions,
    pub cluster: Option<PrivateCluster>,
    /// Whether this process started the private cluster (rather than finding it running).
    started_here: bool,
}

impl Database {
    /// `DATABASE_URL` when given; otherwise the private cluster in `data_dir`, started if needed.
    pub async fn locate(database_url: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        if let Some(url) = database_url {
            let options = PgConnectOptions::from_str(url)
                .context("DATABASE_URL is not a valid PostgreSQL URL")?;
            return Ok(Self {
                options,
                cluster: None,
                started_here: false,
            });
        }
        let data_dir = data_dir.to_path_buf();
        let (cluster, started_here) = tokio::task::spawn_blocking(move || -> anyhow::Result<(PrivateCluster, bool)> {
            // Two processes starting at once must not both run initdb or start the server.
            std::fs::create_dir_all(&data_dir)?;
            let lock = std::fs::File::create(data_dir.join(".lock"))?;
            lock.lock()?;
            let cluster = PrivateCluster::prepare(&data_dir)?;
            let started = cluster.start(&[])?;
            lock.unlock()?;
            if started {
                tracing::info!(pgdata = %cluster.pgdata().display(), "started the private PostgreSQL cluster");
            } else {
                tracing::info!(pgdata = %cluster.pgdata().display(), "using the running private PostgreSQL cluster");
            }
            Ok((cluster, started))
        })
        .await??;
        Ok(Self {
            options: cluster.connect_options(PRIVATE_DATABASE),
            cluster: Some(cluster),
            started_here,
        })
    }

    /// Whether this process started the private cluster.
    pub fn started_here(&self) -> bool {
        self.started_here
    }

    /// Creates the database if missing, opens a pool and applies the migrations.
    pub async fn connect(&self, max_connections: u32) -> anyhow::Result<PgPool> {
        create_database_if_missing(&self.options).await?;
        let pool = pool(self.options.clone(), max_connections).await?;
        migrate(&pool).await?;
        Ok(pool)
    }

    /// Stops the private cluster, if we run one.
    pub async fn shutdown(&self) -> anyhow::Result<()> {
        if let Some(cluster) = self.cluster.clone() {
            tokio::task::spawn_blocking(move || cluster.stop()).await??;
            tracing::info!("stopped the private PostgreSQL cluster");
        }
        Ok(())
    }
}

/// A pool whose connections fail fast when the server is away, so `/readyz` can say so.
pub async fn pool(options: PgConnectOptions, max_connections: u32) -> anyhow::Result<PgPool> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        // No round trip to test a connection on every acquire (it doubled the round trips of
        // a one-query request): a connection that died fails its next query, that request
        // answers 503, and the pool replaces the connection.
        .test_before_acquire(false)
        // No JIT compilation: the desk's queries are short, and service insight's were seen
        // to spend 120 ms of a 180 ms query compiling (PostgreSQL 15, 1,000,000 incidents).
        .connect_with(options.options([("jit", "off")]))
        .await
        .context("could not connect to PostgreSQL")
}

/// A pool of a streaming replica (`LEITSTAND_READ_DATABASE_URL`): connected when first used,
/// so the desk starts while the replica is away (its reads then go to the primary, `Db::insight`),
/// never migrated (a replica takes its schema from the primary). A connection is tested
/// before each use, and one that cannot be had within a second counts as the replica away.
pub fn replica(options: PgConnectOptions, max_connections: u32) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(1))
        .connect_lazy_with(options.options([("jit", "off")]))
}

/// Applies pending migrations; sqlx holds an advisory lock, so concurrent starts are safe.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR
        .run(pool)
        .await
        .context("could not apply the database migrations")
}

/// Creates the options' database when it does not exist and the role is allowed to.
pub async fn create_database_if_missing(options: &PgConnectOptions) -> anyhow::Result<()> {
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    // No maintenance database to talk to: let the real connection report what is wrong.
    let Ok(mut conn) = PgConnection::connect_with(&options.clone().database("postgres")).await
    else {
        return Ok(());
    };
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&name)
            .fetch_one(&mut conn)
            .await?;
    if !exists {
        let sql = format!("create database {}", quote_ident(&name));
        match sqlx::query(&sql).execute(&mut conn).await {
            Ok(_) => tracing::info!(database = %name, "created the database"),
            // Another process created it at the same moment.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => {
                return Err(e).with_context(|| format!("could not create the database {name}"));
            }
        }
    }
    conn.close().await?;
    Ok(())
}

/// Quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
