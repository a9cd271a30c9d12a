//! Group sets (群组集合): an operator runs many groups as one. `/set new <name>` creates a set (in a group
//! the group joins it), `/set add <name>` sent inside a group adds that group, `/set remove`, `/set list`,
//! `/set show`, `/set delete`, `/set manager add|remove` for the people who run it, `/set sharebans` (a
//! ban in one group bans in all; the moderation feature spreads it) and `/set allow` (a member the shared
//! bans never reach). A set has owners (its creator, who may name managers) and managers (who add and
//! remove groups); a group may be in several sets. Every operation that touches a group checks, at that
//! moment, the caller's right in that group through the admin cache: "change group info" to add or
//! remove it, "ban users" in every group to turn shared bans on.
//!
//! The rooms:
//! - `copy`    `/set apply` and `/set revert`: settings copied from a template group, diff first, revertible
//! - [`parse`] the pure core: the verbs, their arguments, which names a set may have
//! - [`store`] the SQL

mod copy;
pub mod parse;
pub mod store;

use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;
use crate::telegram::text::escape;
use crate::telegram::{Handler, HandlerResult};
use parse::{ParseError, SetCommand};
use store::{GroupSet, Role};
use teloxide::prelude::*;

crate::feature_commands! {
    /// The group sets' command.
    enum Command in COMMANDS {
        Set(String) = "set", "sets-cmd-set", Admins;
    }
}

/// This feature's branch of the handler tree: `/set`, in groups and in private.
pub fn handler() -> Handler {
    dptree::entry()
        .branch(crate::telegram::callbacks_with_prefix(copy::PREFIX).endpoint(copy::on_press))
        .branch(
            Update::filter_message()
                .filter_command::<Command>()
                .endpoint(on_command),
        )
}

async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let Command::Set(args) = command;
    let call = Call::new(&ctx, &message).await;
    let command = match parse::parse(&args) {
        Ok(command) => command,
        Err(ParseError::Usage) => {
            call.say_html(call.t("sets-usage"));
            return Ok(());
        }
        Err(ParseError::BadName(name)) => {
            call.say(call.ta(
                "sets-bad-name",
                &crate::fargs! {"name" => name, "max" => parse::MAX_NAME_CHARS},
            ));
            return Ok(());
        }
        Err(ParseError::BadGroup(group)) => {
            call.say(call.ta("sets-bad-group", &crate::fargs! {"group" => group}));
            return Ok(());
        }
        Err(ParseError::BadSection(section)) => {
            call.say(call.ta("sets-bad-section", &crate::fargs! {"section" => section}));
            return Ok(());
        }
    };
    match command {
        SetCommand::Help => {
            call.say_html(call.t("sets-usage"));
            Ok(())
        }
        SetCommand::New(name) => new(&call, &name).await,
        SetCommand::Add(name) => add(&call, &name).await,
        SetCommand::Remove(name, group) => remove(&call, &name, group).await,
        SetCommand::Delete(name) => delete(&call, &name).await,
        SetCommand::List => list(&call).await,
        SetCommand::Show(name) => show(&call, &name).await,
        SetCommand::Manager { add, name, user } => manager(&call, add, &name, &user).await,
        SetCommand::ShareBans(name, on) => share_bans(&call, &name, on).await,
        SetCommand::Allow(name, user) => allow(&call, &name, &user).await,
        SetCommand::Apply {
            template,
            name,
            sections,
        } => copy::apply(&call, template, &name, &sections).await,
        SetCommand::Revert(id) => copy::revert(&call, id).await,
    }
}

fn in_group(call: &Call<'_>) -> bool {
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
async fn group_label(ctx: &Ctx, chat_id: i64) -> String {
    match ctx.groups.get(&ctx.storage, chat_id).await {
        Ok(Some(group)) if !group.title.is_empty() => format!("{} ({chat_id})", group.title),
        _ => chat_id.to_string(),
    }
}

/// `/set new <name>`: in private an empty set; in a group (for an admin with "change group info") a set
/// with the group in it.
async fn new(call: &Call<'_>, name: &str) -> HandlerResult {
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
async fn add(call: &Call<'_>, name: &str) -> HandlerResult {
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
async fn remove(call: &Call<'_>, name: &str, group: Option<i64>) -> HandlerResult {
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
async fn delete(call: &Call<'_>, name: &str) -> HandlerResult {
    let Some((set, _)) = set_for_caller(call, name, true).await? else {
        return Ok(());
    };
    let mut conn = call.ctx.storage.write.acquire().await?;
    store::delete(&mut conn, set.set_id).await?;
    drop(conn);
    call.say_kept(call.ta("sets-deleted", &crate::fargs! {"name" => set.name}));
    Ok(())
}

/// `/set list`: in private the caller's sets; in a group (for its admins) the sets the group is in.
async fn list(call: &Call<'_>) -> HandlerResult {
    if in_group(call) {
        if !call.allowed(Right::ChangeInfo).await? {
            return Ok(());
        }
        let mut conn = call.ctx.storage.read.acquire().await?;
        let sets = store::sets_of_group(&mut conn, call.chat_id).await?;
        drop(conn);
        if sets.is_empty() {
            call.say(call.t("sets-none-here"));
            return Ok(());
        }
        let mut text = call.t("sets-list-here-header");
        for set in sets {
            text.push_str(&format!("\n• {}", set.name));
        }
        call.say(text);
        return Ok(());
    }
    let mut conn = call.ctx.storage.read.acquire().await?;
    let sets = store::sets_of_user(&mut conn, call.sender_id()).await?;
    drop(conn);
    if sets.is_empty() {
        call.say(call.t("sets-none"));
        return Ok(());
    }
    let mut text = call.t("sets-list-header");
    for (set, role, count) in sets {
        let role = call.t(&format!("sets-role-{}", role.name()));
        text.push_str("\n• ");
        text.push_str(&call.ta(
            "sets-list-line",
            &crate::fargs! {"name" => set.name, "role" => role, "count" => count},
        ));
    }
    call.say(text);
    Ok(())
}

/// `/set show <name>`: the set's groups (each marked when the caller lacks "change group info" there
/// now) and the people who run it; to its owners and managers, in private.
async fn show(call: &Call<'_>, name: &str) -> HandlerResult {
    let Some((set, _)) = set_for_caller(call, name, false).await? else {
        return Ok(());
    };
    let mut conn = call.ctx.storage.read.acquire().await?;
    let groups = store::groups(&mut conn, set.set_id).await?;
    let people = store::people(&mut conn, set.set_id).await?;
    drop(conn);
    let mut html = call.ctx.ta(
        call.lang,
        "sets-show-header",
        &crate::fargs! {"name" => escape(&set.name)},
    );
    html.push('\n');
    if groups.is_empty() {
        html.push_str(&call.t_html("sets-show-no-groups"));
    } else {
        html.push_str(&escape(
            &call.ta("sets-show-groups", &crate::fargs! {"count" => groups.len()}),
        ));
        for group in &groups {
            let title = if group.title.is_empty() {
                String::new()
            } else {
                format!("{} ", escape(&group.title))
            };
            html.push_str(&format!("\n• {title}<code>{}</code>", group.chat_id));
            if !may_change_group(call.ctx, group.chat_id, call.sender_id()).await {
                html.push_str(&format!(" — {}", call.t_html("sets-show-right-missing")));
            }
        }
    }
    html.push_str(&format!("\n{}", call.t_html("sets-show-people")));
    for (user, role, known) in people {
        let name = call.ctx.member_name(call.lang, user, known.as_deref());
        html.push_str(&format!(
            "\n• {} — {}",
            call.ctx.member_html(call.lang, user, &name),
            call.t_html(&format!("sets-role-{}", role.name()))
        ));
    }
    call.say_html_to_admin(html).await;
    Ok(())
}

/// `/set manager add|remove <name> <@user or id>`: an owner names or drops a manager.
async fn manager(call: &Call<'_>, add: bool, name: &str, user: &str) -> HandlerResult {
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

/// The user written as `@username` (seen in one of the bot's groups) or a numeric id; says why not and
/// returns `None` otherwise.
async fn resolve_user(call: &Call<'_>, user: &str) -> crate::Result<Option<i64>> {
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

/// `/set sharebans <name> on|off`: an owner turns the set's shared bans on (only while they hold the
/// "ban members" right in every group of the set; otherwise the groups where they lack it are named and
/// nothing changes) or off.
async fn share_bans(call: &Call<'_>, name: &str, on: bool) -> HandlerResult {
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
async fn allow(call: &Call<'_>, name: &str, user: &str) -> HandlerResult {
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
