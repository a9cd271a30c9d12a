//! The bot's own membership of a group: it records the group when added (and says hello once, adapted to
//! the rights it was given), marks it inactive when removed, keeps its own rights current, and thanks the
//! admins when it is promoted later.

use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::storage::groups as records;
use crate::telegram::admins::{AdminRights, Right};
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::types::{ChatKind, ChatMemberUpdated, PublicChatKind};

/// `group` or `supergroup` for the chats the bot keeps a record of; `None` for channels and private chats.
pub(super) fn group_kind(chat: &teloxide::types::Chat) -> Option<&'static str> {
    match &chat.kind {
        ChatKind::Public(public) => match public.kind {
            PublicChatKind::Group => Some("group"),
            PublicChatKind::Supergroup(_) => Some("supergroup"),
            PublicChatKind::Channel(_) => None,
        },
        ChatKind::Private(_) => None,
    }
}

/// The bot's own membership of a group changed: added, removed, promoted or its rights changed.
pub(super) async fn on_bot_membership(ctx: Ctx, change: ChatMemberUpdated) -> HandlerResult {
    let Some(kind) = group_kind(&change.chat) else {
        return Ok(());
    };
    let chat_id = change.chat.id.0;
    let now = ctx.now();
    let (was, is) = (&change.old_chat_member, &change.new_chat_member);
    let mut conn = ctx.storage.write.acquire().await?;
    if !is.is_present() {
        records::set_inactive(&mut conn, chat_id, now).await?;
        tracing::info!(chat_id, "removed from a group");
    } else {
        let language =
            Lang::from_telegram(change.from.language_code.as_deref()).unwrap_or(ctx.default_lang());
        let title = change.chat.title().unwrap_or_default();
        let added = !was.is_present();
        if added {
            records::upsert_on_join(
                &mut conn,
                &records::NewGroup {
                    chat_id,
                    kind,
                    title,
                    username: change.chat.username(),
                    language: language.code(),
                    added_by: Some(change.from.id.0 as i64),
                    now,
                },
            )
            .await?;
        } else {
            records::touch(&mut conn, chat_id, kind, title, now).await?;
        }
        let granted = AdminRights::from_member(is);
        let (status, rights) = match &granted {
            Some(rights) => ("administrator", rights.to_stored()),
            None => ("member", String::new()),
        };
        let promoted = !added && granted.is_some() && AdminRights::from_member(was).is_none();
        records::set_bot_status(&mut conn, chat_id, status, &rights, now).await?;
        ctx.admins.invalidate(chat_id);
        if added {
            tracing::info!(chat_id, title, "added to a group");
            if records::mark_greeted(&mut conn, chat_id).await? {
                let group = records::get(&mut conn, chat_id).await?;
                let lang = group
                    .as_ref()
                    .and_then(|g| Lang::parse(&g.language))
                    .unwrap_or(language);
                let hello = hello_text(&ctx, lang, title, granted.as_ref());
                ctx.outbound.send_text(Text::html(chat_id, hello));
            }
        } else if promoted {
            let lang = ctx.group_lang(chat_id).await;
            let mut thanks = ctx.t_html(lang, "group-promoted-thanks");
            thanks.push(' ');
            thanks.push_str(&rights_line(&ctx, lang, granted.as_ref()));
            ctx.outbound.send_text(Text::html(chat_id, thanks));
        }
    }
    if let Some(record) = records::get(&mut conn, chat_id).await? {
        ctx.groups.put(record);
    }
    Ok(())
}

/// The rights the bot asks for: deleting ads, restricting and banning, and invite links.
const NEEDED_RIGHTS: [Right; 3] = [Right::Delete, Right::Restrict, Right::Invite];

/// The hello when the bot is added: what it does, what it can do with the rights it has (or which it still
/// needs), what is already on in a new group, and how to switch the language.
fn hello_text(ctx: &Ctx, lang: Lang, title: &str, rights: Option<&AdminRights>) -> String {
    let mut lines = vec![
        ctx.ta(
            lang,
            "group-hello-intro",
            &fargs! {"group" => escape(title)},
        ),
        rights_line(ctx, lang, rights),
    ];
    let mut on = Vec::new();
    let gate = ctx.config.welcome.captcha.as_str();
    if matches!(gate, "button" | "math" | "quiz") {
        on.push(ctx.t_html(lang, &format!("group-hello-on-gate-{gate}")));
    }
    if ctx.config.moderation.default_pack {
        on.push(ctx.t_html(lang, "group-hello-on-adpack"));
    }
    if !on.is_empty() {
        let separator = ctx.t(lang, "list-separator");
        lines.push(ctx.ta(
            lang,
            "group-hello-already-on",
            &fargs! {"list" => on.join(&separator)},
        ));
    }
    lines.push(ctx.t_html(lang, "group-hello-lang"));
    lines.join("\n")
}

/// What the bot can do with its rights: everything it needs, or which rights it still lacks, or that it
/// needs to be an admin at all.
fn rights_line(ctx: &Ctx, lang: Lang, rights: Option<&AdminRights>) -> String {
    let Some(rights) = rights else {
        return ctx.t_html(lang, "group-hello-make-admin");
    };
    let missing: Vec<String> = NEEDED_RIGHTS
        .iter()
        .filter(|right| !rights.has(**right))
        .map(|right| ctx.t_html(lang, &format!("right-{}", right.name())))
        .collect();
    if missing.is_empty() {
        ctx.t_html(lang, "group-hello-rights-ok")
    } else {
        ctx.ta(
            lang,
            "group-hello-rights-missing",
            &fargs! {"rights" => missing.join(&ctx.t(lang, "list-separator")), "count" => missing.len()},
        )
    }
}
