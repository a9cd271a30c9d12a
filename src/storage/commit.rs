//! Group commit: handlers hand their writes to one writer task as units of work, and the writer runs many
//! units in one transaction.
//!
//! A unit of work is a closure over the writer's connection, already inside a transaction. The handler
//! calls [`Storage::commit`] with it and waits. The writer task takes every unit waiting (up to
//! `storage.commit_batch`; when fewer are waiting it waits at most `storage.commit_wait` for more), opens
//! one transaction, and runs the units one after another, each inside its own savepoint: a unit that
//! returns an error is rolled back to its savepoint alone and the others of the batch keep their writes.
//! Then it commits once and answers every waiting handler with its own result. So a handler learns
//! whether its unit committed before it sends anything that depends on it.
//!
//! Each unit carries the id of the update its handler was handling ([`handled::CURRENT_UPDATE`], read
//! when the unit is handed over), and the writer sets it again around the unit's closure, so a unit that
//! calls [`handled::record`] writes its own update's record in its own savepoint: a unit that fails
//! leaves no record, and one that commits leaves exactly its own.
//!
//! If the COMMIT itself fails (or the batch cannot begin, or SQLite rolled the whole transaction back
//! under a unit), nothing of the batch was written: every unit of it that had succeeded, and every unit
//! it had not reached yet, is answered with [`CommitError::Batch`] naming that error, and a unit that had
//! failed keeps its own error. The writer
//! does not run them again; the handler treats the error like any other database error (its update fails,
//! and the handled-update record, which was not written either, lets a redelivered copy run it afresh).
//!
//! The writer takes the writer connection from [`Storage::write`] for each batch and gives it back after
//! the commit, so code that still writes on that pool directly takes turns with the batches. A unit must
//! therefore never use [`Storage::write`] or [`Storage::commit`] itself: it would wait for the connection
//! its own batch holds. It may read on [`Storage::read`], but reads that decide what to write belong
//! inside the unit, on its connection.

use super::handled;
use crate::storage::Storage;
use futures::future::BoxFuture;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

pub use crate::error::CommitError;

/// The writer's connection as a unit of work sees it: inside the batch's transaction, in the unit's own
/// savepoint.
pub type UnitConnection = SqliteConnection;

/// What a unit of work reports to the writer once it has run: whether it succeeded (so its savepoint is
/// released rather than rolled back), and how to answer its handler once the batch's outcome is known.
struct Ran {
    succeeded: bool,
    answer: Box<dyn FnOnce(Option<CommitError>) + Send>,
}

/// A unit's work with its result type erased: runs it on the batch's connection, or, given the error that
/// kept its batch from starting, answers its handler with that error at once.
type ErasedWork = Box<
    dyn for<'c> FnOnce(Result<&'c mut UnitConnection, CommitError>) -> BoxFuture<'c, Ran> + Send,
>;

/// A unit of work as the writer holds it, its result type erased.
struct Unit {
    update: Option<i64>,
    run: ErasedWork,
}

/// How the writer task gathers units into batches.
#[derive(Debug, Clone, Copy)]
pub struct CommitSettings {
    /// The most units in one transaction.
    pub batch: usize,
    /// How long the writer waits for more units when fewer than `batch` are waiting.
    pub wait: Duration,
}

impl Default for CommitSettings {
    fn default() -> Self {
        Self {
            batch: 256,
            wait: Duration::ZERO,
        }
    }
}

/// The handle handlers hand their units to. The writer task starts on the first unit, on the runtime of
/// the task that hands it over, and ends when every handle is dropped.
#[derive(Clone)]
pub struct Committer {
    pool: SqlitePool,
    settings: CommitSettings,
    sender: Arc<OnceLock<mpsc::UnboundedSender<Unit>>>,
    batches: Arc<AtomicU64>,
}

impl std::fmt::Debug for Committer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Committer")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Committer {
    /// A committer that runs its batches on connections of `pool` (the writer pool of one).
    pub fn new(pool: SqlitePool, settings: CommitSettings) -> Self {
        Self {
            pool,
            settings: CommitSettings {
                batch: settings.batch.max(1),
                ..settings
            },
            sender: Arc::new(OnceLock::new()),
            batches: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many batches the writer has run (committed or not) since it started.
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    fn sender(&self) -> &mpsc::UnboundedSender<Unit> {
        self.sender.get_or_init(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            tokio::spawn(run_writer(
                self.pool.clone(),
                self.settings,
                receiver,
                self.batches.clone(),
            ));
            sender
        })
    }

    /// Runs `work` as one unit of work in the writer's next batch and returns its result once the batch
    /// has committed. `work` returning an error rolls back its own writes only; the error comes back
    /// as it was. A failed commit comes back as [`CommitError`] converted into `E`.
    pub async fn commit<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + From<CommitError> + Send + 'static,
        F: for<'c> FnOnce(&'c mut UnitConnection) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let unit = Unit {
            update: handled::current(),
            run: Box::new(move |conn| {
                Box::pin(async move {
                    let conn = match conn {
                        Ok(conn) => conn,
                        Err(err) => {
                            let _ = reply.send(Err(E::from(err)));
                            return Ran {
                                succeeded: false,
                                answer: Box::new(|_| {}),
                            };
                        }
                    };
                    let outcome = work(conn).await;
                    let succeeded = outcome.is_ok();
                    let answer: Box<dyn FnOnce(Option<CommitError>) + Send> =
                        Box::new(move |failed: Option<CommitError>| {
                            let result = match (outcome, failed) {
                                (Ok(_), Some(err)) => Err(E::from(err)),
                                (outcome, _) => outcome,
                            };
                            // The handler may have stopped waiting (its task was cancelled).
                            let _ = reply.send(result);
                        });
                    Ran { succeeded, answer }
                })
            }),
        };
        if self.sender().send(unit).is_err() {
            return Err(E::from(CommitError::Stopped));
        }
        answer
            .await
            .unwrap_or_else(|_| Err(E::from(CommitError::Stopped)))
    }
}

impl Storage {
    /// Runs `work` as one unit of work on the writer, batched with other handlers' units into one
    /// transaction, and returns its result once it committed (see [the module](self)).
    pub async fn commit<T, E, F>(&self, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<sqlx::Error> + From<CommitError> + Send + 'static,
        F: for<'c> FnOnce(&'c mut UnitConnection) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
    {
        self.committer.commit(work).await
    }
}

/// The savepoint each unit runs in. Units run one at a time, so one name serves them all; units that
/// open savepoints of their own (the ledger does) use other names.
const SAVEPOINT: &str = "SAVEPOINT group_commit_unit";
const RELEASE: &str = "RELEASE group_commit_unit";
const ROLLBACK_TO: &str = "ROLLBACK TO group_commit_unit";

/// The writer task: gathers units into batches and runs each batch until every handle is dropped.
async fn run_writer(
    pool: SqlitePool,
    settings: CommitSettings,
    mut receiver: mpsc::UnboundedReceiver<Unit>,
    batches: Arc<AtomicU64>,
) {
    let mut waiting: VecDeque<Unit> = VecDeque::new();
    loop {
        if waiting.is_empty() {
            match receiver.recv().await {
                Some(unit) => waiting.push_back(unit),
                None => return,
            }
        }
        while waiting.len() < settings.batch {
            match receiver.try_recv() {
                Ok(unit) => waiting.push_back(unit),
                Err(_) => break,
            }
        }
        if waiting.len() < settings.batch && !settings.wait.is_zero() {
            let deadline = tokio::time::Instant::now() + settings.wait;
            while waiting.len() < settings.batch {
                match tokio::time::timeout_at(deadline, receiver.recv()).await {
                    Ok(Some(unit)) => waiting.push_back(unit),
                    Ok(None) | Err(_) => break,
                }
            }
        }
        let take = waiting.len().min(settings.batch);
        let batch: Vec<Unit> = waiting.drain(..take).collect();
        run_batch(&pool, batch).await;
        batches.fetch_add(1, Ordering::Relaxed);
    }
}

/// Runs one batch in one transaction and answers its units. When the transaction breaks under a unit
/// (its savepoint cannot be opened or closed: SQLite rolled the whole transaction back), the batch is
/// rolled back, and every unit of it, run or not, is answered with that error.
async fn run_batch(pool: &SqlitePool, batch: Vec<Unit>) {
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(err) => return fail_all(batch, err).await,
    };
    let mut tx = match conn.begin().await {
        Ok(tx) => tx,
        Err(err) => return fail_all(batch, err).await,
    };
    let mut answers: Vec<Ran> = Vec::with_capacity(batch.len());
    let mut units = batch.into_iter();
    let mut broken: Option<sqlx::Error> = None;
    let mut unrun: Vec<Unit> = Vec::new();
    for unit in units.by_ref() {
        if let Err(err) = sqlx::query(SAVEPOINT).execute(&mut *tx).await {
            unrun.push(unit);
            broken = Some(err);
            break;
        }
        let ran = match unit.update {
            Some(update) => {
                handled::CURRENT_UPDATE
                    .scope(update, (unit.run)(Ok(&mut *tx)))
                    .await
            }
            None => (unit.run)(Ok(&mut *tx)).await,
        };
        let closed = if ran.succeeded {
            sqlx::query(RELEASE).execute(&mut *tx).await.err()
        } else {
            match sqlx::query(ROLLBACK_TO).execute(&mut *tx).await {
                Ok(_) => sqlx::query(RELEASE).execute(&mut *tx).await.err(),
                Err(err) => Some(err),
            }
        };
        answers.push(ran);
        if let Some(err) = closed {
            broken = Some(err);
            break;
        }
    }
    unrun.extend(units);
    let failure = match broken {
        Some(err) => {
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "could not roll back a broken batch of writes");
            }
            Some(err)
        }
        None => tx.commit().await.err(),
    };
    match failure {
        None => answers.into_iter().for_each(|ran| (ran.answer)(None)),
        Some(err) => {
            tracing::warn!(error = %err, units = answers.len() + unrun.len(), "a batch of writes did not commit");
            let err = CommitError::Batch(Arc::new(err));
            answers
                .into_iter()
                .for_each(|ran| (ran.answer)(Some(err.clone())));
            for unit in unrun {
                (unit.run)(Err(err.clone())).await;
            }
        }
    }
}

/// Answers every unit of a batch that could not begin with the error that stopped it; none of them ran.
async fn fail_all(batch: Vec<Unit>, err: sqlx::Error) {
    tracing::warn!(error = %err, units = batch.len(), "a batch of writes could not begin");
    let err = CommitError::Batch(Arc::new(err));
    for unit in batch {
        (unit.run)(Err(err.clone())).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MIGRATOR;
    use proptest::prelude::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    use std::str::FromStr;

    /// A migrated in-memory database on one connection (the writer pool of one), with a table `t` the
    /// units write to and a table `child` whose foreign key is checked only at COMMIT.
    async fn database() -> SqlitePool {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .unwrap()
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        MIGRATOR.run(&pool).await.unwrap();
        for sql in [
            "CREATE TABLE t (k INTEGER PRIMARY KEY)",
            "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool
    }

    /// A committer that waits until `batch` units are waiting, so they all run in one transaction.
    fn one_batch_of(pool: &SqlitePool, batch: usize) -> Committer {
        Committer::new(
            pool.clone(),
            CommitSettings {
                batch,
                wait: Duration::from_secs(30),
            },
        )
    }

    /// A unit that inserts `k` into `t`, records its update if it runs in one, and then fails when
    /// `fail` is set (after writing, so the rollback has something to undo).
    async fn insert_unit(committer: &Committer, k: i64, fail: bool) -> crate::Result<i64> {
        committer
            .commit(move |conn| {
                Box::pin(async move {
                    sqlx::query("INSERT INTO t (k) VALUES (?)")
                        .bind(k)
                        .execute(&mut *conn)
                        .await?;
                    handled::record(conn, "test", 100).await?;
                    if fail {
                        return Err(crate::Error::Operation(format!("unit {k} refused")));
                    }
                    Ok(k * 10)
                })
            })
            .await
    }

    async fn keys(pool: &SqlitePool) -> Vec<i64> {
        sqlx::query_scalar("SELECT k FROM t ORDER BY k")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    async fn handled_ids(pool: &SqlitePool) -> Vec<i64> {
        sqlx::query_scalar("SELECT update_id FROM handled_updates ORDER BY update_id")
            .fetch_all(pool)
            .await
            .unwrap()
    }

    /// Runs the units of `pattern` (true = fails) from separate tasks, unit `i` inserting key `i` inside
    /// update `1000 + i`, in one batch; returns each caller's result in the order of `pattern`.
    async fn run_pattern(
        pool: &SqlitePool,
        pattern: &[bool],
    ) -> Vec<std::result::Result<i64, String>> {
        let committer = one_batch_of(pool, pattern.len());
        let tasks: Vec<_> = pattern
            .iter()
            .enumerate()
            .map(|(i, &fail)| {
                let committer = committer.clone();
                tokio::spawn(handled::CURRENT_UPDATE.scope(1000 + i as i64, async move {
                    insert_unit(&committer, i as i64, fail).await
                }))
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap().map_err(|err| err.to_string()));
        }
        assert_eq!(committer.batches(), 1, "all units ran in one batch");
        results
    }

    #[tokio::test]
    async fn a_failing_unit_rolls_back_alone_and_every_caller_gets_its_own_result() {
        let pool = database().await;
        let results = run_pattern(&pool, &[false, true, false, false, true]).await;
        assert_eq!(
            results,
            vec![
                Ok(0),
                Err("unit 1 refused".to_string()),
                Ok(20),
                Ok(30),
                Err("unit 4 refused".to_string()),
            ]
        );
        assert_eq!(keys(&pool).await, vec![0, 2, 3]);
        assert_eq!(
            handled_ids(&pool).await,
            vec![1000, 1002, 1003],
            "a record for each committed unit's update, none for the failed ones"
        );
    }

    #[tokio::test]
    async fn a_unit_outside_an_update_records_nothing() {
        let pool = database().await;
        let committer = Committer::new(pool.clone(), CommitSettings::default());
        assert_eq!(insert_unit(&committer, 7, false).await.unwrap(), 70);
        assert_eq!(keys(&pool).await, vec![7]);
        assert!(handled_ids(&pool).await.is_empty());
    }

    #[tokio::test]
    async fn a_failed_commit_fails_every_unit_of_its_batch_and_the_next_batch_commits() {
        let pool = database().await;
        let committer = one_batch_of(&pool, 3);
        let dangling = {
            let committer = committer.clone();
            tokio::spawn(handled::CURRENT_UPDATE.scope(1, async move {
                committer
                    .commit(|conn| {
                        Box::pin(async move {
                            // Allowed until COMMIT checks the deferred foreign key.
                            sqlx::query("INSERT INTO child (parent) VALUES (99)")
                                .execute(&mut *conn)
                                .await?;
                            handled::record(conn, "test", 100).await?;
                            Ok::<_, crate::Error>(())
                        })
                    })
                    .await
            }))
        };
        let others: Vec<_> = [(2, false), (3, true)]
            .into_iter()
            .map(|(k, fail)| {
                let committer = committer.clone();
                tokio::spawn(
                    handled::CURRENT_UPDATE
                        .scope(k, async move { insert_unit(&committer, k, fail).await }),
                )
            })
            .collect();
        let dangling = dangling.await.unwrap();
        assert!(
            matches!(dangling, Err(crate::Error::Commit(CommitError::Batch(_)))),
            "{dangling:?}"
        );
        let mut results = Vec::new();
        for task in others {
            results.push(task.await.unwrap());
        }
        assert!(
            matches!(results[0], Err(crate::Error::Commit(CommitError::Batch(_)))),
            "a unit that succeeded hears that its batch did not commit: {:?}",
            results[0]
        );
        assert!(
            matches!(&results[1], Err(crate::Error::Operation(why)) if why == "unit 3 refused"),
            "a unit that failed keeps its own error: {:?}",
            results[1]
        );
        assert!(keys(&pool).await.is_empty());
        assert!(handled_ids(&pool).await.is_empty());
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM child")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 0);

        // The writer goes on: the next batch commits.
        let next = one_batch_of(&pool, 1);
        assert_eq!(insert_unit(&next, 5, false).await.unwrap(), 50);
        assert_eq!(keys(&pool).await, vec![5]);
    }

    #[tokio::test]
    async fn many_units_from_many_tasks_all_land_exactly_once() {
        let pool = database().await;
        let committer = Committer::new(
            pool.clone(),
            CommitSettings {
                batch: 16,
                wait: Duration::ZERO,
            },
        );
        let tasks: Vec<_> = (0..40)
            .map(|task| {
                let committer = committer.clone();
                tokio::spawn(async move {
                    let mut got = Vec::new();
                    for unit in 0..25 {
                        let k = task * 25 + unit;
                        got.push(insert_unit(&committer, k, false).await.unwrap());
                    }
                    got
                })
            })
            .collect();
        let mut answered = Vec::new();
        for (task, handle) in tasks.into_iter().enumerate() {
            let got = handle.await.unwrap();
            let expected: Vec<i64> = (0..25).map(|unit| (task as i64 * 25 + unit) * 10).collect();
            assert_eq!(got, expected, "task {task} got its own results");
            answered.extend(got);
        }
        assert_eq!(answered.len(), 1000);
        assert_eq!(keys(&pool).await, (0..1000).collect::<Vec<i64>>());
        assert!(
            committer.batches() < 1000,
            "units were batched: {} batches",
            committer.batches()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        #[test]
        fn any_pattern_of_failures_keeps_exactly_the_successful_units(
            pattern in proptest::collection::vec(any::<bool>(), 1..20)
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let pool = database().await;
                let results = run_pattern(&pool, &pattern).await;
                for (i, (&fail, result)) in pattern.iter().zip(&results).enumerate() {
                    let expected = if fail {
                        Err(format!("unit {i} refused"))
                    } else {
                        Ok(i as i64 * 10)
                    };
                    assert_eq!(result, &expected, "unit {i}");
                }
                let kept: Vec<i64> = (0..pattern.len() as i64).filter(|&i| !pattern[i as usize]).collect();
                assert_eq!(keys(&pool).await, kept);
                let recorded: Vec<i64> = kept.iter().map(|i| 1000 + i).collect();
                assert_eq!(handled_ids(&pool).await, recorded);
            });
        }
    }
}
