//! The admin commands: switching welcomes, goodbyes and clean mode, setting texts, rules and the quiz,
//! choosing the captcha and anti-raid.

use super::gate::Mode;
use super::store::{Choice, Column};
use super::{choices::*, greeting::*, rules::*};
use super::{gate, store, template};
use super::{is_group, Command};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

pub(super) async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    if !is_group(&message.chat) {
        ctx.reply(&message, ctx.t(lang, "group-only"));
        return Ok(());
    }
    // Every setting of the group needs the change-info right (the creator has every right).
    let right = match &command {
        Command::Rules => None,
        _ => Some(Right::ChangeInfo),
    };
    if let Some(right) = right {
        if let Some(refusal) = ctx.refusal(&message, right, lang).await? {
            ctx.reply(&message, refusal);
            return Ok(());
        }
    }
    let chat_id = message.chat.id.0;
    let reply = match command {
        Command::Rules => return show_rules(&ctx, &message, lang).await,
        Command::Welcome(arg) => match arg.trim() {
            "" => return preview(&ctx, &message, lang).await,
            arg => toggle(&ctx, chat_id, arg, &WELCOME_SWITCH, lang).await?,
        },
        Command::Goodbye(arg) => toggle(&ctx, chat_id, arg.trim(), &GOODBYE_SWITCH, lang).await?,
        Command::CleanWelcome(arg) => {
            toggle(&ctx, chat_id, arg.trim(), &CLEAN_SWITCH, lang).await?
        }
        Command::SetWelcome(text) => {
            set_text(
                &ctx,
                chat_id,
                &text,
                Column::WelcomeText,
                lang,
                "welcome-set",
            )
            .await?
        }
        Command::SetGoodbye(text) => {
            set_text(
                &ctx,
                chat_id,
                &text,
                Column::GoodbyeText,
                lang,
                "welcome-goodbye-set",
            )
            .await?
        }
        Command::SetRules(text) => set_rules(&ctx, chat_id, &text, lang).await?,
        Command::SetQuiz(text) => set_quiz(&ctx, chat_id, &text, lang).await?,
        Command::Captcha(args) => captcha(&ctx, &message, &args, lang).await?,
        Command::AntiRaid(args) => antiraid(&ctx, chat_id, &args, lang).await?,
    };
    ctx.reply_html(&message, reply);
    Ok(())
}

pub(super) fn on_off(arg: &str) -> Option<bool> {
    match arg.to_ascii_lowercase().as_str() {
        "on" | "yes" | "开" | "开启" => Some(true),
        "off" | "no" | "关" | "关闭" => Some(false),
        _ => None,
    }
}

/// An on/off choice: its column and the wording of its answers.
pub(super) struct Switch {
    column: Column,
    on: &'static str,
    off: &'static str,
    usage: &'static str,
}

pub(super) const WELCOME_SWITCH: Switch = Switch {
    column: Column::WelcomeOn,
    on: "welcome-on",
    off: "welcome-off",
    usage: "welcome-usage",
};

pub(super) const GOODBYE_SWITCH: Switch = Switch {
    column: Column::GoodbyeOn,
    on: "welcome-goodbye-on",
    off: "welcome-goodbye-off",
    usage: "welcome-goodbye-usage",
};

pub(super) const CLEAN_SWITCH: Switch = Switch {
    column: Column::CleanWelcome,
    on: "welcome-clean-on",
    off: "welcome-clean-off",
    usage: "welcome-clean-usage",
};

pub(super) async fn toggle(
    ctx: &Ctx,
    chat_id: i64,
    arg: &str,
    switch: &Switch,
    lang: Lang,
) -> crate::Result<String> {
    let Some(wanted) = on_off(arg) else {
        return Ok(escape(&ctx.t(lang, switch.usage)));
    };
    save(ctx, chat_id, switch.column, Choice::Int(wanted as i64)).await?;
    let id = if wanted { switch.on } else { switch.off };
    Ok(escape(&ctx.t(lang, id)))
}

pub(super) fn template_error(ctx: &Ctx, lang: Lang, err: template::TemplateError) -> String {
    use template::TemplateError as E;
    escape(&match err {
        E::Empty => ctx.t(lang, "welcome-text-empty"),
        E::TooLong => ctx.ta(
            lang,
            "welcome-text-too-long",
            &fargs! {"max" => template::MAX_TEMPLATE_CHARS},
        ),
        E::UnknownPlaceholder(name) => ctx.ta(
            lang,
            "welcome-text-unknown-placeholder",
            &fargs! {"name" => name, "known" => template::PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(" ")},
        ),
        E::Unclosed => ctx.t(lang, "welcome-text-unclosed"),
    })
}

pub(super) async fn set_text(
    ctx: &Ctx,
    chat_id: i64,
    text: &str,
    column: Column,
    lang: Lang,
    done: &str,
) -> crate::Result<String> {
    let text = text.trim();
    if let Err(err) = template::validate(text) {
        return Ok(template_error(ctx, lang, err));
    }
    save(ctx, chat_id, column, Choice::Text(Some(text.to_string()))).await?;
    Ok(escape(&ctx.t(lang, done)))
}

/// The longest rules text, in characters.
pub(super) const MAX_RULES_CHARS: usize = 3500;

pub(super) async fn set_rules(
    ctx: &Ctx,
    chat_id: i64,
    text: &str,
    lang: Lang,
) -> crate::Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(escape(&ctx.t(lang, "welcome-rules-empty")));
    }
    if text.chars().count() > MAX_RULES_CHARS {
        return Ok(escape(&ctx.ta(
            lang,
            "welcome-text-too-long",
            &fargs! {"max" => MAX_RULES_CHARS},
        )));
    }
    save(
        ctx,
        chat_id,
        Column::Rules,
        Choice::Text(Some(text.to_string())),
    )
    .await?;
    Ok(escape(&ctx.t(lang, "welcome-rules-set")))
}

pub(super) async fn set_quiz(
    ctx: &Ctx,
    chat_id: i64,
    text: &str,
    lang: Lang,
) -> crate::Result<String> {
    use gate::QuizError as E;
    let quiz = match gate::parse_quiz(text) {
        Ok(quiz) => quiz,
        Err(err) => {
            let id = match err {
                E::NoQuestion => "welcome-quiz-no-question",
                E::NoRightAnswer => "welcome-quiz-no-right",
                E::NoWrongAnswer => "welcome-quiz-no-wrong",
                E::TooManyAnswers => "welcome-quiz-too-many",
                E::AnswerTooLong | E::QuestionTooLong => "welcome-quiz-too-long",
                E::DuplicateAnswer => "welcome-quiz-duplicate",
            };
            return Ok(format!(
                "{}\n{}",
                escape(&ctx.t(lang, id)),
                escape(&ctx.t(lang, "welcome-quiz-usage"))
            ));
        }
    };
    let mut tx = ctx.storage.write.begin().await?;
    store::set(
        &mut tx,
        chat_id,
        Column::QuizQuestion,
        Choice::Text(Some(quiz.question.clone())),
    )
    .await?;
    store::set(
        &mut tx,
        chat_id,
        Column::QuizAnswers,
        Choice::Text(Some(quiz.stored_answers())),
    )
    .await?;
    tx.commit().await?;
    Ok(escape(&ctx.ta(
        lang,
        "welcome-quiz-set",
        &fargs! {"count" => quiz.wrong.len() + 1},
    )))
}

pub(super) async fn captcha(
    ctx: &Ctx,
    message: &Message,
    args: &str,
    lang: Lang,
) -> crate::Result<String> {
    let chat_id = message.chat.id.0;
    let words: Vec<&str> = args.split_whitespace().collect();
    let choices = load_choices(ctx, chat_id).await?;
    if words.is_empty() {
        let mode = mode_of(ctx, &choices);
        return Ok(escape(&ctx.ta(
            lang,
            "welcome-captcha-status",
            &fargs! {"mode" => ctx.t(lang, &format!("welcome-mode-{}", mode.name())), "seconds" => timeout_of(ctx, &choices)},
        )));
    }
    let usage = || escape(&ctx.t(lang, "welcome-captcha-usage"));
    let Some(mode) = Mode::parse(words[0]) else {
        return Ok(usage());
    };
    if words.len() > 2 {
        return Ok(usage());
    }
    let timeout = match words.get(1) {
        None => None,
        Some(text) => match gate::parse_timeout(text) {
            Some(secs) => Some(secs as i64),
            None => return Ok(escape(&ctx.t(lang, "welcome-timeout-range"))),
        },
    };
    if mode != Mode::Off {
        if !message.chat.is_supergroup() {
            return Ok(escape(&ctx.t(lang, "welcome-needs-supergroup")));
        }
        if let Some(lack) = ctx.bot_lacks(chat_id, &[Right::Restrict], lang).await? {
            return Ok(escape(&lack));
        }
        if mode == Mode::Quiz && quiz_of(&choices).is_none() {
            return Ok(format!(
                "{}\n{}",
                escape(&ctx.t(lang, "welcome-captcha-no-quiz")),
                escape(&ctx.t(lang, "welcome-quiz-usage"))
            ));
        }
    }
    let mut tx = ctx.storage.write.begin().await?;
    store::set(
        &mut tx,
        chat_id,
        Column::CaptchaMode,
        Choice::Text(Some(mode.name().into())),
    )
    .await?;
    if let Some(secs) = timeout {
        store::set(&mut tx, chat_id, Column::CaptchaTimeout, Choice::Int(secs)).await?;
    }
    tx.commit().await?;
    if mode == Mode::Off {
        return Ok(escape(&ctx.t(lang, "welcome-captcha-off")));
    }
    Ok(escape(&ctx.ta(
        lang,
        "welcome-captcha-set",
        &fargs! {"mode" => ctx.t(lang, &format!("welcome-mode-{}", mode.name())), "seconds" => timeout.unwrap_or(timeout_of(ctx, &choices))},
    )))
}

pub(super) async fn antiraid(
    ctx: &Ctx,
    chat_id: i64,
    args: &str,
    lang: Lang,
) -> crate::Result<String> {
    let words: Vec<&str> = args.split_whitespace().collect();
    let now = ctx.now();
    let choices = load_choices(ctx, chat_id).await?;
    let usage = || escape(&ctx.t(lang, "welcome-antiraid-usage"));
    match words.as_slice() {
        [] => {
            let (joins, seconds) = raid_rule_of(ctx, &choices);
            let state = if choices.raid_until > now {
                ctx.ta(
                    lang,
                    "welcome-raid-status-on",
                    &fargs! {"minutes" => (choices.raid_until - now + 59) / 60},
                )
            } else {
                ctx.t(lang, "welcome-raid-status-off")
            };
            Ok(escape(&format!(
                "{state}\n{}",
                ctx.ta(
                    lang,
                    "welcome-raid-rule",
                    &fargs! {"joins" => joins, "seconds" => seconds}
                )
            )))
        }
        ["on"] | ["on", _] => {
            let minutes = match words.get(1) {
                None => (ctx.config.welcome.raid_duration.get().as_secs() / 60) as i64,
                Some(text) => match text.trim_end_matches('m').parse::<i64>() {
                    Ok(m) if (1..=1440).contains(&m) => m,
                    _ => return Ok(escape(&ctx.t(lang, "welcome-raid-minutes-range"))),
                },
            };
            save(
                ctx,
                chat_id,
                Column::RaidUntil,
                Choice::Int(now + minutes * 60),
            )
            .await?;
            Ok(escape(&ctx.ta(
                lang,
                "welcome-raid-manual-on",
                &fargs! {"minutes" => minutes},
            )))
        }
        ["off"] => {
            save(ctx, chat_id, Column::RaidUntil, Choice::Int(0)).await?;
            Ok(escape(&ctx.t(lang, "welcome-raid-off")))
        }
        ["auto", joins, seconds] => {
            let joins = joins.parse::<i64>().ok().filter(|j| (2..=1000).contains(j));
            let seconds = seconds
                .trim_end_matches('s')
                .parse::<i64>()
                .ok()
                .filter(|s| (5..=3600).contains(s));
            let (Some(joins), Some(seconds)) = (joins, seconds) else {
                return Ok(escape(&ctx.t(lang, "welcome-raid-auto-range")));
            };
            let mut tx = ctx.storage.write.begin().await?;
            store::set(&mut tx, chat_id, Column::RaidJoins, Choice::Int(joins)).await?;
            store::set(&mut tx, chat_id, Column::RaidWindow, Choice::Int(seconds)).await?;
            tx.commit().await?;
            Ok(escape(&ctx.ta(
                lang,
                "welcome-raid-rule",
                &fargs! {"joins" => joins, "seconds" => seconds},
            )))
        }
        _ => Ok(usage()),
    }
}

pub(super) async fn preview(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    let chat_id = message.chat.id.0;
    let choices = load_choices(ctx, chat_id).await?;
    let Some(sender) = message.from.as_ref() else {
        return Ok(());
    };
    let (html, markup) = welcome_message(ctx, chat_id, &choices, &[queued(sender)], lang).await?;
    let flag = |on: bool| {
        ctx.t(
            lang,
            if on {
                "welcome-state-on"
            } else {
                "welcome-state-off"
            },
        )
    };
    let status = ctx.ta(
        lang,
        "welcome-status",
        &fargs! {
            "welcome" => flag(choices.welcome_on),
            "goodbye" => flag(choices.goodbye_on),
            "clean" => flag(choices.clean_welcome),
            "mode" => ctx.t(lang, &format!("welcome-mode-{}", mode_of(ctx, &choices).name())),
            "seconds" => timeout_of(ctx, &choices),
        },
    );
    ctx.outbound.send_text(
        Text::html(chat_id, format!("{}\n\n{html}", escape(&status)))
            .reply_to(message)
            .markup(markup),
    );
    Ok(())
}
