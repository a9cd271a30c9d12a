//! Answers to the gate: button presses, passing and failing, and members held during a raid getting
//! their check once it is over.

use super::gate::Mode;
use super::settings::FailAction;
use super::store::{Gate, UNASKED};
use super::{captcha::*, choices::*, greeting::*};
use super::{gate, prior, store};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, mention_html};
use crate::telegram::HandlerResult;
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, User};

pub(super) async fn on_gate_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let data = query.data.as_deref().unwrap_or_default();
    let lang = Lang::from_telegram(query.from.language_code.as_deref())
        .unwrap_or_else(|| ctx.default_lang());
    let presser = query.from.id.0 as i64;
    let mut conn = ctx.storage.write.acquire().await?;
    // A press under a message that asks several members counts for the presser's own gate in it.
    let (found, choice) = if let Some((batch_id, choice)) = gate::parse_batch_callback(data) {
        match store::gate_in_batch(&mut conn, batch_id, presser).await? {
            Some(found) => (found, choice),
            None => {
                let listed_others = store::open_in_batch(&mut conn, batch_id).await? > 0;
                let (text, alert) = if listed_others {
                    ("welcome-gate-not-yours", true)
                } else {
                    ("welcome-gate-expired", false)
                };
                ctx.outbound.answer_press(&query, ctx.t(lang, text), alert);
                return Ok(());
            }
        }
    } else {
        let Some((id, choice)) = gate::parse_callback(data) else {
            return Ok(());
        };
        match store::gate(&mut conn, id).await? {
            Some(found) if found.user_id == presser => (found, choice),
            Some(_) => {
                ctx.outbound
                    .answer_press(&query, ctx.t(lang, "welcome-gate-not-yours"), true);
                return Ok(());
            }
            None => {
                ctx.outbound
                    .answer_press(&query, ctx.t(lang, "welcome-gate-expired"), false);
                return Ok(());
            }
        }
    };
    let Some(closed) = store::close_gate(&mut conn, found.id).await? else {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "welcome-gate-expired"), false);
        return Ok(());
    };
    drop(conn);
    if choice as i64 == closed.answer {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "welcome-gate-passed"), false);
        pass(&ctx, &closed, &query.from).await
    } else {
        ctx.outbound.answer_press(
            &query,
            ctx.t(lang, wrong_answer_wording(&ctx, &closed)),
            true,
        );
        fail(&ctx, &closed).await
    }
}

/// A press on the button posted when raid mode ended: a member held during the raid is sent into a
/// private chat with the bot, where the group's own check asks them (so a raid never lets anyone in
/// with one press); anyone else is told it is not for them. The group comes from the pressed message.
pub(super) async fn on_release_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let lang = Lang::from_telegram(query.from.language_code.as_deref())
        .unwrap_or_else(|| ctx.default_lang());
    let Some(chat_id) = query.message.as_ref().map(|m| m.chat().id.0) else {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "welcome-held-not-held"), true);
        return Ok(());
    };
    let user_id = query.from.id.0 as i64;
    let held = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::is_released(&mut conn, chat_id, user_id).await?
    };
    if !held {
        ctx.outbound
            .answer_press(&query, ctx.t(lang, "welcome-held-not-held"), true);
        return Ok(());
    }
    match release_link(&ctx, chat_id) {
        Some(url) => {
            ctx.outbound.answer_press_url(&query, url);
        }
        None => {
            // Without a username the bot cannot be opened by link: the member waits for the group's
            // next captcha message instead.
            let member = {
                let mut conn = ctx.storage.write.acquire().await?;
                store::release(&mut conn, chat_id, user_id).await?
            };
            if let Some(member) = member {
                ctx.outbound
                    .answer_press(&query, ctx.t(lang, "welcome-held-asked"), false);
                let mut conn = ctx.storage.write.acquire().await?;
                let opened = store::open_gate(
                    &mut conn,
                    &store::NewGate {
                        chat_id,
                        user_id,
                        user_name: &member.full_name,
                        kind: Mode::Button,
                        via_request: false,
                        message_chat: chat_id,
                        options: &[],
                        answer: 0,
                        deadline: UNASKED,
                        now: ctx.now(),
                    },
                )
                .await?;
                drop(conn);
                if opened.is_some() {
                    ask_waiting(&ctx, chat_id).await?;
                }
            }
        }
    }
    Ok(())
}

/// `/start gate_<group>` in a private chat: a member held during the group's raid gets the group's own
/// check here; passing lets them in, failing or timing out applies the group's fail action.
pub(super) async fn on_release_deep_link(ctx: Ctx, message: Message) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    let Some(user) = message.from.as_ref() else {
        return Ok(());
    };
    let chat_id = message
        .text()
        .and_then(|t| t.strip_prefix("/start "))
        .map(str::trim)
        .and_then(|p| p.strip_prefix(gate::RELEASE_PAYLOAD))
        .and_then(|id| id.parse::<i64>().ok());
    let user_id = user.id.0 as i64;
    let released = match chat_id {
        Some(chat_id) => {
            let mut conn = ctx.storage.write.acquire().await?;
            store::release(&mut conn, chat_id, user_id)
                .await?
                .map(|member| (chat_id, member))
        }
        None => None,
    };
    let Some((chat_id, member)) = released else {
        ctx.reply(&message, ctx.t(lang, "welcome-held-not-held"));
        return Ok(());
    };
    let now = ctx.now();
    let choices = load_choices(&ctx, chat_id).await?;
    let mode = mode_of(&ctx, &choices);
    if mode == Mode::Off {
        tracing::info!(chat_id, user_id, "member held during a raid let in");
        ctx.reply(&message, ctx.t(lang, "welcome-gate-passed"));
        prior::let_in(&ctx, chat_id, user_id).await?;
        return enqueue_welcome(&ctx, chat_id, &member).await;
    }
    let challenge = challenge_for(mode, &choices, lang, &ctx);
    let timeout = timeout_of(&ctx, &choices);
    let dm = message.chat.id.0;
    let id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::open_gate(
            &mut conn,
            &store::NewGate {
                chat_id,
                user_id,
                user_name: &member.full_name,
                kind: mode,
                via_request: false,
                message_chat: dm,
                options: &challenge.options,
                answer: challenge.answer,
                deadline: now + timeout,
                now,
            },
        )
        .await?
    };
    let Some(id) = id else {
        return Ok(());
    };
    let title = ctx
        .groups
        .get(&ctx.storage, chat_id)
        .await?
        .map(|g| g.title.clone())
        .unwrap_or_default();
    let text = format!(
        "{}\n\n{}",
        ctx.ta(
            lang,
            "welcome-release-intro",
            &fargs! {"group" => escape(&title)}
        ),
        gate_text(
            &ctx,
            lang,
            mode,
            &mention_html(user_id, &member.full_name),
            &challenge,
            timeout
        )
    );
    post_question(
        &ctx,
        id,
        Text::html(dm, text).markup(gate_keyboard(id, &challenge)),
        None,
    );
    Ok(())
}

/// The deep link that asks a member held during a raid the group's check in a private chat.
pub(super) fn release_link(ctx: &Ctx, chat_id: i64) -> Option<reqwest::Url> {
    let username = ctx.me.username.as_deref()?;
    format!(
        "https://t.me/{username}?start={}{chat_id}",
        gate::RELEASE_PAYLOAD
    )
    .parse()
    .ok()
}

pub(super) async fn pass(ctx: &Ctx, gate: &Gate, user: &User) -> crate::Result<()> {
    tracing::info!(
        chat_id = gate.chat_id,
        user_id = gate.user_id,
        "entry gate passed"
    );
    finish_question(ctx, gate).await?;
    if gate.via_request {
        // The welcome follows when the approved member's join arrives; that join is not checked again.
        let mut conn = ctx.storage.write.acquire().await?;
        let now = ctx.now();
        crate::storage::members::mark_verified(&mut conn, gate.chat_id, gate.user_id, now).await?;
        store::record_request_pass(&mut conn, gate.chat_id, gate.user_id, now).await?;
        ctx.outbound
            .answer_join_request(gate.chat_id, gate.user_id, true);
        drop(conn);
        youre_in(ctx, gate, user).await?;
        return Ok(());
    }
    prior::let_in(ctx, gate.chat_id, gate.user_id).await?;
    enqueue_welcome(ctx, gate.chat_id, &queued(user)).await
}

/// The wording of a wrong answer, by what follows: a kick (the member may join again and retry), a
/// declined request (they may ask again), or a ban or mute (the check simply failed).
fn wrong_answer_wording(ctx: &Ctx, gate: &Gate) -> &'static str {
    if gate.via_request {
        "welcome-gate-wrong-request"
    } else if ctx.config.welcome.fail_action == FailAction::Kick {
        "welcome-gate-wrong-kick"
    } else {
        "welcome-gate-wrong"
    }
}

/// Tells a member whose join request was approved, in the private chat where they answered, that they are
/// in, with a button that opens the group when it has a public link.
async fn youre_in(ctx: &Ctx, gate: &Gate, user: &User) -> crate::Result<()> {
    let lang = match Lang::from_telegram(user.language_code.as_deref()) {
        Some(lang) => lang,
        None => ctx.group_lang(gate.chat_id).await,
    };
    let group = ctx.groups.get(&ctx.storage, gate.chat_id).await?;
    let title = group.as_ref().map(|g| g.title.clone()).unwrap_or_default();
    let link = group
        .as_ref()
        .and_then(|g| g.username.as_deref())
        .and_then(|name| format!("https://t.me/{name}").parse::<reqwest::Url>().ok());
    let wording = if link.is_some() {
        "welcome-request-in"
    } else {
        "welcome-request-in-no-link"
    };
    let text = ctx.ta(lang, wording, &fargs! {"group" => escape(&title)});
    let mut out = Text::html(gate.user_id, text);
    if let Some(url) = link {
        out = out.markup(InlineKeyboardMarkup::new(vec![vec![
            InlineKeyboardButton::url(ctx.t(lang, "welcome-request-open"), url),
        ]]));
    }
    ctx.outbound.send_text(out);
    Ok(())
}

pub(super) async fn fail(ctx: &Ctx, gate: &Gate) -> crate::Result<()> {
    tracing::info!(
        chat_id = gate.chat_id,
        user_id = gate.user_id,
        "entry gate failed or timed out"
    );
    finish_question(ctx, gate).await?;
    if gate.via_request {
        ctx.outbound
            .answer_join_request(gate.chat_id, gate.user_id, false);
        return Ok(());
    }
    match ctx.config.welcome.fail_action {
        FailAction::Kick => {
            ctx.outbound
                .kick(gate.chat_id, gate.user_id, ctx.clock.now());
        }
        FailAction::Ban => {
            ctx.outbound.ban(gate.chat_id, gate.user_id, None);
        }
        FailAction::Mute => {}
    }
    Ok(())
}

/// Raid mode is over in a group that holds members: without an entry check they are simply let in (and
/// greeted together); otherwise one message names them, and its button sends each of them into a
/// private chat with the bot to answer the group's own check.
pub(super) async fn release_held(ctx: &Ctx, chat_id: i64) -> crate::Result<()> {
    let choices = load_choices(ctx, chat_id).await?;
    if mode_of(ctx, &choices) == Mode::Off {
        let members = {
            let mut conn = ctx.storage.write.acquire().await?;
            store::release_all(&mut conn, chat_id).await?
        };
        for member in &members {
            prior::let_in(ctx, chat_id, member.user_id).await?;
            enqueue_welcome(ctx, chat_id, member).await?;
        }
        return Ok(());
    }
    let lang = ctx.group_lang(chat_id).await;
    let (shown, count) = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::held_members(&mut conn, chat_id, ctx.config.welcome.names_per_welcome).await?
    };
    if count == 0 {
        return Ok(());
    }
    let separator = match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    };
    let listed: Vec<String> = shown
        .iter()
        .map(|m| mention_html(m.user_id, &m.full_name))
        .collect();
    let mut names = listed.join(separator);
    if count as usize > shown.len() {
        names.push(' ');
        names.push_str(&ctx.ta(lang, "welcome-names-more", &fargs! {"count" => count}));
    }
    let markup = InlineKeyboardMarkup::default().append_row(vec![InlineKeyboardButton::callback(
        ctx.t(lang, "welcome-button-check"),
        gate::RELEASE_DATA,
    )]);
    ctx.outbound.send_text(
        Text::html(
            chat_id,
            ctx.ta(
                lang,
                "welcome-held-release",
                &fargs! {"count" => count, "members" => names},
            ),
        )
        .markup(markup),
    );
    Ok(())
}
