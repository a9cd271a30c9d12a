//! The `groupops` command line: `run` (the default) starts the bot, `migrate` prepares the database,
//! `backup` and `restore` copy it, `forget-user` deletes what the bot holds about a member, `doctor`
//! checks a deployment, `check` runs messages from stdin through the moderation rules, `train-detector`
//! and `eval-detect` train and measure the ad detector.
//! All logic lives in the library; this file only reads arguments, sets up logging and exits with a status.

use clap::{Parser, Subcommand};
use groupops::app::{shutdown_signal, App, AppOptions};
use groupops::config::{token_from_env, Config};
use groupops::features::moderation::detector;
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
    /// Write a consistent copy of the database to PATH (a new file), also while the bot runs.
    Backup {
        /// The backup file to create; it must not exist yet.
        path: PathBuf,
    },
    /// Replace the database with the backup at PATH. Refused while a bot holds the database; the current
    /// database is kept beside it as `<database>.before-restore-<time>`.
    Restore {
        /// The backup to restore.
        path: PathBuf,
    },
    /// Delete what the bot holds about one member (what /forgetme does), by their Telegram user id.
    ForgetUser {
        /// The member's Telegram user id.
        id: i64,
    },
    /// Check the token, the clock, the database and its migrations, and the bot's rights in every active
    /// group; print what is wrong and how to fix it. Exits 1 when something is wrong.
    Doctor,
    /// Read messages from stdin (plain lines, or JSON lines {"text": "…", "newcomer": true|false}) and
    /// print one JSON verdict per non-blank line, using the bot's own rules engine and default ad pack.
    Check {
        /// A TOML file with one group's rules (keywords, regexes, allow_domains, locks, modes, …).
        #[arg(long, value_name = "FILE")]
        group_settings: Option<PathBuf>,
        /// Add what decided each verdict: the rule, or the detector's score with its top features or
        /// the known spam the message is a near-duplicate of.
        #[arg(long)]
        explain: bool,
    },
    /// Train the ad detector from a labelled TSV (label, source, text) and write the model file (and
    /// the sha256 of data and model beside it).
    TrainDetector {
        /// The training TSV.
        #[arg(long, value_name = "PATH")]
        data: PathBuf,
        /// Where to write the model.
        #[arg(long, value_name = "PATH", default_value = "config/detector.bin")]
        out: PathBuf,
        /// Cross-validate on this many near-duplicate-grouped folds first and print the table.
        #[arg(long, value_name = "K", default_value_t = 0)]
        cv: usize,
    },
    /// Score a labelled TSV (label, source, text) with the detector and print per source: AUC, recall
    /// at 0.5/1/2 % false positives, recall and false positives at the shipped thresholds.
    EvalDetect {
        /// The TSV to measure on.
        file: PathBuf,
        /// A model file (default: the built-in model).
        #[arg(long, value_name = "PATH")]
        model: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    if let Some(Command::Check {
        group_settings,
        explain,
    }) = &cli.command
    {
        return check(cli.config.as_deref(), group_settings.as_deref(), *explain);
    }
    if let Some(Command::TrainDetector { data, out, cv }) = &cli.command {
        return detector_command(detector::cli::train_command(data, out, *cv));
    }
    if let Some(Command::EvalDetect { file, model }) = &cli.command {
        return detector_command(detector::cli::eval_command(file, model.as_deref()));
    }
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
        Err(err @ (Error::MissingToken | Error::Config(_) | Error::Operation(_))) => {
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
    let env = Config::process_env()?;
    let config = Config::load(cli.config.as_deref(), &env)?;
    match cli.command.unwrap_or(Command::Run) {
        Command::Migrate => {
            let storage = Storage::open(&config.storage).await?;
            storage.migrate().await?;
            storage.close().await;
            println!("database ready: {}", config.storage.database_url);
            Ok(())
        }
        Command::Check { .. } | Command::TrainDetector { .. } | Command::EvalDetect { .. } => {
            Ok(())
        }
        Command::Backup { path } => {
            let report = groupops::ops::backup::backup_database(&config.storage, &path).await?;
            println!(
                "backup written: {} ({} bytes)",
                report.path.display(),
                report.bytes
            );
            Ok(())
        }
        Command::Restore { path } => {
            let now = chrono::Utc::now().timestamp();
            let report = groupops::ops::backup::restore(&config.storage, &path, now).await?;
            println!(
                "restored {} into {} (schema version {})",
                path.display(),
                report.database.display(),
                report.schema_version
            );
            if let Some(previous) = report.previous {
                println!("the database it replaced is kept as {}", previous.display());
            }
            Ok(())
        }
        Command::ForgetUser { id } => {
            let report = groupops::ops::forget::forget_user(&config.storage, id).await?;
            println!(
                "forgot user {id}: {} rows deleted, {} rows had names or excerpts erased, in {} groups",
                report.forgotten.deleted,
                report.forgotten.erased,
                report.groups.len()
            );
            Ok(())
        }
        Command::Doctor => {
            let token = token_from_env(&env).ok();
            let now = chrono::Utc::now().timestamp();
            let report = groupops::ops::doctor::run(&config, token.as_deref(), now).await;
            print!("{}", report.render());
            if report.problems() > 0 {
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Run => {
            // A running bot holds the lock file beside its database, so a restore or a second bot
            // cannot use the file under it.
            let _lock = match groupops::ops::database_file(&config.storage.database_url)? {
                Some(file) => Some(groupops::ops::lock::DatabaseLock::acquire(&file)?),
                None => None,
            };
            // Signals are caught from here on: one that arrives while the bot is still starting stops
            // it cleanly instead of killing the process.
            let mut shutdown = std::pin::pin!(shutdown_signal());
            let token = token_from_env(&env)?;
            let app = tokio::select! {
                app = App::build(config, &token, AppOptions::default()) => app?,
                _ = &mut shutdown => {
                    tracing::info!("stop requested while starting; groupops did not start");
                    return Ok(());
                }
            };
            app.run(shutdown).await
        }
    }
}

/// `groupops check`: exit 0 on success, 2 on unreadable input or settings.
fn check(
    config: Option<&std::path::Path>,
    group_settings: Option<&std::path::Path>,
    explain: bool,
) -> ExitCode {
    use groupops::features::moderation::check_cli;
    let failed = |message: String| {
        eprintln!("groupops check: {message}");
        ExitCode::from(2)
    };
    let config = match Config::process_env().and_then(|env| Config::load(config, &env)) {
        Ok(config) => config,
        Err(err) => return failed(err.to_string()),
    };
    let spec = match group_settings {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => match check_cli::read_group_settings(&text) {
                Ok(spec) => Some(spec),
                Err(err) => return failed(format!("{}: {err}", path.display())),
            },
            Err(err) => return failed(format!("cannot read {}: {err}", path.display())),
        },
        None => None,
    };
    let detector = match check_cli::detector_for(&config.moderation, &config.storage) {
        Ok(Some((detector, warning))) => {
            if let Some(warning) = warning {
                eprintln!("groupops check: {warning}; the built-in model is used");
            }
            Some(detector)
        }
        Ok(None) => None,
        Err(err) => return failed(err.to_string()),
    };
    let wording = if explain {
        match groupops::i18n::I18n::load(&config.i18n.locales_dir) {
            Ok(i18n) => Some(i18n),
            Err(err) => return failed(err.to_string()),
        }
    } else {
        None
    };
    let lang = groupops::i18n::Lang::parse(&config.i18n.default_language)
        .unwrap_or(groupops::i18n::Lang::Zh);
    let stdin = std::io::stdin().lock();
    let stdout = std::io::stdout().lock();
    match check_cli::run(
        stdin,
        stdout,
        &config.moderation,
        spec.as_ref(),
        detector.as_ref(),
        wording
            .as_ref()
            .map(|i18n| check_cli::Explain { i18n, lang }),
    ) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => failed(err.to_string()),
    }
}

/// Prints a detector command's report: exit 0, or 2 with the error.
fn detector_command(result: Result<String, String>) -> ExitCode {
    match result {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("groupops: {err}");
            ExitCode::from(2)
        }
    }
}

/// Logs through `tracing`, filtered by `RUST_LOG` (default `info`), with teloxide's `log` lines bridged in.
fn init_logging() {
    use tracing_log::AsLog;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .finish();
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        // teloxide logs through the `log` crate: its records become tracing events, and `log` skips what
        // the filter would drop anyway.
        let _ = tracing_log::LogTracer::builder()
            .with_max_level(tracing::level_filters::LevelFilter::current().as_log())
            .init();
    }
}
