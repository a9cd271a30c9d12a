//! The `groupops` command line: `run` (the default) starts the bot, `migrate` prepares the database.
//! All logic lives in the library; this file only reads arguments, sets up logging and exits with a status.

use clap::{Parser, Subcommand};
use groupops::app::{shutdown_signal, App, AppOptions};
use groupops::config::{token_from_env, Config};
use groupops::storage::Storage;
use groupops::Error;
use std::path::PathBuf;
use std::process::ExitCode;

/// A self-hosted Telegram bot that runs community groups.
#[derive(Parser, Debug)]
#[command(name = "groupops", version, about, long_about = None)]
struct Cli {
    /// Settings file. Default: config/groupops.toml when present, else built-in defaults.
    #[arg(long, global = true, env = "GROUPOPS_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the bot (the default). The token comes from the GROUPOPS_TOKEN environment variable; the
    /// database is created and migrated on start.
    Run,
    /// Create the database if needed, apply pending migrations, and exit.
    Migrate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("groupops: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err @ (Error::MissingToken | Error::Config(_))) => {
            eprintln!("groupops: {err}");
            ExitCode::from(2)
        }
        Err(err) => {
            eprintln!("groupops: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> groupops::Result<()> {
    let env = Config::process_env();
    let config = Config::load(cli.config.as_deref(), &env)?;
    match cli.command.unwrap_or(Command::Run) {
        Command::Migrate => {
            let storage = Storage::open(&config.storage).await?;
            storage.migrate().await?;
            storage.close().await;
            println!("database ready: {}", config.storage.database_url);
            Ok(())
        }
        Command::Run => {
            let token = token_from_env(&env)?;
            let app = App::build(config, &token, AppOptions::default()).await?;
            app.run(shutdown_signal()).await
        }
    }
}

/// Logs through `tracing`, filtered by `RUST_LOG` (default `info`), with teloxide's `log` lines bridged in.
fn init_logging() {
    let _ = tracing_log::LogTracer::init();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
