//! The leaderboard of valid referrals: `/rank invites [week|month|all]` and `/invites top …`.

use super::rules::Board;
use super::{name_of, store};
use crate::fargs;
use crate::services::Call;
use crate::telegram::text::{escape, mention_html};
use crate::telegram::HandlerResult;

/// The leaderboard of valid referrals that became valid in `board`'s period (weeks and months as the
/// economy's `/rank` cuts them: in the group's time zone, from its sign-in reset hour).
pub(super) async fn top_invites(call: &Call<'_>, board: Board) -> HandlerResult {
    let ctx = call.ctx;
    let day = crate::facts::group_day(ctx, call.chat_id).await?;
    let mut conn = ctx.storage.read.acquire().await?;
    let rows = store::top_inviters(
        &mut conn,
        call.chat_id,
        board.since(ctx.now(), day.tz, day.reset_hour),
        ctx.config.referral.top as i64,
    )
    .await?;
    let title = call.t(&format!("referral-top-title-{}", board.word()));
    if rows.is_empty() {
        call.say(format!("{title}\n{}", call.t("referral-top-empty")));
        return Ok(());
    }
    let mut text = format!("<b>{}</b>\n", escape(&title));
    for (place, (user_id, count)) in rows.into_iter().enumerate() {
        let name = name_of(&mut conn, user_id).await?;
        text.push_str(&call.ta(
            "referral-top-line",
            &fargs! {"place" => place as i64 + 1, "member" => mention_html(user_id, &name), "count" => count},
        ));
        text.push('\n');
    }
    call.say_html(text);
    Ok(())
}
