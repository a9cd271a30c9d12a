//! `/verify P…`: a packet's commitment, and once it has ended its seed and the shares recomputed from it.
//! [`answer`] is the packet side of `/verify`; [`recheck`] is the pure comparison behind it.

use super::request::count_of;
use super::store::{self, PacketKind};
use crate::fairness::{self, Kind, Seed};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

/// How many claims `/verify P…` names; the rest are summed up as "…".
const CLAIMS_SHOWN: usize = 50;

/// Answers `/verify <id>` for a packet id (`P17`): in a group only that group's packets are found, in a
/// private chat every packet. Any other id is answered with the usage text.
pub async fn answer(ctx: &Ctx, message: &Message, lang: Lang, id: &str) -> HandlerResult {
    let call = Call::in_lang(ctx, message, lang);
    let Some((Kind::Packet, id)) = fairness::parse_display_id(id) else {
        call.say(call.t("redpacket-verify-usage"));
        return Ok(());
    };
    let display = fairness::display_id(Kind::Packet, id);
    let mut conn = ctx.storage.read.acquire().await?;
    let packet = store::get(&mut conn, id)
        .await?
        .filter(|p| message.chat.is_private() || p.chat_id == call.chat_id);
    let Some(packet) = packet else {
        call.say(call.ta("redpacket-verify-unknown", &fargs! {"id" => display}));
        return Ok(());
    };
    // In private, only someone who could see the packet in its group sees it here.
    if packet.chat_id != call.chat_id
        && !ctx.may_see_group(packet.chat_id, call.sender_id()).await?
    {
        call.say(call.ta("redpacket-verify-not-member", &fargs! {"id" => display}));
        return Ok(());
    }
    let kind = call.t(&format!("redpacket-kind-{}", packet.kind.as_str()));
    let mut html = call.ta(
        "redpacket-verify-head",
        &fargs! {
            "id" => display,
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
        html.push_str(&call.t("redpacket-verify-secret"));
    } else {
        let stored = store::shares(&mut conn, id).await?;
        let recheck = recheck(
            &Revealed {
                kind: packet.kind,
                id,
                total: packet.total,
                count: count_of(packet.count),
                min_share: packet.min_share,
                seed: &packet.seed,
                commitment: &packet.commitment,
            },
            &stored,
        );
        let shares = recheck
            .shares
            .as_ref()
            .map(|s| s.iter().map(i64::to_string).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        html.push_str(&call.ta(
            "redpacket-verify-revealed",
            &fargs! {"seed" => packet.seed.clone(), "shares" => shares},
        ));
        html.push('\n');
        // Who took which share, by name, in grab order (the first ones when there are many).
        let claims = store::claims(&mut conn, id).await?;
        if !claims.is_empty() {
            let mut shown: Vec<String> = claims
                .iter()
                .take(CLAIMS_SHOWN)
                .map(|claim| {
                    let name = ctx.member_name(lang, claim.user_id, Some(&claim.user_name));
                    crate::telegram::text::escape(&call.ta(
                        "redpacket-verify-claim",
                        &fargs! {"name" => name, "amount" => claim.amount},
                    ))
                })
                .collect();
            if claims.len() > CLAIMS_SHOWN {
                shown.push("…".to_string());
            }
            html.push_str(&call.ta(
                "redpacket-verify-claims",
                &fargs! {"claims" => shown.join(&call.t("list-separator"))},
            ));
            html.push('\n');
        }
        html.push_str(&call.t(if recheck.ok {
            "redpacket-verify-ok"
        } else {
            "redpacket-verify-mismatch"
        }));
    }
    call.say_html(html);
    Ok(())
}

/// What an ended packet published: its parameters, its seed (as stored, hex) and its commitment.
#[derive(Debug, Clone, Copy)]
pub struct Revealed<'a> {
    pub kind: PacketKind,
    pub id: i64,
    pub total: i64,
    pub count: u32,
    pub min_share: i64,
    pub seed: &'a str,
    pub commitment: &'a str,
}

/// The result of recomputing a packet from its seed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recheck {
    /// The shares the seed gives, when the seed can be read and the parameters split.
    pub shares: Option<Vec<i64>>,
    /// Whether the seed matches the commitment and gives exactly the stored shares.
    pub ok: bool,
}

/// Recomputes a packet's shares from its seed and compares them, and the commitment, with what was stored.
pub fn recheck(packet: &Revealed<'_>, stored: &[i64]) -> Recheck {
    let seed = Seed::from_hex(packet.seed);
    let shares = seed.as_ref().and_then(|seed| {
        store::compute_shares(
            packet.kind,
            packet.id,
            packet.total,
            packet.count,
            packet.min_share,
            seed,
        )
        .ok()
    });
    let commitment_ok = seed.as_ref().is_some_and(|seed| {
        fairness::commitment(&fairness::tag(Kind::Packet, packet.id), seed) == packet.commitment
    });
    let ok = commitment_ok && shares.as_deref() == Some(stored);
    Recheck { shares, ok }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_is_confirmed_only_by_its_own_seed_and_shares() {
        let seed = Seed::from_bytes([9; 32]);
        let hex = seed.to_hex();
        let commitment = fairness::commitment(&fairness::tag(Kind::Packet, 4), &seed);
        let packet = Revealed {
            kind: PacketKind::Lucky,
            id: 4,
            total: 100,
            count: 5,
            min_share: 1,
            seed: &hex,
            commitment: &commitment,
        };
        let shares = store::compute_shares(PacketKind::Lucky, 4, 100, 5, 1, &seed).unwrap();
        assert_eq!(shares.iter().sum::<i64>(), 100);
        let good = recheck(&packet, &shares);
        assert_eq!((good.shares.as_deref(), good.ok), (Some(&shares[..]), true));
        let mut tampered = shares.clone();
        tampered.swap(0, 4);
        if tampered != shares {
            assert!(!recheck(&packet, &tampered).ok);
        }
        assert!(!recheck(&packet, &shares[..4]).ok);
        let other = fairness::commitment(&fairness::tag(Kind::Packet, 5), &seed);
        let wrong_commitment = Revealed {
            commitment: &other,
            ..packet
        };
        assert!(!recheck(&wrong_commitment, &shares).ok);
        let unreadable = Revealed {
            seed: "zz",
            ..packet
        };
        assert_eq!(
            recheck(&unreadable, &shares),
            Recheck {
                shares: None,
                ok: false
            }
        );
    }
}
