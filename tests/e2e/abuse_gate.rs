//! Abuse of the entry gate, each attack performed and shown to fail: escaping a mute by leaving and
//! rejoining through the captcha, and joining while the admin list cannot be read.

use crate::support::fake_api::{bot_admin_member, Failure};
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner;
use crate::support::updates::*;
use serde_json::{json, Value};
use std::time::Duration;

const GROUP: i64 = -100_4343;
const OWNER: i64 = 4_101;
const MIA: i64 = 4_303;

fn mia() -> Value {
    user_with(MIA, "Mia", Some("mia_here"), None)
}

/// A newcomer who joins during the test.
fn newcomer() -> Value {
    user(4_505, "Ned")
}

/// Sends `text` from `from` and returns the texts the bot sent to the group in answer.
async fn say(bot: &TestBot, from: Value, text: &str) -> String {
    let before = bot.texts_to(GROUP).len();
    bot.push(group_message(GROUP, from, text));
    let texts = bot.wait_texts(GROUP, before + 1).await;
    bot.settle().await;
    texts[before..].join("\n")
}

/// A supergroup in `lang` with the button captcha on; its admins are the owner and the bot.
async fn gated_group(lang: &str) -> TestBot {
    let bot = TestBot::start().await;
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.push(group_message(GROUP, owner(OWNER), &format!("/lang {lang}")));
    bot.wait_texts(GROUP, 1).await;
    bot.push(group_message(GROUP, mia(), "hi all"));
    bot.settle().await;
    bot.api.clear_calls();
    bot
}

/// Mia's membership as Telegram reports it while she is restricted until `until`: in the group, or gone
/// (a member who leaves while restricted keeps the restriction).
fn restricted_mia(until: i64, in_group: bool) -> Value {
    let mut status = member(mia(), "restricted");
    status["until_date"] = json!(until);
    status["is_member"] = json!(in_group);
    status
}

fn mia_changes(old: Value, new: Value) -> Value {
    json!({"chat_member": {
        "chat": crate::support::updates::group(GROUP),
        "from": mia(),
        "date": bot_now(),
        "old_chat_member": old,
        "new_chat_member": new,
    }})
}

fn bot_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The restrictions the bot set on `user_id`, in order.
fn restricts_of(bot: &TestBot, user_id: i64) -> Vec<Value> {
    bot.api
        .calls("restrictChatMember")
        .into_iter()
        .filter(|c| c.params["user_id"] == user_id)
        .map(|c| c.params)
        .collect()
}

/// Waits for the gate question that names `name` and returns its first button's data.
async fn gate_button(bot: &TestBot, name: &str) -> String {
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["text"].as_str().unwrap_or("").contains(name)
                    && c.params["reply_markup"]["inline_keyboard"].is_array()
            })
        })
        .await;
    let question = calls
        .iter()
        .rev()
        .find(|c| {
            c.method == "sendMessage"
                && c.params["text"].as_str().unwrap_or("").contains(name)
                && c.params["reply_markup"]["inline_keyboard"].is_array()
        })
        .unwrap();
    question.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn a_mute_outlives_leaving_rejoining_and_the_captcha(lang: &str) {
    let bot = gated_group(lang).await;
    // An admin mutes Mia for a day.
    say(&bot, owner(OWNER), "/mute @mia_here 1d").await;
    let mute = bot.api.wait_for("restrictChatMember", 1, WAIT).await[0]
        .params
        .clone();
    let until = mute["until_date"].as_i64().expect("a mute with an end");
    assert!(until > bot_now() + 86_000, "{mute}");
    // She leaves, comes back, and the gate restricts her…
    bot.push(mia_changes(
        restricted_mia(until, true),
        restricted_mia(until, false),
    ));
    bot.settle().await;
    bot.push(mia_changes(
        restricted_mia(until, false),
        restricted_mia(until, true),
    ));
    let data = gate_button(&bot, "Mia").await;
    bot.settle().await;
    assert_eq!(restricts_of(&bot, MIA).len(), 2, "the mute, then the gate");
    // …the bot restarts meanwhile…
    let bot = bot.restart().await;
    bot.api.clear_calls();
    // …and she solves the captcha: her mute goes on until its original end.
    bot.push(callback(GROUP, mia(), 0, &data));
    let after = bot.api.wait_for("restrictChatMember", 1, WAIT).await[0]
        .params
        .clone();
    bot.settle().await;
    assert_eq!(after["user_id"], MIA);
    assert_eq!(after["until_date"], until, "{after}");
    assert_ne!(after["permissions"]["can_send_messages"], true, "{after}");
    let restricts = restricts_of(&bot, MIA);
    assert_eq!(restricts.len(), 1, "never lifted in between: {restricts:?}");
    // A newcomer who had no restriction gets every permission back, so the group's defaults apply.
    bot.push(chat_member(
        GROUP,
        newcomer(),
        newcomer(),
        "left",
        "member",
        None,
    ));
    // The group's next captcha message waits for the message gap.
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(13));
    bot.ticks(1).await;
    let data = gate_button(&bot, "Ned").await;
    bot.push(callback(GROUP, newcomer(), 0, &data));
    let freed = bot
        .api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .filter(|c| c.method == "restrictChatMember" && c.params["user_id"] == 4_505)
                .count()
                == 2
        })
        .await;
    let freed = freed
        .iter()
        .rfind(|c| c.method == "restrictChatMember" && c.params["user_id"] == 4_505)
        .unwrap();
    for (right, granted) in freed.params["permissions"].as_object().unwrap() {
        assert_eq!(granted, true, "{right} of {}", freed.params);
    }
    bot.stop().await;
}

#[tokio::test]
async fn a_mute_outlives_leaving_rejoining_and_the_captcha_zh() {
    a_mute_outlives_leaving_rejoining_and_the_captcha("zh-CN").await;
}

#[tokio::test]
async fn a_mute_outlives_leaving_rejoining_and_the_captcha_en() {
    a_mute_outlives_leaving_rejoining_and_the_captcha("en").await;
}

async fn a_join_stays_restricted_while_the_admin_list_cannot_be_read(lang: &str) {
    let bot = gated_group(lang).await;
    bot.ctx.admins.invalidate(GROUP);
    bot.api.fail_next(
        "getChatAdministrators",
        1_000,
        Failure::BadRequest("Bad Request: temporarily unavailable".into()),
    );
    // Both copies of the join arrive while the admin list cannot be read.
    bot.push(chat_member(
        GROUP,
        newcomer(),
        newcomer(),
        "left",
        "member",
        None,
    ));
    bot.push(new_members(GROUP, newcomer(), vec![newcomer()]));
    bot.settle().await;
    let held = restricts_of(&bot, 4_505);
    assert_eq!(held.len(), 1, "restricted at once: {held:?}");
    assert_ne!(held[0]["permissions"]["can_send_messages"], true);
    // Still unreadable at the first retry: still restricted, nothing lifted.
    bot.clock.advance(Duration::from_secs(31));
    bot.ticks(2).await;
    bot.settle().await;
    let held = restricts_of(&bot, 4_505);
    assert!(
        held.iter()
            .all(|r| r["permissions"]["can_send_messages"] != true),
        "{held:?}"
    );
    // Once the list can be read, the next retry asks the newcomer the captcha.
    bot.api.clear_failures("getChatAdministrators");
    bot.clock.advance(Duration::from_secs(61));
    bot.ticks(2).await;
    let data = gate_button(&bot, "Ned").await;
    let held = restricts_of(&bot, 4_505);
    assert!(
        held.iter()
            .all(|r| r["permissions"]["can_send_messages"] != true),
        "not let in before answering: {held:?}"
    );
    bot.push(callback(GROUP, newcomer(), 0, &data));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "restrictChatMember"
                    && c.params["user_id"] == 4_505
                    && c.params["permissions"]["can_send_messages"] == true
            })
        })
        .await;
    bot.stop().await;
}

#[tokio::test]
async fn a_join_stays_restricted_while_the_admin_list_cannot_be_read_zh() {
    a_join_stays_restricted_while_the_admin_list_cannot_be_read("zh-CN").await;
}

#[tokio::test]
async fn a_join_stays_restricted_while_the_admin_list_cannot_be_read_en() {
    a_join_stays_restricted_while_the_admin_list_cannot_be_read("en").await;
}
