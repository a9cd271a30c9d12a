//! The group record's settings in the settings model: the group's language and time zone.

use crate::features::SettingSource;
use crate::services::Ctx;
use crate::settings_model::{any_value, Kind, Section, Spec, Value};
use crate::storage::groups as records;
use crate::telegram::admins::Right;
use futures::FutureExt;

/// The group record's settings.
pub const SOURCE: SettingSource = SettingSource {
    specs: &[
        Spec {
            key: "group.language",
            section: Section::Group,
            kind: Kind::Choice(&["zh-CN", "en"]),
            right: Right::ChangeInfo,
            default: |config| Value::Text(config.i18n.default_language.clone()),
            refine: any_value,
        },
        Spec {
            key: "group.timezone",
            section: Section::Group,
            kind: Kind::TimeZone,
            right: Right::ChangeInfo,
            default: |config| Value::Text(config.economy.timezone.clone()),
            refine: any_value,
        },
    ],
    read: |ctx, chat_id| read(ctx, chat_id).boxed(),
    write: |ctx, chat_id, spec, value| write(ctx, chat_id, spec, value).boxed(),
    allow: crate::features::any_group,
};

async fn read(ctx: Ctx, chat_id: i64) -> crate::Result<Vec<Value>> {
    let record = ctx.groups.get(&ctx.storage, chat_id).await?;
    let language = record.as_ref().map_or_else(
        || ctx.config.i18n.default_language.clone(),
        |r| r.language.clone(),
    );
    let zone = crate::facts::group_zone(&ctx, chat_id).await?;
    Ok(vec![
        Value::Text(language),
        Value::Text(zone.name().to_owned()),
    ])
}

async fn write(ctx: Ctx, chat_id: i64, spec: &'static Spec, value: Value) -> crate::Result<()> {
    let Value::Text(text) = value else {
        return Err(crate::Error::Config(format!("{}: not a text", spec.key)));
    };
    let mut conn = ctx.storage.write.acquire().await?;
    match spec.key {
        "group.language" => records::set_language(&mut conn, chat_id, &text).await?,
        _ => records::set_timezone(&mut conn, chat_id, Some(&text)).await?,
    }
    if let Some(record) = records::get(&mut conn, chat_id).await? {
        ctx.groups.put(record);
    }
    Ok(())
}
