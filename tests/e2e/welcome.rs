//! Welcome, the entry gate, rules and anti-raid as a group meets them: joins are restricted and asked,
//! presses and timeouts resolve (across a restart too), join requests are asked in private, raids are
//! absorbed without flooding the group, and admins' texts are rendered and validated.

use crate::support::fake_api::{bot_admin_member, Call};
use crate::support::harness::{TestBot, WAIT};
use crate::support::members::owner;
use crate::support::updates::*;
use serde_json::Value;
use std::time::Duration;

const GROUP: i64 = -100_777;
const OWNER: i64 = 1_001;

/// The production collection window of joins (the test settings ask each join at once), for the tests
/// about joins being asked and greeted together; they move the clock past it.
const COLLECT_JOINS: (&str, &str) = ("GROUPOPS_WELCOME__COALESCE_WINDOW", "3s");

fn newcomer(id: i64, name: &str) -> Value {
    user_with(id, name, Some(&name.to_lowercase()), Some("en"))
}

/// The owner adds the bot as an admin in an English-speaking supergroup.
async fn setup(bot: &TestBot) {
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    bot.push(my_chat_member(
        group(GROUP),
        owner(OWNER),
        "left",
        "administrator",
    ));
    bot.wait_texts(GROUP, 1).await;
    bot.settle().await;
}

fn joins(user: &Value) -> Value {
    chat_member(GROUP, user.clone(), user.clone(), "left", "member", None)
}

fn is_to(call: &Call, chat: i64) -> bool {
    call.params["chat_id"].as_i64() == Some(chat)
}

/// The callback data of every button under a message.
fn button_data(call: &Call) -> Vec<String> {
    call.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row.as_array().cloned().unwrap_or_default())
        .filter_map(|b| b["callback_data"].as_str().map(String::from))
        .collect()
}

/// Whether a message carries gate buttons: a single member's (`wg:`) or a captcha message's that asks
/// several members at once (`wb:`).
fn is_gate_message(call: &Call) -> bool {
    button_data(call)
        .iter()
        .any(|d| d.starts_with("wg:") || d.starts_with("wb:"))
}

/// Waits for the `n`-th message with gate buttons sent to `chat` and returns it.
async fn gate_message(bot: &TestBot, chat: i64, n: usize) -> Call {
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .filter(|c| c.method == "sendMessage" && is_to(c, chat))
                .filter(|c| is_gate_message(c))
                .count()
                >= n
        })
        .await;
    calls
        .into_iter()
        .filter(|c| c.method == "sendMessage" && is_to(c, chat))
        .filter(is_gate_message)
        .nth(n - 1)
        .unwrap()
}

/// Every gate message sent to `chat` so far.
fn gate_messages(bot: &TestBot, chat: i64) -> Vec<Call> {
    bot.api
        .calls("sendMessage")
        .into_iter()
        .filter(|c| is_to(c, chat) && is_gate_message(c))
        .collect()
}

async fn gate_answer(bot: &TestBot, user_id: i64) -> (i64, i64) {
    sqlx::query_as("SELECT id, answer FROM welcome_gates WHERE user_id = ?")
        .bind(user_id)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
}

fn restricts_of(bot: &TestBot, user_id: i64) -> Vec<Call> {
    bot.api
        .calls("restrictChatMember")
        .into_iter()
        .filter(|c| c.params["user_id"].as_i64() == Some(user_id))
        .collect()
}

async fn wait_call_for(bot: &TestBot, method: &str, user_id: i64) -> Call {
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.method == method && c.params["user_id"].as_i64() == Some(user_id))
        })
        .await;
    calls
        .into_iter()
        .find(|c| c.method == method && c.params["user_id"].as_i64() == Some(user_id))
        .unwrap()
}

/// The id of the last welcome, once its send is confirmed and stored.
async fn stored_welcome_id(bot: &TestBot) -> i64 {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT last_welcome_id FROM welcome_settings WHERE chat_id = ?")
                .bind(GROUP)
                .fetch_optional(&bot.ctx.storage.read)
                .await
                .unwrap()
                .flatten();
        if let Some(id) = id {
            return id;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the welcome's id is stored"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// When the member record says the member passed the gate.
async fn verified_at(bot: &TestBot, user_id: i64) -> Option<i64> {
    let mut conn = bot.ctx.storage.read.acquire().await.unwrap();
    groupops::storage::members::verified_at(&mut conn, GROUP, user_id)
        .await
        .unwrap()
}

/// Waits until a member's question is confirmed sent: their time limit runs from then on.
async fn wait_asked(bot: &TestBot, user_id: i64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let asked: Option<i64> = sqlx::query_scalar(
            "SELECT deadline FROM welcome_gates WHERE user_id = ? AND deadline < 9223372036854775807",
        )
        .bind(user_id)
        .fetch_optional(&bot.ctx.storage.read)
        .await
        .unwrap();
        if asked.is_some() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{user_id} was never asked"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Lets a few ticker rounds pass, each started after the call (used to let the periodic work see a moved
/// clock, and to check that something did NOT happen).
async fn a_few_ticks(bot: &TestBot) {
    bot.ticks(3).await;
}

#[tokio::test]
async fn a_join_sent_again_after_a_crash_still_gates_the_newcomer() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let ben = newcomer(3_011, "Ben");
    // The bot died right after update 9100 recorded Ben's join, before his check opened.
    sqlx::query(
        "INSERT INTO welcome_joins (chat_id, user_id, at, update_id) VALUES (?, ?, ?, 9100)",
    )
    .bind(GROUP)
    .bind(3_011)
    .bind(bot.ctx.now())
    .execute(&bot.ctx.storage.write)
    .await
    .unwrap();
    let mut join = joins(&ben);
    join["update_id"] = serde_json::json!(9_100);
    bot.push(join);
    wait_call_for(&bot, "restrictChatMember", 3_011).await;
    // The service message, the other copy of the same join, is still passed over.
    bot.push(new_members(GROUP, ben.clone(), vec![ben.clone()]));
    bot.settle().await;
    assert_eq!(restricts_of(&bot, 3_011).len(), 1, "gated once");
    gate_message(&bot, GROUP, 1).await;
    bot.stop().await;
}

/// The bot died after the join was recorded and the check stored, before the restriction left: the
/// same join sent again restricts the newcomer, and the check stays the one that was open.
#[tokio::test]
async fn a_join_sent_again_after_its_check_was_stored_restricts_the_newcomer() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let cal = newcomer(3_012, "Cal");
    sqlx::query(
        "INSERT INTO welcome_joins (chat_id, user_id, at, update_id) VALUES (?, ?, ?, 9200)",
    )
    .bind(GROUP)
    .bind(3_012)
    .bind(bot.ctx.now())
    .execute(&bot.ctx.storage.write)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO welcome_gates (chat_id, user_id, user_name, kind, message_chat, options, answer,
                                    deadline, created_at)
         VALUES (?, 3012, 'Cal', 'button', ?, '', 0, ?, ?)",
    )
    .bind(GROUP)
    .bind(GROUP)
    .bind(i64::MAX)
    .bind(bot.ctx.now())
    .execute(&bot.ctx.storage.write)
    .await
    .unwrap();
    let mut join = joins(&cal);
    join["update_id"] = serde_json::json!(9_200);
    bot.push(join);
    let restrict = wait_call_for(&bot, "restrictChatMember", 3_012).await;
    assert_ne!(
        restrict.params["permissions"]["can_send_messages"], true,
        "may not send: {restrict:?}"
    );
    bot.settle().await;
    let gates: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM welcome_gates WHERE chat_id = ? AND user_id = 3012",
    )
    .bind(GROUP)
    .fetch_one(&bot.ctx.storage.read)
    .await
    .unwrap();
    assert_eq!(gates, 1, "the open check is kept, not doubled");
    bot.stop().await;
}

#[tokio::test]
async fn a_join_is_restricted_and_the_right_press_lets_them_in_with_one_welcome() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let ann = newcomer(3_001, "Ann");
    bot.push(joins(&ann));
    // The same join also arrives as a service message: it must not gate Ann twice.
    bot.push(new_members(GROUP, ann.clone(), vec![ann.clone()]));
    let restrict = wait_call_for(&bot, "restrictChatMember", 3_001).await;
    assert_ne!(
        restrict.params["permissions"]["can_send_messages"], true,
        "may not send: {restrict:?}"
    );
    let question = gate_message(&bot, GROUP, 1).await;
    assert!(question.params["text"].as_str().unwrap().contains("Ann"));
    let data = button_data(&question);
    assert_eq!(data.len(), 1, "the button gate has one button");
    bot.settle().await;
    assert_eq!(restricts_of(&bot, 3_001).len(), 1, "gated once");
    assert_eq!(
        verified_at(&bot, 3_001).await,
        None,
        "not verified while the gate is open"
    );

    bot.push(callback(GROUP, ann.clone(), 0, &data[0]));
    bot.api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .filter(|c| c.method == "restrictChatMember")
                .any(|c| c.params["permissions"]["can_send_messages"] == true)
        })
        .await;
    bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
    assert!(
        verified_at(&bot, 3_001).await.is_some(),
        "passing the gate verifies the member"
    );
    bot.clock.advance(Duration::from_secs(5));
    let texts = bot
        .api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["text"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("Welcome to")
            })
        })
        .await;
    let welcome = texts
        .iter()
        .find(|c| {
            c.params["text"]
                .as_str()
                .unwrap_or("")
                .starts_with("Welcome to")
        })
        .unwrap();
    assert!(welcome.params["text"]
        .as_str()
        .unwrap()
        .contains("tg://user?id=3001"));
    assert!(bot.api.calls("banChatMember").is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn a_wrong_math_answer_kicks_and_deletes_the_question() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(OWNER), "/captcha math 60"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("arithmetic"), "{texts:?}");
    let bob = newcomer(3_002, "Bob");
    bot.push(joins(&bob));
    let question = gate_message(&bot, GROUP, 1).await;
    let data = button_data(&question);
    assert_eq!(data.len(), 4, "four options");
    assert!(question.params["text"].as_str().unwrap().contains("= ?"));
    let (_, answer) = gate_answer(&bot, 3_002).await;
    let wrong = data
        .iter()
        .find(|d| !d.ends_with(&format!(":{answer}")))
        .unwrap();
    bot.push(callback(GROUP, bob.clone(), 0, wrong));
    let ban = wait_call_for(&bot, "banChatMember", 3_002).await;
    assert!(
        ban.params["until_date"].as_i64().is_some(),
        "a kick bans for a while"
    );
    let unban = wait_call_for(&bot, "unbanChatMember", 3_002).await;
    assert_eq!(unban.params["only_if_banned"], true);
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    let answered = bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    assert_eq!(answered[0].params["show_alert"], true);
    bot.stop().await;
}

#[tokio::test]
async fn other_members_presses_are_refused_and_the_timeout_kicks() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let cat = newcomer(3_003, "Cat");
    bot.push(joins(&cat));
    let question = gate_message(&bot, GROUP, 1).await;
    let data = button_data(&question);
    bot.push(callback(GROUP, newcomer(3_999, "Mallory"), 0, &data[0]));
    let answered = bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    assert_eq!(answered[0].params["show_alert"], true);
    assert!(answered[0].params["text"]
        .as_str()
        .unwrap()
        .contains("not for you"));
    bot.settle().await;
    assert_eq!(
        restricts_of(&bot, 3_003).len(),
        1,
        "not let in by someone else"
    );
    assert_eq!(restricts_of(&bot, 3_999).len(), 0);

    wait_asked(&bot, 3_003).await;
    bot.clock.advance(Duration::from_secs(121));
    wait_call_for(&bot, "banChatMember", 3_003).await;
    wait_call_for(&bot, "unbanChatMember", 3_003).await;
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    // A press after the timeout finds the gate over.
    bot.push(callback(GROUP, cat.clone(), 0, &data[0]));
    let answered = bot.api.wait_for("answerCallbackQuery", 2, WAIT).await;
    assert!(answered[1].params["text"]
        .as_str()
        .unwrap()
        .contains("already over"));
    bot.stop().await;
}

#[tokio::test]
async fn pending_gates_survive_a_restart_and_resolve_on_time() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let (dan, eve) = (newcomer(3_004, "Dan"), newcomer(3_005, "Eve"));
    bot.push(joins(&dan));
    gate_message(&bot, GROUP, 1).await;
    bot.push(joins(&eve));
    bot.settle().await;
    // Eve came right after Dan's question went out: she is asked in the group's next captcha message,
    // one message gap (12 s) later, and her time starts then.
    bot.clock.advance(Duration::from_secs(13));
    let second = gate_message(&bot, GROUP, 2).await;
    assert!(second.params["text"].as_str().unwrap().contains("Eve"));
    wait_asked(&bot, 3_005).await;
    bot.settle().await;
    let (dan_gate, dan_answer) = gate_answer(&bot, 3_004).await;
    let dan_data = format!("wg:{dan_gate}:{dan_answer}");
    let bot = bot.restart().await;
    // A button from before the restart still works.
    bot.push(callback(GROUP, dan.clone(), 0, &dan_data));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "restrictChatMember"
                    && c.params["user_id"] == 3_004
                    && c.params["permissions"]["can_send_messages"] == true
            })
        })
        .await;
    // Eve's gate keeps its deadline: not yet at 100 s, resolved after 120 s.
    bot.clock.advance(Duration::from_secs(100));
    a_few_ticks(&bot).await;
    assert!(bot.api.calls("banChatMember").is_empty());
    let bot = bot.restart().await;
    bot.clock.advance(Duration::from_secs(25));
    wait_call_for(&bot, "banChatMember", 3_005).await;
    assert!(
        bot.api
            .calls("banChatMember")
            .iter()
            .all(|c| c.params["user_id"] == 3_005),
        "Dan passed"
    );
    let _ = eve;
    bot.stop().await;
}

#[tokio::test]
async fn join_requests_are_asked_in_private_then_approved_or_declined() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    // A timeout above five minutes is capped for join requests.
    bot.push(group_message(GROUP, owner(OWNER), "/captcha button 600"));
    bot.wait_texts(GROUP, 2).await;
    let (fay, gus) = (newcomer(3_006, "Fay"), newcomer(3_007, "Gus"));
    bot.push(join_request(GROUP, fay.clone(), None));
    let question = gate_message(&bot, 3_006, 1).await;
    assert!(question.params["text"]
        .as_str()
        .unwrap()
        .contains("Test Group"));
    assert!(question.params["text"]
        .as_str()
        .unwrap()
        .contains("300 seconds"));
    bot.push(callback(3_006, fay.clone(), 0, &button_data(&question)[0]));
    wait_call_for(&bot, "approveChatJoinRequest", 3_006).await;
    // Telegram then reports the approved join (by the bot): no second gate, one welcome.
    bot.push(chat_member(
        GROUP,
        crate::support::fake_api::bot_user(),
        fay.clone(),
        "left",
        "member",
        None,
    ));
    bot.settle().await;
    assert!(
        restricts_of(&bot, 3_006).is_empty(),
        "passed in private already"
    );

    bot.push(join_request(GROUP, gus.clone(), None));
    gate_message(&bot, 3_007, 1).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(301));
    wait_call_for(&bot, "declineChatJoinRequest", 3_007).await;
    assert!(bot
        .api
        .calls("approveChatJoinRequest")
        .iter()
        .all(|c| c.params["user_id"] == 3_006));
    bot.stop().await;
}

async fn held_count(bot: &TestBot) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM welcome_held WHERE chat_id = ?")
        .bind(GROUP)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
}

async fn raid_until(bot: &TestBot) -> i64 {
    sqlx::query_scalar("SELECT raid_until FROM welcome_settings WHERE chat_id = ?")
        .bind(GROUP)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
}

/// Waits until `user_id` may post again (a restriction that lets them send).
async fn wait_let_in(bot: &TestBot, user_id: i64) {
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "restrictChatMember"
                    && c.params["user_id"] == user_id
                    && c.params["permissions"]["can_send_messages"] == true
            })
        })
        .await;
}

#[tokio::test]
async fn thirty_joins_in_ten_seconds_switch_raid_mode_without_flooding() {
    // The test's send limits are generous: what keeps the group quiet here is the bot's own restraint,
    // so every message it generates is counted. Joins are collected for 3 s, as in production.
    let bot = TestBot::start_with(&[COLLECT_JOINS]).await;
    setup(&bot).await;
    for i in 0..30 {
        bot.push(joins(&newcomer(4_000 + i, &format!("Raider{i}"))));
    }
    bot.settle().await;
    bot.api.wait_for("restrictChatMember", 30, WAIT).await;
    assert!(raid_until(&bot).await > bot.ctx.now(), "raid mode is on");
    let gates: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM welcome_gates")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(
        gates, 0,
        "the 14 who joined before the wave was noticed were still being collected for one captcha \
         message: they are held with the raid's joiners, nobody is asked in the group"
    );
    assert_eq!(held_count(&bot).await, 30);
    bot.clock.advance(Duration::from_secs(10));
    a_few_ticks(&bot).await;
    let sent = bot.texts_to(GROUP);
    assert_eq!(sent.len(), 2, "the bot's hello and one notice: {sent:?}");
    assert!(sent[1].contains("raid mode is on"), "{sent:?}");
    assert!(
        sent[1].contains("at least 15 people"),
        "the notice says what triggers it: {sent:?}"
    );
    bot.push(group_message(GROUP, owner(OWNER), "/antiraid off"));
    bot.settle().await;
    assert_eq!(raid_until(&bot).await, 0);
    // Once the raid is over, one message names the members held during it; its button sends each of
    // them to answer the group's own check in a private chat.
    let calls = bot
        .api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.method == "sendMessage" && button_data(c) == ["wh"])
        })
        .await;
    let release = calls
        .iter()
        .find(|c| c.method == "sendMessage" && button_data(c) == ["wh"])
        .unwrap();
    let text = release.params["text"].as_str().unwrap();
    assert!(
        text.contains("tg://user?id=4000")
            && text.contains("tg://user?id=4004")
            && !text.contains("tg://user?id=4005")
            && text.contains("and 30 new members in all"),
        "five are named: {text}"
    );
    bot.push(callback(GROUP, owner(OWNER), 0, "wh"));
    let answered = bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    assert_eq!(answered[0].params["show_alert"], true, "not held: refused");
    let raider = newcomer(4_020, "Raider20");
    bot.push(callback(GROUP, raider.clone(), 0, "wh"));
    let answered = bot.api.wait_for("answerCallbackQuery", 2, WAIT).await;
    assert_eq!(
        answered[1].params["url"],
        format!("https://t.me/groupops_bot?start=gate_{GROUP}"),
        "the press opens a private chat with the bot"
    );
    bot.settle().await;
    assert_eq!(
        restricts_of(&bot, 4_020).len(),
        1,
        "one press lets nobody in"
    );
    // In private, the group's check (the button here) asks Raider20; passing lets them in.
    bot.push(private_message(
        raider.clone(),
        &format!("/start gate_{GROUP}"),
    ));
    let question = gate_message(&bot, 4_020, 1).await;
    assert!(
        question.params["text"]
            .as_str()
            .unwrap()
            .contains("during a raid"),
        "{question:?}"
    );
    bot.push(callback(
        4_020,
        raider.clone(),
        0,
        &button_data(&question)[0],
    ));
    wait_let_in(&bot, 4_020).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    bot.wait_texts(GROUP, 5).await;
    a_few_ticks(&bot).await;
    let sent = bot.texts_to(GROUP);
    assert_eq!(
        sent.len(),
        5,
        "hello, notice, the answer to /antiraid off, the release message and one welcome: {sent:?}"
    );
    assert!(sent[2].contains("Raid mode is off"), "{sent:?}");
    assert!(
        sent[4].starts_with("Welcome to") && sent[4].contains("tg://user?id=4020"),
        "{sent:?}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn fourteen_joins_in_a_minute_cost_a_handful_of_messages() {
    // Generous send limits: the count below is what the bot generates, not what a limiter let through.
    let bot = TestBot::start_with(&[COLLECT_JOINS]).await;
    setup(&bot).await;
    // One join every 4 seconds, 14 in 52 seconds: just under the raid rule of 15 in 60 s.
    for i in 0..14 {
        bot.push(joins(&newcomer(5_100 + i, &format!("Wave{i}"))));
        bot.settle().await;
        bot.clock.advance(Duration::from_secs(4));
        // One whole pass of the periodic work at this time, so whoever is due is asked before the next join.
        bot.ticks(1).await;
    }
    bot.clock.advance(Duration::from_secs(13));
    a_few_ticks(&bot).await;
    bot.api.wait_for("restrictChatMember", 14, WAIT).await;
    // Joins are collected for 3 s, and a group gets at most one captcha message per 12 s (a quarter of
    // 20 a minute): the first joiner is asked at 4 s, then three at 16 s, 28 s, 40 s and 52 s, and the
    // last one at 69 s.
    let questions = gate_messages(&bot, GROUP);
    let named: Vec<usize> = questions
        .iter()
        .map(|q| {
            q.params["text"]
                .as_str()
                .unwrap()
                .matches("tg://user?id=")
                .count()
        })
        .collect();
    assert_eq!(named, vec![1, 3, 3, 3, 3, 1], "{questions:#?}");
    for i in 0..14 {
        let mention = format!("tg://user?id={}", 5_100 + i);
        assert_eq!(
            questions
                .iter()
                .filter(|q| q.params["text"].as_str().unwrap().contains(&mention))
                .count(),
            1,
            "Wave{i} is asked once"
        );
    }
    // Each member's time started when their question went out, not when they joined.
    wait_asked(&bot, 5_113).await;
    let deadlines: Vec<(i64, i64)> =
        sqlx::query_as("SELECT user_id, deadline FROM welcome_gates ORDER BY user_id")
            .fetch_all(&bot.ctx.storage.read)
            .await
            .unwrap();
    assert_eq!(deadlines.len(), 14);
    let first = deadlines[0].1;
    assert!(
        (65 - 1..120).contains(&(deadlines[13].1 - first)),
        "the last one was asked 65 s after the first: {deadlines:?}"
    );
    // Everyone passes within a few seconds: one welcome names them all.
    for i in 0..14 {
        let (id, answer) = gate_answer(&bot, 5_100 + i).await;
        bot.push(callback(
            GROUP,
            newcomer(5_100 + i, &format!("Wave{i}")),
            0,
            &format!("wg:{id}:{answer}"),
        ));
    }
    bot.api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .filter(|c| {
                    c.method == "restrictChatMember"
                        && c.params["permissions"]["can_send_messages"] == true
                })
                .count()
                >= 14
        })
        .await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(13));
    bot.wait_texts(GROUP, 8).await;
    a_few_ticks(&bot).await;
    let sent = bot.texts_to(GROUP);
    assert_eq!(
        sent.len(),
        8,
        "hello, six captcha messages and one welcome for 14 newcomers: {sent:?}"
    );
    assert!(sent[7].contains("and 14 new members in all"), "{sent:?}");
    bot.stop().await;
}

#[tokio::test]
async fn a_question_stuck_in_the_send_queue_does_not_time_out_unseen() {
    // Two messages a minute, none of them kept for gate questions: the hello and the answer below spend
    // the group's budget, so the question waits in the send queue far longer than its time limit (and
    // stopping gives up on it after a short drain).
    let bot = TestBot::start_with(&[
        ("GROUPOPS_LIMITS__PER_GROUP", "2/1m"),
        ("GROUPOPS_LIMITS__PRIORITY_SHARE", "0"),
        ("GROUPOPS_SHUTDOWN__DRAIN_TIMEOUT", "200ms"),
    ])
    .await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(OWNER), "/captcha button 15"));
    bot.wait_texts(GROUP, 2).await;
    bot.push(joins(&newcomer(3_300, "Slow")));
    wait_call_for(&bot, "restrictChatMember", 3_300).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(60));
    a_few_ticks(&bot).await;
    assert!(
        bot.api.calls("banChatMember").is_empty(),
        "not removed for a question never seen"
    );
    let deadline: i64 = sqlx::query_scalar("SELECT deadline FROM welcome_gates WHERE user_id = ?")
        .bind(3_300)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(
        deadline,
        i64::MAX,
        "the time starts once the question is sent"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_passed_join_request_is_not_checked_again_whichever_copy_of_the_join_comes_first() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    for (id, name, service_first) in [(3_401, "Rin", true), (3_402, "Sol", false)] {
        let person = newcomer(id, name);
        bot.push(join_request(GROUP, person.clone(), None));
        let question = gate_message(&bot, id, 1).await;
        bot.push(callback(id, person.clone(), 0, &button_data(&question)[0]));
        wait_call_for(&bot, "approveChatJoinRequest", id).await;
        bot.settle().await;
        // Telegram reports the approved join twice: the member's "joined" service message and the
        // chat_member update made by the bot.
        let service = new_members(GROUP, person.clone(), vec![person.clone()]);
        let update = chat_member(
            GROUP,
            crate::support::fake_api::bot_user(),
            person.clone(),
            "left",
            "member",
            None,
        );
        if service_first {
            bot.push(service);
            bot.push(update);
        } else {
            bot.push(update);
            bot.push(service);
        }
        bot.settle().await;
        a_few_ticks(&bot).await;
        assert!(
            restricts_of(&bot, id).is_empty(),
            "{name} passed in private already (service message first: {service_first})"
        );
    }
    let gates: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM welcome_gates")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(gates, 0, "nobody is asked again");
    bot.clock.advance(Duration::from_secs(20));
    bot.api
        .wait_until(WAIT, |calls| {
            ["tg://user?id=3401", "tg://user?id=3402"].iter().all(|m| {
                calls.iter().any(|c| {
                    c.method == "sendMessage"
                        && is_to(c, GROUP)
                        && c.params["text"].as_str().unwrap_or("").contains(m)
                })
            })
        })
        .await;
    let texts = bot.texts_to(GROUP);
    for mention in ["tg://user?id=3401", "tg://user?id=3402"] {
        assert_eq!(
            texts.iter().filter(|t| t.contains(mention)).count(),
            1,
            "welcomed once, never asked in the group: {texts:?}"
        );
    }
    bot.stop().await;
}

#[tokio::test]
async fn members_held_in_a_raid_answer_the_groups_own_quiz_in_private() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/setquiz What do we write here? | Rust | Stock tips | Casino links",
    ));
    bot.push(group_message(GROUP, owner(OWNER), "/captcha quiz"));
    bot.push(group_message(GROUP, owner(OWNER), "/antiraid on 1"));
    bot.wait_texts(GROUP, 4).await;
    let (ana, bo) = (newcomer(6_001, "Ana"), newcomer(6_002, "Bo"));
    bot.push(joins(&ana));
    bot.push(joins(&bo));
    bot.api.wait_for("restrictChatMember", 2, WAIT).await;
    bot.settle().await;
    assert_eq!(held_count(&bot).await, 2);
    bot.clock.advance(Duration::from_secs(61));
    bot.api
        .wait_until(WAIT, |calls| {
            calls
                .iter()
                .any(|c| c.method == "sendMessage" && button_data(c) == ["wh"])
        })
        .await;
    // A stranger's deep link finds nothing to answer.
    let stranger = newcomer(6_003, "Cy");
    bot.push(private_message(stranger, &format!("/start gate_{GROUP}")));
    let texts = bot.wait_texts(6_003, 1).await;
    assert!(texts[0].contains("muted during the raid"), "{texts:?}");
    // Ana gets the owner's quiz in private and answers wrong: the group's fail action (kick).
    bot.push(private_message(
        ana.clone(),
        &format!("/start gate_{GROUP}"),
    ));
    let question = gate_message(&bot, 6_001, 1).await;
    assert!(question.params["text"]
        .as_str()
        .unwrap()
        .contains("What do we write here?"));
    let labels = |q: &Call| -> Vec<String> {
        q.params["reply_markup"]["inline_keyboard"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap().clone())
            .map(|b| b["text"].as_str().unwrap().to_string())
            .collect()
    };
    let ana_labels = labels(&question);
    assert_eq!(ana_labels.len(), 3, "the quiz, not one bare button");
    let wrong =
        button_data(&question)[ana_labels.iter().position(|l| l != "Rust").unwrap()].clone();
    bot.push(callback(6_001, ana.clone(), 0, &wrong));
    wait_call_for(&bot, "banChatMember", 6_001).await;
    wait_call_for(&bot, "unbanChatMember", 6_001).await;
    // Bo answers right and is let in.
    bot.push(private_message(bo.clone(), &format!("/start gate_{GROUP}")));
    let question = gate_message(&bot, 6_002, 1).await;
    let bo_labels = labels(&question);
    let right = button_data(&question)[bo_labels.iter().position(|l| l == "Rust").unwrap()].clone();
    bot.push(callback(6_002, bo.clone(), 0, &right));
    wait_let_in(&bot, 6_002).await;
    assert!(
        bot.api
            .calls("banChatMember")
            .iter()
            .all(|c| c.params["user_id"] == 6_001),
        "Bo passed"
    );
    assert_eq!(held_count(&bot).await, 0);
    bot.stop().await;
}

#[tokio::test]
async fn placeholders_render_and_clean_mode_deletes_the_previous_welcome() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(OWNER), "/captcha off"));
    bot.push(group_message(GROUP, owner(OWNER), "/setwelcome Hi {nmae}"));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(
        texts[2].contains("{nmae}"),
        "names the bad placeholder: {texts:?}"
    );
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/setwelcome Hi {mention} ({first}, {username}, {id}) <3 {group}: we are {count}\n[Site](https://example.org/about)",
    ));
    let texts = bot.wait_texts(GROUP, 4).await;
    assert!(texts[3].contains("saved"), "{texts:?}");

    bot.push(joins(&newcomer(3_010, "Ann")));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    bot.wait_texts(GROUP, 5).await;
    let welcome = bot.api.calls("sendMessage").pop().unwrap();
    assert_eq!(
        welcome.params["text"],
        "Hi <a href=\"tg://user?id=3010\">Ann</a> (Ann, @ann, 3010) &lt;3 Test Group: we are 10"
    );
    assert_eq!(
        welcome.params["reply_markup"]["inline_keyboard"][0][0]["url"],
        "https://example.org/about"
    );
    assert!(
        bot.api.calls("restrictChatMember").is_empty(),
        "the gate is off"
    );
    bot.settle().await;
    let first_id = stored_welcome_id(&bot).await;

    bot.push(joins(&newcomer(3_011, "Ben")));
    bot.settle().await;
    // Welcomes keep a gap of 12 s (a quarter of the group's 20 a minute).
    bot.clock.advance(Duration::from_secs(13));
    bot.wait_texts(GROUP, 6).await;
    let deleted = bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(deleted[0].params["message_id"].as_i64(), Some(first_id));
    bot.stop().await;
}

#[tokio::test]
async fn joins_within_the_window_share_one_welcome() {
    let bot = TestBot::start_with(&[COLLECT_JOINS]).await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(OWNER), "/captcha off"));
    bot.wait_texts(GROUP, 2).await;
    for i in 0..8 {
        bot.push(joins(&newcomer(5_000 + i, &format!("N{i}"))));
    }
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    let texts = bot.wait_texts(GROUP, 3).await;
    a_few_ticks(&bot).await;
    assert_eq!(bot.texts_to(GROUP).len(), 3, "one welcome for eight joins");
    assert!(texts[2].contains("and 8 new members in all"), "{texts:?}");
    bot.stop().await;
}

#[tokio::test]
async fn non_admins_cannot_change_settings_and_rules_open_in_private() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let member_user = newcomer(3_020, "Max");
    bot.push(group_message(
        GROUP,
        member_user.clone(),
        "/setwelcome hacked",
    ));
    bot.push(group_message(GROUP, member_user.clone(), "/captcha off"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("Only group admins"), "{texts:?}");
    bot.settle().await;
    assert_eq!(
        bot.texts_to(GROUP).len(),
        2,
        "a member is told once per refusal window"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM welcome_settings")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(rows, 0, "nothing changed");

    bot.push(group_message(GROUP, member_user.clone(), "/rules"));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(texts[2].contains("no rules"), "{texts:?}");
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/setrules Be kind. <No ads>",
    ));
    bot.push(group_message(GROUP, member_user.clone(), "/rules"));
    let texts = bot.wait_texts(GROUP, 5).await;
    assert!(
        texts[4].contains("Be kind. &lt;No ads&gt;"),
        "escaped HTML: {texts:?}"
    );
    bot.push(private_message(
        member_user.clone(),
        &format!("/start rules_{GROUP}"),
    ));
    let texts = bot.wait_texts(3_020, 1).await;
    assert!(texts[0].contains("Be kind."), "{texts:?}");
    // Plain /start still reaches the bot's introduction.
    bot.push(private_message(member_user, "/start"));
    let texts = bot.wait_texts(3_020, 2).await;
    assert!(
        texts[1].contains("groupops") || texts[1].contains("group"),
        "{texts:?}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_basic_group_is_told_to_upgrade_and_bots_added_by_members_are_removed() {
    let bot = TestBot::start().await;
    let basic = -4_242;
    bot.api.set_admins(
        basic,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    let ann = newcomer(3_030, "Ann");
    let mut join = chat_member(basic, ann.clone(), ann.clone(), "left", "member", None);
    join["chat_member"]["chat"] = basic_group(basic);
    bot.push(join);
    let texts = bot.wait_texts(basic, 1).await;
    assert!(texts[0].contains("超级群"), "{texts:?}");
    bot.settle().await;
    assert!(bot.api.calls("restrictChatMember").is_empty());

    setup(&bot).await;
    let spam_bot = serde_json::json!({"id": 6_666, "is_bot": true, "first_name": "Spam", "username": "spam_bot"});
    bot.push(new_members(GROUP, newcomer(3_031, "Joe"), vec![spam_bot]));
    wait_call_for(&bot, "banChatMember", 6_666).await;
    bot.stop().await;
}

#[tokio::test]
async fn a_kicked_member_who_comes_back_is_asked_again() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    // A short check, so the comeback falls well inside the window in which a second copy of one join
    // is ignored.
    bot.push(group_message(GROUP, owner(OWNER), "/captcha button 15"));
    bot.wait_texts(GROUP, 2).await;
    let ivy = newcomer(3_040, "Ivy");
    bot.push(joins(&ivy));
    gate_message(&bot, GROUP, 1).await;
    wait_asked(&bot, 3_040).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(16));
    wait_call_for(&bot, "unbanChatMember", 3_040).await;
    // Telegram reports the kick, then Ivy joins again a few seconds later.
    bot.push(chat_member(
        GROUP,
        crate::support::fake_api::bot_user(),
        ivy.clone(),
        "restricted",
        "kicked",
        None,
    ));
    bot.push(joins(&ivy));
    gate_message(&bot, GROUP, 2).await;
    assert_eq!(restricts_of(&bot, 3_040).len(), 2, "restricted again");
    bot.stop().await;
}

#[tokio::test]
async fn the_owners_quiz_is_asked_and_goodbyes_are_said_when_on() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(OWNER), "/captcha quiz"));
    let texts = bot.wait_texts(GROUP, 2).await;
    assert!(texts[1].contains("no quiz yet"), "{texts:?}");
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/setquiz What do we write here? | Rust",
    ));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(texts[2].contains("at least one wrong answer"), "{texts:?}");
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/setquiz What do we write here? | Rust | Stock tips | Casino links",
    ));
    bot.push(group_message(GROUP, owner(OWNER), "/captcha quiz 90"));
    bot.push(group_message(GROUP, owner(OWNER), "/goodbye on"));
    let texts = bot.wait_texts(GROUP, 6).await;
    assert!(
        texts[4].contains("owner's quiz") && texts[4].contains("90"),
        "{texts:?}"
    );
    let kim = newcomer(3_050, "Kim");
    bot.push(joins(&kim));
    let question = gate_message(&bot, GROUP, 1).await;
    assert!(question.params["text"]
        .as_str()
        .unwrap()
        .contains("What do we write here?"));
    let labels: Vec<String> = question.params["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().clone())
        .map(|b| b["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(labels.len(), 3);
    let right = button_data(&question)[labels.iter().position(|l| l == "Rust").unwrap()].clone();
    bot.push(callback(GROUP, kim.clone(), 0, &right));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "restrictChatMember"
                    && c.params["permissions"]["can_send_messages"] == true
            })
        })
        .await;
    bot.settle().await;
    bot.push(chat_member(
        GROUP,
        kim.clone(),
        kim.clone(),
        "member",
        "left",
        None,
    ));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["text"]
                        .as_str()
                        .unwrap_or("")
                        .contains("Kim left the group")
            })
        })
        .await;
    bot.stop().await;
}

#[tokio::test]
async fn an_undeliverable_join_request_check_is_declined_by_default() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.api.fail_next(
        "sendMessage",
        1,
        crate::support::fake_api::Failure::Forbidden(
            "Forbidden: bot can't initiate conversation".into(),
        ),
    );
    bot.push(join_request(GROUP, newcomer(3_060, "Lee"), None));
    wait_call_for(&bot, "declineChatJoinRequest", 3_060).await;
    let gates: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM welcome_gates")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(gates, 0);
    bot.stop().await;
}

#[tokio::test]
async fn settings_commands_answer_and_bad_input_changes_nothing() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let says = |text: &'static str| group_message(GROUP, owner(OWNER), text);
    bot.push(says("/captcha button 5"));
    bot.push(says("/captcha riddle"));
    bot.push(says("/setwelcome   "));
    bot.push(says("/antiraid auto 1 60"));
    let texts = bot.wait_texts(GROUP, 5).await;
    assert!(texts[1].contains("15–600"), "{texts:?}");
    assert!(texts[2].starts_with("Usage: /captcha"), "{texts:?}");
    assert!(texts[3].contains("empty"), "{texts:?}");
    assert!(texts[4].contains("2–1000"), "{texts:?}");
    bot.settle().await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM welcome_settings")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert_eq!(rows, 0, "nothing changed");

    bot.push(says("/captcha off"));
    bot.push(says("/welcome off"));
    bot.push(says("/antiraid auto 3 60"));
    bot.push(says("/welcome"));
    let texts = bot.wait_texts(GROUP, 9).await;
    assert!(
        texts[7].contains("3 people join within 60 seconds"),
        "{texts:?}"
    );
    assert!(
        texts[8].starts_with("Welcome: off") && texts[8].contains("check: off"),
        "the preview shows the settings: {texts:?}"
    );
    // Welcomes are off: a join is neither gated nor greeted.
    bot.push(joins(&newcomer(3_070, "Pat")));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    a_few_ticks(&bot).await;
    assert_eq!(bot.texts_to(GROUP).len(), 9);
    assert!(bot.api.calls("restrictChatMember").is_empty());
    // The group's own raid rule applies: the third join within a minute switches raid mode on.
    bot.push(joins(&newcomer(3_071, "Quinn")));
    bot.push(joins(&newcomer(3_072, "Rae")));
    let texts = bot.wait_texts(GROUP, 10).await;
    assert!(texts[9].contains("raid mode is on"), "{texts:?}");
    bot.api.wait_for("restrictChatMember", 1, WAIT).await;
    bot.stop().await;
}

#[tokio::test]
async fn an_admin_letting_a_member_in_ends_their_check() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let sam = newcomer(3_080, "Sam");
    bot.push(joins(&sam));
    gate_message(&bot, GROUP, 1).await;
    bot.settle().await;
    // The question's id is stored once its send is confirmed.
    let deadline = tokio::time::Instant::now() + WAIT;
    while sqlx::query_scalar::<_, Option<i64>>("SELECT message_id FROM welcome_gates")
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap()
        .is_none()
    {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.push(chat_member(
        GROUP,
        owner(OWNER),
        sam.clone(),
        "restricted",
        "member",
        None,
    ));
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(130));
    bot.api
        .wait_until(WAIT, |calls| {
            calls.iter().any(|c| {
                c.method == "sendMessage"
                    && c.params["text"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("Welcome to")
            })
        })
        .await;
    assert!(bot.api.calls("banChatMember").is_empty(), "no timeout kick");
    bot.stop().await;
}

#[tokio::test]
async fn join_notices_can_be_deleted_and_big_groups_read_rules_in_private() {
    let bot = TestBot::start_with(&[
        ("GROUPOPS_WELCOME__DELETE_SERVICE_MESSAGES", "true"),
        ("GROUPOPS_WELCOME__RULES_PRIVATE_FROM", "5"),
    ])
    .await;
    setup(&bot).await;
    let notice = new_members(GROUP, owner(OWNER), vec![newcomer(3_090, "Uma")]);
    let notice_id = notice["message"]["message_id"].as_i64().unwrap();
    bot.push(notice);
    let deleted = bot.api.wait_for("deleteMessage", 1, WAIT).await;
    assert_eq!(deleted[0].params["message_id"].as_i64(), Some(notice_id));
    bot.settle().await;
    assert!(
        restricts_of(&bot, 3_090).is_empty(),
        "added by the owner: no check"
    );

    bot.push(group_message(GROUP, owner(OWNER), "/setrules No ads."));
    bot.push(group_message(GROUP, newcomer(3_090, "Uma"), "/rules"));
    bot.wait_texts(GROUP, 3).await;
    let answer = bot.api.calls("sendMessage").pop().unwrap();
    assert!(answer.params["text"]
        .as_str()
        .unwrap()
        .contains("private chat"));
    assert_eq!(
        answer.params["reply_markup"]["inline_keyboard"][0][0]["url"],
        format!("https://t.me/groupops_bot?start=rules_{GROUP}")
    );
    bot.stop().await;
}

/// Answers a member's math question wrong and returns once the answer was handled.
async fn answer_wrong(bot: &TestBot, member: &Value, user_id: i64) {
    let question = gate_message(bot, GROUP, 1).await;
    let (_, answer) = gate_answer(bot, user_id).await;
    let wrong = button_data(&question)
        .into_iter()
        .find(|d| !d.ends_with(&format!(":{answer}")))
        .unwrap();
    bot.push(callback(GROUP, member.clone(), 0, &wrong));
    bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    bot.api.wait_for("deleteMessage", 1, WAIT).await;
    bot.settle().await;
}

#[tokio::test]
async fn the_ban_fail_action_bans_for_good() {
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__FAIL_ACTION", "ban")]).await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(OWNER), "/captcha math"));
    bot.wait_texts(GROUP, 2).await;
    let zed = newcomer(3_500, "Zed");
    bot.push(joins(&zed));
    answer_wrong(&bot, &zed, 3_500).await;
    let ban = wait_call_for(&bot, "banChatMember", 3_500).await;
    assert!(ban.params.get("until_date").is_none(), "for good: {ban:?}");
    a_few_ticks(&bot).await;
    assert!(
        bot.api.calls("unbanChatMember").is_empty(),
        "a ban is not lifted"
    );
    bot.stop().await;
}

#[tokio::test]
async fn the_mute_fail_action_leaves_the_member_restricted() {
    let bot = TestBot::start_with(&[("GROUPOPS_WELCOME__FAIL_ACTION", "mute")]).await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(OWNER), "/captcha math"));
    bot.wait_texts(GROUP, 2).await;
    let yan = newcomer(3_501, "Yan");
    bot.push(joins(&yan));
    answer_wrong(&bot, &yan, 3_501).await;
    a_few_ticks(&bot).await;
    assert!(bot.api.calls("banChatMember").is_empty(), "not removed");
    let restricts = restricts_of(&bot, 3_501);
    assert_eq!(restricts.len(), 1, "still restricted, never let in");
    assert_ne!(
        restricts[0].params["permissions"]["can_send_messages"],
        true
    );
    bot.stop().await;
}

#[tokio::test]
async fn goodbyes_keep_their_link_buttons() {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(
        GROUP,
        owner(OWNER),
        "/setgoodbye Bye {name}!\n[Come back](https://example.org/back)",
    ));
    bot.push(group_message(GROUP, owner(OWNER), "/goodbye on"));
    bot.wait_texts(GROUP, 3).await;
    let kim = newcomer(3_502, "Kim");
    bot.push(chat_member(
        GROUP,
        kim.clone(),
        kim.clone(),
        "member",
        "left",
        None,
    ));
    let texts = bot.wait_texts(GROUP, 4).await;
    assert_eq!(texts[3], "Bye Kim!");
    let goodbye = bot.api.calls("sendMessage").pop().unwrap();
    assert_eq!(
        goodbye.params["reply_markup"]["inline_keyboard"][0][0]["url"],
        "https://example.org/back"
    );
    bot.stop().await;
}

#[tokio::test]
async fn clean_mode_and_bot_removal_say_which_right_is_missing() {
    let bot = TestBot::start().await;
    let mut weak_bot = bot_admin_member();
    weak_bot["can_delete_messages"] = serde_json::json!(false);
    weak_bot["can_restrict_members"] = serde_json::json!(false);
    bot.api
        .set_admins(GROUP, vec![member(owner(OWNER), "creator"), weak_bot]);
    bot.push(my_chat_member(
        group(GROUP),
        owner(OWNER),
        "left",
        "administrator",
    ));
    bot.push(group_message(GROUP, owner(OWNER), "/captcha off"));
    bot.wait_texts(GROUP, 2).await;
    bot.push(joins(&newcomer(3_510, "Ann")));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    bot.wait_texts(GROUP, 3).await;
    stored_welcome_id(&bot).await;
    bot.push(joins(&newcomer(3_511, "Ben")));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(13));
    let texts = bot.wait_texts(GROUP, 5).await;
    assert!(
        texts[4].contains("“delete messages” admin right"),
        "clean mode cannot delete the previous welcome: {texts:?}"
    );
    assert!(bot.api.calls("deleteMessage").is_empty());
    // The notice is rare; an hour later a bot added by a member cannot be removed either.
    bot.clock.advance(Duration::from_secs(3_601));
    let spam_bot = serde_json::json!({"id": 6_667, "is_bot": true, "first_name": "Spam", "username": "spam2_bot"});
    bot.push(new_members(GROUP, newcomer(3_512, "Joe"), vec![spam_bot]));
    let texts = bot.wait_texts(GROUP, 6).await;
    assert!(texts[5].contains("“ban users” admin right"), "{texts:?}");
    assert!(bot.api.calls("banChatMember").is_empty());
    bot.stop().await;
}

/// `/captcha 5` says the allowed range and changes nothing; `/captcha 2分钟` keeps the group's check and
/// sets two minutes.
async fn a_bare_captcha_time_is_checked_against_the_range(lang: &str, range: &str, set: &str) {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(OWNER), &format!("/lang {lang}")));
    bot.wait_texts(GROUP, 2).await;
    bot.push(group_message(GROUP, owner(OWNER), "/captcha 5"));
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(texts[2].contains(range), "{texts:?}");
    bot.push(group_message(GROUP, owner(OWNER), "/captcha 2分钟"));
    let texts = bot.wait_texts(GROUP, 4).await;
    assert!(texts[3].contains(set), "{texts:?}");
    bot.stop().await;
}

#[tokio::test]
async fn a_bare_captcha_time_is_checked_against_the_range_zh() {
    a_bare_captcha_time_is_checked_against_the_range("zh", "15–600 秒", "限时 120 秒").await;
}

#[tokio::test]
async fn a_bare_captcha_time_is_checked_against_the_range_en() {
    a_bare_captcha_time_is_checked_against_the_range("en", "15–600 seconds", "120").await;
}

/// A question Telegram refuses never lets the newcomer in: they stay restricted, the admins are told, and
/// the question is asked again later, its time starting only then.
async fn a_refused_question_keeps_the_gate_closed(lang: &str, warning: &str) {
    let bot = TestBot::start().await;
    setup(&bot).await;
    bot.push(group_message(GROUP, owner(OWNER), &format!("/lang {lang}")));
    bot.wait_texts(GROUP, 2).await;
    bot.api.fail_next(
        "sendMessage",
        1,
        crate::support::fake_api::Failure::Forbidden(
            "Forbidden: not enough rights to send text messages to the chat".into(),
        ),
    );
    bot.push(joins(&newcomer(3_500, "Sly")));
    wait_call_for(&bot, "restrictChatMember", 3_500).await;
    let texts = bot.wait_texts(GROUP, 3).await;
    assert!(texts[2].contains(warning), "{texts:?}");
    bot.settle().await;
    assert_eq!(
        bot.api.calls("restrictChatMember").len(),
        1,
        "not let in when the question could not be sent"
    );
    assert!(gate_messages(&bot, GROUP).iter().all(|c| c.failed));
    bot.clock.advance(Duration::from_secs(31));
    let question = gate_message(&bot, GROUP, 2).await;
    assert!(!question.failed, "asked again");
    assert!(question.params["text"].as_str().unwrap().contains("Sly"));
    bot.settle().await;
    let deadline: i64 = sqlx::query_scalar("SELECT deadline FROM welcome_gates WHERE user_id = ?")
        .bind(3_500)
        .fetch_one(&bot.ctx.storage.read)
        .await
        .unwrap();
    assert!(
        deadline > bot.ctx.now(),
        "the time to answer starts when the question is really sent"
    );
    assert_eq!(bot.api.calls("restrictChatMember").len(), 1);
    bot.stop().await;
}

#[tokio::test]
async fn a_refused_question_keeps_the_gate_closed_zh() {
    a_refused_question_keeps_the_gate_closed("zh", "新成员会保持受限").await;
}

#[tokio::test]
async fn a_refused_question_keeps_the_gate_closed_en() {
    a_refused_question_keeps_the_gate_closed("en", "Newcomers stay restricted").await;
}

/// `{rules}` in a welcome never leaves a gap: it says there are no rules yet, and once they are set it
/// points at the rules button under the welcome.
async fn rules_in_a_welcome_are_never_empty(lang: &str) {
    let bot = TestBot::start().await;
    setup(&bot).await;
    let say = |text: &str| bot.push(group_message(GROUP, owner(OWNER), text));
    if lang == "zh" {
        say("/lang zh");
    }
    say("/captcha off");
    say("/setwelcome Hi {mention}! {rules}");
    bot.settle().await;
    let before = bot.texts_to(GROUP).len();
    bot.push(joins(&newcomer(3_040, "Ann")));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    let texts = bot.wait_texts(GROUP, before + 1).await;
    let (none, see) = if lang == "en" {
        (
            "This group has no rules set yet.",
            "Please read the rules: tap the button below.",
        )
    } else {
        ("本群还没有设置群规。", "请点击下方按钮阅读群规。")
    };
    assert!(texts[before].ends_with(none), "{}", texts[before]);
    say("/setrules Be kind.");
    bot.settle().await;
    let before = bot.texts_to(GROUP).len();
    bot.clock.advance(Duration::from_secs(13));
    bot.push(joins(&newcomer(3_041, "Ben")));
    bot.settle().await;
    bot.clock.advance(Duration::from_secs(5));
    bot.wait_texts(GROUP, before + 1).await;
    let welcome = bot.api.calls("sendMessage").pop().unwrap();
    let text = welcome.params["text"].as_str().unwrap();
    assert!(text.ends_with(see), "{text}");
    let url = welcome.params["reply_markup"]["inline_keyboard"][0][0]["url"]
        .as_str()
        .unwrap_or_default();
    assert!(url.contains(&format!("rules_{GROUP}")), "{welcome:?}");
    bot.stop().await;
}

#[tokio::test]
async fn rules_in_a_welcome_are_never_empty_en() {
    rules_in_a_welcome_are_never_empty("en").await;
}

#[tokio::test]
async fn rules_in_a_welcome_are_never_empty_zh() {
    rules_in_a_welcome_are_never_empty("zh").await;
}

/// A wrong answer that kicks says the member may join again and retry; an approved join request is told
/// "you're in" in private, with a button that opens the group when it has a public link.
async fn a_kick_says_try_again_and_an_approved_request_says_youre_in(lang: &str) {
    let bot = TestBot::start().await;
    bot.api.set_admins(
        GROUP,
        vec![member(owner(OWNER), "creator"), bot_admin_member()],
    );
    let mut chat = group(GROUP);
    chat["username"] = serde_json::json!("test_group");
    bot.push(my_chat_member(chat, owner(OWNER), "left", "administrator"));
    bot.wait_texts(GROUP, 1).await;
    if lang == "zh" {
        bot.push(group_message(GROUP, owner(OWNER), "/lang zh"));
    }
    bot.push(group_message(GROUP, owner(OWNER), "/captcha math 60"));
    bot.settle().await;
    let speaks = if lang == "en" { "en" } else { "zh-hans" };
    let bob = user_with(3_060, "Bob", Some("bob"), Some(speaks));
    bot.push(joins(&bob));
    let question = gate_message(&bot, GROUP, 1).await;
    let (_, answer) = gate_answer(&bot, 3_060).await;
    let wrong = button_data(&question)
        .into_iter()
        .find(|d| !d.ends_with(&format!(":{answer}")))
        .unwrap();
    bot.push(callback(GROUP, bob, 0, &wrong));
    let answered = bot.api.wait_for("answerCallbackQuery", 1, WAIT).await;
    let text = answered[0].params["text"].as_str().unwrap_or_default();
    let again = if lang == "en" {
        "You may join again and try once more."
    } else {
        "可以重新入群再试一次。"
    };
    assert!(text.contains(again), "{text}");

    let fay = user_with(3_061, "Fay", Some("fay"), Some(speaks));
    bot.push(join_request(GROUP, fay.clone(), None));
    let question = gate_message(&bot, 3_061, 1).await;
    let (_, answer) = gate_answer(&bot, 3_061).await;
    let right = button_data(&question)
        .into_iter()
        .find(|d| d.ends_with(&format!(":{answer}")))
        .unwrap();
    bot.push(callback(3_061, fay, 0, &right));
    wait_call_for(&bot, "approveChatJoinRequest", 3_061).await;
    let texts = bot.wait_texts(3_061, 2).await;
    let welcome_in = if lang == "en" {
        "You're in! Welcome to Test Group."
    } else {
        "你已入群！欢迎加入Test Group。"
    };
    assert!(texts[1].contains(welcome_in), "{texts:?}");
    let sent = bot
        .api
        .calls("sendMessage")
        .into_iter()
        .rfind(|c| is_to(c, 3_061))
        .unwrap();
    assert_eq!(
        sent.params["reply_markup"]["inline_keyboard"][0][0]["url"],
        "https://t.me/test_group"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_kick_says_try_again_and_an_approved_request_says_youre_in_en() {
    a_kick_says_try_again_and_an_approved_request_says_youre_in("en").await;
}

#[tokio::test]
async fn a_kick_says_try_again_and_an_approved_request_says_youre_in_zh() {
    a_kick_says_try_again_and_an_approved_request_says_youre_in("zh").await;
}
