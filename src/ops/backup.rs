//! Backups and restore.
//!
//! A backup is SQLite's `VACUUM INTO`: one read transaction copies a consistent snapshot of the live
//! database (WAL included) into a new compact file, while the bot keeps reading and writing. The copy is
//! written beside its destination as `<dest>.partial`, checked with `PRAGMA quick_check`, and only then
//! renamed into place, so a backup that fails half-way leaves no file that looks complete. Backups are
//! readable by their owner only.
//!
//! `groupops restore` takes the database's lock file first (refusing while a bot runs), checks that the
//! file it restores is a sound groupops database whose schema this binary knows (not a newer one), keeps
//! the current database as `<database>.before-restore-<time>`, and then puts the restored copy in place.
//! The bot migrates it forward at its next start when it is older.

use super::lock::DatabaseLock;
use super::{create_private_file, database_file};
use crate::config::StorageSettings;
use crate::error::{Error, Result};
use croner::Cron;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::path::{Path, PathBuf};

pub use crate::units::parse_schedule;

/// The next time (unix seconds, UTC) after `after` at which `schedule` fires.
pub fn next_run(schedule: &Cron, after: i64) -> Option<i64> {
    let start = chrono::DateTime::from_timestamp(after, 0)?;
    schedule
        .find_next_occurrence(&start, false)
        .ok()
        .map(|at| at.timestamp())
}

/// What one backup wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Copies the database `conn` is open on into `dest`, which must not exist yet; its folder must. Works
/// on a read-only connection, beside a running writer.
pub async fn backup_to(conn: &mut SqliteConnection, dest: &Path) -> Result<BackupReport> {
    if dest.exists() {
        return Err(Error::Operation(format!(
            "{} already exists; choose a new file name (a backup never overwrites a file)",
            dest.display()
        )));
    }
    let partial = with_suffix(dest, ".partial");
    let _ = std::fs::remove_file(&partial);
    create_private_file(&partial).map_err(|err| {
        Error::Operation(format!(
            "cannot write the backup to {}: {err}",
            dest.display()
        ))
    })?;
    let outcome = async {
        sqlx::query("VACUUM INTO ?")
            .bind(partial.to_string_lossy().into_owned())
            .execute(&mut *conn)
            .await?;
        check_sound(&partial).await?;
        std::fs::rename(&partial, dest)?;
        Ok::<_, Error>(())
    }
    .await;
    if let Err(err) = outcome {
        let _ = std::fs::remove_file(&partial);
        return Err(Error::Operation(format!(
            "the backup to {} failed, and nothing was written: {err}",
            dest.display()
        )));
    }
    let bytes = std::fs::metadata(dest)?.len();
    Ok(BackupReport {
        path: dest.to_path_buf(),
        bytes,
    })
}

/// `groupops backup PATH`: a consistent copy of the configured database, taken while the bot may be
/// running.
pub async fn backup_database(settings: &StorageSettings, dest: &Path) -> Result<BackupReport> {
    let source = existing_database(settings)?;
    let mut conn = open_read_only(&source).await?;
    let report = backup_to(&mut conn, dest).await;
    let _ = conn.close().await;
    report
}

/// A scheduled backup into `settings.backup_dir`, named by its UTC time, after which only the newest
/// `settings.backup_keep` scheduled backups are kept. Returns the new file and the old ones deleted.
pub async fn scheduled_backup(
    conn: &mut SqliteConnection,
    settings: &StorageSettings,
    now: i64,
) -> Result<(BackupReport, Vec<PathBuf>)> {
    let dir = PathBuf::from(&settings.backup_dir);
    std::fs::create_dir_all(&dir).map_err(|err| {
        Error::Operation(format!(
            "cannot create the backup folder {}: {err}",
            dir.display()
        ))
    })?;
    let stamp = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ");
    let report = backup_to(conn, &dir.join(format!("groupops-{stamp}.db"))).await?;
    let mut kept: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| is_scheduled_backup_name(path))
        .collect();
    // The names sort by time: the newest are last.
    kept.sort();
    let excess = kept.len().saturating_sub(settings.backup_keep as usize);
    let mut removed = Vec::new();
    for old in kept.into_iter().take(excess) {
        match std::fs::remove_file(&old) {
            Ok(()) => removed.push(old),
            Err(err) => {
                tracing::warn!(%err, file = %old.display(), "an old backup could not be deleted")
            }
        }
    }
    Ok((report, removed))
}

/// Whether `path` is named as a scheduled backup (`groupops-<UTC time>.db`); nothing else in the folder
/// is ever deleted.
fn is_scheduled_backup_name(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    name.strip_prefix("groupops-")
        .and_then(|rest| rest.strip_suffix(".db"))
        .is_some_and(|stamp| {
            stamp.len() == 16
                && stamp
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == 'T' || c == 'Z')
        })
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct RestoreReport {
    /// The database file now holding the restored data.
    pub database: PathBuf,
    /// Where the database it replaced was kept, when there was one.
    pub previous: Option<PathBuf>,
    /// The restored file's newest migration.
    pub schema_version: i64,
}

/// `groupops restore PATH`: replaces the configured database with the backup at `source`, after checking
/// that no bot holds the database and that `source` is a sound groupops database this binary can run.
pub async fn restore(settings: &StorageSettings, source: &Path, now: i64) -> Result<RestoreReport> {
    let target = database_file(&settings.database_url)?.ok_or_else(|| {
        Error::Operation("an in-memory database has nothing to restore into".into())
    })?;
    if !source.is_file() {
        return Err(Error::Operation(format!(
            "{} is not a file; nothing was restored",
            source.display()
        )));
    }
    let _lock = DatabaseLock::acquire(&target)?;
    let schema_version = check_restorable(source).await?;
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    // The restored copy is made next to the database first, so the switch below is a rename.
    let incoming = with_suffix(&target, ".restoring");
    let _ = std::fs::remove_file(&incoming);
    {
        let mut from = open_read_only(source).await?;
        create_private_file(&incoming)?;
        let copied = sqlx::query("VACUUM INTO ?")
            .bind(incoming.to_string_lossy().into_owned())
            .execute(&mut from)
            .await;
        let _ = from.close().await;
        if let Err(err) = copied {
            let _ = std::fs::remove_file(&incoming);
            return Err(Error::Operation(format!(
                "cannot copy {}: {err}; nothing was restored",
                source.display()
            )));
        }
    }
    // The current database (with whatever its WAL still holds) is kept as a consistent copy.
    let previous = if target.exists() {
        let aside = with_suffix(&target, &format!(".before-restore-{now}"));
        let mut current = open_read_only(&target).await?;
        let kept = backup_to(&mut current, &aside).await;
        let _ = current.close().await;
        if let Err(err) = kept {
            let _ = std::fs::remove_file(&incoming);
            return Err(Error::Operation(format!(
                "the current database could not be kept aside ({err}); nothing was restored"
            )));
        }
        Some(aside)
    } else {
        None
    };
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(with_suffix(&target, suffix));
    }
    std::fs::rename(&incoming, &target)?;
    Ok(RestoreReport {
        database: target,
        previous,
        schema_version,
    })
}

/// Checks that `file` is a sound SQLite database written by groupops with migrations this binary knows,
/// and returns its newest migration version.
pub async fn check_restorable(file: &Path) -> Result<i64> {
    let not_ours = |why: String| {
        Error::Operation(format!(
            "{} is not a groupops database ({why}); nothing was restored",
            file.display()
        ))
    };
    let mut conn = open_read_only(file)
        .await
        .map_err(|err| not_ours(err.to_string()))?;
    let sound: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|err| not_ours(err.to_string()))?;
    if sound != "ok" {
        return Err(not_ours(format!("the file is damaged: {sound}")));
    }
    let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT version, checksum FROM _sqlx_migrations WHERE success ORDER BY version",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|_| not_ours("it has no groupops migrations".into()))?;
    let _ = conn.close().await;
    let known_max = crate::storage::MIGRATOR
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    let newest = applied.iter().map(|(v, _)| *v).max().unwrap_or(0);
    if newest > known_max {
        return Err(Error::Operation(format!(
            "{} was written by a newer groupops (schema version {newest}; this one knows up to \
             {known_max}): upgrade groupops before restoring it; nothing was restored",
            file.display()
        )));
    }
    for (version, checksum) in &applied {
        let ours = crate::storage::MIGRATOR
            .iter()
            .find(|m| m.version == *version);
        if ours.is_none_or(|m| m.checksum.as_ref() != checksum.as_slice()) {
            return Err(not_ours(format!(
                "its migration {version} is not this groupops' migration {version}"
            )));
        }
    }
    if applied.is_empty() {
        return Err(not_ours("it has no groupops migrations".into()));
    }
    Ok(newest)
}

/// The configured database file, which must exist.
fn existing_database(settings: &StorageSettings) -> Result<PathBuf> {
    let file = database_file(&settings.database_url)?.ok_or_else(|| {
        Error::Operation("an in-memory database cannot be backed up from another process".into())
    })?;
    if !file.is_file() {
        return Err(Error::Operation(format!(
            "there is no database at {} yet (it is created when the bot or `groupops migrate` first runs)",
            file.display()
        )));
    }
    Ok(file)
}

/// One read-only connection to a database file.
async fn open_read_only(file: &Path) -> Result<SqliteConnection> {
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .busy_timeout(std::time::Duration::from_secs(30));
    Ok(SqliteConnection::connect_with(&options).await?)
}

/// Runs SQLite's quick integrity check on a finished copy.
async fn check_sound(file: &Path) -> Result<()> {
    let mut conn = open_read_only(file).await?;
    let verdict: String = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_one(&mut conn)
        .await?;
    let _ = conn.close().await;
    if verdict == "ok" {
        Ok(())
    } else {
        Err(Error::Operation(format!(
            "the copy failed its integrity check: {verdict}"
        )))
    }
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_cron_expressions_and_bad_ones_are_named() {
        let daily = parse_schedule("0 4 * * *").unwrap();
        // 2026-12-04 21:00 UTC → the next 04:00 UTC is 2026-12-05 04:00.
        let at = 1_796_418_000;
        assert_eq!(next_run(&daily, at), Some(at + 7 * 3600));
        assert!(parse_schedule("every day").unwrap_err().contains("cron"));
    }

    #[test]
    fn only_files_named_like_scheduled_backups_are_ever_pruned() {
        assert!(is_scheduled_backup_name(Path::new(
            "/b/groupops-20261204T210000Z.db"
        )));
        assert!(!is_scheduled_backup_name(Path::new("/b/groupops.db")));
        assert!(!is_scheduled_backup_name(Path::new(
            "/b/groupops-20261204T210000Z.db.partial"
        )));
        assert!(!is_scheduled_backup_name(Path::new(
            "/b/mine-20261204T210000Z.db"
        )));
    }

    /// A migrated database file in `dir`, with its settings.
    async fn database_in(dir: &Path) -> (StorageSettings, PathBuf) {
        let file = dir.join("groupops.db");
        let settings = StorageSettings {
            database_url: format!("sqlite://{}?mode=rwc", file.display()),
            ..StorageSettings::default()
        };
        let storage = crate::storage::Storage::open(&settings).await.unwrap();
        storage.migrate().await.unwrap();
        sqlx::query(
            "INSERT INTO users (user_id, first_name, is_bot, updated_at) VALUES (1, 'A', 0, 0)",
        )
        .execute(&storage.write)
        .await
        .unwrap();
        storage.close().await;
        (settings, file)
    }

    #[tokio::test]
    async fn a_backup_refuses_an_existing_or_unwritable_destination_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (settings, _) = database_in(dir.path()).await;
        let taken = dir.path().join("taken.db");
        std::fs::write(&taken, b"keep me").unwrap();
        let err = backup_database(&settings, &taken)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("already exists"), "{err}");
        assert_eq!(std::fs::read(&taken).unwrap(), b"keep me");
        let nowhere = dir.path().join("missing-folder").join("b.db");
        let err = backup_database(&settings, &nowhere)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot write the backup"), "{err}");
        assert!(!nowhere.exists());
        let good = dir.path().join("good.db");
        let report = backup_database(&settings, &good).await.unwrap();
        assert!(report.bytes > 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&good).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "backups are private");
        }
    }

    #[tokio::test]
    async fn a_restore_refuses_a_held_database_a_foreign_file_and_a_newer_schema() {
        let dir = tempfile::tempdir().unwrap();
        let (settings, file) = database_in(dir.path()).await;
        let backup = dir.path().join("b.db");
        backup_database(&settings, &backup).await.unwrap();

        let held = DatabaseLock::acquire(&file).unwrap();
        let err = restore(&settings, &backup, 5)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("in use by another groupops process"), "{err}");
        drop(held);

        let text = dir.path().join("notes.txt");
        std::fs::write(&text, "not a database at all, just some words").unwrap();
        let err = restore(&settings, &text, 5).await.unwrap_err().to_string();
        assert!(err.contains("is not a groupops database"), "{err}");

        let plain = dir.path().join("plain.db");
        let mut conn = SqliteConnection::connect_with(
            &SqliteConnectOptions::new()
                .filename(&plain)
                .create_if_missing(true),
        )
        .await
        .unwrap();
        sqlx::query("CREATE TABLE t (x)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        let err = restore(&settings, &plain, 5).await.unwrap_err().to_string();
        assert!(err.contains("no groupops migrations"), "{err}");

        let newer = dir.path().join("newer.db");
        std::fs::copy(&backup, &newer).unwrap();
        let mut conn =
            SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&newer))
                .await
                .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (99999, 'future', 1, x'00', 0)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        let err = restore(&settings, &newer, 5).await.unwrap_err().to_string();
        assert!(
            err.contains("newer groupops (schema version 99999"),
            "{err}"
        );

        // The database is untouched by every refusal, and a good restore keeps it aside.
        let report = restore(&settings, &backup, 5).await.unwrap();
        let previous = report.previous.expect("the replaced database is kept");
        assert!(previous.to_string_lossy().ends_with(".before-restore-5"));
        assert!(check_restorable(&previous).await.is_ok());
        assert!(check_restorable(&file).await.is_ok());
    }
}
