//! Moderation's settings in the settings model: the shipped ad pack, flood, each rule's mode and the
//! locks. Their keys are those of the file `groupops check --group-settings` reads. They are read and
//! written through the feature's own store; a change reloads the group's compiled rules at once.

use super::rules::{Action, Lock, Mode, RuleKind};
use super::{cache, store};
use crate::features::SettingSource;
use crate::services::Ctx;
use crate::settings_model::{any_value, Invalid, Kind, Section, Spec, Value};
use crate::telegram::admins::Right;
use futures::FutureExt;

/// The modes a rule can be in.
const MODES: &[&str] = &["on", "off", "shadow"];

/// A rule's mode setting, `modes.<rule>`.
const fn mode_spec(key: &'static str) -> Spec {
    Spec {
        key,
        section: Section::Moderation,
        kind: Kind::Choice(MODES),
        right: Right::ChangeInfo,
        default: |_| Value::Text("on".to_owned()),
        refine: any_value,
    }
}

/// A flood limit is off (0) or from 2 to 100 messages, as `/flood` allows.
fn a_flood_count(value: &Value) -> Result<(), Invalid> {
    match value {
        Value::Int(1) => Err(Invalid::Refused("settings-invalid-flood-count")),
        _ => Ok(()),
    }
}

/// Moderation's settings.
pub const SOURCE: SettingSource = SettingSource {
    specs: &[
        Spec {
            key: "default_pack",
            section: Section::Moderation,
            kind: Kind::Bool,
            right: Right::ChangeInfo,
            default: |config| Value::Bool(config.moderation.default_pack),
            refine: any_value,
        },
        Spec {
            key: "flood_count",
            section: Section::Moderation,
            kind: Kind::Number { min: 0, max: 100 },
            right: Right::ChangeInfo,
            default: |config| Value::Int(i64::from(config.moderation.flood_count)),
            refine: a_flood_count,
        },
        Spec {
            key: "flood_seconds",
            section: Section::Moderation,
            kind: Kind::Duration { min: 1, max: 3600 },
            right: Right::ChangeInfo,
            default: |config| Value::Int(config.moderation.flood_window.get().as_secs() as i64),
            refine: any_value,
        },
        Spec {
            key: "flood_action",
            section: Section::Moderation,
            kind: Kind::Choice(&[
                "delete", "warn", "mute 10m", "mute 1h", "mute 1d", "kick", "ban", "ladder",
            ]),
            right: Right::ChangeInfo,
            default: |config| Value::Text(config.moderation.flood_action.clone()),
            refine: any_value,
        },
        mode_spec("modes.keyword"),
        mode_spec("modes.regex"),
        mode_spec("modes.adpack"),
        mode_spec("modes.link"),
        mode_spec("modes.invite"),
        mode_spec("modes.contact"),
        mode_spec("modes.mention"),
        mode_spec("modes.forward"),
        mode_spec("modes.media"),
        mode_spec("modes.flood"),
        mode_spec("modes.flood-groups"),
        mode_spec("modes.classifier"),
        Spec {
            key: "locks",
            section: Section::Locks,
            kind: Kind::Set(&[
                "photo", "video", "sticker", "gif", "document", "voice", "poll", "contact",
                "location", "forward", "link", "invite",
            ]),
            right: Right::ChangeInfo,
            default: |_| Value::List(Vec::new()),
            refine: any_value,
        },
    ],
    read: |ctx, chat_id| read(ctx, chat_id).boxed(),
    write: |ctx, chat_id, spec, value| write(ctx, chat_id, spec, value).boxed(),
    allow: crate::features::any_group,
};

async fn read(ctx: Ctx, chat_id: i64) -> crate::Result<Vec<Value>> {
    let settings = &ctx.config.moderation;
    let (stored, locks) = {
        let mut conn = ctx.storage.read.acquire().await?;
        let (stored, _) = store::load_rules(&mut conn, chat_id, settings).await?;
        (stored, store::list_locks(&mut conn, chat_id).await?)
    };
    let compiled = cache::rules_for(&ctx, chat_id).await?;
    let (count, seconds) = stored.flood.map_or(
        (0, settings.flood_window.get().as_secs() as i64),
        |(count, seconds)| (i64::from(count), i64::from(seconds)),
    );
    let mut values = vec![
        Value::Bool(stored.default_pack),
        Value::Int(count),
        Value::Int(seconds),
        Value::Text(compiled.rules.action(RuleKind::Flood).to_string()),
    ];
    for kind in RuleKind::ALL {
        values.push(Value::Text(compiled.rules.mode(kind).name().to_owned()));
    }
    values.push(Value::List(
        locks.iter().map(|lock| lock.name().to_owned()).collect(),
    ));
    Ok(values)
}

async fn write(ctx: Ctx, chat_id: i64, spec: &'static Spec, value: Value) -> crate::Result<()> {
    let settings = &ctx.config.moderation;
    let now = ctx.now();
    let wrong = || crate::Error::Config(format!("{}: a value of the wrong kind", spec.key));
    let current = read(ctx.clone(), chat_id).await?;
    let flood = |at: usize| match current.get(at) {
        Some(Value::Int(n)) => u32::try_from(*n).unwrap_or(0),
        _ => 0,
    };
    let mut conn = ctx.storage.write.acquire().await?;
    match (spec.key, value) {
        ("default_pack", Value::Bool(on)) => {
            store::set_default_pack(&mut conn, chat_id, settings, on, now).await?
        }
        ("flood_count", Value::Int(count)) => {
            let count = u32::try_from(count).map_err(|_| wrong())?;
            store::set_flood(&mut conn, chat_id, settings, (count, flood(2)), None, now).await?
        }
        ("flood_seconds", Value::Int(seconds)) => {
            let seconds = u32::try_from(seconds).map_err(|_| wrong())?;
            store::set_flood(&mut conn, chat_id, settings, (flood(1), seconds), None, now).await?
        }
        ("flood_action", Value::Text(text)) => {
            let action = Action::parse(&text).ok_or_else(wrong)?;
            let limit = (flood(1), flood(2));
            store::set_flood(&mut conn, chat_id, settings, limit, Some(action), now).await?
        }
        ("locks", Value::List(names)) => {
            for lock in Lock::ALL {
                let locked = names.iter().any(|name| name == lock.name());
                store::set_lock(&mut conn, chat_id, lock, locked).await?;
            }
        }
        (key, Value::Text(mode)) if key.starts_with("modes.") => {
            let kind = RuleKind::parse(&key["modes.".len()..]).ok_or_else(wrong)?;
            let mode = Mode::parse(&mode).ok_or_else(wrong)?;
            store::set_mode(&mut conn, chat_id, kind, mode, None).await?
        }
        _ => return Err(wrong()),
    }
    drop(conn);
    cache::reload(&ctx, chat_id).await?;
    Ok(())
}
