//! `/verify P…`: a packet's commitment, and once it has ended its seed and the recomputed shares.

use super::request::count_of;
use super::store;
use crate::fairness::{self, Kind, Seed};
use crate::fargs;
use crate::services::Ctx;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

pub(super) async fn verify(ctx: &Ctx, message: &Message, arg: &str) -> HandlerResult {
    let lang = ctx.lang_for(message).await;
    let Some((Kind::Packet, id)) = fairness::parse_display_id(arg) else {
        ctx.reply(message, ctx.t(lang, "redpacket-verify-usage"));
        return Ok(());
    };
    let mut conn = ctx.storage.read.acquire().await?;
    let packet = store::get(&mut conn, id)
        .await?
        .filter(|p| message.chat.is_private() || p.chat_id == message.chat.id.0);
    let Some(packet) = packet else {
        ctx.reply(
            message,
            ctx.ta(
                lang,
                "redpacket-verify-unknown",
                &fargs! {"id" => fairness::display_id(Kind::Packet, id)},
            ),
        );
        return Ok(());
    };
    let display = fairness::display_id(Kind::Packet, id);
    let kind = ctx.t(lang, &format!("redpacket-kind-{}", packet.kind));
    let mut html = ctx.ta(
        lang,
        "redpacket-verify-head",
        &fargs! {
            "id" => display.clone(),
            "kind" => kind,
            "total" => packet.total.to_string(),
            "count" => packet.count.to_string(),
            "min" => packet.min_share.to_string(),
            "commitment" => packet.commitment.clone(),
            // A packet has no participant list: its list is empty, and so is the list the stream is keyed by.
            "list_hash" => fairness::list_hash(""),
        },
    );
    html.push('\n');
    if packet.is_open() {
        html.push_str(&ctx.t(lang, "redpacket-verify-secret"));
    } else {
        let stored = store::shares(&mut conn, id).await?;
        let seed = Seed::from_hex(&packet.seed);
        let recomputed = seed.as_ref().and_then(|seed| {
            store::compute_shares(
                packet.packet_kind(),
                id,
                packet.total,
                count_of(packet.count),
                packet.min_share,
                seed,
            )
            .ok()
        });
        let commitment_ok = seed.as_ref().is_some_and(|seed| {
            fairness::commitment(&fairness::tag(Kind::Packet, id), seed) == packet.commitment
        });
        let shares = recomputed
            .as_ref()
            .map(|s| s.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        html.push_str(&ctx.ta(
            lang,
            "redpacket-verify-revealed",
            &fargs! {"seed" => packet.seed.clone(), "shares" => shares},
        ));
        html.push('\n');
        let ok = commitment_ok && recomputed.as_deref() == Some(stored.as_slice());
        html.push_str(&ctx.t(
            lang,
            if ok {
                "redpacket-verify-ok"
            } else {
                "redpacket-verify-mismatch"
            },
        ));
    }
    ctx.reply_html(message, html);
    Ok(())
}
