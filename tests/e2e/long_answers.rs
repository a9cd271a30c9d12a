//! Long answers to members' commands go to them in private when they have started the bot there, with a
//! short note in the group; a member who never started it, a short answer, or a private send Telegram
//! refuses keeps today's answer in the group.

use crate::support::fake_api::{bot_admin_member, Failure};
use crate::support::harness::{TestBot, SENT_IN_PRIVATE};
use crate::support::members::owner;
use crate::support::updates::*;
use serde_json::Value;

const OWNER: i64 = 1_931;
const MIA: i64 = 2_931;
const BEN: i64 = 3_931;

fn mia() -> Value {
    user_with(MIA, "Mia", Some("mia_here"), None)
}

fn ben() -> Value {
    user_with(BEN, "Ben", Some("ben_here"), None)
}

/// A group in `lang` with welcomes and the gate off, where Mia has started the bot in private and Ben
/// has not.
async fn group(chat: i64, lang: &str) -> TestBot {
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__CAPTCHA", "off")]).await;
    bot.api.set_admins(
        chat,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.push(group_message(chat, owner(OWNER), &format!("/lang {lang}")));
    bot.push(group_message(chat, owner(OWNER), "/welcome off"));
    bot.wait_texts(chat, 2).await;
    bot.push(private_message(mia(), "/start"));
    bot.wait_texts(MIA, 1).await;
    bot.settle().await;
    bot
}

/// The calendar's first line in each language, and the private header naming the group.
struct Words {
    calendar: &'static str,
    header: &'static str,
    profile: &'static str,
}

async fn long_answers_go_to_private(chat: i64, lang: &str, words: Words) {
    let bot = group(chat, lang).await;

    // Mia's month calendar is long: it goes to her in private, and the group gets the note.
    let answer = bot.answer_read_by(chat, mia(), "/checkin month").await;
    assert!(answer.in_private, "{}", answer.text);
    assert!(answer.text.starts_with(words.header), "{}", answer.text);
    assert!(answer.text.contains(words.calendar), "{}", answer.text);

    // Her profile is short: it stays in the group.
    let answer = bot.answer_read_by(chat, mia(), "/me").await;
    assert!(!answer.in_private, "{}", answer.text);
    assert!(answer.text.contains(words.profile), "{}", answer.text);

    // Ben never started the bot: his calendar is answered in the group, and nothing is tried in private.
    let answer = bot.answer_read_by(chat, ben(), "/checkin month").await;
    assert!(!answer.in_private, "{}", answer.text);
    assert!(answer.text.contains(words.calendar), "{}", answer.text);
    assert!(bot.texts_to(BEN).is_empty());

    // Mia blocks the bot: the refused private send falls back to the group, and the bot stops trying.
    bot.api.fail_next(
        "sendMessage",
        1,
        Failure::Forbidden("Forbidden: bot was blocked by the user".into()),
    );
    let tries = bot.api.calls("sendMessage").len();
    let before = bot.texts_to(chat).len();
    bot.push(group_message(chat, mia(), "/checkin month"));
    let texts = bot.wait_texts(chat, before + 1).await;
    bot.settle().await;
    assert!(texts[before].contains(words.calendar), "{texts:?}");
    assert!(!SENT_IN_PRIVATE.contains(&texts[before].as_str()));
    let refused = &bot.api.calls("sendMessage")[tries];
    assert!(
        refused.failed && refused.params["chat_id"].as_i64() == Some(MIA),
        "the private send was tried first: {refused:?}"
    );
    let private_before = bot.api.calls("sendMessage").len();
    let answer = bot.answer_read_by(chat, mia(), "/checkin month").await;
    assert!(!answer.in_private, "{}", answer.text);
    assert!(
        bot.api.calls("sendMessage")[private_before..]
            .iter()
            .all(|c| c.params["chat_id"].as_i64() == Some(chat)),
        "no private send is tried after the refusal"
    );
    bot.stop().await;
}

#[tokio::test]
async fn long_answers_go_to_private_zh() {
    long_answers_go_to_private(
        -100_931,
        "zh",
        Words {
            calendar: "本月签到",
            header: "来自群“Test Group”：",
            profile: "Mia",
        },
    )
    .await;
}

#[tokio::test]
async fn long_answers_go_to_private_en() {
    long_answers_go_to_private(
        -100_932,
        "en",
        Words {
            calendar: "marks a day you signed in",
            header: "From Test Group:",
            profile: "Mia",
        },
    )
    .await;
}
