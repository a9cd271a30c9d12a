//! The admin cache: who may run admin commands in a group, with which rights, and which rights the bot
//! itself has there. Backed by `getChatAdministrators`, cached per group for `admins.cache_ttl`, and
//! dropped for a group whenever a `chat_member` update shows someone's admin status change, so promotions
//! and demotions take effect at once. A message sent on behalf of the group itself (an anonymous admin)
//! counts as an admin with every right.

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
}

struct Entry {
    fetched: Instant,
    admins: Arc<HashMap<u64, AdminRights>>,
}

/// Cached admin lists per group. Cheap to clone.
#[derive(Clone)]
pub struct AdminCache {
    bot: Bot,
    me: UserId,
    ttl: Duration,
    entries: Arc<Mutex<HashMap<i64, Entry>>>,
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
            entries: Arc::default(),
        }
    }

    /// The group's admins, from cache or fetched.
    pub async fn admins(&self, chat_id: i64) -> Result<Arc<HashMap<u64, AdminRights>>> {
        if chat_id > 0 {
            return Ok(Arc::default());
        }
        if let Some(entry) = self.entries.lock().expect("admin cache lock").get(&chat_id) {
            if entry.fetched.elapsed() < self.ttl {
                return Ok(entry.admins.clone());
            }
        }
        let members = self.bot.get_chat_administrators(ChatId(chat_id)).await?;
        let admins: HashMap<u64, AdminRights> = members
            .iter()
            .filter_map(|member| {
                AdminRights::from_member(member).map(|rights| (member.user.id.0, rights))
            })
            .collect();
        let admins = Arc::new(admins);
        self.entries.lock().expect("admin cache lock").insert(
            chat_id,
            Entry {
                fetched: Instant::now(),
                admins: admins.clone(),
            },
        );
        Ok(admins)
    }

    /// Forgets a group's admin list; the next question fetches it again.
    pub fn invalidate(&self, chat_id: i64) {
        self.entries
            .lock()
            .expect("admin cache lock")
            .remove(&chat_id);
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
    /// has every right.
    pub async fn sender_rights(&self, message: &Message) -> Result<Option<AdminRights>> {
        if message.chat.id.0 > 0 {
            return Ok(None);
        }
        if message
            .sender_chat
            .as_ref()
            .is_some_and(|chat| chat.id == message.chat.id)
        {
            return Ok(Some(AdminRights::everything()));
        }
        match message.from.as_ref() {
            Some(user) if user.id.0 != GROUP_ANONYMOUS_BOT => {
                self.rights(message.chat.id.0, user.id.0).await
            }
            _ => Ok(None),
        }
    }

    /// Checks whether the sender of `message` may do something that needs `right`.
    pub async fn check_sender(&self, message: &Message, right: Right) -> Result<Permission> {
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
