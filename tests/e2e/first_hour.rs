//! The first hour of a real group, in Chinese and in English: the bot is added and says hello, the owner
//! sets the language, time zone, rules, entry check and warning ladder (and asks `/lang` for the language
//! the group already speaks, which is answered), newcomers join and pass the check, a newcomer's question
//! stays and an ad is removed with an explanation, members sign in, grab a red packet and join a lottery by
//! its keyword without being punished for it, look at their profile and the ranking, an admin mutes a
//! member for a day written the group's way, reads the moderation log in private, the lottery is drawn and
//! verified, and `/stats` averages over the day the bot has been there and says so. Members' command
//! answers are deleted after `replies.ttl`, so fewer of the bot's messages stay in the group than it sent.
//! The harness's leak check runs when the bot stops.

use crate::support::fake_api::{bot_admin_member, Call};
use crate::support::harness::{TestBot, WAIT};
use crate::support::redpackets::announcement;
use crate::support::updates::*;
use serde_json::Value;
use std::time::Duration;

const OWNER: i64 = 19_001;

/// What one language's group types and what it expects to read.
struct Walk {
    lang: &'static str,
    chat: i64,
    title: &'static str,
    hello: &'static str,
    settz: &'static str,
    zone_shown: &'static str,
    setrules: &'static str,
    rules_saved: &'static str,
    captcha: &'static str,
    captcha_set: &'static str,
    ladder: &'static str,
    ladder_set: &'static str,
    question: &'static str,
    ad: &'static str,
    ad_explained: &'static str,
    sign_in: &'static str,
    signed_in: &'static str,
    lottery: &'static str,
    lottery_announced: &'static str,
    keyword: &'static str,
    mute: &'static str,
    muted: &'static str,
    drawn: &'static str,
    verify_ok: &'static str,
    stats: &'static str,
    stats_since: &'static str,
    stats_retention: &'static str,
    lang_again: &'static str,
    lang_already: &'static str,
}

const ZH: Walk = Walk {
    lang: "zh-CN",
    chat: -100_019_001,
    title: "深圳跑步爱好者交流群",
    hello: "大家好，深圳跑步爱好者交流群！",
    settz: "/settz 北京",
    zone_shown: "北京时间",
    setrules: "/setrules 一、友善交流；二、不发广告；三、约跑请写明时间地点。",
    rules_saved: "群规已保存",
    captcha: "/captcha button 120",
    captcha_set: "入群验证已设为",
    ladder: "/ladder 警告, 禁言 1小时, 封禁",
    ladder_set: "新的警告阶梯",
    question: "请问周六早上几点在深圳湾集合？",
    ad: "兼职刷单，日结300，名额有限",
    ad_explained: "疑似广告",
    sign_in: "签到",
    signed_in: "签到 +",
    lottery: "/lottery 周末抽奖 | 跑鞋 ×1 | 30分钟后 | 口令=报名",
    lottery_announced: "周末抽奖",
    keyword: "报名",
    mute: "/mute @bo_runs 1天",
    muted: "已被禁言 1 天",
    drawn: "抽奖 L1 开奖",
    verify_ok: "种子与承诺哈希一致",
    stats: "/stats",
    stats_since: "日均按这",
    stats_retention: "机器人入群还不满 7 天",
    lang_again: "/lang zh",
    lang_already: "本群已经在使用中文",
};

const EN: Walk = Walk {
    lang: "en",
    chat: -100_019_002,
    title: "Rust Shenzhen Meetup",
    hello: "Rust Shenzhen Meetup",
    settz: "/settz Shenzhen",
    zone_shown: "Asia/Shanghai",
    setrules: "/setrules Be kind. No ads. Say where and when a meetup is.",
    rules_saved: "Rules saved",
    captcha: "/captcha button 120",
    captcha_set: "Entry check set to button",
    ladder: "/ladder warn, mute 1h, ban",
    ladder_set: "New escalation ladder",
    question: "Is the meetup on Saturday at the usual place?",
    ad: "兼职刷单，日结300，名额有限",
    ad_explained: "advertisement",
    sign_in: "/checkin",
    signed_in: "signed in",
    lottery: "/lottery Weekend raffle | Running shoes x1 | in 30m | join=raffle",
    lottery_announced: "Weekend raffle",
    keyword: "Raffle",
    mute: "/mute @bo_runs 1d",
    muted: "is muted for 1 day",
    drawn: "Lottery L1 drawn",
    verify_ok: "The seed matches the commitment",
    stats: "/stats",
    stats_since: "daily averages are over",
    stats_retention: "I came to this group less than 7 days ago",
    lang_again: "/lang en",
    lang_already: "This group already speaks English",
};

fn the_group(walk: &Walk) -> Value {
    let mut chat = group(walk.chat);
    chat["title"] = Value::from(walk.title);
    chat
}

fn in_group(walk: &Walk, from: Value, text: &str) -> Value {
    serde_json::json!({ "message": text_message(the_group(walk), from, text) })
}

/// The group's owner, whose app speaks the group's language, so the hello is in it.
fn boss(walk: &Walk) -> Value {
    user_with(OWNER, "Olivia", Some("olivia"), lang_of(walk))
}

fn ann(walk: &Walk) -> Value {
    user_with(19_101, "Ann", Some("ann_runs"), lang_of(walk))
}

fn bo(walk: &Walk) -> Value {
    user_with(19_102, "Bo", Some("bo_runs"), lang_of(walk))
}

fn spammer(walk: &Walk) -> Value {
    user_with(19_103, "Sam", None, lang_of(walk))
}

fn lang_of(walk: &Walk) -> Option<&'static str> {
    if walk.lang == "en" {
        Some("en")
    } else {
        Some("zh-hans")
    }
}

/// The ids of the messages the bot sent to `chat`, in order (the fake numbers them per chat from 1000).
fn sent_ids(bot: &TestBot, chat: i64) -> Vec<i64> {
    let sends = bot
        .api
        .all_calls()
        .into_iter()
        .filter(|c| !c.failed && c.params["chat_id"].as_i64() == Some(chat))
        .filter(|c| ["sendMessage", "sendPhoto", "sendDocument"].contains(&c.method.as_str()))
        .count() as i64;
    (1000..1000 + sends).collect()
}

/// Every message id the bot deleted in `chat`.
fn deleted_in(bot: &TestBot, chat: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    for call in bot.api.all_calls() {
        if call.failed || call.params["chat_id"].as_i64() != Some(chat) {
            continue;
        }
        if call.method.eq_ignore_ascii_case("deleteMessages") {
            ids.extend(
                call.params["message_ids"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_i64),
            );
        } else if call.method.eq_ignore_ascii_case("deleteMessage") {
            ids.extend(call.params["message_id"].as_i64());
        }
    }
    ids
}

/// Sends `text` to the group and returns the bot's next message there.
async fn say(bot: &TestBot, walk: &Walk, from: Value, text: &str) -> String {
    let before = bot.texts_to(walk.chat).len();
    bot.push(in_group(walk, from, text));
    let texts = bot.wait_texts(walk.chat, before + 1).await;
    bot.settle().await;
    texts[before].clone()
}

/// Waits for a message to `chat` containing `needle`; returns its text.
async fn wait_text(bot: &TestBot, chat: i64, needle: &str) -> String {
    let has = |c: &Call| {
        c.method == "sendMessage"
            && c.params["chat_id"].as_i64() == Some(chat)
            && c.params["text"].as_str().unwrap_or("").contains(needle)
    };
    let calls = bot
        .api
        .wait_until(WAIT, |calls| calls.iter().any(has))
        .await;
    let found = calls.iter().rev().find(|c| has(c)).cloned();
    found
        .map(|c| c.params["text"].as_str().unwrap_or("").to_string())
        .unwrap_or_else(|| panic!("no message to {chat} containing {needle:?}"))
}

/// A newcomer joins (Telegram reports it twice), is asked, presses the button and may speak.
async fn join_and_pass(bot: &TestBot, walk: &Walk, who: Value) {
    let id = who["id"].as_i64().unwrap();
    bot.push(chat_member(
        walk.chat,
        who.clone(),
        who.clone(),
        "left",
        "member",
        None,
    ));
    bot.push(new_members(walk.chat, who.clone(), vec![who.clone()]));
    // The question waits for the gap after the previous welcome; the clock moves past it.
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["chat_id"].as_i64() == Some(walk.chat)
                    && gate_button(c, id).is_some()
            })
        })
        .await;
    let data = calls.iter().rev().find_map(|c| gate_button(c, id)).unwrap();
    bot.push(callback(walk.chat, who, 0, &data));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "restrictChatMember"
                    && c.params["user_id"].as_i64() == Some(id)
                    && c.params["permissions"]["can_send_messages"] == true
            })
        })
        .await;
    bot.settle().await;
}

/// The entry button under a question that names the member `id`.
fn gate_button(call: &Call, id: i64) -> Option<String> {
    let text = call.params["text"].as_str().unwrap_or("");
    call.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["callback_data"].as_str().map(String::from))
        .find(|d| d.starts_with("wg:") || d.starts_with("wb:"))
        .filter(|_| text.contains(&id.to_string()))
}

/// A member's punishments among the calls from the `from`-th on: bans, kicks and restrictions that do
/// not give the right to speak.
fn punishments_of(bot: &TestBot, id: i64, from: usize) -> Vec<Call> {
    bot.api
        .all_calls()
        .into_iter()
        .skip(from)
        .filter(|c| c.params["user_id"].as_i64() == Some(id))
        .filter(|c| {
            c.method == "banChatMember"
                || (c.method == "restrictChatMember"
                    && c.params["permissions"]["can_send_messages"] != true)
        })
        .collect()
}

async fn first_hour(walk: &Walk) {
    let bot = TestBot::start().await;
    bot.api.set_admins(
        walk.chat,
        vec![member(boss(walk), "creator"), bot_admin_member()],
    );
    let mut transcript: Vec<String> = Vec::new();

    // The bot is added as an admin and says hello by the group's name, saying what is already on.
    bot.push(my_chat_member(
        the_group(walk),
        boss(walk),
        "left",
        "administrator",
    ));
    let hello = bot.wait_texts(walk.chat, 1).await[0].clone();
    assert!(hello.contains(walk.hello), "{hello}");
    bot.settle().await;
    transcript.push(hello);

    // The owner sets the group up.
    let zone = say(&bot, walk, boss(walk), walk.settz).await;
    assert!(zone.contains(walk.zone_shown), "{zone}");
    let rules = say(&bot, walk, boss(walk), walk.setrules).await;
    assert!(rules.contains(walk.rules_saved), "{rules}");
    let captcha = say(&bot, walk, boss(walk), walk.captcha).await;
    assert!(captcha.contains(walk.captcha_set), "{captcha}");
    let ladder = say(&bot, walk, boss(walk), walk.ladder).await;
    assert!(ladder.contains(walk.ladder_set), "{ladder}");
    // Asking for the language the group already speaks is answered too.
    let lang = say(&bot, walk, boss(walk), walk.lang_again).await;
    assert!(lang.contains(walk.lang_already), "{lang}");
    transcript.extend([zone, rules, captcha, ladder, lang]);

    // Three newcomers join and pass the entry check.
    for who in [ann(walk), bo(walk), spammer(walk)] {
        join_and_pass(&bot, walk, who).await;
    }

    // A newcomer's ordinary question stays; an ad is removed and explained.
    let question = in_group(walk, ann(walk), walk.question);
    let question_id = question["message"]["message_id"].as_i64().unwrap();
    bot.push(question);
    let ad = in_group(walk, spammer(walk), walk.ad);
    let ad_id = ad["message"]["message_id"].as_i64().unwrap();
    bot.push(ad);
    let explanation = wait_text(&bot, walk.chat, walk.ad_explained).await;
    assert!(
        explanation.contains("Sam"),
        "named, not numbered: {explanation}"
    );
    bot.settle().await;
    let deleted = deleted_in(&bot, walk.chat);
    assert!(deleted.contains(&ad_id), "the ad is removed: {deleted:?}");
    assert!(!deleted.contains(&question_id), "the question stays");
    transcript.push(explanation);

    // Members sign in.
    // Each sign-in is handled before its wave is awaited, so a reply gathered in a wave is on its way
    // before the next command, whose answer the walk reads as the next message.
    for who in [ann(walk), bo(walk)] {
        bot.push(in_group(walk, who, walk.sign_in));
        bot.settle().await;
        bot.wave_closed(walk.chat).await;
    }
    let signed = wait_text(&bot, walk.chat, walk.signed_in).await;
    transcript.push(signed);

    // The owner sends a red packet from the group's pool and both members grab it.
    transcript.push(say(&bot, walk, boss(walk), "/hongbao mint 100 2").await);
    let packet = announcement(&bot.ctx.storage.read, 1).await;
    for who in [ann(walk), bo(walk)] {
        bot.push(callback(walk.chat, who, packet, "rp:1"));
    }
    bot.api.wait_for("answerCallbackQuery", 2, WAIT).await;
    bot.settle().await;

    // A lottery with a keyword: typing it joins, and nobody is punished for it.
    let announced = say(&bot, walk, boss(walk), walk.lottery).await;
    assert!(announced.contains(walk.lottery_announced), "{announced}");
    transcript.push(announced);
    let played_from = bot.api.all_calls().len();
    let reactions = bot.api.calls("setMessageReaction").len();
    let mut keywords = Vec::new();
    for who in [ann(walk), bo(walk)] {
        let typed = in_group(walk, who, walk.keyword);
        keywords.push(typed["message"]["message_id"].as_i64().unwrap());
        bot.push(typed);
    }
    bot.api
        .wait_for("setMessageReaction", reactions + 2, WAIT)
        .await;
    bot.settle().await;
    let deleted = deleted_in(&bot, walk.chat);
    for id in &keywords {
        assert!(!deleted.contains(id), "a keyword was removed: {deleted:?}");
    }
    let entries: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM lottery_entries WHERE lottery_id = 1")
            .fetch_one(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!(entries, 2, "both keywords count");

    // Members look at their profile and the ranking.
    let me = in_group(walk, ann(walk), "/me");
    let me_id = me["message"]["message_id"].as_i64().unwrap();
    let before = bot.texts_to(walk.chat).len();
    bot.push(me);
    let profile = bot.wait_texts(walk.chat, before + 1).await[before].clone();
    assert!(profile.contains("Ann"), "{profile}");
    let profile_id = *sent_ids(&bot, walk.chat).last().unwrap();
    bot.settle().await;
    let rank = say(&bot, walk, bo(walk), "/rank").await;
    assert!(rank.contains("Ann") || rank.contains("Bo"), "{rank}");
    transcript.extend([profile, rank]);

    // Nobody was punished for playing.
    for id in [19_101, 19_102] {
        let punished = punishments_of(&bot, id, played_from);
        assert!(punished.is_empty(), "{id} was punished: {punished:?}");
    }

    // An admin mutes Bo for one day written the group's way.
    let muted = say(&bot, walk, boss(walk), walk.mute).await;
    assert!(
        muted.contains("Bo") && muted.contains(walk.muted),
        "{muted}"
    );
    let restrict = punishments_of(&bot, 19_102, played_from)
        .pop()
        .expect("Bo is restricted");
    let until = restrict.params["until_date"].as_i64().unwrap_or(0);
    let day_from_now = bot.clock.unix() + 86_400;
    assert!(
        (until - day_from_now).abs() < 120,
        "muted for a day, not forever: {until} vs {day_from_now}"
    );
    transcript.push(muted);

    // The moderation log is answered to the owner in private, by names.
    let private_before = bot.texts_to(OWNER).len();
    bot.push(in_group(walk, boss(walk), "/modlog"));
    let modlog = bot.wait_texts(OWNER, private_before + 1).await[private_before].clone();
    assert!(modlog.contains("Bo"), "{modlog}");
    assert!(modlog.contains("Sam"), "{modlog}");
    bot.settle().await;

    // The lottery is drawn on time and verified.
    bot.clock.advance(Duration::from_secs(31 * 60));
    let drawn = wait_text(&bot, walk.chat, walk.drawn).await;
    assert!(drawn.contains("Ann") || drawn.contains("Bo"), "{drawn}");
    bot.settle().await;
    let verify = say(&bot, walk, ann(walk), "/verify L1").await;
    assert!(verify.contains(walk.verify_ok), "{verify}");
    // The review numbers average over the day the bot has been here, say so, and have no retention yet.
    let photos = bot.api.calls("sendPhoto").len();
    let stats = say(&bot, walk, boss(walk), walk.stats).await;
    assert!(stats.contains(walk.stats_since), "{stats}");
    assert!(stats.contains(walk.stats_retention), "{stats}");
    bot.api.wait_for("sendPhoto", photos + 1, WAIT).await;
    transcript.extend([drawn, stats]);

    // After the replies' time to live, members' command answers go with their commands.
    bot.clock.advance(Duration::from_secs(181));
    bot.ticks(2).await;
    let deleted = deleted_in(&bot, walk.chat);
    assert!(
        deleted.contains(&me_id),
        "the /me command goes: {deleted:?}"
    );
    assert!(
        deleted.contains(&profile_id),
        "the /me answer goes: {deleted:?}"
    );
    let sent = sent_ids(&bot, walk.chat);
    let stayed = sent.iter().filter(|id| !deleted.contains(id)).count();
    let sent = sent.len();
    eprintln!(
        "first hour ({}): {sent} messages sent to the group, {stayed} stay",
        walk.lang
    );
    assert!(stayed < sent, "{stayed} of {sent} stay");
    for text in &transcript {
        // Links to a member carry the id; what a reader sees is the name.
        let text = crate::support::leaks::strip_html(text);
        assert!(
            !text.contains("19101") && !text.contains("19102") && !text.contains("19103"),
            "a member shown as a number: {text}"
        );
    }
    bot.stop().await;
}

#[tokio::test]
async fn the_first_hour_of_a_chinese_group() {
    first_hour(&ZH).await;
}

#[tokio::test]
async fn the_first_hour_of_an_english_group() {
    first_hour(&EN).await;
}
