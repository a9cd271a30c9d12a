//! How the settings menu and settings files show a setting: its value and a refusal in words of a
//! language, and the prefix that marks their buttons.

use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::settings_model::{choice_label, Invalid, Kind, Spec, Value};

/// The prefix of every menu button.
pub(super) const PREFIX: &str = "st:";

/// The longest value shown on a button or a screen before it is cut.
const SHOWN_CHARS: usize = 40;

fn cut(text: &str) -> String {
    if text.chars().count() > SHOWN_CHARS {
        let mut short: String = text.chars().take(SHOWN_CHARS).collect();
        short.push('…');
        short
    } else {
        text.to_owned()
    }
}

/// A value in words of a language (plain text).
pub(super) fn shown(ctx: &Ctx, lang: Lang, spec: &Spec, value: &Value) -> String {
    match (spec.kind, value) {
        (_, Value::Bool(on)) => ctx.t(lang, if *on { "settings-on" } else { "settings-off" }),
        (Kind::Duration { .. }, Value::Int(secs)) => {
            ctx.duration(lang, std::time::Duration::from_secs((*secs).max(0) as u64))
        }
        (_, Value::Int(n)) => n.to_string(),
        (Kind::Choice(choices), Value::Text(text)) if choices.contains(&text.as_str()) => {
            ctx.t(lang, &choice_label(text))
        }
        (Kind::TimeZone, Value::Text(name)) => match name.parse::<chrono_tz::Tz>() {
            Ok(zone) => crate::facts::zones::display(zone, lang),
            Err(_) => name.clone(),
        },
        (_, Value::Text(text)) if text.is_empty() => ctx.t(lang, "settings-text-default"),
        (_, Value::Text(text)) => cut(text),
        (_, Value::List(items)) if items.is_empty() => ctx.t(lang, "settings-none"),
        (_, Value::List(items)) => items
            .iter()
            .map(|item| ctx.t(lang, &choice_label(item)))
            .collect::<Vec<_>>()
            .join(&ctx.t(lang, "list-separator")),
    }
}

/// Why a value was refused, in words of a language.
pub(super) fn refusal(ctx: &Ctx, lang: Lang, why: &Invalid) -> String {
    let args = match why {
        Invalid::OutOfRange { min, max } => fargs! {"min" => *min, "max" => *max},
        Invalid::DurationOutOfRange { min, max } => fargs! {
            "min" => ctx.duration(lang, std::time::Duration::from_secs(*min as u64)),
            "max" => ctx.duration(lang, std::time::Duration::from_secs(*max as u64)),
        },
        Invalid::NotAChoice(choices) => fargs! {"choices" => choices
        .iter()
        .map(|c| ctx.t(lang, &choice_label(c)))
        .collect::<Vec<_>>()
        .join(&ctx.t(lang, "list-separator"))},
        Invalid::TooLong { max } => fargs! {"max" => *max},
        _ => fargs! {},
    };
    ctx.ta(lang, why.wording(), &args)
}
