//! The group record and the bot's basic manners: it records a group when added (and says hello once),
//! marks it inactive when removed, keeps its own rights current, moves a group's data when a basic group
//! becomes a supergroup, and answers `/start`, `/help` and `/lang`.

pub mod per_group;

use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx, Lasting};
use crate::storage::{self, groups as records};
use crate::telegram::admins::{AdminRights, Right};
use crate::telegram::commands::{Audience, CommandInfo};
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::{Handler, HandlerResult};
use teloxide::prelude::*;
use teloxide::types::{
    ChatKind, ChatMemberUpdated, InlineKeyboardButton, InlineKeyboardMarkup, PublicChatKind,
};

crate::feature_commands! {
    /// The bot's basic commands.
    enum Command in COMMANDS {
        Start(String) = "start", "cmd-start", Private;
        Help = "help", "cmd-help", Everyone;
        Lang(String) = "lang", "cmd-lang", Admins;
    }
}

/// This feature's branch of the handler tree.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(Update::filter_my_chat_member().endpoint(on_bot_membership))
        .branch(
            Update::filter_message()
                .branch(
                    dptree::filter(|m: Message| m.migrate_to_chat_id().is_some())
                        .endpoint(on_migrate),
                )
                .branch(
                    dptree::entry()
                        .filter_command::<Command>()
                        .endpoint(on_command),
                ),
        )
}

/// The last branch of the handler tree: a private message no feature took (plain text, an unknown command)
/// gets a hint to `/help`, so a private chat never stays silent.
pub fn private_hint() -> Handler {
    Update::filter_message()
        .filter(|m: Message| {
            m.chat.is_private()
                && m.from.as_ref().is_some_and(|u| !u.is_bot)
                && crate::telegram::is_member_post(&m)
        })
        .endpoint(on_private_unhandled)
}

async fn on_private_unhandled(ctx: Ctx, message: Message) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    call.say(call.t("private-help-hint"));
    Ok(())
}

fn group_kind(chat: &teloxide::types::Chat) -> Option<&'static str> {
    match &chat.kind {
        ChatKind::Public(public) => match public.kind {
            PublicChatKind::Group => Some("group"),
            PublicChatKind::Supergroup(_) => Some("supergroup"),
            PublicChatKind::Channel(_) => None,
        },
        ChatKind::Private(_) => None,
    }
}

async fn on_bot_membership(ctx: Ctx, change: ChatMemberUpdated) -> HandlerResult {
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

async fn on_migrate(ctx: Ctx, message: Message) -> HandlerResult {
    let from = message.chat.id.0;
    let Some(to) = message.migrate_to_chat_id().map(|id| id.0) else {
        return Ok(());
    };
    // Events of the old id still waiting in the activity writer are written first, so they move too.
    ctx.activity.flush().await;
    let mut tx = ctx.storage.write.begin().await?;
    // Points move only through the ledger: it folds any accounts the new id already has into the old ones.
    crate::features::economy::ledger::fold_before_move(&mut tx, from, to).await?;
    let moved = storage::move_chat(&mut tx, from, to).await?;
    sqlx::query("UPDATE groups SET kind = 'supergroup' WHERE chat_id = ?")
        .bind(to)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    ctx.groups.forget(from);
    ctx.groups.forget(to);
    ctx.admins.invalidate(from);
    ctx.admins.invalidate(to);
    tracing::info!(
        from,
        to,
        rows = moved,
        "group upgraded to a supergroup; its data moved"
    );
    Ok(())
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    match command {
        Command::Start(payload) => start(&call, payload.trim()).await,
        Command::Help => help(&call).await,
        Command::Lang(arg) => lang(&call, arg.trim()).await,
    }
}

/// `/start`: in private, a greeting with a button that adds the bot to a group, the full help when it
/// comes from the short help's button (`start=help`), or a packet's verification when it comes from the
/// packet's Verify button (`start=verify_P17`); in a group, `/help`.
async fn start(call: &Call<'_>, payload: &str) -> HandlerResult {
    if !call.message.chat.is_private() || payload == HELP_PAYLOAD {
        return help(call).await;
    }
    // A packet's Verify button links here: the full verification, as `/verify P17` answers in private.
    if let Some(id) = payload.strip_prefix(crate::features::redpacket::VERIFY_PAYLOAD) {
        return crate::features::redpacket::verify::answer(call.ctx, call.message, call.lang, id)
            .await;
    }
    let ctx = call.ctx;
    let username = ctx.me.username.clone().unwrap_or_default();
    let text = call.ta(
        "start-private",
        &fargs! {"bot" => escape(&ctx.me.first_name)},
    );
    let mut markup = InlineKeyboardMarkup::default();
    if let Ok(url) = format!("https://t.me/{username}?startgroup=true").parse() {
        markup = markup.append_row(vec![InlineKeyboardButton::url(
            call.t("start-add-button"),
            url,
        )]);
    }
    ctx.outbound.send_text(
        Text::html(call.chat_id, text)
            .reply_to(call.message)
            .markup(markup),
    );
    Ok(())
}

/// The deep-link payload of the short help's button: `/start help` in private shows the full help.
const HELP_PAYLOAD: &str = "help";

/// The commands the short help in a group names, in this order, when the group has them: what members
/// use most, then (for admins) what admins use most.
const SHORT_HELP_MEMBERS: &[&str] = &[
    "checkin", "me", "rank", "hongbao", "lottery", "rules", "help",
];
const SHORT_HELP_ADMINS: &[&str] = &["ban", "mute", "warn", "lock", "lang"];

/// `/help`: in a group a short list (the commands used most, for the sender's view) with a button that
/// opens the full help in private; in private every command, the admins' under their own title.
async fn help(call: &Call<'_>) -> HandlerResult {
    let (ctx, message) = (call.ctx, call.message);
    let private = message.chat.is_private();
    // When Telegram cannot say who the admins are, the member's view is shown rather than nothing.
    let is_admin = !private
        && match ctx.admins.sender_rights(message).await {
            Ok(rights) => rights.is_some(),
            Err(err) => {
                tracing::warn!(%err, chat_id = call.chat_id, "admin list unavailable; /help shows the member view");
                false
            }
        };
    let visible = |audience: Audience| match audience {
        Audience::Everyone => true,
        Audience::Admins => is_admin,
        Audience::Private => private,
        Audience::Unlisted => false,
    };
    let title = if private {
        "help-title-private"
    } else {
        "help-title-group"
    };
    let line = |command: &CommandInfo, admin: bool| {
        format!(
            "/{} — {}\n",
            command.name,
            call.t_html(crate::features::description(command, admin))
        )
    };
    let mut text = format!("<b>{}</b>\n", call.t_html(title));
    if private {
        // The full help: every command a member can use anywhere, then the admins' under their own title.
        for command in ctx
            .commands
            .iter()
            .filter(|c| visible(c.audience) || c.audience == Audience::Everyone)
            .filter(|c| {
                c.audience != Audience::Admins && crate::features::offered(&ctx.config, c, false)
            })
        {
            text.push_str(&line(command, false));
        }
        text.push_str(&format!("\n<b>{}</b>\n", call.t_html("help-admins-title")));
        for command in ctx.commands.iter().filter(|c| {
            c.audience == Audience::Admins && crate::features::offered(&ctx.config, c, false)
        }) {
            text.push_str(&line(command, true));
        }
        call.say_html(text);
        return Ok(());
    }
    let names = SHORT_HELP_MEMBERS
        .iter()
        .chain(SHORT_HELP_ADMINS.iter().filter(|_| is_admin));
    for name in names {
        if let Some(command) = ctx.commands.iter().find(|c| {
            c.name == *name
                && visible(c.audience)
                && crate::features::offered(&ctx.config, c, false)
        }) {
            text.push_str(&line(command, is_admin));
        }
    }
    if !is_admin {
        text.push_str(&format!("\n{}", call.t_html("help-admins-see-more")));
    }
    text.push_str(&format!("\n{}", call.t_html("help-short-more")));
    let username = ctx.me.username.as_deref().unwrap_or_default();
    let mut request = Text::html(call.chat_id, text).reply_to(call.message);
    if let Ok(url) = format!("https://t.me/{username}?start={HELP_PAYLOAD}").parse() {
        request = request.markup(InlineKeyboardMarkup::new([[InlineKeyboardButton::url(
            call.t("help-full-button"),
            url,
        )]]));
    }
    ctx.send_lasting(request, Some(call.message), Lasting::Brief);
    Ok(())
}

/// `/lang zh|en`: the group's language, for admins who may change the group's info.
async fn lang(call: &Call<'_>, arg: &str) -> HandlerResult {
    let (ctx, message) = (call.ctx, call.message);
    if message.chat.is_private() {
        call.say(call.t("group-only"));
        return Ok(());
    }
    // With no argument, anyone may ask which language the group speaks.
    if arg.trim().is_empty() {
        let language = call.t(&format!("lang-name-{}", call.lang.code()));
        call.say(call.ta("lang-current", &fargs! {"language" => language}));
        return Ok(());
    }
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let Some(wanted) = Lang::parse(arg) else {
        call.say(call.t("lang-usage"));
        return Ok(());
    };
    let chat_id = message.chat.id.0;
    let mut conn = ctx.storage.write.acquire().await?;
    if records::get(&mut conn, chat_id).await?.is_none() {
        // The bot was added while it was not running: record the group now.
        records::upsert_on_join(
            &mut conn,
            &records::NewGroup {
                chat_id,
                kind: group_kind(&message.chat).unwrap_or("supergroup"),
                title: message.chat.title().unwrap_or_default(),
                username: message.chat.username(),
                language: wanted.code(),
                added_by: None,
                now: ctx.now(),
            },
        )
        .await?;
        if let Some(record) = records::get(&mut conn, chat_id).await? {
            ctx.groups.put(record);
        }
    }
    drop(conn);
    crate::features::changes::change_key(
        ctx,
        chat_id,
        "group.language",
        crate::settings_model::Value::Text(wanted.code().to_owned()),
        call.sender_id(),
        crate::features::changes::Source::Command,
    )
    .await?;
    let name = ctx.t(wanted, &format!("lang-name-{}", wanted.code()));
    ctx.reply_brief(
        message,
        ctx.ta(wanted, "lang-switched", &fargs! {"language" => name}),
    );
    Ok(())
}
