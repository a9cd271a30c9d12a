//! Who may use a command: [`Services::permit`] checks the sender's admin rights, says why not (at most once
//! per window to members who are not admins), and asks anonymous admins who they are;
//! [`Services::may_see_group`] tells whether someone may see a group's things in a private chat.

use super::Services;
use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::telegram::admins::{Permission, Right};
use crate::telegram::outbound::{Priority, Text};
use std::collections::HashMap;
use std::sync::Mutex;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, Message};

/// The most members whose last refusal is remembered before old ones are forgotten.
const REFUSALS_REMEMBERED: usize = 10_000;

/// When each member who is not an admin was last told a command is not theirs, per group.
#[derive(Default)]
struct Refusals(Mutex<HashMap<(i64, i64), i64>>);

impl Services {
    /// Whether the sender of `message` may use a command that needs `right` now. When not, it says why: an
    /// admin without the right hears it every time, a member who is not an admin once per
    /// `moderation.refusal_window` (their repeats are ignored, so refusals never spend the group's send
    /// budget), and a command sent as the group (by an anonymous admin) is kept while an admin who holds
    /// `right` is asked to confirm it with a button, which runs it in their name.
    pub async fn permit(&self, message: &Message, right: Right, lang: Lang) -> Result<bool> {
        match self.admins.check_sender(message, right).await? {
            Permission::Granted => Ok(true),
            Permission::Anonymous(right) => {
                self.ask_anonymous_admin(message, right, lang).await?;
                Ok(false)
            }
            Permission::NotAdmin => {
                let sender = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
                if self.first_refusal(message.chat.id.0, sender) {
                    self.reply_brief(message, self.t(lang, "refuse-not-admin"));
                }
                Ok(false)
            }
            Permission::Missing(right) => {
                self.reply_brief(message, self.missing_right(right, lang));
                Ok(false)
            }
        }
    }

    /// Keeps a command an anonymous admin sent, and asks under it for an admin who holds `right` to confirm.
    async fn ask_anonymous_admin(&self, message: &Message, right: Right, lang: Lang) -> Result<()> {
        let stored = serde_json::to_string(message)
            .map_err(|err| Error::Config(format!("cannot keep the command's message: {err}")))?;
        let mut conn = self.storage.write.acquire().await?;
        let id = crate::storage::confirmations::insert(
            &mut conn,
            message.chat.id.0,
            right.name(),
            &stored,
            self.now(),
        )
        .await?;
        drop(conn);
        let right_name = self.t(lang, &format!("right-{}", right.name()));
        let button = InlineKeyboardButton::callback(
            self.t(lang, "anonymous-admin-button"),
            format!("{}{id}", crate::telegram::admins::CONFIRM_PREFIX),
        );
        self.outbound.send_text(
            Text::plain(
                message.chat.id.0,
                self.ta(
                    lang,
                    "anonymous-admin-ask",
                    &crate::fargs! {"right" => right_name},
                ),
            )
            .reply_to(message)
            .markup(InlineKeyboardMarkup::new([[button]]))
            .priority(Priority::Moderation),
        );
        Ok(())
    }

    /// The sentence that tells an admin which right a command needs.
    pub(crate) fn missing_right(&self, right: Right, lang: Lang) -> String {
        self.ta(
            lang,
            "refuse-missing-right",
            &crate::fargs! {"right" => self.t(lang, &format!("right-{}", right.name()))},
        )
    }

    /// Whether a member who is not an admin may be told (again) that a command is not theirs: once per
    /// `moderation.refusal_window`; the call counts as telling them.
    pub fn first_refusal(&self, chat_id: i64, user_id: i64) -> bool {
        let (now, window) = (
            self.now(),
            self.config.moderation.refusal_window.get().as_secs() as i64,
        );
        let refusals = self.local(Refusals::default);
        let mut refused = refusals.0.lock().unwrap_or_else(|e| e.into_inner());
        if refused.len() >= REFUSALS_REMEMBERED {
            refused.retain(|_, at| *at > now - window);
            if refused.len() >= REFUSALS_REMEMBERED {
                refused.clear();
            }
        }
        match refused.get(&(chat_id, user_id)) {
            Some(at) if *at > now - window => false,
            _ => {
                refused.insert((chat_id, user_id), now);
                true
            }
        }
    }

    /// Whether `user_id` may see, in a private chat, what members of group `chat_id` see there: the group
    /// is public (it has a @username), or Telegram says the user is in it now (owner, admin, member, or
    /// restricted but still a member). A look-up Telegram refuses counts as "no".
    pub async fn may_see_group(&self, chat_id: i64, user_id: i64) -> Result<bool> {
        let public = self
            .groups
            .get(&self.storage, chat_id)
            .await?
            .is_some_and(|group| group.username.is_some());
        if public {
            return Ok(true);
        }
        use teloxide::prelude::Requester;
        let member = self
            .bot
            .get_chat_member(
                teloxide::types::ChatId(chat_id),
                teloxide::types::UserId(user_id as u64),
            )
            .await;
        match member {
            Ok(member) => Ok(member.is_present()),
            Err(err) => {
                tracing::info!(chat_id, user_id, %err, "membership unknown; showing nothing of the group");
                Ok(false)
            }
        }
    }
}
