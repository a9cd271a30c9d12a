//! The outbound queue: every message the bot sends or edits goes through here, so the bot keeps
//! Telegram's limits however many features want to talk at once.
//!
//! - Sends and edits ("budgeted" requests) wait in a queue per chat and go out when the chat's sliding
//!   window (`limits.per_chat`), the group's window (`limits.per_group`, groups only) and the global window
//!   (`limits.global`) all have room. A scheduler task decides; the HTTP calls run in their own tasks, so a
//!   slow call never holds up other chats and no shard ever waits for a send.
//! - Deletes, bans, restricts and callback answers ("immediate" requests) are not budgeted by Telegram and
//!   go out at once, at most `limits.concurrency` on the wire. A 429 on one of them pauses every immediate
//!   request of the same chat until `retry_after` has passed, so a burst of deletes does not spend its
//!   retries hammering a chat Telegram has asked us to leave alone. At most `limits.max_immediate_pending`
//!   wait or run at once; beyond that they are refused and counted.
//! - Every budgeted request has a [`Priority`]: gate questions, then moderation notices, then replies, then
//!   games, then bulk sends. A chat's waiting requests go out highest priority first (in the order they
//!   were queued within one priority). Gate questions and moderation notices may use a group's whole
//!   budget; everything else only what is left of it after `limits.priority_share` (rounded up), so replies
//!   to a flood of member commands can never starve the entry gate or a moderation notice. When a chat's
//!   queue is full, a gate question or moderation notice takes the place of the newest waiting request of
//!   lower priority, which is refused instead.
//! - Every window is lengthened by `limits.window_margin`, so a send that reaches Telegram a little later
//!   than it left cannot land inside the window Telegram counts. A chat holds at most
//!   `limits.max_queued_per_chat` waiting sends; further ones are refused, counted and logged once.
//! - One chat has at most one budgeted request on the wire at a time, so its messages arrive in the order
//!   they were queued.
//! - A 429 answer puts the request back at the head of its chat's queue and pauses that chat for
//!   `retry_after` (clamped to `limits.max_retry_after`); nothing is sent twice, because a 429 means nothing
//!   was done. Any other error is final and handed back to the caller (403 from a member who blocked the
//!   bot is logged once as such, not retried).
//! - Callers that need the result (for example the sent welcome, to delete it later) keep the returned
//!   [`Pending`]; everyone else drops it.

mod verbs;

pub use verbs::{Post, PostMedia};

use crate::config::LimitSettings;
use crate::error::{Error, Result};
use crate::units::Rate;
use futures::future::BoxFuture;
use futures::FutureExt;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardMarkup, LinkPreviewOptions, MessageId, ParseMode, ReplyParameters, ThreadId,
};
use teloxide::{ApiError, RequestError};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::time::Instant;

/// How urgent a budgeted request is; the first variants go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Priority {
    /// A question of the entry gate (captcha): a newcomer waits restricted until it is sent.
    Gate,
    /// An explanation, warning or other notice of moderation.
    Moderation,
    /// A reply to a member's or admin's command.
    #[default]
    Reply,
    /// A game's message or its edits (packets, lotteries, sign-in waves).
    Game,
    /// Scheduled posts and broadcasts.
    Bulk,
}

impl Priority {
    /// Whether this priority may use the share of a group's budget kept in reserve.
    fn reserved(self) -> bool {
        self <= Priority::Moderation
    }
}

/// A request ready to be sent: given the bot, it produces the call.
type MakeRequest<T> =
    Arc<dyn Fn(&Bot) -> BoxFuture<'static, Result<T, RequestError>> + Send + Sync>;

/// The result of a queued request, for callers that want it.
pub struct Pending<T>(oneshot::Receiver<Result<T, RequestError>>);

impl<T: Send + 'static> Pending<T> {
    /// The result of several requests made one after the other: `chain` resolves with the last one's
    /// result, or with the error of the first that failed (`Err(())` when the queue closed).
    fn chained(
        chain: impl std::future::Future<Output = Result<Result<T, RequestError>, ()>> + Send + 'static,
    ) -> Self {
        let (reply, receiver) = oneshot::channel();
        tokio::spawn(async move {
            if let Ok(outcome) = chain.await {
                let _ = reply.send(outcome);
            }
        });
        Pending(receiver)
    }
}

impl<T> Pending<T> {
    /// Waits for the request to be sent (or to fail for good).
    pub async fn wait(self) -> Result<T> {
        match self.0.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(err)) => Err(Error::Telegram(err)),
            Err(_) => Err(Error::OutboundClosed),
        }
    }
}

/// What happened to one attempt.
enum Attempt {
    Done,
    RetryAfter(Duration, Box<dyn Job>),
}

/// A type-erased request with its reply channel.
trait Job: Send {
    fn attempt(self: Box<Self>, bot: Bot) -> BoxFuture<'static, Attempt>;
    fn give_up(self: Box<Self>, why: RequestError);
    fn queued_at(&self) -> Instant;
}

struct TypedJob<T> {
    make: MakeRequest<T>,
    reply: Option<oneshot::Sender<Result<T, RequestError>>>,
    retries: u32,
    max_retries: u32,
    max_retry_after: Duration,
    queued_at: Instant,
    what: &'static str,
}

impl<T: Send + 'static> Job for TypedJob<T> {
    fn attempt(mut self: Box<Self>, bot: Bot) -> BoxFuture<'static, Attempt> {
        let call = (self.make)(&bot);
        async move {
            match call.await {
                Ok(value) => {
                    if let Some(reply) = self.reply.take() {
                        let _ = reply.send(Ok(value));
                    }
                    Attempt::Done
                }
                Err(RequestError::RetryAfter(after)) if self.retries < self.max_retries => {
                    self.retries += 1;
                    let wait = after.duration().min(self.max_retry_after);
                    tracing::warn!(
                        what = self.what,
                        ?wait,
                        retry = self.retries,
                        "telegram said 429; will retry"
                    );
                    Attempt::RetryAfter(wait, self)
                }
                Err(err) => {
                    log_final_error(self.what, &err);
                    if let Some(reply) = self.reply.take() {
                        let _ = reply.send(Err(err));
                    }
                    Attempt::Done
                }
            }
        }
        .boxed()
    }

    fn give_up(mut self: Box<Self>, why: RequestError) {
        if let Some(reply) = self.reply.take() {
            let _ = reply.send(Err(why));
        }
    }

    fn queued_at(&self) -> Instant {
        self.queued_at
    }
}

fn log_final_error(what: &str, err: &RequestError) {
    match err {
        RequestError::Api(
            ApiError::BotBlocked | ApiError::UserDeactivated | ApiError::CantInitiateConversation,
        ) => {
            tracing::info!(what, %err, "recipient cannot be messaged; not retrying")
        }
        RequestError::Api(_) => tracing::warn!(what, %err, "telegram refused a request"),
        _ => tracing::warn!(what, %err, "request failed"),
    }
}

enum Command {
    Budgeted(i64, Priority, Box<dyn Job>),
    Retry(i64, Duration, Priority, Box<dyn Job>),
    Finished(i64),
    Drain(Instant, oneshot::Sender<usize>),
}

/// Counters of the queue, readable while it runs.
#[derive(Debug, Default)]
pub struct OutboundStats {
    /// Budgeted requests waiting for their turn.
    pub queued: AtomicUsize,
    /// Budgeted requests sent (successfully or not).
    pub sent: AtomicU64,
    /// 429 answers received.
    pub rate_limited: AtomicU64,
    /// Requests refused because their chat's queue (or the immediate pool) was full.
    pub refused: AtomicU64,
    /// Immediate requests waiting or on the wire.
    pub immediate_pending: AtomicUsize,
    /// Longest wait in the queue so far, in milliseconds.
    pub max_wait_ms: AtomicU64,
}

/// The handle features use to send. Cheap to clone.
#[derive(Clone)]
pub struct Outbound {
    bot: Bot,
    tx: mpsc::UnboundedSender<Command>,
    settings: Arc<LimitSettings>,
    stats: Arc<OutboundStats>,
    immediate: Arc<Immediate>,
}

/// The shared state of immediate requests: how many may be on the wire, and which chats Telegram has asked
/// us to pause.
struct Immediate {
    permits: Semaphore,
    paused: std::sync::Mutex<HashMap<i64, Instant>>,
    idle: tokio::sync::Notify,
}

impl Immediate {
    /// When `chat`'s pause ends, if it is paused now.
    fn paused_until(&self, chat: i64, now: Instant) -> Option<Instant> {
        let mut paused = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        match paused.get(&chat) {
            Some(&until) if until > now => Some(until),
            Some(_) => {
                paused.remove(&chat);
                None
            }
            None => None,
        }
    }

    /// Pauses `chat` until `until` (a later pause already set is kept).
    fn pause(&self, chat: i64, until: Instant) {
        let mut paused = self.paused.lock().unwrap_or_else(|e| e.into_inner());
        let entry = paused.entry(chat).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// Waits until `chat` is not paused.
    async fn wait_unpaused(&self, chat: i64) {
        while let Some(until) = self.paused_until(chat, Instant::now()) {
            tokio::time::sleep_until(until).await;
        }
    }
}

/// Counts one immediate request as pending until it is dropped.
struct ImmediateGuard {
    stats: Arc<OutboundStats>,
    immediate: Arc<Immediate>,
}

impl Drop for ImmediateGuard {
    fn drop(&mut self) {
        if self.stats.immediate_pending.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.immediate.idle.notify_waiters();
        }
    }
}

/// A text message to send.
#[derive(Debug, Clone, Default)]
pub struct Text {
    /// The chat.
    pub chat_id: i64,
    /// The forum topic to post in, if any.
    pub thread_id: Option<ThreadId>,
    /// The text, in HTML when `html` is set (escape user input with `text::escape`).
    pub text: String,
    /// Whether `text` is HTML.
    pub html: bool,
    /// A message to reply to (sent even if it has been deleted meanwhile).
    pub reply_to: Option<MessageId>,
    /// Buttons under the message.
    pub markup: Option<InlineKeyboardMarkup>,
    /// How urgent the message is (a reply unless set).
    pub priority: Priority,
    /// Whether the message belongs in the General topic even while a forum topic's update is handled.
    pub general: bool,
}

impl Text {
    /// A plain-text message to a chat.
    pub fn plain(chat_id: i64, text: impl Into<String>) -> Self {
        Self {
            chat_id,
            text: text.into(),
            ..Default::default()
        }
    }

    /// An HTML message to a chat.
    pub fn html(chat_id: i64, text: impl Into<String>) -> Self {
        Self {
            chat_id,
            text: text.into(),
            html: true,
            ..Default::default()
        }
    }

    /// Adds buttons.
    pub fn markup(mut self, markup: InlineKeyboardMarkup) -> Self {
        self.markup = Some(markup);
        self
    }

    /// Sets how urgent the message is.
    pub fn priority(mut self, priority: Priority) -> Self {
        self.priority = priority;
        self
    }

    /// Keeps the message in the General topic of a forum (welcomes, gate questions, join notices: joins
    /// happen there), instead of the topic of the update being handled.
    pub fn in_general(mut self) -> Self {
        self.general = true;
        self
    }

    /// Replies to `message` in its chat and forum topic.
    pub fn reply_to(mut self, message: &Message) -> Self {
        self.reply_to = Some(message.id);
        self.thread_id = message.thread_id.filter(|_| message.is_topic_message);
        self
    }
}

impl Outbound {
    /// Starts the scheduler task.
    pub fn spawn(bot: Bot, settings: &LimitSettings) -> (Outbound, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(OutboundStats::default());
        let settings = Arc::new(settings.clone());
        let scheduler = Scheduler {
            bot: bot.clone(),
            rates: Rates::with_margin(&settings),
            settings: settings.clone(),
            stats: stats.clone(),
            chats: HashMap::new(),
            ready: BinaryHeap::new(),
            global: Window::default(),
            in_flight: Arc::new(Semaphore::new(settings.concurrency)),
            retry_tx: tx.clone(),
        };
        let handle = tokio::spawn(scheduler.run(rx));
        let immediate = Arc::new(Immediate {
            permits: Semaphore::new(settings.concurrency),
            paused: Default::default(),
            idle: Default::default(),
        });
        (
            Outbound {
                bot,
                tx,
                settings,
                stats,
                immediate,
            },
            handle,
        )
    }

    /// The queue's counters.
    pub fn stats(&self) -> &OutboundStats {
        &self.stats
    }

    /// Queues a budgeted request (a send or an edit) to `chat_id`, as a reply.
    pub fn budgeted<T, F>(&self, chat_id: i64, what: &'static str, make: F) -> Pending<T>
    where
        T: Send + 'static,
        F: Fn(&Bot) -> BoxFuture<'static, Result<T, RequestError>> + Send + Sync + 'static,
    {
        self.budgeted_as(chat_id, Priority::Reply, what, make)
    }

    /// Queues a budgeted request (a send or an edit) to `chat_id` with a priority.
    pub fn budgeted_as<T, F>(
        &self,
        chat_id: i64,
        priority: Priority,
        what: &'static str,
        make: F,
    ) -> Pending<T>
    where
        T: Send + 'static,
        F: Fn(&Bot) -> BoxFuture<'static, Result<T, RequestError>> + Send + Sync + 'static,
    {
        let (job, pending) = self.job(what, make);
        self.stats.queued.fetch_add(1, Ordering::Relaxed);
        if let Err(mpsc::error::SendError(Command::Budgeted(_, _, job))) =
            self.tx.send(Command::Budgeted(chat_id, priority, job))
        {
            self.stats.queued.fetch_sub(1, Ordering::Relaxed);
            job.give_up(closed_error());
        }
        pending
    }

    /// Sends an immediate request (delete, ban, restrict, answer a button) at once. It is not tied to a
    /// chat, so a 429 pauses only this request; prefer [`Outbound::immediate_in`] when the chat is known.
    pub fn immediate<T, F>(&self, what: &'static str, make: F) -> Pending<T>
    where
        T: Send + 'static,
        F: Fn(&Bot) -> BoxFuture<'static, Result<T, RequestError>> + Send + Sync + 'static,
    {
        self.immediate_with(None, what, make)
    }

    /// Sends an immediate request about `chat_id` at once. After a 429, every immediate request of that
    /// chat waits out the `retry_after` before it is tried (again).
    pub fn immediate_in<T, F>(&self, chat_id: i64, what: &'static str, make: F) -> Pending<T>
    where
        T: Send + 'static,
        F: Fn(&Bot) -> BoxFuture<'static, Result<T, RequestError>> + Send + Sync + 'static,
    {
        self.immediate_with(Some(chat_id), what, make)
    }

    fn immediate_with<T, F>(&self, chat: Option<i64>, what: &'static str, make: F) -> Pending<T>
    where
        T: Send + 'static,
        F: Fn(&Bot) -> BoxFuture<'static, Result<T, RequestError>> + Send + Sync + 'static,
    {
        let (job, pending) = self.job(what, make);
        let waiting = self.stats.immediate_pending.fetch_add(1, Ordering::AcqRel);
        let guard = ImmediateGuard {
            stats: self.stats.clone(),
            immediate: self.immediate.clone(),
        };
        if waiting >= self.settings.max_immediate_pending {
            drop(guard);
            let refused = self.stats.refused.fetch_add(1, Ordering::Relaxed);
            if refused.is_power_of_two() {
                tracing::warn!(
                    what,
                    refused = refused + 1,
                    "too many immediate requests waiting; refused"
                );
            }
            job.give_up(full_error());
            return pending;
        }
        let bot = self.bot.clone();
        let immediate = self.immediate.clone();
        let stats = self.stats.clone();
        tokio::spawn(async move {
            let _guard = guard;
            let mut job = job;
            loop {
                if let Some(chat) = chat {
                    immediate.wait_unpaused(chat).await;
                }
                let outcome = {
                    let _permit = immediate.permits.acquire().await;
                    job.attempt(bot.clone()).await
                };
                match outcome {
                    Attempt::Done => return,
                    Attempt::RetryAfter(wait, again) => {
                        stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                        match chat {
                            Some(chat) => immediate.pause(chat, Instant::now() + wait),
                            None => tokio::time::sleep(wait).await,
                        }
                        job = again;
                    }
                }
            }
        });
        pending
    }

    fn job<T, F>(&self, what: &'static str, make: F) -> (Box<dyn Job>, Pending<T>)
    where
        T: Send + 'static,
        F: Fn(&Bot) -> BoxFuture<'static, Result<T, RequestError>> + Send + Sync + 'static,
    {
        let (reply, receiver) = oneshot::channel();
        let job = TypedJob {
            make: Arc::new(make),
            reply: Some(reply),
            retries: 0,
            max_retries: self.settings.max_retries,
            max_retry_after: self.settings.max_retry_after.get(),
            queued_at: Instant::now(),
            what,
        };
        (Box::new(job), Pending(receiver))
    }

    /// Sends a text message (budgeted). A message without a topic of its own goes into the forum topic of
    /// the update being handled in its chat (see [`super::topic`]), unless it is marked for General.
    pub fn send_text(&self, mut message: Text) -> Pending<Message> {
        if message.thread_id.is_none() && !message.general {
            message.thread_id = super::topic::current_in(message.chat_id);
        }
        let (chat_id, priority) = (message.chat_id, message.priority);
        self.budgeted_as(chat_id, priority, "sendMessage", move |bot| {
            let mut request = bot
                .send_message(ChatId(message.chat_id), message.text.clone())
                .link_preview_options(no_preview());
            if message.html {
                request = request.parse_mode(ParseMode::Html);
            }
            if let Some(thread) = message.thread_id {
                request = request.message_thread_id(thread);
            }
            if let Some(reply_to) = message.reply_to {
                request = request
                    .reply_parameters(ReplyParameters::new(reply_to).allow_sending_without_reply());
            }
            if let Some(markup) = &message.markup {
                request = request.reply_markup(markup.clone());
            }
            request.send().boxed()
        })
    }

    /// Replaces the text (and buttons) of a message the bot sent (budgeted: edits share the send limits),
    /// as a reply.
    pub fn edit_text(
        &self,
        chat_id: i64,
        message_id: MessageId,
        text: String,
        html: bool,
        markup: Option<InlineKeyboardMarkup>,
    ) -> Pending<Message> {
        self.edit_text_as(Priority::Reply, chat_id, message_id, text, html, markup)
    }

    /// [`Outbound::edit_text`] with a priority.
    pub fn edit_text_as(
        &self,
        priority: Priority,
        chat_id: i64,
        message_id: MessageId,
        text: String,
        html: bool,
        markup: Option<InlineKeyboardMarkup>,
    ) -> Pending<Message> {
        self.budgeted_as(chat_id, priority, "editMessageText", move |bot| {
            let mut request = bot
                .edit_message_text(ChatId(chat_id), message_id, text.clone())
                .link_preview_options(no_preview());
            if html {
                request = request.parse_mode(ParseMode::Html);
            }
            if let Some(markup) = &markup {
                request = request.reply_markup(markup.clone());
            }
            request.send().boxed()
        })
    }

    /// Deletes one message (immediate).
    pub fn delete(&self, chat_id: i64, message_id: MessageId) -> Pending<teloxide::types::True> {
        self.immediate_in(chat_id, "deleteMessage", move |bot| {
            bot.delete_message(ChatId(chat_id), message_id)
                .send()
                .boxed()
        })
    }

    /// Lifts a member's ban (immediate) without removing anyone: `only_if_banned` is always set, since
    /// without it Telegram removes a current member. A kick is a ban followed by this.
    pub fn unban(&self, chat_id: i64, user_id: u64) -> Pending<teloxide::types::True> {
        self.immediate_in(chat_id, "unbanChatMember", move |bot| {
            bot.unban_chat_member(ChatId(chat_id), teloxide::types::UserId(user_id))
                .only_if_banned(true)
                .send()
                .boxed()
        })
    }

    /// Waits until the queue is empty and every immediate request is done, or `timeout` has passed, then
    /// stops taking budgeted requests. Returns how many requests were given up or left unfinished.
    pub async fn drain(&self, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let (done, result) = oneshot::channel();
        let given_up = if self.tx.send(Command::Drain(deadline, done)).is_err() {
            0
        } else {
            result.await.unwrap_or(0)
        };
        let immediate_done = async {
            loop {
                let idle = self.immediate.idle.notified();
                if self.stats.immediate_pending.load(Ordering::Acquire) == 0 {
                    return;
                }
                idle.await;
            }
        };
        let _ = tokio::time::timeout_at(deadline, immediate_done).await;
        let unfinished = self.stats.immediate_pending.load(Ordering::Acquire);
        if unfinished > 0 {
            tracing::warn!(unfinished, "shutdown: immediate requests still unfinished");
        }
        given_up + unfinished
    }
}

fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

fn closed_error() -> RequestError {
    RequestError::Io(Arc::new(std::io::Error::other("outbound queue closed")))
}

fn full_error() -> RequestError {
    RequestError::Io(Arc::new(std::io::Error::other(
        "outbound queue full; request refused",
    )))
}

/// The configured limits with `limits.window_margin` added to each window.
#[derive(Clone, Copy)]
struct Rates {
    per_chat: Rate,
    per_group: Rate,
    /// What of `per_group` requests below [`Priority::Moderation`] may use.
    unreserved_group: Rate,
    global: Rate,
}

impl Rates {
    fn with_margin(settings: &LimitSettings) -> Rates {
        let margin = settings.window_margin.get();
        let widen = |rate: Rate| Rate {
            count: rate.count,
            window: rate.window + margin,
        };
        let per_group = widen(settings.per_group);
        let reserved = (f64::from(per_group.count) * settings.priority_share).ceil() as u32;
        Rates {
            per_chat: widen(settings.per_chat),
            per_group,
            unreserved_group: Rate {
                count: per_group.count.saturating_sub(reserved).max(1),
                window: per_group.window,
            },
            global: widen(settings.global),
        }
    }
}

/// The send times within one sliding window.
#[derive(Default)]
struct Window {
    sent: VecDeque<Instant>,
}

impl Window {
    /// The earliest time one more send fits in `rate`.
    fn free_at(&mut self, rate: Rate, now: Instant) -> Instant {
        while self.sent.front().is_some_and(|&at| at + rate.window <= now) {
            self.sent.pop_front();
        }
        if self.sent.len() < rate.count as usize {
            now
        } else {
            self.sent[self.sent.len() - rate.count as usize] + rate.window
        }
    }

    fn record(&mut self, at: Instant) {
        self.sent.push_back(at);
    }

    fn idle_since(&self, now: Instant, longest: Duration) -> bool {
        self.sent.back().is_none_or(|&at| at + longest <= now)
    }
}

#[derive(Default)]
struct ChatQueue {
    /// Waiting requests, highest priority first, in the order they came within one priority.
    jobs: VecDeque<(Priority, Box<dyn Job>)>,
    chat_window: Window,
    group_window: Window,
    paused_until: Option<Instant>,
    scheduled: bool,
    /// A request of this chat is on the wire; the next waits for it, so a chat's messages keep their order.
    busy: bool,
    /// Requests were refused since the queue was last empty (logged once).
    overflowed: bool,
}

struct Scheduler {
    bot: Bot,
    rates: Rates,
    settings: Arc<LimitSettings>,
    stats: Arc<OutboundStats>,
    chats: HashMap<i64, ChatQueue>,
    ready: BinaryHeap<Reverse<(Instant, i64)>>,
    global: Window,
    in_flight: Arc<Semaphore>,
    retry_tx: mpsc::UnboundedSender<Command>,
}

impl Scheduler {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        let mut draining: Option<(Instant, oneshot::Sender<usize>)> = None;
        let mut last_report = Instant::now();
        loop {
            let now = Instant::now();
            self.dispatch_ready(now);
            if let Some((deadline, _)) = &draining {
                let queued = self.stats.queued.load(Ordering::Relaxed);
                if queued == 0 || now >= *deadline {
                    let (deadline, done) = draining.take().expect("checked above");
                    let dropped = self.give_up_all();
                    // Wait for requests already on the wire, until the deadline (at least one more second,
                    // so a request that just left is not cut off).
                    let _ = tokio::time::timeout_at(
                        deadline.max(now + Duration::from_secs(1)),
                        self.in_flight
                            .acquire_many(self.settings.concurrency as u32),
                    )
                    .await;
                    if dropped > 0 {
                        tracing::warn!(dropped, "shutdown: queued messages given up");
                    }
                    let _ = done.send(dropped);
                    return;
                }
            }
            if now.duration_since(last_report) >= Duration::from_secs(10) {
                last_report = now;
                let queued = self.stats.queued.load(Ordering::Relaxed);
                if queued > 0 {
                    tracing::info!(
                        queued,
                        chats = self.chats.len(),
                        max_wait_ms = self.stats.max_wait_ms.load(Ordering::Relaxed),
                        "outbound queue depth"
                    );
                }
                self.forget_idle_chats(now);
            }
            let wake = self
                .ready
                .peek()
                .map(|Reverse((at, _))| *at)
                .unwrap_or(now + Duration::from_secs(10));
            let wake = match &draining {
                Some((deadline, _)) => wake.min(*deadline),
                None => wake,
            };
            tokio::select! {
                command = rx.recv() => match command {
                    Some(Command::Budgeted(chat, priority, job)) => {
                        self.enqueue(chat, priority, job, false)
                    }
                    Some(Command::Retry(chat, wait, priority, job)) => {
                        self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                        self.stats.queued.fetch_add(1, Ordering::Relaxed);
                        let queue = self.chats.entry(chat).or_default();
                        queue.paused_until = Some(Instant::now() + wait);
                        queue.busy = false;
                        self.enqueue(chat, priority, job, true);
                    }
                    Some(Command::Finished(chat)) => {
                        if let Some(queue) = self.chats.get_mut(&chat) {
                            queue.busy = false;
                            if !queue.jobs.is_empty() && !queue.scheduled {
                                queue.scheduled = true;
                                self.ready.push(Reverse((Instant::now(), chat)));
                            }
                        }
                    }
                    Some(Command::Drain(deadline, done)) => draining = Some((deadline, done)),
                    None => return,
                },
                _ = tokio::time::sleep_until(wake) => {}
            }
        }
    }

    /// Queues a request of `chat` behind the waiting ones of the same or higher priority (in front of all
    /// of them when `front`, for a request Telegram asked to retry).
    fn enqueue(&mut self, chat: i64, priority: Priority, job: Box<dyn Job>, front: bool) {
        let queue = self.chats.entry(chat).or_default();
        if !front && queue.jobs.len() >= self.settings.max_queued_per_chat {
            // A gate question or moderation notice takes the place of the newest request of lower priority.
            let (refused, kept) = match queue.jobs.back() {
                Some((last, _)) if priority.reserved() && *last > priority => {
                    let (_, displaced) = queue.jobs.pop_back().expect("checked non-empty");
                    (displaced, Some(job))
                }
                _ => (job, None),
            };
            self.stats.queued.fetch_sub(1, Ordering::Relaxed);
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
            if !queue.overflowed {
                queue.overflowed = true;
                tracing::warn!(
                    chat,
                    waiting = queue.jobs.len(),
                    "chat's send queue is full; further messages are refused until it drains"
                );
            }
            refused.give_up(full_error());
            match kept {
                Some(job) => return self.enqueue(chat, priority, job, false),
                None => return,
            }
        }
        if queue.jobs.is_empty() {
            queue.overflowed = false;
        }
        let at = if front {
            0
        } else {
            queue
                .jobs
                .iter()
                .rposition(|(waiting, _)| *waiting <= priority)
                .map_or(0, |last| last + 1)
        };
        queue.jobs.insert(at, (priority, job));
        // A request that is now first may go sooner than the one the chat was scheduled for.
        if !queue.busy && (!queue.scheduled || at == 0) {
            queue.scheduled = true;
            self.ready.push(Reverse((Instant::now(), chat)));
        }
    }

    /// Sends every request whose chat, group and global windows have room now; reschedules the rest.
    fn dispatch_ready(&mut self, now: Instant) {
        let limits = self.rates;
        while let Some(&Reverse((at, chat))) = self.ready.peek() {
            if at > now {
                break;
            }
            self.ready.pop();
            let Some(queue) = self.chats.get_mut(&chat) else {
                continue;
            };
            if queue.jobs.is_empty() || queue.busy {
                // A busy chat is rescheduled when its request on the wire finishes.
                queue.scheduled = false;
                continue;
            }
            let priority = queue.jobs.front().map(|(p, _)| *p).unwrap_or_default();
            let mut free = queue.chat_window.free_at(limits.per_chat, now);
            if chat < 0 {
                let group = if priority.reserved() {
                    limits.per_group
                } else {
                    limits.unreserved_group
                };
                free = free.max(queue.group_window.free_at(group, now));
            }
            if let Some(paused) = queue.paused_until {
                free = free.max(paused);
            }
            free = free.max(self.global.free_at(limits.global, now));
            if free > now {
                self.ready.push(Reverse((free, chat)));
                continue;
            }
            queue.paused_until = None;
            queue.chat_window.record(now);
            if chat < 0 {
                queue.group_window.record(now);
            }
            self.global.record(now);
            let (priority, job) = queue.jobs.pop_front().expect("checked non-empty");
            queue.scheduled = false;
            queue.busy = true;
            self.start(chat, priority, job, now);
        }
    }

    fn start(&self, chat: i64, priority: Priority, job: Box<dyn Job>, now: Instant) {
        self.stats.queued.fetch_sub(1, Ordering::Relaxed);
        self.stats.sent.fetch_add(1, Ordering::Relaxed);
        let waited = now.duration_since(job.queued_at()).as_millis() as u64;
        self.stats.max_wait_ms.fetch_max(waited, Ordering::Relaxed);
        if waited > 5_000 {
            tracing::debug!(
                chat,
                waited_ms = waited,
                "message waited for its send budget"
            );
        }
        let bot = self.bot.clone();
        let permits = self.in_flight.clone();
        let retry = self.retry_tx.clone();
        tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            match job.attempt(bot).await {
                Attempt::Done => {
                    let _ = retry.send(Command::Finished(chat));
                }
                Attempt::RetryAfter(wait, job) => {
                    if let Err(mpsc::error::SendError(Command::Retry(_, _, _, job))) =
                        retry.send(Command::Retry(chat, wait, priority, job))
                    {
                        job.give_up(closed_error());
                    }
                }
            }
        });
    }

    fn give_up_all(&mut self) -> usize {
        let mut dropped = 0;
        for (_, queue) in self.chats.drain() {
            for (_, job) in queue.jobs {
                job.give_up(closed_error());
                dropped += 1;
            }
        }
        self.stats.queued.fetch_sub(dropped, Ordering::Relaxed);
        dropped
    }

    /// Drops the bookkeeping of chats with nothing queued and no recent sends, so memory follows the
    /// number of recently active chats, not of all chats ever seen.
    fn forget_idle_chats(&mut self, now: Instant) {
        let longest = self.rates.per_chat.window.max(self.rates.per_group.window);
        self.chats.retain(|_, queue| {
            !queue.jobs.is_empty()
                || queue.scheduled
                || queue.busy
                || queue.paused_until.is_some_and(|until| until > now)
                || !queue.chat_window.idle_since(now, longest)
                || !queue.group_window.idle_since(now, longest)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window_allows_count_then_waits_for_the_oldest() {
        let rate = Rate {
            count: 3,
            window: Duration::from_secs(60),
        };
        let start = Instant::now();
        let mut window = Window::default();
        for i in 0..3 {
            let at = start + Duration::from_secs(i);
            assert_eq!(window.free_at(rate, at), at);
            window.record(at);
        }
        let now = start + Duration::from_secs(10);
        assert_eq!(window.free_at(rate, now), start + Duration::from_secs(60));
        let later = start + Duration::from_secs(61);
        assert_eq!(
            window.free_at(rate, later),
            start + Duration::from_secs(61),
            "oldest two expired"
        );
    }
}
