//! The ticker's work for red packets: expiry with refunds, paced edits of packet messages, the `+N` lines of
//! typed claims, and the relays.

use super::create::internal;
use super::relay;
use super::runtime::{self, Runtime};
use super::store;
use super::view::{claim_line, fit_lines, more_claims, packet_markup, render, text_units};
use crate::fairness::{self, Kind};
use crate::fargs;
use crate::services::Ctx;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::MAX_TEXT;
use std::sync::Arc;
use teloxide::types::MessageId;

/// One tick: expire due packets (refunding their remainder), post the `+N` lines of typed claims, move the
/// relays on, then edit the packet messages whose claims moved on.
pub(super) async fn run(ctx: &Ctx) -> crate::Result<()> {
    let now = ctx.now();
    let runtime = runtime::of(ctx);
    // Each packet is refunded in its own error scope: one that fails stays open and is tried again next
    // tick, and the others are still refunded.
    let due = store::due_to_expire(&ctx.storage.write, now).await?;
    let due = due.into_iter().map(|id| (id, id));
    crate::features::each_due(ctx, "redpacket", "expiry of packet", due, |id| {
        let runtime = &runtime;
        async move {
            if store::expire(&ctx.storage.write, id, now)
                .await
                .map_err(internal)?
            {
                runtime.packet_ended(None, id);
            }
            Ok(())
        }
    })
    .await;
    announce_claims(ctx, now).await?;
    relay::tick(ctx, now).await?;
    edit_messages(ctx, &runtime, now).await
}

/// Edits the messages of packets whose claims moved on, paced by `edit_interval` (ended packets at once). A
/// packet whose previous edit is still queued at the outbound component is left for a later tick, so edits
/// of one message never pile up in the group's send budget; the edit is noted as done once it went out (or
/// failed for good).
async fn edit_messages(ctx: &Ctx, runtime: &Arc<Runtime>, now: i64) -> crate::Result<()> {
    let interval = ctx.config.redpacket.edit_interval.get().as_secs() as i64;
    let mut conn = ctx.storage.write.acquire().await?;
    for packet in store::due_edits(&mut conn, now, interval).await? {
        let Some(message_id) = packet.announce_id else {
            continue;
        };
        if !runtime.start_edit(packet.id) {
            continue;
        }
        let claims = store::claims(&mut conn, packet.id).await?;
        let lang = ctx.group_lang(packet.chat_id).await;
        let rules = store::rules(
            &mut conn,
            packet.chat_id,
            ctx.config.redpacket.default_rules(),
        )
        .await?;
        let html = render(ctx, lang, &packet, &claims, &rules);
        let markup = packet_markup(ctx, lang, &packet);
        let pending = ctx.outbound.edit_text_as(
            Priority::Game,
            packet.chat_id,
            MessageId(message_id as i32),
            html,
            true,
            Some(markup),
        );
        let (ctx, runtime) = (ctx.clone(), runtime.clone());
        let (id, shown, status) = (packet.id, claims.len() as i64, packet.status);
        ctx.tasks.clone().spawn(async move {
            if let Err(err) = pending.wait().await {
                tracing::warn!(%err, packet = id, "the packet message could not be edited");
            }
            // Shown, or given up on: either way this state needs no other edit, and a newer claim
            // marks the packet again.
            let marked = async {
                let mut conn = ctx.storage.write.acquire().await?;
                store::mark_edited(&mut conn, id, shown, status, ctx.now()).await?;
                Ok::<(), crate::Error>(())
            };
            if let Err(err) = marked.await {
                tracing::warn!(%err, packet = id, "could not note the packet's edit");
            }
            runtime.edit_done(id);
        });
    }
    Ok(())
}

/// The packets whose claims message is being sent: their new claims wait until its id is known, so one
/// packet never gets two claims messages.
#[derive(Default)]
struct ClaimsSending(std::sync::Mutex<std::collections::HashSet<i64>>);

/// The announcement part of the ticker: the `+N` lines of pass and quiz claims, in one message per packet
/// that is edited (at most once per `announce_interval`) as claims come. Its id is stored, so a restart
/// edits the same message.
pub(super) async fn announce_claims(ctx: &Ctx, now: i64) -> crate::Result<()> {
    let interval = ctx.config.redpacket.announce_interval.get().as_secs() as i64;
    let sending = ctx.local(ClaimsSending::default);
    let mut conn = ctx.storage.write.acquire().await?;
    for packet in store::due_announcements(&mut conn, now, interval).await? {
        if sending
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&packet.id)
        {
            continue;
        }
        if store::take_unannounced(&mut conn, packet.id, now)
            .await?
            .is_empty()
        {
            continue;
        }
        let claims = store::claims(&mut conn, packet.id).await?;
        let lang = ctx.group_lang(packet.chat_id).await;
        let mut html = ctx.ta(
            lang,
            "redpacket-claims-head",
            &fargs! {"id" => fairness::display_id(Kind::Packet, packet.id)},
        );
        let lines: Vec<String> = claims.iter().map(claim_line).collect();
        let budget = MAX_TEXT.saturating_sub(text_units(&html));
        html.push_str(&fit_lines(&lines, budget, |hidden| {
            more_claims(ctx, lang, hidden)
        }));
        if let Some(message_id) = store::claims_message(&mut conn, packet.id).await? {
            let pending = ctx.outbound.edit_text_as(
                Priority::Game,
                packet.chat_id,
                MessageId(message_id as i32),
                html,
                true,
                None,
            );
            let (ctx, id) = (ctx.clone(), packet.id);
            ctx.tasks.clone().spawn(async move {
                if let Err(err) = pending.wait().await {
                    // The message is gone (an admin deleted it): the next claims start a new one.
                    tracing::info!(%err, packet = id, "the claims message could not be edited");
                    if let Ok(mut conn) = ctx.storage.write.acquire().await {
                        let _ = store::set_claims_message(&mut conn, id, None).await;
                    }
                }
            });
            continue;
        }
        let mut text = Text::html(packet.chat_id, html);
        text.thread_id = packet
            .thread_id
            .map(|t| teloxide::types::ThreadId(MessageId(t as i32)));
        let pending = ctx.outbound.send_text(text.priority(Priority::Game));
        sending
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(packet.id);
        let (ctx, sending, id) = (ctx.clone(), sending.clone(), packet.id);
        ctx.tasks.clone().spawn(async move {
            if let Ok(sent) = pending.wait().await {
                let stored = async {
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::set_claims_message(&mut conn, id, Some(i64::from(sent.id.0))).await
                };
                if let Err(err) = stored.await {
                    tracing::warn!(%err, packet = id, "could not note the claims message");
                }
            }
            sending
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
        });
    }
    Ok(())
}
