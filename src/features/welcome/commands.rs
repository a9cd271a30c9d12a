//! The admin commands: switching welcomes, goodbyes and clean mode, setting texts, rules and the quiz,
//! choosing the captcha and anti-raid. Each answers through [`Call`]; `/rules` is in rules.rs.

use super::gate::Mode;
use super::store::{Choice, Column};
use super::{choices::*, greeting::*, rules::*};
use super::{gate, store, template};
use super::{is_group, Command};
use crate::args::{parse_duration_in, BareUnit};
use crate::fargs;
use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

/// The longest rules text, in characters.
const MAX_RULES_CHARS: usize = 3500;

/// The longest manual raid mode, in minutes.
const MAX_RAID_MINUTES: u64 = 1440;

pub(super) async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    if !is_group(&message.chat) {
        call.say(call.t("group-only"));
        return Ok(());
    }
    // Every setting of the group needs the change-info right (the creator has every right).
    if !matches!(command, Command::Rules) && !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let reply = match command {
        Command::Rules => return show_rules(&call).await,
        Command::Welcome(arg) => match arg.trim() {
            "" => return preview(&call).await,
            arg => toggle(&call, arg, &WELCOME_SWITCH).await?,
        },
        Command::Goodbye(arg) => toggle(&call, arg.trim(), &GOODBYE_SWITCH).await?,
        Command::CleanWelcome(arg) => toggle(&call, arg.trim(), &CLEAN_SWITCH).await?,
        Command::SetWelcome(text) => {
            set_text(&call, &text, Column::WelcomeText, "welcome-set").await?
        }
        Command::SetGoodbye(text) => {
            set_text(&call, &text, Column::GoodbyeText, "welcome-goodbye-set").await?
        }
        Command::SetRules(text) => set_rules(&call, &text).await?,
        Command::SetQuiz(text) => set_quiz(&call, &text).await?,
        Command::Captcha(args) => captcha(&call, &args).await?,
        Command::AntiRaid(args) => antiraid(&call, &args).await?,
    };
    call.say_html(reply);
    Ok(())
}

fn on_off(arg: &str) -> Option<bool> {
    match arg.to_ascii_lowercase().as_str() {
        "on" | "yes" | "开" | "开启" => Some(true),
        "off" | "no" | "关" | "关闭" => Some(false),
        _ => None,
    }
}

/// An on/off choice: its key in the settings model (the change goes through it) and the wording of its
/// answers.
struct Switch {
    key: &'static str,
    on: &'static str,
    off: &'static str,
    usage: &'static str,
}

const WELCOME_SWITCH: Switch = Switch {
    key: "welcome.on",
    on: "welcome-on",
    off: "welcome-off",
    usage: "welcome-usage",
};

const GOODBYE_SWITCH: Switch = Switch {
    key: "welcome.goodbye_on",
    on: "welcome-goodbye-on",
    off: "welcome-goodbye-off",
    usage: "welcome-goodbye-usage",
};

const CLEAN_SWITCH: Switch = Switch {
    key: "welcome.clean",
    on: "welcome-clean-on",
    off: "welcome-clean-off",
    usage: "welcome-clean-usage",
};

async fn toggle(call: &Call<'_>, arg: &str, switch: &Switch) -> crate::Result<String> {
    let Some(wanted) = on_off(arg) else {
        return Ok(call.t_html(switch.usage));
    };
    crate::features::changes::change_key(
        call.ctx,
        call.chat_id,
        switch.key,
        crate::settings_model::Value::Bool(wanted),
        call.sender_id(),
        crate::features::changes::Source::Command,
    )
    .await?;
    Ok(call.t_html(if wanted { switch.on } else { switch.off }))
}

fn template_error(call: &Call<'_>, err: template::TemplateError) -> String {
    use template::TemplateError as E;
    escape(&match err {
        E::Empty => call.t("welcome-text-empty"),
        E::TooLong => call.ta(
            "welcome-text-too-long",
            &fargs! {"max" => template::MAX_TEMPLATE_CHARS},
        ),
        E::UnknownPlaceholder(name) => call.ta(
            "welcome-text-unknown-placeholder",
            &fargs! {"name" => name, "known" => template::PLACEHOLDERS.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(" ")},
        ),
        E::Unclosed => call.t("welcome-text-unclosed"),
    })
}

async fn set_text(
    call: &Call<'_>,
    text: &str,
    column: Column,
    done: &str,
) -> crate::Result<String> {
    let text = text.trim();
    if let Err(err) = template::validate(text) {
        return Ok(template_error(call, err));
    }
    save(
        call.ctx,
        call.chat_id,
        column,
        Choice::Text(Some(text.to_string())),
    )
    .await?;
    Ok(call.t_html(done))
}

async fn set_rules(call: &Call<'_>, text: &str) -> crate::Result<String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(call.t_html("welcome-rules-empty"));
    }
    if text.chars().count() > MAX_RULES_CHARS {
        return Ok(escape(
            &call.ta("welcome-text-too-long", &fargs! {"max" => MAX_RULES_CHARS}),
        ));
    }
    save(
        call.ctx,
        call.chat_id,
        Column::Rules,
        Choice::Text(Some(text.to_string())),
    )
    .await?;
    Ok(call.t_html("welcome-rules-set"))
}

async fn set_quiz(call: &Call<'_>, text: &str) -> crate::Result<String> {
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
                call.t_html(id),
                call.t_html("welcome-quiz-usage")
            ));
        }
    };
    let mut tx = call.ctx.storage.write.begin().await?;
    store::set(
        &mut tx,
        call.chat_id,
        Column::QuizQuestion,
        Choice::Text(Some(quiz.question.clone())),
    )
    .await?;
    store::set(
        &mut tx,
        call.chat_id,
        Column::QuizAnswers,
        Choice::Text(Some(quiz.stored_answers())),
    )
    .await?;
    tx.commit().await?;
    Ok(escape(&call.ta(
        "welcome-quiz-set",
        &fargs! {"count" => quiz.wrong.len() + 1},
    )))
}

async fn captcha(call: &Call<'_>, args: &str) -> crate::Result<String> {
    let (ctx, chat_id) = (call.ctx, call.chat_id);
    let words: Vec<&str> = args.split_whitespace().collect();
    let choices = load_choices(ctx, chat_id).await?;
    if words.is_empty() {
        let mode = mode_of(ctx, &choices);
        return Ok(escape(&call.ta(
            "welcome-captcha-status",
            &fargs! {"mode" => call.t(&format!("welcome-mode-{}", mode.name())), "seconds" => timeout_of(ctx, &choices)},
        )));
    }
    // `/captcha 90` changes only the time to answer, keeping the group's check.
    let (mode, timeout_word) = match Mode::parse(words[0]) {
        Some(mode) if words.len() <= 2 => (mode, words.get(1)),
        None if words.len() == 1 && crate::args::looks_like_duration(words[0]) => {
            (mode_of(ctx, &choices), words.first())
        }
        _ => return Ok(call.t_html("welcome-captcha-usage")),
    };
    let timeout = match timeout_word {
        None => None,
        Some(text) => match gate::parse_timeout(text) {
            Some(secs) => Some(secs as i64),
            None => return Ok(call.t_html("welcome-timeout-range")),
        },
    };
    if mode != Mode::Off {
        if !call.message.chat.is_supergroup() {
            return Ok(call.t_html("welcome-needs-supergroup"));
        }
        if let Some(lack) = ctx
            .bot_lacks(chat_id, &[Right::Restrict], call.lang)
            .await?
        {
            return Ok(escape(&lack));
        }
        if mode == Mode::Quiz && quiz_of(&choices).is_none() {
            return Ok(format!(
                "{}\n{}",
                call.t_html("welcome-captcha-no-quiz"),
                call.t_html("welcome-quiz-usage")
            ));
        }
    }
    let mut tx = ctx.storage.write.begin().await?;
    store::set(&mut tx, chat_id, Column::CaptchaMode, Choice::Mode(mode)).await?;
    if let Some(secs) = timeout {
        store::set(&mut tx, chat_id, Column::CaptchaTimeout, Choice::Int(secs)).await?;
    }
    tx.commit().await?;
    if mode == Mode::Off {
        return Ok(call.t_html("welcome-captcha-off"));
    }
    Ok(escape(&call.ta(
        "welcome-captcha-set",
        &fargs! {"mode" => call.t(&format!("welcome-mode-{}", mode.name())), "seconds" => timeout.unwrap_or(timeout_of(ctx, &choices))},
    )))
}

/// The length of a manual raid mode: whole minutes from 1 to a day, where a bare number means minutes
/// (`30`, `30m`, `2h`).
fn raid_minutes(text: &str) -> Option<i64> {
    let secs = parse_duration_in(text, BareUnit::Minutes).ok()?.as_secs();
    let minutes = secs / 60;
    (secs % 60 == 0 && (1..=MAX_RAID_MINUTES).contains(&minutes)).then_some(minutes as i64)
}

async fn antiraid(call: &Call<'_>, args: &str) -> crate::Result<String> {
    let (ctx, chat_id) = (call.ctx, call.chat_id);
    let words: Vec<&str> = args.split_whitespace().collect();
    let now = ctx.now();
    let choices = load_choices(ctx, chat_id).await?;
    match words.as_slice() {
        [] => {
            let (joins, seconds) = raid_rule_of(ctx, &choices);
            let state = if choices.raid_until > now {
                call.ta(
                    "welcome-raid-status-on",
                    &fargs! {"minutes" => (choices.raid_until - now + 59) / 60},
                )
            } else {
                call.t("welcome-raid-status-off")
            };
            Ok(escape(&format!(
                "{state}\n{}",
                call.ta(
                    "welcome-raid-rule",
                    &fargs! {"joins" => joins, "seconds" => seconds}
                )
            )))
        }
        ["on"] | ["on", _] => {
            let minutes = match words.get(1) {
                None => (ctx.config.welcome.raid_duration.get().as_secs() / 60) as i64,
                Some(text) => match raid_minutes(text) {
                    Some(minutes) => minutes,
                    None => return Ok(call.t_html("welcome-raid-minutes-range")),
                },
            };
            save(
                ctx,
                chat_id,
                Column::RaidUntil,
                Choice::Int(now + minutes * 60),
            )
            .await?;
            Ok(escape(&call.ta(
                "welcome-raid-manual-on",
                &fargs! {"minutes" => minutes},
            )))
        }
        ["off"] => {
            save(ctx, chat_id, Column::RaidUntil, Choice::Int(0)).await?;
            Ok(call.t_html("welcome-raid-off"))
        }
        ["auto", joins, seconds] => {
            let joins = joins.parse::<i64>().ok().filter(|j| (2..=1000).contains(j));
            let seconds = seconds
                .trim_end_matches('s')
                .parse::<i64>()
                .ok()
                .filter(|s| (5..=3600).contains(s));
            let (Some(joins), Some(seconds)) = (joins, seconds) else {
                return Ok(call.t_html("welcome-raid-auto-range"));
            };
            let mut tx = ctx.storage.write.begin().await?;
            store::set(&mut tx, chat_id, Column::RaidJoins, Choice::Int(joins)).await?;
            store::set(&mut tx, chat_id, Column::RaidWindow, Choice::Int(seconds)).await?;
            tx.commit().await?;
            Ok(escape(&call.ta(
                "welcome-raid-rule",
                &fargs! {"joins" => joins, "seconds" => seconds},
            )))
        }
        _ => Ok(call.t_html("welcome-antiraid-usage")),
    }
}

/// `/welcome` without an argument: the group's settings, then the welcome as the sender would get it.
async fn preview(call: &Call<'_>) -> HandlerResult {
    let (ctx, chat_id) = (call.ctx, call.chat_id);
    let choices = load_choices(ctx, chat_id).await?;
    let Some(sender) = call.message.from.as_ref() else {
        return Ok(());
    };
    let (html, markup) =
        welcome_message(ctx, chat_id, &choices, &[queued(sender)], call.lang).await?;
    let flag = |on: bool| {
        call.t(if on {
            "welcome-state-on"
        } else {
            "welcome-state-off"
        })
    };
    let status = call.ta(
        "welcome-status",
        &fargs! {
            "welcome" => flag(choices.welcome_on),
            "goodbye" => flag(choices.goodbye_on),
            "clean" => flag(choices.clean_welcome),
            "mode" => call.t(&format!("welcome-mode-{}", mode_of(ctx, &choices).name())),
            "seconds" => timeout_of(ctx, &choices),
        },
    );
    ctx.outbound.send_text(
        Text::html(chat_id, format!("{}\n\n{html}", escape(&status)))
            .reply_to(call.message)
            .markup(markup),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raid_minutes_read_a_bare_number_as_minutes() {
        assert_eq!(raid_minutes("30"), Some(30));
        assert_eq!(raid_minutes("30m"), Some(30));
        assert_eq!(raid_minutes("2h"), Some(120));
        assert_eq!(raid_minutes("1440"), Some(1440));
        assert_eq!(raid_minutes("1441"), None);
        assert_eq!(raid_minutes("0"), None);
        assert_eq!(raid_minutes("90s"), None, "not whole minutes");
        assert_eq!(raid_minutes("soon"), None);
    }
}
