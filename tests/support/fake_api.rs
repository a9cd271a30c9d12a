//! A fake Telegram Bot API server for integration tests.
//!
//! The server speaks just enough of the Bot API for teloxide: it serves queued updates through
//! `getUpdates`, records every other call, answers them with canned results that teloxide can
//! parse, and can inject 429/403/400 failures. It never answers HTTP 5xx, because teloxide waits
//! a long time before it retries those.
//!
//! For benchmarks it can also count calls without keeping them ([`FakeApi::set_recording`]), show
//! every call to an observer, and enforce Telegram's sending limits with real 429 answers
//! ([`FakeApi::enforce_limits`]).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use super::members::{admin_with, ALL_RIGHTS};

/// The user id of the fake bot, as reported by `getMe`.
pub const BOT_ID: i64 = 100000;
/// The username of the fake bot, as reported by `getMe`.
pub const BOT_USERNAME: &str = "groupops_bot";

/// The longest time a `getUpdates` call waits for a new update before it answers an empty list.
const MAX_POLL_WAIT: Duration = Duration::from_millis(500);

/// How many recorded calls a timeout panic lists.
const CALLS_IN_PANIC: usize = 20;

/// Canonical spellings of the methods the fake knows, used to name recorded calls readably.
const KNOWN_METHODS: &[&str] = &[
    "getMe",
    "getUpdates",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "deleteMyCommands",
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendVideo",
    "sendAnimation",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
    "deleteMessage",
    "deleteMessages",
    "banChatMember",
    "unbanChatMember",
    "restrictChatMember",
    "promoteChatMember",
    "banChatSenderChat",
    "answerCallbackQuery",
    "approveChatJoinRequest",
    "declineChatJoinRequest",
    "leaveChat",
    "setChatPermissions",
    "pinChatMessage",
    "unpinChatMessage",
    "getChatAdministrators",
    "getChatMember",
    "getChatMemberCount",
    "getChat",
    "createChatInviteLink",
    "revokeChatInviteLink",
    "editChatInviteLink",
    "exportChatInviteLink",
    "sendChatAction",
    "copyMessage",
    "forwardMessage",
    "getMyCommands",
    "setChatMenuButton",
    "setMyDescription",
    "setMyShortDescription",
    "setMessageReaction",
    "unpinAllChatMessages",
    "setChatTitle",
    "setChatDescription",
    "getFile",
];

/// Methods whose canned result is simply `true`.
const TRUE_METHODS: &[&str] = &[
    "deletemessage",
    "deletemessages",
    "banchatmember",
    "unbanchatmember",
    "restrictchatmember",
    "promotechatmember",
    "banchatsenderchat",
    "answercallbackquery",
    "approvechatjoinrequest",
    "declinechatjoinrequest",
    "leavechat",
    "setchatpermissions",
    "pinchatmessage",
    "unpinchatmessage",
    "setmycommands",
    "deletemycommands",
    "sendchataction",
    "setchatmenubutton",
    "setmydescription",
    "setmyshortdescription",
    "setmessagereaction",
    "unpinallchatmessages",
    "setchattitle",
    "setchatdescription",
];

/// One recorded Bot API call.
#[derive(Clone, Debug)]
pub struct Call {
    /// The method name, in its canonical Bot API spelling when the fake knows the method.
    pub method: String,
    /// The parameters: the JSON body, or multipart/urlencoded fields turned into a JSON object.
    pub params: Value,
    /// When the call arrived.
    pub at: Instant,
    /// Whether the call was answered with an injected failure (or an unknown-method error).
    pub failed: bool,
}

/// A failure to inject instead of a successful answer.
#[derive(Clone, Debug)]
pub enum Failure {
    /// HTTP 429 with `parameters.retry_after` set to this many seconds.
    RetryAfter(u64),
    /// HTTP 403 with this description, e.g. "Forbidden: bot was blocked by the user".
    Forbidden(String),
    /// HTTP 400 with this description, e.g. "Bad Request: message to edit not found".
    BadRequest(String),
    /// This HTTP status (such as 500 or 502) with a plain-text body, as a proxy in front of the Bot API
    /// answers when the API is down.
    Status(u16),
    /// No answer at all: the connection is closed before a response, which the client sees as a reset.
    Reset,
    /// No answer ever: the request waits until the client gives up (a timeout).
    Hang,
}

/// Telegram's sending limits as the fake enforces them: at most `count` sends or edits per
/// `window`, per chat, per group (negative chat ids) and over all chats.
#[derive(Clone, Copy, Debug)]
pub struct SendLimits {
    /// Sends and edits to one chat.
    pub per_chat: (usize, Duration),
    /// Sends and edits to one group.
    pub per_group: (usize, Duration),
    /// Sends and edits over all chats.
    pub global: (usize, Duration),
}

impl SendLimits {
    /// The limits Telegram documents: about 1 per second per chat, 20 per minute per group and 30
    /// per second overall.
    pub fn telegram() -> SendLimits {
        SendLimits {
            per_chat: (1, Duration::from_secs(1)),
            per_group: (20, Duration::from_secs(60)),
            global: (30, Duration::from_secs(1)),
        }
    }
}

/// The methods Telegram counts against the sending limits.
const BUDGETED_METHODS: &[&str] = &[
    "sendmessage",
    "sendphoto",
    "senddocument",
    "sendvideo",
    "sendanimation",
    "editmessagetext",
    "editmessagereplymarkup",
    "editmessagecaption",
    "copymessage",
    "forwardmessage",
];

/// The arrival times of accepted sends within the enforced windows.
#[derive(Default)]
struct Enforcer {
    limits: Option<SendLimits>,
    per_chat: HashMap<i64, VecDeque<Instant>>,
    global: VecDeque<Instant>,
    /// Sends refused with 429.
    refused: u64,
}

impl Enforcer {
    /// Admits a send to `chat_id` at `now`, or says how long until one would fit.
    fn admit(&mut self, chat_id: i64, now: Instant) -> Result<(), Duration> {
        let Some(limits) = self.limits else {
            return Ok(());
        };
        let longest = limits.per_chat.1.max(limits.per_group.1);
        let sent = self.per_chat.entry(chat_id).or_default();
        while sent
            .front()
            .is_some_and(|at| now.duration_since(*at) >= longest)
        {
            sent.pop_front();
        }
        while self
            .global
            .front()
            .is_some_and(|at| now.duration_since(*at) >= limits.global.1)
        {
            self.global.pop_front();
        }
        let mut checks = vec![(limits.per_chat, &*sent), (limits.global, &self.global)];
        if chat_id < 0 {
            checks.push((limits.per_group, &*sent));
        }
        let mut wait = Duration::ZERO;
        for ((count, window), times) in checks {
            let inside: Vec<&Instant> = times
                .iter()
                .filter(|at| now.duration_since(**at) < window)
                .collect();
            if inside.len() >= count {
                let oldest = inside[inside.len() - count];
                wait = wait.max(window - now.duration_since(*oldest));
            }
        }
        if !wait.is_zero() {
            self.refused += 1;
            return Err(wait);
        }
        sent.push_back(now);
        self.global.push_back(now);
        Ok(())
    }
}

/// Sees every call the fake answers: the method (canonical spelling) and its parameters.
pub type Observer = Arc<dyn Fn(&str, &Value) + Send + Sync>;

/// A queued update: its id (used for offset confirmation) and the JSON text that is served.
struct QueuedUpdate {
    id: i64,
    text: String,
}

/// Everything the fake remembers, behind one mutex.
#[derive(Default)]
struct FakeState {
    updates: VecDeque<QueuedUpdate>,
    next_update_id: i64,
    served_offset: i64,
    calls: Vec<Call>,
    failures: HashMap<String, VecDeque<Failure>>,
    admins: HashMap<i64, Vec<Value>>,
    members: HashMap<(i64, i64), Value>,
    /// Fields that replace (or, when null, remove) those of a chat's default `getChat` answer.
    chats: HashMap<i64, Value>,
    results: HashMap<String, Value>,
    next_message_id: HashMap<i64, i64>,
    next_invite_link: i64,
    /// Whether an update was ever queued behind one with a higher id.
    out_of_order: bool,
    /// `getUpdates` requests received.
    polls: u64,
    /// Whether calls are kept in `calls` (otherwise only counted).
    not_recording: bool,
    /// Calls per lower-case method name: (answered, failed).
    counts: HashMap<String, (u64, u64)>,
    observer: Option<Observer>,
    enforcer: Enforcer,
    /// Every update and canned answer the test gave, as JSON text (see [`FakeApi::inputs`]).
    inputs: Vec<String>,
    /// Methods whose calls wait unanswered until released (see [`FakeApi::hold`]).
    holds: HashMap<String, Hold>,
    /// Files a bot may download (`getFile`, then `/file/bot<token>/<path>`), by file id.
    files: HashMap<String, Vec<u8>>,
}

/// Calls of one method held unanswered: the gate they wait at (closed on release) and how many arrived.
struct Hold {
    gate: Arc<tokio::sync::Semaphore>,
    arrived: usize,
}

/// The shared part of the fake: state plus wake-ups for pollers and waiters.
struct Inner {
    state: Mutex<FakeState>,
    calls_changed: Notify,
    updates_changed: Notify,
    addr: SocketAddr,
}

/// A running fake Bot API server. Cloning it is cheap and every clone sees the same server.
#[derive(Clone)]
pub struct FakeApi {
    inner: Arc<Inner>,
}

impl FakeApi {
    /// Binds a server to a free port on 127.0.0.1 and spawns it on the current tokio runtime.
    pub async fn start() -> FakeApi {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the fake Bot API could not bind a local port");
        let addr = listener
            .local_addr()
            .expect("the bound socket has an address");
        let inner = Arc::new(Inner {
            state: Mutex::new(FakeState {
                next_update_id: 1,
                ..FakeState::default()
            }),
            calls_changed: Notify::new(),
            updates_changed: Notify::new(),
            addr,
        });
        let app = Router::new()
            .route("/{*path}", any(handle))
            .with_state(inner.clone());
        tokio::spawn(async move {
            // The server runs until the test's runtime shuts down.
            let _ = axum::serve(listener, app).await;
        });
        FakeApi { inner }
    }

    /// The base URL to give the bot as its API URL, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// Queues an update, giving it the next `update_id` unless it has one, and wakes a waiting
    /// `getUpdates`. Returns the update's id.
    pub fn push_update(&self, mut update: Value) -> i64 {
        let id = {
            let mut state = self.inner.lock();
            let id = match update.get("update_id").and_then(Value::as_i64) {
                Some(id) => id,
                None => {
                    let id = state.next_update_id;
                    update
                        .as_object_mut()
                        .expect("an update must be a JSON object")
                        .insert("update_id".into(), json!(id));
                    id
                }
            };
            state.inputs.push(update.to_string());
            state.enqueue(id, update.to_string());
            id
        };
        self.inner.updates_changed.notify_waiters();
        id
    }

    /// Queues many raw JSON texts, each with its `update_id`, under one lock and one wake-up (the
    /// benchmark queues whole workloads this way).
    pub fn push_raw_batch(&self, updates: Vec<(i64, String)>) {
        {
            let mut state = self.inner.lock();
            for (id, text) in updates {
                if !state.not_recording {
                    state.inputs.push(text.clone());
                }
                state.enqueue(id, text);
            }
        }
        self.inner.updates_changed.notify_waiters();
    }

    /// Keeps (`true`, the default) or only counts (`false`) the calls from now on; see
    /// [`FakeApi::count`].
    pub fn set_recording(&self, on: bool) {
        self.inner.lock().not_recording = !on;
    }

    /// How many calls of `method` (case-insensitive) were answered, and how many of those failed,
    /// whether or not they were recorded.
    pub fn count(&self, method: &str) -> (u64, u64) {
        self.inner
            .lock()
            .counts
            .get(&method.to_ascii_lowercase())
            .copied()
            .unwrap_or_default()
    }

    /// Every method called so far (lower-case) with (answered, failed), most called first.
    pub fn counts(&self) -> Vec<(String, (u64, u64))> {
        let mut counts: Vec<_> = self
            .inner
            .lock()
            .counts
            .iter()
            .map(|(method, count)| (method.clone(), *count))
            .collect();
        counts.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(&b.0)));
        counts
    }

    /// Shows every later call (except getUpdates) to `observer` as it is answered.
    pub fn set_observer(&self, observer: Observer) {
        self.inner.lock().observer = Some(observer);
    }

    /// Answers sends and edits beyond `limits` with HTTP 429 and a `retry_after`, as Telegram does.
    pub fn enforce_limits(&self, limits: SendLimits) {
        self.inner.lock().enforcer.limits = Some(limits);
    }

    /// How many sends and edits were refused with 429 by [`FakeApi::enforce_limits`].
    pub fn rate_limited(&self) -> u64 {
        self.inner.lock().enforcer.refused
    }

    /// Queues a raw JSON text exactly as given; it is served verbatim inside the result array.
    /// If the text carries a numeric `update_id`, that id is used for offset confirmation;
    /// otherwise the next id is reserved for it internally (and the text is served until the bot
    /// confirms an offset beyond that id).
    pub fn push_raw_update(&self, raw: String) {
        {
            let mut state = self.inner.lock();
            let given = serde_json::from_str::<Value>(&raw)
                .ok()
                .and_then(|v| v.get("update_id").and_then(Value::as_i64));
            let id = given.unwrap_or(state.next_update_id);
            state.inputs.push(raw.clone());
            state.enqueue(id, raw);
        }
        self.inner.updates_changed.notify_waiters();
    }

    /// The recorded calls of one method (matched case-insensitively), in arrival order.
    pub fn calls(&self, method: &str) -> Vec<Call> {
        let state = self.inner.lock();
        state
            .calls
            .iter()
            .filter(|c| c.method.eq_ignore_ascii_case(method))
            .cloned()
            .collect()
    }

    /// Every recorded call, in arrival order.
    pub fn all_calls(&self) -> Vec<Call> {
        self.inner.lock().calls.clone()
    }

    /// Forgets every call recorded so far (a test's set-up can then start counting from zero).
    pub fn clear_calls(&self) {
        self.inner.lock().calls.clear();
    }

    /// Waits until at least `count` calls of `method` were recorded and returns them all.
    /// Panics on timeout with the method, the number that arrived and the latest calls.
    pub async fn wait_for(&self, method: &str, count: usize, timeout: Duration) -> Vec<Call> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // The notification future is created before checking, so no call can slip between
            // the check and the wait.
            let notified = self.inner.calls_changed.notified();
            let calls = self.calls(method);
            if calls.len() >= count {
                return calls;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let arrived = self.calls(method).len();
                if arrived >= count {
                    return self.calls(method);
                }
                panic!(
                    "timed out after {timeout:?} waiting for {count} call(s) of {method}: \
                     {arrived} arrived.\n{}",
                    self.describe_recent_calls()
                );
            }
        }
    }

    /// Waits until `pred` holds over all recorded calls and returns them.
    /// Panics on timeout with the latest calls.
    pub async fn wait_until(&self, timeout: Duration, pred: impl Fn(&[Call]) -> bool) -> Vec<Call> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.calls_changed.notified();
            let calls = self.all_calls();
            if pred(&calls) {
                return calls;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let calls = self.all_calls();
                if pred(&calls) {
                    return calls;
                }
                panic!(
                    "timed out after {timeout:?} waiting for a condition over the recorded calls \
                     ({} recorded).\n{}",
                    calls.len(),
                    self.describe_recent_calls()
                );
            }
        }
    }

    /// Makes the next `times` calls of `method` fail with `failure`. Failed calls are recorded
    /// with `failed: true` (even failed `getUpdates` calls, which are otherwise not recorded).
    pub fn fail_next(&self, method: &str, times: usize, failure: Failure) {
        let mut state = self.inner.lock();
        let queue = state
            .failures
            .entry(method.to_ascii_lowercase())
            .or_default();
        queue.extend(std::iter::repeat_n(failure, times));
    }

    /// Holds every call of `method` unanswered from now on, until [`FakeApi::release`]: a handler that
    /// waits for its answer stays busy as long as the test wants.
    pub fn hold(&self, method: &str) {
        self.inner.lock().holds.insert(
            method.to_ascii_lowercase(),
            Hold {
                gate: Arc::new(tokio::sync::Semaphore::new(0)),
                arrived: 0,
            },
        );
    }

    /// How many calls of a held `method` arrived (and wait, until released).
    pub fn held(&self, method: &str) -> usize {
        self.inner
            .lock()
            .holds
            .get(&method.to_ascii_lowercase())
            .map_or(0, |hold| hold.arrived)
    }

    /// Answers the held calls of `method` as usual, and every later one at once.
    pub fn release(&self, method: &str) {
        if let Some(hold) = self.inner.lock().holds.remove(&method.to_ascii_lowercase()) {
            hold.gate.close();
        }
    }

    /// Drops the failures still queued for `method`: its next calls are answered again.
    pub fn clear_failures(&self, method: &str) {
        self.inner
            .lock()
            .failures
            .remove(&method.to_ascii_lowercase());
    }

    /// Sets the ChatMember objects `getChatAdministrators` returns for a chat.
    pub fn set_admins(&self, chat_id: i64, admins: Vec<Value>) {
        let mut state = self.inner.lock();
        state.inputs.push(Value::from(admins.clone()).to_string());
        state.admins.insert(chat_id, admins);
    }

    /// Sets the ChatMember object `getChatMember` returns for a user in a chat.
    pub fn set_chat_member(&self, chat_id: i64, user_id: i64, member: Value) {
        let mut state = self.inner.lock();
        state.inputs.push(member.to_string());
        state.members.insert((chat_id, user_id), member);
    }

    /// Changes the `getChat` answer for a chat: each field of `fields` replaces the default one (a null
    /// removes it), e.g. `{"type": "channel", "permissions": null}` makes the chat a channel.
    pub fn set_chat(&self, chat_id: i64, fields: Value) {
        self.inner.lock().chats.insert(chat_id, fields);
    }

    /// Overrides the canned result of a method (matched case-insensitively).
    /// Offers a file for the bot to download by `file_id` (as a document a member sent). Its text counts
    /// as the test's input.
    pub fn put_file(&self, file_id: &str, bytes: &[u8]) {
        let mut state = self.inner.lock();
        state
            .inputs
            .push(json!({"file": String::from_utf8_lossy(bytes)}).to_string());
        state.files.insert(file_id.to_string(), bytes.to_vec());
    }

    pub fn set_result(&self, method: &str, result: Value) {
        let mut state = self.inner.lock();
        state.inputs.push(result.to_string());
        state.results.insert(method.to_ascii_lowercase(), result);
    }

    /// Every update, member object and canned answer the test gave the fake, as JSON text: the words
    /// members and Telegram supplied, which the bot may repeat in any language.
    pub fn inputs(&self) -> Vec<String> {
        self.inner.lock().inputs.clone()
    }

    /// How many queued updates the bot has not confirmed through a `getUpdates` offset.
    pub fn pending_updates(&self) -> usize {
        self.inner.lock().updates.len()
    }

    /// How many `getUpdates` requests arrived so far (they are not among the recorded calls).
    pub fn polls(&self) -> u64 {
        self.inner.lock().polls
    }

    /// The highest offset the bot has confirmed through `getUpdates` (0 before any).
    pub fn served_offset(&self) -> i64 {
        self.inner.lock().served_offset
    }

    /// Formats the latest recorded calls for timeout panics.
    fn describe_recent_calls(&self) -> String {
        let calls = self.all_calls();
        let start = calls.len().saturating_sub(CALLS_IN_PANIC);
        let mut out = format!(
            "last {} of {} recorded call(s):",
            calls.len() - start,
            calls.len()
        );
        for call in &calls[start..] {
            let mark = if call.failed { " (failed)" } else { "" };
            out.push_str(&format!("\n  {}{mark} {}", call.method, call.params));
        }
        out
    }
}

/// The bot's own user object, as `getMe` and sent messages report it.
pub fn bot_user() -> Value {
    json!({
        "id": BOT_ID,
        "is_bot": true,
        "first_name": "GroupOps",
        "username": BOT_USERNAME,
    })
}

/// A ChatMember object for the bot as an administrator with every right, used when a test has
/// not configured the bot's own membership.
pub fn bot_admin_member() -> Value {
    admin_with(bot_user(), ALL_RIGHTS)
}

impl FakeState {
    /// Queues one update, noting when it arrives out of id order.
    fn enqueue(&mut self, id: i64, text: String) {
        if self.updates.back().is_some_and(|last| last.id > id) {
            self.out_of_order = true;
        }
        self.next_update_id = self.next_update_id.max(id + 1);
        self.updates.push_back(QueuedUpdate { id, text });
    }
}

impl Inner {
    /// Locks the state, ignoring poisoning so one panicking test thread cannot hide the data.
    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands out the next id of a message the bot sends to a chat (per chat, from 1000).
    fn next_message_id(&self, chat_id: i64) -> i64 {
        let mut state = self.lock();
        let next = state.next_message_id.entry(chat_id).or_insert(1000);
        let id = *next;
        *next += 1;
        id
    }

    /// Records (or only counts) a call, shows it to the observer and wakes everyone waiting for calls.
    fn record(&self, method: &str, params: Value, failed: bool) {
        let observer = {
            let mut state = self.lock();
            let count = state.counts.entry(method.to_ascii_lowercase()).or_default();
            count.0 += 1;
            count.1 += u64::from(failed);
            state.observer.clone()
        };
        if let Some(observer) = observer {
            observer(method, &params);
        }
        {
            let mut state = self.lock();
            if !state.not_recording {
                state.calls.push(Call {
                    method: method.to_string(),
                    params,
                    at: Instant::now(),
                    failed,
                });
            }
        }
        self.calls_changed.notify_waiters();
    }
}

/// Handles every request: `/bot{token}/{method}` with any HTTP method.
async fn handle(
    State(inner): State<Arc<Inner>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = path.strip_prefix("file/") {
        // A download: `file/bot<token>/documents/<file id>` (teloxide encodes the path's slash).
        let path = file.split_once('/').map_or("", |(_, path)| path);
        let path = path.replace("%2F", "/").replace("%2f", "/");
        let id = path.rsplit('/').next().unwrap_or_default();
        return match inner.lock().files.get(id).cloned() {
            Some(bytes) => (StatusCode::OK, bytes).into_response(),
            None => (StatusCode::NOT_FOUND, "no such file").into_response(),
        };
    }
    let Some((token_part, method)) = path.split_once('/') else {
        return not_found();
    };
    if !token_part.starts_with("bot") || method.is_empty() {
        return not_found();
    }
    let method = canonical_method(method);
    let lower = method.to_ascii_lowercase();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut params = parse_body(content_type, &body);
    merge_query(&mut params, uri.query());

    // A held method waits until the test releases it, then is answered as usual.
    let gate = inner.lock().holds.get_mut(&lower).map(|hold| {
        hold.arrived += 1;
        hold.gate.clone()
    });
    if let Some(gate) = gate {
        let _ = gate.acquire().await;
    }
    // An injected failure takes precedence over everything, including getUpdates.
    let failure = inner
        .lock()
        .failures
        .get_mut(&lower)
        .and_then(VecDeque::pop_front);
    if let Some(failure) = failure {
        inner.record(&method, params, true);
        if matches!(failure, Failure::Hang) {
            std::future::pending::<()>().await;
        }
        return failure_response(failure);
    }
    if BUDGETED_METHODS.contains(&lower.as_str()) {
        let admitted = inner
            .lock()
            .enforcer
            .admit(chat_id_of(&params), Instant::now());
        if let Err(wait) = admitted {
            inner.record(&method, params, true);
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            return failure_response(Failure::RetryAfter(secs));
        }
    }

    match lower.as_str() {
        "getupdates" => get_updates(&inner, &params).await,
        "getme" => ok(canned_or(&inner, &lower, me)),
        "deletewebhook" => ok(canned_or(&inner, &lower, || json!(true))),
        "getwebhookinfo" => ok(canned_or(
            &inner,
            &lower,
            || json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0}),
        )),
        _ => match canned_result(&inner, &lower, &params) {
            Some(result) => {
                inner.record(&method, params, false);
                ok(result)
            }
            None => {
                inner.record(&method, params, true);
                not_found()
            }
        },
    }
}

/// Returns the canonical spelling of a known method, or the name as sent.
fn canonical_method(sent: &str) -> String {
    KNOWN_METHODS
        .iter()
        .find(|m| m.eq_ignore_ascii_case(sent))
        .map(|m| (*m).to_string())
        .unwrap_or_else(|| sent.to_string())
}

/// Uses the test's override for a method if there is one, else the default.
fn canned_or(inner: &Inner, lower: &str, default: impl FnOnce() -> Value) -> Value {
    let configured = inner.lock().results.get(lower).cloned();
    configured.unwrap_or_else(default)
}

/// Computes the result of a recorded method, or `None` for an unknown method.
fn canned_result(inner: &Inner, lower: &str, params: &Value) -> Option<Value> {
    if let Some(result) = inner.lock().results.get(lower).cloned() {
        return Some(result);
    }
    if TRUE_METHODS.contains(&lower) {
        return Some(json!(true));
    }
    let chat_id = chat_id_of(params);
    let result = match lower {
        "sendmessage" | "sendphoto" | "senddocument" | "sendvideo" | "sendanimation" => {
            let message_id = inner.next_message_id(chat_id);
            sent_message(lower, chat_id, message_id, params)
        }
        "forwardmessage" => {
            let message_id = inner.next_message_id(chat_id);
            let mut message = sent_message("sendmessage", chat_id, message_id, params);
            message["text"] = json!("(forwarded)");
            message
        }
        "copymessage" => json!({"message_id": inner.next_message_id(chat_id)}),
        "getfile" => {
            let id = params["file_id"].as_str().unwrap_or_default().to_string();
            let size = inner.lock().files.get(&id).map_or(0, Vec::len);
            json!({"file_id": id, "file_unique_id": format!("u-{id}"), "file_size": size,
                   "file_path": format!("documents/{id}")})
        }
        "getmycommands" => json!([]),
        // Edits of inline messages (no chat) answer `true` instead of a Message.
        "editmessagetext" | "editmessagereplymarkup" | "editmessagecaption"
            if params.get("inline_message_id").is_some() =>
        {
            json!(true)
        }
        "editmessagetext" | "editmessagereplymarkup" | "editmessagecaption" => {
            let message_id = params
                .get("message_id")
                .and_then(int_of)
                .unwrap_or_default();
            edited_message(lower, chat_id, message_id, params)
        }
        "getchatadministrators" => {
            let admins = inner.lock().admins.get(&chat_id).cloned();
            Value::Array(admins.unwrap_or_default())
        }
        "getchatmember" => {
            let user_id = params.get("user_id").and_then(int_of).unwrap_or_default();
            // A member the test set, else an administrator from the chat's admin list, else a member.
            let state = inner.lock();
            let member = state.members.get(&(chat_id, user_id)).cloned().or_else(|| {
                state.admins.get(&chat_id).and_then(|admins| {
                    admins
                        .iter()
                        .find(|admin| admin["user"]["id"].as_i64() == Some(user_id))
                        .cloned()
                })
            });
            drop(state);
            member.unwrap_or_else(|| default_member(user_id))
        }
        "getchatmembercount" => json!(10),
        "getchat" => {
            let mut chat = full_chat(chat_id);
            if let Some(Value::Object(fields)) = inner.lock().chats.get(&chat_id).cloned() {
                let obj = chat.as_object_mut().expect("chat is an object");
                for (key, value) in fields {
                    if value.is_null() {
                        obj.remove(&key);
                    } else {
                        obj.insert(key, value);
                    }
                }
            }
            chat
        }
        "createchatinvitelink" => {
            let n = {
                let mut state = inner.lock();
                state.next_invite_link += 1;
                state.next_invite_link
            };
            invite_link(format!("https://t.me/+fake{n}"), params, false)
        }
        "exportchatinvitelink" => json!("https://t.me/+fakeprimary"),
        "revokechatinvitelink" | "editchatinvitelink" => {
            let link = params
                .get("invite_link")
                .and_then(Value::as_str)
                .unwrap_or("https://t.me/+fake0")
                .to_string();
            invite_link(link, params, lower == "revokechatinvitelink")
        }
        _ => return None,
    };
    Some(result)
}

/// Serves queued updates from the confirmed offset on, waiting briefly if there are none.
async fn get_updates(inner: &Inner, params: &Value) -> Response {
    let offset = params.get("offset").and_then(int_of).unwrap_or(0);
    let limit = params
        .get("limit")
        .and_then(int_of)
        .filter(|l| *l > 0)
        .unwrap_or(100) as usize;
    let timeout = params.get("timeout").and_then(int_of).unwrap_or(0).max(0) as u64;
    let wait = Duration::from_secs(timeout).min(MAX_POLL_WAIT);
    let deadline = tokio::time::Instant::now() + wait;

    {
        inner.lock().polls += 1;
    }
    {
        // A positive offset confirms every update below it, so those are dropped for good. Updates are
        // queued in id order as a rule, so they leave from the front; a full pass is only needed once
        // one was queued out of order.
        let mut state = inner.lock();
        if offset > 0 {
            state.served_offset = state.served_offset.max(offset);
            while state.updates.front().is_some_and(|u| u.id < offset) {
                state.updates.pop_front();
            }
            if state.out_of_order {
                state.updates.retain(|u| u.id >= offset);
            }
        }
    }
    loop {
        let notified = inner.updates_changed.notified();
        let texts: Vec<String> = {
            let state = inner.lock();
            state
                .updates
                .iter()
                .filter(|u| u.id >= offset)
                .take(limit)
                .map(|u| u.text.clone())
                .collect()
        };
        if !texts.is_empty() || tokio::time::timeout_at(deadline, notified).await.is_err() {
            // The queued texts are spliced in verbatim, so raw (even malformed) updates reach
            // teloxide exactly as the test wrote them.
            let body = format!("{{\"ok\":true,\"result\":[{}]}}", texts.join(","));
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
        }
    }
}

/// Builds a successful answer.
fn ok(result: Value) -> Response {
    (StatusCode::OK, Json(json!({"ok": true, "result": result}))).into_response()
}

/// Builds the answer for an unknown method: HTTP 200 with `ok:false`, as DESIGN §4 asks.
fn not_found() -> Response {
    (
        StatusCode::OK,
        Json(json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"})),
    )
        .into_response()
}

/// Builds the HTTP answer for an injected failure.
fn failure_response(failure: Failure) -> Response {
    let (status, body) = match failure {
        Failure::RetryAfter(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {secs}"),
                "parameters": {"retry_after": secs},
            }),
        ),
        Failure::Forbidden(description) => (
            StatusCode::FORBIDDEN,
            json!({"ok": false, "error_code": 403, "description": description}),
        ),
        Failure::BadRequest(description) => (
            StatusCode::BAD_REQUEST,
            json!({"ok": false, "error_code": 400, "description": description}),
        ),
        Failure::Status(code) => {
            let status = StatusCode::from_u16(code).expect("a valid HTTP status");
            return (status, format!("<html><body>{status}</body></html>")).into_response();
        }
        Failure::Hang => unreachable!("a hanging request is never answered"),
        Failure::Reset => {
            // Unwinding out of the handler ends the connection's task, so the socket is closed without an
            // answer. `resume_unwind` skips the panic hook: nothing is printed.
            std::panic::resume_unwind(Box::new("the fake Bot API drops this connection"));
        }
    };
    (status, Json(body)).into_response()
}

/// The `getMe` answer: the bot user plus the bot-only fields teloxide's `Me` requires.
fn me() -> Value {
    let mut me = bot_user();
    let obj = me.as_object_mut().expect("bot_user is an object");
    obj.insert("can_join_groups".into(), json!(true));
    obj.insert("can_read_all_group_messages".into(), json!(true));
    obj.insert("supports_inline_queries".into(), json!(false));
    obj.insert("can_connect_to_business".into(), json!(false));
    obj.insert("has_main_web_app".into(), json!(false));
    me
}

/// The current Unix time in seconds.
fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Reads an integer that may have arrived as a JSON number or (from multipart/urlencoded
/// bodies) as a string.
fn int_of(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_str()?.trim().parse().ok())
}

/// The `chat_id` parameter of a call, or 0 when it is missing or not numeric.
fn chat_id_of(params: &Value) -> i64 {
    params.get("chat_id").and_then(int_of).unwrap_or_default()
}

/// A short Chat object: groups (negative ids) are supergroups, others private chats.
fn chat_object(chat_id: i64) -> Value {
    if chat_id < 0 {
        json!({"id": chat_id, "type": "supergroup", "title": "Group"})
    } else {
        json!({"id": chat_id, "type": "private", "first_name": "User"})
    }
}

/// A Message from the bot for sendMessage/sendPhoto/sendDocument.
fn sent_message(lower: &str, chat_id: i64, message_id: i64, params: &Value) -> Value {
    let mut message = json!({
        "message_id": message_id,
        "date": now_unix(),
        "chat": chat_object(chat_id),
        "from": bot_user(),
    });
    let obj = message.as_object_mut().expect("message is an object");
    let caption = params.get("caption").cloned();
    match lower {
        "sendphoto" => {
            obj.insert(
                "photo".into(),
                json!([{
                    "file_id": format!("fake-photo-{chat_id}-{message_id}"),
                    "file_unique_id": format!("fake-photo-u-{chat_id}-{message_id}"),
                    "width": 1,
                    "height": 1,
                    "file_size": file_size(params.get("photo")),
                }]),
            );
            if let Some(caption) = caption {
                obj.insert("caption".into(), caption);
            }
        }
        "senddocument" => {
            let file_name = params
                .get("document")
                .and_then(|d| d.get("file_name"))
                .cloned()
                .unwrap_or_else(|| json!("document"));
            obj.insert(
                "document".into(),
                json!({
                    "file_id": format!("fake-doc-{chat_id}-{message_id}"),
                    "file_unique_id": format!("fake-doc-u-{chat_id}-{message_id}"),
                    "file_name": file_name,
                    "file_size": file_size(params.get("document")),
                }),
            );
            if let Some(caption) = caption {
                obj.insert("caption".into(), caption);
            }
        }
        "sendvideo" | "sendanimation" => {
            let (field, kind) = if lower == "sendvideo" {
                ("video", "video")
            } else {
                ("animation", "anim")
            };
            obj.insert(
                field.into(),
                json!({
                    "file_id": format!("fake-{kind}-{chat_id}-{message_id}"),
                    "file_unique_id": format!("fake-{kind}-u-{chat_id}-{message_id}"),
                    "width": 1,
                    "height": 1,
                    "duration": 1,
                }),
            );
            if let Some(caption) = caption {
                obj.insert("caption".into(), caption);
            }
        }
        _ => {
            let text = params.get("text").cloned().unwrap_or_else(|| json!(""));
            obj.insert("text".into(), text);
        }
    }
    if let Some(markup) = params.get("reply_markup") {
        obj.insert("reply_markup".into(), markup.clone());
    }
    message
}

/// The size of an uploaded file part, or 0 when the file was given by id or URL.
fn file_size(file: Option<&Value>) -> i64 {
    file.and_then(|f| f.get("size"))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

/// A Message for the edit methods: captions come back as a photo message (a bare caption does
/// not parse as any teloxide media kind), everything else as a text message.
fn edited_message(lower: &str, chat_id: i64, message_id: i64, params: &Value) -> Value {
    let mut message = json!({
        "message_id": message_id,
        "date": now_unix(),
        "edit_date": now_unix(),
        "chat": chat_object(chat_id),
        "from": bot_user(),
    });
    let obj = message.as_object_mut().expect("message is an object");
    if lower == "editmessagecaption" {
        obj.insert(
            "photo".into(),
            json!([{
                "file_id": format!("fake-photo-{chat_id}-{message_id}"),
                "file_unique_id": format!("fake-photo-u-{chat_id}-{message_id}"),
                "width": 1,
                "height": 1,
            }]),
        );
        let caption = params.get("caption").cloned().unwrap_or_else(|| json!(""));
        obj.insert("caption".into(), caption);
    } else {
        let text = params
            .get("text")
            .cloned()
            .unwrap_or_else(|| json!("(edited)"));
        obj.insert("text".into(), text);
    }
    if let Some(markup) = params.get("reply_markup") {
        obj.insert("reply_markup".into(), markup.clone());
    }
    message
}

/// The default `getChatMember` answer: the bot itself is an administrator with every right,
/// anyone else is a plain member.
fn default_member(user_id: i64) -> Value {
    if user_id == BOT_ID {
        return bot_admin_member();
    }
    json!({
        "status": "member",
        "user": {"id": user_id, "is_bot": false, "first_name": "User"},
    })
}

/// A ChatFullInfo for `getChat` with the fields teloxide requires
/// (`accepted_gift_types`, `max_reaction_count`).
fn full_chat(chat_id: i64) -> Value {
    let mut chat = json!({
        "id": chat_id,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": false,
            "limited_gifts": false,
            "unique_gifts": false,
            "premium_subscription": false,
        },
    });
    let obj = chat.as_object_mut().expect("chat is an object");
    if chat_id < 0 {
        obj.insert("type".into(), json!("supergroup"));
        obj.insert("title".into(), json!("Group"));
        obj.insert(
            "permissions".into(),
            json!({
                "can_send_messages": true,
                "can_send_audios": true,
                "can_send_documents": true,
                "can_send_photos": true,
                "can_send_videos": true,
                "can_send_video_notes": true,
                "can_send_voice_notes": true,
                "can_send_polls": true,
                "can_send_other_messages": true,
                "can_add_web_page_previews": true,
                "can_change_info": false,
                "can_invite_users": true,
                "can_pin_messages": false,
                "can_manage_topics": false,
            }),
        );
    } else {
        obj.insert("type".into(), json!("private"));
        obj.insert("first_name".into(), json!("User"));
    }
    chat
}

/// A ChatInviteLink created by the bot, echoing the call's name/expiry/limit/join-request flag.
fn invite_link(link: String, params: &Value, revoked: bool) -> Value {
    let mut out = json!({
        "invite_link": link,
        "creator": bot_user(),
        "creates_join_request": params
            .get("creates_join_request")
            .map(|v| v.as_bool().unwrap_or(v.as_str() == Some("true")))
            .unwrap_or(false),
        "is_primary": false,
        "is_revoked": revoked,
    });
    let obj = out.as_object_mut().expect("link is an object");
    if let Some(name) = params.get("name") {
        obj.insert("name".into(), name.clone());
    }
    if let Some(expire) = params.get("expire_date").and_then(int_of) {
        obj.insert("expire_date".into(), json!(expire));
    }
    if let Some(limit) = params.get("member_limit").and_then(int_of) {
        obj.insert("member_limit".into(), json!(limit));
    }
    out
}

/// Turns a request body into a JSON value according to its content type.
fn parse_body(content_type: &str, body: &[u8]) -> Value {
    let lower = content_type.to_ascii_lowercase();
    if lower.starts_with("multipart/form-data") {
        if let Some(boundary) = boundary_of(content_type) {
            return Value::Object(parse_multipart(body, &boundary));
        }
    }
    if lower.starts_with("application/x-www-form-urlencoded") {
        let map = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), field_value(&v)))
            .collect();
        return Value::Object(map);
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Value::Object(Map::new());
    }
    serde_json::from_slice(body)
        .unwrap_or_else(|_| json!({"_unparsed_body": String::from_utf8_lossy(body)}))
}

/// Adds query-string parameters (used by GET requests) to the parsed parameters.
fn merge_query(params: &mut Value, query: Option<&str>) {
    let (Some(query), Some(obj)) = (query, params.as_object_mut()) else {
        return;
    };
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        obj.entry(k.into_owned()).or_insert_with(|| field_value(&v));
    }
}

/// A text field's value: parsed when it holds a JSON object or array, else the string itself.
fn field_value(text: &str) -> Value {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<Value>(text) {
            return v;
        }
    }
    Value::String(text.to_string())
}

/// Extracts the multipart boundary from a Content-Type header.
fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|part| {
        let (key, value) = part.trim().split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// Parses a multipart/form-data body: text parts become fields, file parts become
/// `{"file_name": .., "size": n}`.
fn parse_multipart(body: &[u8], boundary: &str) -> Map<String, Value> {
    let mut fields = Map::new();
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut rest = match find(body, delimiter) {
        Some(at) => &body[at + delimiter.len()..],
        None => return fields,
    };
    // Each iteration handles the part that follows one delimiter line.
    while !rest.starts_with(b"--") {
        let Some(next) = find(rest, delimiter) else {
            break;
        };
        let part = &rest[..next];
        rest = &rest[next + delimiter.len()..];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(header_end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..header_end]);
        let data = &part[header_end + 4..];
        let mut name = None;
        let mut file_name = None;
        for line in head.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if !key.trim().eq_ignore_ascii_case("content-disposition") {
                continue;
            }
            for attr in value.split(';') {
                if let Some((k, v)) = attr.trim().split_once('=') {
                    let v = v.trim().trim_matches('"').to_string();
                    match k.trim().to_ascii_lowercase().as_str() {
                        "name" => name = Some(v),
                        "filename" => file_name = Some(v),
                        _ => {}
                    }
                }
            }
        }
        let Some(name) = name else { continue };
        let value = match file_name {
            // A text file's content (UTF-8 without control characters but line breaks and tabs) is kept
            // as `text`, so a test can read what the bot sent.
            Some(file_name) => match std::str::from_utf8(data) {
                Ok(text)
                    if !text
                        .chars()
                        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
                {
                    json!({"file_name": file_name, "size": data.len(), "text": text})
                }
                _ => json!({"file_name": file_name, "size": data.len()}),
            },
            None => field_value(&String::from_utf8_lossy(data)),
        };
        fields.insert(name, value);
    }
    resolve_attachments(&mut fields);
    fields
}

/// Replaces `"attach://<part>"` references (how teloxide uploads files) with the referenced file
/// part and drops that part's own field, so `params["document"]` describes the uploaded file.
fn resolve_attachments(fields: &mut Map<String, Value>) {
    let references: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(key, value)| {
            let part = value.as_str()?.strip_prefix("attach://")?;
            Some((key.clone(), part.to_string()))
        })
        .collect();
    for (key, part) in references {
        if let Some(file) = fields.remove(&part) {
            fields.insert(key, file);
        }
    }
}

/// Finds the first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
