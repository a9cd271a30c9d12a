//! Builds everything once — database, wording, Bot API client, outbound queue, activity writer, caches,
//! the handler tree — for `main` and for the tests, and runs the bot until asked to stop.
//!
//! While running, a ticker calls every feature's periodic work each `timers.tick` (deadlines are stored in
//! the database and compared with the clock, so they survive restarts and tests can move time).
//!
//! Shutdown order: stop polling and the ticker, let the shards finish every update already routed, confirm the offset to
//! Telegram, drain the outbound queue (bounded by `shutdown.drain_timeout`), write the remaining activity,
//! close the database.

use crate::clock::Clock;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::features;
use crate::i18n::{I18n, Lang};
use crate::storage::activity::{self, ActivitySink};
use crate::storage::groups::GroupCache;
use crate::storage::Storage;
use crate::telegram::admins::{AdminCache, Permission, Right};
use crate::telegram::outbound::{Outbound, Pending, Text};
use crate::telegram::polling::Poller;
use crate::telegram::router::{Router, RouterStats, UpdateFn};
use crate::telegram::{self, Handler};
use fluent_bundle::FluentArgs;
use futures::FutureExt;
use std::future::Future;
use std::sync::Arc;
use teloxide::prelude::*;
use teloxide::types::Me;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Called with a description of every handler failure (tests use it to fail loudly).
pub type ErrorHook = Arc<dyn Fn(String) + Send + Sync>;

/// Everything a handler needs, built once.
pub struct Services {
    /// The settings.
    pub config: Arc<Config>,
    /// The database.
    pub storage: Storage,
    /// The wording.
    pub i18n: Arc<I18n>,
    /// The Bot API client (for calls that are not sends; sends go through `outbound`).
    pub bot: Bot,
    /// The bot's own account.
    pub me: Me,
    /// The rate-limited queue for everything the bot says.
    pub outbound: Outbound,
    /// Who is an admin where.
    pub admins: AdminCache,
    /// The activity writer's intake.
    pub activity: ActivitySink,
    /// Group records in memory.
    pub groups: GroupCache,
    /// The wall clock.
    pub clock: Clock,
    /// Receives handler failures, when set.
    pub error_hook: Option<ErrorHook>,
}

/// The shared handle handlers receive.
pub type Ctx = Arc<Services>;

impl Services {
    /// The language to answer a message in: the group's language in groups, the member's own (when we
    /// speak it) in private chats, else the configured default.
    pub async fn lang_for(&self, message: &Message) -> Lang {
        if message.chat.id.0 < 0 {
            return self.group_lang(message.chat.id.0).await;
        }
        Lang::from_telegram(
            message
                .from
                .as_ref()
                .and_then(|u| u.language_code.as_deref()),
        )
        .unwrap_or_else(|| self.default_lang())
    }

    /// A group's language.
    pub async fn group_lang(&self, chat_id: i64) -> Lang {
        match self.groups.get(&self.storage, chat_id).await {
            Ok(Some(group)) => Lang::parse(&group.language).unwrap_or_else(|| self.default_lang()),
            Ok(None) => self.default_lang(),
            Err(err) => {
                tracing::warn!(%err, chat_id, "group language unreadable; using the default");
                self.default_lang()
            }
        }
    }

    /// The configured default language.
    pub fn default_lang(&self) -> Lang {
        Lang::parse(&self.config.i18n.default_language).unwrap_or(Lang::Zh)
    }

    /// A message in a language.
    pub fn t(&self, lang: Lang, id: &str) -> String {
        self.i18n.t(lang, id)
    }

    /// A message in a language, with arguments.
    pub fn ta(&self, lang: Lang, id: &str, args: &FluentArgs) -> String {
        self.i18n.ta(lang, id, args)
    }

    /// Replies to a message in plain text, in its chat and forum topic.
    pub fn reply(&self, message: &Message, text: impl Into<String>) -> Pending<Message> {
        self.outbound
            .send_text(Text::plain(message.chat.id.0, text).reply_to(message))
    }

    /// Replies to a message with HTML text.
    pub fn reply_html(&self, message: &Message, html: impl Into<String>) -> Pending<Message> {
        self.outbound
            .send_text(Text::html(message.chat.id.0, html).reply_to(message))
    }

    /// The localized refusal when the sender of `message` may not use a command that needs `right`
    /// (not an admin, or an admin without that right), or `None` when they may.
    pub async fn refusal(
        &self,
        message: &Message,
        right: Right,
        lang: Lang,
    ) -> Result<Option<String>> {
        Ok(match self.admins.check_sender(message, right).await? {
            Permission::Granted => None,
            Permission::NotAdmin => Some(self.t(lang, "refuse-not-admin")),
            Permission::Missing(right) => Some(self.ta(
                lang,
                "refuse-missing-right",
                &crate::fargs! {"right" => self.t(lang, &format!("right-{}", right.name()))},
            )),
        })
    }

    /// The localized sentence naming the first of `needed` that the bot itself lacks in a group, or
    /// `None` when it has them all.
    pub async fn bot_lacks(
        &self,
        chat_id: i64,
        needed: &[Right],
        lang: Lang,
    ) -> Result<Option<String>> {
        Ok(self
            .admins
            .bot_missing(chat_id, needed)
            .await?
            .map(|right| {
                self.ta(
                    lang,
                    "bot-missing-right",
                    &crate::fargs! {"right" => self.t(lang, &format!("right-{}", right.name()))},
                )
            }))
    }

    /// Finds who a command is about: the author of the replied-to message, else an `@username` the bot has
    /// seen in this group, else a numeric user id, read from the start of `args`. Returns the target (if
    /// any) and the rest of the arguments. A username nobody here has used is [`TargetError::UnknownUsername`].
    pub async fn resolve_target<'a>(
        &self,
        message: &Message,
        args: &'a str,
    ) -> Result<(Option<Target>, &'a str), TargetError> {
        let (spec, rest) = crate::args::split_target(args);
        if spec.is_none() {
            if let Some(user) = message
                .reply_to_message()
                .and_then(|replied| replied.from.as_ref())
            {
                return Ok((Some(Target::from_user(user)), rest));
            }
        }
        let mut conn = self.storage.read.acquire().await.map_err(Error::from)?;
        match spec {
            None => Ok((None, rest)),
            Some(crate::args::TargetSpec::Username(name)) => {
                match crate::storage::members::find_by_username(&mut conn, message.chat.id.0, &name)
                    .await?
                {
                    Some(user) => Ok((Some(Target::from_record(&user)), rest)),
                    None => Err(TargetError::UnknownUsername(name)),
                }
            }
            Some(crate::args::TargetSpec::Id(id)) => {
                let known = crate::storage::members::get_user(&mut conn, id).await?;
                Ok((
                    Some(known.map(|u| Target::from_record(&u)).unwrap_or(Target {
                        user_id: id,
                        name: id.to_string(),
                        username: None,
                        is_bot: false,
                    })),
                    rest,
                ))
            }
        }
    }

    /// Now, as Unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.unix()
    }
}

/// The member a command is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Their Telegram id.
    pub user_id: i64,
    /// Their display name ("First Last"), or the id when the bot never saw them.
    pub name: String,
    /// Their @username, if known.
    pub username: Option<String>,
    /// Whether the account is a bot.
    pub is_bot: bool,
}

impl Target {
    fn from_user(user: &teloxide::types::User) -> Self {
        Self {
            user_id: user.id.0 as i64,
            name: crate::telegram::text::full_name(user),
            username: user.username.clone(),
            is_bot: user.is_bot,
        }
    }

    fn from_record(user: &crate::storage::members::UserRecord) -> Self {
        Self {
            user_id: user.user_id,
            name: user.full_name(),
            username: user.username.clone(),
            is_bot: user.is_bot,
        }
    }

    /// An HTML mention of the target.
    pub fn mention_html(&self) -> String {
        crate::telegram::text::mention_html(self.user_id, &self.name)
    }
}

/// Why a target could not be found.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// Nobody with this @username has been seen in the group.
    #[error("unknown username @{0}")]
    UnknownUsername(String),
    /// The database could not be read.
    #[error(transparent)]
    Storage(#[from] Error),
}

/// Test and embedding hooks; production uses the defaults.
#[derive(Clone, Default)]
pub struct AppOptions {
    /// The clock (tests keep a clone to move time).
    pub clock: Clock,
    /// Receives every handler failure.
    pub error_hook: Option<ErrorHook>,
}

/// A built bot, ready to run.
pub struct App {
    ctx: Ctx,
    handler: Arc<Handler>,
    deps: DependencyMap,
    poller: Poller,
    outbound_task: JoinHandle<()>,
    writer_task: JoinHandle<()>,
}

impl App {
    /// Opens and migrates the database, loads the wording, asks Telegram who the bot is, starts the
    /// outbound queue and the activity writer, and type-checks the handler tree.
    pub async fn build(config: Config, token: &str, options: AppOptions) -> Result<App> {
        let storage = Storage::open(&config.storage).await?;
        storage.migrate().await?;
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
        );
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
        });
        let handler = Arc::new(features::handler());
        let deps = telegram::dependencies(bot, me, ctx.clone());
        telegram::type_check(&handler, &deps);
        Ok(App {
            ctx,
            handler,
            deps,
            poller,
            outbound_task,
            writer_task,
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
        let App {
            ctx,
            handler,
            deps,
            poller,
            outbound_task,
            writer_task,
        } = self;
        if ctx.config.telegram.register_commands {
            features::register_commands(&ctx).await;
        }
        let update_fn: UpdateFn = {
            let ctx = ctx.clone();
            Arc::new(move |update| {
                telegram::dispatch(handler.clone(), deps.clone(), ctx.clone(), update).boxed()
            })
        };
        let router = Router::start(
            ctx.config.routing.shards,
            ctx.config.routing.max_pending,
            update_fn,
        );
        on_start(router.stats());
        let (stop_tx, stop_rx) = watch::channel(false);
        let stop_rx_ticker = stop_rx.clone();
        let polling = {
            let poller = poller.clone();
            tokio::spawn(async move {
                let offset = poller.run(&router, stop_rx).await;
                router.close().await;
                offset
            })
        };
        let ticker = {
            let ctx = ctx.clone();
            let mut stop = stop_rx_ticker;
            tokio::spawn(async move {
                let mut interval = tokio::time::interval(ctx.config.timers.tick.get());
                interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = interval.tick() => features::tick(&ctx).await,
                        _ = stop.changed() => return,
                    }
                }
            })
        };
        tracing::info!(bot = ?ctx.me.username, shards = ctx.config.routing.shards, "groupops is running");
        shutdown.await;
        tracing::info!("shutting down: polling stops, queued work is finished");
        let _ = stop_tx.send(true);
        let offset = polling.await.unwrap_or(0);
        let _ = ticker.await;
        poller.confirm(offset).await;
        let dropped = ctx
            .outbound
            .drain(ctx.config.shutdown.drain_timeout.get())
            .await;
        ctx.activity.close().await;
        let _ = writer_task.await;
        outbound_task.abort();
        ctx.storage.close().await;
        tracing::info!(dropped_messages = dropped, "groupops stopped");
        Ok(())
    }
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
