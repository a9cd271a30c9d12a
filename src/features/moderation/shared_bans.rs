//! Shared bans: a member banned in a group (by an admin's `/ban` or `/spam`, a report or suspicious
//! message an admin answered with a ban, or the ladder's ban step) is banned in every other group of each
//! group set of that group that shares bans (see [`crate::storage::set_bans`]), unless the set allows
//! them. Each of those bans is its own entry in that group's moderation log, under the rule `shared`,
//! naming the group it came from and the admin who banned (none for the ladder), and each goes out
//! through the outbound queue like any ban. Unbanning the member in the group the shared ban started in
//! offers a button that unbans them in every other group of those sets: the press reads the admin's
//! rights anew, and each group is unbanned only where the admin holds the "ban users" right at that
//! moment; the others are named as refused.

use super::{log, store, CALLBACK_PREFIX};
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use crate::telegram::HandlerResult;
use chrono::{DateTime, Utc};
use teloxide::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message};

/// The verb of the button that unbans a member in every group of the sets their ban spread to.
pub(super) const UNBAN_VERB: &str = "sunban";

/// The rule shared bans are logged under.
pub use super::log::SHARED_BAN_RULE as RULE;

/// Spreads the ban of log entry `log_id` (a ban of `user_id` in `chat_id`, until `until` or for good), in
/// the background; a failure is logged and leaves the origin's ban as it is.
pub(super) fn spread(
    ctx: &Ctx,
    chat_id: i64,
    user_id: i64,
    until: Option<DateTime<Utc>>,
    log_id: i64,
) {
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        if let Err(err) = spread_now(&ctx, chat_id, user_id, until, log_id).await {
            tracing::warn!(%err, chat_id, user_id, log_id, "a shared ban did not spread");
        }
    });
}

async fn spread_now(
    ctx: &Ctx,
    chat_id: i64,
    user_id: i64,
    until: Option<DateTime<Utc>>,
    log_id: i64,
) -> crate::Result<()> {
    let now = ctx.now();
    let origin = group_label(ctx, chat_id).await?;
    let mut tx = ctx.storage.write.begin().await?;
    let actor: Option<i64> =
        sqlx::query_scalar("SELECT actor_id FROM moderation_violations WHERE id = ?")
            .bind(log_id)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
    let groups = crate::storage::set_bans::spread(&mut tx, chat_id, user_id, actor, now).await?;
    let mut entries = Vec::new();
    for group in groups {
        let entry = store::LogEntry {
            chat_id: group,
            user_id,
            is_channel: false,
            rule: RULE,
            detail: &origin,
            action: "ban",
            excerpt: "",
            actor_id: actor,
            reverses_id: None,
            at: now,
            expires_at: now,
        };
        let id = store::record_action(&mut tx, &entry).await?;
        entries.push((group, id));
    }
    tx.commit().await?;
    for (group, id) in entries {
        let entry = store::LogEntry {
            chat_id: group,
            user_id,
            is_channel: false,
            rule: RULE,
            detail: &origin,
            action: "ban",
            excerpt: "",
            actor_id: actor,
            reverses_id: None,
            at: now,
            expires_at: now,
        };
        log::mirror(ctx, id, &entry).await?;
        log::watch(ctx, id, ctx.outbound.ban(group, user_id, until));
    }
    Ok(())
}

/// After a member was unbanned in `message`'s group: when their shared ban started there, offers the
/// button that unbans them in the other groups of the set.
pub(super) async fn offer_unban_everywhere(
    ctx: &Ctx,
    message: &Message,
    user_id: i64,
    lang: Lang,
) -> crate::Result<()> {
    let chat_id = message.chat.id.0;
    let sets = {
        let mut conn = ctx.storage.read.acquire().await?;
        crate::storage::set_bans::started_in(&mut conn, chat_id, user_id).await?
    };
    if sets.is_empty() {
        return Ok(());
    }
    let button = InlineKeyboardButton::callback(
        ctx.t(lang, "moderation-shared-unban-button"),
        format!("{CALLBACK_PREFIX}{UNBAN_VERB}:{user_id}"),
    );
    ctx.outbound.send_text(
        Text::plain(chat_id, ctx.t(lang, "moderation-shared-unban-offer"))
            .reply_to(message)
            .markup(InlineKeyboardMarkup::new([[button]])),
    );
    Ok(())
}

/// The press of the unban-everywhere button: an admin with the "ban users" right in the origin group lifts
/// the shared ban; the member is unbanned (and it is logged) in each other group of the set where the
/// admin holds that right now, and the rest are named as refused.
pub(super) async fn on_unban_press(
    ctx: &Ctx,
    query: &CallbackQuery,
    user: &str,
    lang: Lang,
) -> HandlerResult {
    let (Some(message), Ok(user_id)) = (query.message.as_ref(), user.parse::<i64>()) else {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "moderation-button-unknown"), false);
        return Ok(());
    };
    let chat_id = message.chat().id.0;
    let admin = query.from.id.0 as i64;
    match ctx.admins.rights(chat_id, admin as u64).await? {
        Some(rights) if rights.has(Right::Restrict) => {}
        Some(_) => {
            ctx.outbound
                .answer_press(query, ctx.missing_right(Right::Restrict, lang), false);
            return Ok(());
        }
        None => {
            ctx.outbound
                .answer_press(query, ctx.t(lang, "refuse-not-admin"), false);
            return Ok(());
        }
    }
    let now = ctx.now();
    let origin = group_label(ctx, chat_id).await?;
    let mut tx = ctx.storage.write.begin().await?;
    let groups = crate::storage::set_bans::lift(&mut tx, chat_id, user_id).await?;
    let mut unbanned = Vec::new();
    let mut refused = Vec::new();
    for group in groups {
        let may = ctx
            .admins
            .rights(group, admin as u64)
            .await
            .ok()
            .flatten()
            .is_some_and(|r| r.has(Right::Restrict));
        if !may {
            refused.push(group);
            continue;
        }
        let entry = unban_entry(group, user_id, admin, &origin, now);
        let id = store::record_action(&mut tx, &entry).await?;
        unbanned.push((group, id));
    }
    tx.commit().await?;
    for (group, id) in &unbanned {
        log::mirror(ctx, *id, &unban_entry(*group, user_id, admin, &origin, now)).await?;
        log::watch(ctx, *id, ctx.outbound.unban(*group, user_id as u64));
    }
    ctx.outbound.answer_press(query, String::new(), false);
    let mut text = ctx.ta(
        lang,
        "moderation-shared-unbanned",
        &crate::fargs! {"count" => unbanned.len()},
    );
    if !refused.is_empty() {
        let mut names = Vec::new();
        for group in refused {
            names.push(group_label(ctx, group).await?);
        }
        text.push('\n');
        text.push_str(&ctx.ta(
            lang,
            "moderation-shared-unban-refused",
            &crate::fargs! {"groups" => names.join(", ")},
        ));
    }
    ctx.outbound.send_text(Text::plain(chat_id, text));
    Ok(())
}

fn unban_entry<'a>(
    group: i64,
    user_id: i64,
    admin: i64,
    origin: &'a str,
    now: i64,
) -> store::LogEntry<'a> {
    store::LogEntry {
        chat_id: group,
        user_id,
        is_channel: false,
        rule: RULE,
        detail: origin,
        action: "unban",
        excerpt: "",
        actor_id: Some(admin),
        reverses_id: None,
        at: now,
        expires_at: now,
    }
}

/// How a group is named in the log and in answers: its title and id.
async fn group_label(ctx: &Ctx, chat_id: i64) -> crate::Result<String> {
    Ok(match ctx.groups.get(&ctx.storage, chat_id).await? {
        Some(group) if !group.title.is_empty() => format!("{} ({chat_id})", group.title),
        _ => chat_id.to_string(),
    })
}
