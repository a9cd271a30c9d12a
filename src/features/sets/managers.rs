//! `/set manager add|remove`: the owners name the people who may add and remove groups.

use super::access::{resolve_user, set_for_caller};
use super::store::{self, Role};
use crate::services::Call;
use crate::telegram::HandlerResult;

/// `/set manager add|remove <name> <@user or id>`: an owner names or drops a manager.
pub(super) async fn manager(call: &Call<'_>, add: bool, name: &str, user: &str) -> HandlerResult {
    let Some((set, _)) = set_for_caller(call, name, true).await? else {
        return Ok(());
    };
    let Some(target) = resolve_user(call, user).await? else {
        return Ok(());
    };
    let mut conn = call.ctx.storage.write.acquire().await?;
    let args = crate::fargs! {"name" => set.name.clone(), "user" => user};
    let current = store::role(&mut conn, set.set_id, target).await?;
    let answer = match (add, current) {
        (_, Some(Role::Owner)) => "sets-is-owner",
        (true, _) => {
            store::set_role(&mut conn, set.set_id, target, Some(Role::Manager)).await?;
            "sets-manager-added"
        }
        (false, Some(Role::Manager)) => {
            store::set_role(&mut conn, set.set_id, target, None).await?;
            "sets-manager-removed"
        }
        (false, None) => "sets-not-manager",
    };
    drop(conn);
    call.say(call.ta(answer, &args));
    Ok(())
}
