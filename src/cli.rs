//! The subcommands. Each locates the database (private cluster or `DATABASE_URL`), does its
//! work through the same service functions as the API, and reports errors in one line.

use anyhow::Context;

use crate::config::{Cli, Command, InsightCommand, ServeArgs, TokenCommand, UserCommand};
use crate::db::Database;
use crate::domain::Locale;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::service;

/// A command's exit status other than 1, with the line to print (`leitstand mailgate`
/// speaks `sysexits.h` to the MTA).
#[derive(Debug)]
pub struct ExitStatus {
    pub code: u8,
    pub message: String,
}

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExitStatus {}

/// `sysexits.h`: the input was bad (too large).
const EX_DATAERR: u8 = 65;
/// `sysexits.h`: no such recipient (mailbox).
const EX_NOUSER: u8 = 67;
/// `sysexits.h`: try again later.
const EX_TEMPFAIL: u8 = 75;

/// `leitstand mailgate`: the message from stdin into the mailbox. Everything that a retry can
/// cure (no database, a dropped connection) is `EX_TEMPFAIL`, so the MTA keeps the message.
async fn mailgate(
    cli: &Cli,
    mailbox: &str,
    attachments: &crate::config::AttachmentArgs,
) -> anyhow::Result<()> {
    use tokio::io::AsyncReadExt;
    let limit = service::mail::MAX_MESSAGE;
    let mut raw = Vec::new();
    tokio::io::stdin()
        .take(u64::try_from(limit).unwrap_or(u64::MAX) + 1)
        .read_to_end(&mut raw)
        .await
        .map_err(|e| exit(EX_TEMPFAIL, format!("could not read the message: {e}")))?;
    if raw.len() > limit {
        return Err(exit(
            EX_DATAERR,
            "the message is larger than 25 MB, the most Leitstand takes; send large files another way".to_owned(),
        ));
    }
    let temporary = |e: anyhow::Error| {
        exit(
            EX_TEMPFAIL,
            format!("{e:#}; the MTA should try again later"),
        )
    };
    let database = Database::locate(cli.database.database_url.as_deref(), &cli.database.data_dir)
        .await
        .map_err(temporary)?;
    let pool = database.connect(2).await.map_err(temporary)?;
    let db = crate::db::Db::new(pool).with_storage(attachments.storage());
    let result = service::mail::receive(&db, mailbox, service::mail::Via::Mailgate, &raw).await;
    if database.started_here() {
        database.shutdown().await.ok();
    }
    match result {
        Ok(message) => {
            tracing::info!(mail.id = message.id, mail.state = %message.state, mail.duplicate = message.duplicate,
                record = message.record.as_deref().unwrap_or("-"), "mail received");
            Ok(())
        }
        Err(AppError::Validation(_)) => Err(exit(
            EX_NOUSER,
            format!("there is no enabled mailbox {mailbox} (see /admin/mailboxes)"),
        )),
        Err(AppError::MailTooLarge) => Err(exit(
            EX_DATAERR,
            "the message is larger than 25 MB".to_owned(),
        )),
        Err(other) => Err(exit(
            EX_TEMPFAIL,
            format!("{other}; the MTA should try again later"),
        )),
    }
}

fn exit(code: u8, message: String) -> anyhow::Error {
    anyhow::Error::new(ExitStatus { code, message })
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Mailgate {
        mailbox,
        attachments,
    }) = &cli.command
    {
        return mailgate(&cli, mailbox, attachments).await;
    }
    // `leitstand` alone serves with the same settings (flags and environment) as `serve`.
    let command = match cli.command {
        Some(command) => command,
        None => Command::Serve(Box::new(ServeArgs::from_environment()?)),
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
            crate::app::serve(pool, *args).await?;
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
        Command::Mailgate { .. } => unreachable!("mailgate runs before the database is located"),
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
        Command::Insight { command } => {
            let pool = database.connect(3).await?;
            insight(&pool, command).await?;
            Ok(false)
        }
        Command::Demo(args) => {
            let pool = database.connect(3).await?;
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
            // The demo's history went in without the outbox: its figures are folded now.
            insight(&pool, InsightCommand::Rebuild).await?;
            Ok(false)
        }
    }
}

/// `leitstand insight rebuild | check`.
async fn insight(pool: &sqlx::PgPool, command: InsightCommand) -> anyhow::Result<()> {
    use service::insight::facts;
    match command {
        InsightCommand::Rebuild => {
            let total = facts::incident_count(pool).await?;
            let progress = crate::demo::Progress::new("insight", total);
            let rebuilt = facts::rebuild(pool, &|n| progress.advance(n)).await?;
            progress.finish();
            tracing::info!(
                incidents = rebuilt.incidents,
                seconds = format!("{:.1}", rebuilt.seconds),
                "insight facts rebuilt from the journal"
            );
            // The days the new facts count on were marked: summed up now, not by the worker.
            let started = std::time::Instant::now();
            let days = service::insight::rollups::pending_days(pool).await?;
            let progress = crate::demo::Progress::new("insight days", days);
            // Two at once: each takes other days.
            let advance = |n| progress.advance(n);
            let (some, others) = tokio::try_join!(
                service::insight::rollups::roll_up(pool, None, &advance),
                service::insight::rollups::roll_up(pool, None, &advance)
            )?;
            let days = some + others;
            progress.finish();
            tracing::info!(
                days,
                seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
                "insight rollups summed up"
            );
        }
        InsightCommand::Check => {
            let differences = facts::check(pool).await?;
            for (table, differing) in &differences.tables {
                tracing::info!(table, differing, "compared with facts folded afresh");
            }
            if !differences.agree() {
                anyhow::bail!(
                    "the kept facts differ from the journal folded afresh ({} incidents); run `leitstand insight rebuild`",
                    differences.incidents
                );
            }
            tracing::info!(
                incidents = differences.incidents,
                "the kept facts agree exactly with the journal folded afresh"
            );
        }
    }
    Ok(())
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
