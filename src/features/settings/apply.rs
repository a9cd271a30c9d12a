//! Settings files against a group: [`plan_file`] reads one into the changes it would make, and
//! [`apply_changes`] applies such changes (from an import now, from a copy between groups later), each
//! through the one change path, [`crate::features::changes::change`].

pub use crate::features::changes::{allowed, change, current, value_of, Source};
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
    let changes = file::diff(&now, &incoming);
    let problems = refused(ctx, chat_id, &changes).await?;
    Ok(if problems.is_empty() {
        Ok(changes)
    } else {
        Err(problems)
    })
}

/// The changes a group cannot take now: a value its setting refuses, or one the owning feature does
/// not allow in this group.
async fn refused(ctx: &Ctx, chat_id: i64, changes: &[Change]) -> crate::Result<Vec<Problem>> {
    let mut problems = Vec::new();
    for item in changes {
        let Some((_, spec)) = setting(&item.key) else {
            problems.push(Problem::Unknown(item.key.clone()));
            continue;
        };
        let checked = match spec.check(item.new.clone()) {
            Ok(value) => allowed(ctx, chat_id, spec, &value).await?,
            Err(why) => Err(why),
        };
        if let Err(why) = checked {
            problems.push(Problem::Invalid(item.key.clone(), why));
        }
    }
    Ok(problems)
}

/// Applies changes made by [`plan_file`] (or by comparing two groups) to a group, each through
/// [`change`], in order. Every change is checked again first (the group may have changed since the
/// plan): when any is refused, nothing is written and the problems are returned. Otherwise returns how
/// many settings changed.
pub async fn apply_changes(
    ctx: &Ctx,
    chat_id: i64,
    changes: &[Change],
    by: i64,
    source: Source,
) -> crate::Result<Result<usize, Vec<Problem>>> {
    let problems = refused(ctx, chat_id, changes).await?;
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let mut changed = 0;
    for item in changes {
        let Some((_, spec)) = setting(&item.key) else {
            continue;
        };
        if change(ctx, chat_id, spec, item.new.clone(), by, source).await? {
            changed += 1;
        }
    }
    Ok(Ok(changed))
}
