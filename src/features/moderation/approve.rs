//! An admin approves a member (exempt from every rule) or withdraws the approval: `/approve`, `/unapprove`.

use super::subject::{entry, subject, Answer};
use super::{log, store};
use crate::fargs;
use crate::services::Call;
use crate::telegram::text::escape;

pub(super) async fn approve_command(
    call: &Call<'_>,
    args: &str,
    name: &str,
    approve: bool,
) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let (subject, _) = match subject(ctx, message, args, lang, name).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(Some(escape(&refusal))),
    };
    if subject.id == ctx.me.id.0 as i64 {
        return Ok(Some(ctx.t_html(lang, "moderation-target-bot")));
    }
    let chat_id = message.chat.id.0;
    let by = message.from.as_ref().map_or(0, |u| u.id.0 as i64);
    let now = ctx.now();
    let changed = {
        let mut conn = ctx.storage.write.acquire().await?;
        if approve {
            store::approve(&mut conn, chat_id, subject.id, by, now).await?
        } else {
            store::unapprove(&mut conn, chat_id, subject.id).await?
        }
    };
    let id = match (approve, changed) {
        (true, true) => "moderation-approved",
        (true, false) => "moderation-approved-already",
        (false, true) => "moderation-unapproved",
        (false, false) => "moderation-unapproved-already",
    };
    if changed {
        let action = if approve { "approve" } else { "unapprove" };
        log::record(ctx, &entry(message, &subject, action, "", "", now)).await?;
    }
    Ok(Some(ctx.ta(
        lang,
        id,
        &fargs! {"target" => subject.mention()},
    )))
}
