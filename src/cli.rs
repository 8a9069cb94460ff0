//! The subcommands. Each locates the database (private cluster or `DATABASE_URL`), does its
//! work through the same service functions as the API, and reports errors in one line.

use anyhow::Context;

use crate::config::{Cli, Command, ServeArgs, TokenCommand, UserCommand};
use crate::db::Database;
use crate::domain::Locale;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::service;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    // `leitstand` alone serves with the same settings (flags and environment) as `serve`.
    let command = match cli.command {
        Some(command) => command,
        None => Command::Serve(ServeArgs::from_environment()?),
    };
    let database =
        Database::locate(cli.database.database_url.as_deref(), &cli.database.data_dir).await?;
    let result = run_command(command, &database, cli.database.db_pool).await;
    // A private cluster started for a one-off command is stopped again; `serve` always stops
    // the cluster it ran on.
    let owns_cluster = matches!(result, Ok(true)) || database.started_here();
    if owns_cluster {
        database
            .shutdown()
            .await
            .context("while stopping the private cluster")?;
    }
    result.map(|_| ())
}

/// Runs one command; `Ok(true)` when it was `serve`.
async fn run_command(command: Command, database: &Database, db_pool: u32) -> anyhow::Result<bool> {
    match command {
        Command::Serve(args) => {
            let pool = database.connect(db_pool).await?;
            crate::app::serve(pool, args).await?;
            Ok(true)
        }
        Command::Migrate => {
            database.connect(1).await?;
            tracing::info!("migrations applied");
            Ok(false)
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    name,
                    role,
                    password,
                    locale,
                },
        } => {
            let pool = database.connect(2).await?;
            let input = service::users::UserInput {
                email: Some(email),
                name: Some(name),
                role: Some(role),
                password,
                locale: Some(locale),
                ..Default::default()
            };
            let user = service::users::create_as_operator(&pool, input)
                .await
                .map_err(describe)?;
            tracing::info!(user.email = %user.email, user.role = %user.role, "created the user");
            Ok(false)
        }
        Command::Token {
            command: TokenCommand::Create { email, name },
        } => {
            let pool = database.connect(2).await?;
            let token = service::auth::create_token_as_operator(&pool, &email, &name)
                .await
                .map_err(describe)?;
            print_token(&token.secret);
            Ok(false)
        }
        Command::Explain => {
            let pool = database.connect(1).await?;
            let mut conn = pool.acquire().await?;
            let plans = crate::store::plans::hot_queries(&mut conn).await?;
            let scanning: Vec<&str> = plans
                .iter()
                .filter(|p| p.scans_records())
                .map(|p| p.name.as_str())
                .collect();
            print_plans(&plans);
            if !scanning.is_empty() {
                anyhow::bail!(
                    "these queries read a whole table of records: {}",
                    scanning.join("; ")
                );
            }
            Ok(false)
        }
        Command::Demo(args) => {
            let pool = database.connect(2).await?;
            let options = crate::demo::Options {
                incidents: args.incidents,
                problems: args.problems,
                requests: args.requests,
                seed: args.seed,
                force: args.force,
                until: jiff::Timestamp::now(),
            };
            let summary = crate::demo::run(&pool, &options).await?;
            tracing::info!(
                incidents = summary.incidents,
                problems = summary.problems,
                journal_entries = summary.journal_entries,
                users = summary.users,
                requests = summary.requests,
                seconds = format!("{:.1}", summary.seconds),
                "demo data loaded; sign in as {} with the password {}",
                crate::demo::ADMIN,
                crate::demo::PASSWORD
            );
            Ok(false)
        }
    }
}

#[expect(
    clippy::print_stdout,
    reason = "the token is the command's output, shown this once"
)]
fn print_token(secret: &str) {
    println!("API token (shown once; it cannot be retrieved later):");
    println!("{secret}");
}

#[expect(clippy::print_stdout, reason = "the plans are the command's output")]
fn print_plans(plans: &[crate::store::plans::Plan]) {
    for plan in plans {
        println!("== {}", plan.name);
        for line in &plan.lines {
            println!("{line}");
        }
        println!();
    }
}

/// One line for the operator: every invalid field with its message.
fn describe(error: AppError) -> anyhow::Error {
    let tr = Tr::new(Locale::En);
    match &error {
        AppError::Validation(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.field, tr.t(f.key).trim_end_matches('.')))
                .collect();
            anyhow::anyhow!("{}", parts.join("; "))
        }
        AppError::Conflict(key) => anyhow::anyhow!("{}", tr.t(key)),
        AppError::NotFound => anyhow::anyhow!("{}", tr.t("error.unknown_user")),
        _ => anyhow::Error::new(error),
    }
}
