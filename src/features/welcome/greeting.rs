//! Welcomes and goodbyes: members who are in wait in a queue, and one welcome names them together;
//! rendering the admins' texts with their placeholders and buttons.

use super::store::{GroupChoices, Queued, Slot};
use super::{choices::*, rules::*};
use super::{store, template};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, full_name, mention_html};
use crate::telegram::HandlerResult;
use teloxide::prelude::*;
use teloxide::types::{Chat, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, User};

pub(super) fn queued(user: &User) -> Queued {
    Queued {
        user_id: user.id.0 as i64,
        first_name: user.first_name.clone(),
        full_name: full_name(user),
        username: user.username.clone(),
    }
}

/// A member is in: they passed the gate, were let in, or joined where no gate applies. Records that on the
/// member (referral validity and the conversion funnel read it) and queues them for the next welcome.
pub(super) async fn enqueue_welcome(ctx: &Ctx, chat_id: i64, member: &Queued) -> crate::Result<()> {
    let mut conn = ctx.storage.write.acquire().await?;
    crate::storage::members::mark_verified(&mut conn, chat_id, member.user_id, ctx.now()).await?;
    store::enqueue(&mut conn, chat_id, member, ctx.now()).await
}

pub(super) async fn on_leave(ctx: &Ctx, chat: &Chat, member: &User, by: &User) -> HandlerResult {
    let chat_id = chat.id.0;
    if member.id == ctx.me.id || member.is_bot || by.id == ctx.me.id {
        return Ok(());
    }
    let choices = load_choices(ctx, chat_id).await?;
    if !choices.goodbye_on || choices.raid_until > ctx.now() {
        return Ok(());
    }
    let lang = ctx.group_lang(chat_id).await;
    let needs_count = choices
        .goodbye_text
        .as_deref()
        .is_some_and(template::needs_count);
    let title = chat.title().unwrap_or_default();
    let values = group_values(ctx, chat_id, title, &[queued(member)], lang, needs_count).await;
    let (html, buttons) = match &choices.goodbye_text {
        Some(text) => {
            let rendered = template::render(text, &values);
            (rendered.html, rendered.buttons)
        }
        None => (
            ctx.ta(
                lang,
                "welcome-goodbye-default",
                &fargs! {"name" => values.name.clone()},
            ),
            Vec::new(),
        ),
    };
    let mut text = Text::html(chat_id, html).in_general();
    if let Some(markup) = url_buttons(buttons) {
        text = text.markup(markup);
    }
    ctx.outbound.send_text(text);
    Ok(())
}

/// The `[label](https://…)` lines of a text as URL buttons, one per row; `None` when there are none.
pub(super) fn url_buttons(buttons: Vec<(String, String)>) -> Option<InlineKeyboardMarkup> {
    let mut markup = InlineKeyboardMarkup::default();
    let mut any = false;
    for (label, url) in buttons {
        if let Ok(url) = url.parse() {
            markup = markup.append_row(vec![InlineKeyboardButton::url(label, url)]);
            any = true;
        }
    }
    any.then_some(markup)
}

pub(super) async fn group_values(
    ctx: &Ctx,
    chat_id: i64,
    title: &str,
    members: &[Queued],
    lang: Lang,
    count: bool,
) -> template::Values {
    let shown = ctx.config.welcome.names_per_welcome;
    let separator = match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    };
    let more = |n: usize| {
        format!(
            " {}",
            ctx.ta(lang, "welcome-names-more", &fargs! {"count" => n})
        )
    };
    let list = |f: &dyn Fn(&Queued) -> String| {
        let items: Vec<String> = members.iter().map(f).collect();
        template::join_names(&items, shown, separator, more)
    };
    let member_count = if count {
        match ctx.bot.get_chat_member_count(ChatId(chat_id)).await {
            Ok(n) => n.to_string(),
            Err(err) => {
                tracing::warn!(%err, chat_id, "member count unavailable");
                "?".into()
            }
        }
    } else {
        String::new()
    };
    template::Values {
        name: list(&|m| escape(&m.full_name)),
        first: list(&|m| escape(&m.first_name)),
        mention: list(&|m| mention_html(m.user_id, &m.full_name)),
        username: list(&|m| match &m.username {
            Some(name) => format!("@{}", escape(name)),
            None => mention_html(m.user_id, &m.full_name),
        }),
        id: list(&|m| m.user_id.to_string()),
        group: escape(title),
        count: member_count,
        rules: String::new(),
    }
}

/// The welcome for `members`: its HTML and buttons.
pub(super) async fn welcome_message(
    ctx: &Ctx,
    chat_id: i64,
    choices: &GroupChoices,
    members: &[Queued],
    lang: Lang,
) -> crate::Result<(String, InlineKeyboardMarkup)> {
    let title = ctx
        .groups
        .get(&ctx.storage, chat_id)
        .await?
        .map(|g| g.title.clone())
        .unwrap_or_default();
    let needs_count = choices
        .welcome_text
        .as_deref()
        .is_some_and(template::needs_count);
    let mut values = group_values(ctx, chat_id, &title, members, lang, needs_count).await;
    // `{rules}` points at the rules button, or shows the rules where no button can be made, or says there
    // are none yet: it never leaves a gap.
    values.rules = match (&choices.rules, rules_link(ctx, chat_id)) {
        (Some(_), Some(_)) => ctx.t_html(lang, "welcome-rules-see-button"),
        (Some(rules), None) => escape(rules),
        (None, _) => ctx.t_html(lang, "welcome-rules-none"),
    };
    let rendered = match &choices.welcome_text {
        Some(text) => template::render(text, &values),
        None => template::Rendered {
            html: ctx.ta(
                lang,
                "welcome-default",
                &fargs! {"mention" => values.mention.clone(), "group" => values.group.clone()},
            ),
            buttons: Vec::new(),
            rules_button: choices.rules.is_some(),
        },
    };
    let mut markup = InlineKeyboardMarkup::default();
    for (label, url) in rendered.buttons {
        if let Ok(url) = url.parse() {
            markup = markup.append_row(vec![InlineKeyboardButton::url(label, url)]);
        }
    }
    if rendered.rules_button && choices.rules.is_some() {
        if let Some(url) = rules_link(ctx, chat_id) {
            markup = markup.append_row(vec![InlineKeyboardButton::url(
                ctx.t(lang, "welcome-rules-button"),
                url,
            )]);
        }
    }
    Ok((rendered.html, markup))
}

/// Posts the group's next welcome, naming everyone queued, when its welcome gap allows (otherwise they
/// stay queued and more may join them). With welcomes off, or during a raid, the queue is dropped.
pub(super) async fn post_welcome(ctx: &Ctx, chat_id: i64) -> crate::Result<()> {
    let now = ctx.now();
    let (members, choices) = {
        let mut tx = ctx.storage.write.begin().await?;
        let choices = store::choices(&mut tx, chat_id).await?;
        let silent = !choices.welcome_on || choices.raid_until > now;
        if !silent && !store::claim_slot(&mut tx, chat_id, Slot::Welcome, now, gap_of(ctx)).await? {
            return Ok(());
        }
        let members = store::take_queue(&mut tx, chat_id).await?;
        tx.commit().await?;
        if silent {
            return Ok(());
        }
        (members, choices)
    };
    if members.is_empty() {
        return Ok(());
    }
    let lang = ctx.group_lang(chat_id).await;
    let (html, markup) = welcome_message(ctx, chat_id, &choices, &members, lang).await?;
    let pending = ctx
        .outbound
        .send_text(Text::html(chat_id, html).markup(markup).in_general());
    let clean = choices.clean_welcome;
    let ctx = ctx.clone();
    ctx.tasks.clone().spawn(async move {
        let result = async {
            let sent = pending.wait().await?;
            let previous = {
                let mut conn = ctx.storage.write.acquire().await?;
                store::swap_last_welcome(&mut conn, chat_id, sent.id.0 as i64).await?
            };
            if let (true, Some(previous)) = (clean, previous) {
                // Clean mode needs the delete right; without it the admins hear so once in a while.
                match ctx.bot_lacks(chat_id, &[Right::Delete], lang).await? {
                    Some(lack) => warn_rarely(&ctx, chat_id, lack).await?,
                    None => {
                        ctx.outbound.delete(chat_id, MessageId(previous as i32));
                    }
                }
            }
            Ok::<(), crate::Error>(())
        }
        .await;
        if let Err(err) = result {
            tracing::warn!(%err, chat_id, "welcome not posted");
        }
    });
    Ok(())
}
