//! `/export [7d|30d|90d]`: the daily numbers and the present members as two CSV files, for admins.

use super::review::{compute, period, topic};
use super::{stats, store};
use crate::fargs;
use crate::services::Call;
use crate::telegram::admins::Right;
use crate::telegram::HandlerResult;

/// `/export`: says what is coming, then sends `daily.csv` and `members.csv`. Members' data goes only to
/// admins who may change the group's info.
pub(super) async fn export(call: &Call<'_>, args: &str) -> HandlerResult {
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let Some(window) = period(call, args).await? else {
        return Ok(());
    };
    let ctx = call.ctx;
    let summary = compute(ctx, call.chat_id, &window, 0).await?;
    let members = {
        let mut conn = ctx.storage.read.acquire().await?;
        let mut members = store::export_members(&mut conn, call.chat_id).await?;
        // Levels are the economy's (its level table, over the points earned from the mint), so the
        // file agrees with /me; what every member earned and holds is read in one grouped query each.
        let levels = crate::facts::levels(&mut conn, call.chat_id).await?;
        let earned = crate::facts::earned_by_member(&mut conn, call.chat_id).await?;
        let balances = crate::facts::wallet_balances(&mut conn, call.chat_id).await?;
        for member in &mut members {
            member.points = balances.get(&member.user_id).copied().unwrap_or(0);
            let points = earned.get(&member.user_id).copied().unwrap_or(0);
            let (index, title) = levels.level_for(points);
            member.level = format!("LV{} {}", index + 1, title);
        }
        members
    };
    call.say(call.ta(
        "referral-export-sent",
        &fargs! {"days" => window.days, "members" => members.len() as i64},
    ));
    let thread = topic(call);
    ctx.outbound.send_document(
        call.chat_id,
        thread,
        "daily.csv",
        stats::daily_csv(&summary.daily).into_bytes(),
    );
    ctx.outbound.send_document(
        call.chat_id,
        thread,
        "members.csv",
        stats::members_csv(&members, window.offset).into_bytes(),
    );
    Ok(())
}
