//! `/verify L<id>`: recomputes a finished draw from its revealed seed and participants.

use super::draw;
use super::store::{self, Lottery};
use super::{display, in_lines};
use crate::fairness::{self, Kind, Seed};
use crate::fargs;
use crate::services::Ctx;
use crate::telegram::text::{escape, split, MAX_TEXT};
use crate::telegram::HandlerResult;
use futures::FutureExt;
use teloxide::prelude::*;
use teloxide::types::{InputFile, ReplyParameters};

/// `/verify` prints a participant list up to this many characters inline; a longer one is attached as a file.
pub(super) const INLINE_LIST_MAX: usize = 3_000;

/// Winner ids per line of a `/verify` answer.
pub(super) const IDS_PER_LINE: usize = 50;

/// The lottery id of a `/verify L<digits>` message (`/verify@bot L5` too); `None` for anything else.
pub fn verify_target(text: &str) -> Option<i64> {
    let rest = text.strip_prefix("/verify")?;
    let rest = match rest.strip_prefix('@') {
        Some(mention) => mention.split_once(char::is_whitespace)?.1,
        None if rest.starts_with(char::is_whitespace) => rest,
        None => return None,
    };
    match fairness::parse_display_id(rest)? {
        (Kind::Lottery, id) => Some(id),
        (Kind::Packet, _) => None,
    }
}

/// Who may see `/verify` of a lottery where the command was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum VerifyAccess {
    /// In the lottery's own group, or in private by a participant or an admin of its group.
    Granted,
    /// In private by someone who is neither.
    NotYours,
    /// In another group: as if the lottery did not exist there.
    Elsewhere,
}

/// `/verify` shows participant ids: it answers in the lottery's group, and in private to the lottery's
/// participants and its group's admins, never in another group.
pub(super) async fn verify_access(
    ctx: &Ctx,
    conn: &mut sqlx::SqliteConnection,
    message: &Message,
    lottery: &Lottery,
) -> crate::Result<VerifyAccess> {
    if message.chat.id.0 == lottery.chat_id {
        return Ok(VerifyAccess::Granted);
    }
    if !message.chat.is_private() {
        return Ok(VerifyAccess::Elsewhere);
    }
    let Some(user) = message.from.as_ref() else {
        return Ok(VerifyAccess::NotYours);
    };
    if store::has_joined(conn, lottery.id, user.id.0 as i64).await?
        || ctx.admins.is_admin(lottery.chat_id, user.id.0).await?
    {
        Ok(VerifyAccess::Granted)
    } else {
        Ok(VerifyAccess::NotYours)
    }
}

/// `/verify L<id>`: the commitment, the revealed seed, the participant list and its hash, and the winners
/// recomputed from them, compared with the stored result.
pub(super) async fn on_verify(ctx: Ctx, message: Message, id: i64) -> HandlerResult {
    let lang = ctx.lang_for(&message).await;
    let mut conn = ctx.storage.read.acquire().await?;
    let unknown = || ctx.ta(lang, "lottery-unknown", &fargs! {"id" => display(id)});
    let Some(lottery) = store::get(&mut conn, id).await? else {
        ctx.reply(&message, unknown());
        return Ok(());
    };
    match verify_access(&ctx, &mut conn, &message, &lottery).await? {
        VerifyAccess::Granted => {}
        VerifyAccess::Elsewhere => {
            ctx.reply(&message, unknown());
            return Ok(());
        }
        VerifyAccess::NotYours => {
            ctx.reply(
                &message,
                ctx.ta(
                    lang,
                    "lottery-verify-not-yours",
                    &fargs! {"id" => display(id)},
                ),
            );
            return Ok(());
        }
    }
    let people = store::participants(&mut conn, id).await?;
    let tag = fairness::tag(Kind::Lottery, id);
    let head = ctx.ta(
        lang,
        "lottery-verify-head",
        &fargs! {
            "id" => display(id),
            "title" => escape(&lottery.title),
            "tag" => tag.clone(),
            "commitment" => lottery.commitment.clone(),
        },
    );
    if lottery.status != "drawn" {
        let id_word = if lottery.status == "open" {
            "lottery-verify-open"
        } else {
            "lottery-verify-cancelled"
        };
        let text = format!(
            "{head}\n{}",
            ctx.ta(lang, id_word, &fargs! {"count" => people.len()})
        );
        ctx.reply_html(&message, text);
        return Ok(());
    }
    let Some(seed) = Seed::from_hex(&lottery.seed) else {
        return Ok(());
    };
    let tiers = store::prizes(&mut conn, id).await?;
    let wins = store::wins(&mut conn, id).await?;
    drop(conn);
    let counts: Vec<u32> = tiers
        .iter()
        .map(|t| u32::try_from(t.count).unwrap_or(0))
        .collect();
    let stored_winners: Vec<Vec<i64>> = tiers
        .iter()
        .map(|tier| {
            wins.iter()
                .filter(|w| w.tier == tier.tier)
                .map(|w| w.user_id)
                .collect()
        })
        .collect();
    let stored_floor: Vec<i64> = wins
        .iter()
        .filter(|w| w.tier == 0)
        .map(|w| w.user_id)
        .collect();
    let check = draw::verify(
        &people,
        &counts,
        lottery.floor_name.is_some(),
        &seed,
        id,
        &draw::Published {
            commitment: &lottery.commitment,
            list_hash: lottery.list_hash.as_deref().unwrap_or_default(),
            winners: &stored_winners,
            floor: &stored_floor,
        },
    );
    let again = &check.recomputed;
    let list = fairness::participant_list(&people);
    let file_name = format!("lottery-{}-participants.txt", display(id));
    let participants = if list.len() <= INLINE_LIST_MAX {
        ctx.ta(
            lang,
            "lottery-verify-list",
            &fargs! {"count" => people.len(), "list" => list.clone()},
        )
    } else {
        ctx.ta(
            lang,
            "lottery-verify-list-file",
            &fargs! {"count" => people.len(), "file" => file_name.clone()},
        )
    };
    let mut text = head;
    text.push('\n');
    text.push_str(&ctx.ta(
        lang,
        "lottery-verify-drawn",
        &fargs! {
            "seed" => seed.to_hex(),
            "list_hash" => again.list_hash.clone(),
            "participants" => participants,
        },
    ));
    text.push('\n');
    for (index, tier) in again.winners.iter().enumerate() {
        let ids: Vec<String> = tier.iter().map(i64::to_string).collect();
        text.push_str(&ctx.ta(
            lang,
            "lottery-verify-tier",
            &fargs! {"tier" => index + 1, "winners" => if ids.is_empty() { "-".to_string() } else { in_lines(&ids, IDS_PER_LINE) }},
        ));
        text.push('\n');
    }
    if lottery.floor_name.is_some() {
        text.push_str(&ctx.ta(
            lang,
            "lottery-verify-floor",
            &fargs! {"count" => again.floor.len()},
        ));
        text.push('\n');
    }
    let verdict = if check.commitment_ok && check.result_ok {
        "lottery-verify-ok"
    } else {
        "lottery-verify-mismatch"
    };
    text.push_str(&ctx.t(lang, verdict));
    for piece in split(&text, MAX_TEXT) {
        ctx.reply_html(&message, piece);
    }
    if list.len() > INLINE_LIST_MAX {
        send_list_file(&ctx, &message, file_name, list.into_bytes());
    }
    Ok(())
}

/// Sends a long participant list as a text file in reply to `message` (budgeted like a send).
pub(super) fn send_list_file(ctx: &Ctx, message: &Message, name: String, bytes: Vec<u8>) {
    let (chat, reply_to) = (message.chat.id, message.id);
    let thread = message.thread_id.filter(|_| message.is_topic_message);
    ctx.outbound.budgeted(chat.0, "sendDocument", move |bot| {
        let mut request = bot
            .send_document(
                chat,
                InputFile::memory(bytes.clone()).file_name(name.clone()),
            )
            .reply_parameters(ReplyParameters::new(reply_to).allow_sending_without_reply());
        if let Some(thread) = thread {
            request = request.message_thread_id(thread);
        }
        request.send().boxed()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_takes_only_lottery_ids() {
        assert_eq!(verify_target("/verify L5"), Some(5));
        assert_eq!(verify_target("/verify l12 "), Some(12));
        assert_eq!(verify_target("/verify@groupops_bot L7"), Some(7));
        assert_eq!(verify_target("/verify P17"), None, "packets are not ours");
        assert_eq!(verify_target("/verify"), None);
        assert_eq!(verify_target("/verifyL5"), None);
        assert_eq!(verify_target("/verify L5x"), None);
        assert_eq!(verify_target("hello /verify L5"), None);
    }
}
