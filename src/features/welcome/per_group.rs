//! The welcome feature's settings in the settings model: welcome, goodbye and rules texts, the entry check
//! and the anti-raid rule. They are read and written through the feature's own store; the feature reads
//! them from the database on every join, so a change takes effect with the next one.

use super::gate::{Mode, MAX_TIMEOUT, MIN_TIMEOUT};
use super::store::{Choice, Column};
use super::{choices, template};
use crate::features::{Allowed, SettingSource};
use crate::services::Ctx;
use crate::settings_model::{any_value, Invalid, Kind, Section, Spec, Value};
use crate::telegram::admins::Right;
use futures::FutureExt;

/// The longest rules text, in characters (as `/setrules` allows).
const MAX_RULES_CHARS: usize = 3500;

/// A welcome or goodbye text: empty (the shipped one), or a template with known placeholders only.
fn template_text(value: &Value) -> Result<(), Invalid> {
    match value {
        Value::Text(text) if !text.is_empty() => {
            template::validate(text).map_err(|err| match err {
                template::TemplateError::TooLong => Invalid::TooLong {
                    max: template::MAX_TEMPLATE_CHARS,
                },
                _ => Invalid::Refused("settings-invalid-template"),
            })
        }
        _ => Ok(()),
    }
}

/// The welcome feature's settings.
pub const SOURCE: SettingSource = SettingSource {
    specs: &[
        Spec {
            key: "welcome.on",
            section: Section::Welcome,
            kind: Kind::Bool,
            right: Right::ChangeInfo,
            default: |_| Value::Bool(true),
            refine: any_value,
        },
        Spec {
            key: "welcome.text",
            section: Section::Welcome,
            kind: Kind::Text {
                max_chars: template::MAX_TEMPLATE_CHARS,
            },
            right: Right::ChangeInfo,
            default: |_| Value::Text(String::new()),
            refine: template_text,
        },
        Spec {
            key: "welcome.clean",
            section: Section::Welcome,
            kind: Kind::Bool,
            right: Right::ChangeInfo,
            default: |_| Value::Bool(true),
            refine: any_value,
        },
        Spec {
            key: "welcome.goodbye_on",
            section: Section::Welcome,
            kind: Kind::Bool,
            right: Right::ChangeInfo,
            default: |_| Value::Bool(false),
            refine: any_value,
        },
        Spec {
            key: "welcome.goodbye_text",
            section: Section::Welcome,
            kind: Kind::Text {
                max_chars: template::MAX_TEMPLATE_CHARS,
            },
            right: Right::ChangeInfo,
            default: |_| Value::Text(String::new()),
            refine: template_text,
        },
        Spec {
            key: "welcome.rules",
            section: Section::Welcome,
            kind: Kind::Text {
                max_chars: MAX_RULES_CHARS,
            },
            right: Right::ChangeInfo,
            default: |_| Value::Text(String::new()),
            refine: any_value,
        },
        Spec {
            key: "welcome.captcha",
            section: Section::Gate,
            kind: Kind::Choice(&["off", "button", "math", "quiz"]),
            right: Right::ChangeInfo,
            default: |config| Value::Text(config.welcome.captcha.clone()),
            refine: any_value,
        },
        Spec {
            key: "welcome.captcha_timeout",
            section: Section::Gate,
            kind: Kind::Duration {
                min: MIN_TIMEOUT as i64,
                max: MAX_TIMEOUT as i64,
            },
            right: Right::ChangeInfo,
            default: |config| Value::Int(config.welcome.captcha_timeout.get().as_secs() as i64),
            refine: any_value,
        },
        Spec {
            key: "welcome.raid_joins",
            section: Section::Gate,
            kind: Kind::Number { min: 2, max: 1000 },
            right: Right::ChangeInfo,
            default: |config| Value::Int(i64::from(config.welcome.raid_joins)),
            refine: any_value,
        },
        Spec {
            key: "welcome.raid_window",
            section: Section::Gate,
            kind: Kind::Duration { min: 5, max: 3600 },
            right: Right::ChangeInfo,
            default: |config| Value::Int(config.welcome.raid_window.get().as_secs() as i64),
            refine: any_value,
        },
    ],
    read: |ctx, chat_id| read(ctx, chat_id).boxed(),
    write: |ctx, chat_id, spec, value| write(ctx, chat_id, spec, value).boxed(),
    allow: |ctx, chat_id, spec, value| allow(ctx, chat_id, spec, value).boxed(),
};

/// An entry check other than `off` needs a supergroup (only there can newcomers be restricted), and the
/// quiz check needs the group's quiz (`/setquiz`), as `/captcha` says.
async fn allow(
    ctx: Ctx,
    chat_id: i64,
    spec: &'static Spec,
    value: Value,
) -> crate::Result<Allowed> {
    if spec.key != "welcome.captcha" || value == Value::Text("off".into()) {
        return Ok(Ok(()));
    }
    let supergroup = ctx
        .groups
        .get(&ctx.storage, chat_id)
        .await?
        .is_some_and(|group| group.is_supergroup());
    if !supergroup {
        return Ok(Err(Invalid::Refused("welcome-needs-supergroup")));
    }
    if value == Value::Text("quiz".into()) {
        let stored = choices::load_choices(&ctx, chat_id).await?;
        if choices::quiz_of(&stored).is_none() {
            return Ok(Err(Invalid::Refused("welcome-captcha-no-quiz")));
        }
    }
    Ok(Ok(()))
}

async fn read(ctx: Ctx, chat_id: i64) -> crate::Result<Vec<Value>> {
    let stored = choices::load_choices(&ctx, chat_id).await?;
    let (raid_joins, raid_window) = choices::raid_rule_of(&ctx, &stored);
    Ok(vec![
        Value::Bool(stored.welcome_on),
        Value::Text(stored.welcome_text.clone().unwrap_or_default()),
        Value::Bool(stored.clean_welcome),
        Value::Bool(stored.goodbye_on),
        Value::Text(stored.goodbye_text.clone().unwrap_or_default()),
        Value::Text(stored.rules.clone().unwrap_or_default()),
        Value::Text(choices::mode_of(&ctx, &stored).name().to_owned()),
        Value::Int(choices::timeout_of(&ctx, &stored)),
        Value::Int(raid_joins),
        Value::Int(raid_window),
    ])
}

async fn write(ctx: Ctx, chat_id: i64, spec: &'static Spec, value: Value) -> crate::Result<()> {
    let column = match spec.key {
        "welcome.on" => Column::WelcomeOn,
        "welcome.text" => Column::WelcomeText,
        "welcome.clean" => Column::CleanWelcome,
        "welcome.goodbye_on" => Column::GoodbyeOn,
        "welcome.goodbye_text" => Column::GoodbyeText,
        "welcome.rules" => Column::Rules,
        "welcome.captcha" => Column::CaptchaMode,
        "welcome.captcha_timeout" => Column::CaptchaTimeout,
        "welcome.raid_joins" => Column::RaidJoins,
        _ => Column::RaidWindow,
    };
    let choice = match (column, value) {
        (Column::CaptchaMode, Value::Text(name)) => Choice::Mode(
            Mode::parse(&name)
                .ok_or_else(|| crate::Error::Config(format!("{}: not a check", spec.key)))?,
        ),
        (_, Value::Bool(on)) => Choice::Int(i64::from(on)),
        (_, Value::Int(n)) => Choice::Int(n),
        (_, Value::Text(text)) => Choice::Text((!text.is_empty()).then_some(text)),
        (_, Value::List(_)) => {
            return Err(crate::Error::Config(format!("{}: not a list", spec.key)))
        }
    };
    choices::save(&ctx, chat_id, column, choice).await?;
    Ok(())
}
