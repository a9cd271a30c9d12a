//! The economy's settings in the settings model: the local hour a group's day starts, and the levels.

use super::store;
use crate::facts::levels::Levels;
use crate::features::SettingSource;
use crate::services::Ctx;
use crate::settings_model::{any_value, Invalid, Kind, Section, Spec, Value};
use crate::telegram::admins::Right;
use futures::FutureExt;

/// Levels are written as `/setlevels` takes them (`0:潜水 50:冒泡 …`).
fn levels_text(value: &Value) -> Result<(), Invalid> {
    match value {
        Value::Text(text) if Levels::parse(text).is_err() => {
            Err(Invalid::Refused("settings-invalid-levels"))
        }
        _ => Ok(()),
    }
}

/// The economy's settings.
pub const SOURCE: SettingSource = SettingSource {
    specs: &[
        Spec {
            key: "economy.reset_hour",
            section: Section::Group,
            kind: Kind::Number { min: 0, max: 23 },
            right: Right::ChangeInfo,
            default: |config| Value::Int(i64::from(config.economy.reset_hour)),
            refine: any_value,
        },
        Spec {
            key: "economy.levels",
            section: Section::Packets,
            kind: Kind::Text { max_chars: 1000 },
            right: Right::ChangeInfo,
            default: |_| Value::Text(Levels::default().to_command_text()),
            refine: levels_text,
        },
    ],
    read: |ctx, chat_id| read(ctx, chat_id).boxed(),
    write: |ctx, chat_id, spec, value| write(ctx, chat_id, spec, value).boxed(),
    allow: crate::features::any_group,
};

async fn read(ctx: Ctx, chat_id: i64) -> crate::Result<Vec<Value>> {
    let day = crate::facts::group_day(&ctx, chat_id).await?;
    let mut conn = ctx.storage.read.acquire().await?;
    let levels = crate::facts::levels(&mut conn, chat_id).await?;
    Ok(vec![
        Value::Int(i64::from(day.reset_hour)),
        Value::Text(levels.to_command_text()),
    ])
}

async fn write(ctx: Ctx, chat_id: i64, spec: &'static Spec, value: Value) -> crate::Result<()> {
    if spec.key == "economy.levels" {
        let levels = match &value {
            Value::Text(text) => Levels::parse(text).ok(),
            _ => None,
        }
        .ok_or_else(|| crate::Error::Config(format!("{}: not levels", spec.key)))?;
        let mut conn = ctx.storage.write.acquire().await?;
        store::set_levels(&mut conn, chat_id, Some(&levels)).await?;
        return Ok(());
    }
    let hour = match value {
        Value::Int(hour) => u8::try_from(hour).ok(),
        _ => None,
    }
    .ok_or_else(|| crate::Error::Config(format!("{}: not an hour", spec.key)))?;
    let mut conn = ctx.storage.write.acquire().await?;
    store::set_reset_hour(&mut conn, chat_id, Some(hour)).await?;
    Ok(())
}
