//! Forum topics: `/purge` stays inside the topic it was sent in and reports what was deleted, every answer
//! (replies and plain sends alike) goes to the command's topic, and welcomes go to the General topic.

use crate::support::fake_api::bot_admin_member;
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner;
use crate::support::updates::*;
use serde_json::{json, Value};

const GROUP: i64 = -100_4242;
const OWNER: i64 = 7_101;
const MIA: i64 = 7_202;
const NED: i64 = 7_303;

/// A bot whose group is a forum, in `lang`, with the owner and the bot as admins and the gate off.
async fn forum(lang: &str) -> TestBot {
    let bot = TestBot::start_with(&[
        ("GROUPOPS_I18N__DEFAULT_LANGUAGE", lang),
        ("GROUPOPS_WELCOME__CAPTCHA", "off"),
    ])
    .await;
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot
}

fn forum_chat() -> Value {
    let mut chat = group(GROUP);
    chat["is_forum"] = json!(true);
    chat
}

/// A message in topic `thread` of the forum (Telegram makes it a reply to the topic's creation message),
/// or in the General topic when `thread` is `None`.
fn post(thread: Option<i64>, from: Value, text: &str) -> Value {
    let mut message = text_message(forum_chat(), from, text);
    if let Some(thread) = thread {
        message["message_thread_id"] = json!(thread);
        message["is_topic_message"] = json!(true);
        message["reply_to_message"] = json!({
            "message_id": thread,
            "date": now(),
            "chat": forum_chat(),
            "from": owner(OWNER),
            "message_thread_id": thread,
            "forum_topic_created": {"name": "T", "icon_color": 7322096},
        });
    }
    json!({ "message": message })
}

fn id_of(update: &Value) -> i64 {
    update["message"]["message_id"].as_i64().unwrap()
}

async fn purge_stays_in_its_topic(lang: &str, report: &str) {
    let bot = forum(lang).await;
    let mia = user(MIA, "Mia");
    let first = post(Some(77), mia.clone(), "a1");
    let other_topic = post(Some(88), mia.clone(), "b1");
    let second = post(Some(77), mia.clone(), "a2");
    let general = post(None, mia.clone(), "g1");
    let other_again = post(Some(88), mia.clone(), "b2");
    let ours = [id_of(&first), id_of(&second)];
    let theirs = [id_of(&other_topic), id_of(&general), id_of(&other_again)];
    for update in [first.clone(), other_topic, second, general, other_again] {
        bot.push(update);
    }
    bot.settle().await;
    // A real reply to the topic's first message, inside topic 77.
    let mut command = post(Some(77), owner(OWNER), "/purge");
    command["message"]["reply_to_message"] = first["message"].clone();
    let command_id = id_of(&command);
    bot.push(command);
    let deletes = bot.api.wait_for("deleteMessages", 1, WAIT).await;
    let deleted: Vec<i64> = deletes
        .iter()
        .flat_map(|c| c.params["message_ids"].as_array().unwrap().clone())
        .map(|id| id.as_i64().unwrap())
        .collect();
    assert_eq!(deleted, vec![ours[0], ours[1], command_id], "{deleted:?}");
    for id in theirs {
        assert!(
            !deleted.contains(&id),
            "message {id} of another topic deleted"
        );
    }
    let sent = bot.api.wait_for("sendMessage", 1, WAIT).await;
    let answer = &sent[0].params;
    assert_eq!(answer["text"], report, "{answer}");
    assert_eq!(
        answer["message_thread_id"], 77,
        "the report (not a reply) is posted in the command's topic"
    );
    // A usage answer in General carries no topic.
    bot.push(post(None, owner(OWNER), "/purge"));
    let sent = bot.api.wait_for("sendMessage", 2, WAIT).await;
    assert!(
        sent[1].params.get("message_thread_id").is_none(),
        "{}",
        sent[1].params
    );
    bot.settle().await;
    assert!(bot.errors().is_empty(), "{:?}", bot.errors());
    bot.stop().await;
}

#[tokio::test]
async fn purge_in_a_topic_never_deletes_other_topics_zh() {
    purge_stays_in_its_topic("zh-CN", "已删除 3 条消息。").await;
}

#[tokio::test]
async fn purge_in_a_topic_never_deletes_other_topics_en() {
    purge_stays_in_its_topic("en", "Deleted 3 messages.").await;
}

async fn welcome_goes_to_general(lang: &str) {
    let bot = forum(lang).await;
    // An admin's command in a topic, then a newcomer joins: the welcome is posted in General.
    bot.push(post(Some(77), owner(OWNER), "/welcome on"));
    bot.api.wait_for("sendMessage", 1, WAIT).await;
    let mut join = chat_member(
        GROUP,
        user(NED, "Ned"),
        user(NED, "Ned"),
        "left",
        "member",
        None,
    );
    join["chat_member"]["chat"] = forum_chat();
    bot.push(join);
    let sent = bot.api.wait_for("sendMessage", 2, WAIT).await;
    assert_eq!(
        sent[0].params["message_thread_id"], 77,
        "{}",
        sent[0].params
    );
    assert!(
        sent[1].params.get("message_thread_id").is_none(),
        "the welcome is in General: {}",
        sent[1].params
    );
    assert!(
        sent[1].params["text"].as_str().unwrap().contains("Ned"),
        "{}",
        sent[1].params
    );
    bot.stop().await;
}

#[tokio::test]
async fn welcomes_go_to_the_general_topic_zh() {
    welcome_goes_to_general("zh-CN").await;
}

#[tokio::test]
async fn welcomes_go_to_the_general_topic_en() {
    welcome_goes_to_general("en").await;
}

async fn gathered_sign_ins_stay_in_the_topic(lang: &str, done: &str) {
    let bot = forum(lang).await;
    bot.push(post(Some(77), user(MIA, "Mia"), "/checkin"));
    bot.push(post(Some(77), user(NED, "Ned"), "/checkin"));
    // The first answer goes out at once, the second is gathered into the wave's later message.
    let sent = bot.api.wait_for("sendMessage", 2, WAIT).await;
    for call in &sent {
        assert_eq!(call.params["message_thread_id"], 77, "{}", call.params);
        assert!(
            call.params["text"].as_str().unwrap().contains(done),
            "{}",
            call.params
        );
    }
    assert!(sent[1].params["text"].as_str().unwrap().contains("Ned"));
    assert!(
        sent[1].params.get("reply_parameters").is_none(),
        "the second answer was gathered, not sent as a reply: {}",
        sent[1].params
    );
    bot.stop().await;
}

#[tokio::test]
async fn gathered_sign_ins_stay_in_the_topic_zh() {
    gathered_sign_ins_stay_in_the_topic("zh-CN", "签到 +").await;
}

#[tokio::test]
async fn gathered_sign_ins_stay_in_the_topic_en() {
    gathered_sign_ins_stay_in_the_topic("en", "signed in:").await;
}
