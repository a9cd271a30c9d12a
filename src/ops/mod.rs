//! What an operator runs beside the bot, from the command line or on a schedule:
//!
//! - [`lock`]   the lock file a running bot holds beside its database, so a restore or a second bot cannot
//!   use the file under it
//! - [`backup`] consistent copies of the live database (`groupops backup`, `storage.backup_schedule`) and
//!   `groupops restore`, which checks what it restores before it replaces anything
//! - [`doctor`] `groupops doctor`: the token, the clock, the database and its migrations, and the bot's
//!   rights in every active group, each with what to do when it is wrong
//!
//! - [`forget`] `groupops forget-user ID`, the operator's `/forgetme`; both delete through
//!   [`crate::storage::privacy`]

pub mod backup;
pub mod doctor;
pub mod forget;
pub mod lock;

use crate::error::{Error, Result};
use sqlx::sqlite::SqliteConnectOptions;
use std::path::PathBuf;
use std::str::FromStr;

/// The database file a `sqlite:` URL names, or `None` for an in-memory database.
pub fn database_file(url: &str) -> Result<Option<PathBuf>> {
    let options = SqliteConnectOptions::from_str(url)?;
    let file = options.get_filename();
    let text = file.to_string_lossy();
    if text.is_empty() || text == ":memory:" || url.contains("mode=memory") {
        return Ok(None);
    }
    Ok(Some(file.to_path_buf()))
}

/// Creates `path` empty, readable and writable by its owner only, unless it exists already (then its
/// permissions are left as they are). Database files and backups are made this way, so other users of
/// the machine cannot read members' data.
pub fn create_private_file(path: &std::path::Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|err| Error::Operation(format!("cannot create {}: {err}", path.display())))
}
