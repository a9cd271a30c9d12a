//! The crate's one error type, and the text a caught panic carried. Feature cores keep their own small
//! domain enums (for example "not enough points"); anything that crosses a module boundary as a failure
//! is an [`Error`].

use thiserror::Error as ThisError;

/// Everything that can go wrong outside a feature's own domain rules.
#[derive(Debug, ThisError)]
pub enum Error {
    /// A setting is missing, unknown or has a bad value. The message names the key.
    #[error("configuration error: {0}")]
    Config(String),
    /// The bot token is not in the environment.
    #[error("no bot token: set the GROUPOPS_TOKEN environment variable to the token @BotFather gave you")]
    MissingToken,
    /// SQLite answered with an error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A unit of work did its part, but the batch it ran in did not commit (or the writer has stopped).
    #[error("database error: {0}")]
    Commit(#[from] CommitError),
    /// A migration could not be applied.
    #[error("database migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The Bot API answered with an error or could not be reached.
    #[error("telegram error: {0}")]
    Telegram(#[from] teloxide::RequestError),
    /// The wording files could not be loaded or a message id is missing.
    #[error("wording error: {0}")]
    I18n(String),
    /// A file could not be read or written.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// An operator command (backup, restore, forget-user, the database lock) could not do what was
    /// asked; the message says why and what to do, and nothing was changed.
    #[error("{0}")]
    Operation(String),
    /// The outbound queue is shut down or the request was dropped before it was sent.
    #[error("outbound queue closed")]
    OutboundClosed,
}

/// The crate-wide result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The message a panic carried, for the log.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "unknown panic".into())
}

/// Why a unit of work that did its part did not commit.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CommitError {
    /// The batch the unit ran in could not begin or commit, so none of its writes are in the database.
    #[error("the batch of writes this one was part of did not commit: {0}")]
    Batch(std::sync::Arc<sqlx::Error>),
    /// The writer task is gone (the bot is shutting down), so the unit never ran.
    #[error("the database writer has stopped")]
    Stopped,
}
