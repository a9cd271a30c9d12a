//! Night mode (夜间模式): `/nightmode HH:MM-HH:MM mute|media` closes the group every night in its time zone
//! by changing the chat's default permissions, and opens it again at the end with exactly the permissions
//! it had before; `/nightmode off` ends it (restoring at once if the night is on) and `/nightmode` shows it.
//! `media` leaves text open, takes every right to send media, and turns the link lock on for the night
//! (permissions cannot forbid links). Members muted on their own stay muted: only the chat's defaults
//! change. A short notice marks the start and the end.
//!
//! The switches are items of the one scheduler. Each switch looks at the clock and the stored state and
//! does what the night needs now, so a bot that was down over a start or an end catches up once. At the
//! start the permissions from before are saved (in the same transaction that settles the switch) before the
//! night's are set, so they are never lost; at the end the saved ones are set again first and the night
//! is marked over after, so a crash in between only repeats the harmless restore.

use super::night::{self, Mode, Request, Window};
use super::store::{self, NightMode};
use crate::fargs;
use crate::i18n::Lang;
use crate::scheduler::{Claimed, Run, Settle};
use crate::services::{Call, Ctx};
use crate::telegram::admins::Right;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::HandlerResult;
use chrono_tz::Tz;
use futures::future::BoxFuture;
use futures::FutureExt;
use teloxide::prelude::*;
use teloxide::types::ChatPermissions;

crate::feature_commands! {
    /// Night mode's command.
    pub enum Command in COMMANDS {
        Nightmode(String) = "nightmode", "moderation-cmd-nightmode", Admins;
    }
}

/// The scheduler kind this flow runs.
pub const TIMER_KINDS: &[(&str, Run)] = &[(store::NIGHT_KIND, run_switch)];

/// `/nightmode …`.
pub async fn on_command(ctx: Ctx, message: Message, command: Command) -> HandlerResult {
    let call = Call::new(&ctx, &message).await;
    let Command::Nightmode(args) = command;
    if message.chat.is_private() {
        call.say(call.t("group-only"));
        return Ok(());
    }
    if !call.allowed(Right::ChangeInfo).await? {
        return Ok(());
    }
    let request = match night::parse(&args) {
        Ok(request) => request,
        Err(err) => {
            let (id, what) = match err {
                night::NightError::Shape => ("moderation-night-usage", String::new()),
                night::NightError::BadTime(what) => ("moderation-night-bad-time", what),
                night::NightError::Empty => ("moderation-night-empty", String::new()),
                night::NightError::BadMode(what) => ("moderation-night-bad-mode", what),
            };
            call.say(call.ta(id, &fargs! {"what" => what}));
            return Ok(());
        }
    };
    let tz = crate::facts::group_zone(&ctx, call.chat_id).await?;
    match request {
        Request::Show => show(&call, tz).await,
        Request::Off => off(&call).await,
        Request::Set(window, mode) => set(&call, tz, window, mode).await,
    }
}

async fn show(call: &Call<'_>, tz: Tz) -> HandlerResult {
    let night = {
        let mut conn = call.ctx.storage.read.acquire().await?;
        store::night_mode(&mut conn, call.chat_id).await?
    };
    let text = match night {
        None => call.t("moderation-night-none"),
        Some(night) => call.ta(
            if night.active {
                "moderation-night-show-on"
            } else {
                "moderation-night-show"
            },
            &fargs! {
                "window" => night.window.text(),
                "mode" => call.t(&format!("moderation-night-mode-{}", night.mode.name())),
                "zone" => crate::facts::zones::display(tz, call.lang),
            },
        ),
    };
    call.say(text);
    Ok(())
}

async fn set(call: &Call<'_>, tz: Tz, window: Window, mode: Mode) -> HandlerResult {
    let ctx = call.ctx;
    if !call.message.chat.is_supergroup() {
        call.say(call.t("moderation-night-supergroup-only"));
        return Ok(());
    }
    if let Some(lacks) = ctx
        .bot_lacks(call.chat_id, &[Right::Restrict], call.lang)
        .await?
    {
        call.say(lacks);
        return Ok(());
    }
    let now = ctx.now();
    {
        let mut tx = ctx.storage.write.begin().await?;
        // The first switch runs on the next tick and puts the group in the state the clock asks for.
        store::set_night_mode(
            &mut tx,
            call.chat_id,
            window,
            mode,
            call.sender_id(),
            now,
            now,
        )
        .await?;
        tx.commit().await?;
    }
    call.say_kept(call.ta(
        "moderation-night-set",
        &fargs! {
            "window" => window.text(),
            "mode" => call.t(&format!("moderation-night-mode-{}", mode.name())),
            "zone" => crate::facts::zones::display(tz, call.lang),
        },
    ));
    Ok(())
}

async fn off(call: &Call<'_>) -> HandlerResult {
    let ctx = call.ctx;
    let night = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::night_mode(&mut conn, call.chat_id).await?
    };
    let Some(night) = night else {
        call.say(call.t("moderation-night-none"));
        return Ok(());
    };
    if night.active {
        end_night(ctx, &night, None).await?;
    }
    let mut tx = ctx.storage.write.begin().await?;
    store::remove_night_mode(&mut tx, &night).await?;
    tx.commit().await?;
    call.say_kept(call.t("moderation-night-off"));
    Ok(())
}

/// The scheduler's work for a night's switch: start or end the night as the clock asks, and plan the next
/// switch.
fn run_switch(ctx: Ctx, item: Claimed) -> BoxFuture<'static, crate::Result<()>> {
    async move {
        let chat_id = item.chat_id;
        let night = {
            let mut conn = ctx.storage.read.acquire().await?;
            store::night_mode(&mut conn, chat_id).await?
        };
        let Some(night) = night.filter(|n| n.timer_id == Some(item.id)) else {
            return Ok(());
        };
        let tz = crate::facts::group_zone(&ctx, chat_id).await?;
        let now = ctx.now();
        let next = night::next_switch(night.window, tz, now);
        let is_night = night.window.contains(night::local_minute(tz, now));
        let lang = ctx.group_lang(chat_id).await;
        match (is_night, night.active) {
            (true, false) => start_night(&ctx, &night, &item, next, lang).await,
            (false, true) => end_night(&ctx, &night, Some((&item, next))).await,
            _ => {
                let mut tx = ctx.storage.write.begin().await?;
                crate::scheduler::store::settle(&mut tx, &item, Settle::Again(next)).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }
    .boxed()
}

async fn start_night(
    ctx: &Ctx,
    night: &NightMode,
    item: &Claimed,
    next: i64,
    lang: Lang,
) -> crate::Result<()> {
    let chat_id = night.chat_id;
    let before = ctx
        .bot
        .get_chat(ChatId(chat_id))
        .await?
        .permissions()
        .unwrap_or_else(ChatPermissions::all);
    let saved = serde_json::to_string(&before)
        .map_err(|err| crate::Error::Operation(format!("cannot keep the permissions: {err}")))?;
    let lock_links = night.mode == Mode::Media && {
        let mut conn = ctx.storage.read.acquire().await?;
        !store::list_locks(&mut conn, chat_id)
            .await?
            .contains(&super::rules::Lock::Link)
    };
    {
        let mut tx = ctx.storage.write.begin().await?;
        if !crate::scheduler::store::settle(&mut tx, item, Settle::Again(next)).await? {
            return Ok(());
        }
        store::night_started(&mut tx, chat_id, &saved, lock_links).await?;
        tx.commit().await?;
    }
    if lock_links {
        super::cache::reload(ctx, chat_id).await?;
    }
    ctx.outbound
        .set_chat_permissions(chat_id, night::night_permissions(night.mode, &before))
        .wait()
        .await?;
    let until = night::clock(night.window.end);
    ctx.outbound.send_text(
        Text::plain(
            chat_id,
            ctx.ta(
                lang,
                &format!("moderation-night-start-{}", night.mode.name()),
                &fargs! {"until" => until},
            ),
        )
        .priority(Priority::Moderation)
        .in_general(),
    );
    Ok(())
}

/// Ends a night that is on: the saved permissions are set again, then the night is marked over (and the
/// link lock it turned on is lifted) in one transaction with the switch's settlement, when a switch ends it.
async fn end_night(
    ctx: &Ctx,
    night: &NightMode,
    switch: Option<(&Claimed, i64)>,
) -> crate::Result<()> {
    let chat_id = night.chat_id;
    let saved: ChatPermissions = night
        .saved_permissions
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_else(ChatPermissions::all);
    ctx.outbound
        .set_chat_permissions(chat_id, saved)
        .wait()
        .await?;
    {
        let mut tx = ctx.storage.write.begin().await?;
        if let Some((item, next)) = switch {
            if !crate::scheduler::store::settle(&mut tx, item, Settle::Again(next)).await? {
                return Ok(());
            }
        }
        store::night_ended(&mut tx, night).await?;
        tx.commit().await?;
    }
    if night.locked_links {
        super::cache::reload(ctx, chat_id).await?;
    }
    if switch.is_some() {
        let lang = ctx.group_lang(chat_id).await;
        ctx.outbound.send_text(
            Text::plain(chat_id, ctx.t(lang, "moderation-night-end"))
                .priority(Priority::Moderation)
                .in_general(),
        );
    }
    Ok(())
}
