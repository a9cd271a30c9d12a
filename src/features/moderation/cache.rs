//! Moderation's in-memory state per running bot: each group's compiled rules (built off the message path
//! and swapped in when an admin changes them), the flood tracker, and the explanation budget per group.
//! Nothing here must survive a restart: compiled rules are rebuilt from the database on first use.
//!
//! Every memory here is bounded, so hostile groups cannot grow it: compiled rules are kept for at most
//! [`RULES_CACHED`] groups and looked-up @usernames for at most [`CHATS_REMEMBERED`], each dropping the least
//! recently used first, and at most [`LOOKUPS_AT_ONCE`] `getChat` look-ups of mentioned @usernames run at
//! once over all groups (others are skipped), so they never crowd the deletes out of the immediate queue.
//!
//! Groups whose stored rules are the same share one compiled set: most groups keep the defaults (the ad
//! pack, the default ladder), and a compiled set with its automaton, regexes and their caches is far larger
//! than one group's entry in a map, so thousands of default groups cost the memory of one.

use super::rules::{Action, FloodTracker, Limits, Pack, RuleSet};
use super::store;
use crate::error::{Error, Result};
use crate::services::Ctx;
use lru::LruCache;
use std::collections::{HashMap, VecDeque};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The most groups whose compiled rules are kept; one dropped is compiled again on its next message.
pub const RULES_CACHED: usize = 10_000;

/// The most @usernames whose `getChat` look-up is remembered.
pub const CHATS_REMEMBERED: usize = 10_000;

/// The most `getChat` look-ups of mentioned @usernames under way at once, over all groups.
pub const LOOKUPS_AT_ONCE: usize = 4;

/// A group's rules ready for matching, with its escalation ladder.
#[derive(Debug)]
pub struct Compiled {
    /// The compiled rules.
    pub rules: RuleSet,
    /// The group's ladder (its own or the configured one).
    pub ladder: Vec<Action>,
}

/// The state of one running bot.
#[derive(Debug)]
pub struct State {
    /// Compiled rules by group, the least recently used dropped first beyond the cap.
    rules: Mutex<LruCache<i64, Arc<Compiled>>>,
    /// Compiled sets by what they were compiled from, so groups with the same rules share one.
    shared: Mutex<HashMap<String, Weak<Compiled>>>,
    /// Recent messages per member and per text, for flood.
    pub flood: Mutex<FloodTracker>,
    explained: Mutex<HashMap<i64, VecDeque<i64>>>,
    /// When each member last used `/report`, per group (the latest few).
    reports: Mutex<HashMap<(i64, i64), VecDeque<i64>>>,
    /// When each member who is not an admin last sent a command, per group (the latest few).
    commands: Mutex<HashMap<(i64, i64), VecDeque<i64>>>,
    /// When each group was last told the bot lacks a right for an automatic action.
    rights_warned: Mutex<HashMap<i64, i64>>,
    /// @usernames looked up with `getChat`: whether each is a public channel or group, and when.
    chats: Mutex<LruCache<String, (bool, i64)>>,
    /// Places for `getChat` look-ups of mentioned @usernames.
    lookups: Arc<Semaphore>,
}

impl State {
    /// Empty state with the given caps (see [`RULES_CACHED`], [`CHATS_REMEMBERED`], [`LOOKUPS_AT_ONCE`]).
    pub fn new(tracker_capacity: usize, rules: usize, chats: usize, lookups: usize) -> State {
        let cap = |n: usize| NonZeroUsize::new(n.max(1)).expect("at least one");
        State {
            rules: Mutex::new(LruCache::new(cap(rules))),
            shared: Mutex::default(),
            flood: Mutex::new(FloodTracker::new(tracker_capacity)),
            explained: Mutex::default(),
            reports: Mutex::default(),
            commands: Mutex::default(),
            rights_warned: Mutex::default(),
            chats: Mutex::new(LruCache::new(cap(chats))),
            lookups: Arc::new(Semaphore::new(lookups)),
        }
    }

    /// A group's compiled rules, if kept.
    fn cached_rules(&self, chat_id: i64) -> Option<Arc<Compiled>> {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules.get(&chat_id).cloned()
    }

    /// Keeps a group's compiled rules, dropping the least recently used group's beyond the cap.
    fn keep_rules(&self, chat_id: i64, compiled: Arc<Compiled>) {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules.put(chat_id, compiled);
    }

    /// A place for one `getChat` look-up, or `None` when [`LOOKUPS_AT_ONCE`] are already under way.
    pub fn lookup_permit(&self) -> Option<OwnedSemaphorePermit> {
        self.lookups.clone().try_acquire_owned().ok()
    }
}

/// The moderation state of the bot that owns `ctx` (several bots may run in one process, as in tests).
pub fn state(ctx: &Ctx) -> Arc<State> {
    ctx.local(|| {
        State::new(
            ctx.config.moderation.tracker_capacity,
            RULES_CACHED,
            CHATS_REMEMBERED,
            LOOKUPS_AT_ONCE,
        )
    })
}

/// The limits admins' rules are compiled with.
pub fn limits(ctx: &Ctx) -> Limits {
    Limits {
        regex_size: ctx.config.moderation.regex_size_limit,
    }
}

/// A group's compiled rules: from memory, or loaded and compiled (on a blocking thread) on first use.
pub async fn rules_for(ctx: &Ctx, chat_id: i64) -> Result<Arc<Compiled>> {
    if let Some(found) = state(ctx).cached_rules(chat_id) {
        return Ok(found);
    }
    reload(ctx, chat_id).await
}

/// Loads a group's rules from the database, compiles them on a blocking thread and swaps them in; the next
/// message of the group uses them.
pub async fn reload(ctx: &Ctx, chat_id: i64) -> Result<Arc<Compiled>> {
    let settings = &ctx.config.moderation;
    let (rules, ladder) = {
        let mut conn = ctx.storage.read.acquire().await?;
        let (rules, ladder) = store::load_rules(&mut conn, chat_id, settings).await?;
        let ladder = ladder
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| settings.ladder_actions());
        (rules, ladder)
    };
    let state = state(ctx);
    let key = format!("{rules:?}|{ladder:?}");
    let same = state
        .shared
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .and_then(Weak::upgrade);
    let compiled = match same {
        Some(compiled) => compiled,
        None => {
            let limits = limits(ctx);
            let (set, warnings) = tokio::task::spawn_blocking(move || {
                RuleSet::compile(&rules, Pack::shipped(), limits)
            })
            .await
            .map_err(|err| Error::Config(format!("compiling rules failed: {err}")))?;
            for warning in warnings {
                tracing::warn!(chat_id, %warning, "a stored rule was skipped");
            }
            let compiled = Arc::new(Compiled { rules: set, ladder });
            let mut shared = state.shared.lock().unwrap_or_else(|e| e.into_inner());
            shared.retain(|_, set| set.strong_count() > 0);
            shared.insert(key, Arc::downgrade(&compiled));
            compiled
        }
    };
    state.keep_rules(chat_id, compiled.clone());
    Ok(compiled)
}

/// Forgets a group's compiled rules (after a supergroup upgrade moved them).
pub fn forget(ctx: &Ctx, chat_id: i64) {
    state(ctx)
        .rules
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop(&chat_id);
}

/// Takes one explanation from a group's budget of `per_minute` at `now`; `false` when it is spent.
pub fn take_explanation(ctx: &Ctx, chat_id: i64, now: i64, per_minute: u32) -> bool {
    let state = state(ctx);
    let mut explained = state.explained.lock().unwrap_or_else(|e| e.into_inner());
    if explained.len() > 10_000 {
        explained.retain(|_, times| times.back().is_some_and(|t| *t > now - 60));
    }
    let times = explained.entry(chat_id).or_default();
    while times.front().is_some_and(|t| *t <= now - 60) {
        times.pop_front();
    }
    if times.len() >= per_minute as usize {
        return false;
    }
    times.push_back(now);
    true
}

/// The most entries each of the small memories above keeps before it forgets the old ones.
const MEMORY_CAP: usize = 10_000;

/// Whether a member may use `/report` now: at most `count` times per `window` seconds in a group; the call
/// counts as one use when it is allowed.
pub fn may_report(
    ctx: &Ctx,
    chat_id: i64,
    user_id: i64,
    now: i64,
    count: usize,
    window: i64,
) -> bool {
    let state = state(ctx);
    let mut reports = state.reports.lock().unwrap_or_else(|e| e.into_inner());
    take_use(&mut reports, (chat_id, user_id), now, count, window)
}

/// Whether a member who is not an admin may send a command now: at most `count` per `window` seconds in a
/// group (`moderation.member_command_rate`); the call counts as one use when it is allowed, and a command
/// past the rate is not counted, so the member may command again once their earlier ones leave the window.
pub fn may_command(
    ctx: &Ctx,
    chat_id: i64,
    user_id: i64,
    now: i64,
    count: usize,
    window: i64,
) -> bool {
    let state = state(ctx);
    let mut commands = state.commands.lock().unwrap_or_else(|e| e.into_inner());
    take_use(&mut commands, (chat_id, user_id), now, count, window)
}

/// Counts one use by `key` at `now` when fewer than `count` fell within the last `window` seconds; the
/// memory forgets everyone when it holds too many members.
fn take_use(
    uses: &mut HashMap<(i64, i64), VecDeque<i64>>,
    key: (i64, i64),
    now: i64,
    count: usize,
    window: i64,
) -> bool {
    if uses.len() >= MEMORY_CAP {
        uses.retain(|_, times| times.back().is_some_and(|at| *at > now - window));
        if uses.len() >= MEMORY_CAP {
            uses.clear();
        }
    }
    let times = uses.entry(key).or_default();
    while times.front().is_some_and(|at| *at <= now - window) {
        times.pop_front();
    }
    if times.len() >= count {
        return false;
    }
    times.push_back(now);
    true
}

/// Whether a group may be told (again) that the bot lacks a right for an automatic action: once per
/// `gap` seconds; the call counts as telling it.
pub fn may_warn_rights(ctx: &Ctx, chat_id: i64, now: i64, gap: i64) -> bool {
    let state = state(ctx);
    let mut warned = state
        .rights_warned
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if warned.len() >= MEMORY_CAP {
        warned.retain(|_, at| *at > now - gap);
    }
    match warned.get(&chat_id) {
        Some(at) if *at > now - gap => false,
        _ => {
            warned.insert(chat_id, now);
            true
        }
    }
}

/// What a `getChat` lookup found about an @username within the last `ttl` seconds: `Some(true)` for a
/// public channel or group, `Some(false)` for anything else (a person, nothing), `None` when unknown.
pub fn known_chat(ctx: &Ctx, username: &str, now: i64, ttl: i64) -> Option<bool> {
    let state = state(ctx);
    let mut chats = state.chats.lock().unwrap_or_else(|e| e.into_inner());
    chats
        .get(&username.to_ascii_lowercase())
        .filter(|(_, at)| *at > now - ttl)
        .map(|(is_chat, _)| *is_chat)
}

/// Remembers what a `getChat` lookup found about an @username.
pub fn remember_chat(ctx: &Ctx, username: &str, is_chat: bool, now: i64) {
    let state = state(ctx);
    let mut chats = state.chats.lock().unwrap_or_else(|e| e.into_inner());
    chats.put(username.to_ascii_lowercase(), (is_chat, now));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled() -> Arc<Compiled> {
        let (rules, _) = RuleSet::compile(
            &Default::default(),
            &Pack::default(),
            Limits {
                regex_size: 1 << 20,
            },
        );
        Arc::new(Compiled {
            rules,
            ladder: Vec::new(),
        })
    }

    #[test]
    fn compiled_rules_are_kept_for_at_most_the_cap_dropping_the_least_recently_used() {
        let state = State::new(10, 3, 3, 1);
        for chat in 1..=3 {
            state.keep_rules(-chat, compiled());
        }
        // Group -1 is used again, so -2 is now the least recently used.
        assert!(state.cached_rules(-1).is_some());
        for chat in 4..=100 {
            state.keep_rules(-chat, compiled());
            assert!(state.rules.lock().unwrap().len() <= 3);
        }
        assert!(state.cached_rules(-2).is_none());
        assert!(state.cached_rules(-100).is_some());
        assert_eq!(state.rules.lock().unwrap().len(), 3);
    }

    #[test]
    fn looked_up_names_are_kept_for_at_most_the_cap() {
        let state = State::new(10, 3, 2, 1);
        let mut chats = state.chats.lock().unwrap();
        for n in 0..1_000 {
            chats.put(format!("name{n}"), (true, n));
        }
        assert_eq!(chats.len(), 2);
        assert!(chats.get("name999").is_some() && chats.get("name0").is_none());
    }

    #[test]
    fn look_ups_at_once_are_capped_and_a_finished_one_frees_its_place() {
        let state = State::new(10, 3, 3, 2);
        let first = state.lookup_permit().expect("a place");
        let _second = state.lookup_permit().expect("a place");
        assert!(state.lookup_permit().is_none(), "the third waits for none");
        drop(first);
        assert!(
            state.lookup_permit().is_some(),
            "a finished look-up frees its place"
        );
    }
}
