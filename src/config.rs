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

#[derive(Debug, Clone, Args)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply migrations, then serve the web pages and the JSON API.
    Serve(ServeArgs),
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
    /// Print the query plans of the queue, search, incident and suggestion queries on this
    /// database (EXPLAIN ANALYZE); fails when one reads the whole incident table.
    Explain,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// How many incidents to create.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=20_000_000))]
    pub incidents: u64,

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
}

impl Default for ServeArgs {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: false,
            trusted_origins: Vec::new(),
            trust_proxy: false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
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
