//! Command line and settings: one clap struct; every flag can also come from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Leitstand: an ITIL service desk for incident and problem management.
#[derive(Debug, Parser)]
#[command(name = "leitstand", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Log format: `text` for people, `json` for log collectors.
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Args)]
pub struct DatabaseArgs {
    /// PostgreSQL to use, e.g. `postgres://leitstand@db.example/leitstand`; the database is
    /// created if missing and the role may. Unset: a private cluster in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,

    /// Where the private PostgreSQL cluster lives when `DATABASE_URL` is unset; made on first start.
    #[arg(
        long,
        env = "LEITSTAND_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Database connections per process. Keep the sum over all processes below the
    /// server's `max_connections`.
    #[arg(long, env = "LEITSTAND_DB_POOL", default_value_t = 10, global = true)]
    pub db_pool: u32,
}

/// Never shows the password of `DATABASE_URL`.
impl std::fmt::Debug for DatabaseArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseArgs")
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("data_dir", &self.data_dir)
            .field("db_pool", &self.db_pool)
            .finish()
    }
}

/// A connection URL with its password replaced by `***`, for logs and `Debug`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // The user information ends at the last `@` before the host.
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve the web pages and the JSON API.
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Fill the database with realistic demo data (German and English incidents, problems,
    /// known errors, groups, agents, callers and service levels).
    Demo(DemoArgs),
    /// Read one e-mail (RFC 5322) on stdin into a mailbox, for an MTA's pipe (Postfix
    /// `pipe`, Exim `pipe`, procmail). Exits 75 (`EX_TEMPFAIL`) when the database is away, so
    /// the MTA retries; 65 for a message over 25 MB and 67 for an unknown mailbox, which the
    /// MTA bounces with the line printed.
    Mailgate {
        /// The mailbox's key (`/admin/mailboxes`).
        #[arg(long, default_value = "default")]
        mailbox: String,
        #[command(flatten)]
        attachments: AttachmentArgs,
    },
    /// Service insight's facts (the figures of docs/metrics.md are counted from them).
    Insight {
        #[command(subcommand)]
        command: InsightCommand,
    },
    /// Print the query plans of the queue, search, incident and suggestion queries on this
    /// database (EXPLAIN ANALYZE); fails when one reads a whole table of incidents, requests or journal entries.
    Explain,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// How many incidents to create (0: only requests, to add them to earlier demo data).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=20_000_000))]
    pub incidents: u64,

    /// How many requests to add to the history (default: one per five incidents); a few
    /// hundred more are made through the service, in every state.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=5_000_000))]
    pub requests: Option<u64>,

    /// How many problems to create (default: one per 200 incidents).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub problems: Option<u64>,

    /// The seed: the same seed and sizes give the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,

    /// Add demo data even when the database holds other data.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each is a switch of its own, a flag and an environment variable"
)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "LEITSTAND_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Mark the session cookie `Secure`; set when users reach Leitstand over HTTPS.
    #[arg(long, env = "LEITSTAND_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Origins allowed to post forms besides the request's own host, e.g.
    /// `https://desk.example.com` when a proxy rewrites `Host`. Comma-separated.
    #[arg(long, env = "LEITSTAND_TRUSTED_ORIGINS", value_delimiter = ',')]
    pub trusted_origins: Vec<String>,

    /// Take the client address for rate limiting from `X-Forwarded-For` (only behind a proxy
    /// that sets it).
    #[arg(long, env = "LEITSTAND_TRUST_PROXY")]
    pub trust_proxy: bool,

    /// A bearer token that `/metrics` asks for (`Authorization: Bearer <token>`); without it
    /// `/metrics` is open to anyone who reaches the server.
    #[arg(long, env = "LEITSTAND_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Group write scope: agents and problem managers change only incidents of their own
    /// groups (or of no group yet); reads are unchanged. Admins are not limited.
    #[arg(long, env = "LEITSTAND_GROUP_WRITE_SCOPE")]
    pub group_write_scope: bool,

    /// Working days (of the record's service-level calendar, 24×7 without one) after which a
    /// resolved incident or a fulfilled request that nobody reopened closes by itself; 0
    /// never closes one.
    #[arg(long, env = "LEITSTAND_AUTO_CLOSE_DAYS", default_value_t = 5)]
    pub auto_close_days: u32,

    /// Whether this process keeps service insight's facts current, folding each incident as
    /// its events arrive (one process folds at a time). `false` leaves it to the other `serve`
    /// processes; with none folding, the figures lag until `leitstand insight rebuild`.
    #[arg(long, env = "LEITSTAND_INSIGHT_FOLD", default_value_t = true, action = clap::ArgAction::Set)]
    pub insight_fold: bool,

    /// A PostgreSQL streaming replica of `DATABASE_URL` that service insight's figures are
    /// read from (dashboard, breakdowns, value stream, problem yield), so heavy views do not
    /// load the primary. Everything else, and every write, goes to the primary; when the
    /// replica does not answer, insight reads go to the primary too.
    #[arg(long, env = "LEITSTAND_READ_DATABASE_URL", hide_env_values = true)]
    pub read_database_url: Option<String>,

    /// Private, loopback or link-local addresses webhook deliveries may reach after all, as
    /// addresses or networks (`10.1.0.0/16,127.0.0.1`). Public addresses need no entry; cloud
    /// metadata addresses (169.254.169.254) are refused unless named here.
    #[arg(long, env = "LEITSTAND_WEBHOOK_ALLOW", value_delimiter = ',', value_parser = parse_network)]
    pub webhook_allow: Vec<crate::domain::webhook::Network>,

    /// The SMTP server notifications go through, e.g. `smtp://mail.example.com:587?tls=required`
    /// or `smtps://user:password@mail.example.com`; unset: no mail is sent (and none made).
    #[arg(long, env = "LEITSTAND_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The From address of notifications, e.g. `Service Desk <servicedesk@example.com>`:
    /// replies to it should reach a mailbox (`leitstand mailgate`).
    #[arg(
        long,
        env = "LEITSTAND_MAIL_FROM",
        default_value = "Leitstand <leitstand@localhost>"
    )]
    pub mail_from: String,

    /// The address people reach Leitstand at, for links in mails, e.g.
    /// `https://desk.example.com`.
    #[arg(long, env = "LEITSTAND_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Certificates (PEM) to trust besides the system's when fetching mail over IMAP: the
    /// CA of a desk's own mail server.
    #[arg(long, env = "LEITSTAND_IMAP_CA")]
    pub imap_ca: Option<std::path::PathBuf>,

    /// Seconds a webhook receiver has to answer.
    #[arg(long, env = "LEITSTAND_WEBHOOK_TIMEOUT", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=60))]
    pub webhook_timeout: u64,

    #[command(flatten)]
    pub attachments: AttachmentArgs,
}

/// Where attachments are kept and how large they may be (`serve` and `mailgate` alike).
#[derive(Debug, Clone, Args)]
pub struct AttachmentArgs {
    /// A directory for attachments' content (one file per content, under its SHA-256);
    /// unset: in PostgreSQL, with everything else. Content already stored stays where it is.
    #[arg(
        long,
        env = "LEITSTAND_ATTACHMENT_DIR",
        conflicts_with = "attachment_s3"
    )]
    pub attachment_dir: Option<std::path::PathBuf>,

    /// An S3-compatible bucket for attachments' content, `s3://bucket/prefix`, reached with
    /// the standard AWS variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// and `AWS_ENDPOINT` with `AWS_ALLOW_HTTP` for `MinIO` and the like).
    #[arg(long, env = "LEITSTAND_ATTACHMENT_S3", value_parser = parse_bucket)]
    pub attachment_s3: Option<crate::store::bucket::Bucket>,

    /// clamd, to scan every file for viruses: `unix:/run/clamav/clamd.ctl` or `host:3310`.
    /// Its `StreamMaxLength` must be at least the largest file.
    #[arg(long, env = "LEITSTAND_CLAMD")]
    pub clamd: Option<crate::domain::attachment::ClamdAddress>,

    /// Serve no file clamd has not called clean (none while it is pending, or clamd is down).
    #[arg(long, env = "LEITSTAND_CLAMD_FAIL_CLOSED", requires = "clamd")]
    pub clamd_fail_closed: bool,

    /// The largest file, in MB.
    #[arg(long, env = "LEITSTAND_ATTACHMENT_MAX_FILE_MB", default_value_t = 25,
          value_parser = clap::value_parser!(u64).range(1..=10_240))]
    pub attachment_max_file_mb: u64,

    /// The most all files of one comment (or mail) may take together, in MB.
    #[arg(long, env = "LEITSTAND_ATTACHMENT_MAX_COMMENT_MB", default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(1..=10_240))]
    pub attachment_max_comment_mb: u64,

    /// The most all files of one record may take together, in MB.
    #[arg(long, env = "LEITSTAND_ATTACHMENT_MAX_RECORD_MB", default_value_t = 200,
          value_parser = clap::value_parser!(u64).range(1..=102_400))]
    pub attachment_max_record_mb: u64,
}

impl AttachmentArgs {
    pub fn storage(&self) -> crate::store::attachments::Storage {
        const MB: u64 = 1024 * 1024;
        crate::store::attachments::Storage {
            store: match (&self.attachment_dir, &self.attachment_s3) {
                (Some(dir), _) => crate::store::attachments::BlobStore::Directory(dir.clone()),
                (None, Some(bucket)) => {
                    crate::store::attachments::BlobStore::Bucket(bucket.clone())
                }
                (None, None) => crate::store::attachments::BlobStore::Database,
            },
            scanner: self
                .clamd
                .clone()
                .map(|clamd| crate::domain::attachment::Scanner {
                    clamd,
                    fail_closed: self.clamd_fail_closed,
                }),
            limits: crate::domain::attachment::Limits {
                file: self.attachment_max_file_mb * MB,
                comment: self.attachment_max_comment_mb * MB,
                record: self.attachment_max_record_mb * MB,
            },
        }
    }
}

fn parse_bucket(text: &str) -> Result<crate::store::bucket::Bucket, String> {
    crate::store::bucket::Bucket::from_env(text).map_err(|e| e.to_string())
}

fn parse_network(text: &str) -> Result<crate::domain::webhook::Network, String> {
    text.parse()
}

impl ServeArgs {
    /// The settings of `leitstand` without a subcommand: parsed exactly as `leitstand serve`
    /// with no flags, so every environment variable applies the same way to both forms.
    pub fn from_environment() -> Result<Self, clap::Error> {
        match Cli::try_parse_from(["leitstand", "serve"])?.command {
            Some(Command::Serve(args)) => Ok(*args),
            _ => unreachable!("`serve` parses as the serve command"),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (the first admin, for instance).
    Create {
        /// E-mail address; also the sign-in name.
        #[arg(long)]
        email: String,
        /// Full name as others see it.
        #[arg(long)]
        name: String,
        /// viewer, agent, `problem_manager` or admin.
        #[arg(long)]
        role: String,
        /// Password for browser sign-in (at least 12 characters). Without it the user works
        /// through API tokens only.
        #[arg(long, env = "LEITSTAND_PASSWORD", hide_env_values = true)]
        password: Option<String>,
        /// Language of the pages: en or de.
        #[arg(long, default_value = "en")]
        locale: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it once (last line of the output).
    Create {
        /// E-mail of the user the token acts as.
        #[arg(long)]
        email: String,
        /// What the token is for, e.g. `monitoring`.
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum InsightCommand {
    /// Fold every incident's journal into the facts afresh, with a progress bar. The server
    /// keeps them current by itself; this is for after a restore, or to prove the figures.
    Rebuild,
    /// Fold every incident afresh beside the kept facts and count the rows that differ;
    /// exits 1 when any do (run it while the desk is at rest).
    Check,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn passwords_in_database_urls_are_never_shown() {
        assert_eq!(
            redact_url("postgres://leitstand:s3cr3t@db.example:5432/desk?sslmode=require"),
            "postgres://leitstand:***@db.example:5432/desk?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://a:p@ss@db/x"),
            "postgres://a:***@db/x"
        );
        assert_eq!(
            redact_url("postgres://leitstand@db/x"),
            "postgres://leitstand@db/x"
        );
        let cli = Cli::try_parse_from([
            "leitstand",
            "--database-url",
            "postgres://u:hunter2@db/x",
            "migrate",
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn serve_is_the_default_and_bind_has_a_default() {
        let cli = Cli::try_parse_from(["leitstand"]).unwrap();
        assert!(cli.command.is_none());
        let cli = Cli::try_parse_from(["leitstand", "serve", "--bind", "0.0.0.0:9000"]).unwrap();
        let Some(Command::Serve(args)) = cli.command else {
            panic!("serve")
        };
        assert_eq!(args.bind.port(), 9000);
    }
}
