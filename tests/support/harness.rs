//! Runs the real application — the production handler tree, routing, outbound queue and storage on a
//! temporary SQLite file — against the fake Bot API. A test pushes updates, waits for the bot's calls, and
//! ends with [`TestBot::stop`], which fails the test if any handler failed along the way.

use super::fake_api::FakeApi;
use super::leaks::LeakLog;
use groupops::app::{App, AppOptions};
use groupops::clock::Clock;
use groupops::config::Config;
use groupops::services::{Ctx, ErrorHook};
use groupops::telegram::router::RouterStats;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Settings for tests: short polls, generous send limits, a fast activity writer, short sign-in waves and
/// no collection window for joins (tests about gathering set their own windows).
pub const TEST_CONFIG: &str = r#"
[telegram]
poll_timeout = "1s"
poll_retry = "50ms"
[routing]
shards = 8
max_pending = 1000
[limits]
per_chat = "1000/1s"
per_group = "1000/1s"
global = "5000/1s"
max_queued_per_chat = 1000
[activity]
flush_interval = "20ms"
[i18n]
locales_dir = "/nonexistent-test-locales"
[timers]
tick = "50ms"
# Activity points would change balances at the ticker's pace; tests that need them turn them on.
[economy]
activity_points_per_message = 0
# Pay on every tick, so tests that turn activity points on need not move the clock.
activity_interval = "0s"
# Sign-in waves gather later replies this long, so a test waits a moment, not 2 s, for the gathered message.
min_wave_window = "150ms"
[welcome]
# Joins are asked (and greeted) as soon as the message gap allows; tests about collecting joins together
# set the production window and move the clock past it.
coalesce_window = "0s"
[shutdown]
drain_timeout = "3s"
# Tests send one member's commands far faster than anyone types; tests about the members' command rate set
# the production rate.
[moderation]
member_command_rate = "1000/1s"
"#;

/// Sends the tests' logs to the test output, filtered by `RUST_LOG` (errors only when it is unset; e.g.
/// `RUST_LOG=groupops=debug` for more), with teloxide's `log` lines bridged in. The first call in the test
/// process installs both; later calls change nothing.
pub fn init_logging() {
    use tracing_log::AsLog;
    let subscriber = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .finish();
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        let _ = tracing_log::LogTracer::builder()
            .with_max_level(tracing::level_filters::LevelFilter::current().as_log())
            .init();
    }
}

/// The short note a group gets when an answer went to its sender in private, in each language.
pub const SENT_IN_PRIVATE: [&str; 2] = ["已私信发给你。", "I sent you the answer in private."];

/// What the sender of a command reads (see [`TestBot::answer_read_by`]).
#[derive(Debug, Clone)]
pub struct ReadAnswer {
    /// The answer's text: the group's, or the private one when it went there.
    pub text: String,
    /// Whether the answer went to the sender in private.
    pub in_private: bool,
}

/// How long waits in tests may take before they fail.
pub const WAIT: Duration = Duration::from_secs(10);

/// A running bot wired to a fake Bot API.
pub struct TestBot {
    /// The fake Bot API the bot talks to.
    pub api: FakeApi,
    /// The bot's services (database, clock, outbound queue…).
    pub ctx: Ctx,
    /// The clock the bot reads; tests move it forward.
    pub clock: Clock,
    dir: Arc<tempfile::TempDir>,
    overrides: Vec<(String, String)>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<groupops::Result<()>>>,
    errors: Arc<Mutex<Vec<String>>>,
    stats: Arc<RouterStats>,
    /// Every text the bot showed, with its chat's language, for the check that no English leaks into
    /// Chinese replies (run when the bot stops or is dropped).
    pub leaks: LeakLog,
    leaks_checked: bool,
}

impl TestBot {
    /// Starts a bot with the test settings.
    pub async fn start() -> TestBot {
        Self::start_with(&[]).await
    }

    /// Starts a bot with settings overridden as environment variables would, e.g.
    /// `("GROUPOPS_LIMITS__PER_GROUP", "10/1s")`.
    pub async fn start_with(overrides: &[(&str, &str)]) -> TestBot {
        let api = FakeApi::start().await;
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        let overrides = overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let leaks = LeakLog::default();
        let observer = leaks.clone();
        api.set_observer(Arc::new(move |method, params| {
            observer.observe(method, params)
        }));
        Self::launch(api, dir, Clock::system(), overrides, leaks).await
    }

    async fn launch(
        api: FakeApi,
        dir: Arc<tempfile::TempDir>,
        clock: Clock,
        overrides: Vec<(String, String)>,
        leaks: LeakLog,
    ) -> TestBot {
        init_logging();
        let mut env: BTreeMap<String, String> = overrides.iter().cloned().collect();
        env.insert("GROUPOPS_API_URL".into(), api.url());
        env.insert(
            "GROUPOPS_DATABASE_URL".into(),
            format!("sqlite://{}/groupops.db?mode=rwc", dir.path().display()),
        );
        let config = Config::from_toml(TEST_CONFIG, &env).expect("test settings are valid");
        let errors = Arc::new(Mutex::new(Vec::new()));
        let hook: ErrorHook = {
            let errors = errors.clone();
            Arc::new(move |failure| errors.lock().expect("errors lock").push(failure))
        };
        let options = AppOptions {
            clock: clock.clone(),
            error_hook: Some(hook),
            handled_hook: None,
        };
        let app = App::build(config, "123456:TEST-TOKEN", options)
            .await
            .expect("the app builds");
        let ctx = app.ctx();
        leaks.attach(ctx.groups.clone(), ctx.default_lang());
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (stats_tx, stats_rx) = oneshot::channel();
        let task = tokio::spawn(app.run_with_stats(
            async move {
                let _ = stop_rx.await;
            },
            move |stats| {
                let _ = stats_tx.send(stats);
            },
        ));
        let stats = stats_rx.await.expect("the app starts");
        TestBot {
            api,
            ctx,
            clock,
            dir,
            overrides,
            stop: Some(stop_tx),
            task: Some(task),
            errors,
            stats,
            leaks,
            leaks_checked: false,
        }
    }

    /// Queues an update at the fake Bot API; returns its id.
    pub fn push(&self, update: Value) -> i64 {
        self.api.push_update(update)
    }

    /// Waits until every pushed update has been fetched and handled, and the activity writer has
    /// written everything recorded so far.
    pub async fn settle(&self) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let routed = self.stats.routed.load(Ordering::SeqCst);
            let handled = self.stats.handled.load(Ordering::SeqCst);
            if self.api.pending_updates() == 0 && routed == handled {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "updates not handled in time: {} pending at the fake, {routed} routed, {handled} handled",
                self.api.pending_updates()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.ctx.activity.flush().await;
    }

    /// Waits until `passes` whole passes of the ticker have run, each started after this call, so every
    /// feature's periodic work has seen the clock as it is now that many times.
    pub async fn ticks(&self, passes: u64) {
        let mut finished = self.ctx.ticks.subscribe();
        // A pass running now may have read the clock before this call: it does not count.
        let target = *finished.borrow_and_update() + passes + 1;
        tokio::time::timeout(WAIT, finished.wait_for(|&done| done >= target))
            .await
            .expect("the ticker keeps running")
            .expect("the ticker's counter lives as long as the bot");
    }

    /// Waits until no sign-in wave is open in `chat_id`: the gathered replies, if any, are queued to be
    /// sent, and the next sign-in is answered at once.
    pub async fn wave_closed(&self, chat_id: i64) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while groupops::features::economy::wave_is_open(&self.ctx, chat_id) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the sign-in wave of {chat_id} never closed"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The texts the bot sent (successfully) to a chat, in order.
    pub fn texts_to(&self, chat_id: i64) -> Vec<String> {
        self.api
            .calls("sendMessage")
            .into_iter()
            .filter(|call| !call.failed && call.params["chat_id"].as_i64() == Some(chat_id))
            .map(|call| call.params["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Waits until the bot has sent at least `count` messages to a chat; returns their texts.
    pub async fn wait_texts(&self, chat_id: i64, count: usize) -> Vec<String> {
        self.api
            .wait_until(WAIT, |calls| {
                calls
                    .iter()
                    .filter(|c| c.method.eq_ignore_ascii_case("sendMessage") && !c.failed)
                    .filter(|c| c.params["chat_id"].as_i64() == Some(chat_id))
                    .count()
                    >= count
            })
            .await;
        self.texts_to(chat_id)
    }

    /// Sends `text` from `from` (a user object) in group `chat`, waits for the group's answer, and returns
    /// what the sender reads: the group's answer, or — when the group got only the short note that the
    /// answer went to them in private (admin lists, another member's warnings) — the private answer. Every
    /// message the bot sent in reply is joined by line breaks.
    pub async fn answer_read_by(&self, chat: i64, from: Value, text: &str) -> ReadAnswer {
        let sender = from["id"].as_i64().expect("the sender has an id");
        let before = self.texts_to(chat).len();
        let before_private = self.texts_to(sender).len();
        self.push(crate::support::updates::group_message(chat, from, text));
        let texts = self.wait_texts(chat, before + 1).await;
        self.settle().await;
        let answer = texts[before..].join("\n");
        if !SENT_IN_PRIVATE.contains(&answer.as_str()) {
            return ReadAnswer {
                text: answer,
                in_private: false,
            };
        }
        let private = self.wait_texts(sender, before_private + 1).await;
        ReadAnswer {
            text: private[before_private..].join("\n"),
            in_private: true,
        }
    }

    /// Like [`TestBot::answer_read_by`] for an answer that must go to the sender in private with only the
    /// short note in the group; returns the private answer.
    pub async fn private_answer(&self, chat: i64, from: Value, text: &str) -> String {
        let answer = self.answer_read_by(chat, from, text).await;
        assert!(
            answer.in_private,
            "{text:?} was answered in the group, not in private: {}",
            answer.text
        );
        answer.text
    }

    /// The SQLite file the bot uses (see [`TestBot::data_dir`] to keep it after the bot stops).
    pub fn database_path(&self) -> std::path::PathBuf {
        self.dir.path().join("groupops.db")
    }

    /// The temporary folder holding the database; keep it to read the database after [`TestBot::stop`].
    pub fn data_dir(&self) -> Arc<tempfile::TempDir> {
        self.dir.clone()
    }

    /// Handler failures seen so far.
    pub fn errors(&self) -> Vec<String> {
        self.errors.lock().expect("errors lock").clone()
    }

    /// Presses, as `admin`, the button under the newest question that asks an admin to confirm a command an
    /// anonymous admin sent in `chat_id`, and waits until the press was answered.
    pub async fn confirm_anonymous(&self, chat_id: i64, admin: serde_json::Value) {
        let data = self
            .api
            .calls("sendMessage")
            .iter()
            .rev()
            .filter(|c| c.params["chat_id"].as_i64() == Some(chat_id))
            .find_map(|c| {
                c.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
                    .as_str()
                    .filter(|data| data.starts_with("ac:"))
                    .map(str::to_string)
            })
            .expect("a question asks an admin to confirm");
        let answered = self.api.calls("answerCallbackQuery").len();
        self.push(crate::support::updates::callback(chat_id, admin, 1, &data));
        self.api
            .wait_for("answerCallbackQuery", answered + 1, WAIT)
            .await;
    }

    /// The English leaks into Chinese texts found so far; the check at stop is then skipped (for tests
    /// that cause leaks on purpose).
    pub fn take_leaks(&mut self) -> Vec<super::leaks::Leak> {
        self.leaks_checked = true;
        self.leaks.leaks(&self.api.inputs())
    }

    /// Handler failures seen so far, forgotten afterwards (for tests that cause failures on purpose).
    pub fn take_errors(&self) -> Vec<String> {
        std::mem::take(&mut *self.errors.lock().expect("errors lock"))
    }

    /// Stops the bot the way a signal would, and fails the test if any handler failed.
    pub async fn stop(mut self) {
        self.shutdown().await;
    }

    /// Stops the bot and starts it again on the same database, fake API and clock.
    pub async fn restart(mut self) -> TestBot {
        // The restarted bot keeps recording into the same log; the check runs when it stops.
        self.leaks_checked = true;
        self.shutdown().await;
        let api = self.api.clone();
        let dir = self.dir.clone();
        let clock = self.clock.clone();
        let overrides = self.overrides.clone();
        let leaks = self.leaks.clone();
        Self::launch(api, dir, clock, overrides, leaks).await
    }

    /// Stops the bot, lets `while_down` act on the clock (time passing while the bot is down), and starts it
    /// again on the same database, fake API and clock.
    pub async fn restart_after(mut self, while_down: impl FnOnce(&Clock)) -> TestBot {
        // The restarted bot keeps recording into the same log; the check runs when it stops.
        self.leaks_checked = true;
        self.shutdown().await;
        while_down(&self.clock);
        let api = self.api.clone();
        let dir = self.dir.clone();
        let clock = self.clock.clone();
        let overrides = self.overrides.clone();
        let leaks = self.leaks.clone();
        Self::launch(api, dir, clock, overrides, leaks).await
    }

    /// Stops the bot and starts it again on the same database and clock, talking to `api`, a fresh fake
    /// Bot API (which serves updates from offset 0 again, as Telegram does after a crash).
    pub async fn restart_on(mut self, api: FakeApi) -> TestBot {
        // The restarted bot keeps recording into the same log; the check runs when it stops.
        self.leaks_checked = true;
        self.shutdown().await;
        let dir = self.dir.clone();
        let clock = self.clock.clone();
        let overrides = self.overrides.clone();
        let leaks = self.leaks.clone();
        Self::launch(api, dir, clock, overrides, leaks).await
    }

    /// The router's counters (routed, handled, dropped, skipped, replayed).
    pub fn stats(&self) -> Arc<RouterStats> {
        self.stats.clone()
    }

    async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(15), task)
                .await
                .expect("the bot stops in time")
                .expect("the bot task does not panic")
                .expect("the bot stops cleanly");
        }
        let errors = self.errors();
        assert!(errors.is_empty(), "handlers failed: {errors:#?}");
        if !self.leaks_checked {
            self.leaks_checked = true;
            self.leaks.assert_clean(&self.api.inputs());
        }
    }
}

impl Drop for TestBot {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        let errors = self.errors();
        if !errors.is_empty() && !std::thread::panicking() {
            panic!("handlers failed: {errors:#?}");
        }
        if !self.leaks_checked && !std::thread::panicking() {
            self.leaks_checked = true;
            self.leaks.assert_clean(&self.api.inputs());
        }
    }
}
