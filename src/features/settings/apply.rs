//! Settings files against a group: [`plan_file`] reads one into the changes it would make, and
//! [`apply_changes`] applies such changes (from an import now, from a copy between groups later), each
//! through the one change path, [`crate::features::changes::change`].

pub use crate::features::changes::{change, current, value_of, Source};
use crate::features::{setting, setting_specs};
use crate::services::Ctx;
use crate::settings_model::file::{self, Change, Problem};

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
