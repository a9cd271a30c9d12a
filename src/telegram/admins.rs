//! The admin cache: who may run admin commands in a group, with which rights, and which rights the bot
//! itself has there. Backed by `getChatAdministrators`, cached per group for `admins.cache_ttl`, and
//! dropped for a group whenever a `chat_member` update shows someone's admin status change, so promotions
//! and demotions take effect at once. One fetch per group runs at a time (callers that miss meanwhile share
//! its answer), and a fetch that overlapped an invalidation does not store its list, so a change is never
//! undone by an older answer. A message sent on behalf of the group itself (an anonymous admin) counts as
//! an admin with every right.

use crate::error::Result;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use teloxide::prelude::*;
use teloxide::types::{ChatMember, ChatMemberKind};
use tokio::time::Instant;

/// A right an admin action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Right {
    /// Ban, mute, restrict members.
    Restrict,
    /// Delete messages.
    Delete,
    /// Change the group's info and settings.
    ChangeInfo,
    /// Create invite links and approve join requests.
    Invite,
    /// Pin messages.
    Pin,
    /// Promote members.
    Promote,
}

impl Right {
    /// The name used in stored rights and in wording ids (`right-restrict`…).
    pub fn name(self) -> &'static str {
        match self {
            Right::Restrict => "restrict",
            Right::Delete => "delete",
            Right::ChangeInfo => "change_info",
            Right::Invite => "invite",
            Right::Pin => "pin",
            Right::Promote => "promote",
        }
    }

    /// The right with a stored name.
    pub fn from_name(name: &str) -> Option<Right> {
        Right::ALL.into_iter().find(|right| right.name() == name)
    }

    /// Every right, in display order.
    pub const ALL: [Right; 6] = [
        Right::Restrict,
        Right::Delete,
        Right::ChangeInfo,
        Right::Invite,
        Right::Pin,
        Right::Promote,
    ];
}

/// What one admin may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminRights {
    /// The group's creator may do everything.
    pub owner: bool,
    /// The rights Telegram granted.
    pub rights: Vec<Right>,
}

impl AdminRights {
    /// Every right (the creator, or an anonymous admin speaking as the group).
    pub fn everything() -> Self {
        Self {
            owner: true,
            rights: Right::ALL.to_vec(),
        }
    }

    /// Whether this admin holds `right`.
    pub fn has(&self, right: Right) -> bool {
        self.owner || self.rights.contains(&right)
    }

    /// Reads the rights out of a Telegram chat member; `None` for non-admins.
    pub fn from_member(member: &ChatMember) -> Option<Self> {
        match &member.kind {
            ChatMemberKind::Owner(_) => Some(Self::everything()),
            ChatMemberKind::Administrator(admin) => {
                let mut rights = Vec::new();
                let pairs = [
                    (admin.can_restrict_members, Right::Restrict),
                    (admin.can_delete_messages, Right::Delete),
                    (admin.can_change_info, Right::ChangeInfo),
                    (admin.can_invite_users, Right::Invite),
                    (admin.can_pin_messages, Right::Pin),
                    (admin.can_promote_members, Right::Promote),
                ];
                for (granted, right) in pairs {
                    if granted {
                        rights.push(right);
                    }
                }
                Some(Self {
                    owner: false,
                    rights,
                })
            }
            _ => None,
        }
    }

    /// The rights as stored in the group record: comma-separated names.
    pub fn to_stored(&self) -> String {
        let names: Vec<_> = Right::ALL
            .iter()
            .filter(|r| self.has(**r))
            .map(|r| r.name())
            .collect();
        names.join(",")
    }
}

/// The outcome of checking a member for an admin action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Allowed.
    Granted,
    /// Not an admin of the group.
    NotAdmin,
    /// An admin, but without this right.
    Missing(Right),
    /// Sent as the group itself: it came from one of the anonymous admins, and which one (and whether they
    /// hold this right) must be confirmed first.
    Anonymous(Right),
}

/// The callback data prefix of the button that asks an admin to confirm an anonymous admin's command.
pub const CONFIRM_PREFIX: &str = "ac:";

/// Whether a group message was sent as the group itself, which only its anonymous admins can do.
pub fn sent_as_group(message: &Message) -> bool {
    message.chat.id.0 < 0
        && message
            .sender_chat
            .as_ref()
            .is_some_and(|chat| chat.id == message.chat.id)
}

/// A group's admins: user id → rights.
pub type AdminList = Arc<HashMap<u64, AdminRights>>;

struct Entry {
    fetched: Instant,
    admins: AdminList,
}

/// What the cache knows about one group. Kept for the life of the cache (one small entry per group ever
/// asked about), so a group's generation never starts over while a fetch is in flight.
#[derive(Default)]
struct Slot {
    /// Bumped by every invalidation. A fetch stores its list only when the generation it started under is
    /// still current, so a list fetched before a change never overwrites the invalidation that followed.
    generation: u64,
    /// The last list stored, if any.
    cached: Option<Entry>,
    /// Held while a fetch for this group is in flight: concurrent misses wait for that fetch and use its
    /// list instead of each asking Telegram.
    fetching: Arc<tokio::sync::Mutex<()>>,
}

/// The answer of a look into the cache.
enum Lookup {
    /// A list that is fresh enough.
    Hit(AdminList),
    /// Nothing usable: the current generation and the group's fetch lock.
    Miss(u64, Arc<tokio::sync::Mutex<()>>),
}

/// Cached admin lists per group. Cheap to clone.
#[derive(Clone)]
pub struct AdminCache {
    bot: Bot,
    me: UserId,
    ttl: Duration,
    slots: Arc<Mutex<HashMap<i64, Slot>>>,
}

/// The id Telegram uses for messages of anonymous admins.
pub const GROUP_ANONYMOUS_BOT: u64 = 1_087_968_824;

impl AdminCache {
    /// A cache for the bot `me`.
    pub fn new(bot: Bot, me: UserId, ttl: Duration) -> Self {
        Self {
            bot,
            me,
            ttl,
            slots: Arc::default(),
        }
    }

    /// The group's admins, from cache or fetched with `getChatAdministrators`.
    pub async fn admins(&self, chat_id: i64) -> Result<AdminList> {
        if chat_id > 0 {
            return Ok(Arc::default());
        }
        let bot = self.bot.clone();
        self.admins_with(chat_id, || async move {
            let members = bot.get_chat_administrators(ChatId(chat_id)).await?;
            Ok(members
                .iter()
                .filter_map(|member| {
                    AdminRights::from_member(member).map(|rights| (member.user.id.0, rights))
                })
                .collect())
        })
        .await
    }

    /// The group's admins, from cache or from `fetch`. One fetch per group runs at a time; callers that
    /// miss meanwhile wait for it and take its list. A list whose fetch overlapped an invalidation is handed
    /// to its caller but not stored.
    async fn admins_with<F, Fut>(&self, chat_id: i64, fetch: F) -> Result<AdminList>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<HashMap<u64, AdminRights>>>,
    {
        let fetching = match self.lookup(chat_id) {
            Lookup::Hit(admins) => return Ok(admins),
            Lookup::Miss(_, fetching) => fetching,
        };
        let _turn = fetching.lock().await;
        let generation = match self.lookup(chat_id) {
            Lookup::Hit(admins) => return Ok(admins),
            Lookup::Miss(generation, _) => generation,
        };
        let admins: AdminList = Arc::new(fetch().await?);
        let mut slots = self.slots.lock().expect("admin cache lock");
        let slot = slots.entry(chat_id).or_default();
        if slot.generation == generation {
            slot.cached = Some(Entry {
                fetched: Instant::now(),
                admins: admins.clone(),
            });
        } else {
            tracing::debug!(
                chat_id,
                "admin list changed while it was fetched; not cached"
            );
        }
        Ok(admins)
    }

    fn lookup(&self, chat_id: i64) -> Lookup {
        let mut slots = self.slots.lock().expect("admin cache lock");
        let slot = slots.entry(chat_id).or_default();
        match &slot.cached {
            Some(entry) if entry.fetched.elapsed() < self.ttl => Lookup::Hit(entry.admins.clone()),
            _ => Lookup::Miss(slot.generation, slot.fetching.clone()),
        }
    }

    /// Forgets a group's admin list; the next question fetches it again, and a fetch already in flight
    /// does not store what it brings back.
    pub fn invalidate(&self, chat_id: i64) {
        let mut slots = self.slots.lock().expect("admin cache lock");
        if let Some(slot) = slots.get_mut(&chat_id) {
            slot.generation += 1;
            slot.cached = None;
        }
    }

    /// The rights of a user in a group, `None` when not an admin.
    pub async fn rights(&self, chat_id: i64, user_id: u64) -> Result<Option<AdminRights>> {
        Ok(self.admins(chat_id).await?.get(&user_id).cloned())
    }

    /// Whether a user is an admin of a group.
    pub async fn is_admin(&self, chat_id: i64, user_id: u64) -> Result<bool> {
        Ok(self.rights(chat_id, user_id).await?.is_some())
    }

    /// The rights of whoever sent `message`: an anonymous admin (the message is sent as the group itself)
    /// counts as an admin with every right here; for an action that needs a specific right, use
    /// [`AdminCache::check_sender`], which asks who it is.
    pub async fn sender_rights(&self, message: &Message) -> Result<Option<AdminRights>> {
        if message.chat.id.0 > 0 {
            return Ok(None);
        }
        if sent_as_group(message) {
            return Ok(Some(AdminRights::everything()));
        }
        match message.from.as_ref() {
            Some(user) if user.id.0 != GROUP_ANONYMOUS_BOT => {
                self.rights(message.chat.id.0, user.id.0).await
            }
            _ => Ok(None),
        }
    }

    /// Checks whether the sender of `message` may do something that needs `right`. A message sent as the
    /// group is [`Permission::Anonymous`]: any anonymous admin could have sent it.
    pub async fn check_sender(&self, message: &Message, right: Right) -> Result<Permission> {
        if sent_as_group(message) {
            return Ok(Permission::Anonymous(right));
        }
        Ok(match self.sender_rights(message).await? {
            None => Permission::NotAdmin,
            Some(rights) if rights.has(right) => Permission::Granted,
            Some(_) => Permission::Missing(right),
        })
    }

    /// The first of `needed` that the bot itself lacks in a group, so a feature can say which right to grant.
    pub async fn bot_missing(&self, chat_id: i64, needed: &[Right]) -> Result<Option<Right>> {
        let admins = self.admins(chat_id).await?;
        let mine = admins.get(&self.me.0);
        Ok(needed
            .iter()
            .copied()
            .find(|right| !mine.is_some_and(|rights| rights.has(*right))))
    }

    /// The bot's own user id.
    pub fn me(&self) -> UserId {
        self.me
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::Notify;

    const CHAT: i64 = -100;

    fn cache() -> AdminCache {
        AdminCache::new(Bot::new("0:unused"), UserId(1), Duration::from_secs(600))
    }

    fn list(user_id: u64) -> HashMap<u64, AdminRights> {
        HashMap::from([(user_id, AdminRights::everything())])
    }

    #[tokio::test]
    async fn an_invalidation_during_a_fetch_is_not_overwritten_by_it() {
        let cache = cache();
        let (release, fetches) = (&Notify::new(), &AtomicUsize::new(0));
        // The first fetch starts before the promotion of user 3 and returns the old list.
        let mut stale = Box::pin(cache.admins_with(CHAT, || async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            release.notified().await;
            Ok(list(2))
        }));
        assert!(futures::poll!(&mut stale).is_pending());
        cache.invalidate(CHAT);
        release.notify_one();
        let old = stale.await.unwrap();
        assert!(old.contains_key(&2), "the caller still gets its answer");
        // The next question fetches again and sees the promotion.
        let fresh = cache
            .admins_with(CHAT, || async move {
                fetches.fetch_add(1, Ordering::SeqCst);
                Ok(list(3))
            })
            .await
            .unwrap();
        assert!(fresh.contains_key(&3), "the stale list was not cached");
        assert_eq!(fetches.load(Ordering::SeqCst), 2);
        // That one is stored.
        let cached = cache
            .admins_with(CHAT, || async move { panic!("served from the cache") })
            .await
            .unwrap();
        assert!(Arc::ptr_eq(&cached, &fresh));
    }

    #[tokio::test]
    async fn concurrent_misses_share_one_fetch() {
        let cache = cache();
        let (release, fetches) = (&Notify::new(), &AtomicUsize::new(0));
        let mut first = Box::pin(cache.admins_with(CHAT, || async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            release.notified().await;
            Ok(list(2))
        }));
        assert!(futures::poll!(&mut first).is_pending());
        let mut second = Box::pin(cache.admins_with(CHAT, || async move {
            fetches.fetch_add(1, Ordering::SeqCst);
            Ok(list(9))
        }));
        assert!(
            futures::poll!(&mut second).is_pending(),
            "the second miss waits for the fetch in flight"
        );
        release.notify_one();
        let (first, second) = (first.await.unwrap(), second.await.unwrap());
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_miss_after_an_invalidation_waits_and_then_fetches_anew() {
        let cache = cache();
        let release = &Notify::new();
        let mut stale = Box::pin(cache.admins_with(CHAT, || async move {
            release.notified().await;
            Ok(list(2))
        }));
        assert!(futures::poll!(&mut stale).is_pending());
        cache.invalidate(CHAT);
        // Asked after the invalidation: the list in flight is too old for this caller.
        let mut after = Box::pin(cache.admins_with(CHAT, || async move { Ok(list(3)) }));
        assert!(futures::poll!(&mut after).is_pending());
        release.notify_one();
        assert!(stale.await.unwrap().contains_key(&2));
        assert!(after.await.unwrap().contains_key(&3));
    }

    #[tokio::test]
    async fn a_failed_fetch_stores_nothing_and_the_next_caller_tries_again() {
        let cache = cache();
        let failed = cache
            .admins_with(CHAT, || async move {
                Err(crate::error::Error::Config("unreachable".into()))
            })
            .await;
        assert!(failed.is_err());
        let admins = cache
            .admins_with(CHAT, || async move { Ok(list(2)) })
            .await
            .unwrap();
        assert!(admins.contains_key(&2));
    }
}
