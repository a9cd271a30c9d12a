//! `/hongbao rules` and `/hongbao set <key> <value>`: a group's claim rules.

use super::request::first_word;
use super::{eligibility, store};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

/// `/hongbao rules`: the group's eligibility rules.
pub(super) async fn show_rules(ctx: &Ctx, message: &Message, lang: Lang) -> HandlerResult {
    let mut conn = ctx.storage.read.acquire().await?;
    let rules = store::rules(
        &mut conn,
        message.chat.id.0,
        ctx.config.redpacket.default_rules(),
    )
    .await?;
    let on_off = |on: bool| ctx.t(lang, if on { "redpacket-on" } else { "redpacket-off" });
    ctx.reply_html(
        message,
        ctx.ta(
            lang,
            "redpacket-rules",
            &fargs! {
                "hours" => rules.min_member_hours.to_string(),
                "spoken" => on_off(rules.require_spoken),
                "level" => rules.min_level.to_string(),
                "sender" => on_off(rules.sender_may_claim),
                "daily" => rules.max_claims_per_day.to_string(),
            },
        ),
    );
    Ok(())
}

/// `/hongbao set <key> <value>` (admins with the change-info right): changes one eligibility rule.
pub(super) async fn set_rule(
    ctx: &Ctx,
    message: &Message,
    lang: Lang,
    args: &str,
) -> HandlerResult {
    if let Some(refusal) = ctx.refusal(message, Right::ChangeInfo, lang).await? {
        ctx.reply(message, refusal);
        return Ok(());
    }
    let (key, value) = first_word(args);
    let key = key.to_lowercase();
    if !eligibility::RULE_KEYS.contains(&key.as_str()) {
        ctx.reply_html(
            message,
            ctx.ta(
                lang,
                "redpacket-set-usage",
                &fargs! {"keys" => eligibility::RULE_KEYS.join(", ")},
            ),
        );
        return Ok(());
    }
    let Some(parsed) = eligibility::parse_rule(&key, value) else {
        ctx.reply(
            message,
            ctx.ta(
                lang,
                "redpacket-set-bad-value",
                &fargs! {"key" => key.clone(), "value" => value.to_string()},
            ),
        );
        return Ok(());
    };
    let mut conn = ctx.storage.write.acquire().await?;
    store::set_rule(&mut conn, message.chat.id.0, &key, parsed).await?;
    drop(conn);
    show_rules(ctx, message, lang).await
}
