//! Starting the real application for a measurement: the shipped settings (`config/groupops.toml`) with only
//! the API address, the database file and the named overrides changed, on a SQLite file in a temporary
//! folder, against an in-process fake Bot API — under either the shard router (the bot's engine) or
//! teloxide's default Dispatcher (the baseline).

use crate::support::fake_api::FakeApi;
use groupops::app::{App, AppOptions, HandledHook};
use groupops::config::Config;
use groupops::services::{Ctx, ErrorHook};
use groupops::telegram::router::RouterStats;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The shipped settings file, so every figure is taken with the defaults a new operator gets.
const SHIPPED: &str = include_str!("../../config/groupops.toml");

/// Sending limits high enough that Telegram's real ones never become the bottleneck of a throughput or
/// latency figure (the outbound component still handles every send).
pub const UNLIMITED_SENDS: &[(&str, &str)] = &[
    ("GROUPOPS_LIMITS__PER_CHAT", "1000000/1s"),
    ("GROUPOPS_LIMITS__PER_GROUP", "1000000/1s"),
    ("GROUPOPS_LIMITS__GLOBAL", "1000000/1s"),
    ("GROUPOPS_LIMITS__CONCURRENCY", "64"),
    ("GROUPOPS_LIMITS__MAX_QUEUED_PER_CHAT", "1000000"),
];

/// Which engine carries updates to the handler tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// groupops' own poller and shard router.
    Shards,
    /// teloxide's polling listener and Dispatcher with its default per-chat workers.
    TeloxideDefault,
}

/// When each update finished, relative to one origin.
pub struct Done {
    /// Updates finished.
    pub count: AtomicU64,
    /// Nanoseconds after `origin` at which update `id` finished (0 = not yet), for ids below the capacity.
    at: Vec<AtomicU64>,
    /// The instant the times count from.
    pub origin: Instant,
}

impl Done {
    /// Room for the finishing times of update ids below `capacity` (0: only count).
    pub fn new(capacity: usize) -> Arc<Done> {
        Arc::new(Done {
            count: AtomicU64::new(0),
            at: (0..capacity).map(|_| AtomicU64::new(0)).collect(),
            origin: Instant::now(),
        })
    }

    pub fn record(&self, id: u32) {
        if let Some(slot) = self.at.get(id as usize) {
            slot.store(
                self.origin.elapsed().as_nanos() as u64 + 1,
                Ordering::Relaxed,
            );
        }
        self.count.fetch_add(1, Ordering::Release);
    }

    /// When update `id` finished, in nanoseconds after `origin`.
    pub fn finished_at(&self, id: i64) -> Option<u64> {
        let at = self.at.get(id as usize)?.load(Ordering::Relaxed);
        (at > 0).then(|| at - 1)
    }

    /// Waits until `count` updates have finished; panics after `timeout` (every update must be handled).
    pub async fn wait(&self, count: u64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.count.load(Ordering::Acquire) < count {
            assert!(
                Instant::now() < deadline,
                "only {} of {count} updates were handled in {timeout:?}",
                self.count.load(Ordering::Acquire)
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// A running application under measurement.
pub struct BenchBot {
    pub ctx: Ctx,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<groupops::Result<()>>>,
    errors: Arc<Mutex<Vec<String>>>,
    router: Option<Arc<RouterStats>>,
}

impl BenchBot {
    /// Starts the application on the database in `dir` (created when missing) against `api`.
    pub async fn start(
        engine: Engine,
        api: FakeApi,
        dir: &Path,
        overrides: &[(&str, &str)],
        done: Arc<Done>,
    ) -> BenchBot {
        // Settings given to the benchmark's own process as GROUPOPS_* variables apply too, as they would
        // to the bot; the run's overrides and the API address and database come last.
        let mut env: BTreeMap<String, String> = Config::process_env()
            .expect("the environment is readable")
            .into_iter()
            .filter(|(k, _)| k.starts_with("GROUPOPS_") && k != "GROUPOPS_TOKEN")
            .collect();
        env.extend(
            overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        env.insert("GROUPOPS_API_URL".into(), api.url());
        env.insert(
            "GROUPOPS_DATABASE_URL".into(),
            format!("sqlite://{}/groupops.db?mode=rwc", dir.display()),
        );
        let config = Config::from_toml(SHIPPED, &env).expect("bench settings are valid");
        let errors = Arc::new(Mutex::new(Vec::new()));
        let error_hook: ErrorHook = {
            let errors = errors.clone();
            Arc::new(move |failure| errors.lock().unwrap().push(failure))
        };
        let handled_hook: HandledHook = {
            let done = done.clone();
            Arc::new(move |id| done.record(id))
        };
        let options = AppOptions {
            error_hook: Some(error_hook),
            handled_hook: Some(handled_hook),
            ..AppOptions::default()
        };
        let app = App::build(config, "123456:BENCH", options)
            .await
            .expect("the app builds");
        let ctx = app.ctx();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let stopped = async move {
            let _ = stop_rx.await;
        };
        let (task, router) = match engine {
            Engine::Shards => {
                let (stats_tx, stats_rx) = oneshot::channel();
                let task = tokio::spawn(app.run_with_stats(stopped, move |stats| {
                    let _ = stats_tx.send(stats);
                }));
                (task, Some(stats_rx.await.expect("the router starts")))
            }
            Engine::TeloxideDefault => {
                (tokio::spawn(app.run_on_teloxide_dispatcher(stopped)), None)
            }
        };
        BenchBot {
            ctx,
            stop: Some(stop_tx),
            task: Some(task),
            errors,
            router,
        }
    }

    /// Updates the shard router dropped because their chat's backlog was full (0 under teloxide).
    pub fn router_dropped(&self) -> u64 {
        self.router
            .as_ref()
            .map_or(0, |stats| stats.dropped.load(Ordering::Relaxed))
    }

    /// Stops the application the way a signal would and checks that no handler failed.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(60), task)
                .await
                .expect("the bot stops in time")
                .expect("the bot task does not panic")
                .expect("the bot stops cleanly");
        }
        let errors = self.errors.lock().unwrap();
        assert!(
            errors.is_empty(),
            "handlers failed: {:#?}",
            &errors[..errors.len().min(5)]
        );
    }

    /// Activity events accepted, dropped and written so far (after a flush).
    pub async fn activity(&self) -> (u64, u64, u64) {
        self.ctx.activity.flush().await;
        let counters = self.ctx.activity.counters();
        (
            counters.accepted.load(Ordering::Relaxed),
            counters.dropped.load(Ordering::Relaxed),
            counters.written.load(Ordering::Relaxed),
        )
    }
}

/// Copies a stopped bot's database files into `to`.
pub fn copy_database(from: &Path, to: &Path) {
    for name in ["groupops.db", "groupops.db-wal", "groupops.db-shm"] {
        let source = from.join(name);
        if source.exists() {
            std::fs::copy(&source, to.join(name)).expect("copy the database");
        }
    }
}

/// Percentiles of a sorted list of nanosecond figures.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}
