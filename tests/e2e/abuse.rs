//! Abuse of the bot by a member or by an admin of another chat, each attack performed and shown to fail:
//! pointing a group's moderation log at a chat the admin does not run, flooding a log channel, members'
//! command floods, escaping a mute by leaving and rejoining through the captcha, and joining while the
//! admin list cannot be read.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::{admin_with, owner};
use crate::support::updates::*;
use serde_json::{json, Value};
use std::time::Duration;

const GROUP: i64 = -100_4242;
const OWNER: i64 = 4_101;
const MIA: i64 = 4_303;
/// Another group the bot is in, where the owner is only a member.
const OTHER_GROUP: i64 = -100_4777;
/// A channel the owner administers.
const CHANNEL: i64 = -100_4666;

fn mia() -> Value {
    user_with(MIA, "Mia", Some("mia_here"), None)
}

/// A group in `lang` whose admins are the owner and the bot, with the gate and welcomes off.
async fn group(lang: &str, env: &[(&str, &str)]) -> TestBot {
    let mut env = env.to_vec();
    env.push(("GROUPOPS_WELCOME__CAPTCHA", "off"));
    let bot = TestBot::start_with(&env).await;
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.push(group_message(GROUP, owner(OWNER), &format!("/lang {lang}")));
    bot.wait_texts(GROUP, 1).await;
    bot.push(group_message(GROUP, owner(OWNER), "/welcome off"));
    bot.wait_texts(GROUP, 2).await;
    bot.push(group_message(GROUP, mia(), "hi all"));
    bot.settle().await;
    bot.api.clear_calls();
    bot
}

/// Sends `text` from `from` and returns the texts the bot sent to the group in answer.
async fn say(bot: &TestBot, from: Value, text: &str) -> String {
    let before = bot.texts_to(GROUP).len();
    bot.push(group_message(GROUP, from, text));
    let texts = bot.wait_texts(GROUP, before + 1).await;
    bot.settle().await;
    texts[before..].join("\n")
}

async fn log_channel_of(bot: &TestBot) -> Option<i64> {
    sqlx::query_scalar("SELECT channel_id FROM moderation_log_channels WHERE chat_id = ?")
        .bind(GROUP)
        .fetch_optional(&bot.ctx.storage.read)
        .await
        .unwrap()
}

/// The channel as `getChat` reports it, with the owner as an admin who may (or may not) post there.
fn channel_with_owner(bot: &TestBot, may_post: bool) {
    bot.api.set_chat(
        CHANNEL,
        json!({"type": "channel", "title": "Mod log", "permissions": null}),
    );
    let mut admin = admin_with(owner(OWNER), &["can_delete_messages"]);
    admin["can_post_messages"] = json!(may_post);
    admin["can_edit_messages"] = json!(false);
    bot.api.set_chat_member(CHANNEL, OWNER, admin);
}

async fn setlog_refuses_chats_the_admin_does_not_run(lang: &str, refusal: &str, done: &str) {
    let bot = group(lang, &[]).await;
    // The owner of this group is only a member of the other group: its log may not be sent there.
    let text = say(&bot, owner(OWNER), &format!("/setlog {OTHER_GROUP}")).await;
    assert!(text.contains(refusal), "{text}");
    // A channel admin without the right to post may not point the log there either.
    channel_with_owner(&bot, false);
    let text = say(&bot, owner(OWNER), &format!("/setlog {CHANNEL}")).await;
    assert!(text.contains(refusal), "{text}");
    assert!(
        bot.texts_to(OTHER_GROUP).is_empty(),
        "nothing reached the other group"
    );
    assert!(
        bot.texts_to(CHANNEL).is_empty(),
        "nothing reached the channel"
    );
    assert_eq!(log_channel_of(&bot).await, None, "nothing was stored");
    let asked = bot.api.calls("getChatMember");
    assert!(
        asked
            .iter()
            .any(|c| c.params["chat_id"] == OTHER_GROUP && c.params["user_id"] == OWNER),
        "the owner's membership of the target was asked: {asked:?}"
    );
    // With the right to post, it is accepted.
    channel_with_owner(&bot, true);
    let text = say(&bot, owner(OWNER), &format!("/setlog {CHANNEL}")).await;
    assert!(text.contains(done), "{text}");
    assert_eq!(log_channel_of(&bot).await, Some(CHANNEL));
    assert_eq!(bot.texts_to(CHANNEL).len(), 1, "the test line");
    bot.stop().await;
}

#[tokio::test]
async fn setlog_refuses_chats_the_admin_does_not_run_zh() {
    setlog_refuses_chats_the_admin_does_not_run("zh-CN", "只能把记录发到你管理的聊天", "同步到")
        .await;
}

#[tokio::test]
async fn setlog_refuses_chats_the_admin_does_not_run_en() {
    setlog_refuses_chats_the_admin_does_not_run("en", "a chat you run", "now mirrored").await;
}

async fn a_burst_of_actions_is_folded_in_the_log_channel(lang: &str, summary: &str) {
    let bot = group(lang, &[("GROUPOPS_MODERATION__LOG_MIRROR_RATE", "2/1m")]).await;
    channel_with_owner(&bot, true);
    say(&bot, owner(OWNER), &format!("/setlog {CHANNEL}")).await;
    for target in [5_001, 5_002, 5_003, 5_004, 5_005] {
        say(&bot, owner(OWNER), &format!("/ban {target}")).await;
    }
    bot.api.wait_for("banChatMember", 5, WAIT).await;
    let mirrored = bot.texts_to(CHANNEL);
    assert_eq!(
        mirrored.len(),
        3,
        "the test line and two lines: {mirrored:?}"
    );
    // The three lines past the rate are not lost: one line sums them up once the minute is over.
    bot.clock.advance(Duration::from_secs(61));
    bot.ticks(1).await;
    let mirrored = bot.wait_texts(CHANNEL, 4).await;
    assert_eq!(mirrored.len(), 4, "{mirrored:?}");
    assert!(mirrored[3].contains(summary), "{mirrored:?}");
    assert!(mirrored[3].contains(&GROUP.to_string()), "{mirrored:?}");
    bot.stop().await;
}

#[tokio::test]
async fn a_burst_of_actions_is_folded_in_the_log_channel_zh() {
    a_burst_of_actions_is_folded_in_the_log_channel("zh-CN", "另有 3 条").await;
}

#[tokio::test]
async fn a_burst_of_actions_is_folded_in_the_log_channel_en() {
    a_burst_of_actions_is_folded_in_the_log_channel("en", "3 more actions").await;
}
