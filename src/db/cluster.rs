//! A private PostgreSQL cluster for machines that have the PostgreSQL programs but no server
//! to point `DATABASE_URL` at: `initdb` on first use, started listening only on a Unix socket
//! inside the data directory (no TCP port to collide with), stopped on shutdown, reused on the
//! next start.
//!
//! `initdb` and `postgres` refuse to run as root, so when we are root they run as the
//! `postgres` system user, who is given the cluster directory. When that user cannot reach the
//! data directory (a clone in root's home, or any 0700 directory), the cluster lives in a
//! directory of its own under `/var/lib/leitstand/`, named after the data directory's path;
//! the user's directories keep their permissions. Everything here is blocking
//! (it runs child programs): call it from `spawn_blocking` or before serving.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context, bail};
use sqlx::postgres::PgConnectOptions;

/// The superuser `initdb` creates in a private cluster.
const SUPERUSER: &str = "postgres";
/// The longest Unix socket path the kernel accepts is 107 bytes.
const MAX_SOCKET_PATH: usize = 100;

/// Server settings for a cluster whose data may be thrown away (tests): no fsync.
pub const THROWAWAY_SETTINGS: &[&str] = &[
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
];

/// Where root keeps the clusters of data directories the `postgres` user cannot reach.
pub const SYSTEM_CLUSTERS: &str = "/var/lib/leitstand";

/// What the user is told when no PostgreSQL programs are installed.
pub const INSTALL_HINT: &str = "no PostgreSQL programs found (looked for `pg_config --bindir`, \
/usr/lib/postgresql/*/bin and initdb/pg_ctl on PATH). Install them (Debian/Ubuntu: \
`apt-get install postgresql`) or set DATABASE_URL to an existing PostgreSQL server";

/// A cluster directory with a running server, or one that can be started.
#[derive(Debug, Clone)]
pub struct PrivateCluster {
    bindir: PathBuf,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    /// uid and gid to run the server as, when we are root.
    run_as: Option<(u32, u32)>,
}

impl PrivateCluster {
    /// Prepares the cluster in `data_dir` (created if missing; the cluster itself lives in
    /// `data_dir/pg`), running `initdb` when it does not exist yet. Does not start it.
    pub fn prepare(data_dir: &Path) -> anyhow::Result<Self> {
        let cluster = Self::at(data_dir)?;
        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.initdb()?;
        }
        Ok(cluster)
    }

    /// A streaming replica of this running cluster in `data_dir` (its cluster in
    /// `data_dir/pg`), copied with `pg_basebackup` when it does not exist yet, set up to
    /// follow this one (`standby.signal`, `primary_conninfo`). Does not start it.
    pub fn replica(&self, data_dir: &Path) -> anyhow::Result<Self> {
        let replica = Self::at(data_dir)?;
        if !replica.pgdata.join("PG_VERSION").exists() {
            self.fill(
                &replica.pgdata,
                "pg_basebackup",
                &[
                    OsStr::new("--host"),
                    self.socket_dir.as_os_str(),
                    OsStr::new("--username"),
                    OsStr::new(SUPERUSER),
                    OsStr::new("--wal-method=stream"),
                    OsStr::new("--write-recovery-conf"),
                    OsStr::new("--checkpoint=fast"),
                ],
            )?;
            // The primary's socket lives in its directory (`socket_dir_for`): its lock file was
            // copied, and would stop the replica from opening its own socket.
            for entry in fs::read_dir(&replica.pgdata)? {
                let path = entry?.path();
                let name = path.file_name().and_then(OsStr::to_str).unwrap_or_default();
                if name.starts_with(".s.PGSQL.")
                    && path
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("lock"))
                {
                    fs::remove_file(&path)?;
                }
            }
        }
        Ok(replica)
    }

    /// The cluster directory of `data_dir`, made and given to the server user as needed;
    /// nothing is run.
    fn at(data_dir: &Path) -> anyhow::Result<Self> {
        let bindir = find_bindir().context(INSTALL_HINT)?;
        fs::create_dir_all(data_dir).with_context(|| {
            format!("could not create the data directory {}", data_dir.display())
        })?;
        let data_dir = data_dir.canonicalize().with_context(|| {
            format!(
                "could not resolve the data directory {}",
                data_dir.display()
            )
        })?;
        let run_as = if is_root()? {
            Some(unprivileged_user()?)
        } else {
            None
        };
        let pgdata = match run_as {
            Some((uid, gid)) if !reachable_by(uid, gid, &data_dir) => {
                let home = system_home_for(&data_dir);
                fs::create_dir_all(&home)
                    .with_context(|| format!("could not create {}", home.display()))?;
                fs::set_permissions(SYSTEM_CLUSTERS, fs::Permissions::from_mode(0o755))?;
                fs::set_permissions(&home, fs::Permissions::from_mode(0o700))?;
                std::os::unix::fs::chown(&home, Some(uid), Some(gid)).with_context(|| {
                    format!("could not give {} to the postgres user", home.display())
                })?;
                tracing::info!(
                    data_dir = %data_dir.display(),
                    cluster = %home.display(),
                    "the postgres user cannot reach the data directory; the private cluster lives in {}",
                    home.display()
                );
                home.join("pg")
            }
            _ => data_dir.join("pg"),
        };
        let socket_dir = socket_dir_for(&pgdata);
        let cluster = Self {
            bindir,
            pgdata,
            socket_dir,
            run_as,
        };
        if let Some((uid, gid)) = run_as {
            check_reachable_by(uid, gid, cluster.pgdata.parent().unwrap_or(&data_dir))?;
        }
        Ok(cluster)
    }

    /// Where the cluster's files are.
    pub fn pgdata(&self) -> &Path {
        &self.pgdata
    }

    /// Whether a server is running on this cluster (ours, or left by an earlier run).
    pub fn is_running(&self) -> bool {
        self.pg_ctl(["status"])
            .is_ok_and(|out| out.status.success())
    }

    /// Starts the server unless it is already running; `settings` are extra `name=value`
    /// server settings. Returns whether this call started it.
    pub fn start(&self, settings: &[&str]) -> anyhow::Result<bool> {
        if self.is_running() {
            return Ok(false);
        }
        fs::create_dir_all(&self.socket_dir)?;
        self.give_to_server_user(&self.socket_dir)?;
        let mut options = format!(
            "-c listen_addresses='' -k {} -c unix_socket_permissions=0700",
            self.socket_dir.display()
        );
        for setting in settings {
            options.push_str(" -c ");
            options.push_str(setting);
        }
        let log = self.pgdata.join("server.log");
        let out = self.pg_ctl([
            OsStr::new("start"),
            OsStr::new("--wait"),
            OsStr::new("--timeout=120"),
            OsStr::new("--log"),
            log.as_os_str(),
            OsStr::new("-o"),
            OsStr::new(&options),
        ])?;
        if !out.status.success() {
            let server_log = fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = server_log.lines().rev().take(15).collect();
            bail!(
                "could not start the private PostgreSQL cluster in {}: {}\n{}",
                self.pgdata.display(),
                String::from_utf8_lossy(&out.stderr).trim(),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        Ok(true)
    }

    /// Stops the server (fast shutdown: open sessions are ended, committed data is kept).
    pub fn stop(&self) -> anyhow::Result<()> {
        if !self.is_running() {
            return Ok(());
        }
        let out = self.pg_ctl(["stop", "--wait", "--mode=fast"])?;
        if !out.status.success() {
            bail!(
                "could not stop the private PostgreSQL cluster: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    /// Connection options for `database` on this cluster, over its Unix socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .username(SUPERUSER)
            .database(database)
    }

    /// The `pg_ctl` program of this installation, for callers that stop the server themselves.
    pub fn pg_ctl_path(&self) -> PathBuf {
        self.bindir.join("pg_ctl")
    }

    /// The user the server runs as, when that is not us.
    pub fn server_user(&self) -> Option<(u32, u32)> {
        self.run_as
    }

    fn initdb(&self) -> anyhow::Result<()> {
        self.fill(
            &self.pgdata,
            "initdb",
            &[
                OsStr::new("--username"),
                OsStr::new(SUPERUSER),
                OsStr::new("--auth=trust"),
                OsStr::new("--encoding=UTF8"),
                OsStr::new("--no-locale"),
            ],
        )
    }

    /// Runs `program` (`initdb`, `pg_basebackup`) with `--pgdata pgdata` and `args` to make a
    /// cluster there, in a directory made for the server user. On failure nothing half-made
    /// is left behind: the next start would take it for a real cluster.
    fn fill(&self, pgdata: &Path, program: &str, args: &[&OsStr]) -> anyhow::Result<()> {
        fs::create_dir_all(pgdata)?;
        fs::set_permissions(pgdata, fs::Permissions::from_mode(0o700))?;
        self.give_to_server_user(pgdata)?;
        let out = self
            .command(program)
            .arg("--pgdata")
            .arg(pgdata)
            .args(args)
            .output()
            .with_context(|| format!("could not run {program}"))?;
        if !out.status.success() {
            let _ = fs::remove_dir_all(pgdata);
            bail!(
                "{program} failed for {}: {}",
                pgdata.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }

    fn pg_ctl<I, S>(&self, args: I) -> anyhow::Result<Output>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command("pg_ctl")
            .arg("--pgdata")
            .arg(&self.pgdata)
            .args(args)
            .output()
            .context("could not run pg_ctl")
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bindir.join(program));
        // The server user may not be able to enter our working directory.
        command.current_dir("/");
        command.env_remove("PGDATA");
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid).gid(gid);
        }
        command
    }

    fn give_to_server_user(&self, path: &Path) -> anyhow::Result<()> {
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(path, Some(uid), Some(gid)).with_context(|| {
                format!("could not give {} to the postgres user", path.display())
            })?;
        }
        Ok(())
    }
}

/// The directory under `/var/lib/leitstand` for the cluster of `data_dir` (a canonical path):
/// its path as a readable name, with a hash so that two paths never share one.
pub fn system_home_for(data_dir: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut hasher);
    let readable: String = data_dir
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let tail: String = readable
        .chars()
        .rev()
        .take(32)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Path::new(SYSTEM_CLUSTERS).join(format!(
        "{}-{:08x}",
        tail.trim_start_matches('-'),
        hasher.finish() & 0xffff_ffff
    ))
}

/// Whether the user can enter `dir` (and so every directory above it).
fn reachable_by(uid: u32, gid: u32, dir: &Path) -> bool {
    Command::new("test")
        .arg("-x")
        .arg(dir)
        .current_dir("/")
        .uid(uid)
        .gid(gid)
        .status()
        .is_ok_and(|s| s.success())
}

fn check_reachable_by(uid: u32, gid: u32, dir: &Path) -> anyhow::Result<()> {
    if !reachable_by(uid, gid, dir) {
        bail!(
            "the PostgreSQL server must run as the unprivileged `postgres` user, who cannot \
             reach {}; set LEITSTAND_DATA_DIR to a directory it can reach (for example under \
             /var/lib/leitstand), or set DATABASE_URL",
            dir.display()
        );
    }
    Ok(())
}

/// The directory holding the PostgreSQL server programs: `pg_config --bindir`, else the
/// newest `/usr/lib/postgresql/*/bin`, else where `initdb` on `PATH` really lives.
fn find_bindir() -> Option<PathBuf> {
    let pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    find_bindir_in(
        pg_config,
        Path::new("/usr/lib/postgresql"),
        std::env::var_os("PATH"),
    )
}

fn find_bindir_in(
    pg_config: Option<PathBuf>,
    lib_root: &Path,
    path: Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    let has_programs = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = pg_config.filter(|dir| has_programs(dir)) {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(lib_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let dir = entry.path().join("bin");
            has_programs(&dir).then_some((version, dir))
        })
        .collect();
    versions.sort();
    if let Some((_, dir)) = versions.pop() {
        return Some(dir);
    }
    std::env::split_paths(&path?).find_map(|dir| {
        let initdb = dir.join("initdb").canonicalize().ok()?;
        let real_dir = initdb.parent()?.to_path_buf();
        has_programs(&real_dir).then_some(real_dir)
    })
}

/// The socket lives in the cluster directory unless that path is too long for a socket.
fn socket_dir_for(pgdata: &Path) -> PathBuf {
    use std::hash::{Hash, Hasher};
    if pgdata.as_os_str().len() + "/.s.PGSQL.5432".len() <= MAX_SOCKET_PATH {
        return pgdata.to_path_buf();
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    pgdata.hash(&mut hasher);
    std::env::temp_dir().join(format!("leitstand-pg-{:016x}", hasher.finish()))
}

fn is_root() -> anyhow::Result<bool> {
    Ok(id(&["-u"])? == 0)
}

/// The `postgres` system user's uid and gid.
fn unprivileged_user() -> anyhow::Result<(u32, u32)> {
    let uid = id(&["-u", SUPERUSER]).context(
        "running as root, but there is no `postgres` system user to run PostgreSQL as; \
         create one (`adduser --system --group postgres`) or set DATABASE_URL",
    )?;
    Ok((uid, id(&["-g", SUPERUSER])?))
}

fn id(args: &[&str]) -> anyhow::Result<u32> {
    let out = Command::new("id")
        .args(args)
        .output()
        .context("could not run `id`")?;
    if !out.status.success() {
        bail!(
            "`id {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .context("`id` printed something that is not a number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_installed_postgresql_is_found_and_none_is_reported() {
        let root = std::env::temp_dir().join(format!("leitstand-bindir-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let lib = root.join("lib");
        assert_eq!(find_bindir_in(None, &lib, None), None, "nothing installed");
        for version in ["13", "15", "9"] {
            let bin = lib.join(version).join("bin");
            fs::create_dir_all(&bin).unwrap();
            for program in ["initdb", "pg_ctl"] {
                fs::write(bin.join(program), "").unwrap();
            }
        }
        fs::create_dir_all(lib.join("16").join("bin")).unwrap(); // no programs in it
        assert_eq!(
            find_bindir_in(None, &lib, None),
            Some(lib.join("15").join("bin"))
        );

        // Only on PATH, through a symlink as Debian's wrappers are.
        let on_path = root.join("path");
        fs::create_dir_all(&on_path).unwrap();
        std::os::unix::fs::symlink(
            lib.join("13").join("bin").join("initdb"),
            on_path.join("initdb"),
        )
        .unwrap();
        let real = lib.join("13").join("bin").canonicalize().unwrap();
        assert_eq!(
            find_bindir_in(None, &root.join("none"), Some(on_path.into_os_string())),
            Some(real)
        );
        fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_long_cluster_path_gets_its_socket_in_the_temp_dir() {
        let long = PathBuf::from(format!("/{}/pg", "x".repeat(120)));
        let dir = socket_dir_for(&long);
        assert!(dir.starts_with(std::env::temp_dir()));
        assert_eq!(
            dir,
            socket_dir_for(&long),
            "the same cluster always gets the same socket dir"
        );
        assert_eq!(
            socket_dir_for(Path::new("/srv/leitstand/pg")),
            PathBuf::from("/srv/leitstand/pg")
        );
    }
}
