//! Abuse of moderation by a member or by an admin of another chat, each attack performed and shown to
//! fail: pointing a group's moderation log at a chat the admin does not run, flooding a log channel, and
//! members' command floods.

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

/// A newcomer who joined a moment ago.
fn newcomer() -> Value {
    user(4_505, "Ned")
}

async fn members_commands_past_their_rate_are_ignored_then_flood(lang: &str, flood: &str) {
    let bot = group(
        lang,
        &[("GROUPOPS_MODERATION__MEMBER_COMMAND_RATE", "6/1m")],
    )
    .await;
    bot.push(chat_member(
        GROUP,
        newcomer(),
        newcomer(),
        "left",
        "member",
        None,
    ));
    bot.settle().await;
    bot.api.clear_calls();
    // A newcomer trying the bot: six ordinary commands in a minute are answered, and none is flood.
    let commands = ["/help", "/me", "/rank", "/help", "/me", "/rank"];
    let mut answered = bot.texts_to(GROUP).len();
    for command in commands {
        let text = say(&bot, newcomer(), command).await;
        assert!(!text.is_empty(), "{command} is answered");
        answered = bot.texts_to(GROUP).len();
    }
    assert!(
        bot.api.calls("restrictChatMember").is_empty(),
        "a newcomer's ordinary commands are not flood"
    );
    // Past the rate the bot says nothing…
    for _ in 0..5 {
        bot.push(group_message(GROUP, newcomer(), "/rank"));
    }
    bot.settle().await;
    assert_eq!(bot.texts_to(GROUP).len(), answered, "nothing more was said");
    assert!(bot.api.calls("restrictChatMember").is_empty());
    // …and the sixth repeat past it within ten seconds is flood.
    bot.push(group_message(GROUP, newcomer(), "/rank"));
    let muted = bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    assert_eq!(muted[0].params["user_id"], 4_505);
    let texts = bot.wait_texts(GROUP, answered + 1).await;
    assert!(texts[answered].contains(flood), "{texts:?}");
    // An admin is never held back.
    for _ in 0..8 {
        say(&bot, owner(OWNER), "/help").await;
    }
    bot.stop().await;
}

#[tokio::test]
async fn members_commands_past_their_rate_are_ignored_then_flood_zh() {
    members_commands_past_their_rate_are_ignored_then_flood("zh-CN", "短时间内发言太多").await;
}

#[tokio::test]
async fn members_commands_past_their_rate_are_ignored_then_flood_en() {
    members_commands_past_their_rate_are_ignored_then_flood("en", "too many messages").await;
}
