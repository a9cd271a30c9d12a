//! Who may act on a set and how its groups and members are named in answers: the caller's set and role,
//! the "change group info" right in a group now, a group's label, a member given as @username or id.

use super::store::{self, GroupSet, Role};
use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;

pub(super) fn in_group(call: &Call<'_>) -> bool {
    call.chat_id < 0
}

/// Whether `user` holds the "change group info" right in `chat_id` now, as Telegram's admin list says.
/// A group whose admin list the bot cannot read counts as "no".
pub async fn may_change_group(ctx: &Ctx, chat_id: i64, user: i64) -> bool {
    match ctx.admins.rights(chat_id, user as u64).await {
        Ok(rights) => rights.is_some_and(|r| r.has(Right::ChangeInfo)),
        Err(err) => {
            tracing::info!(%err, chat_id, user, "admin list unreadable; the right counts as missing");
            false
        }
    }
}

/// The set named `name` and the caller's role in it; says why not (unknown set, not theirs, or not an
/// owner when `owner_only`) and returns `None` otherwise.
pub(super) async fn set_for_caller(
    call: &Call<'_>,
    name: &str,
    owner_only: bool,
) -> crate::Result<Option<(GroupSet, Role)>> {
    let mut conn = call.ctx.storage.read.acquire().await?;
    let Some(set) = store::find(&mut conn, name).await? else {
        call.say(call.ta("sets-unknown", &crate::fargs! {"name" => name}));
        return Ok(None);
    };
    let role = store::role(&mut conn, set.set_id, call.sender_id()).await?;
    match role {
        Some(Role::Manager) if owner_only => {
            call.say(call.ta("sets-owner-only", &crate::fargs! {"name" => set.name}));
            Ok(None)
        }
        Some(role) => Ok(Some((set, role))),
        None if owner_only => {
            call.say(call.ta("sets-owner-only", &crate::fargs! {"name" => set.name}));
            Ok(None)
        }
        None => {
            call.say(call.ta("sets-not-yours", &crate::fargs! {"name" => set.name}));
            Ok(None)
        }
    }
}

/// How a group is named in answers: its title and id.
pub(super) async fn group_label(ctx: &Ctx, chat_id: i64) -> String {
    match ctx.groups.get(&ctx.storage, chat_id).await {
        Ok(Some(group)) if !group.title.is_empty() => format!("{} ({chat_id})", group.title),
        _ => chat_id.to_string(),
    }
}

/// The user written as `@username` (seen in one of the bot's groups) or a numeric id; says why not and
/// returns `None` otherwise.
pub(super) async fn resolve_user(call: &Call<'_>, user: &str) -> crate::Result<Option<i64>> {
    let target = match user.parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        Ok(_) => None,
        Err(_) if user.starts_with('@') => {
            let mut conn = call.ctx.storage.read.acquire().await?;
            store::user_by_username(&mut conn, user).await?
        }
        Err(_) => None,
    };
    if target.is_none() {
        call.say(call.ta("sets-unknown-user", &crate::fargs! {"user" => user}));
    }
    Ok(target)
}
