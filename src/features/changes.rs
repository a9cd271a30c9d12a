//! The one way a per-group setting changes, whoever asks (a command, the `/settings` menu, an imported
//! file): the value is checked by the settings model, written through the owning feature's store (whose
//! write makes it take effect at once), and logged in `storage::settings_log` with who made it and from
//! where. It sits beside the registry of settings (`features::SETTING_SOURCES`), so features that change
//! one of their own settings from a command use it without importing another feature.

use crate::features::{setting, SETTING_SOURCES};
use crate::services::Ctx;
use crate::settings_model::{Spec, Value};
use crate::storage::settings_log;

/// Where a change was made, as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A command that changes one setting (`/lang`, `/settz`, …).
    Command,
    /// A button or typed answer in the `/settings` menu.
    Menu,
    /// An imported settings file.
    Import,
    /// Settings copied from a template group to a group set (`/set apply`, `/set revert`).
    SetCopy,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Command => "command",
            Source::Menu => "menu",
            Source::Import => "import",
            Source::SetCopy => "set_copy",
        }
    }
}

/// Every setting of a group with its value now, in menu order.
pub async fn current(ctx: &Ctx, chat_id: i64) -> crate::Result<Vec<(&'static Spec, Value)>> {
    let mut all = Vec::new();
    for source in SETTING_SOURCES {
        let values = (source.read)(ctx.clone(), chat_id).await?;
        all.extend(source.specs.iter().zip(values));
    }
    Ok(all)
}

/// One setting of a group with its value now.
pub async fn value_of(
    ctx: &Ctx,
    chat_id: i64,
    key: &str,
) -> crate::Result<Option<(&'static Spec, Value)>> {
    let Some((source, _)) = setting(key) else {
        return Ok(None);
    };
    let values = (source.read)(ctx.clone(), chat_id).await?;
    Ok(source
        .specs
        .iter()
        .zip(values)
        .find(|(spec, _)| spec.key == key))
}

fn json(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Changes one setting of a group to a value [`Spec::check`] accepted: written through its feature's
/// store, and logged with `by` and `source` when the value differs from before. The caller has checked
/// `by`'s rights. Returns whether the value changed.
pub async fn change(
    ctx: &Ctx,
    chat_id: i64,
    spec: &'static Spec,
    value: Value,
    by: i64,
    source: Source,
) -> crate::Result<bool> {
    let value = spec
        .check(value)
        .map_err(|why| crate::Error::Config(format!("{}: {why:?}", spec.key)))?;
    let Some((owner, _)) = setting(spec.key) else {
        return Err(crate::Error::Config(format!(
            "{}: no such setting",
            spec.key
        )));
    };
    let old = value_of(ctx, chat_id, spec.key).await?.map(|(_, v)| v);
    // Written even when the value stays the same: a group that only had the default then holds the
    // value as its own choice, as the commands always did.
    (owner.write)(ctx.clone(), chat_id, spec, value.clone()).await?;
    if old.as_ref() == Some(&value) {
        return Ok(false);
    }
    let mut conn = ctx.storage.write.acquire().await?;
    settings_log::log_change(
        &mut conn,
        chat_id,
        spec.key,
        &old.as_ref().map(json).unwrap_or_default(),
        &json(&value),
        by,
        source.name(),
        ctx.now(),
    )
    .await?;
    Ok(true)
}

/// [`change`] for the setting `key`, as a command names it. An unknown key is a mistake in the code.
pub async fn change_key(
    ctx: &Ctx,
    chat_id: i64,
    key: &str,
    value: Value,
    by: i64,
    source: Source,
) -> crate::Result<bool> {
    let Some((_, spec)) = setting(key) else {
        return Err(crate::Error::Config(format!("{key}: no such setting")));
    };
    change(ctx, chat_id, spec, value, by, source).await
}

/// Whether group `chat_id` may take `value` for `spec` as it is now (the owning feature's check).
pub async fn allowed(
    ctx: &Ctx,
    chat_id: i64,
    spec: &'static Spec,
    value: &Value,
) -> crate::Result<crate::features::Allowed> {
    let Some((owner, _)) = setting(spec.key) else {
        return Err(crate::Error::Config(format!(
            "{}: no such setting",
            spec.key
        )));
    };
    (owner.allow)(ctx.clone(), chat_id, spec, value.clone()).await
}
