//! Join requests, checked in a private chat before they are approved.

use super::gate::Mode;
use super::settings::Undeliverable;
use super::store::Gate;
use super::{captcha::*, choices::*};
use super::{gate, store};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::Ctx;
use crate::telegram::admins::Right;
use crate::telegram::outbound::Text;
use crate::telegram::text::{escape, full_name, mention_html};
use crate::telegram::HandlerResult;
use teloxide::types::ChatJoinRequest;

pub(super) async fn on_join_request(ctx: Ctx, request: ChatJoinRequest) -> HandlerResult {
    let chat_id = request.chat.id.0;
    let user = &request.from;
    let user_id = user.id.0 as i64;
    let now = ctx.now();
    let banned_in_a_set = {
        let mut conn = ctx.storage.read.acquire().await?;
        crate::storage::set_bans::banned_in_a_set_of(&mut conn, chat_id, user_id).await?
    };
    if banned_in_a_set {
        // A member banned in a group set of this group that shares bans is declined at once.
        ctx.outbound.answer_join_request(chat_id, user_id, false);
        return Ok(());
    }
    let choices = load_choices(&ctx, chat_id).await?;
    let mode = mode_of(&ctx, &choices);
    if mode == Mode::Off || choices.raid_until > now {
        // No gate (or a raid going on): the request waits for the admins.
        return Ok(());
    }
    let lang =
        Lang::from_telegram(user.language_code.as_deref()).unwrap_or(ctx.group_lang(chat_id).await);
    let group_lang = ctx.group_lang(chat_id).await;
    if let Some(lack) = ctx.bot_lacks(chat_id, &[Right::Invite], group_lang).await? {
        // Without the right to approve, the request stays for the admins; they hear why once in a while.
        warn_rarely(&ctx, chat_id, lack).await?;
        return Ok(());
    }
    let challenge = challenge_for(mode, &choices, lang, &ctx);
    let timeout = timeout_of(&ctx, &choices).min(gate::MAX_REQUEST_TIMEOUT as i64);
    let name = full_name(user);
    let dm = request.user_chat_id.0;
    let id = {
        let mut conn = ctx.storage.write.acquire().await?;
        store::open_gate(
            &mut conn,
            &store::NewGate {
                chat_id,
                user_id,
                user_name: &name,
                kind: mode,
                via_request: true,
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
    let title = request.chat.title().unwrap_or_default();
    let text = format!(
        "{}\n\n{}",
        ctx.ta(
            lang,
            "welcome-request-intro",
            &fargs! {"group" => escape(title)}
        ),
        gate_text(
            &ctx,
            lang,
            mode,
            &mention_html(user_id, &name),
            &challenge,
            timeout
        )
    );
    let undeliverable = ctx.config.welcome.request_undeliverable;
    post_question(
        &ctx,
        id,
        Text::html(dm, text).markup(gate_keyboard(id, &challenge)),
        Some(Box::new(move |ctx: Ctx, gate: Gate| {
            tracing::warn!(
                chat_id = gate.chat_id,
                user_id = gate.user_id,
                ?undeliverable,
                "join request gate undeliverable"
            );
            ctx.outbound.answer_join_request(
                gate.chat_id,
                gate.user_id,
                undeliverable == Undeliverable::Approve,
            );
        })),
    );
    Ok(())
}
