//! `/hongbao rules` and `/hongbao set <key> <value>`: a group's claim rules.

use super::{eligibility, store};
use crate::args::first_word;
use crate::fargs;
use crate::services::Call;
use crate::telegram::admins::Right;
use crate::telegram::HandlerResult;

/// `/hongbao rules`: the group's eligibility rules.
pub(super) async fn show_rules(call: &Call<'_>) -> HandlerResult {
    let ctx = call.ctx;
    let mut conn = ctx.storage.read.acquire().await?;
    let rules = store::rules(
        &mut conn,
        call.chat_id,
        ctx.config.redpacket.default_rules(),
    )
    .await?;
    let on_off = |on: bool| call.t(if on { "redpacket-on" } else { "redpacket-off" });
    call.say_html(call.ta(
        "redpacket-rules",
        &fargs! {
            "hours" => rules.min_member_hours.to_string(),
            "spoken" => on_off(rules.require_spoken),
            "level" => rules.min_level.to_string(),
            "sender" => on_off(rules.sender_may_claim),
            "daily" => rules.max_claims_per_day.to_string(),
        },
    ));
    Ok(())
}

/// `/hongbao set <key> <value>` (admins with the change-info right): changes one eligibility rule.
pub(super) async fn set_rule(call: &Call<'_>, args: &str) -> HandlerResult {
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let (key, value) = first_word(args);
    let key = key.to_lowercase();
    if !eligibility::RULE_KEYS.contains(&key.as_str()) {
        call.say_html(call.ta(
            "redpacket-set-usage",
            &fargs! {"keys" => eligibility::RULE_KEYS.join(", ")},
        ));
        return Ok(());
    }
    let Some(parsed) = eligibility::parse_rule(&key, value) else {
        call.say(call.ta(
            "redpacket-set-bad-value",
            &fargs! {"key" => key.clone(), "value" => value.to_string()},
        ));
        return Ok(());
    };
    // Through the settings model, which checks, writes and logs the change (switches are stored as 1/0).
    let key = format!("redpacket.{key}");
    let value = match crate::features::setting(&key).map(|(_, spec)| spec.kind) {
        Some(crate::settings_model::Kind::Bool) => crate::settings_model::Value::Bool(parsed != 0),
        _ => crate::settings_model::Value::Int(parsed),
    };
    crate::features::changes::change_key(
        call.ctx,
        call.chat_id,
        &key,
        value,
        call.sender_id(),
        crate::features::changes::Source::Command,
    )
    .await?;
    show_rules(call).await
}
