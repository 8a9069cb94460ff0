//! The `leitstand` binary: parse the command line, start logging, run the subcommand.

use clap::Parser;
use leitstand::config::Cli;

/// mimalloc instead of glibc's allocator: a page allocates and frees many small strings, and
/// glibc's `malloc`/`free` took 13 % of the server's CPU on the queue page (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let bulk = matches!(cli.command, Some(leitstand::config::Command::Demo(_)));
    leitstand::telemetry::init_logging(cli.log_format, bulk);
    match leitstand::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            // One line a person can act on; the chain of causes after a colon.
            eprintln!("error: {error:#}");
            match error.downcast_ref::<leitstand::cli::ExitStatus>() {
                Some(status) => std::process::ExitCode::from(status.code),
                None => std::process::ExitCode::FAILURE,
            }
        }
    }
}
