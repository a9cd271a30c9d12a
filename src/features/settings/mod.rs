//! `/settings`: every per-group setting of the settings model, in a menu in the admin's private chat, and
//! as a file to export and import.
//!
//! - `/settings` in a group: an admin gets a button opening the menu in private
//!   (`/start settings_<group>`); anyone else a refusal.
//! - `/settings` in private: the admin's groups, then sections, settings, toggles and choices (`menu`).
//!   A free-text setting is asked as a reply; the question survives a restart (`store`).
//! - `/settings export` (in the group, or in private with the group's id): the settings as a TOML file,
//!   sent in private (`files`).
//! - `/settings import <group>` in private, as the caption of the file or as a reply to it: the diff, then
//!   the confirm press applies it (`files`, through `apply`, which other features can reuse).
//! - Both show values and refusals the same way (`display`) and read the admin's rights from Telegram at
//!   the moment of a change (`access`).

mod access;
pub mod apply;
mod display;
mod files;
mod menu;
pub mod store;

use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::outbound::Text;
use crate::telegram::{callbacks_with_prefix, Handler, HandlerResult};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

crate::feature_commands! {
    /// The settings command.
    enum Command in COMMANDS {
        Settings(String) = "settings", "settings-cmd-settings", Admins;
    }
}

/// The `/start` payload that opens a group's menu: `settings_<group id>`.
const START_PREFIX: &str = "settings_";

/// This feature's branch of the handler tree.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(callbacks_with_prefix(display::PREFIX).endpoint(menu::on_press))
        .branch(
            Update::filter_message()
                .filter_map(|message: Message| captioned_import(&message))
                .endpoint(on_captioned_import),
        )
        .branch(
            Update::filter_message()
                .filter_map(|message: Message| start_payload(&message))
                .endpoint(on_start),
        )
        .branch(
            Update::filter_message()
                .filter_command::<Command>()
                .endpoint(on_command),
        )
        .branch(
            Update::filter_message()
                .filter_map_async(|ctx: Ctx, message: Message| async move {
                    waiting_prompt(&ctx, &message).await
                })
                .endpoint(menu::on_answer),
        )
}

/// The arguments of a `/settings import …` written as the caption of a file sent in private.
#[derive(Clone)]
struct CaptionedImport(String);

fn captioned_import(message: &Message) -> Option<CaptionedImport> {
    if !message.chat.is_private() || message.document().is_none() {
        return None;
    }
    let caption = message.caption()?.trim();
    let rest = caption.strip_prefix("/settings")?;
    let rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r);
    let args = rest.trim().strip_prefix("import")?;
    Some(CaptionedImport(args.trim().to_owned()))
}

/// The group a `/start settings_<group>` in private opens.
#[derive(Clone, Copy)]
struct OpenGroup(i64);

fn start_payload(message: &Message) -> Option<OpenGroup> {
    if !message.chat.is_private() {
        return None;
    }
    let mut words = message.text()?.split_whitespace();
    let command = words.next()?;
    if command != "/start" && !command.starts_with("/start@") {
        return None;
    }
    let group = words
        .next()?
        .strip_prefix(START_PREFIX)?
        .parse::<i64>()
        .ok()?;
    (group < 0).then_some(OpenGroup(group))
}

/// A private text that answers the menu's open question (no command).
async fn waiting_prompt(ctx: &Ctx, message: &Message) -> Option<store::Prompt> {
    if !message.chat.is_private() || message.text()?.starts_with('/') {
        return None;
    }
    let user = message.from.as_ref()?.id.0 as i64;
    let mut conn = ctx.storage.read.acquire().await.ok()?;
    store::prompt(&mut conn, user).await.ok().flatten()
}

async fn on_captioned_import(ctx: Ctx, message: Message, args: CaptionedImport) -> HandlerResult {
    files::import(&ctx, &message, &args.0).await
}

async fn on_start(ctx: Ctx, message: Message, group: OpenGroup) -> HandlerResult {
    menu::open_group(&ctx, &message, group.0).await
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let Command::Settings(args) = command;
    let args = args.trim();
    let (verb, rest) = args
        .split_once(char::is_whitespace)
        .map_or((args, ""), |(v, r)| (v, r.trim()));
    let private = message.chat.is_private();
    let user_lang = Lang::from_telegram(
        message
            .from
            .as_ref()
            .and_then(|u| u.language_code.as_deref()),
    )
    .unwrap_or_else(|| ctx.default_lang());
    match (verb, private) {
        ("", false) => offer_menu(&ctx, &message).await,
        ("", true) => {
            let Some(user) = message.from.as_ref().map(|u| u.id.0) else {
                return Ok(());
            };
            menu::send_screen(
                &ctx,
                message.chat.id.0,
                user_lang,
                user,
                menu::Screen::Groups,
            )
            .await
        }
        ("export", false) => files::export(&ctx, &message, message.chat.id.0).await,
        ("export", true) => match rest.parse::<i64>() {
            Ok(group) if group < 0 => files::export(&ctx, &message, group).await,
            _ => {
                ctx.reply(&message, ctx.t(user_lang, "settings-usage"));
                Ok(())
            }
        },
        ("import", _) => files::import(&ctx, &message, rest).await,
        _ => {
            let lang = ctx.lang_for(&message).await;
            ctx.reply(&message, ctx.t(lang, "settings-usage"));
            Ok(())
        }
    }
}

/// `/settings` in a group: an admin gets the button into the private menu; anyone else a refusal (once per
/// `moderation.refusal_window`).
async fn offer_menu(ctx: &Ctx, message: &Message) -> HandlerResult {
    let lang = ctx.lang_for(message).await;
    let chat_id = message.chat.id.0;
    let admin = ctx.admins.sender_rights(message).await?.is_some();
    if !admin {
        // Told once per refusal window, like every admin command's refusal; repeats are ignored.
        let sender = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
        if ctx.first_refusal(chat_id, sender) {
            ctx.reply_brief(message, ctx.t(lang, "settings-admins-only"));
        }
        return Ok(());
    }
    let Some(bot_name) = ctx.me.username.as_deref() else {
        return Ok(());
    };
    let link = format!("https://t.me/{bot_name}?start={START_PREFIX}{chat_id}");
    let Ok(url) = reqwest::Url::parse(&link) else {
        return Ok(());
    };
    ctx.outbound.send_text(
        Text::plain(chat_id, ctx.t(lang, "settings-open-private"))
            .reply_to(message)
            .markup(InlineKeyboardMarkup::new([[InlineKeyboardButton::url(
                ctx.t(lang, "settings-open-button"),
                url,
            )]])),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::features::setting_specs;
    use crate::i18n::{I18n, Lang};
    use crate::settings_model::{choice_label, Kind, Section};

    #[test]
    fn every_setting_has_a_unique_key_and_a_default_it_accepts() {
        let config = crate::config::Config::from_toml("", &Default::default()).unwrap();
        let specs = setting_specs();
        for (at, spec) in specs.iter().enumerate() {
            assert!(
                !specs[..at].iter().any(|s| s.key == spec.key),
                "{} is described twice",
                spec.key
            );
            let default = (spec.default)(&config);
            assert_eq!(
                spec.check(default.clone()),
                Ok(default),
                "{}: its default is refused",
                spec.key
            );
        }
    }

    #[test]
    fn every_setting_section_and_choice_is_worded_in_both_languages() {
        let i18n = I18n::shipped();
        let mut ids: Vec<String> = Section::ALL.iter().map(|s| s.label()).collect();
        for spec in setting_specs() {
            ids.push(spec.label());
            if let Kind::Choice(choices) | Kind::Set(choices) = spec.kind {
                ids.extend(choices.iter().map(|c| choice_label(c)));
            }
        }
        for lang in Lang::ALL {
            for id in &ids {
                assert!(i18n.has(lang, id), "{id} has no {} wording", lang.code());
            }
        }
    }
}
