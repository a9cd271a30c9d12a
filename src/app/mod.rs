//! Builds everything once — database, wording, Bot API client, outbound queue, activity writer, caches,
//! the handler tree — for `main` and for the tests, and runs the bot until asked to stop.
//!
//! While running, a ticker calls every feature's periodic work each `timers.tick` (deadlines are stored in
//! the database and compared with the clock, so they survive restarts and tests can move time). Its first
//! pass runs before polling starts, so what fell due while the bot was down is resolved first.
//!
//! Polling confirms to Telegram only updates that were handled or stored in the durable queue (see
//! `telegram::watermark`), and every transaction with effects records its update's id (see
//! `storage::handled`): an update lost to a crash is sent again and handled, one left in the durable
//! queue is handled at the next start before polling begins, and one whose effects were committed is
//! passed over.
//!
//! Shutdown order: stop polling and the ticker, let the shards finish every update already routed, confirm the offset to
//! Telegram, delete the queue rows of the updates handled, drain the outbound queue and wait for the work
//! handlers left running (both bounded by `shutdown.drain_timeout`), write the remaining activity, close
//! the database.

use crate::clock::Clock;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::features;
use crate::i18n::I18n;
use crate::services::{Ctx, ErrorHook, Services};
use crate::storage::activity;
use crate::storage::groups::GroupCache;
use crate::storage::handled;
use crate::storage::Storage;
use crate::telegram::admins::AdminCache;
use crate::telegram::outbound::Outbound;
use crate::telegram::polling::{DurableQueue, Poller};
use crate::telegram::router::{Router, RouterStats, UpdateFn};
use crate::telegram::watermark::Watermark;
use crate::telegram::{self, Handler};
use futures::FutureExt;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, Update};
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod dispatch;
mod housekeeping;
mod observe;

/// Called with an update's id once its handling has finished (successfully or not).
pub type HandledHook = Arc<dyn Fn(u32) + Send + Sync>;

/// Test and embedding hooks; production uses the defaults.
#[derive(Clone, Default)]
pub struct AppOptions {
    /// The clock (tests keep a clone to move time).
    pub clock: Clock,
    /// Receives every handler failure.
    pub error_hook: Option<ErrorHook>,
    /// Told about every finished update (the benchmark measures latency with it).
    pub handled_hook: Option<HandledHook>,
}

/// A built bot, ready to run.
pub struct App {
    ctx: Ctx,
    handler: Arc<Handler>,
    deps: DependencyMap,
    poller: Poller,
    outbound_task: JoinHandle<()>,
    writer_task: JoinHandle<()>,
    handled_hook: Option<HandledHook>,
    replay_upto: Option<i64>,
}

impl App {
    /// Opens and migrates the database, loads the wording, asks Telegram who the bot is, starts the
    /// outbound queue and the activity writer, and type-checks the handler tree.
    pub async fn build(config: Config, token: &str, options: AppOptions) -> Result<App> {
        let storage = Storage::open(&config.storage).await?;
        storage.migrate().await?;
        let replay_upto = handled::highest(&storage).await?;
        let i18n = Arc::new(I18n::load(&config.i18n.locales_dir)?);
        let bot = telegram::build_bot(token, &config.telegram.api_url)?;
        let me = bot.get_me().await.map_err(|err| {
            tracing::error!(%err, "cannot reach the Bot API or the token was refused");
            Error::Telegram(err)
        })?;
        if let Err(err) = bot.delete_webhook().await {
            tracing::warn!(%err, "could not remove a webhook; polling may fail");
        }
        let (outbound, outbound_task) = Outbound::spawn(bot.clone(), &config.limits);
        let (activity, writer_task) = activity::spawn(
            storage.clone(),
            &config.activity,
            config.economy.activity_min_chars,
        );
        let admins = AdminCache::new(bot.clone(), me.id, config.admins.cache_ttl.get());
        let poller = Poller::new(
            &config.telegram.api_url,
            token,
            config.telegram.poll_timeout.get(),
            config.telegram.poll_retry.get(),
        )
        .grace(config.telegram.poll_grace.get())
        .max_retry_after(config.limits.max_retry_after.get());
        let ctx = Arc::new(Services {
            config: Arc::new(config),
            storage,
            i18n,
            bot: bot.clone(),
            me: me.clone(),
            outbound,
            admins,
            activity,
            groups: GroupCache::default(),
            clock: options.clock,
            error_hook: options.error_hook,
            commands: features::catalog(),
            tasks: tokio_util::task::TaskTracker::new(),
            redispatch: Default::default(),
            locals: Default::default(),
            ticks: watch::channel(0).0,
            game_inputs: features::GAME_INPUTS.to_vec(),
        });
        let handler = Arc::new(features::handler());
        let deps = dispatch::dependencies(bot.clone(), me.clone(), ctx.clone());
        dispatch::type_check(&handler, &deps);
        // The services hold this, so it holds them weakly.
        let (tree, services) = (handler.clone(), Arc::downgrade(&ctx));
        let _ = ctx.redispatch.set(Arc::new(move |update| {
            let (tree, services) = (tree.clone(), services.clone());
            let (bot, me) = (bot.clone(), me.clone());
            Box::pin(async move {
                if let Some(ctx) = services.upgrade() {
                    let deps = dispatch::dependencies(bot, me, ctx.clone());
                    dispatch::run_handlers(tree, deps, ctx, update).await;
                }
            })
        }));
        Ok(App {
            ctx,
            handler,
            deps,
            poller,
            outbound_task,
            writer_task,
            handled_hook: options.handled_hook,
            replay_upto,
        })
    }

    /// The shared services (tests read the database and move the clock through them).
    pub fn ctx(&self) -> Ctx {
        self.ctx.clone()
    }

    /// Runs until `shutdown` completes, then stops in order and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<()> {
        self.run_with_stats(shutdown, |_| {}).await
    }

    /// Like [`App::run`], handing the router's counters to `on_start` (used by benchmarks).
    pub async fn run_with_stats(
        self,
        shutdown: impl Future<Output = ()>,
        on_start: impl FnOnce(Arc<RouterStats>),
    ) -> Result<()> {
        let stats = Arc::new(RouterStats::default());
        let (parts, update_fn) = self.start(stats.clone()).await;
        let ctx = parts.ctx.clone();
        let router = Router::start_counting(
            ctx.config.routing.shards,
            ctx.config.routing.max_pending,
            ctx.config.routing.max_pending_per_chat,
            update_fn,
            stats.clone(),
        );
        on_start(router.stats());
        let (cleaner_tx, cleaner_rx) = tokio::sync::mpsc::unbounded_channel();
        let marks = Watermark::with_cleaner(cleaner_tx);
        let cleaner = tokio::spawn(clean_queue(ctx.clone(), cleaner_rx));
        let (stop_tx, stop_rx) = watch::channel(false);
        // The ticker's first pass resolves what fell due while the bot was down; then the updates left in
        // the durable queue go to the shards, ahead of anything polling brings.
        let ticker = start_ticker(ctx.clone(), stop_rx.clone()).await;
        replay_queue(&ctx, &router, &marks).await;
        let queue = DurableQueue {
            pool: ctx.storage.write.clone(),
            after: ctx.config.telegram.durable_queue_after.get(),
        };
        let polling = {
            let poller = parts.poller.clone();
            let stop_rx = stop_rx.clone();
            let marks = marks.clone();
            tokio::spawn(async move {
                poller
                    .run(&router, &marks, &stats.skipped, Some(&queue), stop_rx)
                    .await;
                router.close().await;
            })
        };
        tracing::info!(bot = ?ctx.me.username, shards = ctx.config.routing.shards, "groupops is running");
        shutdown.await;
        tracing::info!("shutting down: polling stops, queued work is finished");
        let _ = stop_tx.send(true);
        let _ = polling.await;
        let _ = ticker.await;
        // Every routed update has been handled now, so the offset passes all of them.
        parts.poller.confirm(marks.offset()).await;
        // The last handle to the cleaner's channel goes, so the cleaner deletes what is left and ends.
        drop(marks);
        let _ = cleaner.await;
        parts.finish().await;
        Ok(())
    }

    /// Runs the same services, handler tree and ticker under teloxide's own `Dispatcher` with its default
    /// per-chat workers and its polling listener, instead of the shard router and our poller. The pipeline
    /// benchmark runs this as the baseline the shard router is compared with; the bot itself never does.
    pub async fn run_on_teloxide_dispatcher(
        self,
        shutdown: impl Future<Output = ()>,
    ) -> Result<()> {
        let (parts, update_fn) = self.start(Arc::default()).await;
        let ctx = parts.ctx.clone();
        let tree: Handler = dptree::endpoint(move |update: Update| {
            let handle = update_fn.clone();
            async move {
                handle(update).await;
                Ok(())
            }
        });
        let mut dispatcher = Dispatcher::builder(ctx.bot.clone(), tree)
            .default_handler(|_| async {})
            .build();
        let token = dispatcher.shutdown_token();
        let listener = teloxide::update_listeners::Polling::builder(ctx.bot.clone())
            .timeout(ctx.config.telegram.poll_timeout.get())
            .allowed_updates(vec![
                AllowedUpdate::Message,
                AllowedUpdate::EditedMessage,
                AllowedUpdate::CallbackQuery,
                AllowedUpdate::ChatMember,
                AllowedUpdate::MyChatMember,
                AllowedUpdate::ChatJoinRequest,
            ])
            .build();
        let (stop_tx, stop_rx) = watch::channel(false);
        let ticker = start_ticker(ctx.clone(), stop_rx).await;
        let running = tokio::spawn(async move {
            dispatcher
                .dispatch_with_listener(
                    listener,
                    teloxide::error_handlers::LoggingErrorHandler::new(),
                )
                .await;
        });
        shutdown.await;
        if let Ok(stopped) = token.shutdown() {
            stopped.await;
        }
        let _ = running.await;
        let _ = stop_tx.send(true);
        let _ = ticker.await;
        parts.finish().await;
        Ok(())
    }

    /// Registers the command menu and builds the function a shard (or a teloxide worker) runs per update:
    /// the first look, the handler tree, then the handled hook.
    ///
    /// An update whose effects an earlier run committed (its id is in `handled_updates`) is passed over,
    /// replies included, and counted in `stats.replayed`; a message the rules removed is only deleted
    /// again. Only ids up to the highest one recorded at
    /// start-up are looked up: later ones cannot have been recorded before. Every other update runs with
    /// its id as the task's current update, so the transactions it commits record it.
    async fn start(self, stats: Arc<RouterStats>) -> (Running, UpdateFn) {
        let App {
            ctx,
            handler,
            deps,
            poller,
            outbound_task,
            writer_task,
            handled_hook,
            replay_upto,
        } = self;
        if ctx.config.telegram.register_commands {
            features::register_commands(&ctx).await;
        }
        let update_fn: UpdateFn = {
            let ctx = ctx.clone();
            Arc::new(move |update| {
                let id = update.id.0;
                let ctx = ctx.clone();
                let seen = removable(&update);
                let handled =
                    dispatch::dispatch(handler.clone(), deps.clone(), ctx.clone(), update);
                let hook = handled_hook.clone();
                let stats = stats.clone();
                async move {
                    let update_id = i64::from(id);
                    let earlier = match replay_upto.filter(|upto| update_id <= *upto) {
                        Some(_) => handled_before(&ctx, update_id).await,
                        None => None,
                    };
                    match earlier {
                        Some(kind) => {
                            stats.replayed.fetch_add(1, Ordering::Relaxed);
                            let removal = crate::features::moderation::log::removal_of(&kind);
                            if let (Some(violation), Some((chat_id, message_id))) = (removal, seen)
                            {
                                crate::features::moderation::removal_sent_again(
                                    &ctx, chat_id, message_id, violation,
                                )
                                .await;
                            }
                        }
                        None => handled::CURRENT_UPDATE.scope(update_id, handled).await,
                    }
                    if let Some(hook) = hook {
                        hook(id);
                    }
                }
                .boxed()
            })
        };
        let running = Running {
            ctx,
            poller,
            outbound_task,
            writer_task,
        };
        (running, update_fn)
    }
}

/// Hands every update left in the durable queue by an earlier run to the shards, oldest first, before
/// polling starts: each chat's queued updates are handled in their order and before its new ones. An
/// update that cannot be read any more is passed (its row deleted). Telegram's own copies of these
/// updates are refused by the watermark.
async fn replay_queue(ctx: &Ctx, router: &Router, marks: &Watermark) {
    let queued = match crate::storage::queued::load(&ctx.storage.write).await {
        Ok(queued) => queued,
        Err(err) => {
            tracing::error!(%err, "cannot read the durable queue; its updates wait for the next start");
            return;
        }
    };
    if queued.is_empty() {
        return;
    }
    tracing::info!(
        count = queued.len(),
        "handling the updates queued before the last stop"
    );
    for entry in queued {
        let ticket = marks.adopt(entry.update_id);
        let Ok(raw) = serde_json::value::RawValue::from_string(entry.raw) else {
            tracing::warn!(
                update_id = entry.update_id,
                "a queued update is not JSON; passed"
            );
            continue;
        };
        match telegram::polling::parse(&raw) {
            telegram::polling::Parsed::Update(update) => router.route_queued(*update, ticket).await,
            telegram::polling::Parsed::Skipped(_) => {}
        }
    }
}

/// Deletes the durable queue's rows of handled updates, as their ids arrive, many in one statement.
/// It ends once every sender is gone (the watermark and its tickets), after deleting what it got. A row
/// that cannot be deleted stays, and its update is handled again at the next start: its effects are
/// recorded (see `storage::handled`), so only its replies may repeat.
async fn clean_queue(ctx: Ctx, mut handled: tokio::sync::mpsc::UnboundedReceiver<i64>) {
    const BATCH: usize = 500;
    let mut ids = Vec::with_capacity(BATCH);
    while handled.recv_many(&mut ids, BATCH).await > 0 {
        if let Err(err) = crate::storage::queued::delete(&ctx.storage.write, &ids).await {
            tracing::warn!(%err, count = ids.len(), "could not delete handled updates from the durable queue");
        }
        ids.clear();
    }
}

/// What an earlier run recorded of update `update_id` (the kind of its first effect), when it committed
/// its effects. When the record cannot be read, the update is handled (and the failure logged): the
/// ledger's own checks still hold.
async fn handled_before(ctx: &Ctx, update_id: i64) -> Option<String> {
    match handled::kind_of(&ctx.storage, update_id).await {
        Ok(Some(kind)) => {
            tracing::info!(
                update_id,
                kind,
                "update was handled before a restart; passed over"
            );
            Some(kind)
        }
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(%err, update_id, "cannot tell whether the update was handled; handling it");
            None
        }
    }
}

/// The chat and id of the message an update carries (new or edited), which the rules may have removed.
fn removable(update: &Update) -> Option<(i64, teloxide::types::MessageId)> {
    match &update.kind {
        teloxide::types::UpdateKind::Message(message)
        | teloxide::types::UpdateKind::EditedMessage(message) => {
            Some((message.chat.id.0, message.id))
        }
        _ => None,
    }
}

/// What is left to stop once updates no longer arrive.
struct Running {
    ctx: Ctx,
    poller: Poller,
    outbound_task: JoinHandle<()>,
    writer_task: JoinHandle<()>,
}

impl Running {
    /// Drains the outbound queue and waits for the work handlers left running (both within
    /// `shutdown.drain_timeout`), writes the remaining activity and closes the database.
    async fn finish(self) {
        let Running {
            ctx,
            outbound_task,
            writer_task,
            ..
        } = self;
        let deadline = tokio::time::Instant::now() + ctx.config.shutdown.drain_timeout.get();
        let dropped = ctx
            .outbound
            .drain(ctx.config.shutdown.drain_timeout.get())
            .await;
        ctx.tasks.close();
        if tokio::time::timeout_at(deadline, ctx.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                unfinished = ctx.tasks.len(),
                "shutdown: work left running by handlers did not finish in time"
            );
        }
        ctx.activity.close().await;
        let _ = writer_task.await;
        outbound_task.abort();
        ctx.storage.close().await;
        tracing::info!(dropped_messages = dropped, "groupops stopped");
    }
}

/// Starts the ticker: every `timers.tick` each feature resolves its due deadlines, and once a day old raw
/// activity is removed. The first pass runs before this returns (so before polling starts): deadlines that
/// fell due while the bot was down are resolved before any new update is handled. Every finished pass is
/// counted in `ctx.ticks`. It stops when `stop` turns true.
async fn start_ticker(ctx: Ctx, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    let mut housekeeping = housekeeping::Housekeeping::default();
    let mut last_runs = features::LastRuns::new();
    ticker_pass(&ctx, &mut last_runs, &mut housekeeping).await;
    tokio::spawn(async move {
        let every = ctx.config.timers.tick.get();
        let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = interval.tick() => ticker_pass(&ctx, &mut last_runs, &mut housekeeping).await,
                _ = stop.changed() => return,
            }
        }
    })
}

/// One pass of the ticker: every feature's due work, the housekeeping that is due (daily clean-up,
/// scheduled backups), and the pass counted in `ctx.ticks`.
async fn ticker_pass(
    ctx: &Ctx,
    last_runs: &mut features::LastRuns,
    housekeeping: &mut housekeeping::Housekeeping,
) {
    features::tick(ctx, last_runs).await;
    housekeeping.run(ctx);
    ctx.ticks.send_modify(|passes| *passes += 1);
}

/// Listens for Ctrl-C and SIGTERM from the moment it is called (inside a tokio runtime) and returns a
/// future that completes at the first of them. Calling it before the bot is built means a signal during
/// start-up is caught instead of ending the process with the default action.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind: SignalKind, name: &'static str| match signal(kind) {
            Ok(stream) => Some(stream),
            Err(err) => {
                tracing::warn!(%err, "cannot listen for {name}");
                None
            }
        };
        let interrupt = listen(SignalKind::interrupt(), "Ctrl-C");
        let terminate = listen(SignalKind::terminate(), "SIGTERM");
        async move {
            let wait = |stream: Option<tokio::signal::unix::Signal>| async move {
                match stream {
                    Some(mut stream) => {
                        stream.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(interrupt) => {}
                _ = wait(terminate) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        let ctrl_c = tokio::signal::windows::ctrl_c();
        async move {
            match ctrl_c {
                Ok(mut stream) => {
                    stream.recv().await;
                }
                Err(err) => {
                    tracing::warn!(%err, "cannot listen for Ctrl-C");
                    std::future::pending::<()>().await
                }
            }
        }
    }
}
