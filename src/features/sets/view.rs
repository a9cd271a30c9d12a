//! Reading sets: `/set list` (the caller's sets) and `/set show` (one set's groups and people).

use super::access::{in_group, may_change_group, set_for_caller};
use super::store;
use crate::services::Call;
use crate::telegram::admins::Right;
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;

/// `/set list`: in private the caller's sets; in a group (for its admins) the sets the group is in.
pub(super) async fn list(call: &Call<'_>) -> HandlerResult {
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
pub(super) async fn show(call: &Call<'_>, name: &str) -> HandlerResult {
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
