//! `/settings export` and `/settings import <group>`: a group's settings as a TOML file sent to the admin in
//! private, and such a file sent back (in private, with the command as its caption or as a reply to it)
//! checked against a group, shown as a diff and applied only after the confirm press.

use super::access::rights_now;
use super::apply::{self, Source};
use super::display::{refusal, shown, PREFIX};
use super::store;
use crate::fargs;
use crate::features::setting;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::settings_model::file::{self, Change, Problem};
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{Document, InlineKeyboardButton, InlineKeyboardMarkup};

/// The name of an exported file.
const FILE_NAME: &str = "group-settings.toml";

/// The largest settings file read, in bytes.
const MAX_FILE_BYTES: u32 = 64 * 1024;

/// Sends group `chat_id`'s settings file to the sender in private, if the sender is its admin now. Asked
/// in the group, the group hears only that the file went to the private chat.
pub(super) async fn export(ctx: &Ctx, message: &Message, chat_id: i64) -> HandlerResult {
    let Some(user) = message.from.as_ref().map(|u| u.id.0) else {
        return Ok(());
    };
    let lang = ctx.group_lang(chat_id).await;
    if rights_now(ctx, chat_id, user).await.is_none() {
        ctx.reply(message, ctx.t(lang, "settings-not-admin"));
        return Ok(());
    }
    let values = apply::current(ctx, chat_id).await?;
    let text = file::export(&values);
    let sent = ctx
        .outbound
        .send_document(user as i64, None, FILE_NAME, text.into_bytes())
        .wait()
        .await;
    match (sent, message.chat.is_private()) {
        (Ok(_), true) => {}
        (Ok(_), false) => ctx.reply_brief(message, ctx.t(lang, "settings-export-sent")),
        (Err(err), _) => {
            tracing::info!(%err, user, "the settings file could not be sent in private");
            ctx.reply_brief(message, ctx.t(lang, "settings-private-first"));
        }
    }
    Ok(())
}

/// The settings file a message carries, or the message it replies to.
fn document_of(message: &Message) -> Option<&Document> {
    message
        .document()
        .or_else(|| message.reply_to_message().and_then(|m| m.document()))
}

fn problem_line(ctx: &Ctx, lang: Lang, problem: &Problem) -> String {
    match problem {
        Problem::Unreadable(why) => ctx.ta(
            lang,
            "settings-problem-unreadable",
            &fargs! {"why" => why.clone()},
        ),
        Problem::Unknown(key) => ctx.ta(
            lang,
            "settings-problem-unknown",
            &fargs! {"key" => key.clone()},
        ),
        Problem::Invalid(key, why) => {
            let name =
                setting(key).map_or_else(|| key.clone(), |(_, spec)| ctx.t(lang, &spec.label()));
            ctx.ta(
                lang,
                "settings-problem-invalid",
                &fargs! {"setting" => name, "why" => refusal(ctx, lang, why)},
            )
        }
    }
}

fn change_line(ctx: &Ctx, lang: Lang, change: &Change) -> String {
    match setting(&change.key) {
        Some((_, spec)) => ctx.ta(
            lang,
            "settings-diff-line",
            &fargs! {
                "setting" => ctx.t(lang, &spec.label()),
                "old" => shown(ctx, lang, spec, &change.old),
                "new" => shown(ctx, lang, spec, &change.new),
            },
        ),
        None => change.key.clone(),
    }
}

/// `/settings import <group>` with a settings file: the problems, or the diff with confirm and cancel
/// buttons. Nothing changes here.
pub(super) async fn import(ctx: &Ctx, message: &Message, args: &str) -> HandlerResult {
    let Some(user) = message.from.as_ref().map(|u| u.id.0) else {
        return Ok(());
    };
    let user_lang = Lang::from_telegram(
        message
            .from
            .as_ref()
            .and_then(|u| u.language_code.as_deref()),
    )
    .unwrap_or_else(|| ctx.default_lang());
    if !message.chat.is_private() {
        ctx.reply_brief(message, ctx.t(user_lang, "settings-import-private"));
        return Ok(());
    }
    let Some(chat_id) = args.trim().parse::<i64>().ok().filter(|id| *id < 0) else {
        ctx.reply(message, ctx.t(user_lang, "settings-usage"));
        return Ok(());
    };
    let lang = ctx.group_lang(chat_id).await;
    if rights_now(ctx, chat_id, user).await.is_none() {
        ctx.reply(message, ctx.t(lang, "settings-not-admin"));
        return Ok(());
    }
    let Some(document) = document_of(message) else {
        ctx.reply(message, ctx.t(lang, "settings-import-no-file"));
        return Ok(());
    };
    if document.file.size > MAX_FILE_BYTES {
        ctx.reply(
            message,
            ctx.ta(
                lang,
                "settings-import-too-big",
                &fargs! {"max" => MAX_FILE_BYTES / 1024},
            ),
        );
        return Ok(());
    }
    let found = ctx.bot.get_file(document.file.id.clone()).await?;
    let mut bytes = Vec::new();
    ctx.bot
        .download_file(&found.path, &mut bytes)
        .await
        .map_err(|err| crate::Error::Operation(format!("downloading a settings file: {err}")))?;
    let text = String::from_utf8_lossy(&bytes);
    let title = ctx
        .groups
        .get(&ctx.storage, chat_id)
        .await?
        .map_or_else(|| chat_id.to_string(), |g| g.title.clone());
    let changes = match apply::plan_file(ctx, chat_id, &text).await? {
        Ok(changes) => changes,
        Err(problems) => {
            let mut lines = vec![ctx.ta(
                lang,
                "settings-import-problems",
                &fargs! {"group" => title, "count" => problems.len()},
            )];
            lines.extend(
                problems
                    .iter()
                    .map(|p| format!("• {}", problem_line(ctx, lang, p))),
            );
            lines.push(ctx.t(lang, "settings-import-nothing-applied"));
            ctx.reply(message, lines.join("\n"));
            return Ok(());
        }
    };
    if changes.is_empty() {
        ctx.reply(
            message,
            ctx.ta(
                lang,
                "settings-import-no-changes",
                &fargs! {"group" => title},
            ),
        );
        return Ok(());
    }
    let stored = serde_json::to_string(&changes)
        .map_err(|err| crate::Error::Config(format!("cannot keep an import: {err}")))?;
    let id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::put_import(&mut conn, chat_id, user as i64, &stored, ctx.now()).await?
    };
    let mut lines = vec![format!(
        "<b>{}</b>",
        escape(&ctx.ta(
            lang,
            "settings-import-diff",
            &fargs! {"group" => title, "count" => changes.len()}
        ))
    )];
    lines.extend(
        changes
            .iter()
            .map(|c| format!("• {}", escape(&change_line(ctx, lang, c)))),
    );
    let buttons = InlineKeyboardMarkup::new([[
        InlineKeyboardButton::callback(
            ctx.t(lang, "settings-import-confirm"),
            format!("{PREFIX}i:{id}"),
        ),
        InlineKeyboardButton::callback(
            ctx.t(lang, "settings-import-cancel"),
            format!("{PREFIX}x:{id}"),
        ),
    ]]);
    ctx.outbound.send_text(
        Text::html(message.chat.id.0, lines.join("\n"))
            .reply_to(message)
            .markup(buttons),
    );
    Ok(())
}

/// The confirm or cancel press under an import's diff: the import is taken once; confirming re-reads the
/// admin's rights and applies every change, or none when a right is missing.
pub(super) async fn on_import_press(
    ctx: &Ctx,
    query: &CallbackQuery,
    id: i64,
    confirm: bool,
) -> HandlerResult {
    let user = query.from.id.0;
    let user_lang = Lang::from_telegram(query.from.language_code.as_deref())
        .unwrap_or_else(|| ctx.default_lang());
    let Some(message) = query.regular_message() else {
        return Ok(());
    };
    let taken = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::take_import(&mut conn, id, user as i64).await?
    };
    let Some((chat_id, stored)) = taken else {
        ctx.outbound
            .answer_press(query, ctx.t(user_lang, "settings-gone"), true);
        return Ok(());
    };
    let lang = ctx.group_lang(chat_id).await;
    let changes: Vec<Change> = serde_json::from_str(&stored).unwrap_or_default();
    let done = |text: String| {
        ctx.outbound
            .edit_text(message.chat.id.0, message.id, escape(&text), true, None);
    };
    if !confirm {
        ctx.outbound.answer_press(query, String::new(), false);
        done(ctx.t(lang, "settings-import-cancelled"));
        return Ok(());
    }
    let Some(rights) = rights_now(ctx, chat_id, user).await else {
        ctx.outbound
            .answer_press(query, ctx.t(lang, "settings-not-admin"), true);
        done(ctx.t(lang, "settings-import-nothing-applied"));
        return Ok(());
    };
    if let Some(spec) = changes
        .iter()
        .filter_map(|c| setting(&c.key).map(|(_, spec)| spec))
        .find(|spec| !rights.has(spec.right))
    {
        let right = ctx.t(lang, &format!("right-{}", spec.right.name()));
        ctx.outbound.answer_press(
            query,
            ctx.ta(lang, "settings-needs-right", &fargs! {"right" => right}),
            true,
        );
        done(ctx.t(lang, "settings-import-nothing-applied"));
        return Ok(());
    }
    let changed =
        match apply::apply_changes(ctx, chat_id, &changes, user as i64, Source::Import).await? {
            Ok(changed) => changed,
            Err(problems) => {
                ctx.outbound.answer_press(query, String::new(), false);
                let mut lines: Vec<String> = problems
                    .iter()
                    .map(|p| format!("• {}", problem_line(ctx, lang, p)))
                    .collect();
                lines.push(ctx.t(lang, "settings-import-nothing-applied"));
                done(lines.join("\n"));
                return Ok(());
            }
        };
    let lang = ctx.group_lang(chat_id).await;
    ctx.outbound
        .answer_press(query, ctx.t(lang, "settings-saved"), false);
    done(ctx.ta(
        lang,
        "settings-import-applied",
        &fargs! {"count" => changed},
    ));
    Ok(())
}
