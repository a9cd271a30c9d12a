//! The economy's settings in the settings model: the local hour a group's day starts.

use super::store;
use crate::features::SettingSource;
use crate::services::Ctx;
use crate::settings_model::{any_value, Kind, Section, Spec, Value};
use crate::telegram::admins::Right;
use futures::FutureExt;

/// The economy's settings.
pub const SOURCE: SettingSource = SettingSource {
    specs: &[Spec {
        key: "economy.reset_hour",
        section: Section::Group,
        kind: Kind::Number { min: 0, max: 23 },
        right: Right::ChangeInfo,
        default: |config| Value::Int(i64::from(config.economy.reset_hour)),
        refine: any_value,
    }],
    read: |ctx, chat_id| read(ctx, chat_id).boxed(),
    write: |ctx, chat_id, spec, value| write(ctx, chat_id, spec, value).boxed(),
};

async fn read(ctx: Ctx, chat_id: i64) -> crate::Result<Vec<Value>> {
    let day = crate::facts::group_day(&ctx, chat_id).await?;
    Ok(vec![Value::Int(i64::from(day.reset_hour))])
}

async fn write(ctx: Ctx, chat_id: i64, spec: &'static Spec, value: Value) -> crate::Result<()> {
    let hour = match value {
        Value::Int(hour) => u8::try_from(hour).ok(),
        _ => None,
    }
    .ok_or_else(|| crate::Error::Config(format!("{}: not an hour", spec.key)))?;
    let mut conn = ctx.storage.write.acquire().await?;
    store::set_reset_hour(&mut conn, chat_id, Some(hour)).await?;
    Ok(())
}
