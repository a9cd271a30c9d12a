//! How a packet looks in the group: its message (title, progress, the list of claims, the commitment and the
//! seed), its Grab button, and the `+N` lines of claims.

use super::{eligibility::Rules, split, store, CALLBACK_PREFIX};
use crate::fairness::{self, Kind};
use crate::fargs;
use crate::i18n::{I18n, Lang};
use crate::services::Ctx;
use crate::telegram::outbound::{Priority, Text};
use crate::telegram::text::{escape, MAX_TEXT};
use store::{Mode, Packet, PacketKind, PacketStatus};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// Longest member name shown in a packet's claim list, so that 100 claims fit one message.
pub(super) const NAME_CHARS: usize = 16;

pub(super) fn grab_button(ctx: &Ctx, lang: Lang, id: i64) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        ctx.t(lang, "redpacket-button"),
        format!("{CALLBACK_PREFIX}{id}"),
    )]])
}

/// How many hex digits of the commitment the packet message shows; `/verify` and its button show all 64.
pub(super) const COMMITMENT_SHOWN: usize = 12;

/// The deep-link payload prefix of a packet's verify button: `/start verify_P17` in a private chat answers
/// as `/verify P17` does there.
pub const VERIFY_PAYLOAD: &str = "verify_";

/// The buttons under a packet's message: Grab while an open grab packet waits for presses, and Verify (a
/// deep link to the full verification in a private chat) when the bot has a username to link to.
pub(super) fn packet_markup(ctx: &Ctx, lang: Lang, packet: &Packet) -> InlineKeyboardMarkup {
    let mut markup = if packet.is_open() && packet.mode == Mode::Grab {
        grab_button(ctx, lang, packet.id)
    } else {
        InlineKeyboardMarkup::default()
    };
    let id = fairness::display_id(Kind::Packet, packet.id);
    let link = ctx.me.username.as_deref().and_then(|username| {
        format!("https://t.me/{username}?start={VERIFY_PAYLOAD}{id}")
            .parse()
            .ok()
    });
    if let Some(url) = link {
        markup = markup.append_row(vec![InlineKeyboardButton::url(
            ctx.t(lang, "redpacket-verify-button"),
            url,
        )]);
    }
    markup
}

/// The line naming the group's claim conditions (time in the group, having spoken, level), or `None` when
/// the group has none of them or the packet is exclusive (its one member may always open it).
pub(super) fn conditions_line(
    ctx: &Ctx,
    lang: Lang,
    packet: &Packet,
    rules: &Rules,
) -> Option<String> {
    if packet.kind == PacketKind::Exclusive {
        return None;
    }
    let mut parts = Vec::new();
    if rules.min_member_hours > 0 {
        parts.push(ctx.ta(
            lang,
            "redpacket-condition-hours",
            &fargs! {"hours" => rules.min_member_hours},
        ));
    }
    if rules.require_spoken {
        parts.push(ctx.t(lang, "redpacket-condition-spoken"));
    }
    if rules.min_level > 1 {
        parts.push(ctx.ta(
            lang,
            "redpacket-condition-level",
            &fargs! {"level" => rules.min_level},
        ));
    }
    if parts.is_empty() {
        return None;
    }
    let separator = ctx.t(lang, "redpacket-condition-separator");
    Some(ctx.ta(
        lang,
        "redpacket-conditions",
        &fargs! {"conditions" => parts.join(&separator)},
    ))
}

/// A name cut to [`NAME_CHARS`] characters and escaped for HTML.
pub(super) fn short_name(name: &str) -> String {
    let mut short: String = name.chars().take(NAME_CHARS).collect();
    if name.chars().count() > NAME_CHARS {
        short.push('…');
    }
    escape(&short)
}

/// A text's length as Telegram limits it, in UTF-16 code units. For HTML this is an upper bound: tags and
/// escapes do not count once Telegram has parsed them.
pub(super) fn text_units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// As many of `lines` (each starting with its line break) as fit in `budget` units, in order; when some had
/// to be left out, `more(n)` (also starting with a line break) says how many. The result never exceeds
/// `budget`: when not even the `more` line fits, it is empty.
pub(super) fn fit_lines(lines: &[String], budget: usize, more: impl Fn(usize) -> String) -> String {
    if lines.iter().map(|line| text_units(line)).sum::<usize>() <= budget {
        return lines.concat();
    }
    // The `more` line with the largest count it could show is the longest one.
    let reserve = text_units(&more(lines.len()));
    let mut out = String::new();
    let mut used = 0;
    let mut shown = 0;
    for line in lines {
        let units = text_units(line);
        if used + units + reserve > budget {
            break;
        }
        out.push_str(line);
        used += units;
        shown += 1;
    }
    if used + reserve <= budget {
        out.push_str(&more(lines.len() - shown));
    }
    out
}

/// The `+N` line of one claim.
pub(super) fn claim_line(claim: &store::Claim) -> String {
    format!("\n{} +{}", short_name(&claim.user_name), claim.amount)
}

/// The line that stands for the claims a message had no room for.
pub(super) fn more_claims(ctx: &Ctx, lang: Lang, hidden: usize) -> String {
    format!(
        "\n{}",
        ctx.ta(
            lang,
            "redpacket-more-claims",
            &fargs! {"count" => hidden.to_string()}
        )
    )
}

/// The packet message: who sent what, the claim conditions while it is open, the progress or the final
/// list, and the commitment's first [`COMMITMENT_SHOWN`] hex digits (and the seed once the packet has
/// ended). The list of claims is cut short ("… and N more") so the message stays within Telegram's 4096
/// characters; the total, the best luck and the commitment are always shown.
pub(super) fn render(
    ctx: &Ctx,
    lang: Lang,
    packet: &Packet,
    claims: &[store::Claim],
    rules: &Rules,
) -> String {
    let kind = ctx.t(lang, &format!("redpacket-kind-{}", packet.kind.as_str()));
    let mut html = ctx.ta(
        lang,
        "redpacket-title",
        &fargs! {
            "sender" => escape(&packet.sender_name),
            "kind" => kind,
            "id" => fairness::display_id(Kind::Packet, packet.id),
        },
    );
    if !packet.message.is_empty() {
        html.push_str(&format!("\n<i>{}</i>", escape(&packet.message)));
    }
    match (packet.mode, &packet.phrase, &packet.question) {
        (Mode::Pass, Some(phrase), _) => {
            html.push('\n');
            html.push_str(&ctx.ta(
                lang,
                "redpacket-pass-hint",
                &fargs! {"phrase" => escape(phrase)},
            ));
        }
        (Mode::Quiz, _, Some(question)) => {
            html.push('\n');
            html.push_str(&ctx.ta(
                lang,
                "redpacket-quiz-hint",
                &fargs! {"question" => escape(question)},
            ));
        }
        _ => {}
    }
    if let (Some(relay), Some(round)) = (packet.relay_id, packet.relay_round) {
        html.push('\n');
        html.push_str(&ctx.ta(
            lang,
            "redpacket-relay-round",
            &fargs! {"id" => relay.to_string(), "round" => round.to_string()},
        ));
    }
    if let (Some(target), Some(name)) = (packet.target, &packet.target_name) {
        html.push('\n');
        html.push_str(&ctx.ta(
            lang,
            "redpacket-for",
            &fargs! {"target" => crate::telegram::text::mention_html(target, name)},
        ));
    }
    if packet.is_open() {
        if let Some(line) = conditions_line(ctx, lang, packet, rules) {
            html.push('\n');
            html.push_str(&line);
        }
    }
    html.push('\n');
    html.push_str(&ctx.ta(
        lang,
        "redpacket-summary",
        &fargs! {
            "total" => packet.total.to_string(),
            "count" => packet.count.to_string(),
            "claimed" => claims.len().to_string(),
        },
    ));
    let mut lines = Vec::new();
    let mut tail = String::new();
    match packet.status {
        PacketStatus::Open => {}
        status => {
            html.push('\n');
            if status == PacketStatus::Expired {
                let to = if packet.from_mint {
                    ctx.t(lang, "redpacket-to-mint")
                } else {
                    escape(&packet.sender_name)
                };
                html.push_str(&ctx.ta(
                    lang,
                    "redpacket-expired",
                    &fargs! {"amount" => packet.refunded.to_string(), "to" => to},
                ));
            } else if packet.kind == PacketKind::Exclusive {
                // One share for one member: it was claimed, not "all grabbed".
                html.push_str(&ctx.t(lang, "redpacket-exclusive-claimed"));
            } else {
                html.push_str(&ctx.t(lang, "redpacket-exhausted"));
            }
            lines = claims.iter().map(claim_line).collect();
            let order: Vec<(u32, i64)> = claims
                .iter()
                .map(|c| (c.position as u32, c.amount))
                .collect();
            // Only random shares have a best luck: in an equal packet nobody was luckier.
            if status == PacketStatus::Exhausted
                && packet.count > 1
                && packet.kind == PacketKind::Lucky
            {
                if let Some(best) = split::best_luck(&order) {
                    tail.push('\n');
                    tail.push_str(&ctx.ta(
                        lang,
                        "redpacket-best-luck",
                        &fargs! {
                            "name" => short_name(&claims[best].user_name),
                            "amount" => claims[best].amount.to_string(),
                        },
                    ));
                }
            }
        }
    }
    tail.push('\n');
    tail.push_str(&ctx.ta(
        lang,
        "redpacket-commitment",
        &fargs! {"commitment" => short_commitment(&packet.commitment)},
    ));
    if !packet.is_open() {
        tail.push('\n');
        tail.push_str(&ctx.ta(
            lang,
            "redpacket-seed",
            &fargs! {
                "seed" => packet.seed.clone(),
                "id" => fairness::display_id(Kind::Packet, packet.id),
            },
        ));
    }
    let budget = MAX_TEXT.saturating_sub(text_units(&html) + text_units(&tail));
    html.push_str(&fit_lines(&lines, budget, |hidden| {
        more_claims(ctx, lang, hidden)
    }));
    html.push_str(&tail);
    html
}

/// The commitment as the packet message shows it: its first [`COMMITMENT_SHOWN`] hex digits and `…`.
pub(super) fn short_commitment(commitment: &str) -> String {
    match commitment.get(..COMMITMENT_SHOWN) {
        Some(prefix) if commitment.len() > COMMITMENT_SHOWN => format!("{prefix}…"),
        _ => commitment.to_owned(),
    }
}

/// Posts a packet's message (with the Grab button for grab packets and the Verify link) and remembers its
/// id. The group's claim rules are read here so the message can name them.
pub(super) async fn announce_packet(
    ctx: &Ctx,
    lang: Lang,
    packet: &Packet,
    reply_to: Option<&Message>,
) -> crate::Result<()> {
    let rules = {
        let mut conn = ctx.storage.read.acquire().await?;
        store::rules(
            &mut conn,
            packet.chat_id,
            ctx.config.redpacket.default_rules(),
        )
        .await?
    };
    let html = render(ctx, lang, packet, &[], &rules);
    let mut text = Text::html(packet.chat_id, html);
    if let Some(message) = reply_to {
        text = text.reply_to(message);
    }
    let markup = packet_markup(ctx, lang, packet);
    if !markup.inline_keyboard.is_empty() {
        text = text.markup(markup);
    }
    let pending = ctx.outbound.send_text(text.priority(Priority::Game));
    let ctx = ctx.clone();
    let id = packet.id;
    ctx.tasks.clone().spawn(async move {
        match pending.wait().await {
            Ok(sent) => {
                let stored = async {
                    let mut conn = ctx.storage.write.acquire().await?;
                    store::set_announcement(&mut conn, id, i64::from(sent.id.0)).await
                };
                if let Err(err) = stored.await {
                    tracing::warn!(%err, packet = id, "could not remember the packet message");
                }
            }
            Err(err) => tracing::warn!(%err, packet = id, "the packet message was not sent"),
        }
    });
    Ok(())
}

/// A duration in words of the group's language, largest units first ("1 小时 30 分钟", "10 minutes").
pub(super) fn duration_words(i18n: &I18n, lang: Lang, secs: i64) -> String {
    let mut rest = secs.max(0);
    let mut parts = Vec::new();
    for (id, size) in [
        ("redpacket-duration-days", 86_400),
        ("redpacket-duration-hours", 3_600),
        ("redpacket-duration-minutes", 60),
        ("redpacket-duration-seconds", 1),
    ] {
        if rest >= size {
            parts.push(i18n.ta(lang, id, &fargs! {"n" => rest / size}));
            rest %= size;
        }
    }
    if parts.is_empty() {
        parts.push(i18n.ta(lang, "redpacket-duration-seconds", &fargs! {"n" => 0}));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut_with_a_count_and_fit_the_budget() {
        let lines: Vec<String> = (0..10).map(|i| format!("\nline {i}")).collect();
        let more = |n: usize| format!("\n… {n} more");
        assert_eq!(fit_lines(&lines, 1000, more), lines.concat());
        let cut = fit_lines(&lines, 40, more);
        assert!(text_units(&cut) <= 40, "{cut}");
        let shown = cut.matches("\nline ").count();
        assert!(shown >= 1, "{cut}");
        assert!(cut.ends_with(&format!("\n… {} more", 10 - shown)), "{cut}");
        assert!(cut.starts_with("\nline 0\nline 1"), "{cut}");
        assert_eq!(fit_lines(&lines, 3, more), "");
        // Every budget gives a result within it.
        for budget in 0..100 {
            assert!(text_units(&fit_lines(&lines, budget, more)) <= budget);
        }
    }

    #[test]
    fn the_commitment_is_cut_to_its_first_hex_digits() {
        let full = "0123456789abcdef".repeat(4);
        assert_eq!(short_commitment(&full), "0123456789ab…");
        assert_eq!(short_commitment("abc"), "abc");
    }

    #[test]
    fn durations_are_written_in_words_of_the_language() {
        let i18n = I18n::shipped();
        assert_eq!(duration_words(&i18n, Lang::Zh, 600), "10 分钟");
        assert_eq!(duration_words(&i18n, Lang::Zh, 5400), "1 小时 30 分钟");
        assert_eq!(duration_words(&i18n, Lang::En, 600), "10 minutes");
        assert_eq!(
            duration_words(&i18n, Lang::En, 86_400 + 1),
            "1 day 1 second"
        );
        assert_eq!(duration_words(&i18n, Lang::En, 0), "0 seconds");
    }
}
