//! The lock file beside the database (`<database>.lock`). A running bot holds an exclusive lock on it for
//! as long as it runs, and `groupops restore` takes the same lock before it replaces the file, so a restore
//! never swaps the database under a running bot and two bots never share one SQLite file. The lock is the
//! operating system's (released by the kernel when the process dies, even by `SIGKILL`), so a crash never
//! leaves a stale lock behind.

use crate::error::{Error, Result};
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// A held lock on a database's lock file; released when dropped.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
    path: PathBuf,
}

/// The lock file of a database file.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl DatabaseLock {
    /// Takes the lock of `database` without waiting. Fails with a message naming the file when another
    /// process (a running bot, or a restore) holds it. The folder is created when missing.
    pub fn acquire(database: &Path) -> Result<DatabaseLock> {
        let path = lock_path(database);
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        super::create_private_file(&path)?;
        let file = File::options().read(true).write(true).open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(DatabaseLock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(Error::Operation(format!(
                "{} is in use by another groupops process (a running bot or a restore holds {}); stop it first",
                database.display(),
                path.display()
            ))),
            Err(TryLockError::Error(err)) => Err(Error::Operation(format!(
                "cannot lock {}: {err}",
                path.display()
            ))),
        }
    }

    /// Whether some process holds the lock of `database` now (the check takes and drops it at once).
    pub fn is_held(database: &Path) -> bool {
        let path = lock_path(database);
        let Ok(file) = File::options().read(true).write(true).open(&path) else {
            return false;
        };
        matches!(file.try_lock(), Err(TryLockError::WouldBlock))
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_database_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sub").join("g.db");
        let first = DatabaseLock::acquire(&db).unwrap();
        assert!(DatabaseLock::is_held(&db));
        let refused = DatabaseLock::acquire(&db).unwrap_err().to_string();
        assert!(
            refused.contains("in use by another groupops process"),
            "{refused}"
        );
        assert_eq!(first.path(), lock_path(&db));
        drop(first);
        assert!(!DatabaseLock::is_held(&db));
        DatabaseLock::acquire(&db).expect("free again once dropped");
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_file_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("g.db");
        let _lock = DatabaseLock::acquire(&db).unwrap();
        let mode = std::fs::metadata(lock_path(&db))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
