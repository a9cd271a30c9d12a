//! Making a set and changing its groups: `/set new`, `/set add`, `/set remove`, `/set delete`.

use super::access::{group_label, in_group, may_change_group, set_for_caller};
use super::store;
use crate::services::Call;
use crate::telegram::admins::Right;
use crate::telegram::HandlerResult;

/// `/set new <name>`: in private an empty set; in a group (for an admin with "change group info") a set
/// with the group in it.
pub(super) async fn new(call: &Call<'_>, name: &str) -> HandlerResult {
    if in_group(call) && !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let (user, now) = (call.sender_id(), call.ctx.now());
    let mut tx = call.ctx.storage.write.begin().await?;
    let Some(set_id) = store::create(&mut tx, name, user, now).await? else {
        drop(tx);
        call.say(call.ta("sets-duplicate", &crate::fargs! {"name" => name}));
        return Ok(());
    };
    if in_group(call) {
        store::add_group(&mut tx, set_id, call.chat_id, user, now).await?;
    }
    tx.commit().await?;
    let id = if in_group(call) {
        "sets-created-here"
    } else {
        "sets-created"
    };
    call.say_kept(call.ta(id, &crate::fargs! {"name" => name}));
    Ok(())
}

/// `/set add <name>` inside a group: an owner or manager of the set who holds "change group info" in the
/// group adds it.
pub(super) async fn add(call: &Call<'_>, name: &str) -> HandlerResult {
    if !in_group(call) {
        call.say(call.ta("sets-add-in-group", &crate::fargs! {"name" => name}));
        return Ok(());
    }
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let Some((set, _)) = set_for_caller(call, name, false).await? else {
        return Ok(());
    };
    let mut conn = call.ctx.storage.write.acquire().await?;
    let added = store::add_group(
        &mut conn,
        set.set_id,
        call.chat_id,
        call.sender_id(),
        call.ctx.now(),
    )
    .await?;
    drop(conn);
    let id = if added {
        "sets-added"
    } else {
        "sets-already-in"
    };
    let args = crate::fargs! {"name" => set.name};
    if added {
        call.say_kept(call.ta(id, &args));
    } else {
        call.say(call.ta(id, &args));
    }
    Ok(())
}

/// `/set remove <name>` in a group, or `/set remove <name> <group id>` in private: an owner or manager
/// who holds "change group info" in that group now takes it out of the set.
pub(super) async fn remove(call: &Call<'_>, name: &str, group: Option<i64>) -> HandlerResult {
    let chat_id = match (in_group(call), group) {
        (true, None) => call.chat_id,
        (true, Some(other)) if other == call.chat_id => call.chat_id,
        (false, Some(group)) => group,
        _ => {
            call.say(call.ta("sets-remove-with-id", &crate::fargs! {"name" => name}));
            return Ok(());
        }
    };
    if in_group(call) && !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let Some((set, _)) = set_for_caller(call, name, false).await? else {
        return Ok(());
    };
    let label = group_label(call.ctx, chat_id).await;
    if !in_group(call) && !may_change_group(call.ctx, chat_id, call.sender_id()).await {
        call.say(call.ta("sets-no-right-in-group", &crate::fargs! {"group" => label}));
        return Ok(());
    }
    let mut conn = call.ctx.storage.write.acquire().await?;
    let removed = store::remove_group(&mut conn, set.set_id, chat_id).await?;
    drop(conn);
    let args = crate::fargs! {"name" => set.name, "group" => label};
    if removed {
        call.say_kept(call.ta("sets-removed", &args));
    } else {
        call.say(call.ta("sets-not-in", &args));
    }
    Ok(())
}

/// `/set delete <name>`: an owner deletes the set; its groups are untouched.
pub(super) async fn delete(call: &Call<'_>, name: &str) -> HandlerResult {
    let Some((set, _)) = set_for_caller(call, name, true).await? else {
        return Ok(());
    };
    let mut conn = call.ctx.storage.write.acquire().await?;
    store::delete(&mut conn, set.set_id).await?;
    drop(conn);
    call.say_kept(call.ta("sets-deleted", &crate::fargs! {"name" => set.name}));
    Ok(())
}
