//! `/export [7d|30d|90d]`: the daily numbers and the present members as two CSV files, for admins.

use super::review::{compute, period};
use super::{stats, store};
use crate::fargs;
use crate::services::Call;
use crate::telegram::admins::Right;
use crate::telegram::HandlerResult;

/// `/export`: sends `daily.csv` and `members.csv` to the admin who asked, in private, then says so in the
/// group (or, when the bot cannot reach them, asks them to start it first). Members' data goes only to
/// admins who may change the group's info, and every export is logged with who asked.
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
    // Members' data goes to the admin who asked, in private; never into the group.
    let admin = call.sender_id();
    let daily = ctx.outbound.send_document(
        admin,
        None,
        "daily.csv",
        stats::daily_csv(&summary.daily, &call.t("referral-csv-daily-header")).into_bytes(),
    );
    if let Err(err) = daily.wait().await {
        tracing::info!(%err, chat_id = call.chat_id, admin, "export not delivered in private");
        let link = format!(
            "https://t.me/{}?start",
            ctx.me.username.as_deref().unwrap_or_default()
        );
        call.say(call.ta("referral-export-start-me", &fargs! {"link" => link}));
        return Ok(());
    }
    ctx.outbound.send_document(
        admin,
        None,
        "members.csv",
        stats::members_csv(
            &members,
            window.offset,
            &call.t("referral-csv-members-header"),
        )
        .into_bytes(),
    );
    tracing::info!(
        chat_id = call.chat_id,
        admin,
        days = window.days,
        members = members.len(),
        "members' data exported to an admin in private"
    );
    call.say(call.ta(
        "referral-export-sent",
        &fargs! {"days" => window.days, "members" => members.len() as i64},
    ));
    Ok(())
}
