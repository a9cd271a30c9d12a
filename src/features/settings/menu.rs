//! The `/settings` menu in a private chat: the admin's groups, then a group's sections, then its settings,
//! then one setting with its toggle, choices or a question to answer as a reply. Every screen edits the
//! same message and has a back button. Every change re-reads the admin's rights in the group with
//! `getChatMember` at that moment; a setting the admin's rights do not allow is shown, and a press on it
//! says which right is needed.
//!
//! Button data is `st:<what>:<group>[:<setting>[:<choice>]]`, with settings and sections by their index in
//! the model (at most about 30 bytes, under Telegram's 64). It is checked against the model and the
//! admin's rights on every press, never trusted.

use super::access::rights_now;
use super::apply::{self, Source};
use super::display::{refusal, shown, PREFIX};
use super::store::{self, Prompt};
use crate::fargs;
use crate::features::setting_specs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::settings_model::{choice_label, Kind, Section, Spec, Value};
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

/// The most groups listed.
const MAX_GROUPS: usize = 30;

/// A screen of the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Screen {
    /// The groups the admin manages.
    Groups,
    /// A group's sections.
    Group(i64),
    /// A section's settings (by the section's index).
    Section(i64, usize),
    /// One setting (by its index in the model).
    Setting(i64, usize),
}

/// What a button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Press {
    Show(Screen),
    /// Flip a switch, take a choice or toggle a member of a set; the last field says whether the press
    /// came from a section's list (the menu stays on the section) rather than the setting's own screen.
    Pick(i64, usize, usize, bool),
    /// Ask for a typed value.
    Ask(i64, usize),
    /// Back to the default.
    Reset(i64, usize),
    /// Apply a waiting import, or drop it.
    Import(i64, bool),
}

fn parse(data: &str) -> Option<Press> {
    let rest = data.strip_prefix(PREFIX)?;
    let parts: Vec<&str> = rest.split(':').collect();
    let num = |at: usize| parts.get(at).and_then(|p| p.parse::<i64>().ok());
    let index = |at: usize| parts.get(at).and_then(|p| p.parse::<usize>().ok());
    Some(match parts.first().copied()? {
        "l" => Press::Show(Screen::Groups),
        "g" => Press::Show(Screen::Group(num(1)?)),
        "s" => Press::Show(Screen::Section(num(1)?, index(2)?)),
        "k" => Press::Show(Screen::Setting(num(1)?, index(2)?)),
        "v" => Press::Pick(num(1)?, index(2)?, index(3)?, false),
        "t" => Press::Pick(num(1)?, index(2)?, 0, true),
        "a" => Press::Ask(num(1)?, index(2)?),
        "d" => Press::Reset(num(1)?, index(2)?),
        "i" => Press::Import(num(1)?, true),
        "x" => Press::Import(num(1)?, false),
        _ => return None,
    })
}

fn button(label: impl Into<String>, data: String) -> InlineKeyboardButton {
    debug_assert!(data.len() <= 64, "callback data over 64 bytes: {data}");
    InlineKeyboardButton::callback(label.into(), data)
}

/// The language the menu speaks for a group: the group's.
async fn lang_of(ctx: &Ctx, chat_id: i64) -> Lang {
    ctx.group_lang(chat_id).await
}

fn right_words(ctx: &Ctx, lang: Lang, right: Right) -> String {
    ctx.t(lang, &format!("right-{}", right.name()))
}

fn sections() -> Vec<Section> {
    let specs = setting_specs();
    Section::ALL
        .into_iter()
        .filter(|section| specs.iter().any(|s| s.section == *section))
        .collect()
}

/// A screen's text (HTML) and buttons, in `lang`.
pub(super) async fn render(
    ctx: &Ctx,
    lang: Lang,
    user: u64,
    screen: Screen,
) -> crate::Result<(String, InlineKeyboardMarkup)> {
    let specs = setting_specs();
    let title = |chat_id: i64| async move {
        ctx.groups
            .get(&ctx.storage, chat_id)
            .await
            .ok()
            .flatten()
            .map(|g| g.title.clone())
            .unwrap_or_else(|| chat_id.to_string())
    };
    Ok(match screen {
        Screen::Groups => {
            let groups = crate::facts::admin_groups(ctx, user, MAX_GROUPS).await?;
            let text = if groups.is_empty() {
                ctx.t_html(lang, "settings-groups-none")
            } else {
                ctx.t_html(lang, "settings-groups-title")
            };
            let rows = groups
                .into_iter()
                .map(|(chat_id, title)| vec![button(title, format!("{PREFIX}g:{chat_id}"))]);
            (text, InlineKeyboardMarkup::new(rows))
        }
        Screen::Group(chat_id) => {
            let text = format!(
                "<b>{}</b>\n{}",
                escape(&title(chat_id).await),
                ctx.t_html(lang, "settings-group-title")
            );
            let mut rows: Vec<Vec<InlineKeyboardButton>> = sections()
                .into_iter()
                .enumerate()
                .map(|(at, section)| {
                    vec![button(
                        ctx.t(lang, &section.label()),
                        format!("{PREFIX}s:{chat_id}:{at}"),
                    )]
                })
                .collect();
            rows.push(vec![button(
                ctx.t(lang, "settings-back"),
                format!("{PREFIX}l"),
            )]);
            (text, InlineKeyboardMarkup::new(rows))
        }
        Screen::Section(chat_id, at) => {
            let Some(section) = sections().get(at).copied() else {
                return Box::pin(render(ctx, lang, user, Screen::Group(chat_id))).await;
            };
            let values = apply::current(ctx, chat_id).await?;
            let text = format!(
                "<b>{}</b> · {}\n{}",
                escape(&title(chat_id).await),
                escape(&ctx.t(lang, &section.label())),
                ctx.t_html(lang, "settings-section-hint")
            );
            let mut rows = Vec::new();
            for (index, spec) in specs.iter().enumerate() {
                if spec.section != section {
                    continue;
                }
                let Some((_, value)) = values.iter().find(|(s, _)| s.key == spec.key) else {
                    continue;
                };
                let label = ctx.t(lang, &spec.label());
                let row = match value {
                    Value::Bool(on) => button(
                        format!("{} {label}", if *on { "✅" } else { "❌" }),
                        format!("{PREFIX}t:{chat_id}:{index}"),
                    ),
                    _ => button(
                        ctx.ta(
                            lang,
                            "settings-line",
                            &fargs! {"setting" => label, "value" => shown(ctx, lang, spec, value)},
                        ),
                        format!("{PREFIX}k:{chat_id}:{index}"),
                    ),
                };
                rows.push(vec![row]);
            }
            rows.push(vec![button(
                ctx.t(lang, "settings-back"),
                format!("{PREFIX}g:{chat_id}"),
            )]);
            (text, InlineKeyboardMarkup::new(rows))
        }
        Screen::Setting(chat_id, index) => {
            let Some(spec) = specs.get(index).copied() else {
                return Box::pin(render(ctx, lang, user, Screen::Group(chat_id))).await;
            };
            let value = apply::value_of(ctx, chat_id, spec.key)
                .await?
                .map(|(_, v)| v)
                .unwrap_or_else(|| (spec.default)(&ctx.config));
            let section_at = sections()
                .iter()
                .position(|s| *s == spec.section)
                .unwrap_or(0);
            let mut text = format!(
                "<b>{}</b>\n{}",
                escape(&ctx.t(lang, &spec.label())),
                escape(&ctx.ta(
                    lang,
                    "settings-current",
                    &fargs! {"value" => shown(ctx, lang, spec, &value)}
                ))
            );
            if let Some(hint) = hint(ctx, lang, spec) {
                text.push('\n');
                text.push_str(&escape(&hint));
            }
            text.push('\n');
            text.push_str(&escape(&ctx.ta(
                lang,
                "settings-right",
                &fargs! {"right" => right_words(ctx, lang, spec.right)},
            )));
            let mut rows = Vec::new();
            match (spec.kind, &value) {
                (Kind::Bool, Value::Bool(on)) => rows.push(vec![button(
                    ctx.t(
                        lang,
                        if *on {
                            "settings-turn-off"
                        } else {
                            "settings-turn-on"
                        },
                    ),
                    format!("{PREFIX}v:{chat_id}:{index}:0"),
                )]),
                (Kind::Choice(choices), _) => {
                    for (at, choice) in choices.iter().enumerate() {
                        let chosen = value == Value::Text((*choice).to_owned());
                        rows.push(vec![button(
                            format!(
                                "{}{}",
                                if chosen { "• " } else { "" },
                                ctx.t(lang, &choice_label(choice))
                            ),
                            format!("{PREFIX}v:{chat_id}:{index}:{at}"),
                        )]);
                    }
                }
                (Kind::Set(choices), Value::List(items)) => {
                    for (at, choice) in choices.iter().enumerate() {
                        let on = items.iter().any(|i| i == choice);
                        rows.push(vec![button(
                            format!(
                                "{} {}",
                                if on { "✅" } else { "▫️" },
                                ctx.t(lang, &choice_label(choice))
                            ),
                            format!("{PREFIX}v:{chat_id}:{index}:{at}"),
                        )]);
                    }
                }
                _ => rows.push(vec![button(
                    ctx.t(lang, "settings-change"),
                    format!("{PREFIX}a:{chat_id}:{index}"),
                )]),
            }
            if !matches!(spec.kind, Kind::Bool) {
                rows.push(vec![button(
                    ctx.t(lang, "settings-reset"),
                    format!("{PREFIX}d:{chat_id}:{index}"),
                )]);
            }
            rows.push(vec![button(
                ctx.t(lang, "settings-back"),
                format!("{PREFIX}s:{chat_id}:{section_at}"),
            )]);
            (text, InlineKeyboardMarkup::new(rows))
        }
    })
}

/// What may be typed for a setting, when the kind has limits worth saying.
fn hint(ctx: &Ctx, lang: Lang, spec: &Spec) -> Option<String> {
    Some(match spec.kind {
        Kind::Number { min, max } => ctx.ta(
            lang,
            "settings-hint-number",
            &fargs! {"min" => min, "max" => max},
        ),
        Kind::Duration { min, max } => ctx.ta(
            lang,
            "settings-hint-duration",
            &fargs! {
                "min" => ctx.duration(lang, std::time::Duration::from_secs(min as u64)),
                "max" => ctx.duration(lang, std::time::Duration::from_secs(max as u64)),
            },
        ),
        Kind::Text { max_chars } => {
            ctx.ta(lang, "settings-hint-text", &fargs! {"max" => max_chars})
        }
        Kind::TimeZone => ctx.t(lang, "settings-hint-zone"),
        _ => return None,
    })
}

/// Sends a screen as a new message in a private chat (the message later screens edit).
pub(super) async fn send_screen(
    ctx: &Ctx,
    private: i64,
    lang: Lang,
    user: u64,
    screen: Screen,
) -> HandlerResult {
    let (text, markup) = render(ctx, lang, user, screen).await?;
    ctx.outbound
        .send_text(Text::html(private, text).markup(markup));
    Ok(())
}

/// Shows a screen in place of the menu message.
async fn edit_screen(
    ctx: &Ctx,
    private: i64,
    message_id: MessageId,
    lang: Lang,
    user: u64,
    screen: Screen,
) -> crate::Result<()> {
    let (text, markup) = render(ctx, lang, user, screen).await?;
    ctx.outbound
        .edit_text(private, message_id, text, true, Some(markup));
    Ok(())
}

/// Opens a group's menu in private (from `/start settings_<group>`), if the sender is its admin now.
pub(super) async fn open_group(ctx: &Ctx, message: &Message, chat_id: i64) -> HandlerResult {
    let Some(user) = message.from.as_ref() else {
        return Ok(());
    };
    let lang = lang_of(ctx, chat_id).await;
    if rights_now(ctx, chat_id, user.id.0).await.is_none() {
        ctx.reply(message, ctx.t(lang, "settings-not-admin"));
        return Ok(());
    }
    send_screen(
        ctx,
        message.chat.id.0,
        lang,
        user.id.0,
        Screen::Group(chat_id),
    )
    .await
}

/// A press on a menu button.
pub(super) async fn on_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let user_lang = Lang::from_telegram(query.from.language_code.as_deref())
        .unwrap_or_else(|| ctx.default_lang());
    let Some(menu) = query.regular_message().cloned() else {
        return Ok(());
    };
    let private = menu.chat.id.0;
    let user = query.from.id.0;
    let Some(press) = query.data.as_deref().and_then(parse) else {
        ctx.outbound
            .answer_press(&query, ctx.t(user_lang, "settings-gone"), true);
        return Ok(());
    };
    if private != user as i64 {
        // The menu lives in the admin's private chat only.
        ctx.outbound
            .answer_press(&query, ctx.t(user_lang, "settings-gone"), true);
        return Ok(());
    }
    let group = match press {
        Press::Show(Screen::Groups) => None,
        Press::Show(Screen::Group(g) | Screen::Section(g, _) | Screen::Setting(g, _))
        | Press::Pick(g, _, _, _)
        | Press::Ask(g, _)
        | Press::Reset(g, _) => Some(g),
        Press::Import(id, apply) => {
            return super::files::on_import_press(&ctx, &query, id, apply).await
        }
    };
    let lang = match group {
        Some(g) => lang_of(&ctx, g).await,
        None => user_lang,
    };
    let Some(group) = group else {
        ctx.outbound.answer_press(&query, String::new(), false);
        edit_screen(&ctx, private, menu.id, lang, user, Screen::Groups).await?;
        return Ok(());
    };
    let Some(rights) = rights_now(&ctx, group, user).await else {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "settings-not-admin"), true);
        return Ok(());
    };
    let specs = setting_specs();
    let target = |index: usize| specs.get(index).copied();
    match press {
        Press::Show(screen) => {
            ctx.outbound.answer_press(&query, String::new(), false);
            edit_screen(&ctx, private, menu.id, lang, user, screen).await?;
        }
        Press::Pick(_, index, _, _) | Press::Reset(_, index) if target(index).is_some() => {
            let spec = target(index).expect("checked above");
            if !rights.has(spec.right) {
                ctx.outbound
                    .answer_press(&query, needs(&ctx, lang, spec), true);
                return Ok(());
            }
            let new = match press {
                Press::Pick(_, _, choice, _) => {
                    let current = apply::value_of(&ctx, group, spec.key)
                        .await?
                        .map(|(_, v)| v);
                    current
                        .and_then(|value| crate::settings_model::press(spec.kind, &value, choice))
                }
                _ => Some((spec.default)(&ctx.config)),
            };
            let Some(new) = new else {
                ctx.outbound
                    .answer_press(&query, ctx.t(lang, "settings-gone"), true);
                return Ok(());
            };
            let checked = match spec.check(new) {
                Ok(value) => apply::allowed(&ctx, group, spec, &value)
                    .await?
                    .map(|()| value),
                Err(why) => Err(why),
            };
            match checked {
                Ok(value) => {
                    apply::change(&ctx, group, spec, value, user as i64, Source::Menu).await?;
                    // The group's language may have just changed: speak the new one.
                    let lang = lang_of(&ctx, group).await;
                    ctx.outbound
                        .answer_press(&query, ctx.t(lang, "settings-saved"), false);
                    let back_to = if matches!(press, Press::Pick(_, _, _, true)) {
                        let at = sections()
                            .iter()
                            .position(|s| *s == spec.section)
                            .unwrap_or(0);
                        Screen::Section(group, at)
                    } else {
                        Screen::Setting(group, index)
                    };
                    edit_screen(&ctx, private, menu.id, lang, user, back_to).await?;
                }
                Err(why) => {
                    ctx.outbound
                        .answer_press(&query, refusal(&ctx, lang, &why), true);
                }
            }
        }
        Press::Ask(_, index) if target(index).is_some() => {
            let spec = target(index).expect("checked above");
            if !rights.has(spec.right) {
                ctx.outbound
                    .answer_press(&query, needs(&ctx, lang, spec), true);
                return Ok(());
            }
            ctx.outbound.answer_press(&query, String::new(), false);
            let mut question = ctx.ta(
                lang,
                "settings-ask",
                &fargs! {"setting" => ctx.t(lang, &spec.label())},
            );
            if let Some(hint) = hint(&ctx, lang, spec) {
                question.push('\n');
                question.push_str(&hint);
            }
            let asked = ctx
                .outbound
                .ask_for_reply(private, escape(&question), ctx.t(lang, &spec.label()))
                .wait()
                .await?;
            let mut conn = ctx.storage.write.acquire().await?;
            store::put_prompt(
                &mut conn,
                &Prompt {
                    user_id: user as i64,
                    chat_id: group,
                    key: spec.key.to_owned(),
                    menu_message_id: i64::from(menu.id.0),
                    prompt_message_id: i64::from(asked.id.0),
                },
                ctx.now(),
            )
            .await?;
        }
        _ => {
            ctx.outbound
                .answer_press(&query, ctx.t(lang, "settings-gone"), true);
        }
    }
    Ok(())
}

fn needs(ctx: &Ctx, lang: Lang, spec: &Spec) -> String {
    ctx.ta(
        lang,
        "settings-needs-right",
        &fargs! {"right" => right_words(ctx, lang, spec.right)},
    )
}

/// The admin's reply to a question: checked, stored through the model, and the menu brought back; a
/// refused value is explained and nothing changes (the question stays open).
pub(super) async fn on_answer(ctx: Ctx, message: Message, prompt: Prompt) -> HandlerResult {
    let lang = lang_of(&ctx, prompt.chat_id).await;
    let Some(spec) = setting_specs().into_iter().find(|s| s.key == prompt.key) else {
        let mut conn = ctx.storage.write.acquire().await?;
        store::drop_prompt(&mut conn, prompt.user_id).await?;
        return Ok(());
    };
    let text = message.text().unwrap_or_default();
    let value = match spec.parse_input(text) {
        Ok(value) => value,
        Err(why) => {
            ctx.reply(
                &message,
                format!(
                    "{}\n{}",
                    refusal(&ctx, lang, &why),
                    ctx.t(lang, "settings-try-again")
                ),
            );
            return Ok(());
        }
    };
    if let Err(why) = apply::allowed(&ctx, prompt.chat_id, spec, &value).await? {
        ctx.reply(
            &message,
            format!(
                "{}\n{}",
                refusal(&ctx, lang, &why),
                ctx.t(lang, "settings-try-again")
            ),
        );
        return Ok(());
    }
    let user = prompt.user_id as u64;
    match rights_now(&ctx, prompt.chat_id, user).await {
        Some(rights) if rights.has(spec.right) => {}
        Some(_) => {
            ctx.reply(&message, needs(&ctx, lang, spec));
            return Ok(());
        }
        None => {
            ctx.reply(&message, ctx.t(lang, "settings-not-admin"));
            return Ok(());
        }
    }
    apply::change(
        &ctx,
        prompt.chat_id,
        spec,
        value,
        prompt.user_id,
        Source::Menu,
    )
    .await?;
    {
        let mut conn = ctx.storage.write.acquire().await?;
        store::drop_prompt(&mut conn, prompt.user_id).await?;
    }
    let lang = lang_of(&ctx, prompt.chat_id).await;
    ctx.reply(&message, ctx.t(lang, "settings-saved"));
    let index = setting_specs()
        .iter()
        .position(|s| s.key == spec.key)
        .unwrap_or(0);
    edit_screen(
        &ctx,
        message.chat.id.0,
        MessageId(prompt.menu_message_id as i32),
        lang,
        user,
        Screen::Setting(prompt.chat_id, index),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_button_of_the_largest_group_id_fits_in_64_bytes() {
        let chat = i64::MIN;
        let last = setting_specs().len() - 1;
        let longest = format!("{PREFIX}v:{chat}:{last}:{}", 99);
        assert!(longest.len() <= 64, "{longest}");
        assert_eq!(parse(&longest), Some(Press::Pick(chat, last, 99, false)));
    }

    #[test]
    fn forged_button_data_is_not_read() {
        assert_eq!(parse("st:v:-100:x:1"), None);
        assert_eq!(parse("st:zz"), None);
        assert_eq!(parse("pg:1:2"), None);
        assert_eq!(parse("st:g:-100"), Some(Press::Show(Screen::Group(-100))));
    }
}
