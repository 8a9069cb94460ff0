//! The database behind every test: `DATABASE_URL` when set; otherwise one private throwaway
//! cluster, shared by every test process of the run: started under a file lock, and stopped by a
//! small watchdog once the last test process using it has exited. Each test gets its own
//! database, copied from a migrated template (one per set of migrations), so tests never see
//! each other.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};

use leitstand::db::{MIGRATOR, PrivateCluster, cluster::THROWAWAY_SETTINGS, quote_ident};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tokio::sync::OnceCell;

/// Where the throwaway cluster lives (shared by the test processes of a run).
fn cluster_dir() -> PathBuf {
    std::env::temp_dir().join("leitstand-test-cluster")
}

/// The server and the migrated template every test database is copied from.
struct Shared {
    server: PgConnectOptions,
    template: String,
}

static SHARED: OnceCell<Shared> = OnceCell::const_new();

async fn shared() -> &'static Shared {
    SHARED
        .get_or_init(|| async {
            let server = match std::env::var("DATABASE_URL") {
                Ok(url) if !url.is_empty() => {
                    PgConnectOptions::from_str(&url).expect("DATABASE_URL is a PostgreSQL URL")
                }
                _ => tokio::task::spawn_blocking(start_private_cluster)
                    .await
                    .expect("cluster setup"),
            };
            let template = prepare_template(&server).await;
            Shared { server, template }
        })
        .await
}

/// Starts (or joins) the shared throwaway cluster and registers this process as its user.
fn start_private_cluster() -> PgConnectOptions {
    let dir = cluster_dir();
    fs::create_dir_all(dir.join("users")).expect("create the test cluster directory");
    let lock_path = dir.join("lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .expect("open the lock");
    let _ = fs::set_permissions(&lock_path, fs::Permissions::from_mode(0o666));
    lock.lock().expect("lock the test cluster");
    let cluster = PrivateCluster::prepare(&dir.join("data")).expect("prepare the test cluster");
    cluster
        .start(&[THROWAWAY_SETTINGS, &["max_connections=300"]].concat())
        .expect("start the test cluster");
    File::create(dir.join("users").join(std::process::id().to_string()))
        .expect("register this test process");
    if let Some((uid, gid)) = cluster.server_user() {
        for path in [dir.join("users"), dir.clone()] {
            std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                .expect("give the directory to postgres");
        }
    }
    ensure_watchdog(&dir, &cluster);
    lock.unlock().expect("unlock the test cluster");
    cluster.connect_options("postgres")
}

/// Stops the cluster once no registered test process is alive any more.
fn ensure_watchdog(dir: &Path, cluster: &PrivateCluster) {
    let pid_file = dir.join("watchdog.pid");
    let running = fs::read_to_string(&pid_file)
        .ok()
        .and_then(|pid| pid.trim().parse::<u32>().ok())
        .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
    if running {
        return;
    }
    let script = r#"
        dir=$1; pg_ctl=$2; pgdata=$3
        while sleep 1; do
            exec 9>>"$dir/lock"
            flock 9
            alive=0
            for f in "$dir"/users/*; do
                [ -e "$f" ] || continue
                if [ -d "/proc/${f##*/}" ]; then alive=1; else rm -f "$f"; fi
            done
            if [ "$alive" = 0 ]; then
                "$pg_ctl" --pgdata "$pgdata" stop --mode=fast --wait >/dev/null 2>&1
                rm -f "$dir/watchdog.pid"
                exit 0
            fi
            flock -u 9
            exec 9>&-
        done
    "#;
    let mut command = Command::new("sh");
    command
        .args(["-c", script, "watchdog"])
        .arg(dir)
        .arg(cluster.pg_ctl_path())
        .arg(cluster.pgdata())
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some((uid, gid)) = cluster.server_user() {
        command.uid(uid).gid(gid);
    }
    #[expect(
        clippy::zombie_processes,
        reason = "the watchdog outlives this process on purpose"
    )]
    let child = command.spawn().expect("start the test cluster watchdog");
    fs::write(&pid_file, child.id().to_string()).expect("write the watchdog pid");
}

/// Creates (once per set of migrations) a migrated template database, and drops databases
/// left behind by test processes that are gone.
async fn prepare_template(server: &PgConnectOptions) -> String {
    let mut hasher = Sha256::new();
    for migration in MIGRATOR.iter() {
        hasher.update(migration.version.to_le_bytes());
        hasher.update(&migration.checksum);
    }
    let template = format!("lt_template_{}", &hex::encode(hasher.finalize())[..16]);
    let mut admin = PgConnection::connect_with(&server.clone().database("postgres"))
        .await
        .expect("connect to the test server");
    sqlx::query("select pg_advisory_lock(4242)")
        .execute(&mut admin)
        .await
        .expect("lock");
    let stale: Vec<String> =
        sqlx::query_scalar("select datname from pg_database where datname like 'lt\\_test\\_%'")
            .fetch_all(&mut admin)
            .await
            .expect("list test databases");
    for name in stale {
        let pid = name.split('_').nth(2).unwrap_or_default();
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = sqlx::query(&format!(
                "drop database if exists {} with (force)",
                quote_ident(&name)
            ))
            .execute(&mut admin)
            .await;
        }
    }
    let exists: bool =
        sqlx::query_scalar("select exists (select 1 from pg_database where datname = $1)")
            .bind(&template)
            .fetch_one(&mut admin)
            .await
            .expect("look for the template");
    if !exists {
        let building = format!("{template}_building");
        sqlx::query(&format!(
            "drop database if exists {}",
            quote_ident(&building)
        ))
        .execute(&mut admin)
        .await
        .expect("drop");
        sqlx::query(&format!("create database {}", quote_ident(&building)))
            .execute(&mut admin)
            .await
            .expect("create");
        let pool = leitstand::db::pool(server.clone().database(&building), 1)
            .await
            .expect("connect to the template");
        leitstand::db::migrate(&pool)
            .await
            .expect("migrate the template");
        pool.close().await;
        sqlx::query(&format!(
            "alter database {} rename to {}",
            quote_ident(&building),
            quote_ident(&template)
        ))
        .execute(&mut admin)
        .await
        .expect("rename the template");
    }
    sqlx::query("select pg_advisory_unlock(4242)")
        .execute(&mut admin)
        .await
        .expect("unlock");
    template
}

/// A fresh, migrated database for one test.
pub async fn fresh_database() -> PgConnectOptions {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let shared = shared().await;
    let name = format!(
        "lt_test_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = PgConnection::connect_with(&shared.server.clone().database("postgres"))
        .await
        .expect("connect");
    sqlx::query(&format!(
        "drop database if exists {} with (force)",
        quote_ident(&name)
    ))
    .execute(&mut admin)
    .await
    .expect("drop");
    sqlx::query(&format!(
        "create database {} template {}",
        quote_ident(&name),
        quote_ident(&shared.template)
    ))
    .execute(&mut admin)
    .await
    .expect("create the test database");
    admin.close().await.expect("close");
    shared.server.clone().database(&name)
}

/// Runs `change` with the database's triggers off, so nothing announces it (`LISTEN/NOTIFY`):
/// a change a cache in the server cannot know of.
pub async fn unannounced(conn: &mut PgConnection, change: &str) {
    for sql in [
        "set session_replication_role = replica",
        change,
        "set session_replication_role = origin",
    ] {
        sqlx::query(sql).execute(&mut *conn).await.expect(sql);
    }
}
