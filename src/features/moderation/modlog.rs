//! An admin reads the moderation log: `/modlog` shows the latest entries and each rule's hits and undos.

use super::subject::Answer;
use super::{detection, log, store};
use crate::fargs;
use crate::services::Call;
use crate::telegram::text::escape;

/// How far back `/modlog` counts per-rule hits and undos.
const STATS_WINDOW_SECS: i64 = 30 * 86_400;

pub(super) async fn modlog_command(call: &Call<'_>, args: &str) -> Answer {
    let (ctx, message, lang) = (call.ctx, call.message, call.lang);
    let args = args.trim();
    let count = if args.is_empty() {
        10
    } else {
        match args.parse::<i64>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => return Ok(Some(ctx.t_html(lang, "moderation-modlog-usage"))),
        }
    };
    let chat_id = message.chat.id.0;
    let now = ctx.now();
    let (rows, stats) = {
        let mut conn = ctx.storage.read.acquire().await?;
        (
            store::recent_log(&mut conn, chat_id, count).await?,
            store::rule_stats(&mut conn, chat_id, now - STATS_WINDOW_SECS).await?,
        )
    };
    let names = {
        let ids: Vec<i64> = rows
            .iter()
            .flat_map(|row| std::iter::once(row.user_id).chain(row.actor_id))
            .collect();
        let mut conn = ctx.storage.read.acquire().await?;
        crate::storage::members::names(&mut conn, &ids).await?
    };
    let name = |id: i64| ctx.member_name(lang, id, names.get(&id).map(String::as_str));
    let mut html = format!("<b>{}</b>\n", ctx.t_html(lang, "moderation-modlog-title"));
    if rows.is_empty() {
        html.push_str(&ctx.t_html(lang, "moderation-modlog-empty"));
        html.push('\n');
    }
    for row in &rows {
        let actor = match row.actor_id {
            Some(admin) => name(admin),
            None => ctx.t(lang, "moderation-log-automatic"),
        };
        // The member is named with their id too: an admin may need it for /ban 123 or /unban 123.
        let member = ctx.ta(
            lang,
            "name-with-id",
            &fargs! {"name" => name(row.user_id), "id" => row.user_id},
        );
        let mut line = format!(
            "#{} {} · {} · {} · {}",
            row.id,
            log::action_name(ctx, lang, &row.action),
            member,
            actor,
            log::rule_name(ctx, lang, &row.rule)
        );
        if !row.detail.is_empty() {
            let detail = detection::stored_words(ctx, lang, &row.detail);
            line.push_str(&ctx.ta(
                lang,
                "moderation-modlog-detail",
                &fargs! {"detail" => detail},
            ));
        }
        if let Some(reversed) = row.reverses_id {
            line.push_str(&format!(" ↩ #{reversed}"));
        }
        if row.undone_by.is_some() {
            line.push_str(&format!(" · {}", ctx.t(lang, "moderation-modlog-undone")));
        }
        if row.outcome != store::Outcome::Done {
            line.push_str(&format!(" · {}", log::outcome_name(ctx, lang, row.outcome)));
        }
        if !row.excerpt.is_empty() {
            line.push_str(&format!(
                " — {}",
                row.excerpt.chars().take(40).collect::<String>()
            ));
        }
        html.push_str(&escape(&line));
        html.push('\n');
    }
    html.push_str(&format!(
        "\n<b>{}</b>\n",
        ctx.t_html(lang, "moderation-modlog-rules")
    ));
    if stats.is_empty() {
        html.push_str(&ctx.t_html(lang, "moderation-modlog-empty"));
    }
    for (rule, hits, undos) in stats {
        html.push_str(&escape(&ctx.ta(
            lang,
            "moderation-modlog-rule",
            &fargs! {"rule" => log::rule_name(ctx, lang, &rule), "hits" => hits, "undos" => undos, "percent" => undos * 100 / hits.max(1)},
        )));
        html.push('\n');
    }
    Ok(Some(html))
}
