//! `/verify L<id>`: shows a lottery's commitment and, once drawn, recomputes the draw from its revealed seed
//! and participants so anyone can check the result. [`answer`] is the one entry point.

use super::draw;
use super::store::{self, Lottery, Status};
use super::{display, in_lines};
use crate::facts::standing::Exclusion;
use crate::fairness::{self, Kind, Seed};
use crate::fargs;
use crate::i18n::Lang;
use crate::services::{Call, Ctx};
use crate::telegram::text::escape;
use crate::telegram::HandlerResult;
use teloxide::prelude::*;

/// `/verify` prints a participant list up to this many characters inline; a longer one is attached as a file.
const INLINE_LIST_MAX: usize = 3_000;

/// Winner ids per line of a `/verify` answer.
const IDS_PER_LINE: usize = 50;

/// Who may see `/verify` of a lottery where the command was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum VerifyAccess {
    /// In the lottery's own group, or in private by a participant, or by anyone who may see its group
    /// (see [`crate::services::Services::may_see_group`]).
    Granted,
    /// In private by someone who is neither.
    NotYours,
    /// In another group: as if the lottery did not exist there.
    Elsewhere,
}

/// `/verify` shows participant ids: it answers in the lottery's group, and in private to the lottery's
/// participants and to its group's admins and members (anyone, for a public group), never in another
/// group.
async fn verify_access(
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
        || ctx.may_see_group(lottery.chat_id, user.id.0 as i64).await?
    {
        Ok(VerifyAccess::Granted)
    } else {
        Ok(VerifyAccess::NotYours)
    }
}

/// Answers `/verify L<id>` for lottery `id` in `lang`: the commitment, and once drawn the revealed seed, the
/// participant list and its hash, and the winners recomputed from them, compared with the stored result.
/// The `/verify` command's owner calls this for lottery ids.
pub async fn answer(ctx: &Ctx, message: &Message, lang: Lang, id: i64) -> HandlerResult {
    let call = Call::in_lang(ctx, message, lang);
    let mut conn = ctx.storage.read.acquire().await?;
    let unknown = || call.ta("lottery-unknown", &fargs! {"id" => display(id)});
    let Some(lottery) = store::get(&mut conn, id).await? else {
        call.say(unknown());
        return Ok(());
    };
    match verify_access(ctx, &mut conn, message, &lottery).await? {
        VerifyAccess::Granted => {}
        VerifyAccess::Elsewhere => {
            call.say(unknown());
            return Ok(());
        }
        VerifyAccess::NotYours => {
            call.say(call.ta("lottery-verify-not-yours", &fargs! {"id" => display(id)}));
            return Ok(());
        }
    }
    // A drawn lottery's draw was over its entries minus the excluded ones (none before exclusions existed).
    let people = match lottery.status {
        Status::Drawn => store::drawn_participants(&mut conn, id).await?,
        Status::Open | Status::Cancelled => store::participants(&mut conn, id).await?,
    };
    let head = call.ta(
        "lottery-verify-head",
        &fargs! {
            "id" => display(id),
            "title" => escape(&lottery.title),
            "tag" => fairness::tag(Kind::Lottery, id),
            "commitment" => lottery.commitment.clone(),
        },
    );
    let not_drawn = match lottery.status {
        Status::Drawn => None,
        Status::Open => Some("lottery-verify-open"),
        Status::Cancelled => Some("lottery-verify-cancelled"),
    };
    if let Some(state) = not_drawn {
        call.say_html(format!(
            "{head}\n{}",
            call.ta(state, &fargs! {"count" => people.len()})
        ));
        return Ok(());
    }
    let Some(seed) = Seed::from_hex(&lottery.seed) else {
        return Ok(());
    };
    let tiers = store::prizes(&mut conn, id).await?;
    let wins = store::wins(&mut conn, id).await?;
    let excluded = store::exclusions(&mut conn, id).await?;
    let check = recheck(&lottery, &people, &tiers, &wins, &seed);
    let winners: Vec<i64> = check.recomputed.winners.iter().flatten().copied().collect();
    let names = crate::storage::members::names(&mut conn, &winners).await?;
    drop(conn);
    let entrants = Entrants {
        people: &people,
        excluded: &excluded,
        names: &names,
    };
    report(&call, &lottery, head, entrants, &seed, &check);
    Ok(())
}

/// Redoes a finished draw from its revealed seed and stored participants, and compares it with the recorded
/// wins.
fn recheck(
    lottery: &Lottery,
    people: &[i64],
    tiers: &[store::PrizeRow],
    wins: &[store::Win],
    seed: &Seed,
) -> draw::Verification {
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
    draw::verify(
        people,
        &counts,
        lottery.floor_name.is_some(),
        seed,
        lottery.id,
        &draw::Published {
            commitment: &lottery.commitment,
            list_hash: lottery.list_hash.as_deref().unwrap_or_default(),
            winners: &stored_winners,
            floor: &stored_floor,
        },
    )
}

/// Who took part in a draw: the participants (the list that was hashed), who was left out and why, and
/// the names the winners are shown by.
struct Entrants<'a> {
    people: &'a [i64],
    excluded: &'a [(i64, Exclusion)],
    names: &'a std::collections::HashMap<i64, String>,
}

/// Says what the recomputation found: the seed, the participant list (attached as a file when long), who
/// was left out, each tier's winners and whether all of it matches.
fn report(
    call: &Call<'_>,
    lottery: &Lottery,
    head: String,
    entrants: Entrants<'_>,
    seed: &Seed,
    check: &draw::Verification,
) {
    let Entrants {
        people,
        excluded,
        names,
    } = entrants;
    let again = &check.recomputed;
    let list = fairness::participant_list(people);
    let file_name = format!("lottery-{}-participants.txt", display(lottery.id));
    let participants = if list.len() <= INLINE_LIST_MAX {
        call.ta(
            "lottery-verify-list",
            &fargs! {"count" => people.len(), "list" => list.clone()},
        )
    } else {
        call.ta(
            "lottery-verify-list-file",
            &fargs! {"count" => people.len(), "file" => file_name.clone()},
        )
    };
    let mut text = head;
    text.push('\n');
    text.push_str(&call.ta(
        "lottery-verify-drawn",
        &fargs! {
            "seed" => seed.to_hex(),
            "list_hash" => again.list_hash.clone(),
            "participants" => participants,
        },
    ));
    text.push('\n');
    if !excluded.is_empty() {
        let items: Vec<String> = excluded
            .iter()
            .map(|(user, why)| {
                call.ta(
                    "lottery-verify-excluded-item",
                    &fargs! {"id" => user.to_string(), "why" => call.t(&format!("lottery-excluded-why-{}", why.name()))},
                )
            })
            .collect();
        text.push_str(&call.ta(
            "lottery-verify-excluded",
            &fargs! {"count" => excluded.len(), "list" => items.join(&call.t("list-separator"))},
        ));
        text.push('\n');
    }
    for (index, tier) in again.winners.iter().enumerate() {
        // Winners are named, with the id the participant list holds so anyone can check it.
        let ids: Vec<String> = tier
            .iter()
            .map(|&id| {
                let name = call
                    .ctx
                    .member_name(call.lang, id, names.get(&id).map(String::as_str));
                escape(&call.ta("name-with-id", &fargs! {"name" => name, "id" => id}))
            })
            .collect();
        let winners = if ids.is_empty() {
            "-".to_string()
        } else {
            in_lines(&ids, IDS_PER_LINE, &call.t("list-separator"))
        };
        text.push_str(&call.ta(
            "lottery-verify-tier",
            &fargs! {"tier" => index + 1, "winners" => winners},
        ));
        text.push('\n');
    }
    if lottery.floor_name.is_some() {
        text.push_str(&call.ta(
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
    text.push_str(&call.t(verdict));
    call.say_html(text);
    if list.len() > INLINE_LIST_MAX {
        call.ctx
            .outbound
            .reply_file(call.message, file_name, list.into_bytes());
    }
}
