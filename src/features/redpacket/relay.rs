//! Relays (红包接龙): `/relay`, `/relay stop`, `/relay stats`, the relay button, and the relay part of the
//! ticker (asking each finished round's best luck for the next one, deadlines).

use super::create::{internal, split_refusal};
use super::request::count_of;
use super::view::{announce_packet, duration_words, short_name};
use super::{relay_core, split, store, RELAY_PREFIX};
use crate::args::{first_word, parse_integer};
use crate::fairness::Seed;
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::{escape, full_name};
use crate::telegram::HandlerResult;
use store::{CreateError, PacketStatus, RelayStatus};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};

/// `/relay <total> <count> [deadline]`, `/relay stop`, `/relay stats`.
pub(super) async fn command(ctx: &Ctx, message: &Message, args: &str) -> HandlerResult {
    let call = Call::new(ctx, message).await;
    if message.chat.is_private() {
        call.say(call.t("redpacket-group-only"));
        return Ok(());
    }
    let from = message
        .from
        .as_ref()
        .filter(|_| message.sender_chat.is_none());
    let (word, rest) = first_word(args);
    match word.to_lowercase().as_str() {
        "stop" | "停止" => return stop(&call, from.map(|f| f.id.0 as i64)).await,
        "stats" | "统计" => return stats(&call).await,
        _ => {}
    }
    let Some(from) = from else {
        call.say(call.t("redpacket-no-sender"));
        return Ok(());
    };
    let user = from.id.0 as i64;
    let chat = message.chat.id.0;
    let settings = &ctx.config.redpacket;
    let (count_word, rest) = first_word(rest);
    let (deadline_word, _) = first_word(rest);
    let (Some(total), Some(count)) = (parse_integer(word), parse_integer(count_word)) else {
        call.say_html(call.t("redpacket-relay-usage"));
        return Ok(());
    };
    let count = count_of(count);
    let deadline = if deadline_word.is_empty() {
        settings.relay_deadline.get().as_secs() as i64
    } else {
        match crate::args::parse_duration(deadline_word) {
            Ok(d) if (10..=7 * 24 * 3600).contains(&d.as_secs()) => d.as_secs() as i64,
            _ => {
                call.say(call.t("redpacket-relay-bad-deadline"));
                return Ok(());
            }
        }
    };
    if let Err(err) = split::check(total, count, &settings.limits()) {
        call.say(split_refusal(ctx, call.lang, &err));
        return Ok(());
    }
    let mut tx = ctx.storage.write.begin().await?;
    if store::live_relay(&mut tx, chat).await?.is_some() {
        drop(tx);
        call.say(call.t("redpacket-relay-running"));
        return Ok(());
    }
    let now = ctx.now();
    let name = full_name(from);
    let new = store::NewRelay {
        chat_id: chat,
        starter: user,
        starter_name: &name,
        total,
        count,
        deadline_secs: deadline,
        thread_id: message
            .thread_id
            .filter(|_| message.is_topic_message)
            .map(|t| i64::from(t.0 .0)),
        now,
        expires_at: now.saturating_add(settings.expiry.get().as_secs() as i64),
        min_share: settings.min_share,
    };
    let (relay, packet) = match store::start_relay(&mut tx, &new, &Seed::generate()).await {
        Ok(found) => found,
        Err(CreateError::Insufficient { balance }) => {
            drop(tx);
            call.say(call.ta(
                "redpacket-insufficient",
                &fargs! {"balance" => balance.to_string(), "total" => total.to_string()},
            ));
            return Ok(());
        }
        Err(CreateError::Split(err)) => {
            drop(tx);
            call.say(split_refusal(ctx, call.lang, &err));
            return Ok(());
        }
        Err(err) => return Err(internal(err)),
    };
    tx.commit().await?;
    call.say_kept(call.ta(
        "redpacket-relay-started",
        &fargs! {
            "id" => relay.id.to_string(),
            "total" => total.to_string(),
            "count" => count.to_string(),
            "deadline" => duration_words(&ctx.i18n, call.lang, deadline),
        },
    ));
    announce_packet(ctx, call.lang, &packet, Some(message)).await?;
    Ok(())
}

/// `/relay stop`: the starter, or any admin of the group (an anonymous admin too), ends the live relay.
async fn stop(call: &Call<'_>, user: Option<i64>) -> HandlerResult {
    let (ctx, chat) = (call.ctx, call.chat_id);
    let mut conn = ctx.storage.read.acquire().await?;
    let Some(relay) = store::live_relay(&mut conn, chat).await? else {
        call.say(call.t("redpacket-relay-none"));
        return Ok(());
    };
    drop(conn);
    let allowed =
        user == Some(relay.starter) || ctx.admins.sender_rights(call.message).await?.is_some();
    if !allowed {
        call.say(call.t("redpacket-relay-stop-refused"));
        return Ok(());
    }
    let mut conn = ctx.storage.write.acquire().await?;
    if !store::end_relay(&mut conn, relay.id, RelayStatus::Stopped, ctx.now()).await? {
        call.say(call.t("redpacket-relay-none"));
        return Ok(());
    }
    call.say_kept(call.ta(
        "redpacket-relay-stopped",
        &fargs! {"id" => relay.id.to_string(), "rounds" => relay.round.to_string()},
    ));
    Ok(())
}

/// `/relay stats`: what each member sent and received in the group's latest relay.
async fn stats(call: &Call<'_>) -> HandlerResult {
    let ctx = call.ctx;
    let mut conn = ctx.storage.read.acquire().await?;
    let Some(relay) = store::latest_relay(&mut conn, call.chat_id).await? else {
        call.say(call.t("redpacket-relay-none"));
        return Ok(());
    };
    let rows = store::relay_claims(&mut conn, relay.id).await?;
    let mut names = std::collections::HashMap::new();
    for (sender, sender_name, claimer, claimer_name, _) in &rows {
        names.entry(*sender).or_insert_with(|| sender_name.clone());
        names.insert(*claimer, claimer_name.clone());
    }
    let triples: Vec<(i64, i64, i64)> = rows.iter().map(|r| (r.0, r.2, r.4)).collect();
    let status = call.t(&format!("redpacket-relay-status-{}", relay.status.as_str()));
    let mut html = call.ta(
        "redpacket-relay-stats-head",
        &fargs! {
            "id" => relay.id.to_string(),
            "rounds" => relay.round.to_string(),
            "total" => relay.total.to_string(),
            "count" => relay.count.to_string(),
            "status" => status,
        },
    );
    for line in relay_core::sums(&triples) {
        let name = names
            .get(&line.user_id)
            .map(|n| short_name(n))
            .unwrap_or_else(|| line.user_id.to_string());
        html.push('\n');
        html.push_str(&call.ta(
            "redpacket-relay-stats-line",
            &fargs! {
                "name" => name,
                "sent" => line.sent.to_string(),
                "received" => line.received.to_string(),
                "net" => format!("{:+}", line.net()),
            },
        ));
    }
    call.say_html(html);
    Ok(())
}

/// The button under an ask: sends round `round` of the relay, `total` points.
fn relay_button(ctx: &Ctx, lang: Lang, relay: i64, round: i64, total: i64) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        ctx.ta(
            lang,
            "redpacket-relay-button",
            &fargs! {"total" => total.to_string()},
        ),
        format!("{RELAY_PREFIX}{relay}:{round}"),
    )]])
}

/// The relay button: only the asked member's press sends the next round, from their own wallet.
pub(super) async fn on_press(ctx: Ctx, query: CallbackQuery) -> HandlerResult {
    let data = query.data.as_deref().unwrap_or_default();
    let parsed = data.strip_prefix(RELAY_PREFIX).and_then(|rest| {
        let (id, round) = rest.split_once(':')?;
        Some((id.parse::<i64>().ok()?, round.parse::<i64>().ok()?))
    });
    let chat_message = query.regular_message().cloned();
    let chat_id = chat_message.as_ref().map(|m| m.chat.id.0);
    let lang = match chat_id {
        Some(chat) => ctx.group_lang(chat).await,
        None => ctx.default_lang(),
    };
    let settings = &ctx.config.redpacket;
    let now = ctx.now();
    let outcome = match parsed {
        Some((id, round)) => {
            let mut conn = ctx.storage.read.acquire().await?;
            let same_chat = store::get_relay(&mut conn, id)
                .await?
                .is_some_and(|r| Some(r.chat_id) == chat_id);
            drop(conn);
            if same_chat {
                store::press_relay(
                    &ctx.storage.write,
                    id,
                    round,
                    query.from.id.0 as i64,
                    &full_name(&query.from),
                    now,
                    now.saturating_add(settings.expiry.get().as_secs() as i64),
                    settings.min_share,
                    &Seed::generate(),
                )
                .await
                .map_err(internal)?
            } else {
                store::RelayPress::Gone
            }
        }
        None => store::RelayPress::Gone,
    };
    let (text, alert) = match &outcome {
        store::RelayPress::Sent(..) => (ctx.t(lang, "redpacket-relay-alert-sent"), false),
        store::RelayPress::Gone => (ctx.t(lang, "redpacket-relay-alert-gone"), true),
        store::RelayPress::NotYou => (ctx.t(lang, "redpacket-relay-alert-not-you"), true),
        store::RelayPress::Insufficient { balance } => (
            ctx.ta(
                lang,
                "redpacket-relay-alert-poor",
                &fargs! {"balance" => balance.to_string()},
            ),
            true,
        ),
    };
    ctx.outbound.answer_press(&query, text, alert);
    if let store::RelayPress::Sent(sent) = outcome {
        let (relay, packet) = *sent;
        if let Some(asked) = chat_message {
            ctx.outbound.edit_text_as(Priority::Game,
                relay.chat_id,
                asked.id,
                ctx.ta(
                    lang,
                    "redpacket-relay-answered",
                    &fargs! {"name" => escape(&packet.sender_name), "round" => relay.round.to_string()},
                ),
                true,
                Some(InlineKeyboardMarkup::default()),
            );
        }
        announce_packet(&ctx, lang, &packet, None).await?;
    }
    Ok(())
}

/// The relay part of the ticker: ask the best luck of every ended round, then resolve missed deadlines.
pub(super) async fn tick(ctx: &Ctx, now: i64) -> crate::Result<()> {
    let mut conn = ctx.storage.write.acquire().await?;
    for (relay, packet) in store::relays_with_ended_packet(&mut conn).await? {
        let lang = ctx.group_lang(relay.chat_id).await;
        let claims = store::claims(&mut conn, packet.id).await?;
        let order: Vec<(u32, i64)> = claims
            .iter()
            .map(|c| (c.position as u32, c.amount))
            .collect();
        let exhausted = packet.status == PacketStatus::Exhausted;
        let relay_core::RoundEnd::Ask(best) = relay_core::round_end(exhausted, &order) else {
            if store::end_relay(&mut conn, relay.id, RelayStatus::Ended, now).await? {
                send_relay_text(
                    ctx,
                    &relay,
                    ctx.ta(
                        lang,
                        "redpacket-relay-expired",
                        &fargs! {"id" => relay.id.to_string(), "rounds" => relay.round.to_string()},
                    ),
                    None,
                );
            }
            continue;
        };
        let winner = &claims[best];
        let due = now + relay.deadline_secs;
        if store::ask(&mut conn, relay.id, winner.user_id, &winner.user_name, due).await? {
            send_relay_text(
                ctx,
                &relay,
                ctx.ta(
                    lang,
                    "redpacket-relay-ask",
                    &fargs! {
                        "name" => crate::telegram::text::mention_html(winner.user_id, &winner.user_name),
                        "amount" => winner.amount.to_string(),
                        "total" => relay.total.to_string(),
                        "count" => relay.count.to_string(),
                        "round" => (relay.round + 1).to_string(),
                        "deadline" => duration_words(&ctx.i18n, lang, relay.deadline_secs),
                    },
                ),
                Some(relay_button(ctx, lang, relay.id, relay.round + 1, relay.total)),
            );
        }
    }
    let ping_once = ctx.config.redpacket.relay_ping_once;
    for relay in store::overdue_relays(&mut conn, now).await? {
        let lang = ctx.group_lang(relay.chat_id).await;
        let name = relay.next_name.clone().unwrap_or_default();
        let user = relay.next_user.unwrap_or_default();
        match relay_core::overdue(ping_once, relay.pinged) {
            relay_core::Overdue::Ping => {
                store::mark_pinged(&mut conn, relay.id, now + relay.deadline_secs).await?;
                send_relay_text(
                    ctx,
                    &relay,
                    ctx.ta(
                        lang,
                        "redpacket-relay-ping",
                        &fargs! {"name" => crate::telegram::text::mention_html(user, &name)},
                    ),
                    Some(relay_button(
                        ctx,
                        lang,
                        relay.id,
                        relay.round + 1,
                        relay.total,
                    )),
                );
            }
            relay_core::Overdue::End => {
                if store::end_relay(&mut conn, relay.id, RelayStatus::Ended, now).await? {
                    send_relay_text(
                        ctx,
                        &relay,
                        ctx.ta(
                            lang,
                            "redpacket-relay-missed",
                            &fargs! {
                                "id" => relay.id.to_string(),
                                "name" => escape(&name),
                                "rounds" => relay.round.to_string(),
                            },
                        ),
                        None,
                    );
                }
            }
        }
    }
    Ok(())
}

/// Posts a relay message in the relay's topic.
fn send_relay_text(
    ctx: &Ctx,
    relay: &store::Relay,
    html: String,
    markup: Option<InlineKeyboardMarkup>,
) {
    let mut text = Text::html(relay.chat_id, html);
    text.thread_id = relay
        .thread_id
        .map(|t| teloxide::types::ThreadId(MessageId(t as i32)));
    if let Some(markup) = markup {
        text = text.markup(markup);
    }
    ctx.outbound.send_text(text.priority(Priority::Game));
}
