//! The one way a setting changes: checked by the settings model, written through the owning feature's
//! store (which makes it take effect at once), and logged with who made it. Imports (and later copies
//! between groups) go through [`plan_file`] and [`apply_changes`], which another feature can reuse.

use super::store;
use crate::features::{setting, setting_specs, SETTING_SOURCES};
use crate::services::Ctx;
use crate::settings_model::file::{self, Change, Problem};
use crate::settings_model::{Spec, Value};

/// Where a change was made, as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A button or typed answer in the `/settings` menu.
    Menu,
    /// An imported settings file.
    Import,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Menu => "menu",
            Source::Import => "import",
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
/// store and logged with `by` and `source`. The caller has checked `by`'s rights. Returns whether the
/// value changed.
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
    if old.as_ref() == Some(&value) {
        return Ok(false);
    }
    (owner.write)(ctx.clone(), chat_id, spec, value.clone()).await?;
    let mut conn = ctx.storage.write.acquire().await?;
    store::log_change(
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

/// Reads a settings file against a group's current settings: the changes it would make, or every
/// problem it has (then nothing may be applied).
pub async fn plan_file(
    ctx: &Ctx,
    chat_id: i64,
    text: &str,
) -> crate::Result<Result<Vec<Change>, Vec<Problem>>> {
    let incoming = match file::read(&setting_specs(), text) {
        Ok(incoming) => incoming,
        Err(problems) => return Ok(Err(problems)),
    };
    let now = current(ctx, chat_id).await?;
    Ok(Ok(file::diff(&now, &incoming)))
}

/// Applies changes made by [`plan_file`] (or by comparing two groups) to a group, each through
/// [`change`], in order. Each value is checked again first: a change that no longer passes stops the
/// whole set before anything is written. Returns how many settings changed.
pub async fn apply_changes(
    ctx: &Ctx,
    chat_id: i64,
    changes: &[Change],
    by: i64,
    source: Source,
) -> crate::Result<usize> {
    let mut checked = Vec::new();
    for item in changes {
        let Some((_, spec)) = setting(&item.key) else {
            return Err(crate::Error::Config(format!(
                "{}: no such setting",
                item.key
            )));
        };
        let value = spec
            .check(item.new.clone())
            .map_err(|why| crate::Error::Config(format!("{}: {why:?}", item.key)))?;
        checked.push((spec, value));
    }
    let mut changed = 0;
    for (spec, value) in checked {
        if change(ctx, chat_id, spec, value, by, source).await? {
            changed += 1;
        }
    }
    Ok(changed)
}
