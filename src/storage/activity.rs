//! The batched activity writer. Handlers report message, join and leave events with
//! [`ActivitySink::record`], which never waits: it puts the event in a bounded channel, and when the channel
//! is full the event is dropped and counted (never silently). One writer task aggregates messages per
//! (chat, user, minute) and member sightings per (chat, user) in memory and writes them every
//! `flush_interval` or `flush_events` events as multi-row UPSERTs in one transaction on the write connection.
//! When a backlog waits in the channel, one flush takes up to `max_batch_events` of it at once: a larger
//! transaction touches each page of the activity tables once for more rows, so the writer catches up
//! faster the further it falls behind.
//! On shutdown ([`ActivitySink::close`], or every sink dropped) it drains the channel and writes what is left.
//!
//! The long messages a flush adds are queued for activity points (`economy_activity_pending`) in the same
//! transaction, so the economy pays exactly what was stored, however late. A user's profile is written
//! when it is new or changed, and otherwise at most once per `PROFILE_REFRESH_SECS`, so the thousands of
//! messages of unchanged members do not each rewrite their `users` row.

use super::members::UserProfile;
use super::Storage;
use crate::config::ActivitySettings;
use crate::error::Result;
use sqlx::{AssertSqlSafe, Sqlite, SqliteConnection};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Rows per multi-row statement (kept well under SQLite's variable limit).
const ROWS_PER_STATEMENT: usize = 100;

/// An unchanged profile is written again at most this often (its `updated_at` stays this fresh).
const PROFILE_REFRESH_SECS: i64 = 3_600;

/// Profiles the writer remembers having written; beyond this it forgets them all and starts over.
const PROFILES_REMEMBERED: usize = 200_000;

/// Something a member did that the review numbers count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityEvent {
    /// A message in a group.
    Message {
        /// The group.
        chat_id: i64,
        /// The sender.
        user_id: i64,
        /// Unix seconds.
        at: i64,
        /// Length of the text or caption in characters.
        chars: u32,
    },
    /// A bot command in a group: the member was seen, but a command is no conversation, so it counts in no
    /// message total, ranking or activity points.
    Command {
        /// The group.
        chat_id: i64,
        /// The sender.
        user_id: i64,
        /// Unix seconds.
        at: i64,
    },
    /// A message recorded earlier was removed by moderation (an ad, a blocked word…): it is taken back out of
    /// the counts, and its activity points are not paid when they are still waiting.
    Removed {
        /// The group.
        chat_id: i64,
        /// The sender.
        user_id: i64,
        /// Unix seconds of the removed message (its minute).
        at: i64,
        /// Its length in characters, as recorded.
        chars: u32,
    },
    /// A user's profile as seen on an update (names and username for `@username` lookups).
    Profile {
        /// The profile.
        profile: UserProfile,
        /// Unix seconds.
        at: i64,
    },
    /// A member joined.
    Join {
        /// The group.
        chat_id: i64,
        /// The new member.
        user_id: i64,
        /// Unix seconds.
        at: i64,
        /// The invite link used, when the bot created it.
        invite_link: Option<String>,
        /// Who added them, when someone else did.
        added_by: Option<i64>,
        /// Whether the join came from an approved join request.
        via_request: bool,
    },
    /// A member asked to join a group that approves join requests. The link is kept until the approved
    /// join arrives, which Telegram may report without it.
    JoinRequest {
        /// The group.
        chat_id: i64,
        /// The member who asked.
        user_id: i64,
        /// Unix seconds.
        at: i64,
        /// The invite link of the request, when the bot created it.
        invite_link: Option<String>,
    },
    /// A member left or was removed.
    Leave {
        /// The group.
        chat_id: i64,
        /// The member.
        user_id: i64,
        /// Unix seconds.
        at: i64,
    },
    /// A message of a forum group, with its topic, kept so `/purge` deletes only its own topic's messages.
    TopicMessage {
        /// The group.
        chat_id: i64,
        /// The message.
        message_id: i64,
        /// The topic's thread id, 0 for the General topic.
        thread_id: i64,
        /// Unix seconds.
        at: i64,
    },
}

enum Command {
    Event(ActivityEvent),
    Flush(oneshot::Sender<()>),
    Close(oneshot::Sender<()>),
}

/// Counters of the writer, readable while it runs.
#[derive(Debug, Default)]
pub struct ActivityCounters {
    /// Events accepted into the channel.
    pub accepted: AtomicU64,
    /// Events dropped because the channel was full.
    pub dropped: AtomicU64,
    /// Events written to the database.
    pub written: AtomicU64,
    /// Events lost because a flush failed.
    pub failed: AtomicU64,
    /// Flushes (transactions) done.
    pub flushes: AtomicU64,
    /// Rows written over all flushes.
    pub rows: AtomicU64,
}

/// The handle handlers use to report activity. Cheap to clone.
#[derive(Clone)]
pub struct ActivitySink {
    tx: mpsc::Sender<Command>,
    counters: Arc<ActivityCounters>,
}

impl ActivitySink {
    /// Hands an event to the writer without waiting. Returns false when it was dropped (channel full or
    /// writer gone); drops are counted and logged.
    pub fn record(&self, event: ActivityEvent) -> bool {
        match self.tx.try_send(Command::Event(event)) {
            Ok(()) => {
                self.counters.accepted.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(_) => {
                let dropped = self.counters.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if dropped.is_power_of_two() {
                    tracing::warn!(dropped, "activity channel full: events dropped");
                }
                false
            }
        }
    }

    /// Waits until every event recorded before this call is in the database.
    pub async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Command::Flush(ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    /// Writes everything recorded so far and stops the writer; events recorded afterwards are dropped
    /// and counted.
    pub async fn close(&self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Command::Close(ack)).await.is_ok() {
            let _ = done.await;
        }
    }

    /// The writer's counters.
    pub fn counters(&self) -> &ActivityCounters {
        &self.counters
    }
}

/// Starts the writer task. It ends, after writing everything, once every [`ActivitySink`] clone is dropped.
/// Messages of at least `long_message_chars` characters are also counted in `activity_minutes.long_messages`
/// (activity points count only those).
pub fn spawn(
    storage: Storage,
    settings: &ActivitySettings,
    long_message_chars: u32,
) -> (ActivitySink, JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(settings.channel_capacity);
    let counters = Arc::new(ActivityCounters::default());
    let writer = Writer {
        storage,
        counters: counters.clone(),
        batch: Batch {
            long_message_chars,
            ..Batch::default()
        },
        flush_events: settings.flush_events,
        max_batch_events: settings.max_batch_events.max(settings.flush_events).max(1),
        written_profiles: HashMap::new(),
    };
    let handle = tokio::spawn(writer.run(rx, settings.flush_interval.get()));
    (ActivitySink { tx, counters }, handle)
}

struct Writer {
    storage: Storage,
    counters: Arc<ActivityCounters>,
    batch: Batch,
    flush_events: usize,
    /// The most events one flush takes from a backlog (at least `flush_events`).
    max_batch_events: usize,
    /// user → (a hash of the profile last written, when); a hash keeps this map small
    written_profiles: HashMap<i64, (u64, i64)>,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>, interval: std::time::Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut buffer = Vec::with_capacity(self.flush_events);
        loop {
            // Everything already waiting is taken at once (up to what one flush may take), so a backlog
            // makes the next flush larger rather than the flushes more frequent.
            let room = self
                .max_batch_events
                .saturating_sub(self.batch.events)
                .max(1);
            tokio::select! {
                received = rx.recv_many(&mut buffer, room) => {
                    if received == 0 {
                        self.flush().await;
                        tracing::debug!("activity writer drained and stopped");
                        return;
                    }
                    for command in buffer.drain(..) {
                        match command {
                            Command::Event(event) => self.batch.add(event),
                            Command::Flush(ack) => {
                                self.flush().await;
                                let _ = ack.send(());
                            }
                            Command::Close(ack) => {
                                self.flush().await;
                                rx.close();
                                while let Ok(Command::Event(event)) = rx.try_recv() {
                                    self.batch.add(event);
                                }
                                self.flush().await;
                                let _ = ack.send(());
                                tracing::debug!("activity writer closed");
                                return;
                            }
                        }
                    }
                    if self.batch.events >= self.flush_events {
                        self.flush().await;
                    }
                }
                _ = ticker.tick() => {
                    if self.batch.events > 0 {
                        self.flush().await;
                    }
                }
            }
        }
    }

    async fn flush(&mut self) {
        if self.batch.events == 0 {
            return;
        }
        let fresh = Batch {
            long_message_chars: self.batch.long_message_chars,
            ..Batch::default()
        };
        let mut batch = std::mem::replace(&mut self.batch, fresh);
        let remembered = &self.written_profiles;
        batch.profiles.retain(|user_id, (profile, at)| {
            remembered.get(user_id).is_none_or(|(written, written_at)| {
                *written != profile_hash(profile) || *at - *written_at >= PROFILE_REFRESH_SECS
            })
        });
        let started = Instant::now();
        match write_batch(&self.storage, &batch).await {
            Ok(rows) => {
                if self.written_profiles.len() + batch.profiles.len() > PROFILES_REMEMBERED {
                    self.written_profiles.clear();
                }
                self.written_profiles.extend(
                    batch
                        .profiles
                        .drain()
                        .map(|(user_id, (profile, at))| (user_id, (profile_hash(&profile), at))),
                );
                self.counters
                    .written
                    .fetch_add(batch.events as u64, Ordering::Relaxed);
                self.counters.rows.fetch_add(rows, Ordering::Relaxed);
                self.counters.flushes.fetch_add(1, Ordering::Relaxed);
                tracing::trace!(events = batch.events, rows, took = ?started.elapsed(), "activity flushed");
            }
            Err(err) => {
                self.counters
                    .failed
                    .fetch_add(batch.events as u64, Ordering::Relaxed);
                tracing::error!(events = batch.events, %err, "activity flush failed; events lost");
            }
        }
    }
}

/// A hash of the profile fields the `users` row holds.
fn profile_hash(profile: &UserProfile) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (
        &profile.first_name,
        &profile.last_name,
        &profile.username,
        profile.is_bot,
        &profile.language_code,
    )
        .hash(&mut hasher);
    hasher.finish()
}

/// Events aggregated since the last flush.
#[derive(Default)]
struct Batch {
    events: usize,
    /// The length from which a message counts as long.
    long_message_chars: u32,
    /// (chat, minute, user) → (messages, chars, long messages)
    minutes: HashMap<(i64, i64, i64), (i64, i64, i64)>,
    /// (chat, user) → (first at, last at, messages)
    seen: HashMap<(i64, i64), (i64, i64, i64)>,
    /// user → latest profile
    profiles: HashMap<i64, (UserProfile, i64)>,
    /// (chat, minute, user) → (messages, chars, long messages) to take back out of what earlier flushes
    /// wrote: removals of messages that are no longer in this batch
    removed: HashMap<(i64, i64, i64), (i64, i64, i64)>,
    /// joins, join requests and leaves in arrival order
    membership: Vec<ActivityEvent>,
    /// (chat, message, topic, at) of forum messages
    topic_messages: Vec<(i64, i64, i64, i64)>,
}

impl Batch {
    fn add(&mut self, event: ActivityEvent) {
        self.events += 1;
        match event {
            ActivityEvent::Message {
                chat_id,
                user_id,
                at,
                chars,
            } => {
                let slot = self
                    .minutes
                    .entry((chat_id, at.div_euclid(60), user_id))
                    .or_default();
                slot.0 += 1;
                slot.1 += chars as i64;
                slot.2 += i64::from(chars >= self.long_message_chars);
                self.see(chat_id, user_id, at, 1);
            }
            ActivityEvent::Command {
                chat_id,
                user_id,
                at,
            } => self.see(chat_id, user_id, at, 0),
            ActivityEvent::Removed {
                chat_id,
                user_id,
                at,
                chars,
            } => {
                // The removal is judged moments after the message was counted, possibly in the next minute.
                let minute = at.div_euclid(60);
                let key = [minute, minute - 1]
                    .into_iter()
                    .map(|m| (chat_id, m, user_id))
                    .find(|key| self.minutes.get(key).is_some_and(|slot| slot.0 > 0))
                    .unwrap_or((chat_id, minute, user_id));
                let long = i64::from(chars >= self.long_message_chars);
                match self.minutes.get_mut(&key) {
                    // Usually the message is still in this batch: it is simply not written.
                    Some(slot) if slot.0 > 0 => {
                        slot.0 -= 1;
                        slot.1 = (slot.1 - chars as i64).max(0);
                        slot.2 = (slot.2 - long).max(0);
                        if *slot == (0, 0, 0) {
                            self.minutes.remove(&key);
                        }
                        if let Some(seen) = self.seen.get_mut(&(chat_id, user_id)) {
                            seen.2 = (seen.2 - 1).max(0);
                        }
                    }
                    _ => {
                        let slot = self.removed.entry(key).or_default();
                        slot.0 += 1;
                        slot.1 += chars as i64;
                        slot.2 += long;
                    }
                }
            }
            ActivityEvent::Profile { profile, at } => {
                self.profiles.insert(profile.user_id, (profile, at));
            }
            ActivityEvent::Join { .. }
            | ActivityEvent::JoinRequest { .. }
            | ActivityEvent::Leave { .. } => self.membership.push(event),
            ActivityEvent::TopicMessage {
                chat_id,
                message_id,
                thread_id,
                at,
            } => self
                .topic_messages
                .push((chat_id, message_id, thread_id, at)),
        }
    }

    fn see(&mut self, chat_id: i64, user_id: i64, at: i64, messages: i64) {
        let slot = self.seen.entry((chat_id, user_id)).or_insert((at, at, 0));
        slot.0 = slot.0.min(at);
        slot.1 = slot.1.max(at);
        slot.2 += messages;
    }
}

async fn write_batch(storage: &Storage, batch: &Batch) -> Result<u64> {
    let mut tx = storage.write.begin().await?;
    let mut rows = 0u64;
    // Rows go in in key order, so each statement walks its tables' B-trees forward, page by page, instead
    // of jumping about as the in-memory maps' order would.
    let mut profiles: Vec<_> = batch.profiles.values().collect();
    profiles.sort_unstable_by_key(|(profile, _)| profile.user_id);
    for chunk in profiles.chunks(ROWS_PER_STATEMENT) {
        let sql = multi_row(
            "INSERT INTO users (user_id, first_name, last_name, username, is_bot, language_code, updated_at) VALUES ",
            7,
            chunk.len(),
            " ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
              username = excluded.username, is_bot = excluded.is_bot,
              language_code = COALESCE(excluded.language_code, users.language_code),
              updated_at = MAX(users.updated_at, excluded.updated_at)",
        );
        let mut query = sqlx::query::<Sqlite>(AssertSqlSafe(sql));
        for (profile, at) in chunk {
            query = query
                .bind(profile.user_id)
                .bind(&profile.first_name)
                .bind(&profile.last_name)
                .bind(&profile.username)
                .bind(profile.is_bot)
                .bind(&profile.language_code)
                .bind(*at);
        }
        rows += query.execute(&mut *tx).await?.rows_affected();
    }
    for chunk in batch.topic_messages.chunks(ROWS_PER_STATEMENT) {
        let sql = multi_row(
            "INSERT OR IGNORE INTO topic_messages (chat_id, message_id, thread_id, at) VALUES ",
            4,
            chunk.len(),
            "",
        );
        let mut query = sqlx::query::<Sqlite>(AssertSqlSafe(sql));
        for (chat_id, message_id, thread_id, at) in chunk {
            query = query
                .bind(chat_id)
                .bind(message_id)
                .bind(thread_id)
                .bind(at);
        }
        rows += query.execute(&mut *tx).await?.rows_affected();
    }
    let mut minutes: Vec<_> = batch.minutes.iter().collect();
    minutes.sort_unstable_by_key(|(key, _)| **key);
    for chunk in minutes.chunks(ROWS_PER_STATEMENT) {
        let sql = multi_row(
            "INSERT INTO activity_minutes (chat_id, minute, user_id, messages, chars, long_messages) VALUES ",
            6,
            chunk.len(),
            " ON CONFLICT (chat_id, minute, user_id) DO UPDATE SET
              messages = activity_minutes.messages + excluded.messages,
              chars = activity_minutes.chars + excluded.chars,
              long_messages = activity_minutes.long_messages + excluded.long_messages",
        );
        let mut query = sqlx::query::<Sqlite>(AssertSqlSafe(sql));
        for ((chat, minute, user), (messages, chars, long)) in chunk {
            query = query
                .bind(*chat)
                .bind(*minute)
                .bind(*user)
                .bind(*messages)
                .bind(*chars)
                .bind(*long);
        }
        rows += query.execute(&mut *tx).await?.rows_affected();
    }
    // The long messages just stored wait for the economy's activity-points pass.
    let long: Vec<_> = minutes
        .iter()
        .filter(|(_, (_, _, long))| *long > 0)
        .collect();
    for chunk in long.chunks(ROWS_PER_STATEMENT) {
        let sql = multi_row(
            "INSERT INTO economy_activity_pending (chat_id, minute, user_id, messages) VALUES ",
            4,
            chunk.len(),
            "",
        );
        let mut query = sqlx::query::<Sqlite>(AssertSqlSafe(sql));
        for ((chat, minute, user), (_, _, long)) in chunk {
            query = query.bind(*chat).bind(*minute).bind(*user).bind(*long);
        }
        query.execute(&mut *tx).await?;
    }
    let mut seen: Vec<_> = batch.seen.iter().collect();
    seen.sort_unstable_by_key(|(key, _)| **key);
    for chunk in seen.chunks(ROWS_PER_STATEMENT) {
        let sql = multi_row(
            "INSERT INTO members (chat_id, user_id, first_seen, last_seen, messages) VALUES ",
            5,
            chunk.len(),
            " ON CONFLICT (chat_id, user_id) DO UPDATE SET
              first_seen = CASE WHEN members.sighted THEN MIN(members.first_seen, excluded.first_seen)
                           ELSE excluded.first_seen END,
              sighted = 1,
              last_seen = MAX(members.last_seen, excluded.last_seen),
              messages = members.messages + excluded.messages,
              status = CASE WHEN excluded.messages > 0 THEN 'member' ELSE members.status END",
        );
        let mut query = sqlx::query::<Sqlite>(AssertSqlSafe(sql));
        for ((chat, user), (first, last, messages)) in chunk {
            query = query
                .bind(*chat)
                .bind(*user)
                .bind(*first)
                .bind(*last)
                .bind(*messages);
        }
        rows += query.execute(&mut *tx).await?.rows_affected();
    }
    rows += take_back_removed(&mut tx, &batch.removed).await?;
    rows += write_membership(&mut tx, &batch.membership).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Takes removed messages that an earlier flush wrote back out of the minute counts and the members'
/// totals (never below zero), and out of the activity points still waiting to be paid. Removals are rare,
/// so this goes row by row.
async fn take_back_removed(
    conn: &mut SqliteConnection,
    removed: &HashMap<(i64, i64, i64), (i64, i64, i64)>,
) -> Result<u64> {
    let mut rows = 0;
    for (&(chat, removed_minute, user), &(messages, chars, long)) in removed {
        // The message was counted in the minute of the removal or, across a minute's turn, the one before.
        let mut minute = removed_minute;
        for candidate in [removed_minute, removed_minute - 1] {
            let counted: Option<i64> = sqlx::query_scalar(
                "SELECT messages FROM activity_minutes WHERE chat_id = ? AND minute = ? AND user_id = ?",
            )
            .bind(chat)
            .bind(candidate)
            .bind(user)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(counted) = counted else {
                continue;
            };
            // A minute row holds at least one message: one left with none is deleted.
            let done = if counted <= messages {
                sqlx::query(
                    "DELETE FROM activity_minutes WHERE chat_id = ? AND minute = ? AND user_id = ?",
                )
                .bind(chat)
                .bind(candidate)
                .bind(user)
                .execute(&mut *conn)
                .await?
            } else {
                sqlx::query(
                    "UPDATE activity_minutes SET messages = messages - ?, chars = MAX(0, chars - ?),
                     long_messages = MAX(0, long_messages - ?)
                     WHERE chat_id = ? AND minute = ? AND user_id = ?",
                )
                .bind(messages)
                .bind(chars)
                .bind(long)
                .bind(chat)
                .bind(candidate)
                .bind(user)
                .execute(&mut *conn)
                .await?
            };
            minute = candidate;
            rows += done.rows_affected();
            break;
        }
        sqlx::query(
            "UPDATE members SET messages = MAX(0, messages - ?) WHERE chat_id = ? AND user_id = ?",
        )
        .bind(messages)
        .bind(chat)
        .bind(user)
        .execute(&mut *conn)
        .await?;
        if long > 0 {
            let pending: Vec<(i64, i64)> = sqlx::query_as(
                "SELECT id, messages FROM economy_activity_pending
                 WHERE chat_id = ? AND user_id = ? AND minute = ? ORDER BY id DESC",
            )
            .bind(chat)
            .bind(user)
            .bind(minute)
            .fetch_all(&mut *conn)
            .await?;
            let mut left = long;
            for (id, count) in pending {
                if left == 0 {
                    break;
                }
                if count <= left {
                    sqlx::query("DELETE FROM economy_activity_pending WHERE id = ?")
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                    left -= count;
                } else {
                    sqlx::query(
                        "UPDATE economy_activity_pending SET messages = messages - ? WHERE id = ?",
                    )
                    .bind(left)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                    left = 0;
                }
            }
        }
    }
    Ok(rows)
}

/// Writes joins, join requests and leaves in arrival order. A join request stores (or, without a bot link,
/// forgets) the request's link; an approved join that arrives without a link takes the stored one.
async fn write_membership(conn: &mut SqliteConnection, events: &[ActivityEvent]) -> Result<u64> {
    let mut rows = 0;
    let mut joins_and_leaves = Vec::with_capacity(events.len());
    for event in events {
        match event {
            ActivityEvent::JoinRequest {
                chat_id,
                user_id,
                at,
                invite_link,
            } => {
                rows +=
                    remember_request_link(conn, *chat_id, *user_id, *at, invite_link.as_deref())
                        .await?;
            }
            ActivityEvent::Join {
                chat_id,
                user_id,
                at,
                invite_link: None,
                added_by,
                via_request: true,
            } => {
                let invite_link = take_request_link(conn, *chat_id, *user_id).await?;
                joins_and_leaves.push(std::borrow::Cow::Owned(ActivityEvent::Join {
                    chat_id: *chat_id,
                    user_id: *user_id,
                    at: *at,
                    invite_link,
                    added_by: *added_by,
                    via_request: true,
                }));
            }
            ActivityEvent::Join {
                chat_id,
                user_id,
                via_request: true,
                ..
            } => {
                // The join carries its link itself; the request's is no longer needed.
                take_request_link(conn, *chat_id, *user_id).await?;
                joins_and_leaves.push(std::borrow::Cow::Borrowed(event));
            }
            _ => joins_and_leaves.push(std::borrow::Cow::Borrowed(event)),
        }
    }
    for chunk in joins_and_leaves.chunks(ROWS_PER_STATEMENT) {
        let sql = multi_row(
            "INSERT INTO member_events (chat_id, user_id, at, kind, invite_link, added_by, via_request) VALUES ",
            7,
            chunk.len(),
            "",
        );
        let mut query = sqlx::query::<Sqlite>(AssertSqlSafe(sql));
        for event in chunk {
            query = match event.as_ref() {
                ActivityEvent::Join {
                    chat_id,
                    user_id,
                    at,
                    invite_link,
                    added_by,
                    via_request,
                } => query
                    .bind(*chat_id)
                    .bind(*user_id)
                    .bind(*at)
                    .bind("join")
                    .bind(invite_link.clone())
                    .bind(*added_by)
                    .bind(*via_request),
                ActivityEvent::Leave {
                    chat_id,
                    user_id,
                    at,
                } => query
                    .bind(*chat_id)
                    .bind(*user_id)
                    .bind(*at)
                    .bind("leave")
                    .bind(None::<String>)
                    .bind(None::<i64>)
                    .bind(false),
                _ => unreachable!("only joins and leaves are written as member events"),
            };
        }
        rows += query.execute(&mut *conn).await?.rows_affected();
    }
    for event in &joins_and_leaves {
        match event.as_ref() {
            ActivityEvent::Join {
                chat_id,
                user_id,
                at,
                ..
            } => super::members::record_join(conn, *chat_id, *user_id, *at).await?,
            ActivityEvent::Leave {
                chat_id,
                user_id,
                at,
            } => super::members::record_leave(conn, *chat_id, *user_id, *at).await?,
            _ => {}
        }
        rows += 1;
    }
    Ok(rows)
}

/// Stores the bot link of a member's join request, or forgets an earlier one when this request came
/// without a bot link.
async fn remember_request_link(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
    at: i64,
    invite_link: Option<&str>,
) -> Result<u64> {
    let done = match invite_link {
        Some(link) => sqlx::query(
            "INSERT INTO join_request_links (chat_id, user_id, invite_link, at) VALUES (?, ?, ?, ?)
                 ON CONFLICT (chat_id, user_id) DO UPDATE SET invite_link = excluded.invite_link,
                     at = excluded.at",
        )
        .bind(chat_id)
        .bind(user_id)
        .bind(link)
        .bind(at)
        .execute(&mut *conn)
        .await?,
        None => {
            sqlx::query("DELETE FROM join_request_links WHERE chat_id = ? AND user_id = ?")
                .bind(chat_id)
                .bind(user_id)
                .execute(&mut *conn)
                .await?
        }
    };
    Ok(done.rows_affected())
}

/// Takes (reads and removes) the stored link of a member's join request.
async fn take_request_link(
    conn: &mut SqliteConnection,
    chat_id: i64,
    user_id: i64,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "DELETE FROM join_request_links WHERE chat_id = ? AND user_id = ? RETURNING invite_link",
    )
    .bind(chat_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Rows one clean-up statement deletes at most, so the writer is never held long.
const PRUNE_CHUNK: i64 = 5_000;

/// Deletes raw activity older than `cutoff` (unix seconds): per-minute message counts, join/leave rows and
/// join-request links never used. Member records themselves are kept. The work is cut into statements of
/// at most [`PRUNE_CHUNK`] rows, each its own short transaction on the writer, so that other writes
/// (sign-ins, grabs, the activity writer's flushes) get their turn between chunks. Message counts are
/// deleted group by group along the primary key, so no chunk scans rows it does not delete. Returns how
/// many rows were removed.
pub async fn prune(storage: &Storage, cutoff: i64) -> Result<u64> {
    let cutoff_minute = cutoff.div_euclid(60);
    let mut removed = 0;
    let mut chat: Option<i64> = None;
    loop {
        // The next group with activity (an index seek each, on a read connection).
        let next: Option<i64> = {
            let mut conn = storage.read.acquire().await?;
            sqlx::query_scalar("SELECT MIN(chat_id) FROM activity_minutes WHERE chat_id > ?")
                .bind(chat.unwrap_or(i64::MIN))
                .fetch_one(&mut *conn)
                .await?
        };
        let Some(chat_id) = next else { break };
        chat = Some(chat_id);
        loop {
            let mut conn = storage.write.acquire().await?;
            let deleted = sqlx::query(
                "DELETE FROM activity_minutes WHERE chat_id = ?1 AND minute < ?2 AND (minute, user_id) IN (
                     SELECT minute, user_id FROM activity_minutes WHERE chat_id = ?1 AND minute < ?2 LIMIT ?3)",
            )
            .bind(chat_id)
            .bind(cutoff_minute)
            .bind(PRUNE_CHUNK)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            removed += deleted;
            if (deleted as i64) < PRUNE_CHUNK {
                break;
            }
        }
    }
    loop {
        let mut conn = storage.write.acquire().await?;
        let deleted = sqlx::query(
            "DELETE FROM member_events WHERE id IN (
                 SELECT id FROM member_events WHERE at < ? ORDER BY id LIMIT ?)",
        )
        .bind(cutoff)
        .bind(PRUNE_CHUNK)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        removed += deleted;
        if (deleted as i64) < PRUNE_CHUNK {
            break;
        }
    }
    let mut conn = storage.write.acquire().await?;
    removed += sqlx::query("DELETE FROM join_request_links WHERE at < ?")
        .bind(cutoff)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(removed)
}

/// Deletes the forum messages recorded before `before` (unix seconds), in chunks like [`prune`]; Telegram
/// no longer lets bots delete them, so `/purge` has no use for them. Returns how many rows were removed.
pub async fn prune_topic_messages(storage: &Storage, before: i64) -> Result<u64> {
    let mut removed = 0;
    loop {
        let mut conn = storage.write.acquire().await?;
        let deleted = sqlx::query(
            "DELETE FROM topic_messages WHERE (chat_id, message_id) IN (
                 SELECT chat_id, message_id FROM topic_messages WHERE at < ? LIMIT ?)",
        )
        .bind(before)
        .bind(PRUNE_CHUNK)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        removed += deleted;
        if (deleted as i64) < PRUNE_CHUNK {
            return Ok(removed);
        }
    }
}

/// The forum messages recorded in topic `thread_id` of `chat_id` with ids from `from` to `to`, in order.
pub async fn topic_messages_between(
    storage: &Storage,
    chat_id: i64,
    thread_id: i64,
    from: i64,
    to: i64,
) -> Result<Vec<i64>> {
    let mut conn = storage.read.acquire().await?;
    Ok(sqlx::query_scalar(
        "SELECT message_id FROM topic_messages
         WHERE chat_id = ? AND thread_id = ? AND message_id BETWEEN ? AND ? ORDER BY message_id",
    )
    .bind(chat_id)
    .bind(thread_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?)
}

/// `head` + `rows` groups of `width` placeholders + `tail`.
fn multi_row(head: &str, width: usize, rows: usize, tail: &str) -> String {
    let group = format!("({})", vec!["?"; width].join(","));
    let mut sql = String::with_capacity(head.len() + rows * (group.len() + 1) + tail.len());
    sql.push_str(head);
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&group);
    }
    sql.push_str(tail);
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::Dur;
    use sqlx::SqlitePool;

    fn settings() -> ActivitySettings {
        ActivitySettings {
            flush_interval: Dur::secs(3600),
            flush_events: 10_000,
            ..Default::default()
        }
    }

    #[sqlx::test]
    async fn counts_long_messages_from_the_threshold(pool: SqlitePool) {
        let (sink, writer) = spawn(Storage::from_pool(pool.clone()), &settings(), 4);
        for chars in [0, 3, 4, 10] {
            sink.record(ActivityEvent::Message {
                chat_id: -1,
                user_id: 7,
                at: 60,
                chars,
            });
        }
        sink.flush().await;
        let (messages, long): (i64, i64) =
            sqlx::query_as("SELECT messages, long_messages FROM activity_minutes")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!((messages, long), (4, 2));
        drop(sink);
        writer.await.unwrap();
    }

    #[sqlx::test]
    async fn commands_and_removed_messages_count_for_nothing(pool: SqlitePool) {
        let (sink, writer) = spawn(Storage::from_pool(pool.clone()), &settings(), 4);
        let message = |user_id, at, chars| ActivityEvent::Message {
            chat_id: -1,
            user_id,
            at,
            chars,
        };
        let removed = |user_id, at, chars| ActivityEvent::Removed {
            chat_id: -1,
            user_id,
            at,
            chars,
        };
        // In one batch: a kept message, a removed one (judged in the next minute), and a command.
        sink.record(message(7, 59, 10));
        sink.record(message(8, 59, 10));
        sink.record(removed(8, 61, 10));
        sink.record(ActivityEvent::Command {
            chat_id: -1,
            user_id: 9,
            at: 61,
        });
        sink.flush().await;
        // Across batches: the removal comes after the message was written and queued for points.
        sink.record(message(7, 120, 10));
        sink.flush().await;
        sink.record(removed(7, 121, 10));
        sink.flush().await;
        let minutes: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT user_id, minute, messages, long_messages FROM activity_minutes ORDER BY user_id, minute",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(sink.counters().failed.load(Ordering::Relaxed), 0);
        assert_eq!(minutes, vec![(7, 0, 1, 1)]);
        let members: Vec<(i64, i64)> =
            sqlx::query_as("SELECT user_id, messages FROM members ORDER BY user_id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(members, vec![(7, 1), (8, 0), (9, 0)], "seen, not counted");
        let pending: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT user_id, minute, messages FROM economy_activity_pending ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            pending,
            vec![(7, 0, 1)],
            "only the kept long message waits for points"
        );
        drop(sink);
        writer.await.unwrap();
    }

    #[sqlx::test]
    async fn a_backlog_is_written_in_flushes_of_up_to_max_batch_events(pool: SqlitePool) {
        let settings = ActivitySettings {
            flush_interval: Dur::secs(3600),
            flush_events: 10,
            max_batch_events: 100,
            ..Default::default()
        };
        let (sink, writer) = spawn(Storage::from_pool(pool.clone()), &settings, 4);
        // The test runtime runs the writer only when this task waits: all 1000 events are a backlog.
        for i in 0..1000 {
            assert!(sink.record(ActivityEvent::Message {
                chat_id: -1 - (i % 7),
                user_id: 1000 - i,
                at: 60,
                chars: 1,
            }));
        }
        sink.flush().await;
        let counters = sink.counters();
        assert_eq!(counters.written.load(Ordering::Relaxed), 1000);
        assert_eq!(counters.flushes.load(Ordering::Relaxed), 10);
        let (rows, messages): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), SUM(messages) FROM activity_minutes")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!((rows, messages), (1000, 1000));
        drop(sink);
        writer.await.unwrap();
    }

    #[sqlx::test]
    async fn queues_the_long_messages_each_flush_adds(pool: SqlitePool) {
        let (sink, writer) = spawn(Storage::from_pool(pool.clone()), &settings(), 4);
        let message = |user_id, at, chars| ActivityEvent::Message {
            chat_id: -1,
            user_id,
            at,
            chars,
        };
        sink.record(message(7, 60, 10));
        sink.record(message(7, 61, 10));
        sink.record(message(8, 60, 2));
        sink.flush().await;
        // A later flush adds one more long message to the same minute: it is queued on its own.
        sink.record(message(7, 62, 10));
        sink.record(message(8, 62, 3));
        sink.flush().await;
        let queued: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT user_id, minute, messages FROM economy_activity_pending ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(queued, vec![(7, 1, 2), (7, 1, 1)]);
        drop(sink);
        writer.await.unwrap();
    }

    #[sqlx::test]
    async fn an_unchanged_profile_is_not_rewritten_until_its_refresh(pool: SqlitePool) {
        let (sink, writer) = spawn(Storage::from_pool(pool.clone()), &settings(), 4);
        let profile = |first_name: &str| UserProfile {
            user_id: 7,
            first_name: first_name.into(),
            last_name: None,
            username: Some("seven".into()),
            is_bot: false,
            language_code: None,
        };
        let written = || async {
            sqlx::query_as::<_, (String, i64)>("SELECT first_name, updated_at FROM users")
                .fetch_one(&pool)
                .await
                .unwrap()
        };
        for (name, at) in [("Sam", 100), ("Sam", 200)] {
            sink.record(ActivityEvent::Profile {
                profile: profile(name),
                at,
            });
            sink.flush().await;
        }
        assert_eq!(
            written().await,
            ("Sam".into(), 100),
            "the same profile again"
        );
        sink.record(ActivityEvent::Profile {
            profile: profile("Samuel"),
            at: 300,
        });
        sink.flush().await;
        assert_eq!(
            written().await,
            ("Samuel".into(), 300),
            "a changed name at once"
        );
        sink.record(ActivityEvent::Profile {
            profile: profile("Samuel"),
            at: 300 + PROFILE_REFRESH_SECS,
        });
        sink.flush().await;
        assert_eq!(
            written().await,
            ("Samuel".into(), 300 + PROFILE_REFRESH_SECS),
            "an unchanged profile after its refresh time"
        );
        drop(sink);
        writer.await.unwrap();
    }

    #[sqlx::test]
    async fn aggregates_per_minute_and_member(pool: SqlitePool) {
        let (sink, writer) = spawn(Storage::from_pool(pool.clone()), &settings(), 5);
        for i in 0..10 {
            assert!(sink.record(ActivityEvent::Message {
                chat_id: -1,
                user_id: 7,
                at: 120 + i,
                chars: 3
            }));
        }
        sink.record(ActivityEvent::Message {
            chat_id: -1,
            user_id: 7,
            at: 185,
            chars: 1,
        });
        sink.record(ActivityEvent::Join {
            chat_id: -1,
            user_id: 8,
            at: 190,
            invite_link: Some("https://t.me/+abc".into()),
            added_by: None,
            via_request: false,
        });
        sink.record(ActivityEvent::Leave {
            chat_id: -1,
            user_id: 8,
            at: 200,
        });
        sink.flush().await;
        let rows: Vec<(i64, i64, i64)> =
            sqlx::query_as("SELECT minute, messages, chars FROM activity_minutes ORDER BY minute")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(rows, vec![(2, 10, 30), (3, 1, 1)]);
        let (messages, first, last): (i64, i64, i64) =
            sqlx::query_as("SELECT messages, first_seen, last_seen FROM members WHERE user_id = 7")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!((messages, first, last), (11, 120, 185));
        let events: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT kind, invite_link FROM member_events ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            events,
            vec![
                ("join".into(), Some("https://t.me/+abc".into())),
                ("leave".into(), None)
            ]
        );
        let status: String = sqlx::query_scalar("SELECT status FROM members WHERE user_id = 8")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(status, "left");
        assert_eq!(sink.counters().written.load(Ordering::Relaxed), 13);
        drop(sink);
        writer.await.unwrap();
    }

    #[sqlx::test]
    async fn drains_on_shutdown_and_counts_drops(pool: SqlitePool) {
        let small = ActivitySettings {
            channel_capacity: 4,
            ..settings()
        };
        let (sink, writer) = spawn(Storage::from_pool(pool.clone()), &small, 5);
        let mut accepted = 0;
        for i in 0..50 {
            if sink.record(ActivityEvent::Message {
                chat_id: -2,
                user_id: i,
                at: 60,
                chars: 1,
            }) {
                accepted += 1;
            }
        }
        let dropped = sink.counters().dropped.load(Ordering::Relaxed);
        assert_eq!(accepted + dropped, 50);
        assert!(
            dropped > 0,
            "a channel of 4 must drop some of 50 events sent at once"
        );
        drop(sink);
        writer.await.unwrap();
        let total: i64 = sqlx::query_scalar("SELECT SUM(messages) FROM activity_minutes")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(total as u64, accepted);
    }

    #[sqlx::test]
    async fn prune_removes_only_old_activity(pool: SqlitePool) {
        let storage = Storage::from_pool(pool.clone());
        let (sink, writer) = spawn(storage.clone(), &settings(), 5);
        sink.record(ActivityEvent::Message {
            chat_id: -1,
            user_id: 7,
            at: 1_000,
            chars: 1,
        });
        sink.record(ActivityEvent::Message {
            chat_id: -1,
            user_id: 7,
            at: 100_000,
            chars: 1,
        });
        sink.record(ActivityEvent::Leave {
            chat_id: -1,
            user_id: 8,
            at: 1_000,
        });
        sink.record(ActivityEvent::Leave {
            chat_id: -1,
            user_id: 9,
            at: 100_000,
        });
        sink.close().await;
        writer.await.unwrap();
        assert_eq!(prune(&storage, 50_000).await.unwrap(), 2);
        let minutes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM activity_minutes")
            .fetch_one(&pool)
            .await
            .unwrap();
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM member_events")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!((minutes, events), (1, 1));
        let members: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(members, 3, "member records stay");
    }

    #[sqlx::test]
    async fn prune_works_through_more_rows_than_one_chunk(pool: SqlitePool) {
        let storage = Storage::from_pool(pool.clone());
        // 2.5 chunks of old minutes in one group, a few in another, and recent minutes that stay.
        let old = PRUNE_CHUNK * 5 / 2;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
             INSERT INTO activity_minutes (chat_id, minute, user_id, messages, chars, long_messages)
             SELECT -1, i / 10, i % 10, 1, 1, 0 FROM n",
        )
        .bind(old)
        .execute(&pool)
        .await
        .unwrap();
        for (chat, minute) in [(-2, 5), (-2, 6), (-1, 100_000), (-3, 100_000)] {
            sqlx::query(
                "INSERT INTO activity_minutes (chat_id, minute, user_id, messages, chars, long_messages)
                 VALUES (?, ?, 1, 1, 1, 0)",
            )
            .bind(chat)
            .bind(minute)
            .execute(&pool)
            .await
            .unwrap();
        }
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
             INSERT INTO member_events (chat_id, user_id, at, kind) SELECT -1, i, i % 1000, 'leave' FROM n",
        )
        .bind(PRUNE_CHUNK + 7)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO join_request_links (chat_id, user_id, invite_link, at) VALUES (-1, 1, 'a', 10), (-1, 2, 'b', 9000000)")
            .execute(&pool)
            .await
            .unwrap();
        let cutoff = 60 * 10_000;
        assert_eq!(
            prune(&storage, cutoff).await.unwrap() as i64,
            old + 2 + PRUNE_CHUNK + 7 + 1
        );
        let left: Vec<(i64, i64)> =
            sqlx::query_as("SELECT chat_id, minute FROM activity_minutes ORDER BY chat_id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(left, vec![(-3, 100_000), (-1, 100_000)]);
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM member_events")
            .fetch_one(&pool)
            .await
            .unwrap();
        let links: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM join_request_links")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!((events, links), (0, 1));
    }

    #[sqlx::test]
    async fn an_approved_join_without_a_link_takes_the_requests_link(pool: SqlitePool) {
        let (sink, writer) = spawn(Storage::from_pool(pool.clone()), &settings(), 5);
        let join = |user_id, invite_link: Option<&str>, via_request| ActivityEvent::Join {
            chat_id: -1,
            user_id,
            at: 20,
            invite_link: invite_link.map(str::to_string),
            added_by: None,
            via_request,
        };
        let request = |user_id, invite_link: Option<&str>| ActivityEvent::JoinRequest {
            chat_id: -1,
            user_id,
            at: 10,
            invite_link: invite_link.map(str::to_string),
        };
        sink.record(request(1, Some("https://t.me/+one")));
        sink.record(request(2, Some("https://t.me/+two")));
        sink.record(request(2, None)); // a later request without a bot link replaces it
        sink.record(request(3, Some("https://t.me/+three")));
        sink.flush().await;
        // One approved join in a later batch, one in the same batch as its request.
        sink.record(join(1, None, true));
        sink.record(join(2, None, true));
        sink.record(join(3, None, false)); // not through the request: the link is not its
        sink.record(request(4, Some("https://t.me/+four")));
        sink.record(join(4, Some("https://t.me/+own"), true));
        sink.flush().await;
        let events: Vec<(i64, Option<String>)> =
            sqlx::query_as("SELECT user_id, invite_link FROM member_events ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            events,
            vec![
                (1, Some("https://t.me/+one".into())),
                (2, None),
                (3, None),
                (4, Some("https://t.me/+own".into())),
            ]
        );
        let kept: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM join_request_links")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(
            kept,
            vec![3],
            "used links are removed; 3's request is still open"
        );
        drop(sink);
        writer.await.unwrap();
    }

    #[test]
    fn multi_row_sql_shape() {
        assert_eq!(
            multi_row("INSERT INTO t VALUES ", 2, 3, ";"),
            "INSERT INTO t VALUES (?,?),(?,?),(?,?);"
        );
    }
}
