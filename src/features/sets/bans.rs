//! Shared bans of a set: `/set sharebans on|off` and the allowlist they never reach (`/set allow`).

use super::access::{group_label, resolve_user, set_for_caller};
use super::store;
use crate::services::Call;
use crate::telegram::admins::Right;
use crate::telegram::HandlerResult;

/// `/set sharebans <name> on|off`: an owner turns the set's shared bans on (only while they hold the
/// "ban members" right in every group of the set; otherwise the groups where they lack it are named and
/// nothing changes) or off.
pub(super) async fn share_bans(call: &Call<'_>, name: &str, on: bool) -> HandlerResult {
    let Some((set, _)) = set_for_caller(call, name, true).await? else {
        return Ok(());
    };
    if on {
        let groups = {
            let mut conn = call.ctx.storage.read.acquire().await?;
            store::groups(&mut conn, set.set_id).await?
        };
        let mut lacking = Vec::new();
        for group in groups {
            let may = match call
                .ctx
                .admins
                .rights(group.chat_id, call.sender_id() as u64)
                .await
            {
                Ok(rights) => rights.is_some_and(|r| r.has(Right::Restrict)),
                Err(_) => false,
            };
            if !may {
                lacking.push(group_label(call.ctx, group.chat_id).await);
            }
        }
        if !lacking.is_empty() {
            call.say(call.ta(
                "sets-sharebans-refused",
                &crate::fargs! {"name" => set.name, "groups" => lacking.join(", ")},
            ));
            return Ok(());
        }
    }
    let mut conn = call.ctx.storage.write.acquire().await?;
    store::set_share_bans(&mut conn, set.set_id, on).await?;
    drop(conn);
    let id = if on {
        "sets-sharebans-on"
    } else {
        "sets-sharebans-off"
    };
    call.say_kept(call.ta(id, &crate::fargs! {"name" => set.name}));
    Ok(())
}

/// `/set allow <name> <@user or id>`: an owner or manager puts a member out of reach of the set's shared
/// bans (a shared ban they had is dropped; bans given in a group stay there).
pub(super) async fn allow(call: &Call<'_>, name: &str, user: &str) -> HandlerResult {
    let Some((set, _)) = set_for_caller(call, name, false).await? else {
        return Ok(());
    };
    let Some(target) = resolve_user(call, user).await? else {
        return Ok(());
    };
    let mut conn = call.ctx.storage.write.acquire().await?;
    let added =
        crate::storage::set_bans::allow(&mut conn, set.set_id, target, call.sender_id()).await?;
    drop(conn);
    let id = if added {
        "sets-allowed"
    } else {
        "sets-allowed-already"
    };
    call.say(call.ta(id, &crate::fargs! {"name" => set.name, "user" => user}));
    Ok(())
}
