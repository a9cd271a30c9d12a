//! The services every handler receives, built once by `app`: settings, database, wording, the Bot API
//! client, the outbound queue, the admin cache, the activity writer's intake, group records and the clock —
//! plus the small helpers features share (language of a chat, localized refusals, resolving a target) and
//! [`Call`], the one way commands answer.

pub mod call;
pub mod permit;
pub mod replies;

pub use call::Call;
pub use replies::Lasting;

use crate::clock::Clock;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::i18n::{I18n, Lang};
use crate::storage::activity::ActivitySink;
use crate::storage::groups::GroupCache;
use crate::storage::Storage;
use crate::telegram::admins::{AdminCache, Right};
use crate::telegram::commands::CommandInfo;
use crate::telegram::outbound::{Outbound, Pending, Text};
use fluent_bundle::FluentArgs;
use std::collections::HashMap;
use std::sync::Arc;
use teloxide::prelude::*;
use teloxide::types::Me;

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
    /// Every feature's commands, in the order `/help` lists them.
    pub commands: Vec<CommandInfo>,
    /// Work a handler left running beside its shard (waiting for a send, then noting its message id).
    /// Shutdown waits for it, within `shutdown.drain_timeout`, before the database closes.
    pub tasks: tokio_util::task::TaskTracker,
    /// Runs a message through the handler tree again (set by `app` once the tree is built): a command an
    /// anonymous admin sent runs this way, in the name of the admin who confirmed it.
    pub redispatch: std::sync::OnceLock<Redispatch>,
    /// Features' in-memory state for this running bot, one value per type (see [`Services::local`]).
    pub locals: Locals,
    /// How many passes of the ticker (every feature's periodic work) have finished; tests wait on it to
    /// know that the periodic work has seen a moved clock.
    pub ticks: tokio::sync::watch::Sender<u64>,
    /// Every feature's test of whether a group message is an input to one of its games (a lottery's
    /// join keyword, a packet's phrase or a quiz answer, a sign-in word), filled by `app` from the
    /// feature registry. Moderation never lets the ad detector judge such a message.
    pub game_inputs: Vec<GameInputCheck>,
}

/// Whether a group message is an input to a feature's game; each feature answers from its in-memory
/// indexes (reading the database only where its index says a game may be open).
pub type GameInputCheck = for<'a> fn(&'a Ctx, &'a Message) -> futures::future::BoxFuture<'a, bool>;

/// Values that live as long as one running bot, one per type: a feature's caches and indexes, rebuilt
/// from the database after a restart. Several bots in one process (as in tests) each have their own.
#[derive(Default)]
pub struct Locals(
    std::sync::RwLock<HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>>,
);

impl Locals {
    /// The value of type `T`, made by `init` on first use.
    pub fn get<T: Send + Sync + 'static>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        let key = std::any::TypeId::of::<T>();
        let found = self
            .0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        let value = match found {
            Some(value) => value,
            None => self
                .0
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .entry(key)
                .or_insert_with(|| Arc::new(init()))
                .clone(),
        };
        value
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("a local is stored under its own type"))
    }
}

impl Services {
    /// This bot's value of type `T`, made by `init` on first use (see [`Locals`]).
    pub fn local<T: Send + Sync + 'static>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        self.locals.get(init)
    }
}

/// The shared handle handlers receive.
pub type Ctx = Arc<Services>;

/// Runs one update through the handler tree (without recording it as activity again).
pub type Redispatch =
    Arc<dyn Fn(teloxide::types::Update) -> futures::future::BoxFuture<'static, ()> + Send + Sync>;

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

    /// A duration in words of a language (`3 天`, `1 hour`, `2 days`).
    pub fn duration(&self, lang: Lang, duration: std::time::Duration) -> String {
        self.i18n.duration(lang, duration)
    }

    /// Replies to a message in plain text, in its chat and forum topic.
    pub fn reply(&self, message: &Message, text: impl Into<String>) -> Pending<Message> {
        self.outbound.send_text(replies::redirected(
            Text::plain(message.chat.id.0, text).reply_to(message),
        ))
    }

    /// Replies to a message with HTML text.
    pub fn reply_html(&self, message: &Message, html: impl Into<String>) -> Pending<Message> {
        self.outbound.send_text(replies::redirected(
            Text::html(message.chat.id.0, html).reply_to(message),
        ))
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
            if let Some(user) =
                crate::telegram::replied_message(message).and_then(|replied| replied.from.as_ref())
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

    /// How a member is named to a group: the anonymous admin account (or the group it speaks as, a
    /// negative chat id) as 匿名管理员 / "anonymous admin", a member the bot has seen by their name, anyone
    /// else as "member 123".
    pub fn member_name(&self, lang: Lang, user_id: i64, known: Option<&str>) -> String {
        if is_anonymous_admin(user_id) {
            return self.t(lang, "anonymous-admin");
        }
        match known {
            Some(name) if !name.is_empty() => name.to_string(),
            _ => self.ta(lang, "member-by-id", &crate::fargs! {"id" => user_id}),
        }
    }

    /// A member's name in HTML: a link to them, except the anonymous admin account, which has no page.
    pub fn member_html(&self, lang: Lang, user_id: i64, name: &str) -> String {
        if is_anonymous_admin(user_id) {
            return crate::telegram::text::escape(&self.t(lang, "anonymous-admin"));
        }
        crate::telegram::text::mention_html(user_id, name)
    }

    /// Now, as Unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.unix()
    }
}

/// Whether an id that acted is an anonymous admin: Telegram's anonymous admin account, or the group
/// itself (a negative chat id), which the bot records as the actor of an anonymous admin's command.
fn is_anonymous_admin(user_id: i64) -> bool {
    user_id == crate::telegram::admins::GROUP_ANONYMOUS_BOT as i64 || user_id < 0
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct Counter(AtomicUsize);

    #[test]
    fn a_local_is_made_once_per_type_and_per_bot() {
        let (one, other) = (Locals::default(), Locals::default());
        let made = AtomicUsize::new(0);
        let make = || {
            made.fetch_add(1, Ordering::Relaxed);
            Counter::default()
        };
        one.get(make).0.fetch_add(5, Ordering::Relaxed);
        assert_eq!(one.get(Counter::default).0.load(Ordering::Relaxed), 5);
        assert_eq!(made.load(Ordering::Relaxed), 1, "made on first use only");
        assert_eq!(
            other.get(Counter::default).0.load(Ordering::Relaxed),
            0,
            "each bot its own"
        );
        assert_eq!(
            *one.get(|| String::from("text")),
            "text",
            "one value per type"
        );
    }
}
