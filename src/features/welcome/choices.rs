//! A group's own choices with the `[welcome]` settings as their defaults, and the rare warning that the bot
//! cannot do its job in a group, and what a member who is let in may do.

use super::gate::{Mode, Quiz};
use super::store::{Choice, Column, GroupChoices};
use super::{gate, store};
use crate::services::Ctx;
use crate::telegram::outbound::{Priority, Text};

/// The "I cannot gate here" notice is repeated at most this often.
pub(super) const WARN_GAP_SECS: i64 = 3600;

/// How long joins are collected before one captcha message (or one welcome) names them together.
pub(super) fn window_of(ctx: &Ctx) -> i64 {
    ctx.config.welcome.coalesce_window.get().as_secs() as i64
}

/// The shortest time in seconds between two captcha messages, and between two welcomes, of one group.
pub(super) fn gap_of(ctx: &Ctx) -> i64 {
    let budget = ctx.config.limits.per_group;
    gate::message_gap(
        budget.count,
        budget.window.as_secs().max(1),
        ctx.config.welcome.message_gap.get().as_secs(),
    ) as i64
}

/// The group's check: its own choice, else the configured default.
pub(super) fn mode_of(ctx: &Ctx, choices: &GroupChoices) -> Mode {
    choices
        .captcha_mode
        .or_else(|| Mode::parse(&ctx.config.welcome.captcha))
        .unwrap_or(Mode::Button)
}

pub(super) fn timeout_of(ctx: &Ctx, choices: &GroupChoices) -> i64 {
    choices
        .captcha_timeout
        .unwrap_or(ctx.config.welcome.captcha_timeout.get().as_secs() as i64)
}

pub(super) fn raid_rule_of(ctx: &Ctx, choices: &GroupChoices) -> (i64, i64) {
    (
        choices
            .raid_joins
            .unwrap_or(ctx.config.welcome.raid_joins as i64),
        choices
            .raid_window
            .unwrap_or(ctx.config.welcome.raid_window.get().as_secs() as i64),
    )
}

pub(super) fn quiz_of(choices: &GroupChoices) -> Option<Quiz> {
    Quiz::from_stored(
        choices.quiz_question.as_deref()?,
        choices.quiz_answers.as_deref()?,
    )
}

pub(super) async fn load_choices(ctx: &Ctx, chat_id: i64) -> crate::Result<GroupChoices> {
    let mut conn = ctx.storage.write.acquire().await?;
    store::choices(&mut conn, chat_id).await
}

pub(super) async fn save(
    ctx: &Ctx,
    chat_id: i64,
    column: Column,
    value: Choice,
) -> crate::Result<()> {
    let mut conn = ctx.storage.write.acquire().await?;
    store::set(&mut conn, chat_id, column, value).await
}

pub(super) async fn warn_rarely(ctx: &Ctx, chat_id: i64, text: String) -> crate::Result<()> {
    let mut conn = ctx.storage.write.acquire().await?;
    if store::may_warn(&mut conn, chat_id, ctx.now(), WARN_GAP_SECS).await? {
        ctx.outbound
            .send_text(Text::plain(chat_id, text).priority(Priority::Moderation));
    }
    Ok(())
}
